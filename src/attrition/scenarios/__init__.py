"""attrition.scenarios: TOML scenarios (validated specs) and sensitivity analysis over them.

The public names are re-exported lazily: importing this package loads no numerical library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrition.lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(globals(), _WHERE)
