"""Control of places over time, derived from the dated control events.

Two rules live here. :func:`control_evidence` is the one the report, the map and its month
table use: a **weight-of-evidence rule** (below). :func:`control_timeline` is the older
*latest single claim* rule, kept for the public API (``attrition.data.control_timeline``).

The weight-of-evidence rule
---------------------------
Control of a place (its base name: ``"Bakhmut (city centre)"`` counts for Bakhmut) on a date
``d`` is read from **every dated event about it published on or before** ``d`` (never a later
one: no look-ahead). Each event is a vote:

=================================  =============================  ==============
event (by X)                       votes for                      kind weight
=================================  =============================  ==============
captured, recaptured, held         X                              1.0
withdrew                           the other side (two sides)     1.0
claimed_captured                   X                              0.5
entered, contested, encircled      "contested" (fighting there)   0.5
=================================  =============================  ==============

A vote's weight is the product of

* its **kind weight** (above: a claimed capture or a report of fighting says less about who
  holds the place than a capture, a hold or a withdrawal);
* the **reliability** of the claimant for this vote: a party claiming its *own* success (the
  claimant's side is the side the vote favours, or the attacker of a contested place) counts
  ``SELF_CLAIM`` = 0.25; a party conceding the other side's success, and any claimant that is
  not a side (the article's own voice, independent analysts, third governments) count 1.0;
* its **scope**: an event about a named part of the place (``"Bakhmut (T0504 highway
  strip)"``) counts ``PART_SCOPE`` = 0.1 toward the whole place (a side holding a strip or a
  suburb is consistent with the other side holding most of the town);
* its **recency**: ``0.5 ** (age / HALF_LIFE_DAYS)`` with ``age`` the days from the event to
  ``d`` (half-life 30 days), so newer evidence outweighs older.

The probability that side S holds the place is S's share of the summed weights of the votes
for a side (reports of fighting say that a place is fought over, not who holds it: their share
of all the weight is reported apart as ``p_contested``). The state is the side with the largest
probability when it is at least ``THRESHOLD`` = 0.6, otherwise ``"contested"`` (also when only
reports of fighting exist); before the first dated event it is ``"no report"``. Because every
weight decays at the same rate, the shares change only when a new event arrives: a state
stays as it was until new evidence. A later claim by a party about its own success (weight
0.25) leaves a capture reported by one non-party (weight 1) unchanged for 42 days after it,
makes it contested from then, and overturns it only after 77 days (107 days for a capture
reported by two non-parties); two independent reports of the opposite (weight 2) overturn a
single-source state at once. Undated events are ignored (listed by :func:`undated_events`).

The latest-claim rule (:func:`control_timeline`) sets the state from the events of the latest
event day alone (table in :func:`state_after`), and is kept only for the public API.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from attrition.data.dates import parse_date
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

GENERIC_STATES: tuple[str, ...] = ("contested", "no report")
"""States every battle has; the others are its sides' ids and ``"<side> claimed"``."""


def _query_dates(dates: Sequence[object], name: str) -> list[dt.date]:
    """The query dates as dates (text must be ``YYYY-MM-DD``; one-line error otherwise)."""
    out: list[dt.date] = []
    for i, x in enumerate(dates):
        if not isinstance(x, str | dt.date):
            x = str(x)[:10]  # a numpy datetime64 or similar: its ISO date part
        d = parse_date(x, f"{name}: dates[{i}]")
        if d is None:  # pragma: no cover - parse_date gives None only for None
            raise UserError(f"{name}: dates[{i}] is missing; give a date YYYY-MM-DD")
        out.append(d)
    return out


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
    when = pd.to_datetime(pd.Series(_query_dates(dates, "control_timeline"), dtype="object"))
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


HALF_LIFE_DAYS = 30.0
"""Recency: an event's weight halves every this many days before the query date."""
THRESHOLD = 0.6
"""Least share of the evidence for a side to be stated as holding a place (else contested)."""
SELF_CLAIM = 0.25
"""Reliability of a party's claim about its own success (others: 1)."""
PART_SCOPE = 0.1
"""Weight toward the whole place of an event about a named part of it."""
KIND_WEIGHT: dict[str, float] = {
    "captured": 1.0,
    "recaptured": 1.0,
    "held": 1.0,
    "withdrew": 1.0,
    "claimed_captured": 0.5,
    "entered": 0.5,
    "contested": 0.5,
    "encircled": 0.5,
}
"""How much each kind of event says about who holds the place."""
CONTESTED = "contested"
NO_REPORT = "no report"
MAX_EVIDENCE = 6
"""Events listed behind each state (the heaviest on the date)."""


