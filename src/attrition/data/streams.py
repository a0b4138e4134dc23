"""External claim streams on the Russo-Ukrainian war (all fronts), as one tidy daily table.

Three streams, each an observation with its own bias, never the truth:

``genstaff``
    Ukrainian General Staff daily cumulative claims of Russian losses (personnel and equipment).
``oryx``
    Oryx visually confirmed equipment losses of both sides, cumulative by scrape date.
``named-dead``
    Daily counts of *named* dead by date of death: Russian dead from the Mediazona/BBC News
    Russian list, Ukrainian dead and missing from lostarmour.info (a pro-Russian list).

The packaged copies, their licences and one ``metadata.json`` per stream (claimant, licence,
attribution, known bias, defects and how each is handled) live in
``attrition/data/battles/ukraine_streams/``.

The table (:func:`load_stream`, :func:`load_streams`) has one row per series per calendar day:

``date`` (datetime64), ``stream``, ``claimant``, ``claimant_side``, ``subject_side``, ``metric``
(claims-schema vocabulary), ``series`` (the source's own category name), ``value``,
``daily``, ``value_raw``, ``scope`` (always ``"all-front"``), ``flag``.

Conventions
    ``value`` is cumulative (after the handling below); ``daily`` is ``value`` minus the previous
    day's ``value`` of the same series; ``value_raw`` is the cumulative figure as published (for
    named-dead, the running sum of the published daily counts). Days missing from a source are
    filled by carrying the last value forward (``daily`` 0, flag ``carried_forward``). On a
    series' first day the previous value follows the rule of :func:`stream_totals`: 0 before
    2022-02-24, before an Oryx category is first listed and before a named-dead list starts;
    unknown (``daily`` NaN) on a stream's first day (General Staff 2022-02-25 covers two days,
    Oryx 2022-03-19 lumps everything since the invasion) and on a late-starting General Staff
    series. The lostarmour lump row also has ``daily`` NaN. So the sum of ``daily`` over a
    window equals :func:`stream_totals` wherever both are defined.

General Staff corrections
    ``russia_losses_equipment_correction.json`` lists, per date, the part of that day's jump in
    the published cumulative figure that is a revision of earlier counts rather than new losses
    (e.g. special equipment -85 on 2024-11-30, when the published total fell by 83). The loader
    subtracts it: ``value(t) = value_raw(t) - sum of corrections dated <= t``, so ``daily`` holds
    new claimed losses only and values before the first correction are exactly as claimed. The
    2023-05-27 entry shows in the published figures one day later, so it is applied on
    2023-05-28 (``CORRECTION_DATE_OVERRIDES``).

Flags (``;``-separated)
    ``carried_forward`` (no source row that day), ``corrected`` (a correction takes effect),
    ``merged_series`` (summed from older categories), ``more_than`` (personnel given as "more
    than"), ``undated_lump`` (lostarmour's 2022-02-23 pile of undated records; its ``daily`` is
    NaN so it never enters a daily rate), ``scrape_glitch`` (an Oryx one-scrape spike or dip
    replaced by the previous value; ``value_raw`` keeps it), ``revised_down`` (``daily`` < 0:
    the source lowered its count and no correction explains it; kept as published).

Documented defects are handled silently (they are listed in :attr:`StreamInfo.defects`);
anything unexpected that is skipped raises :class:`~attrition.errors.DataWarning`, and a
malformed file raises :class:`~attrition.errors.UserError` naming the file and row.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.errors import DataWarning, UserError, unknown_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "CORRECTION_DATE_OVERRIDES",
    "DATA_DIR",
    "DATED_BY",
    "STREAM_NAMES",
    "WAR_START",
    "StreamInfo",
    "available_streams",
    "load_stream",
    "load_streams",
    "stream_info",
    "stream_totals",
]

STREAM_NAMES = ("genstaff", "oryx", "named-dead")
"""Valid stream names, in the order :func:`load_streams` uses by default."""

WAR_START = date(2022, 2, 24)
"""Start of the full-scale invasion: every cumulative series is 0 before this date."""

DATA_DIR = Path(__file__).resolve().parent / "battles" / "ukraine_streams"
"""Folder holding one sub-folder per stream (data files, LICENSE, metadata.json)."""

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

CORRECTION_DATE_OVERRIDES = {date(2023, 5, 27): date(2023, 5, 28)}
"""General Staff correction entries whose step shows in the published series on another day."""

SCOPE = "all-front"

_FOLDERS = {"genstaff": "genstaff", "oryx": "oryx", "named-dead": "named_dead"}

# --- General Staff ----------------------------------------------------------------------------
_GS_CLAIMANT = ("Ukrainian General Staff", "UA")
_GS_PERSONNEL_FILE = "russia_losses_personnel.json"
_GS_EQUIPMENT_FILE = "russia_losses_equipment.json"
_GS_CORRECTION_FILE = "russia_losses_equipment_correction.json"
_GS_METRICS = {
    "personnel": "casualties",
    "tank": "tanks_destroyed",
    "APC": "apc_destroyed",
    "field artillery": "artillery_destroyed",
    "MRL": "mlrs",
    "drone": "uav_destroyed",
    "vehicles and fuel tanks": "vehicles_destroyed",
    "aircraft": "other",
    "helicopter": "other",
    "naval ship": "other",
    "submarines": "other",
    "anti-aircraft warfare": "other",
    "special equipment": "other",
    "cruise missiles": "other",
    "mobile SRBM system": "other",
    "ground robotic systems": "other",
}
_GS_MERGED = {"military auto": "vehicles and fuel tanks", "fuel tank": "vehicles and fuel tanks"}
_GS_IGNORED = {"date", "day", "greatest losses direction", "POW", "personnel*"}

# --- Oryx -------------------------------------------------------------------------------------
_ORYX_FILE = "daily_count.csv"
_ORYX_CLAIMANT = ("Oryx", "INDEPENDENT")
_ORYX_SIDES = {"Russia": "RU", "Ukraine": "UA"}
_ORYX_SUMMARY = re.compile(r"\s-\s\d+, of which:")
_ORYX_RENAMES = {
    "Trucks, Vehicles and Jeeps": "Trucks, Vehicles, and Jeeps",
    "Anti-tank Guided Missiles": "Anti-Tank Guided Missiles",
    "Engineering Vehicles": "Engineering Vehicles And Equipment",
    "Communications Stations": "Command Posts And Communications Stations",
    "Unmanned Aerial Vehicles": "Reconnaissance Unmanned Aerial Vehicles",
}
_ORYX_COUNTRY_RENAMES = {
    ("Russia", "Naval Ships"): "Naval Ships and Submarines",
    ("Ukraine", "Radars"): "Radars And Communications Equipment",
}
_ORYX_METRICS = {
    "Tanks": "tanks_destroyed",
    "Infantry Fighting Vehicles": "ifv_destroyed",
    "Armoured Personnel Carriers": "apc_destroyed",
    "Self-Propelled Artillery": "artillery_destroyed",
    "Towed Artillery": "artillery_destroyed",
    "Multiple Rocket Launchers": "mlrs",
    "Reconnaissance Unmanned Aerial Vehicles": "uav_destroyed",
    "Unmanned Combat Aerial Vehicles": "uav_destroyed",
    "Trucks, Vehicles, and Jeeps": "vehicles_destroyed",
}
_ORYX_OTHER = {
    "All Types",
    "Aircraft",
    "Anti-Aircraft Guns",
    "Anti-Tank Guided Missiles",
    "Armoured Fighting Vehicles",
    "Artillery Support Vehicles And Equipment",
    "Command Posts And Communications Stations",
    "Engineering Vehicles And Equipment",
    "Heavy Mortars",
    "Helicopters",
    "Infantry Mobility Vehicles",
    "Jammers And Deception Systems",
    "Logistics Trains",
    "Mine-Resistant Ambush Protected",
    "Naval Ships",
    "Naval Ships and Submarines",
    "Radars",
    "Radars And Communications Equipment",
    "Self-Propelled Anti-Aircraft Guns",
    "Self-Propelled Anti-Tank Missile Systems",
    "Surface-To-Air Missile Systems",
    "Unmanned Ground Vehicles",
}
_GLITCH_MIN = 10.0
_GLITCH_FRACTION = 0.25

# --- named dead -------------------------------------------------------------------------------
_MEDIAZONA_FILE = "russia_named_dead_daily_mediazona.json"
_LOSTARMOUR_FILE = "ukraine_named_dead_missing_daily_lostarmour.json"
_MEDIAZONA_CLAIMANT = ("Mediazona/BBC News Russian", "INDEPENDENT")
_LOSTARMOUR_CLAIMANT = ("lostarmour.info", "RU")
_LUMP_DATE = date(2022, 2, 23)

# Before a series' first row but inside its stream's range: is the cumulative value 0 (the
# category was not yet listed separately, or nobody was named yet) or unknown?
_ABSENT_IS_ZERO = {"genstaff": False, "oryx": True, "named-dead": True}

_METADATA_FIELDS = (
    "name",
    "title",
    "claimant",
    "claimant_side",
    "subject_sides",
    "metrics",
    "start",
    "end",
    "licence",
    "attribution",
    "bias",
    "defects",
)


@dataclass(frozen=True)
class StreamInfo:
    """Description of one claim stream, read from its ``metadata.json``.

    For ``named-dead``, which joins two lists, ``claimant`` and ``claimant_side`` name both
    sub-sources separated by ``" | "`` in the order of ``subject_sides`` (RU dead, UA dead).
    ``start`` and ``end`` are the first and last dates in the loaded table.
    """

    name: str
    title: str
    claimant: str
    claimant_side: str
    subject_sides: tuple[str, ...]
    metrics: tuple[str, ...]
    start: date
    end: date
    licence: str
    attribution: str
    bias: str
    defects: tuple[str, ...]
    dated_by: str = "event"
    """``publication``: each day's figure is what the source had published by that day (usable
    up to a cutoff); ``event``: figures are dated by when the losses happened but were compiled
    later (not known by any cutoff inside the battle). Missing in ``metadata.json``: ``event``."""


DATED_BY = ("publication", "event")
"""Valid values of a stream's ``dated_by`` (see :class:`StreamInfo`)."""


