"""The joint fusion (Bakhmut inside the war, issue 14): lineage, encoding, consistency, recovery.

The fit of the packaged Bakhmut claims with the streams is shared by the consistency tests
(the session's small default fit, tests/conftest.py); the synthetic recovery fits two seeds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from attrition.errors import UserError
from attrition.infer.fusion.joint import JointFog
from attrition.infer.fusion.joint_layout import joint_battle, joint_spec
from attrition.infer.fusion.joint_priors import FALLBACK_BIAS, JointPriors, relation_priors
from attrition.infer.fusion.lineage import LINEAGE_COLUMNS, restatement_weights, with_lineage

pytest.importorskip("numpyro")

FAST = {"draws": 150, "warmup": 150, "chains": 2, "max_tree_depth": 6, "warn": False}


# -- lineage and encoding (no sampling) -------------------------------------------------------


def _bare_claims() -> pd.DataFrame:
    """Bakhmut's claims without the lineage columns (whether claims.csv carries them or not)."""
    from attrition.data.claims import load_claims

    claims = load_claims("bakhmut")
    bare = claims.drop(columns=[c for c in LINEAGE_COLUMNS if c in claims.columns])
    bare.attrs = dict(claims.attrs)
    return bare


def test_with_lineage_merges_the_battles_own_lineage() -> None:
    claims = with_lineage(_bare_claims())
    row = claims.set_index("id").loc["bk-c116"]
    assert row["component"] == "WAGNER_CONVICTS"
    assert row["source_id"] == "prigozhin-2023-05-24-convicts-killed"
    assert claims.set_index("id").loc["bk-n016", "scope"] == "sector"
    assert set(claims["scope"]) <= {"city", "sector", "front", "unspecified"}


