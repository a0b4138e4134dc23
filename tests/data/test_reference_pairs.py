"""The packaged claim-vs-record pairs: they load, meet the counts, reject bad rows, summarise,
and say when each record was published (``record_published``)."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from attrition.data.reference import (
    COLUMNS,
    METRICS,
    REFERENCE_FILE,
    RELATIONS,
    load_reference_pairs,
    summary,
)
from attrition.errors import UserError


def _row(**over: str) -> dict[str, str]:
    base = {
        "id": "t-1",
        "conflict": "Test war",
        "event": "Test battle",
        "period_start": "1940-01-01",
        "period_end": "1940-01-02",
        "claimant": "Side A",
        "claimant_side": "A",
        "subject_side": "B",
        "relation": "enemy",
        "metric": "killed",
        "claimed_value": "200",
        "claimed_low": "",
        "claimed_high": "",
        "claim_date": "1940-01-03",
        "record_value": "100",
        "record_low": "",
        "record_high": "",
        "record_kind": "count",
        "record_source": "archive",
        "claim_citation": "Paper, p. 1",
        "record_citation": "Book, p. 2",
        "record_published": "1950",
        "quote": "we killed 200",
        "notes": "",
    }
    base.update(over)
    return base


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_packaged_file_loads_with_types() -> None:
    pairs = load_reference_pairs()
    assert REFERENCE_FILE.is_file()
    assert pairs["claimed_value"].dtype == "float64"
    assert pairs["record_value"].dtype == "float64"
    assert str(pairs["period_start"].dtype).startswith("datetime64")
    assert set(pairs["relation"].cat.categories) == set(RELATIONS)
    assert set(pairs["metric"].astype(str)) <= set(METRICS)
    assert (pairs["claimed_value"] > 0).all()
    assert (pairs["record_value"] > 0).all()
    assert pairs["id"].is_unique
    assert (pairs["quote"].str.len() < 200).all()
    assert (pairs["claim_citation"].str.len() > 0).all()
    assert (pairs["record_citation"].str.len() > 0).all()
    ratio = pairs["claimed_value"] / pairs["record_value"]
    assert list(pairs["ratio"]) == pytest.approx(list(ratio))


def test_packaged_counts() -> None:
    pairs = load_reference_pairs()
    assert len(pairs) >= 25
    assert pairs["conflict"].nunique() >= 5
    assert set(pairs["relation"].astype(str)) == set(RELATIONS)
    assert set(pairs["metric_family"]) == {"personnel", "materiel"}


@pytest.mark.parametrize(
    ("override", "column", "fragment"),
    [
        ({"claim_citation": ""}, "claim_citation", "needs a citation"),
        ({"record_citation": "  "}, "record_citation", "needs a citation"),
        ({"relation": "ally"}, "relation", "unknown relation 'ally'"),
        ({"metric": "horses"}, "metric", "unknown metric 'horses'"),
        ({"claimed_value": "0"}, "claimed_value", "must be positive"),
        ({"record_value": "-3"}, "record_value", "must be positive"),
        ({"record_low": "120", "record_high": "90"}, "record_low", "is above record_high"),
        ({"claimed_low": "300", "claimed_high": "250"}, "claimed_low", "is above claimed_high"),
        ({"period_start": "1940-1-1"}, "period_start", "expected a date YYYY-MM-DD"),
        ({"record_published": ""}, "record_published", "is blank; give the publication date"),
        ({"record_published": "1950/03/01"}, "record_published", "a year YYYY or 'unknown'"),
        ({"record_published": "1950-02-30"}, "record_published", "got '1950-02-30'; fix"),
        ({"record_published": "Unknown"}, "record_published", "got 'Unknown'"),
        ({"record_published": "1939"}, "record_published", "is before claim_date 1940-01-03"),
    ],
)
def test_bad_rows_give_one_line_naming_file_line_and_field(
    tmp_path: Path, override: dict[str, str], column: str, fragment: str
) -> None:
    path = _write(tmp_path / "pairs.csv", [_row(id="ok-1"), _row(id="bad-2", **override)])
    with pytest.raises(UserError) as info:
        load_reference_pairs(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert "row 2 (line 3)" in message
    assert f"column {column!r}" in message
    assert fragment in message


def test_value_outside_its_range_and_duplicate_id(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", [_row(record_low="110", record_high="130")])
    with pytest.raises(UserError, match=r"line 2\), column 'record_value'.*outside"):
        load_reference_pairs(path)
    path = _write(tmp_path / "b.csv", [_row(), _row()])
    with pytest.raises(UserError, match=r"line 3\), column 'id'.*duplicate id"):
        load_reference_pairs(path)


def test_summary_matches_hand_computation(tmp_path: Path) -> None:
    rows = [
        _row(id="a", claimed_value="300", record_value="100"),  # enemy personnel: log 3
        _row(id="b", claimed_value="150", record_value="100"),  # enemy personnel: log 1.5
        _row(id="c", relation="own", metric="aircraft", claimed_value="50", record_value="100"),
    ]
    table = summary(load_reference_pairs(_write(tmp_path / "three.csv", rows)))
    assert list(zip(table["relation"], table["metric_family"], strict=True)) == [
        ("enemy", "personnel"),
        ("own", "materiel"),
    ]
    enemy = table.iloc[0]
    logs = [math.log(3.0), math.log(1.5)]
    mean = sum(logs) / 2
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / 1)
    assert enemy["n"] == 2
    assert enemy["mean_log_ratio"] == pytest.approx(mean)
    assert enemy["sd_log_ratio"] == pytest.approx(sd)
    own = table.iloc[1]
    assert own["n"] == 1
    assert own["mean_log_ratio"] == pytest.approx(math.log(0.5))
    assert math.isnan(own["sd_log_ratio"])


def test_record_published_reads_a_date_a_year_as_31_december_and_unknown_as_nat(
    tmp_path: Path,
) -> None:
    rows = [
        _row(id="a", record_published="1947-05-14"),
        _row(id="b", record_published="1993"),
        _row(id="c", record_published="unknown"),
        _row(id="d", record_published="1940-01-03"),  # the claim's own day is allowed
    ]
    pairs = load_reference_pairs(_write(tmp_path / "p.csv", rows))
    assert str(pairs["record_published"].dtype) == "datetime64[ns]"
    got = [None if d is pd.NaT else d.date() for d in pairs["record_published"]]
    assert got == [dt.date(1947, 5, 14), dt.date(1993, 12, 31), None, dt.date(1940, 1, 3)]


def test_packaged_record_published_is_curated_for_every_pair() -> None:
    pairs = load_reference_pairs()
    with REFERENCE_FILE.open(encoding="utf-8", newline="") as fh:
        raw = {r["id"]: r["record_published"] for r in csv.DictReader(fh)}
    assert all(raw.values())
    # the Russo-Ukrainian records are the named-dead snapshots of 2025: after Bakhmut
    ua = pairs[pairs["conflict"] == "Russo-Ukrainian War"]
    assert len(ua) == 8
    assert (ua["record_published"] >= pd.Timestamp("2025-01-01")).all()
    # every other record was published before the full-scale invasion, or is unknown
    rest = pairs[pairs["conflict"] != "Russo-Ukrainian War"]
    known = rest["record_published"].dropna()
    assert (known < pd.Timestamp("2022-02-24")).all()
    unknown = set(rest.loc[rest["record_published"].isna(), "id"])
    assert unknown == {i for i, v in raw.items() if v == "unknown"} == {"vn-002"}
    # an undated website is explained in the notes
    for i in ("bob-001", "vn-002", "ww-003"):
        assert "record_published" in str(pairs.loc[pairs["id"] == i, "notes"].iloc[0])
