"""Engines of the Bakhmut model: the deterministic daily map and the chain-binomial daily step.

Both run in one compiled Numba kernel over a batch of parameter sets; the binomial step draws
from :mod:`attrition.simulate.rng` (run ``i`` seeded by ``SeedSequence(seed, spawn_key=(1, i))``),
so a chunked ensemble gives the same bytes as a whole one.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.battles.bakhmut.geometry import Geography
from attrition.errors import UserError, unknown_name

if TYPE_CHECKING:
    pass
from attrition.battles.bakhmut.axes import DAYS, FALL_FRACTION, FRONTS, PHASE_GROUP
from attrition.battles.bakhmut.geometry import (
    R_MAX,
    R_MIN,
    SOLEDAR_RADIUS_KM,
    city_fraction,
)
from attrition.battles.bakhmut.model import (
    ALPHA_ARTILLERY,
    DEPART_RATE,
    ENC_WIDTH_KM,
    FIRE_WEIGHTS,
    GATE_WIDTH_KM,
    HOLDOUT_KM,
    HOLDOUT_WIDTH_KM,
    LAMBDA_RU,
    LAMBDA_UA,
    N_REF,
    RHO_MAX,
    RHO_MIN,
    SMOOTH_SHARE,
    BakhmutModel,
    Prepared,
)


@dataclass(frozen=True)
class BakhmutRuns:
    """Daily results of an ensemble (leading axis: runs; time axis: day 0 .. days).

    Attributes:
        strength: (n, days + 1, 4) strength of each component.
        losses: (n, days + 1, 4) cumulative combat losses of each component.
        fronts: (n, days + 1, 3) radius of each front (N, E, S), km.
        recruited: (n, days + 1) cumulative convicts recruited (arrivals after day 0).
        arrived_wp: (n, days + 1) cumulative Wagner professionals arrived after day 0.
        seed: seed of a stochastic run (``None`` for deterministic).
        method: engine used.
        geography: the ring geometry the fronts are measured in (the model's).
    """

    strength: np.ndarray
    losses: np.ndarray
    fronts: np.ndarray
    recruited: np.ndarray
    arrived_wp: np.ndarray
    seed: int | None
    method: str
    geography: Geography

    @property
    def n(self) -> int:
        """Number of runs."""
        return int(self.strength.shape[0])

    @functools.cached_property
    def side_losses(self) -> np.ndarray:
        """(n, days + 1, 2) cumulative casualties of Russia (all components) and Ukraine."""
        ru = self.losses[..., :3].sum(axis=-1)
        return np.stack([ru, self.losses[..., 3]], axis=-1)

    @property
    def daily_losses(self) -> np.ndarray:
        """(n, days, 2) casualties per day, Russia and Ukraine."""
        return np.diff(self.side_losses, axis=1)

    @functools.cached_property
    def city(self) -> np.ndarray:
        """(n, days + 1) share of the city held by Russia."""
        return np.asarray(city_fraction(self.fronts[..., 1], self.geography))

    def fall_day(self, threshold: float = FALL_FRACTION) -> np.ndarray:
        """Day the city-control fraction first reaches ``threshold`` (``inf`` if never)."""
        hit = self.city >= threshold
        first: np.ndarray = np.argmax(hit, axis=1).astype(float)
        first[~hit.any(axis=1)] = np.inf
        return first

    def held_by_russia(self, place: str, day: int) -> np.ndarray:
        """(n,) whether ``place`` is behind the Russian line on ``day``."""
        geo = self.geography
        if place not in geo.arm:
            raise unknown_name("place", place, sorted(geo.arm))
        front = self.fronts[:, day, FRONTS.index(geo.arm[place])]
        if geo.arm[place] == "E":
            return np.asarray(city_fraction(front, geo) >= FALL_FRACTION)
        return np.asarray(front <= geo.distance[place])


_SCALARS: tuple[str, ...] = (
    "c_ru",
    "c_ua",
    "exp_wc",
    "exp_rr",
    "urban_protect",
    "urban_cost",
    "encirclement",
    "kappa",
    "gamma",
    "ua_advance",
    "contract_days",
    "wc_rate",
    "wp_rate",
    "return_share",
    "tempo_elasticity",
    "encirclement_advance",
    "withdraw_rate",
)


def _make_det_kernel() -> Any:
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is in the 'fast' extra
        return None
    import math

    from attrition.simulate.rng import binomial, poisson, seed_run

    @numba.njit(cache=True, inline="always")  # type: ignore[misc]
    def sig(x: float) -> float:
        x = min(max(x, -60.0), 60.0)
        return 1.0 / (1.0 + math.exp(-x))

    @numba.njit(cache=True, inline="always")  # type: ignore[misc]
    def softplus(x: float, w: float) -> float:
        return max(x, 0.0) + w * math.log1p(math.exp(-abs(x) / w))

    @numba.njit(cache=True, inline="always")  # type: ignore[misc]
    def gate(r: float, centre: float, radius: float, w: float) -> float:
        return sig((r - (centre - radius)) / w) * sig(((centre + radius) - r) / w)

    @numba.njit(cache=True)  # type: ignore[misc]
    def kernel(y0: Any, arrive: Any, theta: Any, ua_t: Any, rr_t: Any, sup: Any, share: Any,
               sc: Any, phase: Any, supply_param: Any, supply_level: Any, recruiting: Any,
               offensive: Any, present: Any, departing: Any, arrive_day: Any,
               withdraw_to: Any, withdrawn: Any, hold_line: Any, phase_group: Any,
               geo: Any, consts: Any, days: int, stoch: bool, pool: Any, start: int,
               lf: Any, st: Any) -> Any:  # fmt: skip
        n = y0.shape[0]
        strength = np.empty((n, days + 1, 4))
        losses = np.zeros((n, days + 1, 4))
        fronts = np.empty((n, days + 1, 3))
        recruited = np.zeros((n, days + 1))
        arrived_wp = np.zeros((n, days + 1))
        city_d, city_r, r_in, sol_d, sol_r = geo[0], geo[1], geo[2], geo[3], geo[4]
        (p_exp, q_exp, nref, alpha, a_c, a_p, a_r, lam_ru, lam_ua, dep_rate, enc_w, gate_w,
         rho_min, rho_max, r_min, r_max, smooth, hold_km, hold_w) = (
             consts[0], consts[1], consts[2], consts[3], consts[4], consts[5], consts[6],
             consts[7], consts[8], consts[9], consts[10], consts[11], consts[12], consts[13],
             consts[14], consts[15], consts[16], consts[17], consts[18])  # fmt: skip
        for i in range(n):
            if stoch:
                seed_run(pool, start + i, st, i)
            y = np.empty(7)
            x = np.empty(4)
            hz = np.empty(4)
            oz = np.empty(4)
            inf_ = np.empty(4)
            cum = np.empty(4)
            c_ru, c_ua, e_wc, e_rr = sc[i, 0], sc[i, 1], sc[i, 2], sc[i, 3]
            u_prot, u_cost, enc, kap, gam = sc[i, 4], sc[i, 5], sc[i, 6], sc[i, 7], sc[i, 8]
            nu, contract, wc_rate, wp_rate = sc[i, 9], sc[i, 10], sc[i, 11], sc[i, 12]
            keep = 1.0 - sc[i, 13]
            zeta = sc[i, 14]
            enc_adv = sc[i, 15]
            wd_rate = sc[i, 16]
            for k in range(7):
                y[k] = y0[i, k]
            for k in range(4):
                cum[k] = 0.0
            rec = 0.0
            awp = 0.0
            for d in range(days):
                wt = withdraw_to[d]
                if not math.isnan(wt):
                    y[5] = min(y[5], wt)
                for c in range(4):
                    if arrive_day[c] == d and d > 0:
                        y[c] += arrive[i, c]
                if d == 0:
                    for k in range(4):
                        strength[i, 0, k] = y[k]
                    for k in range(3):
                        fronts[i, 0, k] = y[4 + k]
                for k in range(4):
                    x[k] = max(y[k], 0.0)
                wc, wp, rr, ua = x[0], x[1], x[2], x[3]
                rn, re, rs = y[4], y[5], y[6]
                ph = phase[d]
                grp = phase_group[ph]
                th = theta[i, ph]
                s = sup[i, supply_param[d]] if supply_param[d] >= 0 else supply_level[d]
                fire_w = 1.0 - alpha * (1.0 - s)
                expo_w = 1.0 + alpha * (1.0 - s)
                f_ru = a_c * fire_w * wc + a_p * fire_w * wp + a_r * rr
                t_ru = wc + wp + rr
                g_e = gate(re, city_d, city_r, gate_w)
                g_n = gate(rn, sol_d, sol_r, gate_w)
                sh_n, sh_e, sh_s = share[i, ph, 0], share[i, ph, 1], share[i, ph, 2]
                urban = sh_e * g_e + sh_n * g_n
                phi_eff = 1.0 + (u_prot - 1.0) * urban
                wd = 1.0 if withdrawn[d] else 0.0
                p_enc = (sig((city_d - max(rn, rs)) / enc_w) * sig((re - r_in) / gate_w)
                         * (1.0 - wd))  # fmt: skip
                loss_ua = (th**zeta * c_ru * nref * (f_ru / nref) ** p_exp * (ua / nref) ** q_exp
                           * (1.0 + enc * p_enc) / phi_eff)  # fmt: skip
                loss_ru = th * c_ua * nref * (ua / nref) ** p_exp * (t_ru / nref) ** q_exp
                ex_c = e_wc * expo_w
                ex_p = expo_w
                ex_r = e_rr
                denom = max(ex_c * wc + ex_p * wp + ex_r * rr, 1e-9)
                unit = loss_ru / denom
                hz[0], hz[1], hz[2] = unit * ex_c, unit * ex_p, unit * ex_r
                hz[3] = loss_ua / max(ua, 1e-9)
                rrt = rr_t[i, grp]
                uat = ua_t[i, grp]
                oz[0] = 1.0 / contract + (dep_rate if departing[d, 0] else 0.0)
                oz[1] = dep_rate if departing[d, 1] else 0.0
                w_rr = smooth * rrt
                w_ua = smooth * uat
                oz[2] = lam_ru * softplus(rr - rrt, w_rr) / max(rr, 1e-9) + (
                    dep_rate if departing[d, 2] else 0.0)  # fmt: skip
                oz[3] = lam_ua * softplus(ua - uat, w_ua) / max(ua, 1e-9) + (
                    dep_rate if departing[d, 3] else 0.0)  # fmt: skip
                recruit = recruiting[d] and present[d, 0] and not departing[d, 0]
                inf_[0] = wc_rate if recruit else 0.0
                inf_[1] = wp_rate if (present[d, 1] and not departing[d, 1]) else 0.0
                inf_[2] = (lam_ru * softplus(rrt - rr, w_rr)
                           if (present[d, 2] and not departing[d, 2]) else 0.0)  # fmt: skip
                inf_[3] = (lam_ua * softplus(uat - ua, w_ua)
                           if (present[d, 3] and not departing[d, 3]) else 0.0)  # fmt: skip
                rho = min(max(max(f_ru, 1e-6) / max(ua, 1e-6), rho_min), rho_max)
                ratio = rho**gam
                off = 1.0 if offensive[d] else 0.0
                adv_n = sh_n * ratio * (1.0 - off) / (kap * (1.0 + (u_cost - 1.0) * g_n))
                adv_e = (sh_e * ratio * (1.0 + enc_adv * p_enc)
                         / (kap * (1.0 + (u_cost - 1.0) * g_e)))  # fmt: skip
                adv_s = sh_s * ratio * (1.0 - off) / kap
                push = off * nu / ratio
                l_ru = 0.0
                for k in range(4):
                    if stoch:  # chain-binomial: never below zero
                        loss = binomial(st, i, x[k], -math.expm1(-hz[k]), lf)
                        gone = loss if k == 0 else binomial(st, i, loss, keep, lf)
                        out = binomial(st, i, x[k] - loss, -math.expm1(-oz[k]), lf)
                        inf_[k] = poisson(st, i, inf_[k], lf)
                        y[k] = x[k] - gone - out + inf_[k]
                    else:
                        loss = x[k] * (-math.expm1(-hz[k]))
                        out = (x[k] - loss) * (-math.expm1(-oz[k]))
                        y[k] = x[k] - loss * (1.0 if k == 0 else keep) - out + inf_[k]
                    cum[k] += loss
                    if k < 3:
                        l_ru += loss
                y[4] = min(max(y[4] - adv_n * l_ru + push, r_min), r_max)
                wdr = min(wd_rate * p_enc * sig((re - r_in - hold_km) / hold_w),
                          max(re - r_in - hold_km, 0.0))  # fmt: skip
                y[5] = min(max(y[5] - adv_e * l_ru - wdr, r_min), r_max)
                y[6] = min(max(y[6] - adv_s * l_ru + push, r_min), r_max)
                for k in range(3):
                    y[4 + k] = max(y[4 + k], hold_line[d, k])
                rec += inf_[0]
                awp += inf_[1]
                for k in range(4):
                    strength[i, d + 1, k] = y[k]
                    losses[i, d + 1, k] = cum[k]
                for k in range(3):
                    fronts[i, d + 1, k] = y[4 + k]
                recruited[i, d + 1] = rec
                arrived_wp[i, d + 1] = awp
        return strength, losses, fronts, recruited, arrived_wp

    return kernel


@functools.cache
def _det_kernel() -> Any:
    return _make_det_kernel()


def _run_kernel(
    model: BakhmutModel, prep: Prepared, days: int, seed: int | None = None, run_offset: int = 0
) -> BakhmutRuns | None:
    """Run the compiled kernel: the deterministic map, or the chain-binomial engine when
    ``seed`` is given (run ``i`` draws from the xoshiro256** stream seeded by
    ``SeedSequence(seed, spawn_key=(1, run_offset + i))``, as :mod:`attrition.simulate` does)."""
    kernel = _det_kernel()
    if kernel is None:  # pragma: no cover - numba missing
        return None
    from attrition.simulate.rng import log_factorials, seed_pool

    sch = model.daily_schedule
    geo = model.schedule.geography
    p_exp, q_exp = model.exponents
    consts = np.array(
        [p_exp, q_exp, N_REF, ALPHA_ARTILLERY, *FIRE_WEIGHTS, LAMBDA_RU, LAMBDA_UA,
         DEPART_RATE, ENC_WIDTH_KM, GATE_WIDTH_KM, RHO_MIN, RHO_MAX, R_MIN, R_MAX,
         SMOOTH_SHARE, HOLDOUT_KM, HOLDOUT_WIDTH_KM]
    )  # fmt: skip
    geo_arr = np.array(
        [geo.city_distance, geo.city_radius, geo.r_in, geo.soledar_distance, SOLEDAR_RADIUS_KM]
    )
    sc = np.ascontiguousarray(
        np.stack([np.asarray(prep.scalar[k], dtype=float) for k in _SCALARS], axis=-1)
    )

    def c(a: Any) -> np.ndarray:
        return np.ascontiguousarray(np.asarray(a, dtype=float))

    y0, arrive = c(model.initial_state(prep)), c(model.arrival_amounts(prep))
    stoch = seed is not None
    if stoch:
        y0[:, :4] = np.rint(y0[:, :4])
        arrive = np.rint(arrive)
    out = kernel(
        y0, arrive, c(prep.theta),
        c(prep.ua_target), c(prep.rr_target), c(prep.supply), c(prep.share), sc,
        sch.phase, sch.supply_param, sch.supply_level, sch.recruiting, sch.offensive,
        sch.present, sch.departing, sch.arrive_day, sch.withdraw_to, sch.withdrawn,
        sch.hold_line, np.asarray(PHASE_GROUP, dtype=np.int64), geo_arr, consts, days,
        stoch, seed_pool(int(seed or 0)), int(run_offset), log_factorials(),
        np.empty((prep.n, 4), dtype=np.uint64),
    )  # fmt: skip
    strength, losses, fronts, recruited, arrived = out
    method = "binomial" if stoch else "deterministic"
    return BakhmutRuns(
        strength, losses, fronts, recruited, arrived, seed, method, model.schedule.geography
    )


SIM_METHODS: tuple[str, ...] = ("deterministic", "binomial")


def simulate(
    model: BakhmutModel,
    params: Mapping[str, Any] | Prepared,
    *,
    method: str = "deterministic",
    seed: int | None = None,
    days: int = DAYS,
    run_offset: int = 0,
    use_numba: bool = True,
) -> BakhmutRuns:
    """Run the model on the daily grid for every parameter set at once.

    Args:
        model: the model.
        params: per-run parameter values (``{name: (n,) array}``) or :class:`Prepared`.
        method: ``"deterministic"`` (the mean daily map: expected losses with constant hazards
            over the day, the calibration's engine) or ``"binomial"`` (chain-binomial losses and
            departures, Poisson arrivals; no component goes below zero).
        seed: seed of the binomial engine. Run ``i`` (counted from ``run_offset``) draws from
            a xoshiro256** stream seeded with ``SeedSequence(seed, spawn_key=(1, i))``'s state
            (the children of the root's child 1, as ``SeedSequence(seed).spawn`` makes them;
            the same streams as :mod:`attrition.simulate`), so results do not depend on how an
            ensemble is split into chunks.
        days: number of days to run (at most :data:`DAYS`).
        run_offset: position of this chunk's first run in the whole ensemble.
        use_numba: run the deterministic map with the compiled kernel (same equations, tested
            equal to the NumPy reference path used when this is ``False``). The binomial
            engine always runs compiled.
    """
    if method not in SIM_METHODS:
        raise unknown_name("method", method, SIM_METHODS)
    if not 1 <= days <= DAYS:
        raise UserError(f"days = {days}: give 1..{DAYS}")
    prep = params if isinstance(params, Prepared) else model.prepare(params)
    if method == "binomial":
        if seed is None or seed < 0:
            raise UserError("the binomial engine needs a seed (a whole number >= 0)")
        if run_offset < 0 or run_offset + prep.n > 2**32:
            raise UserError("run indices must lie in [0, 2**32)")
        runs = _run_kernel(model, prep, days, int(seed), run_offset)
        if runs is None:  # pragma: no cover - numba is a core dependency
            raise UserError("the binomial engine needs numba; install it with: pip install numba")
        return runs
    if use_numba:
        fast = _run_kernel(model, prep, days)
        if fast is not None:
            return fast
    n = prep.n
    sch = model.daily_schedule
    y = np.asarray(model.initial_state(prep), dtype=float)
    arrive = np.asarray(model.arrival_amounts(prep), dtype=float)
    strength = np.empty((n, days + 1, 4))
    losses = np.zeros((n, days + 1, 4))
    fronts = np.empty((n, days + 1, 3))
    recruited = np.zeros((n, days + 1))
    arrived_wp = np.zeros((n, days + 1))
    cum_loss = np.zeros((n, 4))
    cum_rec = np.zeros(n)
    cum_wp = np.zeros(n)
    geo_min = R_MIN
    for d in range(days):
        # decisions that land at the start of the day
        wt = sch.withdraw_to[d]
        if np.isfinite(wt):
            y[:, 5] = np.minimum(y[:, 5], wt)
        for c in range(4):
            if sch.arrive_day[c] == d and d > 0:
                y[:, c] += arrive[:, c]
        if d == 0:
            strength[:, 0], fronts[:, 0] = y[:, :4], y[:, 4:]
        r = model.rates(d, y, prep)
        x = np.maximum(y[:, :4], 0.0)
        p_loss = -np.expm1(-r.loss_hazard)
        p_out = -np.expm1(-r.out_hazard)
        loss = x * p_loss
        out = (x - loss) * p_out
        inflow = r.inflow
        removed = loss * r.removal
        y[:, :4] = x - removed - out + inflow
        l_ru = loss[:, :3].sum(axis=1)
        y[:, 4:] = np.clip(
            y[:, 4:] - r.advance_per_loss * l_ru[:, None] + r.push_back, geo_min, R_MAX
        )
        y[:, 4:] = np.maximum(y[:, 4:], sch.hold_line[d])
        cum_loss += loss
        cum_rec += inflow[:, 0]
        cum_wp += inflow[:, 1]
        strength[:, d + 1] = y[:, :4]
        losses[:, d + 1] = cum_loss
        fronts[:, d + 1] = y[:, 4:]
        recruited[:, d + 1] = cum_rec
        arrived_wp[:, d + 1] = cum_wp
    return BakhmutRuns(
        strength,
        losses,
        fronts,
        recruited,
        arrived_wp,
        None,
        "deterministic",
        model.schedule.geography,
    )
