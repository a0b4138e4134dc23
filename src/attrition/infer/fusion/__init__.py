"""The fog-of-war estimate: fuse contradictory casualty claims into one Bayesian estimate.

Every claim is a noisy, biased observation of a latent truth: a daily casualty rate per side of
the battle (its sides and their components come from the battle's ``battle.toml``; a component,
such as Wagner at Bakhmut, is a share of its side's casualties when claims speak of it) that
moves slowly in log space, and a killed share of casualties per side. A claim observes the
integral of the relevant latent quantity over its period (``total``), its mean daily value
(``per_day``) or the ratio of the two sides' casualties (``casualty_ratio``), multiplied by a
bias for its claimant about that subject and log-normal noise for its claimant. Bias priors
follow the claimant's relation to the subject (reporting the enemy's losses, its own, or, for a
claimant group that is not a side, anyone's) and are partially pooled across claimants of the
same side or group. ``at_least``/``at_most`` claims are censored observations, ``range`` claims
interval-censored, ``about`` claims carry extra noise. Restatements (``dup_of``) are dropped.
The method note is ``docs/fog-of-war.md``.

The results are estimates from claims, never facts: the truth is identified only through the
claims whose biases are centred on one (the claimant groups) and through the bias priors, which
are stated and tested for sensitivity.

One module per job: :mod:`.sides` (the battle's sides, components and claimant relations),
:mod:`.priors`, :mod:`.claims` (cutoff, window, placement), :mod:`.streams` (external streams),
:mod:`.encode` (arrays for the model), :mod:`.model` (the NumPyro model and its sampler),
:mod:`.memory` (the memory check), :mod:`.estimator` (:class:`FogOfWar`), :mod:`.summary` (the
JSON summary), :mod:`.run` (:func:`fuse_claims`: the fit and what the streams change) and
:mod:`.request` (:func:`estimate`: one request checked before its fit, as the CLI runs it).

Usage::

    from attrition.data.claims import battle_spec, load_claims, load_phases
    from attrition.infer.fusion import FogOfWar

    fog = FogOfWar(seed=0, battle=battle_spec("bakhmut"))
    fog.fit(load_claims("bakhmut"), phases=load_phases("bakhmut"))
    fog.summary()["sides"]["RU"]["casualties"]  # {"median": ..., "q05": ..., "q95": ...}

JAX and NumPyro are imported inside the functions that need them (``pip install
attrition[bayes]``); importing this package is cheap.
"""

from __future__ import annotations

from typing import Any

from attrition.infer.fusion.claims import (
    MODELLED_METRICS,
    PreparedClaims,
    apply_cutoff,
    battle_span,
    battle_window,
    prepare_claims,
)
from attrition.infer.fusion.encode import Encoded, encode
from attrition.infer.fusion.estimator import FogOfWar
from attrition.infer.fusion.joint import JointFog
from attrition.infer.fusion.joint_priors import JointPriors
from attrition.infer.fusion.memory import check_fit_memory, estimate_bytes
from attrition.infer.fusion.model import ModelData, ModelLayout, log_diff_ndtr
from attrition.infer.fusion.period import PeriodEstimate, period_estimate
from attrition.infer.fusion.priors import FogPriors
from attrition.infer.fusion.request import (
    EstimateRequest,
    check_request,
    estimate,
    load_estimate_inputs,
    run_request,
)
from attrition.infer.fusion.run import FusedEstimate, fuse_claims, streams_effect
from attrition.infer.fusion.sides import (
    DEFAULT_BATTLE,
    RELATIONS,
    FusionSides,
    battle_sides,
    check_claim_sides,
    relation,
)
from attrition.infer.fusion.streams import check_streams_known, stream_observations
from attrition.infer.fusion.summary import summarise

__all__ = [
    "DEFAULT_BATTLE",
    "MODELLED_METRICS",
    "RELATIONS",
    "SIDES",
    "Encoded",
    "EstimateRequest",
    "FogOfWar",
    "FogPriors",
    "FusedEstimate",
    "FusionSides",
    "JointFog",
    "JointPriors",
    "ModelData",
    "ModelLayout",
    "PeriodEstimate",
    "PreparedClaims",
    "apply_cutoff",
    "battle_sides",
    "battle_span",
    "battle_window",
    "check_claim_sides",
    "check_fit_memory",
    "check_request",
    "check_streams_known",
    "encode",
    "estimate",
    "estimate_bytes",
    "fuse_claims",
    "load_estimate_inputs",
    "log_diff_ndtr",
    "period_estimate",
    "prepare_claims",
    "relation",
    "run_request",
    "stream_observations",
    "streams_effect",
    "summarise",
]


def __getattr__(name: str) -> Any:
    """``SIDES``: the latent sides of the default battle (:data:`DEFAULT_BATTLE`), read from its
    ``battle.toml``; kept for older callers (use ``battle_sides(battle).sides``)."""
    if name == "SIDES":
        return battle_sides().sides
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
