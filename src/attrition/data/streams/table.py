"""The tidy daily table of the streams, and changes in a cumulative metric over a window.

:func:`load_stream` and :func:`load_streams` lay each source's series on a daily calendar
(carried-forward days, ``daily`` differences, flags); :func:`stream_totals` reads the change
of a metric over a window by the same rule. The conventions are in :mod:`attrition.data.streams`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from attrition.data.dates import parse_date
from attrition.data.streams.files import _FOLDERS, STREAM_NAMES, _base, _Series
from attrition.data.streams.sources import _genstaff, _named_dead, _oryx
from attrition.errors import UserError, unknown_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "SCOPE", "WAR_START", "load_stream", "load_streams", "stream_totals"]

WAR_START = date(2022, 2, 24)
"""Start of the full-scale invasion: every cumulative series is 0 before this date."""

COLUMNS = (
    "date",
    "stream",
    "claimant",
    "claimant_side",
    "subject_side",
    "metric",
    "series",
    "value",
    "daily",
    "value_raw",
    "scope",
    "flag",
)
"""Columns of the tidy table, in order."""


SCOPE = "all-front"

# Before a series' first row but inside its stream's range: is the cumulative value 0 (the
# category was not yet listed separately, or nobody was named yet) or unknown?
_ABSENT_IS_ZERO = {"genstaff": False, "oryx": True, "named-dead": True}


def load_stream(name: str, *, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load one stream as a tidy daily table (columns :data:`COLUMNS`, sorted).

    Raises :class:`UserError` listing the valid names if ``name`` is unknown, and naming the
    file and row if a data file is malformed.
    """
    if name not in STREAM_NAMES:
        raise unknown_name("stream", name, STREAM_NAMES)
    base = _base(data_dir)
    folder = base / _FOLDERS[name]
    if name == "genstaff":
        series = _genstaff(folder)
    elif name == "oryx":
        series = _oryx(folder)
    else:
        series = _named_dead(folder)
    return _frame(series)


