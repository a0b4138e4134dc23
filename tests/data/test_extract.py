"""Tests of the rule-based claim extractor and its score."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from attrition.data.article import read_article
from attrition.data.extract import (
    METRIC_FAMILIES,
    extract_claims,
    find_numbers,
    score_extraction,
)
from attrition.data.schema import CLAIM_COLUMNS, METRICS
from attrition.errors import DataWarning, UserError


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1,730 metres and 700 metres", [1730.0, 700.0]),
        ("1.5 months", [1.5]),
        ("1.5 million rounds", [1_500_000.0]),
        ("two thousand men", [2000.0]),
        ("twenty-one tanks", [21.0]),
        ("a hundred shells", [100.0]),
        ("two hundred and fifty", [250.0]),
        ("five or six volunteers", [5.0, 6.0]),
        ("hundreds of casualties", [200.0]),
        ("several thousand shells", [3000.0]),
        ("no numbers at all", []),
    ],
)
def test_find_numbers_values(text: str, values: list[float]) -> None:
    assert [n.value for n in find_numbers(text)] == values


def test_find_numbers_flags() -> None:
    plus, mig, nd, vague = (
        find_numbers("100,000+")[0],
        find_numbers("MiG-17")[0],
        find_numbers("72nd")[0],
        find_numbers("thousands")[0],
    )
    assert plus.plus
    assert plus.value == 100_000
    assert mig.identifier
    assert nd.ordinal
    assert vague.kind == "vague"
    assert find_numbers("the T0504 highway") == []  # glued to a letter: not a number


def test_metric_families_partition_the_vocabulary() -> None:
    listed = [m for ms in METRIC_FAMILIES.values() for m in ms]
    assert sorted(listed) == sorted(METRICS)


ARTICLE = """---
title: Tiny
description: The assault started on 1 August.
pubDate: 2023-07-16
---

