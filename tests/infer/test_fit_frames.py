"""The fitters leave as frames: to_frame() (parameters) and statistics_frame() (goodness of fit),
checked against hand-computed values; the JSON summary is formatted from the two frames."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from attrition.infer.base import (
    PARAMETER_COLUMNS,
    STATISTIC_COLUMNS,
    statistics_dict,
    summary_from_frames,
)
from attrition.infer.battle import BattleData
from attrition.infer.engel import EngelFitter
from attrition.infer.fit import fit_dataset
from attrition.infer.regression import RatioRegression, ratio_summary_from_frames
from attrition.models.schedule import Schedule


def _data(force: list[list[float]], losses: list[list[float]], initial: list[float]) -> BattleData:
    n = len(force)
    return BattleData("hand", ("blue", "red"), np.arange(1, n + 1), np.array(force, float),
                      np.array(losses, float), np.array(initial, float), Schedule())  # fmt: skip


def test_engel_frames_hold_the_hand_computed_coefficients() -> None:
    # attacker strengths 10, 20, 30 (sum 60); defender 120 at day 0, annihilated: b = 120 / 60
    # = 2; N(t) = 120 - 2 * (0, 10, 30) = 120, 100, 60 (sum 280); a = (1 + 2 + 4) / 280 = 0.025
    data = _data([[10, 120], [20, 100], [30, 60]], [[1, 20], [2, 40], [4, 60]], [10, 120])
    fit = EngelFitter().fit(data)
    params = fit.to_frame()
    assert list(params.columns) == list(PARAMETER_COLUMNS)
    assert params["parameter"].tolist() == ["coefficient", "coefficient"]
    assert params["side"].tolist() == ["blue", "red"]
    np.testing.assert_allclose(params["estimate"], [2.0, 7 / 280], rtol=1e-15)
    assert params[["ci_low", "ci_high", "stderr"]].isna().all().all()
    stats = fit.statistics_frame()
    assert list(stats.columns) == list(STATISTIC_COLUMNS)
    assert stats["statistic"].tolist() == ["n_days"]
    assert stats["value"].tolist() == [3.0]
    assert stats["value"].dtype == np.float64
    assert fit.summary() == {
        "coefficients": {"blue": 2.0, "red": pytest.approx(0.025, rel=1e-15)},
        "ci": {},
        "n_days": 3,
    }
    assert isinstance(fit.summary()["n_days"], int)


def test_ratio_regression_frames_match_ordinary_least_squares() -> None:
    force = [[100, 100], [100, 200], [100, 400], [200, 100]]
    losses = [[2, 1], [5, 1], [7, 1], [1, 1]]
    fit = RatioRegression().fit(_data(force, losses, [100, 100]))
    x = np.log(np.array([1.0, 2.0, 4.0, 0.5]))
    y = np.log(np.array([2.0, 5.0, 7.0, 1.0]))
    beta, log_alpha = np.polyfit(x, y, 1)
    resid = y - (log_alpha + beta * x)
    sigma2 = resid @ resid / 2
    design = np.column_stack([np.ones(4), x])
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(design.T @ design)))
    params = fit.to_frame().set_index("parameter")
    assert params.index.tolist() == ["log_alpha", "alpha", "beta"]
    assert params.loc["log_alpha", "estimate"] == pytest.approx(log_alpha, rel=1e-12)
    assert params.loc["alpha", "estimate"] == pytest.approx(math.exp(log_alpha), rel=1e-12)
    assert params.loc["beta", "estimate"] == pytest.approx(beta, rel=1e-12)
    assert params.loc["log_alpha", "stderr"] == pytest.approx(se[0], rel=1e-12)
    assert params.loc["beta", "stderr"] == pytest.approx(se[1], rel=1e-12)
    r2 = 1 - resid @ resid / ((y - y.mean()) ** 2).sum()
    stats = fit.statistics_frame().set_index("statistic")["value"]
    assert stats.index.tolist() == ["r2", "n_days"]
    assert stats["r2"] == pytest.approx(r2, rel=1e-12)
    assert stats["n_days"] == 4.0
    s = fit.summary()
    assert list(s) == ["alpha", "beta", "r2", "n_days", "stderr"]
    assert s["stderr"] == {"log_alpha": params.loc["log_alpha", "stderr"],
                           "beta": params.loc["beta", "stderr"]}  # fmt: skip
    assert s == ratio_summary_from_frames(fit.to_frame(), fit.statistics_frame())


def test_summary_from_hand_built_frames() -> None:
    nan = float("nan")
    params = pd.DataFrame(
        [
            ["coefficient", "blue", 0.5, 0.25, 1.0, nan],
            ["coefficient", "red", 0.125, nan, nan, nan],
            ["p", None, 1.5, nan, nan, nan],
            ["q", None, 0.75, nan, nan, nan],
            ["dispersion", None, 12.0, nan, nan, nan],
        ],
        columns=list(PARAMETER_COLUMNS),
    )
    stats = pd.DataFrame({"statistic": ["nll", "n_obs", "aic"], "value": [3.5, 40.0, 17.0]})
    out = summary_from_frames(params, stats, {"mode": "conditional", "distribution": "negbin"})
    assert json.dumps(out) == json.dumps(
        {
            "coefficients": {"blue": 0.5, "red": 0.125},
            "ci": {"blue": [0.25, 1.0]},
            "mode": "conditional",
            "distribution": "negbin",
            "nll": 3.5,
            "n_obs": 40,
            "aic": 17.0,
            "dispersion": 12.0,
            "exponents": {"p": 1.5, "q": 0.75},
        }
    )
    assert statistics_dict(stats) == {"nll": 3.5, "n_obs": 40, "aic": 17.0}


@pytest.mark.parametrize(
    ("dataset", "kwargs"),
    [
        ("iwo-jima", {"method": "least-squares", "days": "1-12"}),
        ("ardennes", {"method": "mle", "law": "power", "days": "1-12"}),
        ("iwo-jima", {"method": "mle", "dist": "poisson", "correct_typo": True, "days": "1-12"}),
    ],
)
def test_dict_and_frames_round_trip(dataset: str, kwargs: dict[str, object]) -> None:
    fit = fit_dataset(dataset, **kwargs)  # type: ignore[arg-type]
    fitter = fit.fitter
    s = fitter.summary()
    params = fitter.to_frame()
    # dict -> frame: every coefficient, interval, exponent and statistic is in the frames
    coef = params[params["parameter"] == "coefficient"].set_index("side")
    assert s["coefficients"] == coef["estimate"].to_dict()
    assert s["ci"] == {k: [r["ci_low"], r["ci_high"]] for k, r in coef.iterrows()}
    assert s["ci"] == {k: list(v) for k, v in fitter.ci_.items()}
    by = params.set_index("parameter")["estimate"]
    for name in s.get("exponents", {}):
        assert s["exponents"][name] == by[name]
    if "dispersion" in s:
        assert s["dispersion"] == by["dispersion"] == fitter.dispersion_
    stats = fitter.statistics_frame()
    for name, value in zip(stats["statistic"], stats["value"], strict=True):
        assert s[name] == value
        assert s[name] == getattr(fitter, f"{name}_")
    assert s["n_obs"] == fitter.n_obs_
    assert isinstance(s["n_obs"], int)
    # frame -> dict: the formatter of the frames gives the summary, key order included
    settings = {k: s[k] for k in ("mode", "target", "distribution") if k in s}
    assert json.dumps(summary_from_frames(params, stats, settings)) == json.dumps(s)
    framed = fit.statistics_frame()
    assert framed[["dataset", "method"]].drop_duplicates().values.tolist() == [
        [dataset, kwargs["method"]]
    ]
