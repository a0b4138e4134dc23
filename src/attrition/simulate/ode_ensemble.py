"""The deterministic ensemble engine: RK4 on the daily grid over blocks of runs (Numba).

The step is :func:`attrition.simulate.duel.rk4_step` (the one every daily-grid engine takes);
runs advance in blocks of :data:`BLOCK` so the inner loop over a block vectorises, and a run
that meets a stopping rule is located inside its step by linear interpolation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.errors import UserError
from attrition.simulate.duel import rk4_step, stop_code
from attrition.simulate.rng import HAVE_NUMBA, njit
from attrition.simulate.stochastic import (
    RunArrays,
    split_runs,
)

if TYPE_CHECKING:
    pass


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
