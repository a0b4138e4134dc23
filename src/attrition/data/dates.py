"""Dates in tables and arguments: the one place a value becomes a ``datetime.date``.

Every date the package reads goes through :func:`iso_date` (text that is exactly
``YYYY-MM-DD``). On top of it:

* :func:`as_date` reads a table cell (empty, NaN and NaT are ``None``);
* :func:`parse_date` reads a user's argument and names it in the error;
* :func:`cell_date` reads a required cell of a CSV file and names the file, row, line and
  column in the error (``where``, e.g. from :func:`attrition.data.tables.row_ref`);
* :func:`published_date` reads a publication date that may be a year (``YYYY``: 31 December of
  that year, the latest day it can mean) or ``unknown`` (``None``: known by no cutoff).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from attrition.errors import UserError

__all__ = ["UNKNOWN", "as_date", "cell_date", "iso_date", "parse_date", "published_date"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR = re.compile(r"\d{4}")

UNKNOWN = "unknown"
"""The cell text of a publication date nobody can give (:func:`published_date`)."""


def iso_date(text: str) -> dt.date:
    """``text`` (surrounding blanks ignored) as a date; it must be exactly ``YYYY-MM-DD``.

    Raises :class:`ValueError` whose message says what to write (``"is not an ISO date; write
    it as YYYY-MM-DD"`` or ``"is not a real date (...); write it as YYYY-MM-DD"``); callers add
    where the text came from.
    """
    text = str(text).strip()
    if not _ISO_DATE.fullmatch(text):
        raise ValueError("is not an ISO date; write it as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"is not a real date ({exc}); write it as YYYY-MM-DD") from None


def as_date(value: Any) -> dt.date | None:
    """A table cell as a date: ``None`` for None, NaN, NaT or empty text; a date, datetime or
    pandas timestamp as its date; text as ``YYYY-MM-DD`` (a trailing time after ``T`` or a
    blank is ignored; anything else raises :class:`UserError`)."""
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
        return iso_date(text[:10] if len(text) > 10 and text[10] in "T " else text)
    except ValueError:
        raise UserError(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


def parse_date(value: str | dt.date | None, name: str) -> dt.date | None:
    """An argument as a date (``None`` stays ``None``); ``name`` names it in the error."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return iso_date(str(value))
    except ValueError:
        raise UserError(f"{name} = {value!r} is not a date; write it as YYYY-MM-DD") from None


def cell_date(text: str, where: str, *, fix: str = "fix the date") -> dt.date:
    """A required ``YYYY-MM-DD`` cell as a date.

    ``where`` names the cell (file, row, line and column); a bad cell raises one line
    ``"{where}: expected a date YYYY-MM-DD, got '...'; {fix}"`` as :class:`UserError`.
    """
    try:
        return iso_date(text)
    except ValueError:
        raise UserError(f"{where}: expected a date YYYY-MM-DD, got {text!r}; {fix}") from None


def published_date(text: str, where: str) -> dt.date | None:
    """A publication date cell: ``YYYY-MM-DD``; ``YYYY`` (31 December of that year, so that a
    cutoff inside the year does not count it as known); or ``unknown`` (``None``: known by no
    cutoff).

    A blank or malformed cell raises one line naming ``where`` (file, row, line, column) and
    the fix as :class:`UserError`.
    """
    text = str(text).strip()
    if text == UNKNOWN:
        return None
    if _YEAR.fullmatch(text) and int(text) >= 1:
        return dt.date(int(text), 12, 31)
    if not text:
        raise UserError(
            f"{where}: is blank; give the publication date as YYYY-MM-DD or YYYY, or "
            f"{UNKNOWN!r} if it cannot be found"
        )
    try:
        return iso_date(text)
    except ValueError:
        raise UserError(
            f"{where}: expected a date YYYY-MM-DD, a year YYYY or {UNKNOWN!r}, got {text!r}; "
            "fix the date"
        ) from None
