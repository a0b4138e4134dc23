"""Validated records of the evidence base and their CSV readers.

The contract is ``docs/claims-schema.md``. Every model is a frozen pydantic v2 model that checks
its vocabularies, ISO dates, numbers and the qualifier/value rules when built. The CSV readers
validate each row and raise one :class:`~attrition.errors.UserError` line such as::

    claims.csv:7: field 'metric' = 'kills' is not valid; valid: advance_depth_m, ...

Row numbers are CSV line numbers (the header is line 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BY_SIDES",
    "CLAIMANT_SIDES",
    "CLAIM_COLUMNS",
    "EVENTS",
    "EVENT_COLUMNS",
    "EXCLUSION_COLUMNS",
    "METRICS",
    "PHASE_COLUMNS",
    "PLACE_COLUMNS",
    "QUALIFIERS",
    "RATES",
    "SUBJECT_SIDES",
    "Claim",
    "ControlEvent",
    "NumeralExclusion",
    "Phase",
    "Place",
    "RowProblem",
    "dup_of",
    "models_to_frame",
    "parse_csv",
    "read_claims_csv",
    "read_events_csv",
    "read_exclusions_csv",
    "read_models",
    "read_phases_csv",
    "read_places_csv",
]

Metric = Literal[
    "killed",
    "wounded",
    "captured",
    "casualties",
    "missing",
    "tanks_destroyed",
    "ifv_destroyed",
    "apc_destroyed",
    "artillery_destroyed",
    "uav_destroyed",
    "depots_destroyed",
    "vehicles_destroyed",
    "advance_m",
    "advance_width_m",
    "advance_depth_m",
    "area_km2",
    "city_control_pct",
    "personnel",
    "tanks",
    "afv",
    "guns",
    "mlrs",
    "ammo_tonnes_per_day",
    "ammo_delivered_pct",
    "population",
    "artillery_attacks",
    "casualty_ratio",
    "casualties_per_km",
    "cm_per_casualty",
    "other",
]
ClaimantSide = Literal["UA", "RU", "WEST", "INDEPENDENT", "OTHER"]
"""The default claimant sides (Bakhmut's); a battle folder's ``battle.toml`` sets its own."""
SubjectSide = Literal["UA", "RU", "WAGNER", "CIVILIAN", "BOTH"]
"""The default subjects (Bakhmut's); a battle folder's ``battle.toml`` sets its own."""
Qualifier = Literal["exact", "about", "at_least", "at_most", "range"]
Rate = Literal["total", "per_day"]
EventKind = Literal[
    "captured",
    "claimed_captured",
    "entered",
    "contested",
    "withdrew",
    "recaptured",
    "encircled",
    "held",
]
BySide = Literal["UA", "RU"]
"""The default sides of control events; a battle folder's ``battle.toml`` sets its own."""

METRICS: tuple[str, ...] = get_args(Metric)
CLAIMANT_SIDES: tuple[str, ...] = get_args(ClaimantSide)
SUBJECT_SIDES: tuple[str, ...] = get_args(SubjectSide)
QUALIFIERS: tuple[str, ...] = get_args(Qualifier)
RATES: tuple[str, ...] = get_args(Rate)
EVENTS: tuple[str, ...] = get_args(EventKind)
BY_SIDES: tuple[str, ...] = get_args(BySide)

PERCENT_METRICS = frozenset({"city_control_pct", "ammo_delivered_pct"})

CLAIM_COLUMNS: tuple[str, ...] = (
    "id",
    "claim_date",
    "period_start",
    "period_end",
    "claimant",
    "claimant_side",
    "subject_side",
    "metric",
    "value_low",
    "value_high",
    "qualifier",
    "rate",
    "place",
    "quote",
    "offset",
    "notes",
    "source",
)
EVENT_COLUMNS: tuple[str, ...] = (
    "id",
    "date",
    "place",
    "event",
    "by_side",
    "claimant",
    "claimant_side",
    "quote",
    "offset",
    "notes",
    "source",
)
PHASE_COLUMNS: tuple[str, ...] = ("id", "name", "start", "end", "heading_offset")
PLACE_COLUMNS: tuple[str, ...] = (
    "place",
    "alt_names",
    "lat",
    "lon",
    "approximate",
    "derivation",
    "source",
)
EXCLUSION_COLUMNS: tuple[str, ...] = ("offset", "text", "reason")

SIDE_FIELDS = ("claimant_side", "subject_side", "by_side")
"""Fields whose vocabulary is a battle's (``battle.toml``), checked by :func:`parse_csv`."""

_VOCABS: dict[str, tuple[str, ...]] = {
    "metric": METRICS,
    "claimant_side": CLAIMANT_SIDES,
    "subject_side": SUBJECT_SIDES,
    "qualifier": QUALIFIERS,
    "rate": RATES,
    "event": EVENTS,
    "by_side": BY_SIDES,
}

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_SIDE_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _err(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _empty_to_none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _parse_date(value: Any) -> Any:
    value = _empty_to_none(value)
    if value is None or isinstance(value, dt.date):
        return value
    if hasattr(value, "date") and callable(value.date):  # datetime, pandas Timestamp
        return value.date()
    text = str(value).strip()
    if not _ISO_DATE.fullmatch(text):
        raise _err("iso_date", "is not an ISO date; write it as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise _err("iso_date", f"is not a real date ({exc}); write it as YYYY-MM-DD") from exc


def _parse_number(value: Any) -> Any:
    value = _empty_to_none(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise _err("number", "is not a number; write digits such as 1500")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if re.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
            raise _err("number", "has a thousands separator; write it without commas, e.g. 1500")
        try:
            number = float(text)
        except ValueError as exc:
            raise _err("number", "is not a number; write digits such as 1500 or 1.5") from exc
    if not math.isfinite(number):
        raise _err("number", "is not a finite number; write digits such as 1500")
    if number < 0:
        raise _err("number", "is negative; counts, distances and rates are >= 0")
    return number


def _parse_offset(value: Any) -> Any:
    value = _empty_to_none(value)
    if value is None:
        raise _err("offset", "is empty; give the 0-based character offset of the text")
    if isinstance(value, bool):
        raise _err("offset", "is not a whole number; give a character offset such as 1234")
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not re.fullmatch(r"\d+", text):
        raise _err("offset", "is not a whole number >= 0; give a character offset such as 1234")
    return int(text)


def _clean_source(value: Any) -> str:
    v = _empty_to_none(value)
    return "" if v is None else str(v).strip()


def _parse_optional_offset(value: Any) -> Any:
    return None if _empty_to_none(value) is None else _parse_offset(value)


def _check_offset(offset: int | None, source: str) -> None:
    if offset is None and not source:
        raise _err(
            "offset",
            "field 'offset' is empty; give the quote's character offset in the article, or "
            "name the row's source (the 'source' column) when it quotes another publication",
        )


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def row(self) -> dict[str, Any]:
        """The record as a flat dict in CSV column order (lists joined with ``;``)."""
        return self.model_dump()


class Claim(_Record):
    """One figure, as one mention in the article (a row of ``claims.csv``)."""

    id: str = Field(pattern=_ID_PATTERN)
    claim_date: dt.date | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    claimant: str = Field(min_length=1)
    claimant_side: str = Field(pattern=_SIDE_PATTERN)
    subject_side: str = Field(pattern=_SIDE_PATTERN)
    metric: Metric
    value_low: float | None = None
    value_high: float | None = None
    qualifier: Qualifier
    rate: Rate
    place: str | None = None
    quote: str = Field(min_length=1)
    offset: int | None = Field(default=None, ge=0)
    notes: str = ""
    source: str = ""

    @field_validator("claim_date", "period_start", "period_end", mode="before")
    @classmethod
    def _dates(cls, v: Any) -> Any:
        return _parse_date(v)

    @field_validator("value_low", "value_high", mode="before")
    @classmethod
    def _numbers(cls, v: Any) -> Any:
        return _parse_number(v)

    @field_validator("offset", mode="before")
    @classmethod
    def _offset(cls, v: Any) -> Any:
        return _parse_optional_offset(v)

    _source = field_validator("source", mode="before")(lambda v: _clean_source(v))

    @field_validator("claimant", "quote", mode="before")
    @classmethod
    def _required_text(cls, v: Any) -> Any:
        if _empty_to_none(v) is None:
            raise _err("required", "is empty; it is required")
        return v

    @field_validator("place", mode="before")
    @classmethod
    def _place(cls, v: Any) -> Any:
        v = _empty_to_none(v)
        return v.strip() if isinstance(v, str) else v

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, v: Any) -> Any:
        v = _empty_to_none(v)
        return "" if v is None else v

    @model_validator(mode="after")
    def _consistent(self) -> Claim:
        _check_offset(self.offset, self.source)
        lo, hi, q = self.value_low, self.value_high, self.qualifier
        if q in {"exact", "about"}:
            if lo is None or hi is None or lo != hi:
                raise _err(
                    "qualifier",
                    f"qualifier '{q}' needs value_low = value_high (got {_fmt(lo)}, {_fmt(hi)}); "
                    "put the value in both",
                )
        elif q == "at_least":
            if lo is None or hi is not None:
                raise _err(
                    "qualifier",
                    f"qualifier 'at_least' needs value_low set and value_high empty "
                    f"(got {_fmt(lo)}, {_fmt(hi)})",
                )
        elif q == "at_most":
            if lo is not None or hi is None:
                raise _err(
                    "qualifier",
                    f"qualifier 'at_most' needs value_low empty and value_high set "
                    f"(got {_fmt(lo)}, {_fmt(hi)})",
                )
        elif lo is None or hi is None or not lo < hi:
            raise _err(
                "qualifier",
                f"qualifier 'range' needs value_low < value_high (got {_fmt(lo)}, {_fmt(hi)})",
            )
        if self.metric in PERCENT_METRICS:
            for v in (lo, hi):
                if v is not None and v > 100:
                    raise _err(
                        "percent",
                        f"metric '{self.metric}' is a percentage 0-100, got {_fmt(v)}",
                    )
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise _err(
                "period",
                f"period_end {self.period_end} is before period_start {self.period_start}; "
                "swap them or fix the dates",
            )
        return self

    @property
    def dup_of(self) -> str | None:
        """The id named by a ``dup_of:<id>`` note, if any."""
        return dup_of(self.notes)

    @property
    def value(self) -> float:
        """A single representative value: the midpoint of a range, else the bound given."""
        if self.value_low is not None and self.value_high is not None:
            return (self.value_low + self.value_high) / 2
        return self.value_low if self.value_low is not None else float(self.value_high or 0.0)


def dup_of(notes: str) -> str | None:
    """The id in a ``dup_of:<id>`` item of a ``;``-separated notes string, or ``None``."""
    for item in str(notes or "").split(";"):
        item = item.strip()
        if item.startswith("dup_of:"):
            return item[len("dup_of:") :].strip()
    return None


def _fmt(v: float | None) -> str:
    if v is None:
        return "empty"
    return str(int(v)) if float(v).is_integer() else str(v)


class ControlEvent(_Record):
    """Who took, held or left a place, and when (a row of ``events.csv``).

    ``date`` may be empty when the article does not date the event (say why in ``notes``).
    """

    id: str = Field(pattern=_ID_PATTERN)
    date: dt.date | None = None
    place: str = Field(min_length=1)
    event: EventKind
    by_side: str = Field(pattern=_SIDE_PATTERN)
    claimant: str = Field(min_length=1)
    claimant_side: str = Field(pattern=_SIDE_PATTERN)
    quote: str = Field(min_length=1)
    offset: int | None = Field(default=None, ge=0)
    notes: str = ""
    source: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _dates(cls, v: Any) -> Any:
        return _parse_date(v)

    @field_validator("offset", mode="before")
    @classmethod
    def _offset(cls, v: Any) -> Any:
        return _parse_optional_offset(v)

    _source = field_validator("source", mode="before")(lambda v: _clean_source(v))

    @model_validator(mode="after")
    def _consistent(self) -> ControlEvent:
        _check_offset(self.offset, self.source)
        return self

    @field_validator("place", "claimant", "quote", mode="before")
    @classmethod
    def _required_text(cls, v: Any) -> Any:
        if _empty_to_none(v) is None:
            raise _err("required", "is empty; it is required")
        return v

    @field_validator("notes", mode="before")
    @classmethod
    def _notes(cls, v: Any) -> Any:
        v = _empty_to_none(v)
        return "" if v is None else v


def _require(v: Any) -> Any:
    if v is None:
        raise _err("required", "is empty; it is required")
    return v


class Phase(_Record):
    """A dated sub-section of the article's "Battle" section (a row of ``phases.csv``)."""

    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    start: dt.date
    end: dt.date
    heading_offset: int | None = Field(default=None, ge=0)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _dates(cls, v: Any) -> Any:
        return _require(_parse_date(v))

    @field_validator("heading_offset", mode="before")
    @classmethod
    def _offset(cls, v: Any) -> Any:
        return _parse_optional_offset(v)

    @model_validator(mode="after")
    def _ordered(self) -> Phase:
        if self.end < self.start:
            raise _err(
                "period", f"end {self.end} is before start {self.start}; swap them or fix the dates"
            )
        return self


class Place(_Record):
    """A locality with (possibly approximate) WGS84 coordinates (a row of ``places.csv``)."""

    place: str = Field(min_length=1)
    alt_names: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    approximate: bool = False
    derivation: str = ""
    source: str = ""

    @field_validator("alt_names", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        v = _empty_to_none(v)
        if v is None:
            return ()
        if isinstance(v, str):
            return tuple(s.strip() for s in v.split(";") if s.strip())
        return v

    @field_validator("lat", "lon", mode="before")
    @classmethod
    def _coord(cls, v: Any) -> Any:
        v = _empty_to_none(v)
        if v is None:
            return None
        try:
            return float(v)
        except (TypeError, ValueError) as exc:
            raise _err("number", "is not a number; write decimal degrees such as 48.59") from exc

    @field_validator("approximate", mode="before")
    @classmethod
    def _bool(cls, v: Any) -> Any:
        v = _empty_to_none(v)
        if v is None:
            return False
        if isinstance(v, bool):
            return v
        text = str(v).strip().lower()
        if text in {"true", "yes", "1"}:
            return True
        if text in {"false", "no", "0"}:
            return False
        raise _err("bool", "is not true/false; write true or false")

    @field_validator("derivation", "source", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        v = _empty_to_none(v)
        return "" if v is None else v

    @model_validator(mode="after")
    def _coords(self) -> Place:
        if (self.lat is None) != (self.lon is None):
            raise _err("coords", "give both lat and lon, or neither")
        if self.lat is not None and not -90 <= self.lat <= 90:
            raise _err("coords", f"lat {self.lat} is outside -90..90; use decimal degrees")
        if self.lon is not None and not -180 <= self.lon <= 180:
            raise _err("coords", f"lon {self.lon} is outside -180..180; use decimal degrees")
        return self

    def row(self) -> dict[str, Any]:
        """The record as a flat dict; ``alt_names`` joined with ``;``."""
        d = self.model_dump()
        d["alt_names"] = ";".join(self.alt_names)
        return d

    @property
    def names(self) -> tuple[str, ...]:
        """The place name followed by its alternative names."""
        return (self.place, *self.alt_names)


class NumeralExclusion(_Record):
    """A numeral in the body that is not a claim, event or date (``numeral_exclusions.csv``)."""

    offset: int = Field(ge=0)
    text: str = Field(min_length=1)
    reason: str = Field(min_length=1)

    @field_validator("offset", mode="before")
    @classmethod
    def _offset(cls, v: Any) -> Any:
        return _parse_offset(v)

    @field_validator("text", "reason", mode="before")
    @classmethod
    def _required_text(cls, v: Any) -> Any:
        if _empty_to_none(v) is None:
            raise _err("required", "is empty; it is required")
        return v


# ---------------------------------------------------------------------------------------------
# CSV reading

M = TypeVar("M", bound=_Record)

_MODEL_COLUMNS: dict[type[_Record], tuple[str, ...]] = {
    Claim: CLAIM_COLUMNS,
    ControlEvent: EVENT_COLUMNS,
    Phase: PHASE_COLUMNS,
    Place: PLACE_COLUMNS,
    NumeralExclusion: EXCLUSION_COLUMNS,
}
_OPTIONAL_COLUMNS: dict[type[_Record], frozenset[str]] = {
    Claim: frozenset({"notes", "source"}),
    ControlEvent: frozenset({"notes", "source"}),
    Phase: frozenset({"heading_offset"}),
    Place: frozenset({"alt_names", "approximate", "derivation", "source"}),
}


@dataclass(frozen=True)
class RowProblem:
    """A problem in one row of a CSV file; ``str()`` gives the one-line message."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _format_error(err: Any, row: dict[str, str]) -> str:
    loc = err.get("loc") or ()
    field = str(loc[0]) if loc else ""
    typ = err.get("type", "")
    if not field:
        return str(err.get("msg", "invalid row"))
    shown = row.get(field, err.get("input"))
    if typ == "literal_error" and field in _VOCABS:
        return (
            f"field {field!r} = {shown!r} is not valid; valid: {', '.join(sorted(_VOCABS[field]))}"
        )
    if typ == "string_pattern_mismatch":
        return (
            f"field {field!r} = {shown!r} is not a valid identifier; use letters, digits, '-', "
            "'_' or '.', e.g. bk-n001"
        )
    if typ in {"string_too_short", "missing"}:
        return f"field {field!r} is empty; it is required"
    if typ == "greater_than_equal":
        return f"field {field!r} = {shown!r} is negative; use a value >= 0"
    return f"field {field!r} = {shown!r} {err.get('msg', 'is not valid')}"


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except FileNotFoundError as exc:
        raise UserError(f"{path}: no such file; check the path") from exc
    except IsADirectoryError as exc:
        raise UserError(f"{path}: is a folder; give the path of a CSV file") from exc
    with fh:
        reader = csv.reader(fh)
        prev = 0
        try:
            for record in reader:
                start = prev + 1
                prev = reader.line_num
                yield start, record
        except UnicodeDecodeError as exc:
            raise UserError(
                f"{path}:{prev + 1}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
            ) from exc
        except csv.Error as exc:
            raise UserError(
                f"{path}:{reader.line_num}: broken CSV ({exc}); fix the quoting"
            ) from exc


def parse_csv(
    path: str | Path, model: type[M], vocab: Mapping[str, Sequence[str]] | None = None
) -> tuple[list[tuple[int, M]], list[RowProblem]]:
    """Read a CSV file into validated records, collecting every row problem.

    Returns ``[(line, record), ...]`` for the valid rows and the problems of the others.
    ``vocab`` gives the valid values of the side fields (:data:`SIDE_FIELDS`), normally a
    battle's (:meth:`attrition.data.battle.BattleSpec` ``subjects`` etc.); the default is the
    packaged Bakhmut vocabulary.
    A missing file, a header without the required columns or with unknown ones raise
    :class:`UserError` at once (nothing else can be read).
    """
    p = Path(path)
    columns = _MODEL_COLUMNS[model]
    optional = _OPTIONAL_COLUMNS.get(model, frozenset())
    it = _rows(p)
    header_line = next(it, None)
    if header_line is None:
        raise UserError(f"{p}:1: empty file; the header must be: {','.join(columns)}")
    _, header = header_line
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise UserError(
            f"{p}:1: unknown column {unknown[0]!r}; valid columns: {', '.join(columns)}"
        )
    missing = [c for c in columns if c not in header and c not in optional]
    if missing:
        raise UserError(
            f"{p}:1: missing column(s) {', '.join(missing)}; the header must be: "
            f"{','.join(columns)}"
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise UserError(f"{p}:1: column {dupes[0]!r} appears twice; keep one")

    records: list[tuple[int, M]] = []
    problems: list[RowProblem] = []
    seen_ids: dict[str, int] = {}
    for line, cells in it:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                RowProblem(
                    p,
                    line,
                    f"has {len(cells)} fields, the header has {len(header)}; quote fields "
                    'that contain commas ("...")',
                )
            )
            continue
        row = dict(zip(header, cells, strict=True))
        try:
            record = model.model_validate(row)
        except ValidationError as exc:
            problems.append(RowProblem(p, line, _format_error(exc.errors()[0], row)))
            continue
        bad_side = _side_problem(record, vocab)
        if bad_side:
            problems.append(RowProblem(p, line, bad_side))
            continue
        rid = getattr(record, "id", None)
        if isinstance(rid, str):
            if rid in seen_ids:
                problems.append(
                    RowProblem(
                        p,
                        line,
                        f"id {rid!r} repeats line {seen_ids[rid]}; give each row its own id",
                    )
                )
                continue
            seen_ids[rid] = line
        records.append((line, record))
    return records, problems


def _side_problem(record: _Record, vocab: Mapping[str, Sequence[str]] | None) -> str | None:
    where = " (not a side, component or group of battle.toml)" if vocab is not None else ""
    for name in SIDE_FIELDS:
        value = getattr(record, name, None)
        if value is None:
            continue
        valid = (vocab or _VOCABS).get(name, _VOCABS[name])
        if value not in valid:
            return (
                f"field {name!r} = {value!r} is not valid{where}; valid: {', '.join(sorted(valid))}"
            )
    return None


def _read_strict(
    path: str | Path, model: type[M], vocab: Mapping[str, Sequence[str]] | None = None
) -> list[M]:
    records, problems = parse_csv(path, model, vocab)
    if problems:
        raise UserError(str(problems[0]))
    return [r for _, r in records]


def read_models(
    path: str | Path, model: type[M], vocab: Mapping[str, Sequence[str]] | None = None
) -> list[M]:
    """Read and validate every row of a CSV file; the first bad row raises :class:`UserError`.

    ``vocab``: the side vocabularies (see :func:`parse_csv`)."""
    return _read_strict(path, model, vocab)


def models_to_frame(records: Sequence[_Record], model: type[_Record]) -> pd.DataFrame:
    """A typed DataFrame of records: dates ``datetime64``, numbers ``float64``, offsets ``int64``.

    Empty text cells are ``""``; empty dates are ``NaT``; empty numbers ``NaN``.
    """
    import pandas as pd

    columns = list(_MODEL_COLUMNS[model])
    data: dict[str, list[Any]] = {c: [] for c in columns}
    for r in records:
        row = r.row()
        for c in columns:
            data[c].append(row[c])
    frame = pd.DataFrame(data, columns=columns)
    for name in columns:
        kind = _COLUMN_KINDS.get(name, "text")
        if kind == "date":
            frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
        elif kind == "float":
            frame[name] = pd.to_numeric(frame[name]).astype("float64")
        elif kind == "int":
            col = frame[name]
            frame[name] = col.astype("Int64") if col.isna().any() else col.astype("int64")
        elif kind == "bool":
            frame[name] = frame[name].astype(bool)
        else:
            frame[name] = frame[name].fillna("")
    return frame


_COLUMN_KINDS: dict[str, str] = {
    "claim_date": "date",
    "period_start": "date",
    "period_end": "date",
    "date": "date",
    "start": "date",
    "end": "date",
    "value_low": "float",
    "value_high": "float",
    "lat": "float",
    "lon": "float",
    "offset": "int",
    "heading_offset": "int",
    "approximate": "bool",
}


def read_claims_csv(path: str | Path) -> pd.DataFrame:
    """Read and validate ``claims.csv`` into a typed DataFrame (see :func:`models_to_frame`).

    The first invalid row raises :class:`UserError` with ``FILE:LINE: field ... ; valid: ...``.
    """
    return models_to_frame(_read_strict(path, Claim), Claim)


def read_events_csv(path: str | Path) -> pd.DataFrame:
    """Read and validate ``events.csv`` into a typed DataFrame."""
    return models_to_frame(_read_strict(path, ControlEvent), ControlEvent)


def read_phases_csv(path: str | Path) -> pd.DataFrame:
    """Read and validate ``phases.csv`` into a typed DataFrame."""
    return models_to_frame(_read_strict(path, Phase), Phase)


def read_places_csv(path: str | Path) -> pd.DataFrame:
    """Read and validate ``places.csv`` into a typed DataFrame (alt_names joined by ``;``)."""
    return models_to_frame(_read_strict(path, Place), Place)


def read_exclusions_csv(path: str | Path) -> pd.DataFrame:
    """Read and validate ``numeral_exclusions.csv`` into a typed DataFrame."""
    return models_to_frame(_read_strict(path, NumeralExclusion), NumeralExclusion)
