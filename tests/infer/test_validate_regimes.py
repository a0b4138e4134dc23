"""The regime study of the joint fusion (issue 14, item 4): the generator's regimes contain what
they claim, their truths are drawn widely, the coverage table counts right, bad input is one
line, and a tiny study is deterministic."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from attrition.errors import UserError
from attrition.infer.fusion.joint_priors import JointPriors
from attrition.infer.fusion.joint_synth import (
    REGIMES,
    RegimeJoint,
    simulate_joint,
    simulate_regime,
)
from attrition.infer.validate.regimes import (
    STUDY_COLUMNS,
    TABLE_COLUMNS,
    mc_se,
    regime_coverage,
    regime_study,
    regime_table,
)

# no claim noise: a claim's value is its truth times exp(its drawn bias), up to rounding
QUIET = JointPriors(noise_scale=1e-9, noise_floor=1e-9, about_sd=0.0, day_sd=0.0)


def _true(syn: RegimeJoint, row: dict[str, object]) -> float:
    """The true total (or daily mean) a claim speaks of, from the replicate's daily series."""
    start = syn.daily["days"][0]
    t0 = (pd.Timestamp(row["period_start"]).date() - start).days  # type: ignore[arg-type]
    t1 = (pd.Timestamp(row["period_end"]).date() - start).days  # type: ignore[arg-type]
    subject = str(row["component"] or row["subject_side"])
    metric = str(row["metric"])
    scope = str(row["scope"])
    city = float(syn.daily[f"city/{subject}/{metric}"][t0 : t1 + 1].sum())
    front = float(syn.daily[f"front/{subject}/{metric}"][t0 : t1 + 1].sum())
    assert syn.hidden is not None
    value = {"city": city, "front": front, "sector": city + syn.hidden.eta * (front - city)}[scope]
    return value / (t1 - t0 + 1) if row["rate"] == "per_day" else value


def _relation(group: str, subject_side: str) -> str:
    if group not in ("ATK", "DEF"):
        return "third_party"
    return "own" if group == subject_side else "enemy"


def _log_error(syn: RegimeJoint, row: dict[str, object]) -> float:
    """log(value / truth) minus the drawn bias of the claim's group, relation and metric."""
    assert syn.hidden is not None
    group, side = str(row["claimant_side"]), str(row["subject_side"])
    bias = syn.hidden.bias[(group, _relation(group, side), str(row["metric"]))]
    return math.log(float(row["value_low"]) / _true(syn, row)) - bias  # type: ignore[arg-type]


# -- the generator ------------------------------------------------------------------------------


def test_baseline_is_plain_and_every_regime_adds_to_it() -> None:
    base = simulate_regime("baseline", 7)
    c = base.claims
    assert set(c["scope"]) == {"city"}
    assert set(c["component"]) == {""}
    assert set(c["claimant_side"]) == {"ATK", "DEF"}
    assert c["source_id"].is_unique
    for regime in REGIMES[1:]:
        other = simulate_regime(regime, 7)
        # the same seed: the same truth and the same baseline claims, then the regime's own
        assert other.truth == base.truth
        head = other.claims.iloc[: len(c)].reset_index(drop=True)
        pd.testing.assert_frame_equal(head, c.reset_index(drop=True))
        assert len(other.claims) > len(c), regime


def test_biased_neutral_sources_are_biased_and_their_claims_carry_it() -> None:
    syn = simulate_regime("biased_neutral", 3, priors=QUIET)
    neutral = syn.claims[syn.claims["claimant_side"].isin(["WEST", "INDEPENDENT"])]
    assert set(neutral["claimant_side"]) == {"WEST", "INDEPENDENT"}
    assert len(neutral) >= 5
    assert syn.hidden is not None
    for group in ("WEST", "INDEPENDENT"):
        for metric in ("casualties", "killed"):
            assert abs(syn.hidden.bias[(group, "third_party", metric)]) > 1e-3
    # each neutral claim is its truth times exp(the group's third-party bias), rounded
    for row in neutral.to_dict("records"):
        assert abs(_log_error(syn, row)) < 0.02, row


