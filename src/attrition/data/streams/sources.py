"""Reading each source into series: General Staff, Oryx and the named-dead lists.

Each reader turns a source's own files into series (dates, published and handled values,
flags), handling its documented defects (General Staff corrections and merged categories, Oryx
renames and scrape glitches, lostarmour's undated lump); :mod:`attrition.data.streams.table`
lays them on a daily calendar.
"""

from __future__ import annotations

import csv
import re
import warnings
from datetime import date
from pathlib import Path

from attrition.data.dates import cell_date
from attrition.data.streams.files import (
    _check_order,
    _count,
    _json_rows,
    _read_json,
    _Series,
)
from attrition.errors import DataWarning, UserError

__all__ = ["CORRECTION_DATE_OVERRIDES"]

CORRECTION_DATE_OVERRIDES = {date(2023, 5, 27): date(2023, 5, 28)}
"""General Staff correction entries whose step shows in the published series on another day."""

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


# --- General Staff ----------------------------------------------------------------------------


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
            day = cell_date(row.get("date", ""), f"{where}, field 'date'")
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
        day = cell_date(row.get("date", ""), f"{where}, field 'date'")
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
            day = cell_date(row.get("date_recorded", ""), f"{where}: field 'date_recorded'")
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
            day = cell_date(key, f"{where}, its key")
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
