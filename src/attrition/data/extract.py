"""A rule-based extractor of claims from an article, and its score against curated claims.

:func:`extract_claims` proposes rows in the claims schema (``docs/claims-schema.md``) from the
article body, sentence by sentence:

* numbers in digits (``1,730``, ``1.5``, ``100,000+``, ``1.5 million``), in words (``five``,
  ``two thousand``) and vague plurals (``hundreds`` = 200, ``thousands`` = 2000,
  ``several thousand`` = 3000); ranges ``15,000–20,000``, ``between X and Y``, ``X to Y``;
* the metric from the words around the number (``killed``, ``wounded``, ``casualties``,
  ``tanks``, ``IFVs``, ``metres ... wide``, ``square kilometres``, ``% of the city`` ...);
  distances are converted to metres (km x 1000); durations, ages, unit sizes in other battles
  and locations (``3 km south of``) are skipped;
* the qualifier from the words before (``over``/``more than``/``at least`` -> at_least,
  ``up to``/``less than`` -> at_most, ``about``/``around``/``nearly``/``some`` -> about);
* the rate (``per day``/``a day``/``every day``/``each day``/``daily`` -> per_day);
* the claim date from the date expressions of the sentence (or the paragraph before it);
* the claimant from ``X claimed/said/reported/stated/estimated ...`` and ``according to X``,
  mapped to canonical names, and the sides from nationality words (both from a claimant
  lexicon: data in ``attrition/data/lexicon/``, :func:`load_lexicon`).

:func:`score_extraction` compares proposed rows with curated ones. **Matching rule:** a proposed
and a curated row can match when their metrics are in the same family (losses, equipment,
ground, forces, logistics, population, ratios, other) and their quote spans overlap or lie in
the same sentence of the article. Pairs are matched one-to-one, greedily, preferring pairs whose
values agree, then equal metrics, then the larger overlap. Precision = matched / proposed,
recall = matched / curated, value agreement = share of matched pairs whose ``value_low`` and
``value_high`` both agree within 1% (both empty counts as agreeing).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.data.article import Article, find_dates
from attrition.data.schema import CLAIM_COLUMNS
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_LEXICON",
    "METRIC_FAMILIES",
    "Lexicon",
    "NumberMention",
    "Score",
    "extract_claims",
    "find_numbers",
    "load_lexicon",
    "metric_family",
    "quote_values",
    "score_extraction",
]

# ---------------------------------------------------------------------------------------------
# Numbers

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


# ---------------------------------------------------------------------------------------------
# Metric families and scoring

METRIC_FAMILIES: dict[str, tuple[str, ...]] = {
    "losses": ("killed", "wounded", "captured", "casualties", "missing"),
    "equipment": (
        "tanks_destroyed",
        "ifv_destroyed",
        "apc_destroyed",
        "artillery_destroyed",
        "uav_destroyed",
        "depots_destroyed",
        "vehicles_destroyed",
    ),
    "ground": ("advance_m", "advance_width_m", "advance_depth_m", "area_km2", "city_control_pct"),
    "forces": ("personnel", "tanks", "afv", "guns", "mlrs"),
    "logistics": ("ammo_tonnes_per_day", "ammo_delivered_pct", "artillery_attacks"),
    "population": ("population",),
    "ratios": ("casualty_ratio", "casualties_per_km", "cm_per_casualty"),
    "other": ("other",),
}
_FAMILY_OF = {m: fam for fam, ms in METRIC_FAMILIES.items() for m in ms}


def metric_family(metric: str) -> str:
    """The family of a metric (see :data:`METRIC_FAMILIES`)."""
    return _FAMILY_OF.get(metric, "other")


@dataclass(frozen=True)
class Score:
    """How well proposed rows match curated ones (see the module docstring for the rule)."""

    precision: float
    recall: float
    value_agreement: float
    metric_agreement: float
    matched: int
    proposed: int
    curated: int
    pairs: tuple[tuple[int, int], ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (without the pairs)."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "value_agreement": self.value_agreement,
            "metric_agreement": self.metric_agreement,
            "matched": self.matched,
            "proposed": self.proposed,
            "curated": self.curated,
        }


def _close(a: Any, b: Any) -> bool:
    a_nan = a is None or a != a
    b_nan = b is None or b != b
    if a_nan or b_nan:
        return a_nan and b_nan
    return abs(float(a) - float(b)) <= 0.01 * max(abs(float(a)), abs(float(b)))


def score_extraction(
    proposed: pd.DataFrame, curated: pd.DataFrame, article: Article | None = None
) -> Score:
    """Score ``proposed`` claims against ``curated`` ones (both in the claims schema).

    With ``article``, rows whose quotes lie in the same sentence can match even when the
    quote spans do not overlap; without it only overlapping spans match.
    """

    def rows(df: pd.DataFrame) -> list[dict[str, Any]]:
        out = []
        for r in df.to_dict("records"):
            start = int(r["offset"])
            end = start + len(str(r["quote"]))
            sent = article.sentence_at(start) if article is not None else None
            out.append(
                {
                    "metric": str(r["metric"]),
                    "family": metric_family(str(r["metric"])),
                    "start": start,
                    "end": end,
                    "sentence": sent,
                    "low": r.get("value_low"),
                    "high": r.get("value_high"),
                }
            )
        return out

    p_rows, c_rows = rows(proposed), rows(curated)
    candidates: list[tuple[tuple[int, int, int], int, int]] = []
    for i, p in enumerate(p_rows):
        for j, c in enumerate(c_rows):
            if p["family"] != c["family"]:
                continue
            overlap = min(p["end"], c["end"]) - max(p["start"], c["start"])
            same_sentence = p["sentence"] is not None and p["sentence"] == c["sentence"]
            if overlap <= 0 and not same_sentence:
                continue
            agrees = _close(p["low"], c["low"]) and _close(p["high"], c["high"])
            candidates.append(((int(agrees), int(p["metric"] == c["metric"]), overlap), i, j))
    candidates.sort(key=lambda t: t[0], reverse=True)
    used_p: set[int] = set()
    used_c: set[int] = set()
    pairs: list[tuple[int, int]] = []
    agree_n = metric_n = 0
    for (agree, same_metric, _), i, j in candidates:
        if i in used_p or j in used_c:
            continue
        used_p.add(i)
        used_c.add(j)
        pairs.append((i, j))
        agree_n += agree
        metric_n += same_metric
    matched = len(pairs)
    return Score(
        precision=matched / len(p_rows) if p_rows else 0.0,
        recall=matched / len(c_rows) if c_rows else 0.0,
        value_agreement=agree_n / matched if matched else 0.0,
        metric_agreement=metric_n / matched if matched else 0.0,
        matched=matched,
        proposed=len(p_rows),
        curated=len(c_rows),
        pairs=tuple(pairs),
    )


# ---------------------------------------------------------------------------------------------
# Extraction rules

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

_DESTROYED = re.compile(r"\b(?:destroy\w*|lost|lose|losing|loss\w*|knocked out)\b", re.I)

# (pattern, metric); the first pattern found nearest the number wins
_AFTER_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), m)
    for p, m in (
        (r"\bcasualt(?:y|ies) (?:for|per) (?:each|every)? ?kilomet", "casualties_per_km"),
        (r"\bcentimet", "cm_per_casualty"),
        (
            r"\b(?:killed (?:or|and) wounded|wounded (?:or|and) killed|dead and wounded|"
            r"killed or injured|casualt\w*|losses)\b",
            "casualties",
        ),
        (
            r"\b(?:killed|dead|deaths?|died|bodies|corpses|eliminated|massacred|"
            r"killed in action)\b",
            "killed",
        ),
        (r"\b(?:wounded|injured)\b", "wounded"),
        (r"\bprisoners (?:that|who) \w+ recruited\b|\brecruits\b", "persons"),
        (r"\b(?:captured|prisoners?|captive|taken prisoner)\b", "captured"),
        (r"\b(?:unaccounted|missing)\b", "missing"),
        (r"\b(?:square kilomet\w*|sq\.? ?km|km2|km²)", "area_km2"),
        (r"\b(?:tonnes|tons)\b", "ammo_tonnes_per_day"),
        (r"\bartillery attacks\b", "artillery_attacks"),
        (r"\b(?:rocket salvo systems|MLRS|multiple rocket)", "mlrs"),
        (r"\b(?:armou?red fighting vehicles|AFVs?)\b", "afv"),
        (r"\b(?:armou?red personnel carriers?|APCs?)\b", "apc_destroyed"),
        (r"\b(?:IFVs?|infantry fighting vehicles?)\b", "ifv_destroyed"),
        (r"\btanks?\b", "tanks"),
        (r"\b(?:artillery (?:pieces|systems)|howitzers)\b", "artillery_destroyed"),
        (r"\bguns\b", "guns"),
        (r"\b(?:UAVs?|drones?)\b", "uav_destroyed"),
        (r"\b(?:depots|warehouses)\b", "depots_destroyed"),
        (r"\b(?:vehicles?|tractors?)\b", "vehicles_destroyed"),
        (
            r"\b(?:brigades|battalions|groups|shells|bridges?|bombs?|attacks?|instances?|"
            r"aircraft|jets?|helicopters?|MiG|manpower|advantage)\b",
            "other",
        ),
        (r"\btimes\b", "other"),
        (r"(?:%|\bper ?cent\b)", "pct"),
        (r"\b(?:metres|meters|m|km|kilomet(?:er|re)s?|miles?)\b", "distance"),
        (
            r"\b(?:residents|civilians|population|inhabitants)\b",
            "population",
        ),
        (
            r"\b(?:personnel|troops|soldiers|fighters|men|mercenaries|servicemen|recruits|"
            r"Russians|Ukrainians|people|occupants|invaders|Wagnerites|volunteers|convicts)\b",
            "persons",
        ),
    )
)

_LOSS_RULES = tuple(
    (rx, m) for rx, m in _AFTER_RULES if m in {"casualties", "killed", "wounded", "missing"}
)

_SKIP_AFTER = re.compile(
    r"^[\s-]*(?:hours?|days?|weeks?|months?|years?|minutes?|seconds?|year-old|-year|"
    r"pound|roads?|of them|of those|"
    r"of all|of the (?!city)|point)\b",
    re.IGNORECASE,
)
_LOCATION = re.compile(
    r"^\s*(?:km|kilomet\w+|miles?|metres|meters)\s+(?:\w+\s+)?(?:north|south|east|west)\w*"
    r"(?:\s+of)?\b",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"\b(?:Battle of the Bulge|Guadalcanal|Afghanistan|Iwo Jima|Shiloh|Verdun|Somme|"
    r"Stalingrad|World War)\b"
)
_ADVANCE = re.compile(
    r"\b(?:advanc\w*|push\w*|gain\w*|liberat\w*|clear\w*|recaptur\w*|withdr\w*|retreat\w*|"
    r"forced back|moved|progress\w*)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Claimant:
    name: str
    side: str


@dataclass(frozen=True)
class Lexicon:
    """Which words name which claimant and side (data: ``attrition/data/lexicon/*.toml``).

    ``claimants``: ``(pattern, canonical name, claimant side)``, first listed wins a tie;
    ``side_words``: ``(pattern, side)``, the nearest to a number wins; ``default_claimant``:
    ``(name, side)`` of a figure no one is named for; ``enemy_of``: claimant side -> the side
    whose losses an unattributed figure is (others: ``BOTH``); ``advance_sides`` and
    ``advance_default``: the subject of an advance figure. Built by :func:`load_lexicon`.
    """

    claimants: tuple[tuple[re.Pattern[str], str, str], ...]
    side_words: tuple[tuple[re.Pattern[str], str], ...]
    default_claimant: tuple[str, str]
    enemy_of: dict[str, str]
    advance_sides: frozenset[str]
    advance_default: str

    @property
    def default(self) -> _Claimant:
        """The claimant of a figure no one is named for."""
        return _Claimant(*self.default_claimant)


LEXICON_DIR = Path(__file__).parent / "lexicon"
DEFAULT_LEXICON = "ukraine_war"
"""The lexicon :func:`extract_claims` uses by default (the Russia-Ukraine war)."""


def _entry(item: Any, keys: tuple[str, ...], where: str) -> list[Any]:
    if not isinstance(item, dict) or any(k not in item for k in keys):
        raise UserError(f"{where}: needs {', '.join(keys)}")
    return [item[k] for k in keys]


def _compile(pattern: Any, flags: int, where: str) -> re.Pattern[str]:
    try:
        return re.compile(str(pattern), flags)
    except re.error as exc:
        raise UserError(
            f"{where}: pattern {pattern!r} is not a regular expression ({exc})"
        ) from None


@functools.lru_cache(maxsize=8)
def load_lexicon(name: str | Path = DEFAULT_LEXICON) -> Lexicon:
    """Read a claimant lexicon: a name in ``attrition/data/lexicon/`` or a TOML file's path.

    Any problem is one :class:`UserError` line naming the file and the entry."""
    from attrition._io import read_toml

    p = Path(name)
    if p.suffix != ".toml":
        p = LEXICON_DIR / f"{name}.toml"
    if not p.is_file():
        known = sorted(f.stem for f in LEXICON_DIR.glob("*.toml"))
        raise UserError(f"lexicon {name}: no such file {p}; known: {', '.join(known)}")
    data = read_toml(p)
    default = _entry(data.get("default_claimant"), ("name", "side"), f"{p}: [default_claimant]")
    advance = _entry(data.get("advance"), ("sides", "default"), f"{p}: [advance]")
    claimants = []
    for i, c in enumerate(data.get("claimants", [])):
        where = f"{p}: [[claimants]] #{i + 1}"
        pattern, cname, side = _entry(c, ("pattern", "name", "side"), where)
        claimants.append((_compile(pattern, 0, where), str(cname), str(side)))
    words = []
    for i, w in enumerate(data.get("side_words", [])):
        where = f"{p}: [[side_words]] #{i + 1}"
        pattern, side = _entry(w, ("pattern", "side"), where)
        flags = re.IGNORECASE if w.get("ignore_case", False) else 0
        words.append((_compile(pattern, flags, where), str(side)))
    enemy_of = data.get("enemy_of", {})
    if not isinstance(enemy_of, dict):
        raise UserError(f"{p}: [enemy_of] must be a table of claimant side = side")
    return Lexicon(
        claimants=tuple(claimants),
        side_words=tuple(words),
        default_claimant=(str(default[0]), str(default[1])),
        enemy_of={str(k): str(v) for k, v in enemy_of.items()},
        advance_sides=frozenset(str(x) for x in advance[0]),
        advance_default=str(advance[1]),
    )


_SAY_VERB = re.compile(
    r"\b(?:claimed|claims|claim|said|says|reported|reports|stated|states|estimated|estimates|"
    r"announced|admitted|confirmed|added|wrote|told|insisted|assessed|noted|published|"
    r"placing|gave a figure|increased the figures?|had increased|alleged|clarified|stressed|"
    r"indicated|put|according to)\b"
)


def _find_claimant(text: str, lex: Lexicon) -> _Claimant | None:
    """The claimant named nearest before the last 'say' verb of ``text``, if any."""
    verbs = list(_SAY_VERB.finditer(text))
    if not verbs:
        return None
    for verb in reversed(verbs):
        if verb.group(0) == "according to":
            window = text[verb.end() : verb.end() + 60]
            for rx, name, side in lex.claimants:
                if rx.search(window):
                    return _Claimant(name, side)
            continue
        window = text[max(0, verb.start() - 120) : verb.start()]
        best: tuple[int, _Claimant] | None = None
        for rx, name, side in lex.claimants:
            for m in rx.finditer(window):
                if best is None or m.end() > best[0]:
                    best = (m.end(), _Claimant(name, side))
        if best is not None:
            return best[1]
    return None


def _nearest_side(before: str, after: str, lex: Lexicon) -> str | None:
    best: tuple[int, str] | None = None
    for rx, side in lex.side_words:
        for m in rx.finditer(after):
            d = m.start()
            if best is None or d < best[0]:
                best = (d, side)
        for m in rx.finditer(before):
            d = len(before) - m.end() + 15  # after-words (the noun phrase) weigh more
            if best is None or d < best[0]:
                best = (d, side)
    return best[1] if best else None


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
    claimant: _Claimant = _Claimant("", "")
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


_RANGE_SEP = re.compile(
    r"^\s*(?:metres|meters|m|km|kilomet(?:er|re)s?)?\s*(?:–|-|to|-to-|and|or)\s*$", re.IGNORECASE
)


def _after_window(text: str, n: NumberMention, lo: int, hi: int, width: int = 90) -> str:
    """The words after a number: to the next digit or ``width`` characters, parentheticals
    removed (or, for a number inside parentheses, up to the closing one)."""
    inside = text.rfind("(", lo, n.start) > text.rfind(")", lo, n.start)
    seg = text[n.end : hi]
    if inside:
        close = seg.find(")")
        seg = seg if close < 0 else seg[:close]
    else:
        seg = re.sub(r"\s*\([^()]*\)", "", seg)
    digit = re.search(r"\d+(?!\d*(?:st|nd|rd|th)\b)", seg)
    if digit:
        seg = seg[: digit.start()]
    return seg[:width]


_FILLERS = (
    r"(?:(?:another|over|more than|some|about|around|nearly|almost|at least|up to|"
    r"an additional|a further|a total of|the|between|only|just)\s+)*"
)
_KILL_VERB = re.compile(
    rf"\b(?:killed|killing|kill|eliminated|eliminating)\s+{_FILLERS}$|"
    rf"\b(?:deaths of|dead|deaths|killed) (?:included|including|includes)\b[^.;]*$",
    re.IGNORECASE,
)
_WOUND_VERB = re.compile(rf"\b(?:wounded|wounding|injured|injuring)\s+{_FILLERS}$", re.I)
_CAPTURE_VERB = re.compile(rf"\b(?:captured|capturing)\s+{_FILLERS}$", re.IGNORECASE)
_DEATHS_OF = re.compile(rf"\bdeaths of\s+{_FILLERS}$", re.IGNORECASE)
_LOSS_VERB = re.compile(rf"\b(?:lost|losing|loss of|lose)\s+{_FILLERS}$", re.IGNORECASE)


def _verb_metric(before: str) -> str | None:
    """A loss verb right before a number ("killed 23", "wounding over 40"), or ``None``."""
    if _KILL_VERB.search(before) or _DEATHS_OF.search(before):
        return "killed"
    if _WOUND_VERB.search(before):
        return "wounded"
    if _CAPTURE_VERB.search(before):
        return "captured"
    m = re.search(
        r"\bnumber of (?:\w+ )?(killed|wounded|dead|casualties|injured) (?:at|to|as)\s+$", before
    )
    if m:
        word = m.group(1)
        return {"dead": "killed", "injured": "wounded"}.get(word, word)
    return None


def _classify(text: str, n: NumberMention, lo: int, hi: int) -> str | None:
    """The metric of a number mention from the words around it, or ``None`` to skip it."""
    after = _after_window(text, n, lo, hi)
    before = text[max(lo, n.start - 60) : n.start]
    if re.match(r"^-man\b", after):
        return "casualties" if re.search(r"\bdestroy\w*\s+(?:an?\s+)?$", before) else "personnel"
    if _SKIP_AFTER.match(after) or _LOCATION.match(after):
        return None
    if re.match(r"^-(?:strong|year)", after):
        return None
    if re.search(r"\bpopulation of\s+$", before):
        return "population"
    verb = _verb_metric(before)
    if verb is not None:
        return verb
    best: tuple[int, str] | None = None
    for rx, metric in _AFTER_RULES:
        m = rx.search(after)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), metric)
    if best is None:
        return None
    metric = best[1]
    if metric in {"persons", "population"}:
        # a number of people: a loss word further on decides
        rest = after[best[0] :]
        for rx, m_ in _LOSS_RULES:
            if rx.search(rest):
                return m_
        if re.search(r"\b(?:were|was|been) (?:captured|taken prisoner)\b", rest):
            return "captured"
        if metric == "population":
            return "population"
        if _LOSS_VERB.search(before):
            return "killed"
        return "personnel"
    return metric


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


def _to_metres(text: str, n: NumberMention, value: float) -> float:
    after = text[n.end : n.end + 14]
    if re.match(r"\s*(?:km|kilomet)", after, re.IGNORECASE):
        return value * 1000.0
    if re.match(r"\s*(?:mi\b|miles?)", after, re.IGNORECASE):
        return value * 1609.344
    return value


def _refine(metric: str, sentence: str, after: str, clause: str) -> str | None:
    """Settle metrics that depend on the sentence (destroyed or not, of the city or not)."""
    if metric == "tanks":
        return "tanks_destroyed" if _DESTROYED.search(sentence) else "tanks"
    if metric == "afv":
        return "vehicles_destroyed" if re.search(r"destroy", sentence, re.I) else "afv"
    if metric == "uav_destroyed":
        return "uav_destroyed" if _DESTROYED.search(sentence) else "other"
    if metric == "vehicles_destroyed" and not _DESTROYED.search(sentence):
        return None
    if metric == "ammo_tonnes_per_day":
        return metric
    if metric == "pct":
        if re.search(r"ammunition", after, re.I):
            return "ammo_delivered_pct"
        if re.search(
            r"^\W*(?:of )?(?:the city|Bakhmut\b(?!'s)|[A-Z][a-z]+ had)",
            after.lstrip("%").replace("percent", "").replace("per cent", "").strip() or "x",
        ) or re.search(r"of the city", clause):
            return "city_control_pct"
        return "other"
    if metric == "distance":
        if re.search(r"\bapart\b", after):
            return None
        if re.search(r"\b(?:wide|width)\b", after[:30]):
            return "advance_width_m"
        if re.search(r"\b(?:deep|depth)\b", after[:30]):
            return "advance_depth_m"
        if _ADVANCE.search(sentence):
            return "advance_m"
        return None
    return metric


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
