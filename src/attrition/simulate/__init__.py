"""Engines that run models: the adaptive ODE solver (more engines arrive with ensembles)."""

from attrition.simulate.ode import solve
from attrition.simulate.trajectory import Trajectory

__all__ = ["Trajectory", "solve"]
