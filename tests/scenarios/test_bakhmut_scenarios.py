"""Bakhmut calibration, scenarios and hindcasts on synthetic evidence (no fog-of-war needed)."""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
import tomllib
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from attrition.battles import bakhmut as bk
from attrition.battles.bakhmut import evidence as C_evidence
from attrition.battles.bakhmut import scenarios as bk_scenarios
from attrition.data.claims import load_claims, load_events
from attrition.errors import UserError

FAST: dict[str, Any] = {"particles": 60, "moves": 2, "draws": 200}
TRUTH = bk.prior_values()


@pytest.fixture(scope="module")
def evidence() -> bk.CasualtyEvidence:
    return bk.synthetic_evidence(
        bk.BakhmutModel("square", bk.record_schedule()), TRUTH, draws=100, seed=0
    )


@pytest.fixture(scope="module")
def cal(evidence: bk.CasualtyEvidence) -> bk.Calibration:
    return bk.calibrate(evidence, law="square", seed=0, **FAST)


# --- calibration ------------------------------------------------------------------------------


def test_calibration_recovers_synthetic_casualties(evidence: bk.CasualtyEvidence) -> None:
    """Casualty evidence drawn around a known run: the posterior predictive totals cover it."""
    empty_c, empty_e = load_claims().iloc[:0], load_events().iloc[:0]
    cal = bk.calibrate(
        evidence, claims=empty_c, events=empty_e, law="square", seed=1, particles=120, moves=3
    )
    truth = bk.simulate(
        bk.BakhmutModel("square", bk.record_schedule()),
        {k: np.array([v]) for k, v in TRUTH.items()},
    )
    runs = bk.simulate(cal.model(), cal.draws)
    for side in (0, 1):
        q05, q95 = np.quantile(runs.side_losses[:, -1, side], [0.05, 0.95])
        assert q05 <= truth.side_losses[0, -1, side] <= q95
    assert set(cal.free) == {p.name for p in bk.PARAMS if not p.fixed}
    assert cal.laws[0]["law"] == "square"
    assert math.isfinite(cal.laws[0]["log_evidence"])


def test_auto_law_picks_the_highest_marginal_likelihood(evidence: bk.CasualtyEvidence) -> None:
    cal = bk.calibrate(evidence, law="auto", seed=0, particles=40, moves=1, draws=50)
    best = max(cal.laws, key=lambda r: r["log_evidence"])
    assert cal.law == best["law"]
    assert [r["law"] for r in cal.laws] == list(bk.BAKHMUT_LAWS)
    assert sum(r["chosen"] for r in cal.laws) == 1


def test_observations_map_claims_and_events(cal: bk.Calibration) -> None:
    obs = cal.observations
    by_id = {o.id: o for o in obs.items if o.source == "claim"}
    # ISW, 1 May 2023: Ukraine held 4.54 % of the city -> Russia 95.46 %
    assert by_id["bk-n023"].quantity == "city"
    assert by_id["bk-n023"].low == pytest.approx(0.9546)
    # Ukrainian officials: Ukraine holds 'considerably more than 20 percent' -> Russia <= 80 %
    assert by_id["bk-n019"].kind == "at_most"
    assert by_id["bk-n019"].high == pytest.approx(0.8)
    assert by_id["bk-c061"].quantity == "casualties_per_km"
    assert by_id["bk-c061"].kind == "at_most"
    assert by_id["bk-c061"].high == 800
    assert by_id["bk-c146"].quantity == "cm_per_casualty"
    assert by_id["bk-c146"].low == 48
    ev = [o for o in obs.items if o.id == "ev053"]  # Soledar captured, 16 January 2023
    assert ev
    assert ev[0].kind == "at_most"
    assert ev[0].front == 0
    assert ev[0].high == pytest.approx(bk.geography().distance["Soledar"])
    skipped = dict(obs.skipped)
    assert "casualty" in skipped["bk-c061".replace("c061", "c002")]
    assert "window" in skipped["ev008"]  # the 2014 battle


