"""Tests of :mod:`attrition.limits` and of the size estimates built on it.

Oracles: SALib's own samplers for the number of model runs of a design; tracemalloc's peak for
the ensemble's memory estimate; the definition of a power of two; Stan's bound on the effective
sample size (positive, at most ``S·log10 S``) for the ESS estimator the fog-of-war diagnostics use.
"""

from __future__ import annotations

import math
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from attrition import limits
from attrition.errors import UserError


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(limits.MEMORY_ENV, raising=False)
    monkeypatch.delenv(limits.TIME_ENV, raising=False)


# ---------------------------------------------------------------------------------------------
# formatting


@pytest.mark.parametrize(
    ("n", "text"),
    [(7.5e12, "7.5 TB"), (1536, "1.54 kB"), (12, "12 B"), (8e9, "8 GB"), (2.5e18, "2.5 EB")],
)
def test_format_bytes(n: float, text: str) -> None:
    assert limits.format_bytes(n) == text


@pytest.mark.parametrize(
    ("s", "text"),
    [(5, "5 seconds"), (90, "1.5 minutes"), (7200, "2 hours"), (3e6, "34.7 days"),
     (4e9, "127 years")],
)  # fmt: skip
def test_format_seconds(s: float, text: str) -> None:
    assert limits.format_seconds(s) == text


# ---------------------------------------------------------------------------------------------
# the limits


def test_memory_limit_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(limits.MEMORY_ENV, "0.5")
    limit, why = limits.memory_limit()
    assert limit == 0.5e9
    assert limits.MEMORY_ENV in why


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "nan", "inf", "8GB"])
def test_bad_memory_variable_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(limits.MEMORY_ENV, raw)
    with pytest.raises(UserError, match=f"{limits.MEMORY_ENV}={raw!r}: give a positive") as e:
        limits.memory_limit()
    assert "\n" not in str(e.value)


def test_memory_limit_is_a_fraction_of_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "machine_memory", lambda: 16_000_000_000)
    limit, why = limits.memory_limit()
    assert limit == limits.MEMORY_FRACTION * 16e9
    assert "machine" in why
    assert limits.MEMORY_ENV in why
    monkeypatch.setattr(limits, "machine_memory", lambda: None)
    assert limits.memory_limit()[0] == limits.FALLBACK_MEMORY_GB * 1e9


def test_machine_memory_takes_the_smaller_cgroup_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(limits, "_CGROUP_FILES", ())
    physical = limits.machine_memory()
    assert physical is not None
    assert physical > 0
    unlimited, capped = tmp_path / "unlimited", tmp_path / "capped"
    unlimited.write_text("max\n")
    capped.write_text(f"{physical // 4}\n")
    monkeypatch.setattr(limits, "_CGROUP_FILES", (unlimited,))
    assert limits.machine_memory() == physical
    monkeypatch.setattr(limits, "_CGROUP_FILES", (unlimited, capped))
    assert limits.machine_memory() == physical // 4


def test_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    assert limits.time_limit()[0] == limits.DEFAULT_MAX_HOURS * 3600
    monkeypatch.setenv(limits.TIME_ENV, "2")
    assert limits.time_limit() == (7200.0, f"set by {limits.TIME_ENV}")
    monkeypatch.setenv(limits.TIME_ENV, "soon")
    with pytest.raises(UserError, match=limits.TIME_ENV):
        limits.time_limit()


# ---------------------------------------------------------------------------------------------
# checks


def test_check_memory_names_option_estimate_limit_and_the_largest_value_that_fits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(limits.MEMORY_ENV, "8")
    per_run = 96.0
    limits.check_memory("--runs", 1000, 1000 * per_run)  # 96 kB: fine
    with pytest.raises(UserError) as e:
        limits.check_memory("--runs", 10**9, 10**9 * per_run)
    msg = str(e.value)
    assert msg.startswith("--runs 1,000,000,000 needs ~96 GB of memory (limit 8 GB: set by ")
    assert limits.MEMORY_ENV in msg
    assert "\n" not in msg
    most = int(msg.rsplit("give --runs ", 1)[1].split(" ")[0].replace(",", ""))
    limits.check_memory("--runs", most, most * per_run)  # the suggestion fits ...
    with pytest.raises(UserError):  # ... and is the largest that does
        limits.check_memory("--runs", most + 1, (most + 1) * per_run)


