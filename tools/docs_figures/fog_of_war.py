"""Figures of docs/fog-of-war.md: the fused Bakhmut estimate and its validation study.

Parts (each through the functions the CLI calls):

* ``fit`` — :func:`attrition.infer.fusion.estimate` on the packaged Bakhmut claims with
  the defaults of ``attrition estimate`` (4 chains × 500 draws, seed 0): window, totals,
  exchange ratio, killed shares, claimant-group biases, each group's whole-battle figures beside
  the fused value, the implausible claims. Monte Carlo error of a posterior quantile: batch
  means (each chain cut into 5 consecutive batches; sd of the batch statistic / √20). Recomputed
  by ``tests/docs/test_docs_figures.py``.
* ``streams`` — :class:`attrition.infer.fusion.FogOfWar` with the three all-front streams (what
  ``attrition estimate --streams genstaff,named-dead,oryx`` adds to the default fit). Batch
  means. Not recomputed by the test (another fit).
* ``validation`` — :func:`attrition.infer.validate.validation_study` as ``attrition validate
  estimate --replicates 100 --seed 0`` runs it (~8 min on 2 cores): coverage (binomial error),
  median absolute log error (bootstrap over replicates), leave-one-claimant-out and prior
  sensitivity (2 chains × 300 draws: the default fit's batch-means error of the same quantity,
  relative, scaled by √(2,000 / 600) draws). Not recomputed by the test: checked by
  ``make docs-figures`` then ``git diff --exit-code docs/``.

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
GENERATOR = "tools/docs_figures/fog_of_war.py"
DATA = F.ROOT / "src" / "attrition" / "data" / "battles" / "bakhmut"

PARTS: tuple[str, ...] = ("fit", "streams", "validation")
TEST_PARTS: tuple[str, ...] = ("fit",)
STREAMS: tuple[str, ...] = ("genstaff", "named-dead", "oryx")
FIT = {"draws": 500, "chains": 4, "seed": 0}
QUICK_FIT = {"draws": 150, "chains": 2, "seed": 0}
REPLICATES, QUICK_REPLICATES = 100, 4
VALIDATION_SEED = 0
VALIDATION_DRAWS = 2 * 300
PPC_KEEP = 0.1
"""Tail probabilities of claims below this are recorded (the doc lists those under 0.05)."""

_Q = {"median": 0.5, "q05": 0.05, "q95": 0.95}
BM = "batch means (20 batches)"


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


def _fit_part(quick: bool) -> tuple[F.Figures, dict[str, float]]:
    """The default fit; also returns the relative MC error of each side total's median."""
    from attrition.infer.fusion.request import EstimateRequest, estimate

    st = QUICK_FIT if quick else FIT
    figs = F.Figures("fit")
    request = EstimateRequest(draws=st["draws"], chains=st["chains"], seed=st["seed"])
    summary, fog = estimate("bakhmut", request)
    ch = int(st["chains"])
    w = summary["window"]
    figs.label("window.start", w["start"])
    figs.label("window.end", w["end"])
    figs.label("window.days", int(w["days"]))
    figs.label("window.weeks", int(fog.samples_["log_rate"].shape[-1]))
    figs.label("claims.used", int(summary["n_claims"]))
    figs.label("claims.total", len(fog.prepared_.table))
    rel: dict[str, float] = {}
    for side, qs in fog.draws_.items():
        for qty, x in qs.items():
            vals = _quantile_figs(figs, f"total.{side}.{qty}", _chains(np.asarray(x), ch))
            if qty == "casualties":
                rel[side] = (
                    figs.entries[f"total.{side}.casualties.median"]["mc_error"] / vals["median"]
                )
    ratio = np.asarray(fog.draws_["RU"]["casualties"]) / np.asarray(fog.draws_["UA"]["casualties"])
    vals = _quantile_figs(figs, "ratio", _chains(ratio, ch))
    rel["ratio"] = figs.entries["ratio.median"]["mc_error"] / vals["median"]
    ks = np.asarray(fog.samples_["killed_share"], dtype=float)
    for i, side in enumerate(("RU", "UA")):
        _quantile_figs(figs, f"killed_share.{side}", ks[..., i])
    bias = np.exp(np.asarray(fog.samples_["bias_group"], dtype=float))
    groups = []
    for k, r in enumerate(fog.groups_.to_dict("records")):
        key = f"{r['claimant_side']}.{r['relation']}"
        _quantile_figs(figs, f"bias.{key}", bias[..., k])
        groups.append(key)
    ppc = fog.ppc_
    truth = np.asarray(fog.samples_["truth"], dtype=float)
    rows = []
    for g, info in summary["claimant_groups"].items():
        for f in info["figures"]:
            j = int(ppc.index[(ppc["id"] == f["id"]) & (ppc["source"] == "claim")][0])
            _quantile_figs(figs, f"fused.{f['id']}", truth[..., j])
            rows.append(
                {
                    "group": g,
                    "id": f["id"],
                    "claimant": f["claimant"],
                    "subject": f["subject"],
                    "metric": f["metric"],
                    "claimed": f["claimed"],
                    "end": f["period"][1],
                }
            )
    mu = np.asarray(fog.samples_["mu"], dtype=float)
    sigma = np.asarray(fog.samples_["sigma"], dtype=float)
    tails = []
    for j, r in enumerate(ppc.to_dict("records")):
        if r["source"] != "claim" or r["tail_p"] >= PPC_KEEP:
            continue
        both = np.stack([mu[..., j], sigma[..., j]], axis=-1)
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
        text = {k: str(r[k]) for k in ("id", "claimant", "subject", "metric", "claimed")}
        tails.append({**text, "start": r["start"].isoformat(), "end": r["end"].isoformat()})
    d = summary["diagnostics"]
    figs.context["fit"] = {
        "settings": dict(st),
        "groups": groups,
        "figures": rows,
        "low_tail": tails,
        "ppc_alpha": float(fog.ppc_alpha),
        "diagnostics": {k: d[k] for k in ("r_hat_max", "ess_min", "divergences")},
    }
    return figs, rel


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


