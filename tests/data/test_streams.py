"""Tests for the external claim streams (General Staff, Oryx, named dead).

Oracles: the published +101,630 General Staff personnel rise (Dec 2022 - Apr 2023), hand
computations from the packaged raw files, and the documented defects of each source.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from attrition.data import streams
from attrition.data.streams import (
    COLUMNS,
    DATA_DIR,
    STREAM_NAMES,
    available_streams,
    load_stream,
    load_streams,
    stream_totals,
)
from attrition.errors import DataWarning, UserError

GS = DATA_DIR / "genstaff"
ORYX_CSV = DATA_DIR / "oryx" / "daily_count.csv"
ND = DATA_DIR / "named_dead"


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return load_streams()


def _row(df: pd.DataFrame, stream: str, series: str, day: str, side: str = "RU") -> pd.Series:
    sel = df[
        (df["stream"] == stream)
        & (df["series"] == series)
        & (df["subject_side"] == side)
        & (df["date"] == pd.Timestamp(day))
    ]
    assert len(sel) == 1, (stream, series, day, side, len(sel))
    return sel.iloc[0]


def _raw_json(path: Path) -> dict[str, dict[str, object]]:
    return {r["date"]: r for r in json.loads(path.read_text(encoding="utf-8"))}


# --- the published oracle --------------------------------------------------------------------


def test_genstaff_personnel_rise_dec2022_to_apr2023_is_101630(df: pd.DataFrame) -> None:
    start, end = date(2022, 12, 1), date(2023, 4, 30)
    by_metric = stream_totals(df, "casualties", start, end, stream="genstaff")
    assert by_metric[("genstaff", "RU")] == 101_630
    assert stream_totals(df, "personnel", start, end)[("genstaff", "RU")] == 101_630
    # Inclusive window = value(end) - value(start - 1 day) = sum of daily over start..end.
    raw = _raw_json(GS / "russia_losses_personnel.json")
    assert raw["2023-04-30"]["personnel"] - raw["2022-11-30"]["personnel"] == 101_630  # type: ignore[operator]
    g = df[(df["series"] == "personnel") & df["date"].between("2022-12-01", "2023-04-30")]
    assert g["daily"].sum() == 101_630
    # value(end) - value(start) would miss 2022-12-01's 560.
    assert raw["2023-04-30"]["personnel"] - raw["2022-12-01"]["personnel"] == 101_070  # type: ignore[operator]


# --- corrections -----------------------------------------------------------------------------


def test_corrections_applied_against_hand_computation(df: pd.DataFrame) -> None:
    eq = _raw_json(GS / "russia_losses_equipment.json")
    # APC on 2022-10-13: published 5181 -> 5167 (-14); the correction file says -25.
    assert (eq["2022-10-12"]["APC"], eq["2022-10-13"]["APC"]) == (5181, 5167)
    apc = _row(df, "genstaff", "APC", "2022-10-13")
    assert (apc["value_raw"], apc["value"], apc["daily"]) == (5167, 5167 + 25, 11)
    assert "corrected" in apc["flag"]
    # Special equipment on 2024-11-30: corrections to date -3 (2024-05-05) and -85.
    se = _row(df, "genstaff", "special equipment", "2024-11-30")
    assert eq["2024-11-30"]["special equipment"] == 3617
    assert se["value"] == 3617 + 3 + 85
    assert se["daily"] == (3617 - 3700) + 85  # published step -83, correction -85: +2 new
    # Personnel on 2025-02-28: +1,650 correction inside a published rise of 2,710.
    per = _row(df, "genstaff", "personnel", "2025-02-28")
    assert (per["value_raw"], per["value"], per["daily"]) == (874_560, 874_560 - 1650, 1060)
    # Values before a series' first correction are exactly as published.
    assert _row(df, "genstaff", "personnel", "2025-02-27")["value"] == 871_850


def test_2023_05_27_correction_applied_one_day_later(df: pd.DataFrame) -> None:
    # aircraft published 310, 310, 313 on 05-26..05-28; the +3 correction is dated 05-27.
    assert _row(df, "genstaff", "aircraft", "2023-05-27")["daily"] == 0
    late = _row(df, "genstaff", "aircraft", "2023-05-28")
    assert (late["value_raw"], late["value"], late["daily"]) == (313, 310, 0)
    assert "corrected" in late["flag"]


def test_total_correction_per_series_matches_json(df: pd.DataFrame) -> None:
    corr = json.loads((GS / "russia_losses_equipment_correction.json").read_text())
    last = df[(df["stream"] == "genstaff") & (df["date"] == df["date"].max())]
    offsets = dict(zip(last["series"], last["value_raw"] - last["value"], strict=True))
    for key in ("APC", "drone", "cruise missiles", "personnel", "special equipment"):
        assert offsets[key] == sum(r.get(key, 0) for r in corr), key


# --- monotonicity ----------------------------------------------------------------------------


def test_genstaff_non_decreasing_after_corrections_but_one_fall(df: pd.DataFrame) -> None:
    g = df[df["stream"] == "genstaff"]
    down = g[g["daily"] < 0]
    falls = {(s, d.date()) for s, d in zip(down["series"], down["date"], strict=True)}
    assert falls == {("field artillery", date(2026, 3, 4))}  # 37,842 -> 37,832, no correction
    raw_falls = (g.groupby("series")["value_raw"].diff() < 0).sum()
    assert raw_falls > 1  # the corrections are what removes the others


def test_named_dead_non_decreasing_and_flags_consistent(df: pd.DataFrame) -> None:
    assert (df.loc[df["stream"] == "named-dead", "daily"].dropna() >= 0).all()
    flagged = df["flag"].str.contains("revised_down")
    assert (flagged == (df["daily"] < 0)).all()


def test_oryx_glitches_replaced(df: pd.DataFrame) -> None:
    o = df[df["flag"].str.contains("scrape_glitch")]
    got = {(r.subject_side, r.series, r.date.date(), r.value, r.value_raw) for r in o.itertuples()}
    assert got == {
        ("RU", "All Types", date(2022, 3, 28), 1924, 1115),
        ("RU", "Armoured Personnel Carriers", date(2023, 11, 10), 369, 146),
        ("UA", "Towed Artillery", date(2024, 1, 9), 178, 94),
        ("UA", "Reconnaissance Unmanned Aerial Vehicles", date(2024, 4, 14), 287, 1950),
    }


# --- Oryx ------------------------------------------------------------------------------------


def test_oryx_summary_rows_dropped(df: pd.DataFrame) -> None:
    with ORYX_CSV.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    summary = [r for r in rows if "of which" in r["equipment_type"]]
    assert len(summary) == 60
    o = df[df["stream"] == "oryx"]
    assert not o["series"].str.contains("of which|Losses ").any()
    # On 2024-08-31 Russia has both an All Types row and a summary row (13,640).
    all_types = [
        r for r in rows if r["date_recorded"] == "2024-08-31" and r["equipment_type"] == "All Types"
    ]
    ru = next(r for r in all_types if r["country"] == "Russia")
    got = _row(df, "oryx", "All Types", "2024-08-31")
    assert got["value_raw"] == int(ru["type_total"]) != 13_640


def test_oryx_hand_values_and_artillery_sum(df: pd.DataFrame) -> None:
    # Russia Tanks 865 on 2022-07-18 after 876 on 2022-07-17: a revision, flagged.
    tanks = _row(df, "oryx", "Tanks", "2022-07-18")
    assert (tanks["value"], tanks["daily"]) == (865, -11)
    assert "revised_down" in tanks["flag"]
    # Artillery = self-propelled + towed, as-of 2022-11-30 and 2023-04-30, by hand from the CSV.
    with ORYX_CSV.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["country"] == "Russia"]

    def asof(kind: str, day: str) -> int:
        pts = [r for r in rows if r["equipment_type"] == kind and r["date_recorded"] <= day]
        return int(max(pts, key=lambda r: r["date_recorded"])["type_total"])

    kinds = ("Self-Propelled Artillery", "Towed Artillery")
    expect = sum(asof(k, "2023-04-30") - asof(k, "2022-11-30") for k in kinds)
    got = stream_totals(df, "artillery_destroyed", date(2022, 12, 1), date(2023, 4, 30), "oryx")
    assert got[("oryx", "RU")] == expect == 152


def test_oryx_uav_split_keeps_sum_consistent(df: pd.DataFrame) -> None:
    # 2022-11-16: the UAV category splits into recon + combat (RU 148 -> 145 + 4,
    # UA 51 -> 34 + 17); combat UAVs count as 0 before they are listed, so the sum stays whole.
    got = stream_totals(df, "uav_destroyed", date(2022, 11, 14), date(2022, 11, 16), "oryx")
    assert got[("oryx", "RU")] == (145 + 4) - 148
    assert got[("oryx", "UA")] == (34 + 17) - 51


# --- named dead ------------------------------------------------------------------------------


def test_lostarmour_lump_flagged_and_excluded_from_daily(df: pd.DataFrame) -> None:
    raw = json.loads((ND / "ukraine_named_dead_missing_daily_lostarmour.json").read_text())
    lump = raw["2022-02-23"]
    for series in ("deaths", "missing"):
        row = _row(df, "named-dead", series, "2022-02-23", side="UA")
        assert row["value"] == lump[series]
        assert math.isnan(row["daily"])
        assert row["flag"] == "undated_lump"
        assert (
            _row(df, "named-dead", series, "2022-02-24", "UA")["daily"] == raw["2022-02-24"][series]
        )
    dated = stream_totals(df, "killed", date(2022, 2, 24), date(2022, 3, 31), "named-dead")
    with_lump = stream_totals(df, "killed", date(2022, 2, 23), date(2022, 3, 31), "named-dead")
    hand = sum(v["deaths"] for k, v in raw.items() if "2022-02-24" <= k <= "2022-03-31")
    assert dated[("named-dead", "UA")] == hand
    assert with_lump[("named-dead", "UA")] == hand + 230
    # Daily rates exclude the lump and nothing else: sums of daily are the dated counts.
    ua = df[
        (df["stream"] == "named-dead") & (df["series"] == "deaths") & (df["subject_side"] == "UA")
    ]
    assert ua["daily"].sum() == sum(v["deaths"] for v in raw.values()) - 230
    mz = json.loads((ND / "russia_named_dead_daily_mediazona.json").read_text())
    ru = df[(df["stream"] == "named-dead") & (df["subject_side"] == "RU")]
    assert ru["daily"].iloc[0] == mz["2022-02-24"]["deaths"] == 124  # known 0 before the war
    assert ru["daily"].sum() == sum(v["deaths"] for v in mz.values()) == ru["value"].iloc[-1]


def test_mediazona_missing_days_filled_with_zero(df: pd.DataFrame) -> None:
    row = _row(df, "named-dead", "deaths", "2022-03-20")
    assert (row["daily"], row["flag"]) == (0, "carried_forward")
    assert row["claimant"] == "Mediazona/BBC News Russian"


# --- table shape, dates, metadata ------------------------------------------------------------


def test_table_shape_and_dates(df: pd.DataFrame) -> None:
    assert tuple(df.columns) == COLUMNS
    assert str(df["date"].dtype) == "datetime64[ns]"
    assert set(df["stream"]) == set(STREAM_NAMES)
    assert (df["scope"] == "all-front").all()
    keys = ["date", "stream", "metric"]
    assert df[keys].equals(df[keys].sort_values(keys, kind="stable").reset_index(drop=True))
    # one row per series per day, no gaps
    per = df.groupby(["stream", "subject_side", "series"])["date"]
    assert (per.count() == (per.max() - per.min()).dt.days + 1).all()
    assert _row(df, "genstaff", "personnel", "2022-02-25")["value"] == 2800


def test_metadata_matches_data(df: pd.DataFrame) -> None:
    infos = available_streams()
    assert [i.name for i in infos] == list(STREAM_NAMES)
    for info in infos:
        part = df[df["stream"] == info.name]
        assert info.start == part["date"].min().date(), info.name
        assert info.end == part["date"].max().date(), info.name
        assert set(info.metrics) == set(part["metric"]), info.name
        assert set(info.subject_sides) == set(part["subject_side"]), info.name
        assert info.bias
        assert info.defects
        assert info.licence
        assert info.attribution
    gs = infos[0]
    assert (gs.claimant, gs.claimant_side, gs.subject_sides) == (
        "Ukrainian General Staff",
        "UA",
        ("RU",),
    )


def test_packaged_files_match_metadata_hashes() -> None:
    for folder in ("genstaff", "oryx", "named_dead"):
        meta = json.loads((DATA_DIR / folder / "metadata.json").read_text(encoding="utf-8"))
        assert "LICENSE" in meta["files"]
        for name, digest in meta["files"].items():
            assert hashlib.sha256((DATA_DIR / folder / name).read_bytes()).hexdigest() == digest


# --- errors ----------------------------------------------------------------------------------


def test_unknown_stream_lists_valid_names() -> None:
    with pytest.raises(
        UserError, match="unknown stream 'acled'; valid: genstaff, named-dead, oryx"
    ):
        load_stream("acled")
    with pytest.raises(UserError, match="valid: genstaff, named-dead, oryx"):
        load_streams(["oryx", "acled"])


def test_stream_totals_errors(df: pd.DataFrame) -> None:
    with pytest.raises(UserError, match="mixes unrelated series"):
        stream_totals(df, "other", date(2023, 1, 1), date(2023, 2, 1))
    with pytest.raises(UserError, match="unknown metric or series 'tanks'"):
        stream_totals(df, "tanks", date(2023, 1, 1), date(2023, 2, 1))
    with pytest.raises(UserError, match="before start"):
        stream_totals(df, "killed", date(2023, 2, 1), date(2023, 1, 1))
    # before a stream's first day: unknown (GS starts 2022-02-25 with two days' losses)
    assert math.isnan(stream_totals(df, "casualties", date(2022, 2, 25), date(2022, 3, 1)).iloc[0])
    assert stream_totals(df, "casualties", date(2022, 2, 24), date(2022, 3, 1)).iloc[0] == 5710


def _copy(tmp_path: Path, folder: str) -> Path:
    shutil.copytree(DATA_DIR / folder, tmp_path / folder)
    return tmp_path / folder


def test_malformed_genstaff_row_names_file_and_row(tmp_path: Path) -> None:
    path = _copy(tmp_path, "genstaff") / "russia_losses_personnel.json"
    rows = json.loads(path.read_text())
    rows[299]["personnel"] = "12k"
    path.write_text(json.dumps(rows))
    with pytest.raises(
        UserError, match=r"russia_losses_personnel\.json: row 300 \(date 2022-12-21\)"
    ):
        load_stream("genstaff", data_dir=tmp_path)


def test_malformed_json_syntax_names_line(tmp_path: Path) -> None:
    path = _copy(tmp_path, "genstaff") / "russia_losses_equipment_correction.json"
    path.write_text(path.read_text()[:-30])
    with pytest.raises(UserError, match=r"correction\.json: not valid JSON at line \d+"):
        load_stream("genstaff", data_dir=tmp_path)


def test_malformed_oryx_line_names_file_and_line(tmp_path: Path) -> None:
    path = _copy(tmp_path, "oryx") / "daily_count.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    fields = lines[9].split(",")
    fields[6] = "n/a"  # type_total
    lines[9] = ",".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(UserError, match=r"daily_count\.csv: line 10: field 'type_total' is 'n/a'"):
        load_stream("oryx", data_dir=tmp_path)


def test_malformed_named_dead_date_names_entry(tmp_path: Path) -> None:
    path = _copy(tmp_path, "named_dead") / "russia_named_dead_daily_mediazona.json"
    text = path.read_text().replace('"2022-02-26"', '"2022-02-30"', 1)
    path.write_text(text)
    with pytest.raises(
        UserError,
        match=r"mediazona\.json: entry 3, its key: expected a date YYYY-MM-DD, got '2022-02-30'; "
        r"fix the date$",
    ):
        load_stream("named-dead", data_dir=tmp_path)


def test_malformed_genstaff_date_names_row_and_field(tmp_path: Path) -> None:
    path = _copy(tmp_path, "genstaff") / "russia_losses_personnel.json"
    rows = json.loads(path.read_text())
    rows[4]["date"] = "2022-3-1"  # fromisoformat would not take it either; the rule is one
    path.write_text(json.dumps(rows))
    with pytest.raises(UserError) as info:
        load_stream("genstaff", data_dir=tmp_path)
    assert str(info.value) == (
        f"{path}: row 5, field 'date': expected a date YYYY-MM-DD, got '2022-3-1'; fix the date"
    )


def test_compact_oryx_date_is_refused_with_line_and_field(tmp_path: Path) -> None:
    path = _copy(tmp_path, "oryx") / "daily_count.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    column = lines[0].split(",").index("date_recorded")
    fields = lines[9].split(",")
    fields[column] = "20230101"  # datetime.date.fromisoformat accepts this; dates.py does not
    lines[9] = ",".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(
        UserError,
        match=r"daily_count\.csv: line 10: field 'date_recorded': expected a date YYYY-MM-DD, "
        r"got '20230101'; fix the date$",
    ):
        load_stream("oryx", data_dir=tmp_path)


def test_metadata_date_names_the_field(tmp_path: Path) -> None:
    for folder in ("genstaff", "oryx", "named_dead"):
        _copy(tmp_path, folder)
    path = tmp_path / "oryx" / "metadata.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["start"] = "24 Feb 2022"
    path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(UserError) as info:
        streams.stream_info("oryx", data_dir=tmp_path)
    assert str(info.value) == (
        f"{path}: field 'start': expected a date YYYY-MM-DD, got '24 Feb 2022'; fix the date"
    )


def test_stream_totals_reads_text_dates_and_names_a_bad_one(df: pd.DataFrame) -> None:
    by_text = stream_totals(df, "casualties", "2022-02-24", "2022-03-01")
    assert by_text.iloc[0] == 5710
    with pytest.raises(
        UserError, match=r"^stream_totals: end = '2022-03' is not a date; write it as YYYY-MM-DD$"
    ):
        stream_totals(df, "casualties", "2022-02-24", "2022-03")
    with pytest.raises(UserError, match="give both start and end"):
        stream_totals(df, "casualties", None, date(2022, 3, 1))  # type: ignore[arg-type]


def test_unknown_oryx_category_warns_and_loads_as_other(tmp_path: Path) -> None:
    path = _copy(tmp_path, "oryx") / "daily_count.csv"
    extra = "Russia,Space Lasers,1,0,0,0,1,2023-01-01" + ",0" * 10 + "\n"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    with pytest.warns(DataWarning, match="unknown Oryx categories Space Lasers"):
        got = load_stream("oryx", data_dir=tmp_path)
    row = _row(got, "oryx", "Space Lasers", "2023-01-01")
    assert (row["metric"], row["value"], row["daily"]) == ("other", 1, 1)


def test_empty_selection_keeps_columns() -> None:
    empty = load_streams([])
    assert tuple(empty.columns) == COLUMNS
    assert len(empty) == 0


def test_module_import_is_light() -> None:
    assert "pandas" not in vars(streams)
