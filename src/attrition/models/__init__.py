"""Attrition models: the Lanchester family on one vector field."""

from attrition.models.lanchester import LanchesterModel
from attrition.models.laws import LAW_NAMES, Law, get_law, invariant, loss_rates
from attrition.models.schedule import Impulse, Rate, Schedule, StopRule

__all__ = [
    "LAW_NAMES",
    "Impulse",
    "LanchesterModel",
    "Law",
    "Rate",
    "Schedule",
    "StopRule",
    "get_law",
    "invariant",
    "loss_rates",
]
