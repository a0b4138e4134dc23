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
from attrition.report.html import Section, figure_html, table_html

if TYPE_CHECKING:
    import pandas as pd

    from attrition.battles.bakhmut.calibration import Calibration
    from attrition.battles.bakhmut.evidence import CasualtyEvidence
    from attrition.battles.bakhmut.scenarios import ScenarioResult
    from attrition.report.model import ModelSettings

__all__ = ["SCENARIO_COLOURS", "hindcast_section", "quant", "record_section", "scenario_section"]

#: Okabe–Ito colours for the scenarios, in library order.
SCENARIO_COLOURS = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00", "#0072B2")


def _date(day: float) -> str:
    from attrition.battles.bakhmut.axes import date_of

    return date_of(day).isoformat()


# ---------------------------------------------------------------------------------------------
# the calibrated baseline against the record


def record_section(
    cal: Calibration, base: ScenarioResult, ev: CasualtyEvidence, fig_dir: Path
) -> tuple[Section, dict[str, Any]]:
    """The calibrated model's baseline against the record (the control events, the claims
    and the fused estimate ``ev`` it was calibrated to), with the law comparison."""
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
                    f"<b>{i}</b> {html.escape(str(lab))}"
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
        yaxis="share of Bakhmut held by Russia (%)",
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
        yaxis="casualties (killed and wounded) since 1 Aug 2022",
        stem=str(fig_dir / "model_casualties"),
    )
    n_in = int(fit["inside"].sum())
    events = fit[fit["source"] == "event"]
    claims = fit[fit["source"] == "claim"]
    outside = fit[~fit["inside"]].copy()
    outside["date"] = outside["date"].astype(str)
    outside = outside[["id", "source", "date", "quantity", "label", "q05", "q50", "q95"]]
    base_sum = base.summary()
    totals = ev.draws.sum(axis=1)
    fused = {side: quant(totals[:, k]) for k, side in enumerate(("RU", "UA"))}
    laws = pd.DataFrame(cal.laws)[["law", "log_evidence", "stages", "acceptance", "chosen"]]
    post = cal.posterior_table()
    post = post[post["fitted"]].drop(columns=["fitted"])
    text = (
        f"<p>The model of <code>attrition.battles.bakhmut</code> (method note: "
        f"<code>docs/bakhmut-model.md</code>), calibrated by tempered sequential Monte Carlo "
        f"to the fused casualty estimate ({html.escape(ev.source)}), {len(events)} control-"
        f"event statements and {len(claims)} claims (ids in the tables below and in the "
        f"bibliography). The law with the highest marginal likelihood is <b>{cal.law}</b>; the "
        "differences between laws are within the estimator's noise unless they exceed a few "
        "nats, so the choice is not a finding on its own.</p>"
        f"<p><b>Fit to the record</b> (baseline ensemble, {base.runs:,} runs over the "
        f"posterior with binomial attrition): {n_in} of {len(fit)} statements fall inside the "
        f"model's 90% bands ({int(events['inside'].sum())} of {len(events)} control-event "
        f"statements, {int(claims['inside'].sum())} of {len(claims)} claims). Modelled "
        f"casualties over the window: Russia {fmt_q(base_sum['sides']['RU']['casualties'])}, "
        f"Ukraine {fmt_q(base_sum['sides']['UA']['casualties'])}, against the fused "
        f"{fmt_q(fused['RU'])} and {fmt_q(fused['UA'])}. The city 'falls' (at least "
        f"{97}% held) by 30 June 2023 in {base_sum['city_fall_date']['probability_by_end']:.0%} "
        "of runs. These are statements of a calibrated model, not facts about the battle.</p>"
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
        + table_html(laws, "Law comparison: log marginal likelihood (SMC estimate)")
        + table_html(
            outside,
            "Statements outside the model's 90% band (model quantiles; "
            "fronts in km from the ring centre, city as a share)",
        )
        + table_html(
            post,
            "Posterior of the fitted parameters: median and 90% interval, beside the prior median",
        )
    )
    summ = {
        "law": cal.law,
        "laws": cal.laws,
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


# ---------------------------------------------------------------------------------------------
# scenarios side by side


def scenario_section(
    results: list[tuple[Any, ScenarioResult]], fig_dir: Path
) -> tuple[Section, dict[str, Any]]:
    """The scenario library side by side (``results``: spec and result, baseline first)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import plotly.graph_objects as go

    from attrition.battles.bakhmut.axes import DAYS
    from attrition.report import figures as F

    bands = []
    for j, (spec, res) in enumerate(results):
        d = res.daily()
        bands.append(
            {
                "name": spec.name,
                "x": list(d["date"]),
                "q05": d["city_control_q05"],
                "q50": d["city_control_q50"],
                "q95": d["city_control_q95"],
                "colour": SCENARIO_COLOURS[j % len(SCENARIO_COLOURS)],
            }
        )
    fan = F.band_figure(
        bands,
        [],
        title="City control by scenario (model)",
        yaxis="share of Bakhmut held by Russia (%)",
        stem=str(fig_dir / "scenarios_city_control"),
        percent=True,
    )
    # fall-date distribution: share of runs in which the city has fallen by each date
    days = np.arange(DAYS + 1)
    dates = [_date(float(x)) for x in days]
    ecdf = go.Figure()
    mfig, ax = plt.subplots(figsize=(9, 4.5), dpi=120)
    for j, (spec, res) in enumerate(results):
        colour = SCENARIO_COLOURS[j % len(SCENARIO_COLOURS)]
        share = (res.fall_day[:, None] <= days[None, :]).mean(axis=0)
        ecdf.add_scatter(
            x=dates,
            y=share * 100,
            mode="lines",
            name=spec.name,
            line={"color": colour, "width": 2},
            hovertemplate="%{x}: %{y:.0f}% of runs<extra>" + spec.name + "</extra>",
        )
        ax.plot(pd.to_datetime(dates), share * 100, color=colour, label=spec.name)
    ecdf.update_layout(
        title="When the city falls, by scenario (model)",
        xaxis_title="date",
        yaxis_title="runs in which the city has fallen (%)",
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
    for spec, res in results:
        s = res.summary()
        summaries.append(s)
        f = s["city_fall_date"]
        rows.append(
            {
                "scenario": spec.name,
                "what changes": spec.scenario.title,
                "city falls: median (90%)": f"{f['median'] or 'after 30 Jun'} "
                f"({f['q05'] or 'after 30 Jun'} – {f['q95'] or 'after 30 Jun'})",
                "P(fallen by 30 Jun 2023)": f"{f['probability_by_end']:.0%}",
                "RU casualties": fmt_q(s["sides"]["RU"]["casualties"]),
                "UA casualties": fmt_q(s["sides"]["UA"]["casualties"]),
                "exchange ratio RU/UA": fmt_q(s["exchange_ratio"], "{:.2f}"),
            }
        )
    iv = go.Figure()
    mfig2, axes = plt.subplots(1, 3, figsize=(11, 4), dpi=120, sharey=True)
    names = [spec.name for spec, _ in results]
    picks: list[tuple[str, list[dict[str, float]]]] = [
        ("RU casualties", [s["sides"]["RU"]["casualties"] for s in summaries]),
        ("UA casualties", [s["sides"]["UA"]["casualties"] for s in summaries]),
        ("exchange ratio (RU per UA)", [s["exchange_ratio"] for s in summaries]),
    ]
    for k, (label, vals) in enumerate(picks):
        med = [v["median"] for v in vals]
        lo = [v["q05"] for v in vals]
        hi = [v["q95"] for v in vals]
        iv.add_scatter(
            x=med,
            y=names,
            mode="markers",
            name=label,
            xaxis=f"x{k + 1}" if k else "x",
            marker={"color": ("#D55E00", "#0072B2", "#000000")[k], "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - m for h, m in zip(hi, med, strict=True)],
                "arrayminus": [m - lo_ for m, lo_ in zip(med, lo, strict=True)],
            },
            hovertemplate="%{y}: %{x:,.2f}<extra>" + label + "</extra>",
        )
        axes[k].errorbar(
            med,
            range(len(names)),
            xerr=[np.subtract(med, lo), np.subtract(hi, med)],
            fmt="o",
            color=("#D55E00", "#0072B2", "#000000")[k],
        )
        axes[k].set_title(label, fontsize=9)
    axes[0].set_yticks(range(len(names)), names, fontsize=8)
    mfig2.suptitle("Casualties and exchange ratio by scenario (model; median and 90% interval)")
    mfig2.tight_layout()
    F.save_static(mfig2, str(fig_dir / "scenarios_intervals"))
    iv.update_layout(
        title="Casualties and exchange ratio by scenario (model; median and 90% interval)",
        template="plotly_white",
        height=380,
        showlegend=True,
        xaxis={"domain": [0.0, 0.3], "title": "RU casualties"},
        xaxis2={"domain": [0.35, 0.65], "title": "UA casualties"},
        xaxis3={"domain": [0.7, 1.0], "title": "RU per UA casualty"},
    )
    rationale = "".join(
        f"<dt><code>{html.escape(spec.name)}</code>: {html.escape(spec.scenario.title)}</dt>"
        f"<dd>{html.escape(spec.scenario.rationale)}</dd>"
        for spec, _ in results
    )
    body = (
        "<p>Each scenario changes the record's schedule (or fixes a parameter) and runs as an "
        f"ensemble of {results[0][1].runs:,} runs over the calibrated posterior with binomial "
        "attrition (files in <code>attrition/data/battles/bakhmut/scenarios/</code>; "
        "<code>attrition scenario run NAME</code> runs one with that command's own calibration "
        "settings). "
        "<b>A what-if is a statement of this model</b> — what the calibrated model says would "
        "follow from the changed assumptions — not a fact about what would have happened.</p>"
        + table_html(pd.DataFrame(rows), "Scenarios side by side: model medians and 90% intervals")
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


# ---------------------------------------------------------------------------------------------
# hindcast skill


def hindcast_section(table: pd.DataFrame, settings: ModelSettings) -> Section:
    """Hindcast skill: CRPS of the model against the naive forecasts, by cutoff and target."""
    import pandas as pd

    t = table.copy()
    keep = [
        "cutoff",
        "law",
        "target",
        "forecaster",
        "n",
        "crps",
        "coverage_90",
        "median",
        "q05",
        "q95",
        "observed",
    ]
    t = t[[c for c in keep if c in t.columns]]
    wide = t.pivot_table(
        index=["cutoff", "target"], columns="forecaster", values="crps", aggfunc="first"
    ).reset_index()
    if {"model", "naive"} <= set(wide.columns):
        wide["better"] = np.where(wide["model"] < wide["naive"], "model", "naive")
    wide.columns = [str(c) for c in wide.columns]
    body = (
        "<p>Calibrated on what was known at each cutoff only (claims, events and a fog-of-war "
        "estimate fitted on the claims known then), the model forecasts the rest of the battle; "
        "the forecasts are scored against what happened (CRPS: lower is better; coverage: "
        "whether the observation lies in the 90% interval) beside a naive baseline (a straight "
        "line through the asserted front positions; the recent casualty rate). "
        "The law is chosen at each cutoff from that cutoff's evidence (column <em>law</em>); "
        "priors resting on claims published after a cutoff are replaced by priors set without "
        f"them. {settings.hindcast_particles} particles and "
        f"{settings.hindcast_runs} runs per cutoff, <strong>one seed</strong>: a single run is "
        "no claim of skill. The method note (docs/bakhmut-model.md, section 7) reports the "
        "scores over several seeds with their spread.</p>"
        + table_html(pd.DataFrame(wide), "CRPS by cutoff and target: model against naive")
        + table_html(t, "Hindcast skill, every score")
    )
    return Section("hindcast", "Hindcast skill", body)
