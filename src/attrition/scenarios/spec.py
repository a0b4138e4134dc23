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
the key, and saying the fix (unknown keys list the valid ones). The full reference is in
``docs/simulation.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from attrition.errors import UserError, unknown_name
from attrition.models.lanchester import LanchesterModel
from attrition.models.laws import LAW_NAMES, get_law
from attrition.models.schedule import Impulse, Rate, Schedule, StopRule
from attrition.scenarios.kinds import DEFAULT_KIND, check_kind, read_scenario_file
from attrition.simulate.methods import METHODS

KIND = DEFAULT_KIND
"""The ``[scenario] kind`` of the files this module reads (``"duel"``, also the default)."""

DISTRIBUTIONS: tuple[str, ...] = ("uniform", "normal", "lognormal", "triangular", "draws")
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

_DIST_KEYS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "triangular": ("low", "mode", "high"),
    "draws": ("file", "column"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _finite(v: float, what: str) -> float:
    if not math.isfinite(v):
        raise ValueError(f"{what} must be a finite number, got {v}")
    return v


def _at_most(v: float, parameter: str) -> None:
    top = PARAMETER_MAX[parameter]
    if v > top:
        raise ValueError(f"{v:g} is out of scale for a {parameter}; give at most {top:g}")


class ScenarioInfo(_Strict):
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
        _finite(v, "exponent")
        if not 0 <= v <= MAX_EXPONENT:
            raise ValueError(f"exponents must lie in [0, {MAX_EXPONENT:g}], got {v}")
        return v


class SideSpec(_Strict):
    """One ``[sides.NAME]`` table."""

    strength: float
    effectiveness: float

    @field_validator("strength", "effectiveness")
    @classmethod
    def _nonneg(cls, v: float, info: ValidationInfo) -> float:
        _finite(v, "value")
        if v < 0:
            raise ValueError(f"must be >= 0, got {v}")
        _at_most(v, str(info.field_name))
        return v


class RunSpec(_Strict):
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


class StopSpec(_Strict):
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


class ScheduleEntry(_Strict):
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
                _finite(v, "amount")
                if abs(v) > MAX_SCHEDULE:
                    raise ValueError(f"{v:g} is out of scale; give at most {MAX_SCHEDULE:g}")
        return self


class Distribution(_Strict):
    """Distribution of an uncertain input (one ``[uncertain.SIDE]`` entry).

    ``uniform`` (low, high), ``normal`` (mean, sd; truncated at 0), ``lognormal`` (median,
    sigma of the log), ``triangular`` (low, mode, high), or ``draws`` (file, column: a CSV or
    Parquet file of posterior draws, path relative to the scenario file; sampled with
    replacement).
    """

    dist: str
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    median: float | None = None
    sigma: float | None = None
    mode: float | None = None
    file: str | None = None
    column: str | None = None

    @field_validator("dist")
    @classmethod
    def _dist(cls, v: str) -> str:
        if v not in DISTRIBUTIONS:
            raise ValueError(str(unknown_name("distribution", v, DISTRIBUTIONS)))
        return v

    @model_validator(mode="after")
    def _params(self) -> Distribution:
        need = _DIST_KEYS[self.dist]
        given = {
            k
            for k in ("low", "high", "mean", "sd", "median", "sigma", "mode", "file", "column")
            if getattr(self, k) is not None
        }
        missing = [k for k in need if k not in given]
        extra = sorted(given - set(need))
        if missing or extra:
            raise ValueError(
                f"{self.dist} takes {', '.join(need)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unexpected {', '.join(extra)}" if extra else "")
            )
        for k in given - {"file", "column"}:
            _finite(float(getattr(self, k)), k)
        if self.dist == "uniform" and not (self.low is not None and self.high is not None):
            raise ValueError("uniform needs low and high")  # pragma: no cover - checked above
        if self.dist in ("uniform", "triangular"):
            lo, hi = float(self.low or 0.0), float(self.high or 0.0)
            if lo < 0 or hi <= lo:
                raise ValueError(f"needs 0 <= low < high, got low={lo}, high={hi}")
            if self.dist == "triangular" and not lo <= float(self.mode or 0.0) <= hi:
                raise ValueError(f"mode must lie in [low, high], got {self.mode}")
        if self.dist == "normal" and (float(self.sd or 0.0) <= 0 or float(self.mean or 0.0) < 0):
            raise ValueError(f"needs mean >= 0 and sd > 0, got mean={self.mean}, sd={self.sd}")
        if self.dist == "lognormal" and (
            float(self.median or 0.0) <= 0 or float(self.sigma or 0.0) <= 0
        ):
            raise ValueError(f"needs median > 0 and sigma > 0, got {self.median}, {self.sigma}")
        return self

    def upper_centre(self) -> float | None:
        """The top of a bounded distribution (``high``), the centre of an unbounded one
        (``mean``, ``median``); ``None`` for posterior draws (checked when read)."""
        for key in ("high", "mean", "median"):
            v = getattr(self, key)
            if v is not None:
                return float(v)
        return None

    def ppf(self, u: np.ndarray, draws: np.ndarray | None = None) -> np.ndarray:
        """Quantile function: maps uniforms ``u`` in (0, 1) to draws of this distribution."""
        from scipy.special import ndtr, ndtri

        u = np.asarray(u, dtype=float)
        if self.dist == "uniform":
            lo, hi = float(self.low), float(self.high)  # type: ignore[arg-type]
            return lo + u * (hi - lo)
        if self.dist == "normal":
            mu, sd = float(self.mean), float(self.sd)  # type: ignore[arg-type]
            f0 = ndtr(-mu / sd)  # truncated at zero: strengths and rates cannot be negative
            return np.maximum(mu + sd * ndtri(f0 + u * (1.0 - f0)), 0.0)  # type: ignore[no-any-return]
        if self.dist == "lognormal":
            med, sig = float(self.median), float(self.sigma)  # type: ignore[arg-type]
            return med * np.exp(sig * ndtri(u))  # type: ignore[no-any-return]
        if self.dist == "triangular":
            lo, mo, hi = float(self.low), float(self.mode), float(self.high)  # type: ignore[arg-type]
            fc = (mo - lo) / (hi - lo)
            left = lo + np.sqrt(u * (hi - lo) * (mo - lo))
            right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mo))
            return np.where(u < fc, left, right)
        if draws is None:  # pragma: no cover - Scenario always passes the loaded draws
            raise UserError(f"distribution draws: file {self.file} not loaded")
        return np.asarray(np.quantile(draws, u, method="inverted_cdf"), dtype=float)


