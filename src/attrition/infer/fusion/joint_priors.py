"""Prior hyperparameters of the joint battle-inside-the-war model (:class:`JointPriors`).

Each value carries its reasoning here; the model is :mod:`attrition.infer.fusion.joint_model`.

**Bias priors.** The group-level log bias of a claimant group about a subject is centred and
scaled by the relation of the claimant to the subject (``enemy``, ``own``, ``third_party``),
from :func:`attrition.infer.bias_priors.default_bias_priors` (fitted to the packaged
historical claim-vs-record pairs) when that module is importable. Otherwise the fallback
:data:`FALLBACK_BIAS` is used, and :func:`relation_priors` says so in its ``source``. The
fallback was read off the same reference dataset (``attrition.data.history``,
``claims_vs_record.csv``) by hand: among the pairs whose record is a count, enemy claims
have mean log(claimed/recorded) 1.09 (sd 0.54, 10 pairs) and own claims -0.21 (sd 0.33,
7 pairs); all 15 enemy pairs give 0.92 (sd 1.19), all 13 own pairs -0.32 (sd 0.39). The
fallback takes the all-pairs means and a scale between the two sds (the spread of a new
claimant's *group* mean, not of single claims). Third-party pairs are only two, both against
lower bounds (so their ratios, 3.1 and 6.6, bound the bias from above and cannot centre it):
the fallback centres third parties on 0 (no bias in expectation) with scale 0.5, so a factor
of 2.7 either way is two sd, wide enough to cover both historical ratios' lower ends.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import asdict, dataclass, replace
from typing import Any

from attrition.errors import UserError, unknown_name

__all__ = [
    "BIAS_RELATIONS",
    "FALLBACK_BIAS",
    "JointPriors",
    "relation_priors",
]

BIAS_RELATIONS: tuple[str, ...] = ("enemy", "own", "third_party")
"""The claimant-to-subject relations of the learned bias priors, in the model's order."""

FALLBACK_BIAS: dict[str, tuple[float, float]] = {
    "enemy": (0.9, 0.6),
    "own": (-0.3, 0.4),
    "third_party": (0.0, 0.5),
}
"""``(loc, scale)`` of the group-level log bias per relation when
``attrition.infer.bias_priors`` cannot be imported (reasoning in the module docstring)."""


def _read(obj: Any, rel: str) -> tuple[float, float] | None:
    """``(loc, scale)`` of one relation from a ``BiasPriors``-like object, whatever its shape
    (``obj.get("enemy", "personnel")``, the personnel family of
    :class:`attrition.infer.bias_priors.BiasPriors`; or ``obj.enemy.loc``, ``obj.loc["enemy"]``,
    ``obj["enemy"]``, ``obj.for_relation("enemy")``)."""
    cands: list[Any] = []
    if not isinstance(obj, dict) and callable(getattr(obj, "get", None)):
        with contextlib.suppress(Exception):
            cands.append(obj.get(rel, "personnel"))
    if hasattr(obj, "for_relation"):
        with contextlib.suppress(Exception):
            cands.append(obj.for_relation(rel))
    cands.append(getattr(obj, rel, None))
    if isinstance(obj, dict):
        cands.append(obj.get(rel))
    rels = getattr(obj, "relations", None)
    if isinstance(rels, dict):
        cands.append(rels.get(rel))
    for c in cands:
        if c is None:
            continue
        loc = getattr(c, "loc", None)
        scale = getattr(c, "scale", None)
        if loc is None and isinstance(c, dict):
            loc, scale = c.get("loc"), c.get("scale")
        if loc is None and isinstance(c, tuple | list) and len(c) == 2:
            loc, scale = c
        if loc is not None and scale is not None:
            return float(loc), float(scale)
    loc_map, scale_map = getattr(obj, "loc", None), getattr(obj, "scale", None)
    if isinstance(loc_map, dict) and isinstance(scale_map, dict) and rel in loc_map:
        return float(loc_map[rel]), float(scale_map[rel])
    return None


