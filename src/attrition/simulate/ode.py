"""Adaptive deterministic solution of a Lanchester model (SciPy DOP853, high accuracy).

The state is augmented with each side's cumulative losses, so fits can compare model losses
with data. Reinforcement impulses are applied between integration segments; continuous rates
switch exactly at segment edges; stopping rules are terminal events.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from attrition.errors import UserError
from attrition.models.lanchester import LanchesterModel
from attrition.models.schedule import StopRule
from attrition.simulate.trajectory import Trajectory


def _events(
    model: LanchesterModel, stop: StopRule, initial: np.ndarray
) -> tuple[list[Callable[..., float]], list[str]]:
    funcs: list[Callable[..., float]] = []
    names: list[str] = []
    for i in (0, 1):
        if stop.annihilation:
            level = stop.annihilation_level

            def ann(t: float, y: np.ndarray, i: int = i, level: float = level) -> float:
                return float(y[i] - level)

            funcs.append(ann)
            names.append(f"annihilation:{model.sides[i]}")
        frac = stop.breakpoint[i]
        if frac is not None:

            def brk(t: float, y: np.ndarray, i: int = i, frac: float = frac) -> float:
                ref = initial[i] + model.schedule.committed(t)[i]
                return float(y[i] - frac * ref)

            funcs.append(brk)
            names.append(f"breakpoint:{model.sides[i]}")
    for f in funcs:
        f.terminal = True  # type: ignore[attr-defined]
        f.direction = -1  # type: ignore[attr-defined]
    return funcs, names


def solve(
    model: LanchesterModel,
    initial: Sequence[float] | np.ndarray,
    days: float,
    *,
    stop: StopRule | None = None,
    t_eval: Sequence[float] | np.ndarray | None = None,
    rtol: float = 1e-11,
    atol: float = 1e-9,
) -> Trajectory:
    """Integrate ``model`` from ``initial`` strengths over ``[0, days]``.

    Args:
        model: the model (law, coefficients, schedule).
        initial: strengths at day 0 before any day-0 impulse, ``(blue, red)``.
        days: end day.
        stop: stopping rules (default: annihilation of either side).
        t_eval: output times (default: every whole day); the stop time is appended.
        rtol, atol: tolerances of the DOP853 integrator.

    Returns:
        The :class:`Trajectory` up to the stop time.
    """
    from scipy.integrate import solve_ivp

    y0 = np.asarray(initial, dtype=float)
    if y0.shape != (2,) or not np.all(np.isfinite(y0)) or np.any(y0 < 0):
        raise UserError(f"initial strengths must be two finite numbers >= 0, got {list(y0)}")
    if not np.isfinite(days) or days <= 0:
        raise UserError(f"days must be a positive number, got {days}")
    stop = stop or StopRule()
    times = np.arange(0.0, np.floor(days) + 1.0) if t_eval is None else np.asarray(t_eval, float)
    if times.size and (times.min() < 0 or times.max() > days):
        raise UserError(f"output times must lie in [0, {days}]")
    sched = model.schedule
    edges = sorted({0.0, float(days), *(p for p in sched.breakpoints() if 0.0 < p < days)})
    events, names = _events(model, stop, y0)

    def rhs(t: float, z: np.ndarray) -> np.ndarray:
        d = np.asarray(model.rhs(t, z[:2]), dtype=float)
        return np.concatenate([d, model.rates(z[:2])])

    state = np.concatenate([y0, np.zeros(2)])
    out_t: list[np.ndarray] = []
    out_z: list[np.ndarray] = []
    reason, t_stop = "end", float(days)
    for a, b in itertools.pairwise(edges):
        state[:2] = np.maximum(state[:2] + sched.impulse_at(a), 0.0)
        # sample points of this segment: [a, b), plus b on the last segment
        last = b == edges[-1]
        mask = (times >= a) & ((times < b) | (last & (times <= b)))
        seg_t = times[mask]
        sol: Any = solve_ivp(
            rhs, (a, b), state, method="DOP853", rtol=rtol, atol=atol,
            events=events or None, dense_output=True,
        )  # fmt: skip
        if sol.status == -1:
            raise UserError(f"integration failed at day {sol.t[-1]:.3f}: {sol.message}")
        hit = [(ev[0], k) for k, ev in enumerate(sol.t_events or []) if len(ev)]
        end_t = b
        if hit:
            end_t, k = min(hit)
            reason, t_stop = names[k], float(end_t)
            seg_t = seg_t[seg_t <= end_t]
        if seg_t.size:
            out_t.append(seg_t)
            out_z.append(sol.sol(seg_t).T)
        state = sol.sol(end_t) if hit else sol.y[:, -1].copy()
        if hit:
            if not seg_t.size or seg_t[-1] < end_t:
                out_t.append(np.array([end_t]))
                out_z.append(state[None, :])
            break
    else:
        state[:2] = np.maximum(state[:2] + sched.impulse_at(float(days)), 0.0)
    t_all = np.concatenate(out_t) if out_t else np.array([0.0])
    z_all = np.concatenate(out_z) if out_z else state[None, :]
    strength = np.maximum(z_all[:, :2], 0.0)
    return Trajectory(t_all, strength, z_all[:, 2:], model.sides, reason, t_stop)