def test_with_lineage_refuses_an_unknown_scope(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "claims_lineage.csv"
    bad.write_text(
        "id,scope,scope_qualifier,scope_note,source_id,component,reason\nbk-c116,town,,,src-x,,\n"
    )
    with pytest.raises(UserError, match=r"line 2: field scope = 'town'"):
        with_lineage(_bare_claims(), bad)


def test_restatements_share_one_unit_of_weight() -> None:
    w = restatement_weights(["us", "us", "us", "uk", "uk", "solo"])
    assert w[:3] == pytest.approx([1 / 3] * 3)
    assert sum(w) == pytest.approx(3.0)


def test_bias_relation_reads_components_as_their_side() -> None:
    jb = joint_battle(joint_spec("bakhmut"))
    assert jb.relation("UA", "WAGNER_CONVICTS") == "enemy"
    assert jb.relation("RU", "WAGNER_CONTRACT") == "own"
    assert jb.relation("WEST", "RU") == "third_party"
    assert jb.relation("UA", "BOTH") == "third_party"
    # the General Staff stream's group is Ukraine's (battle.toml [[fusion.streams]])
    assert jb.relation("UA_GENSTAFF", "RU") == "enemy"


def test_bias_priors_are_learned_or_the_stated_fallback() -> None:
    bias, source = relation_priors()
    assert source in ("learned", "fallback")
    assert set(bias) == {"enemy", "own", "third_party"}
    if source == "fallback":
        assert bias == FALLBACK_BIAS
    # third parties get a bias with a real width: nobody is unbiased by construction
    assert bias["third_party"][1] >= 0.25


def test_priors_refuse_bad_values() -> None:
    with pytest.raises(UserError, match="p_city"):
        JointPriors(p_city=1.0)
    with pytest.raises(UserError, match=r"nope"):
        JointPriors().replace(nope=1.0)


def test_settings_are_checked() -> None:
    with pytest.raises(UserError, match="draws"):
        JointFog(draws=0)._check_params()
    with pytest.raises(UserError, match="streams must be a list"):
        JointFog(streams="named-dead")._check_params()
    with pytest.raises(UserError, match="step_days"):
        JointFog(step_days=0)._check_params()


# -- the packaged Bakhmut fit with the streams ----------------------------------------------


@pytest.fixture(scope="module")
def bakhmut_fit(bakhmut_default_estimate: Any) -> JointFog:
    """The session's small default fit of Bakhmut (tests/conftest.py: ``fuse_claims``, i.e.
    ``JointFog`` reading every stream with a role, 200 warm-up + 200 draws x 2 chains, seed 0,
    the Bakhmut model's window): one fit shared with the other tests of the default estimate
    instead of a second one here."""
    fog = bakhmut_default_estimate.fog
    assert isinstance(fog, JointFog)
    assert fog.chains >= 2
    return fog


def test_general_staff_claims_are_not_counted_twice(bakhmut_fit: JointFog) -> None:
    obs = bakhmut_fit.observations_
    claims = obs[obs["source"] == "claim"]
    assert not claims["source_id"].str.startswith("ua-genstaff-").any()
    excluded = set(bakhmut_fit.excluded_["id"])
    assert {"bk-c033", "bk-c046", "bk-c049", "bk-c052"} <= excluded
    assert (obs["source"] == "stream:genstaff").sum() >= 10


def test_restatement_groups_weigh_one(bakhmut_fit: JointFog) -> None:
    claims = bakhmut_fit.observations_[bakhmut_fit.observations_["source"] == "claim"]
    per_source = claims.groupby("source_id")["weight"].sum()
    assert np.allclose(per_source.to_numpy(), 1.0)
    us = claims[claims["source_id"] == "us-gov-2023-05-casualties"]
    assert len(us) >= 2
    assert us["weight"].max() < 1


def test_subtotals_are_components_not_the_whole(bakhmut_fit: JointFog) -> None:
    claims = bakhmut_fit.observations_.set_index("id")
    assert claims.loc["bk-c116", "subject"] == "WAGNER_CONVICTS"
    assert claims.loc["bk-c117", "subject"] == "WAGNER_CONTRACT"
    assert claims.loc["bk-c112", "subject"] == "WAGNER"


def test_bakhmut_killed_never_exceeds_the_front(bakhmut_fit: JointFog) -> None:
    for side in ("RU", "UA"):
        city = bakhmut_fit.monthly_draws("city", side, "killed")
        front = bakhmut_fit.monthly_draws("front", side, "killed")
        assert np.all(city <= front * (1 + 1e-9)), side  # every draw, every month
        assert np.all(np.median(city, axis=0) <= np.median(front, axis=0)), side


def test_front_killed_at_least_the_named_dead(bakhmut_fit: JointFog) -> None:
    obs = bakhmut_fit.observations_
    named = obs[obs["source"] == "stream:named-dead"]
    labels = sorted(bakhmut_fit.monthly_["month"].unique())
    assert len(named) >= 2 * (len(labels) - 1)
    for side in ("RU", "UA"):
        front = np.median(bakhmut_fit.monthly_draws("front", side, "killed"), axis=0)
        rows = named[named["subject"] == side]
        for r in rows.to_dict("records"):
            m = labels.index(f"{r['start']:%Y-%m}")
            assert front[m] >= math.exp(r["log_lo"]), (side, labels[m])


def test_summary_is_strict_json(bakhmut_fit: JointFog) -> None:
    import json

    s = bakhmut_fit.summary()
    text = json.dumps(s, allow_nan=False)
    assert json.loads(text)["model"] == "joint"
    city, front = s["scopes"]["city"]["RU"]["killed"], s["scopes"]["front"]["RU"]["killed"]
    assert city["median"] <= front["median"]
    assert set(s["bias"]) >= {"WEST", "INDEPENDENT", "UA", "RU"}
    frame = bakhmut_fit.to_frame()
    assert list(frame.columns) == ["scope", "side", "quantity", "median", "q05", "q95"]


def test_every_group_gets_a_bias_including_the_west(bakhmut_fit: JointFog) -> None:
    west = bakhmut_fit.bias_[
        (bakhmut_fit.bias_["group"] == "WEST") & (bakhmut_fit.bias_["n_obs"] > 0)
    ]
    assert len(west) >= 1
    # its bias is estimated, not fixed at 1: the interval has width
    assert (west["q95"] / west["q05"] > 1.2).all()


# -- recovery on synthetic battles with a known truth ------------------------------------------


RECOVERY_SEEDS = (1, 9)
"""Seeds of :func:`~attrition.infer.fusion.joint_synth.simulate_joint` the recovery test fits:
both draw battles of one shape (71 observations), so the second fit runs the sampler compiled
for the first (compiling is about 85% of a fit's cost here)."""

PINNED_BIAS = {"enemy": (0.0, 0.05), "own": (0.0, 0.05), "third_party": (0.0, 0.05)}
"""A mutant's bias priors: every claimant unbiased (log bias 0, sd 0.05)."""

WRONG_BIAS = {"enemy": (-0.7, 0.05), "own": (0.45, 0.05), "third_party": (0.0, 0.05)}
"""A mutant's bias priors of the wrong sign: enemies understating by a factor 2, own sides
inflating by a factor 1.6, sd 0.05."""


def _log_interval_score(truth: Any, q05: Any, q95: Any, alpha: float = 0.1) -> np.ndarray:
    """Interval score (Gneiting and Raftery 2007) of central ``1 - alpha`` intervals on
    the log scale: the interval's log width plus ``2 / alpha`` times the log distance by which
    it misses the truth. A perfectly centred interval scores its width; lower is better."""
    lt, lo, hi = np.log(truth), np.log(q05), np.log(q95)
    miss = np.clip(lo - lt, 0, None) + np.clip(lt - hi, 0, None)
    return np.asarray((hi - lo) + 2 / alpha * miss)


def _recovery_fit(seed: int, bias: dict[str, tuple[float, float]] | None = None) -> dict[str, Any]:
    """Fit :func:`simulate_joint` of ``seed`` with the ``FAST`` settings (``bias``: the bias
    priors, default the model's own); returns the coverage table of the totals
    (:func:`coverage`) and the bias table of the two sides' claimant groups with the true
    log bias (``truth``), each with a log-scale interval score column ``score``."""
    from attrition.infer.fusion.joint_synth import TRUE_BIAS, coverage, simulate_joint

    syn = simulate_joint(seed)
    fog = JointFog(seed=seed, priors=JointPriors(bias=bias), **FAST)
    fog.fit(syn.claims, syn.phases, streams=syn.streams)
    cov = coverage(fog, syn.truth).assign(seed=seed)
    cov["score"] = _log_interval_score(cov["truth"], cov["q05"], cov["q95"])
    b = fog.bias_
    b = b[(b["n_obs"] > 0) & b["group"].isin(["ATK", "DEF"])].copy()
    b["truth"] = [math.exp(TRUE_BIAS[g][r]) for g, r in zip(b["group"], b["relation"], strict=True)]
    b["score"] = _log_interval_score(b["truth"], b["q05"], b["q95"])
    return {"seed": seed, "totals": cov, "bias": b.assign(seed=seed)}


def _recovery_failures(fits: list[dict[str, Any]]) -> list[str]:
    """The recovery criteria a list of :func:`_recovery_fit` results breaks (empty: none).
    Per fit: ``totals score`` (the totals' mean log interval score below 2.3) and ``bias
    score`` (the two sides' claimant biases' below 1.9). Over the fits: ``coverage`` (at least
    three in four of the 90% intervals of the totals cover the truth), ``row`` (each total
    covered in at least one fit) and ``accuracy`` (the medians within a factor 1.42 of the
    truth on average: mean abs log ratio below 0.35). Thresholds and their reasons:
    :func:`test_recovery_on_synthetic_battles`."""
    out: list[str] = []
    for f in fits:
        t, b = f["totals"], f["bias"]
        if not t["score"].mean() < 2.3:
            out.append(f"totals score {t['score'].mean():.2f} (seed {f['seed']})")
        if not b["score"].mean() < 1.9:
            out.append(f"bias score {b['score'].mean():.2f} (seed {f['seed']})")
    cov = pd.concat([f["totals"] for f in fits])
    if not cov["covered"].mean() >= 0.75:
        out.append(f"coverage {cov['covered'].mean():.2f}")
    per = cov.groupby(["scope", "side", "quantity"])["covered"].sum()
    if not (per >= 1).all():
        out.append(f"row never covered: {list(per[per < 1].index)}")
    acc = float(np.mean(np.abs(np.log(cov["median"] / cov["truth"]))))
    if not acc < 0.35:
        out.append(f"accuracy {acc:.2f}")
    return out


@pytest.mark.slow
def test_recovery_on_synthetic_battles() -> None:
    """Two seeds of synthetic battles with biased neutral sources, wider-scope claims,
    restatement chains and component subtotals: the posterior of the totals (killed and
    casualties per side, the battle and the front) and of the two sides' claimant biases
    recovers the truth (criteria: :func:`_recovery_failures`; the benchmark runs 8 seeds, two
    keep ``make test`` inside its time budget).

    Measured on seeds 1 and 9 (per fit; accuracy = mean abs log(median / truth); scores =
    mean log-scale interval score, alpha 0.1), for the model and three mutants:

    ========================  ===========  ===========  ============  ===========
    variant                   coverage     accuracy     totals score  bias score
    ========================  ===========  ===========  ============  ===========
    the model                 1.00, 1.00   0.27, 0.27   1.55, 1.45    1.27, 1.17
    bias priors pinned at 0   0.88, 1.00   0.23, 0.28   1.69, 1.21    3.47, 2.80
    every claim at city scope 0.88, 1.00   0.26, 0.24   1.50, 1.44    1.24, 1.19
    bias priors wrong sign    0.63, 0.50   0.39, 0.53   3.84, 3.40    12.2, 11.6
    ========================  ===========  ===========  ============  ===========

    (Refitted with other sampler seeds, seeds 1 and 9 moved by up to 0.03 in the accuracy,
    the totals score and the bias score; over seeds 1 to 7 and 9 the model's accuracy ranges
    0.21 to 0.33, so the accuracy threshold has a thin margin if the seeds change.) Each
    threshold sits midway, in log terms, between the model and the nearest mutant *that the
    criterion separates* (the pinned and city-scope mutants score like the model on the
    totals): totals score 2.3 (1.55 and the wrong-sign 3.40), bias score 1.9 (1.27 and the
    pinned 2.80), accuracy 0.35 (0.27 pooled and the wrong-sign 0.46), coverage 0.75 (1.0 and
    0.56).
    The wrong-sign priors break every criterion. Pinned priors break only the bias score
    (over seeds 1 to 7 and 9: the model's 1.07 to 1.27, pinned 2.69 to 3.47): with them the
    totals are as accurate (the biases the model learns, enemies inflating and own sides
    understating, partly cancel in the totals), their intervals narrower and covering 15 of
    16. Reading every claim at the battle's scope breaks none: it relabels 8 of the 41
    claims (two of them rightly: two of the three unspecified ones are about the battle),
    and the streams anchor the front; no criterion on these battles tells it from
    the model (over 8 seeds its coverage is 0.97, the model's 1.00; accuracy 0.26 and 0.23).
    """
    fits = [_recovery_fit(seed) for seed in RECOVERY_SEEDS]
    failures = _recovery_failures(fits)
    table = pd.concat([f["totals"] for f in fits]).to_string()
    assert not failures, f"{failures}\n{table}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("bias", "broken"),
    [(PINNED_BIAS, "bias score"), (WRONG_BIAS, "totals score")],
    ids=["pinned", "wrong-sign"],
)
def test_recovery_fails_under_wrong_bias_priors(
    bias: dict[str, tuple[float, float]], broken: str
) -> None:
    """The recovery criteria can fail: bias priors pinned at zero or of the wrong sign break
    them on one seed (the sampler compiled for the recovery test serves this fit too)."""
    failures = _recovery_failures([_recovery_fit(RECOVERY_SEEDS[0], bias)])
    assert any(f.startswith(broken) for f in failures), failures


