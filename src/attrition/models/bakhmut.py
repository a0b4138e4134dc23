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

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.errors import UserError, unknown_name
from attrition.models.laws import LAW_NAMES, get_law

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BAKHMUT_LAWS",
    "CITY_AREA_KM2",
    "COMPONENTS",
    "DAYS",
    "END",
    "FALL_FRACTION",
    "FORCES",
    "FRONTS",
    "PARAMS",
    "START",
    "STATE_NAMES",
    "BakhmutModel",
    "BakhmutRuns",
    "BakhmutSchedule",
    "Force",
    "Geography",
    "Hold",
    "Offensive",
    "ParamSpec",
    "PhaseStart",
    "Recruitment",
    "Supply",
    "Withdrawal",
    "city_fraction",
    "date_of",
    "day_of",
    "geography",
    "param_index",
    "prior_values",
    "priors_known_by",
    "radius_for_fraction",
    "simulate",
]

# ---------------------------------------------------------------------------------------------
# time axis

START = dt.date(2022, 8, 1)
"""Day 0: 'the main assault towards the city started on 1 August' (the article's lead)."""
END = dt.date(2023, 6, 30)
"""Last day modelled: the end of the article's last phase (June 2023)."""
DAYS = (END - START).days
"""Number of daily steps (the grid has ``DAYS + 1`` points, day 0 .. DAYS)."""


def day_of(date: dt.date | str) -> int:
    """Day index of a date (0 = :data:`START`); a string must be ``YYYY-MM-DD``."""
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError as exc:
            raise UserError(f"{date!r} is not a date; write it as YYYY-MM-DD") from exc
    return (date - START).days


def date_of(day: float) -> dt.date:
    """Calendar date of a (whole or fractional) day index."""
    return START + dt.timedelta(days=int(np.floor(day)))


# ---------------------------------------------------------------------------------------------
# state layout and fixed constants

COMPONENTS: tuple[str, ...] = ("WC", "WP", "RR", "UA")
COMPONENT_NAMES: dict[str, str] = {
    "WC": "Wagner convicts",
    "WP": "Wagner professionals",
    "RR": "Russian regulars, airborne and DNR units",
    "UA": "Ukrainian forces",
}
FRONTS: tuple[str, ...] = ("N", "E", "S")
STATE_NAMES: tuple[str, ...] = (*COMPONENTS, "RN", "RE", "RS")
UA_INDEX = 3

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
FALL_FRACTION = 0.97
"""City-control fraction at which the model calls the city fallen (ISW measured 95.5 % on
1 May while fighting went on; on 20 May the city was 'mostly captured' with a strip held)."""
CITY_AREA_KM2 = 41.6
"""Area of Bakhmut: the ISW figures (1.89 km² = 4.54 % of the city, 1 May 2023) imply it."""
CITY_PLACES: tuple[str, ...] = ("Bakhmut", "Zabakhmutka")
"""Gazetteer places that are parts of the city (on the eastern axis)."""
SOLEDAR_RADIUS_KM = 1.5
"""Built-up radius assumed for Soledar (the article gives none)."""
R_MIN, R_MAX = 0.5, 40.0
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
PHASE_GROUP = (0, 1, 1, 2, 2)
"""Phase -> index of the committed-strength regime (Aug–Oct; Nov–Apr; May–June)."""
N_PHASES = 5
N_SUPPLY = 3

BAKHMUT_LAWS: tuple[str, ...] = ("square", "linear", "logarithmic")
"""Laws of the foundation family the model is calibrated with (which fits best is a finding)."""


# ---------------------------------------------------------------------------------------------
# geography


@dataclass(frozen=True)
class Geography:
    """Ring geometry derived from the gazetteer.

    Attributes:
        centre: the ring centre (place name).
        distance: km from the centre, by place (only places with coordinates).
        arm: the front a place lies on (``"N"`` or ``"S"`` by the side of the centre–city line;
            places of the city itself are on ``"E"``).
        city_distance: km from the centre to the city centre.
        city_radius: radius of the disc of the city's area.
        soledar_distance: km from the centre to Soledar.
        popasna_distance: km from the centre to Popasna (where the May 2022 advance began).
    """

    centre: str
    distance: dict[str, float]
    arm: dict[str, str]
    city_distance: float
    city_radius: float
    soledar_distance: float
    popasna_distance: float

    @property
    def r_in(self) -> float:
        """Radius of the city's western edge (city fully taken below it)."""
        return self.city_distance - self.city_radius

    @property
    def r_out(self) -> float:
        """Radius of the city's eastern edge (the city untouched above it)."""
        return self.city_distance + self.city_radius


