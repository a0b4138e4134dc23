"""The extractor: the article's sentences to claims, with dates, periods, claimants and sides.

:func:`extract_claims` walks the body paragraph by paragraph (skipping "See also" and "Notes"),
proposes rows sentence by sentence (:mod:`attrition.data.extract.sentences`), dates each from
the date expressions before it (or the paragraph's), reads its period from phrases (``in the
past day``, ``since the battle began``), its claimant from the lexicon and its subject from the
nearest side word (else the claimant's enemy), and validates each as a
:class:`~attrition.data.schema.Claim`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.data.article import Article, find_dates
from attrition.data.extract.lexicon import (
    DEFAULT_LEXICON,
    Lexicon,
    _Claimant,
    _find_claimant,
    _nearest_side,
    load_lexicon,
)
from attrition.data.extract.metrics import _after_window
from attrition.data.extract.numerals import NumberMention, _mentions
from attrition.data.extract.sentences import _groups, _propose, _Row
from attrition.data.schema import CLAIM_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["extract_claims"]


def extract_claims(article: Article, lexicon: Lexicon | str | Path | None = None) -> pd.DataFrame:
    """Propose claims from the article body (columns of ``claims.csv``; ids ``ex-0001``...).

    See the module docstring for the rules. ``lexicon``: which words name which claimant and
    side (a :class:`Lexicon`, a name or a TOML path for :func:`load_lexicon`; default
    :data:`DEFAULT_LEXICON`). Rows are sorted by offset.
    """
    import pandas as pd
    from pydantic import ValidationError

    from attrition.data.schema import Claim, models_to_frame

    lex = lexicon if isinstance(lexicon, Lexicon) else load_lexicon(lexicon or DEFAULT_LEXICON)
    text = article.text
    rows: list[_Row] = []
    skipped = [s for s in article.sections if s.title.lower() in {"see also", "notes"}]
    for p in article.paragraphs:
        if any(s.start <= p.start < s.end for s in skipped):
            continue
        para_claimant: _Claimant | None = None
        para_date: Any = None
        for s_start, s_end in [s for s in article.sentences if p.start <= s[0] < p.end]:
            sentence = text[s_start:s_end]
            sentence_claimant = _find_claimant(sentence, lex)
            dates = find_dates(sentence, article)
            previous: str | None = None
            for n, pair in _groups(text, _mentions(text, s_start, s_end), s_start):
                row = _propose(text, s_start, s_end, n, pair, previous)
                if row is None:
                    continue
                previous = row.metric
                row.claim_date = _date_before(dates, n.start - s_start) or para_date
                row.period_start, row.period_end = _period(sentence, row.claim_date, article)
                row.claimant = (
                    _find_claimant(text[s_start : n.start], lex)
                    or para_claimant
                    or sentence_claimant
                    or lex.default
                )
                row.subject_side = _subject_side(
                    row.metric, text, s_start, s_end, n, pair, row.claimant, lex
                )
                rows.append(row)
            if dates:
                para_date = dates[0].day
            if sentence_claimant is not None:
                para_claimant = sentence_claimant
    records: list[Claim] = []
    for r in sorted(rows, key=lambda r: r.quote_start):
        try:
            record = Claim.model_validate(
                {
                    "id": f"ex-{len(records) + 1:04d}",
                    "claim_date": r.claim_date,
                    "period_start": r.period_start,
                    "period_end": r.period_end,
                    "claimant": r.claimant.name,
                    "claimant_side": r.claimant.side,
                    "subject_side": r.subject_side,
                    "metric": r.metric,
                    "value_low": r.low,
                    "value_high": r.high,
                    "qualifier": r.qualifier,
                    "rate": r.rate,
                    "quote": text[r.quote_start : r.quote_end],
                    "offset": r.quote_start,
                    "notes": "extracted",
                }
            )
        except ValidationError:  # e.g. a percentage over 100: not a claim this rule understands
            continue
        records.append(record)
    frame = models_to_frame(records, Claim)
    return frame if len(frame) else pd.DataFrame(columns=list(CLAIM_COLUMNS))


_PREVIOUS_DAY = re.compile(
    r"\b(?:in the (?:last|past) (?:24 hours|day)|the previous day|over the past day|"
    r"in the past day|the day before)\b",
    re.IGNORECASE,
)
_SINCE_START = re.compile(
    r"\bsince the (?:battle (?:began|started)|start of the battle|beginning of the battle)\b|"
    r"\bover the course of the\b",
    re.IGNORECASE,
)


def _period(window: str, claim_date: Any, article: Article) -> tuple[Any, Any]:
    """The period of a figure from phrases near it: "in the past day" is the day before the claim;
    "since the battle began" runs from the first day of the article's year rule to the claim."""
    import datetime as dt

    if not isinstance(claim_date, dt.date):
        return None, None
    if _PREVIOUS_DAY.search(window):
        day = claim_date - dt.timedelta(days=1)
        return day, day
    if _SINCE_START.search(window):
        start = dt.date(article.year_rule.first_year, article.year_rule.first_month, 1)
        return (start, claim_date) if start <= claim_date else (None, None)
    return None, None


def _date_before(dates: Iterable[Any], pos: int) -> Any:
    best = None
    for d in dates:
        if d.pos <= pos and d.bound not in {"since", "from"}:
            best = d.day
    if best is None:
        for d in dates:
            if d.bound not in {"since", "from"}:
                return d.day
    return best


def _subject_side(
    metric: str,
    text: str,
    s_start: int,
    s_end: int,
    n: NumberMention,
    pair: NumberMention | None,
    claimant: _Claimant,
    lex: Lexicon,
) -> str:
    """Whose figure it is: the side word nearest the number, else the claimant's enemy."""
    last = pair or n
    before = text[max(s_start, n.start - 80) : n.start]
    after = _after_window(text, last, s_start, s_end, 60)
    if metric in {"casualty_ratio"}:
        return "BOTH"
    if metric in {"advance_m", "advance_width_m", "advance_depth_m", "area_km2"}:
        side = _nearest_side(before, "", lex)
        return side if side in lex.advance_sides else lex.advance_default
    side = _nearest_side(before, after, lex)
    if side is not None:
        return side
    return lex.enemy_of.get(claimant.side, "BOTH")
