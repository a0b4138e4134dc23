"""Battle-specific model code, one package per battle (the data of a battle is a folder under
``attrition/data/battles/``; only battles with a model have a package here).

This package also registers the scenario kinds (:data:`SCENARIO_KINDS`): it sits above both the
generic duel scenarios (:mod:`attrition.scenarios.spec`) and the battles' own, so it is where a
scenario file of any kind is read (:func:`load_scenario`) and where the packaged scenarios of
every kind are listed (:func:`scenario_library`). A kind's parser is imported only when a file of
that kind is read; importing this package loads no numerical library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from attrition.data.tables import BATTLES_DIR
from attrition.scenarios import kinds
from attrition.scenarios.kinds import ScenarioKind

__all__ = ["SCENARIO_KINDS", "load_scenario", "resolve_scenario", "scenario_library"]

#: The scenario kinds, by the value of ``[scenario] kind``: each names the module that parses
#: it (``parse_file(data, path)``) and the folder of its packaged files. To add a kind, give
#: its module a ``parse_file`` and register it here.
SCENARIO_KINDS: dict[str, ScenarioKind] = {
    "duel": ScenarioKind(
        "duel",
        "attrition.scenarios.spec",
        Path(__file__).resolve().parents[1] / "scenarios" / "library",
        "a Lanchester duel: two sides, a law, an ensemble (attrition simulate)",
    ),
    "bakhmut": ScenarioKind(
        "bakhmut",
        "attrition.battles.bakhmut.scenarios",
        BATTLES_DIR / "bakhmut" / "scenarios",
        "a what-if of the Battle of Bakhmut over the calibrated model",
    ),
}


def resolve_scenario(name_or_path: str | Path) -> tuple[Path, str]:
    """The file a packaged name (of any kind) or a path means, and its kind when the file
    declares none (see :func:`attrition.scenarios.kinds.resolve_scenario`)."""
    return kinds.resolve_scenario(name_or_path, SCENARIO_KINDS)


def load_scenario(name_or_path: str | Path) -> Any:
    """A scenario of any kind: a packaged name or a TOML file, read once and parsed by its
    kind's parser (the result's ``scenario.kind`` names the kind).

    Raises:
        UserError: an unknown name or missing file (listing the packaged scenarios), an unknown
            kind (naming the file, the key and the valid kinds), or the kind's validation.
    """
    path, default = resolve_scenario(name_or_path)
    return kinds.load_scenario_file(path, SCENARIO_KINDS, default=default)


def scenario_library() -> dict[str, tuple[str, Path]]:
    """The packaged scenarios of every kind: ``name -> (kind, path)``, kinds in registry order,
    names sorted within a kind."""
    return kinds.packaged_scenarios(SCENARIO_KINDS)
