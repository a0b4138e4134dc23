"""attrition.simulate: engines that run models (adaptive ODE, daily RK4, stochastic engines)
and ensembles over them.

The public names are re-exported lazily: importing this package loads no numerical library.
:func:`simulate` runs a scenario's ensemble (:func:`attrition.simulate.ensemble.simulate`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

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
