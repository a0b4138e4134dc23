"""Tests of the provenance checks (quotes, values, references, numeral coverage)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from attrition.data.checks import check_claims, value_readable
from attrition.data.schema import CLAIM_COLUMNS
from attrition.errors import DataWarning, UserError

ARTICLE = """---
title: Tiny
pubDate: 2023-07-16
---

![Map 2022-05-17 (01)](http://x/map_(01).png?)
On 26 October, Arestovych claimed that 8,000 Russian soldiers had been killed. The 72nd used BM-21s.
Ukraine claimed five tanks destroyed and an advance of 2 km near Bakhmut.
The unit was 30 km away in 1945. A stray 17 here.

## References
[object Object]
"""


def offset_of(text: str, quote: str) -> int:
    return text.index(quote)


def claim_row(
    text: str, cid: str, metric: str, value: str, quote: str, **kw: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": cid,
        "claim_date": "2022-10-26",
        "period_start": "",
        "period_end": "",
        "claimant": "Oleksii Arestovych",
        "claimant_side": "UA",
        "subject_side": "RU",
        "metric": metric,
        "value_low": value,
        "value_high": value,
        "qualifier": "exact",
        "rate": "total",
        "place": "",
        "quote": quote,
        "offset": str(offset_of(text, quote)),
        "notes": "",
    }
    row.update(kw)
    return row


def write_csv(path: Path, columns: tuple[str, ...] | list[str], rows: list[dict[str, Any]]) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def good_rows(text: str) -> list[dict[str, Any]]:
    return [
        claim_row(text, "t-1", "killed", "8000", "8,000 Russian soldiers had been killed"),
        claim_row(text, "t-2", "tanks_destroyed", "5", "five tanks destroyed"),
        claim_row(text, "t-3", "advance_m", "2000", "an advance of 2 km"),
    ]


def setup(
    tmp_path: Path,
    rows: list[dict[str, Any]] | None = None,
    exclusions: list[tuple[str, str]] | None = None,
) -> tuple[Path, str]:
    art = tmp_path / "article.md"
    art.write_text(ARTICLE, encoding="utf-8", newline="")
    text = ARTICLE
    write_csv(tmp_path / "claims.csv", CLAIM_COLUMNS, rows if rows is not None else good_rows(text))
    excl = exclusions if exclusions is not None else [("30 km", "distance"), ("17 here", "noise")]
    write_csv(
        tmp_path / "numeral_exclusions.csv",
        ["offset", "text", "reason"],
        [
            {"offset": offset_of(text, anchor), "text": anchor.split()[0], "reason": why}
            for anchor, why in excl
        ],
    )
    return tmp_path / "claims.csv", text


def test_clean_file_passes(tmp_path: Path) -> None:
    claims, _ = setup(tmp_path)
    report = check_claims(claims)  # article.md beside the claims file
    assert report.problems == []
    assert report.ok
    # 5 numerals in the image line (alt text and target), 26, 8,000, 72, 21, 2, 30, 1945, 17
    assert report.counts["numerals"] == 13
    assert report.counts["numerals_covered"] == 13
    assert report.counts["claims"] == 3
    assert report.counts["exclusions"] == 2
    assert report.summary().endswith("0 problem(s): OK")


def test_uncovered_numeral_names_line_and_column(tmp_path: Path) -> None:
    claims, text = setup(tmp_path, exclusions=[("30 km", "distance")])
    report = check_claims(claims)
    assert not report.ok
    off = offset_of(text, "17 here")
    line = text[:off].count("\n") + 1
    col = off - text.rfind("\n", 0, off)
    assert [(u.text, u.line, u.col, u.offset) for u in report.uncovered] == [("17", line, col, off)]
    assert len(report.problems) == 1
    assert f":{line}:{col}: numeral '17' is not covered" in report.problems[0]
    assert "stray [17] here" in report.problems[0]


def test_quote_not_found_names_the_claim(tmp_path: Path) -> None:
    rows = good_rows(ARTICLE)
    good = rows[1]["offset"]
    rows[1]["offset"] = "3"
    claims, _ = setup(tmp_path, rows)
    report = check_claims(claims)
    assert len(report.problems) == 1
    msg = report.problems[0]
    assert "claims.csv:3: claim t-2: field 'offset': quote not found at offset 3" in msg
    assert f"it occurs at offset {good}; set offset to {good}" in msg
    rows[1].update(quote="seven tanks destroyed", offset=good)
    claims, _ = setup(tmp_path, rows)
    msg = check_claims(claims).problems[0]
    assert "claim t-2" in msg
    assert "it is not in the article" in msg


def test_values_must_be_readable(tmp_path: Path) -> None:
    rows = good_rows(ARTICLE)
    rows[0].update(value_low="9000", value_high="9000")
    rows[2].update(value_low="2", value_high="2")  # 2 km as 2 m: wrong unit, still readable
    claims, _ = setup(tmp_path, rows)
    report = check_claims(claims)
    assert len(report.problems) == 1
    assert "claim t-1: value 9000 cannot be read off the quote" in report.problems[0]
    rows[0]["notes"] = "derived: 8,000 + 1,000 from elsewhere"
    claims, _ = setup(tmp_path, rows)
    report = check_claims(claims)
    assert report.ok
    assert report.counts["values_documented"] == 1


def test_dup_of_dates_and_bad_rows_are_reported(tmp_path: Path) -> None:
    rows = good_rows(ARTICLE)
    rows[1]["notes"] = "dup_of:t-9"
    rows[2]["notes"] = "dup_of:t-1"
    rows[2]["claimant"] = "Someone Else"
    rows.append(claim_row(ARTICLE, "t-4", "kills", "5", "five tanks destroyed"))
    rows.append(claim_row(ARTICLE, "t-5", "tanks_destroyed", "5", "five tanks destroyed"))
    rows[-1]["claim_date"] = "2024-01-01"
    claims, _ = setup(tmp_path, rows)
    problems = check_claims(claims).problems
    joined = "\n".join(problems)
    assert "claim t-2: dup_of:t-9 names no claim" in joined
    assert "claim t-3: dup_of:t-1 has claimant 'Oleksii Arestovych', not 'Someone Else'" in joined
    assert "claims.csv:5: field 'metric' = 'kills' is not valid; valid: " in joined
    assert "claim t-5: claim_date 2024-01-01 is after the article's publication date" in joined
    assert not any("several sides" in p for p in problems)
    assert all("\n" not in p for p in problems)


def test_exclusion_must_match_text(tmp_path: Path) -> None:
    claims, text = setup(tmp_path)
    excl = tmp_path / "numeral_exclusions.csv"
    off = offset_of(text, "30 km")
    excl.write_text(
        f"offset,text,reason\n{off},31,typo\n{offset_of(text, '17 here')},17,noise\n",
        encoding="utf-8",
    )
    problems = check_claims(claims).problems
    assert any(f"exclusion at offset {off}: text '31' is not at that offset" in p for p in problems)


def test_missing_article_and_file(tmp_path: Path) -> None:
    claims, _ = setup(tmp_path)
    (tmp_path / "article.md").unlink()
    with pytest.raises(UserError, match="pass the article with --article"):
        check_claims(claims)
    with pytest.raises(UserError, match="no such file"):
        check_claims(tmp_path / "nothing.csv")


@pytest.mark.parametrize(
    ("value", "quote", "ok"),
    [
        (1730.0, "1,730 metres wide", True),
        (1.89, "1.89 square kilometers", True),
        (5.0, "five or six volunteers", True),
        (6.0, "five or six volunteers", True),
        (2000.0, "two thousand men", True),
        (2000.0, "advanced 2 km", True),
        (1200.0, "1.2km deep", True),
        (1609.0, "a mile in some areas", True),
        (200.0, "hundreds of casualties", True),
        (3000.0, "several thousand shells", True),
        (100000.0, "100,000+ casualties", True),
        (21.0, "twenty-one tanks", True),
        (1500000.0, "1.5 million rounds", True),
        (7.0, "five or six volunteers", False),
        (2.0, "advanced 2 km", True),
        (3.0, "advanced 2 km", False),
    ],
)
def test_value_readable(value: float, quote: str, ok: bool) -> None:
    assert value_readable(value, quote) is ok


def _bakhmut_article() -> Path | None:
    from attrition.data.claims import article_path, battles

    if "bakhmut" not in battles():
        return None
    try:
        return article_path("bakhmut")
    except UserError:
        shared = Path("/work/shared/sources/battle-of-bakhmut.md")
        return shared if shared.is_file() else None


def test_packaged_bakhmut_quotes_rows_and_coverage() -> None:
    article = _bakhmut_article()
    if article is None:
        pytest.skip("packaged Bakhmut claims or the Bakhmut article not present")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        report = check_claims("bakhmut", article)
    hard = [
        p
        for p in report.problems
        if "quote not found" in p or "is not valid" in p or "numeral" in p or "is empty" in p
    ]
    assert hard == [], "\n".join(hard[:20])
    assert report.counts["claims"] > 0
    assert report.counts["numerals_covered"] == report.counts["numerals"]
