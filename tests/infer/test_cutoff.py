"""No look-ahead: under a cutoff, only what was *published* by then can change the output.

The rule (:func:`attrition.data.known.known_by`) is checked as a property: perturb **every** row
that was not provably published by the cutoff — later claim dates *and* undated claims, later
and undated events — in every way (values, sides, dates, metric, deletion, duplication) and the
rows that reach the models are identical. Then the fog-of-war fit and the calibration are run on
the real and on the perturbed tables and must agree bitwise.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attrition.battles import bakhmut as bk
from attrition.data.claims import load_claims, load_events
from attrition.data.known import known_by, known_dates
from attrition.errors import UserError
from attrition.infer.fusion import apply_cutoff

CLAIMS = load_claims()
EVENTS = load_events()
FIRST, LAST = dt.date(2022, 8, 31), dt.date(2023, 6, 30)


def unknown_rows(
    claims: pd.DataFrame, events: pd.DataFrame, cutoff: dt.date
) -> tuple[pd.Series, pd.Series]:
    """Masks of the rows NOT provably published by ``cutoff`` (later or undated)."""
    ts = pd.Timestamp(cutoff)
    c = ~(claims["claim_date"].notna() & (claims["claim_date"] <= ts))
    e = ~(events["date"].notna() & (events["date"] <= ts))
    return c, e


def perturb(
    claims: pd.DataFrame, events: pd.DataFrame, cutoff: dt.date, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Change every unknown row (values, sides, periods, metric), drop some, duplicate some."""
    rng = np.random.default_rng(seed)
    lc, le = unknown_rows(claims, events, cutoff)
    c2 = claims.copy()
    c2.loc[lc, "value_low"] = c2.loc[lc, "value_low"] * rng.uniform(0.1, 10) + 7
    c2.loc[lc, "value_high"] = c2.loc[lc, "value_low"]
    c2.loc[lc, "subject_side"] = (
        c2.loc[lc, "subject_side"].map({"UA": "RU", "RU": "UA"}).fillna(c2.loc[lc, "subject_side"])
    )
    shift = pd.Timedelta(days=int(rng.integers(-200, 0)))
    c2.loc[lc, "period_start"] = c2.loc[lc, "period_start"] + shift
    c2.loc[lc, "period_end"] = c2.loc[lc, "period_end"] + shift
    drop = lc & (rng.random(len(c2)) < 0.3)
    dup = c2[lc & ~drop].head(5).assign(id=lambda d: d["id"] + "-dup")
    c2 = pd.concat([c2[~drop], dup], ignore_index=True)
    e2 = events.copy()
    e2.loc[le, "by_side"] = e2.loc[le, "by_side"].map({"UA": "RU", "RU": "UA"}).fillna("RU")
    e2.loc[le, "event"] = "captured"
    e2 = e2[~(le & (rng.random(len(e2)) < 0.3))].reset_index(drop=True)
    return c2, e2


def test_undated_claims_are_never_known_under_a_cutoff() -> None:
    undated = CLAIMS[CLAIMS["claim_date"].isna()]
    assert len(undated) > 50  # the packaged data have many; the rule must bite
    kept = known_by(CLAIMS, LAST)
    assert not set(kept["id"]) & set(undated["id"])
    assert set(known_by(CLAIMS, None)["id"]) == set(CLAIMS["id"])  # no cutoff: everything


def test_the_reviewers_examples_are_not_known_at_the_end_of_january() -> None:
    """'17,000 ... between 6 and 31 January' and '277 killed ... on 31 January alone' have
    periods ending on 31 January but no publication date: they cannot be used then."""
    kept = set(apply_cutoff(CLAIMS, "2023-01-31")["quote"])
    for text in ("17,000", "277"):
        hits = CLAIMS[CLAIMS["quote"].str.contains(text, regex=False)]
        assert not hits.empty, text
        assert not set(hits["quote"]) & kept, text


def test_a_documented_lag_dates_undated_claims_after_their_period() -> None:
    table = pd.DataFrame(
        {
            "claim_date": pd.to_datetime([None, "2023-01-05", None]),
            "period_end": pd.to_datetime(["2023-01-01", None, None]),
        }
    )
    days = known_dates(table, undated="lag", lag_days=10)
    assert days.iloc[0] == pd.Timestamp("2023-01-11")
    assert days.iloc[1] == pd.Timestamp("2023-01-05")
    assert pd.isna(days.iloc[2])
    assert len(known_by(table, dt.date(2023, 1, 10), undated="lag", lag_days=10)) == 1
    assert len(known_by(table, dt.date(2023, 1, 11), undated="lag", lag_days=10)) == 2
    with pytest.raises(UserError, match="lag_days"):
        known_dates(table, undated="lag")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    day=st.integers(0, (LAST - FIRST).days),
    seed=st.integers(0, 2**31 - 1),
)
def test_rows_not_published_by_the_cutoff_cannot_reach_the_models(day: int, seed: int) -> None:
    cutoff = FIRST + dt.timedelta(days=day)
    c2, e2 = perturb(CLAIMS, EVENTS, cutoff, seed)
    a_c, a_e = bk.filter_known(CLAIMS, EVENTS, cutoff)
    b_c, b_e = bk.filter_known(c2, e2, cutoff)
    pd.testing.assert_frame_equal(a_c, b_c)
    pd.testing.assert_frame_equal(a_e, b_e)
    pd.testing.assert_frame_equal(apply_cutoff(CLAIMS, cutoff), apply_cutoff(c2, cutoff))


