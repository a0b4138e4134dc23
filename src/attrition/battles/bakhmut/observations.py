"""Claims and control events as observations of Bakhmut model quantities.

Each control event becomes a statement about a front's radius (Russia holds a place: the front
is inside it; Ukraine holds it: outside; contested: near); city-control percentages, force-size,
ammunition, advance and cost-per-km claims become observations with the claim's qualifier
(``at_least``/``at_most`` censored, ``range`` an interval) and a noise by claimant relation.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from attrition.battles.bakhmut.axes import DAYS, START
from attrition.battles.bakhmut.geometry import (
    CITY_AREA_KM2,
    Geography,
    radius_for_fraction,
)
from attrition.battles.bakhmut.record import city_parts
from attrition.battles.bakhmut.schedule import BakhmutSchedule
from attrition.data.dates import as_date

if TYPE_CHECKING:
    import pandas as pd
from attrition.battles.bakhmut.evidence import CasualtyEvidence, filter_known


@dataclass(frozen=True)
class Observation:
    """One observation of a model quantity.

    Attributes:
        id: claim or event id.
        source: ``"claim"`` or ``"event"``.
        quantity: what the model is compared with (see :data:`QUANTITIES`).
        day: day the quantity is read (0 = 1 Aug 2022); ``day0`` starts a period, else -1.
        front: front index for ``"front"`` (0 N, 1 E, 2 S), else -1.
        kind: ``"value"``, ``"at_least"``, ``"at_most"``, ``"range"`` or ``"contested"``.
        low, high: bounds on the natural scale (equal for a value).
        scale: ``"log"``, ``"logit"`` or ``"km"`` (the scale the noise is on).
        sigma: noise sd on that scale.
        weight: weight in the likelihood (repeated statements share one unit).
        label: what it says, for reports.
        date: the date the quantity is read.
        place: the place the statement is about ('' if none).
    """

    id: str
    source: str
    quantity: str
    day: int
    day0: int
    front: int
    kind: str
    low: float
    high: float
    scale: str
    sigma: float
    weight: float
    label: str
    date: dt.date
    place: str = ""


QUANTITIES: tuple[str, ...] = (
    "front",
    "city",
    "ru_strength",
    "ua_strength",
    "convicts_recruited",
    "wagner_professionals_total",
    "supply",
    "advance_total",
    "casualties_per_km",
    "cm_per_casualty",
    "ua_area_gain",
    "ua_arm_advance",
)


@dataclass(frozen=True)
class Observations:
    """Everything the likelihood reads, built from evidence known by ``cutoff``.

    Attributes:
        items: the claim and event observations.
        skipped: ``(id, reason)`` of claims and events not used.
        casualty_periods: ``(start_day, end_day)`` of the log-total periods (end exclusive).
        casualty_mean: mean of the log totals (RU periods, then UA, then Wagner if present).
        casualty_prec: precision matrix of the log totals.
        wagner: whether Wagner totals are in the casualty block.
        cutoff: the cutoff (``None``: all dated evidence).
    """

    items: tuple[Observation, ...]
    skipped: tuple[tuple[str, str], ...]
    casualty_periods: tuple[tuple[int, int], ...]
    casualty_mean: np.ndarray
    casualty_prec: np.ndarray
    wagner: bool
    cutoff: dt.date | None

    def to_frame(self) -> pd.DataFrame:
        """The claim and event observations as a table."""
        import pandas as pd

        return pd.DataFrame([o.__dict__ for o in self.items])


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


CityParts: TypeAlias = Mapping[str, Mapping[str, tuple[Any, ...]]]
"""Named parts of the city -> assertion (``ru``, ``ua``, ``contested``) -> ``(target,
position[, upper])``: the battle folder's ``city_parts.csv``
(:func:`attrition.battles.bakhmut.record.city_parts`)."""


EVENT_WIDTH_KM = 0.75
"""Spread (km) of a control event by the article's voice, an independent or Western source."""


PARTISAN_FACTOR = 2.0
"""Wider spread for a claim in the claimant's own favour (and every 'claimed_captured')."""


def _num(v: Any) -> float:
    """A number, NaN when missing."""
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return math.nan
    return float(v)


def _text(v: Any) -> str:
    """A string cell ('' when missing)."""
    return v if isinstance(v, str) else ""


def _assertion(event: str, by_side: str) -> str | None:
    if event == "contested":
        return "contested"
    if (event, by_side) in _RU_ASSERT:
        return "ru"
    if (event, by_side) in _UA_ASSERT:
        return "ua"
    return None


