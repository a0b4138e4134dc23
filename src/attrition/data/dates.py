"""Dates in tables and arguments: the one place a value becomes a ``datetime.date``.

:func:`as_date` reads a table cell (empty, NaN and NaT are ``None``; text must be
``YYYY-MM-DD``); :func:`parse_date` reads a user's argument and names it in the error.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from attrition.errors import UserError

__all__ = ["as_date", "parse_date"]


def as_date(value: Any) -> dt.date | None:
    """A table cell as a date: ``None`` for None, NaN, NaT or empty text; a date, datetime or
    pandas timestamp as its date; text as ``YYYY-MM-DD`` (else :class:`UserError`)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):  # includes pandas.Timestamp; NaT is handled below
        return None if value != value else value.date()
    if isinstance(value, dt.date):
        return value
    if type(value).__name__ == "NaTType":
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text)
    except ValueError as exc:
        raise UserError(f"{value!r} is not a date; write it as YYYY-MM-DD") from exc


def parse_date(value: str | dt.date | None, name: str) -> dt.date | None:
    """An argument as a date (``None`` stays ``None``); ``name`` names it in the error."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise UserError(f"{name} = {value!r} is not a date; write it as YYYY-MM-DD") from exc
