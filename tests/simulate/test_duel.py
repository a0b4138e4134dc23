"""The duel's scalar equations (simulate.duel) agree with the shared vector field
(models.laws.loss_rates) they are written from."""

from __future__ import annotations

import numpy as np
import pytest

from attrition.models.laws import Law, get_law, loss_rates
from attrition.simulate.duel import clamped_loss, propensities, rk4_step

LAWS = [get_law(n) for n in ("square", "linear", "logarithmic")] + [
    Law("power", (0.7, 1.3), (0.4, 0.2))
]


@pytest.mark.parametrize("law", LAWS, ids=lambda law: law.name)
def test_scalar_loss_equals_the_vector_field(law: Law) -> None:
    rng = np.random.default_rng(0)
    y = rng.uniform(0.0, 2000.0, (200, 2))
    y[:5, 0] = 0.0  # empty sides: the guard
    coef = rng.uniform(0.001, 0.05, (200, 2))
    p0, p1 = law.shooter_exp
    q0, q1 = law.target_exp
    ref = np.asarray(loss_rates(y, coef, law))
    ref_unguarded = np.asarray(loss_rates(y, coef, law, guard_empty=False))
    for i in range(len(y)):
        got = propensities(y[i, 0], y[i, 1], coef[i, 0], coef[i, 1], p0, p1, q0, q1)
        np.testing.assert_allclose(got, ref[i], rtol=1e-12, atol=0.0)
        got = clamped_loss(y[i, 0], y[i, 1], coef[i, 0], coef[i, 1], p0, p1, q0, q1)
        np.testing.assert_allclose(got, ref_unguarded[i], rtol=1e-12, atol=0.0)


def test_rk4_step_is_fourth_order_on_the_square_law() -> None:
    """Halving the step cuts the one-step error of the square law ~32-fold (local O(h^5))."""
    b0, r0, c0, c1 = 1000.0, 800.0, 0.012, 0.010
    k = np.sqrt(c0 * c1)

    def exact(t: float) -> float:  # closed form of dB/dt = -c1 R, dR/dt = -c0 B
        return float(b0 * np.cosh(k * t) - np.sqrt(c1 / c0) * r0 * np.sinh(k * t))

    errs = []
    for h in (4.0, 2.0):
        _, _, b, _, _, _ = rk4_step(b0, r0, c0, c1, 0.0, 0.0, h, 1.0, 1.0, 0.0, 0.0)
        errs.append(abs(b - exact(h)))
    assert 20.0 < errs[0] / errs[1] < 40.0
