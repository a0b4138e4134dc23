"""Benchmark of the fog-of-war estimate: the default Bakhmut fit after JIT warm-up.

Writes ``benchmarks/results/estimate.md``: machine, versions, the median wall time of the
default fit, what ``attrition estimate`` runs (:func:`attrition.infer.fusion.request.estimate`
with the default request: the joint model, 4 chains x 500 draws after 500 warm-up, chains
vectorised on the CPU) over ``--repeats`` timed runs after one warm-up run (which compiles),
the worst R-hat, the smallest effective sample size and the divergences; and, for comparison,
one timed fit of the former model (``--model independent``). Target (issues 4 and 14): under
60 s on 2 cores, R-hat < 1.01, no divergences.

    python benchmarks/bench_estimate.py [--repeats 3] [--out benchmarks/results/estimate.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from _common import machine  # noqa: E402

from attrition._io import atomic_write_text  # noqa: E402
from attrition.infer.fusion.request import EstimateRequest, estimate  # noqa: E402


def _versions() -> str:
    import jax
    import numpy as np
    import numpyro

    return (
        f"python {platform.python_version()}, numpy {np.__version__}, jax {jax.__version__}, "
        f"numpyro {numpyro.__version__}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "estimate.md")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    estimate("bakhmut", EstimateRequest(seed=0))
    warm = time.perf_counter() - t0
    times: list[float] = []
    runs: list[str] = []
    fog: Any = None
    s: dict[str, Any] = {}
    worst_r, total_div = 0.0, 0
    for k in range(args.repeats):
        t0 = time.perf_counter()
        s, fog = estimate("bakhmut", EstimateRequest(seed=k))
        times.append(time.perf_counter() - t0)
        d = fog.diagnostics_
        runs.append(
            f"| {k} | {times[-1]:.1f} | {d.r_hat_max:.4f} (`{d.worst_r_hat}`) | "
            f"{d.ess_min:.0f} (`{d.worst_ess}`) | {d.divergences} |"
        )
        print(runs[-1], flush=True)
        worst_r = max(worst_r, d.r_hat_max)
        total_div += d.divergences
    estimate("bakhmut", EstimateRequest(seed=0, model="independent"))  # compiles
    t0 = time.perf_counter()
    estimate("bakhmut", EstimateRequest(seed=0, model="independent"))
    independent = time.perf_counter() - t0
    if fog is None:
        raise SystemExit("--repeats must be at least 1")
    med = statistics.median(times)
    ru, ua = s["sides"]["RU"]["casualties"], s["sides"]["UA"]["casualties"]
    er = s["exchange_ratio"]
    met = med < 60 and worst_r < 1.01 and total_div == 0
    timed = f"default fit after warm-up, median of {args.repeats} (seeds 0..{args.repeats - 1})"
    verdict = "met" if med < 60 else "missed"
    fused = (
        f"RU {ru['median']:,.0f} ({ru['q05']:,.0f}-{ru['q95']:,.0f}), "
        f"UA {ua['median']:,.0f} ({ua['q05']:,.0f}-{ua['q95']:,.0f}), "
        f"exchange ratio {er['median']:.2f} ({er['q05']:.2f}-{er['q95']:.2f})"
    )
    text = f"""# Fog-of-war estimate benchmark

Machine: {machine()}
Versions: {_versions()}
Date: {dt.datetime.now():%Y-%m-%d %H:%M}; default Bakhmut fit, what `attrition estimate`
runs (`estimate("bakhmut", EstimateRequest(seed=k))`: the joint model of the battle inside the
war, 4 chains x 500 draws after 500 warm-up, NUTS, chains vectorised on the CPU). Other jobs
may share this machine: timings are noisy.

| step | seconds | target |
|---|---:|---|
| first fit (includes JIT compilation) | {warm:.1f} | - |
| {timed} | {med:.1f} | < 60 s on 2 cores: **{verdict}** |
| former model (`--model independent`), seed 0, after warm-up | {independent:.1f} | - |

| seed | seconds | R-hat max (site) | ESS min (site) | divergences |
|---:|---:|---|---|---:|
{chr(10).join(runs)}

Bar (median < 60 s, R-hat < 1.01 and no divergences in every timed run):
**{"met" if met else "missed"}**.

Fused totals at the battle (last run, median and 90% interval): {fused}. Estimates from
claims, not facts.
"""
    atomic_write_text(args.out, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
