"""External all-front streams as extra observations of the fusion (opt-in)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError, unknown_name
from attrition.infer.fusion.claims import parse_date
from attrition.infer.fusion.sides import BattleLike, battle_sides

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "STREAM_COLUMNS",
    "STREAM_SERIES",
    "check_streams_known",
    "stream_observations",
    "streams_known_by",
]

STREAM_SERIES: dict[str, tuple[tuple[str, str, str], ...]] = {
    # stream -> (metric in the stream table, role, modelled metric); the subject sides are the
    # stream table's own (each side the stream speaks of)
    "genstaff": (("casualties", "scaled", "casualties"),),
    "named-dead": (("killed", "lower", "killed"),),
    "oryx": (("tanks_destroyed", "timing", "casualties"),),
}
"""Which series of each stream the fusion reads, in which role (see
:func:`stream_observations`)."""

STREAM_COLUMNS = (
    "id",
    "stream",
    "role",
    "claimant",
    "claimant_side",
    "subject",
    "metric",
    "start",
    "end",
    "value",
)
"""Columns of the table :func:`stream_observations` returns."""


def check_streams_known(names: Sequence[str], cutoff: str | dt.date | None) -> None:
    """Refuse, under a cutoff, a stream compiled after the fact (``dated_by = "event"``).

    A stream dated by publication (each day's figure as published that day) is used only up to
    the cutoff, through the fit's window; a stream dated by event (e.g. named dead by date of
    death, compiled years later) was not known at any cutoff inside the battle.
    """
    if cutoff is None or not names:
        return
    from attrition.data.streams import stream_info

    day = parse_date(cutoff, "cutoff")
    for name in dict.fromkeys(names):
        info = stream_info(name)
        if info.dated_by != "publication":
            raise UserError(
                f"--streams {name}: compiled after the fact (dated by event, to {info.end}), so "
                f"it was not known by --cutoff {day}; leave it out, or drop --cutoff"
            )


def streams_known_by(names: Sequence[str], cutoff: str | dt.date | None) -> list[str]:
    """The streams of ``names`` that were known by ``cutoff`` (all of them without one):
    those dated by publication, which a fit then reads up to the cutoff
    (:func:`check_streams_known` refuses the others)."""
    if cutoff is None:
        return list(names)
    from attrition.data.streams import stream_info

    return [n for n in dict.fromkeys(names) if stream_info(n).dated_by == "publication"]


def _months(window: tuple[dt.date, dt.date]) -> list[tuple[dt.date, dt.date]]:
    start, end = window
    months: list[tuple[dt.date, dt.date]] = []
    d = start
    while d <= end:
        nxt = (d.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        months.append((d, min(end, nxt - dt.timedelta(days=1))))
        d = nxt
    return months


def stream_observations(
    names: Sequence[str],
    window: tuple[dt.date, dt.date],
    streams: pd.DataFrame | None = None,
    *,
    battle: BattleLike = None,
) -> pd.DataFrame:
    """Monthly all-front stream figures inside ``window``, as extra observation rows.

    ``genstaff`` (Ukrainian General Staff claimed Russian personnel losses) observes Russian
    casualties over each month divided by the battle's share of all-front losses (role
    ``scaled``); ``named-dead`` (named Russian dead from Mediazona/BBC, named Ukrainian dead
    from lostarmour.info) gives lower bounds on the all-front killed (role ``lower``); ``oryx``
    (tanks destroyed) gives timing only, through a free scale per side (role ``timing``).
    Months are calendar months clipped to the window. Unknown names raise :class:`UserError`,
    and so does a stream that speaks of a side the battle (``battle``, see
    :func:`~attrition.infer.fusion.battle_sides`) does not have.
    """
    import pandas as pd

    from attrition.data.streams import STREAM_NAMES, load_streams, stream_totals

    for n in names:
        if n not in STREAM_NAMES:
            raise unknown_name("stream", n, STREAM_NAMES)
    sides = battle_sides(battle)
    chosen = list(dict.fromkeys(names))
    table = streams if streams is not None else load_streams(chosen)
    months = _months(window)
    rows: list[dict[str, Any]] = []
    for name in chosen:
        sub = table[table["stream"] == name]
        for metric, role, modelled in STREAM_SERIES[name]:
            series = sub[sub["metric"] == metric]
            for side in sorted(set(series["subject_side"].astype(str))):
                if side not in sides.sides:
                    raise UserError(
                        f"--streams {name}: its {metric} series speaks of side {side}, which "
                        f"battle {sides.battle} does not have (battle.toml); leave it out"
                    )
                part = series[series["subject_side"] == side]
                claimant = str(part["claimant"].iloc[0])
                claimant_side = str(part["claimant_side"].iloc[0])
                for m0, m1 in months:
                    tot = stream_totals(part, metric, m0, m1, stream=name)
                    if tot.empty:
                        continue
                    value = float(tot.iloc[0])
                    if not math.isfinite(value) or value <= 0:
                        continue
                    rows.append(
                        {
                            "id": f"{name}:{side}:{m0:%Y-%m}",
                            "stream": name,
                            "role": role,
                            "claimant": claimant,
                            "claimant_side": claimant_side,
                            "subject": side,
                            "metric": modelled,
                            "start": m0,
                            "end": m1,
                            "value": value,
                        }
                    )
    return pd.DataFrame(rows, columns=list(STREAM_COLUMNS))
