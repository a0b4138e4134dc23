"""One proposed row per number (or range) of a sentence: its clause, metric, qualifier and rate.

Numbers joined as a range (``50–100``, ``X to Y``, ``between X and Y``) are paired
(``_groups``); ``_propose`` quotes the clause around them, takes the metric from
:mod:`attrition.data.extract.metrics`, reads ratios (``for every``, ``X to 1``), the qualifier
from the words before (``over`` -> at_least, ``up to`` -> at_most, ``about`` -> about) and the
rate (``per day`` ...). Comparisons with other battles are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from attrition.data.extract.lexicon import _Claimant
from attrition.data.extract.metrics import (
    _after_window,
    _classify,
    _refine,
    _to_metres,
    _verb_metric,
)
from attrition.data.extract.numerals import NumberMention
from attrition.data.extract.score import metric_family

__all__: list[str] = []

_BOUNDARY = re.compile(r"[,;:]\s|[()\[\]]|\s[—–]\s|—|\s-\s|(?<![A-Z])[.!?]\s|[“”\"]|\|")

_QUAL_AT_LEAST = re.compile(
    r"(?:more than|over|at least|a least|a minimum of|in excess of|upwards of|minimum of)\s+$",
    re.IGNORECASE,
)
_QUAL_AT_MOST = re.compile(r"(?:up to|less than|fewer than|as many as|no more than)\s+$", re.I)
_QUAL_ABOUT = re.compile(
    r"(?:about|around|nearly|almost|some|approximately|roughly|an estimated|circa|~)\s*$", re.I
)
_FILLER = re.compile(r"(?:\s*\b(?:another|an additional|additional|further|only|just|the)\b)+\s*$")

_PER_DAY = re.compile(
    r"\b(?:per day|a day|every day|each day|daily|a night|per night)\b", re.IGNORECASE
)


_COMPARISON = re.compile(
    r"\b(?:Battle of the Bulge|Guadalcanal|Afghanistan|Iwo Jima|Shiloh|Verdun|Somme|"
    r"Stalingrad|World War)\b"
)


@dataclass
class _Row:
    metric: str
    low: float | None
    high: float | None
    qualifier: str
    rate: str
    quote_start: int
    quote_end: int
    claim_date: Any = None
    period_start: Any = None
    period_end: Any = None
    claimant: _Claimant = _Claimant("", "")  # noqa: RUF009 - frozen, so immutable
    subject_side: str = "BOTH"


def _clause(text: str, s: int, e: int, lo: int, hi: int) -> tuple[int, int]:
    """The clause around ``text[s:e]`` within ``[lo, hi)``: from the previous to the next
    boundary."""
    start = lo
    for m in _BOUNDARY.finditer(text, lo, s):
        start = m.end()
    end = hi
    m2 = _BOUNDARY.search(text, e, hi)
    if m2:
        end = m2.start()
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1] in " \t.,;:":
        end -= 1
    return start, end


_RANGE_SEP = re.compile(
    r"^\s*(?:metres|meters|m|km|kilomet(?:er|re)s?)?\s*(?:–|-|to|-to-|and|or)\s*$", re.IGNORECASE
)


def _groups(
    text: str, mentions: list[NumberMention], lo: int
) -> list[tuple[NumberMention, NumberMention | None]]:
    """Pair numbers joined as a range (``50–100``, ``X to Y``, ``between X and Y``, ``X or Y``)."""
    out: list[tuple[NumberMention, NumberMention | None]] = []
    i = 0
    while i < len(mentions):
        n = mentions[i]
        if i + 1 < len(mentions):
            gap = text[n.end : mentions[i + 1].start]
            between = text[max(lo, n.start - 9) : n.start].lower()
            if _RANGE_SEP.match(gap) and (gap.strip() != "and" or "between" in between):
                out.append((n, mentions[i + 1]))
                i += 2
                continue
        out.append((n, None))
        i += 1
    return out


_FOR_EVERY = re.compile(r"\bfor (?:every|each)\b(?! of)", re.IGNORECASE)
_CONVERSION_IN_PARENS = re.compile(r"^\s*(?:miles?|mi|feet|ft|foot)\b", re.IGNORECASE)


def _propose(
    text: str,
    s_start: int,
    s_end: int,
    n: NumberMention,
    pair: NumberMention | None,
    previous: str | None,
) -> _Row | None:
    """One proposed row for a number (or range) of a sentence, or ``None`` to skip it."""
    sentence = text[s_start:s_end]
    last = pair or n
    after = _after_window(text, last, s_start, s_end)
    inside = text.rfind("(", s_start, n.start) > text.rfind(")", s_start, n.start)
    if inside and _CONVERSION_IN_PARENS.match(after):
        return None  # "(1.2 miles)": a unit conversion of the figure before
    metric = _verb_metric(text[max(s_start, n.start - 60) : n.start]) if pair else None
    metric = metric or _classify(text, last, s_start, s_end)
    if metric is None and pair is not None:
        metric = _classify(text, n, s_start, s_end)
    if (
        metric is None
        and previous is not None
        and re.match(r"^\s*(?:(?:since|in|over|by)\b|$)", after)
    ):
        metric = previous  # "... and a total of over 80,000 since ...": same measure
    if metric is None:
        return None
    q_start, q_end = _clause(text, n.start, last.end, s_start, s_end)
    clause = text[q_start:q_end]
    if _COMPARISON.search(clause):
        return None
    lo, hi = n.value, last.value
    ratio_pair = (
        pair is not None
        and pair.value == 1
        and n.value > 1
        and re.fullmatch(r"\s*(?:to|-to-|:)\s*", text[n.end : pair.start]) is not None
        and metric_family(metric) in {"losses", "other"}
    )
    near = text[max(s_start, n.start - 70) : min(s_end, last.end + 50)]
    if ratio_pair or (_FOR_EVERY.search(near) and metric_family(metric) == "losses"):
        if n.value == 1 and not ratio_pair:
            return None  # "for every one killed": the unit of a ratio
        ukraine = re.search(r"Ukrain", sentence) and metric in {"casualties", "killed"}
        metric = "casualty_ratio" if ukraine or (ratio_pair and metric != "other") else "other"
        pair, hi = None, lo
        last = n
    metric = _refine(metric, sentence, text[last.end : last.end + 40], clause)
    if metric is None:
        return None
    if metric.endswith("_m"):
        lo = _to_metres(text, n, lo)
        hi = _to_metres(text, last, hi)
    before = _FILLER.sub(" ", text[max(s_start, n.start - 40) : n.start])
    if pair is not None and lo < hi:
        qualifier, low, high = "range", lo, hi
    elif n.plus or _QUAL_AT_LEAST.search(before) or n.kind == "vague":
        qualifier, low, high = "at_least", lo, None
    elif _QUAL_AT_MOST.search(before):
        qualifier, low, high = "at_most", None, hi
    elif _QUAL_ABOUT.search(before):
        qualifier, low, high = "about", lo, lo
    else:
        qualifier, low, high = "exact", lo, lo
    per_day = _PER_DAY.search(after) or metric.endswith("per_day")
    return _Row(
        metric=metric,
        low=low,
        high=high,
        qualifier=qualifier,
        rate="per_day" if per_day else "total",
        quote_start=q_start,
        quote_end=q_end,
    )