def test_calibration_is_bitwise_identical_when_unknown_rows_change() -> None:

    cutoff = dt.date(2023, 1, 31)
    ev = bk.synthetic_evidence(
        bk.BakhmutModel("square", bk.record_schedule()), bk.prior_values(), draws=60, seed=0
    )
    c2, e2 = perturb(CLAIMS, EVENTS, cutoff, seed=11)
    lc, _ = unknown_rows(CLAIMS, EVENTS, cutoff)
    assert CLAIMS.loc[lc, "claim_date"].isna().sum() > 0  # undated rows were perturbed too
    fast = {"particles": 40, "moves": 1, "draws": 50, "law": "linear"}
    a = bk.calibrate(ev, claims=CLAIMS, events=EVENTS, cutoff=cutoff, seed=2, **fast)
    b = bk.calibrate(ev, claims=c2, events=e2, cutoff=cutoff, seed=2, **fast)
    for k in a.draws:
        assert np.array_equal(a.draws[k], b.draws[k]), k
    assert a.laws == b.laws


def test_fog_of_war_is_bitwise_identical_when_unknown_rows_change() -> None:
    pytest.importorskip("numpyro")
    from attrition.infer.fusion import FogOfWar

    cutoff = dt.date(2023, 2, 28)
    c2, _ = perturb(CLAIMS, EVENTS, cutoff, seed=5)
    kw = {"draws": 60, "chains": 1, "seed": 3, "cutoff": cutoff, "warn": False}
    a = FogOfWar(**kw).fit(CLAIMS).summary()
    b = FogOfWar(**kw).fit(c2).summary()
    assert a == b


def test_streams_compiled_later_are_refused_under_a_cutoff() -> None:
    from attrition.data.streams import stream_info
    from attrition.infer.fusion import check_streams_known

    assert stream_info("named-dead").dated_by == "event"
    assert stream_info("genstaff").dated_by == "publication"
    with pytest.raises(UserError, match="named-dead: compiled after the fact"):
        check_streams_known(["genstaff", "named-dead"], "2023-01-31")
    check_streams_known(["genstaff", "oryx"], "2023-01-31")  # used up to the cutoff
    check_streams_known(["named-dead"], None)  # no cutoff: the whole record is allowed


def test_every_prior_rests_on_ids_of_the_evidence_base() -> None:
    from attrition.battles.bakhmut.params import PARAMS

    dates = bk.publication_dates(CLAIMS, EVENTS)
    cited = [i for p in PARAMS for i in p.rests_on]
    assert cited  # the rule must bite somewhere
    assert set(cited) <= set(dates), set(cited) - set(dates)
    assert all(p.before is not None for p in PARAMS if p.rests_on)


@pytest.mark.parametrize("cutoff", ["2022-12-31", "2023-01-31", "2023-02-28", "2023-04-30"])
def test_priors_at_a_cutoff_use_only_what_was_published_by_then(cutoff: str) -> None:
    """Every prior resting on a claim later than the cutoff (or undated) falls back to its
    'before' prior; the others are unchanged; and changing the later claims changes nothing."""
    from attrition.battles.bakhmut.params import PARAMS, priors_known_by

    day = dt.date.fromisoformat(cutoff)
    dates = bk.publication_dates(CLAIMS, EVENTS)
    specs = {p.name: p for p in priors_known_by(day, dates)}
    for p in PARAMS:
        later = any(dates.get(i) is None or dates[i] > day for i in p.rests_on)  # type: ignore[operator]
        if later:
            assert p.before is not None
            assert (specs[p.name].loc, specs[p.name].scale) == p.before[:2], p.name
        else:
            assert specs[p.name] == p, p.name
    c2, e2 = perturb(CLAIMS, EVENTS, day, seed=1)
    assert priors_known_by(day, bk.publication_dates(c2, e2)) == tuple(specs.values())


def test_rochans_january_estimate_is_not_in_the_december_prior() -> None:
    from attrition.battles.bakhmut.params import priors_known_by

    dates = bk.publication_dates(CLAIMS, EVENTS)
    dec = {p.name: p for p in priors_known_by(dt.date(2022, 12, 31), dates)}
    jan = {p.name: p for p in priors_known_by(dt.date(2023, 1, 31), dates)}
    assert "Rochan" not in dec["ua_2"].doc
    assert "Rochan" in jan["ua_2"].doc
    for name in ("wc_rate", "wp_rate", "withdraw_rate", "contract_days"):
        assert dec[name].rests_on == ()  # Prigozhin's May totals, the UK MoD's April report


def test_the_look_ahead_doc_lists_every_prior_that_rests_on_a_publication() -> None:
    import re
    from pathlib import Path

    from attrition.battles.bakhmut.params import PARAMS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "look-ahead.md").read_text("utf-8")
    rows = {
        m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` [^|]*\| ([^|]*)\|", doc, re.M)
    }
    for p in PARAMS:
        if p.rests_on:
            assert p.name in rows, p.name
            assert re.findall(r"(?:bk-[cn]\d+|ev-c?\d+)", rows[p.name]) == list(p.rests_on)
    assert set(rows) == {p.name for p in PARAMS if p.rests_on}
