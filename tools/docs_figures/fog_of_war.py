"""Figures of docs/fog-of-war.md: the default fusion (the joint model) on Bakhmut, its priors
and reference data, and the former model's validation study.

Parts (each through the functions the CLI calls):

* ``reference`` — the historical claim-vs-record pairs the bias priors are fitted to
  (:func:`attrition.data.reference.load_reference_pairs`) and the relation priors the default
  fusion reads (:func:`attrition.infer.fusion.joint_priors.relation_priors`, the packaged fit of
  docs/bias-priors.md). Deterministic (error 0). Recomputed by ``tests/docs/test_docs_figures.py``.
* ``priors`` — every prior of the joint model with its implied 90% range: the values of
  :class:`~attrition.infer.fusion.joint_priors.JointPriors` and of the battle's ``[fusion]``
  table (``battle.toml``, read by :func:`~attrition.infer.fusion.joint_layout.joint_battle`).
  Deterministic. Recomputed by the test.
* ``fit`` — the default fusion as ``attrition estimate`` runs it:
  :func:`attrition.infer.fusion.request.estimate` with :class:`EstimateRequest` (model
  ``joint``, 4 chains × 500 draws, seed 0): window, the battle's and the whole front's totals
  per side and component, the battle's share, killed shares per leaf, the named-to-actual
  ratio, biases per claimant group × relation × metric, each group's whole-battle figures beside
  the fused value, the implausible claims. Monte Carlo error of a posterior quantile: batch
  means (each chain cut into 5 consecutive batches; sd of the batch statistic / √20).
  Recomputed by the test.
* ``independent`` — the former model, ``attrition estimate --model independent`` (same
  request otherwise): its totals, for the comparison and as the reference of the validation
  study. Batch means. Not recomputed by the test.
* ``validation`` — the former model's validation study,
  :func:`attrition.infer.validate.validation_study` as ``attrition validate estimate
  --replicates 100 --seed 0`` runs it (~8 min on 2 idle cores): coverage (binomial error),
  median absolute log error (bootstrap over replicates), leave-one-claimant-out and prior
  sensitivity (2 chains × 300 draws: the former model's batch-means error of the same quantity,
  relative, scaled by √(2,000 / 600) draws). Not recomputed by the test: checked by
  ``make docs-figures`` then ``git diff --exit-code docs/``.

On a busy machine the slow parts can be copied from the committed sidecar instead of being
recomputed: ``FOG_OF_WAR_REUSE=validation python tools/docs_figures/run.py --only fog_of_war``
(a comma-separated list of parts). The sidecar and the doc then say which parts were copied.

Diagnostics (R-hat, ESS, divergences) are reported in the doc as context, not compared.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import figlib as F
import numpy as np

DOC = F.ROOT / "docs" / "fog-of-war.md"
SIDECAR = F.FIGURES_DIR / "fog_of_war.json"
REGIMES_SIDECAR = F.FIGURES_DIR / "fog_regimes.json"
GENERATOR = "tools/docs_figures/fog_of_war.py"
DATA = F.ROOT / "src" / "attrition" / "data" / "battles" / "bakhmut"
HISTORY = F.ROOT / "src" / "attrition" / "data" / "history" / "claims_vs_record.csv"
BIAS_JSON = F.ROOT / "src" / "attrition" / "infer" / "bias_priors.json"
STREAMS = F.ROOT / "src" / "attrition" / "data" / "battles" / "ukraine_streams"
STREAM_FILES = (
    STREAMS / "genstaff" / "russia_losses_personnel.json",
    STREAMS / "named_dead" / "russia_named_dead_daily_mediazona.json",
    STREAMS / "named_dead" / "ukraine_named_dead_missing_daily_lostarmour.json",
)
"""The all-front streams the default fusion reads at Bakhmut (``[fusion.streams]``)."""

PARTS: tuple[str, ...] = ("reference", "priors", "fit", "independent", "validation")
TEST_PARTS: tuple[str, ...] = ("reference", "priors", "fit")
REUSE_ENV = "FOG_OF_WAR_REUSE"
"""Environment variable: comma-separated parts copied from the committed sidecar."""
FIT = {"draws": 500, "chains": 4, "seed": 0}
QUICK_FIT = {"draws": 150, "chains": 2, "seed": 0}
REPLICATES, QUICK_REPLICATES = 100, 4
VALIDATION_SEED = 0
VALIDATION_DRAWS = 2 * 300
PPC_KEEP = 0.1
"""Tail probabilities of claims below this are recorded (the doc lists those under the
fusion's threshold)."""
Z90 = 1.6448536269514722
"""The standard normal's 95% quantile (a 90% central interval is ± this many sd)."""

_Q = {"median": 0.5, "q05": 0.05, "q95": 0.95}
BM = "batch means (20 batches)"
EXACT = "exact (prior)"
SCOPES: tuple[str, ...] = ("city", "front")
QUANTITIES: tuple[str, ...] = ("casualties", "killed", "wounded")
_CONTEXT_OF = {
    "validation": ("coverage", "replicates", "validation"),
    "independent": ("independent",),
}
"""Context keys written by each part that may be reused (the others write none that matter)."""


def _chains(flat: np.ndarray, chains: int) -> np.ndarray:
    """Flat (chain-major) draws back to (chains, draws, ...)."""
    return flat.reshape(chains, -1, *flat.shape[1:])


def _quantile_figs(figs: F.Figures, name: str, draws: np.ndarray) -> dict[str, float]:
    """Median, q05, q95 of (chains, draws) with batch-means errors; returns the values."""
    out = {}
    for key, q in _Q.items():
        out[key] = figs.num(
            f"{name}.{key}",
            float(np.quantile(draws, q)),
            F.batch_means_se(draws, F.quantile_of(q)),
            BM,
        )
    return out


def _exact_q(figs: F.Figures, name: str, q: Mapping[str, float]) -> None:
    """A prior's median and 90% interval (exact: error 0)."""
    for key in _Q:
        figs.num(f"{name}.{key}", float(q[key]), 0.0, EXACT)


def _lognormal_q(loc: float, sd: float) -> dict[str, float]:
    """Median and 90% interval of exp(N(loc, sd²))."""
    return {
        "median": math.exp(loc),
        "q05": math.exp(loc - Z90 * sd),
        "q95": math.exp(loc + Z90 * sd),
    }


def _logitnormal_q(loc: float, sd: float) -> dict[str, float]:
    """Median and 90% interval of sigmoid(N(loc, sd²))."""

    def sig(x: float) -> float:
        return 1.0 / (1.0 + math.exp(-x))

    return {"median": sig(loc), "q05": sig(loc - Z90 * sd), "q95": sig(loc + Z90 * sd)}


def _beta_q(a: float, b: float) -> dict[str, float]:
    """Mean and 90% interval of Beta(a, b) (``median`` holds the mean)."""
    from scipy.stats import beta

    return {
        "median": a / (a + b),
        "q05": float(beta.ppf(0.05, a, b)),
        "q95": float(beta.ppf(0.95, a, b)),
    }


def _halfnormal_q(scale: float) -> dict[str, float]:
    """Median and 90% interval of HalfNormal(scale)."""
    from scipy.stats import halfnorm

    return {
        "median": float(halfnorm.ppf(0.5, scale=scale)),
        "q05": float(halfnorm.ppf(0.05, scale=scale)),
        "q95": float(halfnorm.ppf(0.95, scale=scale)),
    }


# ---------------------------------------------------------------------------------------------
# parts


def _reference_part() -> F.Figures:
    """The reference pairs and the relation priors the default fusion reads."""
    from attrition.data.reference import load_reference_pairs
    from attrition.infer.fusion.joint_priors import BIAS_RELATIONS, relation_priors

    figs = F.Figures("reference")
    pairs = load_reference_pairs()
    rel = pairs["relation"].astype(str)
    fam = pairs["metric_family"].astype(str)
    kind = pairs["record_kind"].astype(str)
    figs.num("ref.pairs", len(pairs), 0.0, "count")
    figs.num("ref.conflicts", int(pairs["conflict"].nunique()), 0.0, "count")
    for r in BIAS_RELATIONS:
        for f in ("personnel", "materiel"):
            figs.num(f"ref.n.{r}.{f}", int(((rel == r) & (fam == f)).sum()), 0.0, "count")
    for k in ("count", "estimate", "lower_bound"):
        figs.num(f"ref.kind.{k}", int((kind == k).sum()), 0.0, "count")
    cited = (pairs["claim_citation"].str.len() > 0) & (pairs["record_citation"].str.len() > 0)
    figs.num("ref.cited", int(cited.sum()), 0.0, "count")
    figs.num("ref.unpublished", int(pairs["record_published"].isna().sum()), 0.0, "count")
    priors, source = relation_priors()
    figs.label("ref.bias_source", source)
    for r in BIAS_RELATIONS:
        loc, scale = priors[r]
        figs.num(f"ref.prior.{r}.loc", loc, 0.0, EXACT)
        figs.num(f"ref.prior.{r}.scale", scale, 0.0, EXACT)
        _exact_q(figs, f"ref.prior.{r}.factor", _lognormal_q(loc, scale))
    figs.context["reference"] = {
        "conflicts": sorted(str(c) for c in pairs["conflict"].unique()),
        "relations": list(BIAS_RELATIONS),
    }
    return figs


def _priors_part() -> F.Figures:
    """Every prior of the joint model (JointPriors and the battle's [fusion] table)."""
    from attrition.infer.fusion.joint import JointFog
    from attrition.infer.fusion.joint_layout import joint_battle, joint_spec
    from attrition.infer.fusion.joint_priors import JointPriors

    figs = F.Figures("priors")
    p = JointPriors()
    fog = JointFog()
    step = int(fog.step_days)
    per_step = math.sqrt(step / 7.0)
    figs.num("prior.step_days", step, 0.0, "setting")
    _exact_q(figs, "prior.front", _lognormal_q(p.front_log_mean, p.front_log_sd))
    figs.num("prior.front.sd", p.front_log_sd, 0.0, EXACT)
    _exact_q(figs, "prior.share", _logitnormal_q(p.share_logit_mean, p.share_logit_sd))
    figs.num("prior.share.sd", p.share_logit_sd, 0.0, EXACT)
    _exact_q(figs, "prior.city", _lognormal_q(p.city_log_mean, p.city_log_sd))
    figs.num("prior.city.sd", p.city_log_sd, 0.0, EXACT)
    _exact_q(figs, "prior.rest", _lognormal_q(p.rest_log_mean, p.rest_log_sd))
    figs.num("prior.rest.sd", p.rest_log_sd, 0.0, EXACT)
    for name in ("rest_rw_sd", "city_rw_sd"):
        v = float(getattr(p, name))
        figs.num(f"prior.{name}", v, 0.0, EXACT)
        figs.num(f"prior.{name}.per_step", v * per_step, 0.0, EXACT)
    for name in (
        "city_change_sd",
        "noise_scale",
        "noise_floor",
        "about_sd",
        "day_sd",
        "wide_sd",
        "p_city",
        "metric_sd",
        "named_sd",
        "lower_sd",
    ):
        figs.num(f"prior.{name}", float(getattr(p, name)), 0.0, EXACT)
    _exact_q(figs, "prior.noise", _halfnormal_q(p.noise_scale))
    a, b = p.sector_share
    figs.num("prior.sector.a", a, 0.0, EXACT)
    figs.num("prior.sector.b", b, 0.0, EXACT)
    _exact_q(figs, "prior.sector", _beta_q(a, b))
    a, b = p.named_ratio
    figs.num("prior.named.a", a, 0.0, EXACT)
    figs.num("prior.named.b", b, 0.0, EXACT)
    _exact_q(figs, "prior.named", _beta_q(a, b))
    figs.num("prior.metric_factor", math.exp(p.metric_sd), 0.0, EXACT)
    figs.num("prior.wide_factor", math.exp(p.wide_sd), 0.0, EXACT)

    jb = joint_battle(joint_spec("bakhmut"))
    lay = jb.layout
    leaves = []
    for leaf, (shapes, why) in zip(lay.leaf_order, jb.killed, strict=True):
        a, b = shapes
        figs.num(f"prior.killed.{leaf}.a", a, 0.0, EXACT)
        figs.num(f"prior.killed.{leaf}.b", b, 0.0, EXACT)
        _exact_q(figs, f"prior.killed.{leaf}", _beta_q(a, b))
        leaves.append({"leaf": leaf, "reason": why})
    splits = []
    for i in lay.split_sides:
        side = lay.sides[i]
        conc, why = jb.at_battle[i]
        for leaf, c in zip(lay.leaves[i], conc, strict=True):
            figs.num(f"prior.split.{side}.{leaf}", float(c), 0.0, EXACT)
            _exact_q(figs, f"prior.split.{side}.{leaf}.share", _beta_q(c, sum(conc) - c))
        entry: dict[str, Any] = {"side": side, "leaves": list(lay.leaves[i]), "at_battle": why}
        if i in jb.elsewhere:
            (a, b), why2 = jb.elsewhere[i]
            figs.num(f"prior.elsewhere.{side}.a", a, 0.0, EXACT)
            figs.num(f"prior.elsewhere.{side}.b", b, 0.0, EXACT)
            _exact_q(figs, f"prior.elsewhere.{side}", _beta_q(a, b))
            entry["elsewhere"] = why2
            entry["remainder"] = lay.remainder[i]
            entry["components"] = [x for x in lay.leaves[i] if x != lay.remainder[i]]
        splits.append(entry)
    figs.context["priors"] = {
        "sides": list(lay.sides),
        "pinned": [s for s, pin in zip(lay.sides, lay.pinned, strict=True) if pin],
        "leaves": leaves,
        "splits": splits,
        "subjects": list(lay.subjects),
        "streams": [
            {
                "stream": r.stream,
                "side": r.side,
                "role": r.role,
                "group": r.group or "",
                "reason": r.reason,
            }
            for r in jb.roles
        ],
        "target_accept": float(fog.target_accept),
        "max_tree_depth": int(fog.max_tree_depth),
    }
    return figs


def _observation_draws(fog: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per posterior draw (flat, chain-major) and observation: the log truth at the observation's
    scope, the predictive location ``mu`` and sd ``sigma``, drawn as
    :func:`attrition.infer.fusion.joint_check.joint_ppc` draws them (an ``unspecified`` claim's
    part picked per draw with the same generator), so their quantiles are the CLI's."""
    from attrition.infer.fusion.joint_encode import SCOPE_CODE

    s = fog.samples_

    def flat(x: Any) -> np.ndarray:
        a = np.asarray(x, dtype=np.float64)
        return a.reshape((a.shape[0] * a.shape[1], *a.shape[2:]))

    log_truth = flat(s["obs_log_truth"])  # (N, 3, n)
    scope = np.asarray(fog.data_.scope)
    n_draws = log_truth.shape[0]
    rng = np.random.default_rng([fog.seed, 1])
    pick = np.where(scope == SCOPE_CODE["city"], 0, np.where(scope == SCOPE_CODE["sector"], 1, 2))
    picks = np.broadcast_to(pick, (n_draws, len(pick))).copy()
    unspecified = scope == SCOPE_CODE["unspecified"]
    if unspecified.any():
        at_city = rng.random((n_draws, int(unspecified.sum()))) < float(fog.data_.scalars[12])
        picks[:, unspecified] = np.where(at_city, 0, 2)
    lt = np.take_along_axis(log_truth, picks[:, None, :], axis=1)[:, 0, :]
    return lt, lt + flat(s["obs_log_bias"]), flat(s["obs_sigma"])


def _fit_part(quick: bool) -> F.Figures:
    """The default fusion (the joint model) as ``attrition estimate`` runs it."""
    from attrition.infer.fusion.request import EstimateRequest, estimate

    st = QUICK_FIT if quick else FIT
    figs = F.Figures("fit")
    request = EstimateRequest(draws=st["draws"], chains=st["chains"], seed=st["seed"])
    summary, fog = estimate("bakhmut", request)
    ch = int(st["chains"])
    w = summary["window"]
    obs = fog.observations_
    figs.label("window.start", w["start"])
    figs.label("window.end", w["end"])
    figs.label("window.days", int(w["days"]))
    figs.label("window.steps", int(fog.samples_["comp_city"].shape[-1]))
    figs.label("window.step_days", int(fog.step_days))
    figs.label("claims.used", int(summary["n_claims"]))
    figs.label("claims.total", len(fog.prepared_.table))
    figs.label("claims.sources", int(summary["n_sources"]))
    figs.label("claims.restated", int((obs[obs["source"] == "claim"]["weight"] < 1).sum()))
    figs.label("claims.replaced", len(summary["excluded"]))
    for scope in ("city", "sector", "front", "unspecified"):
        n = int(((obs["source"] == "claim") & (obs["scope"] == scope)).sum())
        figs.label(f"claims.scope.{scope}", n)
    figs.label(
        "claims.components",
        int(
            (
                (obs["source"] == "claim")
                & obs["subject"].isin(
                    [s for s in fog.output_subjects if s not in fog.joint_.layout.sides]
                )
            ).sum()
        ),
    )
    figs.label("claims.wide", int(((obs["source"] == "claim") & obs["wide"]).sum()))
    streams = {}
    for src in sorted(x for x in set(obs["source"]) if x.startswith("stream:")):
        part = obs[obs["source"] == src]
        streams[src.removeprefix("stream:")] = {
            side: int((part["subject"] == side).sum()) for side in sorted(set(part["subject"]))
        }
    for name, per in streams.items():
        for side, n in per.items():
            figs.label(f"streams.{name}.{side}", n)
    figs.label("bias_source", str(fog.bias_source_))
    for scope in SCOPES:
        for subj, qs in fog.draws_[scope].items():
            for qty, x in qs.items():
                _quantile_figs(figs, f"{scope}.{subj}.{qty}", _chains(np.asarray(x), ch))
    for side in fog.joint_.layout.sides:
        for qty in ("casualties", "killed"):
            share = np.asarray(fog.draws_["city"][side][qty]) / np.asarray(
                fog.draws_["front"][side][qty]
            )
            _quantile_figs(figs, f"share.{side}.{qty}", _chains(share, ch))
        ks = np.asarray(fog.draws_["city"][side]["killed"]) / np.asarray(
            fog.draws_["city"][side]["casualties"]
        )
        _quantile_figs(figs, f"killed_share.{side}", _chains(ks, ch))
    a, b = fog.sides_.ratio_sides
    ratio = np.asarray(fog.draws_["city"][a]["casualties"]) / np.asarray(
        fog.draws_["city"][b]["casualties"]
    )
    _quantile_figs(figs, "ratio", _chains(ratio, ch))
    ks = np.asarray(fog.samples_["killed_share"], dtype=float)
    leaves = list(fog.joint_.layout.leaf_order)
    for i, leaf in enumerate(leaves):
        _quantile_figs(figs, f"leaf_killed_share.{leaf}", ks[..., i])
    if "named_ratio" in fog.samples_:
        _quantile_figs(figs, "named_ratio", np.asarray(fog.samples_["named_ratio"], dtype=float))
    lbg = np.exp(np.asarray(fog.samples_["log_bias_group"], dtype=float))  # (c, d, G, 4)
    metrics = ("casualties", "killed", "wounded", "casualty_ratio")
    bias_rows = []
    for r in fog.bias_.to_dict("records"):
        if int(r["n_obs"]) == 0:
            continue
        g = fog.groups_.index((r["group"], r["relation"]))
        m = metrics.index(r["metric"])
        key = f"bias.{r['group']}.{r['relation']}.{r['metric']}"
        _quantile_figs(figs, key, lbg[..., g, m])
        figs.label(f"{key}.n_obs", int(r["n_obs"]))
        bias_rows.append(
            {"group": str(r["group"]), "relation": str(r["relation"]), "metric": str(r["metric"])}
        )
    ppc = fog.ppc_
    lt, mu, sigma = _observation_draws(fog)
    rows = []
    for g, info in summary["claimant_groups"].items():
        for f in info["figures"]:
            j = int(ppc.index[(ppc["id"] == f["id"]) & (ppc["source"] == "claim")][0])
            _quantile_figs(figs, f"fused.{f['id']}", _chains(np.exp(lt[:, j]), ch))
            rows.append(
                {
                    "group": g,
                    "id": f["id"],
                    "claimant": f["claimant"],
                    "subject": f["subject"],
                    "metric": f["metric"],
                    "scope": f["scope"],
                    "claimed": f["claimed"],
                    "end": f["period"][1],
                }
            )
    tails = []
    for j, r in enumerate(ppc.to_dict("records")):
        if r["source"] != "claim" or r["tail_p"] >= PPC_KEEP:
            continue
        both = _chains(np.stack([mu[:, j], sigma[:, j]], axis=-1), ch)
        figs.num(
            f"ppc.{r['id']}.tail_p",
            float(r["tail_p"]),
            F.batch_means_se(both, functools.partial(_tail, r)),
            BM,
        )
        for key, q in _Q.items():
            figs.num(
                f"ppc.{r['id']}.pred_{key}",
                float(r[f"pred_{key}"]),
                F.batch_means_se(both, functools.partial(_pred_q, q=q)),
                BM,
            )
        _quantile_figs(figs, f"ppc.{r['id']}.truth", _chains(np.exp(lt[:, j]), ch))
        text = {
            k: str(r[k])
            for k in ("id", "claimant", "group", "subject", "metric", "claimed", "scope")
        }
        tails.append({**text, "start": r["start"].isoformat(), "end": r["end"].isoformat()})
    d = summary["diagnostics"]
    figs.context["fit"] = {
        "settings": {**st, "model": request.model, "warmup": int(fog.warmup or fog.draws)},
        "sampler": {
            "target_accept": float(fog.target_accept),
            "max_tree_depth": int(fog.max_tree_depth),
        },
        "streams": streams,
        "bias": bias_rows,
        "leaves": leaves,
        "sides": list(fog.joint_.layout.sides),
        "ratio_sides": [a, b],
        "subjects": list(fog.output_subjects),
        "components": [s for s in fog.output_subjects if s not in fog.joint_.layout.sides],
        "figures": rows,
        "low_tail": tails,
        "ppc_alpha": float(fog.ppc_alpha),
        "diagnostics": {k: d[k] for k in ("r_hat_max", "ess_min", "divergences")},
    }
    return figs


def _tail(r: Mapping[Any, Any], b: np.ndarray) -> float:
    """The predictive tail probability of a claim from (draws, [mu, sigma]) (as the PPC)."""
    from scipy.special import ndtr

    f_lo = float(np.mean(ndtr((r["log_lo"] - b[:, 0]) / b[:, 1])))
    f_hi = float(np.mean(ndtr((r["log_hi"] - b[:, 0]) / b[:, 1])))
    kind = r["kind"]
    if kind == "point":
        return 2 * min(f_lo, 1 - f_lo)
    if kind == "lower":
        return 1 - f_lo
    if kind == "upper":
        return f_hi
    return min(1.0, 2 * min(1 - f_lo, f_hi))


def _pred_q(b: np.ndarray, q: float) -> float:
    z = np.random.default_rng(0).standard_normal(b.shape[0])
    return float(np.exp(np.quantile(b[:, 0] + b[:, 1] * z, q)))


def _independent_part(quick: bool) -> tuple[F.Figures, dict[str, float]]:
    """The former model (``--model independent``); also returns the relative MC error of each
    side total's median (the validation study's errors are scaled from it)."""
    from attrition.infer.fusion.request import EstimateRequest, estimate

    st = QUICK_FIT if quick else FIT
    figs = F.Figures("independent")
    request = EstimateRequest(
        draws=st["draws"], chains=st["chains"], seed=st["seed"], model="independent"
    )
    summary, fog = estimate("bakhmut", request)
    ch = int(st["chains"])
    rel: dict[str, float] = {}
    for side, qs in fog.draws_.items():
        for qty, x in qs.items():
            key = f"independent.total.{side}.{qty}"
            vals = _quantile_figs(figs, key, _chains(np.asarray(x), ch))
            if qty == "casualties":
                rel[side] = figs.entries[f"{key}.median"]["mc_error"] / vals["median"]
    ratio = np.asarray(fog.draws_["RU"]["casualties"]) / np.asarray(fog.draws_["UA"]["casualties"])
    vals = _quantile_figs(figs, "independent.ratio", _chains(ratio, ch))
    rel["ratio"] = figs.entries["independent.ratio.median"]["mc_error"] / vals["median"]
    d = summary["diagnostics"]
    figs.context["independent"] = {
        "settings": {**st, "model": "independent"},
        "sides": sorted(fog.draws_),
        "diagnostics": {k: d[k] for k in ("r_hat_max", "ess_min", "divergences")},
        "rel": rel,
    }
    return figs, rel


def _validation_part(quick: bool, rel: Mapping[str, float]) -> F.Figures:
    """The former model's validation study (``attrition validate estimate``)."""
    from attrition.infer.validate import validation_study

    reps = QUICK_REPLICATES if quick else REPLICATES
    figs = F.Figures("validation")
    draws = 100 if quick else 300  # quick: fewer draws too (not a CLI setting; not published)
    if quick:
        res = validation_study(reps, VALIDATION_SEED, synthetic_draws=draws, bakhmut_draws=draws)
    else:
        res = validation_study(reps, VALIDATION_SEED)
    st = QUICK_FIT if quick else FIT
    scale = math.sqrt(st["draws"] * st["chains"] / VALIDATION_DRAWS)
    how_scaled = "default fit's batch-means error (relative) × √(2,000/600)"
    rep = res["replicates"]
    names = {"RU casualties": "RU", "UA casualties": "UA", "exchange ratio": "ratio"}
    for r in res["coverage"]:
        key = f"coverage.{r['generator']}.{names[r['quantity']]}"
        n = int(r["n"])
        figs.num(f"{key}.covered", r["covered"], n * F.binomial_se(r["covered"], n), "binomial")
        q = names[r["quantity"]]
        errs = np.array(
            [
                abs(math.log(x[f"{q}_median"] / x[f"{q}_truth"]))
                for x in rep
                if x["generator"] == r["generator"]
            ]
        )
        se = F.bootstrap_se(errs, lambda a: float(np.median(a)))
        figs.num(f"{key}.median_abs_log_error", r["median_abs_log_error"], se, "bootstrap")
        figs.context.setdefault("coverage", {})[key] = {
            "n": n,
            "band_lo": r["band_lo"],
            "band_hi": r["band_hi"],
            "generator": r["generator"],
            "quantity": r["quantity"],
        }
    for g in sorted({x["generator"] for x in rep}):
        part = [x for x in rep if x["generator"] == g]
        k = sum(1 for x in part if x["r_hat_max"] > 1.01)
        figs.num(f"rhat_over_1_01.{g}", k / len(part), F.binomial_se(k, len(part)), "binomial")
        figs.context.setdefault("replicates", {})[g] = {
            "n": len(part),
            "divergent": sum(1 for x in part if x["divergences"] > 0),
            "r_hat_max": max(x["r_hat_max"] for x in part),
        }
    loo = []
    for r in res["leave_one_claimant_out"]:
        key = f"loo.{r['claimant']}"
        n = int(r["n_claims"])
        figs.num(f"{key}.inside_90", r["inside_90"], 1.0 / n, "one claim (coarse bound)")
        figs.num(
            f"{key}.median_factor",
            r["median_factor"],
            abs(r["median_factor"]) * rel["RU"] * scale,
            how_scaled,
        )
        for side, col in (
            ("RU", "RU_casualties"),
            ("UA", "UA_casualties"),
            ("ratio", "exchange_ratio"),
        ):
            figs.num(f"{key}.{side}", r[col], abs(r[col]) * rel[side] * scale, how_scaled)
        loo.append({"claimant": r["claimant"], "n_claims": n, "side": r["claimant_side"]})
    sens = []
    for r in res["prior_sensitivity"]:
        key = f"prior.{r['variant']}"
        for side in ("RU", "UA", "ratio"):
            for q in ("median", "q05", "q95"):
                v = r[f"{side}_{q}"]
                figs.num(f"{key}.{side}.{q}", v, abs(v) * rel[side] * scale, how_scaled)
        sens.append({"variant": r["variant"], "r_hat_max": r["r_hat_max"]})
    figs.context["validation"] = {
        "replicates": reps,
        "seed": VALIDATION_SEED,
        "draws": draws,
        "bar": res["bar"],
        "loo": loo,
        "sensitivity": sens,
    }
    return figs


def _reused(part: str) -> F.Figures:
    """A part's figures and context copied from the committed sidecar."""
    figs = F.reused_part(SIDECAR, part, _CONTEXT_OF[part])
    sc = F.read_sidecar(SIDECAR)
    previous = sc["context"].get("reused", {}).get(part)
    figs.context["reused"] = {
        part: previous
        or {
            "attrition": sc["provenance"].get("attrition", ""),
            "machine": sc["provenance"].get("machine", ""),
            "inputs": sc["inputs"],
        }
    }
    return figs


def _same_as_committed(ind: F.Figures) -> dict[str, int]:
    """How many of the recomputed former model's figures equal those of the committed sidecar
    (``independent.*``, or the same names without the prefix in a sidecar written before the
    joint model was the default): the fit the reused validation study is scaled against."""
    old = F.read_sidecar(SIDECAR)["figures"]
    equal = compared = 0
    for name, entry in ind.entries.items():
        prior = old.get(name) or old.get(name.removeprefix("independent."))
        if prior is None:
            continue
        compared += 1
        equal += prior["value"] == entry["value"]
    return {"equal": equal, "compared": compared}


def compute(parts: Sequence[str] | None = None, quick: bool = False) -> dict[str, Any]:
    """The sidecar of docs/fog-of-war.md (``parts``: a subset of :data:`PARTS`; the parts named
    in the environment variable :data:`REUSE_ENV` are copied from the committed sidecar)."""
    want = list(parts or PARTS)
    reuse = [] if quick else F.reuse_parts(REUSE_ENV, tuple(_CONTEXT_OF))
    done: list[F.Figures] = []
    if "reference" in want:
        done.append(_reference_part())
    if "priors" in want:
        done.append(_priors_part())
    if "fit" in want:
        done.append(_fit_part(quick))
    rel: dict[str, float] = {}
    ind: F.Figures | None = None
    if "independent" in want or "validation" in want:
        if "independent" in reuse:
            ind = _reused("independent")
            rel = dict(ind.context["independent"]["rel"])
        else:
            ind, rel = _independent_part(quick)
        if "independent" in want:
            done.append(ind)
    if "validation" in want:
        if "validation" in reuse:
            val = _reused("validation")
            if "independent" not in reuse and ind is not None:
                info = dict(val.context["reused"]["validation"])
                info["reference_fit"] = _same_as_committed(ind)
                val.context["reused"]["validation"] = info
            done.append(val)
        else:
            done.append(_validation_part(quick, rel))
    reused: dict[str, Any] = {}
    for p in done:
        reused |= p.context.pop("reused", {})
    if reused:
        done[-1].context["reused"] = reused
    st = QUICK_FIT if quick else FIT
    return F.build_sidecar(
        doc="docs/fog-of-war.md",
        generator=GENERATOR,
        parts=done,
        settings={
            "fit": {**st, "model": "joint"},
            "independent": {**st, "model": "independent"},
            "validation": {
                "replicates": QUICK_REPLICATES if quick else REPLICATES,
                "seed": VALIDATION_SEED,
            },
        },
        test_parts=TEST_PARTS,
        inputs=[
            DATA / "claims.csv",
            DATA / "phases.csv",
            DATA / "battle.toml",
            HISTORY,
            BIAS_JSON,
            *STREAM_FILES,
        ],
        quick=quick,
    )


# ---------------------------------------------------------------------------------------------
# rendering


class _View:
    """Read figures of a sidecar by name."""

    def __init__(self, sc: Mapping[str, Any]) -> None:
        self.fig = sc["figures"]
        self.ctx = sc["context"]

    def v(self, name: str) -> Any:
        return self.fig[name]["value"]

    def f(self, name: str) -> float:
        return float(self.fig[name]["value"])

    def q(self, name: str) -> dict[str, float]:
        return {k: float(self.v(f"{name}.{k}")) for k in _Q}

    def has(self, name: str) -> bool:
        return f"{name}.median" in self.fig or name in self.fig


def _n(v: float) -> str:
    return F.count(v) if abs(v) >= 100 else f"{F.sig(v, 3):g}"


def _x(v: float) -> str:
    return f"{v:.2f}"


def _g(v: float) -> str:
    """A prior parameter as written (up to 3 significant digits)."""
    return f"{F.sig(v, 3):g}"


def _date(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {d:%b %Y}"


def _claimed(text: str) -> str:
    """The PPC's claim text (``>=20000``, ``15000-20000``, ``~70``) in words."""
    per_day = text.endswith("/day")
    t = text.removesuffix("/day")

    def num(s: str) -> str:
        return f"{float(s):,.0f}" if float(s) >= 1000 else s

    if t.startswith(">="):
        out = f"at least {num(t[2:])}"
    elif t.startswith("<="):
        out = f"at most {num(t[2:])}"
    elif t.startswith("~"):
        out = f"about {num(t[1:])}"
    elif "-" in t[1:]:
        a, b = t.split("-", 1)
        out = f"{num(a)}–{num(b)}"
    else:
        out = num(t)
    return out + (" a day" if per_day else "")


_SUBJECT = {
    "RU": "RU (incl. Wagner)",
    "WAGNER": "Wagner (convicts + contract)",
    "WAGNER_CONVICTS": "Wagner convicts",
    "WAGNER_CONTRACT": "Wagner contract fighters",
    "RU_REGULAR": "Russian regular forces",
}
_RELATION = {"enemy": "enemy", "own": "own", "third_party": "third party"}
_METRIC = {"casualty_ratio": "casualty ratio"}


def _subject(s: str) -> str:
    return _SUBJECT.get(s, s)


def _window(s: _View) -> str:
    fit = s.ctx["fit"]
    streams = "; ".join(
        f"{name} ({', '.join(f'{side}: {n}' for side, n in per.items())} months)"
        for name, per in fit["streams"].items()
    )
    scopes = ", ".join(
        f"{s.v(f'claims.scope.{sc}')} {sc}" for sc in ("city", "sector", "front", "unspecified")
    )
    return (
        f"Bakhmut: {s.v('window.start')} to {s.v('window.end')} ({s.v('window.days')} days, "
        f"{s.v('window.steps')} steps of {s.v('window.step_days')} days). Of the "
        f"{s.v('claims.total')} claims, {s.v('claims.used')} are used, from "
        f"{s.v('claims.sources')} distinct estimates (`source_id`; {s.v('claims.restated')} used "
        "claims belong to restatement chains, each chain carrying one unit of weight); by scope "
        f"{scopes} "
        f'({s.v("claims.wide")} qualified "mainly" or "primarily"); '
        f"{s.v('claims.components')} speak of a component. {s.v('claims.replaced')} claims "
        f"restate the General Staff's reports and are read through its stream instead. Stream "
        f"months read: {streams}."
    )


def _sampler(s: _View, sc: Mapping[str, Any]) -> str:
    fit = s.ctx["fit"]
    st, smp = fit["settings"], fit["sampler"]
    return (
        f"`attrition estimate` runs NUTS with {st['chains']} chains of {st['draws']} draws after "
        f"{st['warmup']} warm-up draws, target acceptance {smp['target_accept']:g}, maximum tree "
        f"depth {smp['max_tree_depth']}; the battle's latent rates are constant over steps of "
        f"{s.v('window.step_days')} days. The fusion flags a claim as implausible when its tail "
        f"probability is below {fit['ppc_alpha']:.0%}."
    )


def _reference(s: _View) -> str:
    ctx = s.ctx["reference"]
    rows = [
        "| relation | personnel pairs | materiel pairs |",
        "|---|---:|---:|",
    ]
    for r in ctx["relations"]:
        rows.append(
            f"| {_RELATION[r]} | {s.f(f'ref.n.{r}.personnel'):.0f} | "
            f"{s.f(f'ref.n.{r}.materiel'):.0f} |"
        )
    return (
        f"{s.f('ref.pairs'):.0f} claim-vs-record pairs from {s.f('ref.conflicts'):.0f} conflicts "
        f"({'; '.join(ctx['conflicts'])}); {s.f('ref.cited'):.0f} of them carry both a claim "
        f"citation and a record citation. Records: {s.f('ref.kind.count'):.0f} counts, "
        f"{s.f('ref.kind.estimate'):.0f} estimates (reconstructions) and "
        f"{s.f('ref.kind.lower_bound'):.0f} lower bounds (named dead); "
        f"{s.f('ref.unpublished'):.0f} record(s) of unknown publication date, known by no "
        "cutoff.\n\n" + "\n".join(rows)
    )


def _bias_priors(s: _View) -> str:
    rows = [
        "| relation | who (at Bakhmut) | loc | scale | bias factor exp(β): median (90%) |",
        "|---|---|---:|---:|---:|",
    ]
    who = {
        "enemy": "UA about RU or its components (the General Staff's stream included); RU about UA",
        "own": "UA about UA; RU about RU or its components",
        "third_party": "WEST, INDEPENDENT, OTHER (the article's voice); anyone about both "
        "sides' total",
    }
    for r in s.ctx["reference"]["relations"]:
        rows.append(
            f"| {_RELATION[r]} | {who[r]} | {s.f(f'ref.prior.{r}.loc'):.2f} | "
            f"{s.f(f'ref.prior.{r}.scale'):.2f} | {F.band(s.q(f'ref.prior.{r}.factor'), _x)} |"
        )
    return f"Source of the priors: `{s.v('ref.bias_source')}`.\n\n" + "\n".join(rows)


def _priors(s: _View) -> str:
    p = "prior."
    band = F.band

    def rng(name: str, fmt: Any = _n) -> str:
        return band(s.q(p + name), fmt)

    front, city, rest = (s.q(p + k)["median"] for k in ("front", "city", "rest"))
    step = s.f(p + "step_days")
    rows = [
        "| symbol | prior | implied median (90%) | reasoning |",
        "|---|---|---|---|",
        f"| `exp(b̄_RU)` | log-normal, median {_n(front)}/day, log-sd {_g(s.f(p + 'front.sd'))} | "
        f"{rng('front')} a day | the order of a whole front's daily casualties, left wide so "
        "that the streams and the claims set it |",
        f"| `σ(ā_RU)` | logit-normal, median {_x(s.q(p + 'share')['median'])}, logit-sd "
        f"{_g(s.f(p + 'share.sd'))} | {rng('share', _x)} | Bakhmut is one of the front's largest "
        "battles, but not most of the front before the claims say so |",
        f"| `exp(ā_UA)` | log-normal, median {_n(city)}/day, log-sd {_g(s.f(p + 'city.sd'))} | "
        f"{rng('city')} a day | a battle's daily casualties, from a few to over a thousand "
        "plausible before the claims |",
        f"| `exp(b̄_UA)` | log-normal, median {_n(rest)}/day, log-sd {_g(s.f(p + 'rest.sd'))} | "
        f"{rng('rest')} a day | the rest of the front, set so that the battle is "
        f"{_x(city / (city + rest))} of the side's front before the evidence, as for Russia |",
        f"| `s_b` | {_g(s.f(p + 'rest_rw_sd'))} per week ({_g(s.f(p + 'rest_rw_sd.per_step'))} "
        f"per step of {step:.0f} days) | – | a front's rate (and the rest of the front's) "
        "moves slowly |",
        f"| `s_a` | {_g(s.f(p + 'city_rw_sd'))} per week ({_g(s.f(p + 'city_rw_sd.per_step'))} "
        "per step) | – | the battle's intensity (its share of the front, or its rate) moves "
        "faster than the front's |",
        f"| `s_c` | {_g(s.f(p + 'city_change_sd'))} | – | an extra jump where a phase of the "
        "battle starts (`phases.csv`): the battle's intensity changed by phase |",
        f"| `η_e` | Beta({_g(s.f(p + 'sector.a'))}, {_g(s.f(p + 'sector.b'))}) | "
        f"mean {rng('sector', _x)} | a named sector is the battle plus part of the rest of the "
        "front |",
        f"| `p_city` | {_g(s.f(p + 'p_city'))} | – | the lineage review found each casualty figure "
        "of unspecified scope well below the General Staff's whole-front figure for its "
        "period, but the text does not say |",
        f"| `ν_c` | half-normal, scale {_g(s.f(p + 'noise_scale'))} | {rng('noise', _x)} | a "
        "claimant's own noise, learned (as in the former model) |",
        f"| `σ_0` | {_g(s.f(p + 'noise_floor'))} | – | even an exact figure carries rounding and "
        "period slop |",
        f'| `σ_about` | {_g(s.f(p + "about_sd"))} | – | an "about" figure is rounded |',
        f"| `σ_day` | {_g(s.f(p + 'day_sd'))} | – | the day-to-day spread of a daily figure "
        "around its step's level (matters for one-day figures only) |",
        f"| `σ_wide` | {_g(s.f(p + 'wide_sd'))} (×{_x(s.f(p + 'wide_factor'))} at one sd) | – | a "
        'scope qualified "mainly" or "primarily": part of the figure may come from '
        "elsewhere |",
        f"| `τ_m` | {_g(s.f(p + 'metric_sd'))} (×{_x(s.f(p + 'metric_factor'))} at one sd) | – | "
        "a group may inflate killed more than wounded; fixed, since a learned scale over so "
        "few groups mixed slowly |",
        f"| `r` | Beta({_g(s.f(p + 'named.a'))}, {_g(s.f(p + 'named.b'))}) | mean "
        f"{rng('named', _x)} | named dead per actual dead, below one: see the named-dead "
        "stream's reason below (from `battle.toml`) |",
        f"| `σ_named` | {_g(s.f(p + 'named_sd'))} | – | deaths dated to the wrong month, uneven "
        "naming |",
        f"| `σ_lower` | {_g(s.f(p + 'lower_sd'))} | – | softness of the named-dead lower bound |",
    ]
    return "\n".join(rows)


def _battle_priors(s: _View) -> str:
    pri = s.ctx["priors"]
    rows = [
        "| prior | distribution | mean (90%) | reasoning (`battle.toml`) |",
        "|---|---|---|---|",
    ]
    for e in pri["leaves"]:
        leaf = e["leaf"]
        k = f"prior.killed.{leaf}"
        rows.append(
            f"| κ of {_subject(leaf)} | Beta({_g(s.f(k + '.a'))}, {_g(s.f(k + '.b'))}) | "
            f"{F.band(s.q(k), _x)} | {e['reason']} |"
        )
    for e in pri["splits"]:
        side = e["side"]
        conc = ", ".join(_g(s.f(f"prior.split.{side}.{leaf}")) for leaf in e["leaves"])
        shares = "; ".join(
            f"{_subject(leaf)} {F.band(s.q(f'prior.split.{side}.{leaf}.share'), _x)}"
            for leaf in e["leaves"]
        )
        rows.append(
            f"| π: {side}'s split at the battle ({', '.join(_subject(x) for x in e['leaves'])}) "
            f"| Dirichlet({conc}) | {shares} | {e['at_battle']} |"
        )
        if "elsewhere" in e:
            k = f"prior.elsewhere.{side}"
            rows.append(
                f"| ω: share of {side}'s rest of the front that is "
                f"{' + '.join(_subject(x) for x in e['components'])} | "
                f"Beta({_g(s.f(k + '.a'))}, {_g(s.f(k + '.b'))}) | {F.band(s.q(k), _x)} | "
                f"{e['elsewhere']} |"
            )
    return "\n".join(rows)


def _stream_roles(s: _View) -> str:
    rows = ["| stream | about | role | reasoning (`battle.toml`) |", "|---|---|---|---|"]
    for r in s.ctx["priors"]["streams"]:
        role = r["role"] + (f" (group {r['group']})" if r["group"] else "")
        rows.append(f"| `{r['stream']}` | {r['side']} | {role} | {r['reason']} |")
    return "\n".join(rows)


def _results(s: _View, sc: Mapping[str, Any]) -> str:
    fit = s.ctx["fit"]
    st = fit["settings"]
    lines = [
        f"Default fit (`attrition estimate`: model `{st['model']}`, {st['chains']} chains × "
        f"{st['draws']} draws after {st['warmup']} warm-up, seed {st['seed']}); medians with "
        f"90% intervals, {s.v('window.start')}..{s.v('window.end')}, at the battle "
        "(`scope: city`).",
        "",
        "| side or component | casualties | killed | wounded |",
        "|---|---|---|---|",
    ]
    for subj in fit["subjects"]:
        cells = [F.band(s.q(f"city.{subj}.{k}"), _n) for k in QUANTITIES]
        lines.append(f"| {_subject(subj)} | " + " | ".join(cells) + " |")
    a, b = fit["ratio_sides"]
    d = fit["diagnostics"]
    shares = "; ".join(f"{side} {F.band(s.q(f'killed_share.{side}'), _x)}" for side in fit["sides"])
    lines += [
        "",
        f"Exchange ratio ({a} casualties per {b} casualty at the battle): "
        f"**{F.band(s.q('ratio'), _x)}**. Killed share of casualties at the battle: {shares}. "
        f"Bias priors: `{s.v('bias_source')}`. Diagnostics: R-hat max {d['r_hat_max']:.3f}, "
        f"ESS min {d['ess_min']:,.0f}, "
        + ("no divergences." if d["divergences"] == 0 else f"{d['divergences']} divergences."),
    ]
    return "\n".join(lines)


def _front(s: _View) -> str:
    fit = s.ctx["fit"]
    lines = [
        "| side | casualties at the battle | casualties on the whole front | battle's share | "
        "killed at the battle | killed on the whole front | battle's share of killed |",
        "|---|---|---|---|---|---|---|",
    ]
    for side in fit["sides"]:
        lines.append(
            f"| {side} | {F.band(s.q(f'city.{side}.casualties'), _n)} | "
            f"{F.band(s.q(f'front.{side}.casualties'), _n)} | "
            f"{F.band(s.q(f'share.{side}.casualties'), _x)} | "
            f"{F.band(s.q(f'city.{side}.killed'), _n)} | "
            f"{F.band(s.q(f'front.{side}.killed'), _n)} | "
            f"{F.band(s.q(f'share.{side}.killed'), _x)} |"
        )
    if s.has("named_ratio"):
        pri = f"{F.band(s.q('prior.named'), _x)}" if s.has("prior.named") else ""
        lines += [
            "",
            f"Named dead per actual dead (the named-to-actual ratio r of the named Russian "
            f"dead): {F.band(s.q('named_ratio'), _x)}" + (f", prior mean {pri}." if pri else "."),
        ]
    return "\n".join(lines)


def _components(s: _View) -> str:
    fit = s.ctx["fit"]
    lines = [
        "| component or leaf | killed at the battle | killed on the whole front | killed share "
        "(posterior) | killed share (prior mean, 90%) |",
        "|---|---|---|---|---|",
    ]
    for subj in [*fit["components"], *(x for x in fit["leaves"] if x in fit["sides"])]:
        leaf = subj in fit["leaves"]
        post = F.band(s.q(f"leaf_killed_share.{subj}"), _x) if leaf else "–"
        prior = (
            F.band(s.q(f"prior.killed.{subj}"), _x)
            if leaf and s.has(f"prior.killed.{subj}")
            else "–"
        )
        lines.append(
            f"| {_subject(subj)} | {F.band(s.q(f'city.{subj}.killed'), _n)} | "
            f"{F.band(s.q(f'front.{subj}.killed'), _n)} | {post} | {prior} |"
        )
    return "\n".join(lines)


def _bias(s: _View) -> str:
    lines = [
        "| group | relation | metric | observations | bias factor: median (90%) |",
        "|---|---|---|---:|---|",
    ]
    for r in s.ctx["fit"]["bias"]:
        key = f"bias.{r['group']}.{r['relation']}.{r['metric']}"
        lines.append(
            f"| {r['group']} | {_RELATION[r['relation']]} | "
            f"{_METRIC.get(r['metric'], r['metric'])} | {s.v(f'{key}.n_obs')} | "
            f"{F.band(s.q(key), _x)} |"
        )
    return "\n".join(lines)


def _figures(s: _View) -> str:
    lines = [
        "| group | claimant | claim | scope | claimed | fused (same period, metric and scope) |",
        "|---|---|---|---|---|---|",
    ]
    for r in s.ctx["fit"]["figures"]:
        what = (
            f"{_subject(r['subject'])} {_METRIC.get(r['metric'], r['metric'])} to {_date(r['end'])}"
        )
        fmt = _x if r["metric"] == "casualty_ratio" else _n
        fused = F.band(s.q("fused." + r["id"]), fmt)
        lines.append(
            f"| {r['group']} | {r['claimant']} | {what} | {r['scope']} | "
            f"{_claimed(r['claimed'])} | {fused} |"
        )
    return "\n".join(lines)


def _implausible(s: _View) -> str:
    alpha = s.ctx["fit"]["ppc_alpha"]
    rows = []
    for r in s.ctx["fit"]["low_tail"]:
        p = s.f(f"ppc.{r['id']}.tail_p")
        if p >= alpha:
            continue
        pred = {k: s.f(f"ppc.{r['id']}.pred_{k}") for k in _Q}
        period = _date(r["start"]) + ("" if r["start"] == r["end"] else f" – {_date(r['end'])}")
        fmt = _x if r["metric"] == "casualty_ratio" else _n
        rows.append(
            (
                p,
                f"| {r['id']} | {r['claimant']} ({r['group']}) | {_subject(r['subject'])} "
                f"{_METRIC.get(r['metric'], r['metric'])}, {period} | {r['scope']} | "
                f"{_claimed(r['claimed'])} | {F.band(pred, fmt)} | "
                f"{F.band(s.q('ppc.' + r['id'] + '.truth'), fmt)} | {p:.2g} |",
            )
        )
    head = f"Implausible claims (posterior predictive tail probability < {alpha:.0%})"
    if not rows:
        return head + ": none."
    return "\n".join(
        [
            head + ", most implausible first:",
            "",
            "| id | claimant (group) | claim | scope | claimed | expected from that claimant "
            "| fused truth | tail p |",
            "|---|---|---|---|---|---|---|---:|",
            *(text for _, text in sorted(rows, key=lambda x: x[0])),
        ]
    )


def _independent(s: _View) -> str:
    fit = s.ctx["fit"]
    ind = s.ctx["independent"]
    st = ind["settings"]
    lines = [
        f"The former model at the same request (`attrition estimate --model independent`, "
        f"{st['chains']} chains × {st['draws']} draws, seed {st['seed']}) beside the default, "
        "both at the battle:",
        "",
        "| quantity | default (joint) | former (`--model independent`) |",
        "|---|---|---|",
    ]
    for side in ind["sides"]:
        for q in ("casualties", "killed"):
            if not s.has(f"city.{side}.{q}"):
                continue
            lines.append(
                f"| {_subject(side)} {q} | {F.band(s.q(f'city.{side}.{q}'), _n)} | "
                f"{F.band(s.q(f'independent.total.{side}.{q}'), _n)} |"
            )
    a, b = fit["ratio_sides"]
    lines.append(
        f"| exchange ratio ({a}/{b}) | {F.band(s.q('ratio'), _x)} | "
        f"{F.band(s.q('independent.ratio'), _x)} |"
    )
    return "\n".join(lines)


def _regimes() -> str:
    """The per-regime coverage of the joint model: the city table of
    ``docs/figures/fog_regimes.json`` when that sidecar exists (rendered by
    ``tools/docs_figures/fog_regimes.py``), else a pointer."""
    text = (
        "Generated by `tools/docs_figures/fog_regimes.py` from its sidecar "
        "`docs/figures/fog_regimes.json` (synthetic battles in the regimes of "
        "`attrition.infer.fusion.joint_synth.REGIMES`)"
    )
    if not REGIMES_SIDECAR.is_file():
        return text + "; not generated yet."
    import fog_regimes

    sc = F.read_sidecar(REGIMES_SIDECAR)
    if "coverage" not in sc["parts"]:
        return text + "; its coverage part is not generated yet."
    quick = " **Quick settings: not the published figures.**" if sc["quick"] else ""
    return (
        text + ". Coverage of the 90% intervals at the battle (`city`); the whole front's table is "
        "in the sidecar:" + quick + "\n\n" + fog_regimes.coverage_table(sc, "city")
    )


def _reused_note(s: _View, part: str) -> str:
    info = s.ctx.get("reused", {}).get(part)
    if not info:
        return ""
    text = (
        " These figures were copied from the previous sidecar, not recomputed when this one was "
        f"written (`{REUSE_ENV}={part}`; computed with attrition {info.get('attrition', '?')} on "
        f"machine `{info.get('machine', '?')}`)."
    )
    ref = info.get("reference_fit")
    if ref and ref["compared"]:
        text += (
            " The former model's fit at the same request, recomputed for this sidecar, "
            f"reproduces {ref['equal']} of {ref['compared']} of the previous sidecar's figures "
            "of that fit exactly."
        )
    return text


def _coverage(s: _View) -> str:
    v = s.ctx["validation"]
    cov = s.ctx["coverage"]
    lines = [
        f"| generator | quantity | covered / {v['replicates']} | coverage | median abs. log "
        "error |",
        "|---|---|---:|---:|---:|",
    ]
    inside_bar = inside_band = 0
    for key, c in cov.items():
        k = s.f(f"{key}.covered")
        share = k / c["n"]
        inside_bar += v["bar"]["coverage_lo"] <= share <= v["bar"]["coverage_hi"]
        inside_band += c["band_lo"] <= share <= c["band_hi"]
        lines.append(
            f"| {c['generator']} | {c['quantity']} | {k:.0f} | {share:.0%} | "
            f"{s.f(f'{key}.median_abs_log_error'):.3f} |"
        )
    first = next(iter(cov.values()))
    n, lo, hi = first["n"], first["band_lo"], first["band_hi"]
    rep = s.ctx["replicates"]
    rh = ", ".join(f"{s.f(f'rhat_over_1_01.{g}'):.0%} ({g})" for g in sorted(rep))
    div = sum(r["divergent"] for r in rep.values())
    lines += [
        "",
        f"{inside_bar} of {len(cov)} lie inside the bar "
        f"({v['bar']['coverage_lo']:.0%}–{v['bar']['coverage_hi']:.0%}) and {inside_band} of "
        f"{len(cov)} inside the 99% binomial band around 90% ({lo * n:.0f}–{hi * n:.0f} of {n}). "
        + ("No replicate had a divergence" if div == 0 else f"{div} replicates had divergences")
        + f"; with these short runs R-hat exceeded 1.01 in {rh} of replicates (max "
        f"{max(r['r_hat_max'] for r in rep.values()):.3f}).",
    ]
    return "\n".join(lines)


def _loo(s: _View) -> str:
    lines = [
        "| claimant | claims | inside 90% | claimed / predicted | RU without it | UA without it "
        "| ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    loo = s.ctx["validation"]["loo"]
    ru0 = s.q("independent.total.RU.casualties")["median"]
    moves, ratios, inside = [], [], []
    for r in loo:
        k = f"loo.{r['claimant']}"
        ru, ua, ra = (s.f(f"{k}.{x}") for x in ("RU", "UA", "ratio"))
        ins = s.f(f"{k}.inside_90")
        moves.append(ru / ru0 - 1)
        ratios.append(ra)
        inside.append((ins, r["claimant"]))
        lines.append(
            f"| {r['claimant']} | {r['n_claims']} | {ins:.0%} | "
            f"{s.f(f'{k}.median_factor'):.2g} | {_n(ru)} | {_n(ua)} | {ra:.2f} |"
        )
    worst = sorted(inside)[:2]
    lines += [
        "",
        f"The claimants a typical claimant of their side would least expect (lowest share "
        f"inside): {worst[0][1]} ({worst[0][0]:.0%}) and {worst[1][1]} ({worst[1][0]:.0%}). "
        f"Leaving out any one claimant moves the former model's RU total by "
        f"{100 * min(moves):+.0f}% to {100 * max(moves):+.0f}% (against its fit with every "
        f"claim) and keeps the exchange ratio within {min(ratios):.1f}–{max(ratios):.1f}.",
    ]
    return "\n".join(lines)


def _sensitivity(s: _View) -> str:
    sens = s.ctx["validation"]["sensitivity"]
    worst = max(r["r_hat_max"] for r in sens)
    lines = [
        f"Prior sensitivity of the former model on Bakhmut (casualties over the window; 2 chains "
        f"× {s.ctx['validation'].get('draws', 300)} draws, so R-hat up to {worst:.3f}):",
        "",
        "| prior variant | RU | UA | ratio |",
        "|---|---|---|---|",
    ]
    base = None
    moves: dict[str, list[tuple[float, str]]] = {"RU": [], "UA": []}
    contains = 0
    for r in sens:
        k = f"prior.{r['variant']}"
        q = {side: s.q(f"{k}.{side}") for side in ("RU", "UA", "ratio")}
        if base is None:
            base = q
        for side in ("RU", "UA"):
            moves[side].append((abs(q[side]["median"] / base[side]["median"] - 1), r["variant"]))
        contains += all(
            q[side]["q05"] <= base[side]["median"] <= q[side]["q95"] for side in ("RU", "UA")
        )
        lines.append(
            f"| {r['variant']} | {F.band(q['RU'], _n)} | {F.band(q['UA'], _n)} | "
            f"{F.band(q['ratio'], _x)} |"
        )
    ru, ua = max(moves["RU"]), max(moves["UA"])
    lines += [
        "",
        f"Against the first row, the medians move by at most {ru[0]:.0%} for RU and "
        f"{ua[0]:.0%} for UA (largest: {ua[1]}); {contains} of {len(sens)} variants' RU and UA "
        "intervals contain the first row's medians.",
    ]
    return "\n".join(lines)


def blocks(sc: Mapping[str, Any]) -> dict[str, str]:
    """The generated blocks of docs/fog-of-war.md from a sidecar."""
    s = _View(sc)
    quick = " **Quick settings: not the published figures.**" if sc["quick"] else ""
    val = s.ctx["validation"]
    return {
        "fog-sampler": _sampler(s, sc),
        "fog-priors": _priors(s),
        "fog-battle-priors": _battle_priors(s),
        "fog-stream-roles": _stream_roles(s),
        "fog-reference": _reference(s),
        "fog-bias-priors": _bias_priors(s),
        "fog-window": _window(s),
        "fog-results": _results(s, sc) + quick,
        "fog-front": _front(s),
        "fog-components": _components(s),
        "fog-bias": _bias(s),
        "fog-figures": _figures(s),
        "fog-implausible": _implausible(s),
        "fog-regimes": _regimes(),
        "fog-independent": _independent(s) + quick,
        "fog-validation-settings": (
            f"The former model (`--model independent`): `attrition validate estimate "
            f"--replicates {val['replicates']} --seed {val['seed']}` (regenerated by `make "
            "docs-figures`; sidecar `docs/figures/fog_of_war.json` with every figure's Monte "
            "Carlo error)." + _reused_note(s, "validation") + quick
        ),
        "fog-coverage": _coverage(s),
        "fog-loo": _loo(s),
        "fog-sensitivity": _sensitivity(s),
    }


def render(text: str, sidecar: Mapping[str, Any]) -> str:
    """docs/fog-of-war.md with its generated blocks rewritten from ``sidecar``."""
    return F.replace_blocks(text, blocks(sidecar), "docs/fog-of-war.md")


if __name__ == "__main__":
    import run

    sys.exit(run.main(["--only", "fog_of_war", *sys.argv[1:]]))
