"""A Bakhmut scenario file: its schema (validated once, when read), the packaged library, and the
schedule it makes from the record's.

The file format is documented in :mod:`attrition.battles.bakhmut.scenarios`; a file is checked
completely when read (unknown keys, dates outside the window, out-of-scale ``[parameters]``),
so running it cannot fail on its contents.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from attrition.battles.bakhmut.axes import END, START
from attrition.battles.bakhmut.calibration import check_law_name
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
from attrition.scenarios.kinds import check_kind, read_scenario_file
from attrition.scenarios.spec import resolve_in_library

if TYPE_CHECKING:
    pass


KIND = "bakhmut"
"""The ``[scenario] kind`` of a Bakhmut scenario file (optional in the file: this reader knows
its kind)."""


LIBRARY = BATTLES_DIR / "bakhmut" / "scenarios"
"""Folder of the packaged Bakhmut scenarios (in the battle folder)."""


MAX_PRIOR_SD = 20.0
"""A ``[parameters]`` override further than this many prior standard deviations from the
prior's centre (on the prior's own scale: log, logit or plain) is refused as out of scale; for
a strength with prior sd 0.5 on the log scale that is a factor of about 22,000."""


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
