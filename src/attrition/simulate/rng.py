"""Reproducible random numbers for the Numba engines: SeedSequence-exact run seeding and samplers.

Run ``i`` of an ensemble seeded with ``seed`` draws from xoshiro256** seeded with
``numpy.random.SeedSequence(seed).spawn(...)``'s child ``i`` (see :func:`seed_pool`); the kernels
finish NumPy's SeedSequence hash themselves (:func:`seed_run`), so a run's stream does not depend on
chunking, threads or executors. :func:`uniform`, :func:`exponential`, :func:`poisson` and
:func:`binomial` are Numba device functions (call them from jitted code with a state array ``st``
of shape ``(runs, 4)`` and the row ``i``); :func:`sample_poisson`, :func:`sample_binomial` and
:func:`run_states` expose them to Python for testing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import lgamma
from typing import Any

import numpy as np

from attrition.errors import UserError

__all__ = [
    "HAVE_NUMBA",
    "binomial",
    "exponential",
    "log_factorials",
    "need_numba",
    "njit",
    "poisson",
    "run_states",
    "sample_binomial",
    "sample_poisson",
    "seed_pool",
    "seed_run",
    "uniform",
]

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


try:
    from numba import njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - numba is a core dependency
    HAVE_NUMBA = False

    def njit(*args: Any, **kwargs: Any) -> Any:  # type: ignore[no-redef]
        """Stand-in when Numba is missing: the engines refuse to run (see need_numba)."""
        return lambda f: f


_U64 = np.uint64
_M32U = np.uint64(_M32)
_S16 = np.uint64(16)


def need_numba() -> None:
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
def seed_run(pool: Any, idx: Any, st: Any, row: int) -> None:
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
def uniform(st: Any, i: int) -> float:
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
def exponential(st: Any, i: int) -> float:
    return float(-np.log(1.0 - uniform(st, i)))


@njit(cache=True, inline="always")  # type: ignore[misc]
def _lfact(lf: Any, k: float) -> float:
    """log(k!) from the table ``lf`` (lgamma beyond it)."""
    if k < lf.shape[0]:
        return lf[int(k)]  # type: ignore[no-any-return]
    return lgamma(k + 1.0)


@njit(cache=True)  # type: ignore[misc]
def poisson(st: Any, i: int, lam: float, lf: Any) -> float:
    """Poisson draw: multiplication method below 10, PTRS (Hörmann 1993) above."""
    if lam <= 0.0:
        return 0.0
    if lam < 10.0:
        enlam = np.exp(-lam)
        x = 0.0
        prod = 1.0
        while True:
            prod *= uniform(st, i)
            if prod > enlam:
                x += 1.0
            else:
                return x
    b = 0.931 + 2.53 * np.sqrt(lam)
    a = -0.059 + 0.02483 * b
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(st, i) - 0.5
        v = uniform(st, i)
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
def binomial(st: Any, i: int, n: float, p: float, lf: Any) -> float:
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
            u = uniform(st, i)
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
        u = uniform(st, i) - 0.5
        v = uniform(st, i)
        us = 0.5 - abs(u)
        k = np.floor((2.0 * a / us + b) * u + c)
        if k < 0.0 or k > n:
            continue
        if us >= 0.07 and v <= vr:
            return float(n - k if flip else k)
        v = np.log(v * alpha / (a / (us * us) + b))
        if v <= h - _lfact(lf, k) - _lfact(lf, n - k) + (k - m) * lpq:
            return float(n - k if flip else k)


@njit(cache=True)  # type: ignore[misc]
def _sample_poisson_kernel(pool: Any, lam: Any, lf: Any) -> Any:
    st = np.empty((1, 4), dtype=np.uint64)
    seed_run(pool, 0, st, 0)
    out = np.empty(lam.shape[0])
    for k in range(lam.shape[0]):
        out[k] = poisson(st, 0, lam[k], lf)
    return out


@njit(cache=True)  # type: ignore[misc]
def _sample_binomial_kernel(pool: Any, n: Any, p: Any, lf: Any) -> Any:
    st = np.empty((1, 4), dtype=np.uint64)
    seed_run(pool, 0, st, 0)
    out = np.empty(n.shape[0])
    for k in range(n.shape[0]):
        out[k] = binomial(st, 0, n[k], p[k], lf)
    return out


@njit(cache=True)  # type: ignore[misc]
def _run_states_kernel(pool: Any, start: int, n: int) -> Any:
    st = np.empty((n, 4), dtype=np.uint64)
    for k in range(n):
        seed_run(pool, start + k, st, k)
    return st


_LOG_FACT: np.ndarray | None = None


def log_factorials(size: int = 1 << 17) -> np.ndarray:
    """Table of log(k!) for k < ``size`` (the samplers fall back to lgamma beyond it)."""
    global _LOG_FACT
    if _LOG_FACT is None:
        from scipy.special import gammaln

        _LOG_FACT = gammaln(np.arange(size, dtype=float) + 1.0)
    return _LOG_FACT


def run_states(seed: int, start: int, n: int, spawn_prefix: Sequence[int] = (1,)) -> np.ndarray:
    """xoshiro256** states of runs ``start .. start + n − 1``, shape ``(n, 4)`` uint64.

    Row ``k`` equals ``SeedSequence(seed, spawn_key=(*spawn_prefix, start + k))
    .generate_state(4, np.uint64)``.
    """
    out: np.ndarray = _k(_run_states_kernel)(seed_pool(seed, spawn_prefix), int(start), int(n))
    return out


def sample_poisson(lam: np.ndarray, seed: int = 0) -> np.ndarray:
    """Draws of the kernels' Poisson sampler (one stream, for testing), one per ``lam``."""
    out: np.ndarray = _k(_sample_poisson_kernel)(
        seed_pool(seed, (2,)), np.asarray(lam, float), log_factorials()
    )
    return out


def sample_binomial(n: np.ndarray, p: np.ndarray, seed: int = 0) -> np.ndarray:
    """Draws of the kernels' binomial sampler (one stream, for testing)."""
    nn, pp = np.broadcast_arrays(np.asarray(n, float), np.asarray(p, float))
    out: np.ndarray = _k(_sample_binomial_kernel)(
        seed_pool(seed, (3,)), np.ascontiguousarray(nn), np.ascontiguousarray(pp), log_factorials()
    )
    return out


def _k(kernel: Callable[..., Any]) -> Callable[..., Any]:
    need_numba()
    return kernel
