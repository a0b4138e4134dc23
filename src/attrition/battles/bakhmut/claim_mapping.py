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
from dataclasses import replace
from types import SimpleNamespace
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
    casualty_metrics = {
        "killed",
        "wounded",
        "captured",
        "casualties",
        "missing",
        "casualty_ratio",
    }
    for rec in claims.to_dict("records"):
        c = SimpleNamespace(**{str(k): v for k, v in rec.items()})
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
    n_adv = sum(1 for o in out if o.weight < 0)  # the advances on the arms share one unit
    return [replace(o, weight=1.0 / n_adv) if o.weight < 0 else o for o in out], skipped


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
