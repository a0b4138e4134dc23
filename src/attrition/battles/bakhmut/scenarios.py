"""Bakhmut scenarios: TOML specs, ensembles over the calibrated posterior, and hindcasts.

A scenario changes the record's schedule (whole kinds of items) and, optionally, fixes
parameters; it then runs as an ensemble over the posterior of the calibration and the
binomial daily step of the model::

    [scenario]
    kind = "bakhmut"                 # optional here: the Bakhmut reader knows its kind
    name = "earlier-withdrawal"
    title = "Ukraine leaves the city on 7 March 2023"
    rationale = "One paragraph that cites the article."

    [run]
    runs = 1000
    seed = 1

    [schedule]                       # each key replaces the record's items of that kind
    withdrawals = [{ date = "2023-03-07", to_fraction = 1.0 }]
    # supply = [{ date = "2022-08-01", level = 1.0 }]       share of the 300 t/day demanded
    # recruitment = [{ start = "2022-08-01", end = "2022-09-30" }]
    # forces = [{ force = "wagner", arrive = "2022-08-01", depart = "2023-05-25" }]
    # holds = [{ place = "Soledar", until = "2023-02-28" }]
    # offensives = []                                       no Ukrainian flank offensive

    [parameters]                     # fixed values replacing the posterior draws
    # urban_cost = 2.0

    [scale]                          # factors multiplying the posterior draws, run by run
    # c_ua = 0.6                       (lognormal parameters only: strengths, rates, ...)

A file is validated once, when it is read: its tables and keys, the schedule's dates (strings
``"YYYY-MM-DD"`` or TOML dates only), each ``[parameters]`` value (a known parameter, inside
its prior's domain and within :data:`MAX_PRIOR_SD` prior standard deviations of its centre)
and each ``[scale]`` factor (a lognormal parameter, within ``1/100 .. 100``).

``[run] law`` is ``mixture`` by default: ``attrition scenario run`` then runs the scenario
under every law, each with its own calibration, and weights them
(:func:`attrition.battles.bakhmut.mixture.run_mixture`); :func:`run_scenario` runs one law,
checks the ensemble's memory before any calibration and refuses a result that is not finite.

What a scenario prints is a *model statement* (what this calibrated model says would follow
from the changed assumptions), not a fact about what would have happened.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.battles.bakhmut.axes import DAYS, date_of
from attrition.battles.bakhmut.calibration import Calibration, calibrate, check_law_name, record_fit
from attrition.battles.bakhmut.engine import SIM_METHODS, BakhmutRuns, simulate
from attrition.battles.bakhmut.evidence import CasualtyEvidence, casualty_evidence, parse_cutoff
from attrition.battles.bakhmut.model import BakhmutModel
from attrition.battles.bakhmut.scenario_file import (  # re-exported: the file format
    KIND,
    LIBRARY,
    MAX_PRIOR_SD,
    MAX_SCALE,
    MIXTURE,
    REQUIRED_TABLES,
    TABLES,
    BakhmutScenario,
    ForceSpan,
    HoldSpan,
    OffensiveSpan,
    RecruitmentSpan,
    RunInfo,
    ScenarioInfo,
    ScheduleSpec,
    SupplyStep,
    WithdrawalStep,
    check_parameters,
    check_run_law,
    check_scale,
    library,
    load_scenario,
    parse_file,
    parse_scenario,
    scenario_schedule,
)
from attrition.errors import UserError, unknown_name
from attrition.infer.quantiles import quantiles
from attrition.limits import check_memory

__all__ = [
    "CALIBRATION_SETTINGS",
    "KIND",
    "LIBRARY",
    "MAX_PRIOR_SD",
    "MAX_SCALE",
    "MIXTURE",
    "REQUIRED_TABLES",
    "TABLES",
    "VALUES_PER_DAY",
    "BakhmutScenario",
    "EvidenceFn",
    "ForceSpan",
    "HoldSpan",
    "OffensiveSpan",
    "RecruitmentSpan",
    "RunInfo",
    "ScenarioInfo",
    "ScenarioResult",
    "ScheduleSpec",
    "SupplyStep",
    "WithdrawalStep",
    "calibration_for",
    "check_calibration_settings",
    "check_ensemble_memory",
    "check_finite_result",
    "check_parameters",
    "check_run_law",
    "check_scale",
    "default_evidence",
    "fit_to_record",
    "library",
    "load_scenario",
    "parse_file",
    "parse_scenario",
    "posterior_params",
    "run_scenario",
    "run_settings",
    "scenario_schedule",
    "summary_from_frame",
]

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr


VALUES_PER_DAY = 16
"""Numbers a Bakhmut run keeps per day: 13 of state (4 strengths, 4 cumulative losses, 3 fronts,
recruits, arrivals; :class:`attrition.battles.bakhmut.engine.BakhmutRuns`) and 3 derived (the two
sides' casualties and the city share) for the summaries: 42.8 kB per run, on the low side of
the 56.8 kB tracemalloc measured (baseline, 5,000 runs, with the summary and both tables)."""


#: Rows of :meth:`ScenarioResult.summary_frame`: (quantity, side, unit).
SUMMARY_ROWS: tuple[tuple[str, str | None, str], ...] = (
    ("fall_day", None, "day"),
    ("fallen_by_end", None, "indicator"),
    ("casualties", "RU", "casualties"),
    ("casualties", "UA", "casualties"),
    ("exchange_ratio", None, "RU per UA casualty"),
)

#: Statistic columns of :meth:`ScenarioResult.summary_frame`, in order.
SUMMARY_STATS: tuple[str, ...] = ("mean", "median", "q05", "q95")

#: The series of :meth:`ScenarioResult.daily`: (quantity and side as
#: :data:`attrition.battles.bakhmut.engine.RUN_SERIES` names them, column stem), in order.
DAILY_SERIES: tuple[tuple[str, str | None, str], ...] = (
    ("city_control", None, "city_control"),
    ("front_n_km", None, "front_n_km"),
    ("front_e_km", None, "front_e_km"),
    ("front_s_km", None, "front_s_km"),
    ("casualties", "RU", "ru_casualties"),
    ("casualties", "UA", "ua_casualties"),
)


EvidenceFn = Callable[[dt.date | None], CasualtyEvidence]


def default_evidence(cutoff: dt.date | None) -> CasualtyEvidence:
    """Casualty evidence known by ``cutoff`` from the fog-of-war estimate."""
    return casualty_evidence(cutoff)


@functools.lru_cache(maxsize=16)
def _cached_calibration(
    cutoff: dt.date | None, law: str, seed: int, evidence_fn: EvidenceFn, settings: tuple[Any, ...]
) -> Calibration:
    particles, moves = settings
    ev = evidence_fn(cutoff)
    return calibrate(ev, cutoff=cutoff, law=law, seed=seed, particles=particles, moves=moves)


CALIBRATION_SETTINGS: tuple[int, int] = (600, 16)
"""Default SMC particles and moves per stage of the scenario command (the hindcast's are
:data:`attrition.battles.bakhmut.hindcasts.HINDCAST_SETTINGS`). Sixteen moves, not six: with
six the particles mix too little and the log evidence comes out low by 3.2 to 3.9 nats
(logarithmic and square laws, 2,000 particles, 4 seeds each, on the model of commit d33a7a7:
−119.6 ± 0.45 against −115.7 ± 0.10 with sixteen, square −121.0 ± 0.78 against
−117.7 ± 0.61; ``benchmarks/results/smc_moves.txt``), and the law weights rest on those
estimates. On the current model the seeds' spread at sixteen moves is larger (the docs' law
comparison: 0.6 to 1.7 nat)."""


def calibration_for(
    cutoff: dt.date | None,
    *,
    law: str = "auto",
    seed: int = 0,
    evidence_fn: EvidenceFn | None = None,
    settings: tuple[int, int] | None = None,
) -> Calibration:
    """The calibration on the evidence known by ``cutoff`` (cached within the process)."""
    return _cached_calibration(
        cutoff, law, seed, evidence_fn or _evidence_default(), settings or CALIBRATION_SETTINGS
    )


def _evidence_default() -> EvidenceFn:
    """The module's current :func:`default_evidence` (tests may replace it)."""
    fn: EvidenceFn = globals()["default_evidence"]
    return fn


