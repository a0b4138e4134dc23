"""Finding numbers in text: digits, number words and vague plurals, and the values a quote carries.

:func:`find_numbers` reads ``1,730``, ``1.5``, ``100,000+``, ``1.5 million``, ``five``, ``two
thousand``, ``hundreds`` (200), ``several thousand`` (3000); :func:`quote_values` adds unit
conversions to metres and the words that carry a number (``a``, ``dozen``, ``half`` ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from attrition.data.article import find_dates

__all__ = ["NumberMention", "find_numbers", "quote_values"]

_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_VAGUE = {"dozens": 24, "hundreds": 200, "thousands": 2_000, "millions": 2_000_000}
_NUMBER_WORDS = {**_UNITS, **_TENS, **_SCALES}


@dataclass(frozen=True)
class NumberMention:
    """A number found in text: its value, span, and how it was written.

    ``kind`` is ``digits``, ``words`` or ``vague`` (a plural such as "hundreds", read as the
    smallest plural); ``plus`` marks a trailing ``+``; ``identifier`` a number glued to letters by
    a hyphen (``MiG-17``); ``ordinal`` a number followed by st/nd/rd/th.
    """

    value: float
    start: int
    end: int
    text: str
    kind: str
    plus: bool = False
    identifier: bool = False
    ordinal: bool = False


_DIGITS_RE = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<scale>\s+(?:thousand|million|billion)\b)?(?P<plus>\+)?"
)
_WORD_RE = re.compile(r"[A-Za-z]+")


def find_numbers(text: str) -> list[NumberMention]:
    """Every number in ``text`` (digits, number words, vague plurals), left to right."""
    out: list[NumberMention] = []
    for m in _DIGITS_RE.finditer(text):
        value = float(m.group("num").replace(",", ""))
        if m.group("scale"):
            value *= _SCALES[m.group("scale").strip().lower()]
        s, e = m.start(), m.end()
        before = text[s - 1] if s > 0 else ""
        identifier = before.isalpha() or (before == "-" and s > 1 and text[s - 2].isalpha())
        ordinal = text[m.end("num") : m.end("num") + 2].lower() in {"st", "nd", "rd", "th"}
        out.append(
            NumberMention(
                value,
                s,
                e,
                m.group(0),
                "digits",
                plus=bool(m.group("plus")),
                identifier=identifier,
                ordinal=ordinal,
            )
        )
    taken = [(n.start, n.end) for n in out]  # "1.5 million": the scale word is taken
    words = [w for w in _WORD_RE.finditer(text) if not any(a <= w.start() < b for a, b in taken)]
    i = 0
    while i < len(words):
        w = words[i].group(0).lower()
        if w == "several" and i + 1 < len(words):
            nxt = words[i + 1].group(0).lower()
            if nxt in _SCALES and text[words[i].end() : words[i + 1].start()].strip() == "":
                out.append(
                    NumberMention(
                        3.0 * _SCALES[nxt],
                        words[i].start(),
                        words[i + 1].end(),
                        text[words[i].start() : words[i + 1].end()],
                        "vague",
                    )
                )
                i += 2
                continue
        if w in _VAGUE:
            out.append(
                NumberMention(
                    float(_VAGUE[w]), words[i].start(), words[i].end(), words[i].group(0), "vague"
                )
            )
            i += 1
            continue
        starts_with_a = (
            w == "a"
            and i + 1 < len(words)
            and words[i + 1].group(0).lower() in {"hundred", "thousand", "million"}
        )
        if w not in _NUMBER_WORDS and not starts_with_a:
            i += 1
            continue
        j = i
        group: list[str] = []
        while j < len(words):
            wj = words[j].group(0).lower()
            gap = text[words[j - 1].end() : words[j].start()] if j > i else ""
            if j > i and gap not in {" ", "-"} and not (gap == " " and wj == "and"):
                break
            if wj == "a" and j == i:
                group.append("one")
            elif wj in _NUMBER_WORDS:
                if group and wj in _UNITS and group[-1] in _UNITS:
                    break  # "five six" are two numbers
                if group and wj in _TENS and (group[-1] in _UNITS or group[-1] in _TENS):
                    break
                group.append(wj)
            elif wj == "and" and group and group[-1] in _SCALES:
                nxt = words[j + 1].group(0).lower() if j + 1 < len(words) else ""
                if nxt in _UNITS or nxt in _TENS:
                    j += 1
                    continue
                break
            else:
                break
            j += 1
        if not group or (group == ["one"] and w == "a"):
            i += 1
            continue
        total, current = 0, 0
        for g in group:
            if g in _UNITS or g in _TENS:
                current += _NUMBER_WORDS[g]
            elif g == "hundred":
                current = max(current, 1) * 100
            else:
                total += max(current, 1) * _SCALES[g]
                current = 0
        value = float(total + current)
        s, e = words[i].start(), words[j - 1].end()
        out.append(NumberMention(value, s, e, text[s:e], "words"))
        i = j
    out.sort(key=lambda n: n.start)
    return out


_CONVERSIONS = (
    (re.compile(r"\s*(?:km|kilomet(?:er|re)s?)\b(?!\s*(?:2|²))", re.IGNORECASE), 1000.0),
    (re.compile(r"\s*(?:mi|miles?)\b", re.IGNORECASE), 1609.344),
    (re.compile(r"\s*(?:ft|feet|foot)\b", re.IGNORECASE), 0.3048),
)


def quote_values(quote: str) -> list[tuple[float, bool]]:
    """Values readable off a quote: ``(value, converted)`` pairs.

    Every number as written, plus its value in metres when a unit follows (km, miles, feet);
    ``a mile`` reads as 1609.344 m. Words that carry a number read as it: ``an order of
    magnitude`` 10, ``a``/``an``/``single`` 1, ``no``/``none`` 0, ``pair``/``couple``/``both`` 2,
    ``dozen`` 12, ``half`` 0.5 or 50 (per cent), ``third`` 1/3, ``quarter`` 0.25 or 25.
    """
    out: list[tuple[float, bool]] = []
    for n in find_numbers(quote):
        out.append((n.value, False))
        for pat, factor in _CONVERSIONS:
            if pat.match(quote, n.end if not n.plus else n.end - 1):
                out.append((n.value * factor, True))
    if re.search(r"\ba mile\b", quote, re.IGNORECASE):
        out.append((1609.344, True))
    for pattern, values in _WORD_VALUES:
        if pattern.search(quote):
            out.extend((v, False) for v in values)
    return out


_WORD_VALUES: tuple[tuple[re.Pattern[str], tuple[float, ...]], ...] = (
    (re.compile(r"\border of magnitude\b", re.I), (10.0,)),
    (re.compile(r"\b(?:an?|single|sole|lone)\b", re.I), (1.0,)),
    (re.compile(r"\b(?:no|none|zero|nobody|nothing)\b", re.I), (0.0,)),
    (re.compile(r"\b(?:pair|couple|both)\b", re.I), (2.0,)),
    (re.compile(r"\bdozen\b", re.I), (12.0,)),
    (re.compile(r"\bhalf\b", re.I), (0.5, 50.0)),
    (re.compile(r"\bthird\b", re.I), (1 / 3,)),
    (re.compile(r"\bquarter\b", re.I), (0.25, 25.0)),
)


def _mentions(text: str, lo: int, hi: int) -> list[NumberMention]:
    """Number mentions of ``text[lo:hi]`` in file coordinates, dates/ids/ordinals removed."""
    chunk = text[lo:hi]
    dates = [(d.pos, d.endpos) for d in find_dates(chunk)]
    out: list[NumberMention] = [
        NumberMention(1.0, lo + m.start(), lo + m.end(), m.group(0), "words")
        for m in re.finditer(r"\ba(?= (?:mile|kilomet(?:er|re))\b)", chunk)
    ]
    for n in find_numbers(chunk):
        if n.identifier or n.ordinal:
            continue
        if any(ds <= n.start and n.end <= de for ds, de in dates):
            continue
        out.append(
            NumberMention(
                n.value, lo + n.start, lo + n.end, n.text, n.kind, n.plus, n.identifier, n.ordinal
            )
        )
    out.sort(key=lambda m: m.start)
    return out
