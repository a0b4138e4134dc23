"""The joint fusion is the default estimate: what ``attrition estimate`` and the report read.

One small fit of Bakhmut through :func:`attrition.infer.fusion.fuse_claims` (the path of the
CLI, the report and the Bakhmut model's casualty evidence; the session fixture
``bakhmut_default_estimate`` of tests/conftest.py) is shared by the tests; its settings are
small (200 draws x 2 chains, the model window), so the tests check structure and consistency,
not the headline's precision.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("numpyro")

from attrition.errors import UserError
from attrition.infer.fusion import fuse_claims
from attrition.infer.fusion.joint import JointFog

INDEPENDENT_KEYS = {
    "model",
    "window",
    "sides",
    "exchange_ratio",
    "killed_share",
    "claimants",
    "claimant_groups",
    "implausible_claims",
    "diagnostics",
    "seed",
    "n_claims",
    "streams",
    "cutoff",
    "note",
    "battle",
    "exchange_ratio_sides",
}
"""The keys of the former default's summary (:func:`attrition.infer.fusion.summarise`)."""


@pytest.fixture(scope="module")
def default_fit(bakhmut_default_estimate: Any) -> JointFog:
    """The session's small default fit of Bakhmut (tests/conftest.py)."""
    fog = bakhmut_default_estimate.fog
    assert isinstance(fog, JointFog)
    return fog


def test_the_default_model_is_joint_and_keeps_every_former_key(default_fit: JointFog) -> None:
    s = json.loads(json.dumps(default_fit.summary(), allow_nan=False))
    assert set(s) >= INDEPENDENT_KEYS, INDEPENDENT_KEYS - set(s)
    assert s["model"] == "joint"
    assert s["scope"] == "city"
    assert s["sides"] == s["scopes"]["city"]
    # killed per component at the battle, and the components are parts of Russia's side
    assert set(s["components"]) >= {"WAGNER", "WAGNER_CONVICTS", "WAGNER_CONTRACT"}
    assert s["components"]["WAGNER"] == s["sides"]["WAGNER"]["killed"]
    ru = default_fit.draws_["city"]["RU"]["killed"]
    parts = sum(default_fit.draws_["city"][c]["killed"] for c in ("WAGNER", "RU_REGULAR"))
    assert np.allclose(parts, ru, rtol=1e-5)
    # killed share per side is killed over casualties, draw by draw
    city = default_fit.draws_["city"]["UA"]
    share = np.median(city["killed"] / city["casualties"])
    assert s["killed_share"]["UA"]["median"] == pytest.approx(share, rel=2e-3)
    a, b = s["exchange_ratio_sides"]
    ratio = (
        default_fit.draws_["city"][a]["casualties"] / default_fit.draws_["city"][b]["casualties"]
    )
    assert s["exchange_ratio"]["median"] == pytest.approx(np.median(ratio), rel=2e-3)


def test_claimants_share_their_groups_bias(default_fit: JointFog) -> None:
    s = default_fit.summary()
    for name, c in s["claimants"].items():
        rel = c["by_subject"][c["subject"]]["relation"]
        row = default_fit.bias_[
            (default_fit.bias_["group"] == c["side"])
            & (default_fit.bias_["relation"] == rel)
            & (default_fit.bias_["metric"] == c["metric"])
        ]
        assert len(row) == 1, name
        assert c["bias"]["median"] == pytest.approx(float(row["median"].iloc[0]), rel=5e-3)
        assert c["n_claims"] >= 1


def test_predictive_check_reads_each_claim_at_its_scope(default_fit: JointFog) -> None:
    ppc = default_fit.ppc_
    obs = default_fit.observations_
    assert list(ppc["id"]) == list(obs["id"])
    assert ((ppc["tail_p"] >= 0) & (ppc["tail_p"] <= 1)).all()
    # a claim about the battle: its fused truth is the battle's total over its period
    rows = ppc[(ppc["scope"] == "city") & (ppc["metric"] == "killed") & (ppc["subject"] == "RU")]
    rows = rows[rows["rate"] == "total"]
    assert len(rows) >= 1
    r = rows.iloc[0]
    i0 = (r["start"] - default_fit.start_).days
    i1 = (r["end"] - default_fit.start_).days + 1
    truth = default_fit.period_draws(i0, i1)["RU"]["killed"]
    assert float(r["truth_median"]) == pytest.approx(float(np.median(truth)), rel=1e-3)
    # a front claim's truth is at least the battle's over the same period
    front = ppc[(ppc["scope"] == "front") & (ppc["source"] == "claim")]
    for r in front.to_dict("records"):
        i0 = (r["start"] - default_fit.start_).days
        i1 = (r["end"] - default_fit.start_).days + 1
        if r["metric"] in ("casualties", "killed") and r["subject"] in ("RU", "UA"):
            city = np.median(default_fit.period_draws(i0, i1)[r["subject"]][r["metric"]])
            div = (i1 - i0) if r["rate"] == "per_day" else 1
            assert r["truth_median"] >= city / div * (1 - 1e-3), r["id"]
    flagged = default_fit.summary()["implausible_claims"]
    assert all(c["tail_p"] < default_fit.ppc_alpha for c in flagged)


def test_period_and_daily_draws_add_up(default_fit: JointFog) -> None:
    from attrition.infer.fusion.period import period_estimate

    days, daily = default_fit.daily_draws()
    assert daily.shape[1] == len(days) == default_fit.n_days_
    whole = period_estimate(default_fit, days[0], days[-1]).summary()
    s = default_fit.summary()
    for side in ("RU", "UA"):
        assert whole["sides"][side]["casualties"]["median"] == pytest.approx(
            s["sides"][side]["casualties"]["median"], rel=1e-3
        )
        assert whole["sides"][side]["share_of_window"]["median"] == pytest.approx(1.0)
    jan = period_estimate(default_fit, "2023-01-01", "2023-01-31").summary()
    assert jan["sides"]["RU"]["casualties"]["median"] < s["sides"]["RU"]["casualties"]["median"]
    killed = default_fit.daily_killed_draws()
    assert killed.shape == daily.shape
    assert np.all(killed <= daily)


def test_posterior_is_written_as_inference_data(default_fit: JointFog, tmp_path: Path) -> None:
    pytest.importorskip("arviz")
    from attrition.infer.posterior import write_netcdf

    a = write_netcdf(default_fit.to_inference_data({"v": "x"}), tmp_path / "a.nc")
    b = write_netcdf(default_fit.to_inference_data({"v": "x"}), tmp_path / "b.nc")
    assert a.read_bytes() == b.read_bytes()
    import arviz as az

    idata = az.from_netcdf(a)
    killed = idata.posterior["killed"].sel(scope="city", subject="RU").values.reshape(-1)
    assert np.allclose(killed, default_fit.draws_["city"]["RU"]["killed"], rtol=1e-6)


def test_casualty_evidence_reads_the_default_fit(default_fit: JointFog) -> None:
    from attrition.battles.bakhmut.evidence import evidence_from_fog

    ev = evidence_from_fog(default_fit)
    _, daily = default_fit.daily_draws()
    assert ev.killed is not None
    assert ev.killed.shape == daily.shape
    assert "JointFog" in ev.source


def test_unknown_model_is_refused() -> None:
    import pandas as pd

    with pytest.raises(UserError, match="--model"):
        fuse_claims(pd.DataFrame(), model="bayes")
