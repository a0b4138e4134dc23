"""Which Bakhmut parameters the evidence cannot move: the scan behind ``params.FIXED``.

Calibrates every law on all evidence at several SMC seeds, reads each fitted parameter's
identification ratio and centre shift
(:func:`attrition.battles.bakhmut.identification.identification_table`) and applies the rule
``params.FIXED`` states: a parameter is *not identified* when, under every law, the median
over the seeds of its ratio is above ``IDENTIFIED_RATIO``; it is fixed at its prior median when,
besides, the evidence did not move its centre (each law's shift, averaged over the seeds, under
0.5 prior sd), and listed as *moved, not narrowed* otherwise. Too few particles or moves narrow
a posterior artificially (at 500 particles the median ratio is ~0.1 lower than at 2,000), so
the defaults are 2,000 particles and the scenario command's 16 moves:

    python tools/identification_scan.py [--seeds 1 2 3] [--particles 2000] [--moves 16]
        [--big 0] [--out benchmarks/results/identification_scan.json]

Prints one row per parameter; writes the measurements as strict JSON (settings, seeds, version,
commit, timings). Parameters already fixed are not fitted, so not scanned.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

SHIFT_LIMIT = 0.5
"""A centre moved by less than this many prior sds counts as not moved."""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--particles", type=int, default=2000)
    ap.add_argument("--big", type=int, default=0, help="particles of one more run (0: none)")
    ap.add_argument("--moves", type=int, default=16)
    ap.add_argument("--out", default="benchmarks/results/identification_scan.json")
    a = ap.parse_args(argv)

    import subprocess

    import numpy as np

    import attrition
    from attrition.battles.bakhmut.axes import BAKHMUT_LAWS
    from attrition.battles.bakhmut.calibration import calibrate
    from attrition.battles.bakhmut.evidence import casualty_evidence
    from attrition.battles.bakhmut.identification import IDENTIFIED_RATIO, identification_table
    from attrition.battles.bakhmut.params import PARAMS

    t0 = time.perf_counter()
    ev = casualty_evidence(None)
    runs = [(s, a.particles) for s in a.seeds] + ([(a.seeds[0], a.big)] if a.big else [])
    rows: dict[str, list[dict[str, Any]]] = {}
    for law in BAKHMUT_LAWS:
        for seed, n in runs:
            t = time.perf_counter()
            cal = calibrate(ev, law=law, seed=seed, particles=n, moves=a.moves)
            tab = identification_table(cal)
            for r in tab[tab["fitted"]].to_dict("records"):
                rows.setdefault(str(r["parameter"]), []).append(
                    {
                        "law": law,
                        "seed": seed,
                        "particles": n,
                        "ratio": float(r["ratio"]),
                        "shift": float(r["shift"]),
                    }
                )
            print(f"{law} seed {seed} x {n}: {time.perf_counter() - t:.0f} s", file=sys.stderr)
    verdicts: dict[str, str] = {}
    print(f"{'parameter':22s} {'law median':>9s} {'|law shift|':>11s}  verdict")
    for p in PARAMS:
        if p.name not in rows:
            verdicts[p.name] = "fixed already" if p.fixed else "not fitted"
            print(f"{p.name:22s} {'':>9s} {'':>11s}  {verdicts[p.name]}")
            continue
        rs = rows[p.name]
        # each law's median ratio over its calibrations (one seed's is noisy), the lowest law's
        lo = min(
            float(np.median([r["ratio"] for r in rs if r["law"] == lw]))
            for lw in BAKHMUT_LAWS
            if any(r["law"] == lw for r in rs)
        )
        # the shift of each law's centre, averaged over its seeds (one seed's is noisy)
        by_law = [[r["shift"] for r in rs if r["law"] == lw] for lw in BAKHMUT_LAWS]
        sh = max(abs(sum(v) / len(v)) for v in by_law if v)
        if lo <= IDENTIFIED_RATIO:
            v = "identified"
        elif sh < SHIFT_LIMIT:
            v = "not identified, not moved: fix"
        else:
            v = "not identified, moved: keep fitted"
        verdicts[p.name] = v
        print(f"{p.name:22s} {lo:9.2f} {sh:11.2f}  {v}")
    out = {
        "settings": {
            "seeds": a.seeds,
            "particles": a.particles,
            "big": a.big,
            "moves": a.moves,
            "identified_ratio": IDENTIFIED_RATIO,
            "shift_limit": SHIFT_LIMIT,
        },
        "version": attrition.__version__,
        "commit": subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        "seconds": round(time.perf_counter() - t0, 1),
        "verdicts": verdicts,
        "measurements": rows,
    }
    text = json.dumps(out, indent=1, allow_nan=False, sort_keys=True)
    if not all(math.isfinite(r["ratio"]) for rs in rows.values() for r in rs):
        raise SystemExit("a ratio is not finite")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(text + "\n")
    print(f"wrote {a.out} ({out['seconds']} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