def relation_priors() -> tuple[dict[str, tuple[float, float]], str]:
    """``({relation: (loc, scale)}, source)`` of the group-level log bias.

    ``source`` is ``"learned"`` when every relation was read from
    ``attrition.infer.bias_priors.default_bias_priors()``, else ``"fallback"`` (the constants of
    :data:`FALLBACK_BIAS`; the module is written elsewhere and may be absent).
    """
    try:
        from attrition.infer import bias_priors  # type: ignore[attr-defined, unused-ignore]

        learned = bias_priors.default_bias_priors()
    except Exception:
        return dict(FALLBACK_BIAS), "fallback"
    out: dict[str, tuple[float, float]] = {}
    for rel in BIAS_RELATIONS:
        got = _read(learned, rel)
        if got is None or not (math.isfinite(got[0]) and math.isfinite(got[1]) and got[1] > 0):
            return dict(FALLBACK_BIAS), "fallback"
        out[rel] = got
    return out, "learned"


def relation_priors_known_by(cutoff: Any) -> tuple[dict[str, tuple[float, float]], str]:
    """``({relation: (loc, scale)}, source)`` fitted only on the reference pairs whose record
    was published by ``cutoff`` (:func:`attrition.infer.bias_priors.bias_priors_known_by`):
    the priors a run with that cutoff may use. ``source`` names the cutoff and the pairs
    (``"learned by 2023-05-20 (21 pairs, 7 conflicts)"``). No fallback: a relation the known
    pairs cannot give is a :class:`UserError`."""
    from attrition.infer.bias_priors import bias_priors_known_by

    known = bias_priors_known_by(cutoff)
    out: dict[str, tuple[float, float]] = {}
    for rel in BIAS_RELATIONS:
        got = _read(known, rel)
        if got is None or not (math.isfinite(got[0]) and math.isfinite(got[1]) and got[1] > 0):
            raise UserError(
                f"cutoff {cutoff}: the reference pairs known by then give no {rel} bias prior; "
                "give the bias priors explicitly (JointPriors(bias=...))"
            )
        out[rel] = got
    return out, f"learned by {known.cutoff} ({known.n_pairs} pairs, {known.n_conflicts} conflicts)"


