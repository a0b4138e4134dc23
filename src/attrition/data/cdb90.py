"""CDB90: the US Army Concepts Analysis Agency database of 660 battles, 1600-1973.

Built from the patched wide file of Jeffrey B. Arnold's tidy CDB90 (ODC-BY 1.0; originals by
HERO/CAA, public domain), with the durations from its ``active_periods.csv``. Known defects
of the tidy files and how :func:`load_cdb90` handles them:

- ``battles.csv`` lost every negative code (all 217 "attacker lost" outcomes, every retreat in
  ``kmda``, every negative advantage score read blank, like missing): every coded field here
  comes from ``CDB90-patched_wide.csv``, where missing is -1 (counts, widths), -9 (scores,
  ``wina``), 9 (``surpa``, ``aeroa``), 0 (``crit``, ``acha``, ``achd``, strength codes),
  -9999 (``kmda``) and 9999/99 (dates); all of these become NaN.
- ``battle_durations.csv`` durations are wrong in most rows: durations are recomputed from the
  active periods (see :func:`cdb90_duration_check`).
- Two active periods start at hour 2400 of the day before and lost their start in
  ``active_periods.csv`` (battles 429 and 435): the start is rebuilt from the wide file.
- Upstream patches that did not apply: corrections written as ``insta``/``instd``/``campagn``
  landed in new columns (INSTA, INSTD, CAMPAGN) instead of INTSTA, INTSTD, CAMPGN, and are
  applied here; the entry keyed ``isnqo`` (battle 496, initial strengths 56,000 / 129,000) was
  skipped upstream and is applied here; two overlapping war patches relabelled battles 512-516
  (East Prussia ... Mutankiang, Soviet operations) "WORLD WAR II (OKINAWA)": they are restored
  to "WORLD WAR II (EASTERN FRONT)", the first patch's value.
- Strengths in ``belligerents.csv`` are text: that file is not used; the wide file's numbers are.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from attrition.data.tables import (
    PathLike,
    dataset_dir,
    read_csv_text,
    row_ref,
    to_numbers,
)
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["cdb90_daily_rates", "cdb90_duration_check", "load_cdb90"]

WIDE_FILE = "CDB90-patched_wide.csv"
PERIODS_FILE = "active_periods.csv"
BATTLES_FILE = "battles.csv"
ACTORS_FILE = "battle_actors.csv"
DURATIONS_FILE = "battle_durations.csv"

#: (output column, wide-file column) for counts and widths of front; -1 means missing.
_COUNTS: tuple[tuple[str, str], ...] = tuple(
    (f"{p}_{name}", f"{code}{s}{'1' if code == 'WOF' else ''}")
    for p, s in (("att", "A"), ("def", "D"))
    for name, code in (
        ("strength", "STR"),
        ("initial_strength", "INTST"),
        ("reinforcements", "RERP"),
        ("casualties", "CAS"),
        ("final_strength", "FINST"),
        ("cavalry", "CAV"),
        ("tanks", "TANK"),
        ("light_tanks", "LT"),
        ("main_battle_tanks", "MBT"),
        ("artillery", "ARTY"),
        ("air_sorties", "FLY"),
        ("tank_losses", "CTANK"),
        ("artillery_losses", "CARTY"),
        ("aircraft_losses", "CFLY"),
        ("front_km", "WOF"),
    )
)
#: Strength/casualty error bands in percent (codebook note 11: zero generally means unknown;
#: kept as given).
_ERRORS: tuple[tuple[str, str], ...] = tuple(
    (f"{p}_{what}_err_{sign}", f"{code}{s}{suffix}")
    for p, s in (("att", "A"), ("def", "D"))
    for what, code in (("strength", "STR"), ("casualties", "CAS"))
    for sign, suffix in (("plus", "PL"), ("minus", "MI"))
)
_SCORES = (
    *("CEA", "LEADA", "TRNGA", "MORALA", "LOGSA", "MOMNTA", "INTELA", "TECHA", "INITA"),
    *("QUALA", "RESA", "MOBILA", "AIRA", "FPREPA", "WXA", "TERRA", "LEADAA", "PLANA"),
    *("SURPAA", "MANA", "LOGSAA", "FORTSA", "DEEPA"),
)
#: Coded numeric fields: wide column -> (valid codes or None for any, missing codes).
_CODED: dict[str, tuple[frozenset[float] | None, frozenset[float]]] = {
    "WINA": (frozenset({-1.0, 0.0, 1.0}), frozenset({-9.0})),
    "CRIT": (frozenset({1.0, 2.0}), frozenset({0.0})),
    "KMDA": (None, frozenset({-9999.0})),
    "ACHA": (frozenset(float(i) for i in range(1, 11)), frozenset({0.0})),
    "ACHD": (frozenset(float(i) for i in range(1, 11)), frozenset({0.0})),
    "POSTYPE": (frozenset({0.0, 1.0, 2.0, 9.0}), frozenset()),
    "SURPA": (frozenset(float(i) for i in range(-3, 4)), frozenset({9.0})),
    "AEROA": (frozenset({-1.0, 0.0, 1.0}), frozenset({9.0})),
    "CODEA": (frozenset({1.0, 2.0, 3.0}), frozenset({0.0})),
    "CODED": (frozenset({1.0, 2.0, 3.0}), frozenset({0.0})),
    **{c: (frozenset(float(i) for i in range(-4, 5)), frozenset({-9.0})) for c in _SCORES},
}
#: Letter codes kept as text; all-zero codes ("OO", "00", "000", "00000") become missing.
_TEXT_CODES = (
    *("POST1", "POST2", "TERRA1", "TERRA2", "WX1", "WX2", "WX3"),
    *("PRIA1", "PRIA2", "PRIA3", "RESOA1", "RESOA2", "RESOA3"),
    *("PRID1", "PRID2", "PRID3", "RESOD1", "RESOD2", "RESOD3"),
)

#: Patches skipped upstream (``isnqo`` typo in patch_corrections.yaml), as output columns.
_SKIPPED_PATCHES: dict[int, dict[str, float]] = {
    496: {"att_initial_strength": 56000.0, "def_initial_strength": 129000.0},
}
_EASTERN_FRONT = "WORLD WAR II (EASTERN FRONT)"
_WAR_FIX_ISQNOS = range(512, 517)


def load_cdb90(*, data_dir: PathLike | None = None) -> pd.DataFrame:
    """One row per CDB90 battle (660), missing values as NaN.

    Identity: ``isqno``, ``name``, ``war``, ``war_detail`` (HERO war name), ``theater``,
    ``campaign``, ``location``, ``parent`` (isqno of the battle this one subdivides, e.g. the
    Somme phases under FIRST SOMME; NaN for top-level battles), ``attacker``/``defender``
    (force designations), ``attacker_actors``/``defender_actors`` (states, " & "-joined).

    Time (from ``active_periods.csv``): ``year``, ``start_date``, ``end_date`` (first and last
    day of active combat), ``calendar_days`` (end - start + 1), ``duration_days`` (distinct
    calendar days with active combat: the duration used for daily rates), ``active_hours``
    (summed active-period lengths, midpoint of their min/max when times are uncertain),
    ``n_active_periods``.

    Forces (float64): ``att_``/``def_`` + ``strength`` (total personnel strength, interpreted by
    ``strength_code``: 1 initial, 2 average daily, 3 total engaged), ``initial_strength``,
    ``reinforcements``, ``casualties``, ``final_strength``, ``cavalry``, ``tanks``,
    ``light_tanks``, ``main_battle_tanks``, ``artillery``, ``air_sorties``, ``tank_losses``,
    ``artillery_losses``, ``aircraft_losses``, ``front_km`` (width of front at the start),
    ``strength_err_plus``/``minus`` and ``casualties_err_plus``/``minus`` (percent).

    Codes (codebook names in lower case, see ``CDB90DEF_codebook.csv``): ``wina`` (attacker
    won 1, draw 0, lost -1), ``crit``, ``kmda`` (km advanced, negative = retreat), ``acha``,
    ``achd``, ``postype``, ``surpa``, ``aeroa``, the advantage scores ``cea`` ... ``inita``
    and influence scores ``quala`` ... ``deepa`` (-4..4), and letter codes ``post1``,
    ``post2``, ``terra1``, ``terra2``, ``wx1``-``wx3``, ``pria1``-``3``, ``resoa1``-``3``,
    ``prid1``-``3``, ``resod1``-``3``.
    """
    folder = dataset_dir("cdb90", data_dir)
    stamps = []
    for name in (WIDE_FILE, PERIODS_FILE, BATTLES_FILE, ACTORS_FILE):
        try:
            stat = (folder / name).stat()
            stamps.append((name, stat.st_mtime_ns, stat.st_size))
        except OSError:
            stamps.append((name, -1, -1))
    return _load_cached(str(folder.resolve()), tuple(stamps)).copy()


@functools.lru_cache(maxsize=4)
def _load_cached(folder_name: str, stamps: tuple[tuple[str, int, int], ...]) -> pd.DataFrame:
    """Build the battle table; cached on the folder and its files' mtimes and sizes."""
    import numpy as np
    import pandas as pd

    folder = Path(folder_name)
    wide_path = folder / WIDE_FILE
    numeric = [c for _, c in _COUNTS + _ERRORS] + list(_CODED) + ["ISQNO"]
    text = ["NAME", "WAR", "CAMPGN", "CAMPAGN", "LOCN", "NAMA", "NAMD", "INSTA", "INSTD"]
    wide = read_csv_text(wide_path, [*numeric, *text, *_TEXT_CODES])
    if wide.empty:
        raise UserError(f"{wide_path}: no data rows; restore the packaged file")
    to_numbers(wide, wide_path, ["ISQNO"], integer=True)
    to_numbers(wide, wide_path, [c for _, c in _COUNTS if not c.startswith("WOF")], integer=True)
    to_numbers(wide, wide_path, ["WOFA1", "WOFD1", "KMDA"])
    to_numbers(wide, wide_path, [c for _, c in _ERRORS], integer=True, allow_empty=True)
    to_numbers(wide, wide_path, [c for c in _CODED if c != "KMDA"], integer=True)
    to_numbers(wide, wide_path, ["INSTA", "INSTD"], integer=True, allow_empty=True)
    _check_unique(wide["ISQNO"], wide_path, "ISQNO")

    out = pd.DataFrame({"isqno": wide["ISQNO"].astype("int64")})
    out["name"] = wide["NAME"].str.strip()
    out["war"] = wide["WAR"].str.strip()
    out.loc[out["isqno"].isin(_WAR_FIX_ISQNOS), "war"] = _EASTERN_FRONT
    campaign = wide["CAMPAGN"].str.strip()
    out["campaign"] = campaign.where(campaign != "", wide["CAMPGN"].str.strip())
    out["location"] = wide["LOCN"].str.strip()
    out["attacker"] = wide["NAMA"].str.strip()
    out["defender"] = wide["NAMD"].str.strip()

    battles = _read_battles(folder)
    out = out.merge(battles, on="isqno", how="left", validate="one_to_one")
    out = out.merge(_read_actors(folder), on="isqno", how="left", validate="one_to_one")
    out = out.merge(_durations(folder, wide), on="isqno", how="left", validate="one_to_one")

    for col, code in _COUNTS:
        values = wide[code]
        bad = (values < 0) & (values != -1)
        if bool(bad.any()):
            i = int(bad.to_numpy().argmax())
            raise UserError(
                f"{row_ref(wide_path, i, code)}: counts are >= 0 or -1 "
                f"(missing), got {values.iloc[i]:g}; restore the packaged file"
            )
        out[col] = values.where(values != -1, np.nan).to_numpy()
    # Upstream patches written to INSTA/INSTD instead of INTSTA/INTSTD.
    for side, col in (("att", "INSTA"), ("def", "INSTD")):
        patched = wide[col]
        target = f"{side}_initial_strength"
        out[target] = np.where(patched.notna(), patched, out[target])
    for isqno, fixes in _SKIPPED_PATCHES.items():
        for col, value in fixes.items():
            out.loc[out["isqno"] == isqno, col] = value
    for col, code in _ERRORS:
        out[col] = wide[code].to_numpy()

    for code, (valid, missing) in _CODED.items():
        values = wide[code]
        ok = values.isin(list(missing)) | (values.isin(list(valid)) if valid else True)
        if not bool(np.all(ok)):
            i = int((~np.asarray(ok)).argmax())
            choices = ", ".join(f"{v:g}" for v in sorted(valid or ()))
            raise UserError(
                f"{row_ref(wide_path, i, code)}: invalid code {values.iloc[i]:g} "
                f"(valid: {choices}; missing: {', '.join(f'{m:g}' for m in sorted(missing))}); "
                "restore the packaged file"
            )
        name = code.lower()
        if code in ("CODEA", "CODED"):
            name = ("att_" if code == "CODEA" else "def_") + "strength_code"
        out[name] = values.where(~values.isin(list(missing)), np.nan).to_numpy()
    for code in _TEXT_CODES:
        values = wide[code].str.strip()
        blank = values.str.fullmatch(r"[0O]*")
        out[code.lower()] = values.where(~blank, None).to_numpy()
    return out