def test_cutoff_filters_before_anything_else(evidence: bk.CasualtyEvidence) -> None:
    """Changing, adding or removing claims and events dated after the cutoff, or casualty
    evidence after it, changes nothing: bitwise identical draws and scenario output."""
    cutoff = dt.date(2023, 1, 31)
    claims, events = load_claims(), load_events()
    # every row not provably published by the cutoff: later *or undated*
    later_c = ~(claims["claim_date"].notna() & (claims["claim_date"] <= pd.Timestamp(cutoff)))
    later_e = ~(events["date"].notna() & (events["date"] <= pd.Timestamp(cutoff)))
    assert later_c.any()
    assert later_e.any()
    claims2 = claims.copy()
    claims2.loc[later_c, "value_low"] = claims2.loc[later_c, "value_low"] * 3 + 7
    claims2 = pd.concat([claims2, claims2[later_c].head(3).assign(id=lambda d: d["id"] + "x")])
    events2 = events.copy()
    events2.loc[later_e, "by_side"] = events2.loc[later_e, "by_side"].map({"UA": "RU", "RU": "UA"})
    events2 = events2[~(later_e & (events2.index % 2 == 0))]
    ev2 = bk.CasualtyEvidence(
        evidence.dates,
        evidence.draws * np.where(evidence.dates > np.datetime64(cutoff), 5, 1)[None, :, None],
    )
    a = bk.calibrate(evidence, claims=claims, events=events, cutoff=cutoff, law="linear", **FAST)
    b = bk.calibrate(ev2, claims=claims2, events=events2, cutoff=cutoff, law="linear", **FAST)
    for k in a.draws:
        assert np.array_equal(a.draws[k], b.draws[k]), k
    spec = bk.load_scenario("baseline")
    res = bk.run_scenario(spec, a, runs=30, seed=3)
    ra = res.summary()
    rb = bk.run_scenario(spec, b, runs=30, seed=3).summary()
    assert ra == rb
    frame = res.to_frame()  # one row per run, the summary's numbers
    assert len(frame) == 30
    assert frame["ru_casualties"].median() == pytest.approx(np.median(res.casualties[:, 0]))
    # and the record's later switches are not used
    assert all(p.date <= cutoff for p in a.schedule.phases)
    assert a.schedule.withdrawals == ()


def test_cutoff_outside_the_battle_is_refused() -> None:
    for bad in ("2021-01-01", "2024-01-01", "2022-08-05"):
        with pytest.raises(UserError, match="outside the battle"):
            bk.parse_cutoff(bad)
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        bk.parse_cutoff("31/01/2023")


def test_casualty_evidence_without_fusion_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import attrition.infer

    C_evidence._fog_evidence.cache_clear()
    monkeypatch.setitem(sys.modules, "attrition.infer.fusion", None)
    # an earlier test in the same process may have imported it onto the package already
    monkeypatch.delattr(attrition.infer, "fusion", raising=False)
    with pytest.raises(UserError, match="fog-of-war estimate"):
        bk.casualty_evidence("2023-01-31")
    C_evidence._fog_evidence.cache_clear()


