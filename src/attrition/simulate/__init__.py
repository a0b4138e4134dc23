"""attrition.simulate: engines that run models (adaptive ODE, daily RK4, stochastic engines)
and ensembles over them.

The public names are re-exported lazily: importing this package loads no numerical library.
:func:`simulate` runs a scenario's ensemble (:func:`attrition.simulate.ensemble.simulate`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrition.lazy import lazy_exports

if TYPE_CHECKING:
    from attrition.simulate.ensemble import Ensemble, simulate
    from attrition.simulate.ode import solve
    from attrition.simulate.rk4 import integrate_daily
    from attrition.simulate.rng import seed_run
    from attrition.simulate.stochastic import RunArrays, run_stochastic
    from attrition.simulate.trajectory import Trajectory

#: Where each public name lives: ``"module"`` or ``"module:attribute"`` (imported on first use).
_WHERE: dict[str, str] = {
    "solve": "attrition.simulate.ode",
    "Trajectory": "attrition.simulate.trajectory",
    "integrate_daily": "attrition.simulate.rk4",
    "RunArrays": "attrition.simulate.stochastic",
    "run_stochastic": "attrition.simulate.stochastic",
    "Ensemble": "attrition.simulate.ensemble",
    "simulate": "attrition.simulate.ensemble",
    "seed_run": "attrition.simulate.rng",
}

__all__ = [
    "Ensemble",
    "RunArrays",
    "Trajectory",
    "integrate_daily",
    "run_stochastic",
    "seed_run",
    "simulate",
    "solve",
]


__getattr__, __dir__ = lazy_exports(globals(), _WHERE)
