"""Scenario files: the packaged library, every bad input of issue 5, distributions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from attrition.errors import UserError
from attrition.scenarios.spec import (
    Distribution,
    library_scenarios,
    load_scenario,
    parse_scenario,
    resolve_scenario_path,
)

DUEL = """
[scenario]
name = "duel"
law = "square"
days = 30
[sides.blue]
strength = 1000
effectiveness = 0.012
[sides.red]
strength = 800
effectiveness = 0.010
[run]
method = "ssa"
runs = 10000
seed = 1
"""


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_library_scenarios_load_with_the_issue_values() -> None:
    lib = library_scenarios()
    assert set(lib) >= {"duel", "large"}
    duel = load_scenario(lib["duel"])
    assert duel.side_names == ("blue", "red")
    np.testing.assert_array_equal(duel.initial(), [1000, 800])
    np.testing.assert_array_equal(duel.coefficients(), [0.012, 0.010])
    assert (duel.run.method, duel.run.runs, duel.run.seed, duel.days) == ("ssa", 10000, 1, 30)
    large = load_scenario(lib["large"])
    np.testing.assert_array_equal(large.initial(), [20000, 15000])
    assert large.days == 300
    assert resolve_scenario_path("duel") == lib["duel"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('law = "square"', 'law = "cube"', r"\[scenario\] law: unknown law 'cube'; valid: linear, "
         "logarithmic, mixed, power, square"),
        ('method = "ssa"', 'method = "euler"', r"\[run\] method: unknown method 'euler'; valid: "
         "binomial, ode, ssa, tau-leap"),
        ("strength = 1000", "strength = -5", r"\[sides.blue\] strength: must be >= 0, got -5"),
        ("effectiveness = 0.010", "effectiveness = -0.1",
         r"\[sides.red\] effectiveness: must be >= 0, got -0.1"),
        ("runs = 10000", "runs = 0", r"\[run\] runs: must be >= 1, got 0"),
        ("seed = 1", "seed = 1\nmetod = 2", r"\[run\]: unknown key 'metod'; valid: method, runs, "
         "seed, substeps, epsilon"),
        ("strength = 800", "strength = 800\nmorale = 3", r"\[sides.red\]: unknown key 'morale'; "
         "valid: strength, effectiveness"),
        ("days = 30", "days = 30.5", r"\[scenario\] days: "),
        ("[run]", "[runs]", r"unknown table \[runs\]; valid: scenario, sides, run, stop"),
    ],
)  # fmt: skip
def test_bad_input_names_file_table_and_key(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in DUEL
    p = write(tmp_path, DUEL.replace(old, new, 1))
    with pytest.raises(UserError, match=message) as err:
        load_scenario(p)
    text = str(err.value)
    assert text.startswith(str(p))
    assert "\n" not in text


@pytest.mark.parametrize("table", ["scenario", "sides"])
def test_missing_table(tmp_path: Path, table: str) -> None:
    data = DUEL.split("[")
    kept = "[" + "[".join(d for d in data[1:] if not d.startswith(table))
    with pytest.raises(UserError, match=rf"missing table \[{table}\]"):
        load_scenario(write(tmp_path, kept))


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not valid TOML"):
        load_scenario(write(tmp_path, "[scenario\nname = 1"))
    with pytest.raises(UserError, match="scenario file not found"):
        load_scenario(tmp_path / "nope.toml")
    with pytest.raises(UserError, match=r"unknown scenario 'nope'; valid: .*duel"):
        resolve_scenario_path("nope")


def base() -> dict[str, Any]:
    return {
        "scenario": {"name": "t", "law": "square", "days": 20},
        "sides": {
            "uk": {"strength": 500, "effectiveness": 0.02},
            "ru": {"strength": 900, "effectiveness": 0.01},
        },
    }


def test_side_names_schedule_stop_and_outputs() -> None:
    data = base() | {
        "schedule": [
            {"side": "uk", "day": 5, "amount": 200},
            {"side": "ru", "start": 0, "end": 10, "per_day": -15},
        ],
        "stop": {"breakpoint": {"ru": 0.4}, "annihilation_level": 10},
        "outputs": {"quantities": ["final_uk", "win_ru", "exchange_ratio"]},
    }
    sc = parse_scenario(data)
    assert sc.side_names == ("uk", "ru")
    sched = sc.schedule_obj()
    assert sched.impulses[0].side == 0
    assert sched.rates[0].side == 1
    assert sched.rates[0].per_day == -15
    stop = sc.stop_rule()
    assert stop.breakpoint == (None, 0.4)
    assert stop.annihilation_level == 10
    assert sc.quantities() == ["final_uk", "win_ru", "exchange_ratio"]
    assert sc.run.method == "ode"  # [run] is optional


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"stop": {"breakpoint": {"blue": 0.4}}}, r"\[stop.breakpoint\]: unknown side 'blue'; "
         "valid: ru, uk"),
        ({"stop": {"breakpoint": {"ru": 1.5}}}, r"\[stop\] breakpoint: fraction for 'ru' must be"),
        ({"schedule": [{"side": "uk", "day": 3}]}, "an impulse needs both day and amount"),
        ({"schedule": [{"side": "uk", "day": 3, "amount": 5, "per_day": 2}]}, "either day and"),
        ({"schedule": [{"side": "uk", "start": 4, "end": 2, "per_day": 2}]},
         r"end \(2\) must be after start \(4\)"),
        ({"outputs": {"quantities": ["final_blue"]}}, "unknown quantity 'final_blue'"),
        ({"uncertain": {"uk": {"morale": {"dist": "uniform", "low": 0, "high": 1}}}},
         r"\[uncertain.uk\]: unknown parameter 'morale'"),
        ({"uncertain": {"uk": {"strength": {"dist": "beta", "low": 0, "high": 1}}}},
         "unknown distribution 'beta'; valid: draws, lognormal, normal, triangular, uniform"),
        ({"uncertain": {"uk": {"strength": {"dist": "uniform", "low": 0, "mean": 1}}}},
         "uniform takes low, high; missing high; unexpected mean"),
        ({"uncertain": {"uk": {"strength": {"dist": "uniform", "low": 0, "hgh": 1}}}},
         r"\[uncertain.uk.strength\]: unknown key 'hgh'; valid: dist, low, high"),
        ({"sides": {"uk": {"strength": 1, "effectiveness": 1}}}, "exactly two sides"),
    ],
)  # fmt: skip
def test_cross_checks(patch: dict[str, Any], message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_scenario(base() | patch, "x.toml")


def test_distribution_quantiles_are_exact() -> None:
    u = np.array([0.1, 0.5, 0.9])
    uni = Distribution(dist="uniform", low=2.0, high=4.0)
    np.testing.assert_allclose(uni.ppf(u), [2.2, 3.0, 3.8])
    logn = Distribution(dist="lognormal", median=0.01, sigma=0.3)
    np.testing.assert_allclose(logn.ppf(u), stats.lognorm(0.3, scale=0.01).ppf(u))
    tri = Distribution(dist="triangular", low=1.0, mode=2.0, high=4.0)
    np.testing.assert_allclose(tri.ppf(u), stats.triang(1 / 3, loc=1, scale=3).ppf(u))
    norm = Distribution(dist="normal", mean=1.0, sd=2.0)  # truncated at zero
    trunc = stats.truncnorm(-0.5, np.inf, loc=1.0, scale=2.0)
    np.testing.assert_allclose(norm.ppf(u), trunc.ppf(u))


def test_sampling_is_reproducible_and_independent_of_run_count(tmp_path: Path) -> None:
    (tmp_path / "post.csv").write_text("c\n0.010\n0.011\n0.013\n", encoding="utf-8")
    data = base() | {
        "uncertain": {
            "uk": {"effectiveness": {"dist": "draws", "file": "post.csv", "column": "c"}},
            "ru": {"strength": {"dist": "normal", "mean": 900, "sd": 50}},
        }
    }
    sc = parse_scenario(data, "t.toml", base_dir=str(tmp_path))
    y10, c10 = sc.sample(10, 3)
    y50, c50 = sc.sample(50, 3)
    np.testing.assert_array_equal(y10, y50[:10])
    np.testing.assert_array_equal(c10, c50[:10])
    assert set(np.unique(c50[:, 0])) <= {0.010, 0.011, 0.013}
    np.testing.assert_array_equal(y50[:, 0], 500.0)  # not uncertain: nominal
    assert not np.array_equal(sc.sample(10, 4)[0], y10)
    # the documented stream: uniforms from SeedSequence(3).spawn(2)[0], one column per uncertain
    # input in file order, mapped through each distribution's quantile function
    assert [(side, p) for side, p, _ in sc.uncertain_inputs()] == [
        ("uk", "effectiveness"),
        ("ru", "strength"),
    ]
    u = np.random.Generator(np.random.PCG64(np.random.SeedSequence(3).spawn(2)[0])).random((50, 2))
    np.testing.assert_array_equal(
        c50[:, 0], np.quantile([0.010, 0.011, 0.013], u[:, 0], method="inverted_cdf")
    )
    trunc = stats.truncnorm(-900 / 50, np.inf, loc=900.0, scale=50.0)
    np.testing.assert_allclose(y50[:, 1], trunc.ppf(u[:, 1]), rtol=1e-12)
    # and in distribution (4,000 runs; each test fails a correct sampler with probability 1e-3)
    y, c = sc.sample(4000, 11)
    assert stats.kstest(y[:, 1], trunc.cdf).pvalue > 1e-3
    counts = [int((c[:, 0] == v).sum()) for v in (0.010, 0.011, 0.013)]
    assert stats.chisquare(counts).pvalue > 1e-3, counts
    bad = base() | {
        "uncertain": {"uk": {"strength": {"dist": "draws", "file": "post.csv", "column": "x"}}}
    }
    with pytest.raises(UserError, match="unknown column 'x'; valid: c"):
        parse_scenario(bad, "t.toml", base_dir=str(tmp_path)).sample(3, 0)


def test_with_run_revalidates() -> None:
    sc = parse_scenario(base(), "t.toml")
    assert sc.with_run(runs=7, method="ssa").run.runs == 7
    with pytest.raises(UserError, match=r"t.toml: \[run\] runs: must be >= 1"):
        sc.with_run(runs=0)