def test_check_memory_when_nothing_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(limits.MEMORY_ENV, "1")
    with pytest.raises(UserError, match="cannot fit whatever --chains is"):
        limits.check_memory("--chains", 4, 4 * 1e12)
    with pytest.raises(UserError, match=r"; use fewer inputs$"):
        limits.check_memory("--samples", 4, 1e12, fix="use fewer inputs")


def test_check_time(monkeypatch: pytest.MonkeyPatch) -> None:
    limits.check_time("--replicates", 100, 100 * 0.25)
    with pytest.raises(UserError) as e:
        limits.check_time("--replicates", 10**6, 10**6 * 0.5)
    msg = str(e.value)
    assert msg.startswith("--replicates 1,000,000 would take at least ~5.79 days (limit 24 hours")
    assert msg.endswith("give --replicates 172,800 or fewer")


def test_check_seed_and_check_count() -> None:
    limits.check_seed(None)
    limits.check_seed(0)
    limits.check_seed(2**70)
    with pytest.raises(UserError, match=r"^--seed -1: give a whole number 0 or larger$"):
        limits.check_seed(-1)
    limits.check_count(None, "--runs")
    limits.check_count(1, "--runs")
    with pytest.raises(UserError, match=r"^--workers 0: give a whole number 1 or larger$"):
        limits.check_count(0, "--workers")
    with pytest.raises(UserError, match=r"^--samples 1: give a whole number 2 or larger$"):
        limits.check_count(1, "--samples", minimum=2)
    with pytest.raises(UserError, match=r"^--runs 5,000: give at most 4,000$"):
        limits.check_count(5000, "--runs", maximum=4000)


def test_powers_of_two() -> None:
    for n in range(1, 5000):
        lo, hi = limits.nearest_powers_of_two(n)
        assert lo <= n <= hi
        assert hi <= 2 * lo
        assert lo & (lo - 1) == 0
        assert hi & (hi - 1) == 0
        is_power = n & (n - 1) == 0
        assert (lo == hi == n) == is_power
        if is_power:
            limits.check_power_of_two(n, "--samples", "sobol")
        else:
            with pytest.raises(UserError, match=f"nearest: {lo:,} or {hi:,}$"):
                limits.check_power_of_two(n, "--samples", "sobol")
    with pytest.raises(UserError, match=r"^--samples 0: sobol needs a power of 2"):
        limits.check_power_of_two(0, "--samples", "sobol")


# ---------------------------------------------------------------------------------------------
# sizes of the designs and of the ensemble


@pytest.mark.parametrize("k", [1, 3])
def test_design_sizes_match_salib(k: int) -> None:
    pytest.importorskip("SALib")
    from SALib.sample import morris, sobol

    problem = {"num_vars": k, "names": [f"x{i}" for i in range(k)], "bounds": [[0, 1]] * k}
    for second in (False, True):
        got = sobol.sample(problem, 16, calc_second_order=second, seed=1).shape[0]
        assert got == limits.saltelli_runs(16, k, second_order=second)
    assert morris.sample(problem, 10, num_levels=4, seed=1).shape[0] == limits.morris_runs(10, k)


def _duel(days: int, *uncertain: tuple[str, str, float, float]) -> Any:
    """A small square-law duel (ODE engine) with uniform ``(side, parameter, low, high)``
    inputs."""
    from attrition.scenarios.spec import parse_scenario

    table: dict[str, dict[str, Any]] = {}
    for side, param, low, high in uncertain:
        table.setdefault(side, {})[param] = {"dist": "uniform", "low": low, "high": high}
    return parse_scenario(
        {
            "scenario": {"name": "m", "law": "square", "days": days},
            "sides": {
                "blue": {"strength": 300, "effectiveness": 0.012},
                "red": {"strength": 240, "effectiveness": 0.010},
            },
            "run": {"method": "ode", "runs": 10, "seed": 2},
            "uncertain": table,
        }
    )


def test_ensemble_memory_estimate_is_on_the_low_side_of_the_measured_peak() -> None:
    """The estimate that refuses ``--runs`` lies between half the measured peak and the peak
    (tracemalloc: NumPy's allocations), with and without daily trajectories."""
    from attrition.simulate.ensemble import ensemble_bytes, simulate

    sc = _duel(60, ("red", "effectiveness", 0.008, 0.012))
    for trajectories, runs in ((False, 100_000), (True, 10_000)):
        simulate(sc, runs=100, trajectories=trajectories)  # compile outside the measurement
        tracemalloc.start()
        try:
            simulate(sc, runs=runs, trajectories=trajectories).summary()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        estimate = ensemble_bytes(runs, sc.days, 1, trajectories)
        assert 0.5 * peak <= estimate <= peak, (trajectories, estimate / runs, peak / runs)


