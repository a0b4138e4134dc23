"""Which metric a number measures, from the words around it.

The words after a number (``_after_window``) are matched against ordered rules (killed,
wounded, tanks, metres, per cent ...); a loss verb right before it wins (``killed 23``); numbers
of people become losses only when a loss word follows; durations, ages and locations are
skipped; ``_refine`` settles what depends on the sentence (destroyed or not, of the city or
not), and distances are converted to metres.
"""

from __future__ import annotations

import re

from attrition.data.extract.numerals import NumberMention

__all__: list[str] = []

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

_ADVANCE = re.compile(
    r"\b(?:advanc\w*|push\w*|gain\w*|liberat\w*|clear\w*|recaptur\w*|withdr\w*|retreat\w*|"
    r"forced back|moved|progress\w*)\b",
    re.IGNORECASE,
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
