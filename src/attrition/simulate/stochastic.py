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
from math import lgamma
from typing import Any

import numpy as np

from attrition.errors import UserError

STOCHASTIC_METHODS: tuple[str, ...] = ("ssa", "tau-leap", "binomial")

# Stop-reason codes shared by every engine; names are filled in with the side names.
REASON_CODES: tuple[str, ...] = (
    "end",
    "annihilation:{0}",
    "annihilation:{1}",
    "breakpoint:{0}",
    "breakpoint:{1}",
)

_M32 = 0xFFFFFFFF
_INIT_A = 0x43B0D7E5
_MULT_A = 0x931E8875
_INIT_B = 0x8B51F9DD
_MULT_B = 0x58F38DED
_MIX_L = 0xCA01F9DD
_MIX_R = 0x4973F715


def _words32(value: int) -> list[int]:
    """NumPy's ``_coerce_to_uint32_array`` for one non-negative int (little-endian words)."""
    if value < 0:
        raise UserError(f"seed must be >= 0, got {value}")
    out = [value & _M32]
    value >>= 32
    while value:
        out.append(value & _M32)
        value >>= 32
    return out


def _hashmix(value: int, hc: list[int]) -> int:
    value = (value ^ hc[0]) & _M32
    hc[0] = (hc[0] * _MULT_A) & _M32
    value = (value * hc[0]) & _M32
    return value ^ (value >> 16)


def _mix(x: int, y: int) -> int:
    res = (_MIX_L * x - _MIX_R * y) & _M32
    return res ^ (res >> 16)


def seed_pool(seed: int, spawn_prefix: Sequence[int] = (1,)) -> np.ndarray:
    """Entropy pool of ``SeedSequence(seed, spawn_key=spawn_prefix + (i,))`` before mixing ``i``.

    The kernels finish the hash for each run index ``i`` (< 2**32), so run ``i`` is seeded with
    exactly ``SeedSequence(seed).spawn(...)`` child ``(*spawn_prefix, i)``'s
    ``generate_state(4, uint64)``. The ensemble uses ``spawn_prefix=(1,)``: the children of the
    second child of the root (the first child seeds the uncertain parameters).

    Returns:
        ``uint64`` array of 5 words: the 4 pool words and the running hash constant.
    """
    entropy = _words32(int(seed))
    key: list[int] = []
    for k in spawn_prefix:
        key += _words32(int(k))
    if len(entropy) < 4:
        entropy += [0] * (4 - len(entropy))
    words = entropy + key
    hc = [_INIT_A]
    pool = [_hashmix(words[i], hc) for i in range(4)]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = _mix(pool[dst], _hashmix(pool[src], hc))
    for src in range(4, len(words)):
        for dst in range(4):
            pool[dst] = _mix(pool[dst], _hashmix(words[src], hc))
    return np.array([*pool, hc[0]], dtype=np.uint64)


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


try:
    from numba import njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - numba is a core dependency
    HAVE_NUMBA = False

    def njit(*args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]
        """Stand-in when Numba is missing: the engines refuse to run (see _need_numba)."""
        return lambda f: f


_U64 = np.uint64
_M32U = np.uint64(_M32)
_S16 = np.uint64(16)


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


def _need_numba() -> None:
    if not HAVE_NUMBA:  # pragma: no cover - numba is a core dependency
        raise UserError("the stochastic engines need numba; install it with: pip install numba")


@njit(cache=True, inline="always")  # type: ignore[misc]
def _nb_hashmix(value: Any, hc: Any) -> Any:
    value = (value ^ hc) & _M32U
    hc = (hc * _U64(_MULT_A)) & _M32U
    value = (value * hc) & _M32U
    return value ^ (value >> _S16), hc


@njit(cache=True, inline="always")  # type: ignore[misc]
def _nb_mix(x: Any, y: Any) -> Any:
    res = (_U64(_MIX_L) * x - _U64(_MIX_R) * y) & _M32U
    return res ^ (res >> _S16)


