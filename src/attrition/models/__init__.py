"""attrition.models: the Lanchester family on one vector field (laws, schedules, stop rules).

The public names are re-exported lazily: importing this package loads no numerical library.
``LAW_NAMES`` lists the laws :func:`get_law` knows: square, linear, logarithmic, mixed, power.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrition.lazy import lazy_exports

if TYPE_CHECKING:
    from attrition.models.lanchester import LanchesterModel
    from attrition.models.laws import LAW_NAMES, Law, get_law, invariant, loss_rates
    from attrition.models.schedule import Impulse, Rate, Schedule, StopRule

#: Where each public name lives: ``"module"`` or ``"module:attribute"`` (imported on first use).
_WHERE: dict[str, str] = {
    "LanchesterModel": "attrition.models.lanchester",
    "LAW_NAMES": "attrition.models.laws",
    "Law": "attrition.models.laws",
    "get_law": "attrition.models.laws",
    "invariant": "attrition.models.laws",
    "loss_rates": "attrition.models.laws",
    "Impulse": "attrition.models.schedule",
    "Rate": "attrition.models.schedule",
    "Schedule": "attrition.models.schedule",
    "StopRule": "attrition.models.schedule",
}

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


__getattr__, __dir__ = lazy_exports(globals(), _WHERE)
