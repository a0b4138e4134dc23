"""How many Metropolis moves per SMC stage the Bakhmut log evidence needs: bias and spread.

Calibrates one law at a time on all evidence with several seeds, for each setting
(particles, moves per stage, ESS target), and prints each law's log marginal likelihoods, their
sd over the seeds and the wall time of each calibration. The scenario command's 16 moves
(``bakhmut.scenarios.CALIBRATION_SETTINGS``) rest on this measurement:

    python tools/smc_moves.py --laws logarithmic square --seeds 0 1 2 3 \\
        --settings 2000:6:0.6 2000:16:0.6 2000:6:0.9

Output: one line per law and setting; with ``--out FILE`` also strict JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--laws", nargs="+", default=["logarithmic", "square"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    ap.add_argument(
        "--settings",
        nargs="+",
        default=["2000:6:0.6", "2000:16:0.6", "2000:6:0.9"],
        help="particles:moves:ess_target",
    )
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)

    import numpy as np

    import attrition
    from attrition.battles.bakhmut import calibration as cal_mod
    from attrition.battles.bakhmut.evidence import casualty_evidence

    ev = casualty_evidence(None)
    out: dict[str, object] = {"version": attrition.__version__, "seeds": a.seeds, "rows": []}
    rows: list[dict[str, object]] = []
    default_ess = cal_mod.ESS_TARGET
    for law in a.laws:
        for spec in a.settings:
            n, m, ess = spec.split(":")
            cal_mod.ESS_TARGET = float(ess)
            vals, secs = [], []
            for seed in a.seeds:
                t = time.perf_counter()
                cal = cal_mod.calibrate(ev, law=law, seed=seed, particles=int(n), moves=int(m))
                secs.append(round(time.perf_counter() - t, 1))
                vals.append(float(cal.fits[law].log_evidence))
            cal_mod.ESS_TARGET = default_ess
            sd = float(np.std(vals, ddof=1)) if len(vals) > 1 else float("nan")
            print(
                f"{law} particles {n} moves {m} ess {ess}: log evidence {np.round(vals, 2)}, "
                f"mean {np.mean(vals):.2f}, sd {sd:.2f} nat; seconds {secs}",
                flush=True,
            )
            rows.append({"law": law, "particles": int(n), "moves": int(m), "ess_target": float(ess),
                         "log_evidence": vals, "sd": sd if len(vals) > 1 else None,
                         "seconds": secs})  # fmt: skip
    out["rows"] = rows
    if a.out:
        Path(a.out).write_text(json.dumps(out, indent=1, allow_nan=False) + "\n")
        print(f"wrote {a.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
