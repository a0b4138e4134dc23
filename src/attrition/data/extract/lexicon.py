"""Who says what about whom: the claimant lexicon (data in ``attrition/data/lexicon/``).

:func:`load_lexicon` reads a TOML lexicon into a :class:`Lexicon` (claimant names, side words,
the default claimant, whose losses an unattributed figure is, the sides of an advance); the
helpers here find the claimant named before a 'say' verb and the side word nearest a number.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from attrition.errors import UserError

__all__ = ["DEFAULT_LEXICON", "LEXICON_DIR", "Lexicon", "load_lexicon"]


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


LEXICON_DIR = Path(__file__).resolve().parents[1] / "lexicon"
"""The folder of the packaged lexicons (one TOML file each)."""
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
