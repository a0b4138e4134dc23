"""Bakhmut scenarios: TOML specs, ensembles over the calibrated posterior, and hindcasts.

A scenario changes the record's schedule (whole kinds of items) and, optionally, fixes
parameters; it then runs as an ensemble over the posterior of the calibration and the
binomial daily step of the model::

    [scenario]
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

What a scenario prints is a *model statement* (what this calibrated model says would follow
from the changed assumptions), not a fact about what would have happened.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from attrition._io import read_toml
from attrition.errors import UserError, unknown_name
from attrition.infer.calibrate import (
    Calibration,
    CasualtyEvidence,
    band_covers,
    build_observations,
    calibrate,
    casualty_evidence,
    check_law_name,
    observation_values,
    parse_cutoff,
    record_fit,
    statement_holds,
)
from attrition.models.bakhmut import (
    DAYS,
    END,
    FALL_FRACTION,
    FORCES,
    PARAMS,
    START,
    BakhmutModel,
    BakhmutRuns,
    BakhmutSchedule,
    Force,
    Hold,
    Offensive,
    Recruitment,
    Supply,
    Withdrawal,
    city_fraction,
    date_of,
    radius_for_fraction,
    simulate,
)
from attrition.scenarios.spec import resolve_in_library

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "END",
    "FALL_FRACTION",
    "HINDCAST_CUTOFFS",
    "LIBRARY",
    "BakhmutScenario",
    "ScenarioResult",
    "crps",
    "hindcast",
    "library",
    "load_scenario",
    "naive_forecast",
    "observed_fall_date",
    "parse_scenario",
    "run_scenario",
    "run_settings",
    "scenario_schedule",
]

LIBRARY = Path(__file__).parent / "library" / "bakhmut"
"""Folder of the packaged Bakhmut scenarios."""


# ---------------------------------------------------------------------------------------------
# the spec


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _in_window(v: dt.date) -> dt.date:
    if not START <= v <= END:
        raise ValueError(f"{v} is outside the battle ({START} to {END})")
    return v


class ScenarioInfo(_Strict):
    """The ``[scenario]`` table."""

    name: str = Field(min_length=1)
    title: str = ""
    rationale: str = ""


class RunInfo(_Strict):
    """The ``[run]`` table: ensemble size, seed and the law to calibrate with."""

    runs: int = Field(default=1000, ge=1, le=1_000_000)
    seed: int = Field(default=1, ge=0)
    law: str = "auto"

    @field_validator("law")
    @classmethod
    def _law(cls, v: str) -> str:
        try:
            return check_law_name(v)
        except UserError as exc:
            raise ValueError(str(exc)) from None


class SupplyStep(_Strict):
    """From ``date``, Wagner receives ``level`` of the 300 t/day it demanded (0..1)."""

    date: dt.date
    level: float

    _date = field_validator("date")(_in_window)

    @field_validator("level")
    @classmethod
    def _level(cls, v: float) -> float:
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"supply level {v} is negative or not a number; give 0..1")
        if v > 1:
            raise ValueError(f"supply level {v} is above the demand (1.0); give 0..1")
        return v


class RecruitmentSpan(_Strict):
    """Convict recruitment from ``start`` to ``end`` (open-ended without ``end``)."""

    start: dt.date
    end: dt.date | None = None

    _start = field_validator("start")(_in_window)


class ForceSpan(_Strict):
    """When a force arrives and leaves."""

    force: str
    arrive: dt.date = START
    depart: dt.date | None = None

    @field_validator("force")
    @classmethod
    def _force(cls, v: str) -> str:
        if v not in FORCES:
            raise ValueError(str(unknown_name("force", v, FORCES)))
        return v


class WithdrawalStep(_Strict):
    """Ukraine leaves the city (down to the line leaving Russia ``to_fraction``) on ``date``."""

    date: dt.date
    to_fraction: float = Field(default=1.0, gt=0.0, le=1.0)

    _date = field_validator("date")(_in_window)


class HoldSpan(_Strict):
    """Ukraine holds ``place`` until ``until``."""

    place: str
    until: dt.date

    _until = field_validator("until")(_in_window)


class OffensiveSpan(_Strict):
    """A Ukrainian flank counter-offensive."""

    start: dt.date
    end: dt.date | None = None

    _start = field_validator("start")(_in_window)


class ScheduleSpec(_Strict):
    """The ``[schedule]`` table: each key given replaces the record's items of that kind."""

    supply: list[SupplyStep] | None = None
    recruitment: list[RecruitmentSpan] | None = None
    forces: list[ForceSpan] | None = None
    withdrawals: list[WithdrawalStep] | None = None
    holds: list[HoldSpan] | None = None
    offensives: list[OffensiveSpan] | None = None


