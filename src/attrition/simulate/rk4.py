"""Fixed-step RK4 on a daily grid, vectorised over runs (a Numba kernel).

Reinforcement rates are piecewise constant per day and impulses land at the start of a day, so
the right-hand side is smooth inside each day and classical RK4 with ``substeps`` steps per day
keeps its fourth-order accuracy. The kernel takes :func:`attrition.simulate.duel.rk4_step`, the
step every daily-grid engine takes, on the same law (shooter and target exponents).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from attrition.models.lanchester import LanchesterModel
from attrition.models.schedule import Schedule


def _make_numba_kernel() -> Callable[..., tuple[np.ndarray, np.ndarray]] | None:
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is in the 'fast' extra
        return None

    from attrition.simulate.duel import rk4_step

    @numba.njit(cache=True, fastmath=False)  # type: ignore[misc]
    def kernel(y0: Any, coef: Any, pexp: Any, qexp: Any, rates: Any, impulses: Any,
               substeps: int) -> Any:  # fmt: skip
        n = y0.shape[0]
        n_days = rates.shape[0]
        h = 1.0 / substeps
        out_y = np.empty((n, n_days + 1, 2))
        out_l = np.empty((n, n_days + 1, 2))
        p0, p1, q0, q1 = pexp[0], pexp[1], qexp[0], qexp[1]
        for i in range(n):
            c0, c1 = coef[i, 0], coef[i, 1]
            b = max(y0[i, 0] + impulses[0, 0], 0.0)
            r = max(y0[i, 1] + impulses[0, 1], 0.0)
            lb_cum = 0.0
            lr_cum = 0.0
            out_y[i, 0, 0], out_y[i, 0, 1] = b, r
            out_l[i, 0, 0], out_l[i, 0, 1] = 0.0, 0.0
            for d in range(n_days):
                rb, rr = rates[d, 0], rates[d, 1]
                for _ in range(substeps):
                    ib, ir, b, r, _, _ = rk4_step(b, r, c0, c1, rb, rr, h, p0, p1, q0, q1)
                    lb_cum += ib
                    lr_cum += ir
                b = max(b + impulses[d + 1, 0], 0.0)
                r = max(r + impulses[d + 1, 1], 0.0)
                out_y[i, d + 1, 0], out_y[i, d + 1, 1] = b, r
                out_l[i, d + 1, 0], out_l[i, d + 1, 1] = lb_cum, lr_cum
        return out_y, out_l

    return kernel  # type: ignore[no-any-return]


_KERNEL: Callable[..., tuple[np.ndarray, np.ndarray]] | None = None
_KERNEL_LOADED = False


def _kernel() -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    global _KERNEL, _KERNEL_LOADED
    if not _KERNEL_LOADED:
        _KERNEL, _KERNEL_LOADED = _make_numba_kernel(), True
    if _KERNEL is None:  # pragma: no cover - numba is a core dependency
        from attrition.errors import UserError

        raise UserError("the daily RK4 engine needs numba; install it with: pip install numba")
    return _KERNEL


def daily_schedule(schedule: Schedule, days: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-day rates (days, 2) and day-start impulses (days + 1, 2) of ``schedule``.

    Returns ``None`` when an edge or impulse is not on a whole day (use the adaptive solver).
    """
    rates = np.zeros((days, 2))
    imps = np.zeros((days + 1, 2))
    for imp in schedule.impulses:
        if imp.day != int(imp.day):
            return None
        if imp.day <= days:
            imps[int(imp.day), imp.side] += imp.amount
    for rt in schedule.rates:
        if rt.start != int(rt.start) or (np.isfinite(rt.end) and rt.end != int(rt.end)):
            return None
        rates[int(rt.start) : int(min(rt.end, days)), rt.side] += rt.per_day
    return rates, imps


def integrate_daily(
    model: LanchesterModel,
    initial: np.ndarray,
    days: int,
    *,
    coef: np.ndarray | None = None,
    substeps: int = 8,
    use_numba: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Strengths and cumulative losses at each whole day 0..days.

    Args:
        model: law, default coefficients and schedule (rate edges and impulses on whole days).
        initial: starting strengths, ``(2,)`` or ``(runs, 2)``.
        days: number of days.
        coef: per-run coefficients ``(runs, 2)`` (default: the model's).
        substeps: RK4 steps per day.
        use_numba: run the compiled kernel (default); ``False`` runs the same kernel source in
            the interpreter (slow; a check on the compiler, not a second definition).

    Returns:
        ``(strength, losses)``, each ``(runs, days + 1, 2)`` (the run axis is dropped when
        ``initial`` and ``coef`` are 1-D).
    """
    sched = daily_schedule(model.schedule, days)
    if sched is None:
        from attrition.errors import UserError

        raise UserError("integrate_daily needs schedule edges on whole days; use simulate.solve")
    rates, imps = sched
    y0 = np.atleast_2d(np.asarray(initial, dtype=float))
    cf = np.atleast_2d(np.asarray(model.coefficients if coef is None else coef, dtype=float))
    n = max(y0.shape[0], cf.shape[0])
    y0 = np.ascontiguousarray(np.broadcast_to(y0, (n, 2)))
    cf = np.ascontiguousarray(np.broadcast_to(cf, (n, 2)))
    law = model.law
    pexp = np.asarray(law.shooter_exp, dtype=float)
    qexp = np.asarray(law.target_exp, dtype=float)
    kernel = _kernel()
    if not use_numba:  # the same source, interpreted (a check on the compiler)
        kernel = kernel.py_func  # type: ignore[attr-defined]
    ys, ls = kernel(y0, cf, pexp, qexp, rates, imps, int(substeps))
    squeeze = np.ndim(initial) == 1 and (coef is None or np.ndim(coef) == 1)
    return (ys[0], ls[0]) if squeeze else (ys, ls)
