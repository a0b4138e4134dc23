"""Tests of estimates for a period (attrition.infer.fusion.period).

Oracle: the posterior draws themselves. The period sums of consecutive periods add up to the
whole window draw by draw, the whole window gives the fit's own totals, and a period's share is
the ratio of the two sums. The toy fit is the pinned baseline of tests/infer/test_fusion.py
(same compiled program).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numpyro")

from attrition.errors import UserError
from attrition.infer.fusion import FogOfWar
from attrition.infer.fusion.period import QUANTITIES, check_period, period_estimate

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root: tests.baselines
from tests.baselines import producers as P


@pytest.fixture(scope="module")
def fitted() -> FogOfWar:
    fog: FogOfWar = P.TOY_FIT.make()
    return fog


def test_consecutive_periods_add_up_to_the_whole_per_draw(fitted: FogOfWar) -> None:
    days, _ = fitted.daily_draws()
    w0, w1 = days[0], days[-1]
    cuts = [w0, w0 + dt.timedelta(days=5), w0 + dt.timedelta(days=6), w0 + dt.timedelta(days=20)]
    bounds = [(cuts[0], cuts[1] - dt.timedelta(days=1))]
    bounds += [(cuts[i], cuts[i + 1] - dt.timedelta(days=1)) for i in range(1, len(cuts) - 1)]
    bounds += [(cuts[-1], w1)]
    parts = [period_estimate(fitted, a, b) for a, b in bounds]
    assert sum(p.days for p in parts) == len(days)
    whole = period_estimate(fitted, w0, w1)
    for side in whole.draws:
        for q in ("casualties", "killed", "wounded", "share_of_window"):
            total = np.sum([p.draws[side][q] for p in parts], axis=0)
            np.testing.assert_allclose(total, whole.draws[side][q], rtol=1e-9)
        np.testing.assert_allclose(whole.draws[side]["share_of_window"], 1.0, rtol=1e-12)
        # the whole window is the fit's own total, draw by draw
        np.testing.assert_allclose(
            whole.draws[side]["casualties"], fitted.draws_[side]["casualties"], rtol=1e-9
        )


def test_one_period_is_the_sum_of_its_daily_draws(fitted: FogOfWar) -> None:
    days, daily = fitted.daily_draws()
    est = period_estimate(fitted, days[3].isoformat(), days[9].isoformat())
    assert est.days == 7
    for i, side in enumerate(fitted.sides_.sides):
        cas = daily[:, 3:10, i].sum(axis=1)
        np.testing.assert_allclose(est.draws[side]["casualties"], cas, rtol=1e-12)
        ks = np.asarray(fitted.samples_["killed_share"])[..., i].ravel()
        np.testing.assert_allclose(est.draws[side]["killed"], cas * ks, rtol=1e-6)
        np.testing.assert_allclose(
            est.draws[side]["share_of_window"], cas / daily[:, :, i].sum(axis=1), rtol=1e-12
        )
        assert np.all(est.draws[side]["share_of_window"] < 1)
    summary = est.summary()
    json.dumps(summary, allow_nan=False)  # strict JSON
    assert summary["days"] == 7
    assert summary["start"] == days[3].isoformat()
    for side, qs in summary["sides"].items():
        assert list(qs) == list(QUANTITIES)
        for q in qs.values():
            assert q["q05"] <= q["median"] <= q["q95"], side


def test_period_outside_the_window_or_reversed_is_one_line() -> None:
    window = (dt.date(2024, 1, 1), dt.date(2024, 1, 28))
    with pytest.raises(UserError, match=r"^--period 2023-12-31 2024-01-05: outside the battle"):
        check_period("2023-12-31", "2024-01-05", window)
    with pytest.raises(UserError, match="the end is before the start; swap them"):
        check_period("2024-01-10", "2024-01-05", window)
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        check_period("2024-13-01", "2024-01-05", window)
    assert check_period("2024-01-01", "2024-01-28", window) == window
