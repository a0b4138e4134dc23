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

import io
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition._io import atomic_write_bytes, atomic_write_text
from attrition.errors import UserError, unknown_name
from attrition.simulate.duel import rk4_step, stop_code
from attrition.simulate.stochastic import (
    REASON_CODES,
    STOCHASTIC_METHODS,
    RunArrays,
    run_stochastic,
    split_runs,
)

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from attrition.scenarios.spec import Scenario

METHODS: tuple[str, ...] = ("ode", *STOCHASTIC_METHODS)
EXECUTORS: tuple[str, ...] = ("serial", "processes", "dask")
SCHEDULER_TIMEOUT_S = 3.0


# --------------------------------------------------------------------------- ODE kernel
try:
    from numba import njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - numba is a core dependency
    HAVE_NUMBA = False

    def njit(*args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]
        """Stand-in when Numba is missing: :func:`run_ode` refuses to run."""
        return lambda f: f


BLOCK = 128  # runs advanced together: the inner loop over a block vectorises (SIMD)


@njit(cache=True, inline="always")  # type: ignore[misc]
def _ode_block(a: int, m: int, y0: Any, coef: Any, rates: Any, imps: Any, substeps: int,
               ann: bool, level: float, bp0: float, bp1: float, record: bool, final: Any,
               losses: Any, dur: Any, reason: Any, traj_s: Any, traj_l: Any, p0: float,
               p1: float, q0: float, q1: float) -> None:  # fmt: skip
    """Runs ``a .. a + m − 1``: RK4 on the daily grid, the inner loop over the block.

    A stopped run is frozen by zeroing its coefficients and its share of the schedule, so the
    inner loop has no branches and few arrays (it vectorises); each step writes a second set of
    buffers, and the rare steps where a run stops are redone and fixed up afterwards.
    """
    days = rates.shape[0]
    h = 1.0 / substeps
    b = np.empty(m)
    r = np.empty(m)
    cb = np.empty(m)
    cr = np.empty(m)
    lb = np.zeros(m)
    lr = np.zeros(m)
    b2 = np.empty(m)
    r2 = np.empty(m)
    cb2 = np.empty(m)
    cr2 = np.empty(m)
    lb2 = np.empty(m)
    lr2 = np.empty(m)
    c0 = np.empty(m)
    c1 = np.empty(m)
    al = np.ones(m)
    n_alive = m
    for j in range(m):
        b[j] = max(y0[a + j, 0] + imps[0, 0], 0.0)
        r[j] = max(y0[a + j, 1] + imps[0, 1], 0.0)
        cb[j] = y0[a + j, 0] + imps[0, 0]  # committed strength (nominal schedule)
        cr[j] = y0[a + j, 1] + imps[0, 1]
        c0[j] = coef[a + j, 0]
        c1[j] = coef[a + j, 1]
        dur[a + j] = float(days)
        reason[a + j] = 0
        code = stop_code(b[j], r[j], cb[j], cr[j], ann, level, bp0, bp1)
        if code != 0:
            dur[a + j] = 0.0
            reason[a + j] = code
            al[j] = 0.0
            c0[j] = 0.0
            c1[j] = 0.0
            n_alive -= 1
        if record:
            traj_s[a + j, 0, 0], traj_s[a + j, 0, 1] = b[j], r[j]
            traj_l[a + j, 0, 0], traj_l[a + j, 0, 1] = 0.0, 0.0
    d = 0
    while d < days and n_alive > 0:
        rb, rr = rates[d, 0], rates[d, 1]
        for s in range(substeps):
            nflag = 0
            for j in range(m):  # vectorised: no branches
                aj = al[j]
                rbj = rb * aj
                rrj = rr * aj
                ib, ir, nb, nr, _, _ = rk4_step(
                    b[j], r[j], c0[j], c1[j], rbj, rrj, h, p0, p1, q0, q1
                )
                ncb = cb[j] + h * rbj
                ncr = cr[j] + h * rrj
                hit = (ann & ((nb <= level) | (nr <= level))) | (nb < bp0 * ncb) | (nr < bp1 * ncr)
                nflag += int(hit & (aj > 0.0))
                b2[j] = nb
                r2[j] = nr
                cb2[j] = ncb
                cr2[j] = ncr
                lb2[j] = lb[j] + ib
                lr2[j] = lr[j] + ir
            if nflag > 0:
                for j in range(m):
                    if al[j] == 0.0:
                        continue
                    code = stop_code(b2[j], r2[j], cb2[j], cr2[j], ann, level, bp0, bp1)
                    if code == 0:
                        continue
                    _, _, _, _, xb, xr = rk4_step(
                        b[j], r[j], c0[j], c1[j], rb, rr, h, p0, p1, q0, q1
                    )
                    # crossing of the unclamped step (a clamped zero would hide where it was)
                    if code == 1:
                        g0, g1 = b[j] - level, xb - level
                    elif code == 2:
                        g0, g1 = r[j] - level, xr - level
                    elif code == 3:
                        g0, g1 = b[j] - bp0 * cb[j], xb - bp0 * cb2[j]
                    else:
                        g0, g1 = r[j] - bp1 * cr[j], xr - bp1 * cr2[j]
                    frac = g0 / (g0 - g1) if g0 > g1 else 1.0
                    frac = min(max(frac, 0.0), 1.0)
                    # the state where the rule fired, by linear interpolation inside the step
                    b2[j] = max(b[j] + frac * (xb - b[j]), 0.0)
                    r2[j] = max(r[j] + frac * (xr - r[j]), 0.0)
                    lb2[j] = lb[j] + frac * (b[j] + h * rb - xb)
                    lr2[j] = lr[j] + frac * (r[j] + h * rr - xr)
                    cb2[j] = cb[j]
                    cr2[j] = cr[j]
                    dur[a + j] = d + (s + frac) * h
                    reason[a + j] = code
                    al[j] = 0.0
                    c0[j] = 0.0
                    c1[j] = 0.0
                    n_alive -= 1
            b, b2 = b2, b
            r, r2 = r2, r
            cb, cb2 = cb2, cb
            cr, cr2 = cr2, cr
            lb, lb2 = lb2, lb
            lr, lr2 = lr2, lr
        ib0, ib1 = imps[d + 1, 0], imps[d + 1, 1]
        d += 1
        if ib0 != 0.0 or ib1 != 0.0:
            for j in range(m):
                if al[j] == 0.0:
                    continue
                b[j] = max(b[j] + ib0, 0.0)
                r[j] = max(r[j] + ib1, 0.0)
                cb[j] += ib0
                cr[j] += ib1
                code = stop_code(b[j], r[j], cb[j], cr[j], ann, level, bp0, bp1)
                if code != 0:
                    dur[a + j] = float(d)
                    reason[a + j] = code
                    al[j] = 0.0
                    c0[j] = 0.0
                    c1[j] = 0.0
                    n_alive -= 1
        if record:
            for j in range(m):
                traj_s[a + j, d, 0], traj_s[a + j, d, 1] = b[j], r[j]
                traj_l[a + j, d, 0], traj_l[a + j, d, 1] = lb[j], lr[j]
    if record:
        for k in range(d + 1, days + 1):  # every run stopped early: frozen from here on
            for j in range(m):
                traj_s[a + j, k, 0], traj_s[a + j, k, 1] = b[j], r[j]
                traj_l[a + j, k, 0], traj_l[a + j, k, 1] = lb[j], lr[j]
    for j in range(m):
        final[a + j, 0], final[a + j, 1] = b[j], r[j]
        losses[a + j, 0], losses[a + j, 1] = lb[j], lr[j]