class BakhmutScenario(_Strict):
    """A validated Bakhmut scenario (see the module docstring for the format)."""

    scenario: ScenarioInfo
    run: RunInfo = RunInfo()
    schedule: ScheduleSpec = ScheduleSpec()
    parameters: dict[str, float] = Field(default_factory=dict)
    source: str = "<scenario>"

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name


_TABLES: dict[str, type[BaseModel]] = {
    "scenario": ScenarioInfo,
    "run": RunInfo,
    "schedule": ScheduleSpec,
}
_ITEMS: dict[str, type[BaseModel]] = {
    "supply": SupplyStep,
    "recruitment": RecruitmentSpan,
    "forces": ForceSpan,
    "withdrawals": WithdrawalStep,
    "holds": HoldSpan,
    "offensives": OffensiveSpan,
}


def _check_keys(data: dict[str, Any], source: str) -> None:
    """Unknown tables and keys: one line naming the key and the valid ones."""
    top = ("scenario", "run", "schedule", "parameters")
    for key in data:
        if key not in top:
            raise UserError(f"{source}: unknown table [{key}]; valid: {', '.join(top)}")
    if "scenario" not in data:
        raise UserError(f"{source}: missing table [scenario]; add it with name and rationale")
    for table, model in _TABLES.items():
        sub = data.get(table, {})
        if not isinstance(sub, dict):
            raise UserError(f"{source}: [{table}] must be a table")
        for key in sub:
            if key not in model.model_fields:
                valid = ", ".join(model.model_fields)
                raise UserError(f"{source}: [{table}]: unknown key {key!r}; valid: {valid}")
    for kind, items in data.get("schedule", {}).items():
        if not isinstance(items, list):
            raise UserError(
                f"{source}: [schedule] {kind} must be a list of tables, e.g. {kind} = [{{...}}]"
            )
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise UserError(f"{source}: [schedule] {kind}[{i}] must be a table")
            for key in item:
                if key not in _ITEMS[kind].model_fields:
                    valid = ", ".join(_ITEMS[kind].model_fields)
                    raise UserError(
                        f"{source}: [schedule] {kind}[{i}]: unknown key {key!r}; valid: {valid}"
                    )
    params = data.get("parameters", {})
    if not isinstance(params, dict):
        raise UserError(f"{source}: [parameters] must be a table of name = value")
    specs = {p.name: p for p in PARAMS}
    for key, value in params.items():
        if key not in specs:
            raise unknown_name("parameter", key, specs, where=f"{source}: [parameters]")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserError(f"{source}: [parameters] {key} = {value!r}: give a number")
        if not specs[key].valid(float(value)):
            raise UserError(
                f"{source}: [parameters] {key} = {value}: outside its domain "
                f"({specs[key].prior} prior; {specs[key].unit})"
            )


def _format_error(exc: ValidationError, source: str) -> str:
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return f"{source}: {loc}: {msg}"


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> BakhmutScenario:
    """Validate a scenario given as a dict (as read from TOML); errors name the key."""
    if not isinstance(data, dict):
        raise UserError(f"{source}: a scenario must be a table")
    _check_keys(data, source)
    try:
        spec = BakhmutScenario.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise UserError(_format_error(exc, source)) from None
    try:
        scenario_schedule(spec, BakhmutSchedule.record())
    except UserError as exc:
        raise UserError(f"{source}: [schedule]: {exc}") from None
    return spec


def library() -> dict[str, Path]:
    """The packaged Bakhmut scenarios, by name."""
    return {p.stem: p for p in sorted(LIBRARY.glob("*.toml"))}


def load_scenario(name_or_path: str | Path) -> BakhmutScenario:
    """A packaged scenario by name, or a TOML file; unknown names list the packaged ones."""
    p = resolve_in_library(name_or_path, library())
    return parse_scenario(read_toml(p), source=str(p))