def test_evidence_from_a_fitted_fog_of_war_object() -> None:
    """The adapter reads the daily draws (FogOfWar.daily_draws on a fitted object's weekly log
    rates), the killed share and the Wagner share."""
    from attrition.infer.fusion import FogOfWar

    class Enc:
        start = bk.START
        n_days = 14
        week_of_day = np.arange(14) // 7

    class Fog:
        samples_: ClassVar[dict[str, Any]] = {
            "log_rate": np.log(np.tile([[[100.0, 200.0], [20.0, 40.0]]], (2, 5, 1, 1))),
            "killed_share": np.full((2, 5, 2), 0.25),
            "wagner_share": np.full((2, 5), 0.5),
        }
        encoded_ = Enc()
        fitted_ = True
        _require_fitted = FogOfWar._require_fitted
        daily_draws = FogOfWar.daily_draws

        def share_draws(self, component: str) -> np.ndarray:
            assert component == "WAGNER"
            return np.asarray(self.samples_["wagner_share"]).reshape(-1)

    ev = bk.evidence_from_fog(Fog())
    assert ev.dates[0] == np.datetime64(bk.START, "D")
    assert ev.draws.shape == (10, 14, 2)
    assert ev.draws[0, 0].tolist() == pytest.approx([100.0, 20.0])
    assert ev.draws[0, 7].tolist() == pytest.approx([200.0, 40.0])
    assert ev.wagner is not None
    assert ev.wagner[0, 0] == pytest.approx(50.0)
    assert ev.killed is not None
    assert ev.killed[0, 7, 1] == pytest.approx(10.0)


def test_bad_evidence_is_refused() -> None:
    dates = np.arange(np.datetime64("2022-08-01"), np.datetime64("2022-08-11"))
    with pytest.raises(UserError, match="shape"):
        bk.CasualtyEvidence(dates, np.ones((20, 9, 2)))
    with pytest.raises(UserError, match=">= 0"):
        bk.CasualtyEvidence(dates, -np.ones((20, 10, 2)))


# --- scenarios --------------------------------------------------------------------------------

NAMES = {
    "baseline",
    "earlier-withdrawal",
    "wagner-ammunition",
    "no-convict-recruitment",
    "soledar-holds",
    "no-may-counterattacks",
    "ua-ammunition-shortage",
    "regulars-instead-of-convicts",
    "t0504-cut-earlier",
}


def test_library_has_the_scenarios_with_rationales() -> None:
    assert set(bk.library()) == NAMES
    article = " ".join(
        Path(bk.__file__)
        .parents[2]
        .joinpath("data/battles/bakhmut/article.md")
        .read_text(encoding="utf-8")
        .split()
    )
    for name in NAMES:
        spec = bk.load_scenario(name)
        text = " ".join(spec.scenario.rationale.split())
        assert len(text) > 300, name
        quotes = [q for q in re.findall(r"(?<![A-Za-z])'([^']+?)'(?![A-Za-z])", text) if len(q) > 8]
        assert quotes, name
        assert all(q in article for q in quotes), (name, quotes)


