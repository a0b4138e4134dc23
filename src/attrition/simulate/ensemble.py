"""Ensembles: many runs of one scenario, on any engine, on one core, many, or a Dask cluster.

* The deterministic engine (``ode``) is classical RK4 on a daily grid (``substeps`` steps a day,
  the same scheme as :func:`attrition.simulate.rk4.integrate_daily`, bit for bit) with the
  stopping rules applied inside the step loop. Its Numba kernel advances blocks of runs together
  so the inner loop vectorises (SIMD); the named laws get kernels with their exponents folded in;
  slices of runs go to threads (the kernels release the GIL).
* The stochastic engines (``ssa``, ``tau-leap``, ``binomial``) are in
  :mod:`attrition.simulate.stochastic`.

Runs are split into chunks; an executor (``serial``: this process, runs split over threads;
``processes``: a process pool; ``dask``: a Dask cluster, local or at ``scheduler``) runs them.
Run ``i`` always gets the same parameters (from ``SeedSequence(seed).spawn(2)[0]``) and the same
random stream (child ``i`` of ``SeedSequence(seed).spawn(2)[1]``), and every run is computed by
the same compiled code, so results are bit-identical across executors and chunk sizes. With a
``checkpoint`` folder, each finished chunk is saved, and a rerun resumes where it stopped.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from attrition.errors import UserError, unknown_name
from attrition.simulate.stochastic import (
    REASON_CODES,
    RunArrays,
)

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from attrition.models.lanchester import LanchesterModel
    from attrition.models.schedule import StopRule


from attrition.simulate.executors import (
    EXECUTORS,
    ChunkTask,
    _Checkpoint,
    _chunks,
    _digest,
    default_chunk_size,
    run_tasks,
)


class RunSettings(Protocol):
    """The ``[run]`` settings an ensemble reads."""

    @property
    def runs(self) -> int: ...

    @property
    def method(self) -> str: ...

    @property
    def seed(self) -> int: ...

    @property
    def substeps(self) -> int | None: ...

    @property
    def epsilon(self) -> float: ...


class ScenarioInfoLike(Protocol):
    """The scenario's name."""

    @property
    def name(self) -> str: ...


class EnsembleSpec(Protocol):
    """What :func:`simulate` needs of a scenario (:class:`attrition.scenarios.spec.Scenario`
    provides it): the engines depend on this interface, not on the scenario layer above them."""

    @property
    def source(self) -> str: ...

    @property
    def run(self) -> RunSettings: ...

    @property
    def scenario(self) -> ScenarioInfoLike: ...

    @property
    def side_names(self) -> tuple[str, str]: ...

    @property
    def days(self) -> int: ...

    def model(self) -> LanchesterModel: ...

    def stop_rule(self) -> StopRule: ...

    def quantities(self) -> list[str]: ...

    def uncertain_inputs(self) -> list[tuple[str, str, Any]]: ...

    def sample(self, runs: int, seed: int) -> tuple[np.ndarray, np.ndarray]: ...

    def with_run(self, **changes: Any) -> EnsembleSpec: ...

    def fingerprint(self) -> str: ...


# --------------------------------------------------------------------------- result
#: Statistic columns of :meth:`Ensemble.summary_frame` that the JSON summary prints, in order.
SUMMARY_STATS: tuple[str, ...] = ("mean", "sd", "q05", "q50", "q95")


