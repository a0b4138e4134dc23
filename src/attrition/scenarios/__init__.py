"""attrition.scenarios: TOML scenarios (validated specs) and sensitivity analysis over them.

The public names are re-exported lazily: importing this package loads no numerical library.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from attrition.scenarios.kinds import ScenarioKind, load_scenario_file
    from attrition.scenarios.sensitivity import SensitivityResult, analyse
    from attrition.scenarios.spec import Scenario, library_scenarios, load_scenario, parse_scenario

#: Where each public name lives: ``"module"`` or ``"module:attribute"`` (imported on first use).
_WHERE: dict[str, str] = {
    "Scenario": "attrition.scenarios.spec",
    "load_scenario": "attrition.scenarios.spec",
    "parse_scenario": "attrition.scenarios.spec",
    "library_scenarios": "attrition.scenarios.spec",
    "SensitivityResult": "attrition.scenarios.sensitivity",
    "ScenarioKind": "attrition.scenarios.kinds",
    "load_scenario_file": "attrition.scenarios.kinds",
    "analyse": "attrition.scenarios.sensitivity",
}

__all__ = [
    "Scenario",
    "ScenarioKind",
    "SensitivityResult",
    "analyse",
    "library_scenarios",
    "load_scenario",
    "load_scenario_file",
    "parse_scenario",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attr = _WHERE[name].partition(":")
    value = getattr(import_module(module), attr or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
