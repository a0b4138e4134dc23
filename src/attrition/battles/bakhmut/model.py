"""The Battle of Bakhmut as a system: forces, flows, ammunition, towns, phases and territory.

One pure vector field over a state vector with a leading run axis, plus frozen parameters (one
value per run) and a dated schedule. The same rates drive every engine: :meth:`BakhmutModel.rhs`
(continuous right-hand side for ODE solvers), :func:`simulate` with ``method="deterministic"``
(daily exponential-Euler map, used by the calibration) and ``method="binomial"`` (chain-binomial
daily step with one ``numpy.random.Generator`` per run from ``SeedSequence.spawn``).

State (last axis, :data:`STATE_NAMES`)::

    0 WC  Wagner convicts          (assault infantry, recruited from prisons, 6-month contracts)
    1 WP  Wagner professionals     (contractors, group commanders)
    2 RR  Russian regulars         (army, airborne, Rosgvardia, mobilised, DNR units)
    3 UA  Ukrainian forces         (brigades rotated through; one component, see docs)
    4 RN  northern front radius    km from the ring centre (Soledar arm)
    5 RE  eastern/city front radius  km (the direct axis through the city)
    6 RS  southern front radius    km (Opytne / Klishchiivka arm)

Territory is a ring geometry around the Ukrainian rear (Chasiv Yar, the next town west on the
heights, from the gazetteer): each front is the distance of the Russian line from that centre;
a locality at distance ``D`` on a front's arm is Russian-held once the front's radius is below
``D``. The city of Bakhmut is a disc of 41.6 km² (the ISW figures 1.89 km² = 4.54 % imply it)
on the eastern axis, and the city-control fraction is the share of that disc beyond the
eastern front (:func:`city_fraction`). Fronts advance by the advance-rate law

    dR_a/dt = − share_a · L_RU · ρ^γ / (κ0 · (1 + (u − 1)·g_a)) + o(t) · arm_a · ν · ρ^(−γ)

with ``L_RU`` the Russian casualties per day (the price of the advance), ``ρ`` the force ratio,
``g_a`` the share of front ``a`` inside a town (Bakhmut, Soledar), ``u`` the urban advance-cost
factor and ``o(t)`` the Ukrainian flank-offensive regime. "800 casualties per km" and
"48 cm per casualty" are observations this law is fitted to, not constants.

Losses follow a law of the Lanchester family (:mod:`attrition.models.laws`, normalised by
:data:`N_REF`): Ukrainian losses ``θ^ζ·c_RU·N·(F_RU/N)^p·(U/N)^q·(1 + η·p_enc)/φ_eff`` and Russian
losses ``θ·c_UA·N·(U/N)^p·(T_RU/N)^q``, split over the Russian components by exposure. The
Russian fire ``F_RU`` weights each component and scales Wagner's by its ammunition supply.

The battle's state feeds back: the tempo ``θ = θ_k·(1 + ι·urban)`` rises while the effort
fights in a town (``urban_intensity``), and Ukraine's committed strength
``ua_k·(1 + r·p_enc)·(1 − b·(1 − H))`` is reinforced under encirclement pressure
(``ua_reinforce``) and loses the city's garrison once no part of the city is held
(``city_garrison``; ``H`` = 0 once the whole city is given up or the line is past its western
edge). A city given up is no longer fought in (no urban tempo, protection or cost there).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from attrition.battles.bakhmut.axes import BAKHMUT_LAWS, DAYS, N_PHASES, PHASE_GROUP
from attrition.battles.bakhmut.geometry import R_MAX, R_MIN, SOLEDAR_RADIUS_KM
from attrition.battles.bakhmut.params import PARAMS
from attrition.battles.bakhmut.schedule import BakhmutSchedule, DailySchedule
from attrition.battles.bakhmut.smooth import array_module
from attrition.errors import UserError, unknown_name
from attrition.models.laws import LAW_NAMES, get_law

N_REF = 10_000.0
"""Strength unit of the attrition law (coefficients are per ``N_REF`` soldiers)."""


ALPHA_ARTILLERY = 0.6
"""Share of Wagner's fire that depends on artillery ammunition (assumption, see docs)."""


