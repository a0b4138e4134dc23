"""attrition.data.dates: the one parser every date goes through, and its error lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from attrition.data.dates import as_date, cell_date, iso_date, parse_date, published_date
from attrition.errors import UserError


def test_iso_date_takes_exactly_yyyy_mm_dd() -> None:
    assert iso_date(" 2022-03-02 ") == dt.date(2022, 3, 2)
    for text in ("20220302", "2022-3-2", "2022-W09-3", "2022/03/02", "2022-03-02T10:00"):
        with pytest.raises(ValueError, match="is not an ISO date; write it as YYYY-MM-DD"):
            iso_date(text)
    with pytest.raises(ValueError, match=r"is not a real date \(.*\); write it as YYYY-MM-DD"):
        iso_date("2023-02-29")


def test_as_date_reads_cells_and_rejects_other_formats() -> None:
    assert as_date(None) is None
    assert as_date(float("nan")) is None
    assert as_date(pd.NaT) is None
    assert as_date("  ") is None
    assert as_date(pd.Timestamp("2022-03-02 12:00")) == dt.date(2022, 3, 2)
    assert as_date("2022-03-02T12:00:00") == dt.date(2022, 3, 2)
    assert as_date("2022-03-02 00:00:00") == dt.date(2022, 3, 2)
    with pytest.raises(UserError, match="'20220302' is not a date; write it as YYYY-MM-DD"):
        as_date("20220302")


def test_parse_date_names_the_argument() -> None:
    assert parse_date(None, "cutoff") is None
    assert parse_date(dt.datetime(2022, 3, 2, 5), "cutoff") == dt.date(2022, 3, 2)
    with pytest.raises(UserError, match="cutoff = 'yesterday' is not a date"):
        parse_date("yesterday", "cutoff")


def test_cell_date_gives_one_line_with_where_and_fix() -> None:
    where = "f.csv, row 3 (line 4), column 'date'"
    assert cell_date("1940-09-15", where) == dt.date(1940, 9, 15)
    with pytest.raises(UserError) as info:
        cell_date("15/09/1940", where, fix="restore the file")
    assert str(info.value) == (
        f"{where}: expected a date YYYY-MM-DD, got '15/09/1940'; restore the file"
    )


def test_published_date_reads_a_year_as_its_last_day_and_unknown_as_none() -> None:
    where = "f.csv, row 1 (line 2), column 'record_published'"
    assert published_date("2003", where) == dt.date(2003, 12, 31)
    assert published_date("1947-05-14", where) == dt.date(1947, 5, 14)
    assert published_date("unknown", where) is None
    for bad, fragment in [
        ("", "is blank; give the publication date"),
        ("0000", "got '0000'"),
        ("2003-13-01", "got '2003-13-01'"),
        ("n/a", "a year YYYY or 'unknown', got 'n/a'; fix the date"),
    ]:
        with pytest.raises(UserError) as info:
            published_date(bad, where)
        message = str(info.value)
        assert message.startswith(where + ": ")
        assert fragment in message
        assert "\n" not in message


# --- the readers that used to carry their own parser now go through this module ---------------


def test_filter_claims_reads_its_window_with_parse_date() -> None:
    from attrition.data.claims import filter_claims

    day = pd.Timestamp
    claims = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "period_start": [day("2023-01-01"), day("2023-03-01"), pd.NaT],
            "period_end": [day("2023-01-31"), day("2023-03-31"), pd.NaT],
            "claim_date": [day("2023-02-01"), day("2023-04-01"), pd.NaT],
        }
    )
    assert list(filter_claims(claims, start="2023-02-15")["id"]) == ["b"]
    assert list(filter_claims(claims, end=dt.date(2023, 2, 15))["id"]) == ["a"]
    assert list(filter_claims(claims, start="", end=None)["id"]) == ["a", "b", "c"]
    # date.fromisoformat took "20230215"; the one parser does not
    with pytest.raises(UserError) as info:
        filter_claims(claims, start="20230215")
    assert str(info.value) == "start = '20230215' is not a date; write it as YYYY-MM-DD"


def test_article_front_matter_date_goes_through_as_date(tmp_path: Path) -> None:
    from attrition.data.article import read_article

    def article(value: str) -> dt.date | None:
        path = tmp_path / "a.md"
        path.write_text(f"---\ntitle: x\npubDate: {value}\n---\nbody\n", encoding="utf-8")
        return read_article(path).pub_date

    assert article("2023-07-16") == dt.date(2023, 7, 16)
    assert article("'2023-07-16T09:30:00Z'") == dt.date(2023, 7, 16)  # a time is ignored
    assert article("2023-07-16 09:30:00") == dt.date(2023, 7, 16)
    with pytest.raises(UserError) as info:
        article("'16/07/2023'")
    assert str(info.value) == (
        f"{tmp_path / 'a.md'}:3: front matter pubDate = '16/07/2023' is not a date; "
        "write it as YYYY-MM-DD"
    )


def test_cdb90_period_times_take_only_iso_date_times(tmp_path: Path) -> None:
    import shutil

    from attrition.data import datasets
    from attrition.data.cdb90 import load_cdb90

    folder = tmp_path / "cdb90"
    shutil.copytree(datasets.info("cdb90").path, folder)
    path = folder / "active_periods.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    # pandas' ISO8601 reader takes "1600-07" as 1 July 1600; the one date rule does not
    lines[1] = lines[1].replace('"1600-07-02T19:30:00"', '"1600-07"', 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_cdb90(data_dir=folder)
    message = str(info.value)
    assert "active_periods.csv, row 1 (line 2), column 'end_time_min'" in message
    assert message.endswith(
        ": expected an ISO date-time YYYY-MM-DDTHH:MM:SS, got '1600-07'; restore the packaged file"
    )
