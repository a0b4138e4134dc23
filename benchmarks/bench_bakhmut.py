"""Benchmark of the Bakhmut model: calibration, its evidence's Monte Carlo error and a 1,000-run
baseline ensemble.

Writes ``benchmarks/results/bakhmut.md``. The casualty evidence comes from the fog-of-war
estimate when it is available (NumPyro installed), otherwise from synthetic draws of the model
(noted in the file). Targets: the 1,000-run baseline ensemble in under 60 s on 2 cores
(issue 6); 3 laws x 2,000 particles calibrated in under 60 s on 2 cores, and a Monte Carlo
error (standard deviation over seeds) of every law's log marginal likelihood below 0.5 nat
(issue 15). Wall times depend on what else runs on the machine: the file records the load
average and the process's CPU time (all threads) beside each wall time.

The figures quoted in ``docs/bakhmut-model.md`` (law comparison, fit to the record, scenarios,
hindcast skill over seeds) are not written here: their one generator is
``tools/docs_figures/bakhmut_model.py`` (``make docs-figures``), which also records their Monte
Carlo errors and the seeds and settings in ``docs/figures/bakhmut_model.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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

import numpy as np  # noqa: E402
from _common import machine  # noqa: E402

from attrition._io import atomic_write_text  # noqa: E402
from attrition.battles import bakhmut as bk  # noqa: E402
from attrition.battles.bakhmut.evidence_error import log_evidence_error  # noqa: E402
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


def _timed(f: Any) -> tuple[Any, float, float, str]:
    """``f()``, its wall and CPU seconds (this process, all threads) and the load average."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    t0, c0 = time.perf_counter(), time.process_time()
    out = f()
    return out, time.perf_counter() - t0, time.process_time() - c0, load


def _prepared() -> tuple[Any, str, float]:
    """The casualty evidence (with its source and the seconds it took) and the kernel compiled,
    so that the timed rows time the calibration only."""
    t0 = time.perf_counter()
    ev, source = _evidence(None)
    t_ev = time.perf_counter() - t0
    bk.simulate(
        bk.BakhmutModel("square", bk.record_schedule()),
        {k: np.array([v]) for k, v in bk.prior_values().items()},
    )
    return ev, source, t_ev


def calibration_rows(big: int = 2000) -> str:
    """Only the calibration rows of the table (``--only calibration``): the default SMC and
    ``big`` particles, each one timed run after the kernel is compiled, with the chosen laws
    and the log evidence of every law (to check a speed-up left the results unchanged)."""
    ev, source, t_ev = _prepared()
    n_def, m_def = bk.CALIBRATION_SETTINGS  # the scenario command's, the docs' and the report's
    lines = [
        f"Machine: {machine()}  ",
        f"Versions: {_versions()}  ",
        f"Date: {dt.datetime.now():%Y-%m-%d %H:%M}; casualty evidence: {source} ({t_ev:.1f} s).",
        "",
        "| step | wall s | CPU s | load at start | target | chosen law | log evidence by law |",
        "|---|---:|---:|---|---|---|---|",
    ]
    for n in (n_def, big):
        cal, t, c, ld = _timed(
            lambda n=n: bk.calibrate(ev, law="auto", seed=0, particles=n, moves=m_def)
        )
        target = f"< 60 s on 2 cores: **{'met' if t < 60 else 'missed'}**" if n == big else "-"
        le = ", ".join(f"{f.law} {f.log_evidence!r}" for f in cal.fits.values())
        lines.append(
            f"| calibration, 3 laws, SMC {n:,} particles x {m_def} moves | {t:.1f} | {c:.1f} | "
            f"{ld} | {target} | {cal.law} | {le} |"
        )
    lines.append("")
    return "\n".join(lines)


