"""The quantile summary, re-exported from the base module :mod:`attrition.quantiles` (one
definition for every layer; the simulation layer uses it too)."""

from __future__ import annotations

from attrition.quantiles import Q, quantiles

__all__ = ["Q", "quantiles"]
