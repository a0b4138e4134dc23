"""Tests of the evidence-base models and CSV readers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from attrition.data.schema import (
    CLAIM_COLUMNS,
    CLAIMANT_SIDES,
    EVENTS,
    METRICS,
    QUALIFIERS,
    RATES,
    SUBJECT_SIDES,
    Claim,
    ControlEvent,
    Phase,
    Place,
    parse_csv,
    read_claims_csv,
    read_events_csv,
    read_places_csv,
)
from attrition.errors import UserError

DOC = Path(__file__).resolve().parents[2] / "docs" / "claims-schema.md"

HEADER = ",".join(CLAIM_COLUMNS)


def claim(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "t-001",
        "claim_date": "2022-10-26",
        "period_start": "",
        "period_end": "",
        "claimant": "Oleksii Arestovych",
        "claimant_side": "UA",
        "subject_side": "RU",
        "metric": "killed",
        "value_low": "8000",
        "value_high": "8000",
        "qualifier": "exact",
        "rate": "total",
        "place": "",
        "quote": "8,000 Russian soldiers",
        "offset": "10",
        "notes": "",
        "source": "",
        "scope": "city",
        "scope_qualifier": "",
        "scope_note": "",
        "source_id": "",
        "component": "",
        "lineage_note": "",
    }
    base.update(kw)
    return base


def csv_line(row: dict[str, Any]) -> str:
    cells = []
    for c in CLAIM_COLUMNS:
        v = str(row[c])
        cells.append('"' + v.replace('"', '""') + '"' if ("," in v or "\n" in v) else v)
    return ",".join(cells)


def write_claims(tmp_path: Path, rows: list[dict[str, Any]], name: str = "claims.csv") -> Path:
    p = tmp_path / name
    p.write_text(HEADER + "\n" + "\n".join(csv_line(r) for r in rows) + "\n", encoding="utf-8")
    return p


@pytest.mark.skipif(not DOC.is_file(), reason="docs/claims-schema.md not present")
def test_vocabularies_match_the_contract() -> None:
    doc = DOC.read_text(encoding="utf-8")
    m = re.search(r"Metrics: (.*?)\.\n", doc, re.S)
    assert m is not None
    listed = re.sub(r"\s*\([^)]*\)", "", m.group(1).replace("\n", " "))
    assert tuple(x.strip() for x in listed.split(",")) == METRICS
    assert CLAIMANT_SIDES == ("UA", "RU", "WEST", "INDEPENDENT", "OTHER")
    assert SUBJECT_SIDES == ("UA", "RU", "WAGNER", "CIVILIAN", "BOTH")
    assert QUALIFIERS == ("exact", "about", "at_least", "at_most", "range")
    assert RATES == ("total", "per_day")
    ev = re.search(r"`event` in\s+(.*?) and\s+`by_side`", doc, re.S)
    assert ev is not None
    assert set(re.split(r",\s*|\s+and\s+", ev.group(1).replace("\n", " ").strip())) == set(EVENTS)
    table = doc[doc.index("## claims.csv") : doc.index("## events.csv")]
    cells = re.findall(r"^\| (`[^|]*`) \|", table, re.M)
    assert tuple(n for c in cells for n in re.findall(r"`(\w+)`", c)) == CLAIM_COLUMNS


def test_valid_claim_and_values() -> None:
    c = Claim.model_validate(claim())
    assert c.claim_date == date(2022, 10, 26)
    assert c.value_low == 8000.0
    assert c.place is None
    assert c.value == 8000.0
    r = Claim.model_validate(claim(qualifier="range", value_low="10", value_high="20"))
    assert r.value == 15.0
    lo = Claim.model_validate(claim(qualifier="at_least", value_high="", notes="dup_of:t-000"))
    assert lo.value_high is None
    assert lo.dup_of == "t-000"
    hi = Claim.model_validate(claim(qualifier="at_most", value_low=""))
    assert hi.value_low is None
    assert hi.value == 8000.0
    with pytest.raises(ValidationError):
        c.metric = "wounded"  # type: ignore[misc]  # frozen


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value_high": "9000"}, "qualifier 'exact' needs value_low = value_high"),
        ({"qualifier": "about", "value_high": ""}, "qualifier 'about' needs"),
        ({"qualifier": "at_least"}, "'at_least' needs value_low set and value_high empty"),
        ({"qualifier": "at_most"}, "'at_most' needs value_low empty and value_high set"),
        ({"qualifier": "range"}, "'range' needs value_low < value_high"),
        (
            {"period_start": "2022-10-05", "period_end": "2022-10-01"},
            "period_end 2022-10-01 is before period_start 2022-10-05",
        ),
        ({"claim_date": "2022/10/26"}, "field 'claim_date' = '2022/10/26' is not an ISO date"),
        ({"claim_date": "2022-02-30"}, "is not a real date"),
        ({"value_low": "8,000"}, "thousands separator"),
        ({"value_low": "many"}, "field 'value_low' = 'many' is not a number"),
        ({"value_low": "-5", "value_high": "-5"}, "is negative"),
        ({"value_low": "inf", "value_high": "inf"}, "not a finite number"),
        (
            {"metric": "city_control_pct", "value_low": "120", "value_high": "120"},
            "percentage 0-100",
        ),
        ({"offset": "12.5"}, "field 'offset' = '12.5' is not a whole number"),
        ({"claimant": ""}, "field 'claimant' = '' is empty"),
        ({"id": "bad id"}, "is not a valid identifier"),
    ],
)
def test_invalid_rows_one_line_messages(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    p = write_claims(tmp_path, [claim(), claim(**{"id": "t-002", **changes})])
    with pytest.raises(UserError) as err:
        read_claims_csv(p)
    text = str(err.value)
    assert text.startswith(f"{p}:3: ")  # header is line 1, the bad row line 3
    assert message in text
    assert "\n" not in text


def test_unknown_vocabulary_lists_valid_values(tmp_path: Path) -> None:
    p = write_claims(tmp_path, [claim(metric="kills")])
    with pytest.raises(UserError) as err:
        read_claims_csv(p)
    assert str(err.value) == (
        f"{p}:2: field 'metric' = 'kills' is not valid; valid: {', '.join(sorted(METRICS))}"
    )
    p2 = write_claims(tmp_path, [claim(subject_side="XX")], "c2.csv")
    with pytest.raises(UserError, match=r"field 'subject_side' = 'XX' is not valid; valid: BOTH, "):
        read_claims_csv(p2)


def test_line_numbers_count_multiline_fields(tmp_path: Path) -> None:
    rows = [claim(notes="first line\nsecond line"), claim(id="t-002", rate="hourly")]
    p = write_claims(tmp_path, rows)
    # the header is line 1; row 1 spans lines 2-3; the bad row starts on line 4
    with pytest.raises(UserError, match=r"claims\.csv:4: field 'rate' = 'hourly' is not valid"):
        read_claims_csv(p)


def test_header_problems_and_duplicates(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text(HEADER.replace("metric", "metrics") + "\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"c\.csv:1: unknown column 'metrics'; valid columns: id"):
        read_claims_csv(p)
    p.write_text(HEADER.replace(",notes", "").replace(",quote", "") + "\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"c\.csv:1: missing column\(s\) quote; the header"):
        read_claims_csv(p)
    p2 = write_claims(tmp_path, [claim(), claim()], "d.csv")
    with pytest.raises(UserError, match=r"d\.csv:3: id 't-001' repeats line 2"):
        read_claims_csv(p2)
    with pytest.raises(UserError, match="no such file"):
        read_claims_csv(tmp_path / "missing.csv")


def test_parse_csv_collects_every_problem(tmp_path: Path) -> None:
    rows = [claim(), claim(id="t-2", metric="x"), claim(id="t-3", rate="y")]
    p = write_claims(tmp_path, rows)
    records, problems = parse_csv(p, Claim)
    assert [line for line, _ in records] == [2]
    assert [pr.line for pr in problems] == [3, 4]


def test_frame_types(tmp_path: Path) -> None:
    p = write_claims(
        tmp_path, [claim(), claim(id="t-2", qualifier="at_least", value_high="", claim_date="")]
    )
    df = read_claims_csv(p)
    assert list(df.columns) == list(CLAIM_COLUMNS)
    assert str(df["claim_date"].dtype) == "datetime64[ns]"
    assert str(df["value_low"].dtype) == "float64"
    assert str(df["offset"].dtype) == "int64"
    assert df["value_high"].isna().tolist() == [False, True]
    assert df["claim_date"].isna().tolist() == [False, True]


def test_event_phase_place_models(tmp_path: Path) -> None:
    ev = ControlEvent.model_validate(
        {
            "id": "ev1",
            "date": "",
            "place": "Soledar",
            "event": "captured",
            "by_side": "RU",
            "claimant": "X",
            "claimant_side": "RU",
            "quote": "q",
            "offset": "0",
            "notes": "",
        }
    )
    assert ev.date is None  # undated events are allowed
    p = tmp_path / "ev.csv"
    p.write_text(
        "id,date,place,event,by_side,claimant,claimant_side,quote,offset,notes\n"
        "ev1,2023-01-16,Soledar,took,RU,X,RU,q,0,\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match=r"ev\.csv:2: field 'event' = 'took' is not valid; valid: "):
        read_events_csv(p)
    with pytest.raises(ValidationError, match="end 2022-01-01 is before start 2022-02-01"):
        Phase.model_validate(
            {
                "id": "p",
                "name": "n",
                "start": "2022-02-01",
                "end": "2022-01-01",
                "heading_offset": 0,
            }
        )
    pl = Place.model_validate({"place": "Bakhmut", "alt_names": "Artemivsk; Artemovsk"})
    assert pl.names == ("Bakhmut", "Artemivsk", "Artemovsk")
    assert pl.lat is None
    with pytest.raises(ValidationError, match="give both lat and lon"):
        Place.model_validate({"place": "X", "lat": "48.5"})
    g = tmp_path / "g.csv"
    g.write_text(
        "place,alt_names,lat,lon,approximate,derivation,source\n"
        "Bakhmut,Artemivsk,48.59472,38.00083,false,,wiki\nOpytne,,48.56,38.0,maybe,,\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match=r"g\.csv:3: field 'approximate' = 'maybe' is not true"):
        read_places_csv(g)