def vote(event: str, by_side: str, sides: Sequence[str]) -> tuple[str, str]:
    """What an event votes for, and the side it favours (for the claimant's reliability).

    ``captured``/``recaptured``/``held``/``claimed_captured`` by X vote for X; ``withdrew`` by X
    for the other side of a two-sided battle (else ``"contested"``); ``entered``,
    ``contested`` and ``encircled`` vote ``"contested"`` and favour their attacker X.
    """
    if event in ("captured", "recaptured", "held", "claimed_captured"):
        return by_side, by_side
    if event == "withdrew":
        others = [x for x in sides if x != by_side]
        if len(sides) == 2 and len(others) == 1:
            return others[0], others[0]
        return CONTESTED, ""
    return CONTESTED, by_side


def event_weight(
    event: str, by_side: str, claimant_side: str, place: str, sides: Sequence[str]
) -> tuple[str, float]:
    """An event's vote and its weight before recency: kind x reliability x scope (module
    docstring)."""
    target, favoured = vote(event, by_side, sides)
    w = KIND_WEIGHT.get(event, 0.5)
    if favoured and claimant_side == favoured and claimant_side in sides:
        w *= SELF_CLAIM
    if base_place(place) != place.strip():
        w *= PART_SCOPE
    return target, w


def control_evidence(
    events: pd.DataFrame, dates: Sequence[object], sides: Sequence[str] | None = None
) -> pd.DataFrame:
    """Control of every place with a dated event on each of ``dates``, by the
    weight-of-evidence rule of the module docstring.

    ``events``: a battle's ``events.csv`` (:func:`attrition.data.claims.load_events`);
    ``sides``: the battle's side ids (default: the ``by_side`` values in order of appearance).
    Only events dated on or before each date count (no look-ahead).

    Returns a tidy table with one row per place and date: ``date``, ``place``, ``state`` (a
    side id, ``"contested"`` or ``"no report"``), ``probability`` (for a side its probability of
    holding the place; for ``"contested"`` one minus the largest side's probability; 0 for
    ``"no report"``), ``p_<side>`` for each side (they sum to 1 when any report says who holds
    the place) and
    ``p_contested`` (the share of reports of fighting in all the weight), ``event_id`` (the ids
    of the heaviest events behind the state,
    ``;``-separated) and ``evidence`` (a list of ``{id, date, claimant, event, by_side, place,
    weight, quote}`` for those events, heaviest first).
    """
    import math

    import pandas as pd

    if sides is None:
        sides = list(dict.fromkeys(str(x) for x in events["by_side"].dropna()))
    sides = list(sides)
    ev = events.dropna(subset=["date"]).copy()
    ev["date"] = pd.to_datetime(ev["date"])
    ev["base"] = ev["place"].map(base_place)
    ev = ev.sort_values(["date", "id"], kind="stable")
    columns = ["date", "place", "state", "probability", *(f"p_{s}" for s in sides),
               "p_contested", "event_id", "evidence"]  # fmt: skip
    when = [pd.Timestamp(d) for d in _query_dates(dates, "control_evidence")]
    rows: list[tuple[object, ...]] = []
    for place, group in ev.groupby("base", sort=True):
        scored: list[tuple[pd.Timestamp, dict[str, str], str, float]] = []
        for rec in group.to_dict("records"):
            r = {str(k): "" if v is None or v != v else str(v) for k, v in rec.items()}
            target, w = event_weight(r["event"], r["by_side"], r.get("claimant_side", ""),
                                     r["place"], sides)  # fmt: skip
            scored.append((pd.Timestamp(rec["date"]), r, target, w))
        for d in when:
            past = [(day, r, t, w * math.pow(0.5, (d - day).days / HALF_LIFE_DAYS))
                    for day, r, t, w in scored if day <= d]  # fmt: skip
            if not past:
                rows.append((d, place, NO_REPORT, 0.0, *(0.0 for _ in sides), 0.0, "", []))
                continue
            total = sum(x[3] for x in past)
            held = sum(x[3] for x in past if x[2] != CONTESTED)
            share = {s: sum(x[3] for x in past if x[2] == s) / held if held else 0.0
                     for s in sides}  # fmt: skip
            p_contested = sum(x[3] for x in past if x[2] == CONTESTED) / total
            lead = max(sides, key=lambda s: share[s])
            if share[lead] >= THRESHOLD:
                state, prob, norm = lead, share[lead], held
                behind = [x for x in past if x[2] == lead]
            else:
                state, prob, norm = CONTESTED, 1.0 - share[lead], total
                behind = past
            behind = sorted(behind, key=lambda x: -x[3])[:MAX_EVIDENCE]
            evidence: list[dict[str, object]] = [
                {
                    "id": r["id"],
                    "date": day.strftime("%Y-%m-%d"),
                    "claimant": r.get("claimant", ""),
                    "event": r["event"],
                    "by_side": r["by_side"],
                    "place": r["place"],
                    "weight": round(w / norm, 3),
                    "quote": r.get("quote", ""),
                }
                for day, r, _, w in behind
            ]
            ids = ";".join(str(e["id"]) for e in evidence)
            rows.append((d, place, state, round(prob, 3),
                         *(round(share[s], 3) for s in sides), round(p_contested, 3),
                         ids, evidence))  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