def load_streams(
    names: Sequence[str] | None = None, *, data_dir: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """Load several streams (default: all of :data:`STREAM_NAMES`) into one table.

    Rows are sorted by ``date``, ``stream``, ``metric`` (then ``subject_side``, ``series``).
    """
    import pandas as pd

    chosen = list(STREAM_NAMES) if names is None else list(names)
    if isinstance(names, str):
        chosen = [names]
    for name in chosen:
        if name not in STREAM_NAMES:
            raise unknown_name("stream", name, STREAM_NAMES)
    frames = [load_stream(name, data_dir=data_dir) for name in dict.fromkeys(chosen)]
    if not frames:
        return _frame([])
    out = pd.concat(frames, ignore_index=True)
    return _sort(out)


def stream_totals(
    df: pd.DataFrame,
    metric: str,
    start: date | str,
    end: date | str,
    stream: str | None = None,
) -> pd.Series:
    """Change in a cumulative metric over the inclusive window ``start`` .. ``end``.

    For each ``(stream, subject_side)`` the result is ``V(end) - V(start - 1 day)``, summed over
    the series that carry ``metric`` (e.g. Oryx self-propelled + towed artillery), where ``V(d)``
    is a series' cumulative ``value`` on day ``d``. Both ends are inclusive: it equals the sum of
    ``daily`` over ``start`` .. ``end`` (for General Staff personnel, 2022-12-01 .. 2023-04-30
    gives 101,630 = value on 2023-04-30 minus value on 2022-11-30).

    ``metric`` is a claims-schema metric present in ``df`` or one source ``series`` name
    (e.g. ``"aircraft"``); ``"other"`` is refused because it mixes unrelated series.
    ``V(d)`` is 0 before :data:`WAR_START`; NaN between it and the stream's first day, and after
    the stream's last day; after a series' last row its last value holds; before a series'
    first row it is 0 for ``oryx`` and ``named-dead`` (category not yet listed, nobody named yet)
    and NaN for ``genstaff``. ``df`` is a table from :func:`load_streams` (possibly filtered
    by stream, metric or side, but not by date). Returns a float Series indexed by
    ``(stream, subject_side)``.
    """
    import pandas as pd

    start_day = parse_date(start, "stream_totals: start")
    end_day = parse_date(end, "stream_totals: end")
    if start_day is None or end_day is None:
        raise UserError("stream_totals: give both start and end, as dates or 'YYYY-MM-DD'")
    if end_day < start_day:
        raise UserError(f"stream_totals: end {end_day} is before start {start_day}; swap the dates")
    missing = [
        c for c in ("date", "stream", "subject_side", "metric", "series", "value") if c not in df
    ]
    if missing:
        raise UserError(
            f"stream_totals: table lacks column(s) {', '.join(missing)}; pass a table from "
            "load_streams()"
        )
    if stream is not None:
        present = sorted(set(df["stream"].unique()))
        if stream not in present:
            raise unknown_name("stream", stream, present, where="stream_totals")
        df = df[df["stream"] == stream]
    metrics = set(df["metric"].unique()) - {"other"}
    if metric == "other":
        names = ", ".join(sorted(set(df.loc[df["metric"] == "other", "series"].unique()))[:6])
        raise UserError(
            f"stream_totals: metric 'other' mixes unrelated series; pass one series name "
            f"instead (e.g. {names})"
        )
    if metric in metrics:
        sel = df[df["metric"] == metric]
    elif metric in set(df["series"].unique()):
        sel = df[df["series"] == metric]
    else:
        raise unknown_name(
            "metric or series", metric, metrics | set(df["series"].unique()), "stream_totals"
        )

    before = start_day - timedelta(days=1)
    spans: dict[str, tuple[date, date]] = {}
    for name, dates_of in df.groupby("stream")["date"]:
        spans[str(name)] = (dates_of.min().date(), dates_of.max().date())
    result: dict[tuple[str, str], float] = {}
    keys = ["stream", "subject_side", "series"]
    for (stream_name, side, _series), rows in sel.groupby(keys, sort=True):
        lo, hi = spans[str(stream_name)]
        rows = rows.sort_values("date")
        dates = [d.date() for d in rows["date"]]
        values = [float(v) for v in rows["value"]]
        absent_zero = _ABSENT_IS_ZERO.get(str(stream_name), False)
        change = _value_on(end_day, dates, values, lo, hi, absent_zero) - _value_on(
            before, dates, values, lo, hi, absent_zero
        )
        key = (str(stream_name), str(side))
        result[key] = result.get(key, 0.0) + change
    index = pd.MultiIndex.from_tuples(list(result), names=["stream", "subject_side"])
    return pd.Series(list(result.values()), index=index, name=metric, dtype="float64")


# --- value lookup -----------------------------------------------------------------------------


def _value_on(
    day: date, dates: list[date], values: list[float], lo: date, hi: date, absent_zero: bool
) -> float:
    """Cumulative value of one series on ``day`` (see :func:`stream_totals` for the rules)."""
    from bisect import bisect_right

    if day > hi:
        return math.nan
    pos = bisect_right(dates, day)
    if pos > 0:
        return values[pos - 1]
    if day < WAR_START:
        return 0.0
    if day < lo:
        return math.nan
    return 0.0 if absent_zero else math.nan


# --- table building ---------------------------------------------------------------------------


def _frame(series: list[_Series]) -> pd.DataFrame:
    """Lay every series on a daily calendar and build the tidy table."""
    import pandas as pd

    cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    one = timedelta(days=1)
    firsts: dict[str, date] = {}
    for s in series:
        if s.dates:
            first = max(s.dates[0], s.start or s.dates[0])
            firsts[s.stream] = min(first, firsts.get(s.stream, first))
    for s in series:
        if not s.dates:
            continue
        where = {d: i for i, d in enumerate(s.dates)}
        last = max(s.dates[-1], s.end or s.dates[-1])
        day = s.dates[0]
        raw = val = math.nan
        # The day before a series' first row: same rule as stream_totals (0, or NaN = unknown).
        lo = firsts[s.stream]
        first = max(s.dates[0], s.start or s.dates[0])
        absent_zero = _ABSENT_IS_ZERO.get(s.stream, False)
        prev = _value_on(first - one, [], [], lo, date.max, absent_zero)
        while day <= last:
            i = where.get(day)
            if i is None:
                flags = {"carried_forward"}
            else:
                raw, val, flags = s.raw[i], s.value[i], set(s.flags[i])
            if s.start is None or day >= s.start:
                daily = math.nan if "undated_lump" in flags else val - prev
                if daily < 0:
                    flags.add("revised_down")
                prev = val
                cols["date"].append(day)
                cols["stream"].append(s.stream)
                cols["claimant"].append(s.claimant)
                cols["claimant_side"].append(s.claimant_side)
                cols["subject_side"].append(s.subject_side)
                cols["metric"].append(s.metric)
                cols["series"].append(s.series)
                cols["value"].append(val)
                cols["daily"].append(daily)
                cols["value_raw"].append(raw)
                cols["scope"].append(SCOPE)
                cols["flag"].append(";".join(sorted(flags)))
            day += one
    out = pd.DataFrame(cols)
    out["date"] = pd.to_datetime(pd.Series(cols["date"], dtype="object")).astype("datetime64[ns]")
    for c in ("value", "daily", "value_raw"):
        out[c] = out[c].astype("float64")
    for c in COLUMNS:
        if c not in ("date", "value", "daily", "value_raw"):
            out[c] = out[c].astype("str")
    return _sort(out)


def _sort(df: pd.DataFrame) -> pd.DataFrame:
    keys = ["date", "stream", "metric", "subject_side", "series"]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)
