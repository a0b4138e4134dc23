"""The packaged record of Bakhmut as model inputs: its geometry and its schedule.

The only file of the package that reads files: :func:`geography` reads the battle folder's
``places.csv``, :func:`record_schedule` its ``phases.csv`` and :func:`city_parts` its
``city_parts.csv`` (each cached per battle folder).
Everything else takes these value objects as arguments.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from attrition.battles.bakhmut.geometry import Geography, geography_from
from attrition.battles.bakhmut.schedule import BakhmutSchedule
from attrition.errors import UserError


@functools.cache
def geography(battle: str = "bakhmut") -> Geography:
    """The ring geometry of the battle folder's gazetteer (``places.csv``), cached."""
    from attrition.data.claims import load_places

    return geography_from(load_places(battle))


@functools.cache
def record_schedule(battle: str = "bakhmut") -> BakhmutSchedule:
    """The record's schedule: the folder's ``phases.csv`` and :func:`geography`, cached."""
    from attrition.data.claims import load_phases

    return BakhmutSchedule.record(load_phases(battle), geography(battle))


_ASSERTIONS = ("ru", "ua", "contested")
_TARGETS = ("city", "N", "S", "NS")


@functools.cache
def city_parts(battle: str = "bakhmut") -> dict[str, dict[str, tuple[Any, ...]]]:
    """How each named part of the city in the control events maps onto the model's fronts.

    Read from the battle folder's ``city_parts.csv``: ``part`` (the text in brackets after the
    city's name in ``events.csv``, lower case; empty for the city as a whole), ``assertion``
    (``ru``: Russia holds it, ``ua``: Ukraine does, ``contested``), ``target`` (``city``: the
    positions are city-control fractions 0..1; ``N``, ``S``, ``NS``: km from the ring centre on
    those fronts) and ``position``/``upper`` (``upper`` only for a band; ``EDGE`` is the
    distance of the city's northern/southern edge). A bad cell raises :class:`UserError`
    naming the file, line and column.
    """
    import csv

    from attrition.data.claims import battle_dir

    path = battle_dir(battle) / "city_parts.csv"
    if not path.is_file():
        raise UserError(f"{path}: missing; the Bakhmut model maps named parts of the city with it")
    out: dict[str, dict[str, tuple[Any, ...]]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for line, row in enumerate(rows, start=2):

        def bad(col: str, why: str, _line: int = line, _row: dict[str, str] = row) -> UserError:
            return UserError(f"{path}, line {_line}, column {col!r}: {_row.get(col)!r} {why}")

        assertion, target = row.get("assertion", ""), row.get("target", "")
        if assertion not in _ASSERTIONS:
            raise bad("assertion", f"is not one of {', '.join(_ASSERTIONS)}")
        if target not in _TARGETS:
            raise bad("target", f"is not one of {', '.join(_TARGETS)}")
        cells: list[Any] = []
        for col in ("position", "upper"):
            text = (row.get(col) or "").strip()
            if col == "upper" and text == "":
                break
            if text == "EDGE" and target != "city":
                cells.append("EDGE")
                continue
            try:
                value = float(text)
            except ValueError:
                raise bad(col, "is not a number (or EDGE on a flank)") from None
            if not math.isfinite(value) or (target == "city" and not 0.0 <= value <= 1.0):
                raise bad(col, "is out of range (a city fraction is 0..1)")
            cells.append(value)
        part = (row.get("part") or "").strip().lower()
        if assertion in out.get(part, {}):
            raise bad("assertion", f"is given twice for part {part!r}")
        out.setdefault(part, {})[assertion] = (target, *cells)
    return out
