"""attrition: the contested record of an attritional battle, turned into numbers people trust.

The names a user reaches for first are importable from here; each is imported on first use, so
``import attrition`` reads no file and loads no numerical library::

    import attrition

    claims = attrition.load_claims("bakhmut")          # the curated claims (a DataFrame)
    fit = attrition.fit_dataset("ardennes", method="least-squares")
    fit.to_frame()                                      # one row per fitted parameter

The pipeline's layers, each a subpackage with its own curated names: :mod:`attrition.data`
(evidence and datasets) → :mod:`attrition.models` (the Lanchester family) →
:mod:`attrition.simulate` (engines and ensembles) → :mod:`attrition.infer` (fitters and the
fog-of-war estimate) → :mod:`attrition.scenarios` → :mod:`attrition.battles` →
:mod:`attrition.report`.
``run_ensemble`` is :func:`attrition.simulate.simulate` (the subpackage keeps the name
``attrition.simulate``). ``__version__`` is the package's version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrition.lazy import lazy_exports

if TYPE_CHECKING:
    from attrition.data.claims import (
        battle_spec,
        load_claims,
        load_events,
        load_phases,
        load_places,
    )
    from attrition.data.datasets import load
    from attrition.data.known import known_by
    from attrition.errors import UserError
    from attrition.infer.battle import load_battle
    from attrition.infer.fit import DatasetFit, fit_dataset
    from attrition.infer.fusion import FogOfWar
    from attrition.models.lanchester import LanchesterModel
    from attrition.models.laws import get_law
    from attrition.models.schedule import Schedule
    from attrition.report.build import build_report
    from attrition.scenarios.spec import Scenario, load_scenario
    from attrition.simulate.ensemble import Ensemble
    from attrition.simulate.ensemble import simulate as run_ensemble
    from attrition.simulate.ode import solve
    from attrition.simulate.trajectory import Trajectory

__version__ = "0.1.0"

#: Where each public name lives: ``"module"`` or ``"module:attribute"`` (imported on first use).
_WHERE: dict[str, str] = {
    "load_claims": "attrition.data.claims",
    "load_events": "attrition.data.claims",
    "load_phases": "attrition.data.claims",
    "load_places": "attrition.data.claims",
    "battle_spec": "attrition.data.claims",
    "load": "attrition.data.datasets",
    "known_by": "attrition.data.known",
    "LanchesterModel": "attrition.models.lanchester",
    "Schedule": "attrition.models.schedule",
    "get_law": "attrition.models.laws",
    "solve": "attrition.simulate.ode",
    "Trajectory": "attrition.simulate.trajectory",
    "run_ensemble": "attrition.simulate.ensemble:simulate",
    "Ensemble": "attrition.simulate.ensemble",
    "FogOfWar": "attrition.infer.fusion",
    "fit_dataset": "attrition.infer.fit",
    "DatasetFit": "attrition.infer.fit",
    "load_battle": "attrition.infer.battle",
    "load_scenario": "attrition.scenarios.spec",
    "Scenario": "attrition.scenarios.spec",
    "build_report": "attrition.report.build",
    "UserError": "attrition.errors",
}

__all__ = [
    "DatasetFit",
    "Ensemble",
    "FogOfWar",
    "LanchesterModel",
    "Scenario",
    "Schedule",
    "Trajectory",
    "UserError",
    "__version__",
    "battle_spec",
    "build_report",
    "fit_dataset",
    "get_law",
    "known_by",
    "load",
    "load_battle",
    "load_claims",
    "load_events",
    "load_phases",
    "load_places",
    "load_scenario",
    "run_ensemble",
    "solve",
]


__getattr__, __dir__ = lazy_exports(globals(), _WHERE)
