"""Claims as observations of Bakhmut model quantities.

A claim's metric decides the quantity: city-control percentages and Ukrainian area figures
read the city's front (``city``, or a flank's ``front``), force sizes the strengths
(``ru_strength``, ``ua_strength``, ``convicts_recruited``, ``wagner_professionals_total``),
ammunition shares the ``supply``, long Russian advances ``advance_total``, Ukrainian advances
after the counter-offensive ``ua_arm_advance``, and the rates ``casualties_per_km`` and
``cm_per_casualty`` themselves. The claim's qualifier gives the kind (``at_least``/``at_most``
censored, ``range`` an interval, else a value) and the claimant's relation to the subject the
noise. Casualty figures are skipped here: they enter through the fog-of-war estimate
(:mod:`~attrition.battles.bakhmut.casualty_block`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from attrition.battles.bakhmut.axes import DAYS, START
from attrition.battles.bakhmut.geometry import CITY_AREA_KM2, Geography
from attrition.battles.bakhmut.quantities import Observation
from attrition.data.dates import as_date

if TYPE_CHECKING:
    import pandas as pd


def _num(v: Any) -> float:
    """A number, NaN when missing."""
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return math.nan
    return float(v)


def _text(v: Any) -> str:
    """A string cell ('' when missing)."""
    return v if isinstance(v, str) else ""


_CLAIMANT_SIGMA = {"OTHER": 1.0, "INDEPENDENT": 1.0, "WEST": 1.0, "RU": 2.0, "UA": 2.0}


_FLIP = {"at_least": "at_most", "at_most": "at_least"}


_CASUALTY_METRICS = {"killed", "wounded", "captured", "casualties", "missing", "casualty_ratio"}


@dataclass(frozen=True)
class _Claim:
    """One claim as the readings of every metric need it."""

    metric: str
    subject: str  # the subject side
    claimant: str  # the claimant's side or relation (RU, UA, INDEPENDENT, WEST, OTHER)
    qualifier: str
    kind: str  # the qualifier as an observation kind
    lo: float
    hi: float
    place: str
    quote: str  # lower case
    day_end: int  # the day the claim is read at: its period's end, else the claim's date
    day_mid: int  # the middle of a period longer than a day, else day_end
    day0: int  # the period's start (clipped to day 0), -1 without one
    sigma: float  # the noise unit of the claimant
    template: Observation  # id, source, label, date and place; the reading fills the rest


def claim_observations(
    claims: pd.DataFrame,
    geo: Geography,
    offensive_start: int | None,
) -> tuple[list[Observation], list[tuple[str, str]]]:
    """The observations of ``claims`` and the ``(id, reason)`` of the claims not used.

    Places are measured in ``geo``; ``offensive_start`` is the day the Ukrainian
    counter-offensive on the flanks starts in the schedule known by the cutoff (``None``: not
    known yet, so Ukrainian gains and advances are skipped). The Ukrainian advances on the arms
    share one unit of weight.
    """
    out: list[Observation] = []
    skipped: list[tuple[str, str]] = []
    for rec in claims.to_dict("records"):
        claim = _parse({str(k): v for k, v in rec.items()})
        read = claim if isinstance(claim, str) else _read(claim, geo, offensive_start)
        if isinstance(read, str):
            skipped.append((str(rec["id"]), read))
        else:
            out.append(read)
    n_adv = sum(1 for o in out if o.quantity == "ua_arm_advance")
    return [
        replace(o, weight=1.0 / n_adv) if o.quantity == "ua_arm_advance" else o for o in out
    ], skipped


def _parse(row: dict[str, Any]) -> _Claim | str:
    """A claim of the table, or why it is not read (a casualty figure, undated, too late)."""
    metric = str(row["metric"])
    if metric in _CASUALTY_METRICS:
        return "casualty figure: enters through the fog-of-war estimate"
    ps = as_date(row["period_start"])
    pe = as_date(row["period_end"])
    known = as_date(row["claim_date"]) or pe
    end_d = pe if pe is not None else known
    if end_d is None:
        return "undated"
    mid_d = end_d
    if ps is not None and pe is not None and (pe - ps).days > 1:
        mid_d = ps + (pe - ps) / 2
    day_end = (end_d - START).days
    if not 0 <= day_end <= DAYS:
        return "outside the model's window"
    qualifier = str(row["qualifier"])
    claimant = str(row["claimant_side"])
    place = _text(row["place"])
    label = f"{metric} {row['subject_side']} ({row['claimant']}): {row['quote']}"
    template = Observation(
        id=str(row["id"]),
        source="claim",
        quantity="",
        day=-1,
        day0=-1,
        front=-1,
        kind="",
        low=math.nan,
        high=math.nan,
        scale="",
        sigma=math.nan,
        weight=1.0,
        label=label,
        date=START + dt.timedelta(days=day_end),
        place=place,
    )
    return _Claim(
        metric=metric,
        subject=str(row["subject_side"]),
        claimant=claimant,
        qualifier=qualifier,
        kind={"exact": "value", "about": "value"}.get(qualifier, qualifier),
        lo=_num(row["value_low"]),
        hi=_num(row["value_high"]),
        place=place,
        quote=_text(row["quote"]).lower(),
        day_end=day_end,
        day_mid=(mid_d - START).days,
        day0=max(0, (ps - START).days) if ps is not None else -1,
        sigma=_CLAIMANT_SIGMA.get(claimant, 1.5),
        template=template,
    )


def _read(c: _Claim, geo: Geography, offensive_start: int | None) -> Observation | str:
    """The observation a claim makes by its metric, or why it makes none."""
    m = c.metric
    if m == "city_control_pct":
        return _city_control(c, geo)
    if m == "area_km2" and c.place in ("", "Bakhmut") and c.subject == "UA":
        return _ua_area(c, offensive_start)
    if m == "advance_m" and c.subject in ("RU", "WAGNER") and c.hi > 10_000:
        v = _value(c) / 1000.0
        return _reading(c, "advance_total", c.day_end, "value", (v, v), "log", 0.15 * c.sigma)
    if m in ("casualties_per_km", "cm_per_casualty"):
        bounds = _bounds(c.kind, c.lo, c.hi)
        return _reading(c, m, c.day_end, c.kind, bounds, "log", 0.3 * c.sigma, day0=max(c.day0, 0))
    if m == "personnel":
        return _strength(c)
    if m == "ammo_delivered_pct":
        v = _value(c) / 100.0
        day = max(c.day_end - 14, 0)
        return _reading(c, "supply", day, "value", (v, v), "logit", 0.5 * c.sigma)
    if m == "ammo_tonnes_per_day":
        return "the demand that supply shares are measured against"
    if m in ("advance_m", "advance_depth_m") and c.subject == "UA":
        if offensive_start is None or c.day_end <= offensive_start:
            return "Ukrainian advance before the counter-offensive is known"
        bounds = _bounds(c.kind, c.lo / 1000.0, c.hi / 1000.0)
        sigma = 0.5 * c.sigma
        return _reading(
            c, "ua_arm_advance", c.day_end, c.kind, bounds, "log", sigma, day0=offensive_start
        )
    if m == "advance_m":
        return "local Russian advance in the city; not a front average"
    return f"metric {m} is not a model quantity"


def _city_control(c: _Claim, geo: Geography) -> Observation | str:
    """A share of the city held (Russia's; Ukraine's is flipped), or of a flank's village."""
    if c.place != "Bakhmut":
        if c.place in geo.arm and geo.arm[c.place] != "E":
            r = geo.distance[c.place] + (0.5 - _value(c) / 100.0)
            front = ("N", "E", "S").index(geo.arm[c.place])
            return _reading(
                c, "front", c.day_mid, "value", (r, r), "km", 0.75 * c.sigma, front=front
            )
        return f"share of {c.place!r}: place not modelled"
    kind = c.kind
    f_lo, f_hi = c.lo / 100.0, c.hi / 100.0
    if c.subject == "UA":  # Ukraine's share: Russia holds the rest
        f_lo, f_hi = 1.0 - f_hi, 1.0 - f_lo
        kind = _FLIP.get(kind, kind)
    bounds = _bounds(kind, f_lo, f_hi)
    return _reading(c, "city", c.day_mid, kind, bounds, "logit", 0.4 * c.sigma)