def scenario_schedule(spec: BakhmutScenario, base: BakhmutSchedule) -> BakhmutSchedule:
    """The record's schedule with the scenario's kinds replaced (scenario items are not
    'record' items, so a cutoff never drops them)."""
    sch = spec.schedule
    kinds: dict[str, Sequence[Any]] = {}
    if sch.supply is not None:
        kinds["supply"] = [Supply(s.date, s.level, 0, False, spec.name) for s in sch.supply]
    if sch.recruitment is not None:
        kinds["recruitment"] = [
            Recruitment(r.start, r.end, False, spec.name) for r in sch.recruitment
        ]
    if sch.forces is not None:
        given = [Force(f.force, f.arrive, f.depart, False, spec.name) for f in sch.forces]
        covered = {c for f in given for c in _components(f.force)}
        kept = [f for f in base.forces if not (set(_components(f.force)) & covered)]
        kinds["forces"] = kept + given
    if sch.withdrawals is not None:
        kinds["withdrawals"] = [
            Withdrawal(w.date, w.to_fraction, False, spec.name) for w in sch.withdrawals
        ]
    if sch.holds is not None:
        kinds["holds"] = [Hold(h.place, h.until, False, spec.name) for h in sch.holds]
    if sch.offensives is not None:
        kinds["offensives"] = [Offensive(o.start, o.end, False, spec.name) for o in sch.offensives]
    return base.with_items(**kinds)


def _components(force: str) -> tuple[int, ...]:
    return {
        "wagner_convicts": (0,),
        "wagner_professionals": (1,),
        "wagner": (0, 1),
        "russian_regulars": (2,),
        "ukraine": (3,),
    }[force]


# ---------------------------------------------------------------------------------------------
# calibration cache and evidence

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


CALIBRATION_SETTINGS: tuple[int, int] = (600, 6)
"""Default SMC particles and moves per stage used by the scenario and hindcast commands."""


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


# ---------------------------------------------------------------------------------------------
# ensembles


def _quant(x: np.ndarray) -> dict[str, float]:
    q05, q50, q95 = np.quantile(x, [0.05, 0.5, 0.95])
    return {"median": float(q50), "q05": float(q05), "q95": float(q95)}


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

    def summary(self) -> dict[str, Any]:
        """The ``scenario run --json`` object (exactly the documented keys)."""
        fell = np.isfinite(self.fall_day)
        fall: dict[str, Any] = {}
        never = float(DAYS + 10**6)  # not fallen by the end: beyond every real day
        days = np.where(fell, self.fall_day, never)
        for key, q in (("median", 0.5), ("q05", 0.05), ("q95", 0.95)):
            v = float(np.quantile(days, q, method="inverted_cdf"))
            fall[key] = date_of(v).isoformat() if v <= DAYS else None
        fall["probability_by_end"] = float(fell.mean())
        ratio = self.casualties[:, 0] / np.maximum(self.casualties[:, 1], 1.0)
        return {
            "scenario": self.name,
            "runs": self.runs,
            "seed": self.seed,
            "city_fall_date": fall,
            "sides": {
                "RU": {"casualties": _quant(self.casualties[:, 0])},
                "UA": {"casualties": _quant(self.casualties[:, 1])},
            },
            "exchange_ratio": _quant(ratio),
        }

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
        """Daily 5/50/95% quantiles of city control, fronts and cumulative casualties."""
        import pandas as pd

        e = self.ensemble
        cols: dict[str, Any] = {"date": [date_of(d).isoformat() for d in range(e.fronts.shape[1])]}
        series = {
            "city_control": e.city,
            "front_n_km": e.fronts[..., 0],
            "front_e_km": e.fronts[..., 1],
            "front_s_km": e.fronts[..., 2],
            "ru_casualties": e.side_losses[..., 0],
            "ua_casualties": e.side_losses[..., 1],
        }
        for name, arr in series.items():
            q = np.quantile(arr, [0.05, 0.5, 0.95], axis=0)
            cols[f"{name}_q05"], cols[f"{name}_q50"], cols[f"{name}_q95"] = q
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


