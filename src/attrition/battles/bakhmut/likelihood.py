"""The likelihood of the Bakhmut calibration.

Model quantities at the observations, censored and interval terms, the casualty block, the
prior and the posterior.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from attrition.battles.bakhmut.axes import DAYS
from attrition.battles.bakhmut.engine import BakhmutRuns, simulate
from attrition.battles.bakhmut.geometry import (
    city_fraction,
)
from attrition.battles.bakhmut.model import BakhmutModel
from attrition.battles.bakhmut.observations import QUANTITIES, Observation, Observations
from attrition.battles.bakhmut.params import PARAMS, ParamSpec
from attrition.errors import unknown_name
from attrition.infer.smc import gaussian_log_prior

OUTLIER_SHARE = 0.05
"""Prior share of statements the model cannot represent (robust likelihood floor)."""


def _supply_at(model: BakhmutModel, params: Mapping[str, np.ndarray], day: int) -> np.ndarray:
    sch = model.daily_schedule
    d = min(max(day, 0), len(sch.phase) - 1)
    k = int(sch.supply_param[d])
    if k >= 0:
        return np.asarray(params[f"supply_{k + 1}"], dtype=float)
    return np.full(np.shape(params["c_ru"]), float(sch.supply_level[d]))


def observation_values(
    obs: Observation,
    runs: BakhmutRuns,
    params: Mapping[str, np.ndarray],
    model: BakhmutModel,
) -> np.ndarray:
    """The model's value of an observed quantity, one per run."""
    return np.asarray(_value(obs, runs, params, model), dtype=float)


def _value(
    obs: Observation,
    runs: BakhmutRuns,
    params: Mapping[str, np.ndarray],
    model: BakhmutModel,
) -> Any:
    geo = model.schedule.geography
    d = min(max(obs.day, 0), runs.fronts.shape[1] - 1)
    q = obs.quantity
    if q == "front":
        return runs.fronts[:, d, obs.front]
    if q == "city":
        return np.asarray(city_fraction(runs.fronts[:, d, 1], geo))
    if q == "ru_strength":
        return runs.strength[:, d, :3].sum(axis=1)
    if q == "ua_strength":
        return runs.strength[:, d, 3]
    if q == "convicts_recruited":
        return np.asarray(params["wc_0"]) + runs.recruited[:, d]
    if q == "wagner_professionals_total":
        return np.asarray(params["wp_0"]) + runs.arrived_wp[:, d]
    if q == "supply":
        return _supply_at(model, params, d)
    adv = geo.popasna_distance - runs.fronts[:, d, 1]
    if q == "advance_total":
        return adv
    d0 = max(obs.day0, 0)
    ru = runs.side_losses[:, d, 0] - runs.side_losses[:, d0, 0]
    if q == "casualties_per_km":
        return ru / np.maximum(adv, 1e-6)
    if q == "cm_per_casualty":
        return 1e5 * adv / np.maximum(ru, 1e-6)
    rbar = 0.5 * (runs.fronts[:, :, 0] + runs.fronts[:, :, 2])
    if q == "ua_area_gain":
        return 0.5 * np.pi * (rbar[:, d] ** 2 - rbar[:, d0] ** 2)
    if q == "ua_arm_advance":
        return rbar[:, d] - rbar[:, d0]
    raise unknown_name("quantity", q, QUANTITIES)


def _transform(scale: str, x: Any) -> Any:
    if scale == "log":
        return np.log(np.maximum(x, 1e-9))
    if scale == "logit":
        p = np.clip(x, 1e-3, 1 - 1e-3)
        return np.log(p) - np.log1p(-p)
    return x


_QCODE = {q: k for k, q in enumerate(QUANTITIES)}


@dataclass(frozen=True)
class _Packed:
    """The observations as arrays, built once per observation set, for a likelihood
    vectorised over runs and observations (no Python loop over observations per call).

    ``day``/``day0`` are clipped below at 0 only (the run length clips them at evaluation);
    ``days_needed`` is the last day any term reads (simulating further changes nothing).
    """

    quantity: np.ndarray
    day: np.ndarray
    day0: np.ndarray
    front: np.ndarray
    groups: tuple[tuple[str, np.ndarray], ...]
    scale_log: np.ndarray
    scale_logit: np.ndarray
    point: np.ndarray
    t_low: np.ndarray
    t_high: np.ndarray
    has_low: np.ndarray
    has_high: np.ndarray
    sigma: np.ndarray
    weight: np.ndarray
    bounded: np.ndarray
    bound_low: np.ndarray
    bound_high: np.ndarray
    cas_a: np.ndarray
    cas_b: np.ndarray
    wagner: bool
    casualty_mean: np.ndarray
    casualty_prec: np.ndarray
    days_needed: int