def test_unfitted_and_bad_queries() -> None:
    fog = JointFog()
    with pytest.raises(UserError, match="not fitted"):
        fog.to_frame()


def test_a_cutoff_run_refits_the_bias_priors_on_what_was_known(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No look-ahead: the default bias priors rest on records compiled after the battle, so a
    cutoff run uses priors refitted on the reference pairs known by its cutoff, before any
    sampling; priors given explicitly are kept."""
    import attrition.infer.bias_priors as bp
    import attrition.infer.fusion.joint as joint_mod
    from attrition.infer.fusion import joint_priors

    asked: list[object] = []

    class Known:
        cutoff, n_pairs, n_conflicts = "2023-01-31", 21, 7

        def get(self, rel: str, family: str = "personnel") -> object:
            loc = {"enemy": 0.3, "own": -0.3, "third_party": 0.0}[rel]
            return type("P", (), {"loc": loc, "scale": 0.9})()

    def fake_known_by(cutoff: object, *a: object, **k: object) -> Known:
        asked.append(cutoff)
        return Known()

    monkeypatch.setattr(bp, "bias_priors_known_by", fake_known_by)
    bias, source = joint_priors.relation_priors_known_by("2023-01-31")
    assert asked == ["2023-01-31"]
    assert bias == {"enemy": (0.3, 0.9), "own": (-0.3, 0.9), "third_party": (0.0, 0.9)}
    assert source == "learned by 2023-01-31 (21 pairs, 7 conflicts)"

    seen: dict[str, object] = {}

    class Stop(Exception):
        pass

    def stop(self: object, data: object, jb: object) -> None:
        seen["bias"] = self.bias_priors_  # type: ignore[attr-defined]
        seen["source"] = self.bias_source_  # type: ignore[attr-defined]
        raise Stop

    monkeypatch.setattr(joint_mod.JointFog, "_sample", stop)
    with pytest.raises(Stop):
        JointFog(cutoff="2023-01-31", streams=()).fit(_bare_claims())
    assert seen["source"] == source
    assert dict(seen["bias"]) == bias  # type: ignore[call-overload]
    given = {"enemy": (0.1, 0.5), "own": (-0.1, 0.5), "third_party": (0.0, 0.5)}
    with pytest.raises(Stop):
        JointFog(cutoff="2023-01-31", streams=(), priors=JointPriors(bias=given)).fit(
            _bare_claims()
        )
    assert seen["source"] == "given"
