"""Hindcast scores, targets and the no-look-ahead rule (tiny calibrations on synthetic
casualty evidence; the full 6-cutoff x 5-seed study is `attrition hindcast`, not a test)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from attrition.battles import bakhmut as bk
from attrition.battles.bakhmut import hindcasts as H
from attrition.battles.bakhmut.axes import START
from attrition.battles.bakhmut.baselines import BASELINES
from attrition.battles.bakhmut.scores import (
    brier,
    claim_log_score,
    crps,
    draw_probability,
    log_score,
)
from attrition.data.claims import load_claims, load_events

CUTOFF = dt.date(2023, 1, 31)
TINY: dict[str, Any] = {"runs": 20, "law": "square", "settings": (40, 1)}


@pytest.fixture(scope="module")
def evidence() -> bk.CasualtyEvidence:
    return bk.synthetic_evidence(
        bk.BakhmutModel("square", bk.record_schedule()), bk.prior_values(), draws=60, seed=0
    )


def _ev_fn(evidence: bk.CasualtyEvidence) -> Any:
    return lambda c: evidence.truncate(c) if c else evidence


# --- scores -----------------------------------------------------------------------------------


def test_brier_and_log_score_of_perfect_and_coin_flip_forecasts() -> None:
    assert brier(1.0) == 0.0
    assert log_score(1.0) == 0.0
    assert brier(0.5) == 0.25
    assert log_score(0.5) == pytest.approx(math.log(2))
    assert brier(0.0) == 1.0
    assert log_score(0.0) == math.inf
    assert brier(0.2, False) == pytest.approx(0.04)
    assert log_score(0.2, False) == pytest.approx(-math.log(0.8))
    assert draw_probability(np.ones(99, dtype=bool)) == pytest.approx(99.5 / 100)
    assert draw_probability(np.zeros(99, dtype=bool)) == pytest.approx(0.5 / 100)
    with pytest.raises(Exception, match=r"not in \[0, 1\]"):
        brier(1.5)


def test_crps_of_a_point_mass_is_the_absolute_error() -> None:
    for x, y in ((3.0, 5.0), (-1.0, 2.5), (7.0, 7.0)):
        assert crps(np.full(50, x), y) == pytest.approx(abs(x - y))


def test_claim_log_score_of_a_point_forecast() -> None:
    noise = 0.3
    z = (math.log(1200.0) - math.log(1000.0)) / noise
    expected = 0.5 * z * z + math.log(noise * math.sqrt(2 * math.pi))
    assert claim_log_score(np.full(10, 1000.0), "value", 1200, 1200, noise) == pytest.approx(
        expected
    )
    # a bound: the probability the claim's bound lies on the stated side
    assert claim_log_score(np.full(10, 1000.0), "at_least", 1000, math.inf, noise) == (
        pytest.approx(math.log(2))
    )
    assert claim_log_score(np.full(10, 1e6), "at_most", -math.inf, 10.0, noise) > 20
    # a sharper right forecast scores better than a vague one
    rng = np.random.default_rng(0)
    sharp = rng.lognormal(math.log(1000), 0.05, 2000)
    vague = rng.lognormal(math.log(1000), 1.0, 2000)
    assert claim_log_score(sharp, "value", 1000, 1000) < claim_log_score(vague, "value", 1000, 1000)


# --- targets ------------------------------------------------------------------------------------


def test_casualty_targets_exclude_claims_made_before_the_cutoff() -> None:
    claims = load_claims()
    for c_raw in H.HINDCAST_CUTOFFS:
        c = dt.date.fromisoformat(c_raw)
        t = H.casualty_targets(claims, c)
        assert len(t) > 0, c
        assert (t["first_day"] > (c - START).days).all()
        dated = t["claim_date"] != ""
        assert (pd.to_datetime(t.loc[dated, "claim_date"]).dt.date > c).all()
    t = H.casualty_targets(claims, CUTOFF)
    ids = set("+".join(t["id"]).split("+"))
    assert "bk-c019" not in ids  # Wagner, 15 Dec - 17 Feb: its period began before the cutoff
    assert "bk-c041+bk-c042" in set(t["id"])  # Zelenskyy, 6-12 March: killed + wounded
    # a claim about a later period but made by the cutoff is not a target
    early = claims[claims["id"] == "bk-c041"].copy()
    early["id"], early["metric"], early["claim_date"] = (
        "zz-early",
        "casualties",
        pd.Timestamp("2023-01-20"),
    )
    early["period_start"] = pd.Timestamp("2023-03-06")
    t2 = H.casualty_targets(pd.concat([claims, early], ignore_index=True), CUTOFF)
    assert "zz-early" not in set(t2["id"])
    assert "zz-early" in set(
        H.casualty_targets(pd.concat([claims, early]), dt.date(2022, 12, 31))["id"]
    )


def test_control_targets_are_later_and_unpublished() -> None:
    sched = bk.record_schedule()
    claims, events = load_claims(), load_events()
    t = H.control_targets(claims, events, sched, CUTOFF)
    known = {o.id for o in bk.build_observations(claims, events, None, CUTOFF, sched).items}
    assert t
    assert all(o.day > (CUTOFF - START).days and o.id not in known for o in t)


# --- no look-ahead ------------------------------------------------------------------------------


def _perturb(claims: pd.DataFrame, events: pd.DataFrame, cutoff: dt.date) -> tuple[Any, Any]:
    """Change, in every way, each row not published by the cutoff (later and undated ones)."""
    c = pd.Timestamp(cutoff)
    cl = claims.copy()
    later = cl["claim_date"].isna() | (cl["claim_date"] > c)
    cl.loc[later, "value_low"] = cl.loc[later, "value_low"] * 3 + 7
    cl.loc[later, "value_high"] = cl.loc[later, "value_high"] * 3 + 7
    ev = events.copy()
    late_ev = ev["date"].isna() | (ev["date"] > c)
    ev.loc[late_ev, "by_side"] = (
        ev.loc[late_ev, "by_side"].map({"RU": "UA", "UA": "RU"}).fillna("RU")
    )
    extra = ev[late_ev].head(5).copy()
    extra["id"] = [f"zz-{i}" for i in range(len(extra))]
    extra["place"] = "Soledar"
    return cl, pd.concat([ev, extra], ignore_index=True)


def test_later_claims_and_events_cannot_change_any_forecast(evidence: bk.CasualtyEvidence) -> None:
    claims, events = load_claims(), load_events()
    cl2, ev2 = _perturb(claims, events, CUTOFF)
    sched = bk.record_schedule()
    assert H.control_targets(claims, events, sched, CUTOFF) != H.control_targets(
        cl2, ev2, sched, CUTOFF
    )  # the perturbation reaches the targets ...
    ev_fn = _ev_fn(evidence)

    def digests(cl: pd.DataFrame, ev: pd.DataFrame) -> list[str]:
        common = {"claims": cl, "events": ev, "schedule": sched, "runs": 20, "seed": 1}
        fcs = [H.ModelForecaster(ev_fn, law="square", settings=(40, 1), **common)]
        fcs += [b(ev_fn, **common) for b in BASELINES]
        return [f.forecast(CUTOFF).digest() for f in fcs]

    assert digests(claims, events) == digests(cl2, ev2)  # ... but no forecast


# --- the study ---------------------------------------------------------------------------------


def test_hindcast_table_is_tidy_and_identical_across_executors(
    evidence: bk.CasualtyEvidence,
) -> None:
    kw = {**TINY, "seeds": 2, "evidence_fn": _ev_fn(evidence)}
    serial = H.hindcast(["2023-02-28"], executor="serial", **kw)
    procs = H.hindcast(["2023-02-28"], executor="processes", workers=2, **kw)
    pd.testing.assert_frame_equal(serial, procs, check_exact=True)
    key = ["cutoff", "target", "forecaster", "seed"]
    assert not serial.duplicated(key).any()
    assert set(serial["forecaster"]) == set(H.FORECASTERS) == {"model", "line", "persistence",
                                                                "llt"}  # fmt: skip
    assert set(serial["seed"]) == {0, 1}
    assert set(serial.loc[serial["forecaster"] != "model", "law"]) == {""}
    assert set(serial.loc[serial["forecaster"] == "model", "law"]) == {"square"}
    targets = set(serial["target"])
    assert {"city_fall_day", "control_events", "city_control", "casualty_claims"} <= targets
    fall = serial[serial["target"] == "city_fall_day"]
    assert set(fall["observed"]) == {"2023-05-20"}
    # the casualty truth is the claims after the cutoff, one row each, never a fused median
    claims_t = H.casualty_targets(load_claims(), dt.date(2023, 2, 28))
    per_claim = {t for t in targets if t.startswith("casualty_claim:")}
    assert per_claim == {f"casualty_claim:{i}" for i in claims_t["id"]}


def test_summary_counts_the_seeds_the_model_wins() -> None:
    rows = []
    for seed, (m, b) in enumerate(((0.2, 0.3), (0.4, 0.3), (0.1, 0.5))):
        for who, v in (("model", m), ("line", b)):
            cov = 0.9 if who == "model" else 0.5
            rows.append({"cutoff": "2023-01-31", "seed": seed, "law": "", "forecaster": who,
                         "target": "control_events", "n": 3, "log_score": v, "brier": v,
                         "crps": math.nan, "coverage_90": cov})  # fmt: skip
    s = H.hindcast_summary(pd.DataFrame(rows))
    line = s[(s["forecaster"] == "line")].set_index("score")
    assert line.loc["brier", "model_better"] == 2
    assert line.loc["coverage_90", "model_better"] == 3
    assert "crps" not in set(s["score"])
    model = s[(s["forecaster"] == "model") & (s["score"] == "brier")].iloc[0]
    assert model["mean"] == pytest.approx(0.7 / 3)
    assert model["sd"] == pytest.approx(np.std([0.2, 0.4, 0.1], ddof=1))
    assert math.isnan(model["model_better"])
    assert model["seeds"] == 3
