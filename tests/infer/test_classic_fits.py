"""Fits on the packaged classic data against the literature and independent computations."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from attrition.errors import UserError
from attrition.infer.battle import ardennes_data, iwo_jima_data, load_battle, parse_days
from attrition.infer.engel import EngelFitter
from attrition.infer.regression import RatioRegression, ardennes_variants
from attrition.models import LanchesterModel, StopRule
from attrition.simulate import solve

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root: tests.baselines
from tests.baselines import producers as P

PUBLISHED = {"us": 0.0106, "japan": 0.0544}  # Engel (1954)


def test_engel_estimator_within_4_percent_of_published() -> None:
    fit = EngelFitter().fit(iwo_jima_data())
    for side, value in PUBLISHED.items():
        assert fit.coefficients_[side] == pytest.approx(value, rel=0.04)
    # hand computation from the raw series (independent of the fitter's code path)
    data = iwo_jima_data()
    m = data.force[:, 0]
    b = 21500.0 / m.sum()
    n_t = 21500.0 - b * np.concatenate([[0.0], np.cumsum(m)[:-1]])
    assert fit.coefficients_["japan"] == pytest.approx(np.nansum(data.losses[:, 0]) / n_t.sum())


def test_square_law_with_published_coefficients_tracks_us_series() -> None:
    data = iwo_jima_data()
    model = LanchesterModel.build("square", PUBLISHED, sides=data.sides, schedule=data.schedule)
    traj = solve(model, data.initial, 36.0, stop=StopRule(annihilation=False))
    model_us = np.interp(data.day, traj.t, traj.strength[:, 0])
    rel = np.abs(model_us - data.force[:, 0]) / data.force[:, 0]
    assert rel.max() < 0.05  # measured: 2.5% at worst
    assert traj.strength[-1, 1] < 0.05 * 21500  # the garrison is nearly annihilated by day 36


def test_ratio_regression_matches_statsmodels_on_every_variant() -> None:
    sm = pytest.importorskip("statsmodels.api")
    table = ardennes_variants()
    assert len(table) == 24
    for row in table.itertuples():
        air = None if row.air_weight == 0 else row.air_weight
        data = ardennes_data(force=row.force, series=row.series, air_weight=air)
        data = data.select(parse_days(row.days))
        y = np.log(data.losses[:, 0] / data.losses[:, 1])
        x = sm.add_constant(np.log(data.force[:, 1] / data.force[:, 0]))
        ols = sm.OLS(y, x).fit()
        assert row.beta == pytest.approx(ols.params[1], rel=1e-9, abs=1e-12)
        assert np.log(row.alpha) == pytest.approx(ols.params[0], rel=1e-9, abs=1e-12)
        assert row.r2 == pytest.approx(ols.rsquared, rel=1e-9, abs=1e-12)


def test_ratio_regression_recovers_known_power_law() -> None:
    rng = np.random.default_rng(5)
    force = np.column_stack([rng.uniform(5e4, 9e4, 30), rng.uniform(3e4, 8e4, 30)])
    b, r, p, q = 2e-3, 3e-3, 0.9, 0.3
    losses = np.column_stack(
        [r * force[:, 1] ** p * force[:, 0] ** q, b * force[:, 0] ** p * force[:, 1] ** q]
    )
    data = ardennes_data()
    from dataclasses import replace

    synth = replace(data, day=np.arange(1, 31), force=force, losses=losses)
    fit = RatioRegression().fit(synth)
    assert fit.beta_ == pytest.approx(p - q, abs=1e-10)
    assert fit.alpha_ == pytest.approx(r / b, rel=1e-10)
    assert fit.r2_ == pytest.approx(1.0)


# Exponents (p, q) of the fire that hits (allied, german): side i loses c_j · y_j^p · y_i^q
# (attrition.models.laws). Each such law is linear in its coefficients, so least squares on
# daily losses in conditional mode has a closed form.
LINEAR_IN_COEF = {
    "square": ((1, 0), (1, 0)),
    "linear": ((1, 1), (1, 1)),
    "logarithmic": ((0, 1), (0, 1)),
    "mixed (blue aimed)": ((1, 1), (1, 0)),  # German (red) area fire, Allied aimed fire
    "mixed (red aimed)": ((1, 0), (1, 1)),
}


def _closed_form_least_squares(
    force: np.ndarray, losses: np.ndarray, exps: tuple[tuple[int, int], tuple[int, int]]
) -> tuple[np.ndarray, float, float]:
    """Per side: regression through the origin of losses on g = y_j^p · y_i^q (the scale that
    weighs the sides does not move each side's minimiser). Returns (coefficients of allied and
    german, scaled SSR, R²) with residuals scaled by each side's mean daily loss."""
    coef = np.zeros(2)
    ssr = 0.0
    scaled = []
    for i, (p, q) in enumerate(exps):
        g = force[:, 1 - i] ** p * force[:, i] ** q
        c = float(g @ losses[:, i] / (g @ g))
        coef[1 - i] = c  # side j's coefficient drives side i's losses
        scale = np.mean(np.abs(losses[:, i]))
        ssr += float(((losses[:, i] - c * g) ** 2).sum()) / scale**2
        scaled.append(losses[:, i] / scale)
    y = np.concatenate(scaled)
    return coef, ssr, 1.0 - ssr / float(((y - y.mean()) ** 2).sum())


def test_compare_laws_against_closed_form_least_squares() -> None:
    """Square, linear, logarithmic and both mixed laws: coefficients, SSR, R² and AIC equal the
    closed form (to the optimiser's tolerance); the table is sorted by AIC; the power law
    (no closed form) nests square, linear and logarithmic, so its SSR is no larger, and its
    fit equals the pinned baseline."""
    data = ardennes_data()
    table, fits = P.POWER_ARDENNES.make()
    rows = table.set_index("law")
    n = data.losses.size
    for law, exps in LINEAR_IN_COEF.items():
        coef, ssr, r2 = _closed_form_least_squares(data.force, data.losses, exps)
        row = rows.loc[law]
        np.testing.assert_allclose(row[["coef_allied", "coef_german"]], coef, rtol=1e-7)
        assert row["ssr"] == pytest.approx(ssr, rel=1e-9)
        assert row["r2"] == pytest.approx(r2, rel=1e-9)
        assert row["aic"] == pytest.approx(n * np.log(ssr / n) + 2 * 2, rel=1e-9)
        assert row["n_obs"] == n
    assert list(table["aic"]) == sorted(table["aic"])
    assert table["delta_aic"].iloc[0] == 0.0
    assert set(fits) == set(LINEAR_IN_COEF) | {"power"}
    ssr = rows["ssr"]
    assert ssr["power"] <= min(ssr["square"], ssr["linear"], ssr["logarithmic"]) * (1 + 1e-6)
    assert rows.loc["power", "aic"] == pytest.approx(n * np.log(ssr["power"] / n) + 2 * 4)
    P.check(P.POWER_ARDENNES, P.POWER_ARDENNES.summarise((table, fits)))


def test_bad_inputs() -> None:
    with pytest.raises(UserError, match="outside the data"):
        ardennes_data().select((0, 40))
    with pytest.raises(UserError, match="write a day range as A-B"):
        parse_days("1..5")
    with pytest.raises(UserError, match="valid: ardennes, iwo-jima"):
        load_battle("cdb90")
    from dataclasses import replace

    data = ardennes_data()
    bad = replace(data, losses=np.where(np.arange(32)[:, None] == 3, 0.0, data.losses))
    with pytest.raises(UserError, match=r"day 4: allied loss is 0\.0"):
        RatioRegression().fit(bad)