def _check_unique(values: pd.Series, path: Path, column: str) -> None:
    dup = values.duplicated()
    if bool(dup.any()):
        i = int(dup.to_numpy().argmax())
        raise UserError(
            f"{row_ref(path, i, column)}: duplicate battle number {values.iloc[i]:g}; "
            "restore the packaged file"
        )


def _read_battles(folder: Path) -> pd.DataFrame:
    """``parent``, ``war_detail`` (HERO war name) and ``theater`` from the tidy battles.csv."""
    import pandas as pd

    path = folder / BATTLES_FILE
    raw = read_csv_text(path, ["isqno", "parent", "war2", "war4_theater"])
    to_numbers(raw, path, ["isqno"], integer=True)
    to_numbers(raw, path, ["parent"], integer=True, allow_empty=True)
    _check_unique(raw["isqno"], path, "isqno")
    return pd.DataFrame(
        {
            "isqno": raw["isqno"].astype("int64"),
            "war_detail": raw["war2"].str.strip().replace("", None),
            "theater": raw["war4_theater"].str.strip().replace("", None),
            "parent": raw["parent"],
        }
    )


def _read_actors(folder: Path) -> pd.DataFrame:
    """``attacker_actors`` and ``defender_actors``: the states on each side, " & "-joined."""
    path = folder / ACTORS_FILE
    raw = read_csv_text(path, ["isqno", "attacker", "n", "actor"])
    to_numbers(raw, path, ["isqno", "attacker", "n"], integer=True)
    raw = raw.sort_values(["isqno", "attacker", "n"])
    joined = raw.groupby(["isqno", "attacker"])["actor"].agg(" & ".join).unstack("attacker")
    joined = joined.rename(columns={1.0: "attacker_actors", 0.0: "defender_actors"})
    joined.index = joined.index.astype("int64")
    return joined.reset_index()[["isqno", "attacker_actors", "defender_actors"]]