def _geography_from(places: pd.DataFrame, centre: str = "Chasiv Yar") -> Geography:
    rows: dict[str, tuple[float, float]] = {
        str(r["place"]): (float(r["lat"]), float(r["lon"])) for r in places.to_dict("records")
    }
    for need in (centre, "Bakhmut", "Soledar", "Popasna"):
        if need not in rows or not np.all(np.isfinite(rows[need])):
            raise UserError(
                f"gazetteer: place {need!r} has no coordinates; the Bakhmut model needs it"
            )
    lat0, lon0 = rows[centre]
    kx = 111.32 * np.cos(np.radians(lat0))
    ky = 110.57

    def xy(p: str) -> tuple[float, float]:
        lat, lon = rows[p]
        return (lon - lon0) * kx, (lat - lat0) * ky

    bx, by = xy("Bakhmut")
    norm = float(np.hypot(bx, by))
    ux, uy = bx / norm, by / norm
    dist: dict[str, float] = {}
    arm: dict[str, str] = {}
    city_r = float(np.sqrt(CITY_AREA_KM2 / np.pi))
    for p, (lat, lon) in rows.items():
        if not (np.isfinite(lat) and np.isfinite(lon)):
            continue
        x, y = xy(p)
        dist[p] = float(np.hypot(x, y))
        if p in CITY_PLACES:
            arm[p] = "E"
        else:
            arm[p] = "N" if (ux * y - uy * x) > 0 else "S"
    return Geography(
        centre=centre,
        distance=dist,
        arm=arm,
        city_distance=norm,
        city_radius=city_r,
        soledar_distance=dist["Soledar"],
        popasna_distance=dist["Popasna"],
    )


@functools.cache
def geography() -> Geography:
    """The ring geometry of the packaged Bakhmut gazetteer (cached)."""
    from attrition.data.claims import load_places

    return _geography_from(load_places("bakhmut"))


def _lens_area(big_r: Any, r: float, d: float) -> Any:
    """Area of the intersection of a circle of radius ``big_r`` (at the origin) with a circle of
    radius ``r`` at distance ``d`` (vectorised over ``big_r``)."""
    xp = _xp(big_r)
    rr = xp.maximum(big_r, 1e-9)
    a = xp.clip((d * d + rr * rr - r * r) / (2 * d * rr), -1.0, 1.0)
    b = xp.clip((d * d + r * r - rr * rr) / (2 * d * r), -1.0, 1.0)
    k = xp.clip((-d + rr + r) * (d + rr - r) * (d - rr + r) * (d + rr + r), 0.0, None)
    area = rr * rr * xp.arccos(a) + r * r * xp.arccos(b) - 0.5 * xp.sqrt(k)
    area = xp.where(rr >= d + r, np.pi * r * r, area)
    return xp.where(rr <= d - r, 0.0, area)


def city_fraction(radius: Any, geo: Geography | None = None) -> Any:
    """Share of the city (0..1) held by Russia when the eastern front is at ``radius`` km."""
    g = geo or geography()
    r = g.city_radius
    return 1.0 - _lens_area(radius, r, g.city_distance) / (np.pi * r * r)


def radius_for_fraction(fraction: float, geo: Geography | None = None) -> float:
    """Eastern-front radius at which Russia holds ``fraction`` of the city (inverse of
    :func:`city_fraction`)."""
    g = geo or geography()
    f = float(np.clip(fraction, 0.0, 1.0))
    grid = np.linspace(g.r_in, g.r_out, 4001)
    vals = city_fraction(grid, g)
    return float(np.interp(f, vals[::-1], grid[::-1]))


def _xp(x: Any) -> Any:
    if type(x).__module__.startswith("jax"):
        import jax.numpy as jnp

        return jnp
    return np


def _sigmoid(xp: Any, x: Any) -> Any:
    return 1.0 / (1.0 + xp.exp(-xp.clip(x, -60.0, 60.0)))


def _softplus(xp: Any, x: Any, w: Any) -> Any:
    """Smooth ``max(x, 0)`` with width ``w`` (keeps the likelihood differentiable)."""
    return xp.maximum(x, 0.0) + w * xp.log1p(xp.exp(-xp.abs(x) / w))


def _gate(xp: Any, r: Any, centre: float, radius: float) -> Any:
    """Smooth indicator of ``centre − radius < r < centre + radius``."""
    w = GATE_WIDTH_KM
    return _sigmoid(xp, (r - (centre - radius)) / w) * _sigmoid(xp, ((centre + radius) - r) / w)


# ---------------------------------------------------------------------------------------------
# parameters and priors