def test_scenarios_change_the_schedule_they_name() -> None:
    rec = bk.record_schedule()
    s = bk.scenario_schedule(bk.load_scenario("no-may-counterattacks"), rec)
    assert s.offensives == ()
    assert s.withdrawals == rec.withdrawals
    s = bk.scenario_schedule(bk.load_scenario("wagner-ammunition"), rec)
    assert [x.level for x in s.supply] == [1.0]
    s = bk.scenario_schedule(bk.load_scenario("soledar-holds"), rec)
    assert s.holds[0].place == "Soledar"
    assert not s.holds[0].record
    s = bk.scenario_schedule(bk.load_scenario("baseline"), rec)
    assert s == rec
    # the analyst's what-ifs: the knobs they name
    regulars = bk.load_scenario("regulars-instead-of-convicts")
    s = bk.scenario_schedule(regulars, rec)
    assert [(r.start, r.end) for r in s.recruitment] == [
        (dt.date(2022, 8, 1), dt.date(2022, 9, 30))
    ]
    assert regulars.scale == {"rr_2": 2.0, "rr_3": 1.5}
    shortage = bk.load_scenario("ua-ammunition-shortage")
    assert shortage.scale == {"c_ua": 0.7, "kappa": 0.7}
    assert bk.scenario_schedule(shortage, rec) == rec
    road = bk.load_scenario("t0504-cut-earlier")
    assert road.parameters == {"share_s_2": 1.0, "share_s_3": 1.0}
    for spec in (regulars, shortage, road):
        assert spec.run.law == "mixture"  # the default: every law, weighted


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("[parameters]\nkapa = 2.0\n", r"unknown parameter 'kapa'; valid: .*kappa"),
        ("[parameters]\nkappa = -2.0\n", "outside its domain"),
        ("[parameters]\nkappa = 'big'\n", r"kappa = 'big': give a number"),
        ("[parameters]\nkappa = 1e30\n", "out of scale"),
        ("[schedule]\nretreats = []\n", r"unknown key 'retreats'; valid: supply, recruitment"),
        (
            '[schedule]\nforces = [{force = "wagner", arrive = "2022-10-01", '
            'depart = "2022-09-01"}]\n',
            "cannot withdraw before it arrives",
        ),
        ('[schedule]\nsupply = [{date = "2022-08-01", level = -0.5}]\n', "negative"),
        ('[schedule]\nwithdrawals = [{date = "2021-03-07"}]\n', "outside the battle"),
        ('[schedule]\nholds = [{place = "Atlantis", until = "2023-01-01"}]\n', "Atlantis"),
        ("[run]\nlaw = 'cubic'\n", "unknown law 'cubic'; valid: auto, linear, logarithmic, mix"),
        (
            "[schedule]\nwithdrawals = [{date = 20230307}]\n",
            r'\[schedule.withdrawals\[0\]\] date: 20230307 is a number, not a date; write it as "Y',
        ),
        (
            "[schedule]\nholds = [{place = 'Soledar', until = 1677024000}]\n",
            "until: 1677024000 is a number, not a date",
        ),
        (
            "[schedule]\nrecruitment = [{start = 2022-08-01T00:00:00}]\n",
            "start: .* is a date with a time, not a date",
        ),
        ("[schedule]\noffensives = [{start = true}]\n", "start: True is true or false, not a"),
        ("[schedule]\nforces = [{force = 'wagner', depart = [2023]}]\n", "depart: .* a list"),
        ("[scale]\nc_ua = 0\n", r"\[scale\] c_ua = 0: give a factor between 0.01 and 100"),
        ("[scale]\nc_ua = 'half'\n", r"\[scale\] c_ua = 'half': give a number"),
        ("[scale]\ngamma = 2\n", "gamma: has a normal prior, and only positive"),
        ("[scale]\nkappa = 2\n[parameters]\nkappa = 900\n", "also fixed in \\[parameters\\]"),
        ("[scale]\nkapa = 2\n", r"\[scale\]: unknown parameter 'kapa'"),
        ("[run]\nruns = 0\n", "runs"),
        ("[extra]\nx = 1\n", r"unknown table \[extra\]"),
    ],
)
def test_bad_scenario_files(tmp_path: Path, body: str, match: str) -> None:
    text = '[scenario]\nname = "t"\nrationale = "r"\n' + body
    with pytest.raises(UserError, match=match) as info:
        bk.load_scenario(_write(tmp_path, text))
    assert "\n" not in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_out_of_scale_parameter_is_refused_when_the_file_is_read(tmp_path: Path) -> None:
    """Validated once, at construction: the 20-prior-sd check is part of the model."""
    p = _write(tmp_path, '[scenario]\nname = "t"\n[parameters]\nurban_cost = 1e12\n')
    with pytest.raises(UserError) as info:
        bk.load_scenario(p)
    msg = str(info.value)
    assert msg.startswith(f"{p}: [parameters] urban_cost = 1e+12 is out of scale (44 prior ")
    assert msg.endswith("give a value between 1.84e-05 and 4.88e+05")
    assert "\n" not in msg
    # the same check when the model is built directly, and at the edge of the range
    with pytest.raises(ValueError, match="urban_cost = 1e\\+12 is out of scale"):
        bk.BakhmutScenario.model_validate(
            {"scenario": {"name": "x"}, "parameters": {"urban_cost": 1e12}}
        )
    ok = bk.BakhmutScenario.model_validate(
        {"scenario": {"name": "x"}, "parameters": {"urban_cost": 4.8e5}}
    )
    assert ok.parameters == {"urban_cost": 4.8e5}
    with pytest.raises(UserError, match=r"^src: \[parameters\] must be a table of name = value$"):
        bk.parse_scenario({"scenario": {"name": "x"}, "parameters": 3}, source="src")
    assert bk_scenarios.MAX_PRIOR_SD == 20.0


