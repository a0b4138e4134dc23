"""Benchmark of the Bakhmut model: calibration and a 1,000-run baseline ensemble.

Writes ``benchmarks/results/bakhmut.md``. The casualty evidence comes from the fog-of-war
estimate when it is available (NumPyro installed), otherwise from synthetic draws of the model
(noted in the file). Target (issue 6): the 1,000-run baseline ensemble in under 60 s on 2 cores.

The figures quoted in ``docs/bakhmut-model.md`` (law comparison, fit to the record, scenarios,
hindcast skill over seeds) are not written here: their one generator is
``tools/docs_figures/bakhmut_model.py`` (``make docs-figures``), which also records their Monte
Carlo errors and the seeds and settings in ``docs/figures/bakhmut_model.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from _common import machine  # noqa: E402

from attrition._io import atomic_write_text  # noqa: E402
from attrition.battles import bakhmut as bk  # noqa: E402
from attrition.errors import UserError  # noqa: E402


def _versions() -> str:
    import numba
    import scipy

    return (
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, numba {numba.__version__}"
    )


def _evidence(cutoff: dt.date | None) -> tuple[bk.CasualtyEvidence, str]:
    try:
        return bk.casualty_evidence(cutoff), "fog-of-war estimate (FogOfWar, 2 chains x 300 draws)"
    except UserError as exc:
        truth = bk.prior_values()
        ev = bk.synthetic_evidence(
            bk.BakhmutModel("square", bk.record_schedule()), truth, draws=200, seed=0
        )
        return ev.truncate(cutoff), f"SYNTHETIC draws (fog-of-war unavailable: {exc})"


def bench(repeats: int = 3) -> tuple[str, bk.Calibration, str]:
    t0 = time.perf_counter()
    ev, source = _evidence(None)
    t_ev = time.perf_counter() - t0
    bk.simulate(
        bk.BakhmutModel("square", bk.record_schedule()),
        {k: np.array([v]) for k, v in bk.prior_values().items()},
    )
    t0 = time.perf_counter()
    cal = bk.calibrate(ev, law="auto", seed=0)
    t_cal = time.perf_counter() - t0
    spec = bk.load_scenario("baseline")
    bk.run_scenario(spec, cal, runs=20, seed=1)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = bk.run_scenario(spec, cal, runs=1000, seed=1)
        times.append(time.perf_counter() - t0)
    t_det = []
    params, _ = bk.posterior_params(cal, 1000, 1)
    for _ in range(repeats):
        t0 = time.perf_counter()
        bk.simulate(cal.model(), params)
        t_det.append(time.perf_counter() - t0)
    med = statistics.median(times)
    summ = res.summary()
    lines = [
        "# Bakhmut model benchmark",
        "",
        f"Machine: {machine()}  ",
        f"Versions: {_versions()}  ",
        f"Date: {dt.datetime.now():%Y-%m-%d %H:%M}; medians of {repeats} timed runs after a "
        "warm-up (Numba compiled beforehand). Other jobs shared this machine: timings are noisy.  ",
        f"Casualty evidence: {source} ({t_ev:.1f} s).",
        "",
        "| step | runs | seconds | target |",
        "|---|---:|---:|---|",
        f"| calibration (3 laws, SMC 600 particles x 6 moves) | - | {t_cal:.1f} | - |",
        f"| baseline ensemble, binomial daily step (posterior x stochastic) | 1,000 | "
        f"{med:.2f} | < 60 s on 2 cores: **{'met' if med < 60 else 'missed'}** |",
        f"| baseline ensemble, deterministic daily map (Numba) | 1,000 | "
        f"{statistics.median(t_det):.3f} | - |",
        "",
        f"Chosen law: {cal.law}; baseline city fall (>= {bk.FALL_FRACTION:.0%} held): "
        f"median {summ['city_fall_date']['median'] or 'after the window'}, P(by {bk.END}) = "
        f"{summ['city_fall_date']['probability_by_end']:.2f}.",
        "",
    ]
    return "\n".join(lines), cal, source


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    text, _, _ = bench(args.repeats)
    atomic_write_text(HERE / "results" / "bakhmut.md", text)
    print(text)
    print("doc figures: make docs-figures FIGURES_ARGS='--only bakhmut_model'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