@njit(cache=True)  # type: ignore[misc]
def _seed_run(pool: Any, idx: Any, st: Any, row: int) -> None:
    """xoshiro256** state of run ``idx``: SeedSequence child's generate_state(4, uint64)."""
    p0, p1, p2, p3, hc = pool[0], pool[1], pool[2], pool[3], pool[4]
    word = _U64(idx) & _M32U
    h, hc = _nb_hashmix(word, hc)
    p0 = _nb_mix(p0, h)
    h, hc = _nb_hashmix(word, hc)
    p1 = _nb_mix(p1, h)
    h, hc = _nb_hashmix(word, hc)
    p2 = _nb_mix(p2, h)
    h, hc = _nb_hashmix(word, hc)
    p3 = _nb_mix(p3, h)
    hb = _U64(_INIT_B)
    lo = _U64(0)
    for k in range(8):
        j = k % 4
        v = p0 if j == 0 else (p1 if j == 1 else (p2 if j == 2 else p3))
        v = (v ^ hb) & _M32U
        hb = (hb * _U64(_MULT_B)) & _M32U
        v = (v * hb) & _M32U
        v = v ^ (v >> _S16)
        if k % 2 == 0:
            lo = v
        else:
            st[row, k // 2] = lo | (v << _U64(32))


@njit(cache=True, inline="always")  # type: ignore[misc]
def _rotl(x: Any, k: int) -> Any:
    return (x << _U64(k)) | (x >> _U64(64 - k))


@njit(cache=True, inline="always")  # type: ignore[misc]
def _uniform(st: Any, i: int) -> float:
    """Uniform on [0, 1) from xoshiro256** (53 bits)."""
    s0, s1, s2, s3 = st[i, 0], st[i, 1], st[i, 2], st[i, 3]
    res = _rotl(s1 * _U64(5), 7) * _U64(9)
    t = s1 << _U64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    st[i, 0], st[i, 1], st[i, 2], st[i, 3] = s0, s1, s2, s3
    return float(res >> _U64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, inline="always")  # type: ignore[misc]
def _exponential(st: Any, i: int) -> float:
    return float(-np.log(1.0 - _uniform(st, i)))


@njit(cache=True, inline="always")  # type: ignore[misc]
def _lfact(lf: Any, k: float) -> float:
    """log(k!) from the table ``lf`` (lgamma beyond it)."""
    if k < lf.shape[0]:
        return lf[int(k)]  # type: ignore[no-any-return]
    return lgamma(k + 1.0)


@njit(cache=True)  # type: ignore[misc]
def _poisson(st: Any, i: int, lam: float, lf: Any) -> float:
    """Poisson draw: multiplication method below 10, PTRS (Hörmann 1993) above."""
    if lam <= 0.0:
        return 0.0
    if lam < 10.0:
        enlam = np.exp(-lam)
        x = 0.0
        prod = 1.0
        while True:
            prod *= _uniform(st, i)
            if prod > enlam:
                x += 1.0
            else:
                return x
    b = 0.931 + 2.53 * np.sqrt(lam)
    a = -0.059 + 0.02483 * b
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = _uniform(st, i) - 0.5
        v = _uniform(st, i)
        us = 0.5 - abs(u)
        k = np.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:  # the quick acceptance (about 86% of draws)
            return float(k)
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        if np.log(v) + np.log(invalpha) - np.log(a / (us * us) + b) <= (
            -lam + k * np.log(lam) - _lfact(lf, k)
        ):
            return float(k)


@njit(cache=True)  # type: ignore[misc]
def _binomial(st: Any, i: int, n: float, p: float, lf: Any) -> float:
    """Binomial(n, p) draw: inversion when n·min(p, 1−p) < 10, BTRS (Hörmann 1993) above."""
    if n <= 0.0 or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return n
    flip = p > 0.5
    pp = 1.0 - p if flip else p
    if n * pp < 10.0:
        q = 1.0 - pp
        s = pp / q
        a = (n + 1.0) * s
        while True:
            r = np.exp(n * np.log1p(-pp))
            u = _uniform(st, i)
            x = 0.0
            ok = True
            while u > r:
                u -= r
                x += 1.0
                if x > n:
                    ok = False
                    break
                r *= a / x - s
            if ok:
                return n - x if flip else x
    spq = np.sqrt(n * pp * (1.0 - pp))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * pp
    c = n * pp + 0.5
    vr = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    lpq = np.log(pp / (1.0 - pp))
    m = np.floor((n + 1.0) * pp)
    h = _lfact(lf, m) + _lfact(lf, n - m)
    while True:
        u = _uniform(st, i) - 0.5
        v = _uniform(st, i)
        us = 0.5 - abs(u)
        k = np.floor((2.0 * a / us + b) * u + c)
        if k < 0.0 or k > n:
            continue
        if us >= 0.07 and v <= vr:
            return float(n - k if flip else k)
        v = np.log(v * alpha / (a / (us * us) + b))
        if v <= h - _lfact(lf, k) - _lfact(lf, n - k) + (k - m) * lpq:
            return float(n - k if flip else k)


@njit(cache=True, inline="always")  # type: ignore[misc]
def _pw(x: float, e: float) -> float:
    """``x**e`` with fast paths for the exponents of the named laws."""
    if e == 1.0:
        return x
    if e == 0.0:
        return 1.0
    if e == 2.0:
        return x * x
    return x**e  # type: ignore[no-any-return]


@njit(cache=True, inline="always")  # type: ignore[misc]
def _props(b: float, r: float, c0: float, c1: float, p0: float, p1: float, q0: float,
          q1: float) -> tuple[float, float]:  # fmt: skip
    """(blue loss, red loss) propensities: the law of loss_rates with guard_empty."""
    lb = c1 * _pw(r, p1) * _pw(b, q1) if b > 0.0 else 0.0
    lr = c0 * _pw(b, p0) * _pw(r, q0) if r > 0.0 else 0.0
    return lb, lr


@njit(cache=True, inline="always")  # type: ignore[misc]
def _clamped_loss(b: float, r: float, c0: float, c1: float, p0: float, p1: float, q0: float,
                  q1: float) -> tuple[float, float]:  # fmt: skip
    """Loss rates of (blue, red) with strengths clamped at 0 and no empty guard (rk4's
    ``guard_empty=False``): the ODE ensemble's field, and the rates at a predicted midpoint of
    tau-leap and binomial steps (a target the prediction empties is still being fired at;
    callers apply them to sides that have troops)."""
    bb = b if b > 0.0 else 0.0
    rr = r if r > 0.0 else 0.0
    return c1 * _pw(rr, p1) * _pw(bb, q1), c0 * _pw(bb, p0) * _pw(rr, q0)


@njit(cache=True, inline="always")  # type: ignore[misc]
def _check(b: float, r: float, cb: float, cr: float, ann: bool, level: float, bp0: float,
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
        a1, a2 = _props(b, r, c0, c1, p0, p1, q0, q1)
        a3 = rin_b if rin_b > 0.0 else (-rin_b if b > 0.0 else 0.0)
        a4 = rin_r if rin_r > 0.0 else (-rin_r if r > 0.0 else 0.0)
        a0 = a1 + a2 + a3 + a4
        if a0 <= 0.0:
            return b, r, lb, lr, cb, cr, t_end, 0
        t += _exponential(st, i) / a0
        if t >= t_end:
            return b, r, lb, lr, cb, cr, t_end, 0
        u = _uniform(st, i) * a0
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
        code = _check(b, r, cb, cr, ann, level, bp0, bp1)
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
    _seed_run(pool, start + i, st, i)
    c0, c1 = coef[i, 0], coef[i, 1]
    b = max(y0[i, 0] + imps[0, 0], 0.0)
    r = max(y0[i, 1] + imps[0, 1], 0.0)
    cb, cr = b, r
    lb = 0.0
    lr = 0.0
    code = _check(b, r, cb, cr, ann, level, bp0, bp1)
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
                a1, a2 = _props(b, r, c0, c1, p0, p1, q0, q1)
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
                    m1, m2 = _clamped_loss(
                        b + 0.5 * tau * mu_b, r + 0.5 * tau * mu_r, c0, c1, p0, p1, q0, q1
                    )
                    m1 = m1 if b > 0.0 else 0.0
                    m2 = m2 if r > 0.0 else 0.0
                    k1 = _poisson(st, i, m1 * tau, lf)
                    k2 = _poisson(st, i, m2 * tau, lf)
                    k3 = _poisson(st, i, a3 * tau, lf)
                    k4 = _poisson(st, i, a4 * tau, lf)
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
                code = _check(b, r, cb, cr, ann, level, bp0, bp1)
        else:
            for s in range(substeps):  # seg_end is day + 1 for this engine
                a1, a2 = _props(b, r, c0, c1, p0, p1, q0, q1)
                # loss rates at the deterministic midpoint of the step: the mean
                # losses are second-order accurate; each soldier present is lost with
                # probability h * rate / strength (capped at 1), never more than are there
                m1, m2 = _clamped_loss(
                    b + 0.5 * h * (rin_b - a1), r + 0.5 * h * (rin_r - a2), c0, c1, p0, p1, q0, q1
                )
                k1 = (
                    _binomial(st, i, b, min(h * m1 / b, 1.0), lf) if (m1 > 0.0 and b > 0.0) else 0.0
                )
                k2 = (
                    _binomial(st, i, r, min(h * m2 / r, 1.0), lf) if (m2 > 0.0 and r > 0.0) else 0.0
                )
                b -= k1
                r -= k2
                lb += k1
                lr += k2
                if rin_b > 0.0:
                    k = _poisson(st, i, rin_b * h, lf)
                    b += k
                    cb += k
                elif rin_b < 0.0:
                    k = min(_poisson(st, i, -rin_b * h, lf), b)
                    b -= k
                    cb -= k
                if rin_r > 0.0:
                    k = _poisson(st, i, rin_r * h, lf)
                    r += k
                    cr += k
                elif rin_r < 0.0:
                    k = min(_poisson(st, i, -rin_r * h, lf), r)
                    r -= k
                    cr -= k
                t = t_end if s == substeps - 1 else day + (s + 1) * h
                code = _check(b, r, cb, cr, ann, level, bp0, bp1)
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
        code = _check(b, r, cb, cr, ann, level, bp0, bp1)
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


@njit(cache=True)  # type: ignore[misc]
def _sample_poisson(pool: Any, lam: Any, lf: Any) -> Any:
    st = np.empty((1, 4), dtype=np.uint64)
    _seed_run(pool, 0, st, 0)
    out = np.empty(lam.shape[0])
    for k in range(lam.shape[0]):
        out[k] = _poisson(st, 0, lam[k], lf)
    return out


@njit(cache=True)  # type: ignore[misc]
def _sample_binomial(pool: Any, n: Any, p: Any, lf: Any) -> Any:
    st = np.empty((1, 4), dtype=np.uint64)
    _seed_run(pool, 0, st, 0)
    out = np.empty(n.shape[0])
    for k in range(n.shape[0]):
        out[k] = _binomial(st, 0, n[k], p[k], lf)
    return out


@njit(cache=True)  # type: ignore[misc]
def _run_states(pool: Any, start: int, n: int) -> Any:
    st = np.empty((n, 4), dtype=np.uint64)
    for k in range(n):
        _seed_run(pool, start + k, st, k)
    return st


_KERNELS = {
    "kernel": _kernel,
    "poisson": _sample_poisson,
    "binomial": _sample_binomial,
    "states": _run_states,
}


def _kernels() -> dict[str, Any]:
    _need_numba()
    return _KERNELS


_LOG_FACT: np.ndarray | None = None


def _log_factorials(size: int = 1 << 17) -> np.ndarray:
    """Table of log(k!) for k < ``size`` (the samplers fall back to lgamma beyond it)."""
    global _LOG_FACT
    if _LOG_FACT is None:
        from scipy.special import gammaln

        _LOG_FACT = gammaln(np.arange(size, dtype=float) + 1.0)
    return _LOG_FACT


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


def run_states(seed: int, start: int, n: int, spawn_prefix: Sequence[int] = (1,)) -> np.ndarray:
    """xoshiro256** states of runs ``start .. start + n − 1``, shape ``(n, 4)`` uint64.

    Row ``k`` equals ``SeedSequence(seed, spawn_key=(*spawn_prefix, start + k))
    .generate_state(4, np.uint64)``.
    """
    out: np.ndarray = _kernels()["states"](seed_pool(seed, spawn_prefix), int(start), int(n))
    return out


def sample_poisson(lam: np.ndarray, seed: int = 0) -> np.ndarray:
    """Draws of the kernels' Poisson sampler (one stream, for testing), one per ``lam``."""
    out: np.ndarray = _kernels()["poisson"](
        seed_pool(seed, (2,)), np.asarray(lam, float), _log_factorials()
    )
    return out


def sample_binomial(n: np.ndarray, p: np.ndarray, seed: int = 0) -> np.ndarray:
    """Draws of the kernels' binomial sampler (one stream, for testing)."""
    nn, pp = np.broadcast_arrays(np.asarray(n, float), np.asarray(p, float))
    out: np.ndarray = _kernels()["binomial"](
        seed_pool(seed, (3,)), np.ascontiguousarray(nn), np.ascontiguousarray(pp), _log_factorials()
    )
    return out


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
        _log_factorials(), np.empty((n, 4), dtype=np.uint64), final, losses, dur, reason, traj_s,
        traj_l,
    )  # fmt: skip
    if not trajectories:
        return RunArrays(final, losses, dur, reason)
    return RunArrays(final, losses, dur, reason, traj_s, traj_l)