def test_a_file_with_or_without_kind_is_the_same_scenario(tmp_path: Path) -> None:
    body = 'name = "t"\nrationale = "r"\n[schedule]\noffensives = []\n'
    a = bk.load_scenario(_write(tmp_path, "[scenario]\n" + body))
    b = bk.load_scenario(_write(tmp_path, '[scenario]\nkind = "bakhmut"\n' + body))
    assert a == b
    assert a.scenario.kind == "bakhmut"


def _never(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the calibration was reached")


def test_run_scenario_checks_everything_before_the_calibration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bk_scenarios, "calibration_for", _never)
    monkeypatch.setattr(bk_scenarios, "calibrate", _never)
    spec = bk.load_scenario("baseline")
    monkeypatch.setenv("ATTRITION_MAX_MEMORY_GB", "0.001")
    with pytest.raises(UserError, match=r"^--runs 1,000 needs ~[\d.]+ MB of memory") as info:
        bk.run_scenario(spec, runs=1000, seed=1)
    assert "\n" not in str(info.value)
    monkeypatch.setenv("ATTRITION_MAX_MEMORY_GB", "8")
    for kwargs, match in (
        ({"runs": 0}, "--runs 0"),
        ({"seed": -1}, "--seed -1"),
        ({"cutoff": "2020-01-01"}, "outside the battle"),
        ({"law": "cube"}, "unknown law 'cube'"),
        ({"method": "euler"}, "unknown method 'euler'"),
    ):
        with pytest.raises(UserError, match=match):
            bk.run_scenario(spec, **kwargs)
    # within the limits the (stand-in) calibration is reached: the refusals above came first
    with pytest.raises(AssertionError, match="calibration was reached"):
        bk.run_scenario(spec, runs=10, seed=1, cutoff="2023-01-31", law="square")


def test_run_scenario_takes_a_calibration_or_its_settings(cal: bk.Calibration) -> None:
    spec = bk.load_scenario("baseline")
    with pytest.raises(TypeError, match="not both"):
        bk.run_scenario(spec, cal, runs=5, cutoff="2023-01-31")


