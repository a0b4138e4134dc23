"""Parameters of the Bakhmut model: one :class:`ParamSpec` each.

Each has its prior, its transform and the publication its prior rests on (for cutoffs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from attrition.battles.bakhmut.axes import N_PHASES
from attrition.battles.bakhmut.smooth import array_module, sigmoid
from attrition.errors import UserError


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
        fixed: why the parameter is not fitted (``""``: it is). A fixed parameter is held at
            its prior median ``value(loc)`` in every calibration and in the posterior draws;
            the prior (``loc``, ``scale``) stays, as the scale of scenario overrides and of the
            identification table (:mod:`attrition.battles.bakhmut.identification`).
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
    fixed: str = ""

    @property
    def fixed_value(self) -> float:
        """The value a fixed parameter is held at: its prior median ``value(loc)``."""
        return float(self.value(np.float64(self.loc)))

    def value(self, z: Any) -> Any:
        """Transform from the unconstrained scale."""
        xp = array_module(z)
        if self.prior == "lognormal":
            return xp.exp(z)
        if self.prior == "logitnormal":
            return sigmoid(xp, z)
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


_SPECS: tuple[ParamSpec, ...] = (
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
    # responses to the state of the battle
    ParamSpec("urban_intensity", "lognormal", _ln(0.5), 0.8, "ratio",
              "Extra combat intensity (both sides' losses) while the fighting is inside a town: "
              "the tempo is θ_k·(1 + this × the share of the effort fighting in a town) "
              "('fierce urban warfare', a 'meat grinder'); it ends when no town is contested."),
    ParamSpec("ua_reinforce", "lognormal", _ln(0.3), 0.8, "ratio",
              "Ukraine's committed strength rises by this share under full encirclement "
              "pressure (units 'reinforced by many other units ... to fill in gaps'; the "
              "committed level is ua_k·(1 + this·p_enc))."),
    ParamSpec("city_garrison", "logitnormal", _logit(1.0 / 3.0), 0.7, "share",
              "Share of Ukraine's committed strength tied to holding the city, which leaves the "
              "battle once no part of the city is held (Kofman: holding Bakhmut 'was tying down "
              "Ukraine's well-trained units'); the eastern axis's third of the front."),
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

_UNMOVED = (
    "not identified: on all evidence its posterior 90% interval stays wider than the "
    "identification threshold (identification.IDENTIFIED_RATIO) of the prior's under every law, "
    "over three SMC seeds at 500 particles and one at 2,000, and the evidence did not move its "
    "centre (by less than half a prior sd)"
)
_UNMOVED_2000 = (
    "not identified: on all evidence its posterior 90% interval stays wider than the "
    "identification threshold (identification.IDENTIFIED_RATIO) of the prior's in every "
    "calibration of every law (3 SMC seeds x 2,000 particles x 6 moves each), and no law's "
    "centre moved by half a prior sd or more (averaged over the seeds): the first scan, "
    "git show d33a7a7:benchmarks/results/identification_scan.json (not re-scanned at 16 moves)"
)
_UNMOVED_16 = (
    "not identified: on all evidence the median over 3 SMC seeds (2,000 particles x 16 moves) "
    "of its posterior-to-prior 90% width ratio stays above identification.IDENTIFIED_RATIO "
    "under every law, and no law's centre moved by half a prior sd or more (averaged over the "
    "seeds): tools/identification_scan.py, benchmarks/results/identification_scan.json"
)
FIXED: dict[str, str] = {
    **{
        name: _UNMOVED
        for name in ("wc_0", "encirclement_advance", "share_n_1", "share_s_4", "share_n_5")
    },
    **{
        name: _UNMOVED_2000
        for name in (
            "exp_wc",
            "tempo_elasticity",
            "supply_1",
            "urban_protect",
            "encirclement",
            "share_s_2",
            "share_n_4",
            "share_s_5",
        )
    },
    **{
        name: _UNMOVED_16
        for name in ("rr_1", "wp_0", "urban_intensity", "ua_reinforce", "share_n_3")
    },
    "city_garrison": (
        "not identified by the record: Ukraine held part of the city to the end of the window, "
        "so the record never shows the garrison released (nothing is released at the holdout; "
        "runs whose line passes the city's western edge release it, untested); held at the "
        "prior median, a third (the eastern axis's share of the front under equal effort "
        "shares), and set by a scenario's [parameters] table to test it"
    ),
}
"""Parameters not fitted, with the reason: held at their prior median in every calibration
(:attr:`ParamSpec.fixed`). Chosen from the identification tables measured on all evidence
(:mod:`attrition.battles.bakhmut.identification`): a parameter is fixed when its posterior
90% width stays above ``IDENTIFIED_RATIO`` of its prior's under every law *and* the evidence
did not move its centre (mean shift under half a prior sd). The first five were chosen with
the model before its responses to the state (3 seeds at 500 particles, one at 2,000); the
next eight by a first scan with 2,000 particles × 6 moves on the model with them, counting a
parameter as identified when any one calibration narrowed it (a lenient rule); the last five
by ``tools/identification_scan.py`` (2,000 particles × 16 moves, each law's median over 3
seeds). 500 particles, or 6 moves, narrow posteriors artificially; the first thirteen were
not re-scanned at 16 moves. Parameters that are not
narrowed but moved (``contract_days``, ``return_share``, ``exp_rr``, ``supply_3``, ``r0_s``,
``share_s_1``, ``share_n_2`` and ``share_s_3``: under some law their centre moves by 0.55 to
3.2 prior sds) stay fitted: holding them at the prior median would override what the evidence
says; the identification table shows them in bold."""

if not set(FIXED) <= {p.name for p in _SPECS}:  # pragma: no cover - a typo in FIXED
    raise RuntimeError(f"FIXED names unknown parameters: {set(FIXED) - {p.name for p in _SPECS}}")

PARAMS: tuple[ParamSpec, ...] = tuple(replace(p, fixed=FIXED.get(p.name, "")) for p in _SPECS)
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