@dataclass(frozen=True)
class ParamSpec:
    """One model parameter with its prior.

    The prior is normal on the *unconstrained* scale ``z``: ``value = exp(z)`` for
    ``"lognormal"``, ``z`` for ``"normal"`` and ``1/(1 + exp(−z))`` for ``"logitnormal"``.

    Attributes:
        name: parameter name (used in scenario files and posterior tables).
        prior: ``"lognormal"``, ``"normal"`` or ``"logitnormal"``.
        loc, scale: mean and sd of ``z``.
        unit: unit of the value.
        doc: meaning and the reasoning behind the prior.
        regime: ``("phase", k)``, ``("supply", k)`` or ``("offensive", 0)`` when the parameter
            only acts from a dated regime switch, else ``None``.
        rests_on: ids of the claims or control events whose content sets this prior. Under a
            cutoff before any of them was published (or if one is undated), the prior is
            :attr:`before` instead (see :func:`priors_known_by`).
        before: ``(loc, scale, reasoning)`` of the prior built without ``rests_on``.
    """

    name: str
    prior: str
    loc: float
    scale: float
    unit: str
    doc: str
    regime: tuple[str, int] | None = None
    rests_on: tuple[str, ...] = ()
    before: tuple[float, float, str] | None = None

    def value(self, z: Any) -> Any:
        """Transform from the unconstrained scale."""
        xp = _xp(z)
        if self.prior == "lognormal":
            return xp.exp(z)
        if self.prior == "logitnormal":
            return _sigmoid(xp, z)
        return z

    def z(self, value: Any) -> Any:
        """Transform to the unconstrained scale (inverse of :meth:`value`)."""
        v = np.asarray(value, dtype=float)
        if self.prior == "lognormal":
            return np.log(v)
        if self.prior == "logitnormal":
            return np.log(v) - np.log1p(-v)
        return v

    def valid(self, value: float) -> bool:
        """Whether ``value`` is in the parameter's domain."""
        if not np.isfinite(value):
            return False
        if self.prior == "lognormal":
            return value > 0
        if self.prior == "logitnormal":
            return 0 < value < 1
        return True


def _ln(x: float) -> float:
    return float(np.log(x))


def _logit(x: float) -> float:
    return float(np.log(x) - np.log1p(-x))


