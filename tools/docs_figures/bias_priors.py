"""Figures of docs/bias-priors.md: claimant-bias priors learned from the historical pairs.

Parts (each through :mod:`attrition.infer.bias_priors`, the functions the fusion reads):

* ``data`` — the packaged claim-vs-record pairs (:func:`attrition.data.reference.summary`):
  counts, raw mean and sd of the log ratio per relation and family. Deterministic (error 0).
  Recomputed by ``tests/docs/test_docs_figures.py``.
* ``fit`` — :func:`attrition.infer.bias_priors.learned_bias_priors` with its defaults (NUTS,
  4 chains × 1,000 draws after 500 warm-up, seed 0): per relation × family the predictive loc,
  scale and 90 % interval of a new claimant's log bias, and the hyperparameters. Monte Carlo
  error: batch means (each chain cut into 5 batches; sd of the batch statistic / √20).
  Recomputed by the test (one fit, ~20–60 s on 2 shared cores).
* ``sensitivity`` — the same fit with one choice changed at a time (censoring off,
  down-weighting off, the Heidenrich floor gw-003 left out, the prior on the spread of the
  relations' means halved and doubled, the lower-bound records divided by the probate ratio
  0.54 and fitted as estimates). Batch means. Not recomputed by the test (six fits): check with
  ``make docs-figures FIGURES_ARGS='--only bias_priors'`` then ``git diff --exit-code docs/``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import figlib as F

DOC = F.ROOT / "docs" / "bias-priors.md"
SIDECAR = F.FIGURES_DIR / "bias_priors.json"
GENERATOR = "tools/docs_figures/bias_priors.py"

PARTS: tuple[str, ...] = ("data", "fit", "sensitivity")
TEST_PARTS: tuple[str, ...] = ("data", "fit")
FIT = {"seed": 0, "chains": 4, "warmup": 500, "draws": 1000}
QUICK_FIT = {"seed": 0, "chains": 2, "warmup": 200, "draws": 300}
PROBATE_RATIO = 0.54
"""Mediazona's named dead over the probate-registry estimate of Russian military deaths to May
2023 (data/history/README.md): the ``probate`` sensitivity multiplies lower-bound records by
``1 / PROBATE_RATIO`` and fits them as estimates."""
SENSITIVITY: tuple[tuple[str, str], ...] = (
    ("no_censoring", "lower bounds fitted as counts"),
    ("no_downweight", "every pair weighs 1 (no source groups)"),
    ("without_gw003", "without gw-003 (Heidenrich's post-war floor, 1,500 Iraqi dead)"),
    ("sigma_mu_half", "prior on the spread of the relations' means halved (HalfNormal(0.5))"),
    ("sigma_mu_double", "prior on the spread of the relations' means doubled (HalfNormal(2))"),
    ("probate", f"lower bounds divided by the probate ratio {PROBATE_RATIO} (as estimates)"),
)
BM = "batch means (20 batches)"


def _data_part() -> F.Figures:
    from attrition.data.reference import load_reference_pairs, summary

    figs = F.Figures("data")
    pairs = load_reference_pairs()
    figs.num("data.n_pairs", len(pairs), 0.0, "count")
    figs.num("data.n_conflicts", pairs["conflict"].nunique(), 0.0, "count")
    figs.num("data.n_lower_bound", int((pairs["record_kind"] == "lower_bound").sum()), 0.0, "count")
    figs.num("data.n_estimate", int((pairs["record_kind"] == "estimate").sum()), 0.0, "count")
    from attrition.infer.bias_priors import pair_arrays

    a = pair_arrays(pairs)
    figs.num("data.weight_total", float(a.weight.sum()), 0.0, "exact")
    figs.num(
        "data.n_grouped",
        int(sum(1 for w in a.weight if w < 1)),
        0.0,
        "count",
    )
    for row in summary(pairs).to_dict("records"):
        key = f"data.{row['relation']}.{row['metric_family']}"
        figs.num(f"{key}.n", int(row["n"]), 0.0, "count")
        figs.num(f"{key}.mean", float(row["mean_log_ratio"]), 0.0, "exact")
        sd = float(row["sd_log_ratio"])
        if math.isfinite(sd):
            figs.num(f"{key}.sd", sd, 0.0, "exact")
    groups = sorted({g for g, w in zip(a.group, a.weight, strict=True) if w < 1})
    figs.context["grouped"] = [
        [g, [i for i, gg in zip(pairs["id"], a.group, strict=True) if gg == g]] for g in groups
    ]
    return figs


def _fit_part(fit: Mapping[str, int]) -> F.Figures:
    from attrition.infer.bias_priors import learned_bias_priors

    figs = F.Figures("fit")
    res = learned_bias_priors(**fit)
    for p in res.priors:
        key = f"fit.{p.relation}.{p.family}"
        figs.num(f"{key}.n", p.n, 0.0, "count")
        figs.num(f"{key}.weight", p.weight, 0.0, "exact")
        figs.num(f"{key}.n_censored", p.n_censored, 0.0, "count")
        figs.num(f"{key}.loc", p.loc, p.loc_mc, BM)
        figs.num(f"{key}.scale", p.scale, p.scale_mc, BM)
        figs.num(f"{key}.q05", p.q05, p.q05_mc, BM)
        figs.num(f"{key}.q95", p.q95, p.q95_mc, BM)
        # the posterior sd of the mean and tau's rms share the scale's error (upper bound)
        figs.num(f"{key}.mean_sd", p.mean_sd, p.scale_mc, BM + " (the scale's)")
        figs.num(f"{key}.tau_rms", p.tau_rms, p.scale_mc, BM + " (the scale's)")
    for name, mean, sd, mc in res.hyper:
        figs.num(f"fit.hyper.{name}.mean", mean, mc, BM)
        figs.num(f"fit.hyper.{name}.sd", sd, mc, BM + " (the mean's)")
    figs.context["diagnostics"] = dict(res.diagnostics)
    return figs


def _sensitivity_part(fit: Mapping[str, int]) -> F.Figures:
    from attrition.data.reference import load_reference_pairs
    from attrition.infer.bias_priors import HyperPriors, learned_bias_priors

    figs = F.Figures("sensitivity")
    pairs = load_reference_pairs()
    lb = pairs["record_kind"] == "lower_bound"
    probate = pairs.copy()
    probate.loc[lb, "record_value"] = probate.loc[lb, "record_value"] / PROBATE_RATIO
    probate["record_kind"] = probate["record_kind"].astype(str)
    probate.loc[lb, "record_kind"] = "estimate"
    runs: dict[str, dict[str, Any]] = {
        "no_censoring": {"pairs": pairs, "censor": False},
        "no_downweight": {"pairs": pairs, "downweight": False},
        "without_gw003": {"pairs": pairs[pairs["id"] != "gw-003"].reset_index(drop=True)},
        "sigma_mu_half": {"pairs": pairs, "hyper": HyperPriors(sigma_mu_scale=0.5)},
        "sigma_mu_double": {"pairs": pairs, "hyper": HyperPriors(sigma_mu_scale=2.0)},
        "probate": {"pairs": probate},
    }
    for name, kw in runs.items():
        res = learned_bias_priors(**kw, **fit)
        for p in res.priors:
            if p.family != "personnel":
                continue
            key = f"sens.{name}.{p.relation}"
            figs.num(f"{key}.loc", p.loc, p.loc_mc, BM)
            figs.num(f"{key}.scale", p.scale, p.scale_mc, BM)
    return figs


def compute(parts: Sequence[str] | None = None, quick: bool = False) -> dict[str, Any]:
    """The sidecar of docs/bias-priors.md (``parts``: a subset of :data:`PARTS`)."""
    from attrition.data.reference import REFERENCE_FILE

    fit = QUICK_FIT if quick else FIT
    todo = list(parts or PARTS)
    done = []
    if "data" in todo:
        done.append(_data_part())
    if "fit" in todo:
        done.append(_fit_part(fit))
    if "sensitivity" in todo:
        done.append(_sensitivity_part(fit))
    return F.build_sidecar(
        doc="docs/bias-priors.md",
        generator=GENERATOR,
        parts=done,
        settings={**fit, "probate_ratio": PROBATE_RATIO},
        test_parts=TEST_PARTS,
        inputs=[REFERENCE_FILE],
        quick=quick,
    )


# ---------------------------------------------------------------------------------------------
# rendering

_REL = {"enemy": "enemy", "own": "own", "third_party": "third party"}


def _f(x: float, d: int = 2) -> str:
    """A signed number with the docs' minus sign."""
    r = round(float(x), d) + 0.0
    return f"{'−' if r < 0 else ''}{abs(r):.{d}f}"


