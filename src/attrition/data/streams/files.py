"""The packaged stream files: where they live, and the checked readers every source uses.

Every problem is a :class:`~attrition.errors.UserError` naming the file and the row or entry.
Dates are read by :func:`attrition.data.dates.cell_date`, like every date of the package.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from attrition.errors import UserError

__all__ = ["DATA_DIR", "STREAM_NAMES"]

STREAM_NAMES = ("genstaff", "oryx", "named-dead")
"""Valid stream names, in the order :func:`load_streams` uses by default."""

DATA_DIR = Path(__file__).resolve().parents[1] / "battles" / "ukraine_streams"
"""Folder holding one sub-folder per stream (data files, LICENSE, metadata.json)."""

_FOLDERS = {"genstaff": "genstaff", "oryx": "oryx", "named-dead": "named_dead"}


@dataclass
class _Series:
    """One source series before it is laid on a daily calendar (dates sorted, lists parallel)."""

    stream: str
    claimant: str
    claimant_side: str
    subject_side: str
    metric: str
    series: str
    dates: list[date] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    flags: list[set[str]] = field(default_factory=list)
    start: date | None = None  # drop calendar days before this one
    end: date | None = None  # carry the last value forward up to this day


def _base(data_dir: str | os.PathLike[str] | None) -> Path:
    base = DATA_DIR if data_dir is None else Path(data_dir)
    if not base.is_dir():
        raise UserError(f"{base}: no such folder; pass a folder laid out like {DATA_DIR}")
    return base


# --- file reading helpers ---------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UserError(f"{path}: file missing; restore it from the attrition package") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read it ({exc}); restore it from the package") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); "
            "fix that line or restore the file"
        ) from exc


def _count(value: object, where: str, key: str) -> float:
    """A non-negative whole number (int in JSON, digits in CSV)."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number < 0:
        raise UserError(
            f"{where}: field {key!r} is {value!r}, not a whole number >= 0; fix or delete that row"
        )
    return float(number)


def _check_order(dates: list[date], path: Path, label: str) -> None:
    for k in range(1, len(dates)):
        if dates[k] <= dates[k - 1]:
            raise UserError(
                f"{path}: {label} {k + 1} (date {dates[k].isoformat()}) is not after the "
                f"previous row ({dates[k - 1].isoformat()}); remove the duplicate or sort the file"
            )


def _json_rows(path: Path) -> list[dict[str, Any]]:
    data = _read_json(path)
    if not isinstance(data, list):
        raise UserError(f"{path}: expected a JSON list of daily records; restore the file")
    for i, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            raise UserError(f"{path}: row {i} is {type(row).__name__}, not an object; fix it")
    return data