PARAMS: tuple[ParamSpec, ...] = (
    # committed strengths
    ParamSpec("ua_1", "lognormal", _ln(12_000), 0.5, "soldiers",
              "Ukrainian committed strength Aug–Oct 2022 (93rd and 58th brigades and others).",
              ("phase", 0)),
    ParamSpec("ua_2", "lognormal", _ln(25_000), 0.5, "soldiers",
              "Ukrainian committed strength Nov 2022–Apr 2023 (Rochan: ten brigades, ~30,000).",
              ("phase", 1), ("bk-c141", "bk-c142"),
              (_ln(18_000), 0.8, "No published estimate yet: the winter escalation brought "
               "more brigades than the autumn's ~12,000, how many unknown.")),
    ParamSpec("ua_3", "lognormal", _ln(25_000), 0.5, "soldiers",
              "Ukrainian committed strength May–June 2023.", ("phase", 3)),
    ParamSpec("rr_1", "lognormal", _ln(8_000), 0.6, "soldiers",
              "Russian regular/DNR strength Aug–Oct 2022.", ("phase", 0)),
    ParamSpec("rr_2", "lognormal", _ln(15_000), 0.6, "soldiers",
              "Russian regulars Nov 2022–Apr 2023 (units from Kherson, mobilised recruits, "
              "paratroopers from late January).", ("phase", 1)),
    ParamSpec("rr_3", "lognormal", _ln(20_000), 0.6, "soldiers",
              "Russian regulars May–June 2023 (relief of Wagner, airborne divisions).",
              ("phase", 3)),
    ParamSpec("wp_0", "lognormal", _ln(5_000), 0.6, "soldiers",
              "Wagner professionals at Bakhmut on 1 August 2022."),
    ParamSpec("wp_rate", "lognormal", _ln(20.0), 0.8, "soldiers/day",
              "Wagner professionals arriving per day (Prigozhin: 35,000 in all, not all here).",
              None, ("bk-c115",),
              (_ln(20.0), 1.2, "No published total yet: a small flow of professionals of "
               "unknown size; half again as wide.")),
    ParamSpec("wc_0", "lognormal", _ln(2_000), 0.8, "soldiers",
              "Wagner convicts at Bakhmut on 1 August 2022."),
    ParamSpec("wc_rate", "lognormal", _ln(200.0), 0.5, "soldiers/day",
              "Convicts recruited per day while recruitment lasts (50,000 over ~7 months).",
              None, ("bk-c114",),
              (_ln(150.0), 1.0, "Prison recruitment was public from September 2022, its "
               "scale not: a wide prior.")),
    ParamSpec("contract_days", "lognormal", _ln(180.0), 0.25, "days",
              "Mean service of a convict before release (six-month contracts; Girkin: 26,000 "
              "pardoned).", None, ("bk-c121",),
              (_ln(180.0), 0.5, "Six-month contracts were the public terms of prison "
               "recruitment; how many served them out, unknown: twice as wide.")),
    # attrition
    ParamSpec("return_share", "logitnormal", _logit(0.3), 0.7, "share",
              "Share of casualties that return to duty (wounded); none for convicts, whose "
              "wounded 'were usually not rescued'."),
    ParamSpec("c_ru", "lognormal", _ln(0.012), 1.0, "per day",
              "Russian fire effectiveness (Ukrainian losses per unit of the law per day)."),
    ParamSpec("c_ua", "lognormal", _ln(0.03), 1.0, "per day",
              "Ukrainian fire effectiveness (Russian losses per unit of the law per day)."),
    ParamSpec("exp_wc", "lognormal", _ln(2.0), 0.5, "ratio",
              "Exposure of a convict relative to a Wagner professional ('first wave')."),
    ParamSpec("exp_rr", "lognormal", _ln(0.7), 0.5, "ratio",
              "Exposure of a regular relative to a Wagner professional (mobiks holding "
              "defensive positions)."),
    ParamSpec("tempo_elasticity", "logitnormal", 0.0, 1.0, "exponent",
              "How Ukrainian losses follow the Russian assault tempo: they scale as θ^this "
              "while Russian losses scale as θ."),
    ParamSpec("theta_2", "lognormal", 0.0, 0.5, "ratio",
              "Intensity Nov–Dec 2022 relative to Aug–Oct.", ("phase", 1)),
    ParamSpec("theta_3", "lognormal", 0.0, 0.5, "ratio",
              "Intensity Jan–Apr 2023 relative to Aug–Oct.", ("phase", 2)),
    ParamSpec("theta_4", "lognormal", 0.0, 0.5, "ratio",
              "Intensity May 2023 relative to Aug–Oct.", ("phase", 3)),
    ParamSpec("theta_5", "lognormal", 0.0, 0.5, "ratio",
              "Intensity June 2023 relative to Aug–Oct.", ("phase", 4)),
    ParamSpec("supply_1", "logitnormal", _logit(0.7), 1.0, "share of 300 t/day",
              "Wagner's ammunition, share of the 300 t/day it said it needed, Aug–Dec 2022.",
              ("supply", 0)),
    ParamSpec("supply_2", "logitnormal", _logit(0.3), 1.0, "share of 300 t/day",
              "The same from January to 7 May 2023 (the ammunition quarrel).", ("supply", 1)),
    ParamSpec("supply_3", "logitnormal", _logit(0.5), 1.0, "share of 300 t/day",
              "The same after 7 May 2023 (Gerasimov to resume deliveries).", ("supply", 2)),
    ParamSpec("urban_protect", "lognormal", _ln(1.5), 0.4, "ratio",
              "Urban/fortification factor: Ukrainian losses divided by it in towns."),
    ParamSpec("urban_cost", "lognormal", _ln(3.0), 0.6, "ratio",
              "Casualties per km in a town relative to open ground."),
    ParamSpec("encirclement", "lognormal", _ln(0.3), 0.7, "ratio",
              "Extra Ukrainian losses when both flanks reach the city centre's radius."),
    ParamSpec("encirclement_advance", "lognormal", _ln(1.0), 0.7, "ratio",
              "Faster advance in the city when both flanks reach the city centre's radius "
              "(the supply roads T0504, T0513, M03/H32 under fire)."),
    ParamSpec("withdraw_rate", "lognormal", _ln(0.03), 1.0, "km/day",
              "Ground in the city Ukraine gives up per day, whatever Russia's losses, when both "
              "flanks reach the city centre's radius (UK MoD, 14 April: 'orderly "
              "withdrawals' under pressure on the supply roads).", None, ("ev-c001",),
              (_ln(0.01), 1.5, "A defender under encirclement pressure may give ground "
               "whatever the attacker's losses, at an unknown rate: centred low and wide.")),
    # territory
    ParamSpec("r0_n", "normal", 21.0, 2.0, "km",
              "Northern front on 1 Aug 2022 (km from the ring centre)."),
    ParamSpec("r0_e", "normal", 15.5, 1.5, "km",
              "Eastern front on 1 Aug 2022 (the city's eastern edge is at ~14.2 km)."),
    ParamSpec("r0_s", "normal", 21.0, 2.0, "km",
              "Southern front on 1 Aug 2022 (Zaitseve, entered 7 October, is at ~21 km)."),
    ParamSpec("kappa", "lognormal", _ln(1_500.0), 1.0, "casualties/km",
              "Russian casualties per km of advance on open ground at force parity."),
    ParamSpec("gamma", "normal", 1.0, 0.5, "exponent",
              "Force-ratio exponent of the advance-rate law."),
    *(
        ParamSpec(f"share_{arm}_{k + 1}", "normal", 0.0, 0.7, "logit",
                  f"Russian effort on the {name} arm in phase {k + 1} (softmax with the other "
                  "arm and the eastern axis at 0).", ("phase", k))
        for k in range(N_PHASES)
        for arm, name in (("n", "northern"), ("s", "southern"))
    ),
    ParamSpec("ua_advance", "lognormal", _ln(0.03), 0.8, "km/day",
              "Ukrainian flank counter-offensive: km per day on each arm at force parity.",
              ("offensive", 0)),
)  # fmt: skip
"""The model's parameters, their priors and the reasoning (docs/bakhmut-model.md)."""