@dataclass
class Ensemble:
    """Results of an ensemble: per-run parameters and outcomes, and optionally trajectories.

    Attributes:
        name: scenario name.
        sides: the two side names.
        method: engine used.
        seed: the ensemble's seed.
        days: length of the battle.
        initial: per-run starting strengths ``(runs, 2)``.
        coef: per-run effectiveness ``(runs, 2)``.
        committed: per-run initial strength plus scheduled net reinforcements by the end
            ``(runs, 2)``.
        out: per-run outcomes (:class:`attrition.simulate.stochastic.RunArrays`).
        wall_seconds: time the runs took.
        quantities: named output quantities of the scenario.
        uncertain: names of the uncertain inputs (``side.parameter``).
    """

    name: str
    sides: tuple[str, str]
    method: str
    seed: int
    days: int
    initial: np.ndarray
    coef: np.ndarray
    committed: np.ndarray
    out: RunArrays
    wall_seconds: float
    quantities: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)

    @property
    def runs(self) -> int:
        """Number of runs."""
        return int(self.initial.shape[0])

    def reasons(self) -> list[str]:
        """Stop-reason names, indexed by code."""
        return [r.format(*self.sides) for r in REASON_CODES]

    def win_shares(self) -> np.ndarray:
        """Per run, each side's share of the win ``(runs, 2)``: 1 for the winner, 0.5 each on a tie.

        A side wins when the other is annihilated or reaches its breakpoint; a battle that runs
        to the end is won by the side keeping the larger fraction of its committed strength.
        """
        code = self.out.reason
        frac = np.divide(
            self.out.final, self.committed, out=np.zeros_like(self.out.final),
            where=self.committed > 0,
        )  # fmt: skip
        win0 = np.where(frac[:, 0] > frac[:, 1], 1.0, np.where(frac[:, 0] < frac[:, 1], 0.0, 0.5))
        win0 = np.where((code == 1) | (code == 3), 0.0, win0)
        win0 = np.where((code == 2) | (code == 4), 1.0, win0)
        return np.stack([win0, 1.0 - win0], axis=1)

    def quantity(self, name: str) -> np.ndarray:
        """Per-run values of a named output quantity (see :class:`OutputSpec`)."""
        if name == "duration":
            return self.out.duration
        if name == "exchange_ratio":
            l0, l1 = self.out.losses[:, 0], self.out.losses[:, 1]
            return np.asarray(np.divide(l1, l0, out=np.full_like(l1, np.nan), where=l0 > 0))
        for k, side in enumerate(self.sides):
            if name == f"final_{side}":
                return self.out.final[:, k]
            if name == f"losses_{side}":
                return self.out.losses[:, k]
            if name == f"win_{side}":
                return self.win_shares()[:, k]
            if name == f"remaining_{side}":
                c = self.committed[:, k]
                return np.asarray(
                    np.divide(self.out.final[:, k], c, out=np.zeros_like(c), where=c > 0)
                )
        valid = [f"{q}_{s}" for s in self.sides for q in ("final", "losses", "win", "remaining")]
        raise unknown_name("quantity", name, [*valid, "duration", "exchange_ratio"])

    def summary(self) -> dict[str, Any]:
        """The JSON summary of ``attrition simulate --json``: the statistics of
        :meth:`summary_frame` (each side's final strength; the named quantities, ``None`` for
        one no run gives a finite value) with each side's win probability, the mean
        duration, the wall time and the share of runs stopped for each reason."""
        stats = {str(r["quantity"]): r for r in self.summary_frame().to_dict(orient="records")}
        win = self.win_shares().mean(axis=0)
        sides: dict[str, Any] = {}
        for k, side in enumerate(self.sides):
            row = stats[f"final_{side}"]
            sides[side] = {f"final_{key}": float(row[key]) for key in SUMMARY_STATS}
            sides[side]["win_probability"] = float(win[k])
        quants: dict[str, Any] = {}
        for q in self.quantities:
            row = stats[q]
            quants[q] = {key: float(row[key]) for key in SUMMARY_STATS} if row["n"] else None
        names = self.reasons()
        counts = np.bincount(self.out.reason.astype(np.int64), minlength=len(names))
        return {
            "scenario": self.name,
            "method": self.method,
            "runs": self.runs,
            "seed": self.seed,
            "sides": sides,
            "duration_mean": float(self.out.duration.mean()),
            "wall_seconds": float(self.wall_seconds),
            "stop_reasons": {
                n: float(c) / self.runs for n, c in zip(names, counts, strict=True) if c
            },
            "quantities": quants,
        }

    def summary_frame(self) -> pd.DataFrame:
        """The ensemble's statistics, one row per quantity.

        Rows: ``final_<side>`` for each side, then the scenario's named quantities
        (:attr:`quantities`). Columns: ``quantity``; ``n`` (int64, runs with a finite value);
        ``mean``, ``sd`` (ddof 1; 0 for one run), ``q05``, ``q50``, ``q95`` (float64, NaN when
        no run has a finite value); :meth:`summary` prints these numbers.
        """
        import pandas as pd

        names = [f"final_{side}" for side in self.sides]
        names += [q for q in self.quantities if q not in names]
        rows = []
        for q in names:
            v = self.quantity(q)
            v = v[np.isfinite(v)]
            rows.append({"quantity": q, **_stats(v)})
        df = pd.DataFrame(rows, columns=["quantity", "n", "mean", "sd", "q05", "q50", "q95"])
        df["n"] = df["n"].astype(np.int64)
        return df

    def to_frame(self) -> pd.DataFrame:
        """Tidy per-run table, one row per run (see :meth:`to_dataframe` for the columns)."""
        return self.to_dataframe()

    def to_dataframe(self) -> pd.DataFrame:
        """Tidy per-run table: parameters, outcomes, duration, stop reason, named quantities.

        Columns: ``run`` (int64); per side ``<side>_initial``, ``<side>_effectiveness``,
        ``<side>_final``, ``<side>_losses`` (float64); ``duration`` (float64, days);
        ``stop_reason`` (categorical, :meth:`reasons`); then each named quantity not already
        a column.
        """
        import pandas as pd

        cols: dict[str, Any] = {"run": np.arange(self.runs, dtype=np.int64)}
        for k, side in enumerate(self.sides):
            cols[f"{side}_initial"] = self.initial[:, k]
            cols[f"{side}_effectiveness"] = self.coef[:, k]
            cols[f"{side}_final"] = self.out.final[:, k]
            cols[f"{side}_losses"] = self.out.losses[:, k]
        cols["duration"] = self.out.duration
        cols["stop_reason"] = pd.Categorical.from_codes(
            self.out.reason.astype(np.int64),
            categories=pd.Index(self.reasons()),  # type: ignore[type-var]
        )
        for q in self.quantities:
            if q not in cols and not q.startswith(("final_", "losses_")):
                cols[q] = self.quantity(q)
        return pd.DataFrame(cols)

    def to_xarray(self) -> xr.Dataset:
        """As an ``xarray.Dataset``: per-run variables on ``(run, side)``, trajectories (when
        recorded) on ``(run, time, side)``."""
        import xarray as xr

        data: dict[str, Any] = {
            "initial": (("run", "side"), self.initial),
            "effectiveness": (("run", "side"), self.coef),
            "final": (("run", "side"), self.out.final),
            "losses": (("run", "side"), self.out.losses),
            "duration": (("run",), self.out.duration),
            "stop_code": (("run",), self.out.reason),
        }
        coords: dict[str, Any] = {"run": np.arange(self.runs), "side": list(self.sides)}
        if self.out.strength_t is not None and self.out.losses_t is not None:
            data["strength_t"] = (("run", "time", "side"), self.out.strength_t)
            data["losses_t"] = (("run", "time", "side"), self.out.losses_t)
            coords["time"] = np.arange(self.days + 1, dtype=float)
        attrs = {
            "scenario": self.name,
            "method": self.method,
            "seed": self.seed,
            "stop_codes": ";".join(self.reasons()),
        }
        return xr.Dataset(data, coords=coords, attrs=attrs)