@dataclass(frozen=True)
class ScenarioResult:
    """An ensemble of one scenario.

    Attributes:
        name: scenario name.
        runs, seed: ensemble size and seed.
        law: the calibrated law.
        cutoff: the calibration's cutoff.
        draw_index: (runs,) posterior draw used by each run.
        fall_day: (runs,) day the city falls (``inf``: not by the end of the window).
        casualties: (runs, 2) Russian and Ukrainian casualties over the window.
        ensemble: the daily results.
    """

    name: str
    runs: int
    seed: int
    law: str
    cutoff: dt.date | None
    draw_index: np.ndarray
    fall_day: np.ndarray
    casualties: np.ndarray
    ensemble: BakhmutRuns

    def to_frame(self) -> pd.DataFrame:
        """One row per run: the posterior draw it used, the day the city fell (NaN: not by
        the end of the window) and each side's casualties over the window."""
        import pandas as pd

        fall = np.where(np.isfinite(self.fall_day), self.fall_day, np.nan)
        return pd.DataFrame(
            {
                "run": np.arange(self.runs),
                "draw": self.draw_index,
                "fall_day": fall,
                "ru_casualties": self.casualties[:, 0],
                "ua_casualties": self.casualties[:, 1],
            }
        )

    def summary_frame(self) -> pd.DataFrame:
        """The ensemble's statistics, one row per quantity (:data:`SUMMARY_ROWS`).

        Columns: ``quantity``, ``side`` (RU, UA; missing for a whole-battle row), ``unit``,
        then ``mean``, ``median``, ``q05``, ``q95`` (float64, across runs). Rows:

        * ``fall_day`` (day index, 0 = 1 August 2022): the day the city falls; ``inf`` stands
          for "not by the end of the window", so ``mean`` is ``inf`` when some run never sees
          it fall; the quantiles are order statistics (``inverted_cdf``), so they are actual
          days or ``inf``;
        * ``fallen_by_end``: 1 if the city fell by the end of the window, else 0 (its ``mean``
          is the probability);
        * ``casualties`` of RU and of UA over the window;
        * ``exchange_ratio``: RU casualties per UA casualty (UA at least 1);

        the last three by :func:`attrition.infer.quantiles.quantiles`.
        """
        import pandas as pd

        fell = np.isfinite(self.fall_day)
        never = float(DAYS + 10**6)  # not fallen by the end: beyond every real day
        days = np.where(fell, self.fall_day, never)
        fall_q = {}
        for key, q in (("median", 0.5), ("q05", 0.05), ("q95", 0.95)):
            v = float(np.quantile(days, q, method="inverted_cdf"))
            fall_q[key] = v if v <= DAYS else math.inf
        ratio = self.casualties[:, 0] / np.maximum(self.casualties[:, 1], 1.0)
        values = (fell.astype(np.float64), self.casualties[:, 0], self.casualties[:, 1], ratio)
        rows: list[dict[str, Any]] = [
            {"quantity": "fall_day", "side": None, "unit": "day",
             "mean": float(np.mean(self.fall_day)), **fall_q}
        ]  # fmt: skip
        for (quantity, side, unit), v in zip(SUMMARY_ROWS[1:], values, strict=True):
            rows.append({"quantity": quantity, "side": side, "unit": unit,
                         "mean": float(np.mean(v)), **quantiles(v)})  # fmt: skip
        return pd.DataFrame(rows, columns=["quantity", "side", "unit", *SUMMARY_STATS])

    def summary(self) -> dict[str, Any]:
        """The ``scenario run --json`` object (exactly the documented keys): a thin wrapper,
        :func:`summary_from_frame` of :meth:`summary_frame`."""
        return summary_from_frame(
            self.summary_frame(), scenario=self.name, runs=self.runs, seed=self.seed
        )

    def to_xarray(self) -> xr.Dataset:
        """The daily results as an ``xarray.Dataset`` (see
        :meth:`attrition.battles.bakhmut.engine.BakhmutRuns.to_xarray`) with the per-run
        ``draw`` (posterior draw), ``fall_day`` (``inf``: not by the end) and ``casualties``
        over the window on (run, side) as ``window_casualties``; attributes ``scenario``,
        ``runs``, ``seed``, ``law`` and ``cutoff`` (ISO date, or empty for all evidence)."""
        ds = self.ensemble.to_xarray()
        ds["draw"] = ("run", np.asarray(self.draw_index, dtype=np.int64))
        ds["fall_day"] = ("run", np.asarray(self.fall_day, dtype=np.float64), {"units": "day"})
        ds["window_casualties"] = (
            ("run", "side"), np.asarray(self.casualties, dtype=np.float64),
            {"units": "casualties"},
        )  # fmt: skip
        ds.attrs.update(
            scenario=self.name, runs=self.runs, seed=self.seed, law=self.law,
            cutoff=self.cutoff.isoformat() if self.cutoff is not None else "",
        )  # fmt: skip
        return ds

    def per_run(self) -> pd.DataFrame:
        """One row per run: posterior draw, fall date, casualties, exchange ratio."""
        import pandas as pd

        return pd.DataFrame(
            {
                "run": np.arange(self.runs),
                "draw": self.draw_index,
                "fall_date": [
                    date_of(d).isoformat() if math.isfinite(d) else "" for d in self.fall_day
                ],
                "ru_casualties": self.casualties[:, 0],
                "ua_casualties": self.casualties[:, 1],
                "exchange_ratio": self.casualties[:, 0] / np.maximum(self.casualties[:, 1], 1.0),
            }
        )

    def daily(self) -> pd.DataFrame:
        """Daily 5/50/95% quantiles of city control, fronts and cumulative casualties: one row
        per date, columns ``<series>_q05``, ``<series>_q50``, ``<series>_q95`` (a wide view of
        :meth:`attrition.battles.bakhmut.engine.BakhmutRuns.summary_frame`)."""
        import pandas as pd

        long = self.ensemble.summary_frame(tuple(dict.fromkeys(q for q, _, _ in DAILY_SERIES)))
        cols: dict[str, Any] = {}
        for quantity, side, stem in DAILY_SERIES:
            part = long[long["quantity"] == quantity]
            if side is not None:
                part = part[part["side"] == side]
            cols.setdefault("date", part["date"].tolist())
            for stat, key in (("q05", "q05"), ("q50", "median"), ("q95", "q95")):
                cols[f"{stem}_{stat}"] = part[key].to_numpy()
        return pd.DataFrame(cols)

    def write(self, folder: str | Path) -> list[Path]:
        """Write ``summary.json``, ``runs.csv`` and ``daily.csv`` into ``folder``."""
        from attrition._io import atomic_write_text

        out = Path(folder)
        return [
            atomic_write_text(out / "summary.json", json.dumps(self.summary(), indent=2) + "\n"),
            atomic_write_text(out / "runs.csv", self.per_run().to_csv(index=False)),
            atomic_write_text(out / "daily.csv", self.daily().to_csv(index=False)),
        ]


