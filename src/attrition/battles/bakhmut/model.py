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
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.battles.bakhmut.smooth import array_module, sigmoid, softplus
from attrition.errors import UserError, unknown_name
from attrition.models.laws import LAW_NAMES, get_law

if TYPE_CHECKING:
    pass
from attrition.battles.bakhmut.axes import BAKHMUT_LAWS, DAYS, N_PHASES, PHASE_GROUP
from attrition.battles.bakhmut.geometry import SOLEDAR_RADIUS_KM
from attrition.battles.bakhmut.params import PARAMS
from attrition.battles.bakhmut.schedule import BakhmutSchedule, DailySchedule

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


def _gate(xp: Any, r: Any, centre: float, radius: float) -> Any:
    """Smooth indicator of ``centre − radius < r < centre + radius``."""
    w = GATE_WIDTH_KM
    return sigmoid(xp, (r - (centre - radius)) / w) * sigmoid(xp, ((centre + radius) - r) / w)


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
    def rates(self, day: int, y: Any, prep: Prepared) -> Rates:
        """All flow rates on day ``day`` at state ``y`` (``(n, 7)``), for every run at once.

        Pure: works on NumPy and JAX arrays alike.
        """
        xp = array_module(y)
        geo = self.schedule.geography
        sch = self.daily_schedule
        d = int(min(max(day, 0), len(sch.phase) - 1))
        s = prep.scalar
        p_exp, q_exp = self.exponents
        x = xp.maximum(y[..., :4], 0.0)
        wc, wp, rr, ua = x[..., 0], x[..., 1], x[..., 2], x[..., 3]
        rn, re, rs = y[..., 4], y[..., 5], y[..., 6]
        ph = int(sch.phase[d])
        grp = PHASE_GROUP[ph]
        theta = prep.theta[:, ph]
        if sch.supply_param[d] >= 0:
            sup = prep.supply[:, int(sch.supply_param[d])]
        else:
            sup = xp.full(prep.n, float(sch.supply_level[d]))
        fire_w = 1.0 - ALPHA_ARTILLERY * (1.0 - sup)
        expo_w = 1.0 + ALPHA_ARTILLERY * (1.0 - sup)
        a_c, a_p, a_r = FIRE_WEIGHTS
        f_ru = a_c * fire_w * wc + a_p * fire_w * wp + a_r * rr
        t_ru = wc + wp + rr
        g_e = _gate(xp, re, geo.city_distance, geo.city_radius)
        g_n = _gate(xp, rn, geo.soledar_distance, SOLEDAR_RADIUS_KM)
        share = prep.share[:, ph, :]
        urban = share[:, 1] * g_e + share[:, 0] * g_n
        phi_eff = 1.0 + (s["urban_protect"] - 1.0) * urban
        withdrawn = 1.0 if sch.withdrawn[d] else 0.0
        p_enc = (
            sigmoid(xp, (geo.city_distance - xp.maximum(rn, rs)) / ENC_WIDTH_KM)
            * sigmoid(xp, (re - geo.r_in) / GATE_WIDTH_KM)
            * (1.0 - withdrawn)
        )
        nref = N_REF
        loss_ua = (
            theta ** s["tempo_elasticity"]
            * s["c_ru"]
            * nref
            * (f_ru / nref) ** p_exp
            * (ua / nref) ** q_exp
            * (1.0 + s["encirclement"] * p_enc)
            / phi_eff
        )
        loss_ru = theta * s["c_ua"] * nref * (ua / nref) ** p_exp * (t_ru / nref) ** q_exp
        ex_c = s["exp_wc"] * expo_w
        ex_p = expo_w
        ex_r = s["exp_rr"]
        denom = xp.maximum(ex_c * wc + ex_p * wp + ex_r * rr, 1e-9)
        unit = loss_ru / denom
        h_ru = xp.stack([unit * ex_c, unit * ex_p, unit * ex_r], axis=-1)
        h_ua = loss_ua / xp.maximum(ua, 1e-9)
        loss_hazard = xp.concatenate([h_ru, h_ua[..., None]], axis=-1)
        present = sch.present[d]
        dep = sch.departing[d]
        # outflows: contracts end, departures, rotation above the committed level
        rr_t = prep.rr_target[:, grp]
        ua_t = prep.ua_target[:, grp]
        out_wc = 1.0 / s["contract_days"] + (DEPART_RATE if dep[0] else 0.0)
        out_wp = xp.full(prep.n, DEPART_RATE if dep[1] else 0.0)
        w_rr, w_ua = SMOOTH_SHARE * rr_t, SMOOTH_SHARE * ua_t
        out_rr = LAMBDA_RU * softplus(xp, rr - rr_t, w_rr) / xp.maximum(rr, 1e-9) + (
            DEPART_RATE if dep[2] else 0.0
        )
        out_ua = LAMBDA_UA * softplus(xp, ua - ua_t, w_ua) / xp.maximum(ua, 1e-9) + (
            DEPART_RATE if dep[3] else 0.0
        )
        out_hazard = xp.stack([out_wc, out_wp, out_rr, out_ua], axis=-1)
        recruit = 1.0 if (sch.recruiting[d] and present[0] and not dep[0]) else 0.0
        in_wc = s["wc_rate"] * recruit
        in_wp = s["wp_rate"] * (1.0 if (present[1] and not dep[1]) else 0.0)
        on_rr = 1.0 if present[2] and not dep[2] else 0.0
        on_ua = 1.0 if present[3] and not dep[3] else 0.0
        in_rr = LAMBDA_RU * softplus(xp, rr_t - rr, w_rr) * on_rr
        in_ua = LAMBDA_UA * softplus(xp, ua_t - ua, w_ua) * on_ua
        inflow = xp.stack([in_wc, in_wp, in_rr, in_ua], axis=-1)
        # territory
        rho = xp.clip(xp.maximum(f_ru, 1e-6) / xp.maximum(ua, 1e-6), RHO_MIN, RHO_MAX)
        ratio = rho ** s["gamma"]
        off = 1.0 if sch.offensive[d] else 0.0
        kap = s["kappa"]
        uc = s["urban_cost"]
        adv_n = share[:, 0] * ratio * (1.0 - off) / (kap * (1.0 + (uc - 1.0) * g_n))
        adv_e = (
            share[:, 1]
            * ratio
            * (1.0 + s["encirclement_advance"] * p_enc)
            / (kap * (1.0 + (uc - 1.0) * g_e))
        )
        adv_s = share[:, 2] * ratio * (1.0 - off) / kap
        push = off * s["ua_advance"] / ratio
        # never past the holdout within a day (the daily map's step is capped there)
        give_up = -xp.minimum(
            s["withdraw_rate"]
            * p_enc
            * sigmoid(xp, (re - geo.r_in - HOLDOUT_KM) / HOLDOUT_WIDTH_KM),
            xp.maximum(re - geo.r_in - HOLDOUT_KM, 0.0),
        )
        keep = 1.0 - s["return_share"]
        removal = xp.stack([xp.ones(prep.n), keep, keep, keep], axis=-1)
        return Rates(
            loss_hazard=loss_hazard,
            out_hazard=out_hazard,
            inflow=inflow,
            advance_per_loss=xp.stack([adv_n, adv_e, adv_s], axis=-1),
            push_back=xp.stack([push, give_up, push], axis=-1),
            loss_rate=xp.stack([loss_ru, loss_ua], axis=-1),
            removal=removal,
        )

    def rhs(self, t: float, y: Any, params: Mapping[str, Any] | Prepared) -> Any:
        """The continuous vector field ``dy/dt`` at time ``t`` (days), shape of ``y``.

        Regimes are read on day ``floor(t)``; holds and withdrawals (jumps) are left to the
        engines, which apply them at day boundaries.
        """
        prep = params if isinstance(params, Prepared) else self.prepare(params)
        xp = array_module(y)
        r = self.rates(int(np.floor(t)), y, prep)
        x = xp.maximum(y[..., :4], 0.0)
        dx = -(r.loss_hazard * r.removal + r.out_hazard) * x + r.inflow
        l_ru = xp.sum(r.loss_hazard[..., :3] * x[..., :3], axis=-1)
        dr = -r.advance_per_loss * l_ru[..., None] + r.push_back
        return xp.concatenate([dx, dr], axis=-1)