def _event_observations(
    events: pd.DataFrame, geo: Geography, parts: CityParts
) -> tuple[list[Observation], list[tuple[str, str]]]:
    c_dist = geo.city_distance
    edge = float(np.hypot(geo.city_distance, geo.city_radius))
    out: list[Observation] = []
    skipped: list[tuple[str, str]] = []
    for rec in events.to_dict("records"):
        ev = _Row({str(k): v for k, v in rec.items()})
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


_CLAIMANT_SIGMA = {"OTHER": 1.0, "INDEPENDENT": 1.0, "WEST": 1.0, "RU": 2.0, "UA": 2.0}


_FLIP = {"at_least": "at_most", "at_most": "at_least"}


def _claim_observations(
    claims: pd.DataFrame,
    geo: Geography,
    offensive_start: int | None,
    supply_windows: Sequence[tuple[int, int]],
) -> tuple[list[Observation], list[tuple[str, str]]]:
    """Map claims onto model quantities (casualty figures are left to the fog-of-war estimate)."""
    out: list[Observation] = []
    skipped: list[tuple[str, str]] = []
    casualty_metrics = {
        "killed",
        "wounded",
        "captured",
        "casualties",
        "missing",
        "casualty_ratio",
    }
    for rec in claims.to_dict("records"):
        c = _Row({str(k): v for k, v in rec.items()})
        cid = str(c.id)
        metric = str(c.metric)
        if metric in casualty_metrics:
            skipped.append((cid, "casualty figure: enters through the fog-of-war estimate"))
            continue
        ps = as_date(c.period_start)
        pe = as_date(c.period_end)
        known = as_date(c.claim_date) or pe
        end_d = pe if pe is not None else known
        if end_d is None:
            skipped.append((cid, "undated"))
            continue
        mid_d = end_d
        if ps is not None and pe is not None and (pe - ps).days > 1:
            mid_d = ps + (pe - ps) / 2
        day_end = (end_d - START).days
        day_mid = (mid_d - START).days
        if not 0 <= day_end <= DAYS:
            skipped.append((cid, "outside the model's window"))
            continue
        day0 = max(0, (ps - START).days) if ps is not None else -1
        qual = str(c.qualifier)
        lo = _num(c.value_low)
        hi = _num(c.value_high)
        rel = str(c.claimant_side)
        place = _text(c.place)
        quote = _text(c.quote).lower()
        base_sigma = _CLAIMANT_SIGMA.get(rel, 1.5)
        kind = {"exact": "value", "about": "value"}.get(qual, qual)
        label = f"{metric} {c.subject_side} ({c.claimant}): {c.quote}"
        date = (START + dt.timedelta(days=day_end)).isoformat()
        base: dict[str, Any] = dict(
            id=cid,
            source="claim",
            day0=-1,
            front=-1,
            weight=1.0,
            label=label,
            date=dt.date.fromisoformat(date),
            place=place,
        )
        if metric == "city_control_pct":
            if place != "Bakhmut":
                if place in geo.arm and geo.arm[place] != "E":
                    v = lo if math.isfinite(lo) else hi
                    r = geo.distance[place] + (0.5 - v / 100.0)
                    out.append(
                        Observation(
                            quantity="front",
                            day=day_mid,
                            kind="value",
                            low=r,
                            high=r,
                            scale="km",
                            sigma=0.75 * base_sigma,
                            **{**base, "front": ("N", "E", "S").index(geo.arm[place])},
                        )
                    )
                else:
                    skipped.append((cid, f"share of {place!r}: place not modelled"))
                continue
            f_lo, f_hi = lo / 100.0, hi / 100.0
            if c.subject_side == "UA":  # Ukraine's share: Russia holds the rest
                f_lo, f_hi = 1.0 - f_hi, 1.0 - f_lo
                kind = _FLIP.get(kind, kind)
            low, high = _bounds(kind, f_lo, f_hi)
            out.append(
                Observation(
                    quantity="city",
                    day=day_mid,
                    kind=kind,
                    low=low,
                    high=high,
                    scale="logit",
                    sigma=0.4 * base_sigma,
                    **base,
                )
            )
        elif metric == "area_km2" and place in ("", "Bakhmut") and c.subject_side == "UA":
            if rel == "INDEPENDENT" or "controlled" in quote:
                f = 1.0 - lo / CITY_AREA_KM2
                out.append(
                    Observation(
                        quantity="city",
                        day=day_mid,
                        kind="value",
                        low=f,
                        high=f,
                        scale="logit",
                        sigma=0.4 * base_sigma,
                        **{**base, "weight": 0.5},
                    )
                )
            elif offensive_start is not None:
                start = day0 if day0 >= 0 else offensive_start
                if "lost" in quote and day0 >= 0:
                    start = max(day0 - 1, 0)
                out.append(
                    Observation(
                        quantity="ua_area_gain",
                        day=day_end,
                        kind="value",
                        low=lo,
                        high=lo,
                        scale="log",
                        sigma=0.35 * base_sigma,
                        **{**base, "day0": start},
                    )
                )
            else:
                skipped.append((cid, "Ukrainian gain before the counter-offensive is known"))
        elif metric == "advance_m" and c.subject_side in ("RU", "WAGNER") and hi > 10_000:
            v = lo if math.isfinite(lo) else hi
            out.append(
                Observation(
                    quantity="advance_total",
                    day=day_end,
                    kind="value",
                    low=v / 1000.0,
                    high=v / 1000.0,
                    scale="log",
                    sigma=0.15 * base_sigma,
                    **base,
                )
            )
        elif metric in ("casualties_per_km", "cm_per_casualty"):
            low, high = _bounds(kind, lo, hi)
            out.append(
                Observation(
                    quantity=metric,
                    day=day_end,
                    kind=kind,
                    low=low,
                    high=high,
                    scale="log",
                    sigma=0.3 * base_sigma,
                    **{**base, "day0": max(day0, 0)},
                )
            )
        elif metric == "personnel":
            v = lo if math.isfinite(lo) else hi
            if not v >= 1000:
                skipped.append((cid, "unit-level figure (< 1,000), not the battle's forces"))
                continue
            if c.subject_side == "UA":
                q, sig = "ua_strength", 0.25 * base_sigma
            elif c.subject_side == "RU":
                q, sig = "ru_strength", 0.25 * base_sigma
            elif "prison" in quote:
                q, sig = "convicts_recruited", 0.2 * base_sigma
            elif "professional" in quote:
                q, sig, kind = "wagner_professionals_total", 0.2 * base_sigma, "at_most"
            else:
                skipped.append((cid, "Wagner strength inside the city only; not modelled"))
                continue
            if c.subject_side == "RU" and qual not in ("exact", "about"):
                skipped.append((cid, "a bound on reinforcements, not a strength"))
                continue
            low, high = _bounds(kind, lo, hi) if kind != "value" else (v, v)
            if kind == "at_most" and not math.isfinite(high):
                low, high = math.nan, v
            out.append(
                Observation(
                    quantity=q,
                    day=day_mid,
                    kind=kind,
                    low=low,
                    high=high,
                    scale="log",
                    sigma=sig,
                    **base,
                )
            )
        elif metric == "ammo_delivered_pct":
            v = (lo if math.isfinite(lo) else hi) / 100.0
            ref = max(day_end - 14, 0)
            out.append(
                Observation(
                    quantity="supply",
                    day=ref,
                    kind="value",
                    low=v,
                    high=v,
                    scale="logit",
                    sigma=0.5 * base_sigma,
                    **base,
                )
            )
        elif metric == "ammo_tonnes_per_day":
            skipped.append((cid, "the demand that supply shares are measured against"))
        elif metric in ("advance_m", "advance_depth_m") and c.subject_side == "UA":
            if offensive_start is None or day_end <= offensive_start:
                skipped.append((cid, "Ukrainian advance before the counter-offensive is known"))
                continue
            low, high = _bounds(kind, lo / 1000.0, hi / 1000.0)
            out.append(
                Observation(
                    quantity="ua_arm_advance",
                    day=day_end,
                    kind=kind,
                    low=low,
                    high=high,
                    scale="log",
                    sigma=0.5 * base_sigma,
                    **{**base, "day0": offensive_start, "weight": -1.0},
                )
            )
        elif metric == "advance_m":
            skipped.append((cid, "local Russian advance in the city; not a front average"))
        else:
            skipped.append((cid, f"metric {metric} is not a model quantity"))
    del supply_windows
    return out, skipped


