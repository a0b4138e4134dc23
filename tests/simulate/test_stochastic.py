"""Stochastic engines against exact oracles: SeedSequence, samplers, pure-death process, the ODE
limit, GillesPy2's SSA (when installed), and the approximate engines against the SSA."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from attrition.errors import UserError
from attrition.simulate.ode_ensemble import run_ode
from attrition.simulate.rng import run_states, sample_binomial, sample_poisson
from attrition.simulate.stochastic import (
    run_stochastic,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root: tests.baselines
from tests.baselines import producers as P

SQUARE = ((1.0, 1.0), (0.0, 0.0))
LOG = ((0.0, 0.0), (1.0, 1.0))
DUEL = (np.array([1000.0, 800.0]), np.array([0.012, 0.010]))


def no_schedule(days: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((days, 2)), np.zeros((days + 1, 2))


def duel(method: str, runs: int, seed: int = 1, **kw: object) -> object:
    y0 = np.tile(DUEL[0], (runs, 1))
    cf = np.tile(DUEL[1], (runs, 1))
    return run_stochastic(method, y0, cf, *SQUARE, *no_schedule(30), seed=seed, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [0, 1, 987654321, 2**40 + 3, 2**70 + 11])
def test_run_streams_are_numpy_seedsequence_children(seed: int) -> None:
    got = run_states(seed, 5, 3)
    ref = np.array(
        [np.random.SeedSequence(seed).spawn(2)[1].spawn(8)[k].generate_state(4, np.uint64)
         for k in (5, 6, 7)]
    )  # fmt: skip
    np.testing.assert_array_equal(got, ref)


def _pit_pvalue(x: np.ndarray, dist: object, seed: int) -> float:
    """KS p-value of the randomised probability integral transform (uniform if x ~ dist)."""
    u = dist.cdf(x - 1) + np.random.default_rng(seed).random(x.size) * dist.pmf(x)  # type: ignore[attr-defined]
    return float(stats.kstest(u, "uniform").pvalue)


@pytest.mark.parametrize("lam", [0.3, 4.0, 9.99, 10.0, 57.0, 2500.0])
def test_poisson_sampler_matches_the_distribution(lam: float) -> None:
    x = sample_poisson(np.full(40_000, lam), seed=7)
    assert _pit_pvalue(x, stats.poisson(lam), 1) > 0.001
    assert abs(x.mean() - lam) < 5 * np.sqrt(lam / x.size)


@pytest.mark.parametrize(
    ("n", "p"), [(20, 0.1), (1000, 0.008), (1000, 0.012), (800, 0.5), (20000, 0.93), (7, 1.0)]
)
def test_binomial_sampler_matches_the_distribution(n: int, p: float) -> None:
    x = sample_binomial(np.full(40_000, float(n)), np.full(40_000, p), seed=5)
    assert x.min() >= 0
    assert x.max() <= n
    if p < 1.0:
        assert _pit_pvalue(x, stats.binom(n, p), 2) > 0.001
    else:
        assert np.all(x == n)


@pytest.mark.parametrize("method", ["ssa", "tau-leap", "binomial"])
def test_pure_death_process_has_binomial_survivors(method: str) -> None:
    """Logarithmic law: each blue soldier dies at rate c independently, so B(t) is exactly
    Binomial(B0, exp(-c t)). SSA must match it; the approximations to their bias bound."""
    runs, days, c, b0 = 20_000, 20, 0.03, 400.0
    y0 = np.tile([b0, 50.0], (runs, 1))
    cf = np.tile([0.0, c], (runs, 1))  # only red's fire: blue loses c per soldier per day
    out = run_stochastic(method, y0, cf, *LOG, *no_schedule(days), seed=11, annihilation=False)
    p = np.exp(-c * days)
    exact = stats.binom(int(b0), p)
    b = out.final[:, 0]
    assert np.all(out.final[:, 1] == 50.0)
    assert np.all(out.losses[:, 0] == b0 - b)
    if method == "ssa":
        assert _pit_pvalue(b, exact, 3) > 0.001
        assert abs(b.mean() - exact.mean()) < 4 * exact.std() / np.sqrt(runs)
    else:  # bias of the approximate steps: below 0.2% of the initial strength
        assert abs(b.mean() - exact.mean()) < 0.002 * b0
        assert b.std() == pytest.approx(exact.std(), rel=0.05)


def test_ssa_means_converge_to_the_ode_as_forces_grow() -> None:
    """Square law, forces scaled by s with the same coefficients: the scaled final strengths
    concentrate on the ODE (spread ∝ 1/√s) and the mean stays within Monte Carlo error."""
    rates, imps = no_schedule(30)
    rms = {}
    for s in (0.25, 4.0):
        y0 = np.tile(DUEL[0] * s, (1000, 1))
        cf = np.tile(DUEL[1], (1000, 1))
        ode = run_ode(y0[:1], cf[:1], *SQUARE, rates, imps, substeps=8).final[0]
        out = run_stochastic("ssa", y0, cf, *SQUARE, rates, imps, seed=3)
        dev = (out.final - ode) / (DUEL[0] * s)
        se = dev.std(axis=0) / np.sqrt(1000)
        assert np.all(np.abs(dev.mean(axis=0)) < 4 * se + 1e-3 / s)
        rms[s] = float(np.sqrt((dev**2).mean()))
    assert rms[4.0] / rms[0.25] == pytest.approx(0.25, rel=0.3)  # 1/sqrt(16)


def test_tau_leap_and_binomial_errors_against_ssa_are_bounded() -> None:
    """Duel, 10,000 runs each: mean error < 0.1% of the initial strength, sd within 3%
    (measured: tau-leap −0.04/+0.57 soldiers, binomial +0.24/+0.41, sd within 1%); the seeded
    means and sds of all three engines equal the pinned baseline exactly."""
    outs = P.DUEL_ENGINES.make()
    ssa = outs["ssa"]
    for method in ("tau-leap", "binomial"):
        approx = outs[method]
        dm = approx.final.mean(axis=0) - ssa.final.mean(axis=0)
        assert np.all(np.abs(dm) < 0.001 * DUEL[0]), (method, dm)
        ratio = approx.final.std(axis=0) / ssa.final.std(axis=0)
        assert np.all(np.abs(ratio - 1.0) < 0.03), (method, ratio)
    np.testing.assert_array_equal(ssa.final, duel("ssa", 10_000).final)  # type: ignore[attr-defined]
    P.check(P.DUEL_ENGINES, P.DUEL_ENGINES.summarise(outs))


@pytest.mark.parametrize("method", ["ssa", "tau-leap", "binomial"])
def test_strengths_never_negative_and_annihilation_stops(method: str) -> None:
    runs = 500
    y0 = np.tile([300.0, 100.0], (runs, 1))
    cf = np.tile([0.05, 0.02], (runs, 1))  # red is wiped out within days
    rates, imps = no_schedule(60)
    out = run_stochastic(method, y0, cf, *SQUARE, rates, imps, seed=4, trajectories=True)
    assert out.strength_t is not None
    assert out.losses_t is not None
    assert out.strength_t.min() >= 0.0
    assert np.all(np.diff(out.strength_t, axis=1) <= 0)  # never increase without reinforcement
    assert np.all(out.reason == 2)
    assert np.all(out.final[:, 1] == 0.0)
    assert np.all(out.losses[:, 1] == 100.0)
    assert np.all(out.duration < 60)
    # after the stop the trajectory is frozen at the final state
    np.testing.assert_array_equal(out.strength_t[:, -1], out.final)


def test_ssa_breakpoint_stops_at_the_first_casualty_below_the_fraction() -> None:
    runs = 300
    y0 = np.tile([500.0, 500.0], (runs, 1))
    cf = np.tile([0.02, 0.01], (runs, 1))
    rates, imps = no_schedule(100)
    out = run_stochastic("ssa", y0, cf, *SQUARE, rates, imps, seed=8, breakpoint=(None, 0.6))
    assert np.all(out.reason == 4)
    assert np.all(out.final[:, 1] == 299.0)  # first value below 0.6 · 500
    assert np.all((out.duration > 0) & (out.duration < 100))


def test_ssa_reinforcement_arrivals_are_poisson_and_impulses_land() -> None:
    runs, days = 4000, 10
    y0 = np.tile([100.0, 100.0], (runs, 1))
    cf = np.zeros((runs, 2))
    rates = np.zeros((days, 2))
    rates[2:6, 0] = 12.5  # 50 expected arrivals
    rates[:, 1] = -3.0  # red withdraws 3 a day while it has troops: 30 expected departures
    imps = np.zeros((days + 1, 2))
    imps[5, 1] = 40.0
    out = run_stochastic("ssa", y0, cf, *SQUARE, rates, imps, seed=9, annihilation=False)
    gain = out.final[:, 0] - 100.0
    assert abs(gain.mean() - 50.0) < 4 * np.sqrt(50.0 / runs)
    assert gain.var() == pytest.approx(50.0, rel=0.1)
    red = out.final[:, 1] - 140.0
    assert abs(red.mean() + 30.0) < 4 * np.sqrt(30.0 / runs)
    assert np.all(out.losses == 0.0)


def test_runs_do_not_depend_on_chunking_or_threads() -> None:
    whole = duel("ssa", 40, seed=5)
    y0 = np.tile(DUEL[0], (40, 1))
    cf = np.tile(DUEL[1], (40, 1))
    parts = [
        run_stochastic("ssa", y0[a:b], cf[a:b], *SQUARE, *no_schedule(30), seed=5, start=a,
                       threads=False)
        for a, b in ((0, 7), (7, 8), (8, 40))
    ]  # fmt: skip
    got = np.concatenate([p.final for p in parts])
    np.testing.assert_array_equal(got, whole.final)  # type: ignore[attr-defined]


def test_bad_arguments_raise_user_errors() -> None:
    y0 = np.ones((2, 2))
    with pytest.raises(UserError, match="unknown stochastic method 'gillespie'"):
        run_stochastic("gillespie", y0, y0, *SQUARE, *no_schedule(3), seed=0)
    with pytest.raises(UserError, match="epsilon"):
        run_stochastic("tau-leap", y0, y0, *SQUARE, *no_schedule(3), seed=0, epsilon=2.0)
    with pytest.raises(UserError, match="seed must be >= 0"):
        run_stochastic("ssa", y0, y0, *SQUARE, *no_schedule(3), seed=-1)


@pytest.mark.slow
def test_ssa_agrees_with_gillespy2_on_the_duel() -> None:
    """Two-sample KS test of final strengths against GillesPy2's SSACSolver, fixed seeds."""
    gillespy2 = pytest.importorskip(
        "gillespy2", reason="GillesPy2 is not installed (pip install gillespy2; needs scons, g++)"
    )
    import shutil

    if shutil.which("g++") is None:
        pytest.skip("GillesPy2's C++ solvers need g++")
    model = gillespy2.Model(name="duel")
    cb = gillespy2.Parameter(name="cb", expression=0.012)
    cr = gillespy2.Parameter(name="cr", expression=0.010)
    model.add_parameter([cb, cr])
    b = gillespy2.Species(name="B", initial_value=1000, mode="discrete")
    r = gillespy2.Species(name="R", initial_value=800, mode="discrete")
    model.add_species([b, r])
    model.add_reaction(
        [
            gillespy2.Reaction(name="blue_loss", reactants={b: 1}, products={},
                               propensity_function="cr*R"),
            gillespy2.Reaction(name="red_loss", reactants={r: 1}, products={},
                               propensity_function="cb*B"),
        ]
    )  # fmt: skip
    model.timespan(np.linspace(0, 30, 31))
    try:
        res = gillespy2.SSACSolver(model=model).run(number_of_trajectories=2000, seed=1)
    except Exception as exc:  # build tools missing (scons), compiler errors
        pytest.skip(f"GillesPy2 SSACSolver unavailable here: {exc}")
    peer = np.array([[t["B"][-1], t["R"][-1]] for t in res], dtype=float)
    ours = duel("ssa", 2000, seed=1).final  # type: ignore[attr-defined]
    for k in (0, 1):
        assert stats.ks_2samp(ours[:, k], peer[:, k]).pvalue > 0.01