def summary_from_frame(
    frame: pd.DataFrame, *, scenario: str, runs: int, seed: int
) -> dict[str, Any]:
    """The nested ``scenario run --json`` object from :meth:`ScenarioResult.summary_frame`.

    ``{scenario, runs, seed, city_fall_date: {median, q05, q95 (ISO dates, None: not by the
    end), probability_by_end}, sides: {RU, UA: {casualties: {median, q05, q95}}},
    exchange_ratio: {median, q05, q95}}``.
    """
    by = {
        (r["quantity"], r["side"] if isinstance(r["side"], str) else None): r
        for r in frame.to_dict(orient="records")
    }

    def q(quantity: str, side: str | None = None) -> dict[str, float]:
        row = by[(quantity, side)]
        return {key: float(row[key]) for key in ("median", "q05", "q95")}

    fall: dict[str, Any] = {
        key: date_of(v).isoformat() if math.isfinite(v) else None
        for key, v in q("fall_day").items()
    }
    fall["probability_by_end"] = float(by[("fallen_by_end", None)]["mean"])
    return {
        "scenario": scenario,
        "runs": runs,
        "seed": seed,
        "city_fall_date": fall,
        "sides": {side: {"casualties": q("casualties", side)} for side in ("RU", "UA")},
        "exchange_ratio": q("exchange_ratio"),
    }