@njit(cache=True, nogil=True)  # type: ignore[misc]
def _ode_square(lo: int, hi: int, y0: Any, coef: Any, rates: Any, imps: Any,
                substeps: int, ann: bool, level: float, bp: Any, record: bool,
                final: Any, losses: Any, dur: Any, reason: Any, traj_s: Any,
                traj_l: Any) -> None:  # fmt: skip
    """Square law (aimed fire): exponents folded in at compile time."""
    for a in range(lo, hi, BLOCK):
        _ode_block(a, min(BLOCK, hi - a), y0, coef, rates, imps, substeps, ann, level, bp[0],
                   bp[1], record, final, losses, dur, reason, traj_s, traj_l,
                   1.0, 1.0, 0.0, 0.0)  # fmt: skip


@njit(cache=True, nogil=True)  # type: ignore[misc]
def _ode_linear(lo: int, hi: int, y0: Any, coef: Any, rates: Any, imps: Any,
                substeps: int, ann: bool, level: float, bp: Any, record: bool,
                final: Any, losses: Any, dur: Any, reason: Any, traj_s: Any,
                traj_l: Any) -> None:  # fmt: skip
    """Linear law (area fire)."""
    for a in range(lo, hi, BLOCK):
        _ode_block(a, min(BLOCK, hi - a), y0, coef, rates, imps, substeps, ann, level, bp[0],
                   bp[1], record, final, losses, dur, reason, traj_s, traj_l,
                   1.0, 1.0, 1.0, 1.0)  # fmt: skip


