"""Read a Markdown article with YAML front matter, with offsets into the whole file.

Offsets follow ``docs/claims-schema.md``: 0-based Python ``str`` indices into the whole file
text (front matter included), read as ``open(path, encoding="utf-8", newline="").read()``.

The body runs from the end of the front matter to the first line that starts with
``## References``. Lines holding ``[object Object]`` (a known export defect) are skipped with one
:class:`~attrition.errors.DataWarning` naming how many there were.

Dates without a year resolve through a :class:`YearRule`: months from ``first_month`` onwards
belong to ``first_year`` and earlier months to the year after (the Bakhmut article: Aug–Dec 2022,
Jan–Jul 2023). :func:`read_article` derives the rule from the front matter when it can (see
:meth:`YearRule.from_front_matter`) and otherwise uses :data:`BAKHMUT_YEAR_RULE`.
"""

from __future__ import annotations

import bisect
import calendar
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from attrition.errors import DataWarning, UserError

__all__ = [
    "BAKHMUT_YEAR_RULE",
    "Article",
    "DateSpan",
    "Paragraph",
    "Section",
    "YearRule",
    "find_dates",
    "read_article",
    "resolve_date",
]

JUNK_MARKER = "[object Object]"
REFERENCES_PREFIX = "## References"

MONTHS: dict[str, int] = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}

# ---------------------------------------------------------------------------------------------
# Data classes


@dataclass(frozen=True)
class Section:
    """A Markdown heading and the text under it.

    ``start`` is the offset of the heading line; ``end`` is the start of the next heading of the
    same or a higher level, or the end of the body.
    """

    level: int
    title: str
    start: int
    end: int


ParagraphKind = Literal["text", "table", "list"]


@dataclass(frozen=True)
class Paragraph:
    """A run of consecutive non-blank body lines (headings and image-only lines excluded)."""

    start: int
    end: int
    kind: ParagraphKind


@dataclass(frozen=True)
class YearRule:
    """Assign a year to a month named without one.

    Months ``>= first_month`` belong to ``first_year``, earlier months to ``first_year + 1``:
    ``YearRule(8, 2022)`` reads August–December as 2022 and January–July as 2023.
    """

    first_month: int = 8
    first_year: int = 2022

    def __post_init__(self) -> None:
        if not 1 <= self.first_month <= 12:
            raise UserError(f"year rule: first_month = {self.first_month} is not a month; use 1-12")

    def year_for(self, month: int) -> int:
        """The year of ``month`` under this rule."""
        return self.first_year if month >= self.first_month else self.first_year + 1

    @classmethod
    def from_front_matter(
        cls, front_matter: Mapping[str, Any], pub_date: date | None
    ) -> YearRule | None:
        """Derive the rule from an article's front matter, or ``None`` when it cannot.

        The window is the twelve months that end with the publication month. When the
        ``description`` says the battle ``started on D Month`` (no year), the window starts with
        that month instead, in the latest year that does not pass the publication date. For the
        Bakhmut article (published 2023-07-16, "started on 1 August") both give August 2022.
        """
        if pub_date is None:
            return None
        description = str(front_matter.get("description", "") or "")
        m = re.search(
            rf"\b(?:started|began|begun|commenced|start(?:ed)?)\s+on\s+(?:{_DAY}\s+)?({_MONTH})"
            rf"(?![\s,]*(?:19|20)\d\d)",
            description,
        )
        if m:
            month = MONTHS[m.group(1).lower()]
            year = pub_date.year if month <= pub_date.month else pub_date.year - 1
            return cls(month, year)
        if pub_date.month == 12:
            return cls(1, pub_date.year)
        return cls(pub_date.month + 1, pub_date.year - 1)


BAKHMUT_YEAR_RULE = YearRule(8, 2022)
"""Aug–Dec 2022 and Jan–Jul 2023, the rule stated in ``docs/claims-schema.md``."""


DatePrecision = Literal["day", "days", "part", "month", "year"]


