"""The targets of the Bakhmut hindcasts: what was published after a cutoff and is about days
after it (:func:`control_targets`, :func:`casualty_targets`), and the record's fall date of the
city (:func:`observed_fall_date`).

Re-exported by :mod:`~attrition.battles.bakhmut.hindcasts`, which scores forecasts against them.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from attrition.battles.bakhmut.axes import END, START
from attrition.battles.bakhmut.baselines import CASUALTY_SIDES
from attrition.battles.bakhmut.observations import build_observations
from attrition.battles.bakhmut.quantities import Observation
from attrition.battles.bakhmut.schedule import BakhmutSchedule
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["casualty_targets", "control_targets", "observed_fall_date"]


def observed_fall_date(events: pd.DataFrame) -> dt.date:
    """The record's date of the city's fall: the first 'captured' of plain 'Bakhmut' by Russia
    inside the window (ev004, 20 May 2023: 'mostly captured')."""
    import pandas as pd

    sel = events[
        (events["place"] == "Bakhmut")
        & (events["event"] == "captured")
        & (events["by_side"] == "RU")
        & (events["date"] >= pd.Timestamp(START))
    ]
    if sel.empty:
        raise UserError("events.csv: no capture of 'Bakhmut' by RU; cannot score")
    first: dt.date = pd.Timestamp(sel["date"].min()).date()
    return first


def control_targets(
    claims: pd.DataFrame,
    events: pd.DataFrame,
    schedule: BakhmutSchedule,
    cutoff: dt.date,
) -> list[Observation]:
    """The control statements (front and city quantities) read after ``cutoff`` and not
    published by it: every statement of the whole record whose day is after the cutoff and
    whose claim or event is not among those known by the cutoff."""
    c = (cutoff - START).days
    full = build_observations(claims, events, None, None, schedule)
    known = {o.id for o in build_observations(claims, events, None, cutoff, schedule).items}
    return [
        o for o in full.items if o.quantity in ("front", "city") and o.day > c and o.id not in known
    ]


_PAIRED = ("killed", "wounded")


def casualty_targets(claims: pd.DataFrame, cutoff: dt.date) -> pd.DataFrame:
    """Casualty claims made after ``cutoff`` about periods after it.

    A claim qualifies when its period is dated, starts after the cutoff and ends in the window,
    and its ``claim_date`` is after the cutoff or missing (a claim about a period after the
    cutoff cannot have been made by it). Sides: RU, UA, WAGNER. ``casualties`` claims are read
    as they are; a ``killed`` and a ``wounded`` claim of the same claimant, side, period and
    date are summed into one casualty figure (id ``A+B``); a lone ``killed`` or ``wounded``
    figure is a lower bound on the casualties (``at_least``).

    Columns: ``id, side, kind, low, high, first_day, last_day, claim_date, claimant, label``.
    """
    import pandas as pd

    from attrition.data.dates import as_date

    rows: list[dict[str, Any]] = []
    pending: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for rec in claims.to_dict("records"):
        metric = str(rec["metric"])
        side = str(rec["subject_side"])
        if metric not in ("casualties", *_PAIRED) or side not in CASUALTY_SIDES:
            continue
        ps, pe, cd = (
            as_date(rec["period_start"]),
            as_date(rec["period_end"]),
            as_date(rec["claim_date"]),
        )
        if ps is None or pe is None or ps <= cutoff or pe > END or pe < ps:
            continue
        if cd is not None and cd <= cutoff:
            continue
        lo, hi = _num(rec["value_low"]), _num(rec["value_high"])
        qual = str(rec["qualifier"])
        kind = {"exact": "value", "about": "value"}.get(qual, qual)
        if kind == "value":
            v = lo if math.isfinite(lo) else hi
            lo = hi = v
        elif kind == "at_least":
            hi = math.inf
        elif kind == "at_most":
            lo = -math.inf
        row = {
            "id": str(rec["id"]),
            "side": side,
            "kind": kind,
            "low": lo,
            "high": hi,
            "first_day": (ps - START).days,
            "last_day": (pe - START).days,
            "claim_date": cd.isoformat() if cd else "",
            "claimant": str(rec["claimant"]),
            "label": f"{metric} {side} {ps}..{pe} ({rec['claimant']})",
        }
        if metric == "casualties":
            rows.append(row)
        else:
            key = (row["claimant"], side, ps, pe, row["claim_date"])
            pending.setdefault(key, []).append({**row, "metric": metric})
    for group in pending.values():
        killed = [p for p in group if p["metric"] == "killed" and p["kind"] == "value"]
        wounded = [p for p in group if p["metric"] == "wounded" and p["kind"] == "value"]
        pairs = list(zip(killed, wounded, strict=False))
        paired = {id(x) for pair in pairs for x in pair}
        for a, b in pairs:
            rows.append(
                {
                    **{k: v for k, v in a.items() if k != "metric"},
                    "id": f"{a['id']}+{b['id']}",
                    "low": a["low"] + b["low"],
                    "high": a["high"] + b["high"],
                    "label": f"killed + wounded {a['side']} ({a['claimant']})",
                }
            )
        for p in group:  # a lone killed or wounded figure bounds the casualties below
            lo = p["low"] if math.isfinite(p["low"]) else p["high"]
            if id(p) in paired or not math.isfinite(lo):
                continue
            rows.append(
                {**{k: v for k, v in p.items() if k != "metric"}, "kind": "at_least", "low": lo,
                 "high": math.inf, "label": f"{p['metric']} (a lower bound): " + p["label"]}
            )  # fmt: skip
    cols = [
        "id", "side", "kind", "low", "high", "first_day", "last_day", "claim_date", "claimant",
        "label",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=cols).sort_values(["first_day", "id"], kind="stable")


def _num(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f
