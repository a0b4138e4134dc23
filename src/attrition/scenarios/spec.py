"""Scenario files: TOML in, a validated, frozen :class:`Scenario` out.

A scenario names a law, two sides with their strengths and effectiveness, how to run it (method,
runs, seed), and optionally reinforcement/withdrawal schedules, stopping rules, distributions of
uncertain inputs and the output quantities of interest::

    [scenario]
    kind = "duel"             # optional: a file without kind is a duel
    name = "duel"
    law = "square"            # square | linear | logarithmic | mixed | power
    days = 30
    [sides.blue]
    strength = 1000
    effectiveness = 0.012     # losses its fire inflicts per shooter per day
    [sides.red]
    strength = 800
    effectiveness = 0.010
    [run]
    method = "ssa"            # ode | ssa | tau-leap | binomial
    runs = 10000
    seed = 1

``kind = "duel"`` marks the file as a Lanchester duel (:mod:`attrition.scenarios.kinds`); it may
be left out, for backwards compatibility: a file without ``kind`` is a duel. ``attrition
simulate FILE`` and ``attrition scenario run FILE`` both run it.

Every problem is one :class:`~attrition.errors.UserError` line naming the file, the table and
the key, and saying the fix (unknown keys list the valid ones): the models are
:class:`~attrition.scenarios.schema.StrictModel` classes, read and checked by the shared
:func:`~attrition.scenarios.schema.validate_scenario`. The distributions of ``[uncertain]`` live
in :mod:`attrition.scenarios.distributions` (``Distribution`` and ``DISTRIBUTIONS`` are
re-exported here). The full reference is in ``docs/simulation.md``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator

from attrition.errors import UserError, unknown_name
from attrition.models.lanchester import LanchesterModel
from attrition.models.laws import LAW_NAMES, get_law
from attrition.models.schedule import Impulse, Rate, Schedule, StopRule
from attrition.scenarios.distributions import DISTRIBUTIONS, Distribution, read_draws
from attrition.scenarios.kinds import DEFAULT_KIND
from attrition.scenarios.schema import (
    StrictModel,
    check_finite,
    load_scenario_file_as,
    required_tables,
    table_names,
    validate_scenario,
)
from attrition.simulate.methods import METHODS

KIND = DEFAULT_KIND
"""The ``[scenario] kind`` of the files this module reads (``"duel"``, also the default)."""

UNCERTAIN_PARAMETERS: tuple[str, ...] = ("strength", "effectiveness")
SIDE_QUANTITIES: tuple[str, ...] = ("final", "losses", "win", "remaining")
GLOBAL_QUANTITIES: tuple[str, ...] = ("duration", "exchange_ratio")
MAX_RUNS = 2**32 - 1
PARAMETER_MAX: dict[str, float] = {"strength": 1e9, "effectiveness": 1e3}
"""Largest accepted value of each side parameter: a billion soldiers (more than every army on
Earth together), a thousand losses per shooter a day. Larger values are typing errors, and
their squares (the ensemble's spread) overflow."""
MAX_EXPONENT = 5.0
"""Largest accepted exponent of the power law (fitted exponents lie in 0..2)."""
MAX_SCHEDULE = 1e9
"""Largest accepted reinforcement or withdrawal, per impulse or per day."""

DOCS = "docs/simulation.md"
"""Where the duel file format is documented (named when a table is missing)."""

__all__ = [
    "DISTRIBUTIONS",
    "DOCS",
    "GLOBAL_QUANTITIES",
    "KIND",
    "LIBRARY",
    "MAX_EXPONENT",
    "MAX_RUNS",
    "MAX_SCHEDULE",
    "PARAMETER_MAX",
    "REQUIRED_TABLES",
    "SIDE_QUANTITIES",
    "TABLES",
    "UNCERTAIN_PARAMETERS",
    "Distribution",
    "OutputSpec",
    "RunSpec",
    "Scenario",
    "ScenarioInfo",
    "ScheduleEntry",
    "SideSpec",
    "StopSpec",
    "library_scenarios",
    "load_scenario",
    "parse_file",
    "parse_scenario",
    "resolve_in_library",
    "resolve_scenario_path",
]


def _at_most(v: float, parameter: str) -> None:
    top = PARAMETER_MAX[parameter]
    if v > top:
        raise ValueError(f"{v:g} is out of scale for a {parameter}; give at most {top:g}")


class ScenarioInfo(StrictModel):
    """The ``[scenario]`` table: name, law, length, and the law's options; ``kind`` is
    ``"duel"`` when given (and when not: it is left out of dumps and fingerprints)."""

    kind: str = Field(default=KIND, exclude=True)
    name: str = Field(min_length=1)
    law: str
    days: int = Field(gt=0, le=100_000)
    description: str = ""
    p: float = 1.0
    q: float = 0.0
    aimed: str | None = None

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v != KIND:
            raise ValueError(f"{v!r} is not a duel; a duel scenario has kind = {KIND!r}")
        return v

    @field_validator("law")
    @classmethod
    def _law(cls, v: str) -> str:
        if v not in LAW_NAMES:
            raise ValueError(str(unknown_name("law", v, LAW_NAMES)))
        return v

    @field_validator("p", "q")
    @classmethod
    def _exp(cls, v: float) -> float:
        check_finite(v, "exponent")
        if not 0 <= v <= MAX_EXPONENT:
            raise ValueError(f"exponents must lie in [0, {MAX_EXPONENT:g}], got {v}")
        return v


class SideSpec(StrictModel):
    """One ``[sides.NAME]`` table."""

    strength: float
    effectiveness: float

    @field_validator("strength", "effectiveness")
    @classmethod
    def _nonneg(cls, v: float, info: ValidationInfo) -> float:
        check_finite(v, "value")
        if v < 0:
            raise ValueError(f"must be >= 0, got {v}")
        _at_most(v, str(info.field_name))
        return v


class RunSpec(StrictModel):
    """The ``[run]`` table: engine, number of runs, seed and engine options."""

    method: str = "ode"
    runs: int = 1
    seed: int = Field(default=0, ge=0)
    substeps: int = Field(default=0, ge=0, le=1000)
    epsilon: float = Field(default=0.03, gt=0.0, lt=1.0)

    @field_validator("method")
    @classmethod
    def _method(cls, v: str) -> str:
        if v not in METHODS:
            raise ValueError(str(unknown_name("method", v, METHODS)))
        return v

    @field_validator("runs")
    @classmethod
    def _runs(cls, v: int) -> int:
        if v < 1:
            raise ValueError(f"must be >= 1, got {v}")
        if v > MAX_RUNS:
            raise ValueError(f"must be at most {MAX_RUNS}, got {v}")
        return v


class StopSpec(StrictModel):
    """The ``[stop]`` table (see :class:`attrition.models.StopRule`)."""

    annihilation: bool = True
    annihilation_level: float = Field(default=0.0, ge=0.0)
    breakpoint: dict[str, float] = Field(default_factory=dict)

    @field_validator("breakpoint")
    @classmethod
    def _fractions(cls, v: dict[str, float]) -> dict[str, float]:
        for side, f in v.items():
            if not 0.0 < f < 1.0:
                raise ValueError(f"fraction for {side!r} must be in (0, 1), got {f}")
        return v


class ScheduleEntry(StrictModel):
    """One ``[[schedule]]`` entry: an impulse (``day``, ``amount``) or a rate (``start``,
    ``end``, ``per_day``); negative amounts are withdrawals. Days are whole days."""

    side: str
    day: int | None = Field(default=None, ge=0)
    amount: float | None = None
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=1)
    per_day: float | None = None

    @model_validator(mode="after")
    def _shape(self) -> ScheduleEntry:
        impulse = self.day is not None or self.amount is not None
        rate = self.start is not None or self.end is not None or self.per_day is not None
        if impulse == rate:
            raise ValueError(
                "give either day and amount (an impulse) or start, end and per_day (a rate)"
            )
        if impulse and (self.day is None or self.amount is None):
            raise ValueError("an impulse needs both day and amount")
        if rate and (self.start is None or self.end is None or self.per_day is None):
            raise ValueError("a rate needs start, end and per_day")
        if rate and self.end is not None and self.start is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        for v in (self.amount, self.per_day):
            if v is not None:
                check_finite(v, "amount")
                if abs(v) > MAX_SCHEDULE:
                    raise ValueError(f"{v:g} is out of scale; give at most {MAX_SCHEDULE:g}")
        return self


