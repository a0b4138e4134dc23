"""A Bakhmut scenario file: its schema (validated once, when read), the packaged library, and the
schedule it makes from the record's.

The file format is documented in :mod:`attrition.battles.bakhmut.scenarios`; a file is checked
completely when read (unknown keys, dates that are not ``"YYYY-MM-DD"`` strings or TOML dates
or lie outside the window, out-of-scale ``[parameters]``, ``[scale]`` factors on parameters
that cannot be scaled), so running it cannot fail on its contents. Its models are
:class:`~attrition.scenarios.schema.StrictModel` classes, read and checked by the shared
:func:`~attrition.scenarios.schema.validate_scenario` (the duel scenarios' reader too), so its
errors have the same one-line form: file, table and key, problem, fix.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator, model_validator

from attrition.battles.bakhmut.axes import BAKHMUT_LAWS, END, START
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
from attrition.scenarios.schema import (
    StrictModel,
    load_scenario_file_as,
    required_tables,
    table_names,
    validate_scenario,
)
from attrition.scenarios.spec import resolve_in_library

KIND = "bakhmut"
"""The ``[scenario] kind`` of a Bakhmut scenario file (optional in the file: this reader knows
its kind)."""


LIBRARY = BATTLES_DIR / "bakhmut" / "scenarios"
"""Folder of the packaged Bakhmut scenarios (in the battle folder)."""


MAX_PRIOR_SD = 20.0
"""A ``[parameters]`` override further than this many prior standard deviations from the
prior's centre (on the prior's own scale: log, logit or plain) is refused as out of scale; for
a strength with prior sd 0.5 on the log scale that is a factor of about 22,000."""


DOCS = "the example `attrition scenario new NAME --kind bakhmut` writes"
"""Where the Bakhmut file format is documented (named when a table is missing)."""


MAX_SCALE = 100.0
"""A ``[scale]`` factor must lie between ``1 / MAX_SCALE`` and ``MAX_SCALE``."""


RUN_LAWS_NOTE = "mixture (every law, weighted), auto (the best law) or one law"
"""What ``[run] law`` may be (named in its error)."""


def _date_input(v: object) -> object:
    """Refuse a date given as anything but a ``YYYY-MM-DD`` string or a TOML date: a number
    would otherwise be read as a Unix time (``date = 20230307`` is not 7 March 2023)."""
    if isinstance(v, str) or (isinstance(v, dt.date) and not isinstance(v, dt.datetime)):
        return v
    if isinstance(v, dt.datetime):
        what = "a date with a time"
    elif isinstance(v, bool):
        what = "true or false"
    elif isinstance(v, int | float):
        what = "a number"
    elif isinstance(v, list):
        what = "a list"
    elif isinstance(v, dict):
        what = "a table"
    else:
        what = f"a {type(v).__name__}"
    raise ValueError(f'{v!r} is {what}, not a date; write it as "YYYY-MM-DD" in quotes')


StrictDate = Annotated[dt.date, BeforeValidator(_date_input)]
"""A date field of a scenario file: a ``"YYYY-MM-DD"`` string or a TOML date, nothing else."""


def _in_window(v: dt.date) -> dt.date:
    if not START <= v <= END:
        raise ValueError(f"{v} is outside the battle ({START} to {END})")
    return v


class ScenarioInfo(StrictModel):
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


MIXTURE = "mixture"
"""``[run] law`` (and ``--law``) for the mixture over every law (the default; see
:mod:`attrition.battles.bakhmut.mixture`)."""


def check_run_law(name: str) -> str:
    """Validate a scenario's law: :data:`MIXTURE`, ``auto`` or one law.

    Raises:
        UserError: an unknown name, listing the valid ones.
    """
    if name == MIXTURE:
        return name
    try:
        return check_law_name(name)
    except UserError:
        raise unknown_name("law", name, (MIXTURE, "auto", *BAKHMUT_LAWS)) from None


class RunInfo(StrictModel):
    """The ``[run]`` table: ensemble size, seed and the law: ``mixture`` (the default: every
    law, weighted by its evidence), ``auto`` (the single best law) or one law."""

    runs: int = Field(default=1000, ge=1, le=1_000_000)
    seed: int = Field(default=1, ge=0)
    law: str = MIXTURE

    @field_validator("law")
    @classmethod
    def _law(cls, v: str) -> str:
        try:
            return check_run_law(v)
        except UserError as exc:
            raise ValueError(str(exc)) from None


class SupplyStep(StrictModel):
    """From ``date``, Wagner receives ``level`` of the 300 t/day it demanded (0..1)."""

    date: StrictDate
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


class RecruitmentSpan(StrictModel):
    """Convict recruitment from ``start`` to ``end`` (open-ended without ``end``)."""

    start: StrictDate
    end: StrictDate | None = None

    _start = field_validator("start")(_in_window)


class ForceSpan(StrictModel):
    """When a force arrives and leaves."""

    force: str
    arrive: StrictDate = START
    depart: StrictDate | None = None

    @field_validator("force")
    @classmethod
    def _force(cls, v: str) -> str:
        if v not in FORCES:
            raise ValueError(str(unknown_name("force", v, FORCES)))
        return v


class WithdrawalStep(StrictModel):
    """Ukraine leaves the city (down to the line leaving Russia ``to_fraction``) on ``date``."""

    date: StrictDate
    to_fraction: float = Field(default=1.0, gt=0.0, le=1.0)

    _date = field_validator("date")(_in_window)


class HoldSpan(StrictModel):
    """Ukraine holds ``place`` until ``until``."""

    place: str
    until: StrictDate

    _until = field_validator("until")(_in_window)


class OffensiveSpan(StrictModel):
    """A Ukrainian flank counter-offensive."""

    start: StrictDate
    end: StrictDate | None = None

    _start = field_validator("start")(_in_window)


class ScheduleSpec(StrictModel):
    """The ``[schedule]`` table: each key given replaces the record's items of that kind."""

    supply: list[SupplyStep] | None = None
    recruitment: list[RecruitmentSpan] | None = None
    forces: list[ForceSpan] | None = None
    withdrawals: list[WithdrawalStep] | None = None
    holds: list[HoldSpan] | None = None
    offensives: list[OffensiveSpan] | None = None


