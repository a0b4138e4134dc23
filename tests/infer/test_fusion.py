"""Tests of the fog-of-war estimate (attrition.infer.fusion, attrition.infer.diagnostics).

Oracles: the toy battle's known truth (attrition.infer.validate.toy_battle), closed forms of
the normal CDF, hand-placed claim periods, and i.i.d. draws for the convergence statistics.
The sampler runs with small draws on a 4-week battle; every fit here shares one compiled
program (same shapes and sampler settings), except the cutoff fits.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

pytest.importorskip("numpyro")

from attrition.data.claims import load_claims, load_phases
from attrition.errors import DataWarning, UserError
from attrition.infer.diagnostics import (
    ConvergenceWarning,
    convergence,
    posterior_predictive_check,
)
from attrition.infer.fusion import (
    FogOfWar,
    FogPriors,
    apply_cutoff,
    log_diff_ndtr,
    prepare_claims,
    relation,
)
from attrition.infer.validate import toy_battle

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root: tests.baselines
from tests.baselines import producers as P

DRAWS, CHAINS = 200, 2


@pytest.fixture(scope="module")
def toy() -> Any:
    return toy_battle()


@pytest.fixture(scope="module")
def fitted(toy: Any) -> FogOfWar:
    """The toy fit of the pinned baseline (DRAWS x CHAINS, seed 0; shared within the process)."""
    fog: FogOfWar = P.TOY_FIT.make()
    return fog


# --- preparation (no sampling) -----------------------------------------------------------------


def test_relation_table() -> None:
    assert relation("UA", "RU") == "enemy"
    assert relation("UA", "WAGNER") == "enemy"
    assert relation("UA", "UA") == "self"
    assert relation("RU", "UA") == "enemy"
    assert relation("RU", "WAGNER") == "self"
    assert relation("WEST", "RU") == "neutral"
    assert relation("INDEPENDENT", "UA") == "neutral"
    assert relation("OTHER", "UA") == "neutral"
    assert relation("UA", "BOTH") == "neutral"


def test_prepare_places_each_claim_by_the_documented_rules(toy: Any) -> None:
    p = prepare_claims(toy.claims)
    t: Any = p.table.set_index("id")
    assert p.window == (dt.date(2024, 1, 1), dt.date(2024, 1, 28))
    assert not t.loc["u5", "used"]
    assert t.loc["u5", "reason"] == "restatement of u1"
    assert t.loc["x1", "reason"] == "metric advance_m not modelled"
    assert t.loc["x2", "reason"] == "subject CIVILIAN not modelled"
    # undated total -> lower bound on the whole-window total
    assert t.loc["u6", "kind"] == "lower"
    assert (t.loc["u6", "start"], t.loc["u6", "end"]) == p.window
    assert t.loc["u6", "reason"] == "lower bound on window total"
    assert t.loc["a1", "kind"] == "interval"
    assert t.loc["a1", "log_lo"] == pytest.approx(math.log(1000))
    assert t.loc["a1", "log_hi"] == pytest.approx(math.log(1300))
    assert t.loc["r3", "kind"] == "upper"
    assert bool(t.loc["w2", "about"])
    assert not bool(t.loc["w1", "about"])
    assert t.loc["u1", "relation"] == "enemy"
    assert t.loc["u4", "relation"] == "self"
    assert t.loc["w5", "subject"] == "BOTH"
    assert int(p.table["used"].sum()) == 15


def _one(**kw: Any) -> pd.DataFrame:
    base = toy_battle().claims.iloc[[0]].copy()
    for k, v in kw.items():
        base[k] = pd.to_datetime(v) if k in ("claim_date", "period_start", "period_end") else v
    return base.reset_index(drop=True)


def test_prepare_dated_per_day_figure_covers_the_week_to_its_date() -> None:
    claims = pd.concat(
        [
            _one(),
            _one(
                id="pd",
                rate="per_day",
                period_start=None,
                period_end=None,
                claim_date="2024-01-20",
                value_low=90.0,
                value_high=90.0,
            ),
            _one(id="nd", rate="per_day", period_start=None, period_end=None, claim_date=None),
            _one(id="td", period_start=None, period_end=None, claim_date="2024-01-10"),
        ],
        ignore_index=True,
    )
    t: Any = prepare_claims(claims, window=("2024-01-01", "2024-01-28")).table.set_index("id")
    assert (t.loc["pd", "start"], t.loc["pd", "end"]) == (
        dt.date(2024, 1, 14),
        dt.date(2024, 1, 20),
    )
    assert t.loc["nd", "reason"] == "per-day figure with no date cannot be placed"
    assert t.loc["td", "kind"] == "lower"
    assert (t.loc["td", "start"], t.loc["td", "end"]) == (dt.date(2024, 1, 1), dt.date(2024, 1, 10))


def test_prepare_zero_values_clipping_and_outside_window() -> None:
    claims = pd.concat(
        [
            _one(),
            _one(id="z", value_low=0.0, value_high=0.0),
            _one(id="z2", qualifier="at_least", value_low=0.0, value_high=float("nan")),
            _one(id="clip", period_start="2023-12-01"),
            _one(id="out", period_start="2023-01-01", period_end="2023-01-31", claim_date=None),
        ],
        ignore_index=True,
    )
    with pytest.warns(DataWarning, match="1 claim"):
        t: Any = prepare_claims(claims, window=("2024-01-01", "2024-01-28")).table.set_index("id")
    assert t.loc["z", "kind"] == "upper"
    assert t.loc["z", "log_hi"] == pytest.approx(math.log(0.5))
    assert t.loc["z2", "reason"] == "lower bound of 0 says nothing"
    assert t.loc["clip", "start"] == dt.date(2024, 1, 1)
    assert "clipped" in t.loc["clip", "reason"]
    assert not t.loc["out", "used"]
    assert t.loc["out", "reason"].startswith("outside the window")


def test_cutoff_keeps_claims_known_by_then(toy: Any) -> None:
    kept = apply_cutoff(toy.claims, "2024-01-21")
    assert sorted(kept["id"]) == ["a2", "r2", "u3", "w4"]  # undated u6 cannot be shown known
    with pytest.raises(UserError, match=r"before the first dated claim \(2024-01-11\)"):
        apply_cutoff(toy.claims, "2023-12-31")
    with pytest.raises(UserError, match="not a date"):
        apply_cutoff(toy.claims, "21/01/2024")


def test_bakhmut_preparation() -> None:
    from attrition.data.schema import dup_of

    p = prepare_claims(load_claims("bakhmut"), phases=load_phases("bakhmut"))
    assert p.window == (dt.date(2022, 8, 1), dt.date(2023, 6, 10))
    t: Any = p.table
    dups = t["notes"].map(dup_of).notna()
    modelled = t["metric"].isin(["killed", "wounded", "casualties", "casualty_ratio"])
    modelled &= t["subject_side"] != "CIVILIAN"
    assert (dups & modelled).sum() >= 4  # bk-c103, bk-c143, bk-c144, bk-c147 at least
    assert t.loc[dups & modelled, "reason"].str.startswith("restatement of").all()
    assert not t.loc[t["used"], "metric"].isin(["advance_m", "captured", "personnel"]).any()
    row: Any = t.set_index("id").loc["bk-c127"]  # 'since May 2022': clipped to the window
    assert row["start"] == dt.date(2022, 8, 1)
    assert "clipped" in row["reason"]
    assert len(p.used) > 100
    assert dt.date(2023, 5, 1) in p.change_points


def test_bad_inputs_raise_one_line_errors(toy: Any) -> None:
    empty = toy.claims.iloc[0:0]
    with pytest.raises(UserError, match="no dated casualty claim"):
        FogOfWar().fit(empty)
    with pytest.raises(UserError, match="no usable casualty claims"):
        FogOfWar(window=("2024-01-01", "2024-01-28")).fit(empty)
    censored = toy.claims[toy.claims["id"].isin(["a2", "r3", "u6"])]
    with pytest.raises(UserError, match="all 3 usable claims are censored"):
        FogOfWar().fit(censored)
    with pytest.raises(UserError, match="lacks column"):
        FogOfWar().fit(toy.claims.drop(columns=["qualifier"]))
    with pytest.raises(UserError, match="before its start"):
        FogOfWar(window=("2024-02-01", "2024-01-01")).fit(toy.claims)
    with pytest.raises(UserError, match="unknown stream 'foo'"):
        FogOfWar(streams=["foo"]).fit(toy.claims)
    with pytest.raises(UserError, match="draws"):
        FogOfWar(draws=0).fit(toy.claims)
    with pytest.raises(UserError, match="not fitted"):
        FogOfWar().summary()


def test_priors_validate() -> None:
    with pytest.raises(UserError, match="rw_sd"):
        FogPriors(rw_sd=-1.0)
    with pytest.raises(UserError, match="unknown prior 'bias'"):
        FogPriors().replace(bias=1.0)
    assert FogPriors().replace(rw_sd=0.3).rw_sd == 0.3


def test_log_diff_ndtr_matches_closed_form() -> None:
    lo = np.array([-1.0, 0.5, 6.0, -9.0, 2.0])
    hi = np.array([1.0, 0.7, 7.0, -8.0, 2.0 + 1e-3])
    got = np.asarray(log_diff_ndtr(lo, hi))
    # float64 closed form, each tail computed where it does not cancel
    want = np.log(np.where(lo > 0, norm.sf(lo) - norm.sf(hi), norm.cdf(hi) - norm.cdf(lo)))
    np.testing.assert_allclose(got, want, rtol=2e-4)


# --- diagnostics (no sampling) ------------------------------------------------------------------


def test_convergence_statistics_on_iid_and_stuck_chains() -> None:
    rng = np.random.default_rng(1)
    iid = {"x": rng.normal(size=(4, 1000, 3))}
    ok = convergence(iid, np.zeros((4, 1000), bool), warn=False)
    assert ok.r_hat_max < 1.01
    assert 2500 < ok.ess_min <= 4500  # i.i.d.: ESS close to the 4000 draws
    assert ok.ok
    assert ok.divergences == 0
    stuck = {"x": rng.normal(size=(4, 500, 1)) + np.arange(4)[:, None, None]}
    div = np.zeros((4, 500), bool)
    div[0, :3] = True
    with pytest.warns(ConvergenceWarning, match=r"R-hat .* 3 divergent"):
        bad = convergence(stuck, div)
    assert bad.r_hat_max > 1.5
    assert bad.divergences == 3
    assert not bad.ok


def test_posterior_predictive_tail_probabilities_match_normal_closed_form() -> None:
    obs = pd.DataFrame(
        {
            "id": ["at-median", "3sd-high", "lower-bound", "upper-bound", "range-above"],
            "kind": ["point", "point", "lower", "upper", "interval"],
            "log_lo": [0.0, 3.0, 2.0, -1.0, 2.5],
            "log_hi": [0.0, 3.0, 2.0, -1.0, 3.5],
            "rate": ["total"] * 5,
            "about": [False] * 5,
        }
    )
    n = 50
    mu = np.zeros((n, 5))
    sigma = np.ones((n, 5))
    truth = np.ones((n, 5))
    out: Any = posterior_predictive_check(obs, mu, sigma, truth).set_index("id")
    assert out.loc["at-median", "tail_p"] == pytest.approx(1.0)
    assert out.loc["3sd-high", "tail_p"] == pytest.approx(2 * norm.sf(3.0))
    assert out.loc["lower-bound", "tail_p"] == pytest.approx(norm.sf(2.0))
    assert out.loc["upper-bound", "tail_p"] == pytest.approx(norm.cdf(-1.0))
    assert out.loc["range-above", "tail_p"] == pytest.approx(2 * norm.sf(2.5))
    assert list(out["implausible"]) == [False, True, True, False, True]
    assert out.loc["3sd-high", "vs_truth"] == pytest.approx(math.exp(3.0))


# --- fits ---------------------------------------------------------------------------------------


# Log-scale spread of what the priors let the claims say about the scale of the truth: the
# Western group's shared neutral bias (sd 0.25), the independent analyst's group and claimant
# spread (√(0.25² + 0.3²)), and the Ukrainian (enemy) and Russian (self) groups with their
# claimant spread (√(0.5² + 0.3²) each). Combining all four as independent measurements gives
# the narrowest log-sd the priors allow; one neutral claim alone, with the mean claimant noise
# (half-normal scale 0.4) and the noise floor, gives a generous upper bound.
_FLOOR_SD = (1 / 0.25**2 + 1 / (0.25**2 + 0.3**2) + 2 / (0.5**2 + 0.3**2)) ** -0.5  # 0.187
_ONE_CLAIM_SD = math.sqrt(0.25**2 + 0.3**2 + 0.4**2 + 0.1**2)  # 0.57
_Z90 = 2 * norm.ppf(0.95)


def test_toy_battle_recovers_known_truth(fitted: FogOfWar, toy: Any) -> None:
    """Known truth (RU 2,800, UA 1,120, ratio 2.5, killed share 0.25): inside the 90%
    intervals, medians within x1.5, biases of the right direction. Sharpness: each interval's
    log width is below one neutral claim's spread (2·1.645·0.57 = 1.87) and each side's total
    above what the bias priors allow at best (2·1.645·0.187 = 0.62): an interval as wide as
    the prior (width 8) or a total more certain than the bias priors permit fails. Seeded
    numbers: pinned."""
    truth = toy.truth
    quantities = {side: fitted.total(side) for side in ("RU", "UA")}
    quantities["ratio"] = fitted.exchange_ratio_
    for name, q in quantities.items():
        assert q["q05"] <= truth[name] <= q["q95"], (name, q)
        # the neutral claims pin the scale up to their bias prior (log sd ~0.3): within x1.5
        assert abs(math.log(q["median"] / truth[name])) < math.log(1.5), (name, q)
        width = math.log(q["q95"] / q["q05"])
        assert width < _Z90 * _ONE_CLAIM_SD, (name, width)
        # a claimant's shared group bias cancels in a ratio: the floor bounds the totals only
        assert name == "ratio" or width > _Z90 * _FLOOR_SD, (name, width)
    ks = fitted.samples_["killed_share"][..., 0].ravel()
    assert np.quantile(ks, 0.05) <= truth["killed_share"] <= np.quantile(ks, 0.95)
    bias = fitted.bias_.set_index(["claimant", "subject"])["median"]
    assert 1.3 < bias[("UA official", "RU")] < 3.0  # doubled Russian losses
    assert bias[("UA official", "UA")] < 0.8  # understated its own
    assert fitted.diagnostics_.divergences == 0
    assert fitted.diagnostics_.r_hat_max < 1.05
    P.check(P.TOY_FIT, P.TOY_FIT.summarise(fitted))


def test_draws_add_up(fitted: FogOfWar) -> None:
    """Identities of the posterior draws: killed + wounded = casualties, casualties = the sum
    of the daily draws over the window, and the exchange ratio is RU over UA draw by draw."""
    days, daily = fitted.daily_draws()
    assert len(days) == 28
    for i, side in enumerate(("RU", "UA")):
        d = fitted.draws_[side]
        np.testing.assert_allclose(d["killed"] + d["wounded"], d["casualties"], rtol=1e-12)
        np.testing.assert_allclose(daily[:, :, i].sum(axis=1), d["casualties"], rtol=1e-12)
        ks = fitted.samples_["killed_share"][..., i].ravel()
        np.testing.assert_allclose(d["killed"], d["casualties"] * ks, rtol=1e-6)
    ratio = fitted.draws_["RU"]["casualties"] / fitted.draws_["UA"]["casualties"]
    q05, q50, q95 = np.quantile(ratio, [0.05, 0.5, 0.95])
    r = fitted.exchange_ratio_
    assert (r["q05"], r["median"], r["q95"]) == pytest.approx((q05, q50, q95), rel=1e-12)


def test_posterior_predictive_check_flags_the_absurd_claim(fitted: FogOfWar) -> None:
    flagged = set(fitted.ppc_.loc[fitted.ppc_["implausible"], "id"])
    assert flagged == {"r2"}
    row = fitted.ppc_.set_index("id").loc["r2"]
    assert row["vs_truth"] > 100  # 100,000 killed in a day against a truth of ~10


def test_summary_has_the_documented_keys(fitted: FogOfWar) -> None:
    s = fitted.summary()
    assert s["window"] == {"start": "2024-01-01", "end": "2024-01-28", "days": 28}
    assert set(s["sides"]) == {"RU", "UA"}  # no Wagner claims: no WAGNER
    for name, side in s["sides"].items():
        for k in ("casualties", "killed", "wounded"):
            # the fitted quantiles, rounded to 4 significant figures
            want = fitted.total(name, k)
            assert set(side[k]) == set(want)
            for stat, v in want.items():
                assert side[k][stat] == pytest.approx(v, rel=5e-4), (name, k, stat)
    want = fitted.exchange_ratio_
    assert s["exchange_ratio"] == {k: pytest.approx(v, rel=5e-4) for k, v in want.items()}
    assert set(s["diagnostics"]) >= {"r_hat_max", "ess_min", "divergences"}
    assert s["seed"] == 0
    assert s["n_claims"] == 15
    assert set(s["claimants"]) == {
        "Independent analyst",
        "RU official",
        "UA official",
        "Western government A",
        "Western government B",
    }
    assert set(s["claimants"]["UA official"]["bias"]) == {"median", "q05", "q95"}
    assert s["claimants"]["UA official"]["subject"] == "RU"
    figures = {f["id"] for g in s["claimant_groups"].values() for f in g["figures"]}
    assert {"w1", "u1", "r1", "a1"} <= figures
    assert "u6" not in figures
    assert [c["id"] for c in s["implausible_claims"]] == ["r2"]
    json.dumps(s)  # JSON-ready


def test_same_seed_same_bytes_and_weights(fitted: FogOfWar, toy: Any) -> None:
    again = FogOfWar(draws=DRAWS, chains=CHAINS, seed=0, warn=False).fit(toy.claims)
    assert json.dumps(again.summary()) == json.dumps(fitted.summary())
    other = FogOfWar(draws=DRAWS, chains=CHAINS, seed=1, warn=False).fit(toy.claims)
    assert json.dumps(other.summary()) != json.dumps(fitted.summary())
    # weight 0 on the absurd claim: it is no longer fitted, so it looks even more absurd
    used = fitted.prepared_.used
    w = [0.0 if i == "r2" else 1.0 for i in used["id"]]
    loo = FogOfWar(draws=DRAWS, chains=CHAINS, seed=0, warn=False).fit(toy.claims, weights=w)
    p_in = float(fitted.ppc_.set_index("id").loc["r2", "tail_p"])  # type: ignore[arg-type]
    p_out = float(loo.ppc_.set_index("id").loc["r2", "tail_p"])  # type: ignore[arg-type]
    assert p_out < p_in
    with pytest.raises(UserError, match="one per used claim"):
        FogOfWar(draws=DRAWS, chains=CHAINS).fit(toy.claims, weights=[1.0])


def test_cutoff_result_does_not_depend_on_later_claims(toy: Any) -> None:
    def run(claims: pd.DataFrame) -> str:
        fog = FogOfWar(draws=100, chains=1, seed=4, cutoff="2024-01-21", warn=False)
        return json.dumps(fog.fit(claims).summary())

    changed = toy.claims.copy()
    late = changed["claim_date"] > pd.Timestamp("2024-01-21")
    changed.loc[late, "value_low"] = changed.loc[late, "value_low"] * 7
    changed.loc[late, "claimant"] = "Someone else"
    undated = changed["claim_date"].isna()
    changed.loc[undated, "value_low"] = 1e9
    extra = changed.iloc[[0]].assign(id="new", claim_date=pd.Timestamp("2024-01-25"))
    changed = pd.concat([changed, extra], ignore_index=True)
    first = run(toy.claims)
    assert run(changed) == first
    s = json.loads(first)
    assert s["window"]["end"] == "2024-01-21"
    assert s["n_claims"] == 4
    assert s["cutoff"] == "2024-01-21"


def test_warns_when_a_side_has_no_claims(toy: Any) -> None:
    only_ru = toy.claims[toy.claims["id"].isin(["w1", "w3", "u1"])]
    fog = FogOfWar(draws=DRAWS, chains=CHAINS, warn=False)
    # weights of the wrong length stop the fit after the warning, before any sampling
    with (
        pytest.warns(DataWarning, match="no usable claim about UA losses"),
        pytest.raises(UserError, match="one per used claim"),
    ):
        fog.fit(only_ru, weights=[1.0])