def test_run_scenario_refuses_a_result_that_is_not_finite(
    cal: bk.Calibration, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = bk.load_scenario(
        _write(tmp_path, '[scenario]\nname = "o"\nrationale = "r"\n[parameters]\nkappa = 9\n')
    )
    real = bk_scenarios.ScenarioResult.summary

    def poisoned(self: bk_scenarios.ScenarioResult) -> dict[str, Any]:
        out = real(self)
        out["exchange_ratio"]["median"] = math.inf
        return out

    monkeypatch.setattr(bk_scenarios.ScenarioResult, "summary", poisoned)
    with pytest.raises(UserError) as info:
        bk.run_scenario(spec, cal, runs=5, seed=1)
    msg = str(info.value)
    assert msg.startswith(f"{tmp_path / 's.toml'}: the ensemble gave casualties that are not")
    assert '({"kappa": 9.0})' in msg


def test_check_finite_result_reads_sides_and_ratio_only() -> None:
    spec = bk.load_scenario("baseline")
    fine = {"runs": 3, "sides": {"RU": {"casualties": {"median": 1.0}}},
            "exchange_ratio": {"median": 2.0}, "city_fall_date": {"median": None}}  # fmt: skip
    bk_scenarios.check_finite_result(spec, fine)
    bad = {**fine, "sides": {"RU": {"casualties": {"median": math.nan}}}}
    with pytest.raises(UserError, match=r"overrides \(none\) are out of scale"):
        bk_scenarios.check_finite_result(spec, bad)


def test_unknown_scenario_lists_the_packaged_ones() -> None:
    with pytest.raises(UserError, match="unknown scenario 'nope'; valid: baseline, "):
        bk.load_scenario("nope")


def test_scenario_run_summary_keys_and_reproducibility(cal: bk.Calibration) -> None:
    spec = bk.load_scenario("baseline")
    r = bk.run_scenario(spec, cal, runs=40, seed=2)
    out = r.summary()
    assert set(out) == {"scenario", "runs", "seed", "city_fall_date", "sides", "exchange_ratio"}
    assert set(out["city_fall_date"]) == {"median", "q05", "q95", "probability_by_end"}
    assert set(out["sides"]) == {"RU", "UA"}
    assert set(out["sides"]["RU"]["casualties"]) == {"median", "q05", "q95"}
    assert 0.0 <= out["city_fall_date"]["probability_by_end"] <= 1.0
    q = out["exchange_ratio"]
    assert q["q05"] <= q["median"] <= q["q95"]
    assert bk.run_scenario(spec, cal, runs=40, seed=2).summary() == out
    assert bk.run_scenario(spec, cal, runs=40, seed=3).summary() != out
    ratio = r.casualties[:, 0] / r.casualties[:, 1]
    assert out["exchange_ratio"]["median"] == pytest.approx(float(np.median(ratio)))


def test_parameter_overrides_replace_the_posterior(cal: bk.Calibration, tmp_path: Path) -> None:
    spec = bk.load_scenario(
        _write(tmp_path, '[scenario]\nname = "o"\nrationale = "r"\n[parameters]\nkappa = 1e9\n')
    )
    r = bk.run_scenario(spec, cal, runs=10, seed=1)
    # almost infinite cost per km: the city front moves only by the record's withdrawal to the
    # Bakhmutka river on 7 March (half the city)
    start = r.ensemble.fronts[:, 0, 1]
    river = bk.radius_for_fraction(0.5, bk.geography())
    np.testing.assert_allclose(r.ensemble.fronts[:, -1, 1], np.minimum(start, river), atol=0.01)


def test_scale_multiplies_the_posterior_draws_run_by_run(cal: bk.Calibration) -> None:
    """A [scale] factor keeps each run's posterior draw and multiplies it; the draws picked
    are those of the unscaled run (paired runs)."""
    plain, idx = bk_scenarios.posterior_params(cal, 20, 4)
    scaled, idx2 = bk_scenarios.posterior_params(cal, 20, 4, None, {"c_ua": 0.5, "rr_2": 2.0})
    assert np.array_equal(idx, idx2)
    np.testing.assert_array_equal(scaled["c_ua"], plain["c_ua"] * 0.5)
    np.testing.assert_array_equal(scaled["rr_2"], plain["rr_2"] * 2.0)
    assert np.array_equal(scaled["kappa"], plain["kappa"])
    assert len(set(scaled["c_ua"].tolist())) > 1  # a spread, not one fixed value


def test_scenario_writes_its_outputs(cal: bk.Calibration, tmp_path: Path) -> None:
    r = bk.run_scenario(bk.load_scenario("earlier-withdrawal"), cal, runs=12, seed=1)
    paths = r.write(tmp_path / "out")
    assert {p.name for p in paths} == {"summary.json", "runs.csv", "daily.csv"}
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    assert len(runs) == 12
    # the city is handed over on 7 March
    assert (pd.to_datetime(runs["fall_date"]) <= pd.Timestamp("2023-03-08")).all()


def test_fit_to_record_table(cal: bk.Calibration) -> None:
    r = bk.run_scenario(bk.load_scenario("baseline"), cal, runs=30, seed=1)
    table = bk.fit_to_record(cal, r)
    assert len(table) == len(cal.observations.items)
    assert table["inside"].dtype == bool
    assert ((table["q05"] <= table["q50"]) & (table["q50"] <= table["q95"])).all()


# --- scores and hindcasts ---------------------------------------------------------------------


def test_crps_oracles() -> None:
    assert bk.crps(np.array([3.0]), 5.0) == pytest.approx(2.0)
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 2.0, 200_000)
    for y in (0.0, 1.0, 3.0):
        z = y / 2.0
        exact = 2.0 * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / math.sqrt(math.pi))
        assert bk.crps(x, y) == pytest.approx(exact, rel=0.02)