def posterior_params(
    cal: Calibration, runs: int, seed: int, overrides: dict[str, float] | None = None
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Parameters of each run: a posterior draw picked with ``SeedSequence(seed)``'s child 0,
    then the fixed overrides."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0,))))
    idx = rng.integers(0, cal.n_draws, size=runs)
    params = {k: np.asarray(v)[idx] for k, v in cal.draws.items()}
    for k, v in (overrides or {}).items():
        params[k] = np.full(runs, float(v))
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


def run_scenario(
    spec: BakhmutScenario,
    cal: Calibration,
    *,
    runs: int | None = None,
    seed: int | None = None,
    method: str = "binomial",
) -> ScenarioResult:
    """Run a scenario as an ensemble over the calibrated posterior and stochastic attrition.

    Run ``i`` uses a posterior draw picked by ``SeedSequence(seed, spawn_key=(0,))`` and the
    binomial daily step seeded with ``SeedSequence(seed, spawn_key=(1, i))``. The schedule is
    the record known by the calibration's cutoff with the scenario's kinds replaced.
    """
    n, s = run_settings(spec, runs, seed)
    sched = scenario_schedule(spec, cal.schedule)
    model = BakhmutModel(cal.law, sched)
    params, idx = posterior_params(cal, n, s, spec.parameters)
    ens = simulate(model, params, method=method, seed=s)
    cas = ens.side_losses[:, -1, :]
    return ScenarioResult(spec.name, n, s, cal.law, cal.cutoff, idx, ens.fall_day(), cas, ens)


def fit_to_record(cal: Calibration, result: ScenarioResult) -> pd.DataFrame:
    """Which observations the calibrated ensemble's 90% bands contain (see
    :func:`attrition.infer.calibrate.record_fit`)."""
    params = {k: np.asarray(v)[result.draw_index] for k, v in cal.draws.items()}
    return record_fit(cal.observations, result.ensemble, params, cal.model())


# ---------------------------------------------------------------------------------------------
# hindcasts


def crps(samples: np.ndarray, observed: float) -> float:
    """Continuous ranked probability score of an ensemble (``E|X − y| − ½E|X − X'|``)."""
    x = np.sort(np.asarray(samples, dtype=float))
    n = x.size
    if n == 0:
        raise UserError("crps: empty ensemble")
    term1 = float(np.mean(np.abs(x - observed)))
    i = np.arange(1, n + 1)
    term2 = float(2.0 * np.sum((2 * i - n - 1) * x) / (n * n))
    return term1 - 0.5 * term2


def observed_fall_date(events: pd.DataFrame) -> dt.date:
    """The record's date of the city's fall: the first 'captured' of plain 'Bakhmut' by Russia
    inside the window (ev004, 20 May 2023: 'mostly captured')."""
    import pandas as pd

    sel = events[
        (events["place"] == "Bakhmut")
        & (events["event"] == "captured")
        & (events["by_side"] == "RU")
        & (events["date"] >= pd.Timestamp(START))
    ]
    if sel.empty:
        raise UserError("control_events.csv: no capture of 'Bakhmut' by RU; cannot score")
    first: dt.date = pd.Timestamp(sel["date"].min()).date()
    return first


@dataclass(frozen=True)
class NaiveForecast:
    """Linear extrapolation of the advance (the baseline beside the model).

    Attributes:
        slope, intercept: km per day and km at day 0 of the line fitted to the front positions
            the record asserted Russia held by the cutoff.
        resid_sd: residual sd (km).
        samples: (n, 2) sampled (intercept, slope) pairs.
    """

    slope: float
    intercept: float
    resid_sd: float
    samples: np.ndarray

    def radius(self, day: int, rng: np.random.Generator) -> np.ndarray:
        """Predictive draws of the front radius on ``day``."""
        a, b = self.samples[:, 0], self.samples[:, 1]
        return np.asarray(a + b * day + self.resid_sd * rng.standard_normal(a.size))

    def fall_day(self) -> np.ndarray:
        """Day the line reaches the city's fall radius (``inf`` if not by the end)."""
        r_fall = radius_for_fraction(FALL_FRACTION)
        a, b = self.samples[:, 0], self.samples[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            d = (r_fall - a) / b
        d = np.where((b < 0) & (d >= 0), d, np.inf)
        return np.where(d <= DAYS, np.ceil(d), np.inf)


def naive_forecast(
    cal_obs_items: Sequence[Any], cutoff: dt.date, n: int = 1000, seed: int = 0
) -> NaiveForecast:
    """Fit a line to the front radii of the Russian-held statements known by ``cutoff`` (every
    front: the pace of the advance so far) and sample its uncertainty."""
    c_day = (cutoff - START).days
    pts = [
        (o.day, o.high)
        for o in cal_obs_items
        if o.quantity == "front" and o.kind == "at_most" and o.day <= c_day
    ]
    pts += [
        (o.day, radius_for_fraction(o.low))
        for o in cal_obs_items
        if o.quantity == "city" and o.kind == "value" and o.day <= c_day
    ]
    rng = np.random.default_rng(seed)
    if len(pts) < 3:
        return NaiveForecast(0.0, 20.0, 5.0, np.tile([20.0, 0.0], (n, 1)))
    x = np.array([p[0] for p in pts], dtype=float)
    y = np.array([p[1] for p in pts], dtype=float)
    design = np.stack([np.ones_like(x), x], axis=1)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = max(len(x) - 2, 1)
    s2 = float(resid @ resid / dof)
    cov = s2 * np.linalg.inv(design.T @ design)
    samples = rng.multivariate_normal(coef, cov, size=n)
    return NaiveForecast(float(coef[1]), float(coef[0]), float(np.sqrt(s2)), samples)


HINDCAST_CUTOFFS: tuple[str, ...] = ("2022-12-31", "2023-01-31", "2023-02-28")
"""Default hindcast cutoffs: end of December, January and February."""


def hindcast(
    cutoffs: Sequence[str | dt.date] = HINDCAST_CUTOFFS,
    *,
    runs: int = 500,
    seed: int = 0,
    law: str = "auto",
    evidence_fn: EvidenceFn | None = None,
    settings: tuple[int, int] | None = None,
    claims: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Calibrate at each cutoff, forecast the rest of the window, score against the record.

    Targets: the date the city falls (observed: :func:`observed_fall_date`), casualties of each
    side from the cutoff to the end of the window (observed: the median of the casualty
    evidence with all claims), the front statements of the control events after the cutoff and
    the city-control figures after it. Scores: CRPS (days, casualties, city share) and whether
    the observation lies in the 90% interval (coverage for groups of statements), and for the
    statements the Brier score of the share of runs in which they hold (coverage alone rewards
    wide bands). The naive baseline extrapolates the advance linearly (a line through the
    Russian-held positions asserted by the cutoff) and the casualty rate of the last 60 days.

    ``law="auto"`` (the default) chooses the law **at each cutoff** from the marginal
    likelihoods of that cutoff's calibration, so no choice rests on later evidence.

    Returns a tidy table: ``cutoff, law, target, forecaster, n, crps, coverage_90, brier,
    median, q05, q95, observed`` (``law``: the model's law at that cutoff; empty for naive).
    """
    import pandas as pd

    from attrition.data.claims import load_claims, load_events

    claims = load_claims("bakhmut") if claims is None else claims
    events = load_events("bakhmut") if events is None else events
    ev_fn = evidence_fn or _evidence_default()
    full_ev = ev_fn(None)
    full_obs = build_observations(claims, events, full_ev, None)
    obs_fall = observed_fall_date(events)
    fall_obs_day = float((obs_fall - START).days)
    rows: list[dict[str, Any]] = []
    for c_raw in cutoffs:
        c = parse_cutoff(c_raw)
        if c is None:
            raise UserError("hindcast: give cutoff dates")
        c_day = (c - START).days
        ev_c = ev_fn(c)
        cal = calibrate(
            ev_c,
            claims=claims,
            events=events,
            cutoff=c,
            law=law,
            seed=seed,
            particles=(settings or CALIBRATION_SETTINGS)[0],
            moves=(settings or CALIBRATION_SETTINGS)[1],
        )
        model = cal.model()
        params, idx = posterior_params(cal, runs, seed)
        ens = simulate(model, params, method="binomial", seed=seed)
        naive = naive_forecast(cal.observations.items, c, n=runs, seed=seed)
        nrng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))

        def add(target: str, who: str, n: int, score: float, cov: float, q: np.ndarray | None,
                observed: Any, brier: float = math.nan, c: dt.date = c,
                law: str = cal.law) -> None:  # fmt: skip
            row = {
                "cutoff": c.isoformat(),
                "law": law if who == "model" else "",
                "target": target,
                "forecaster": who,
                "n": n,
                "crps": score,
                "coverage_90": cov,
                "brier": brier,
                "median": float(q[1]) if q is not None else math.nan,
                "q05": float(q[0]) if q is not None else math.nan,
                "q95": float(q[2]) if q is not None else math.nan,
                "observed": observed,
            }
            rows.append(row)

        # 1. the date the city falls (not fallen by the end: censored at the end + 1 day)
        for who, fd in (("model", ens.fall_day()), ("naive", naive.fall_day())):
            x = np.where(np.isfinite(fd), fd, DAYS + 1.0)
            q = np.quantile(x, [0.05, 0.5, 0.95])
            inside = float(q[0] <= fall_obs_day <= q[2])
            add("city_fall_day", who, 1, crps(x, fall_obs_day), inside, q, obs_fall.isoformat())
        # 2. casualties from the cutoff to the end of the window, per side
        truth = _evidence_totals(full_ev, c_day)
        rate_draws = _recent_rate(ev_c, c_day)
        for side, name in ((0, "ru_casualties_after_cutoff"), (1, "ua_casualties_after_cutoff")):
            if truth is None:
                continue
            model_x = ens.side_losses[:, DAYS, side] - ens.side_losses[:, c_day, side]
            q = np.quantile(model_x, [0.05, 0.5, 0.95])
            add(name, "model", 1, crps(model_x, truth[side]), float(q[0] <= truth[side] <= q[2]),
                q, round(truth[side]))  # fmt: skip
            if rate_draws is not None:
                naive_x = rate_draws[:, side] * (DAYS - c_day)
                q = np.quantile(naive_x, [0.05, 0.5, 0.95])
                add(name, "naive", 1, crps(naive_x, truth[side]),
                    float(q[0] <= truth[side] <= q[2]), q, round(truth[side]))  # fmt: skip
        # 3. control events and 4. city-control figures after the cutoff
        later = [o for o in full_obs.items if o.day > c_day and o.quantity in ("front", "city")]
        for target, items in (
            ("control_events", [o for o in later if o.source == "event"]),
            ("city_control", [o for o in later if o.quantity == "city"]),
        ):
            if not items:
                continue
            m_in: list[bool] = []
            n_in: list[bool] = []
            m_crps: list[float] = []
            n_crps: list[float] = []
            m_brier: list[float] = []
            n_brier: list[float] = []
            for o in items:
                m = observation_values(o, ens, params, model)
                r = naive.radius(o.day, nrng)
                nv = r if o.quantity == "front" else np.asarray(city_fraction(r))
                for vals, inside_list, crps_list, brier_list in (
                    (m, m_in, m_crps, m_brier),
                    (nv, n_in, n_crps, n_brier),
                ):
                    q05, q95 = np.quantile(vals, [0.05, 0.95])
                    inside_list.append(band_covers(o, float(q05), float(q95)))
                    brier_list.append((1.0 - float(np.mean(statement_holds(o, vals)))) ** 2)
                    if o.kind == "value":
                        crps_list.append(crps(vals, o.low))
            for who, ins, cr, br in (
                ("model", m_in, m_crps, m_brier),
                ("naive", n_in, n_crps, n_brier),
            ):
                add(target, who, len(items), float(np.mean(cr)) if cr else math.nan,
                    float(np.mean(ins)), None, "", float(np.mean(br)))  # fmt: skip
        del idx
    return pd.DataFrame(rows)


def _evidence_totals(ev: CasualtyEvidence | None, c_day: int) -> tuple[float, float] | None:
    if ev is None:
        return None
    first = int((ev.dates[0].astype(dt.date) - START).days)
    a = max(c_day - first, 0)
    b = DAYS - first
    if b <= a:
        return None
    tot = ev.draws[:, a:b, :].sum(axis=1)
    return float(np.median(tot[:, 0])), float(np.median(tot[:, 1]))


def _recent_rate(ev: CasualtyEvidence | None, c_day: int, window: int = 60) -> np.ndarray | None:
    """(draws, 2) mean daily casualties over the last ``window`` days before the cutoff."""
    if ev is None:
        return None
    first = int((ev.dates[0].astype(dt.date) - START).days)
    b = min(c_day - first, ev.draws.shape[1])
    a = max(b - window, 0)
    if b <= a:
        return None
    return np.asarray(ev.draws[:, a:b, :].mean(axis=1))