def posterior_params(
    cal: Calibration,
    runs: int,
    seed: int,
    overrides: dict[str, float] | None = None,
    scale: dict[str, float] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Parameters of each run: a posterior draw picked with ``SeedSequence(seed)``'s child 0,
    then the fixed overrides, then the ``scale`` factors (multiplying the draws). The draws
    picked depend on ``cal``, ``runs`` and ``seed`` only, so a scenario and the baseline run
    with the same seed use the same draws (paired runs)."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0,))))
    idx = rng.integers(0, cal.n_draws, size=runs)
    params = {k: np.asarray(v)[idx] for k, v in cal.draws.items()}
    for k, v in (overrides or {}).items():
        params[k] = np.full(runs, float(v))
    for k, f in (scale or {}).items():
        params[k] = params[k] * float(f)
    return params, idx


def run_settings(spec: BakhmutScenario, runs: int | None, seed: int | None) -> tuple[int, int]:
    """Ensemble size and seed: the given values, else the scenario's ``[run]`` table."""
    n = spec.run.runs if runs is None else runs
    s = spec.run.seed if seed is None else seed
    if n < 1:
        raise UserError(f"--runs {n}: give at least 1")
    if s < 0:
        raise UserError(f"--seed {s}: give a whole number >= 0")
    return n, s


def check_ensemble_memory(runs: int, option: str = "--runs", copies: int = 1) -> None:
    """Refuse a Bakhmut ensemble too large for the memory limit (see :mod:`attrition.limits`):
    ``copies × runs × (days + 1) ×`` :data:`VALUES_PER_DAY` ``× 8`` bytes (``copies``: the
    ensembles of ``runs`` runs held at once, e.g. one per law and the mixture); ``option``
    names the request in the message."""
    check_memory(option, runs, float(copies) * runs * (DAYS + 1) * VALUES_PER_DAY * 8.0)


def check_finite_result(spec: BakhmutScenario, summary: dict[str, Any]) -> None:
    """Refuse a summary whose casualties or exchange ratio are not finite numbers: one line
    naming the scenario's file and its ``[parameters]`` overrides."""
    numbers: list[float] = []

    def walk(v: object) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list | tuple):
            for x in v:
                walk(x)
        elif isinstance(v, float):
            numbers.append(v)

    walk({k: summary[k] for k in ("sides", "exchange_ratio") if k in summary})
    if all(math.isfinite(x) for x in numbers):
        return
    given = json.dumps(spec.parameters) if spec.parameters else "none"
    scaled = f" and [scale] factors ({json.dumps(spec.scale)})" if spec.scale else ""
    raise UserError(
        f"{spec.source}: the ensemble gave casualties that are not finite numbers; the "
        f"scenario's [parameters] overrides ({given}){scaled} are out of scale for the model"
    )