class BakhmutScenario(StrictModel):
    """A validated Bakhmut scenario (see the module docstring for the format)."""

    internal_fields = ("source",)

    scenario: ScenarioInfo
    run: RunInfo = RunInfo()
    schedule: ScheduleSpec = ScheduleSpec()
    parameters: dict[str, float] = Field(default_factory=dict)
    scale: dict[str, float] = Field(default_factory=dict)
    source: str = "<scenario>"

    @model_validator(mode="before")
    @classmethod
    def _parameters(cls, data: Any) -> Any:
        """Each ``[parameters]`` value: a known parameter, a number, inside its prior's domain
        and within :data:`MAX_PRIOR_SD` prior standard deviations of the prior's centre; each
        ``[scale]`` factor: a known parameter with a lognormal prior, a number within
        ``1 / MAX_SCALE .. MAX_SCALE``, not also fixed in ``[parameters]``."""
        if isinstance(data, dict):
            params = data.get("parameters", {})
            check_parameters(params)
            check_scale(data.get("scale", {}), params)
        return data

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name


TABLES: tuple[str, ...] = table_names(BakhmutScenario)
"""The top-level tables a Bakhmut scenario file may have."""


REQUIRED_TABLES: tuple[str, ...] = required_tables(BakhmutScenario)
"""The top-level tables a Bakhmut scenario file must have."""


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


def check_scale(scale: object, parameters: object = None) -> None:
    """Refuse ``[scale]`` factors that are not a table of known parameters with a lognormal
    prior (positive quantities: strengths, rates, effectiveness), not numbers, outside
    ``1 / MAX_SCALE .. MAX_SCALE``, or naming a parameter ``[parameters]`` also fixes.

    A factor multiplies the parameter's posterior draws, run by run: the scenario keeps the
    posterior's spread and its correlations with the other parameters (``[parameters]``
    replaces the draws by one value instead).

    Raises:
        ValueError: one line starting ``[scale] NAME``.
    """
    if not isinstance(scale, dict):
        raise ValueError("[scale] must be a table of name = factor")
    specs = {p.name: p for p in PARAMS}
    fixed = parameters if isinstance(parameters, dict) else {}
    for key, value in scale.items():
        if key not in specs:
            raise ValueError(str(unknown_name("parameter", key, specs, where="[scale]")))
        if specs[key].prior != "lognormal":
            positive = [p.name for p in PARAMS if p.prior == "lognormal"]
            raise ValueError(
                f"[scale] {key}: has a {specs[key].prior} prior, and only positive "
                f"(lognormal) parameters can be scaled ({', '.join(positive)}); fix it in "
                "[parameters] instead"
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"[scale] {key} = {value!r}: give a number (a factor, e.g. 0.5)")
        if not (math.isfinite(value) and 1.0 / MAX_SCALE <= value <= MAX_SCALE):
            raise ValueError(
                f"[scale] {key} = {value}: give a factor between {1.0 / MAX_SCALE:g} and "
                f"{MAX_SCALE:g}"
            )
        if key in fixed:
            raise ValueError(
                f"[scale] {key}: also fixed in [parameters]; give it in one table only"
            )


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> BakhmutScenario:
    """Validate a scenario given as a dict (as read from TOML), once: its tables and keys, its
    values, and its schedule against the record's.

    Raises:
        UserError: one line naming ``source``, the table and the key, and the fix.
    """
    spec = validate_scenario(
        BakhmutScenario, data, source, kind=KIND, docs=DOCS, internal={"source": source}
    )
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
    return load_scenario_file_as(parse_file, resolve_in_library(name_or_path, library()))


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
