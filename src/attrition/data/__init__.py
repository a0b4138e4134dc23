"""attrition.data: the evidence base (battle folders, claims, events, phases, places) and the
packaged classic datasets.

The public names are re-exported lazily, so importing this package reads no file and pulls in
no pandas: ``from attrition.data import load_claims``. ``load`` loads a classic dataset by name
(:func:`attrition.data.datasets.load`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrition.lazy import lazy_exports

if TYPE_CHECKING:
    from attrition.data.article import Article, read_article
    from attrition.data.battle import BattleSpec, new_battle_folder, read_battle_toml
    from attrition.data.cdb90 import load_cdb90
    from attrition.data.checks import CheckReport, check_claims
    from attrition.data.claims import (
        battle_dir,
        battle_spec,
        battles,
        claims_to_csv,
        filter_claims,
        load_claims,
        load_events,
        load_phases,
        load_places,
    )
    from attrition.data.control import control_evidence, control_timeline
    from attrition.data.datasets import DatasetInfo, load
    from attrition.data.extract import extract_claims, score_extraction
    from attrition.data.known import known_by
    from attrition.data.schema import read_claims_csv, read_events_csv
    from attrition.data.streams import available_streams, load_streams

#: Where each public name lives: ``"module"`` or ``"module:attribute"`` (imported on first use).
_WHERE: dict[str, str] = {
    "battles": "attrition.data.claims",
    "battle_dir": "attrition.data.claims",
    "battle_spec": "attrition.data.claims",
    "load_claims": "attrition.data.claims",
    "load_events": "attrition.data.claims",
    "load_phases": "attrition.data.claims",
    "load_places": "attrition.data.claims",
    "filter_claims": "attrition.data.claims",
    "claims_to_csv": "attrition.data.claims",
    "known_by": "attrition.data.known",
    "BattleSpec": "attrition.data.battle",
    "new_battle_folder": "attrition.data.battle",
    "read_battle_toml": "attrition.data.battle",
    "CheckReport": "attrition.data.checks",
    "check_claims": "attrition.data.checks",
    "Article": "attrition.data.article",
    "read_article": "attrition.data.article",
    "extract_claims": "attrition.data.extract",
    "score_extraction": "attrition.data.extract",
    "control_evidence": "attrition.data.control",
    "control_timeline": "attrition.data.control",
    "DatasetInfo": "attrition.data.datasets",
    "load": "attrition.data.datasets",
    "available_streams": "attrition.data.streams",
    "load_streams": "attrition.data.streams",
    "load_cdb90": "attrition.data.cdb90",
    "read_claims_csv": "attrition.data.schema",
    "read_events_csv": "attrition.data.schema",
}

__all__ = [
    "Article",
    "BattleSpec",
    "CheckReport",
    "DatasetInfo",
    "available_streams",
    "battle_dir",
    "battle_spec",
    "battles",
    "check_claims",
    "claims_to_csv",
    "control_evidence",
    "control_timeline",
    "extract_claims",
    "filter_claims",
    "known_by",
    "load",
    "load_cdb90",
    "load_claims",
    "load_events",
    "load_phases",
    "load_places",
    "load_streams",
    "new_battle_folder",
    "read_article",
    "read_battle_toml",
    "read_claims_csv",
    "read_events_csv",
    "score_extraction",
]


__getattr__, __dir__ = lazy_exports(globals(), _WHERE)
