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

A file is validated once, when it is read: its tables and keys, the schedule's dates, and each
``[parameters]`` value (a known parameter, inside its prior's domain and within
:data:`MAX_PRIOR_SD` prior standard deviations of its centre). :func:`run_scenario` checks the
ensemble's memory before any calibration and refuses a result that is not finite.

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
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from attrition.battles.bakhmut.axes import DAYS, END, START, date_of
from attrition.battles.bakhmut.calibration import Calibration, calibrate, check_law_name, record_fit
from attrition.battles.bakhmut.engine import SIM_METHODS, BakhmutRuns, simulate
from attrition.battles.bakhmut.evidence import CasualtyEvidence, casualty_evidence, parse_cutoff
from attrition.battles.bakhmut.model import BakhmutModel
from attrition.battles.bakhmut.params import PARAMS
from attrition.battles.bakhmut.record import record_schedule
from attrition.battles.bakhmut.schedule import (
    FORCES,
    BakhmutSchedule,
    Force,
    Hold,
    Offensive,
    Recruitment,
    Supply,
    Withdrawal,
)
from attrition.data.tables import BATTLES_DIR
from attrition.errors import UserError, unknown_name
from attrition.limits import check_memory
from attrition.scenarios.kinds import check_kind, read_scenario_file
from attrition.scenarios.spec import resolve_in_library

if TYPE_CHECKING:
    import pandas as pd


KIND = "bakhmut"
"""The ``[scenario] kind`` of a Bakhmut scenario file (optional in the file: this reader knows
its kind)."""

LIBRARY = BATTLES_DIR / "bakhmut" / "scenarios"
"""Folder of the packaged Bakhmut scenarios (in the battle folder)."""

MAX_PRIOR_SD = 20.0
"""A ``[parameters]`` override further than this many prior standard deviations from the
prior's centre (on the prior's own scale: log, logit or plain) is refused as out of scale; for
a strength with prior sd 0.5 on the log scale that is a factor of about 22,000."""

VALUES_PER_DAY = 16
"""Numbers a Bakhmut run keeps per day: 13 of state (4 strengths, 4 cumulative losses, 3 fronts,
recruits, arrivals; :class:`attrition.battles.bakhmut.engine.BakhmutRuns`) and 3 derived (the two
sides' casualties and the city share) for the summaries: 42.8 kB per run, on the low side of
the 56.8 kB tracemalloc measured (baseline, 5,000 runs, with the summary and both tables)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _in_window(v: dt.date) -> dt.date:
    if not START <= v <= END:
        raise ValueError(f"{v} is outside the battle ({START} to {END})")
    return v


class ScenarioInfo(_Strict):
    """The ``[scenario]`` table (``kind`` is ``"bakhmut"`` when given)."""

    kind: str = KIND
    name: str = Field(min_length=1)
    title: str = ""
    rationale: str = ""

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v != KIND:
            raise ValueError(f"{v!r} is not a Bakhmut scenario; give kind = {KIND!r}")
        return v


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

    @model_validator(mode="before")
    @classmethod
    def _parameters(cls, data: Any) -> Any:
        """Each ``[parameters]`` value: a known parameter, a number, inside its prior's domain
        and within :data:`MAX_PRIOR_SD` prior standard deviations of the prior's centre."""
        if isinstance(data, dict):
            check_parameters(data.get("parameters", {}))
        return data

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name


TABLES: tuple[str, ...] = ("scenario", "run", "schedule", "parameters")
"""The top-level tables a Bakhmut scenario file may have."""
REQUIRED_TABLES: tuple[str, ...] = ("scenario",)
"""The top-level tables a Bakhmut scenario file must have."""

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
    for key in data:
        if key not in TABLES:
            raise UserError(f"{source}: unknown table [{key}]; valid: {', '.join(TABLES)}")
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


