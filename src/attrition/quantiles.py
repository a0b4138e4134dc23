"""The one summary of draws every result reports: the median and the 90% interval.

A base module (no package imports), so every layer reports the same quantiles; also
re-exported as :mod:`attrition.infer.quantiles`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Q", "quantiles"]

Q = (0.05, 0.5, 0.95)
"""The quantiles every summary reports (90% interval and median)."""


def quantiles(x: Any) -> dict[str, float]:
    """``{median, q05, q95}`` of draws (float64)."""
    import numpy as np

    q05, q50, q95 = np.quantile(np.asarray(x, dtype=np.float64), Q)
    return {"median": float(q50), "q05": float(q05), "q95": float(q95)}
