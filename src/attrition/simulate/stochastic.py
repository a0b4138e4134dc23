"""Stochastic engines: exact SSA, tau-leaping and a binomial daily step, vectorised over runs.

Every casualty is one event of a two-species pure-jump process whose propensities are the
shared Lanchester vector field (:func:`attrition.models.laws.loss_rates`): blue loses one soldier
at rate ``c_red · R^{p_red} · B^{q_red}`` and red at rate ``c_blue · B^{p_blue} · R^{q_blue}``.
Continuous reinforcement rates are Poisson arrivals (withdrawal rates Poisson departures while the
side has troops); impulses land at the start of a day, rounded to whole soldiers.

Engines (Numba kernels that release the GIL, runs split over threads, per-run parameters):

* ``ssa``: Gillespie's direct method, exact.
* ``tau-leap``: Poisson leaps with the step control of Cao, Gillespie & Petzold (2006,
  J. Chem. Phys. 124, 044109): the expected relative change of each side is bounded by
  ``epsilon``; small sides (< 10 soldiers) and short leaps (< 10 expected events) fall back to
  exact SSA steps; a leap that would drive a side below zero is halved and redrawn.
* ``binomial``: a chain-binomial step (``substeps`` per day): each soldier present at the start of
  the step is lost with probability ``min(1, h · loss_mid / strength)``, where ``loss_mid`` is
  the loss rate at the deterministic midpoint of the step (mean second-order accurate), so no
  side ever goes below zero.

Randomness is reproducible per run, independently of chunking, threads or executors: run ``i``
of an ensemble seeded with ``seed`` draws from xoshiro256** seeded with
``numpy.random.SeedSequence(seed).spawn(...)``'s child ``i`` (of the ``runs`` child, see
:func:`seed_pool`), computed inside the kernel by a bit-exact port of NumPy's SeedSequence hash.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from attrition.errors import UserError
from attrition.simulate.duel import clamped_loss, propensities, stop_code
from attrition.simulate.methods import STOCHASTIC_METHODS
from attrition.simulate.rng import (
    binomial,
    exponential,
    log_factorials,
    need_numba,
    njit,
    poisson,
    seed_pool,
    seed_run,
    uniform,
)

# Stop-reason codes shared by every engine; names are filled in with the side names.
REASON_CODES: tuple[str, ...] = (
    "end",
    "annihilation:{0}",
    "annihilation:{1}",
    "breakpoint:{0}",
    "breakpoint:{1}",
)


@dataclass
class RunArrays:
    """Per-run results of one chunk of an ensemble (any engine).

    Attributes:
        final: final strengths, ``(n, 2)``.
        losses: cumulative combat losses, ``(n, 2)``.
        duration: day the battle stopped (``days`` when no rule fired), ``(n,)``.
        reason: stop-reason code (index into :data:`REASON_CODES`), ``(n,)`` int8.
        strength_t: daily strengths ``(n, days + 1, 2)`` or ``None``.
        losses_t: daily cumulative losses ``(n, days + 1, 2)`` or ``None``.
    """

    final: np.ndarray
    losses: np.ndarray
    duration: np.ndarray
    reason: np.ndarray
    strength_t: np.ndarray | None = None
    losses_t: np.ndarray | None = None

    @staticmethod
    def concat(parts: Sequence[RunArrays]) -> RunArrays:
        """Concatenate chunks in run order."""

        def cat(name: str) -> np.ndarray | None:
            arrs = [getattr(p, name) for p in parts]
            if any(a is None for a in arrs):
                return None
            return np.concatenate(arrs)

        out = {k: cat(k) for k in ("final", "losses", "duration", "reason")}
        return RunArrays(
            out["final"],  # type: ignore[arg-type]
            out["losses"],  # type: ignore[arg-type]
            out["duration"],  # type: ignore[arg-type]
            out["reason"],  # type: ignore[arg-type]
            cat("strength_t"),
            cat("losses_t"),
        )


def n_threads(threads: bool | int) -> int:
    """Threads for a kernel call: ``True`` all CPUs, ``False`` one, or a number."""
    if threads is True:
        return max(1, os.cpu_count() or 1)
    return max(1, int(threads))


def split_runs(kernel: Any, n: int, threads: bool | int, *args: Any) -> None:
    """Call ``kernel(lo, hi, *args)`` on contiguous slices of ``range(n)``, one per thread.

    The kernels are compiled with ``nogil=True`` and write disjoint rows, so plain threads run
    them in parallel; each run's result does not depend on the split.
    """
    k = min(n_threads(threads), max(n, 1))
    if k <= 1:
        kernel(0, n, *args)
        return
    from concurrent.futures import ThreadPoolExecutor

    edges = [n * j // k for j in range(k + 1)]
    with ThreadPoolExecutor(max_workers=k) as pool:
        futs = [pool.submit(kernel, edges[j], edges[j + 1], *args) for j in range(k)]
        for f in futs:
            f.result()


@njit(cache=True)  # type: ignore[misc]
def _ssa_advance(st: Any, i: int, b: float, r: float, lb: float, lr: float, cb: float,
                cr: float, t: float, t_end: float, max_events: int, c0: float, c1: float,
                p0: float, p1: float, q0: float, q1: float, rin_b: float, rin_r: float,
                ann: bool, level: float, bp0: float, bp1: float) -> Any:  # fmt: skip
    """Exact SSA events until ``t_end``, a stop, or ``max_events`` events.

    Returns ``(b, r, lb, lr, cb, cr, t, code)``; ``t == t_end`` when the day ran out.
    """
    code = 0
    for _ in range(max_events):
        a1, a2 = propensities(b, r, c0, c1, p0, p1, q0, q1)
        a3 = rin_b if rin_b > 0.0 else (-rin_b if b > 0.0 else 0.0)
        a4 = rin_r if rin_r > 0.0 else (-rin_r if r > 0.0 else 0.0)
        a0 = a1 + a2 + a3 + a4
        if a0 <= 0.0:
            return b, r, lb, lr, cb, cr, t_end, 0
        t += exponential(st, i) / a0
        if t >= t_end:
            return b, r, lb, lr, cb, cr, t_end, 0
        u = uniform(st, i) * a0
        if u < a1:
            b -= 1.0
            lb += 1.0
        elif u < a1 + a2:
            r -= 1.0
            lr += 1.0
        elif u < a1 + a2 + a3:
            d = 1.0 if rin_b > 0.0 else -1.0
            b += d
            cb += d
        else:
            d = 1.0 if rin_r > 0.0 else -1.0
            r += d
            cr += d
        code = stop_code(b, r, cb, cr, ann, level, bp0, bp1)
        if code != 0:
            return b, r, lb, lr, cb, cr, t, code
    return b, r, lb, lr, cb, cr, t, code


@njit(cache=True)  # type: ignore[misc]
def _one_run(method: int, i: int, y0: Any, coef: Any, pexp: Any, qexp: Any, rates: Any,
            imps: Any, seg_end: Any, ann: bool, level: float, bp: Any, pool: Any, start: int,
            record: bool, substeps: int, eps: float, lf: Any, st: Any, final: Any,
            losses: Any, dur: Any, reason: Any, traj_s: Any, traj_l: Any) -> None:  # fmt: skip
    """Run ``i`` of a chunk with any engine: ``method`` 0 ssa, 1 tau-leap, 2 binomial."""
    days = rates.shape[0]
    p0, p1, q0, q1 = pexp[0], pexp[1], qexp[0], qexp[1]
    bp0, bp1 = bp[0], bp[1]
    gb = max(1.0, max(q1, p0))  # highest order of blue in any propensity
    gr = max(1.0, max(q0, p1))
    h = 1.0 / substeps
    seed_run(pool, start + i, st, i)
    c0, c1 = coef[i, 0], coef[i, 1]
    b = max(y0[i, 0] + imps[0, 0], 0.0)
    r = max(y0[i, 1] + imps[0, 1], 0.0)
    cb, cr = b, r
    lb = 0.0
    lr = 0.0
    code = stop_code(b, r, cb, cr, ann, level, bp0, bp1)
    t_stop = 0.0
    if record:
        traj_s[i, 0, 0], traj_s[i, 0, 1] = b, r
        traj_l[i, 0, 0], traj_l[i, 0, 1] = 0.0, 0.0
    day = 0
    while code == 0 and day < days:
        t = float(day)
        nxt = seg_end[day]  # rates are constant and nothing lands until day nxt
        t_end = float(nxt)
        rin_b, rin_r = rates[day, 0], rates[day, 1]
        if method == 0:
            b, r, lb, lr, cb, cr, t, code = _ssa_advance(
                st, i, b, r, lb, lr, cb, cr, t, t_end, 2**62, c0, c1, p0, p1, q0, q1,
                rin_b, rin_r, ann, level, bp0, bp1,
            )  # fmt: skip
        elif method == 1:
            while code == 0 and t < t_end:
                a1, a2 = propensities(b, r, c0, c1, p0, p1, q0, q1)
                a3 = rin_b if rin_b > 0.0 else (-rin_b if b > 0.0 else 0.0)
                a4 = rin_r if rin_r > 0.0 else (-rin_r if r > 0.0 else 0.0)
                a0 = a1 + a2 + a3 + a4
                if a0 <= 0.0:
                    t = t_end
                    break
                sb = 1.0 if rin_b > 0.0 else -1.0
                sr = 1.0 if rin_r > 0.0 else -1.0
                mu_b = -a1 + sb * a3
                mu_r = -a2 + sr * a4
                xb = max(eps * b / gb, 1.0)
                xr = max(eps * r / gr, 1.0)
                tau = t_end - t
                if mu_b != 0.0:
                    tau = min(tau, xb / abs(mu_b))
                if a1 + a3 > 0.0:
                    tau = min(tau, xb * xb / (a1 + a3))
                if mu_r != 0.0:
                    tau = min(tau, xr / abs(mu_r))
                if a2 + a4 > 0.0:
                    tau = min(tau, xr * xr / (a2 + a4))
                small = (b < 10.0 and a1 + a3 > 0.0) or (r < 10.0 and a2 + a4 > 0.0)
                if small or tau * a0 < 10.0:
                    b, r, lb, lr, cb, cr, t, code = _ssa_advance(
                        st, i, b, r, lb, lr, cb, cr, t, t_end, 100, c0, c1, p0, p1,
                        q0, q1, rin_b, rin_r, ann, level, bp0, bp1,
                    )  # fmt: skip
                    continue
                while True:
                    # midpoint tau-leap (Gillespie 2001): propensities at the state
                    # expected half-way through the leap, second order in the mean
                    m1, m2 = clamped_loss(
                        b + 0.5 * tau * mu_b, r + 0.5 * tau * mu_r, c0, c1, p0, p1, q0, q1
                    )
                    m1 = m1 if b > 0.0 else 0.0
                    m2 = m2 if r > 0.0 else 0.0
                    k1 = poisson(st, i, m1 * tau, lf)
                    k2 = poisson(st, i, m2 * tau, lf)
                    k3 = poisson(st, i, a3 * tau, lf)
                    k4 = poisson(st, i, a4 * tau, lf)
                    nb = b - k1 + sb * k3
                    nr = r - k2 + sr * k4
                    if nb >= 0.0 and nr >= 0.0:
                        break
                    tau *= 0.5
                b, r = nb, nr
                lb += k1
                lr += k2
                cb += sb * k3
                cr += sr * k4
                t = t_end if t + tau >= t_end else t + tau
                code = stop_code(b, r, cb, cr, ann, level, bp0, bp1)
        else:
            for s in range(substeps):  # seg_end is day + 1 for this engine
                a1, a2 = propensities(b, r, c0, c1, p0, p1, q0, q1)
                # loss rates at the deterministic midpoint of the step: the mean
                # losses are second-order accurate; each soldier present is lost with
                # probability h * rate / strength (capped at 1), never more than are there
                m1, m2 = clamped_loss(
                    b + 0.5 * h * (rin_b - a1), r + 0.5 * h * (rin_r - a2), c0, c1, p0, p1, q0, q1
                )
                k1 = binomial(st, i, b, min(h * m1 / b, 1.0), lf) if (m1 > 0.0 and b > 0.0) else 0.0
                k2 = binomial(st, i, r, min(h * m2 / r, 1.0), lf) if (m2 > 0.0 and r > 0.0) else 0.0
                b -= k1
                r -= k2
                lb += k1
                lr += k2
                if rin_b > 0.0:
                    k = poisson(st, i, rin_b * h, lf)
                    b += k
                    cb += k
                elif rin_b < 0.0:
                    k = min(poisson(st, i, -rin_b * h, lf), b)
                    b -= k
                    cb -= k
                if rin_r > 0.0:
                    k = poisson(st, i, rin_r * h, lf)
                    r += k
                    cr += k
                elif rin_r < 0.0:
                    k = min(poisson(st, i, -rin_r * h, lf), r)
                    r -= k
                    cr -= k
                t = t_end if s == substeps - 1 else day + (s + 1) * h
                code = stop_code(b, r, cb, cr, ann, level, bp0, bp1)
                if code != 0:
                    break
        if code != 0:
            t_stop = t
            break
        nb = max(b + imps[nxt, 0], 0.0)
        nr = max(r + imps[nxt, 1], 0.0)
        cb += nb - b
        cr += nr - r
        b, r = nb, nr
        day = nxt
        code = stop_code(b, r, cb, cr, ann, level, bp0, bp1)
        if code != 0:
            t_stop = float(day)
        if record:
            traj_s[i, day, 0], traj_s[i, day, 1] = b, r
            traj_l[i, day, 0], traj_l[i, day, 1] = lb, lr
    if record:
        # days after the stop show the final state (the battle is over)
        for d in range(day + 1, days + 1):
            traj_s[i, d, 0], traj_s[i, d, 1] = b, r
            traj_l[i, d, 0], traj_l[i, d, 1] = lb, lr
    final[i, 0], final[i, 1] = b, r
    losses[i, 0], losses[i, 1] = lb, lr
    dur[i] = t_stop if code != 0 else float(days)
    reason[i] = code


@njit(cache=True, nogil=True)  # type: ignore[misc]
def _kernel(lo: int, hi: int, method: int, y0: Any, coef: Any, pexp: Any, qexp: Any,
            rates: Any, imps: Any, seg_end: Any, ann: bool, level: float, bp: Any, pool: Any,
            start: int, record: bool, substeps: int, eps: float, lf: Any, st: Any, final: Any,
            losses: Any, dur: Any, reason: Any, traj_s: Any, traj_l: Any) -> None:  # fmt: skip
    """Runs ``lo .. hi − 1`` of a chunk (releases the GIL: threads run slices in parallel)."""
    for i in range(lo, hi):
        _one_run(method, i, y0, coef, pexp, qexp, rates, imps, seg_end, ann, level, bp, pool,
                 start, record, substeps, eps, lf, st, final, losses, dur, reason, traj_s,
                 traj_l)  # fmt: skip


_KERNELS = {
    "kernel": _kernel,
}


def _kernels() -> dict[str, Any]:
    need_numba()
    return _KERNELS


def segment_ends(rates: np.ndarray, impulses: np.ndarray, daily: bool) -> np.ndarray:
    """For each day ``d``, the first day ``e > d`` where a rate changes or an impulse lands.

    Between ``d`` and ``e`` nothing but combat happens, so event-driven engines need not stop at
    the day edges in between (``daily`` forces ``e = d + 1``, for trajectories).
    """
    days = rates.shape[0]
    ends = np.arange(1, days + 1, dtype=np.int64)
    if daily:
        return ends
    for d in range(days - 2, -1, -1):
        if not np.any(impulses[d + 1]) and np.array_equal(rates[d + 1], rates[d]):
            ends[d] = ends[d + 1]
    return ends


def run_stochastic(
    method: str,
    initial: np.ndarray,
    coef: np.ndarray,
    shooter_exp: Sequence[float],
    target_exp: Sequence[float],
    rates: np.ndarray,
    impulses: np.ndarray,
    *,
    seed: int,
    start: int = 0,
    annihilation: bool = True,
    annihilation_level: float = 0.0,
    breakpoint: Sequence[float | None] = (None, None),
    trajectories: bool = False,
    substeps: int = 1,
    epsilon: float = 0.03,
    threads: bool | int = True,
) -> RunArrays:
    """Run one chunk of a stochastic ensemble.

    Args:
        method: ``"ssa"``, ``"tau-leap"`` or ``"binomial"``.
        initial: starting strengths ``(n, 2)`` (rounded to whole soldiers).
        coef: per-run effectiveness ``(n, 2)``.
        shooter_exp, target_exp: the law's exponents (see :class:`attrition.models.Law`).
        rates: reinforcement rate of each side on each day, ``(days, 2)`` (negative: withdrawal).
        impulses: troops arriving at the start of each day ``0..days``, ``(days + 1, 2)``
            (rounded to whole soldiers).
        seed: the ensemble's seed; run ``k`` of the chunk uses stream ``start + k``.
        start: global index of the chunk's first run.
        annihilation, annihilation_level, breakpoint: the stopping rules
            (see :class:`attrition.models.StopRule`).
        trajectories: also return daily strengths and losses.
        substeps: binomial steps per day.
        epsilon: tau-leap error-control parameter.
        threads: ``True``: split the runs over one thread per CPU; ``False``: one thread
            (executor workers); or a number of threads. Results do not depend on it.
    """
    if method not in STOCHASTIC_METHODS:
        from attrition.errors import unknown_name

        raise unknown_name("stochastic method", method, STOCHASTIC_METHODS)
    if int(substeps) < 1:
        raise UserError(f"substeps must be >= 1, got {substeps}")
    if not 0.0 < float(epsilon) < 1.0:
        raise UserError(f"epsilon must be in (0, 1), got {epsilon}")
    y0 = np.ascontiguousarray(np.rint(np.asarray(initial, dtype=float)))
    cf = np.ascontiguousarray(np.asarray(coef, dtype=float))
    n = y0.shape[0]
    if y0.shape != (n, 2) or cf.shape != (n, 2):
        raise UserError(
            f"initial and coef must both have shape (runs, 2), got {y0.shape}, {cf.shape}"
        )
    if start < 0 or start + n > 2**32:
        raise UserError("run indices must lie in [0, 2**32)")
    rt = np.ascontiguousarray(np.asarray(rates, dtype=float))
    imp = np.ascontiguousarray(np.rint(np.asarray(impulses, dtype=float)))
    days = rt.shape[0]
    if imp.shape != (days + 1, 2):
        raise UserError(f"impulses must have shape ({days + 1}, 2), got {imp.shape}")
    bp = np.array([np.nan if f is None else float(f) for f in breakpoint], dtype=float)
    final = np.empty((n, 2))
    losses = np.empty((n, 2))
    dur = np.empty(n)
    reason = np.empty(n, dtype=np.int8)
    shape = (n, days + 1, 2) if trajectories else (1, 1, 2)
    traj_s = np.empty(shape)
    traj_l = np.empty(shape)
    code = STOCHASTIC_METHODS.index(method)
    seg = segment_ends(rt, imp, daily=trajectories or method == "binomial")
    split_runs(
        _kernels()["kernel"], n, threads, code, y0, cf, np.asarray(shooter_exp, float),
        np.asarray(target_exp, float), rt, imp, seg, bool(annihilation), float(annihilation_level),
        bp, seed_pool(seed), int(start), bool(trajectories), int(substeps), float(epsilon),
        log_factorials(), np.empty((n, 4), dtype=np.uint64), final, losses, dur, reason, traj_s,
        traj_l,
    )  # fmt: skip
    if not trajectories:
        return RunArrays(final, losses, dur, reason)
    return RunArrays(final, losses, dur, reason, traj_s, traj_l)