def bench(
    repeats: int = 3,
    evidence_repeats: int = 5,
    evidence_particles: tuple[int, ...] = (600, 2000),
    big: int = 2000,
) -> tuple[str, bk.Calibration, str]:
    ev, source, t_ev = _prepared()
    n_def, m_def = bk.CALIBRATION_SETTINGS  # the scenario command's, the docs' and the report's
    cal, t_cal, c_cal, l_cal = _timed(
        lambda: bk.calibrate(ev, law="auto", seed=0, particles=n_def, moves=m_def)
    )
    cal_big, t_big, c_big, l_big = _timed(
        lambda: bk.calibrate(ev, law="auto", seed=0, particles=big, moves=m_def)
    )
    spreads = []
    for n in evidence_particles:
        rep, t_rep, c_rep, l_rep = _timed(
            lambda n=n: log_evidence_error(
                ev, repeats=evidence_repeats, seed=0, particles=n, moves=m_def
            )
        )
        spreads.append((n, rep, t_rep, c_rep, l_rep))
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
        f"Date: {dt.datetime.now():%Y-%m-%d %H:%M}; ensembles: medians of {repeats} timed runs "
        "after a warm-up; calibrations: one timed run each (Numba compiled beforehand). Other "
        "jobs shared this machine: wall times are noisy; the CPU time (this process, all "
        "threads) and the load average at the start are beside them.  ",
        f"Casualty evidence: {source} ({t_ev:.1f} s).",
        "",
        "| step | runs | wall s | CPU s | load at start | target |",
        "|---|---:|---:|---:|---|---|",
        f"| calibration, 3 laws, SMC {n_def} particles x {m_def} moves (the CLI's) | - | "
        f"{t_cal:.1f} | {c_cal:.1f} | {l_cal} | - |",
        f"| calibration, 3 laws, SMC {big:,} particles x {m_def} moves | - | {t_big:.1f} | "
        f"{c_big:.1f} | {l_big} | < 60 s on 2 cores: **{'met' if t_big < 60 else 'missed'}** |",
        *(
            f"| log evidence error: {evidence_repeats} seeds x 3 laws x {n:,} particles | - | "
            f"{t:.1f} | {c:.1f} | {ld} | - |"
            for n, _, t, c, ld in spreads
        ),
        f"| baseline ensemble, binomial daily step (posterior x stochastic) | 1,000 | "
        f"{med:.2f} | - | - | < 60 s on 2 cores: **{'met' if med < 60 else 'missed'}** |",
        f"| baseline ensemble, deterministic daily map (Numba) | 1,000 | "
        f"{statistics.median(t_det):.3f} | - | - | - |",
        "",
        f"Chosen law ({n_def} particles, seed 0): {cal.law}; at {big:,} particles: "
        f"{cal_big.law}. Baseline city fall (>= {bk.FALL_FRACTION:.0%} held): median "
        f"{summ['city_fall_date']['median'] or 'after the window'}, P(by {bk.END}) = "
        f"{summ['city_fall_date']['probability_by_end']:.2f}.",
        "",
        f"Monte Carlo error of the log marginal likelihood (`log_evidence_error`, seeds 0-"
        f"{evidence_repeats - 1}, {m_def} moves; target: sd < 0.5 nat for every law):",
        "",
        "| particles | law | mean log evidence | sd over seeds | se of the mean | range | "
        "weight +- se | chosen in |",
        "|---:|---|---:|---:|---:|---|---|---:|",
    ]
    for n, rep, *_ in spreads:
        for r in rep.to_frame().itertuples():
            lines.append(
                f"| {n:,} | {r.law} | {r.log_evidence_mean:.2f} | {r.log_evidence_sd:.2f} | "
                f"{r.log_evidence_se:.2f} | {r.log_evidence_min:.2f} .. "
                f"{r.log_evidence_max:.2f} | {r.weight:.2f} +- {r.weight_se:.2f} | "
                f"{r.chosen_share:.0%} |"
            )
    for n, rep, *_ in spreads:
        worst = float(np.max(rep.sd))
        lines.append(
            f"\nAt {n:,} particles the largest sd is {worst:.2f} nat: the 0.5 nat target is "
            f"**{'met' if worst < 0.5 else 'missed'}**."
        )
    lines.append("")
    return "\n".join(lines), cal, source


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--evidence-repeats", type=int, default=5, help="seeds for the log evidence's MC error"
    )
    parser.add_argument(
        "--evidence-particles",
        type=int,
        nargs="+",
        default=[600, 2000],
        help="SMC particle counts at which the MC error is measured",
    )
    parser.add_argument(
        "--only",
        choices=["calibration"],
        help="run only these rows and print them (results/bakhmut.md is not written)",
    )
    args = parser.parse_args()
    if args.only == "calibration":
        print(calibration_rows())
        return 0
    text, _, _ = bench(args.repeats, args.evidence_repeats, tuple(args.evidence_particles))
    atomic_write_text(HERE / "results" / "bakhmut.md", text)
    print(text)
    print("doc figures: make docs-figures FIGURES_ARGS='--only bakhmut_model'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
