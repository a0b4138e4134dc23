"""The results of a fitted :class:`~attrition.infer.fusion.joint.JointFog`: totals per scope
and subject, monthly draws, biases, killed shares, and the JSON-ready summary.

:class:`JointResults` is the part of :class:`~attrition.infer.fusion.joint.JointFog` that reads
its posterior draws; every subject and side comes from the battle's
:class:`~attrition.infer.fusion.joint_layout.JointLayout`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError, unknown_name
from attrition.infer.fusion.joint_encode import month_index
from attrition.infer.fusion.joint_layout import BOTH, JointBattle
from attrition.infer.fusion.joint_model import joint_latent_sites
from attrition.infer.fusion.summary import quantiles, round_q, sig

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from attrition.infer.diagnostics import Convergence
    from attrition.infer.fusion.sides import FusionSides

__all__ = ["JointResults"]


class JointResults:
    """Results of a joint fit (mixed into :class:`~attrition.infer.fusion.joint.JointFog`)."""

    joint_: JointBattle
    observations_: pd.DataFrame
    excluded_: pd.DataFrame
    groups_: list[tuple[str, str]]
    week_of_day_: np.ndarray
    start_: dt.date
    n_days_: int
    window_: tuple[dt.date, dt.date]
    bias_priors_: dict[str, tuple[float, float]]
    bias_source_: str
    fit_seconds_: float
    streams_read_: tuple[str, ...]
    seed: int
    warn: bool
    ppc_alpha: float
    sides_: FusionSides
    data_: Any
    claimants_: list[str]
    sectors_: list[str]

    @property
    def output_subjects(self) -> tuple[str, ...]:
        """The subjects the results report: the sides and every component, part and remainder
        (every subject of the layout but ``BOTH``)."""
        return tuple(s for s in self.joint_.layout.subjects if s != BOTH)

    def _finish(self, samples: dict[str, np.ndarray], diverging: np.ndarray) -> None:
        import numpy as np
        import pandas as pd

        from attrition.infer.diagnostics import convergence

        lay = self.joint_.layout
        self.samples_ = samples
        chains, draws = samples["killed_share"].shape[:2]

        def flat(x: np.ndarray) -> np.ndarray:
            return np.asarray(x, dtype=np.float64).reshape((chains * draws, *x.shape[2:]))

        killed = flat(samples["killed_share"])  # (N, L)
        sub = np.asarray(lay.subject_leaves, dtype=np.float64)  # (subjects, L)
        wod = self.week_of_day_
        outputs = self.output_subjects
        draws_out: dict[str, dict[str, dict[str, np.ndarray]]] = {}
        daily: dict[str, dict[str, np.ndarray]] = {}
        for scope, site in (("city", "comp_city"), ("front", "comp_front")):
            comp = flat(samples[site])[:, :, wod]  # (N, L, T) daily rates per leaf
            cas = np.einsum("sc,nct->nst", sub, comp)
            kil = np.einsum("sc,nct->nst", sub, comp * killed[:, :, None])
            daily[scope] = {"casualties": cas, "killed": kil}
            draws_out[scope] = {}
            for j, subj in enumerate(lay.subjects):
                if subj not in outputs:
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
            for side in lay.sides
        }
        self.killed_share_ = {c: quantiles(killed[:, i]) for i, c in enumerate(lay.leaf_order)}
        self.named_ratio_ = (
            quantiles(flat(samples["named_ratio"])) if "named_ratio" in samples else None
        )
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
        latent = {k: samples[k] for k in joint_latent_sites(lay) if k in samples}
        self.diagnostics_: Convergence = convergence(latent, diverging, warn=self.warn)
        self.diverging_ = np.asarray(diverging)
        self._finish_city(daily)

    def _finish_city(self, daily: dict[str, dict[str, np.ndarray]]) -> None:
        """What the former fusion's consumers read, at the battle (``city``): the daily
        table, the exchange ratio and the posterior predictive check."""
        import datetime as dt

        import numpy as np
        import pandas as pd

        from attrition.infer.fusion.joint_check import joint_ppc

        lay = self.joint_.layout
        cas = daily["city"]["casualties"]  # (N, subjects, T)
        order = [lay.subjects.index(side) for side in self.sides_.sides]
        self._city_daily = cas[:, order, :]  # (N, side, T) in the order of sides_.sides
        days = [self.start_ + dt.timedelta(days=t) for t in range(self.n_days_)]
        drows = []
        for i, side in enumerate(self.sides_.sides):
            q05, q50, q95 = np.quantile(self._city_daily[:, i, :], [0.05, 0.5, 0.95], axis=0)
            for t, day in enumerate(days):
                drows.append(
                    {"date": day, "side": side, "median": q50[t], "q05": q05[t], "q95": q95[t]}
                )
        self.daily_ = pd.DataFrame(drows, columns=["date", "side", "median", "q05", "q95"])
        ratio = self.sides_.ratio_sides
        if ratio is not None:
            a, b = (self.draws_["city"][x]["casualties"] for x in ratio)
            self.exchange_ratio_: dict[str, float] | None = quantiles(a / b)
        else:
            self.exchange_ratio_ = None
        self.ppc_ = joint_ppc(
            self.observations_,
            self.samples_,
            np.asarray(self.data_.scope),
            float(self.data_.scalars[12]),
            alpha=self.ppc_alpha,
            seed=self.seed,
        )

    # -- the former fusion's interface, at the battle --------------------------------------

    def daily_draws(self) -> tuple[list[dt.date], np.ndarray]:
        """Posterior draws of the battle's daily casualty rate: dates and an array (draw, day,
        side) with sides in the order of ``sides_.sides`` (as
        :meth:`attrition.infer.fusion.FogOfWar.daily_draws`)."""
        self._require_fitted()
        days = [self.start_ + dt.timedelta(days=t) for t in range(self.n_days_)]
        return days, self._city_daily.transpose(0, 2, 1)

    def daily_killed_draws(self) -> np.ndarray:
        """Posterior draws of the battle's daily killed, array (draw, day, side) with sides in
        the order of ``sides_.sides`` (each side's killed summed over its leaves)."""
        self._require_fitted()
        lay = self.joint_.layout
        order = [lay.subjects.index(side) for side in self.sides_.sides]
        return self.daily_draws_["city"]["killed"][:, order, :].transpose(0, 2, 1)

    def daily_frame(self) -> pd.DataFrame:
        """The battle's daily casualty rate as a tidy table (``date, side, median, q05,
        q95``)."""
        self._require_fitted()
        return self.daily_.copy()

    def period_draws(self, i0: int, i1: int) -> dict[str, dict[str, np.ndarray]]:
        """Draws of the battle's totals over days ``i0 .. i1 - 1`` of the window, per side and
        component: ``casualties``, ``killed``, ``wounded`` and ``share_of_window`` (the
        period's casualties over the same draw's whole window); what
        :func:`attrition.infer.fusion.period.period_estimate` reports."""
        self._require_fitted()
        lay = self.joint_.layout
        city = self.daily_draws_["city"]
        out: dict[str, dict[str, np.ndarray]] = {}
        for subj in self.output_subjects:
            j = lay.subjects.index(subj)
            cas = city["casualties"][:, j, i0:i1].sum(axis=1)
            kil = city["killed"][:, j, i0:i1].sum(axis=1)
            out[subj] = {
                "casualties": cas,
                "killed": kil,
                "wounded": cas - kil,
                "share_of_window": cas / city["casualties"][:, j].sum(axis=1),
            }
        return out

    def share_draws(self, component: str) -> np.ndarray:
        """Posterior draws (flat) of a component's share of its side's casualties at the
        battle; a name that is not a component raises :class:`UserError`."""
        import numpy as np

        self._require_fitted()
        comps = {c: s for c, s in self.sides_.components}
        if component not in comps or component not in self.draws_["city"]:
            raise unknown_name("component", component, sorted(comps) or ["(none estimated)"])
        city = self.draws_["city"]
        share = city[component]["casualties"] / city[comps[component]]["casualties"]
        return np.asarray(share, dtype=np.float64)

    def to_inference_data(self, attrs: dict[str, Any] | None = None) -> Any:
        """The posterior as ArviZ ``InferenceData``
        (:func:`~attrition.infer.fusion.joint_check.joint_inference_data`)."""
        from attrition.infer.fusion.joint_check import joint_inference_data

        self._require_fitted()
        return joint_inference_data(self, attrs)

    def monthly_draws(self, scope: str, side: str, quantity: str = "killed") -> np.ndarray:
        """Posterior draws of a monthly total: array ``(draw, month)`` over the months of the
        window (calendar months, clipped; labels in :attr:`monthly_`). ``scope`` ``city`` or
        ``front``; ``side`` a side, component, part or remainder of the battle (at Bakhmut
        e.g. ``RU``, ``WAGNER_CONVICTS``); ``quantity`` ``casualties`` or ``killed``."""
        import numpy as np

        self._require_fitted()
        if scope not in self.daily_draws_:
            raise unknown_name("scope", scope, self.daily_draws_)
        if quantity not in ("casualties", "killed"):
            raise unknown_name("quantity", quantity, ("casualties", "killed"))
        if side not in self.output_subjects:
            raise unknown_name("side", side, self.output_subjects)
        labels, index = month_index(self.start_, self.n_days_)
        x = self.daily_draws_[scope][quantity][:, self.joint_.layout.subjects.index(side)]
        out = np.zeros((x.shape[0], len(labels)))
        for m in range(len(labels)):
            out[:, m] = x[:, index == m].sum(axis=1)
        return out

    def _monthly(self) -> pd.DataFrame:
        import pandas as pd

        labels, _ = month_index(self.start_, self.n_days_)
        rows = []
        for scope in ("city", "front"):
            for side in self.joint_.layout.sides:
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
        (``city``: the battle, ``front``: the whole front)."""
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
        """The fit as a JSON-ready dict: every key of the former fusion's summary
        (:func:`attrition.infer.fusion.summarise`), read at the battle, and the joint model's.

        The former fusion's keys: ``window``, ``sides`` (the battle's totals per side and per
        component, part and remainder: ``casualties``, ``killed``, ``wounded`` as ``{median,
        q05, q95}``; the same as ``scopes.city``), ``exchange_ratio`` (of
        ``exchange_ratio_sides``), ``killed_share`` (per side at the battle, and per leaf),
        ``claimants`` (group, main subject and metric, the group's bias about it, noise sd),
        ``claimant_groups`` (bias per relation; the group's own figures beside the fused
        value at the claim's scope), ``implausible_claims`` (posterior predictive tail
        probability below ``ppc_alpha``), ``diagnostics``, ``seed``, ``n_claims``,
        ``streams``, ``cutoff``, ``note``, ``battle``.

        The joint model's: ``model`` (``"joint"``), ``scope`` (``"city"``: what ``sides``
        means), ``components`` (killed per component at the battle), ``scopes`` (``city`` and
        ``front``), ``battle_share`` (the battle's share of each side's front casualties;
        also under its former name ``bakhmut_share``), ``named_ratio`` (``null`` without a
        ``named_ratio`` stream), ``bias`` (per group: relation: metric), ``bias_priors`` and
        ``bias_source``, ``battle_priors`` (the ``[fusion]`` priors with their reasoning),
        ``excluded`` (claims left out because a stream replaces them, with reasons),
        ``n_sources`` (distinct ``source_id``). The fit's wall time is ``fit_seconds_``, not in
        the summary (same seed, same bytes).
        """
        import numpy as np

        from attrition.data.dates import parse_date
        from attrition.infer.fusion.joint_check import (
            claimant_groups,
            claimants_table,
            implausible_claims,
        )

        self._require_fitted()
        start, end = self.window_
        window_days = (end - start).days + 1
        lay = self.joint_.layout
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
        city = self.draws_["city"]
        killed_share = {
            side: round_q(quantiles(city[side]["killed"] / city[side]["casualties"]), 3)
            for side in self.sides_.sides
        }
        killed_share |= {c: round_q(q, 3) for c, q in self.killed_share_.items()}
        components = {
            subj: scopes["city"][subj]["killed"]
            for subj in self.output_subjects
            if subj not in lay.sides
        }
        ratio = self.exchange_ratio_
        ratio_sides = self.sides_.ratio_sides
        beta = self.samples_["beta"].reshape(-1, len(self.groups_))
        noise = self.samples_["noise"].reshape(-1, len(self.claimants_))
        cutoff = getattr(self, "cutoff", None)
        return {
            "model": "joint",
            "scope": "city",
            "battle": self.joint_.battle,
            "window": {"start": start.isoformat(), "end": end.isoformat(), "days": window_days},
            "sides": scopes["city"],
            "components": components,
            "exchange_ratio": None if ratio is None else round_q(ratio, 4),
            "exchange_ratio_sides": None if ratio_sides is None else list(ratio_sides),
            "scopes": scopes,
            "battle_share": {s: round_q(q, 3) for s, q in self.share_.items()},
            "bakhmut_share": {s: round_q(q, 3) for s, q in self.share_.items()},
            "killed_share": killed_share,
            "named_ratio": round_q(self.named_ratio_, 3) if self.named_ratio_ else None,
            "bias": bias,
            "bias_priors": {r: [float(v) for v in lv] for r, lv in self.bias_priors_.items()},
            "bias_source": self.bias_source_,
            "battle_priors": self.joint_.priors(),
            "claimants": claimants_table(self.ppc_, self.bias_, noise, self.claimants_),
            "claimant_groups": claimant_groups(
                self.ppc_, np.asarray(beta, dtype=np.float64), self.groups_, window_days
            ),
            "implausible_claims": implausible_claims(self.ppc_),
            "excluded": [
                {"id": str(r["id"]), "reason": str(r["reason"])}
                for r in self.excluded_.to_dict("records")
                if str(r["reason"]).startswith("restates the ")
            ],
            "n_claims": len(claims),
            "n_sources": int(claims["source_id"].nunique()),
            "streams": list(self.streams_read_),
            "cutoff": None if cutoff is None else str(parse_date(cutoff, "cutoff")),
            "diagnostics": {
                "r_hat_max": sig(float(diag.r_hat_max), 4),
                "ess_min": sig(float(diag.ess_min), 4),
                "divergences": int(diag.divergences),
                "chains": int(diag.chains),
                "draws": int(diag.draws),
            },
            "seed": int(self.seed),
            "note": (
                "Estimates fused from contested claims under stated priors; not facts. "
                "Intervals are 90% posterior intervals. city = the battle, front = the whole war."
            ),
        }