def test_wide_scope_has_sector_front_unspecified_and_mainly_claims() -> None:
    syn = simulate_regime("wide_scope", 4, priors=QUIET)
    c = syn.claims
    assert {"city", "sector", "front", "unspecified"} <= set(c["scope"])
    assert set(c.loc[c["scope"] == "sector", "scope_note"]) == {"Synthetic sector"}
    assert (c["scope_qualifier"].isin(["mainly", "primarily"])).sum() >= 2
    # sector and front claims observe their scope's truth (not the battle's)
    for row in c[c["scope"].isin(["sector", "front"])].to_dict("records"):
        assert abs(_log_error(syn, row)) < 0.02, row
    # a "mainly" claim holds more than the battle: part of the rest of the front
    for row in c[c["scope_qualifier"] == "mainly"].to_dict("records"):
        assert _log_error(syn, row) > 0.0, row


def test_restatements_share_one_source_and_one_value() -> None:
    syn = simulate_regime("restatements", 5)
    c = syn.claims
    chains = c[c.duplicated("source_id", keep=False)].groupby("source_id")
    assert len(chains) >= 2
    sizes = chains.size()
    assert sizes.max() >= 3
    for _, part in chains:
        assert part["claimant"].is_unique  # restated by different people
        assert part["value_low"].nunique() == 1  # one estimate
        assert part[["metric", "subject_side", "period_start", "period_end"]].nunique().max() == 1


def test_subtotals_are_component_claims_of_their_component_truth() -> None:
    syn = simulate_regime("subtotals", 6, priors=QUIET)
    c = syn.claims
    parts = c[c["component"] != ""]
    assert {"MERC_CONVICTS", "MERC_CONTRACT", "MERC", "ATK_REGULAR"} <= set(parts["component"])
    for row in parts.to_dict("records"):
        assert abs(_log_error(syn, row)) < 0.02, row
    # the parts are smaller than the whole side: a subtotal is not a total
    truth_atk_killed = float(syn.daily["city/ATK/killed"].sum())
    assert float(syn.daily["city/MERC_CONVICTS/killed"].sum()) < truth_atk_killed


def test_truths_are_drawn_widely() -> None:
    """Across seeds the truth, killed shares and biases (neutral groups' too) vary, and the
    third-party biases fall on both sides of zero."""
    draws = [simulate_regime("baseline", s).hidden for s in range(25)]
    assert all(h is not None for h in draws)
    killed = np.array([h.killed["MERC_CONVICTS"] for h in draws if h is not None])
    assert killed.std() > 0.05
    west = np.array([h.bias[("WEST", "third_party", "killed")] for h in draws if h is not None])
    assert (west > 0.1).any()
    assert (west < -0.1).any()
    city = np.array([simulate_regime("baseline", s).truth["city"]["ATK"]["casualties"]
                     for s in range(10)])  # fmt: skip
    assert city.max() / city.min() > 3


def test_the_same_seed_gives_the_same_bytes() -> None:
    for regime in REGIMES:
        a, b = simulate_regime(regime, 11), simulate_regime(regime, 11)
        assert a.claims.to_csv(index=False) == b.claims.to_csv(index=False)
        assert a.streams.to_csv(index=False) == b.streams.to_csv(index=False)
        assert a.truth == b.truth
    seq = np.random.SeedSequence(3).spawn(2)[1]
    assert simulate_regime("baseline", seq).truth == simulate_regime("baseline", seq).truth
    assert simulate_regime("baseline", 11).truth != simulate_regime("baseline", 12).truth