class _Row:
    """Attribute access to one record of a table (values are ``Any``)."""

    def __init__(self, rec: dict[str, Any]) -> None:
        self._rec = rec

    def __getattr__(self, name: str) -> Any:
        try:
            return self._rec[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def _bounds(kind: str, lo: float, hi: float) -> tuple[float, float]:
    if kind == "at_least":
        return lo, math.inf
    if kind == "at_most":
        return -math.inf, hi
    if kind == "range":
        return lo, hi
    v = lo if math.isfinite(lo) else hi
    return v, v


def _group_weights(items: list[Observation]) -> list[Observation]:
    """Repeated statements of the same thing in the same month share one unit of weight."""
    groups: dict[tuple[Any, ...], int] = {}
    keys = []
    for o in items:
        key = (
            o.source,
            o.quantity,
            o.front,
            o.kind,
            round(o.low, 2) if math.isfinite(o.low) else o.low,
            round(o.high, 2) if math.isfinite(o.high) else o.high,
            o.date.strftime("%Y-%m") if o.source == "event" else o.date.isoformat(),
        )
        keys.append(key)
        groups[key] = groups.get(key, 0) + 1
    return [replace(o, weight=o.weight / groups[k]) for o, k in zip(items, keys, strict=True)]


def _casualty_block(
    evidence: CasualtyEvidence | None, cutoff: dt.date | None
) -> tuple[tuple[tuple[int, int], ...], np.ndarray, np.ndarray, bool]:
    if evidence is None:
        return (), np.zeros(0), np.zeros((0, 0)), False
    ev = evidence.truncate(cutoff)
    first = int((ev.dates[0].astype(dt.date) - START).days) if ev.dates.size else 0
    days = np.arange(first, first + ev.dates.size)
    lo, hi = max(days[0], 0) if days.size else 0, min(days[-1] + 1, DAYS) if days.size else 0
    periods: list[tuple[int, int]] = []
    d = lo
    while d < hi:
        date = START + dt.timedelta(days=int(d))
        nxt = (date.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        e = min((nxt - START).days, hi)
        if e - d >= 7:
            periods.append((int(d), int(e)))
        d = e
    if not periods:
        return (), np.zeros(0), np.zeros((0, 0)), False
    cols = []
    for side in (0, 1):
        for a, b in periods:
            cols.append(ev.draws[:, a - first : b - first, side].sum(axis=1))
    has_w = ev.wagner is not None
    if has_w and ev.wagner is not None:
        for a, b in periods:
            cols.append(ev.wagner[:, a - first : b - first].sum(axis=1))
    x = np.log(np.maximum(np.stack(cols, axis=1), 1.0))
    mean = x.mean(axis=0)
    cov = np.cov(x, rowvar=False)
    cov = np.atleast_2d(cov)
    shrink = 0.2
    cov = (1 - shrink) * cov + shrink * np.diag(np.diag(cov))
    cov = cov + np.eye(cov.shape[0]) * CASUALTY_DISCREPANCY**2
    prec = np.linalg.inv(cov)
    return tuple(periods), mean, prec, has_w


CASUALTY_DISCREPANCY = 0.1
"""Extra sd (log scale) on each monthly total: the model cannot follow every wiggle."""


def build_observations(
    claims: pd.DataFrame,
    events: pd.DataFrame,
    evidence: CasualtyEvidence | None,
    cutoff: dt.date | None,
    schedule: BakhmutSchedule,
    parts: CityParts | None = None,
) -> Observations:
    """All observations known by ``cutoff`` (claims and events are filtered first); places are
    measured in the schedule's geography, named parts of the city mapped by ``parts`` (default:
    the packaged ``city_parts.csv``)."""
    claims, events = filter_known(claims, events, cutoff)
    sched = schedule.known_by(cutoff)
    off = min((o.start for o in sched.offensives), default=None)
    off_day = (off - START).days if off is not None else None
    ev_items, ev_skip = _event_observations(
        events, sched.geography, city_parts() if parts is None else parts
    )
    cl_items, cl_skip = _claim_observations(claims, sched.geography, off_day, ())
    n_adv = sum(1 for o in cl_items if o.weight < 0)
    cl_items = [replace(o, weight=1.0 / n_adv) if o.weight < 0 else o for o in cl_items]
    items = _group_weights(ev_items + cl_items)
    periods, mean, prec, has_w = _casualty_block(evidence, cutoff)
    return Observations(
        items=tuple(items),
        skipped=tuple(ev_skip + cl_skip),
        casualty_periods=periods,
        casualty_mean=mean,
        casualty_prec=prec,
        wagner=has_w,
        cutoff=cutoff,
    )