@njit(cache=True, nogil=True)  # type: ignore[misc]
def _ode_logarithmic(lo: int, hi: int, y0: Any, coef: Any, rates: Any, imps: Any,
                     substeps: int, ann: bool, level: float, bp: Any, record: bool,
                     final: Any, losses: Any, dur: Any, reason: Any, traj_s: Any,
                     traj_l: Any) -> None:  # fmt: skip
    """Logarithmic law."""
    for a in range(lo, hi, BLOCK):
        _ode_block(a, min(BLOCK, hi - a), y0, coef, rates, imps, substeps, ann, level, bp[0],
                   bp[1], record, final, losses, dur, reason, traj_s, traj_l,
                   0.0, 0.0, 1.0, 1.0)  # fmt: skip


@njit(cache=True, nogil=True)  # type: ignore[misc]
def _ode_general(lo: int, hi: int, y0: Any, coef: Any, rates: Any, imps: Any,
                 substeps: int, ann: bool, level: float, bp: Any, record: bool,
                 final: Any, losses: Any, dur: Any, reason: Any, traj_s: Any,
                 traj_l: Any, pexp: Any, qexp: Any) -> None:  # fmt: skip
    """Any exponents (mixed, power): exponents read at run time."""
    for a in range(lo, hi, BLOCK):
        _ode_block(a, min(BLOCK, hi - a), y0, coef, rates, imps, substeps, ann, level, bp[0],
                   bp[1], record, final, losses, dur, reason, traj_s, traj_l,
                   pexp[0], pexp[1], qexp[0], qexp[1])  # fmt: skip


_SPECIALISED: dict[tuple[float, float, float, float], Any] = {
    (1.0, 1.0, 0.0, 0.0): _ode_square,
    (1.0, 1.0, 1.0, 1.0): _ode_linear,
    (0.0, 0.0, 1.0, 1.0): _ode_logarithmic,
}


def run_ode(
    initial: np.ndarray,
    coef: np.ndarray,
    shooter_exp: Sequence[float],
    target_exp: Sequence[float],
    rates: np.ndarray,
    impulses: np.ndarray,
    *,
    substeps: int = 4,
    annihilation: bool = True,
    annihilation_level: float = 0.0,
    breakpoint: Sequence[float | None] = (None, None),
    trajectories: bool = False,
    threads: bool | int = True,
) -> RunArrays:
    """Deterministic RK4 ensemble: one run per row of ``initial`` and ``coef`` (each ``(n, 2)``).

    The step is :func:`attrition.simulate.rk4.integrate_daily`'s (losses capped at what is
    there, impulses at the start of a day, rates constant within a day); a stopping rule that
    fires inside a step is located by linear interpolation, and the state is frozen from then on.
    ``rates`` is ``(days, 2)``, ``impulses`` ``(days + 1, 2)``.
    """
    y0 = np.ascontiguousarray(np.asarray(initial, dtype=float))
    cf = np.ascontiguousarray(np.asarray(coef, dtype=float))
    n = y0.shape[0]
    if y0.shape != (n, 2) or cf.shape != (n, 2):
        raise UserError(
            f"initial and coef must both have shape (runs, 2), got {y0.shape}, {cf.shape}"
        )
    if int(substeps) < 1:
        raise UserError(f"substeps must be >= 1, got {substeps}")
    rt = np.ascontiguousarray(np.asarray(rates, dtype=float))
    imp = np.ascontiguousarray(np.asarray(impulses, dtype=float))
    days = rt.shape[0]
    bp = np.array([np.nan if f is None else float(f) for f in breakpoint], dtype=float)
    final = np.empty((n, 2))
    losses = np.empty((n, 2))
    dur = np.empty(n)
    reason = np.empty(n, dtype=np.int8)
    shape = (n, days + 1, 2) if trajectories else (1, 1, 2)
    traj_s = np.empty(shape)
    traj_l = np.empty(shape)
    if not HAVE_NUMBA:  # pragma: no cover - numba is a core dependency
        raise UserError("the ode ensemble needs numba; install it with: pip install numba")
    args = (
        y0, cf, rt, imp, int(substeps), bool(annihilation), float(annihilation_level), bp,
        bool(trajectories), final, losses, dur, reason, traj_s, traj_l,
    )  # fmt: skip
    key = (*(float(v) for v in shooter_exp), *(float(v) for v in target_exp))
    fast = _SPECIALISED.get(key)  # type: ignore[call-overload,arg-type]
    if fast is not None:
        split_runs(fast, n, threads, *args)
    else:
        pe, qe = np.asarray(shooter_exp, float), np.asarray(target_exp, float)
        split_runs(_ode_general, n, threads, *args, pe, qe)
    if not trajectories:
        return RunArrays(final, losses, dur, reason)
    return RunArrays(final, losses, dur, reason, traj_s, traj_l)


