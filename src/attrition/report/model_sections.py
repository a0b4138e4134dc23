"""The sections of the Bakhmut model in the report: the calibrated baseline against the record,
the scenario library side by side, and hindcast skill (figures as PNG and SVG into the folder
given). :mod:`attrition.report.model` runs the stage that computes them.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.infer.quantiles import quantiles as quant
from attrition.report.evidence import fmt_q
from attrition.report.html import (
    Section,
    figure_html,
    fmt_date,
    fmt_num,
    label,
    table_html,
)

if TYPE_CHECKING:
    import pandas as pd

    from attrition.battles.bakhmut.calibration import Calibration
    from attrition.battles.bakhmut.evidence import CasualtyEvidence
    from attrition.battles.bakhmut.mixture import LawWeights, MixtureResult
    from attrition.battles.bakhmut.scenarios import ScenarioResult
    from attrition.report.model import ModelSettings

__all__ = ["SCENARIO_COLOURS", "hindcast_section", "quant", "record_section", "scenario_section"]

#: Okabe–Ito colours for the scenarios, in library order.
SCENARIO_COLOURS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00", "#0072B2")
#: Line dashes of the scenarios (a second cue beside the colour).
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
"""Line dashes of the scenarios' series, paired with :data:`SCENARIO_COLOURS` (7 colours, 6
dashes: every pair differs for the first 42 series)."""


def _date(day: float) -> str:
    from attrition.battles.bakhmut.axes import date_of

    return date_of(day).isoformat()


def _in_units(quantity: str, value: float) -> str:
    """A value of a model quantity as the page writes it (the city's share in %)."""
    if value != value or not np.isfinite(value):
        return ""
    if quantity == "city":
        return f"{100 * value:.0f}%"
    return fmt_num(float(value))


def observed_text(quantity: str, low: float, high: float) -> str:
    """What a statement says about a model quantity: ``14.2``, ``12–16``, ``at least 50%``."""
    lo, hi = _in_units(quantity, low), _in_units(quantity, high)
    if lo and hi:
        return lo if lo == hi else f"{lo}–{hi}"
    if lo:
        return f"at least {lo}"
    if hi:
        return f"at most {hi}"
    return "–"


def plain_statement(text: str) -> str:
    """An observation's label with its leading code in words (``claimed_captured RU: Opytne``
    -> ``capture claimed (unconfirmed) RU: Opytne``)."""
    head, sep, rest = str(text).partition(" ")
    return label(head) + sep + rest if label(head) != head else str(text)


def param_label(name: str) -> str:
    """A parameter's meaning, from its documentation (the first clause of ``doc``)."""
    from attrition.battles.bakhmut.params import PARAMS

    doc = next((p.doc for p in PARAMS if p.name == name), "")
    if not doc:
        return name
    text = doc.split(" (")[0].split(". ")[0].rstrip(".")
    return text if len(text) <= 90 else text[:87] + "..."


# ---------------------------------------------------------------------------------------------
# the calibrated baseline against the record


def record_section(
    cal: Calibration,
    base: ScenarioResult,
    ev: CasualtyEvidence,
    fig_dir: Path,
    weights: LawWeights | None = None,
) -> tuple[Section, dict[str, Any]]:
    """The calibrated model's baseline against the record (the control events, the claims
    and the fused estimate ``ev`` it was calibrated to), with the law comparison: the laws'
    weights (``weights``, from repeated calibrations; ``cal`` and ``base`` are then the law
    with the highest weight) or, without them, the laws of ``cal``."""
    import pandas as pd

    from attrition.battles.bakhmut.scenarios import fit_to_record
    from attrition.report import figures as F

    fit = fit_to_record(cal, base)
    daily = base.daily()
    dates = list(daily["date"])
    city = fit[fit["quantity"] == "city"]
    pts = (
        [
            {
                "name": "city-control figures (claims and events)",
                "x": [d.isoformat() for d in city["date"]],
                "y": [
                    (a if a == a and np.isfinite(a) else b)
                    for a, b in zip(city["low"], city["high"], strict=True)
                ],
                "text": [
                    f"<b>{i}</b> {html.escape(plain_statement(str(lab)))}"
                    for i, lab in zip(city["id"], city["label"], strict=True)
                ],
                "colour": "#CC79A7",
            }
        ]
        if len(city)
        else []
    )
    fig_city = F.band_figure(
        [
            {
                "name": f"model ({cal.law} law), share held by Russia",
                "x": dates,
                "q05": daily["city_control_q05"],
                "q50": daily["city_control_q50"],
                "q95": daily["city_control_q95"],
                "colour": "#D55E00",
            }
        ],
        pts,
        title="City control: calibrated model against the record",
        yaxis="share held by Russia (%)",
        stem=str(fig_dir / "model_city_control"),
        percent=True,
    )
    # cumulative casualties: model band against the fused estimate's band
    ev_dates = [str(d) for d in ev.dates]
    cum = np.cumsum(ev.draws, axis=1)
    bands = []
    for side, k, colour, fused_colour in (
        ("RU", 0, "#D55E00", "#E69F00"),
        ("UA", 1, "#0072B2", "#56B4E9"),
    ):
        fq = np.quantile(cum[:, :, k], [0.05, 0.5, 0.95], axis=0)
        bands.append(
            {
                "name": f"{side}: fused estimate of the claims",
                "x": ev_dates,
                "q05": fq[0],
                "q50": fq[1],
                "q95": fq[2],
                "colour": fused_colour,
            }
        )
        col = f"{side.lower()}_casualties"
        bands.append(
            {
                "name": f"{side}: model",
                "x": dates,
                "q05": daily[f"{col}_q05"],
                "q50": daily[f"{col}_q50"],
                "q95": daily[f"{col}_q95"],
                "colour": colour,
            }
        )
    fig_cas = F.band_figure(
        bands,
        [],
        title="Cumulative casualties: calibrated model against the fused estimate",
        yaxis="casualties since 1 Aug 2022",
        stem=str(fig_dir / "model_casualties"),
    )
    n_in = int(fit["inside"].sum())
    events = fit[fit["source"] == "event"]
    claims = fit[fit["source"] == "claim"]
    outside = fit[~fit["inside"]].copy()
    outside["date"] = outside["date"].astype(str)
    outside_view = pd.DataFrame(
        {
            "id": outside["id"],
            "source": outside["source"],
            "date": outside["date"],
            "quantity": outside["quantity"],
            "label": [plain_statement(t) for t in outside["label"]],
            "observed": [
                observed_text(q, lo, hi)
                for q, lo, hi in zip(
                    outside["quantity"], outside["low"], outside["high"], strict=True
                )
            ],
            "model": [
                f"{_in_units(q, b)} ({_in_units(q, a)}–{_in_units(q, c)})"
                for q, a, b, c in zip(
                    outside["quantity"], outside["q05"], outside["q50"], outside["q95"],
                    strict=True,
                )
            ],
        }
    )  # fmt: skip
    base_sum = base.summary()
    totals = ev.draws.sum(axis=1)
    fused = {side: quant(totals[:, k]) for k, side in enumerate(("RU", "UA"))}
    if weights is None:
        laws = pd.DataFrame(cal.laws)[["law", "log_evidence", "stages", "acceptance", "chosen"]]
    else:
        laws = weights.to_frame()[["law", "weight", "log_evidence_mean", "log_evidence_sd"]]
        laws = laws.assign(chosen=laws["law"] == cal.law)
    post = cal.posterior_table()
    post = post[post["fitted"]].drop(columns=["fitted"])
    post_view = pd.DataFrame(
        {
            "parameter": post["parameter"],
            "median (90% interval)": [
                f"{fmt_num(m)} ({fmt_num(a)}–{fmt_num(b)})"
                for m, a, b in zip(post["median"], post["q05"], post["q95"], strict=True)
            ],
            "prior median": post["prior_median"],
            "unit": post["unit"],
        }
    )
    gaps = [
        f"{name}: the fused estimate, {fmt_q(fused[side])}, lies outside the model's 90% band "
        f"({fmt_num(m['q05'])}–{fmt_num(m['q95'])})"
        for side, name in (("RU", "Russian casualties"), ("UA", "Ukrainian casualties"))
        for m in [base_sum["sides"][side]["casualties"]]
        if not m["q05"] <= fused[side]["median"] <= m["q95"]
    ]
    gap_note = (
        '<p class="note"><b>Where the model and the fused estimate disagree.</b> '
        + html.escape("; ".join(gaps))
        + ". The model is held to the front lines, force sizes and control events as well "
        "as to the casualty claims, and does not reach the fused figure; the fused estimate "
        "reads the casualty claims alone. Neither is a measured fact.</p>"
        if gaps
        else ""
    )
    text = (
        f"<p>The model of <code>attrition.battles.bakhmut</code> (method note: "
        f"<code>docs/bakhmut-model.md</code>), calibrated by tempered sequential Monte Carlo "
        f"to the fused casualty estimate ({html.escape(ev.source)}), {len(events)} control-"
        f"event statements and {len(claims)} claims (ids in the tables below and in the "
        f"bibliography). " + _law_sentence(cal.law, weights) + "</p>"
        f"<p><b>Fit to the record</b> (baseline ensemble, {base.runs:,} runs over the "
        f"posterior with binomial attrition): {n_in} of {len(fit)} statements fall inside the "
        f"model's 90% bands ({int(events['inside'].sum())} of {len(events)} control-event "
        f"statements, {int(claims['inside'].sum())} of {len(claims)} claims). Modelled "
        f"casualties over the window: Russia {fmt_q(base_sum['sides']['RU']['casualties'])}, "
        f"Ukraine {fmt_q(base_sum['sides']['UA']['casualties'])}, against the fused "
        f"{fmt_q(fused['RU'])} and {fmt_q(fused['UA'])}. In "
        f"{base_sum['city_fall_date']['probability_by_end']:.0%} of the model's runs the city "
        "has 'fallen' (at least 97% held by Russia) by 30 June 2023: a hindcast probability "
        "of the model, a test of it against the record. In fact the city was captured "
        "(per the article, mostly by 20 May 2023). These are statements of a calibrated "
        "model, not facts about the battle.</p>" + gap_note
    )
    body = (
        text
        + figure_html(
            fig_city,
            "Share of the city held by Russia: model median and 90% band; "
            "points are the claims and events it was calibrated to (hover: id and "
            "statement).",
            "model-city-fig",
        )
        + figure_html(
            fig_cas,
            "Cumulative casualties since 1 August 2022: the model's median "
            "and 90% band beside the fused estimate of the claims (90% band).",
            "model-casualties-fig",
        )
        + table_html(
            laws,
            "Law comparison: log marginal likelihood (SMC estimate; higher fits better)"
            + (
                ""
                if weights is None
                else f", mean and sd over {weights.repeats} calibrations, "
                "and the law's weight in the scenarios"
            ),
            headers={
                "log_evidence": "log marginal likelihood",
                "log_evidence_mean": "log marginal likelihood (mean)",
                "log_evidence_sd": "sd over calibrations (nat)",
                "weight": "weight",
                "stages": "tempering stages",
                "acceptance": "acceptance rate",
                "chosen": "shown here" if weights is not None else "chosen",
            },
            codes=("law",),
            formats={
                "log_evidence": lambda v: f"{v:.1f}",
                "log_evidence_mean": lambda v: f"{v:.1f}",
                "log_evidence_sd": lambda v: "–" if v != v else f"{v:.2f}",
                "weight": lambda v: f"{v:.2f}",
                "acceptance": lambda v: f"{v:.0%}",
                "chosen": lambda v: "yes" if v else "",
            },
        )
        + table_html(
            outside_view,
            "Statements outside the model's 90% band: what the record says beside the model's "
            "median (90% band); fronts in km from the city centre, city as the share held by "
            "Russia",
            headers={
                "source": "kind",
                "quantity": "model quantity",
                "label": "statement",
                "observed": "observed (the statement)",
                "model": "model median (90% band)",
            },
            codes=("source", "quantity"),
            dates=("date",),
        )
        + table_html(
            post_view,
            "Posterior of the fitted parameters: median and 90% interval, beside the prior median",
            codes={"parameter": param_label},
        )
    )
    summ = {
        "law": cal.law,
        "laws": cal.laws
        if weights is None
        else [
            {k: None if isinstance(v, float) and v != v else v for k, v in r.items()}
            for r in laws.drop(columns="chosen").to_dict("records")
        ],
        "statements_inside": n_in,
        "statements": len(fit),
        "events_inside": int(events["inside"].sum()),
        "events": len(events),
        "claims_inside": int(claims["inside"].sum()),
        "claims": len(claims),
        "outside_ids": list(outside["id"]),
        "baseline": base_sum,
        "fused_casualties": fused,
    }
    return Section("model", "The calibrated model against the record", body), summ


def _law_sentence(law: str, weights: LawWeights | None) -> str:
    """What the page says about the law shown against the record."""
    if weights is None:
        return (
            f"The law with the highest marginal likelihood is <b>{html.escape(law)}</b>; the "
            "differences between laws are within the estimator's noise unless they exceed a "
            "few nats, so the choice is not a finding on its own."
        )
    w = weights.by_law()
    parts = ", ".join(f"{html.escape(lw)} {v:.2f}" for lw, v in w.items())
    mean = weights.log_evidence.mean(axis=0)
    sd = weights.sd
    j = weights.laws.index(law)
    gaps = [float(mean[j] - mean[i]) for i in range(len(weights.laws)) if i != j]
    if not gaps or not np.isfinite(sd).all():
        error = "the Monte Carlo error of the log evidence is not measured with one calibration"
    elif float(np.max(sd)) >= min(gaps):
        error = (
            f"the Monte Carlo error of the log evidence (sd up to {float(np.max(sd)):.1f} nat) "
            f"is as large as the smallest gap to another law ({min(gaps):.1f} nat), so that "
            "order is not a finding on its own"
        )
    else:
        error = (
            f"the Monte Carlo error of the log evidence (sd up to {float(np.max(sd)):.1f} nat) "
            f"is below the smallest gap to another law ({min(gaps):.1f} nat)"
        )
    return (
        f"Each law was calibrated {weights.repeats} times; its weight is the average over "
        f"those calibrations of its posterior probability from the log evidence ({parts}). "
        "The scenarios below mix the laws by these weights. Shown against the record here is "
        f"the law with the highest weight, <b>{html.escape(law)}</b>; {error}."
    )


# ---------------------------------------------------------------------------------------------
# scenarios side by side


def scenario_label(name: str) -> str:
    """A scenario's name as the page writes it (``no-may-counterattacks`` -> ``no May
    counterattacks``); the file name stays in ``data-code`` and in ``summary.json``."""
    words = name.replace("-", " ").replace("_", " ")
    for month in ("january", "february", "march", "april", "may", "june", "july", "august",
                  "september", "october", "november", "december"):  # fmt: skip
        words = words.replace(f" {month} ", f" {month.capitalize()} ")
    return words


def scenario_section(
    results: list[tuple[Any, MixtureResult]], fig_dir: Path
) -> tuple[Section, dict[str, Any]]:
    """The scenario library side by side (``results``: spec and law mixture, baseline first):
    the mixtures' fall dates, casualties and exchange ratios, the laws' weights, and the
    paired effects against the baseline per law and for the mixture, with a sentence for each
    effect whose sign depends on the law."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import plotly.graph_objects as go

    from attrition.battles.bakhmut.axes import DAYS
    from attrition.report import figures as F

    bands = []
    for j, (spec, mix) in enumerate(results):
        d = mix.mixture.daily()
        bands.append(
            {
                "name": spec.name,
                "x": list(d["date"]),
                "q05": d["city_control_q05"],
                "q50": d["city_control_q50"],
                "q95": d["city_control_q95"],
                "colour": SCENARIO_COLOURS[j % len(SCENARIO_COLOURS)],
                "dash": DASHES[j % len(DASHES)],
            }
        )
    fan = F.band_figure(
        bands,
        [],
        title="City control by scenario (model)",
        yaxis="share held by Russia (%)",
        stem=str(fig_dir / "scenarios_city_control"),
        percent=True,
    )
    # fall-date distribution: share of runs in which the city has fallen by each date
    days = np.arange(DAYS + 1)
    dates = [_date(float(x)) for x in days]
    ecdf = go.Figure()
    mfig, ax = plt.subplots(figsize=(9, 4.5), dpi=120)
    for j, (spec, mix) in enumerate(results):
        colour = SCENARIO_COLOURS[j % len(SCENARIO_COLOURS)]
        share = (mix.mixture.fall_day[:, None] <= days[None, :]).mean(axis=0)
        ecdf.add_scatter(
            x=dates,
            y=share * 100,
            mode="lines",
            name=scenario_label(spec.name),
            line={"color": colour, "width": 2, "dash": DASHES[j % len(DASHES)]},
            hovertemplate="%{x|%-d %b %Y}: %{y:.0f}% of runs<extra>"
            + html.escape(scenario_label(spec.name))
            + "</extra>",
        )
        ax.plot(pd.to_datetime(dates), share * 100, color=colour, label=scenario_label(spec.name))
    ecdf.update_layout(
        title="When the city falls, by scenario (model)",
        xaxis_title="date",
        yaxis_title="runs with the city fallen (%)",
        yaxis_range=[0, 100],
        template="plotly_white",
        height=430,
    )
    ax.set_title("When the city falls, by scenario (model)")
    ax.set_xlabel("date")
    ax.set_ylabel("runs in which the city has fallen (%)")
    ax.legend(fontsize=7)
    mfig.autofmt_xdate()
    mfig.tight_layout()
    F.save_static(mfig, str(fig_dir / "scenarios_fall_date"))
    # casualty and exchange-ratio intervals
    rows = []
    summaries = []
    for spec, mix in results:
        s = {k: v for k, v in mix.summary().items() if k not in ("version", "input_hashes")}
        summaries.append(s)
        f = s["city_fall_date"]
        late = "after 30 Jun 2023"
        when = {k: fmt_date(f[k]) if f[k] else late for k in ("median", "q05", "q95")}
        rows.append(
            {
                "scenario": spec.name,
                "what changes": spec.scenario.title,
                "city falls: median (90%)": (
                    when["median"]
                    if when["q05"] == when["q95"]
                    else f"{when['median']} ({when['q05']} to {when['q95']})"
                ),
                "P(fallen by 30 Jun 2023)": f"{f['probability_by_end']:.0%}",
                "RU casualties": fmt_q(s["sides"]["RU"]["casualties"]),
                "UA casualties": fmt_q(s["sides"]["UA"]["casualties"]),
                "exchange ratio RU/UA": fmt_q(s["exchange_ratio"], "{:.2f}"),
            }
        )
    from plotly.subplots import make_subplots

    names = [scenario_label(spec.name) for spec, _ in results]
    picks: list[tuple[str, list[dict[str, float]]]] = [
        ("RU casualties", [s["sides"]["RU"]["casualties"] for s in summaries]),
        ("UA casualties", [s["sides"]["UA"]["casualties"] for s in summaries]),
        ("RU per UA casualty", [s["exchange_ratio"] for s in summaries]),
    ]
    # one row per quantity: readable at any width (three panels side by side collapse on a
    # phone)
    iv = make_subplots(rows=3, cols=1, subplot_titles=[p[0] for p in picks], vertical_spacing=0.12)
    mfig2, axes = plt.subplots(1, 3, figsize=(11, 4), dpi=120, sharey=True)
    for k, (what, vals) in enumerate(picks):
        med = [v["median"] for v in vals]
        lo = [v["q05"] for v in vals]
        hi = [v["q95"] for v in vals]
        colour = ("#D55E00", "#0072B2", "#000000")[k]
        iv.add_scatter(
            x=med,
            y=names,
            mode="markers",
            name=what,
            showlegend=False,
            marker={"color": colour, "size": 9, "symbol": ("circle", "square", "diamond")[k]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - m for h, m in zip(hi, med, strict=True)],
                "arrayminus": [m - lo_ for m, lo_ in zip(med, lo, strict=True)],
            },
            hovertemplate="%{y}: %{x:,.3r}<extra>" + what + "</extra>",
            row=k + 1,
            col=1,
        )
        iv.update_yaxes(autorange="reversed", automargin=True, row=k + 1, col=1)
        axes[k].errorbar(
            med,
            range(len(names)),
            xerr=[np.subtract(med, lo), np.subtract(hi, med)],
            fmt="o",
            color=colour,
        )
        axes[k].set_title(what, fontsize=9)
    axes[0].set_yticks(range(len(names)), names, fontsize=8)
    mfig2.suptitle("Casualties and exchange ratio by scenario (model; median and 90% interval)")
    mfig2.tight_layout()
    F.save_static(mfig2, str(fig_dir / "scenarios_intervals"))
    iv.update_layout(
        title="Casualties and exchange ratio by scenario (model; median and 90% interval)",
        template="plotly_white",
        height=720,
        showlegend=False,
        margin={"l": 10, "r": 10},
    )
    rationale = "".join(
        f'<dt data-code="{html.escape(spec.name)}">{html.escape(scenario_label(spec.name))}: '
        f"{html.escape(spec.scenario.title)}</dt>"
        f"<dd>{html.escape(spec.scenario.rationale)}</dd>"
        for spec, _ in results
    )
    body = (
        "<p>Each scenario changes the record's schedule (or fixes or scales a parameter) and "
        f"runs under every attrition law as an ensemble of {results[0][1].runs:,} runs over "
        "that law's calibrated posterior with binomial attrition; the figures and the first "
        "table show the law mixture, which takes each law's runs in proportion to its weight "
        "(files in <code>attrition/data/battles/bakhmut/scenarios/</code>; "
        "<code>attrition scenario run NAME</code> runs one with that command's own calibration "
        "settings). "
        "<b>A what-if is a statement of this model</b> — what the calibrated model says would "
        "follow from the changed assumptions — not a fact about what would have happened.</p>"
        + table_html(
            pd.DataFrame(rows),
            "Scenarios side by side: model medians and 90% intervals",
            codes={"scenario": scenario_label},
            headers={"P(fallen by 30 Jun 2023)": "chance fallen by 30 Jun 2023 (share of runs)"},
        )
        + effects_html(results)
        + figure_html(
            fan,
            "Share of the city held by Russia under each scenario: median and "
            "90% band of the model ensemble.",
            "scenario-fan-fig",
        )
        + figure_html(
            ecdf,
            "Share of runs in which the city has fallen (at least 97% held) "
            "by each date, per scenario.",
            "scenario-fall-fig",
        )
        + figure_html(
            iv,
            "Casualties from 1 Aug 2022 to 30 Jun 2023 and the exchange ratio "
            "per scenario: median and 90% interval of the model ensemble.",
            "scenario-intervals-fig",
        )
        + f"<h3>What each scenario assumes, and why</h3><dl>{rationale}</dl>"
    )
    return Section("scenarios", "Scenarios side by side (what-ifs)", body), {"scenarios": summaries}


#: The effects the page shows: (key in ``MixtureResult.effects``, words, number format).
EFFECT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("fall_day", "fall date (days later)", "{:+.0f}"),
    ("ru_casualties_pct", "RU casualties (% change)", "{:+.1f}%"),
    ("ua_casualties_pct", "UA casualties (% change)", "{:+.1f}%"),
    ("exchange_ratio", "exchange ratio RU/UA (change)", "{:+.2f}"),
)


def effects_html(results: list[tuple[Any, MixtureResult]]) -> str:
    """The paired effects against the baseline: one row per scenario and effect, the mixture's
    median, 90% interval and P(effect > 0), each law's median and P(effect > 0), and a
    paragraph naming every effect whose sign depends on the law (the rule of
    :func:`attrition.battles.bakhmut.mixture.sign_depends_on_law`)."""
    import pandas as pd

    rows = []
    flagged = []
    base_mix = results[0][1]
    laws = base_mix.laws
    for spec, mix in results:
        if spec.name == "baseline":
            continue
        eff = mix.effects()
        for key, words, f in EFFECT_ROWS:
            e = eff[key]
            m = e["mixture"]
            row: dict[str, Any] = {
                "scenario": spec.name,
                "effect": words,
                "mixture: median (90%)": f"{f.format(m['median'])} "
                f"({f.format(m['q05'])} to {f.format(m['q95'])})",
                "mixture: P(effect > 0)": f"{m['p_positive']:.2f}",
            }
            for lw in laws:
                v = e["laws"][lw]
                row[f"{lw}: median, P(> 0)"] = f"{f.format(v['median'])}, {v['p_positive']:.2f}"
            row["sign depends on the law"] = "yes" if e["sign_depends_on_law"] else ""
            rows.append(row)
            if e["sign_depends_on_law"]:
                per = "; ".join(
                    f"{html.escape(lw)}: {f.format(e['laws'][lw]['median'])} "
                    f"(P(&gt; 0) = {e['laws'][lw]['p_positive']:.2f})"
                    for lw in laws
                )
                flagged.append(
                    f"<li><b>{html.escape(scenario_label(spec.name))}</b>, {html.escape(words)}: "
                    f"{per}. Its sign depends on the law, so this model cannot say whether the "
                    "change raises or lowers it.</li>"
                )
    if not rows:
        return ""
    w = base_mix.weights
    weights = ", ".join(f"{html.escape(lw)} {v:.2f}" for lw, v in w.by_law().items())
    words = (
        "<p><b>Where the sign depends on the law.</b></p><ul>" + "".join(flagged) + "</ul>"
        if flagged
        else "<p>No effect's sign depends on the law: every law agrees on the direction of "
        "every effect shown (medians within 1% of the baseline count as no effect).</p>"
    )
    note = (
        f"<p><b>Effects against the baseline, per law and mixed.</b> Law weights: {weights} "
        f"(rule: {html.escape(w.rule)}, {w.repeats} calibrations per law). Each effect is the "
        "run-by-run difference between the scenario and the baseline run with the same "
        "posterior draw and the same random numbers (paired runs), so the baseline against "
        "itself is exactly 0; P(effect &gt; 0) is the share of runs in which the quantity "
        "rises. A fall date 'after the end' counts as 1 July 2023. An effect's sign depends on "
        "the law when two laws' medians lie on opposite sides of 0 by more than 1% of the "
        "baseline (1 point for % changes), or when P(effect &gt; 0) is above 0.9 under one law "
        "and below 0.1 under another with one of those medians beyond that margin.</p>"
    )
    return (
        note
        + table_html(
            pd.DataFrame(rows),
            "Effects against the baseline (paired runs): the law mixture and each law",
            codes={"scenario": scenario_label},
        )
        + words
    )


# ---------------------------------------------------------------------------------------------
# hindcast skill


def hindcast_section(table: pd.DataFrame, settings: ModelSettings) -> Section:
    """Hindcast skill: the model against three baselines (straight line, persistence, a
    local-linear-trend filter) by cutoff and target: Brier score for the control events,
    CRPS for city control and the fall date, log score for the casualty claims made after
    each cutoff."""
    import pandas as pd

    from attrition.battles.bakhmut.hindcasts import FORECASTERS

    t = table[~table["target"].astype(str).str.startswith("casualty_claim:")].copy()
    score_of = {
        "control_events": "brier",
        "casualty_claims": "log_score",
        "casualty_claims_wagner": "log_score",
    }
    rows: list[dict[str, Any]] = []
    for (cutoff, target), g in t.groupby(["cutoff", "target"], sort=False):
        score = score_of.get(str(target), "crps")
        if score not in g.columns:
            continue
        mean = g.groupby("forecaster")[score].mean()
        row: dict[str, Any] = {"cutoff": cutoff, "target": target, "score": score}
        for who in FORECASTERS:
            row[who] = float(mean[who]) if who in mean.index else float("nan")
        base = [who for who in FORECASTERS[1:] if who in mean.index and np.isfinite(mean[who])]
        if "model" in mean.index and np.isfinite(mean["model"]) and base:
            best = min(base, key=lambda w: float(mean[w]))
            row["model beats every baseline"] = "yes" if mean["model"] < mean[best] else "no"
        rows.append(row)
    wide = pd.DataFrame(rows)
    n_seeds = int(table["seed"].nunique()) if "seed" in table.columns else 1
    seeds_text = (
        "<strong>one seed</strong>: a single run is no claim of skill"
        if n_seeds == 1
        else f"{n_seeds} seeds (means shown)"
    )
    body = (
        "<p>Calibrated on what was known at each cutoff only (claims, events and a fog-of-war "
        "estimate fitted on the claims known then), the model forecasts the rest of the battle; "
        "the forecasts are scored against what was published after the cutoff (lower is "
        "better for every score here): the Brier score of the control events, the CRPS of "
        "city control and of the fall date, and the log score of the casualty claims made "
        "after the cutoff about later periods (a claim is evidence, not the truth: it is "
        "scored with a stated claim noise). Three baselines forecast the same targets: a "
        "straight line through the asserted front positions, persistence (the fronts stay "
        "where they were), and a local-linear-trend filter of the front positions. The law is "
        "chosen at each cutoff from that cutoff's evidence (column <em>law</em>); priors "
        "resting on claims published after a cutoff are replaced by priors set without them. "
        f"{settings.hindcast_particles} particles and {settings.hindcast_runs} runs per "
        f"cutoff, {seeds_text}. The method note (docs/bakhmut-model.md) reports the scores "
        "over several seeds with their spread.</p>"
        + table_html(
            wide,
            "Score by cutoff and target: the model against each baseline (lower is better)",
            codes=("target", "score"),
            dates=("cutoff",),
        )
        + table_html(
            t,
            "Hindcast skill, every score",
            headers={
                "n": "statements or claims",
                "crps": "CRPS",
                "brier": "Brier",
                "log_score": "log score",
                "coverage_90": "inside the 90% interval",
                "q05": "5th percentile",
                "q95": "95th percentile",
            },
            codes=("law", "target", "forecaster"),
            dates=("cutoff",),
        )
    )
    return Section("hindcast", "Hindcast skill", body)
