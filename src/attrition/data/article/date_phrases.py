"""Date expressions in an article's text (``26 October``, ``early January``, ``by February 2023``),
resolved to day spans.

A month named without a year takes its year from a :class:`YearRule` (months from
``first_month`` onwards belong to ``first_year``, earlier months to the year after); an
article's rule comes from its front matter (:meth:`YearRule.from_front_matter`), else
:data:`BAKHMUT_YEAR_RULE`.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from attrition.errors import UserError

if TYPE_CHECKING:
    from attrition.data.article.markdown import Article

__all__ = [
    "BAKHMUT_YEAR_RULE",
    "MONTHS",
    "DateSpan",
    "YearRule",
    "find_dates",
    "resolve_date",
]

MONTHS: dict[str, int] = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}


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
    if isinstance(context, YearRule):
        return context
    rule = getattr(context, "year_rule", None)  # an Article (not imported here: no cycle)
    if isinstance(rule, YearRule):
        return rule
    return BAKHMUT_YEAR_RULE