def check_calibration_settings(particles: int | None, moves: int | None) -> tuple[int, int]:
    """SMC particles and moves per stage for a scenario's calibration: the given values, else
    :data:`CALIBRATION_SETTINGS`.

    Raises:
        UserError: fewer than 20 particles or fewer than 1 move (one line naming the option).
    """
    p = CALIBRATION_SETTINGS[0] if particles is None else particles
    m = CALIBRATION_SETTINGS[1] if moves is None else moves
    if p < 20:
        raise UserError(f"--particles {p}: give at least 20 (SMC particles per law)")
    if m < 1:
        raise UserError(f"--moves {m}: give at least 1 (Metropolis moves per tempering stage)")
    return p, m


def run_scenario(
    spec: BakhmutScenario,
    cal: Calibration | None = None,
    *,
    runs: int | None = None,
    seed: int | None = None,
    method: str = "binomial",
    cutoff: str | dt.date | None = None,
    law: str | None = None,
    settings: tuple[int, int] | None = None,
) -> ScenarioResult:
    """Run a scenario under one law as an ensemble over the calibrated posterior and stochastic
    attrition (the mixture over every law: :func:`attrition.battles.bakhmut.mixture.run_mixture`).

    Args:
        spec: the scenario.
        cal: a calibration to run over; without one, the model is calibrated
            (:func:`calibration_for`) on the evidence known by ``cutoff`` with ``law`` (default:
            the scenario's ``[run] law``; ``mixture`` reads as ``auto`` here, the single best
            law) and the run's seed.
        runs, seed: ensemble size and seed (default: the scenario's ``[run]`` table).
        method: the daily step, ``"binomial"`` or ``"deterministic"``.
        cutoff, law: the calibration's cutoff (``YYYY-MM-DD`` or a date) and law; only without
            ``cal``.
        settings: SMC particles and moves of that calibration (default
            :data:`CALIBRATION_SETTINGS`); only without ``cal``.

    Everything is checked before any work, in this order: runs and seed
    (:func:`run_settings`), the method, the cutoff and the law, and the ensemble's memory
    (:func:`check_ensemble_memory`); only then is the model calibrated (which takes minutes).
    A result whose casualties are not finite is refused (:func:`check_finite_result`).

    Run ``i`` uses a posterior draw picked by ``SeedSequence(seed, spawn_key=(0,))`` and the
    binomial daily step seeded with ``SeedSequence(seed, spawn_key=(1, i))``. The schedule is
    the record known by the calibration's cutoff with the scenario's kinds replaced.

    Raises:
        UserError: bad runs, seed, cutoff or law, an ensemble over the memory limit, or a
            result that is not finite (one line each).
        TypeError: ``cal`` given together with ``cutoff`` or ``law``.
    """
    n, s = run_settings(spec, runs, seed)
    if cal is not None and (cutoff is not None or law is not None or settings is not None):
        raise TypeError("run_scenario: give a calibration or its cutoff and law, not both")
    if method not in SIM_METHODS:
        raise unknown_name("method", method, SIM_METHODS)
    c = parse_cutoff(cutoff)
    lw = check_run_law(law if law is not None else spec.run.law)
    lw = check_law_name("auto" if lw == MIXTURE else lw)
    st = check_calibration_settings(*(settings or (None, None)))
    check_ensemble_memory(n)
    if cal is None:
        cal = calibration_for(c, law=lw, seed=s, settings=st)
    sched = scenario_schedule(spec, cal.schedule)
    model = BakhmutModel(cal.law, sched)
    params, idx = posterior_params(cal, n, s, spec.parameters, spec.scale)
    ens = simulate(model, params, method=method, seed=s)
    cas = ens.side_losses[:, -1, :]
    result = ScenarioResult(spec.name, n, s, cal.law, cal.cutoff, idx, ens.fall_day(), cas, ens)
    check_finite_result(spec, result.summary())
    return result


def fit_to_record(cal: Calibration, result: ScenarioResult) -> pd.DataFrame:
    """Which observations the calibrated ensemble's 90% bands contain (see
    :func:`attrition.battles.bakhmut.calibration.record_fit`)."""
    params = {k: np.asarray(v)[result.draw_index] for k, v in cal.draws.items()}
    return record_fit(cal.observations, result.ensemble, params, cal.model())