def _pack(obs: Observations) -> _Packed:
    items = obs.items
    k = len(items)
    t_low = np.zeros(k)
    t_high = np.zeros(k)
    has_low = np.zeros(k, dtype=bool)
    has_high = np.zeros(k, dtype=bool)
    for i, o in enumerate(items):
        if math.isfinite(o.low):
            t_low[i] = float(_transform(o.scale, o.low))
            has_low[i] = True
        if math.isfinite(o.high):
            t_high[i] = float(_transform(o.scale, o.high))
            has_high[i] = True
    for o in items:
        if o.quantity not in _QCODE:
            raise unknown_name("quantity", o.quantity, QUANTITIES)
    day = np.array([max(o.day, 0) for o in items], dtype=np.int64)
    day0 = np.array([max(o.day0, 0) for o in items], dtype=np.int64)
    qs = [o.quantity for o in items]
    groups = tuple(
        (q, np.array([i for i, x in enumerate(qs) if x == q], dtype=np.int64))
        for q in QUANTITIES
        if q in qs
    )
    cas_a = np.array([a for a, _ in obs.casualty_periods], dtype=np.int64)
    cas_b = np.array([b for _, b in obs.casualty_periods], dtype=np.int64)
    reads = [0, *day.tolist(), *cas_a.tolist(), *cas_b.tolist()]
    reads += [int(day0[i]) for i, o in enumerate(items) if o.day0 >= 0]
    point = np.array([o.kind in ("value", "contested") for o in items], dtype=bool)
    return _Packed(
        quantity=np.array([_QCODE[q] for q in qs], dtype=np.int64),
        day=day,
        day0=day0,
        front=np.array([o.front for o in items], dtype=np.int64),
        groups=groups,
        scale_log=np.array([o.scale == "log" for o in items], dtype=bool),
        scale_logit=np.array([o.scale == "logit" for o in items], dtype=bool),
        point=point,
        t_low=t_low,
        t_high=t_high,
        has_low=has_low,
        has_high=has_high,
        sigma=np.array([o.sigma for o in items], dtype=float),
        weight=np.array([o.weight for o in items], dtype=float),
        bounded=np.flatnonzero(~point),
        bound_low=np.flatnonzero(~point & has_low),
        bound_high=np.flatnonzero(~point & has_high),
        cas_a=cas_a,
        cas_b=cas_b,
        wagner=bool(obs.wagner),
        casualty_mean=np.asarray(obs.casualty_mean, dtype=float),
        casualty_prec=np.asarray(obs.casualty_prec, dtype=float),
        days_needed=int(min(max(reads), DAYS)),
    )


def _casualty_loglik(pk: _Packed, runs: BakhmutRuns) -> np.ndarray:
    """The casualty block: a multivariate normal on log casualties per period (RU, UA and,
    when the evidence has it, Wagner), read at the period ends only."""
    if not pk.cas_a.size:
        return np.zeros(runs.n)
    lo = runs.losses
    a, b = pk.cas_a, pk.cas_b
    cols = [
        lo[:, b, :3].sum(axis=-1) - lo[:, a, :3].sum(axis=-1),
        lo[:, b, 3] - lo[:, a, 3],
    ]
    if pk.wagner:
        cols.append(lo[:, b, :2].sum(axis=-1) - lo[:, a, :2].sum(axis=-1))
    m = np.log(np.maximum(np.concatenate(cols, axis=1), 1.0))
    r = m - pk.casualty_mean
    return np.asarray(-0.5 * np.einsum("ni,ij,nj->n", r, pk.casualty_prec, r))