class OutputSpec(StrictModel):
    """The ``[outputs]`` table: named quantities reported and analysed.

    Per side: ``final_SIDE``, ``losses_SIDE``, ``win_SIDE`` (1 when the side wins the run),
    ``remaining_SIDE`` (final over committed strength); global: ``duration`` (days) and
    ``exchange_ratio`` (losses of the second side per loss of the first).
    """

    quantities: list[str] = Field(default_factory=list)


class Scenario(StrictModel):
    """A validated scenario (build with :func:`load_scenario` or :func:`parse_scenario`)."""

    internal_fields = ("source", "base_dir")

    scenario: ScenarioInfo
    sides: dict[str, SideSpec]
    run: RunSpec = Field(default_factory=RunSpec)
    stop: StopSpec = Field(default_factory=StopSpec)
    schedule: list[ScheduleEntry] = Field(default_factory=list)
    uncertain: dict[str, dict[str, Distribution]] = Field(default_factory=dict)
    outputs: OutputSpec = Field(default_factory=OutputSpec)
    source: str = Field(default="<scenario>", exclude=True)
    base_dir: str = Field(default=".", exclude=True)

    @model_validator(mode="after")
    def _cross(self) -> Scenario:
        names = list(self.sides)
        if len(names) != 2:
            raise ValueError(f"[sides] needs exactly two sides, got {len(names)}: {names}")
        where = {
            "stop.breakpoint": list(self.stop.breakpoint),
            "schedule": [e.side for e in self.schedule],
            "uncertain": list(self.uncertain),
        }
        for key, used in where.items():
            for s in used:
                if s not in names:
                    raise ValueError(str(unknown_name("side", s, names, where=f"[{key}]")))
        for side, params in self.uncertain.items():
            for p in params:
                if p not in UNCERTAIN_PARAMETERS:
                    raise ValueError(
                        str(
                            unknown_name(
                                "parameter", p, UNCERTAIN_PARAMETERS, f"[uncertain.{side}]"
                            )
                        )
                    )
        for side, params in self.uncertain.items():
            for p, dist in params.items():
                top = dist.upper_centre()
                if p in PARAMETER_MAX and top is not None and top > PARAMETER_MAX[p]:
                    raise ValueError(
                        f"[uncertain.{side}] {p}: {dist.dist} reaches {top:g}, out of scale for "
                        f"a {p}; give values at most {PARAMETER_MAX[p]:g}"
                    )
        valid = self.valid_quantities()
        for q in self.outputs.quantities:
            if q not in valid:
                raise ValueError(str(unknown_name("quantity", q, valid, where="[outputs]")))
        if self.scenario.law == "mixed" and self.scenario.aimed not in names:
            raise ValueError(
                str(unknown_name("side", str(self.scenario.aimed), names, "[scenario] aimed"))
                + " (law mixed needs aimed = the side whose fire is aimed)"
            )
        if self.scenario.law != "mixed" and self.scenario.aimed is not None:
            raise ValueError("[scenario] aimed applies to law = 'mixed' only")
        return self

    # ----------------------------------------------------------------- derived objects
    @property
    def side_names(self) -> tuple[str, str]:
        """The two side names, in file order."""
        a, b = self.sides
        return a, b

    @property
    def days(self) -> int:
        """Length of the battle in days."""
        return self.scenario.days

    def law(self) -> Any:
        """The :class:`attrition.models.Law` of the scenario."""
        info = self.scenario
        aimed = self.side_names.index(info.aimed) if info.aimed is not None else 0
        return get_law(info.law, p=info.p, q=info.q, aimed=aimed)

    def schedule_obj(self) -> Schedule:
        """Reinforcements and withdrawals as a :class:`attrition.models.Schedule`."""
        names = self.side_names
        imps = tuple(
            Impulse(names.index(e.side), float(e.day), float(e.amount))  # type: ignore[arg-type]
            for e in self.schedule
            if e.day is not None
        )
        rates = tuple(
            Rate(names.index(e.side), float(e.start), float(e.end), float(e.per_day))  # type: ignore[arg-type]
            for e in self.schedule
            if e.start is not None
        )
        return Schedule(imps, rates)

    def model(self) -> LanchesterModel:
        """The :class:`LanchesterModel` at the nominal (central) parameters."""
        names = self.side_names
        coef = (self.sides[names[0]].effectiveness, self.sides[names[1]].effectiveness)
        return LanchesterModel(self.law(), coef, names, self.schedule_obj())

    def stop_rule(self) -> StopRule:
        """The stopping rules as a :class:`StopRule`."""
        bp = tuple(self.stop.breakpoint.get(s) for s in self.side_names)
        return StopRule(self.stop.annihilation, self.stop.annihilation_level, bp)  # type: ignore[arg-type]

    def initial(self) -> np.ndarray:
        """Nominal starting strengths, shape ``(2,)``."""
        return np.array([self.sides[s].strength for s in self.side_names], dtype=float)

    def coefficients(self) -> np.ndarray:
        """Nominal effectiveness, shape ``(2,)``."""
        return np.array([self.sides[s].effectiveness for s in self.side_names], dtype=float)

    def valid_quantities(self) -> list[str]:
        """Names of the output quantities this scenario can report."""
        return [f"{q}_{s}" for s in self.sides for q in SIDE_QUANTITIES] + list(GLOBAL_QUANTITIES)

    def quantities(self) -> list[str]:
        """The output quantities requested (default: final strength of each side, duration)."""
        if self.outputs.quantities:
            return list(self.outputs.quantities)
        return [f"final_{s}" for s in self.sides] + ["duration"]

    # ----------------------------------------------------------------- uncertain inputs
    def uncertain_inputs(self) -> list[tuple[str, str, Distribution]]:
        """``(side, parameter, distribution)`` of each uncertain input, in file order."""
        return [(s, p, d) for s, params in self.uncertain.items() for p, d in params.items()]

    def load_draws(self, dist: Distribution, key: str) -> np.ndarray:
        """Read the posterior draws a ``draws`` distribution points to (relative to the file)."""
        where = f"{self.source}: [uncertain] {key}"
        return read_draws(Path(self.base_dir) / str(dist.file), str(dist.column), where)

    def transform(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map uniforms ``u`` (``(runs, k)``, one column per uncertain input) to parameters.

        Returns:
            ``(initial, coef)``, each ``(runs, 2)``; inputs without a distribution keep their
            nominal value.
        """
        u = np.atleast_2d(np.asarray(u, dtype=float))
        inputs = self.uncertain_inputs()
        if u.shape[1] != len(inputs):
            raise UserError(f"expected {len(inputs)} columns of uniforms, got {u.shape[1]}")
        n = u.shape[0]
        y0 = np.tile(self.initial(), (n, 1))
        cf = np.tile(self.coefficients(), (n, 1))
        names = self.side_names
        for k, (side, param, dist) in enumerate(inputs):
            draws = self.load_draws(dist, f"{side}.{param}") if dist.dist == "draws" else None
            vals = dist.ppf(u[:, k], draws)
            top = PARAMETER_MAX[param]
            if vals.size and not (np.all(np.isfinite(vals)) and float(vals.max()) <= top):
                worst = float(np.nanmax(np.where(np.isfinite(vals), vals, np.inf)))
                raise UserError(
                    f"{self.source}: [uncertain.{side}] {param}: the {dist.dist} distribution "
                    f"draws {worst:g}, out of scale for a {param} (at most {top:g}); narrow it"
                )
            target = y0 if param == "strength" else cf
            target[:, names.index(side)] = vals
        return y0, cf

    def sample(self, runs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Per-run ``(initial, coef)`` for ``runs`` runs, each ``(runs, 2)``.

        The uniforms come from ``SeedSequence(seed).spawn(2)[0]`` (PCG64), drawn row by row, so
        run ``i``'s parameters do not depend on ``runs`` or on how the ensemble is chunked.
        """
        k = len(self.uncertain_inputs())
        if k == 0:
            return np.tile(self.initial(), (runs, 1)), np.tile(self.coefficients(), (runs, 1))
        child = np.random.SeedSequence(seed).spawn(2)[0]
        u = np.random.Generator(np.random.PCG64(child)).random((runs, k))
        return self.transform(u)

    # ----------------------------------------------------------------- variants
    def with_run(self, **changes: Any) -> Scenario:
        """A copy with ``[run]`` fields replaced (``None`` values are ignored), re-validated."""
        data = self.run.model_dump()
        data.update({k: v for k, v in changes.items() if v is not None})
        return _validated({**self.model_dump(), "run": data}, self.source, self.base_dir, None)

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of the scenario (identifies checkpoints)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


TABLES: tuple[str, ...] = table_names(Scenario)
"""The top-level tables a duel file may have."""
REQUIRED_TABLES: tuple[str, ...] = required_tables(Scenario)
"""The top-level tables a duel file must have (``scenario``, ``sides``)."""


def _validated(data: dict[str, Any], source: str, base_dir: str, kind: str | None) -> Scenario:
    return validate_scenario(
        Scenario,
        data,
        source,
        kind=kind,
        docs=DOCS,
        internal={"source": source, "base_dir": base_dir},
    )


def parse_scenario(
    data: dict[str, Any], source: str = "<scenario>", base_dir: str = "."
) -> Scenario:
    """Validate a scenario given as a dict (as read from TOML).

    Args:
        data: the parsed TOML.
        source: name used in error messages (the file name).
        base_dir: folder that relative paths (posterior draws) are resolved against.

    Raises:
        UserError: one line naming ``source``, the table and the key, and the fix.
    """
    return _validated(data, source, base_dir, KIND)


def parse_file(data: dict[str, Any], path: str | Path) -> Scenario:
    """Validate the parsed TOML of the file ``path`` (the duel kind's parser: errors name the
    file, relative draws paths are resolved against its folder)."""
    p = Path(path)
    return parse_scenario(data, source=str(p), base_dir=str(p.parent))


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a TOML scenario file (see the module docstring for the format)."""
    return load_scenario_file_as(parse_file, path)


LIBRARY = Path(__file__).parent / "library"


def library_scenarios() -> dict[str, Path]:
    """Scenario files shipped with the package, keyed by name (``duel``, ``large``)."""
    return {p.stem: p for p in sorted(LIBRARY.glob("*.toml"))}


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A path as given, or the packaged scenario of that name (``duel``, ``large``)."""
    return resolve_in_library(name_or_path, library_scenarios())


def resolve_in_library(name_or_path: str | Path, lib: dict[str, Path]) -> Path:
    """A scenario file as given, or the one named so in ``lib``; a path that does not exist or
    an unknown name raise :class:`UserError` listing the packaged scenarios."""
    p = Path(name_or_path)
    if p.is_file():
        return p
    if str(name_or_path) in lib:
        return lib[str(name_or_path)]
    if p.suffix == ".toml" or p.parent != Path("."):
        raise UserError(f"{p}: scenario file not found (packaged scenarios: {', '.join(lib)})")
    raise unknown_name("scenario", str(name_or_path), lib)
