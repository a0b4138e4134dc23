"""The fixed-step RK4 engine against the adaptive solver and the closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from attrition.errors import UserError
from attrition.models import LanchesterModel, Schedule, StopRule, get_law
from attrition.simulate import solve
from attrition.simulate.rk4 import integrate_daily

SCHED = Schedule.from_mapping(rates=[(0, 0.0, 1.0, 54000.0), (0, 5.0, 6.0, 13000.0)])


@pytest.mark.parametrize("law", ["square", "linear", "logarithmic", "mixed", "power"])
@pytest.mark.parametrize("use_numba", [True, False])
def test_rk4_matches_adaptive_solver_with_reinforcements(law: str, use_numba: bool) -> None:
    coef = (0.0106, 0.0544) if law in ("square", "logarithmic") else (2e-6, 4e-6)
    model = LanchesterModel(get_law(law, p=0.8, q=0.6), coef, ("us", "japan"), SCHED)
    ref = solve(model, (0.0, 21500.0), 36.0, stop=StopRule(annihilation=False))
    ys, ls = integrate_daily(model, np.array([0.0, 21500.0]), 36, use_numba=use_numba)
    scale = ref.strength.max()
    assert np.abs(ys - ref.strength).max() / scale < 1e-7
    assert np.abs(ls - ref.losses).max() / scale < 1e-7


def test_numba_and_numpy_kernels_agree_bitwise() -> None:
    model = LanchesterModel(get_law("linear"), (1e-5, 1.2e-5), schedule=SCHED)
    rng = np.random.default_rng(3)
    y0 = rng.uniform(100, 1000, (5, 2))
    coef = rng.uniform(1e-6, 1e-4, (5, 2))
    a = integrate_daily(model, y0, 20, coef=coef, use_numba=True)
    b = integrate_daily(model, y0, 20, coef=coef, use_numba=False)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_rk4_square_law_closed_form_and_annihilation() -> None:
    model = LanchesterModel(get_law("square"), (0.05, 0.04))
    ys, _ = integrate_daily(model, np.array([1000.0, 800.0]), 10)
    exact = model.closed_form((1000.0, 800.0), np.arange(11.0))
    np.testing.assert_allclose(ys, exact, rtol=1e-8)
    ys, ls = integrate_daily(model, np.array([1000.0, 800.0]), 60)
    assert ys.min() >= 0.0
    assert ys[-1, 1] == 0.0  # red annihilated, never negative
    assert ls[-1, 1] == pytest.approx(800.0, rel=1e-12)  # losses never exceed what was there


def test_rk4_rejects_fractional_schedule() -> None:
    sched = Schedule.from_mapping(rates=[(0, 0.5, 1.0, 10.0)])
    model = LanchesterModel(get_law("square"), (0.1, 0.1), schedule=sched)
    with pytest.raises(UserError, match="whole days"):
        integrate_daily(model, np.array([1.0, 1.0]), 3)
