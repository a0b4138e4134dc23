"""A fitted fusion as the JSON object of ``attrition estimate --json`` (:func:`summarise`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from attrition.infer.fusion.claims import parse_date
from attrition.infer.quantiles import Q, quantiles

if TYPE_CHECKING:
    from attrition.infer.fusion.estimator import FogOfWar

__all__ = ["Q", "group_figure", "implausible_claims", "quantiles", "round_q", "sig", "summarise"]


def sig(v: float, digits: int) -> float:
    """Round to ``digits`` significant figures (a stable, readable JSON number)."""
    if v == 0 or not math.isfinite(v):
        return float(v)
    return float(round(v, digits - 1 - math.floor(math.log10(abs(v)))))


def round_q(q: dict[str, float], digits: int) -> dict[str, float]:
    """Every value of a quantile dict to ``digits`` significant figures (:func:`sig`)."""
    return {k: sig(v, digits) for k, v in q.items()}


def _q3(r: Any) -> dict[str, float]:
    return {k: float(r[k]) for k in ("median", "q05", "q95")}


def _claimants(fog: FogOfWar) -> dict[str, Any]:
    claimants: dict[str, Any] = {}
    obs = fog.observations_
    claim_obs = obs[obs["source"] == "claim"]
    for c in sorted(set(fog.bias_["claimant"])):
        rows = fog.bias_[fog.bias_["claimant"] == c]
        by_subject = {
            str(r["subject"]): {"relation": str(r["relation"]), **round_q(_q3(r), 3)}
            for r in rows.to_dict("records")
        }
        main = rows.sort_values(["n_obs", "subject"], ascending=[False, True], kind="stable").iloc[
            0
        ]
        noise = fog.noise_[fog.noise_["claimant"] == c].iloc[0]
        claimants[c] = {
            "side": str(main["claimant_side"]),
            "n_claims": int((claim_obs["claimant"] == c).sum()),
            "subject": str(main["subject"]),
            "bias": round_q(_q3(main), 3),
            "by_subject": by_subject,
            "noise_sd": round_q(_q3(noise), 3),
        }
    return claimants


def group_figure(r: Mapping[Any, Any]) -> dict[str, Any]:
    """A claimant group's own figure (one row of a posterior predictive check table) beside the
    fused value of the same quantity: id, claimant, subject, metric (and ``scope`` when the
    row has it), claimed, period, fused ``{median, q05, q95}`` and whether it is implausible."""
    out: dict[str, Any] = {
        "id": str(r["id"]),
        "claimant": str(r["claimant"]),
        "subject": str(r["subject"]),
        "metric": str(r["metric"]),
    }
    if "scope" in r:
        out["scope"] = str(r["scope"])
    return out | {
        "claimed": str(r["claimed"]),
        "period": [r["start"].isoformat(), r["end"].isoformat()],
        "fused": round_q(
            {
                "median": float(r["truth_median"]),
                "q05": float(r["truth_q05"]),
                "q95": float(r["truth_q95"]),
            },
            4,
        ),
        "implausible": bool(r["implausible"]),
    }


def _groups(fog: FogOfWar, window_days: int) -> dict[str, Any]:
    groups: dict[str, Any] = {}
    ppc = fog.ppc_
    for g in sorted(set(fog.groups_["claimant_side"])):
        grow = fog.groups_[fog.groups_["claimant_side"] == g]
        bias = {str(r["relation"]): round_q(_q3(r), 3) for r in grow.to_dict("records")}
        figures = []
        for r in ppc[(ppc["claimant_side"] == g) & (ppc["source"] == "claim")].to_dict("records"):
            span = (r["end"] - r["start"]).days + 1
            if (
                r["rate"] != "total"
                or span < 0.5 * window_days
                or str(r["placement"]).startswith("lower bound on")
            ):
                continue
            figures.append(group_figure(r))
        groups[g] = {"bias": bias, "figures": figures}
    return groups


def implausible_claims(ppc: Any, *, claims_only: bool = False) -> list[dict[str, Any]]:
    """The claims of a posterior predictive check table whose tail probability is under its
    threshold (column ``implausible``), most implausible first: id, claimant, subject, metric
    (and ``scope`` when the table has it), claimed, the predicted figure, the fused truth,
    claimed over predicted (``factor``) and ``tail_p``. ``claims_only``: leave out stream
    observations (``source`` other than ``claim``)."""
    flagged = ppc[ppc["implausible"]]
    if claims_only:
        flagged = flagged[flagged["source"] == "claim"]
    has_scope = "scope" in ppc.columns
    out = []
    for r in flagged.sort_values(["tail_p", "id"], kind="stable").to_dict("records"):
        row: dict[str, Any] = {
            "id": str(r["id"]),
            "claimant": str(r["claimant"]),
            "subject": str(r["subject"]),
            "metric": str(r["metric"]),
        }
        if has_scope:
            row["scope"] = str(r["scope"])
        row |= {
            "claimed": str(r["claimed"]),
            "predicted": round_q(
                {
                    "median": float(r["pred_median"]),
                    "q05": float(r["pred_q05"]),
                    "q95": float(r["pred_q95"]),
                },
                4,
            ),
            "fused_truth": sig(float(r["truth_median"]), 4),
            "factor": sig(float(r["factor"]), 3),
            "tail_p": sig(float(r["tail_p"]), 3),
        }
        out.append(row)
    return out


def summarise(fog: FogOfWar) -> dict[str, Any]:
    """A fitted :class:`FogOfWar` as the JSON object of ``attrition estimate --json``.

    Keys: ``model`` (``"independent"``), ``window``, ``sides`` (each side, then each component
    where estimated: ``casualties``, ``killed``, ``wounded`` as ``{median, q05, q95}`` over the
    window), ``exchange_ratio`` (the first side's casualties per casualty of the second, see
    ``exchange_ratio_sides``; ``None`` unless the battle has two sides), ``claimants`` (by name:
    ``side``, ``bias`` about the subject they speak of most, ``by_subject``, ``noise_sd``,
    ``n_claims``), ``claimant_groups`` (by claimant side: bias per relation and the group's own
    whole-battle figures beside the fused value of the same quantity), ``killed_share``,
    ``implausible_claims``, ``diagnostics`` (``r_hat_max``, ``ess_min``, ``divergences``),
    ``seed``, ``n_claims``, ``streams``, ``cutoff``, ``note``, ``battle`` (its id) and
    ``exchange_ratio_sides``.
    """
    start, end = fog.window_
    sides = fog.sides_
    out_sides: dict[str, Any] = {}
    for side, qs in fog.draws_.items():
        out_sides[side] = {k: round_q(quantiles(x), 4) for k, x in qs.items()}
    ks = fog.samples_["killed_share"]
    ks = ks.reshape(-1, ks.shape[-1])
    killed_share = {s: round_q(quantiles(ks[:, i]), 3) for i, s in enumerate(sides.sides)}
    window_days = (end - start).days + 1
    obs = fog.observations_
    diag = fog.diagnostics_
    ratio = fog.exchange_ratio_
    return {
        "model": "independent",
        "window": {"start": start.isoformat(), "end": end.isoformat(), "days": window_days},
        "sides": out_sides,
        "exchange_ratio": None if ratio is None else round_q(ratio, 4),
        "killed_share": killed_share,
        "claimants": _claimants(fog),
        "claimant_groups": _groups(fog, window_days),
        "implausible_claims": implausible_claims(fog.ppc_),
        "diagnostics": {
            "r_hat_max": sig(diag.r_hat_max, 4),
            "ess_min": sig(diag.ess_min, 4),
            "divergences": int(diag.divergences),
            "chains": int(diag.chains),
            "draws": int(diag.draws),
        },
        "seed": int(fog.seed),
        "n_claims": int((obs["source"] == "claim").sum()),
        "streams": sorted(set(fog.streams)),
        "cutoff": None if fog.cutoff is None else str(parse_date(fog.cutoff, "cutoff")),
        "note": (
            "Estimates fused from contested claims under stated priors; not facts. "
            "Intervals are 90% posterior intervals."
        ),
        "battle": sides.battle,
        "exchange_ratio_sides": None if sides.ratio_sides is None else list(sides.ratio_sides),
    }
