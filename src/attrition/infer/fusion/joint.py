"""``JointFog``: the fog-of-war fusion with Bakhmut inside the war (opt-in, issue 14).

The default fusion (:class:`~attrition.infer.fusion.FogOfWar`) reads every casualty claim as a
figure about Bakhmut. :class:`JointFog` reads each claim at its **scope** (Bakhmut, a sector
around it, the whole front, or unspecified), counts **restatements** of one estimate once,
reads **component subtotals** (Wagner convicts, Wagner contract fighters, Russian regulars) as
parts of their side, gives every claimant group (Western and independent ones too) a **bias per
metric** centred by the claimant's relation to the subject (priors learned from history when
:mod:`attrition.infer.bias_priors` is importable), and takes the all-front **streams** as
evidence on the whole front: named Russian dead through a named-to-actual ratio (so the
front's killed stay above them), named Ukrainian dead as a lower bound, and the General
Staff's daily series as a biased enemy claimant about the front's Russian casualties. The model
and its equations: :mod:`attrition.infer.fusion.joint_model`; priors and their reasoning:
:mod:`attrition.infer.fusion.joint_priors`; lineage columns: :mod:`attrition.infer.fusion.lineage`.

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
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from attrition.errors import DataWarning, UserError, unknown_name
from attrition.infer.fusion.claims import PreparedClaims, prepare_claims
from attrition.infer.fusion.joint_model import (
    BASIS_METRICS,
    BASIS_SUBJECTS,
    COMPONENT_ORDER,
    SUBJECT_COMPONENTS,
    JointData,
    joint_latent_sites,
    joint_runner,
    scalars_of,
)
from attrition.infer.fusion.joint_priors import BIAS_RELATIONS, JointPriors
from attrition.infer.fusion.lineage import WIDE_QUALIFIERS, restatement_weights, with_lineage
from attrition.infer.fusion.sides import BattleLike, battle_sides
from attrition.infer.fusion.summary import quantiles, round_q

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from attrition.infer.diagnostics import Convergence

__all__ = ["GENSTAFF_GROUP", "GENSTAFF_PREFIX", "JOINT_STREAMS", "JointFog"]

JOINT_STREAMS: tuple[str, ...] = ("genstaff", "named-dead")
"""The all-front streams the joint model reads (``oryx`` equipment counts are not read)."""

GENSTAFF_PREFIX = "ua-genstaff-"
"""``source_id`` prefix of claims traced to the General Staff's whole-front daily reports; with
the ``genstaff`` stream on they are not used (the stream already carries that evidence)."""

GENSTAFF_GROUP = "UA_GENSTAFF"
"""The claimant group of the General Staff stream (its own group: a daily whole-front series
whose bias need not be that of Ukrainian officials' statements about Bakhmut)."""

SCOPE_CODE = {"city": 0, "sector": 1, "front": 2, "unspecified": 3}
KIND_CODE = {"point": 0, "lower": 1, "upper": 2, "interval": 3}
METRIC_CODE = {"casualties": 0, "killed": 1, "wounded": 2, "casualty_ratio": 3}
RU_SUBJECTS = frozenset({"RU", "WAGNER", "WAGNER_CONVICTS", "WAGNER_CONTRACT", "RU_REGULAR"})
OUTPUT_SUBJECTS: tuple[str, ...] = (
    "RU",
    "UA",
    "WAGNER",
    "WAGNER_CONVICTS",
    "WAGNER_CONTRACT",
    "RU_REGULAR",
)


def bias_relation(claimant_side: str, subject: str) -> str:
    """The relation of a claimant side to a subject for the bias prior: ``own`` (Russia about
    Russia or any of its components, Ukraine about Ukraine), ``enemy`` (the other side), and
    ``third_party`` (a claimant group that is not a side, or any claimant about both sides).
    The General Staff stream's group (:data:`GENSTAFF_GROUP`) is Ukraine's.

    >>> bias_relation("UA", "WAGNER_CONVICTS"), bias_relation("RU", "RU_REGULAR")
    ('enemy', 'own')
    >>> bias_relation("WEST", "RU"), bias_relation("UA", "BOTH")
    ('third_party', 'third_party')
    """
    if claimant_side == GENSTAFF_GROUP:
        claimant_side = "UA"
    if subject == "BOTH" or claimant_side not in ("RU", "UA"):
        return "third_party"
    side = "RU" if subject in RU_SUBJECTS else "UA"
    return "own" if side == claimant_side else "enemy"


@dataclass
class JointFog:
    """Joint fusion of Bakhmut and the whole front (scikit-learn style; fitted values end in
    ``_``).

    ``window``, ``cutoff``, ``draws``, ``warmup``, ``chains``, ``seed``, ``target_accept``,
    ``max_tree_depth``, ``change_points``, ``warn`` and ``battle`` as in
    :class:`~attrition.infer.fusion.FogOfWar`. ``streams``: the all-front streams to read
    (:data:`JOINT_STREAMS`; default both, the point of the model); ``priors``: a
    :class:`~attrition.infer.fusion.joint_priors.JointPriors`. ``lineage``: the lineage table
    (frame or CSV path) merged on ``id`` when the claims lack its columns (default: the
    battle folder's ``claims.csv``). ``step_days``: the latent rates are constant over
    steps of this many days (14: half the sampling cost of weekly steps; the random walks'
    weekly sds are scaled to the step).

    Fitted attributes: ``prepared_``, ``observations_`` (one row per observation: claims, then
    stream months, with ``scope``, ``subject``, ``weight``, ``group``, ``relation``),
    ``excluded_`` (claims not used and why, including General-Staff-traced claims), ``window_``,
    ``samples_``, ``draws_`` (``{scope: {subject: {quantity: draws}}}`` over the window),
    ``totals_`` (table), ``monthly_`` (month x side x scope quantiles of killed and casualties),
    ``share_`` (Bakhmut's share of each side's front casualties over the window), ``bias_``
    (group x relation x metric), ``killed_share_`` (per component), ``named_ratio_``,
    ``bias_source_`` (``learned``, ``fallback`` or ``given``), ``diagnostics_``,
    ``fit_seconds_``.
    """

    window: tuple[str | dt.date, str | dt.date] | None = None
    cutoff: str | dt.date | None = None
    streams: Sequence[str] = JOINT_STREAMS
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
        if isinstance(self.streams, str):
            raise UserError("JointFog: streams must be a list of names, e.g. ['named-dead']")
        for name in self.streams:
            if name not in JOINT_STREAMS:
                raise unknown_name("stream", name, JOINT_STREAMS, "JointFog")
        if not isinstance(self.priors, JointPriors):
            raise UserError("JointFog: priors must be a JointPriors")

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

        ``phases`` sets the default window and the change points of Bakhmut's share.
        ``streams``: a stream table in the format of
        :func:`attrition.data.streams.load_streams` replacing the packaged streams (tests and
        synthetic studies); the streams read are those named by the ``streams`` setting.
        """
        from attrition.infer.fusion.streams import check_streams_known, stream_observations

        self._check_params()
        check_streams_known(list(self.streams), self.cutoff)
        if self.cutoff is not None and self.priors.bias_priors()[1] != "given":
            # the learned (and the fallback) bias priors rest on records compiled after the
            # battle (the Russo-Ukrainian pairs of the reference set): not known by a cutoff
            raise UserError(
                f"JointFog: cutoff {self.cutoff}: the bias priors are learned from records "
                "published after it; give the bias priors explicitly (JointPriors) for a cutoff "
                "run, or leave the cutoff out"
            )
        t0 = time.perf_counter()
        claims = with_lineage(claims, self.lineage)
        sides = battle_sides(self.battle, claims)
        if tuple(sides.sides) != ("RU", "UA"):
            raise UserError(
                f"JointFog: battle {sides.battle} has sides {', '.join(sides.sides)}; the joint "
                "model is built for a battle between RU and UA (use FogOfWar for others)"
            )
        prepared = prepare_claims(claims, self.window, self.cutoff, phases, battle=sides)
        if not self.change_points:
            prepared = replace(prepared, change_points=())
        rows, excluded = self._claim_rows(prepared)
        if not rows:
            raise UserError(
                f"no usable casualty claims among {len(prepared.table)} row(s); add claims "
                "in the claims schema"
            )
        stream_rows: list[dict[str, Any]] = []
        if self.streams:
            table = stream_observations(list(self.streams), prepared.window, streams, battle=sides)
            stream_rows = _stream_rows(table)
        self.window_ = prepared.window
        self.prepared_ = prepared
        self.excluded_ = excluded
        obs, data = self._encode(prepared, rows + stream_rows)
        self.observations_ = obs
        self.data_ = data
        samples, diverging = self._sample(data)
        self._finish(samples, diverging)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _claim_rows(self, prepared: PreparedClaims) -> tuple[list[dict[str, Any]], pd.DataFrame]:
        import pandas as pd

        used = prepared.used
        drop_gs = "genstaff" in self.streams
        out: list[dict[str, Any]] = []
        excluded: list[dict[str, Any]] = [
            {"id": r["id"], "reason": r["reason"]}
            for r in prepared.table[~prepared.table["used"]].to_dict("records")
        ]
        for r in used.to_dict("records"):
            source = str(r["source_id"])
            if drop_gs and source.startswith(GENSTAFF_PREFIX):
                excluded.append(
                    {"id": r["id"], "reason": "General Staff report: read as the genstaff stream"}
                )
                continue
            metric = str(r["metric"])
            subject = "BOTH" if metric == "casualty_ratio" else str(r["subject"])
            comp = str(r["component"])
            if comp and metric != "casualty_ratio":
                subject = comp
            group = str(r["claimant_side"])
            out.append(
                {
                    "id": str(r["id"]),
                    "source": "claim",
                    "role": 0,
                    "claimant": str(r["claimant"]),
                    "group": group,
                    "subject": subject,
                    "metric": metric,
                    "rate": str(r["rate"]),
                    "start": r["start"],
                    "end": r["end"],
                    "kind": str(r["kind"]),
                    "log_lo": float(r["log_lo"]),
                    "log_hi": float(r["log_hi"]),
                    "about": bool(r["about"]),
                    "scope": str(r["scope"]),
                    "sector_name": str(r["scope_note"]) if r["scope"] == "sector" else "",
                    "wide": str(r["scope_qualifier"]).strip().lower() in WIDE_QUALIFIERS,
                    "source_id": source,
                }
            )
        weights = restatement_weights([r["source_id"] for r in out])
        for row, w in zip(out, weights, strict=True):
            row["weight"] = w
        return out, pd.DataFrame(excluded, columns=["id", "reason"])

    def _encode(
        self, prepared: PreparedClaims, rows: list[dict[str, Any]]
    ) -> tuple[pd.DataFrame, JointData]:
        import numpy as np
        import pandas as pd

        start, end = prepared.window
        n_days = (end - start).days + 1
        week_of_day = np.arange(n_days) // self.step_days
        n_weeks = int(week_of_day[-1]) + 1
        change = np.zeros(n_weeks, dtype=np.float32)
        for cp in prepared.change_points:
            k = (cp - start).days // self.step_days
            if 0 < k < n_weeks:
                change[k] = 1.0
        self.week_of_day_ = week_of_day
        self.start_ = start
        self.n_days_ = n_days

        for r in rows:
            if r["metric"] == "casualty_ratio":
                r["relation"] = bias_relation(r["group"], "RU")
                r["relation2"] = bias_relation(r["group"], "UA")
            else:
                r["relation"] = bias_relation(r["group"], r["subject"])
                r["relation2"] = r["relation"]
        obs = pd.DataFrame(rows)
        n = len(obs)
        groups = sorted(
            {(g, rel) for g, rel in zip(obs["group"], obs["relation"], strict=True)}
            | {(g, rel) for g, rel in zip(obs["group"], obs["relation2"], strict=True)}
        )
        claimants = sorted(set(obs["claimant"]))
        sectors = sorted({s for s in obs["sector_name"] if s}) or ["(none)"]
        g_index = {g: i for i, g in enumerate(groups)}
        c_index = {c: i for i, c in enumerate(claimants)}
        e_index = {s: i for i, s in enumerate(sectors)}
        s_index = {s: i for i, s in enumerate(BASIS_SUBJECTS)}
        m_index = {m: i for i, m in enumerate(BASIS_METRICS)}

        f32, i32 = np.float32, np.int32
        overlap = np.zeros((n, n_weeks), dtype=f32)
        div = np.ones(n, dtype=f32)
        ndays = np.ones(n, dtype=f32)
        arrays: dict[str, np.ndarray] = {
            k: np.zeros(n, dtype=i32)
            for k in ("basis", "scope", "sector", "kind", "role", "claimant", "gr", "gr2")
        }
        arrays["metric"] = np.zeros(n, dtype=i32)
        floats = {k: np.zeros(n, dtype=f32) for k in ("ratio", "log_lo", "log_hi", "about")}
        floats |= {k: np.zeros(n, dtype=f32) for k in ("wide", "weight")}
        for i, r in enumerate(rows):
            first, last = (r["start"] - start).days, (r["end"] - start).days
            np.add.at(overlap[i], week_of_day[first : last + 1], 1.0)
            ndays[i] = last - first + 1
            if r["rate"] == "per_day":
                div[i] = ndays[i]
            if r["metric"] == "casualty_ratio":
                floats["ratio"][i] = 1.0
            else:
                arrays["basis"][i] = s_index[r["subject"]] * 3 + m_index[r["metric"]]
            arrays["scope"][i] = SCOPE_CODE[r["scope"]]
            arrays["sector"][i] = e_index.get(r["sector_name"], 0)
            arrays["kind"][i] = KIND_CODE[r["kind"]]
            arrays["role"][i] = r["role"]
            arrays["claimant"][i] = c_index[r["claimant"]]
            arrays["gr"][i] = g_index[(r["group"], r["relation"])]
            arrays["gr2"][i] = g_index[(r["group"], r["relation2"])]
            arrays["metric"][i] = METRIC_CODE[r["metric"]]
            floats["log_lo"][i] = r["log_lo"]
            floats["log_hi"][i] = r["log_hi"]
            floats["about"][i] = 1.0 if r["about"] else 0.0
            floats["wide"][i] = 1.0 if r["wide"] else 0.0
            floats["weight"][i] = r["weight"]
        p = self.priors
        bias, source = p.bias_priors()
        self.bias_source_ = source
        self.bias_priors_ = bias
        rel_code = {r: i for i, r in enumerate(BIAS_RELATIONS)}
        data = JointData(
            change=change,
            overlap=overlap,
            div=div,
            ndays=ndays,
            **arrays,
            **floats,
            group_rel=np.array([rel_code[rel] for _, rel in groups], dtype=i32),
            n_claimants=np.zeros(len(claimants), dtype=f32),
            n_sectors=np.zeros(len(sectors), dtype=f32),
            rel_prior=np.array([bias[r] for r in BIAS_RELATIONS], dtype=f32),
            killed_ab=np.array(
                [p.killed_convicts, p.killed_contract, p.killed_regular, p.killed_ua], dtype=f32
            ),
            conc=np.array(p.component_conc, dtype=f32),
            omega_ab=np.array(p.wagner_elsewhere, dtype=f32),
            eta_ab=np.array(p.sector_share, dtype=f32),
            named_ab=np.array(p.named_ratio, dtype=f32),
            scalars=np.array(scalars_of(p, self.step_days), dtype=f32),
        )
        self.groups_ = groups
        self.claimants_ = claimants
        self.sectors_ = sectors
        return obs, data

    def _sample(self, data: JointData) -> tuple[dict[str, np.ndarray], np.ndarray]:
        import jax
        import numpy as np

        warmup = self.warmup if self.warmup is not None else self.draws
        jdata = jax.tree.map(jax.numpy.asarray, data)
        keys = jax.random.split(jax.random.PRNGKey(self.seed), self.chains)
        values, diverging, steps = joint_runner()(
            keys,
            jdata,
            warmup=warmup,
            draws=self.draws,
            target_accept=float(self.target_accept),
            depth=int(self.max_tree_depth),
        )
        self.num_steps_ = np.asarray(steps)
        return {k: np.asarray(v) for k, v in values.items()}, np.asarray(diverging)

    # -- results ------------------------------------------------------------------------------

    def _finish(self, samples: dict[str, np.ndarray], diverging: np.ndarray) -> None:
        import numpy as np
        import pandas as pd

        from attrition.infer.diagnostics import convergence

        self.samples_ = samples
        chains, draws = samples["pi"].shape[:2]

        def flat(x: np.ndarray) -> np.ndarray:
            return np.asarray(x, dtype=np.float64).reshape((chains * draws, *x.shape[2:]))

        killed = flat(samples["killed_share"])  # (N, 4)
        sub = np.asarray(SUBJECT_COMPONENTS, dtype=np.float64)  # (7, 4)
        wod = self.week_of_day_
        draws_out: dict[str, dict[str, dict[str, np.ndarray]]] = {}
        daily: dict[str, dict[str, np.ndarray]] = {}
        for scope, site in (("city", "comp_city"), ("front", "comp_front")):
            comp = flat(samples[site])[:, :, wod]  # (N, 4, T) daily rates per component
            cas = np.einsum("sc,nct->nst", sub, comp)
            kil = np.einsum("sc,nct->nst", sub, comp * killed[:, :, None])
            daily[scope] = {"casualties": cas, "killed": kil}
            draws_out[scope] = {}
            for j, subj in enumerate(BASIS_SUBJECTS):
                if subj not in OUTPUT_SUBJECTS:
                    continue
                c_tot, k_tot = cas[:, j].sum(axis=1), kil[:, j].sum(axis=1)
                draws_out[scope][subj] = {
                    "casualties": c_tot,
                    "killed": k_tot,
                    "wounded": c_tot - k_tot,
                }
        self.draws_ = draws_out
        self.daily_draws_ = daily
        trows = [
            {"scope": scope, "side": subj, "quantity": q, **quantiles(x)}
            for scope, per in draws_out.items()
            for subj, qs in per.items()
            for q, x in qs.items()
        ]
        cols = ["scope", "side", "quantity", "median", "q05", "q95"]
        self.totals_ = pd.DataFrame(trows, columns=cols)
        self.share_ = {
            side: quantiles(
                draws_out["city"][side]["casualties"] / draws_out["front"][side]["casualties"]
            )
            for side in ("RU", "UA")
        }
        self.killed_share_ = {c: quantiles(killed[:, i]) for i, c in enumerate(COMPONENT_ORDER)}
        self.named_ratio_ = quantiles(flat(samples["named_ratio"]))
        self.fitted_ = True
        self.monthly_ = self._monthly()

        lbg = flat(samples["log_bias_group"])  # (N, G, 4)
        metrics = ("casualties", "killed", "wounded", "casualty_ratio")
        brows = []
        for g, (group, rel) in enumerate(self.groups_):
            for m, metric in enumerate(metrics):
                seen = (
                    (self.observations_["role"] == 0)
                    & (self.observations_["group"] == group)
                    & (self.observations_["relation"] == rel)
                    & (self.observations_["metric"] == metric)
                )
                brows.append(
                    {
                        "group": group,
                        "relation": rel,
                        "metric": metric,
                        "n_obs": int(seen.sum()),
                        **quantiles(np.exp(lbg[:, g, m])),
                    }
                )
        self.bias_ = pd.DataFrame(brows)
        latent = {k: samples[k] for k in joint_latent_sites() if k in samples}
        self.diagnostics_: Convergence = convergence(latent, diverging, warn=self.warn)

    def _month_index(self) -> tuple[list[str], np.ndarray]:
        import numpy as np

        days = [self.start_ + dt.timedelta(days=t) for t in range(self.n_days_)]
        labels = sorted({f"{d:%Y-%m}" for d in days})
        index = np.array([labels.index(f"{d:%Y-%m}") for d in days])
        return labels, index

    def monthly_draws(self, scope: str, side: str, quantity: str = "killed") -> np.ndarray:
        """Posterior draws of a monthly total: array ``(draw, month)`` over the months of the
        window (calendar months, clipped; labels in :attr:`monthly_`). ``scope`` ``city`` or
        ``front``; ``side`` one of ``RU``, ``UA``, ``WAGNER``, ``WAGNER_CONVICTS``,
        ``WAGNER_CONTRACT``, ``RU_REGULAR``; ``quantity`` ``casualties`` or ``killed``."""
        import numpy as np

        self._require_fitted()
        if scope not in self.daily_draws_:
            raise unknown_name("scope", scope, self.daily_draws_)
        if quantity not in ("casualties", "killed"):
            raise unknown_name("quantity", quantity, ("casualties", "killed"))
        if side not in OUTPUT_SUBJECTS:
            raise unknown_name("side", side, OUTPUT_SUBJECTS)
        labels, index = self._month_index()
        x = self.daily_draws_[scope][quantity][:, BASIS_SUBJECTS.index(side)]  # (N, T)
        out = np.zeros((x.shape[0], len(labels)))
        for m in range(len(labels)):
            out[:, m] = x[:, index == m].sum(axis=1)
        return out

    def _monthly(self) -> pd.DataFrame:
        import pandas as pd

        labels, _ = self._month_index()
        rows = []
        for scope in ("city", "front"):
            for side in ("RU", "UA"):
                for q in ("killed", "casualties"):
                    x = self.monthly_draws(scope, side, q)
                    for m, label in enumerate(labels):
                        rows.append(
                            {
                                "month": label,
                                "scope": scope,
                                "side": side,
                                "quantity": q,
                                **quantiles(x[:, m]),
                            }
                        )
        return pd.DataFrame(rows)

    def _require_fitted(self) -> None:
        if not getattr(self, "fitted_", False):
            raise UserError("JointFog is not fitted yet; call fit() first")

    def total(
        self, side: str, quantity: str = "casualties", scope: str = "city"
    ) -> dict[str, float]:
        """``{median, q05, q95}`` of a side's (or component's) total over the window at a scope
        (``city``: Bakhmut, ``front``: the whole front)."""
        self._require_fitted()
        if scope not in self.draws_:
            raise unknown_name("scope", scope, self.draws_)
        if side not in self.draws_[scope]:
            raise unknown_name("side", side, self.draws_[scope])
        if quantity not in self.draws_[scope][side]:
            raise unknown_name("quantity", quantity, self.draws_[scope][side])
        return quantiles(self.draws_[scope][side][quantity])

    def to_frame(self) -> pd.DataFrame:
        """The totals over the window: one row per scope, side (or component) and quantity,
        columns ``scope``, ``side``, ``quantity``, ``median``, ``q05``, ``q95``."""
        self._require_fitted()
        return self.totals_.copy()

    def summary(self) -> dict[str, Any]:
        """The fit as a JSON-ready dict.

        Keys: ``model`` (``"joint"``), ``window``, ``scopes`` (``city`` and ``front``, each
        ``{side or component: {casualties, killed, wounded}}`` as ``{median, q05, q95}``),
        ``bakhmut_share`` (of each side's front casualties), ``killed_share`` (per component),
        ``named_ratio``, ``bias`` (per group: relation: metric), ``bias_priors`` and
        ``bias_source``, ``excluded`` (claims not used, with reasons), ``n_claims``,
        ``n_sources`` (distinct ``source_id``), ``streams``, ``diagnostics``, ``seed``,
        ``note``.
        """
        self._require_fitted()
        start, end = self.window_
        scopes = {
            scope: {
                subj: {q: round_q(quantiles(x), 4) for q, x in qs.items()}
                for subj, qs in per.items()
            }
            for scope, per in self.draws_.items()
        }
        bias: dict[str, Any] = {}
        for r in self.bias_[self.bias_["n_obs"] > 0].to_dict("records"):
            slot = bias.setdefault(str(r["group"]), {}).setdefault(str(r["relation"]), {})
            slot[str(r["metric"])] = round_q({k: float(r[k]) for k in ("median", "q05", "q95")}, 3)
        obs = self.observations_
        claims = obs[obs["source"] == "claim"]
        diag = self.diagnostics_
        return {
            "model": "joint",
            "window": {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "days": (end - start).days + 1,
            },
            "scopes": scopes,
            "bakhmut_share": {s: round_q(q, 3) for s, q in self.share_.items()},
            "killed_share": {c: round_q(q, 3) for c, q in self.killed_share_.items()},
            "named_ratio": round_q(self.named_ratio_, 3),
            "bias": bias,
            "bias_priors": {r: [float(v) for v in lv] for r, lv in self.bias_priors_.items()},
            "bias_source": self.bias_source_,
            "excluded": [
                {"id": str(r["id"]), "reason": str(r["reason"])}
                for r in self.excluded_.to_dict("records")
                if str(r["reason"]).startswith("General Staff")
            ],
            "n_claims": len(claims),
            "n_sources": int(claims["source_id"].nunique()),
            "streams": sorted(set(self.streams)),
            "diagnostics": {
                "r_hat_max": float(diag.r_hat_max),
                "ess_min": float(diag.ess_min),
                "divergences": int(diag.divergences),
                "chains": int(diag.chains),
                "draws": int(diag.draws),
            },
            "fit_seconds": round(float(self.fit_seconds_), 1),
            "seed": int(self.seed),
            "note": (
                "Estimates fused from contested claims under stated priors; not facts. "
                "Intervals are 90% posterior intervals. city = Bakhmut, front = the whole war."
            ),
        }


def _stream_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Stream months (:func:`~attrition.infer.fusion.stream_observations`) as observations:
    General Staff Russian casualties a point claim of group :data:`GENSTAFF_GROUP` about the
    front; named Russian dead the ratio observation (role 1); named Ukrainian dead a lower
    bound on the front's Ukrainian killed (role 2)."""
    rows: list[dict[str, Any]] = []
    for r in table.to_dict("records"):
        value = float(r["value"])
        if not (math.isfinite(value) and value > 0):
            continue
        name, side = str(r["stream"]), str(r["subject"])
        if name == "genstaff":
            role, kind, group = 0, "point", GENSTAFF_GROUP
        elif name == "named-dead" and side == "RU":
            role, kind, group = 1, "point", "NAMED"
        elif name == "named-dead":
            role, kind, group = 2, "lower", "NAMED"
        else:  # pragma: no cover - JOINT_STREAMS guards this
            warnings.warn(f"stream {name} not read by JointFog", DataWarning, stacklevel=2)
            continue
        rows.append(
            {
                "id": str(r["id"]),
                "source": f"stream:{name}",
                "role": role,
                "claimant": str(r["claimant"]),
                "group": group,
                "subject": side,
                "metric": str(r["metric"]),
                "rate": "total",
                "start": r["start"],
                "end": r["end"],
                "kind": kind,
                "log_lo": math.log(value),
                "log_hi": math.log(value),
                "about": False,
                "scope": "front",
                "sector_name": "",
                "wide": False,
                "source_id": str(r["id"]),
                "weight": 1.0,
            }
        )
    return rows
