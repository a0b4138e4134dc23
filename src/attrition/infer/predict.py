"""Model predictions of daily losses, shared by the least-squares and likelihood fitters.

Two modes:

* ``conditional``: the loss on day t is the law's loss rate at the *observed* strengths of day t
  (needs both sides' strengths; fast, and what Bracken and Fricker fitted);
* ``trajectory``: the model is integrated from the initial strengths with the reinforcement
  schedule, and the loss on day d is the model's cumulative loss at d minus that at d − 1
  (needs no strength observations; what Engel's Iwo Jima model does).

The free parameters θ are the logs of the two coefficients, plus p and q for the power law.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attrition.errors import UserError, unknown_name
from attrition.infer.battle import BattleData
from attrition.models.lanchester import LanchesterModel
from attrition.models.laws import Law, get_law, loss_rates

MODES = ("auto", "conditional", "trajectory")


@dataclass(frozen=True)
class Parameterisation:
    """Maps the free parameter vector θ to a law and coefficients."""

    law_name: str
    aimed: int = 0

    @property
    def n_params(self) -> int:
        """Number of free parameters."""
        return 4 if self.law_name == "power" else 2

    @property
    def names(self) -> list[str]:
        """Parameter names (coefficient of each side, then p, q for the power law)."""
        base = ["coef_blue", "coef_red"]
        return [*base, "p", "q"] if self.law_name == "power" else base

    def law(self, theta: np.ndarray) -> Law:
        """The law at θ."""
        if self.law_name == "power":
            return get_law("power", p=float(theta[2]), q=float(theta[3]))
        return get_law(self.law_name, aimed=self.aimed)

    @staticmethod
    def coef(theta: np.ndarray) -> np.ndarray:
        """The two coefficients at θ."""
        out: np.ndarray = np.exp(np.asarray(theta[:2], dtype=float))
        return out

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of θ (log-coefficients in [log 1e-12, log 1e3], exponents in
        [0, 2])."""
        lo = [np.log(1e-12)] * 2
        hi = [np.log(1e3)] * 2
        if self.law_name == "power":
            lo += [0.0, 0.0]
            hi += [2.0, 2.0]
        return np.array(lo), np.array(hi)


def resolve_mode(mode: str, data: BattleData) -> str:
    """Pick the prediction mode (``auto``: conditional when both strengths are observed)."""
    if mode not in MODES:
        raise unknown_name("mode", mode, MODES)
    if mode == "auto":
        return "conditional" if np.all(np.isfinite(data.force)) else "trajectory"
    if mode == "conditional" and not np.all(np.isfinite(data.force)):
        raise UserError(
            f"{data.name}: conditional fits need both sides' daily strengths; use --mode trajectory"
        )
    return mode


def predict_daily_losses(
    par: Parameterisation, theta: np.ndarray, data: BattleData, mode: str
) -> np.ndarray:
    """Predicted losses of each side on each day of ``data``, shape ``(n, 2)``."""
    law = par.law(theta)
    coef = par.coef(theta)
    if mode == "conditional":
        rates: np.ndarray = np.asarray(loss_rates(data.force, coef, law), dtype=float)
        return rates
    from attrition.simulate.rk4 import integrate_daily

    model = LanchesterModel(law, (float(coef[0]), float(coef[1])), data.sides, data.schedule)
    end = round(float(data.day.max()) - data.day0)
    _, cum = integrate_daily(model, np.asarray(data.initial, dtype=float), end)
    daily = np.diff(cum, axis=0)
    idx = (data.day - data.day0 - 1).astype(int)
    out: np.ndarray = np.asarray(daily[idx], dtype=float)
    return out