FIRE_WEIGHTS = (0.5, 1.0, 0.7)
"""Fire per soldier of WC, WP, RR relative to a Wagner professional (assumption, see docs)."""


LAMBDA_RU = 1.0 / 30.0
"""Rate (per day) at which Russian regular strength moves towards its committed level."""


LAMBDA_UA = 1.0 / 20.0
"""Rate (per day) at which Ukrainian strength is replenished towards its committed level."""


DEPART_RATE = 1.0 / 5.0
"""Hazard (per day) of leaving the battle once a force's departure date has passed."""


RHO_MIN, RHO_MAX = 0.05, 20.0
"""Force ratios outside this range are clipped in the advance-rate law."""


ENC_WIDTH_KM = 0.75


GATE_WIDTH_KM = 0.25


# Ukraine's withdrawals under encirclement pressure stop at its last holdout on the city's
# western edge (the T0504 strip; ~99 % of the city Russian-held), a sharp edge.
HOLDOUT_KM = 0.3


HOLDOUT_WIDTH_KM = 0.05


SMOOTH_SHARE = 0.02
"""Width of the smooth positive part in the replenishment flows (share of the target)."""


@dataclass(frozen=True)
class Prepared:
    """Per-run parameter arrays in the layout the rates read (:meth:`BakhmutModel.prepare`).

    ``theta`` (n, 5), ``ua_target`` and ``rr_target`` (n, 3), ``supply`` (n, 3), ``share``
    (n, 5, 3) effort on the fronts N, E, S by phase
    and the scalars as ``(n,)`` arrays in ``scalar``.
    """

    theta: Any
    ua_target: Any
    rr_target: Any
    supply: Any
    share: Any
    scalar: dict[str, Any]

    @property
    def n(self) -> int:
        """Number of runs."""
        return int(self.theta.shape[0])


@dataclass(frozen=True)
class Rates:
    """Rates of every flow at one instant, each with a leading run axis.

    Attributes:
        loss_hazard: (n, 4) combat-loss hazard per soldier per day of each component.
        out_hazard: (n, 4) hazard of leaving (contract end, departure, rotation out).
        inflow: (n, 4) soldiers arriving per day.
        advance_per_loss: (n, 3) km of Russian advance per Russian casualty on each front.
        push_back: (n, 3) km per day each front moves outwards whatever the losses: the
            Ukrainian counter-offensive on the flanks (> 0), Ukraine giving up ground in the city
            under encirclement pressure (< 0).
        loss_rate: (n, 2) expected casualties per day, Russia (all components) and Ukraine.
        removal: (n, 4) share of each component's casualties that leave it for good (the rest
            return to duty).
    """

    loss_hazard: Any
    out_hazard: Any
    inflow: Any
    advance_per_loss: Any
    push_back: Any
    loss_rate: Any
    removal: Any