def _read_periods(folder: Path, wide: pd.DataFrame) -> pd.DataFrame:
    """Active periods with parsed times; starts lost to hour 2400 rebuilt from the wide file."""
    import numpy as np
    import pandas as pd

    path = folder / PERIODS_FILE
    times = ["start_time_min", "start_time_max", "end_time_min", "end_time_max"]
    raw = read_csv_text(path, ["isqno", "atp_number", *times, "duration_min", "duration_max"])
    to_numbers(raw, path, ["isqno", "atp_number"], integer=True)
    to_numbers(raw, path, ["duration_min", "duration_max"], allow_empty=True)
    for col in times:
        text = raw[col].str.strip()
        for i, cell in enumerate(text):
            if cell or col.startswith("end"):  # a start may be blank (rebuilt below)
                _check_date_time(cell, row_ref(path, i, col))
        raw[col] = pd.to_datetime(text, format=_DATE_TIME_FORMAT, errors="coerce")  # checked
    by_isqno = wide.set_index("ISQNO")
    for i in np.flatnonzero(raw["start_time_min"].isna().to_numpy()).tolist():
        isqno, n = int(raw["isqno"].iloc[i]), int(raw["atp_number"].iloc[i])
        start = _wide_time(by_isqno, isqno, f"ATPB{{}}{n}")
        if start is None:
            continue  # start unknown: the period counts from its end day only
        raw.loc[raw.index[i], ["start_time_min", "start_time_max"]] = start
        for col, end in (("duration_min", "end_time_min"), ("duration_max", "end_time_max")):
            minutes = (raw[end].iloc[i] - start).total_seconds() / 60
            raw.loc[raw.index[i], col] = minutes
    return raw


