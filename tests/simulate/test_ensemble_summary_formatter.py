"""Ensemble.summary() is formatted from summary_frame(): a hand-built ensemble's statistics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from attrition.simulate.ensemble import SUMMARY_STATS, Ensemble
from attrition.simulate.stochastic import RunArrays


def test_summary_is_the_frame_with_wins_and_stop_reasons() -> None:
    final = np.array([[80.0, 0.0], [60.0, 10.0], [40.0, 30.0], [0.0, 50.0]])
    committed = np.full((4, 2), 100.0)
    out = RunArrays(final, committed - final, np.array([10.0, 30.0, 30.0, 20.0]),
                    np.array([2, 0, 0, 1], dtype=np.int8))  # fmt: skip
    ens = Ensemble("hand", ("blue", "red"), "ode", 1, 30, committed, np.full((4, 2), 0.01),
                   committed, out, 0.5, ["losses_red", "exchange_ratio", "duration"])  # fmt: skip
    frame = ens.summary_frame()
    assert frame["quantity"].tolist() == [
        "final_blue", "final_red", "losses_red", "exchange_ratio", "duration"
    ]  # fmt: skip
    blue = frame.set_index("quantity").loc["final_blue"]
    # 0, 40, 60, 80: mean 45, sd sqrt(3500/3), quantiles by linear interpolation
    assert blue["n"] == 4
    assert (blue["mean"], blue["q05"], blue["q50"], blue["q95"]) == pytest.approx(
        (45.0, 6.0, 50.0, 77.0)
    )
    assert blue["sd"] == pytest.approx(np.sqrt(3500 / 3))
    s = ens.summary()
    assert s["sides"]["blue"] == {f"final_{k}": blue[k] for k in SUMMARY_STATS} | {
        "win_probability": 0.75
    }
    by = frame.set_index("quantity")
    for q in ens.quantities:
        assert s["quantities"][q] == {k: by.loc[q, k] for k in SUMMARY_STATS}
    assert s["duration_mean"] == 22.5
    assert s["runs"] == 4
    assert json.loads(json.dumps(s))["stop_reasons"] == s["stop_reasons"]
    assert sum(s["stop_reasons"].values()) == pytest.approx(1.0)


def test_a_quantity_with_no_finite_value_is_null() -> None:
    final = np.array([[50.0, 50.0], [40.0, 40.0]])
    committed = np.full((2, 2), 100.0)
    out = RunArrays(final, np.zeros((2, 2)), np.array([5.0, 5.0]), np.zeros(2, dtype=np.int8))
    ens = Ensemble("hand", ("blue", "red"), "ode", 1, 5, committed, np.full((2, 2), 0.01),
                   committed, out, 0.1, ["exchange_ratio"])  # fmt: skip
    assert ens.summary_frame().set_index("quantity").loc["exchange_ratio", "n"] == 0
    assert ens.summary()["quantities"] == {"exchange_ratio": None}