@dataclass(frozen=True)
class DateSpan:
    """A resolved date expression.

    ``start``/``end`` bound the days it may mean (equal for a single day); ``bound`` is the
    preposition in front of it when that changes its meaning (``by``, ``since``, ``until``,
    ``before``, ``after``, ``from``, ``as of``), else ``None``; ``year_stated`` says whether the
    text gave the year; ``pos``/``endpos`` locate the expression in the text it was found in.
    """

    start: date
    end: date
    precision: DatePrecision
    bound: str | None
    year_stated: bool
    text: str
    pos: int
    endpos: int

    @property
    def day(self) -> date:
        """One representative day: the end for ``by``/``until``/``before``, else the start."""
        if self.bound in {"by", "until", "before", "as of"}:
            return self.end
        return self.start


@dataclass(frozen=True)
class Article:
    """A Markdown article with YAML front matter; all offsets index :attr:`text`."""

    path: Path
    text: str
    front_matter: dict[str, Any]
    title: str
    pub_date: date | None
    body_start: int
    body_end: int
    sections: tuple[Section, ...]
    paragraphs: tuple[Paragraph, ...]
    junk_lines: int = 0
    year_rule: YearRule = field(default=BAKHMUT_YEAR_RULE)

    @property
    def body(self) -> str:
        """The body text (``text[body_start:body_end]``)."""
        return self.text[self.body_start : self.body_end]

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        starts.extend(m.end() for m in re.finditer("\n", self.text))
        return starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``."""
        i = bisect.bisect_right(self._line_starts, offset) - 1
        return i + 1, offset - self._line_starts[i] + 1

    def section_at(self, offset: int) -> Section | None:
        """The innermost section containing ``offset``, or ``None``."""
        best: Section | None = None
        for s in self.sections:
            if s.start <= offset < s.end and (best is None or s.level > best.level):
                best = s
        return best

    def paragraph_at(self, offset: int) -> Paragraph | None:
        """The paragraph containing ``offset``, or ``None``."""
        i = bisect.bisect_right([p.start for p in self.paragraphs], offset) - 1
        if i >= 0 and offset < self.paragraphs[i].end:
            return self.paragraphs[i]
        return None

    @cached_property
    def sentences(self) -> tuple[tuple[int, int], ...]:
        """``(start, end)`` of every sentence in the body's paragraphs (table rows count as one)."""
        out: list[tuple[int, int]] = []
        for p in self.paragraphs:
            if p.kind != "text":
                for m in re.finditer(r"[^\n]+", self.text[p.start : p.end]):
                    out.append((p.start + m.start(), p.start + m.end()))
                continue
            out.extend(_split_sentences(self.text, p.start, p.end))
        return tuple(out)

    def sentence_at(self, offset: int) -> tuple[int, int] | None:
        """The ``(start, end)`` of the sentence containing ``offset``, or ``None``."""
        starts = [s for s, _ in self.sentences]
        i = bisect.bisect_right(starts, offset) - 1
        if i >= 0 and offset < self.sentences[i][1]:
            return self.sentences[i]
        return None

    def resolve_date(self, fragment: str) -> DateSpan | None:
        """:func:`resolve_date` with this article's year rule."""
        return resolve_date(fragment, self.year_rule)


# ---------------------------------------------------------------------------------------------
# Reading