def _stats(v: np.ndarray) -> dict[str, Any]:
    """Count, mean, sd (ddof 1; 0 for one value) and the 5/50/95% quantiles of ``v`` (NaN when
    empty)."""
    if v.size == 0:
        nan = float("nan")
        return {"n": 0, "mean": nan, "sd": nan, "q05": nan, "q50": nan, "q95": nan}
    from attrition.quantiles import Q

    q05, q50, q95 = np.quantile(v, Q)
    return {
        "n": int(v.size),
        "mean": float(v.mean()),
        "sd": float(v.std(ddof=1)) if v.size > 1 else 0.0,
        "q05": float(q05),
        "q50": float(q50),
        "q95": float(q95),
    }


# --------------------------------------------------------------------------- driver
def default_substeps(method: str, initial: np.ndarray, coef: np.ndarray, law: Any) -> int:
    """Steps per day when the scenario leaves ``substeps`` at 0 (automatic).

    ``binomial``: 1 (a daily step). ``ode``: enough RK4 steps that the largest per-capita loss
    rate at the start, λ, gives λ·h ≤ 0.05 (local error ~ (λh)^5/120, so a relative error far
    below 1e-6 over 300 days), at least 1 and at most 64. Computed from all runs' parameters,
    so it does not depend on chunking.
    """
    if method != "ode":
        return 1
    from attrition.models.laws import loss_rates

    y = np.maximum(np.asarray(initial, float), 0.0)
    rate = loss_rates(y, np.asarray(coef, float), law)
    per_capita = np.divide(rate, y, out=np.zeros_like(rate), where=y > 0)
    lam = float(per_capita.max()) if per_capita.size else 0.0
    if not np.isfinite(lam):
        return 64
    return int(min(64, max(1, math.ceil(lam / 0.05))))


