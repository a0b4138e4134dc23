"""Bakhmut results leave as frames and xarray: BakhmutRuns (daily state) and ScenarioResult
(per-scenario statistics), checked on hand-built arrays; the JSON summary is formatted from
the frame and round-trips."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest

from attrition.battles import bakhmut as bk
from attrition.battles.bakhmut.engine import RUN_SERIES, BakhmutRuns
from attrition.battles.bakhmut.scenarios import ScenarioResult, summary_from_frame
from attrition.errors import UserError


@pytest.fixture(scope="module")
def runs() -> BakhmutRuns:
    """3 runs, days 0..2; every number is its own position, so each is traceable."""
    geo = bk.BakhmutModel("square", bk.record_schedule()).schedule.geography
    n, t = 3, 3
    base = np.arange(n * t, dtype=float).reshape(n, t)
    strength = np.stack([1000 + 100 * k + base for k in range(4)], axis=-1)
    losses = np.stack([10 * (k + 1) * base for k in range(4)], axis=-1)
    fronts = np.stack([np.full((n, t), 5.0 + k) - 0.1 * base for k in range(3)], axis=-1)
    return BakhmutRuns(strength, losses, fronts, 2 * base, 3 * base, 7, "binomial", geo)


def test_runs_to_frame_is_one_row_per_run_and_day(runs: BakhmutRuns) -> None:
    df = runs.to_frame()
    assert len(df) == 9
    assert df["run"].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert df["day"].tolist() == [0, 1, 2] * 3
    assert df["date"].tolist()[:3] == ["2022-08-01", "2022-08-02", "2022-08-03"]
    row = df[(df["run"] == 1) & (df["day"] == 2)].iloc[0]  # base value 5
    assert row["strength_WC"] == 1005.0
    assert row["strength_UA"] == 1305.0
    assert row["losses_WP"] == 100.0
    assert row["losses_UA"] == 200.0
    assert row["casualties_RU"] == 50 + 100 + 150
    assert row["casualties_UA"] == 200.0
    assert row["front_e_km"] == pytest.approx(6.0 - 0.5)
    assert row["recruited"] == 10.0
    assert row["arrived_wp"] == 15.0
    assert row["city_control"] == runs.city[1, 2]
    names = [q if s is None else f"{q}_{s}" for q, s, _ in RUN_SERIES]
    assert list(df.columns) == ["run", "day", "date", *names]


def test_runs_summary_frame_holds_daily_quantiles(runs: BakhmutRuns) -> None:
    df = runs.summary_frame()
    assert list(df.columns) == ["quantity", "side", "unit", "day", "date", "median", "q05", "q95"]
    assert len(df) == len(RUN_SERIES) * 3
    ua = df[(df["quantity"] == "casualties") & (df["side"] == "UA") & (df["day"] == 1)]
    # UA losses on day 1 across runs: 40 * (1, 4, 7) = 40, 160, 280
    assert ua[["median", "q05", "q95"]].iloc[0].tolist() == pytest.approx([160.0, 52.0, 268.0])
    assert ua["unit"].iloc[0] == "casualties"
    city = df[df["quantity"] == "city_control"]
    assert city["side"].isna().all()
    only = runs.summary_frame(("front_n_km",))
    assert only["quantity"].unique().tolist() == ["front_n_km"]
    assert len(only) == 3
    with pytest.raises(UserError, match="quantity"):
        runs.summary_frame(("nonsense",))


def test_runs_to_xarray(runs: BakhmutRuns) -> None:
    ds = runs.to_xarray()
    assert dict(ds.sizes) == {"run": 3, "day": 3, "component": 4, "side": 2, "front": 3}
    np.testing.assert_array_equal(ds["strength"].values, runs.strength)
    np.testing.assert_array_equal(ds["casualties"].sel(side="RU").values, runs.side_losses[..., 0])
    np.testing.assert_array_equal(ds["front_km"].sel(front="S").values, runs.fronts[..., 2])
    assert str(ds["date"].values[2])[:10] == "2022-08-03"
    assert ds.attrs == {"method": "binomial", "seed": 7}
    assert ds["front_km"].attrs["units"] == "km"


@pytest.fixture(scope="module")
def result(runs: BakhmutRuns) -> ScenarioResult:
    fall = np.array([10.0, 20.0, math.inf, 30.0, math.inf])
    cas = np.array([[100.0, 10.0], [200.0, 20.0], [300.0, 0.0], [400.0, 40.0], [500.0, 50.0]])
    return ScenarioResult("hand", 5, 3, "square", None, np.arange(5), fall, cas, runs)


def test_scenario_summary_frame_by_hand(result: ScenarioResult) -> None:
    df = result.summary_frame()
    assert list(df.columns) == ["quantity", "side", "unit", "mean", "median", "q05", "q95"]
    assert df["quantity"].tolist() == [
        "fall_day", "fallen_by_end", "casualties", "casualties", "exchange_ratio"
    ]  # fmt: skip
    assert df["side"].tolist()[2:4] == ["RU", "UA"]
    rows = df.set_index(["quantity", df["side"].fillna("")])
    # order statistics of (10, 20, 30, never, never): 3rd, 1st and 5th
    fall = rows.loc[("fall_day", "")]
    assert (fall["median"], fall["q05"], fall["q95"]) == (30.0, 10.0, math.inf)
    assert rows.loc[("fallen_by_end", ""), "mean"] == pytest.approx(0.6)
    ru = rows.loc[("casualties", "RU")]
    assert (ru["mean"], ru["median"], ru["q05"], ru["q95"]) == pytest.approx((300, 300, 120, 480))
    # ratio RU / max(UA, 1): 10, 10, 300, 10, 10
    ratio = rows.loc[("exchange_ratio", "")]
    assert (ratio["median"], ratio["mean"]) == pytest.approx((10.0, 68.0))


def test_scenario_summary_is_formatted_from_the_frame(result: ScenarioResult) -> None:
    s = result.summary()
    assert s == {
        "scenario": "hand",
        "runs": 5,
        "seed": 3,
        "city_fall_date": {
            "median": "2022-08-31",
            "q05": "2022-08-11",
            "q95": None,
            "probability_by_end": pytest.approx(0.6),
        },
        "sides": {
            "RU": {
                "casualties": {
                    "median": 300.0,
                    "q05": pytest.approx(120.0),
                    "q95": pytest.approx(480.0),
                }
            },
            "UA": {
                "casualties": {
                    "median": 20.0,
                    "q05": pytest.approx(2.0),
                    "q95": pytest.approx(48.0),
                }
            },
        },
        "exchange_ratio": {"median": 10.0, "q05": 10.0, "q95": pytest.approx(242.0)},
    }
    frame = result.summary_frame()
    assert json.dumps(summary_from_frame(frame, scenario="hand", runs=5, seed=3)) == json.dumps(s)
    # dict -> frame: each number of the dict is in the frame
    by = frame.set_index(["quantity", frame["side"].fillna("")])
    for side in ("RU", "UA"):
        for key, v in s["sides"][side]["casualties"].items():
            assert by.loc[("casualties", side), key] == v
    for key, v in s["exchange_ratio"].items():
        assert by.loc[("exchange_ratio", ""), key] == v
    for key in ("median", "q05"):
        day = by.loc[("fall_day", ""), key]
        assert (
            s["city_fall_date"][key] == (dt.date(2022, 8, 1) + dt.timedelta(int(day))).isoformat()
        )


def test_scenario_to_xarray_and_daily(runs: BakhmutRuns) -> None:
    cas = runs.side_losses[:, -1, :]
    result = ScenarioResult("hand", 3, 3, "square", None, np.array([4, 0, 2]), runs.fall_day(),
                            cas, runs)  # fmt: skip
    ds = result.to_xarray()
    np.testing.assert_array_equal(ds["window_casualties"].values, cas)
    assert ds["draw"].values.tolist() == [4, 0, 2]
    assert ds.attrs["scenario"] == "hand"
    assert ds.attrs["cutoff"] == ""
    daily = result.daily()
    assert daily.columns[0] == "date"
    assert len(daily) == 3
    np.testing.assert_allclose(
        daily["ua_casualties_q50"], np.quantile(runs.side_losses[..., 1], 0.5, axis=0)
    )
