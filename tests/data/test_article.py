"""Tests of the Markdown article reader and date resolution."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from attrition.data.article import (
    BAKHMUT_YEAR_RULE,
    YearRule,
    find_dates,
    read_article,
    resolve_date,
)
from attrition.errors import DataWarning, UserError

BAKHMUT_ARTICLE = Path("/work/shared/sources/battle-of-bakhmut.md")

ARTICLE = """---
title: Test battle
description: The assault started on 1 August after a long shelling.
pubDate: 2023-07-16
---

Intro paragraph with 12 words and a ![pic (1)](http://x/y_(2).jpg) image.

## Battle
### Phase one (August 2022)
On 26 October, the general claimed that 8,000 soldiers had been killed. U.S. officials disagreed.

| a | b |
| --- | --- |

## References
## References[object Object]
[object Object]
[object Object]
"""


def write(tmp_path: Path, text: str, name: str = "a.md") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8", newline="")
    return p


def test_offsets_sections_and_junk(tmp_path: Path) -> None:
    p = write(tmp_path, ARTICLE)
    with pytest.warns(DataWarning, match=r"skipped 3 '\[object Object\]' junk lines"):
        art = read_article(p)
    text = p.read_text(encoding="utf-8")
    assert art.text == text
    assert art.title == "Test battle"
    assert art.pub_date == date(2023, 7, 16)
    assert art.front_matter["description"].startswith("The assault")
    # the body starts right after the closing '---' line and ends at '## References'
    assert art.body_start == text.index("---\n", 3) + 4
    assert art.body_end == text.index("## References")
    assert art.junk_lines == 3
    assert [(s.level, s.title) for s in art.sections] == [
        (2, "Battle"),
        (3, "Phase one (August 2022)"),
    ]
    battle, phase = art.sections
    assert battle.start == text.index("## Battle")
    assert battle.end == art.body_end
    assert phase.start == text.index("### Phase one")
    kinds = [p.kind for p in art.paragraphs]
    assert kinds == ["text", "text", "table"]
    first = art.paragraphs[0]
    assert text[first.start : first.end].startswith("Intro paragraph")
    # line/column of a known offset: '8,000' is on line 11
    off = text.index("8,000")
    assert art.line_col(off) == (11, text[:off].split("\n")[-1].__len__() + 1)
    # sentences: 'U.S.' does not end a sentence; two sentences in the paragraph
    para = art.paragraphs[1]
    sents = [text[s:e] for s, e in art.sentences if para.start <= s < para.end]
    assert sents == [
        "On 26 October, the general claimed that 8,000 soldiers had been killed.",
        "U.S. officials disagreed.",
    ]
    assert art.section_at(off) == phase


def test_no_junk_no_warning(tmp_path: Path) -> None:
    p = write(tmp_path, "---\ntitle: x\n---\nBody 1.\n")
    art = read_article(p)  # filterwarnings=error: any warning would fail
    assert art.junk_lines == 0
    assert art.body == "Body 1.\n"
    assert art.pub_date is None
    assert art.year_rule == BAKHMUT_YEAR_RULE  # nothing to derive from: the default


def test_missing_front_matter(tmp_path: Path) -> None:
    p = write(tmp_path, "# Title\n\nNo front matter.\n")
    with pytest.raises(UserError, match=r"a\.md:1: no YAML front matter") as err:
        read_article(p)
    assert "\n" not in str(err.value)


def test_unclosed_front_matter(tmp_path: Path) -> None:
    p = write(tmp_path, "---\ntitle: x\n\nbody\n")
    with pytest.raises(UserError, match=r":1: the front matter opened by '---' is never closed"):
        read_article(p)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    # line 1 '---', line 2 'title: ok', line 3 is broken
    p = write(tmp_path, "---\ntitle: ok\ndescription: [unclosed\n---\nbody\n")
    with pytest.raises(UserError, match=r"a\.md:3: front matter is not valid YAML") as err:
        read_article(p)
    assert "\n" not in str(err.value)
    p2 = write(tmp_path, "---\ntitle: ok\n  bad: indent\n---\nbody\n", "b.md")
    with pytest.raises(UserError, match=r"b\.md:3: front matter is not valid YAML"):
        read_article(p2)


def test_front_matter_not_a_mapping_and_bad_date(tmp_path: Path) -> None:
    p = write(tmp_path, "---\n- a\n- b\n---\nbody\n")
    with pytest.raises(UserError, match="must be a YAML mapping"):
        read_article(p)
    p2 = write(tmp_path, "---\ntitle: x\npubDate: someday\n---\nbody\n", "b.md")
    with pytest.raises(UserError, match=r"b\.md:3: front matter pubDate = 'someday' is not a"):
        read_article(p2)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        read_article(tmp_path / "nope.md")


@pytest.mark.parametrize(
    ("fragment", "start", "end", "bound"),
    [
        ("26 October", date(2022, 10, 26), date(2022, 10, 26), None),
        ("On 26 October, X claimed", date(2022, 10, 26), date(2022, 10, 26), None),
        ("early January", date(2023, 1, 1), date(2023, 1, 10), None),
        ("mid-March", date(2023, 3, 11), date(2023, 3, 20), None),
        ("late February", date(2023, 2, 21), date(2023, 2, 28), None),
        ("the end of April", date(2023, 4, 21), date(2023, 4, 30), None),
        ("by February 2023", date(2023, 2, 1), date(2023, 2, 28), "by"),
        ("since May 2022", date(2022, 5, 1), date(2022, 5, 31), "since"),
        ("28–29 November", date(2022, 11, 28), date(2022, 11, 29), None),
        ("June 8", date(2023, 6, 8), date(2023, 6, 8), None),
        ("1 August 2022", date(2022, 8, 1), date(2022, 8, 1), None),
        ("In 2014", date(2014, 1, 1), date(2014, 12, 31), None),
        ("late 2022", date(2022, 9, 1), date(2022, 12, 31), None),
    ],
)
def test_resolve_date(fragment: str, start: date, end: date, bound: str | None) -> None:
    span = resolve_date(fragment)
    assert span is not None
    assert (span.start, span.end, span.bound) == (start, end, bound)


def test_resolve_date_edge_cases() -> None:
    assert resolve_date("no date here") is None
    assert resolve_date("31 February") is None  # not a real day
    by = resolve_date("by 26 September")
    assert by is not None
    assert by.day == date(2022, 9, 26)
    assert not by.year_stated
    # a different rule moves yearless dates
    span = resolve_date("5 March", YearRule(1, 2015))
    assert span is not None
    assert span.start == date(2015, 3, 5)
    assert [d.start for d in find_dates("On 3 June and on 4 June")] == [
        date(2023, 6, 3),
        date(2023, 6, 4),
    ]


def test_year_rule_derivation(tmp_path: Path) -> None:
    # description 'started on 1 August' + pubDate 2023-07-16 -> Aug 2022 .. Jul 2023
    rule = YearRule.from_front_matter({"description": "It started on 1 August."}, date(2023, 7, 16))
    assert rule == YearRule(8, 2022)
    # no description: the twelve months ending with the publication month
    assert YearRule.from_front_matter({}, date(2021, 3, 10)) == YearRule(4, 2020)
    assert YearRule.from_front_matter({}, date(2021, 12, 1)) == YearRule(1, 2021)
    assert YearRule.from_front_matter({}, None) is None
    # read_article derives it; an explicit rule wins
    p = write(tmp_path, "---\npubDate: 2021-03-10\n---\nOn 2 May it rained.\n")
    art = read_article(p)
    assert art.year_rule == YearRule(4, 2020)
    span = art.resolve_date("2 May")
    assert span is not None
    assert span.start == date(2020, 5, 2)
    assert read_article(p, YearRule(1, 1999)).year_rule == YearRule(1, 1999)
    with pytest.raises(UserError, match="first_month"):
        YearRule(13, 2000)


@pytest.mark.skipif(not BAKHMUT_ARTICLE.is_file(), reason="shared Bakhmut article not present")
def test_bakhmut_article() -> None:
    with pytest.warns(DataWarning, match="skipped 315"):
        art = read_article(BAKHMUT_ARTICLE)
    assert art.title == "Battle of Bakhmut"
    assert art.pub_date == date(2023, 7, 16)
    assert art.year_rule == BAKHMUT_YEAR_RULE
    assert art.line_col(art.body_end) == (279, 1)  # the first '## References' line
    battle_phases = [s.title for s in art.sections if s.level == 3][:5]
    assert battle_phases[0] == "Early shelling and Russian encroachment (August–October 2022)"
    assert battle_phases[-1] == "Continued fighting and Wagner withdrawal (June 2023)"
    assert "[object Object]" not in art.body