def ensemble_bytes(runs: int, days: int, inputs: int = 0, trajectories: bool = False) -> float:
    """Memory an ensemble of ``runs`` runs holds at once, in bytes (an estimate).

    Per run: ``8·(inputs + 12)`` bytes of uniforms, parameters, committed strengths and
    outcomes (measured 91-130 B per run without uncertain inputs, BENCHMARKS.md); with daily
    trajectories another ``64·(days + 1)``: strengths and losses, ``(runs, days + 1, 2)`` each,
    held twice while the chunks are joined (measured 19,396 B per run at 300 days).
    """
    per_run = 8.0 * (inputs + 12) + (64.0 * (days + 1) if trajectories else 0.0)
    return float(runs) * per_run


def check_ensemble_size(
    scenario: EnsembleSpec, runs: int | None = None, *, trajectories: bool = False,
    option: str = "--runs",
) -> None:  # fmt: skip
    """Refuse, before any work, an ensemble too large for the memory limit
    (:func:`attrition.limits.check_memory`); ``runs`` defaults to the scenario's."""
    from attrition.limits import check_memory

    n = scenario.run.runs if runs is None else runs
    k = len(scenario.uncertain_inputs())
    need = ensemble_bytes(n, scenario.days, k, trajectories)
    fix = None
    if trajectories:
        from attrition.limits import memory_limit

        most = int(memory_limit()[0] / ensemble_bytes(1, scenario.days, k, True))
        fix = (
            f"give {option} {most:,} or fewer, or write per-run results (.parquet, .csv) "
            "instead of daily trajectories"
        )
    check_memory(option, n, need, fix=fix)


def _check_finite(sc: EnsembleSpec, out: RunArrays, y0: np.ndarray, coef: np.ndarray) -> None:
    """Non-finite outcomes are an error naming the run and the inputs that produced them."""
    ok = (
        np.isfinite(out.final).all(axis=1)
        & np.isfinite(out.losses).all(axis=1)
        & np.isfinite(out.duration)
    )
    if ok.all():
        return
    i = int(np.argmin(ok))
    a, b = sc.side_names
    raise UserError(
        f"{sc.source}: {int((~ok).sum()):,} of {ok.size:,} runs gave results that are not finite "
        f"numbers (run {i}: {a} strength {y0[i, 0]:.3g}, effectiveness {coef[i, 0]:.3g}; "
        f"{b} strength {y0[i, 1]:.3g}, effectiveness {coef[i, 1]:.3g}); lower the [sides] "
        "and [uncertain] values that are out of scale"
    )