def read_article(path: str | Path, year_rule: YearRule | None = None) -> Article:
    """Read a Markdown article with YAML front matter.

    ``year_rule`` overrides the rule derived from the front matter (see
    :meth:`YearRule.from_front_matter`); when neither is available the Bakhmut rule applies.
    A missing file, text that is not UTF-8, a missing or unclosed front matter or broken YAML
    raise :class:`UserError` naming the file and line.
    """
    import yaml

    p = Path(path)
    try:
        with open(p, encoding="utf-8", newline="") as fh:
            text = fh.read()
    except FileNotFoundError as exc:
        raise UserError(f"{p}: no such file; check the path") from exc
    except IsADirectoryError as exc:
        raise UserError(f"{p}: is a folder; give the path of a Markdown file") from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"{p}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from exc

    lines = text.splitlines(keepends=True)
    first = lines[0].lstrip("\ufeff").rstrip("\r\n") if lines else ""
    if first.strip() != "---":
        raise UserError(
            f"{p}:1: no YAML front matter; start the file with a '---' line, the YAML "
            "(title, pubDate, ...) and a closing '---' line"
        )
    close_idx = None
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n").strip() in {"---", "..."}:
            close_idx = i
            break
    if close_idx is None:
        raise UserError(
            f"{p}:1: the front matter opened by '---' is never closed; add a '---' line after it"
        )
    fm_text = "".join(lines[1:close_idx])
    try:
        loaded = yaml.safe_load(fm_text) if fm_text.strip() else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        n_lines = close_idx - 1
        if exc.context_mark is not None and (mark is None or mark.line >= n_lines):
            mark = exc.context_mark  # the problem is the end of the YAML: point at its opening
        line = 2 + (mark.line if mark is not None else 0)
        problem = (exc.problem or exc.context or "syntax error").strip()
        raise UserError(
            f"{p}:{line}: front matter is not valid YAML ({problem}); fix the YAML between "
            "the '---' lines"
        ) from exc
    except yaml.YAMLError as exc:
        raise UserError(
            f"{p}:2: front matter is not valid YAML ({exc}); fix the YAML between the '---' lines"
        ) from exc
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise UserError(
            f"{p}:2: front matter must be a YAML mapping (key: value lines), "
            f"not a {type(loaded).__name__}"
        )
    front_matter: dict[str, Any] = {str(k): v for k, v in loaded.items()}

    body_start = sum(len(ln) for ln in lines[: close_idx + 1])
    pos = body_start
    body_end = len(text)
    for ln in lines[close_idx + 1 :]:
        if ln.startswith(REFERENCES_PREFIX):
            body_end = pos
            break
        pos += len(ln)

    pub_date = _pub_date(p, front_matter, lines[1:close_idx])
    rule = year_rule or YearRule.from_front_matter(front_matter, pub_date) or BAKHMUT_YEAR_RULE

    junk_line_numbers = [i + 1 for i, ln in enumerate(lines) if JUNK_MARKER in ln]
    if junk_line_numbers:
        warnings.warn(
            f"{p}: skipped {len(junk_line_numbers)} '{JUNK_MARKER}' junk lines "
            f"(lines {junk_line_numbers[0]}-{junk_line_numbers[-1]})",
            DataWarning,
            stacklevel=2,
        )

    sections, paragraphs, first_h1 = _structure(text, body_start, body_end)
    title = str(front_matter.get("title") or front_matter.get("subject") or first_h1 or p.stem)
    return Article(
        path=p,
        text=text,
        front_matter=front_matter,
        title=title,
        pub_date=pub_date,
        body_start=body_start,
        body_end=body_end,
        sections=tuple(sections),
        paragraphs=tuple(paragraphs),
        junk_lines=len(junk_line_numbers),
        year_rule=rule,
    )


_PUB_KEYS = ("pubDate", "pub_date", "date", "published")


def _pub_date(path: Path, fm: Mapping[str, Any], fm_lines: list[str]) -> date | None:
    for key in _PUB_KEYS:
        if key not in fm or fm[key] in (None, ""):
            continue
        value = fm[key]
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip()[:10])
        except ValueError as exc:
            line = 2 + next(
                (i for i, ln in enumerate(fm_lines) if ln.lstrip().startswith(f"{key}:")), 0
            )
            raise UserError(
                f"{path}:{line}: front matter {key} = {value!r} is not a date; "
                "write it as YYYY-MM-DD"
            ) from exc
    return None


_HEADING = re.compile(r"(#{1,6})\s+(.*?)\s*#*\s*$")
_IMAGE_LINE = re.compile(r"\s*!\[[^\]\n]*\]\(.*\)\s*$")


