"""What a fitted joint fusion says about each claim and claimant: the posterior predictive
check (``ppc_``), claimant and claimant-group tables, and the ArviZ ``InferenceData``.

These read the draws of :class:`~attrition.infer.fusion.joint.JointFog`; the expected figure
of each observation (its log truth at the battle, its sector and the front, its log bias and
its noise sd) is a deterministic site of the model (:mod:`.joint_model`), so no equation of the
model is repeated here. An ``unspecified``-scope claim is a two-part mixture in the model
(the battle with probability ``p_city``, else the front); its predictive draws pick a part per
posterior draw with that probability (``numpy.random.default_rng(seed)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrition.infer.fusion.joint_encode import SCOPE_CODE
from attrition.infer.fusion.summary import group_figure, quantiles, round_q
from attrition.infer.fusion.summary import implausible_claims as summary_implausible

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "PPC_ALPHA",
    "claimant_groups",
    "claimants_table",
    "implausible_claims",
    "joint_inference_data",
    "joint_ppc",
]

PPC_ALPHA = 0.05
"""Tail probability under which a claim is flagged implausible (as in the former, independent
fusion)."""

_P_CITY = 12
"""Index of ``p_city`` (an unspecified claim is about the battle) in ``JointData.scalars``."""


def _flat(x: np.ndarray) -> np.ndarray:
    import numpy as np

    x = np.asarray(x, dtype=np.float64)
    return x.reshape((x.shape[0] * x.shape[1], *x.shape[2:]))


def joint_ppc(
    obs: pd.DataFrame,
    samples: dict[str, np.ndarray],
    scope: np.ndarray,
    p_city: float,
    *,
    alpha: float = PPC_ALPHA,
    seed: int = 0,
) -> pd.DataFrame:
    """The posterior predictive check of every observation of a joint fit
    (:func:`attrition.infer.diagnostics.posterior_predictive_check`, whose columns it
    returns, plus ``scope``): ``obs`` the fit's ``observations_``, ``samples`` its draws
    (with ``obs_log_truth``, ``obs_log_bias``, ``obs_sigma``), ``scope`` the observations'
    scope codes, ``p_city`` the prior probability that an unspecified claim is about the
    battle."""
    import numpy as np

    from attrition.infer.diagnostics import posterior_predictive_check

    log_truth = _flat(samples["obs_log_truth"])  # (N, 3, n): battle, sector, front
    n_draws = log_truth.shape[0]
    rng = np.random.default_rng([seed, 1])
    pick = np.where(
        scope == SCOPE_CODE["city"],
        0,
        np.where(scope == SCOPE_CODE["sector"], 1, 2),
    )
    picks = np.broadcast_to(pick, (n_draws, len(pick))).copy()
    unspecified = scope == SCOPE_CODE["unspecified"]
    if unspecified.any():
        at_city = rng.random((n_draws, int(unspecified.sum()))) < p_city
        picks[:, unspecified] = np.where(at_city, 0, 2)
    lt = np.take_along_axis(log_truth, picks[:, None, :], axis=1)[:, 0, :]
    mu = lt + _flat(samples["obs_log_bias"])
    sigma = _flat(samples["obs_sigma"])
    table = obs.copy()
    table["claimant_side"] = table["group"]
    out = posterior_predictive_check(table, mu, sigma, np.exp(lt), alpha=alpha, seed=seed)
    return out


def _q(r: Any) -> dict[str, float]:
    return {k: float(r[k]) for k in ("median", "q05", "q95")}


def claimants_table(
    ppc: pd.DataFrame, bias: pd.DataFrame, noise: np.ndarray, claimants: list[str]
) -> dict[str, Any]:
    """Per claimant (claims only): ``side`` (its group), ``n_claims``, its main ``subject``
    and ``metric``, ``bias`` (its group's multiplier about that subject and metric: claimants
    share their group's bias in the joint model), ``by_subject`` and ``noise_sd``."""
    claims = ppc[ppc["source"] == "claim"]
    out: dict[str, Any] = {}
    for c in sorted(set(claims["claimant"])):
        mine = claims[claims["claimant"] == c]
        by_subject: dict[str, Any] = {}
        for subj, rows in mine.groupby("subject", sort=True):
            metric = str(rows["metric"].mode().sort_values().iloc[0])
            rel = str(rows["relation"].iloc[0])
            group = str(rows["group"].iloc[0])
            b = bias[(bias["group"] == group) & (bias["relation"] == rel)]
            b = b[b["metric"] == metric]
            by_subject[str(subj)] = {
                "relation": rel,
                "metric": metric,
                **round_q(_q(b.iloc[0]), 3),
            }
        counts = mine["subject"].value_counts()
        main = sorted(counts.index[counts == counts.max()])[0]
        k = claimants.index(c)
        entry = by_subject[str(main)]
        out[c] = {
            "side": str(mine["group"].iloc[0]),
            "n_claims": len(mine),
            "subject": str(main),
            "metric": entry["metric"],
            "bias": {k2: entry[k2] for k2 in ("median", "q05", "q95")},
            "by_subject": by_subject,
            "noise_sd": round_q(quantiles(noise[:, k]), 3),
        }
    return out


def claimant_groups(
    ppc: pd.DataFrame, beta: np.ndarray, groups: list[tuple[str, str]], window_days: int
) -> dict[str, Any]:
    """Per claimant group: ``bias`` per relation (the group's multiplier before its metric
    offsets, ``exp(beta)``) and ``figures``: the group's own figures of at least half the
    window (totals; lower bounds left out) beside the fused value of the same quantity at the
    claim's scope."""
    out: dict[str, Any] = {}
    for g in sorted({grp for grp, _ in groups}):
        bias = {
            rel: round_q(quantiles(_exp(beta[:, k])), 3)
            for k, (grp, rel) in enumerate(groups)
            if grp == g
        }
        figures = []
        rows = ppc[(ppc["group"] == g) & (ppc["source"] == "claim")]
        for r in rows.to_dict("records"):
            span = (r["end"] - r["start"]).days + 1
            if r["rate"] != "total" or span < 0.5 * window_days or r["kind"] == "lower":
                continue
            figures.append(group_figure(r))
        if figures or bias:
            out[g] = {"bias": bias, "figures": figures}
    return out


def _exp(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.asarray(np.exp(x), dtype=np.float64)


def implausible_claims(ppc: pd.DataFrame) -> list[dict[str, Any]]:
    """The claims (not stream months) whose posterior predictive tail probability is below the
    threshold, most implausible first, each with its scope
    (:func:`attrition.infer.fusion.summary.implausible_claims`)."""
    return summary_implausible(ppc, claims_only=True)


def joint_inference_data(fit: Any, attrs: dict[str, Any] | None = None) -> Any:
    """A fitted :class:`~attrition.infer.fusion.joint.JointFog` as ArviZ ``InferenceData``:
    every sampled and deterministic site with named dimensions, and the window totals
    ``casualties``, ``killed``, ``wounded`` per ``scope`` (``city``, ``front``) and
    ``subject``; ``sample_stats`` holds ``diverging``; ``attrs`` go on every group with the
    seed, draws and chains."""
    import numpy as np

    from attrition.infer.posterior import inference_data

    s = fit.samples_
    lay = fit.joint_.layout
    chains, draws = s["killed_share"].shape[:2]
    n_steps = s["comp_city"].shape[-1]
    groups = [f"{g} / {rel}" for g, rel in fit.groups_]
    metrics4 = ["casualties", "killed", "wounded", "casualty_ratio"]
    dims: dict[str, list[str]] = {
        "a_level": ["side"],
        "b_level": ["side"],
        "a_eps": ["side", "step_change"],
        "b_eps": ["side", "step_change"],
        "share": ["side", "step"],
        "killed_share": ["leaf"],
        "comp_city": ["leaf", "step"],
        "comp_front": ["leaf", "step"],
        "eta": ["sector"],
        "beta": ["group"],
        "delta_z": ["group", "bias_metric"],
        "log_bias_group": ["group", "bias_metric"],
        "noise": ["claimant"],
        "obs_log_truth": ["truth_scope", "observation"],
        "obs_log_bias": ["observation"],
        "obs_sigma": ["observation"],
    }
    coords: dict[str, list[Any]] = {
        "side": list(lay.sides),
        "step": list(range(n_steps)),
        "step_change": list(range(1, n_steps)),
        "leaf": list(lay.leaf_order),
        "sector": list(fit.sectors_),
        "group": groups,
        "bias_metric": metrics4,
        "claimant": list(fit.claimants_),
        "truth_scope": ["city", "sector", "front"],
        "observation": [str(x) for x in fit.observations_["id"]],
    }
    for i in lay.split_sides:
        dims[lay.pi_site(i)] = [f"leaf_{lay.sides[i]}"]
        coords[f"leaf_{lay.sides[i]}"] = list(lay.leaves[i])
    posterior: dict[str, np.ndarray] = {k: np.asarray(v) for k, v in s.items()}
    subjects = list(fit.output_subjects)
    for q in ("casualties", "killed", "wounded"):
        x = np.stack(
            [
                np.stack([fit.draws_[scope][subj][q] for subj in subjects], axis=-1)
                for scope in ("city", "front")
            ],
            axis=-2,
        )  # (N, scope, subject)
        posterior[q] = x.reshape(chains, draws, 2, len(subjects))
        dims[q] = ["scope", "subject"]
    coords["scope"] = ["city", "front"]
    coords["subject"] = subjects
    meta: dict[str, Any] = {"seed": int(fit.seed), "draws": draws, "chains": chains}
    meta.update(attrs or {})
    stats = {"diverging": np.asarray(fit.diverging_)}
    return inference_data(posterior, dims=dims, coords=coords, sample_stats=stats, attrs=meta)
