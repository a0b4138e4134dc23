"""The hindcast baselines on synthetic series with known answers (no calibration needed)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from attrition.battles.bakhmut.axes import DAYS, START
from attrition.battles.bakhmut.baselines import (
    ForecastDraws,
    LocalLinearTrend,
    LocalLinearTrendForecast,
    Persistence,
    StraightLine,
    fall_day_of,
    front_points,
    llt_filter,
    random_walk_variance,
)
from attrition.battles.bakhmut.evidence import CasualtyEvidence
from attrition.battles.bakhmut.quantities import Observation
from attrition.battles.bakhmut.record import record_schedule
from attrition.data.claims import load_claims, load_events

CUTOFF = dt.date(2023, 1, 31)
C_DAY = (CUTOFF - START).days


def _obs(day: int, front: int, km: float, kind: str = "value", sd: float = 0.01) -> Observation:
    low, high = (km, km) if kind == "value" else ((-math.inf, km) if kind == "at_most" else
                                                    (km, math.inf))  # fmt: skip
    return Observation(
        "x", "event", "front", day, -1, front, kind, low, high, "km", sd, 1.0, "",
        START + dt.timedelta(days=day),
    )  # fmt: skip


def _evidence(rate: tuple[float, float], days: int = DAYS) -> CasualtyEvidence:
    dates = np.arange(np.datetime64(START, "D"), np.datetime64(START, "D") + days)
    draws = np.broadcast_to(np.array(rate, dtype=float), (20, days, 2)).copy()
    return CasualtyEvidence(dates, draws, None, np.full((20, days), 10.0), "test")


def _forecaster(cls: type, items: list[Observation], ev: CasualtyEvidence | None, runs: int = 400):
    claims, events = load_claims().iloc[:0], load_events().iloc[:0]

    class Fixed(cls):  # type: ignore[misc, valid-type]
        def items(self, cutoff: dt.date) -> tuple[Observation, ...]:
            return tuple(items)

    return Fixed(lambda _c: ev, claims=claims, events=events, schedule=record_schedule(),
                 runs=runs, seed=3)  # fmt: skip


# --- persistence -------------------------------------------------------------------------------


def test_persistence_carries_the_state_on() -> None:
    """Every front stays where it was last seen; the casualty rate of the last 14 days goes on
    exactly."""
    items = [_obs(d, f, 12.0 + f) for f in range(3) for d in range(100, C_DAY + 1, 10)]
    ev = _evidence((300.0, 120.0))
    fc = _forecaster(Persistence, items, ev).forecast(CUTOFF)
    for f in range(3):
        for day in (C_DAY + 1, C_DAY + 60, DAYS):
            assert np.median(fc.front(day, f)) == pytest.approx(12.0 + f, abs=0.15)
    # a constant series: the random walk's variance is the floor, so the draws barely move
    assert random_walk_variance(front_points(items, C_DAY, record_schedule().geography)) == 1e-4
    h = DAYS - C_DAY
    np.testing.assert_array_equal(fc.casualties("RU", C_DAY + 1, DAYS), np.full(400, 300.0 * h))
    np.testing.assert_array_equal(fc.casualties("UA", C_DAY + 11, C_DAY + 20), np.full(400, 1200.0))
    np.testing.assert_array_equal(fc.casualties("WAGNER", C_DAY + 1, C_DAY + 1), np.full(400, 10.0))


def test_persistence_uses_only_the_last_fortnight() -> None:
    items = [_obs(50, 1, 20.0), _obs(C_DAY - 30, 1, 15.0), _obs(C_DAY - 5, 1, 11.0)]
    fc = _forecaster(Persistence, items, None).forecast(CUTOFF)
    assert np.median(fc.front(C_DAY + 1, 1)) == pytest.approx(11.0, abs=0.5)
    assert np.isnan(fc.cumulative).all()  # no evidence: no casualty forecast


# --- the local linear trend ---------------------------------------------------------------------


def test_llt_recovers_a_linear_trend_on_noiseless_data() -> None:
    days = np.arange(0, 180, 3)
    y = 15.0 - 0.03 * days
    fit = LocalLinearTrend.fit(days, y, np.full(days.size, 1e-3), int(days[-1]))
    assert fit.slope == pytest.approx(-0.03, abs=1e-4)
    assert fit.level == pytest.approx(y[-1], abs=1e-3)
    mean, _ = fit.predict(60)
    assert mean == pytest.approx(15.0 - 0.03 * (days[-1] + 60), abs=0.01)


def test_llt_filter_on_one_point_is_the_prior() -> None:
    m, p, _ = llt_filter(np.array([5]), np.array([12.0]), np.array([0.5]), 0.0, 0.0, 5,
                         level_prior_sd=10.0, slope_prior_sd=0.1)  # fmt: skip
    # posterior of the level given one observation: the precision-weighted mean
    assert m[0] == pytest.approx(12.0)
    assert p[0, 0] == pytest.approx(1 / (1 / 100 + 1 / 0.25))
    assert p[1, 1] == pytest.approx(0.01)


def test_llt_predictive_variance_grows_with_horizon() -> None:
    rng = np.random.default_rng(0)
    days = np.arange(0, 150, 5)
    y = 20.0 - 0.05 * days + rng.normal(0, 0.7, days.size)
    fit = LocalLinearTrend.fit(days, y, np.full(days.size, 0.7), 150)
    var = [fit.predict(h)[1] for h in (1, 10, 30, 60, 120)]
    assert np.all(np.diff(var) > 0)
    paths = fit.paths(120, 4000, np.random.default_rng(1))
    sd = paths.std(axis=0)
    assert sd[119] > sd[59] > sd[9] > sd[0]
    assert sd[59] == pytest.approx(math.sqrt(fit.predict(60)[1]), rel=0.1)


def test_llt_forecaster_follows_the_trend() -> None:
    items = [_obs(d, f, 18.0 - 0.02 * d + f, sd=0.3) for f in range(3) for d in range(0, C_DAY, 7)]
    fc = _forecaster(LocalLinearTrendForecast, items, _evidence((300.0, 120.0))).forecast(CUTOFF)
    for f in range(3):
        day = C_DAY + 30
        assert np.median(fc.front(day, f)) == pytest.approx(18.0 - 0.02 * day + f, abs=0.5)
    cas = fc.casualties("RU", C_DAY + 1, C_DAY + 7)
    assert np.median(cas) == pytest.approx(7 * 300.0, rel=0.05)


# --- the straight line and the draws' arithmetic -----------------------------------------------


def test_straight_line_is_the_pooled_line() -> None:
    items = [_obs(d, 1, 15.0 - 0.03 * d, kind="at_most") for d in range(0, 180, 10)]
    fc = _forecaster(StraightLine, items, _evidence((100.0, 50.0))).forecast(CUTOFF)
    day = C_DAY + 40
    for f in range(3):  # one line for every front (the naive forecast of earlier versions)
        assert np.median(fc.front(day, f)) == pytest.approx(15.0 - 0.03 * day, abs=0.05)
    assert np.median(fc.casualties("UA", C_DAY + 1, C_DAY + 10)) == pytest.approx(500.0)


def test_forecast_draws_periods_and_fall_day() -> None:
    h = DAYS - C_DAY
    cum = np.broadcast_to(np.arange(1, h + 1, dtype=float)[None, :, None] * [2.0, 1.0, 0.5],
                          (3, h, 3)).copy()  # fmt: skip
    geo = record_schedule().geography
    fronts = np.full((3, h, 3), 20.0)
    fronts[1, 10:, 1] = 0.0  # the city falls on day c + 11 in draw 1
    fc = ForecastDraws("t", CUTOFF, fronts, fall_day_of(fronts[:, :, 1], C_DAY, geo), cum)
    assert fc.casualties("RU", C_DAY + 1, C_DAY + 1)[0] == 2.0
    assert fc.casualties("UA", C_DAY + 5, C_DAY + 14)[0] == 10.0
    assert fc.fall_day.tolist() == [math.inf, C_DAY + 11, math.inf]
    with pytest.raises(Exception, match="not after the cutoff"):
        fc.front(C_DAY, 0)