def simulate(
    scenario: EnsembleSpec,
    *,
    runs: int | None = None,
    method: str | None = None,
    seed: int | None = None,
    executor: str = "serial",
    scheduler: str | None = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    trajectories: bool = False,
    checkpoint: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    dask_processes: bool = True,
    parameters: tuple[np.ndarray, np.ndarray] | None = None,
) -> Ensemble:
    """Run a scenario's ensemble.

    Args:
        scenario: the validated scenario (:func:`attrition.scenarios.spec.load_scenario`).
        runs, method, seed: override the scenario's ``[run]`` table.
        executor: ``serial`` (this process, one thread per CPU), ``processes`` or ``dask``
            (one thread per worker).
        scheduler: address of an existing Dask scheduler (``tcp://host:8786``); default a
            local cluster. An address that does not answer within a few seconds raises
            :class:`UserError`.
        workers: processes or Dask workers (default: the number of CPUs).
        chunk_size: runs per chunk (results do not depend on it).
        trajectories: also keep daily strengths and losses of every run.
        checkpoint: folder where finished chunks are saved; rerunning with the same folder and
            settings resumes after an interruption without recomputing them.
        progress: ``progress(done_runs, total_runs)`` after each chunk.
        dask_processes: local Dask cluster with worker processes (``False``: threads).
        parameters: per-run ``(initial, coef)``, each ``(runs, 2)``, instead of sampling the
            scenario's distributions (sensitivity analysis); ``runs`` is then their length.
    """
    from attrition.simulate.rk4 import daily_schedule

    if parameters is not None:
        runs = int(np.shape(parameters[0])[0])
    sc = scenario.with_run(runs=runs, method=method, seed=seed)
    n, meth, sd = sc.run.runs, sc.run.method, sc.run.seed
    if executor not in EXECUTORS:
        raise unknown_name("executor", executor, EXECUTORS)
    if workers is not None and workers < 1:
        raise UserError(f"workers = {workers}: give a whole number 1 or larger")
    if scheduler and executor != "dask":
        raise UserError("--scheduler needs --executor dask")
    check_ensemble_size(sc, n, trajectories=trajectories, option="runs")
    n_workers = max(1, workers or os.cpu_count() or 1)
    if chunk_size is not None and chunk_size < 1:
        raise UserError(f"--chunk-size must be >= 1, got {chunk_size}")
    size = chunk_size or default_chunk_size(meth, n, executor, n_workers)
    model = sc.model()
    sched = daily_schedule(model.schedule, sc.days)
    if sched is None:  # pragma: no cover - the spec only allows whole days
        raise UserError(f"{sc.source}: [schedule] days must be whole days")
    rates, imps = sched
    if parameters is None:
        y0, coef = sc.sample(n, sd)
    else:
        y0 = np.array(parameters[0], dtype=float).reshape(n, 2)
        coef = np.array(parameters[1], dtype=float).reshape(n, 2)
        if not (np.all(np.isfinite(y0)) and np.all(np.isfinite(coef))):
            raise UserError("parameters must be finite")
    if meth != "ode":
        y0 = np.rint(y0)
        imps = np.rint(imps)
    stop = sc.stop_rule()
    law = model.law
    committed = y0 + imps.sum(axis=0) + rates.sum(axis=0)
    steps = sc.run.substeps or default_substeps(meth, y0, coef, law)
    bounds = _chunks(n, size)
    tasks = [
        ChunkTask(
            method=meth,
            start=a,
            initial=y0[a:b],
            coef=coef[a:b],
            shooter_exp=law.shooter_exp,
            target_exp=law.target_exp,
            rates=rates,
            impulses=imps,
            seed=sd,
            annihilation=stop.annihilation,
            annihilation_level=stop.annihilation_level,
            breakpoint=stop.breakpoint,
            substeps=steps,
            epsilon=sc.run.epsilon,
            trajectories=trajectories,
        )
        for a, b in bounds
    ]
    ckpt = None
    cached: dict[int, RunArrays] = {}
    if checkpoint is not None:
        manifest = {
            "scenario": sc.fingerprint(),
            "parameters": _digest(y0, coef),
            "method": meth,
            "runs": n,
            "seed": sd,
            "chunk_size": size,
            "trajectories": trajectories,
            "format": 1,
        }
        ckpt = _Checkpoint(checkpoint, manifest)
        for k, (a, b) in enumerate(bounds):
            got = ckpt.load(a, b)
            if got is not None:
                cached[k] = got
    todo = [k for k in range(len(tasks)) if k not in cached]
    finished = sum(bounds[k][1] - bounds[k][0] for k in cached)
    if progress is not None:
        progress(finished, n)

    def done(j: int, res: RunArrays) -> None:
        nonlocal finished
        k = todo[j]
        if ckpt is not None:
            ckpt.save(*bounds[k], res)
        finished += bounds[k][1] - bounds[k][0]
        if progress is not None:
            progress(finished, n)

    t0 = time.perf_counter()
    new = run_tasks(
        [tasks[k] for k in todo], executor=executor, workers=n_workers, scheduler=scheduler,
        dask_processes=dask_processes, done=done,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    for k, res in zip(todo, new, strict=True):
        cached[k] = res
    out = RunArrays.concat([cached[k] for k in range(len(tasks))])
    _check_finite(sc, out, y0, coef)
    return Ensemble(
        sc.scenario.name, sc.side_names, meth, sd, sc.days, y0, coef, committed, out, wall,
        sc.quantities(), [f"{s}.{p}" for s, p, _ in sc.uncertain_inputs()],
    )  # fmt: skip