def stream_info(name: str, data_dir: str | os.PathLike[str] | None = None) -> StreamInfo:
    """The :class:`StreamInfo` of one stream (unknown names raise :class:`UserError`)."""
    if name not in STREAM_NAMES:
        raise unknown_name("stream", name, STREAM_NAMES)
    return _read_metadata(_base(data_dir), name)


@dataclass
class _Series:
    """One source series before it is laid on a daily calendar (dates sorted, lists parallel)."""

    stream: str
    claimant: str
    claimant_side: str
    subject_side: str
    metric: str
    series: str
    dates: list[date] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    flags: list[set[str]] = field(default_factory=list)
    start: date | None = None  # drop calendar days before this one
    end: date | None = None  # carry the last value forward up to this day


# --- public API -------------------------------------------------------------------------------


def available_streams(data_dir: str | os.PathLike[str] | None = None) -> list[StreamInfo]:
    """Describe every stream (from the metadata files; no data is loaded).

    ``data_dir`` is a folder laid out like :data:`DATA_DIR` (default: the packaged data).
    """
    base = _base(data_dir)
    return [_read_metadata(base, name) for name in STREAM_NAMES]


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
    start: date,
    end: date,
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

    start, end = _as_date(start, "start"), _as_date(end, "end")
    if end < start:
        raise UserError(f"stream_totals: end {end} is before start {start}; swap the dates")
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

    before = start - timedelta(days=1)
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
        change = _value_on(end, dates, values, lo, hi, absent_zero) - _value_on(
            before, dates, values, lo, hi, absent_zero
        )
        key = (str(stream_name), str(side))
        result[key] = result.get(key, 0.0) + change
    index = pd.MultiIndex.from_tuples(list(result), names=["stream", "subject_side"])
    return pd.Series(list(result.values()), index=index, name=metric, dtype="float64")