def _structure(
    text: str, body_start: int, body_end: int
) -> tuple[list[Section], list[Paragraph], str | None]:
    headings: list[tuple[int, str, int]] = []  # level, title, start
    paragraphs: list[Paragraph] = []
    first_h1: str | None = None
    run_start: int | None = None
    run_end = 0
    run_kind: ParagraphKind = "text"

    def flush() -> None:
        nonlocal run_start
        if run_start is not None:
            paragraphs.append(Paragraph(run_start, run_end, run_kind))
            run_start = None

    for m in re.finditer(r"[^\n]*\n?", text[body_start:body_end]):
        if not m.group(0):
            break
        start = body_start + m.start()
        line = m.group(0).rstrip("\r\n")
        end = start + len(line)
        h = _HEADING.match(line)
        if h:
            flush()
            level, title = len(h.group(1)), h.group(2)
            headings.append((level, title, start))
            if level == 1 and first_h1 is None:
                first_h1 = title
            continue
        if not line.strip() or JUNK_MARKER in line or _IMAGE_LINE.match(line):
            flush()
            continue
        stripped = line.lstrip()
        kind: ParagraphKind = (
            "table"
            if stripped.startswith("|")
            else "list"
            if re.match(r"[*+-]\s|\d+\.\s", stripped)
            else "text"
        )
        if run_start is not None and kind != run_kind:
            flush()
        if run_start is None:
            run_start, run_kind = start, kind
        run_end = end
    flush()

    sections: list[Section] = []
    for i, (level, title, start) in enumerate(headings):
        end = body_end
        for later_level, _, later_start in headings[i + 1 :]:
            if later_level <= level:
                end = later_start
                break
        sections.append(Section(level, title, start, end))
    return sections, paragraphs, first_h1


_ABBREVIATIONS = frozenset(
    [
        "u.s",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "lt",
        "gen",
        "col",
        "maj",
        "capt",
        "sgt",
        "jr",
        "sr",
        "no",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "ed",
        "approx",
        "fig",
    ]
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"”’')\]]*\s+(?=[\"“‘(*]?[A-Z0-9])")