def _values(
    pk: _Packed, runs: BakhmutRuns, params: Mapping[str, np.ndarray], model: BakhmutModel
) -> np.ndarray:
    """(n, k) model value of every observed quantity for every run: one gather per quantity
    (the same arithmetic, element by element, as :func:`observation_values`)."""
    n = runs.n
    vals = np.empty((n, pk.quantity.size))
    last = runs.fronts.shape[1] - 1
    geo = model.schedule.geography
    for q, idx in pk.groups:
        d = np.minimum(pk.day[idx], last)
        d0 = pk.day0[idx]
        if q == "front":
            v = runs.fronts[:, d, pk.front[idx]]
        elif q == "city":
            v = city_fraction(runs.fronts[:, d, 1], geo)
        elif q == "ru_strength":
            v = runs.strength[:, d, :3].sum(axis=-1)
        elif q == "ua_strength":
            v = runs.strength[:, d, 3]
        elif q == "convicts_recruited":
            v = np.asarray(params["wc_0"])[:, None] + runs.recruited[:, d]
        elif q == "wagner_professionals_total":
            v = np.asarray(params["wp_0"])[:, None] + runs.arrived_wp[:, d]
        elif q == "supply":
            v = np.stack([_supply_at(model, params, int(x)) for x in d], axis=1)
        elif q in ("advance_total", "casualties_per_km", "cm_per_casualty"):
            adv = geo.popasna_distance - runs.fronts[:, d, 1]
            if q == "advance_total":
                v = adv
            else:
                lo = runs.losses
                ru = lo[:, d, :3].sum(axis=-1) - lo[:, d0, :3].sum(axis=-1)
                if q == "casualties_per_km":
                    v = ru / np.maximum(adv, 1e-6)
                else:
                    v = 1e5 * adv / np.maximum(ru, 1e-6)
        elif q in ("ua_area_gain", "ua_arm_advance"):
            f = runs.fronts
            r1 = 0.5 * (f[:, d, 0] + f[:, d, 2])
            r0 = 0.5 * (f[:, d0, 0] + f[:, d0, 2])
            v = 0.5 * np.pi * (r1**2 - r0**2) if q == "ua_area_gain" else r1 - r0
        else:  # pragma: no cover - _pack refuses unknown quantities
            raise unknown_name("quantity", q, QUANTITIES)
        vals[:, idx] = np.broadcast_to(np.asarray(v, dtype=float), (n, idx.size))
    return vals


def _items_terms(pk: _Packed, vals: np.ndarray) -> np.ndarray:
    """(n, k) robust log-likelihood of every item given the model's values ``vals``."""
    from scipy.special import log_ndtr

    t = np.where(pk.scale_log, np.log(np.maximum(vals, 1e-9)), vals)
    p = np.clip(vals, 1e-3, 1 - 1e-3)
    t = np.where(pk.scale_logit, np.log(p) - np.log1p(-p), t)
    z_low = (t - pk.t_low) / pk.sigma
    ll = -0.5 * z_low**2  # values and contested statements; bounds below, column by column
    lo_cols, hi_cols = pk.bound_low, pk.bound_high
    if lo_cols.size or hi_cols.size:
        bounded = np.zeros_like(ll)
        bounded[:, lo_cols] = log_ndtr(z_low[:, lo_cols])
        bounded[:, hi_cols] += log_ndtr((pk.t_high[hi_cols] - t[:, hi_cols]) / pk.sigma[hi_cols])
        ll[:, pk.bounded] = bounded[:, pk.bounded]
    # robust: a mixture with an 'outlier' component, so one statement the model's geometry
    # cannot represent costs at most -log(OUTLIER_SHARE)
    return np.asarray(np.logaddexp(np.log1p(-OUTLIER_SHARE) + ll, np.log(OUTLIER_SHARE)))


def _items_loglik(
    obs: Observations,
    runs: BakhmutRuns,
    params: Mapping[str, np.ndarray],
    model: BakhmutModel,
) -> np.ndarray:
    """(n, k) robust log-likelihood of every item for every run."""
    pk = _pack(obs)
    return _items_terms(pk, _values(pk, runs, params, model))


