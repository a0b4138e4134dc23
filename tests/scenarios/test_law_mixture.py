"""The Bakhmut law mixture: weights from repeated log evidences, runs shared by weight, paired
effects against the baseline and the sign-depends-on-law flag (synthetic evidence, few
particles: the calibrations are the cost)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

import attrition.cli as cli_pkg
from attrition.battles import bakhmut as bk
from attrition.battles.bakhmut import mixture as mx
from attrition.battles.bakhmut import scenarios as bk_scenarios
from attrition.cli import scenario as cli_scenario
from attrition.errors import UserError

SMALL: dict[str, Any] = {"runs": 30, "seed": 5, "repeats": 2, "settings": (40, 1)}
EVIDENCE = bk.synthetic_evidence(
    bk.BakhmutModel("square", bk.record_schedule()), bk.prior_values(), draws=60, seed=0
)


def _evidence(cutoff: dt.date | None) -> bk.CasualtyEvidence:
    return EVIDENCE.truncate(cutoff) if cutoff else EVIDENCE


# --- weights, allocation, the sign rule (no calibration) -------------------------------------


def test_weights_sum_to_one_and_follow_the_evidence() -> None:
    laws = ("square", "linear", "logarithmic")
    # the repeats agree: square is ahead by 4-5 nats in each, logarithmic far behind
    agree = mx.law_weights([[-100.0, -105.0, -130.0], [-101.0, -105.0, -131.0]], laws, (3, 4))
    assert agree.weights.sum() == pytest.approx(1.0)
    assert agree.rule == "repeat-average"
    assert agree.seeds == (3, 4)
    p1 = 1 / (1 + np.exp(-5.0) + np.exp(-30.0))
    p2 = 1 / (1 + np.exp(-4.0) + np.exp(-30.0))
    assert agree.weights[0] == pytest.approx((p1 + p2) / 2)
    assert agree.weights[0] > agree.weights[1] > agree.weights[2]
    assert agree.sd[0] == pytest.approx(np.std([-100.0, -101.0], ddof=1))
    # the repeats disagree about the winner: the weights move towards equal by themselves,
    # and the law no repeat supports keeps ~0
    split = mx.law_weights([[-100.0, -104.0, -130.0], [-104.0, -100.0, -130.0]], laws)
    assert split.weights[0] == pytest.approx(split.weights[1])
    assert split.weights[0] == pytest.approx(0.5, abs=0.001)
    assert split.weights[2] < 1e-10
    # one lucky repeat far ahead does not decide: the other repeat has that law far behind
    lucky = mx.law_weights([[-90.0, -100.0, -100.0], [-110.0, -100.0, -100.0]], laws)
    e10 = np.exp(-10.0)
    assert lucky.weights[0] == pytest.approx(0.5 * (1 / (1 + 2 * e10) + e10 / (e10 + 2)))
    assert lucky.weights[0] == pytest.approx(0.5, abs=1e-4)
    # one repeat: the error is not measured, equal weights; one law: weight 1
    one = mx.law_weights([-100.0, -110.0, -120.0], laws)
    assert one.rule == "equal"
    assert one.weights.tolist() == pytest.approx([1 / 3] * 3)
    assert np.isnan(one.sd).all()
    assert mx.law_weights([[-5.0], [-6.0]], ("square",)).weights.tolist() == [1.0]
    # a law whose SMC found no support in one repeat
    assert mx.law_weights([[-np.inf, -1.0, -1.0]] * 2, laws).weights[0] == 0.0


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([[-1.0, np.nan, -2.0], [-1.0, -1.0, -2.0]], "NaN"),
        ([[-np.inf, -np.inf, -np.inf]], "no finite value"),
        ([[-1.0, -2.0]], r"give \(repeats, 3\)"),
    ],
)
def test_bad_log_evidence_is_refused(values: list[list[float]], match: str) -> None:
    with pytest.raises(UserError, match=match):
        mx.law_weights(values, ("square", "linear", "logarithmic"))


def test_runs_are_shared_by_weight_without_random_numbers() -> None:
    assert mx.allocate_runs([0.5, 0.3, 0.2], 10).tolist() == [5, 3, 2]
    assert mx.allocate_runs([0.05, 0.03, 0.92], 1000).tolist() == [50, 30, 920]
    # largest remainders; a tie goes to the earlier law
    assert mx.allocate_runs([1 / 3, 1 / 3, 1 / 3], 10).tolist() == [4, 3, 3]
    assert mx.allocate_runs([0.004, 0.001, 0.995], 100).tolist() == [0, 0, 100]
    for n in (1, 7, 999):
        assert int(mx.allocate_runs([0.2, 0.45, 0.35], n).sum()) == n
    with pytest.raises(UserError):
        mx.allocate_runs([0.0, 0.0], 3)


def _e(median: float, p: float) -> dict[str, float]:
    return {"median": median, "q05": median - 1, "q95": median + 1, "p_positive": p}


def test_sign_flag_fires_when_laws_disagree_and_not_otherwise() -> None:
    # opposite medians, both beyond the tolerance: the "no convicts" kind of answer
    assert mx.sign_depends_on_law({"square": _e(+40.0, 0.8), "linear": _e(-25.0, 0.3)}, 1.0)
    # the same direction under every law, however different the sizes: no flag
    assert not mx.sign_depends_on_law(
        {"square": _e(45.0, 1.0), "linear": _e(40.0, 1.0), "logarithmic": _e(5.0, 0.7)}, 1.0
    )
    # opposite but immaterial medians (within the tolerance): no flag
    assert not mx.sign_depends_on_law({"square": _e(0.4, 0.6), "linear": _e(-0.3, 0.4)}, 1.0)
    # confident in opposite directions, one of them material: flag
    assert mx.sign_depends_on_law({"square": _e(8.0, 0.99), "linear": _e(-0.5, 0.02)}, 1.0)
    # confident but both immaterial: no flag (paired runs make tiny effects "confident")
    assert not mx.sign_depends_on_law({"square": _e(0.2, 0.99), "linear": _e(-0.1, 0.02)}, 1.0)
    # one law alone never disagrees with itself
    assert not mx.sign_depends_on_law({"square": _e(-9.0, 0.0)}, 1.0)


# --- the mixture run (calibrations: 3 laws x 2 repeats x 40 particles) -----------------------


@pytest.fixture(scope="module")
def baseline_mix() -> mx.MixtureResult:
    return mx.run_mixture(bk.load_scenario("baseline"), evidence_fn=_evidence, **SMALL)


@pytest.fixture(scope="module")
def ammo_mix() -> mx.MixtureResult:
    return mx.run_mixture(bk.load_scenario("wagner-ammunition"), evidence_fn=_evidence, **SMALL)


def test_baseline_against_itself_is_exactly_zero(baseline_mix: mx.MixtureResult) -> None:
    effects = baseline_mix.effects()
    assert set(effects) == {k for k, _ in mx.EFFECT_QUANTITIES}
    for key, e in effects.items():
        for v in (e["mixture"], *e["laws"].values()):
            assert v == {"median": 0.0, "q05": 0.0, "q95": 0.0, "p_positive": 0.0}, key
        assert e["sign_depends_on_law"] is False
    for lw in baseline_mix.laws:
        assert all((d == 0).all() for d in baseline_mix.differences(lw).values())


def test_mixture_takes_each_laws_runs_by_weight(ammo_mix: mx.MixtureResult) -> None:
    w = ammo_mix.weights
    assert w.laws == bk.BAKHMUT_LAWS
    assert w.repeats == 2
    assert w.seeds == (5, 6)
    assert w.weights.sum() == pytest.approx(1.0)
    assert sum(ammo_mix.allocation.values()) == ammo_mix.runs == 30
    assert list(ammo_mix.allocation.values()) == mx.allocate_runs(w.weights, 30).tolist()
    # the weights are the repeat-average of the calibrations' own log evidences
    cals = {
        lw: [bk.calibration_for(None, law=lw, seed=s, evidence_fn=_evidence, settings=(40, 1))
             for s in (5, 6)]
        for lw in bk.BAKHMUT_LAWS
    }  # fmt: skip
    ev = [[cals[lw][r].laws[0]["log_evidence"] for lw in bk.BAKHMUT_LAWS] for r in (0, 1)]
    assert w.log_evidence.tolist() == ev
    # each law's result is run_scenario over that law's seed-5 calibration, exactly
    spec = bk.load_scenario("wagner-ammunition")
    start = 0
    for lw in bk.BAKHMUT_LAWS:
        alone = bk.run_scenario(spec, cals[lw][0], runs=30, seed=5)
        got = ammo_mix.per_law[lw]
        assert np.array_equal(got.casualties, alone.casualties)
        assert got.law == lw
        n = ammo_mix.allocation[lw]
        part = ammo_mix.mixture.casualties[start : start + n]
        assert np.array_equal(part, alone.casualties[:n])
        assert set(ammo_mix.law_of_run[start : start + n]) <= {lw}
        start += n
    # full ammunition changes the casualties in every law (a non-trivial paired effect)
    eff = ammo_mix.effects()
    assert any(abs(v["median"]) > 0 for v in eff["ua_casualties"]["laws"].values())


def test_summary_keeps_the_old_keys_and_carries_the_laws(ammo_mix: mx.MixtureResult) -> None:
    out = ammo_mix.summary()
    assert list(out)[:6] == [
        "scenario", "runs", "seed", "city_fall_date", "sides", "exchange_ratio",
    ]  # fmt: skip
    assert out["law"] == "mixture"
    assert out["particles"] == 40
    assert out["moves"] == 1
    assert out["evidence_repeats"] == 2
    assert out["weights_rule"] == "repeat-average"
    assert sum(out["law_weights"].values()) == pytest.approx(1.0)
    assert set(out["laws"]) == set(bk.BAKHMUT_LAWS)
    for part in out["laws"].values():
        assert {"weight", "runs_in_mixture", "log_evidence", "log_evidence_sd", "sides"} <= set(
            part
        )
        assert len(part["log_evidence"]) == 2
    from attrition import __version__

    assert out["version"] == __version__
    assert {"claims.csv", "events.csv", "phases.csv"} <= set(out["input_hashes"])
    assert all(len(h) == 64 for h in out["input_hashes"].values())
    json.dumps(out, allow_nan=False)  # strict JSON


def test_same_seed_same_bytes(ammo_mix: mx.MixtureResult, tmp_path: Path) -> None:
    again = mx.run_mixture(bk.load_scenario("wagner-ammunition"), evidence_fn=_evidence, **SMALL)
    assert json.dumps(again.summary()) == json.dumps(ammo_mix.summary())
    a = ammo_mix.write(tmp_path / "a")
    b = again.write(tmp_path / "b")
    assert [p.name for p in a] == ["summary.json", "runs.csv", "daily.csv", "laws.csv",
                                   "effects.csv"]  # fmt: skip
    for pa, pb in zip(a, b, strict=True):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    other = mx.run_mixture(
        bk.load_scenario("wagner-ammunition"), evidence_fn=_evidence, **{**SMALL, "runs": 31}
    )
    assert json.dumps(other.summary()) != json.dumps(ammo_mix.summary())


def test_run_mixture_checks_before_calibrating(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("the calibration was reached")

    monkeypatch.setattr(bk_scenarios, "calibration_for", never)
    spec = bk.load_scenario("baseline")
    for kwargs, match in (
        ({"settings": (0, 1)}, "--particles 0: give at least 20"),
        ({"settings": (40, 0)}, "--moves 0"),
        ({"repeats": 0}, "--repeats 0"),
        ({"cutoff": "2024-02-01"}, "outside the battle"),
        ({"laws": ["cube"]}, "unknown law 'cube'"),
        ({"laws": ["square", "square"]}, "distinct laws"),
        ({"method": "euler"}, "unknown method 'euler'"),
        ({"runs": 0}, "--runs 0"),
    ):
        with pytest.raises(UserError, match=match):
            mx.run_mixture(spec, **kwargs)
    with pytest.raises(AssertionError, match="calibration was reached"):
        mx.run_mixture(spec, runs=5, seed=1, settings=(40, 1))


# --- the command ------------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer(cls=cli_pkg._Group, add_completion=False, rich_markup_mode=None)

    @app.callback()
    def _root() -> None:
        """test app"""

    cli_scenario.register(app)
    return app


APP = _app()


def _fails(args: list[str]) -> str:
    res = CliRunner().invoke(APP, args)
    assert res.exit_code == 2, res.output
    line = res.stderr.strip()
    assert "\n" not in line, line
    return line


@pytest.fixture
def _no_calibration(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("the calibration was reached")

    monkeypatch.setattr(bk_scenarios, "calibration_for", never)
    monkeypatch.setattr(bk_scenarios, "default_evidence", _evidence)


@pytest.mark.usefixtures("_no_calibration")
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "u.toml"
    f.write_text(
        '[scenario]\nkind = "bakhmut"\nname = "u"\n[parameters]\nkapa = 3\n', encoding="utf-8"
    )
    assert _fails(["scenario", "run", str(f)]).startswith(
        f"error: {f}: [parameters]: unknown parameter 'kapa'; valid: "
    )
    f.write_text('[scenario]\nkind = "bakhmut"\nname = "u"\n[scale]\nkapa = 3\n', encoding="utf-8")
    assert "[scale]: unknown parameter 'kapa'" in _fails(["scenario", "run", str(f)])
    assert _fails(["scenario", "run", "baseline", "--particles", "0"]) == (
        "error: --particles 0: give at least 20 (SMC particles per law)"
    )
    assert "outside the battle" in _fails(["scenario", "run", "baseline", "--cutoff", "2023-09-01"])
    assert "--repeats 0" in _fails(["scenario", "run", "baseline", "--repeats", "0"])
    assert "--repeats applies to --law mixture only" in _fails(
        ["scenario", "run", "baseline", "--law", "square", "--repeats", "2"]
    )
    assert "unknown law 'cube'; valid: auto, linear, logarithmic, mixture, square" in _fails(
        ["scenario", "run", "baseline", "--law", "cube"]
    )
    assert "--particles applies to Bakhmut scenarios only" in _fails(
        ["scenario", "run", "duel", "--particles", "40"]
    )


def test_scenario_run_prints_the_mixture_laws_and_effects(
    ammo_mix: mx.MixtureResult, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The command runs the same mixture as the library (same seed, same calibrations): its
    JSON is :meth:`MixtureResult.summary`, and --out writes the same summary."""
    monkeypatch.setattr(bk_scenarios, "default_evidence", _evidence)
    monkeypatch.setattr(bk_scenarios, "CALIBRATION_SETTINGS", (40, 1))
    args = ["scenario", "run", "wagner-ammunition", "--runs", "30", "--seed", "5", "--repeats", "2"]
    res = CliRunner().invoke(APP, [*args, "--json", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out == json.loads(json.dumps(ammo_mix.summary()))
    assert json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8")) == out
    assert {p.name for p in (tmp_path / "o").iterdir()} >= {
        "summary.json", "runs.csv", "daily.csv", "laws.csv", "effects.csv",
    }  # fmt: skip
    text = CliRunner().invoke(APP, args).stdout
    assert "mixture of 3 laws (repeat-average, 2 calibrations per law)" in text
    for lw in bk.BAKHMUT_LAWS:
        assert f"law {lw}: weight " in text
    assert "effect against the baseline (paired runs" in text
    assert "model statement" in text
    csv = CliRunner().invoke(APP, [*args, "--format", "csv"]).stdout.splitlines()
    assert csv[0].startswith("law,weight,side,quantity,median")
    assert {line.split(",")[0] for line in csv[1:]} == {"mixture", *bk.BAKHMUT_LAWS}
