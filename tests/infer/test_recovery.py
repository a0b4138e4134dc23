"""Parameter recovery: data simulated from each law with known coefficients is fitted back.

Each test simulates N replicate battles at a fixed seed, fits them, and counts how often the
95% profile interval covers the true coefficient. With true coverage 0.95 the probability of
seeing fewer than the required count is stated beside each threshold (binomial tail), so a
failure means the intervals are too narrow, not bad luck.
"""

from __future__ import annotations

import numpy as np
import pytest

from attrition.infer.battle import BattleData
from attrition.infer.least_squares import LeastSquaresFitter
from attrition.infer.likelihood import MaximumLikelihoodFitter
from attrition.models import LanchesterModel, Schedule, StopRule, get_law
from attrition.simulate import solve

TRUE = {
    "square": (0.010, 0.008),
    "linear": (1.2e-6, 1.0e-6),
    "logarithmic": (0.004, 0.005),
}


def _synthetic(law: str, rng: np.random.Generator, days: int = 40) -> BattleData:
    """Daily strengths from the ODE; daily losses Poisson around the law's rate."""
    coef = TRUE[law]
    model = LanchesterModel(get_law(law), coef, ("blue", "red"))
    traj = solve(model, (10000.0, 8000.0), float(days), stop=StopRule(annihilation=False))
    force = traj.strength[1:]
    rate = model.rates(force)
    losses = rng.poisson(rate).astype(float)
    return BattleData(
        f"synthetic-{law}", ("blue", "red"), np.arange(1, days + 1), force, losses,
        force[0].copy(), Schedule(),
    )  # fmt: skip


@pytest.mark.parametrize("law", sorted(TRUE))
def test_mle_poisson_recovers_coefficients(law: str) -> None:
    rng = np.random.default_rng(20260101)
    n_rep, covered = 30, np.zeros(2, int)
    for _ in range(n_rep):
        data = _synthetic(law, rng)
        fit = MaximumLikelihoodFitter(law, dist="poisson", mode="conditional").fit(data)
        for j, side in enumerate(data.sides):
            lo, hi = fit.ci_[side]
            covered[j] += lo <= TRUE[law][j] <= hi
    # P(covered < 24 | n=30, p=0.95) = 0.0006 per side
    assert covered.min() >= 24, covered


@pytest.mark.parametrize("law", sorted(TRUE))
def test_least_squares_recovers_coefficients(law: str) -> None:
    rng = np.random.default_rng(7)
    n_rep, covered = 30, np.zeros(2, int)
    estimates = []
    for _ in range(n_rep):
        data = _synthetic(law, rng)
        fit = LeastSquaresFitter(law, mode="conditional").fit(data)
        estimates.append([fit.coefficients_[s] for s in data.sides])
        for j, side in enumerate(data.sides):
            lo, hi = fit.ci_[side]
            covered[j] += lo <= TRUE[law][j] <= hi
    # P(covered < 24 | n=30, p=0.95) = 0.0006 per side
    assert covered.min() >= 24, covered
    # and the estimator is unbiased to within 3% on average
    np.testing.assert_allclose(np.mean(estimates, axis=0), TRUE[law], rtol=0.03)


def test_power_law_exponents_recovered_without_noise() -> None:
    model = LanchesterModel(get_law("power", p=0.8, q=0.4), (2e-3, 3e-3))
    traj = solve(model, (10000.0, 8000.0), 40.0, stop=StopRule(annihilation=False))
    force = traj.strength[1:]
    data = BattleData("exact", ("blue", "red"), np.arange(1, 41), force, model.rates(force),
                      force[0].copy(), Schedule())  # fmt: skip
    fit = LeastSquaresFitter("power", mode="conditional", level=None).fit(data)
    assert fit.exponents_["p"] == pytest.approx(0.8, abs=1e-5)
    assert fit.exponents_["q"] == pytest.approx(0.4, abs=1e-5)
    assert fit.coefficients_["blue"] == pytest.approx(2e-3, rel=1e-4)


def test_trajectory_fit_recovers_square_law_with_reinforcements() -> None:
    """Engel-like battle: one side lands by reinforcement, only its losses are observed."""
    rng = np.random.default_rng(11)
    true = (0.0106, 0.0544)
    sched = Schedule.from_mapping(rates=[(0, 0.0, 1.0, 54000.0), (0, 5.0, 6.0, 13000.0)])
    model = LanchesterModel(get_law("square"), true, ("us", "japan"), sched)
    traj = solve(model, (0.0, 21500.0), 30.0, stop=StopRule(annihilation=False))
    daily = np.diff(traj.losses[:, 0])
    n_rep, covered = 12, np.zeros(2, int)
    for _ in range(n_rep):
        obs = rng.poisson(daily).astype(float)
        data = BattleData(
            "synthetic-iwo", ("us", "japan"), np.arange(1, 31),
            np.column_stack([traj.strength[1:, 0], np.full(30, np.nan)]),
            np.column_stack([obs, np.full(30, np.nan)]),
            np.array([0.0, 21500.0]), sched,
        )  # fmt: skip
        fit = LeastSquaresFitter("square", mode="trajectory").fit(data)
        for j, side in enumerate(data.sides):
            lo, hi = fit.ci_[side]
            covered[j] += lo <= true[j] <= hi
    # P(covered < 9 | n=12, p=0.95) = 0.002 per side
    assert covered.min() >= 9, covered
