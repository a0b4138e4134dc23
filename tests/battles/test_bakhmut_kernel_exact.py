"""The Bakhmut kernel's short-cuts give the very bits of the straightforward formulas.

The calibration's results (particles, weights, log evidence) are published and must not move
when the kernel is made faster, so every short-cut in :func:`attrition.battles.bakhmut.model.field`
is exact: ``_pow`` skips the library ``pow`` only where IEEE fixes the result (``x ** 1``,
``x ** 0``, ``1 ** e``) and ``_softplus_pair`` computes the log term of two opposite differences
once. Here the field compiled with them is compared, bit for bit, with the same field compiled
with the plain forms (``x ** e`` and one smooth positive part per call) on states of real runs,
for every law and for exponents that are not 0 or 1.
"""

from __future__ import annotations

import functools
import math
import types

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from attrition.battles import bakhmut as bk  # noqa: E402
from attrition.battles.bakhmut import model as bm  # noqa: E402
from attrition.battles.bakhmut.axes import PHASE_GROUP  # noqa: E402


@numba.extending.register_jitable(inline="always")
def _plain_pow(x: float, e: float) -> float:
    return x**e


@numba.extending.register_jitable(inline="always")
def _plain_softplus(x: float, w: float) -> float:
    return max(x, 0.0) + w * math.log1p(math.exp(-abs(x) / w))


@numba.extending.register_jitable(inline="always")
def _plain_pair(a: float, b: float, w: float) -> tuple[float, float]:
    return _plain_softplus(a, w), _plain_softplus(b, w)


@numba.njit
def _lib_pow(x: np.ndarray, e: float) -> np.ndarray:
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = _plain_pow(x[i], e)
    return out


@numba.njit
def _short_pow(x: np.ndarray, e: float) -> np.ndarray:
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = bm._pow(x[i], e)
    return out


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit (any NaN equals any NaN: payloads are not results)."""
    nan = np.isnan(a)
    return bool(np.array_equal(nan, np.isnan(b)) and np.array_equal(
        a[~nan].view(np.uint64), b[~nan].view(np.uint64)
    ))  # fmt: skip


def test_pow_short_cut_is_the_library_pow() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([
        rng.lognormal(0.0, 4.0, 4000), -rng.lognormal(0.0, 2.0, 500),
        2.0 ** np.arange(-1074, 1024, dtype=float), -(2.0 ** np.arange(-20, 20, dtype=float)),
        np.nextafter(1.0, [0.0, 2.0]),
        [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 5e-324, np.finfo(float).max],
    ])  # fmt: skip
    for e in (1.0, 0.0, -0.0, 0.5, 2.0, -1.0, 3.0, 0.37, np.nan, np.inf, *rng.normal(0, 2, 5)):
        assert _same_bits(_short_pow(x, e), _lib_pow(x, e)), e


@functools.cache
def _reference_field() -> object:
    """:func:`field` compiled with the plain forms in place of the short-cuts."""
    glb = {**vars(bm), "_pow": _plain_pow, "_softplus_pair": _plain_pair}
    f = bm.field
    plain = types.FunctionType(f.__code__, glb, "field_plain", f.__defaults__, f.__closure__)
    return numba.njit(plain)


def _states(law: str, n: int) -> tuple[bk.BakhmutModel, object, bk.BakhmutRuns]:
    rng = np.random.default_rng(3)
    params = {p.name: np.asarray(p.value(rng.normal(p.loc, 1.5 * p.scale, n))) for p in bk.PARAMS}
    model = bk.BakhmutModel(law, bk.record_schedule())
    prep = model.prepare(params)
    return model, prep, bk.simulate(model, prep)


@pytest.mark.parametrize("law", bk.BAKHMUT_LAWS)
@pytest.mark.parametrize("exponents", [None, (0.5, 1.7)])
def test_field_with_short_cuts_equals_the_plain_field(
    law: str, exponents: tuple[float, float] | None
) -> None:
    fast, plain = bm.field_function(), _reference_field()
    model, prep, runs = _states(law, 40)
    sch = model.daily_schedule
    sc, geo, consts = model.kernel_inputs(prep)
    if exponents is not None:  # the library pow path too
        consts = consts.copy()
        consts[0], consts[1] = exponents
    days = np.linspace(0, runs.strength.shape[1] - 2, 60).astype(int)
    checked = 0
    for i in range(prep.n):
        for d in days:
            y = np.concatenate([runs.strength[i, d], runs.fronts[i, d]])
            ph = int(sch.phase[d])
            grp = PHASE_GROUP[ph]
            k = int(sch.supply_param[d])
            s = float(prep.supply[i, k] if k >= 0 else sch.supply_level[d])
            args = (
                np.maximum(y[:4], 0.0), y, float(prep.theta[i, ph]), s,
                np.ascontiguousarray(prep.share[i, ph]), float(prep.rr_target[i, grp]),
                float(prep.ua_target[i, grp]), sc[i], bool(sch.withdrawn[d]),
                bool(sch.offensive[d]), bool(sch.recruiting[d]), sch.present[d],
                sch.departing[d], geo, consts,
            )  # fmt: skip
            outs = []
            for f in (fast, plain):
                o = [np.zeros(m) for m in (4, 4, 4, 3, 3, 2, 4)]
                f(*args, *o)
                outs.append(np.concatenate(o))
            assert _same_bits(outs[0], outs[1]), (law, i, int(d))
            checked += 1
    assert checked == prep.n * days.size
