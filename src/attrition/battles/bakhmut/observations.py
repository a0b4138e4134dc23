"""Claims, control events and casualty evidence as observations of Bakhmut model quantities.

:func:`build_observations` assembles the three mappers on the evidence known by a cutoff:

==========================  ===============================================================
``quantities``              the value objects (:class:`Observation`, :class:`Observations`)
``event_mapping``           control events -> statements about the fronts' radii
``claim_mapping``           claims -> city control, strengths, supply, advances, rates
``casualty_block``          casualty evidence -> monthly log totals and their precision
==========================  ===============================================================

Each control event becomes a statement about a front's radius (Russia holds a place: the front
is inside it; Ukraine holds it: outside; contested: near); city-control percentages, force-size,
ammunition, advance and cost-per-km claims become observations with the claim's qualifier
(``at_least``/``at_most`` censored, ``range`` an interval) and a noise by claimant relation.
Every public name of those files is importable from here too.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from attrition.battles.bakhmut.axes import START
from attrition.battles.bakhmut.casualty_block import CASUALTY_DISCREPANCY, casualty_log_totals
from attrition.battles.bakhmut.claim_mapping import claim_observations
from attrition.battles.bakhmut.event_mapping import (
    EVENT_WIDTH_KM,
    PARTISAN_FACTOR,
    CityParts,
    event_observations,
)
from attrition.battles.bakhmut.evidence import CasualtyEvidence, filter_known
from attrition.battles.bakhmut.quantities import QUANTITIES, Observation, Observations
from attrition.battles.bakhmut.record import city_parts
from attrition.battles.bakhmut.schedule import BakhmutSchedule

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CASUALTY_DISCREPANCY",
    "EVENT_WIDTH_KM",
    "PARTISAN_FACTOR",
    "QUANTITIES",
    "CityParts",
    "Observation",
    "Observations",
    "build_observations",
    "casualty_log_totals",
    "claim_observations",
    "event_observations",
]


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
    ev_items, ev_skip = event_observations(
        events, sched.geography, city_parts() if parts is None else parts
    )
    cl_items, cl_skip = claim_observations(claims, sched.geography, off_day)
    items = _group_weights(ev_items + cl_items)
    periods, mean, prec, has_w = casualty_log_totals(evidence, cutoff)
    return Observations(
        items=tuple(items),
        skipped=tuple(ev_skip + cl_skip),
        casualty_periods=periods,
        casualty_mean=mean,
        casualty_prec=prec,
        wagner=has_w,
        cutoff=cutoff,
    )


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
