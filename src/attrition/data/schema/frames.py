"""Validated records as typed DataFrames, and the readers of each evidence file into one.

Dates become ``datetime64``, numbers ``float64``, offsets ``int64`` (see
:func:`models_to_frame`); ``read_claims_csv`` and its siblings read a file strictly (the first
bad row raises :class:`~attrition.errors.UserError`) and return such a frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.data.schema.reader import _read_strict
from attrition.data.schema.records import (
    _MODEL_COLUMNS,
    Claim,
    ControlEvent,
    NumeralExclusion,
    Phase,
    Place,
    _Record,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "models_to_frame",
    "read_claims_csv",
    "read_events_csv",
    "read_exclusions_csv",
    "read_phases_csv",
    "read_places_csv",
]


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
