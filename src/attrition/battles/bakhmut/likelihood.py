"""The likelihood of the Bakhmut calibration.

Model quantities at the observations, censored and interval terms, the casualty block, the
prior and the posterior.
"""

from __future__ import annotations

import functools
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


def _casualty_loglik(obs: Observations, runs: BakhmutRuns) -> np.ndarray:
    if not obs.casualty_periods:
        return np.zeros(runs.n)
    sl = runs.side_losses
    cols = []
    for side in (0, 1):
        for a, b in obs.casualty_periods:
            cols.append(sl[:, b, side] - sl[:, a, side])
    if obs.wagner:
        wl = runs.losses[..., :2].sum(axis=-1)
        for a, b in obs.casualty_periods:
            cols.append(wl[:, b] - wl[:, a])
    m = np.log(np.maximum(np.stack(cols, axis=1), 1.0))
    r = m - obs.casualty_mean
    return np.asarray(-0.5 * np.einsum("ni,ij,nj->n", r, obs.casualty_prec, r))


@dataclass(frozen=True)
class _Packed:
    """The observations as arrays, for a vectorised likelihood."""

    front_idx: np.ndarray
    front_day: np.ndarray
    front_which: np.ndarray
    city_idx: np.ndarray
    city_day: np.ndarray
    other_idx: np.ndarray
    scale_log: np.ndarray
    scale_logit: np.ndarray
    point: np.ndarray
    t_low: np.ndarray
    t_high: np.ndarray
    has_low: np.ndarray
    has_high: np.ndarray
    sigma: np.ndarray
    weight: np.ndarray


@functools.lru_cache(maxsize=32)
def _pack(items: tuple[Observation, ...]) -> _Packed:
    k = len(items)
    f_idx = [i for i, o in enumerate(items) if o.quantity == "front"]
    c_idx = [i for i, o in enumerate(items) if o.quantity == "city"]
    o_idx = [i for i, o in enumerate(items) if o.quantity not in ("front", "city")]
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
    return _Packed(
        front_idx=np.array(f_idx, dtype=np.int64),
        front_day=np.array([max(items[i].day, 0) for i in f_idx], dtype=np.int64),
        front_which=np.array([items[i].front for i in f_idx], dtype=np.int64),
        city_idx=np.array(c_idx, dtype=np.int64),
        city_day=np.array([max(items[i].day, 0) for i in c_idx], dtype=np.int64),
        other_idx=np.array(o_idx, dtype=np.int64),
        scale_log=np.array([o.scale == "log" for o in items]),
        scale_logit=np.array([o.scale == "logit" for o in items]),
        point=np.array([o.kind in ("value", "contested") for o in items]),
        t_low=t_low,
        t_high=t_high,
        has_low=has_low,
        has_high=has_high,
        sigma=np.array([o.sigma for o in items]),
        weight=np.array([o.weight for o in items]),
    )


def _items_loglik(
    obs: Observations,
    runs: BakhmutRuns,
    params: Mapping[str, np.ndarray],
    model: BakhmutModel,
) -> np.ndarray:
    """(n, k) robust log-likelihood of every item for every run."""
    from scipy.special import log_ndtr

    items = obs.items
    pk = _pack(items)
    n, k = runs.n, len(items)
    vals = np.empty((n, k))
    days_max = runs.fronts.shape[1] - 1
    if pk.front_idx.size:
        vals[:, pk.front_idx] = runs.fronts[:, np.minimum(pk.front_day, days_max), pk.front_which]
    if pk.city_idx.size:
        vals[:, pk.city_idx] = city_fraction(
            runs.fronts[:, np.minimum(pk.city_day, days_max), 1], runs.geography
        )
    for i in pk.other_idx:
        vals[:, i] = observation_values(items[i], runs, params, model)
    t = np.where(pk.scale_log, np.log(np.maximum(vals, 1e-9)), vals)
    p = np.clip(vals, 1e-3, 1 - 1e-3)
    t = np.where(pk.scale_logit, np.log(p) - np.log1p(-p), t)
    z_low = (t - pk.t_low) / pk.sigma
    z_high = (pk.t_high - t) / pk.sigma
    bounded = np.where(pk.has_low, log_ndtr(np.where(pk.has_low, z_low, 0.0)), 0.0) + np.where(
        pk.has_high, log_ndtr(np.where(pk.has_high, z_high, 0.0)), 0.0
    )
    ll = np.where(pk.point, -0.5 * z_low**2, bounded)
    # robust: a mixture with an 'outlier' component, so one statement the model's geometry
    # cannot represent costs at most -log(OUTLIER_SHARE)
    return np.asarray(np.logaddexp(np.log1p(-OUTLIER_SHARE) + ll, np.log(OUTLIER_SHARE)))


def log_likelihood(
    model: BakhmutModel, obs: Observations, params: Mapping[str, np.ndarray]
) -> np.ndarray:
    """Log-likelihood of every parameter set (one per run) given the observations."""
    runs = simulate(model, params, days=DAYS)
    total = _casualty_loglik(obs, runs)
    if obs.items:
        total = total + _items_loglik(obs, runs, params, model) @ _pack(obs.items).weight
    return np.asarray(np.where(np.isfinite(total), total, -1e12))


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