def _ua_area(c: _Claim, offensive_start: int | None) -> Observation | str:
    """The area Ukraine controls in the city, or the area it gained on the flanks."""
    if c.claimant == "INDEPENDENT" or "controlled" in c.quote:
        f = 1.0 - c.lo / CITY_AREA_KM2
        return _reading(c, "city", c.day_mid, "value", (f, f), "logit", 0.4 * c.sigma, weight=0.5)
    if offensive_start is None:
        return "Ukrainian gain before the counter-offensive is known"
    start = c.day0 if c.day0 >= 0 else offensive_start
    if "lost" in c.quote and c.day0 >= 0:
        start = max(c.day0 - 1, 0)
    bounds = (c.lo, c.lo)
    return _reading(
        c, "ua_area_gain", c.day_end, "value", bounds, "log", 0.35 * c.sigma, day0=start
    )


def _strength(c: _Claim) -> Observation | str:
    """A force size: Ukraine's or Russia's strength, Wagner's convicts or professionals."""
    v = _value(c)
    if not v >= 1000:
        return "unit-level figure (< 1,000), not the battle's forces"
    kind = c.kind
    if c.subject == "UA":
        q, sig = "ua_strength", 0.25 * c.sigma
    elif c.subject == "RU":
        q, sig = "ru_strength", 0.25 * c.sigma
    elif "prison" in c.quote:
        q, sig = "convicts_recruited", 0.2 * c.sigma
    elif "professional" in c.quote:
        q, sig, kind = "wagner_professionals_total", 0.2 * c.sigma, "at_most"
    else:
        return "Wagner strength inside the city only; not modelled"
    if c.subject == "RU" and c.qualifier not in ("exact", "about"):
        return "a bound on reinforcements, not a strength"
    low, high = _bounds(kind, c.lo, c.hi) if kind != "value" else (v, v)
    if kind == "at_most" and not math.isfinite(high):
        low, high = math.nan, v
    return _reading(c, q, c.day_mid, kind, (low, high), "log", sig)


def _reading(
    c: _Claim,
    quantity: str,
    day: int,
    kind: str,
    bounds: tuple[float, float],
    scale: str,
    sigma: float,
    **changes: Any,
) -> Observation:
    """The claim read as ``quantity`` on ``day``: ``bounds`` on the natural scale, noise
    ``sigma`` on ``scale``; ``changes`` sets other fields (``day0``, ``front``, ``weight``)."""
    low, high = bounds
    return replace(
        c.template,
        quantity=quantity,
        day=day,
        kind=kind,
        low=low,
        high=high,
        scale=scale,
        sigma=sigma,
        **changes,
    )


def _value(c: _Claim) -> float:
    """The claim's value: its low bound, else its high one."""
    return c.lo if math.isfinite(c.lo) else c.hi


def _bounds(kind: str, lo: float, hi: float) -> tuple[float, float]:
    """``(low, high)`` of a claim of ``kind`` from its ``value_low``/``value_high``."""
    if kind == "at_least":
        return lo, math.inf
    if kind == "at_most":
        return -math.inf, hi
    if kind == "range":
        return lo, hi
    v = lo if math.isfinite(lo) else hi
    return v, v
