"""Ratio regression of Bracken (1995) and Fricker (1998).

For the power law dB/dt = −r·R^p·B^q, dR/dt = −b·B^p·R^q, the ratio of same-day losses is

    ΔB/ΔR = (r/b) · (R/B)^{p−q}   ⇒   log(ΔB/ΔR) = log α + β · log(R/B),

an ordinary least-squares line with β = p − q (1 square, 0 linear, −1 logarithmic) and α = r/b.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.errors import UserError
from attrition.infer.base import Fitter
from attrition.infer.battle import BattleData

if TYPE_CHECKING:
    import pandas as pd


class RatioRegression(Fitter):
    """OLS of log(ΔB/ΔR) on log(R/B) over the days of ``data``.

    Fitted attributes: ``alpha_``, ``beta_``, ``r2_``, ``n_days_``, ``stderr_`` (of log α and β),
    ``residuals_``.
    """

    method = "ratio-regression"

    def fit(self, data: BattleData) -> RatioRegression:
        """Fit the line; days with a zero or negative loss or strength raise :class:`UserError`."""
        f, lo = data.force, data.losses
        for arr, what in ((f, "strength"), (lo, "loss")):
            bad = ~np.isfinite(arr) | (arr <= 0)
            if bad.any():
                i, j = np.argwhere(bad)[0]
                raise UserError(
                    f"{data.name}: day {data.day[i]}: {data.sides[j]} {what} is "
                    f"{arr[i, j]}; the ratio regression takes logs, so every selected day needs "
                    "positive strengths and losses (choose other --days)"
                )
        y = np.log(lo[:, 0] / lo[:, 1])
        x = np.log(f[:, 1] / f[:, 0])
        n = y.size
        if n < 3:
            raise UserError(f"{data.name}: ratio regression needs at least 3 days, got {n}")
        design = np.column_stack([np.ones(n), x])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = y - design @ coef
        ss_res = float(resid @ resid)
        ss_tot = float(((y - y.mean()) ** 2).sum())
        sigma2 = ss_res / (n - 2)
        cov = sigma2 * np.linalg.inv(design.T @ design)
        self.log_alpha_ = float(coef[0])
        self.alpha_ = float(np.exp(coef[0]))
        self.beta_ = float(coef[1])
        self.r2_ = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
        self.stderr_ = (float(np.sqrt(cov[0, 0])), float(np.sqrt(cov[1, 1])))
        self.residuals_ = resid
        self.n_days_ = n
        self.days_ = (int(data.day.min()), int(data.day.max()))
        self.fitted_ = True
        return self

    def summary(self) -> dict[str, Any]:
        """JSON-ready results: alpha, beta, r2, n_days and standard errors, formatted from
        :meth:`to_frame` and :meth:`statistics_frame` by :func:`ratio_summary_from_frames`."""
        self._require_fitted()
        return ratio_summary_from_frames(self.to_frame(), self.statistics_frame())

    def _statistics(self) -> dict[str, float]:
        """``r2`` of the line and ``n_days`` fitted."""
        return {"r2": self.r2_, "n_days": self.n_days_}

    def _parameter_rows(self) -> list[dict[str, Any]]:
        """Rows of :meth:`to_frame`: ``log_alpha`` and ``beta`` with their OLS standard errors,
        and ``alpha = exp(log_alpha)`` (no intervals: the regression reports standard errors)."""
        nan = float("nan")
        return [
            {"parameter": "log_alpha", "side": None, "estimate": self.log_alpha_,
             "ci_low": nan, "ci_high": nan, "stderr": self.stderr_[0]},
            {"parameter": "alpha", "side": None, "estimate": self.alpha_,
             "ci_low": nan, "ci_high": nan, "stderr": nan},
            {"parameter": "beta", "side": None, "estimate": self.beta_,
             "ci_low": nan, "ci_high": nan, "stderr": self.stderr_[1]},
        ]  # fmt: skip


def ratio_summary_from_frames(parameters: pd.DataFrame, statistics: pd.DataFrame) -> dict[str, Any]:
    """The ratio regression's JSON summary from its frames: ``alpha``, ``beta``, then the
    statistics (``r2``, ``n_days``), then ``stderr: {log_alpha, beta}``."""
    from attrition.infer.base import statistics_dict

    by = {str(r["parameter"]): r for r in parameters.to_dict(orient="records")}
    return {
        "alpha": float(by["alpha"]["estimate"]),
        "beta": float(by["beta"]["estimate"]),
        **statistics_dict(statistics),
        "stderr": {
            "log_alpha": float(by["log_alpha"]["stderr"]),
            "beta": float(by["beta"]["stderr"]),
        },
    }


def ardennes_variants() -> pd.DataFrame:
    """Every variant of the Ardennes ratio regression (Bracken 1995, Fricker 1998).

    combat/total force × original/reformatted series × days 1–32, 1–10, 11–32 × without/with
    air sorties (weight 30, added to force only). Bracken's weights throughout.
    Columns: force, series, days, air_weight, alpha, beta, r2, n_days.
    """
    import pandas as pd

    from attrition.infer.battle import ardennes_data

    rows = []
    for force in ("combat", "total"):
        for series in ("original", "reformatted"):
            for air in (None, 30.0):
                data = ardennes_data(force=force, series=series, air_weight=air)
                for days in ((1, 32), (1, 10), (11, 32)):
                    fit = RatioRegression().fit(data.select(days))
                    rows.append(
                        {
                            "force": force,
                            "series": series,
                            "days": f"{days[0]}-{days[1]}",
                            "air_weight": 0.0 if air is None else air,
                            "alpha": fit.alpha_,
                            "beta": fit.beta_,
                            "r2": fit.r2_,
                            "n_days": fit.n_days_,
                        }
                    )
    return pd.DataFrame(rows)
