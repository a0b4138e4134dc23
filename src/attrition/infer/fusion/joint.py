"""``JointFog``: the fog-of-war fusion with the battle inside the war, the default estimate.

The former fusion (:class:`~attrition.infer.fusion.FogOfWar`, ``--model independent``) reads
every casualty claim as a figure about the battle. :class:`JointFog` reads each claim at its
**scope** (the battle, a sector around it, the whole front, or unspecified), counts
**restatements** of one estimate once, reads **component subtotals** (at Bakhmut: Wagner
convicts, Wagner contract fighters, Russian regulars) as parts of their side, gives every
claimant group (Western and independent ones too) a **bias per metric** centred by the
claimant's relation to the subject (priors learned from history when
:mod:`attrition.infer.bias_priors` is importable), and takes the all-front **streams** as
evidence on the whole front, each by the role the battle's ``battle.toml`` gives it
(``[fusion.streams]``; at Bakhmut: named Russian dead through a named-to-actual ratio, so the
front's killed stay above them; named Ukrainian dead as a lower bound; the General Staff's daily
series as a biased enemy claimant about the front's Russian casualties). Sides, leaves,
killed-share priors and stream roles are the battle's data
(:mod:`attrition.infer.fusion.joint_layout`); the model and its equations:
:mod:`attrition.infer.fusion.joint_model`; other priors and their reasoning:
:mod:`attrition.infer.fusion.joint_priors`; encoding: :mod:`.joint_encode`; results:
:mod:`.joint_results`; lineage columns: :mod:`attrition.infer.fusion.lineage`.

Usage::

    from attrition.data.claims import load_claims, load_phases
    from attrition.infer.fusion.joint import JointFog

    fog = JointFog(seed=0).fit(load_claims("bakhmut"), load_phases("bakhmut"))
    fog.summary()["scopes"]["city"]["RU"]["killed"]  # {"median": ..., "q05": ..., "q95": ...}
    fog.monthly_  # month x side x scope killed and casualties, with quantiles

Results are estimates from contested claims under stated priors, never facts.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError
from attrition.infer.fusion.claims import check_usable_claims, prepare_claims
from attrition.infer.fusion.joint_check import PPC_ALPHA
from attrition.infer.fusion.joint_encode import claim_rows, encode, stream_rows
from attrition.infer.fusion.joint_layout import JointBattle, joint_battle, joint_spec
from attrition.infer.fusion.joint_model import JointData, joint_runner
from attrition.infer.fusion.joint_priors import JointPriors, relation_priors_known_by
from attrition.infer.fusion.joint_results import JointResults
from attrition.infer.fusion.lineage import with_lineage
from attrition.infer.fusion.sides import BattleLike, FusionSides

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["LEAVE_OUT_COLUMNS", "JointFog", "joint_spec"]

LEAVE_OUT_COLUMNS: tuple[str, ...] = ("group", "source_id", "source", "claimant", "id")
"""The observation columns :attr:`JointFog.leave_out` may select on."""


def _zero_weights(rows: list[dict[str, Any]], leave_out: Mapping[str, Sequence[str]]) -> None:
    """Give weight 0 to the observation ``rows`` whose ``column`` is among the values of
    ``leave_out`` (in place); a value that no row has is a :class:`UserError`."""
    for col, values in leave_out.items():
        present = {str(r[col]) for r in rows}
        missing = [v for v in values if v not in present]
        if missing:
            known = ", ".join(sorted(present)[:12])
            raise UserError(
                f"JointFog: leave_out {col} {missing[0]!r}: no observation has it; known: {known}"
            )
    for r in rows:
        if any(str(r[col]) in values for col, values in leave_out.items()):
            r["weight"] = 0.0


@dataclass
class JointFog(JointResults):
    """Joint fusion of a battle and the whole front (scikit-learn style; fitted values end in
    ``_``).

    ``window``, ``cutoff``, ``draws``, ``warmup``, ``chains``, ``seed``, ``target_accept``,
    ``max_tree_depth``, ``change_points``, ``warn`` and ``battle`` as in
    :class:`~attrition.infer.fusion.FogOfWar` (``battle``: the battle whose ``battle.toml``
    gives the sides, leaves, ``[fusion]`` priors and stream roles; default the claims'
    ``attrs["battle"]``). ``streams``: the all-front streams to read (``None``, the default:
    every stream the battle's ``[fusion.streams]`` gives a role, the point of the model; with a
    ``cutoff``, those of them known by then, i.e. dated by publication; a stream without a
    role is refused); ``priors``: a
    :class:`~attrition.infer.fusion.joint_priors.JointPriors`. ``lineage``: the lineage table
    (frame or CSV path) merged on ``id`` when the claims lack its columns (default: the
    battle folder's ``claims.csv``). ``step_days``: the latent rates are constant over
    steps of this many days (14: half the sampling cost of weekly steps; the random walks'
    weekly sds are scaled to the step). ``leave_out``: observations to give weight 0, as
    ``{column: values}`` over the columns ``group``, ``source_id``, ``source``, ``claimant``
    and ``id`` of :attr:`observations_` (e.g. ``{"group": ["WEST"]}``: every claim and stream
    month of the Western group); the observations stay in the data, so the compiled sampler
    is shared with the fit without it (the influence study,
    :mod:`attrition.infer.validate.influence`, refits once per left-out group or source). A
    value no observation has is refused. Default ``None``: every observation at its weight.

    Fitted attributes: ``prepared_``, ``observations_`` (one row per observation: claims, then
    stream months, with ``scope``, ``subject``, ``weight``, ``group``, ``relation``),
    ``excluded_`` (claims not used and why, including those a read stream replaces), ``window_``,
    ``samples_``, ``draws_`` (``{scope: {subject: {quantity: draws}}}`` over the window),
    ``totals_`` (table), ``monthly_`` (month x side x scope quantiles of killed and casualties),
    ``share_`` (the battle's share of each side's front casualties over the window), ``bias_``
    (group x relation x metric), ``killed_share_`` (per leaf), ``named_ratio_`` (``None``
    without a ``named_ratio`` stream), ``bias_source_`` (``learned``, ``fallback``,
    ``given``, or with a cutoff ``learned by DATE (N pairs, M conflicts)``: the priors refitted
    on the reference pairs whose record was published by the cutoff), ``joint_`` (the
    :class:`~attrition.infer.fusion.joint_layout.JointBattle` read), ``streams_read_``,
    ``diagnostics_``, ``fit_seconds_``; and what the former fusion's consumers read, at the
    battle: ``sides_``, ``daily_`` (daily casualty rate per side), ``exchange_ratio_``,
    ``ppc_`` (posterior predictive check of every observation; ``ppc_alpha`` its threshold)
    and :meth:`daily_draws`, :meth:`share_draws`, :meth:`to_inference_data`.
    """

    window: tuple[str | dt.date, str | dt.date] | None = None
    cutoff: str | dt.date | None = None
    streams: Sequence[str] | None = None
    draws: int = 300
    warmup: int | None = None
    chains: int = 4
    seed: int = 0
    priors: JointPriors = field(default_factory=JointPriors)
    change_points: bool = True
    target_accept: float = 0.85
    max_tree_depth: int = 6
    warn: bool = True
    battle: BattleLike = None
    lineage: Any = None
    step_days: int = 14
    ppc_alpha: float = PPC_ALPHA
    leave_out: Mapping[str, Sequence[str]] | None = None

    def _check_params(self) -> None:
        for name in ("draws", "chains"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise UserError(f"JointFog: {name} = {v!r} must be a whole number >= 1")
        if self.warmup is not None and (
            not isinstance(self.warmup, int) or isinstance(self.warmup, bool) or self.warmup < 1
        ):
            raise UserError(f"JointFog: warmup = {self.warmup!r} must be a whole number >= 1")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise UserError(f"JointFog: seed = {self.seed!r} must be a whole number >= 0")
        if not 0.5 <= self.target_accept < 1:
            raise UserError(f"JointFog: target_accept = {self.target_accept!r} must be in [0.5, 1)")
        if not isinstance(self.max_tree_depth, int) or not 1 <= self.max_tree_depth <= 12:
            raise UserError(
                f"JointFog: max_tree_depth = {self.max_tree_depth!r} must be a whole number "
                "from 1 to 12"
            )
        if (
            not isinstance(self.step_days, int)
            or isinstance(self.step_days, bool)
            or not 1 <= self.step_days <= 31
        ):
            raise UserError(
                f"JointFog: step_days = {self.step_days!r} must be a whole number from 1 to 31"
            )
        if isinstance(self.streams, str) or (
            self.streams is not None and not all(isinstance(n, str) for n in self.streams)
        ):
            raise UserError("JointFog: streams must be a list of names, e.g. ['named-dead']")
        if not 0 < self.ppc_alpha < 0.5:
            raise UserError(f"JointFog: ppc_alpha = {self.ppc_alpha!r} must be in (0, 0.5)")
        if not isinstance(self.priors, JointPriors):
            raise UserError("JointFog: priors must be a JointPriors")
        for col, values in (self.leave_out or {}).items():
            if col not in LEAVE_OUT_COLUMNS:
                raise UserError(
                    f"JointFog: leave_out column {col!r} is not one of "
                    f"{', '.join(LEAVE_OUT_COLUMNS)}"
                )
            if isinstance(values, str) or not all(isinstance(v, str) for v in values):
                raise UserError(
                    f"JointFog: leave_out[{col!r}] must be a list of names, e.g. ['WEST']"
                )

    # -- fit ----------------------------------------------------------------------------------

    def fit(
        self,
        claims: pd.DataFrame,
        phases: pd.DataFrame | None = None,
        *,
        streams: pd.DataFrame | None = None,
    ) -> JointFog:
        """Fit the joint model to ``claims`` (claims schema, plus the lineage columns or a
        lineage table, :func:`~attrition.infer.fusion.lineage.with_lineage`); returns ``self``.

        ``phases`` sets the default window and the change points of the battle's share.
        ``streams``: a stream table in the format of
        :func:`attrition.data.streams.load_streams` replacing the packaged streams (tests and
        synthetic studies); the streams read are those named by the ``streams`` setting.
        """
        from attrition.infer.fusion.streams import (
            check_streams_known,
            stream_observations,
            streams_known_by,
        )

        self._check_params()
        claims = with_lineage(claims, self.lineage, battle=self.battle)
        spec = joint_spec(self.battle, claims)
        names = None if self.streams is None else list(self.streams)
        if names is None and self.cutoff is not None:
            # no look-ahead: of the streams with a role, only those known by the cutoff
            names = streams_known_by(sorted({r.stream for r in spec.fusion.streams}), self.cutoff)
        jb = joint_battle(spec, names)
        check_streams_known(list(jb.streams), self.cutoff)
        priors, cutoff_source = self.priors, None
        if self.cutoff is not None and self.priors.bias is None:
            # no look-ahead: the default priors rest on records compiled after the battle (the
            # Russo-Ukrainian pairs); a cutoff run refits them on the pairs known by then
            bias, cutoff_source = relation_priors_known_by(self.cutoff)
            priors = self.priors.replace(bias=bias)
        t0 = time.perf_counter()
        sides = FusionSides.from_spec(spec)
        prepared = prepare_claims(claims, self.window, self.cutoff, phases, battle=sides)
        check_usable_claims(prepared, sides, warn=self.warn)
        if not self.change_points:
            prepared = replace(prepared, change_points=())
        rows, excluded = claim_rows(prepared, jb)
        if not rows:
            raise UserError(
                f"no usable casualty claims among {len(prepared.table)} row(s); add claims "
                "in the claims schema"
            )
        srows: list[dict[str, Any]] = []
        if jb.streams:
            table = stream_observations(list(jb.streams), prepared.window, streams, battle=sides)
            srows = stream_rows(table, jb)
        self.joint_ = jb
        self.sides_ = sides
        self.streams_read_ = jb.streams
        self.window_ = prepared.window
        self.prepared_ = prepared
        self.excluded_ = excluded
        if self.leave_out:
            _zero_weights(rows + srows, self.leave_out)
        enc = encode(prepared, rows + srows, jb, priors, self.step_days)
        start, end = prepared.window
        self.week_of_day_ = enc.week_of_day
        self.start_ = start
        self.n_days_ = (end - start).days + 1
        self.bias_source_ = cutoff_source or enc.bias_source
        self.bias_priors_ = enc.bias_priors
        self.groups_ = enc.groups
        self.claimants_ = enc.claimants
        self.sectors_ = enc.sectors
        self.observations_ = enc.obs
        self.data_ = enc.data
        samples, diverging = self._sample(enc.data, jb)
        self._finish(samples, diverging)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _sample(self, data: JointData, jb: JointBattle) -> tuple[dict[str, np.ndarray], np.ndarray]:
        import jax
        import numpy as np

        warmup = self.warmup if self.warmup is not None else self.draws
        jdata = jax.tree.map(jax.numpy.asarray, data)
        keys = jax.random.split(jax.random.PRNGKey(self.seed), self.chains)
        values, diverging, steps = joint_runner(jb.layout)(
            keys,
            jdata,
            warmup=warmup,
            draws=self.draws,
            target_accept=float(self.target_accept),
            depth=int(self.max_tree_depth),
        )
        self.num_steps_ = np.asarray(steps)
        return {k: np.asarray(v) for k, v in values.items()}, np.asarray(diverging)