def test_naive_forecast_recovers_a_line() -> None:
    items = [
        bk.Observation(
            "e",
            "event",
            "front",
            d,
            -1,
            1,
            "at_most",
            -math.inf,
            15.0 - 0.03 * d,
            "km",
            0.75,
            1.0,
            "",
            bk.date_of(d),
        )
        for d in range(0, 200, 10)
    ]
    f = bk.naive_forecast(items, dt.date(2023, 3, 1), bk.geography(), n=200)
    assert f.slope == pytest.approx(-0.03, abs=1e-9)
    fd = f.fall_day()
    expected = (bk.radius_for_fraction(bk.FALL_FRACTION, bk.geography()) - 15.0) / -0.03
    assert np.median(fd) == pytest.approx(np.ceil(expected), abs=1)


def test_observed_fall_date_is_the_record() -> None:
    assert bk.observed_fall_date(load_events()) == dt.date(2023, 5, 20)


def test_hindcast_table(evidence: bk.CasualtyEvidence) -> None:
    """Scores against the record, the law chosen at each cutoff, and no leakage between cutoffs:
    a cutoff's rows are bitwise the same whether it is run alone or after the others."""

    def ev_fn(cutoff: dt.date | None) -> bk.CasualtyEvidence:
        return evidence.truncate(cutoff) if cutoff else evidence

    cuts = ["2022-12-31", "2023-01-31", "2023-02-28"]
    kw: dict[str, Any] = {"runs": 40, "seed": 0, "seeds": 1, "evidence_fn": ev_fn,
                          "settings": (40, 1)}  # fmt: skip
    table = bk.hindcast(cuts, law="auto", **kw)
    assert list(dict.fromkeys(table["cutoff"])) == cuts
    fall = table[table["target"] == "city_fall_day"]
    assert set(fall["observed"]) == {"2023-05-20"}  # the record's fall date, not a model's
    assert sorted(set(fall["forecaster"])) == ["line", "llt", "model", "persistence"]
    assert len(fall) == 4 * len(cuts)  # one seed
    # the law of each cutoff is that cutoff's own choice (highest marginal likelihood then)
    cal = bk.calibrate(ev_fn(dt.date(2023, 1, 31)), cutoff="2023-01-31", law="auto", seed=0,
                      particles=40, moves=1)  # fmt: skip
    model_rows = table[table["forecaster"] == "model"]
    assert set(model_rows.loc[model_rows["cutoff"] == "2023-01-31", "law"]) == {cal.law}
    assert set(table.loc[table["forecaster"] != "model", "law"]) == {""}
    # the control events scored are exactly the event statements dated after each cutoff
    full = bk.build_observations(load_claims(), load_events(), evidence, None, bk.record_schedule())
    for c in cuts:
        day = (dt.date.fromisoformat(c) - bk.START).days
        n_after = sum(1 for o in full.items if o.source == "event" and o.day > day
                      and o.quantity in ("front", "city"))  # fmt: skip
        row = table[(table["cutoff"] == c) & (table["target"] == "control_events")]
        assert set(row["n"]) == {n_after}, c
    alone = bk.hindcast(["2023-02-28"], law="auto", **kw)
    pd.testing.assert_frame_equal(
        alone.reset_index(drop=True),
        table[table["cutoff"] == "2023-02-28"].reset_index(drop=True),
    )


def test_toml_files_parse_as_plain_toml() -> None:
    for path in bk.library().values():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert data["scenario"]["name"] == path.stem