def priors_known_by(
    cutoff: dt.date | None,
    published: Mapping[str, dt.date | None],
    specs: Sequence[ParamSpec] = PARAMS,
) -> tuple[ParamSpec, ...]:
    """The priors as they could have been set at ``cutoff``.

    ``published`` maps claim and event ids to the date each was published (``None``:
    undated). A prior whose :attr:`ParamSpec.rests_on` ids were not all published by the
    cutoff (later, undated, or absent from ``published``) is replaced by its
    :attr:`ParamSpec.before` prior. Without a cutoff the priors are returned unchanged.
    """
    if cutoff is None:
        return tuple(specs)
    out = []
    for p in specs:
        known = all((d := published.get(i)) is not None and d <= cutoff for i in p.rests_on)
        if p.rests_on and not known:
            if p.before is None:
                raise UserError(
                    f"prior of {p.name}: rests on {', '.join(p.rests_on)} but has no prior for "
                    "before they were published; give ParamSpec.before"
                )
            loc, scale, why = p.before
            p = replace(p, loc=loc, scale=scale, doc=why, rests_on=(), before=None)
        out.append(p)
    return tuple(out)


def param_index() -> dict[str, int]:
    """Position of each parameter in :data:`PARAMS`."""
    return {p.name: i for i, p in enumerate(PARAMS)}


def prior_values() -> dict[str, float]:
    """Prior median of every parameter."""
    return {p.name: float(p.value(np.float64(p.loc))) for p in PARAMS}


# ---------------------------------------------------------------------------------------------
# schedule


@dataclass(frozen=True)
class PhaseStart:
    """A dated regime switch: phase ``index`` (0..4) starts on ``date``."""

    date: dt.date
    index: int
    record: bool = True
    source: str = ""


@dataclass(frozen=True)
class Supply:
    """From ``date`` Wagner's ammunition is ``level`` (share of demand) or, when ``level`` is
    ``None``, the calibrated parameter ``supply_<param+1>``."""

    date: dt.date
    level: float | None = None
    param: int = 0
    record: bool = True
    source: str = ""


@dataclass(frozen=True)
class Recruitment:
    """Convict recruitment runs from ``start`` to ``end`` (``None``: open-ended)."""

    start: dt.date
    end: dt.date | None
    record: bool = True
    source: str = ""


FORCES: tuple[str, ...] = (
    "wagner_convicts",
    "wagner_professionals",
    "wagner",
    "russian_regulars",
    "ukraine",
)
_FORCE_COMPONENTS: dict[str, tuple[int, ...]] = {
    "wagner_convicts": (0,),
    "wagner_professionals": (1,),
    "wagner": (0, 1),
    "russian_regulars": (2,),
    "ukraine": (3,),
}


@dataclass(frozen=True)
class Force:
    """A force arrives on ``arrive`` (its initial strength lands then) and leaves from ``depart``
    (``None``: stays)."""

    force: str
    arrive: dt.date = START
    depart: dt.date | None = None
    record: bool = True
    source: str = ""

    def __post_init__(self) -> None:
        if self.force not in _FORCE_COMPONENTS:
            raise unknown_name("force", self.force, FORCES)
        if self.depart is not None and self.depart <= self.arrive:
            raise UserError(
                f"force {self.force}: departure {self.depart} is not after its arrival "
                f"{self.arrive}; a force cannot withdraw before it arrives"
            )


@dataclass(frozen=True)
class Withdrawal:
    """Ukraine withdraws from the city on ``date`` to the line leaving Russia ``to_fraction``
    of it (1.0: the whole city)."""

    date: dt.date
    to_fraction: float = 1.0
    record: bool = True
    source: str = ""


@dataclass(frozen=True)
class Hold:
    """Ukraine holds ``place`` until ``until``: its front cannot pass the place before then."""

    place: str
    until: dt.date
    record: bool = False
    source: str = ""


@dataclass(frozen=True)
class Offensive:
    """Ukrainian flank counter-offensive from ``start`` to ``end`` (``None``: open-ended)."""

    start: dt.date
    end: dt.date | None = None
    record: bool = True
    source: str = ""


@dataclass(frozen=True)
class DailySchedule:
    """The schedule as per-day arrays (``days`` entries; day ``d`` covers ``[d, d + 1)``)."""

    phase: np.ndarray
    supply_param: np.ndarray
    supply_level: np.ndarray
    recruiting: np.ndarray
    offensive: np.ndarray
    present: np.ndarray
    departing: np.ndarray
    arrive_day: np.ndarray
    withdraw_to: np.ndarray
    withdrawn: np.ndarray
    hold_line: np.ndarray


