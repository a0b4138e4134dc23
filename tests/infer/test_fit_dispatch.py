"""attrition.infer.fit: the fitter dispatch of ``attrition fit`` as a library call.

Oracles: each method's result equals its fitter run directly on the same days; every refusal
happens before any data is loaded; ``attrition fit --json`` prints exactly the summary; the
parameter and observation frames hold the fitted arrays."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from attrition.cli import app
from attrition.errors import UserError
from attrition.infer import battle as battle_mod
from attrition.infer.base import PARAMETER_COLUMNS
from attrition.infer.engel import EngelFitter
from attrition.infer.fit import DatasetFit, fit_dataset
from attrition.infer.least_squares import LeastSquaresFitter
from attrition.infer.likelihood import MaximumLikelihoodFitter
from attrition.infer.regression import RatioRegression


@pytest.fixture(scope="module")
def fits() -> dict[str, DatasetFit]:
    return {
        "engel": fit_dataset("iwo-jima", method="engel"),
        "ratio-regression": fit_dataset("ardennes", method="ratio-regression"),
        "least-squares": fit_dataset("ardennes", method="least-squares", days="1-20"),
        "mle": fit_dataset("ardennes", method="mle", law="linear", dist="poisson", days=(1, 20)),
    }


def test_each_method_equals_its_fitter_run_directly(fits: dict[str, DatasetFit]) -> None:
    iwo = battle_mod.load_battle("iwo-jima", correct_typo=False)
    ard = battle_mod.load_battle("ardennes", force="combat", series="original",
                                 weights="bracken", air_weight=None)  # fmt: skip
    direct: dict[str, Any] = {
        "engel": EngelFitter().fit(iwo),
        "ratio-regression": RatioRegression().fit(ard),
        "least-squares": LeastSquaresFitter("square").fit(ard.select((1, 20))),
        "mle": MaximumLikelihoodFitter("linear", dist="poisson").fit(ard.select((1, 20))),
    }
    for method, fit in fits.items():
        assert fit.method == method
        assert isinstance(fit.fitter, type(direct[method]))
        got, want = fit.summary(), direct[method].summary()
        assert {k: got[k] for k in want} == want, method
    assert fits["least-squares"].days == (1, 20)
    assert fits["mle"].summary()["days"] == [1, 20]
    assert fits["ratio-regression"].model == "power (beta = p - q)"
    assert fits["engel"].options == {"correct_typo": False}
    assert fits["engel"].sides == ("us", "japan")


def test_summary_is_the_cli_json(fits: dict[str, DatasetFit]) -> None:
    res = CliRunner().invoke(app, ["fit", "ardennes", "--method", "ratio-regression", "--json"])
    assert res.exit_code == 0
    assert json.loads(res.stdout) == fits["ratio-regression"].summary()
    assert list(json.loads(res.stdout)) == [
        "dataset", "model", "method", "days", "sides", "options",
        "alpha", "beta", "r2", "n_days", "stderr",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("dataset", "kwargs", "message"),
    [
        ("atlantis", {}, "unknown dataset 'atlantis'"),
        ("cdb90", {}, "dataset 'cdb90' has no daily two-sided series to fit"),
        ("ardennes", {"method": "bayes"}, "unknown method 'bayes'"),
        ("ardennes", {"seed": -1}, "--seed -1: give a whole number 0 or larger"),
        ("ardennes", {"method": "engel", "seed": 1}, "--seed applies to --method least-squares"),
        ("ardennes", {"method": "ratio-regression", "law": "linear"}, "--model applies to"),
        ("ardennes", {"method": "least-squares", "dist": "poisson"}, "--dist applies to"),
        ("ardennes", {"method": "mle", "target": "cumulative"}, "--target applies to"),
        ("ardennes", {"law": "cubic"}, "unknown law 'cubic'"),
        ("iwo-jima", {"force": "total"}, "--force apply to ardennes only"),
        ("ardennes", {"correct_typo": True}, "--correct-typo applies to iwo-jima only"),
        ("ardennes", {"series": "raw"}, "unknown --series 'raw'"),
        ("ardennes", {"air_weight": -1.0}, "--air-weight -1.0: give a number >= 0"),
        ("ardennes", {"method": "engel"}, "the engel method estimates the square law on iwo"),
        ("iwo-jima", {"method": "engel", "law": "linear"}, "the engel method estimates"),
        ("iwo-jima", {"method": "ratio-regression"}, "ratio-regression needs both sides"),
    ],
)
def test_refusals_come_before_any_data_is_loaded(
    dataset: str, kwargs: dict[str, Any], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_load(*_a: object, **_k: object) -> None:
        raise AssertionError("data loaded before the options were checked")

    monkeypatch.setattr(battle_mod, "load_battle", no_load)
    with pytest.raises(UserError, match="^" + _escape(message)):
        fit_dataset(dataset, **kwargs)


def _escape(text: str) -> str:
    import re

    return re.escape(text)


def test_days_as_text_or_pair_are_the_same_fit() -> None:
    a = fit_dataset("iwo-jima", method="engel", days="2-30")
    b = fit_dataset("iwo-jima", method="engel", days=(2, 30))
    assert a.summary() == b.summary()
    assert a.days == (2, 30)
    with pytest.raises(UserError, match="outside the data"):
        fit_dataset("iwo-jima", method="engel", days=(0, 99))


def test_parameter_frame_holds_the_fitted_values(fits: dict[str, DatasetFit]) -> None:
    for method in ("engel", "least-squares", "mle"):
        fitter = fits[method].fitter
        df = fitter.to_frame()
        assert tuple(df.columns) == PARAMETER_COLUMNS
        coef = df[df["parameter"] == "coefficient"].set_index("side")
        assert coef["estimate"].to_dict() == fitter.coefficients_  # type: ignore[attr-defined]
        for side, (lo, hi) in fitter.ci_.items() if hasattr(fitter, "ci_") else []:
            assert (coef.loc[side, "ci_low"], coef.loc[side, "ci_high"]) == (lo, hi)
        for col in ("estimate", "ci_low", "ci_high", "stderr"):
            assert df[col].dtype == np.float64
    engel = fits["engel"].fitter.to_frame()
    assert engel["ci_low"].isna().all()  # Engel's estimator gives no intervals
    assert set(fits["least-squares"].fitter.to_frame()["ci_low"].notna()) == {True}


def test_mle_and_power_law_rows() -> None:
    fit = fit_dataset("ardennes", method="mle", law="power", days="1-20")
    df = fit.to_frame()
    assert list(df["parameter"]) == ["coefficient", "coefficient", "p", "q", "dispersion"]
    assert df.loc[2:, "side"].isna().all()
    fitter: MaximumLikelihoodFitter = fit.fitter  # type: ignore[assignment]
    assert df.loc[2, "estimate"] == fitter.exponents_["p"]
    assert df.loc[4, "estimate"] == fitter.dispersion_
    assert list(df[["dataset", "method"]].iloc[0]) == ["ardennes", "mle"]


def test_ratio_regression_frame(fits: dict[str, DatasetFit]) -> None:
    reg: RatioRegression = fits["ratio-regression"].fitter  # type: ignore[assignment]
    df = reg.to_frame().set_index("parameter")
    assert df.loc["alpha", "estimate"] == reg.alpha_
    assert df.loc["beta", "estimate"] == reg.beta_
    assert df.loc["log_alpha", "stderr"] == reg.stderr_[0]
    assert df.loc["beta", "stderr"] == reg.stderr_[1]
    assert np.isclose(np.exp(df.loc["log_alpha", "estimate"]), df.loc["alpha", "estimate"])


def test_observations_frame_round_trips(fits: dict[str, DatasetFit]) -> None:
    fit = fits["least-squares"]
    ls: LeastSquaresFitter = fit.fitter  # type: ignore[assignment]
    df = ls.observations_frame()
    assert list(df.columns) == ["day", "side", "observed", "predicted", "residual"]
    assert df["day"].dtype == np.int64
    assert len(df) == 2 * fit.data.day.size
    wide = df.pivot(index="day", columns="side", values="predicted")[list(fit.sides)]
    np.testing.assert_array_equal(wide.to_numpy(), ls.predicted_)
    obs = df.pivot(index="day", columns="side", values="observed")[list(fit.sides)]
    np.testing.assert_array_equal(obs.to_numpy(), fit.data.losses)
    pd.testing.assert_series_equal(
        df["residual"], df["observed"] - df["predicted"], check_names=False
    )
    with pytest.raises(UserError, match="predicts no daily losses"):
        fits["engel"].fitter.observations_frame()


def test_an_unfitted_fitter_has_no_frame() -> None:
    with pytest.raises(UserError, match="not fitted yet"):
        LeastSquaresFitter("square").to_frame()