# --------------------------------------------------------------------------- chunks
@dataclass(frozen=True)
class ChunkTask:
    """Everything one chunk needs (picklable: sent to process and Dask workers)."""

    method: str
    start: int
    initial: np.ndarray
    coef: np.ndarray
    shooter_exp: tuple[float, float]
    target_exp: tuple[float, float]
    rates: np.ndarray
    impulses: np.ndarray
    seed: int
    annihilation: bool
    annihilation_level: float
    breakpoint: tuple[float | None, float | None]
    substeps: int
    epsilon: float
    trajectories: bool
    threads: bool = True


def run_chunk(task: ChunkTask) -> RunArrays:
    """Run one chunk (module-level so that executors can send it to workers)."""
    common: dict[str, Any] = {
        "annihilation": task.annihilation,
        "annihilation_level": task.annihilation_level,
        "breakpoint": task.breakpoint,
        "trajectories": task.trajectories,
        "substeps": task.substeps,
        "threads": task.threads,
    }
    if task.method == "ode":
        return run_ode(
            task.initial, task.coef, task.shooter_exp, task.target_exp, task.rates,
            task.impulses, **common,
        )  # fmt: skip
    return run_stochastic(
        task.method, task.initial, task.coef, task.shooter_exp, task.target_exp, task.rates,
        task.impulses, seed=task.seed, start=task.start, epsilon=task.epsilon, **common,
    )  # fmt: skip


# --------------------------------------------------------------------------- result
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
        """The JSON summary of ``attrition simulate --json``."""
        win = self.win_shares().mean(axis=0)
        sides: dict[str, Any] = {}
        for k, side in enumerate(self.sides):
            st = _stats(self.out.final[:, k])
            sides[side] = {f"final_{key}": value for key, value in st.items() if key != "n"}
            sides[side]["win_probability"] = float(win[k])
        quants: dict[str, Any] = {}
        for q in self.quantities:
            v = self.quantity(q)
            v = v[np.isfinite(v)]
            if v.size == 0:
                quants[q] = None
                continue
            st = _stats(v)
            quants[q] = {"mean": st["mean"], "sd": st["sd"], "q05": st["q05"], "q50": st["q50"],
                         "q95": st["q95"]}  # fmt: skip
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
        no run has a finite value), computed exactly as in :meth:`summary`.
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
    q05, q50, q95 = np.quantile(v, [0.05, 0.5, 0.95])
    return {
        "n": int(v.size),
        "mean": float(v.mean()),
        "sd": float(v.std(ddof=1)) if v.size > 1 else 0.0,
        "q05": float(q05),
        "q50": float(q50),
        "q95": float(q95),
    }


# --------------------------------------------------------------------------- executors
def _digest(*arrays: np.ndarray) -> str:
    import hashlib

    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _chunks(runs: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(a, min(a + chunk_size, runs)) for a in range(0, runs, chunk_size)]


def _pack(arr: RunArrays) -> bytes:
    buf = io.BytesIO()
    parts = {k: getattr(arr, k) for k in ("final", "losses", "duration", "reason")}
    if arr.strength_t is not None:
        parts["strength_t"] = arr.strength_t
        parts["losses_t"] = arr.losses_t  # type: ignore[assignment]
    np.savez(buf, **parts)  # type: ignore[arg-type]
    return buf.getvalue()


def _unpack(path: Path) -> RunArrays:
    with np.load(path) as z:
        return RunArrays(
            z["final"], z["losses"], z["duration"], z["reason"],
            z.get("strength_t"),
            z.get("losses_t"),
        )  # fmt: skip


