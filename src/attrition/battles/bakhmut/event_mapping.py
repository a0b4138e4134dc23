"""Control events as statements about the fronts of the Bakhmut model.

Each control event says who holds a place on a date. Russia holding it puts the front inside
the place's distance from the ring centre (``at_most``), Ukraine holding it puts the front
outside (``at_least``), and a contested place puts the front near it (``contested``). A named
part of the city (``Bakhmut (north)``, ...) is placed by the battle folder's
``city_parts.csv`` (:data:`CityParts`); a place on an arm by the gazetteer. The spread is
:data:`EVENT_WIDTH_KM`, widened by :data:`PARTISAN_FACTOR` for a statement in the claimant's
own favour.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from attrition.battles.bakhmut.axes import DAYS, START
from attrition.battles.bakhmut.geometry import Geography, radius_for_fraction
from attrition.battles.bakhmut.quantities import Observation
from attrition.data.dates import as_date

if TYPE_CHECKING:
    import pandas as pd

CityParts: TypeAlias = Mapping[str, Mapping[str, tuple[Any, ...]]]
"""Named parts of the city -> assertion (``ru``, ``ua``, ``contested``) -> ``(target,
position[, upper])``: the battle folder's ``city_parts.csv``
(:func:`attrition.battles.bakhmut.record.city_parts`)."""


EVENT_WIDTH_KM = 0.75
"""Spread (km) of a control event by the article's voice, an independent or Western source."""


PARTISAN_FACTOR = 2.0
"""Wider spread for a claim in the claimant's own favour (and every 'claimed_captured')."""


_RU_ASSERT = {
    ("captured", "RU"),
    ("claimed_captured", "RU"),
    ("entered", "RU"),
    ("held", "RU"),
    ("encircled", "RU"),
    ("recaptured", "RU"),
    ("withdrew", "UA"),
}


_UA_ASSERT = {
    ("held", "UA"),
    ("recaptured", "UA"),
    ("captured", "UA"),
    ("encircled", "UA"),
    ("withdrew", "RU"),
}


def _assertion(event: str, by_side: str) -> str | None:
    """``"ru"``, ``"ua"`` or ``"contested"``: who the event says holds the place."""
    if event == "contested":
        return "contested"
    if (event, by_side) in _RU_ASSERT:
        return "ru"
    if (event, by_side) in _UA_ASSERT:
        return "ua"
    return None


def event_observations(
    events: pd.DataFrame, geo: Geography, parts: CityParts
) -> tuple[list[Observation], list[tuple[str, str]]]:
    """The front statements of ``events`` and the ``(id, reason)`` of the events not used.

    Places are measured in ``geo``; named parts of the city are mapped by ``parts``. An event
    that puts several fronts somewhere gives one observation per front, sharing one unit of
    weight.
    """
    c_dist = geo.city_distance
    edge = float(np.hypot(geo.city_distance, geo.city_radius))
    out: list[Observation] = []
    skipped: list[tuple[str, str]] = []
    for rec in events.to_dict("records"):
        ev = SimpleNamespace(**{str(k): v for k, v in rec.items()})
        eid = str(ev.id)
        date = as_date(ev.date)
        if date is None:
            skipped.append((eid, "undated"))
            continue
        day = (date - START).days
        if not 0 <= day <= DAYS:
            skipped.append((eid, "outside the model's window (1 Aug 2022 – 30 Jun 2023)"))
            continue
        place = str(ev.place)
        m = re.match(r"^(.*?)\s*(?:\((.*)\))?$", place)
        base, part = (m.group(1).strip(), (m.group(2) or "").strip().lower()) if m else (place, "")
        assertion = _assertion(str(ev.event), str(ev.by_side))
        if assertion is None:
            skipped.append((eid, f"event {ev.event!r} by {ev.by_side} has no territorial meaning"))
            continue
        partisan = (
            str(ev.event) == "claimed_captured"
            or (assertion == "ru" and ev.claimant_side == "RU")
            or (assertion == "ua" and ev.claimant_side == "UA")
        )
        width = EVENT_WIDTH_KM * (PARTISAN_FACTOR if partisan else 1.0)
        if ev.event == "entered":
            width += 0.5
        targets: list[tuple[int, str, float, float]] = []  # (front, kind, low, high) in km
        if ev.event == "encircled":
            if base != "Bakhmut":
                skipped.append((eid, f"encirclement of {place!r} is not modelled"))
                continue
            kind = "at_most" if assertion == "ru" else "at_least"
            r_star = c_dist + (0.5 if assertion == "ru" else -0.5)
            targets = [(0, kind, r_star, r_star), (2, kind, r_star, r_star)]
        elif base == "Bakhmut":
            spec = parts.get(part, {}).get(assertion)
            if spec is None:
                why = "not mapped" if part not in parts else f"no {assertion} statement"
                skipped.append((eid, f"part of the city {place!r}: {why}"))
                continue
            targets = _targets_from_spec(spec, assertion, edge, geo)
        elif base in geo.arm and base not in ("Bakhmut",):
            front = ("N", "E", "S").index(geo.arm[base])
            r_star = geo.distance[base] + (0.5 if ev.event == "entered" else 0.0)
            kind = {"ru": "at_most", "ua": "at_least", "contested": "contested"}[assertion]
            targets = [(front, kind, r_star, r_star)]
        else:
            skipped.append((eid, f"place {place!r} has no position in the gazetteer"))
            continue
        share = 1.0 / len(targets)
        for front, kind, lo, hi in targets:
            if kind == "at_most":
                lo = -math.inf
            elif kind == "at_least":
                hi = math.inf
            out.append(
                Observation(
                    id=eid,
                    source="event",
                    quantity="front",
                    day=day,
                    day0=-1,
                    front=front,
                    kind=kind,
                    low=lo,
                    high=hi,
                    scale="km",
                    sigma=width,
                    weight=share,
                    label=f"{ev.event} {ev.by_side}: {place} ({ev.claimant})",
                    date=date,
                    place=place,
                )
            )
    return out, skipped


def _targets_from_spec(
    spec: tuple[Any, ...], assertion: str, edge: float, geo: Geography
) -> list[tuple[int, str, float, float]]:
    """``(front, kind, low, high)`` of one ``city_parts.csv`` statement (``low``/``high`` in km
    from the ring centre)."""
    target = spec[0]

    def pos(v: Any) -> float:
        return edge if v == "EDGE" else float(v)

    if target == "city":
        if len(spec) == 3:  # a band of fractions: radius decreases as the fraction grows
            lo_r = radius_for_fraction(float(spec[2]), geo)
            hi_r = radius_for_fraction(float(spec[1]), geo)
            return [(1, "range", lo_r, hi_r)]
        r = radius_for_fraction(float(spec[1]), geo)
        kind = "at_most" if assertion == "ru" else "at_least"
        return [(1, kind, r, r)]
    fronts = {"N": [0], "S": [2], "NS": [0, 2]}[target]
    if len(spec) == 3:
        return [(f, "range", pos(spec[1]), pos(spec[2])) for f in fronts]
    r = pos(spec[1])
    kind = "at_most" if assertion == "ru" else "at_least"
    return [(f, kind, r, r) for f in fronts]