_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})")
_DATE_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def _check_date_time(text: str, where: str) -> None:
    """Refuse a cell that is not ``YYYY-MM-DDTHH:MM:SS``, its date read by
    :func:`attrition.data.dates.iso_date` (one line naming ``where`` and the fix)."""
    import datetime as dt

    from attrition.data.dates import iso_date

    match = _DATE_TIME.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        hour, minute, second = (int(match.group(k)) for k in (2, 3, 4))
        dt.datetime.combine(iso_date(match.group(1)), dt.time(hour, minute, second))
    except ValueError:
        raise UserError(
            f"{where}: expected an ISO date-time YYYY-MM-DDTHH:MM:SS, got {text!r}; "
            "restore the packaged file"
        ) from None


def _wide_time(wide: pd.DataFrame, isqno: int, pattern: str) -> pd.Timestamp | None:
    """Time from the wide file's YR/MN/DA/HR fields; hour 2400 is 00:00 of the next day."""
    import pandas as pd

    if float(isqno) not in wide.index:
        return None
    fields = [pattern.format(part) for part in ("YR", "MN", "DA", "HR")]
    try:
        year, month, day, hour = (int(str(wide.at[float(isqno), f]).strip()) for f in fields)
    except (KeyError, ValueError):
        return None
    if year == 9999 or month == 99 or day == 99 or hour >= 2500:
        return None
    stamp = pd.Timestamp(year=year, month=month, day=day)
    return stamp + pd.Timedelta(hours=hour // 100, minutes=hour % 100)


def _durations(folder: Path, wide: pd.DataFrame) -> pd.DataFrame:
    """Per-battle dates and durations from the active periods."""
    import numpy as np
    import pandas as pd

    periods = _read_periods(folder, wide)
    start_day = periods["start_time_min"].fillna(periods["end_time_min"]).dt.normalize()
    end_day = periods["end_time_min"].dt.normalize()
    if bool((end_day < start_day).any()):
        i = int((end_day < start_day).to_numpy().argmax())
        raise UserError(
            f"{row_ref(folder / PERIODS_FILE, i, 'end_time_min')}: period ends before it "
            "starts; restore the packaged file"
        )
    first_days = start_day.to_numpy().astype("datetime64[D]").astype(np.int64)
    last_days = end_day.to_numpy().astype("datetime64[D]").astype(np.int64)
    days: dict[int, set[int]] = {}
    for isqno, first, last in zip(periods["isqno"], first_days, last_days, strict=True):
        days.setdefault(int(isqno), set()).update(range(int(first), int(last) + 1))
    minutes = (periods["duration_min"] + periods["duration_max"]) / 2
    grouped = periods.assign(start_day=start_day, end_day=end_day, minutes=minutes).groupby("isqno")
    out = pd.DataFrame(
        {
            "start_date": grouped["start_day"].min(),
            "end_date": grouped["end_day"].max(),
            "n_active_periods": grouped.size().astype("int64"),
            "active_hours": grouped["minutes"].sum(min_count=1) / 60,
        }
    )
    out.index = out.index.astype("int64")
    out["duration_days"] = [float(len(days[int(i)])) for i in out.index]
    out["calendar_days"] = ((out["end_date"] - out["start_date"]).dt.days + 1).astype("float64")
    out["year"] = out["start_date"].dt.year.astype("int64")
    order = ["year", "start_date", "end_date", "calendar_days", "duration_days", "active_hours"]
    return out[[*order, "n_active_periods"]].rename_axis("isqno").reset_index()


def cdb90_duration_check(*, data_dir: PathLike | None = None) -> pd.DataFrame:
    """Compare the tidy ``battle_durations.csv`` with durations rebuilt from active periods.

    One row per battle: ``isqno``, ``duration_days`` and ``active_days`` (= ``active_hours``
    / 24) from :func:`load_cdb90`, ``span_days`` (last active end - first active start, in
    days), the file's ``duration1`` (documented as datetime_max - datetime_min) and
    ``duration2`` (documented as the sum of active periods), and ``differs``: True where
    ``duration2`` is more than one minute away from ``active_days``, or missing.
    """
    import numpy as np
    import pandas as pd

    folder = dataset_dir("cdb90", data_dir)
    battles = load_cdb90(data_dir=data_dir)
    path = folder / DURATIONS_FILE
    raw = read_csv_text(path, ["isqno", "duration1", "duration2"])
    to_numbers(raw, path, ["isqno"], integer=True)
    to_numbers(raw, path, ["duration1", "duration2"], allow_empty=True)
    periods = _read_periods(folder, _wide_for_periods(folder))
    span = periods.groupby("isqno").agg(
        first=("start_time_min", "min"), last=("end_time_max", "max")
    )
    span_days = (span["last"] - span["first"]).dt.total_seconds() / 86400
    span_days.index = span_days.index.astype("int64")
    out = pd.DataFrame(
        {
            "isqno": battles["isqno"],
            "duration_days": battles["duration_days"],
            "active_days": battles["active_hours"] / 24,
        }
    )
    out["span_days"] = out["isqno"].map(span_days)
    raw["isqno"] = raw["isqno"].astype("int64")
    out = out.merge(
        raw[["isqno", "duration1", "duration2"]], on="isqno", how="left", validate="one_to_one"
    )
    gap = (out["duration2"] - out["active_days"]).abs()
    out["differs"] = ~(gap <= 1 / 1440) | out["duration2"].isna()
    out["differs"] = out["differs"].astype(bool)
    return out.astype({"isqno": np.int64})


def _wide_for_periods(folder: Path) -> pd.DataFrame:
    path = folder / WIDE_FILE
    wide = read_csv_text(path, ["ISQNO"])
    return to_numbers(wide, path, ["ISQNO"], integer=True)


def cdb90_daily_rates(names: Sequence[str], *, data_dir: PathLike | None = None) -> pd.DataFrame:
    """Daily casualty rates of the CDB90 battles named in ``names``.

    For each side: rate = casualties / strength / duration_days * 1000, i.e. casualties per
    1,000 troops per day of active combat, where strength is CDB90's total personnel strength
    (``strength_code`` says whether that is the initial, average daily or total engaged
    strength) and ``duration_days`` counts the calendar days with active combat. NaN where an
    input is missing. Names match case-insensitively and whole (``"shiloh"``, ``"ypres iii"``);
    a name that matches nothing raises :class:`UserError` suggesting close names. Every battle
    bearing a name is returned (some names occur twice, e.g. LUETZEN 1632 and 1813).

    Columns: ``isqno, name, war, start_date, end_date, duration_days``, then per side
    (``att``, ``def``): ``_strength``, ``_strength_code``, ``_casualties``,
    ``_rate_per_1000_per_day``.
    """
    battles = load_cdb90(data_dir=data_dir)
    if isinstance(names, str):
        names = [names]
    keys = battles["name"].str.casefold()
    wanted: list[int] = []
    for name in names:
        hits = battles.index[keys == str(name).strip().casefold()]
        if len(hits) == 0:
            close = difflib.get_close_matches(str(name).upper(), battles["name"].tolist(), n=5)
            hint = f"; close: {', '.join(close)}" if close else ""
            raise UserError(f"CDB90 has no battle named {name!r}{hint}")
        wanted.extend(int(i) for i in hits if int(i) not in wanted)
    rows = battles.loc[wanted]
    cols = ["isqno", "name", "war", "start_date", "end_date", "duration_days"]
    out = rows[cols].copy()
    for side in ("att", "def"):
        out[f"{side}_strength"] = rows[f"{side}_strength"]
        out[f"{side}_strength_code"] = rows[f"{side}_strength_code"]
        out[f"{side}_casualties"] = rows[f"{side}_casualties"]
        out[f"{side}_rate_per_1000_per_day"] = (
            rows[f"{side}_casualties"] / rows[f"{side}_strength"] / rows["duration_days"] * 1000
        )
    return out.reset_index(drop=True)
