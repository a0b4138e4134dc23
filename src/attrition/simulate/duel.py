"""The duel's equations, written once for every Numba engine of the Lanchester family.

The loss law is the shared vector field of :func:`attrition.models.laws.loss_rates` (NumPy/JAX,
vectorised, for fitting and the adaptive solver) for one run and one instant: blue loses
``c_red · R^{p_red} · B^{q_red}`` per day and red ``c_blue · B^{p_blue} · R^{q_blue}``.
:func:`propensities` guards empty sides (the jump processes), :func:`clamped_loss` clamps
strengths at 0 instead (the deterministic field), :func:`rk4_step` is the one classical RK4 step
every daily-grid engine takes, and :func:`stop_code` the stopping rules. A test checks these
against :func:`~attrition.models.laws.loss_rates`.
"""

from __future__ import annotations

from attrition.simulate.rng import njit

__all__ = ["clamped_loss", "power", "propensities", "rk4_step", "stop_code"]


@njit(cache=True, inline="always")  # type: ignore[misc]
def power(x: float, e: float) -> float:
    """``x**e`` with fast paths for the exponents of the named laws."""
    if e == 1.0:
        return x
    if e == 0.0:
        return 1.0
    if e == 2.0:
        return x * x
    return x**e  # type: ignore[no-any-return]


@njit(cache=True, inline="always")  # type: ignore[misc]
def propensities(b: float, r: float, c0: float, c1: float, p0: float, p1: float, q0: float,
          q1: float) -> tuple[float, float]:  # fmt: skip
    """(blue loss, red loss) propensities: :func:`clamped_loss` with the empty-side guard of
    ``loss_rates(guard_empty=True)`` (a side with no troops loses nothing)."""
    lb, lr = clamped_loss(b, r, c0, c1, p0, p1, q0, q1)
    return (lb if b > 0.0 else 0.0), (lr if r > 0.0 else 0.0)


@njit(cache=True, inline="always")  # type: ignore[misc]
def clamped_loss(b: float, r: float, c0: float, c1: float, p0: float, p1: float, q0: float,
                  q1: float) -> tuple[float, float]:  # fmt: skip
    """Loss rates of (blue, red) with strengths clamped at 0 and no empty guard (rk4's
    ``guard_empty=False``): the ODE ensemble's field, and the rates at a predicted midpoint of
    tau-leap and binomial steps (a target the prediction empties is still being fired at;
    callers apply them to sides that have troops)."""
    bb = b if b > 0.0 else 0.0
    rr = r if r > 0.0 else 0.0
    return c1 * power(rr, p1) * power(bb, q1), c0 * power(bb, p0) * power(rr, q0)


@njit(cache=True, inline="always")  # type: ignore[misc]
def stop_code(b: float, r: float, cb: float, cr: float, ann: bool, level: float, bp0: float,
          bp1: float) -> int:  # fmt: skip
    """Stop code: 1/2 annihilation of blue/red, 3/4 breakpoint of blue/red, 0 none."""
    if ann and b <= level:
        return 1
    if ann and r <= level:
        return 2
    if b < bp0 * cb:  # NaN fraction (no breakpoint): never true
        return 3
    if r < bp1 * cr:
        return 4
    return 0


@njit(cache=True, inline="always")  # type: ignore[misc]
def rk4_step(b: float, r: float, c0: float, c1: float, rb: float, rr: float, h: float, p0: float,
         p1: float, q0: float, q1: float) -> tuple[float, ...]:  # fmt: skip
    """One classical RK4 step of length ``h`` with constant reinforcement rates ``rb, rr``.

    Returns the losses of the step (capped at what is there), the new strengths (never below
    zero) and the unclamped new strengths (to locate a crossing inside the step).
    """
    f = clamped_loss
    k1b, k1r = f(b, r, c0, c1, p0, p1, q0, q1)
    k2b, k2r = f(b + 0.5 * h * (rb - k1b), r + 0.5 * h * (rr - k1r), c0, c1, p0, p1, q0, q1)
    k3b, k3r = f(b + 0.5 * h * (rb - k2b), r + 0.5 * h * (rr - k2r), c0, c1, p0, p1, q0, q1)
    k4b, k4r = f(b + h * (rb - k3b), r + h * (rr - k3r), c0, c1, p0, p1, q0, q1)
    db = h / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b)
    dr = h / 6.0 * (k1r + 2.0 * k2r + 2.0 * k3r + k4r)
    ib = min(db, max(b + h * rb, 0.0))
    ir = min(dr, max(r + h * rr, 0.0))
    return (
        ib,
        ir,
        max(b + h * rb - ib, 0.0),
        max(r + h * rr - ir, 0.0),
        b + h * rb - db,
        r + h * rr - dr,
    )
