"""What was known by a cutoff: the one rule every layer uses (:func:`known_by`).

A cutoff means only what was *published* by then. A claim is known on its ``claim_date`` (the
day it was made or published). A claim without one is **undated**: nobody can say when it became
known, so under a cutoff it is dropped (``undated="drop"``, the default). The only alternative
is a documented publication lag (``undated="lag"``): the claim counts as known ``lag_days``
after the end of the period it is about (``period_end``) — an assumption the caller must state
wherever the result is shown. Control events are known on their ``date``; an undated event is
dropped under a cutoff. Without a cutoff every row is kept.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["UNDATED_RULES", "known_by", "known_dates"]

UNDATED_RULES = ("drop", "lag")
"""How :func:`known_by` treats a row without a publication date."""


def known_dates(
    table: pd.DataFrame,
    *,
    date_column: str = "claim_date",
    undated: Literal["drop", "lag"] = "drop",
    lag_days: int | None = None,
) -> pd.Series:
    """The date each row became known (``NaT`` where it cannot be said).

    ``date_column`` holds the publication date (``claim_date`` for claims, ``date`` for control
    events). With ``undated="lag"``, a row without one is known ``lag_days`` after its
    ``period_end``.
    """
    import pandas as pd

    if undated not in UNDATED_RULES:
        raise UserError(f"undated={undated!r}: give one of {', '.join(UNDATED_RULES)}")
    if date_column not in table.columns:
        raise UserError(f"the table has no {date_column!r} column; it cannot be cut off by date")
    known = pd.to_datetime(table[date_column], errors="coerce")
    if undated == "lag":
        if lag_days is None or lag_days < 0:
            raise UserError("undated='lag' needs lag_days, a whole number of days 0 or larger")
        if "period_end" not in table.columns:
            raise UserError("undated='lag' needs a 'period_end' column to add the lag to")
        lagged = pd.to_datetime(table["period_end"], errors="coerce") + pd.Timedelta(days=lag_days)
        known = known.fillna(lagged)
    return known


def known_by(
    table: pd.DataFrame,
    cutoff: dt.date | None,
    *,
    date_column: str = "claim_date",
    undated: Literal["drop", "lag"] = "drop",
    lag_days: int | None = None,
) -> pd.DataFrame:
    """The rows of ``table`` known by ``cutoff`` (inclusive); all rows when ``cutoff`` is None.

    See the module docstring for the rule. The index is reset; row order is kept.
    """
    import pandas as pd

    if cutoff is None:
        return table.reset_index(drop=True)
    known = known_dates(table, date_column=date_column, undated=undated, lag_days=lag_days)
    keep = known.notna() & (known <= pd.Timestamp(cutoff))
    return table.loc[keep.to_numpy()].reset_index(drop=True)