def _factor(x: float) -> str:
    v = math.exp(float(x))
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


def _v(sc: Mapping[str, Any], key: str) -> float:
    return float(sc["figures"][key]["value"])


def _e(sc: Mapping[str, Any], key: str) -> float:
    return float(sc["figures"][key]["mc_error"])


def _data_table(sc: Mapping[str, Any]) -> str:
    lines = [
        "| relation | family | pairs | raw mean of log(claimed/record) | raw sd |",
        "|---|---|---:|---:|---:|",
    ]
    for r in ("enemy", "own", "third_party"):
        for f in ("personnel", "materiel"):
            key = f"data.{r}.{f}"
            if f"{key}.n" not in sc["figures"]:
                lines.append(f"| {_REL[r]} | {f} | 0 | – | – |")
                continue
            sd = f"{_v(sc, key + '.sd'):.2f}" if f"{key}.sd" in sc["figures"] else "–"
            lines.append(
                f"| {_REL[r]} | {f} | {_v(sc, key + '.n'):.0f} | {_f(_v(sc, key + '.mean'))} "
                f"| {sd} |"
            )
    return "\n".join(lines)


def _fit_table(sc: Mapping[str, Any]) -> str:
    lines = [
        "| relation | family | pairs (weight; lower bounds) | loc ± MC | scale | sd of the mean "
        "| τ (rms) | bias factor exp(loc) (90 % interval) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in ("enemy", "own", "third_party"):
        for f in ("personnel", "materiel"):
            k = f"fit.{r}.{f}"
            n, w, c = (_v(sc, f"{k}.{x}") for x in ("n", "weight", "n_censored"))
            lines.append(
                f"| {_REL[r]} | {f} | {n:.0f} ({w:g}; {c:.0f}) | {_f(_v(sc, k + '.loc'))} ± "
                f"{_e(sc, k + '.loc'):.2f} | {_v(sc, k + '.scale'):.2f} "
                f"| {_v(sc, k + '.mean_sd'):.2f} | {_v(sc, k + '.tau_rms'):.2f} "
                f"| {_factor(_v(sc, k + '.loc'))} ({_factor(_v(sc, k + '.q05'))}–"
                f"{_factor(_v(sc, k + '.q95'))}) |"
            )
    return "\n".join(lines)


_HYPER = (
    ("mu0", "μ₀, common mean"),
    ("sigma_mu", "σ_μ, spread of the relations' means"),
    ("mu[enemy]", "μ[enemy]"),
    ("mu[own]", "μ[own]"),
    ("mu[third_party]", "μ[third party]"),
    ("delta", "δ, materiel − personnel"),
    ("log_tau0", "log τ₀, typical log spread"),
    ("sigma_log_tau", "σ_logτ, spread of the relations' log τ"),
    ("tau[enemy]", "τ[enemy]"),
    ("tau[own]", "τ[own]"),
    ("tau[third_party]", "τ[third party]"),
)


def _hyper_table(sc: Mapping[str, Any]) -> str:
    lines = ["| hyperparameter | posterior mean ± MC | posterior sd |", "|---|---:|---:|"]
    for name, label in _HYPER:
        k = f"fit.hyper.{name}"
        lines.append(
            f"| {label} | {_f(_v(sc, k + '.mean'))} ± {_e(sc, k + '.mean'):.3f} "
            f"| {_v(sc, k + '.sd'):.2f} |"
        )
    d = sc["context"]["diagnostics"]
    lines.append("")
    lines.append(
        f"Convergence: largest split R-hat {d['max_rhat']:.3f}, smallest effective sample size "
        f"{d['min_ess']:,.0f}, divergent transitions: {d['divergences']:.0f}."
    )
    return "\n".join(lines)


def _sens_table(sc: Mapping[str, Any]) -> str:
    head = "| variant (personnel) | enemy loc, scale | own loc, scale | third party loc, scale |"
    lines = [head, "|---|---:|---:|---:|"]

    def cell(prefix: str) -> str:
        return f"{_f(_v(sc, prefix + '.loc'))}, {_v(sc, prefix + '.scale'):.2f}"

    lines.append(
        "| **default fit** | "
        + " | ".join(cell(f"fit.{r}.personnel") for r in ("enemy", "own", "third_party"))
        + " |"
    )
    for name, label in SENSITIVITY:
        if f"sens.{name}.enemy.loc" not in sc["figures"]:
            continue
        lines.append(
            f"| {label} | "
            + " | ".join(cell(f"sens.{name}.{r}") for r in ("enemy", "own", "third_party"))
            + " |"
        )
    errs = [
        _e(sc, k)
        for k in sc["figures"]
        if k.startswith("sens.") and sc["figures"][k]["mc_error"] is not None
    ]
    if errs:
        lines.append("")
        lines.append(f"Monte Carlo errors of these figures are at most {max(errs):.2f}.")
    return "\n".join(lines)


def _fusion(sc: Mapping[str, Any]) -> str:
    from attrition.infer.fusion.priors import FogPriors

    old = FogPriors()
    rows = [
        "| FogPriors field | relation | hand-set default (mean, sd) | learned (loc, scale) |",
        "|---|---|---:|---:|",
    ]
    for r, field in (
        ("enemy", "bias_enemy"),
        ("own", "bias_self"),
        ("third_party", "bias_neutral"),
    ):
        m, s = getattr(old, field)
        k = f"fit.{r}.personnel"
        rows.append(
            f"| `{field}` | {_REL[r]} | {_f(m)}, {s:.2f} | {_f(_v(sc, k + '.loc'))}, "
            f"{_v(sc, k + '.scale'):.2f} |"
        )
    return "\n".join(rows)


def blocks(sc: Mapping[str, Any]) -> dict[str, str]:
    """The generated blocks of docs/bias-priors.md from a sidecar."""
    st = sc["settings"]
    grouped = "; ".join(", ".join(ids) for _, ids in sc["context"]["grouped"])
    return {
        "bp-settings": (
            f"Fitted with `learned_bias_priors(seed={st['seed']}, chains={st['chains']}, "
            f"warmup={st['warmup']}, draws={st['draws']})` (NUTS; regenerated by `make "
            "docs-figures FIGURES_ARGS='--only bias_priors'`, sidecar "
            "`docs/figures/bias_priors.json` with every figure's Monte Carlo error)."
            + (" **Quick settings: not the published figures.**" if sc["quick"] else "")
        ),
        "bp-data": (
            f"{_v(sc, 'data.n_pairs'):.0f} pairs from {_v(sc, 'data.n_conflicts'):.0f} "
            f"conflicts; {_v(sc, 'data.n_lower_bound'):.0f} records are lower bounds (named "
            f"dead, Russo-Ukrainian war) and {_v(sc, 'data.n_estimate'):.0f} are estimates. "
            f"{_v(sc, 'data.n_grouped'):.0f} pairs share a statement with another pair about "
            f"the same relation ({grouped}); after down-weighting the pairs carry "
            f"{_v(sc, 'data.weight_total'):g} units of weight.\n\n" + _data_table(sc)
        ),
        "bp-table": _fit_table(sc),
        "bp-hyper": _hyper_table(sc),
        "bp-sensitivity": _sens_table(sc),
        "bp-fusion": _fusion(sc),
    }


def render(text: str, sidecar: Mapping[str, Any]) -> str:
    """docs/bias-priors.md with its generated blocks rewritten from ``sidecar``."""
    return F.replace_blocks(text, blocks(sidecar), "docs/bias-priors.md")


if __name__ == "__main__":
    import run

    sys.exit(run.main(["--only", "bias_priors", *sys.argv[1:]]))
