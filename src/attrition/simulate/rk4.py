"""Fixed-step RK4 on a daily grid, vectorised over runs (Numba when installed, NumPy otherwise).

Reinforcement rates are piecewise constant per day and impulses land at the start of a day, so
the right-hand side is smooth inside each day and classical RK4 with ``substeps`` steps per day
keeps its fourth-order accuracy. The kernel reads the same law (shooter and target exponents)
as every other engine; the NumPy fallback calls :func:`attrition.models.laws.loss_rates`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from attrition.models.lanchester import LanchesterModel
from attrition.models.laws import Law, loss_rates
from attrition.models.schedule import Schedule


def _kernel_py(
    y0: np.ndarray,
    coef: np.ndarray,
    pexp: np.ndarray,
    qexp: np.ndarray,
    rates: np.ndarray,
    impulses: np.ndarray,
    substeps: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Reference implementation: ``y0`` (n, 2), ``coef`` (n, 2), ``rates`` and ``impulses``
    (days(+1), 2). Returns strengths and cumulative losses at each day edge, (n, days + 1, 2)."""
    n_days = rates.shape[0]
    h = 1.0 / substeps
    law = Law("power", (float(pexp[0]), float(pexp[1])), (float(qexp[0]), float(qexp[1])))
    y = np.maximum(y0 + impulses[0], 0.0)
    lost = np.zeros_like(y)
    out_y = np.empty((y0.shape[0], n_days + 1, 2))
    out_l = np.empty_like(out_y)
    out_y[:, 0], out_l[:, 0] = y, lost
    for d in range(n_days):
        r = rates[d]
        for _ in range(substeps):
            k1 = loss_rates(y, coef, law, guard_empty=False)
            k2 = loss_rates(np.maximum(y + 0.5 * h * (r - k1), 0.0), coef, law, guard_empty=False)
            k3 = loss_rates(np.maximum(y + 0.5 * h * (r - k2), 0.0), coef, law, guard_empty=False)
            k4 = loss_rates(np.maximum(y + h * (r - k3), 0.0), coef, law, guard_empty=False)
            inc = h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
            inc = np.minimum(inc, np.maximum(y + h * r, 0.0))  # never lose more than is there
            y = np.maximum(y + h * r - inc, 0.0)
            lost = lost + inc
        y = np.maximum(y + impulses[d + 1], 0.0)
        out_y[:, d + 1], out_l[:, d + 1] = y, lost
    return out_y, out_l


def _make_numba_kernel() -> Callable[..., tuple[np.ndarray, np.ndarray]] | None:
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is in the 'fast' extra
        return None

    @numba.njit(cache=True, fastmath=False)  # type: ignore[misc]
    def loss(b: float, r: float, c0: float, c1: float, p0: float, p1: float, q0: float,
             q1: float) -> tuple[float, float]:  # fmt: skip
        bb = b if b > 0.0 else 0.0
        rr = r if r > 0.0 else 0.0
        return c1 * rr**p1 * bb**q1, c0 * bb**p0 * rr**q0

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
                    k1b, k1r = loss(b, r, c0, c1, p0, p1, q0, q1)
                    k2b, k2r = loss(b + 0.5 * h * (rb - k1b), r + 0.5 * h * (rr - k1r),
                                    c0, c1, p0, p1, q0, q1)  # fmt: skip
                    k3b, k3r = loss(b + 0.5 * h * (rb - k2b), r + 0.5 * h * (rr - k2r),
                                    c0, c1, p0, p1, q0, q1)  # fmt: skip
                    k4b, k4r = loss(b + h * (rb - k3b), r + h * (rr - k3r),
                                    c0, c1, p0, p1, q0, q1)  # fmt: skip
                    ib = min(h / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b), max(b + h * rb, 0.0))
                    ir = min(h / 6.0 * (k1r + 2.0 * k2r + 2.0 * k3r + k4r), max(r + h * rr, 0.0))
                    b = max(b + h * rb - ib, 0.0)
                    r = max(r + h * rr - ir, 0.0)
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
    return _KERNEL or _kernel_py


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
        use_numba: use the compiled kernel when Numba is installed.

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
    kernel = _kernel() if use_numba else _kernel_py
    ys, ls = kernel(y0, cf, pexp, qexp, rates, imps, int(substeps))
    squeeze = np.ndim(initial) == 1 and (coef is None or np.ndim(coef) == 1)
    return (ys[0], ls[0]) if squeeze else (ys, ls)