def _streams_part(quick: bool) -> F.Figures:
    from attrition.data.claims import load_claims, load_phases
    from attrition.infer.fusion import FogOfWar

    st = QUICK_FIT if quick else FIT
    figs = F.Figures("streams")
    fog = FogOfWar(streams=STREAMS, draws=st["draws"], chains=st["chains"], seed=st["seed"])
    fog.fit(load_claims("bakhmut"), load_phases("bakhmut"))
    for side in ("RU", "UA"):
        x = _chains(np.asarray(fog.draws_[side]["casualties"]), int(st["chains"]))
        _quantile_figs(figs, f"streams.{side}", x)
    dg = fog.diagnostics_
    figs.context["streams"] = {
        "names": list(STREAMS),
        "r_hat_max": float(dg.r_hat_max),
        "divergences": int(dg.divergences),
    }
    return figs


def _validation_part(quick: bool, rel: Mapping[str, float]) -> F.Figures:
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


def compute(parts: Sequence[str] | None = None, quick: bool = False) -> dict[str, Any]:
    """The sidecar of docs/fog-of-war.md (``parts``: a subset of :data:`PARTS`)."""
    want = list(parts or PARTS)
    fit, rel = _fit_part(quick)
    done = [fit]
    if "streams" in want:
        done.append(_streams_part(quick))
    if "validation" in want:
        done.append(_validation_part(quick, rel))
    st = QUICK_FIT if quick else FIT
    return F.build_sidecar(
        doc="docs/fog-of-war.md",
        generator=GENERATOR,
        parts=done,
        settings={
            "fit": dict(st),
            "streams": list(STREAMS),
            "validation": {
                "replicates": QUICK_REPLICATES if quick else REPLICATES,
                "seed": VALIDATION_SEED,
            },
        },
        test_parts=TEST_PARTS,
        inputs=[DATA / "claims.csv", DATA / "phases.csv"],
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

    def q(self, name: str) -> dict[str, float]:
        return {k: float(self.v(f"{name}.{k}")) for k in _Q}


def _n(v: float) -> str:
    return F.count(v) if abs(v) >= 100 else f"{F.sig(v, 3):g}"


def _x(v: float) -> str:
    return f"{v:.2f}"


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


def _results(s: _View, sc: Mapping[str, Any]) -> str:
    st = sc["settings"]["fit"]
    lines = [
        f"Default fit, seed {st['seed']} (`attrition estimate`: {st['chains']} chains × "
        f"{st['draws']} draws); medians with 90% intervals, {s.v('window.start')}.."
        f"{s.v('window.end')}.",
        "",
        "| side | casualties | killed | wounded |",
        "|---|---|---|---|",
    ]
    for side, label in (("RU", "RU (incl. Wagner)"), ("UA", "UA"), ("WAGNER", "WAGNER")):
        if f"total.{side}.casualties.median" not in s.fig:
            continue
        cells = [F.band(s.q(f"total.{side}.{k}"), _n) for k in ("casualties", "killed", "wounded")]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    ks_ru, ks_ua = s.q("killed_share.RU"), s.q("killed_share.UA")
    d = s.ctx["fit"]["diagnostics"]
    above = ks_ru["q05"] > 0.25
    lines += [
        "",
        f"Exchange ratio (RU casualties per UA casualty): **{F.band(s.q('ratio'), _x)}**. "
        f"Killed share: RU {F.band(ks_ru, _x)}"
        + (
            " — above the prior mean 0.25, pulled up by the Ukrainian daily killed/wounded "
            "figures of May 2023 —"
            if above
            else ""
        )
        + f" UA {F.band(ks_ua, _x)}. Diagnostics: R-hat max {d['r_hat_max']:.3f}, ESS min "
        f"{d['ess_min']:,.0f}, "
        + ("no divergences." if d["divergences"] == 0 else f"{d['divergences']} divergences."),
    ]
    return "\n".join(lines)


def _bias(s: _View) -> str:
    order = ("UA", "RU", "WEST", "INDEPENDENT", "OTHER")
    names = {"OTHER": "OTHER (article)"}
    lines = ["| group | enemy's losses | own losses | neutral |", "|---|---|---|---|"]
    for g in order:
        cells = []
        for rel in ("enemy", "self", "neutral"):
            key = f"bias.{g}.{rel}"
            cells.append(F.band(s.q(key), _x) if f"{key}.median" in s.fig else "–")
        if any(c != "–" for c in cells):
            lines.append(f"| {names.get(g, g)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _figures(s: _View) -> str:
    lines = [
        "| group | claimant | claim | claimed | fused (same period and metric) |",
        "|---|---|---|---|---|",
    ]
    for r in s.ctx["fit"]["figures"]:
        what = (
            f"{r['subject']} {r['metric'].replace('casualty_ratio', 'casualty ratio')} "
            f"to {_date(r['end'])}"
        )
        fmt = _x if r["metric"] == "casualty_ratio" else _n
        fused = F.band(s.q("fused." + r["id"]), fmt)
        lines.append(
            f"| {r['group']} | {r['claimant']} | {what} | {_claimed(r['claimed'])} | {fused} |"
        )
    return "\n".join(lines)


def _implausible(s: _View) -> str:
    alpha = s.ctx["fit"]["ppc_alpha"]
    items = []
    for r in s.ctx["fit"]["low_tail"]:
        p = float(s.v(f"ppc.{r['id']}.tail_p"))
        if p >= alpha:
            continue
        pred = {k: float(s.v(f"ppc.{r['id']}.pred_{k}")) for k in _Q}
        period = _date(r["start"]) + ("" if r["start"] == r["end"] else f" – {_date(r['end'])}")
        items.append(
            f"{r['id']} ({r['claimant']}: {r['subject']} {r['metric']} "
            f"{_claimed(r['claimed'])}, {period}; expected from that claimant "
            f"{F.band(pred, _n)}; p = {p:.2g})"
        )
    if not items:
        return f"Implausible claims (tail probability < {alpha:.0%}): none."
    return (
        f"Implausible claims (tail probability < {alpha:.0%}): "
        + "; ".join(items)
        + ". Each is worth reading in `claims.csv`: a figure for an incident read as a period "
        "total looks implausible without being wrong."
    )


def _reading(s: _View) -> str:
    ua_enemy = s.q("bias.UA.enemy")["median"]
    ru_enemy = s.q("bias.RU.enemy")["median"]
    ua_self = s.q("bias.UA.self")["median"]
    ratio = s.q("ratio")
    return (
        "How to read this. The Russian total is pinned mainly by the Western and Ukrainian "
        "cumulative figures, read through the measured Ukrainian enemy bias "
        f"(×{ua_enemy:.2f}). The Ukrainian total rests on few claims (Russian claims, two "
        "independent figures, the ratio claims) and leans on the priors: the RU enemy bias of "
        f"×{ru_enemy:.2g} and the UA self bias of ×{ua_self:.2f} are mostly what the priors and "
        "the ratio claims imply, not independent measurements, and the UA interval is "
        "correspondingly wide. "
        + (
            f"The exchange ratio (median {ratio['median']:.2f}) lies below the 5–10 of the "
            "ratio claims: it is what the individual totals imply."
            if ratio["q95"] < 5
            else f"The exchange ratio's interval ({ratio['q05']:.2f}–{ratio['q95']:.2f}) "
            "reaches the 5–10 of the ratio claims."
        )
    )


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
        k = float(s.v(f"{key}.covered"))
        share = k / c["n"]
        inside_bar += v["bar"]["coverage_lo"] <= share <= v["bar"]["coverage_hi"]
        inside_band += c["band_lo"] <= share <= c["band_hi"]
        lines.append(
            f"| {c['generator']} | {c['quantity']} | {k:.0f} | {share:.0%} | "
            f"{float(s.v(f'{key}.median_abs_log_error')):.3f} |"
        )
    first = next(iter(cov.values()))
    n, lo, hi = first["n"], first["band_lo"], first["band_hi"]
    rep = s.ctx["replicates"]
    rh = ", ".join(f"{float(s.v(f'rhat_over_1_01.{g}')):.0%} ({g})" for g in sorted(rep))
    div = sum(r["divergent"] for r in rep.values())
    lines += [
        "",
        f"{inside_bar} of {len(cov)} lie inside the bar "
        f"({v['bar']['coverage_lo']:.0%}–{v['bar']['coverage_hi']:.0%}) and {inside_band} of "
        f"{len(cov)} inside the 99% binomial band around 90% ({lo * n:.0f}–{hi * n:.0f} of {n}). "
        + ("No replicate had a divergence" if div == 0 else f"{div} replicates had divergences")
        + f"; with these short runs R-hat exceeded 1.01 in {rh} of replicates (max "
        f"{max(r['r_hat_max'] for r in rep.values()):.3f}). The default test suite runs a "
        "20-replicate version (seed 2024) and checks the counts against a binomial band with a "
        "stated false-failure rate of at most 1%.",
    ]
    return "\n".join(lines)


def _loo(s: _View) -> str:
    lines = [
        "| claimant | claims | inside 90% | claimed / predicted | RU without it | UA without it "
        "| ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    loo = s.ctx["validation"]["loo"]
    ru0 = s.q("total.RU.casualties")["median"]
    moves, ratios, inside = [], [], []
    for r in loo:
        k = f"loo.{r['claimant']}"
        ru, ua, ra = (float(s.v(f"{k}.{x}")) for x in ("RU", "UA", "ratio"))
        ins = float(s.v(f"{k}.inside_90"))
        moves.append(ru / ru0 - 1)
        ratios.append(ra)
        inside.append((ins, r["claimant"]))
        lines.append(
            f"| {r['claimant']} | {r['n_claims']} | {ins:.0%} | "
            f"{float(s.v(f'{k}.median_factor')):.2g} | {_n(ru)} | {_n(ua)} | {ra:.2f} |"
        )
    worst = sorted(inside)[:2]
    lines += [
        "",
        f"The claimants a typical claimant of their side would least expect (lowest share "
        f"inside): {worst[0][1]} ({worst[0][0]:.0%}) and {worst[1][1]} ({worst[1][0]:.0%}). "
        f"Leaving out any one claimant moves the RU total by {100 * min(moves):+.0f}% to "
        f"{100 * max(moves):+.0f}% (against the default fit's median) and keeps the exchange "
        f"ratio within {min(ratios):.1f}–{max(ratios):.1f}.",
    ]
    return "\n".join(lines)


def _sensitivity(s: _View) -> str:
    sens = s.ctx["validation"]["sensitivity"]
    worst = max(r["r_hat_max"] for r in sens)
    lines = [
        f"Prior sensitivity on Bakhmut (casualties over the window; 2 chains × "
        f"{s.ctx['validation'].get('draws', 300)} draws, so R-hat up to {worst:.3f}):",
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
    stc = sc["context"].get("streams", {})
    out = {
        "fog-window": (
            f"Bakhmut: {s.v('window.start')} to {s.v('window.end')} ({s.v('window.days')} days, "
            f"{s.v('window.weeks')} weeks); {s.v('claims.used')} of the {s.v('claims.total')} "
            "claims are used."
        ),
        "fog-streams": (
            f"On Bakhmut (seed {sc['settings']['fit']['seed']}) the three streams move RU "
            f"casualties from {_n(s.q('total.RU.casualties')['median'])} to "
            f"{F.band(s.q('streams.RU'), _n)} and UA from "
            f"{_n(s.q('total.UA.casualties')['median'])} to {F.band(s.q('streams.UA'), _n)} "
            f"(R-hat {stc['r_hat_max']:.3f}, "
            + (
                "no divergences)."
                if stc["divergences"] == 0
                else f"{stc['divergences']} divergences)."
            )
        ),
        "fog-results": _results(s, sc) + quick,
        "fog-bias": _bias(s),
        "fog-figures": _figures(s),
        "fog-implausible": _implausible(s),
        "fog-reading": _reading(s),
        "fog-validation-settings": (
            f"`attrition validate estimate --replicates {sc['context']['validation']['replicates']}"
            f" --seed {sc['context']['validation']['seed']}` (regenerated by `make docs-figures`;"
            " sidecar `docs/figures/fog_of_war.json` with every figure's Monte Carlo error)."
            + quick
        ),
        "fog-coverage": _coverage(s),
        "fog-loo": _loo(s),
        "fog-sensitivity": _sensitivity(s),
    }
    return out


def render(text: str, sidecar: Mapping[str, Any]) -> str:
    """docs/fog-of-war.md with its generated blocks rewritten from ``sidecar``."""
    return F.replace_blocks(text, blocks(sidecar), "docs/fog-of-war.md")


if __name__ == "__main__":
    import run

    sys.exit(run.main(["--only", "fog_of_war", *sys.argv[1:]]))
