"""Control of places over time, derived from the dated control events.

Each event sets the state of its place (the base name: ``"Bakhmut (city centre)"`` counts for
Bakhmut) from its date on. States say who holds the place *according to the latest claim*, and
keep the difference between a capture and a claimed capture:

=================  ==========================================
event (by X)       state from that date
=================  ==========================================
captured           X
recaptured         X
held               X
claimed_captured   "X claimed"
withdrew           the other side
entered            contested
contested          contested
encircled          contested
=================  ==========================================

When the latest date with events for a place carries events that leave it in different states
(one claimant says captured, another says held), the place is ``"contested"`` on that date: the
map shows disagreement rather than picking a side. Before its first event a place is
``"no report"``. Undated events are ignored (listed by :func:`undated_events`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

GENERIC_STATES: tuple[str, ...] = ("contested", "no report")
"""States every battle has; the others are its sides' ids and ``"<side> claimed"``."""


def states(sides: Sequence[str]) -> tuple[str, ...]:
    """Every state a place can be in, for a battle with these side ids."""
    return (*sides, *(f"{s} claimed" for s in sides), *GENERIC_STATES)


def base_place(name: str) -> str:
    """``"Bakhmut (city centre)"`` → ``"Bakhmut"``."""
    return re.sub(r"\s*\(.*\)\s*$", "", name).strip()


def state_after(event: str, by_side: str, sides: Sequence[str] = ()) -> str:
    """The control state an event leaves its place in (see the module table). ``sides``: the
    battle's side ids; a withdrawal hands the place to the other side only in a two-sided
    battle (otherwise it is contested)."""
    if event in ("captured", "recaptured", "held"):
        return by_side
    if event == "claimed_captured":
        return f"{by_side} claimed"
    if event == "withdrew":
        others = [x for x in sides if x != by_side]
        return others[0] if len(sides) == 2 and len(others) == 1 else "contested"
    return "contested"


def undated_events(events: pd.DataFrame) -> pd.DataFrame:
    """Events without a date (they cannot be placed on the timeline)."""
    return events[events["date"].isna()]


def control_timeline(
    events: pd.DataFrame, dates: Sequence[object], sides: Sequence[str] | None = None
) -> pd.DataFrame:
    """State of every place with a dated event, on each of ``dates``.

    ``sides``: the battle's side ids (``BattleSpec.side_ids``); default: the ``by_side`` values
    of the events, in order of appearance.

    Returns a tidy table ``date, place, state, event_id``. The events of the latest event day on
    or before each date decide the state when they agree, otherwise it is ``"contested"``;
    ``event_id`` lists that day's event ids, ``;``-separated (empty for ``"no report"``).
    """
    import pandas as pd

    if sides is None:
        sides = list(dict.fromkeys(str(x) for x in events["by_side"].dropna()))
    ev = events.dropna(subset=["date"]).copy()
    ev["base"] = ev["place"].map(base_place)
    ev = ev.sort_values(["date", "offset"], kind="stable")
    rows = []
    when = pd.to_datetime(pd.Series(list(dates)))
    for place, group in ev.groupby("base", sort=True):
        for d in when:
            past = group[group["date"] <= d]
            if past.empty:
                rows.append((d, place, "no report", ""))
            else:
                day = past[past["date"] == past["date"].max()]
                states = {
                    state_after(e, s, sides)
                    for e, s in zip(day["event"], day["by_side"], strict=True)
                }
                state = states.pop() if len(states) == 1 else "contested"
                rows.append((d, place, state, ";".join(day["id"])))
    return pd.DataFrame(rows, columns=["date", "place", "state", "event_id"])