@dataclass(frozen=True)
class BakhmutSchedule:
    """The dated regime switches and decisions the model reads (validated when built).

    Build the record with :meth:`record`; scenarios replace whole kinds of items
    (:meth:`with_items`); :meth:`known_by` drops the record items dated after a cutoff.
    """

    phases: tuple[PhaseStart, ...] = ()
    supply: tuple[Supply, ...] = ()
    recruitment: tuple[Recruitment, ...] = ()
    forces: tuple[Force, ...] = ()
    withdrawals: tuple[Withdrawal, ...] = ()
    holds: tuple[Hold, ...] = ()
    offensives: tuple[Offensive, ...] = ()

    def __post_init__(self) -> None:
        for ph in self.phases:
            if not 0 <= ph.index < N_PHASES:
                raise UserError(f"phase index {ph.index} is outside 0..{N_PHASES - 1}")
        for s in self.supply:
            if s.level is not None and not (np.isfinite(s.level) and 0.0 <= s.level <= 1.0):
                raise UserError(
                    f"supply from {s.date}: level {s.level} is impossible; give the share of "
                    "the 300 t/day demanded, between 0 and 1"
                )
            if s.level is None and not 0 <= s.param < N_SUPPLY:
                raise UserError(f"supply from {s.date}: param {s.param} outside 0..2")
        for r in self.recruitment:
            if r.end is not None and r.end < r.start:
                raise UserError(f"recruitment ends {r.end} before it starts {r.start}")
        for w in self.withdrawals:
            if not 0.0 < w.to_fraction <= 1.0:
                raise UserError(
                    f"withdrawal on {w.date}: to_fraction {w.to_fraction} must be in (0, 1]"
                )
        geo = geography()
        for h in self.holds:
            if h.place not in geo.arm or geo.arm[h.place] == "E":
                valid = [p for p, a in geo.arm.items() if a != "E"]
                raise unknown_name("place to hold", h.place, valid)
        for o in self.offensives:
            if o.end is not None and o.end < o.start:
                raise UserError(f"offensive ends {o.end} before it starts {o.start}")
        seen: dict[int, Force] = {}
        for f in self.forces:
            for c in _FORCE_COMPONENTS[f.force]:
                if c in seen:
                    raise UserError(
                        f"force {f.force}: {COMPONENT_NAMES[COMPONENTS[c]]} are already "
                        f"scheduled by {seen[c].force}; give each force once"
                    )
                seen[c] = f
        for w in self.withdrawals:
            ua = seen.get(UA_INDEX)
            if ua is not None and w.date < ua.arrive:
                raise UserError(
                    f"withdrawal on {w.date} is before Ukraine's arrival {ua.arrive}; "
                    "a force cannot withdraw before it arrives"
                )

    @classmethod
    def record(cls, phases: pd.DataFrame | None = None) -> BakhmutSchedule:
        """The schedule as the record has it (sources in each item's ``source``).

        ``phases`` defaults to the packaged ``phases.csv`` of Bakhmut.
        """
        if phases is None:
            from attrition.data.claims import load_phases

            phases = load_phases("bakhmut")
        import pandas as pd

        starts = sorted(
            (pd.Timestamp(r["start"]).date(), str(r["id"]))
            for r in phases.to_dict("records")
            if not pd.isna(r["start"])
        )
        if len(starts) != N_PHASES:
            raise UserError(
                f"phases.csv: the Bakhmut model needs {N_PHASES} dated phases, found {len(starts)}"
            )
        ph = tuple(PhaseStart(d, i, True, f"phases.csv {pid}") for i, (d, pid) in enumerate(starts))
        return cls(
            phases=ph,
            supply=(
                Supply(START, None, 0, True, "model start"),
                Supply(
                    dt.date(2023, 1, 1),
                    None,
                    1,
                    True,
                    "ISW: by 28 Dec the advance 'culminated', unable to sustain 'artillery "
                    "barrages'; early January the 'rate of artillery fire' decreased",
                ),
                Supply(
                    dt.date(2023, 5, 7),
                    None,
                    2,
                    True,
                    "7 May: Prigozhin announced Gerasimov 'would resume artillery "
                    "ammunition distribution'",
                ),
            ),
            recruitment=(
                Recruitment(
                    START,
                    dt.date(2023, 2, 28),
                    True,
                    "model assumption: the article does not date the end of prison "
                    "recruitment (Prigozhin: 50,000 recruited)",
                ),
            ),
            forces=(
                Force(
                    "wagner",
                    START,
                    dt.date(2023, 5, 25),
                    True,
                    "ev007: 'on 25 May, Wagner had begun withdrawing from the city'",
                ),
                Force("russian_regulars", START, None, True, ""),
                Force("ukraine", START, None, True, ""),
            ),
            withdrawals=(
                Withdrawal(
                    dt.date(2023, 3, 7),
                    0.5,
                    True,
                    "ev061: 'On 7 March, Ukraine withdrew from areas of Bakhmut east of "
                    "the Bakhmutka river'",
                ),
            ),
            holds=(),
            offensives=(
                Offensive(
                    dt.date(2023, 5, 1),
                    None,
                    True,
                    "ev069/phase 4: Ukrainian counter-attacks from 1 May, flanking "
                    "counterattacks in May",
                ),
            ),
        )

    def with_items(self, **kinds: Sequence[Any]) -> BakhmutSchedule:
        """A copy with whole kinds replaced, e.g. ``with_items(offensives=())``."""
        valid = ("phases", "supply", "recruitment", "forces", "withdrawals", "holds", "offensives")
        for k in kinds:
            if k not in valid:
                raise unknown_name("schedule kind", k, valid)
        return replace(self, **{k: tuple(v) for k, v in kinds.items()})

    def known_by(self, cutoff: dt.date | None) -> BakhmutSchedule:
        """Drop the record's items dated after ``cutoff`` (open the record's end dates after it).

        Scenario items (``record=False``) are kept: they are the user's assumptions.
        """
        if cutoff is None:
            return self

        def keep(date: dt.date, record: bool) -> bool:
            return not record or date <= cutoff

        forces = tuple(
            f
            if (not f.record or f.depart is None or f.depart <= cutoff)
            else replace(f, depart=None)
            for f in self.forces
            if keep(f.arrive, f.record)
        )
        recs = tuple(
            r if (not r.record or r.end is None or r.end <= cutoff) else replace(r, end=None)
            for r in self.recruitment
            if keep(r.start, r.record)
        )
        offs = tuple(
            o if (not o.record or o.end is None or o.end <= cutoff) else replace(o, end=None)
            for o in self.offensives
            if keep(o.start, o.record)
        )
        return BakhmutSchedule(
            phases=tuple(p for p in self.phases if keep(p.date, p.record)),
            supply=tuple(s for s in self.supply if keep(s.date, s.record)),
            recruitment=recs,
            forces=forces,
            withdrawals=tuple(w for w in self.withdrawals if keep(w.date, w.record)),
            holds=tuple(h for h in self.holds if keep(h.until, h.record)),
            offensives=offs,
        )

    def regimes_in_use(self) -> set[tuple[str, int]]:
        """The dated regimes this schedule switches on (for which parameters act)."""
        used: set[tuple[str, int]] = {("phase", p.index) for p in self.phases}
        used.add(("phase", 0))
        used |= {("supply", s.param) for s in self.supply if s.level is None}
        if self.offensives:
            used.add(("offensive", 0))
        return used

    def daily(self, days: int = DAYS) -> DailySchedule:
        """Per-day arrays of the schedule over ``days`` days."""
        geo = geography()
        d_idx = np.arange(days)

        def day(x: dt.date) -> int:
            return (x - START).days

        phase = np.zeros(days, dtype=np.int64)
        for p in sorted(self.phases, key=lambda p: p.date):
            phase[d_idx >= day(p.date)] = p.index
        supply_param = np.zeros(days, dtype=np.int64)
        supply_level = np.full(days, np.nan)
        for s in sorted(self.supply, key=lambda s: s.date):
            sel = d_idx >= day(s.date)
            supply_param[sel] = -1 if s.level is not None else s.param
            supply_level[sel] = np.nan if s.level is None else s.level
        recruiting = np.zeros(days, dtype=bool)
        for r in self.recruitment:
            end = day(r.end) if r.end is not None else days
            recruiting |= (d_idx >= day(r.start)) & (d_idx < end)
        offensive = np.zeros(days, dtype=bool)
        for o in self.offensives:
            end = day(o.end) if o.end is not None else days
            offensive |= (d_idx >= day(o.start)) & (d_idx < end)
        present = np.ones((days, 4), dtype=bool)
        departing = np.zeros((days, 4), dtype=bool)
        arrive_day = np.zeros(4, dtype=np.int64)
        for f in self.forces:
            for c in _FORCE_COMPONENTS[f.force]:
                a = max(day(f.arrive), 0)
                arrive_day[c] = a
                present[:, c] = d_idx >= a
                if f.depart is not None:
                    departing[:, c] = d_idx >= day(f.depart)
        withdraw_to = np.full(days, np.nan)
        withdrawn = np.zeros(days, dtype=bool)
        for w in sorted(self.withdrawals, key=lambda w: w.date):
            dd = day(w.date)
            if 0 <= dd < days:
                r_line = (
                    geo.r_in - 0.05
                    if w.to_fraction >= 0.999
                    else radius_for_fraction(w.to_fraction, geo)
                )
                prev = withdraw_to[dd]
                withdraw_to[dd] = r_line if np.isnan(prev) else min(prev, r_line)
                if w.to_fraction >= FALL_FRACTION:
                    withdrawn[d_idx >= dd] = True
        hold_line = np.full((days, 3), -np.inf)
        for h in self.holds:
            arm = FRONTS.index(geo.arm[h.place])
            line = geo.distance[h.place] + 0.5
            sel = d_idx < day(h.until)
            hold_line[sel, arm] = np.maximum(hold_line[sel, arm], line)
        return DailySchedule(
            phase=phase,
            supply_param=supply_param,
            supply_level=supply_level,
            recruiting=recruiting,
            offensive=offensive,
            present=present,
            departing=departing,
            arrive_day=arrive_day,
            withdraw_to=withdraw_to,
            withdrawn=withdrawn,
            hold_line=hold_line,
        )