def check_parameters(params: object) -> None:
    """Refuse ``[parameters]`` overrides that are not a table of known parameters, not numbers,
    outside the prior's domain (e.g. <= 0 for a lognormal prior), or further than
    :data:`MAX_PRIOR_SD` prior standard deviations from the prior's centre.

    Raises:
        ValueError: one line starting ``[parameters] NAME`` (the scenario's validation names the
            file in front of it).
    """
    if not isinstance(params, dict):
        raise ValueError("[parameters] must be a table of name = value")
    specs = {p.name: p for p in PARAMS}
    for key, value in params.items():
        if key not in specs:
            raise ValueError(str(unknown_name("parameter", key, specs, where="[parameters]")))
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"[parameters] {key} = {value!r}: give a number")
        p = specs[key]
        if not p.valid(float(value)):
            raise ValueError(
                f"[parameters] {key} = {value}: outside its domain ({p.prior} prior; {p.unit})"
            )
        dist = abs(float(p.z(value)) - p.loc) / p.scale
        if math.isfinite(dist) and dist <= MAX_PRIOR_SD:
            continue
        lo, hi = (float(p.value(p.loc + k * MAX_PRIOR_SD * p.scale)) for k in (-1, 1))
        raise ValueError(
            f"[parameters] {key} = {value:g} is out of scale ({dist:,.0f} prior standard "
            f"deviations from its centre {float(p.value(p.loc)):.4g} {p.unit}); give a value "
            f"between {lo:.3g} and {hi:.3g}"
        )


def _format_error(exc: ValidationError, source: str) -> str:
    err = exc.errors(include_url=False)[0]
    loc = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return f"{source}: {loc}: {msg}" if loc else f"{source}: {msg}"


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> BakhmutScenario:
    """Validate a scenario given as a dict (as read from TOML); errors name the key."""
    if not isinstance(data, dict):
        raise UserError(f"{source}: a scenario must be a table")
    check_kind(data, source, KIND)
    _check_keys(data, source)
    try:
        spec = BakhmutScenario.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise UserError(_format_error(exc, source)) from None
    try:
        scenario_schedule(spec, record_schedule())
    except UserError as exc:
        raise UserError(f"{source}: [schedule]: {exc}") from None
    return spec


def library() -> dict[str, Path]:
    """The packaged Bakhmut scenarios, by name."""
    return {p.stem: p for p in sorted(LIBRARY.glob("*.toml"))}


def parse_file(data: dict[str, Any], path: str | Path) -> BakhmutScenario:
    """Validate the parsed TOML of the file ``path`` (the Bakhmut kind's parser; errors name
    the file)."""
    return parse_scenario(data, source=str(path))


def load_scenario(name_or_path: str | Path) -> BakhmutScenario:
    """A packaged scenario by name, or a TOML file; unknown names list the packaged ones."""
    p = resolve_in_library(name_or_path, library())
    return parse_file(read_scenario_file(p), p)


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


def check_ensemble_memory(runs: int, option: str = "--runs") -> None:
    """Refuse a Bakhmut ensemble too large for the memory limit (see :mod:`attrition.limits`):
    ``runs × (days + 1) ×`` :data:`VALUES_PER_DAY` ``× 8`` bytes; ``option`` names the request
    in the message."""
    check_memory(option, runs, float(runs) * (DAYS + 1) * VALUES_PER_DAY * 8.0)


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
    raise UserError(
        f"{spec.source}: the ensemble gave casualties that are not finite numbers; the "
        f"scenario's [parameters] overrides ({given}) are out of scale for the model"
    )


def run_scenario(
    spec: BakhmutScenario,
    cal: Calibration | None = None,
    *,
    runs: int | None = None,
    seed: int | None = None,
    method: str = "binomial",
    cutoff: str | dt.date | None = None,
    law: str | None = None,
) -> ScenarioResult:
    """Run a scenario as an ensemble over the calibrated posterior and stochastic attrition.

    Args:
        spec: the scenario.
        cal: a calibration to run over; without one, the model is calibrated
            (:func:`calibration_for`) on the evidence known by ``cutoff`` with ``law`` (default:
            the scenario's ``[run] law``) and the run's seed.
        runs, seed: ensemble size and seed (default: the scenario's ``[run]`` table).
        method: the daily step, ``"binomial"`` or ``"deterministic"``.
        cutoff, law: the calibration's cutoff (``YYYY-MM-DD`` or a date) and law; only without
            ``cal``.

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
    if cal is not None and (cutoff is not None or law is not None):
        raise TypeError("run_scenario: give a calibration or its cutoff and law, not both")
    if method not in SIM_METHODS:
        raise unknown_name("method", method, SIM_METHODS)
    c = parse_cutoff(cutoff)
    lw = check_law_name(law if law is not None else spec.run.law)
    check_ensemble_memory(n)
    if cal is None:
        cal = calibration_for(c, law=lw, seed=s)
    sched = scenario_schedule(spec, cal.schedule)
    model = BakhmutModel(cal.law, sched)
    params, idx = posterior_params(cal, n, s, spec.parameters)
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
