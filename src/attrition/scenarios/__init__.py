"""attrition.scenarios: TOML scenarios (validated specs) and sensitivity analysis over them.

One schema stack serves every kind of scenario file: :mod:`attrition.scenarios.schema` (the
strict base model, the one error format, the read -> validate path), the kind registry
(:mod:`attrition.scenarios.kinds`), the duel kind (:mod:`attrition.scenarios.spec`, with the
distributions of its uncertain inputs in :mod:`attrition.scenarios.distributions`).

The public names are re-exported lazily: importing this package loads no numerical library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrition.lazy import lazy_exports

if TYPE_CHECKING:
    from attrition.scenarios.distributions import Distribution
    from attrition.scenarios.kinds import ScenarioKind, load_scenario_file
    from attrition.scenarios.schema import StrictModel, validate_scenario
    from attrition.scenarios.sensitivity import SensitivityResult, analyse
    from attrition.scenarios.spec import Scenario, library_scenarios, load_scenario, parse_scenario

#: Where each public name lives: ``"module"`` or ``"module:attribute"`` (imported on first use).
_WHERE: dict[str, str] = {
    "Scenario": "attrition.scenarios.spec",
    "load_scenario": "attrition.scenarios.spec",
    "parse_scenario": "attrition.scenarios.spec",
    "library_scenarios": "attrition.scenarios.spec",
    "Distribution": "attrition.scenarios.distributions",
    "StrictModel": "attrition.scenarios.schema",
    "validate_scenario": "attrition.scenarios.schema",
    "SensitivityResult": "attrition.scenarios.sensitivity",
    "ScenarioKind": "attrition.scenarios.kinds",
    "load_scenario_file": "attrition.scenarios.kinds",
    "analyse": "attrition.scenarios.sensitivity",
}

__all__ = [
    "Distribution",
    "Scenario",
    "ScenarioKind",
    "SensitivityResult",
    "StrictModel",
    "analyse",
    "library_scenarios",
    "load_scenario",
    "load_scenario_file",
    "parse_scenario",
    "validate_scenario",
]


__getattr__, __dir__ = lazy_exports(globals(), _WHERE)