# ---------------------------------------------------------------------------------------------
# the vector field


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
        schedule: dated regime switches and decisions (default: the record).
    """

    law: str = "square"
    schedule: BakhmutSchedule = field(default_factory=BakhmutSchedule.record)

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
        xp = _xp(next(iter(params.values())))
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
        xp = _xp(prep.theta)
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
        xp = _xp(prep.theta)
        s = prep.scalar
        return xp.stack([s["wc_0"], s["wp_0"], prep.rr_target[:, 0], prep.ua_target[:, 0]], axis=-1)

    # -- rates -----------------------------------------------------------------------------
    def rates(self, day: int, y: Any, prep: Prepared) -> Rates:
        """All flow rates on day ``day`` at state ``y`` (``(n, 7)``), for every run at once.

        Pure: works on NumPy and JAX arrays alike.
        """
        xp = _xp(y)
        geo = geography()
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
            _sigmoid(xp, (geo.city_distance - xp.maximum(rn, rs)) / ENC_WIDTH_KM)
            * _sigmoid(xp, (re - geo.r_in) / GATE_WIDTH_KM)
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
        out_rr = LAMBDA_RU * _softplus(xp, rr - rr_t, w_rr) / xp.maximum(rr, 1e-9) + (
            DEPART_RATE if dep[2] else 0.0
        )
        out_ua = LAMBDA_UA * _softplus(xp, ua - ua_t, w_ua) / xp.maximum(ua, 1e-9) + (
            DEPART_RATE if dep[3] else 0.0
        )
        out_hazard = xp.stack([out_wc, out_wp, out_rr, out_ua], axis=-1)
        recruit = 1.0 if (sch.recruiting[d] and present[0] and not dep[0]) else 0.0
        in_wc = s["wc_rate"] * recruit
        in_wp = s["wp_rate"] * (1.0 if (present[1] and not dep[1]) else 0.0)
        on_rr = 1.0 if present[2] and not dep[2] else 0.0
        on_ua = 1.0 if present[3] and not dep[3] else 0.0
        in_rr = LAMBDA_RU * _softplus(xp, rr_t - rr, w_rr) * on_rr
        in_ua = LAMBDA_UA * _softplus(xp, ua_t - ua, w_ua) * on_ua
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
            * _sigmoid(xp, (re - geo.r_in - HOLDOUT_KM) / HOLDOUT_WIDTH_KM),
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
        xp = _xp(y)
        r = self.rates(int(np.floor(t)), y, prep)
        x = xp.maximum(y[..., :4], 0.0)
        dx = -(r.loss_hazard * r.removal + r.out_hazard) * x + r.inflow
        l_ru = xp.sum(r.loss_hazard[..., :3] * x[..., :3], axis=-1)
        dr = -r.advance_per_loss * l_ru[..., None] + r.push_back
        return xp.concatenate([dx, dr], axis=-1)


# ---------------------------------------------------------------------------------------------
# engines


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
    """

    strength: np.ndarray
    losses: np.ndarray
    fronts: np.ndarray
    recruited: np.ndarray
    arrived_wp: np.ndarray
    seed: int | None
    method: str

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
        return np.asarray(city_fraction(self.fronts[..., 1]))

    def fall_day(self, threshold: float = FALL_FRACTION) -> np.ndarray:
        """Day the city-control fraction first reaches ``threshold`` (``inf`` if never)."""
        hit = self.city >= threshold
        first: np.ndarray = np.argmax(hit, axis=1).astype(float)
        first[~hit.any(axis=1)] = np.inf
        return first

    def held_by_russia(self, place: str, day: int) -> np.ndarray:
        """(n,) whether ``place`` is behind the Russian line on ``day``."""
        geo = geography()
        if place not in geo.arm:
            raise unknown_name("place", place, sorted(geo.arm))
        front = self.fronts[:, day, FRONTS.index(geo.arm[place])]
        if geo.arm[place] == "E":
            return np.asarray(city_fraction(front) >= FALL_FRACTION)
        return np.asarray(front <= geo.distance[place])


# ---------------------------------------------------------------------------------------------
# compiled deterministic engine (Numba when installed): the same equations as
# BakhmutModel.rates and the deterministic branch of simulate(), one run at a time.

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
    geo = geography()
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
    return BakhmutRuns(strength, losses, fronts, recruited, arrived, seed, method)


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
    return BakhmutRuns(strength, losses, fronts, recruited, arrived_wp, None, "deterministic")
