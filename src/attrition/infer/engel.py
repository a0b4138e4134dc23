"""Engel's (1954) estimator of the square law with reinforcements (Iwo Jima).

With M(t) the attacker's (US) active strength on day t, N(0) the defender's (Japanese) initial
strength, annihilated by the end, and no defender reinforcement:

    b = N(0) / Σ_t M(t)                      (US fire effectiveness, Japanese losses per US per day)
    N(t) = N(0) − b · Σ_{s<t} M(s)           (reconstructed Japanese strength)
    a = (total US casualties) / Σ_t N(t)     (Japanese fire effectiveness)

Reference: J. H. Engel, "A verification of Lanchester's law", J. Oper. Res. Soc. Am. 2(2), 1954.
"""

from __future__ import annotations

import numpy as np

from attrition.errors import UserError
from attrition.infer.base import Fitter, check_identifiable
from attrition.infer.battle import BattleData


class EngelFitter(Fitter):
    """Engel's estimator. Side 0 is the attacker with observed strength and losses; side 1 the
    defender with known initial strength, assumed annihilated by the last day.

    Fitted attributes: ``coefficients_`` (dict side → coefficient), ``defender_strength_``
    (reconstructed N(t)), ``n_days_``.
    """

    method = "engel"

    def fit(self, data: BattleData) -> EngelFitter:
        """Estimate both coefficients from ``data`` (see module docstring)."""
        m = data.force[:, 0]
        losses = data.losses[:, 0]
        n0 = float(data.initial[1])
        if not np.all(np.isfinite(m)) or not np.all(np.isfinite(losses)):
            raise UserError(
                f"{data.name}: Engel's estimator needs the attacker's strength and losses on "
                "every day; the selected days have gaps"
            )
        if n0 <= 0 or np.any(m < 0) or m.sum() <= 0:
            raise UserError(
                f"{data.name}: Engel's estimator needs a positive defender strength at day 0 "
                "and non-negative attacker strengths"
            )
        check_identifiable(data, int(losses.size), 2, "Engel's estimator")
        b = n0 / m.sum()
        before = np.concatenate([[0.0], np.cumsum(m)[:-1]])
        n_t = n0 - b * before
        a = float(losses.sum()) / float(n_t.sum())
        self.coefficients_ = {data.sides[0]: float(b), data.sides[1]: a}
        self.defender_strength_ = n_t
        self.n_days_ = int(m.size)
        self.data_ = data
        self.fitted_ = True
        return self

    def _statistics(self) -> dict[str, float]:
        """``n_days``: the days fitted (Engel's estimator gives no intervals)."""
        return {"n_days": self.n_days_}
