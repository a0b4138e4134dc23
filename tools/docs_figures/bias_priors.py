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
* ``cutoff`` — :func:`attrition.infer.bias_priors.bias_priors_known_by` at :data:`CUTOFF` (a
  day inside the battle) with the default fit's settings: the pairs and conflicts known by then,
  the pairs left out, and per relation × family the priors fitted on the known pairs. Batch
  means. Recomputed by the test (one fit of the smaller set of pairs).
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

PARTS: tuple[str, ...] = ("data", "fit", "sensitivity", "cutoff")
TEST_PARTS: tuple[str, ...] = ("data", "fit", "cutoff")
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
CUTOFF = "2023-05-20"
"""The cutoff of the ``cutoff`` part: a day inside the battle of Bakhmut (any such day selects
the same pairs)."""


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


def _cutoff_part(fit: Mapping[str, int]) -> F.Figures:
    import datetime as dt

    import pandas as pd

    from attrition.battles.bakhmut.axes import END, START
    from attrition.data.known import known_dates
    from attrition.data.reference import load_reference_pairs
    from attrition.infer.bias_priors import bias_priors_known_by

    figs = F.Figures("cutoff")
    res = bias_priors_known_by(CUTOFF, **fit)
    figs.label("cut.cutoff", res.cutoff.isoformat())
    figs.num("cut.n_pairs", res.n_pairs, 0.0, "count")
    figs.num("cut.n_conflicts", res.n_conflicts, 0.0, "count")
    figs.num("cut.n_left_out", len(res.left_out), 0.0, "count")
    figs.label("cut.conflicts", list(res.conflicts))
    figs.label("cut.left_out", list(res.left_out))
    # the cutoffs that select the same pairs: from the last publication on or before the
    # cutoff to the day before the next one (the same rule, attrition.data.known)
    pairs = load_reference_pairs()
    published = known_dates(pairs, date_column="record_published")
    days = sorted({d.date() for d in published.dropna()})
    first = max(d for d in days if d <= res.cutoff)
    later = [d for d in days if d > res.cutoff]
    last = later[0] - dt.timedelta(days=1) if later else None
    figs.label("cut.same_from", first.isoformat())
    figs.label("cut.same_to", last.isoformat() if last else None)
    figs.label("cut.same_over_bakhmut", first <= START and (last is None or last >= END))
    for p in res.priors.priors:
        key = f"cut.{p.relation}.{p.family}"
        figs.num(f"{key}.n", p.n, 0.0, "count")
        figs.num(f"{key}.weight", p.weight, 0.0, "exact")
        figs.num(f"{key}.n_censored", p.n_censored, 0.0, "count")
        figs.num(f"{key}.loc", p.loc, p.loc_mc, BM)
        figs.num(f"{key}.scale", p.scale, p.scale_mc, BM)
        figs.num(f"{key}.q05", p.q05, p.q05_mc, BM)
        figs.num(f"{key}.q95", p.q95, p.q95_mc, BM)
    left = set(res.left_out)
    figs.context["cutoff_left_out"] = [
        [str(pid), str(conflict), "unknown" if pd.isna(day) else str(day.date())]
        for pid, conflict, day in zip(pairs["id"], pairs["conflict"], published, strict=True)
        if str(pid) in left
    ]
    figs.context["cutoff_diagnostics"] = dict(res.priors.diagnostics)
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
    if "cutoff" in todo:
        done.append(_cutoff_part(fit))
    return F.build_sidecar(
        doc="docs/bias-priors.md",
        generator=GENERATOR,
        parts=done,
        settings={**fit, "probate_ratio": PROBATE_RATIO, "cutoff": CUTOFF},
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


def _day(iso: str) -> str:
    """``2023-05-20`` as ``20 May 2023``."""
    from attrition.data.dates import iso_date

    d = iso_date(iso)
    return f"{d.day} {d:%B %Y}"


def _count_word(n: float) -> str:
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[int(n)] if 0 <= n < len(words) else f"{n:.0f}"


def _left_out(sc: Mapping[str, Any]) -> str:
    """The pairs left out by the cutoff, by conflict, with their records' publication dates."""
    by_conflict: dict[str, list[tuple[str, str]]] = {}
    for pid, conflict, published in sc["context"]["cutoff_left_out"]:
        by_conflict.setdefault(conflict, []).append((pid, published))
    parts = []
    for conflict, rows in by_conflict.items():
        ids = ", ".join(pid for pid, _ in rows)
        dates = sorted({d for _, d in rows})
        when = (
            "publication date unknown"
            if dates == ["unknown"]
            else "published " + (dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}")
        )
        what = f"the {_count_word(len(rows))} pairs" if len(rows) > 1 else "the pair"
        parts.append(f"{what} of the {conflict} ({ids}; record {when})")
    return "; ".join(parts)


def _cutoff(sc: Mapping[str, Any]) -> str:
    """The ``cutoff`` part: which pairs are known, the priors beside the default fit's."""
    cut = sc["figures"]["cut.cutoff"]["value"]
    same_to = sc["figures"]["cut.same_to"]["value"]
    span = (
        f"every cutoff from {sc['figures']['cut.same_from']['value']} to {same_to}"
        if same_to
        else f"every cutoff from {sc['figures']['cut.same_from']['value']} on"
    )
    rels = ("enemy", "own", "third_party")
    no_third = _v(sc, "cut.third_party.personnel.n") == 0
    censored = sum(
        _v(sc, f"cut.{r}.{f}.n_censored") for r in rels for f in ("personnel", "materiel")
    )
    lines = [
        f"Under the cutoff {cut} ({_day(cut)}) the pairs known are "
        f"{_v(sc, 'cut.n_pairs'):.0f}, from {_count_word(_v(sc, 'cut.n_conflicts'))} conflicts "
        f"({'; '.join(sc['figures']['cut.conflicts']['value'])}). Left out: {_left_out(sc)}. "
        f"The same pairs, and so the same priors (one cached fit), are known by {span}"
        + (
            ", which holds the whole battle of Bakhmut as modelled."
            if sc["figures"]["cut.same_over_bakhmut"]["value"]
            else "."
        )
    ]
    if no_third or censored == 0:
        gone = [
            *(["no third-party pair"] if no_third else []),
            *(["no lower-bound record"] if censored == 0 else []),
        ]
        tail = (
            ": the third-party personnel prior is pure borrowing from the enemy and own "
            "relations"
            + (
                ", like the third-party materiel cell of the default fit"
                if _v(sc, "fit.third_party.materiel.n") == 0
                else ""
            )
            if no_third
            else ""
        )
        lines.append(f"Then {' and '.join(gone)} is left{tail}.")
    d = sc["context"]["cutoff_diagnostics"]
    st = sc["settings"]
    lines.append("")
    lines.append(
        f'The fit under the cutoff (`bias_priors_known_by("{cut}")`, the default fit\'s '
        f"settings: seed {st['seed']}, {st['chains']} chains of {st['warmup']:,} warm-up + "
        f"{st['draws']:,} draws; "
        f"largest split R-hat {d['max_rhat']:.3f}, smallest effective sample size "
        f"{d['min_ess']:,.0f}, divergent transitions: {d['divergences']:.0f}), personnel priors "
        "beside the default fit's:"
    )
    lines.append("")
    lines.append(
        "| relation (personnel) | pairs under the cutoff | loc, scale under the cutoff "
        "| bias factor exp(loc) (90 % interval) | default: pairs; loc, scale |"
    )
    lines.append("|---|---:|---:|---:|---:|")
    for r in rels:
        k, d0 = f"cut.{r}.personnel", f"fit.{r}.personnel"
        lines.append(
            f"| {_REL[r]} | {_v(sc, k + '.n'):.0f} | {_f(_v(sc, k + '.loc'))}, "
            f"{_v(sc, k + '.scale'):.2f} | {_factor(_v(sc, k + '.loc'))} "
            f"({_factor(_v(sc, k + '.q05'))}–{_factor(_v(sc, k + '.q95'))}) "
            f"| {_v(sc, d0 + '.n'):.0f}; {_f(_v(sc, d0 + '.loc'))}, {_v(sc, d0 + '.scale'):.2f} |"
        )
    errs = [_e(sc, f"cut.{r}.personnel.loc") for r in rels]
    own_moves = _v(sc, "cut.own.personnel.loc") - _v(sc, "fit.own.personnel.loc")
    third_widens = _v(sc, "cut.third_party.personnel.scale") - _v(
        sc, "fit.third_party.personnel.scale"
    )
    lines.append("")
    lines.append(
        f"Monte Carlo errors of these `loc` at most {max(errs):.2f} (batch means). Without the "
        f"pairs left out the own-side mean moves {'up' if own_moves > 0 else 'down'} "
        f"({_f(_v(sc, 'fit.own.personnel.loc'))} → {_f(_v(sc, 'cut.own.personnel.loc'))}) and "
        f"the third-party prior {'widens' if third_widens > 0 else 'narrows'} (scale "
        f"{_v(sc, 'fit.third_party.personnel.scale'):.2f} → "
        f"{_v(sc, 'cut.third_party.personnel.scale'):.2f})"
        + (": the cutoff costs information, as it should." if third_widens > 0 else ".")
    )
    return "\n".join(lines)


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
        "bp-cutoff": _cutoff(sc),
    }


def render(text: str, sidecar: Mapping[str, Any]) -> str:
    """docs/bias-priors.md with its generated blocks rewritten from ``sidecar``."""
    return F.replace_blocks(text, blocks(sidecar), "docs/bias-priors.md")


if __name__ == "__main__":
    import run

    sys.exit(run.main(["--only", "bias_priors", *sys.argv[1:]]))