# --- value lookup -----------------------------------------------------------------------------


def _as_date(value: object, name: str) -> date:
    """Accept a date, a datetime/Timestamp (its calendar day) or an ISO string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return _parse_date(value, f"stream_totals: {name}")
    raise UserError(f"stream_totals: {name} {value!r} is not a date; pass datetime.date(Y, M, D)")


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


def _base(data_dir: str | os.PathLike[str] | None) -> Path:
    base = DATA_DIR if data_dir is None else Path(data_dir)
    if not base.is_dir():
        raise UserError(f"{base}: no such folder; pass a folder laid out like {DATA_DIR}")
    return base


# --- file reading helpers ---------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UserError(f"{path}: file missing; restore it from the attrition package") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read it ({exc}); restore it from the package") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); "
            "fix that line or restore the file"
        ) from exc


def _parse_date(text: object, where: str) -> date:
    if not isinstance(text, str):
        raise UserError(f"{where}: date {text!r} is not an ISO date string (YYYY-MM-DD); fix it")
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise UserError(
            f"{where}: date {text!r} is not a valid ISO date (YYYY-MM-DD); fix it"
        ) from exc


def _count(value: object, where: str, key: str) -> float:
    """A non-negative whole number (int in JSON, digits in CSV)."""
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number < 0:
        raise UserError(
            f"{where}: field {key!r} is {value!r}, not a whole number >= 0; fix or delete that row"
        )
    return float(number)


def _check_order(dates: list[date], path: Path, label: str) -> None:
    for k in range(1, len(dates)):
        if dates[k] <= dates[k - 1]:
            raise UserError(
                f"{path}: {label} {k + 1} (date {dates[k].isoformat()}) is not after the "
                f"previous row ({dates[k - 1].isoformat()}); remove the duplicate or sort the file"
            )


# --- General Staff ----------------------------------------------------------------------------


def _json_rows(path: Path) -> list[dict[str, Any]]:
    data = _read_json(path)
    if not isinstance(data, list):
        raise UserError(f"{path}: expected a JSON list of daily records; restore the file")
    for i, row in enumerate(data, start=1):
        if not isinstance(row, dict):
            raise UserError(f"{path}: row {i} is {type(row).__name__}, not an object; fix it")
    return data


def _genstaff(folder: Path) -> list[_Series]:
    claimant, side = _GS_CLAIMANT
    columns: dict[str, dict[date, float]] = {}
    more_than: set[date] = set()
    unknown: set[str] = set()
    for filename in (_GS_PERSONNEL_FILE, _GS_EQUIPMENT_FILE):
        path = folder / filename
        rows = _json_rows(path)
        dates: list[date] = []
        for i, row in enumerate(rows, start=1):
            where = f"{path}: row {i}"
            day = _parse_date(row.get("date"), where)
            where = f"{path}: row {i} (date {day.isoformat()})"
            dates.append(day)
            if filename == _GS_PERSONNEL_FILE:
                if "personnel" not in row:
                    raise UserError(f"{where}: field 'personnel' missing; add it or delete the row")
                if str(row.get("personnel*", "")).strip() == "more":
                    more_than.add(day)
            for key, raw in row.items():
                if key in _GS_IGNORED:
                    continue
                if key not in _GS_METRICS and key not in _GS_MERGED:
                    unknown.add(key)
                    if isinstance(raw, str):
                        continue
                columns.setdefault(key, {})[day] = _count(raw, where, key)
        _check_order(dates, path, "row")
    if unknown:
        warnings.warn(
            f"{folder}: unknown General Staff field(s) {', '.join(sorted(unknown))}; numeric "
            "ones loaded with metric 'other', text ones skipped",
            DataWarning,
            stacklevel=3,
        )

    # "military auto" + "fuel tank" (to 2022-04-30) continue as "vehicles and fuel tanks".
    merged_days: set[date] = set()
    vehicles = columns.setdefault("vehicles and fuel tanks", {})
    parts = [columns.pop(k, {}) for k in _GS_MERGED]
    for day in sorted(set().union(*parts)):
        if day not in vehicles:
            vehicles[day] = sum(p.get(day, 0.0) for p in parts)
            merged_days.add(day)

    corrections = _genstaff_corrections(folder / _GS_CORRECTION_FILE, columns)

    out: list[_Series] = []
    for key in sorted(columns):
        points = columns[key]
        if not points:
            continue
        s = _Series("genstaff", claimant, side, "RU", _GS_METRICS.get(key, "other"), key)
        steps = corrections.get(key, {})
        total = 0.0
        for day in sorted(points):
            flags: set[str] = set()
            if day in steps:
                total += steps[day]
                flags.add("corrected")
            if key == "vehicles and fuel tanks" and day in merged_days:
                flags.add("merged_series")
            if key == "personnel" and day in more_than:
                flags.add("more_than")
            s.dates.append(day)
            s.raw.append(points[day])
            s.value.append(points[day] - total)
            s.flags.append(flags)
        out.append(s)
    return out


def _genstaff_corrections(
    path: Path, columns: dict[str, dict[date, float]]
) -> dict[str, dict[date, float]]:
    """Read the step corrections: ``{series: {effective date: amount}}``."""
    rows = _json_rows(path)
    steps: dict[str, dict[date, float]] = {}
    for i, row in enumerate(rows, start=1):
        where = f"{path}: row {i}"
        day = _parse_date(row.get("date"), where)
        where = f"{path}: row {i} (date {day.isoformat()})"
        effective = CORRECTION_DATE_OVERRIDES.get(day, day)
        for key, raw in row.items():
            if key in ("date", "day"):
                continue
            if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != int(raw):
                raise UserError(f"{where}: field {key!r} is {raw!r}, not a whole number; fix it")
            if raw == 0:
                continue
            target = _GS_MERGED.get(key, key)
            if target not in columns:
                valid = sorted(columns)
                raise UserError(
                    f"{where}: correction for unknown field {key!r}; valid: {', '.join(valid)}"
                )
            if effective not in columns[target]:
                raise UserError(
                    f"{where}: correction to {key!r} on a date with no published {key!r} value; "
                    "fix the date"
                )
            per = steps.setdefault(target, {})
            per[effective] = per.get(effective, 0.0) + float(raw)
    return steps


# --- Oryx -------------------------------------------------------------------------------------


def _oryx(folder: Path) -> list[_Series]:
    path = folder / _ORYX_FILE
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc}); restore it from the package") from exc
    points: dict[tuple[str, str], dict[date, float]] = {}
    lines: dict[tuple[str, str, date], int] = {}
    unknown: set[str] = set()
    with handle:
        reader = csv.DictReader(handle)
        need = ("country", "equipment_type", "type_total", "date_recorded")
        absent = [c for c in need if c not in (reader.fieldnames or [])]
        if absent:
            raise UserError(
                f"{path}: line 1: missing column(s) {', '.join(absent)}; restore the header"
            )
        for row in reader:
            line = reader.line_num
            where = f"{path}: line {line}"
            kind = (row.get("equipment_type") or "").strip()
            if _ORYX_SUMMARY.search(kind):
                continue  # documented defect: summary strings stored as categories
            country = (row.get("country") or "").strip()
            if country not in _ORYX_SIDES:
                raise UserError(
                    f"{where}: country {row.get('country')!r} is not one of "
                    f"{', '.join(_ORYX_SIDES)}; fix or delete that row"
                )
            if not kind:
                raise UserError(f"{where}: empty equipment_type; fix or delete that row")
            day = _parse_date(row.get("date_recorded"), where)
            total = _count(row.get("type_total"), where, "type_total")
            kind = _ORYX_COUNTRY_RENAMES.get((country, kind), _ORYX_RENAMES.get(kind, kind))
            if kind not in _ORYX_METRICS and kind not in _ORYX_OTHER:
                unknown.add(kind)
            key = (country, kind)
            if (country, kind, day) in lines:
                raise UserError(
                    f"{where}: second row for {country} / {kind} on {day.isoformat()} (first on "
                    f"line {lines[(country, kind, day)]}); delete one of them"
                )
            lines[(country, kind, day)] = line
            points.setdefault(key, {})[day] = total
    if unknown:
        warnings.warn(
            f"{path}: unknown Oryx categories {', '.join(sorted(unknown))}; loaded with "
            "metric 'other'",
            DataWarning,
            stacklevel=3,
        )
    if not points:
        raise UserError(f"{path}: no data rows; restore the file")

    nonzero = [d for pts in points.values() for d, v in pts.items() if v > 0]
    first_scrape = min(nonzero) if nonzero else min(d for p in points.values() for d in p)
    last_scrape = max(d for pts in points.values() for d in pts)
    claimant, claimant_side = _ORYX_CLAIMANT
    out: list[_Series] = []
    for (country, kind), pts in sorted(points.items()):
        s = _Series(
            "oryx",
            claimant,
            claimant_side,
            _ORYX_SIDES[country],
            _ORYX_METRICS.get(kind, "other"),
            kind,
            start=first_scrape,
            end=last_scrape,
        )
        days = sorted(pts)
        raw = [pts[d] for d in days]
        value = list(raw)
        flags: list[set[str]] = [set() for _ in days]
        for i in range(1, len(days) - 1):
            before, here, after = value[i - 1], raw[i], raw[i + 1]
            jump_in, jump_out = here - before, after - here
            size = max(_GLITCH_MIN, _GLITCH_FRACTION * before)
            if jump_in * jump_out < 0 and min(abs(jump_in), abs(jump_out)) >= size:
                value[i] = before
                flags[i].add("scrape_glitch")
        s.dates, s.raw, s.value, s.flags = days, raw, value, flags
        out.append(s)
    return out


# --- named dead -------------------------------------------------------------------------------


def _named_dead(folder: Path) -> list[_Series]:
    out: list[_Series] = []
    specs = (
        (_MEDIAZONA_FILE, _MEDIAZONA_CLAIMANT, "RU", (("deaths", "killed"),)),
        (
            _LOSTARMOUR_FILE,
            _LOSTARMOUR_CLAIMANT,
            "UA",
            (("deaths", "killed"), ("missing", "missing")),
        ),
    )
    for filename, (claimant, claimant_side), subject, fields in specs:
        path = folder / filename
        data = _read_json(path)
        if not isinstance(data, dict):
            raise UserError(f"{path}: expected a JSON object keyed by date; restore the file")
        days: list[date] = []
        counts: dict[str, list[float]] = {name: [] for name, _ in fields}
        for i, (key, entry) in enumerate(data.items(), start=1):
            where = f"{path}: entry {i}"
            day = _parse_date(key, where)
            where = f"{path}: entry {i} (date {day.isoformat()})"
            if not isinstance(entry, dict):
                raise UserError(f"{where}: expected an object with daily counts; fix it")
            for name, _metric in fields:
                if name not in entry:
                    raise UserError(f"{where}: field {name!r} missing; add it or delete the entry")
                counts[name].append(_count(entry[name], where, name))
            if "total" in entry:
                total = _count(entry["total"], where, "total")
                parts = sum(_count(entry[n], where, n) for n in ("deaths", "missing") if n in entry)
                if total != parts:
                    raise UserError(
                        f"{where}: total {entry['total']!r} is not deaths + missing "
                        f"({parts:.0f}); fix that entry"
                    )
            days.append(day)
        _check_order(days, path, "entry")
        for name, metric in fields:
            s = _Series("named-dead", claimant, claimant_side, subject, metric, name)
            running = 0.0
            for day, n in zip(days, counts[name], strict=True):
                running += n
                s.dates.append(day)
                s.raw.append(running)
                s.value.append(running)
                lump = filename == _LOSTARMOUR_FILE and day == _LUMP_DATE
                s.flags.append({"undated_lump"} if lump else set())
            out.append(s)
    return out


# --- metadata ---------------------------------------------------------------------------------


def _read_metadata(base: Path, name: str) -> StreamInfo:
    path = base / _FOLDERS[name] / "metadata.json"
    data = _read_json(path)
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a JSON object; restore the file")
    absent = [k for k in _METADATA_FIELDS if k not in data]
    if absent:
        raise UserError(f"{path}: missing field(s) {', '.join(absent)}; add them")
    if data["name"] != name:
        raise UserError(f"{path}: field 'name' is {data['name']!r}, expected {name!r}; fix it")
    texts = ("title", "claimant", "claimant_side", "licence", "attribution", "bias")
    for key in texts:
        if not isinstance(data[key], str):
            raise UserError(f"{path}: field {key!r} must be a string; fix it")
    lists = ("subject_sides", "metrics", "defects")
    for key in lists:
        if not isinstance(data[key], list) or not all(isinstance(x, str) for x in data[key]):
            raise UserError(f"{path}: field {key!r} must be a list of strings; fix it")
    return StreamInfo(
        name=name,
        title=data["title"],
        claimant=data["claimant"],
        claimant_side=data["claimant_side"],
        subject_sides=tuple(data["subject_sides"]),
        metrics=tuple(data["metrics"]),
        start=_parse_date(data["start"], f"{path}: field 'start'"),
        end=_parse_date(data["end"], f"{path}: field 'end'"),
        licence=data["licence"],
        attribution=data["attribution"],
        bias=data["bias"],
        defects=tuple(data["defects"]),
        dated_by=_dated_by(data, path),
    )


def _dated_by(data: dict[str, Any], path: Path) -> str:
    value = data.get("dated_by", "event")
    if value not in DATED_BY:
        raise UserError(f"{path}: field 'dated_by' is {value!r}; give one of {', '.join(DATED_BY)}")
    return str(value)
