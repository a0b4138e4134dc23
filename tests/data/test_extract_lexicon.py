"""The extractor's claimant lexicon is data (attrition/data/lexicon/*.toml), not code.

Oracles: the packaged lexicon's own entries; a hand-written lexicon whose only claimant and
side words are known, run on the held-out text; malformed files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from attrition.data.article import read_article
from attrition.data.extract import DEFAULT_LEXICON, extract_claims, load_lexicon
from attrition.errors import UserError

HELD_OUT = Path(__file__).parent / "heldout" / "ukraine_battles" / "article.md"


def test_packaged_lexicon_reads() -> None:
    lex = load_lexicon(DEFAULT_LEXICON)
    names = [n for _, n, _ in lex.claimants]
    assert names[0] == "Yevgeny Prigozhin"
    assert len(names) == 36
    assert lex.default_claimant == ("Wikipedia (article text)", "OTHER")
    assert lex.enemy_of == {"UA": "RU", "RU": "UA", "WEST": "RU"}
    assert [s for _, s in lex.side_words] == ["WAGNER", "CIVILIAN", "BOTH", "RU", "UA"]
    wagner = lex.side_words[0][0]
    assert wagner.flags & re.IGNORECASE
    assert wagner.search("the WAGNERites")


def test_a_lexicon_file_drives_the_extractor(tmp_path: Path) -> None:
    """With a lexicon that names one claimant and no side words, every proposal is that
    claimant's or the default's, and whose figure it is follows enemy_of alone."""
    lex = tmp_path / "mini.toml"
    lex.write_text(
        """[default_claimant]
name = "Nobody"
side = "OTHER"

[enemy_of]
UA = "RU"

[advance]
sides = ["RU"]
default = "RU"

[[claimants]]
pattern = 'Zelensk'
name = "The President"
side = "UA"
""",
        encoding="utf-8",
    )
    art = read_article(HELD_OUT)
    default = extract_claims(art)
    mini = extract_claims(art, lex)
    assert len(mini) == len(default)  # the lexicon decides who and whose, not what
    assert set(mini["claimant"]) <= {"Nobody", "The President"}
    assert set(mini["claimant"]) != set(default["claimant"])
    assert set(mini.loc[mini["claimant"] == "Nobody", "subject_side"]) <= {"BOTH", "RU"}


def test_bad_lexicon_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[default_claimant]\nname = "N"\nside = "OTHER"\n[advance]\nsides = []\ndefault = "A"\n'
        '[[claimants]]\npattern = \'(unclosed\'\nname = "X"\nside = "A"\n',
        encoding="utf-8",
    )
    with pytest.raises(UserError, match=r"bad\.toml: \[\[claimants\]\] #1: pattern"):
        load_lexicon(bad)
    missing = tmp_path / "missing.toml"
    missing.write_text('[advance]\nsides = []\ndefault = "A"\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"missing\.toml: \[default_claimant\]: needs name, side"):
        load_lexicon(missing)
    with pytest.raises(UserError, match="known: ukraine_war"):
        load_lexicon("no_such_lexicon")