@dataclass(frozen=True)
class BakhmutModel:
    """The Bakhmut system model: an attrition law and a schedule.

    Attributes:
        law: ``"square"``, ``"linear"`` or ``"logarithmic"`` (see :data:`BAKHMUT_LAWS`).
        schedule: dated regime switches and decisions, with the geometry they are measured in
            (the record: :func:`attrition.battles.bakhmut.record.record_schedule`).
    """

    law: str
    schedule: BakhmutSchedule

    def __post_init__(self) -> None:
        if self.law not in BAKHMUT_LAWS:
            raise unknown_name("law", self.law, BAKHMUT_LAWS)
        if self.law not in LAW_NAMES:  # pragma: no cover - the family is the source of truth
            raise unknown_name("law", self.law, LAW_NAMES)

    @property
    def exponents(self) -> tuple[float, float]:
        """``(p, q)``: shooter and target exponents of the law."""
        law = get_law(self.law)
        return float(law.shooter_exp[0]), float(law.target_exp[0])

    @functools.cached_property
    def daily_schedule(self) -> DailySchedule:
        """The schedule as per-day arrays."""
        return self.schedule.daily(DAYS)

    # -- parameters ------------------------------------------------------------------------
    @staticmethod
    def prepare(params: Mapping[str, Any]) -> Prepared:
        """Stack per-run parameter values (each ``(n,)`` or scalar) into :class:`Prepared`.

        Missing names raise :class:`UserError` listing them.
        """
        names = [p.name for p in PARAMS]
        missing = [n for n in names if n not in params]
        if missing:
            raise UserError(f"parameters missing: {', '.join(missing)}")
        extra = [k for k in params if k not in names]
        if extra:
            raise unknown_name("parameter", extra[0], names)
        xp = array_module(next(iter(params.values())))
        arrs = {k: xp.atleast_1d(xp.asarray(params[k], dtype=float)) for k in names}
        n = max(int(a.shape[0]) for a in arrs.values())
        arrs = {k: xp.broadcast_to(a, (n,)) for k, a in arrs.items()}
        one = xp.ones(n)
        theta = xp.stack(
            [one, arrs["theta_2"], arrs["theta_3"], arrs["theta_4"], arrs["theta_5"]], axis=-1
        )
        ua = xp.stack([arrs["ua_1"], arrs["ua_2"], arrs["ua_3"]], axis=-1)
        rr = xp.stack([arrs["rr_1"], arrs["rr_2"], arrs["rr_3"]], axis=-1)
        sup = xp.stack([arrs["supply_1"], arrs["supply_2"], arrs["supply_3"]], axis=-1)
        z = xp.stack(
            [
                xp.stack([arrs[f"share_n_{k + 1}"], xp.zeros(n), arrs[f"share_s_{k + 1}"]], -1)
                for k in range(N_PHASES)
            ],
            axis=1,
        )
        ez = xp.exp(z - xp.max(z, axis=-1, keepdims=True))
        share = ez / xp.sum(ez, axis=-1, keepdims=True)
        return Prepared(theta, ua, rr, sup, share, arrs)

    def initial_state(self, prep: Prepared) -> Any:
        """State on day 0, shape ``(n, 7)`` (forces arriving later start at 0)."""
        s = prep.scalar
        xp = array_module(prep.theta)
        arr = self.daily_schedule.arrive_day
        at0 = [1.0 if arr[c] == 0 else 0.0 for c in range(4)]
        return xp.stack(
            [
                s["wc_0"] * at0[0],
                s["wp_0"] * at0[1],
                prep.rr_target[:, 0] * at0[2],
                prep.ua_target[:, 0] * at0[3],
                s["r0_n"],
                s["r0_e"],
                s["r0_s"],
            ],
            axis=-1,
        )

    def arrival_amounts(self, prep: Prepared) -> Any:
        """Strength each component brings when it arrives, ``(n, 4)``."""
        xp = array_module(prep.theta)
        s = prep.scalar
        return xp.stack([s["wc_0"], s["wp_0"], prep.rr_target[:, 0], prep.ua_target[:, 0]], axis=-1)

    # -- rates -----------------------------------------------------------------------------
    def kernel_inputs(self, prep: Prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(scalars, geometry, constants)``: the arrays :func:`field` reads (scalars ``(n,
        len(SCALARS))`` in :data:`SCALARS` order)."""
        p_exp, q_exp = self.exponents
        geo = self.schedule.geography
        consts = np.array(
            [p_exp, q_exp, N_REF, ALPHA_ARTILLERY, *FIRE_WEIGHTS, LAMBDA_RU, LAMBDA_UA,
             DEPART_RATE, ENC_WIDTH_KM, GATE_WIDTH_KM, RHO_MIN, RHO_MAX, R_MIN, R_MAX,
             SMOOTH_SHARE, HOLDOUT_KM, HOLDOUT_WIDTH_KM]
        )  # fmt: skip
        geo_arr = np.array(
            [geo.city_distance, geo.city_radius, geo.r_in, geo.soledar_distance, SOLEDAR_RADIUS_KM]
        )
        sc = np.ascontiguousarray(
            np.stack([np.asarray(prep.scalar[k], dtype=float) for k in SCALARS], axis=-1)
        )
        return sc, geo_arr, consts

    def rates(self, day: int, y: Any, prep: Prepared) -> Rates:
        """All flow rates on day ``day`` at state ``y`` (``(n, 7)``), for every run: the
        compiled :func:`field` (the engines' own definition) evaluated run by run."""
        f = field_function()
        sch = self.daily_schedule
        d = int(min(max(day, 0), len(sch.phase) - 1))
        y = np.asarray(y, dtype=float)
        n = y.shape[0]
        sc, geo, consts = self.kernel_inputs(prep)
        theta, share = np.asarray(prep.theta), np.asarray(prep.share)
        rr_t, ua_t, sup = (np.asarray(a) for a in (prep.rr_target, prep.ua_target, prep.supply))
        ph = int(sch.phase[d])
        grp = PHASE_GROUP[ph]
        out = {k: np.empty((n, m)) for k, m in (("hz", 4), ("oz", 4), ("inflow", 4),
               ("adv", 3), ("push", 3), ("loss", 2), ("removal", 4))}  # fmt: skip
        for i in range(n):
            s = sup[i, sch.supply_param[d]] if sch.supply_param[d] >= 0 else sch.supply_level[d]
            f(
                np.maximum(y[i, :4], 0.0), y[i], theta[i, ph], float(s), share[i, ph],
                rr_t[i, grp], ua_t[i, grp], sc[i], bool(sch.withdrawn[d]),
                bool(sch.offensive[d]), bool(sch.recruiting[d]), sch.present[d],
                sch.departing[d], geo, consts, out["hz"][i], out["oz"][i], out["inflow"][i],
                out["adv"][i], out["push"][i], out["loss"][i], out["removal"][i],
            )  # fmt: skip
        return Rates(
            loss_hazard=out["hz"],
            out_hazard=out["oz"],
            inflow=out["inflow"],
            advance_per_loss=out["adv"],
            push_back=out["push"],
            loss_rate=out["loss"],
            removal=out["removal"],
        )

    def rhs(self, t: float, y: Any, params: Mapping[str, Any] | Prepared) -> np.ndarray:
        """The continuous vector field ``dy/dt`` at time ``t`` (days), shape of ``y``.

        Regimes are read on day ``floor(t)``; holds and withdrawals (jumps) are left to the
        engines, which apply them at day boundaries.
        """
        prep = params if isinstance(params, Prepared) else self.prepare(params)
        y = np.asarray(y, dtype=float)
        r = self.rates(int(np.floor(t)), y, prep)
        x = np.maximum(y[..., :4], 0.0)
        dx = -(r.loss_hazard * r.removal + r.out_hazard) * x + r.inflow
        l_ru = np.sum(r.loss_hazard[..., :3] * x[..., :3], axis=-1)
        dr = -r.advance_per_loss * l_ru[..., None] + r.push_back
        out: np.ndarray = np.concatenate([dx, dr], axis=-1)
        return out


SCALARS: tuple[str, ...] = (
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
    "urban_intensity",
    "ua_reinforce",
    "city_garrison",
)
"""The scalar parameters :func:`field` reads, in the order of its ``sc`` argument."""


try:  # the helpers and the field compile into any Numba kernel that calls them
    from numba.extending import register_jitable as _jitable
except ImportError:  # pragma: no cover - numba is a core dependency

    def _jitable(**_kw: Any) -> Any:  # type: ignore[no-redef]
        return lambda f: f


@_jitable(inline="always")
def _sig(x: float) -> float:
    x = min(max(x, -60.0), 60.0)
    return 1.0 / (1.0 + math.exp(-x))


@_jitable(inline="always")
def _pow(x: float, e: float) -> float:
    """``x ** e``, with the exact cases short-cut: ``x ** 1 = x``, ``x ** 0 = 1`` and
    ``1 ** e = 1`` (IEEE ``pow`` returns these very values; the laws' exponents are 0 or 1, so
    most calls skip the library ``pow``)."""
    if e == 1.0:
        return x
    if e == 0.0 or x == 1.0:
        return 1.0
    r: float = x**e
    return r


@_jitable(inline="always")
def _softplus_pair(a: float, b: float, w: float) -> tuple[float, float]:
    """The smooth positive parts ``max(x, 0) + w log(1 + exp(-|x|/w))`` of ``x = a`` and
    ``x = b``, for two opposite differences (``a = u - v``, ``b = v - u``: ``|a| = |b|``
    exactly), the log term computed once."""
    t = w * math.log1p(math.exp(-abs(a) / w))
    return max(a, 0.0) + t, max(b, 0.0) + t


@_jitable(inline="always")
def _gate(r: float, centre: float, radius: float, w: float) -> float:
    return _sig((r - (centre - radius)) / w) * _sig(((centre + radius) - r) / w)


@_jitable(inline="always")
def field(
    x: Any, y: Any, th: float, s: float, sh: Any, rrt: float, uat: float, sc: Any,
    withdrawn: bool, offensive: bool, recruiting: bool, present: Any, departing: Any,
    geo: Any, consts: Any, hz: Any, oz: Any, inf_: Any, adv: Any, push: Any, loss: Any,
    rem: Any,
) -> None:  # fmt: skip
    """The Bakhmut vector field for one run on one day: the single definition of the equations.

    Reads the state (``x``: the four components clipped at 0, ``y``: the full state of 7),
    the day's regime values for the run (tempo ``th``, supply ``s``, front shares ``sh``,
    rotation targets ``rrt``/``uat``), the run's scalars ``sc`` (:data:`SCALARS` order), the
    day's schedule flags and the geometry/constant arrays of
    :meth:`BakhmutModel.kernel_inputs`; writes the loss hazards ``hz`` (4), outflow hazards
    ``oz`` (4), inflows ``inf_`` (4), km of advance per Russian casualty ``adv`` (3), km per day
    each front moves out whatever the losses ``push`` (3), casualty rates ``loss`` (RU, UA) and
    the share of casualties that leave for good ``rem`` (4). Compiled with Numba by
    :func:`field_function` for the engines; plain Python otherwise.
    """
    city_d, city_r, r_in, sol_d, sol_r = geo[0], geo[1], geo[2], geo[3], geo[4]
    (p_exp, q_exp, nref, alpha, a_c, a_p, a_r, lam_ru, lam_ua, dep_rate, enc_w, gate_w,
     rho_min, rho_max, _r_min, _r_max, smooth, hold_km, hold_w) = (
         consts[0], consts[1], consts[2], consts[3], consts[4], consts[5], consts[6],
         consts[7], consts[8], consts[9], consts[10], consts[11], consts[12], consts[13],
         consts[14], consts[15], consts[16], consts[17], consts[18])  # fmt: skip
    c_ru, c_ua, e_wc, e_rr = sc[0], sc[1], sc[2], sc[3]
    u_prot, u_cost, enc, kap, gam = sc[4], sc[5], sc[6], sc[7], sc[8]
    nu, contract, wc_rate, wp_rate = sc[9], sc[10], sc[11], sc[12]
    keep = 1.0 - sc[13]
    zeta = sc[14]
    enc_adv = sc[15]
    wd_rate = sc[16]
    u_int, reinf, garrison = sc[17], sc[18], sc[19]
    wc, wp, rr, ua = x[0], x[1], x[2], x[3]
    rn, re, rs = y[4], y[5], y[6]
    fire_w = 1.0 - alpha * (1.0 - s)
    expo_w = 1.0 + alpha * (1.0 - s)
    f_ru = a_c * fire_w * wc + a_p * fire_w * wp + a_r * rr
    t_ru = wc + wp + rr
    # _gate(re, city_d, city_r, gate_w), its first factor kept: p_enc reads the same value
    wd = 1.0 if withdrawn else 0.0
    g_in = _sig((re - (city_d - city_r)) / gate_w)
    # a city Ukraine has given up (a withdrawal from the whole of it) is no longer fought in
    g_e = g_in * _sig(((city_d + city_r) - re) / gate_w) * (1.0 - wd)
    g_n = _gate(rn, sol_d, sol_r, gate_w)
    sh_n, sh_e, sh_s = sh[0], sh[1], sh[2]
    urban = sh_e * g_e + sh_n * g_n
    phi_eff = 1.0 + (u_prot - 1.0) * urban
    g_r_in = g_in if r_in == city_d - city_r else _sig((re - r_in) / gate_w)
    p_enc = _sig((city_d - max(rn, rs)) / enc_w) * g_r_in * (1.0 - wd)
    # the tempo follows the state: fighting in a town is more intense, and ends with the town
    th_eff = th * (1.0 + u_int * urban)
    loss_ua = (_pow(th_eff, zeta) * c_ru * nref * _pow(f_ru / nref, p_exp)
               * _pow(ua / nref, q_exp) * (1.0 + enc * p_enc) / phi_eff)  # fmt: skip
    loss_ru = th_eff * c_ua * nref * _pow(ua / nref, p_exp) * _pow(t_ru / nref, q_exp)
    loss[0], loss[1] = loss_ru, loss_ua
    ex_c = e_wc * expo_w
    ex_p = expo_w
    ex_r = e_rr
    denom = max(ex_c * wc + ex_p * wp + ex_r * rr, 1e-9)
    unit = loss_ru / denom
    hz[0], hz[1], hz[2] = unit * ex_c, unit * ex_p, unit * ex_r
    hz[3] = loss_ua / max(ua, 1e-9)
    rem[0], rem[1], rem[2], rem[3] = 1.0, keep, keep, keep
    # outflows: contracts end, departures, rotation above the committed level
    oz[0] = 1.0 / contract + (dep_rate if departing[0] else 0.0)
    oz[1] = dep_rate if departing[1] else 0.0
    # Ukraine's commitment follows the situation: reinforced under encirclement pressure, the
    # city's garrison released once no part of the city is held: the whole city given up, or
    # the line past its western edge (a sharp edge: nothing released at the holdout 0.3 km
    # inside it)
    held = (1.0 - wd) * _sig((re - r_in) / hold_w)
    uat = uat * (1.0 + reinf * p_enc) * (1.0 - garrison * (1.0 - held))
    w_rr = smooth * rrt
    w_ua = smooth * uat
    sp_rr_out, sp_rr_in = _softplus_pair(rr - rrt, rrt - rr, w_rr)
    sp_ua_out, sp_ua_in = _softplus_pair(ua - uat, uat - ua, w_ua)
    oz[2] = lam_ru * sp_rr_out / max(rr, 1e-9) + (
        dep_rate if departing[2] else 0.0)  # fmt: skip
    oz[3] = lam_ua * sp_ua_out / max(ua, 1e-9) + (
        dep_rate if departing[3] else 0.0)  # fmt: skip
    recruit = recruiting and present[0] and not departing[0]
    inf_[0] = wc_rate if recruit else 0.0
    inf_[1] = wp_rate if (present[1] and not departing[1]) else 0.0
    inf_[2] = (lam_ru * sp_rr_in
               if (present[2] and not departing[2]) else 0.0)  # fmt: skip
    inf_[3] = (lam_ua * sp_ua_in
               if (present[3] and not departing[3]) else 0.0)  # fmt: skip
    # territory: the advance each Russian casualty buys, and moves whatever the losses
    rho = min(max(max(f_ru, 1e-6) / max(ua, 1e-6), rho_min), rho_max)
    ratio = _pow(rho, gam)
    off = 1.0 if offensive else 0.0
    adv[0] = sh_n * ratio * (1.0 - off) / (kap * (1.0 + (u_cost - 1.0) * g_n))
    adv[1] = (sh_e * ratio * (1.0 + enc_adv * p_enc)
              / (kap * (1.0 + (u_cost - 1.0) * g_e)))  # fmt: skip
    adv[2] = sh_s * ratio * (1.0 - off) / kap
    push[0] = off * nu / ratio
    push[2] = push[0]
    # Ukraine gives up ground in the city under encirclement pressure, never past the holdout
    push[1] = -min(wd_rate * p_enc * _sig((re - r_in - hold_km) / hold_w),
                   max(re - r_in - hold_km, 0.0))  # fmt: skip


@functools.cache
def field_function() -> Any:
    """:func:`field` compiled with Numba (inlined into the engines' kernel), or plain Python
    when Numba is missing."""
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a core dependency
        return field
    return numba.njit(cache=True)(field)
