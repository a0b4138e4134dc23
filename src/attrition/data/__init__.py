"""attrition.data: the evidence base (battle folders, claims, events, phases, places).

The loaders are re-exported lazily, so importing this package reads no file and pulls in no
pandas: ``from attrition.data import load_claims``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "battles": "attrition.data.claims",
    "battle_dir": "attrition.data.claims",
    "battle_spec": "attrition.data.claims",
    "load_claims": "attrition.data.claims",
    "load_events": "attrition.data.claims",
    "load_phases": "attrition.data.claims",
    "load_places": "attrition.data.claims",
    "known_by": "attrition.data.known",
    "BattleSpec": "attrition.data.battle",
    "new_battle_folder": "attrition.data.battle",
    "read_battle_toml": "attrition.data.battle",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'attrition.data' has no attribute {name!r}")
