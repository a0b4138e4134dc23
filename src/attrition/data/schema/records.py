"""The validated records of the evidence base: one frozen pydantic v2 model per CSV row kind.

Each model checks its vocabularies, ISO dates, numbers and the qualifier/value rules when built;
a bad cell raises a pydantic error whose message says what to write instead (the CSV readers of
:mod:`attrition.data.schema.reader` turn it into one ``FILE:LINE: field ...`` line).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from attrition.data.dates import iso_date
from attrition.data.schema.vocab import (
    _ID_PATTERN,
    _SIDE_PATTERN,
    CLAIM_COLUMNS,
    EVENT_COLUMNS,
    EXCLUSION_COLUMNS,
    PERCENT_METRICS,
    PHASE_COLUMNS,
    PLACE_COLUMNS,
    EventKind,
    Metric,
    Qualifier,
    Rate,
    Scope,
)

__all__ = ["Claim", "ControlEvent", "NumeralExclusion", "Phase", "Place", "dup_of"]


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
    try:
        return iso_date(str(value))
    except ValueError as exc:
        raise _err("iso_date", str(exc)) from None


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
    scope: Scope = "unspecified"
    scope_qualifier: str = ""
    scope_note: str = ""
    source_id: str = ""
    component: str = ""
    lineage_note: str = ""

    @field_validator(
        "scope_qualifier", "scope_note", "source_id", "component", "lineage_note", mode="before"
    )
    @classmethod
    def _lineage_text(cls, v: Any) -> Any:
        v = _empty_to_none(v)
        return "" if v is None else str(v).strip()

    @field_validator("scope", mode="before")
    @classmethod
    def _scope(cls, v: Any) -> Any:
        v = _empty_to_none(v)
        return "unspecified" if v is None else str(v).strip()

    @property
    def original(self) -> str:
        """The original estimate behind the claim: ``source_id``, or the claim's own id."""
        return self.source_id or self.id

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


_MODEL_COLUMNS: dict[type[_Record], tuple[str, ...]] = {
    Claim: CLAIM_COLUMNS,
    ControlEvent: EVENT_COLUMNS,
    Phase: PHASE_COLUMNS,
    Place: PLACE_COLUMNS,
    NumeralExclusion: EXCLUSION_COLUMNS,
}
"""The CSV columns of each record model, in file order."""