def _split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentences, skipping common abbreviations and initials."""
    out: list[tuple[int, int]] = []
    chunk = text[start:end]
    s = 0
    for m in _SENTENCE_END.finditer(chunk):
        before = chunk[s : m.start() + 1]
        word = re.search(r"([A-Za-z.]+)\.$", before)
        if word:
            w = word.group(1).lower()
            if w in _ABBREVIATIONS or len(w) == 1 or "." in w:
                continue
        out.append((start + s, start + m.start() + len(m.group(0).rstrip())))
        s = m.end()
    if s < len(chunk) and chunk[s:].strip():
        out.append((start + s, start + len(chunk.rstrip())))
    return out


# ---------------------------------------------------------------------------------------------
# Dates

_MONTH = (
    r"(?:[Jj]anuary|[Ff]ebruary|[Mm]arch|[Aa]pril|May|[Jj]une|[Jj]uly|[Aa]ugust|"
    r"[Ss]eptember|[Oo]ctober|[Nn]ovember|[Dd]ecember)"
)
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?!\d)"
_YEAR = r"(?:19|20)\d\d(?!\d)"
_PART = (
    r"(?:early|mid|late|the\s+beginning\s+of|the\s+start\s+of|the\s+end\s+of|"
    r"the\s+middle\s+of|beginning\s+of|start\s+of|end\s+of|middle\s+of)"
)
_BOUND = r"(?:(?P<bound>(?i:by|since|until|till|before|after|from|as\s+of|in|on|at))\s+)?"

_DATE_RE = re.compile(
    r"(?<![\w-])" + _BOUND + r"(?:"
    rf"(?P<d1>{_DAY})\s*(?:–|-|to|and)\s*(?P<d2>{_DAY})\s+(?P<m1>{_MONTH})"
    rf"(?:,?\s+(?P<y1>{_YEAR}))?"
    rf"|(?P<d3>{_DAY})\s+(?P<m2>{_MONTH})(?:,?\s+(?P<y2>{_YEAR}))?"
    rf"|(?P<m3>{_MONTH})\s+(?P<d4>{_DAY})(?:,\s*(?P<y3>{_YEAR}))?(?![\w-])"
    rf"|(?P<p1>{_PART})[\s-]+(?P<m4>{_MONTH})(?:,?\s+(?P<y4>{_YEAR}))?"
    rf"|(?P<m5>{_MONTH})(?:,?\s+(?P<y5>{_YEAR}))?"
    rf"|(?P<p2>{_PART})[\s-]+(?P<y6>{_YEAR})"
    rf"|(?P<y7>{_YEAR})"
    r")(?![\w])",
)

_PART_DAYS = {"early": (1, 10), "mid": (11, 20), "late": (21, 31)}


def _part_key(part: str) -> str:
    p = part.lower()
    if "beginning" in p or "start" in p or p == "early":
        return "early"
    if "middle" in p or p == "mid":
        return "mid"
    return "late"


def _clamp(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _span_from_match(m: re.Match[str], rule: YearRule) -> DateSpan | None:
    g = m.groupdict()
    bound = re.sub(r"\s+", " ", g["bound"]).lower() if g["bound"] else None
    if bound in {"in", "on", "at"}:
        bound = None

    def year_of(month: int, y: str | None) -> tuple[int, bool]:
        return (int(y), True) if y else (rule.year_for(month), False)

    try:
        if g["d1"]:
            month = MONTHS[g["m1"].lower()]
            year, stated = year_of(month, g["y1"])
            d1, d2 = int(g["d1"]), int(g["d2"])
            if d2 < d1:
                return None
            start, end = date(year, month, d1), date(year, month, d2)
            precision: DatePrecision = "days"
        elif g["d3"] or g["d4"]:
            month = MONTHS[(g["m2"] or g["m3"]).lower()]
            year, stated = year_of(month, g["y2"] or g["y3"])
            start = end = date(year, month, int(g["d3"] or g["d4"]))
            precision = "day"
        elif g["p1"]:
            month = MONTHS[g["m4"].lower()]
            year, stated = year_of(month, g["y4"])
            lo, hi = _PART_DAYS[_part_key(g["p1"])]
            start, end = _clamp(year, month, lo), _clamp(year, month, hi)
            precision = "part"
        elif g["m5"]:
            month = MONTHS[g["m5"].lower()]
            year, stated = year_of(month, g["y5"])
            start, end = date(year, month, 1), _clamp(year, month, 31)
            precision = "month"
        elif g["p2"]:
            year, stated = int(g["y6"]), True
            key = _part_key(g["p2"])
            months = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}[key]
            start, end = date(year, months[0], 1), _clamp(year, months[1], 31)
            precision = "part"
        else:
            year, stated = int(g["y7"]), True
            start, end = date(year, 1, 1), date(year, 12, 31)
            precision = "year"
    except ValueError:  # e.g. 31 February
        return None
    return DateSpan(start, end, precision, bound, stated, m.group(0), m.start(), m.end())


def find_dates(text: str, context: YearRule | Article | None = None) -> list[DateSpan]:
    """Every date expression in ``text``, left to right (see :func:`resolve_date`)."""
    rule = _rule_of(context)
    out: list[DateSpan] = []
    for m in _DATE_RE.finditer(text):
        span = _span_from_match(m, rule)
        if span is not None:
            out.append(span)
    return out


def resolve_date(fragment: str, context: YearRule | Article | None = None) -> DateSpan | None:
    """Resolve the first date expression in ``fragment``, or ``None`` if there is none.

    Understood: ``26 October``, ``28–29 November``, ``June 8``, ``1 August 2022``,
    ``early January`` (days 1–10), ``mid-March`` (11–20), ``late May`` (21–end),
    ``the beginning/middle/end of April``, ``February 2023``, ``late 2022``, ``2014``, each with an
    optional ``by``/``since``/``until``/``before``/``after``/``from``/``as of`` in front.
    A month without a year takes its year from ``context`` (a :class:`YearRule`, or an
    :class:`Article`'s rule); the default is :data:`BAKHMUT_YEAR_RULE`.

    >>> resolve_date("by February 2023").day
    datetime.date(2023, 2, 28)
    >>> resolve_date("On 26 October, Arestovych claimed").start
    datetime.date(2022, 10, 26)
    """
    found = find_dates(fragment, context)
    return found[0] if found else None


def _rule_of(context: YearRule | Article | None) -> YearRule:
    if isinstance(context, Article):
        return context.year_rule
    if isinstance(context, YearRule):
        return context
    return BAKHMUT_YEAR_RULE
