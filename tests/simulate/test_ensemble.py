"""Ensembles: the RK4 ensemble against rk4.integrate_daily and the adaptive solver, stopping
rules, bit-identical results across chunk sizes and executors, checkpoint and resume."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from attrition.errors import UserError
from attrition.models import LanchesterModel, Schedule, StopRule, get_law
from attrition.scenarios.spec import Scenario, parse_scenario
from attrition.simulate import solve
from attrition.simulate.ensemble import default_substeps, simulate
from attrition.simulate.ode_ensemble import run_ode
from attrition.simulate.rk4 import daily_schedule, integrate_daily

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root: tests.baselines
from tests.baselines import producers as P

SCHED = Schedule.from_mapping({0: {3: 150.0}, 1: {6: -80.0}}, rates=[(1, 0.0, 4.0, 20.0)])


def laws() -> list[tuple[str, tuple[float, float]]]:
    return [
        ("square", (0.012, 0.010)),
        ("linear", (1.5e-5, 1.2e-5)),
        ("logarithmic", (0.012, 0.010)),
        ("mixed", (0.012, 1.2e-5)),
        ("power", (2e-3, 2e-3)),
    ]


@pytest.mark.parametrize(("law", "coef"), laws())
def test_ode_ensemble_is_bitwise_rk4_integrate_daily(law: str, coef: tuple[float, float]) -> None:
    model = LanchesterModel(get_law(law, p=0.8, q=0.3), coef, schedule=SCHED)
    rng = np.random.default_rng(1)
    y0 = rng.uniform(600, 1200, (37, 2))  # 37 runs: a partial SIMD block
    cf = np.asarray(coef) * rng.uniform(0.8, 1.2, (37, 2))
    ys, ls = integrate_daily(model, y0, 12, coef=cf, substeps=3)
    rates, imps = daily_schedule(SCHED, 12)  # type: ignore[misc]
    law_obj = model.law
    out = run_ode(y0, cf, law_obj.shooter_exp, law_obj.target_exp, rates, imps, substeps=3,
                  annihilation=False, trajectories=True)  # fmt: skip
    np.testing.assert_array_equal(out.strength_t, ys)
    np.testing.assert_array_equal(out.losses_t, ls)


@pytest.mark.parametrize(("law", "coef"), laws())
def test_ode_ensemble_stops_where_the_adaptive_solver_does(
    law: str, coef: tuple[float, float]
) -> None:
    """Annihilation and breakpoint times, located inside the step, against DOP853 events."""
    model = LanchesterModel(get_law(law, p=0.8, q=0.3), coef)
    y0 = np.array([1000.0, 800.0])
    stop = StopRule(breakpoint=(None, 0.7))
    ref = solve(model, y0, 200.0, stop=stop)
    rates, imps = daily_schedule(Schedule(), 200)  # type: ignore[misc]
    law_obj = model.law
    out = run_ode(y0[None, :], np.asarray(coef)[None, :], law_obj.shooter_exp,
                  law_obj.target_exp, rates, imps, substeps=8, breakpoint=(None, 0.7))  # fmt: skip
    assert ref.stop_reason == "breakpoint:red"
    assert out.reason[0] == 4
    # linear interpolation inside an eighth-of-a-day step: within a few seconds
    assert out.duration[0] == pytest.approx(ref.stop_time, abs=1e-4)
    np.testing.assert_allclose(out.final[0], ref.strength[-1], rtol=1e-6)
    np.testing.assert_allclose(out.losses[0], ref.losses[-1], rtol=1e-5)


def test_ode_annihilation_time_and_frozen_state() -> None:
    model = LanchesterModel(get_law("square"), (0.05, 0.04))
    ref = solve(model, (1000.0, 800.0), 60.0)
    rates, imps = daily_schedule(Schedule(), 60)  # type: ignore[misc]
    out = run_ode(np.array([[1000.0, 800.0]]), np.array([[0.05, 0.04]]), (1, 1), (0, 0), rates,
                  imps, substeps=16, trajectories=True)  # fmt: skip
    assert ref.stop_reason == "annihilation:red"
    assert out.reason[0] == 2
    assert out.duration[0] == pytest.approx(ref.stop_time, abs=2e-3)
    assert out.final[0, 1] == 0.0
    assert out.final[0, 0] == pytest.approx(ref.strength[-1, 0], rel=1e-6)
    assert out.strength_t is not None
    np.testing.assert_array_equal(out.strength_t[0, -1], out.final[0])


def test_default_substeps_follow_the_per_capita_rate() -> None:
    law = get_law("square")
    assert default_substeps("ode", np.array([[20000.0, 15000.0]]), np.array([[2e-3, 1.5e-3]]),
                            law) == 1  # fmt: skip
    # Iwo Jima scale: 0.0544 · 21500 / 100 per day -> many steps, capped at 64
    assert default_substeps("ode", np.array([[100.0, 21500.0]]), np.array([[0.01, 0.0544]]),
                            law) == 64  # fmt: skip
    assert default_substeps("binomial", np.ones((1, 2)), np.ones((1, 2)), law) == 1


def small(method: str, runs: int = 60, **run: object) -> Scenario:
    data = {
        "scenario": {"name": "t", "law": "square", "days": 30},
        "sides": {
            "blue": {"strength": 300, "effectiveness": 0.012},
            "red": {"strength": 240, "effectiveness": 0.010},
        },
        "run": {"method": method, "runs": runs, "seed": 4, **run},
        "uncertain": {"blue": {"effectiveness": {"dist": "uniform", "low": 0.01, "high": 0.014}}},
    }
    return parse_scenario(data, "t.toml")


def arrays(ens: object) -> list[np.ndarray]:
    out = ens.out  # type: ignore[attr-defined]
    return [ens.coef, out.final, out.losses, out.duration, out.reason]  # type: ignore[attr-defined]


@pytest.mark.parametrize("method", ["ode", "ssa", "tau-leap", "binomial"])
def test_results_do_not_depend_on_chunk_size(method: str) -> None:
    ref = arrays(simulate(small(method)))
    for size in (1, 7, 60):
        got = arrays(simulate(small(method), chunk_size=size))
        for a, b in zip(ref, got, strict=True):
            assert a.tobytes() == b.tobytes()


def test_first_runs_do_not_depend_on_the_number_of_runs() -> None:
    a = simulate(small("ssa", runs=10))
    b = simulate(small("ssa", runs=50))
    np.testing.assert_array_equal(a.coef, b.coef[:10])
    np.testing.assert_array_equal(a.out.final, b.out.final[:10])


@pytest.mark.slow
def test_bit_identical_across_serial_processes_and_dask() -> None:
    pytest.importorskip("distributed")
    sc = small("ssa", runs=90)
    ref = arrays(simulate(sc, chunk_size=30))
    procs = arrays(simulate(sc, executor="processes", workers=2, chunk_size=20))
    dask = arrays(
        simulate(sc, executor="dask", workers=1, chunk_size=25, dask_processes=False)
    )  # fmt: skip
    for a, b, c in zip(ref, procs, dask, strict=True):
        assert a.tobytes() == b.tobytes() == c.tobytes()


def test_unreachable_scheduler_fails_fast_with_a_user_error() -> None:
    pytest.importorskip("distributed")
    t0 = time.perf_counter()
    with pytest.raises(UserError, match=r"--scheduler tcp://127\.0\.0\.1:9: no Dask scheduler"):
        simulate(small("ode"), executor="dask", scheduler="tcp://127.0.0.1:9")
    assert time.perf_counter() - t0 < 15
    with pytest.raises(UserError, match="--scheduler needs --executor dask"):
        simulate(small("ode"), scheduler="tcp://127.0.0.1:9")
    with pytest.raises(UserError, match="unknown executor 'cluster'"):
        simulate(small("ode"), executor="cluster")


def test_checkpoint_resumes_without_recomputing_finished_chunks(tmp_path: Path) -> None:
    sc = small("ssa", runs=50)
    full = simulate(sc, chunk_size=10)
    calls: list[int] = []

    def interrupt(done: int, total: int) -> None:
        calls.append(done)
        if done >= 20:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simulate(sc, chunk_size=10, checkpoint=tmp_path, progress=interrupt)
    assert len(list(tmp_path.glob("chunk-*.npz"))) == 2
    seen: list[int] = []
    resumed = simulate(sc, chunk_size=10, checkpoint=tmp_path, progress=lambda d, t: seen.append(d))
    assert seen[0] == 20  # the two saved chunks were loaded, not rerun
    for a, b in zip(arrays(full), arrays(resumed), strict=True):
        assert a.tobytes() == b.tobytes()
    with pytest.raises(UserError, match=r"checkpoint belongs to another ensemble.*seed"):
        simulate(sc, chunk_size=10, seed=5, checkpoint=tmp_path)


def test_summary_is_the_runs_statistics_near_the_ode_and_pinned() -> None:
    """Duel (square law, no uncertainty), 200 SSA runs. Oracles: the summary's statistics are
    those of the runs; each side's mean final strength lies within Monte Carlo error of the
    closed-form ODE solution (4 standard errors: false-failure rate 6e-5 per side for a normal
    mean, plus one soldier for the O(1) gap between the SSA mean and the ODE); the square law's
    state equation (0.012·1000² > 0.010·800²) makes blue the winner of every run; the seeded
    numbers equal the pinned baseline exactly (the SSA is bit-reproducible)."""
    ens = P.DUEL_SUMMARY.make()
    s = ens.summary()
    assert (s["scenario"], s["method"], s["runs"], s["seed"]) == ("duel", "ssa", 200, 1)
    exact = LanchesterModel(get_law("square"), (0.012, 0.010)).closed_form(
        (1000.0, 800.0), [0.0, 30.0]
    )[-1]
    for k, side in enumerate(("blue", "red")):
        f = ens.out.final[:, k]
        v = s["sides"][side]
        assert v["final_mean"] == f.mean()
        assert v["final_sd"] == f.std(ddof=1)
        assert [v["final_q05"], v["final_q50"], v["final_q95"]] == list(
            np.quantile(f, [0.05, 0.5, 0.95])
        )
        se = f.std(ddof=1) / np.sqrt(f.size)
        assert abs(f.mean() - exact[k]) < 4 * se + 1.0, (side, f.mean(), exact[k])
    assert s["sides"]["blue"]["win_probability"] == 1.0
    assert s["sides"]["red"]["win_probability"] == 0.0
    assert s["duration_mean"] == 30.0  # nobody is annihilated within 30 days
    P.check(P.DUEL_SUMMARY, P.DUEL_SUMMARY.summarise(ens))
    df = ens.to_dataframe()
    assert len(df) == 200
    assert list(df["stop_reason"].unique()) == ["end"]
    np.testing.assert_array_equal(df[["blue_final", "red_final"]].to_numpy(), ens.out.final)
    # no reinforcements: what is lost is what is no longer there
    np.testing.assert_array_equal(df["blue_losses"] + df["blue_final"], 1000.0)
    np.testing.assert_array_equal(df["red_losses"] + df["red_final"], 800.0)
    ds = ens.to_xarray()
    assert ds["final"].dims == ("run", "side")
    np.testing.assert_array_equal(ds["final"].to_numpy(), ens.out.final)