@dataclass(frozen=True)
class JointPriors:
    """Prior hyperparameters of :class:`~attrition.infer.fusion.joint.JointFog`.

    The priors that are facts about one battle (the killed share of each leaf, the split of a
    side among its leaves) are the battle's data: ``[fusion]`` in its ``battle.toml``
    (:mod:`attrition.infer.fusion.joint_layout`). The values here are about the shape of any
    battle inside a war; their reasoning quotes Bakhmut (sides RU and UA), the first battle.

    Latent casualties (daily rates, weekly steps):

    A front-pinned side (one whose whole front a ``named_ratio`` stream pins; Bakhmut: Russia):

    * ``front_log_mean``/``front_log_sd``: the side's whole-front daily casualty rate,
      log-normal around 500 a day with sd 1.5 on the log scale (90%: 40 to 6,000 a day): a
      rate of that order for a front of about 1,000 km, left wide so the streams and claims
      set it.
    * ``share_logit_mean``/``share_logit_sd``: the battle's share of it, logit-normal around 0.2
      with sd 1.5 (90%: 0.02 to 0.7): one of the front's largest battles, but not most of it
      before the claims say so.

    Any other side (whose whole front at most a lower bound speaks of; Bakhmut: Ukraine):

    * ``city_log_mean``/``city_log_sd``: the battle's daily casualties of the side, log-normal
      around 100 a day, sd 1.5 (90%: 8 to 1,200).
    * ``rest_log_mean``/``rest_log_sd``: the rest of the front's, around 400 a day, sd 1.5
      (so the battle is again about a fifth of the front before the evidence).

    Random walks (weekly sds, scaled to the model's step): ``rest_rw_sd`` (0.15) for a pinned
    side's front and another side's rest of the front (they move slowly); ``city_rw_sd`` (0.2)
    for a pinned side's share logit and another side's battle rate, plus ``city_change_sd``
    (0.5) at each phase start (the battle's intensity changed by phase).
    * ``sector_share``: Beta shapes of the fraction of the rest of the front a named sector
      adds to the battle (1, 2: a sector is the battle plus part of the rest, mean a third).

    Observations:

    * ``noise_scale``/``noise_floor``/``about_sd``/``day_sd``: as in
      :class:`~attrition.infer.fusion.FogPriors`.
    * ``wide_sd``: extra log-scale noise of a claim whose scope is qualified ``mainly`` or
      ``primarily`` (0.3: up to a third of the figure may come from elsewhere).
    * ``p_city``: probability that an ``unspecified`` claim is about the battle rather than the
      whole front (0.7: the lineage review found each such casualty figure well below the
      General Staff's whole-front figure for its period, but the text does not say).
    * ``metric_sd``: sd of a group's metric-level log biases (killed, wounded, casualties,
      ratio) around the group's own log bias (0.25: a group may inflate killed by a factor
      1.3 more than wounded at one sd; fixed, as the former (independent) fusion fixes its
      claimant spread).
    * ``named_ratio``: Beta shapes of named dead per actual dead for a ``named_ratio`` stream
      (12, 12; mean 0.5, 90% 0.34 to 0.66): for Bakhmut's (named Russian dead),
      DATA_SOURCES.md quotes Mediazona's named dead over the probate-registry estimate as
      about 0.54 to 27 May 2023 and about 0.45 by mid-2024.
    * ``named_sd``: month-to-month log-scale spread of that ratio (0.15: deaths dated to the
      wrong month, uneven naming).
    * ``lower_sd``: softness of a lower bound from a named-dead count (0.05).
    * ``bias``: ``{relation: (loc, scale)}`` of the group-level log bias; default
      :func:`relation_priors`.
    """

    front_log_mean: float = math.log(500.0)
    front_log_sd: float = 1.5
    share_logit_mean: float = math.log(0.2 / 0.8)
    share_logit_sd: float = 1.5
    rest_log_mean: float = math.log(400.0)
    rest_log_sd: float = 1.5
    rest_rw_sd: float = 0.15
    city_log_mean: float = math.log(100.0)
    city_log_sd: float = 1.5
    city_rw_sd: float = 0.2
    city_change_sd: float = 0.5
    sector_share: tuple[float, float] = (1.0, 2.0)
    noise_scale: float = 0.4
    noise_floor: float = 0.1
    about_sd: float = 0.1
    day_sd: float = 0.4
    wide_sd: float = 0.3
    p_city: float = 0.7
    metric_sd: float = 0.25
    named_ratio: tuple[float, float] = (12.0, 12.0)
    named_sd: float = 0.15
    lower_sd: float = 0.05
    bias: dict[str, tuple[float, float]] | None = None

    def __post_init__(self) -> None:
        for name in (
            "front_log_sd",
            "share_logit_sd",
            "rest_log_sd",
            "rest_rw_sd",
            "city_log_sd",
            "city_rw_sd",
            "noise_scale",
            "noise_floor",
            "metric_sd",
            "named_sd",
            "lower_sd",
        ):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise UserError(f"JointPriors: {name} = {v!r} must be a positive number")
        for name in ("city_change_sd", "about_sd", "day_sd", "wide_sd"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise UserError(f"JointPriors: {name} = {v!r} must be a number >= 0")
        if not 0 < self.p_city < 1:
            raise UserError(f"JointPriors: p_city = {self.p_city!r} must be in (0, 1)")
        for name in (
            "sector_share",
            "named_ratio",
        ):
            shapes = getattr(self, name)
            if not all(isinstance(a, int | float) and a > 0 for a in shapes):
                raise UserError(f"JointPriors: {name} = {shapes!r} needs positive shapes")
        if self.bias is not None:
            for rel in BIAS_RELATIONS:
                if rel not in self.bias:
                    raise UserError(f"JointPriors: bias lacks relation {rel!r}; give all three")
                loc, scale = self.bias[rel]
                if not (math.isfinite(loc) and math.isfinite(scale) and scale > 0):
                    raise UserError(f"JointPriors: bias[{rel!r}] = {(loc, scale)!r} is invalid")

    def bias_priors(self) -> tuple[dict[str, tuple[float, float]], str]:
        """``({relation: (loc, scale)}, source)``: :attr:`bias` (source ``"given"``) or
        :func:`relation_priors`."""
        if self.bias is not None:
            return {r: tuple(self.bias[r]) for r in BIAS_RELATIONS}, "given"  # type: ignore[misc]
        return relation_priors()

    def replace(self, **changes: Any) -> JointPriors:
        """A copy with some hyperparameters changed (unknown names raise :class:`UserError`)."""
        valid = set(asdict(self))
        for k in changes:
            if k not in valid:
                raise unknown_name("prior", k, valid, "JointPriors")
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The hyperparameters as a JSON-ready dict (bias priors resolved)."""
        out = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        bias, source = self.bias_priors()
        out["bias"] = {r: list(v) for r, v in bias.items()}
        out["bias_source"] = source
        return out