class OutputSpec(_Strict):
    """The ``[outputs]`` table: named quantities reported and analysed.

    Per side: ``final_SIDE``, ``losses_SIDE``, ``win_SIDE`` (1 when the side wins the run),
    ``remaining_SIDE`` (final over committed strength); global: ``duration`` (days) and
    ``exchange_ratio`` (losses of the second side per loss of the first).
    """

    quantities: list[str] = Field(default_factory=list)


class Scenario(_Strict):
    """A validated scenario (build with :func:`load_scenario` or :func:`parse_scenario`)."""

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
        """Read the posterior draws a ``draws`` distribution points to."""
        path = Path(self.base_dir) / str(dist.file)
        where = f"{self.source}: [uncertain] {key}"
        if not path.is_file():
            raise UserError(
                f"{where}: draws file {path} not found; give a path relative to the TOML"
            )
        import pandas as pd

        try:
            df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        except Exception as exc:
            raise UserError(f"{where}: cannot read draws file {path} ({exc})") from exc
        if dist.column not in df.columns:
            raise unknown_name("column", str(dist.column), [str(c) for c in df.columns], where)
        vals = df[dist.column].to_numpy(dtype=float)
        vals = vals[np.isfinite(vals)]
        if vals.size == 0 or np.any(vals < 0):
            raise UserError(f"{where}: column {dist.column} needs finite values >= 0")
        return np.asarray(vals, dtype=float)

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
        return _validated(
            {**self.model_dump(), "run": data}, self.source, self.base_dir, section="run"
        )

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of the scenario (identifies checkpoints)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


