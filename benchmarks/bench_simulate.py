"""Benchmark the simulation engines against their peers, all in one run on this machine.

Peers (same model, same number of runs, timed after compilation on both sides):

* GillesPy2 ``SSACSolver`` (exact SSA) and ``TauLeapingCSolver`` (C++), on the duel
  (1,000 vs 800, 30 days, 10,000 runs) and the large case (20,000 vs 15,000, 300 days);
* a ``scipy.integrate.solve_ivp`` loop for the ODE ensemble (1,000,000 parameter sets x 300 days:
  the loop is timed on a sample of parameter sets and extrapolated per run).

Also: memory per run (tracemalloc peak / runs), scaling with runs and with force size.
Writes ``benchmarks/results/simulate.md``. Run: ``python benchmarks/bench_simulate.py``
(``--quick`` for a smoke run). GillesPy2 is optional (``pip install gillespy2``; its C++ solvers
need ``scons`` and ``g++``); without it the peer columns say so.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import machine  # noqa: E402

from attrition.scenarios.spec import library_scenarios, load_scenario, parse_scenario  # noqa: E402
from attrition.simulate.ensemble import simulate  # noqa: E402
from attrition.simulate.stochastic import run_stochastic  # noqa: E402

SQUARE = ((1.0, 1.0), (0.0, 0.0))


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time of ``repeats`` calls (after one untimed warm-up call is NOT made here)."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def ours(method: str, y0: np.ndarray, coef: np.ndarray, days: int, threads: bool = True) -> Any:
    n = y0.shape[0]
    return run_stochastic(
        method, np.tile(y0, (n, 1)) if y0.ndim == 1 else y0, coef, *SQUARE,
        np.zeros((days, 2)), np.zeros((days + 1, 2)), seed=1, threads=threads,
    )  # fmt: skip


def tile(v: np.ndarray, n: int) -> np.ndarray:
    return np.tile(np.asarray(v, float), (n, 1))


def gillespy_model(b0: int, r0: int, cb: float, cr: float, days: int) -> Any:
    import gillespy2

    m = gillespy2.Model(name="duel")
    m.add_parameter([gillespy2.Parameter(name="cb", expression=cb),
                     gillespy2.Parameter(name="cr", expression=cr)])  # fmt: skip
    b = gillespy2.Species(name="B", initial_value=b0, mode="discrete")
    r = gillespy2.Species(name="R", initial_value=r0, mode="discrete")
    m.add_species([b, r])
    m.add_reaction([
        gillespy2.Reaction(name="blue_loss", reactants={b: 1}, products={},
                           propensity_function="cr*R"),
        gillespy2.Reaction(name="red_loss", reactants={r: 1}, products={},
                           propensity_function="cb*B"),
    ])  # fmt: skip
    m.timespan(np.linspace(0, days, days + 1))
    return m


def peer_solvers(model: Any) -> dict[str, Any]:
    """Build (compile) GillesPy2's C++ solvers once, outside the timings."""
    from gillespy2 import SSACSolver, TauLeapingCSolver

    return {"ssa": SSACSolver(model=model), "tau": TauLeapingCSolver(model=model)}


def peer_run(solver: Any, runs: int) -> np.ndarray:
    res = solver.run(number_of_trajectories=runs, seed=1)
    return np.array([[t["B"][-1], t["R"][-1]] for t in res], dtype=float)


def versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("numpy", "numba", "scipy", "gillespy2", "dask", "SALib"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def mem_per_run(fn: Callable[[], Any], runs: int) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one repeat (smoke test)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "simulate.md"))
    args = ap.parse_args()
    reps = 1 if args.quick else args.repeats
    duel_runs = 1000 if args.quick else 10_000
    large_runs = 100 if args.quick else 1000
    ode_runs = 50_000 if args.quick else 1_000_000
    lines: list[str] = []
    say = lines.append
    lib = library_scenarios()
    duel = load_scenario(lib["duel"])
    large = load_scenario(lib["large"])
    try:
        import gillespy2  # noqa: F401

        have_peer = True
    except ImportError:
        have_peer = False

    say("# Simulation engine benchmarks\n")
    say(f"Machine: {machine()}  ")
    say("Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + "  ")
    say(f"Date: {time.strftime('%Y-%m-%d %H:%M')}; medians of {reps} timed runs after a warm-up "
        "(Numba and GillesPy2's C++ compiled beforehand, outside the timings).  ")  # fmt: skip
    say(
        "Ours: Numba kernels, runs split over all CPUs (threads). GillesPy2's C solvers run "
        "one process (single core). Other jobs shared this machine: timings are noisy.\n"
    )

    # ------------------------------------------------------------------ stochastic vs GillesPy2
    cases = [
        ("duel (1,000 vs 800, 30 days)", duel, duel_runs),
        ("large (20,000 vs 15,000, 300 days)", large, large_runs),
    ]
    say("## Stochastic engines against GillesPy2\n")
    say("| case | runs | engine | seconds (all CPUs) | runs/s | peer | peer seconds | "
        "ratio (peer/ours) | ours, 1 thread (s) | ratio at 1 thread |")  # fmt: skip
    say("|---|---:|---|---:|---:|---|---:|---:|---:|---:|")
    accuracy: list[str] = []
    for label, sc, runs in cases:
        y0, cf, days = sc.initial(), sc.coefficients(), sc.days
        Y, C = tile(y0, runs), tile(cf, runs)
        peers: dict[str, Any] = {}
        if have_peer:
            peers = peer_solvers(gillespy_model(int(y0[0]), int(y0[1]), cf[0], cf[1], days))
            peer_run(peers["ssa"], 5)
            peer_run(peers["tau"], 5)
        t_peer: dict[str, float] = {}
        peer_final: dict[str, np.ndarray] = {}
        for key in ("ssa", "tau"):
            if have_peer:
                t_peer[key], peer_final[key] = median_time(
                    lambda k=key, p=peers, n=runs: peer_run(p[k], n), reps
                )
        res: dict[str, Any] = {}
        for method in ("ssa", "tau-leap", "binomial"):
            ours(method, Y[:10], C[:10], days)  # warm-up (compile / load cache)
            t, out = median_time(lambda m=method, y=Y, c=C, d=days: ours(m, y, c, d), reps)
            res[method] = out
            t1, _ = median_time(
                lambda m=method, y=Y, c=C, d=days: ours(m, y, c, d, threads=False), reps
            )
            key = "ssa" if method == "ssa" else "tau"
            peer_name = "SSACSolver" if key == "ssa" else "TauLeapingCSolver"
            if have_peer:
                tp = t_peer[key]
                say(f"| {label} | {runs:,} | {method} | {t:.3f} | {runs / t:,.0f} | {peer_name} | "
                    f"{tp:.3f} | **{tp / t:.1f}x** | {t1:.3f} | {tp / t1:.1f}x |")  # fmt: skip
            else:
                say(f"| {label} | {runs:,} | {method} | {t:.3f} | {runs / t:,.0f} | {peer_name} | "
                    f"not installed | - | {t1:.3f} | - |")  # fmt: skip
        ref = res["ssa"].final
        for method in ("tau-leap", "binomial"):
            d = res[method].final.mean(0) - ref.mean(0)
            rs = res[method].final.std(0) / ref.std(0)
            accuracy.append(f"| {label} | {method} vs our SSA | {d[0]:+.2f} / {d[1]:+.2f} | "
                            f"{rs[0]:.3f} / {rs[1]:.3f} |")  # fmt: skip
        if have_peer:
            from scipy import stats

            for k, side in enumerate(("blue", "red")):
                p = stats.ks_2samp(ref[:, k], peer_final["ssa"][:, k]).pvalue
                accuracy.append(f"| {label} | SSA vs GillesPy2 SSA, {side} | KS p = {p:.3f} | "
                                f"means {ref[:, k].mean():.2f} vs "
                                f"{peer_final['ssa'][:, k].mean():.2f} |")  # fmt: skip
    say("\n### Agreement (final strengths: difference of means blue / red, ratio of sds)\n")
    say("| case | comparison | mean difference (soldiers) | sd ratio |")
    say("|---|---|---:|---:|")
    lines.extend(accuracy)

    # ------------------------------------------------------------------ ODE vs solve_ivp loop
    say("\n## ODE ensemble against a `solve_ivp` loop\n")
    unc = large.model_dump()
    unc["uncertain"] = {
        "blue": {"effectiveness": {"dist": "uniform", "low": 0.0016, "high": 0.0024}},
        "red": {"effectiveness": {"dist": "uniform", "low": 0.0012, "high": 0.0018}},
    }
    unc["run"] = {"method": "ode", "runs": ode_runs, "seed": 1}
    usc = parse_scenario(unc, "large+uncertain")
    simulate(usc, runs=100)  # warm-up
    t_ode, ens = median_time(lambda: simulate(usc), reps)
    from scipy.integrate import solve_ivp

    coef = ens.coef
    n_loop = 50 if args.quick else 300

    def rhs(t: float, y: np.ndarray, c0: float, c1: float) -> list[float]:
        return [-c1 * y[1], -c0 * y[0]]

    def loop(rtol: float, atol: float) -> float:
        t0 = time.perf_counter()
        for i in range(n_loop):
            solve_ivp(rhs, (0.0, 300.0), [20000.0, 15000.0], args=(coef[i, 0], coef[i, 1]),
                      t_eval=np.arange(301.0), rtol=rtol, atol=atol)  # fmt: skip
        return (time.perf_counter() - t0) / n_loop

    per_default = loop(1e-3, 1e-6)
    per_tight = loop(1e-10, 1e-8)
    ours_per = t_ode / ode_runs
    # accuracy of ours against the tight adaptive solution, on the sampled runs
    errs = []
    for i in range(20):
        sol = solve_ivp(rhs, (0.0, 300.0), [20000.0, 15000.0], args=(coef[i, 0], coef[i, 1]),
                        rtol=1e-12, atol=1e-10, method="DOP853")  # fmt: skip
        errs.append(np.abs(ens.out.final[i] - sol.y[:, -1]).max() / 20000.0)
    say(f"{ode_runs:,} parameter sets (both effectivenesses uniform ±20%) x 300 days, "
        "large case, RK4 with 1 step a day (the automatic choice for these rates):\n")  # fmt: skip
    say("| engine | seconds for all runs | µs per run | ratio (loop/ours) |")
    say("|---|---:|---:|---:|")
    say(f"| ours (`simulate`, method ode) | **{t_ode:.2f}** | {1e6 * ours_per:.2f} | 1 |")
    say(f"| solve_ivp RK45 loop, rtol 1e-3 (default), daily output | "
        f"{per_default * ode_runs:,.0f} (extrapolated from {n_loop}) | {1e6 * per_default:,.0f} | "
        f"**{per_default / ours_per:,.0f}x** |")  # fmt: skip
    say(f"| solve_ivp RK45 loop, rtol 1e-10 (accuracy like ours) | "
        f"{per_tight * ode_runs:,.0f} (extrapolated from {n_loop}) | {1e6 * per_tight:,.0f} | "
        f"**{per_tight / ours_per:,.0f}x** |")  # fmt: skip
    say(f"\nLargest relative error of ours against DOP853 at rtol 1e-12 (20 runs): "
        f"{max(errs):.1e}.")  # fmt: skip

    # ------------------------------------------------------------------ memory
    say("\n## Memory per run (tracemalloc peak / runs)\n")
    say("| what | bytes per run |")
    say("|---|---:|")
    n_mem = 100_000 if not args.quick else 10_000
    say(f"| ode ensemble, per-run results ({n_mem:,} runs) | "
        f"{mem_per_run(lambda: simulate(usc, runs=n_mem), n_mem):,.0f} |")  # fmt: skip
    n_tr = n_mem // 10
    m_tr = mem_per_run(lambda: simulate(usc, runs=n_tr, trajectories=True), n_tr)
    say(f"| ode ensemble with daily trajectories, 300 days ({n_tr:,} runs) | {m_tr:,.0f} |")
    Yd, Cd = tile(duel.initial(), 10_000), tile(duel.coefficients(), 10_000)
    say(f"| ssa, duel, per-run results (10,000 runs) | "
        f"{mem_per_run(lambda: ours('ssa', Yd, Cd, 30), 10_000):,.0f} |")  # fmt: skip
    if have_peer:
        pm = gillespy_model(1000, 800, 0.012, 0.010, 30)
        solver = peer_solvers(pm)["ssa"]
        peer_run(solver, 5)
        say(f"| GillesPy2 SSACSolver, duel, daily results (1,000 runs, Python side) | "
            f"{mem_per_run(lambda: peer_run(solver, 1000), 1000):,.0f} |")  # fmt: skip

    # ------------------------------------------------------------------ scaling
    say("\n## Scaling with runs (duel, ssa; large+uncertain, ode)\n")
    say("| engine | runs | seconds | runs/s |")
    say("|---|---:|---:|---:|")
    for n in (1000, 10_000) if args.quick else (1000, 10_000, 100_000):
        t, _ = median_time(lambda n=n: ours("ssa", tile(duel.initial(), n),
                                            tile(duel.coefficients(), n), 30), reps)  # fmt: skip
        say(f"| ssa | {n:,} | {t:.3f} | {n / t:,.0f} |")
    for n in (10_000, 50_000) if args.quick else (10_000, 100_000, 1_000_000):
        t, _ = median_time(lambda n=n: simulate(usc, runs=n), reps)
        say(f"| ode | {n:,} | {t:.3f} | {n / t:,.0f} |")
    say("\n## Scaling with force size (duel forces x s, same effectiveness, 30 days)\n")
    say("| s | blue/red | engine | runs | seconds | µs per run | GillesPy2 µs per run |")
    say("|---:|---|---|---:|---:|---:|---:|")
    for s in (0.1, 1.0, 10.0):
        n = 1000 if s == 10.0 else 2000
        y0 = duel.initial() * s
        Y, C = tile(y0, n), tile(duel.coefficients(), n)
        peer = {}
        if have_peer:
            peer = peer_solvers(gillespy_model(int(y0[0]), int(y0[1]), 0.012, 0.010, 30))
            peer_run(peer["ssa"], 2)
            peer_run(peer["tau"], 2)
        for method in ("ssa", "tau-leap", "binomial"):
            t, _ = median_time(lambda m=method, Y=Y, C=C: ours(m, Y, C, 30), reps)
            pt = "-"
            if have_peer:
                key = "ssa" if method == "ssa" else "tau"
                tp, _ = median_time(lambda k=key, p=peer, n=n: peer_run(p[k], n), 1)
                pt = f"{1e6 * tp / n:,.0f}"
            say(f"| {s:g} | {int(y0[0])}/{int(y0[1])} | {method} | {n:,} | {t:.3f} | "
                f"{1e6 * t / n:,.1f} | {pt} |")  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
