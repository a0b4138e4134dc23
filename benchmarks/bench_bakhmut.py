"""Benchmark of the Bakhmut model: calibration and a 1,000-run baseline ensemble.

Writes ``benchmarks/results/bakhmut.md``. The casualty evidence comes from the fog-of-war
estimate when it is available (NumPyro installed), otherwise from synthetic draws of the model
(noted in the file). Target (issue 6): the 1,000-run baseline ensemble in under 60 s on 2 cores.

``--study FILE`` also writes the figures quoted in ``docs/bakhmut-model.md``: the law
comparison, the fit to the record, the scenario ensembles and the hindcast skill table.
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
from attrition.errors import UserError  # noqa: E402
from attrition.infer import calibrate as C  # noqa: E402
from attrition.models import bakhmut as B  # noqa: E402
from attrition.scenarios import bakhmut as S  # noqa: E402


def _md(df: object, digits: int = 3) -> str:
    """A pandas DataFrame as a Markdown table (no 'tabulate' needed)."""
    import pandas as pd

    assert isinstance(df, pd.DataFrame)

    def cell(v: object) -> str:
        if isinstance(v, float):
            return "" if v != v else f"{v:.{digits}g}"
        return str(v)

    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def _versions() -> str:
    import numba
    import scipy

    return (
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, numba {numba.__version__}"
    )


def _evidence(cutoff: dt.date | None) -> tuple[C.CasualtyEvidence, str]:
    try:
        return C.casualty_evidence(cutoff), "fog-of-war estimate (FogOfWar, 2 chains x 300 draws)"
    except UserError as exc:
        truth = B.prior_values()
        ev = C.synthetic_evidence(B.BakhmutModel("square"), truth, draws=200, seed=0)
        return ev.truncate(cutoff), f"SYNTHETIC draws (fog-of-war unavailable: {exc})"


def bench(repeats: int = 3) -> tuple[str, C.Calibration, str]:
    t0 = time.perf_counter()
    ev, source = _evidence(None)
    t_ev = time.perf_counter() - t0
    B.simulate(B.BakhmutModel("square"), {k: np.array([v]) for k, v in B.prior_values().items()})
    t0 = time.perf_counter()
    cal = C.calibrate(ev, law="auto", seed=0)
    t_cal = time.perf_counter() - t0
    spec = S.load_scenario("baseline")
    S.run_scenario(spec, cal, runs=20, seed=1)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = S.run_scenario(spec, cal, runs=1000, seed=1)
        times.append(time.perf_counter() - t0)
    t_det = []
    params, _ = S.posterior_params(cal, 1000, 1)
    for _ in range(repeats):
        t0 = time.perf_counter()
        B.simulate(cal.model(), params)
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
        f"Chosen law: {cal.law}; baseline city fall (>= {B.FALL_FRACTION:.0%} held): "
        f"median {summ['city_fall_date']['median'] or 'after the window'}, P(by {B.END}) = "
        f"{summ['city_fall_date']['probability_by_end']:.2f}.",
        "",
    ]
    return "\n".join(lines), cal, source


OUT_COLS = ["id", "date", "place", "quantity", "front", "kind", "low", "high", "q05", "q50", "q95"]


def study(cal: C.Calibration, out: Path, hindcast_runs: int) -> None:
    import pandas as pd

    pd.set_option("display.width", 200)
    parts = ["# Bakhmut study (figures for docs/bakhmut-model.md)", ""]
    parts += ["## Laws", "", _md(pd.DataFrame(cal.laws)), ""]
    parts += ["## Posterior", "", _md(cal.posterior_table()), ""]
    base = S.run_scenario(S.load_scenario("baseline"), cal, runs=1000, seed=1)
    fit = S.fit_to_record(cal, base)
    ev = fit[fit["source"] == "event"]
    cl = fit[fit["source"] == "claim"]
    parts += [
        "## Fit to the record (baseline ensemble, 1,000 runs)",
        "",
        f"control-event statements inside the 90% band: {int(ev['inside'].sum())} of {len(ev)}"
        f"; claims: {int(cl['inside'].sum())} of {len(cl)}",
        "",
        _md(fit[~fit["inside"]][OUT_COLS]),
        "",
        _md(cl[["id", "date", "quantity", "kind", "low", "high", "q05", "q50", "q95", "inside"]]),
        "",
    ]
    daily = base.daily()
    days = ["2022-12-31", "2023-01-31", "2023-03-07", "2023-04-17", "2023-05-01", "2023-05-20",
            "2023-06-30"]  # fmt: skip
    sel = daily[daily["date"].isin(days)]
    parts += ["## Baseline trajectory", "", _md(sel), ""]
    rows = []
    for name in S.library():
        r = S.run_scenario(S.load_scenario(name), cal, runs=1000, seed=1).summary()
        f = r["city_fall_date"]
        rows.append(
            {
                "scenario": name,
                "fall median": f["median"],
                "fall q05": f["q05"],
                "fall q95": f["q95"],
                "P(fall by end)": f["probability_by_end"],
                "RU median": r["sides"]["RU"]["casualties"]["median"],
                "RU q05": r["sides"]["RU"]["casualties"]["q05"],
                "RU q95": r["sides"]["RU"]["casualties"]["q95"],
                "UA median": r["sides"]["UA"]["casualties"]["median"],
                "UA q05": r["sides"]["UA"]["casualties"]["q05"],
                "UA q95": r["sides"]["UA"]["casualties"]["q95"],
                "ratio median": r["exchange_ratio"]["median"],
            }
        )
    parts += ["## Scenarios (1,000 runs each)", "", _md(pd.DataFrame(rows)), ""]
    atomic_write_text(out, "\n".join(parts))
    t0 = time.perf_counter()
    table = S.hindcast(runs=hindcast_runs, seed=0, evidence_fn=lambda c: _evidence(c)[0])
    parts += [
        f"## Hindcast ({hindcast_runs} runs per cutoff, {time.perf_counter() - t0:.0f} s)",
        "",
        _md(table),
        "",
    ]
    atomic_write_text(out, "\n".join(parts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--study", type=Path, default=None, help="also write the study figures")
    parser.add_argument("--hindcast-runs", type=int, default=500)
    args = parser.parse_args()
    text, cal, _ = bench(args.repeats)
    atomic_write_text(HERE / "results" / "bakhmut.md", text)
    print(text)
    if args.study:
        study(cal, args.study, args.hindcast_runs)
        print(f"wrote {args.study}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