@pytest.mark.parametrize(("method", "samples"), [("sobol", 2**13), ("morris", 2**11)])
def test_sensitivity_memory_estimate_is_on_the_low_side_of_the_measured_peak(
    method: str, samples: int
) -> None:
    pytest.importorskip("SALib")
    from attrition.scenarios.sensitivity import analyse, design_bytes

    sc = _duel(20, ("red", "effectiveness", 0.008, 0.012), ("blue", "strength", 250, 350))
    analyse(sc, method=method, samples=16)  # imports and compilation outside the measurement
    tracemalloc.start()
    try:
        analyse(sc, method=method, samples=samples)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = design_bytes(method, samples, 2)
    assert 0.5 * peak <= estimate <= peak, (estimate / samples, peak / samples)


def test_ensemble_refuses_before_sampling(monkeypatch: pytest.MonkeyPatch) -> None:
    from attrition.scenarios.spec import Scenario, parse_scenario
    from attrition.simulate.ensemble import simulate

    monkeypatch.setenv(limits.MEMORY_ENV, "1")

    def no_sampling(*args: object, **kwargs: object) -> None:
        raise AssertionError("sampled before refusing")

    monkeypatch.setattr(Scenario, "sample", no_sampling)
    sc = parse_scenario(
        {
            "scenario": {"name": "m", "law": "square", "days": 30},
            "sides": {"a": {"strength": 10, "effectiveness": 0.1},
                      "b": {"strength": 10, "effectiveness": 0.1}},
        }
    )  # fmt: skip
    with pytest.raises(UserError, match=r"^runs 100,000,000 needs ~9.6 GB of memory"):
        simulate(sc, runs=10**8)
    with pytest.raises(UserError, match="workers = 0"):
        simulate(sc, runs=10, workers=0, executor="processes")


# ---------------------------------------------------------------------------------------------
# the effective sample size stays in Stan's bounds (the estimate printed a negative one)


def _ar1(phi: float, chains: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    x = np.zeros((chains, draws))
    e = rng.standard_normal((chains, draws))
    for t in range(1, draws):
        x[:, t] = phi * x[:, t - 1] + e[:, t]
    return x


def test_effective_sample_size_is_positive_and_bounded_for_antithetic_draws() -> None:
    """An AR(1) chain with phi = -0.9 (draws alternate, as NUTS can make them): NumPyro's
    estimator returns a negative ESS; ours is positive and capped at S·log10(S), as in Stan."""
    pytest.importorskip("numpyro")
    from numpyro.diagnostics import effective_sample_size as numpyro_ess

    from attrition.infer.diagnostics import effective_sample_size

    rng = np.random.default_rng(3)
    x = _ar1(-0.9, 4, 500, rng)
    assert float(numpyro_ess(x)) < 0  # the defect being fixed
    s = x.size
    ess = float(effective_sample_size(x[:, :, None])[0])
    assert 0 < ess <= s * math.log10(s)
    assert ess > s  # antithetic draws are worth more than independent ones


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9])
def test_effective_sample_size_agrees_with_numpyro_and_theory_for_positive_correlation(
    phi: float,
) -> None:
    """Where NumPyro's estimator is sound (no negative lag-1 correlation) both agree within a
    few percent, and both are near the AR(1) value S·(1 - phi)/(1 + phi)."""
    pytest.importorskip("numpyro")
    from numpyro.diagnostics import effective_sample_size as numpyro_ess

    from attrition.infer.diagnostics import effective_sample_size

    rng = np.random.default_rng(7)
    x = _ar1(phi, 4, 4000, rng)
    ours = float(effective_sample_size(x[:, :, None])[0])
    theirs = float(numpyro_ess(x))
    assert ours == pytest.approx(theirs, rel=0.05)
    assert ours == pytest.approx(x.size * (1 - phi) / (1 + phi), rel=0.2)


def test_effective_sample_size_of_a_constant_is_undefined() -> None:
    pytest.importorskip("numpyro")
    from attrition.infer.diagnostics import effective_sample_size

    x = np.ones((2, 50, 3))
    x[:, :, 1] = np.random.default_rng(0).standard_normal((2, 50))
    ess = effective_sample_size(x)
    assert np.isnan(ess[0])
    assert np.isnan(ess[2])
    assert ess[1] > 0