def test_simulate_joint_is_unchanged() -> None:
    """The fixed-truth generator keeps its signature and design (the recovery test reads it)."""
    syn = simulate_joint(1)
    assert len(syn.claims) == 41
    assert set(syn.truth) == {"city", "front"}


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"regimes": ["baseline", "nonsense"]}, "unknown regime 'nonsense'; valid: "),
        ({"regimes": []}, "give at least one of"),
        ({"regimes": ["baseline", "baseline"]}, "names a regime twice"),
        ({"replicates": 0}, "replicates = 0 must be"),
        ({"seed": -1}, "seed = -1 must be"),
        ({"scopes": ["town"]}, "unknown scope 'town'"),
    ],
)
def test_bad_input_is_one_line_before_any_fit(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(UserError, match=match) as err:
        regime_coverage(**kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(err.value)


def test_an_unknown_regime_in_the_generator() -> None:
    with pytest.raises(UserError, match=r"simulate_regime: unknown regime 'bogus'; valid: .*"):
        simulate_regime("bogus", 0)


# -- the table ----------------------------------------------------------------------------------


def _study_rows(regime: str, covered: list[bool], below: list[bool]) -> list[dict[str, object]]:
    return [
        {
            "regime": regime,
            "replicate": k,
            "scope": "city",
            "side": "ATK",
            "quantity": "killed",
            "truth": 100.0,
            "median": 100.0 * math.e ** (k % 2),
            "q05": 50.0,
            "q95": 200.0,
            "covered": c,
            "below": b,
            "above": not c and not b,
            "r_hat_max": 1.0,
            "divergences": 0,
        }
        for k, (c, b) in enumerate(zip(covered, below, strict=True))
    ]


def test_the_table_counts_coverage_misses_and_its_error() -> None:
    study = pd.DataFrame(
        _study_rows("baseline", [True] * 9 + [False], [False] * 9 + [True])
        + _study_rows(
            "subtotals", [True] * 5 + [False] * 5, [False] * 5 + [True, True] + [False] * 3
        )
    )
    t = regime_table(study)
    assert list(t.columns) == list(TABLE_COLUMNS)
    assert list(t["regime"]) == ["baseline", "subtotals"]
    base, sub = t.iloc[0], t.iloc[1]
    assert (base["n"], base["covered"], base["below"], base["above"]) == (10, 9, 1, 0)
    assert base["coverage"] == pytest.approx(0.9)
    assert bool(base["in_target"])
    assert not bool(sub["in_target"])
    assert (sub["below"], sub["above"]) == (2, 3)
    assert base["mc_se"] == pytest.approx(math.sqrt((10 / 12) * (2 / 12) / 10))
    assert base["median_abs_log_error"] == pytest.approx(0.5)
    # all covered still has an error
    assert mc_se(10, 10) > 0.05
    with pytest.raises(UserError, match="lacks column"):
        regime_table(study.drop(columns=["below"]))


# -- a tiny study (one fit per call) ------------------------------------------------------------


@pytest.mark.slow
def test_a_tiny_study_is_deterministic_and_shaped() -> None:
    """One replicate of one regime, twice: the same table and replicate rows, byte for byte."""
    kw = {"regimes": ["subtotals"], "replicates": 1, "seed": 2, "draws": 40, "chains": 1}
    a = regime_coverage(**kw, scopes=["city", "front"])  # type: ignore[arg-type]
    assert list(a.columns) == list(TABLE_COLUMNS)
    assert len(a) == 8  # 2 sides x 2 quantities x 2 scopes
    assert set(a["n"]) == {1}
    assert set(a["scope"]) == {"city", "front"}
    assert ((a["covered"] + a["below"] + a["above"]) == 1).all()
    assert a.attrs["settings"]["warmup"] == 40
    study = pd.DataFrame(a.attrs["study"])
    assert list(study.columns) == list(STUDY_COLUMNS)
    assert (study["q05"] < study["median"]).all()
    assert (study["median"] < study["q95"]).all()
    b = regime_study(["subtotals"], 1, 2, 40, 1, scopes=["city", "front"])
    assert study.to_csv(index=False) == b.to_csv(index=False)
    assert a.to_csv(index=False) == regime_table(b).to_csv(index=False)