class BakhmutLikelihood:
    """The log-likelihood of one model and one observation set, packed once.

    Calling it with per-run parameters (``{name: (n,) array}``) simulates the deterministic
    map up to the last day any observation reads (the kernel is causal, so the values read
    are those of the full window) and returns the ``(n,)`` log-likelihoods; non-finite values
    become ``-1e12``. The runs are split into blocks of rows, one per thread (``threads``:
    ``True`` one per CPU, or a number), each simulated and scored in its own thread (the
    kernel and NumPy release the GIL); every row's result is computed alone, so it does not
    depend on the split. :func:`log_likelihood` is the one-call form.
    """

    def __init__(
        self, model: BakhmutModel, obs: Observations, *, threads: bool | int = True
    ) -> None:
        self.model = model
        self.observations = obs
        self.threads = threads
        self._pk = _pack(obs)

    @property
    def days(self) -> int:
        """Days simulated per evaluation (the last day the likelihood reads, at least 1)."""
        return max(self._pk.days_needed, 1)

    def runs(self, params: Mapping[str, np.ndarray]) -> BakhmutRuns:
        """The deterministic runs the likelihood reads (up to :attr:`days`)."""
        return simulate(self.model, params, days=self.days, threads=self.threads)

    def _block(self, params: Mapping[str, np.ndarray]) -> np.ndarray:
        runs = simulate(self.model, params, days=self.days, threads=1)
        total = _casualty_loglik(self._pk, runs)
        if self._pk.quantity.size:
            terms = _items_terms(self._pk, _values(self._pk, runs, params, self.model))
            # a row-by-row sum (not a BLAS product, whose rounding depends on the row's place
            # in the block): every run's value is the same whatever the split into blocks
            total = total + np.sum(terms * self._pk.weight, axis=1)
        return np.asarray(np.where(np.isfinite(total), total, -1e12))

    def __call__(self, params: Mapping[str, np.ndarray]) -> np.ndarray:
        from attrition.simulate.stochastic import n_threads

        arrs = {name: np.asarray(v) for name, v in params.items()}
        n = max((int(a.shape[0]) for a in arrs.values() if a.ndim), default=1)
        k = min(n_threads(self.threads), n // _MIN_ROWS_PER_THREAD)
        if k <= 1:
            return self._block(params)
        from concurrent.futures import ThreadPoolExecutor

        edges = [n * j // k for j in range(k + 1)]
        blocks = [
            {name: v[a:b] if v.ndim else v for name, v in arrs.items()}
            for a, b in itertools.pairwise(edges)
        ]
        with ThreadPoolExecutor(max_workers=k) as pool:
            return np.concatenate(list(pool.map(self._block, blocks)))


_MIN_ROWS_PER_THREAD = 64
"""Smaller batches are scored in one thread (starting threads would cost more than they
save)."""


def log_likelihood(
    model: BakhmutModel, obs: Observations, params: Mapping[str, np.ndarray]
) -> np.ndarray:
    """Log-likelihood of every parameter set (one per run) given the observations (see
    :class:`BakhmutLikelihood`, which packs the observations once for repeated calls)."""
    return BakhmutLikelihood(model, obs)(params)


def log_prior(free: Sequence[ParamSpec], z: np.ndarray) -> np.ndarray:
    """Log prior density (up to a constant) of unconstrained values ``z`` (batch, n_free)."""
    loc = np.array([p.loc for p in free])
    scale = np.array([p.scale for p in free])
    return gaussian_log_prior(z, loc, scale)


def _params_from_z(
    free: Sequence[ParamSpec], z: np.ndarray, fixed: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    n = z.shape[0]
    out: dict[str, np.ndarray] = {}
    for p in PARAMS:
        if p.name in fixed:
            v = np.asarray(fixed[p.name], dtype=float)
            out[p.name] = np.broadcast_to(v, (n,)) if v.ndim == 0 else v
    for j, p in enumerate(free):
        out[p.name] = np.asarray(p.value(z[:, j]), dtype=float)
    return out


def log_posterior(
    model: BakhmutModel,
    obs: Observations,
    free: Sequence[ParamSpec],
    z: np.ndarray,
    fixed: Mapping[str, np.ndarray],
) -> np.ndarray:
    """Unnormalised log posterior of a batch of unconstrained values ``z`` (batch, n_free)."""
    z = np.atleast_2d(z)
    params = _params_from_z(free, z, fixed)
    return np.asarray(log_likelihood(model, obs, params) + log_prior(free, z))


def band_covers(o: Observation, lo: float, hi: float) -> bool:
    """Whether the 90% band ``[lo, hi]`` meets what the observation asserts."""
    if o.kind in ("value",):
        return lo <= o.low <= hi
    if o.kind == "contested":
        return lo <= o.low + o.sigma and hi >= o.low - o.sigma
    a = o.low if math.isfinite(o.low) else -math.inf
    b = o.high if math.isfinite(o.high) else math.inf
    return lo <= b and hi >= a


def statement_holds(o: Observation, m: np.ndarray) -> np.ndarray:
    """Whether each model value ``m`` satisfies what ``o`` states (a value: within its 90%
    noise band; contested: within its spread; bounds: inside them)."""
    if o.kind == "value":
        s = o.sigma
        v = _transform(o.scale, o.low)
        return np.asarray(np.abs(_transform(o.scale, m) - v) <= 1.645 * s)
    if o.kind == "contested":
        return np.asarray(np.abs(m - o.low) <= o.sigma)
    ok = np.ones(m.shape, dtype=bool)
    if math.isfinite(o.low):
        ok &= m >= o.low
    if math.isfinite(o.high):
        ok &= m <= o.high
    return ok