On 26 October, Oleksii Arestovych claimed that 8,000 Russian soldiers had been killed.
On 9 June, the Ukrainians claimed to have killed 120 Russians, wounded 163, while 11 were captured.
Their brigade cleared an area 1,730 metres wide and 700 metres deep.
In early December Ukraine estimated that 50–100 Russian soldiers were killed each day.
John Kirby said Russia has suffered more than 100,000 casualties.
Prigozhin said the army had withdrawn up to 570 meters, and that his men advanced 2 km.
Opytne, located 3 km south of Bakhmut, was contested for 10 days.
"""


def extracted(tmp_path: Path) -> pd.DataFrame:
    p = tmp_path / "a.md"
    p.write_text(ARTICLE, encoding="utf-8", newline="")
    return extract_claims(read_article(p))


def rows_of(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    out = []
    for r in df.to_dict("records"):
        hi = None if pd.isna(r["value_high"]) else r["value_high"]
        lo = None if pd.isna(r["value_low"]) else r["value_low"]
        out.append((r["metric"], lo, hi, r["qualifier"], r["rate"]))
    return out


def test_extract_rules(tmp_path: Path) -> None:
    df = extracted(tmp_path)
    assert list(df.columns) == list(CLAIM_COLUMNS)
    assert rows_of(df) == [
        ("killed", 8000.0, 8000.0, "exact", "total"),
        ("killed", 120.0, 120.0, "exact", "total"),
        ("wounded", 163.0, 163.0, "exact", "total"),
        ("captured", 11.0, 11.0, "exact", "total"),
        ("advance_width_m", 1730.0, 1730.0, "exact", "total"),
        ("advance_depth_m", 700.0, 700.0, "exact", "total"),
        ("killed", 50.0, 100.0, "range", "per_day"),
        ("casualties", 100_000.0, None, "at_least", "total"),
        ("advance_m", None, 570.0, "at_most", "total"),
        ("advance_m", 2000.0, 2000.0, "exact", "total"),  # 2 km in metres
    ]  # 3 km south of Bakhmut (a location) and 10 days (a duration) are skipped
    first = df.iloc[0]
    assert first["claimant"] == "Oleksii Arestovych"
    assert first["claimant_side"] == "UA"
    assert first["subject_side"] == "RU"
    assert first["claim_date"].date() == date(2022, 10, 26)
    assert df.iloc[1]["claim_date"].date() == date(2023, 6, 9)  # June under the year rule
    assert df.iloc[1]["claimant"] == "Ukrainian officials (unnamed)"
    kirby = df[df["metric"] == "casualties"].iloc[0]
    assert (kirby["claimant"], kirby["claimant_side"]) == ("John Kirby", "WEST")
    text = ARTICLE
    for r in df.to_dict("records"):  # every quote is verbatim at its offset
        assert text[r["offset"] : r["offset"] + len(r["quote"])] == r["quote"]


def frame(rows: list[tuple[str, float, float, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"metric": m, "value_low": lo, "value_high": hi, "offset": off, "quote": q}
            for m, lo, hi, off, q in rows
        ]
    )


def test_score_by_hand() -> None:
    curated = frame(
        [
            ("killed", 100, 100, 0, "x" * 10),  # matched by a proposal with the same value
            ("wounded", 50, 50, 20, "y" * 10),  # matched by a 'losses' proposal, wrong value
            ("tanks_destroyed", 3, 3, 40, "z" * 10),  # no proposal of the equipment family
            ("advance_m", 10, 10, 60, "w" * 10),  # proposal overlaps but another family
        ]
    )
    proposed = frame(
        [
            ("killed", 100.5, 100.5, 2, "x" * 5),  # within 1% of 100
            ("casualties", 60, 60, 25, "y" * 3),
            ("personnel", 10, 10, 60, "w" * 10),
        ]
    )
    s = score_extraction(proposed, curated)
    assert (s.matched, s.proposed, s.curated) == (2, 3, 4)
    assert s.precision == pytest.approx(2 / 3)
    assert s.recall == pytest.approx(2 / 4)
    assert s.value_agreement == pytest.approx(1 / 2)
    assert s.metric_agreement == pytest.approx(1 / 2)
    empty = score_extraction(proposed.iloc[0:0], curated)
    assert (empty.precision, empty.recall, empty.matched) == (0.0, 0.0, 0)


def test_score_prefers_agreeing_values_within_a_sentence(tmp_path: Path) -> None:
    df = extracted(tmp_path)
    # the curated rows of sentence 2 in a different order and with other quote spans
    text = ARTICLE
    s2 = text.index("On 9 June")
    curated = frame(
        [
            ("captured", 11, 11, s2, "On 9 June"),
            ("wounded", 163, 163, s2 + 3, "9 June"),
            ("killed", 120, 120, s2 + 5, "June"),
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        art = read_article(tmp_path / "a.md")
    s = score_extraction(df, curated, art)
    assert (s.matched, s.value_agreement, s.metric_agreement) == (3, 1.0, 1.0)
    no_article = score_extraction(df, curated)  # spans do not overlap: no match
    assert no_article.matched == 0


def test_bakhmut_in_sample_score() -> None:
    """In-sample score: the extractor's rules were written from this very article.

    Precision 1.000 / recall 0.914 here say how well the rules fit the text they were written
    from, not how they do on new text; the out-of-sample figure is
    :func:`test_held_out_out_of_sample_score`.
    """
    from attrition.data.claims import article_path, battles, load_claims

    if "bakhmut" not in battles():
        pytest.skip("packaged Bakhmut claims not present")
    try:
        curated = load_claims("bakhmut")
    except UserError as exc:  # curation in progress
        pytest.skip(f"packaged Bakhmut claims do not load yet: {exc}")
    with pytest.warns(DataWarning):
        art = read_article(article_path("bakhmut"))
    s = score_extraction(extract_claims(art), curated, art)
    assert s.precision >= 0.70, s
    assert s.recall >= 0.70, s
    assert s.value_agreement >= 0.90, s


HELD_OUT = Path(__file__).parent / "heldout" / "ukraine_battles"

# Out-of-sample figures measured on the held-out text the first time the extractor was run on
# it (after its gold claims were committed). Any change to the rules that moves them must update
# these pins and docs/claims-review.md together: they are a measurement, not a target.
HELD_OUT_PRECISION = 0.852  # 52 matched / 61 proposed
HELD_OUT_RECALL = 0.722  # 52 matched / 72 gold
HELD_OUT_VALUE_AGREEMENT = 0.981  # 51 / 52 matched pairs


def test_held_out_gold_is_valid() -> None:
    """The gold claims of the held-out text load, and every quote sits at its offset."""
    from attrition.data.schema import read_claims_csv

    art = read_article(HELD_OUT / "article.md")
    gold = read_claims_csv(HELD_OUT / "claims.csv")
    assert len(gold) == 72
    for r in gold.to_dict("records"):
        start = int(r["offset"])
        assert art.text[start : start + len(r["quote"])] == r["quote"], r["id"]
        assert art.body_start <= start < art.body_end, r["id"]


def test_held_out_out_of_sample_score() -> None:
    """Out-of-sample score: text the rules were not written from.

    Wikipedia excerpts on other battles (``tests/data/heldout/ukraine_battles``), whose gold
    claims were labelled and committed before the extractor ever ran on them.
    """
    from attrition.data.schema import read_claims_csv

    art = read_article(HELD_OUT / "article.md")
    gold = read_claims_csv(HELD_OUT / "claims.csv")
    s = score_extraction(extract_claims(art), gold, art)
    # sanity floor: far below these the extractor is broken, not merely imperfect
    assert s.precision >= 0.5, s
    assert s.recall >= 0.5, s
    # pinned measurement (+-0.02, about one claim either way)
    assert s.precision == pytest.approx(HELD_OUT_PRECISION, abs=0.02), s
    assert s.recall == pytest.approx(HELD_OUT_RECALL, abs=0.02), s
    assert s.value_agreement == pytest.approx(HELD_OUT_VALUE_AGREEMENT, abs=0.02), s


def test_periods_from_phrases(tmp_path: Path) -> None:
    p = tmp_path / "p.md"
    p.write_text(
        "---\npubDate: 2023-07-16\n---\n\n"
        "On 10 November, the Ukrainians claimed that Wagner had lost 140 men killed in the last "
        "24 hours.\n\n"
        "On 8 June, Cherevaty stated that, since the start of the battle, the Wagner Group had "
        "suffered over 81,000 casualties.\n",
        encoding="utf-8",
    )
    df = extract_claims(read_article(p))
    got = [
        (r["metric"], r["claim_date"].date(), r["period_start"].date(), r["period_end"].date())
        for r in df.to_dict("records")
    ]
    assert got == [
        ("killed", date(2022, 11, 10), date(2022, 11, 9), date(2022, 11, 9)),
        ("casualties", date(2023, 6, 8), date(2022, 8, 1), date(2023, 6, 8)),
    ]
    assert df["subject_side"].tolist() == ["WAGNER", "WAGNER"]
    assert df["claimant"].tolist() == ["Ukrainian officials (unnamed)", "Serhiy Cherevaty"]