TABLES: tuple[str, ...] = tuple(k for k in Scenario.model_fields if k not in ("source", "base_dir"))
"""The top-level tables a duel file may have."""
REQUIRED_TABLES: tuple[str, ...] = ("scenario", "sides")
"""The top-level tables a duel file must have."""

_SECTION_MODELS: dict[str, type[BaseModel]] = {
    "scenario": ScenarioInfo,
    "run": RunSpec,
    "stop": StopSpec,
    "outputs": OutputSpec,
}


def _valid_keys(loc: tuple[int | str, ...]) -> list[str]:
    """Valid keys of the table at ``loc`` (for unknown-key messages)."""
    if not loc:
        return [k for k in Scenario.model_fields if k not in ("source", "base_dir")]
    head = loc[0]
    if head in _SECTION_MODELS:
        return list(_SECTION_MODELS[str(head)].model_fields)
    if head == "sides":
        return list(SideSpec.model_fields)
    if head == "schedule":
        return list(ScheduleEntry.model_fields)
    if head == "uncertain":
        return list(Distribution.model_fields) if len(loc) >= 3 else list(UNCERTAIN_PARAMETERS)
    return []


def _table(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            if parts:
                parts[-1] += f"[{p}]"
            else:
                parts.append(f"[{p}]")
        else:
            parts.append(p)
    return ".".join(parts)


def _format_error(exc: ValidationError, source: str) -> str:
    err = exc.errors(include_url=False)[0]
    loc = tuple(p for p in err["loc"] if p not in ("function-after",))
    typ = err["type"]
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if typ == "extra_forbidden":
        parent, key = loc[:-1], loc[-1]
        valid = ", ".join(_valid_keys(parent))
        table = f"[{_table(parent)}]" if parent else "top level"
        return f"{source}: {table}: unknown key {key!r}; valid: {valid}"
    if typ == "missing":
        parent, key = loc[:-1], loc[-1]
        if not parent and key in ("scenario", "sides"):
            return f"{source}: missing table [{key}]; add it (see docs/simulation.md)"
        table = f"[{_table(parent)}]" if parent else "top level"
        return f"{source}: {table}: missing key {key!r}"
    if not loc:
        return f"{source}: {msg}"
    if len(loc) == 1:
        return f"{source}: [{loc[0]}]: {msg}"
    return f"{source}: [{_table(loc[:-1])}] {loc[-1]}: {msg}"


def _validated(
    data: dict[str, Any], source: str, base_dir: str, section: str | None = None
) -> Scenario:
    try:
        return Scenario.model_validate({**data, "source": source, "base_dir": base_dir})
    except ValidationError as exc:
        raise UserError(_format_error(exc, source)) from None


def parse_scenario(
    data: dict[str, Any], source: str = "<scenario>", base_dir: str = "."
) -> Scenario:
    """Validate a scenario given as a dict (as read from TOML).

    Args:
        data: the parsed TOML.
        source: name used in error messages (the file name).
        base_dir: folder that relative paths (posterior draws) are resolved against.
    """
    if not isinstance(data, dict):
        raise UserError(f"{source}: a scenario must be a table")
    check_kind(data, source, KIND)
    for table in REQUIRED_TABLES:
        if table not in data:
            raise UserError(f"{source}: missing table [{table}]; add it (see docs/simulation.md)")
    return _validated(data, source, base_dir)


def parse_file(data: dict[str, Any], path: str | Path) -> Scenario:
    """Validate the parsed TOML of the file ``path`` (the duel kind's parser: errors name the
    file, relative draws paths are resolved against its folder)."""
    p = Path(path)
    return parse_scenario(data, source=str(p), base_dir=str(p.parent))


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a TOML scenario file (see the module docstring for the format)."""
    return parse_file(read_scenario_file(path), path)


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