class _Checkpoint:
    """A folder of finished chunks plus a manifest saying which ensemble they belong to."""

    def __init__(self, folder: str | os.PathLike[str], manifest: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.manifest = manifest
        mpath = self.folder / "manifest.json"
        if mpath.exists():
            try:
                old = json.loads(mpath.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise UserError(f"{mpath}: unreadable checkpoint manifest ({exc})") from None
            if old != manifest:
                diff = sorted(k for k in manifest if old.get(k) != manifest[k])
                raise UserError(
                    f"{self.folder}: checkpoint belongs to another ensemble (differs in "
                    f"{', '.join(diff) or 'format'}); use the same settings, or another folder"
                )
        else:
            atomic_write_text(mpath, json.dumps(manifest, indent=1, sort_keys=True))

    def path(self, a: int, b: int) -> Path:
        return self.folder / f"chunk-{a:010d}-{b:010d}.npz"

    def load(self, a: int, b: int) -> RunArrays | None:
        p = self.path(a, b)
        if not p.exists():
            return None
        try:
            return _unpack(p)
        except (OSError, ValueError, KeyError):
            return None  # a damaged chunk is recomputed

    def save(self, a: int, b: int, arr: RunArrays) -> None:
        atomic_write_bytes(self.path(a, b), _pack(arr))


def _connect_dask(scheduler: str | None, workers: int, dask_processes: bool) -> tuple[Any, Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise UserError(
            "--executor dask needs dask.distributed: pip install 'attrition[scale]'"
        ) from exc
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S}s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            raise UserError(
                f"--scheduler {scheduler}: no Dask scheduler answered within "
                f"{SCHEDULER_TIMEOUT_S:g} s ({type(exc).__name__}); check the address "
                "(tcp://HOST:8786) or leave --scheduler out to start a local cluster"
            ) from None
        return client, None
    import logging

    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers,
        threads_per_worker=1,
        processes=dask_processes,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster  # type: ignore[no-untyped-call]


def run_tasks(
    tasks: Sequence[ChunkTask],
    *,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    dask_processes: bool = True,
    done: Callable[[int, RunArrays], None] | None = None,
) -> list[RunArrays]:
    """Run chunk tasks on an executor; returns results in task order.

    ``done(k, result)`` is called as each task finishes (checkpointing, progress).
    """
    if executor not in EXECUTORS:
        raise unknown_name("executor", executor, EXECUTORS)
    if scheduler and executor != "dask":
        raise UserError("--scheduler needs --executor dask")
    results: list[RunArrays | None] = [None] * len(tasks)

    def finish(k: int, res: RunArrays) -> None:
        results[k] = res
        if done is not None:
            done(k, res)

    n_workers = max(1, workers or os.cpu_count() or 1)
    if executor == "serial" or not tasks:
        for k, t in enumerate(tasks):
            finish(k, run_chunk(t))
    elif executor == "processes":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(n_workers, len(tasks)), mp_context=ctx) as pool:
            futs = {pool.submit(run_chunk, _single(t)): k for k, t in enumerate(tasks)}
            for fut in as_completed(futs):
                finish(futs[fut], fut.result())
    else:
        client, cluster = _connect_dask(scheduler, n_workers, dask_processes)
        try:
            from distributed import as_completed as dask_completed

            futs = client.map(run_chunk, [_single(t) for t in tasks], pure=False)
            index = {f.key: k for k, f in enumerate(futs)}
            for fut in dask_completed(futs):  # type: ignore[no-untyped-call]
                finish(index[fut.key], fut.result())
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    return [r for r in results if r is not None]


def _single(task: ChunkTask) -> ChunkTask:
    """The task to run inside a worker: one thread per worker."""
    from dataclasses import replace

    return replace(task, threads=False)


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
    scenario: Scenario, runs: int | None = None, *, trajectories: bool = False,
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


def default_chunk_size(method: str, runs: int, executor: str, workers: int) -> int:
    """Runs per chunk: small enough for progress and load balance, large enough to amortise."""
    cap = 10_000 if method == "ssa" else 100_000
    if executor != "serial":
        cap = min(cap, max(1, math.ceil(runs / (4 * max(workers, 1)))))
    return max(1, min(runs, cap))


def _check_finite(sc: Scenario, out: RunArrays, y0: np.ndarray, coef: np.ndarray) -> None:
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
    scenario: Scenario,
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
