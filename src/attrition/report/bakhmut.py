"""The Bakhmut report: evidence, control of places, estimates, model, scenarios, validation.

:func:`build_report` runs the stages, caches the expensive ones by input hash, and writes
``index.html`` (self-contained), ``figures/`` (PNG and SVG of every chart), ``summary.json`` and
``claims_used.csv``. Everything is built in a private folder first and moved into place only
when all of it is written (:func:`attrition.outputs.install_output`): an interrupted run leaves
the previous report intact, the output folder must be new, empty or one this tool wrote (its
manifest lists the files), and files a user put there are never touched. One run at a time
writes a folder and its cache (:class:`attrition.outputs.OutputLock`); a second one waits.
"""

from __future__ import annotations

import html
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from attrition import __version__
from attrition._io import atomic_write_text, json_default, sha256_file
from attrition.errors import UserError
from attrition.report.html import Section, figure_html, render_page, table_html

Progress = Callable[[str], None]


@dataclass
class ReportResult:
    """What a report run produced."""

    path: Path
    summary: dict[str, Any]
    stages: dict[str, str] = field(default_factory=dict)  # stage -> "computed"/"cached"/"skipped"


def input_hashes(battle: str | Path = "bakhmut") -> dict[str, str]:
    """SHA-256 of every input file of the battle's folder."""
    from attrition.data.claims import battle_dir

    folder = battle_dir(battle)
    return {f.name: sha256_file(f) for f in sorted(folder.iterdir()) if f.is_file()}


def _spec(battle: str | Path) -> Any:
    from attrition.data.claims import battle_spec

    spec = battle_spec(battle)
    if spec is None:
        raise UserError(
            f"{battle}: the report needs a battle.toml (window, sides); create a folder with "
            "`attrition battle new PATH` and move the evidence into it"
        )
    return spec


def _evidence(battle: str | Path) -> dict[str, Any]:
    """Claims, events, places, phases, control timeline, the check report and the spec."""
    import pandas as pd

    from attrition.data.checks import check_claims
    from attrition.data.claims import load_claims, load_events, load_phases, load_places
    from attrition.data.control import control_timeline

    report = check_claims(battle)
    claims = load_claims(battle)
    events = load_events(battle)
    places = load_places(battle)
    phases = load_phases(battle)
    spec = _spec(battle)
    dates = pd.date_range(spec.start, spec.end, freq="7D")
    timeline = control_timeline(events, list(dates))
    return {
        "spec": spec,
        "check": report,
        "claims": claims,
        "events": events,
        "places": places,
        "phases": phases,
        "dates": [d.strftime("%Y-%m-%d") for d in dates],
        "control": timeline,
    }


def _evidence_sections(ev: dict[str, Any], fig_dir: Path) -> tuple[list[Section], dict[str, Any]]:
    import pandas as pd

    from attrition.report import figures as F

    claims: pd.DataFrame = ev["claims"]
    spec = ev["spec"]
    points = F.claim_points(claims)
    metrics = sorted(claims["metric"].unique())
    claimants = sorted(claims["claimant"].unique())

    def opts(values: list[str]) -> str:
        return "".join(
            f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in values
        )

    filters = (
        '<div class="filters">'
        '<label>metric <select id="filter-metric"><option value="casualty">casualty metrics'
        f'</option><option value="all">all metrics</option>{opts(metrics)}</select></label>'
        '<label>claimant side <select id="filter-claimant-side"><option value="all">all</option>'
        f"{opts(list(spec.claimant_sides))}</select></label>"
        '<label>subject <select id="filter-subject-side"><option value="all">all</option>'
        f"{opts(list(spec.subjects))}</select></label>"
        '<label>claimant <select id="filter-claimant"><option value="all">all</option>'
        f"{opts(claimants)}</select></label>"
        '<span id="timeline-count" class="meta"></span></div>'
    )
    timeline = F.timeline_figure(points)
    F.static_timeline(points, str(fig_dir / "claims_timeline"))
    check = ev["check"]
    n_by_side = claims.groupby("claimant_side").size().to_dict()
    symbols = ", ".join(
        f"{F.SUBJECT_SYMBOLS.get(s, 'circle').replace('-', ' ')} {spec.label(s)}"
        for s in spec.subjects
        if s in F.SUBJECT_SYMBOLS
    )
    evidence_html = (
        f"<p>{len(claims)} claims, each with its claimant, subject, period, source "
        "and the exact quote (hover a point). Figures are plotted as claimed: they disagree, "
        f"and none is taken as fact. Symbols mark the subject ({symbols}). Use the filters to "
        "narrow the timeline.</p>"
        + filters
        + figure_html(
            timeline,
            "Each point is one claim (as dated by the article); colours "
            "give the claimant's side; y is the figure claimed, log scale. Ranges "
            "are plotted at their midpoint, 'at least'/'up to' at their bound.",
            "timeline-fig",
        )
        + f'<p class="meta">Evidence check: {html.escape(check.summary())}</p>'
    )
    # phases
    phases: pd.DataFrame = ev["phases"].copy()
    phases["start"] = phases["start"].astype(str).str[:10]
    phases["end"] = phases["end"].astype(str).str[:10]
    phases_html = (
        "<p>The article divides the battle into these phases (its own sub-sections).</p>"
        + table_html(phases[["id", "name", "start", "end"]], "Phases of the battle")
    )
    # map
    control: pd.DataFrame = ev["control"]
    places: pd.DataFrame = ev["places"]
    dates: list[str] = ev["dates"]
    mapped = places.dropna(subset=["lat", "lon"])
    states_by_place = {
        p: list(control[control["place"] == p].sort_values("date")["state"])
        if (control["place"] == p).any() else ["no report"] * len(dates)
        for p in mapped["place"]
    }  # fmt: skip
    last = len(dates) - 1
    fig_map = F.map_figure(mapped, {p: s[last] for p, s in states_by_place.items()}, spec.centre)
    F.static_map(mapped, {p: s[last] for p, s in states_by_place.items()}, dates[last],
                 str(fig_dir / "control_map"), spec.centre)  # fmt: skip
    slider = (
        f'<p><label for="map-slider">date: <strong id="map-date">{dates[last]}</strong></label>'
        f'<br><input type="range" id="map-slider" min="0" max="{last}" value="{last}" '
        'step="1" style="width:100%" aria-label="date of the map"></p>'
    )
    approx = mapped[mapped["approximate"]]["place"].tolist()
    map_html = (
        "<p>Control of each locality follows the latest dated claim about it (the control "
        "events). Where the claims of the latest day disagree, the place is shown as "
        "contested. 'RU claimed' / 'UA claimed' mark captures that were claimed, not "
        f"confirmed. Move the slider to see any week from {dates[0]} to {dates[last]}.</p>"
        + slider
        + figure_html(
            fig_map,
            "Localities at their gazetteer positions (WGS84). Positions of "
            f"{', '.join(approx) or 'no place'} are derived from the sources' own statements "
            "and are approximate (dotted markers).",
            "map-fig",
        )
        + table_html(
            _control_table(control, dates), "Control state by month (no JavaScript needed)"
        )
    )
    city_fig = F.city_control_figure(claims, spec.centre or "the city")
    city_html = figure_html(city_fig, "Claims of the share of the city held by one side, "
                            "as claimed.", "city-fig")  # fmt: skip
    sections = [
        Section("evidence", "Evidence explorer", evidence_html),
        Section("phases", "Phases", phases_html),
        Section("map", "Map: who held what, when", map_html + city_html),
    ]
    data = {
        "claims-data": points,
        "casualty-metrics": list(F.CASUALTY_METRICS),
        "side-colours": F.SIDE_COLOURS,
        "subject-symbols": F.SUBJECT_SYMBOLS,
        "state-colours": F.STATE_COLOURS,
        "control-data": {
            "dates": dates,
            "places": list(mapped["place"]),
            "states": states_by_place,
        },
    }
    summary = {
        "n_claims": len(claims),
        "claims_by_claimant_side": {str(k): int(v) for k, v in n_by_side.items()},
        "n_events": len(ev["events"]),
        "check_ok": bool(check.ok),
    }
    return sections, {"data": data, "summary": summary}


def _control_table(control: Any, dates: list[str]) -> Any:
    monthly = [d for d in dates if d[8:10] <= "07"]
    firsts: dict[str, str] = {}
    for d in monthly:
        firsts.setdefault(d[:7], d)
    keep = list(firsts.values())
    sub = control[control["date"].dt.strftime("%Y-%m-%d").isin(keep)].copy()
    sub["month"] = sub["date"].dt.strftime("%Y-%m")
    table = sub.pivot(index="place", columns="month", values="state").reset_index()
    return table.rename_axis(columns=None)


def _validation_section(seed: int) -> tuple[Section, dict[str, Any]]:
    from attrition.report.classic import ardennes_section, iwo_jima_section

    iwo, iwo_sum = iwo_jima_section()
    ard, ard_sum = ardennes_section()
    body = (
        "<p>The attrition laws and fitting methods used here are validated on the classic "
        "battles of the operations-research literature.</p>"
        f"<h3>{iwo.title}</h3>{iwo.html}<h3>{ard.title}</h3>{ard.html}"
    )
    return Section("validation", "Validation", body), {"iwo_jima": iwo_sum, "ardennes": ard_sum}


ESTIMATE_STREAMS = ("genstaff", "named-dead", "oryx")


def _streams_summary(battle: str, seed: int) -> dict[str, Any]:
    from attrition.report.model import fused_fit

    return dict(fused_fit(battle, seed, False, ESTIMATE_STREAMS).summary())


def _estimate_section(
    summ: dict[str, Any], with_streams: dict[str, Any] | None, seed: int, quick: bool
) -> tuple[Section, dict[str, Any]]:
    """The fused estimate beside each claimant group's own figures, with bias multipliers
    (``summ``: :meth:`FogOfWar.summary` of :func:`fused_fit`; ``with_streams``: the same with
    the claim streams, or ``None``)."""
    import pandas as pd

    summ = dict(summ)
    draws, chains = (200, 2) if quick else (500, 4)

    def q(d: dict[str, float], fmt: str = "{:,.0f}") -> str:
        return f"{fmt.format(d['median'])} ({fmt.format(d['q05'])}–{fmt.format(d['q95'])})"

    rows = [
        {"side": side, **{m: q(v[m]) for m in ("casualties", "killed", "wounded") if m in v}}
        for side, v in summ["sides"].items()
    ]
    rows.append({"side": "exchange ratio (RU per UA casualty)",
                 "casualties": q(summ["exchange_ratio"], "{:.2f}")})  # fmt: skip
    totals = table_html(
        pd.DataFrame(rows).fillna(""),
        "Fused estimate over the window "
        f"{summ['window']['start']} to {summ['window']['end']}: median (90% interval)",
    )
    bias_rows = []
    fig_rows = []
    for group, g in summ["claimant_groups"].items():
        for relation, b in g["bias"].items():
            bias_rows.append({"claimant side": group, "reporting on": relation,
                              "bias multiplier": q(b, "{:.2f}")})  # fmt: skip
        for f in g["figures"]:
            fig_rows.append({"claimant side": group, "claim": f["id"], "claimant": f["claimant"],
                             "subject": f["subject"], "metric": f["metric"],
                             "claimed": f["claimed"], "period": " to ".join(f["period"]),
                             "fused over that period": q(f["fused"]),
                             "implausible": "yes" if f["implausible"] else ""})  # fmt: skip
    if with_streams is None:
        streams_html = (
            '<p class="pending">Quick mode: the comparison with the external claim streams '
            "(General Staff, Oryx, named dead) is not computed.</p>"
        )
    else:
        rows_s = [
            {"quantity": f"{side} casualties", "claims only": q(summ["sides"][side]["casualties"]),
             "with streams": q(with_streams["sides"][side]["casualties"])}
            for side in ("RU", "UA") if side in with_streams["sides"]
        ]  # fmt: skip
        rows_s.append(
            {
                "quantity": "exchange ratio",
                "claims only": q(summ["exchange_ratio"], "{:.2f}"),
                "with streams": q(with_streams["exchange_ratio"], "{:.2f}"),
            }
        )
        summ["with_streams"] = {"sides": with_streams["sides"],
                                "exchange_ratio": with_streams["exchange_ratio"]}  # fmt: skip
        streams_html = table_html(
            pd.DataFrame(rows_s),
            "What the all-front claim streams change (used as timing constraints and lower "
            "bounds, with the share attributable to Bakhmut a parameter; off by default)",
        )
    d = summ["diagnostics"]
    body = (
        "<p>The fog-of-war model reads every casualty claim together: a smooth latent daily "
        "casualty rate per side, and for each claimant a multiplicative bias about each side "
        "(priors: a side may inflate the enemy's losses and deflate its own; Western and "
        "independent sources centred on no bias). The figures below are estimates from claims, "
        "not facts. Method: <code>docs/fog-of-war.md</code>; reproduce with "
        f"<code>attrition estimate --seed {seed} --draws {draws} --chains {chains} "
        f"--window {summ['window']['start']} {summ['window']['end']} --json</code>."
        "</p>"
        + totals
        + table_html(
            pd.DataFrame(bias_rows),
            "Measured bias multipliers by claimant side (1 = unbiased; above 1 inflates)",
        )
        + table_html(
            pd.DataFrame(fig_rows),
            "Each claimant group's own figures beside the "
            "fused estimate for the same period and subject",
        )
        + streams_html
        + f'<p class="meta">NUTS: {chains} chains × {draws} draws; R-hat max '
        f"{d['r_hat_max']}, ESS min {d['ess_min']}, divergences {d['divergences']}.</p>"
    )
    return Section("estimate", "Fused estimate and claimant bias", body), summ


def _context_section(
    fig_dir: Path, bakhmut_rates: dict[str, dict[str, float]] | None = None
) -> tuple[Section, dict[str, Any]]:
    """CDB90 battles the article compares Bakhmut with; Bakhmut's rate when estimated."""
    import plotly.graph_objects as go

    from attrition.report import figures as F
    from attrition.report.context import ABSENT, comparison_rates, comparison_summary

    rates = comparison_rates()
    summary = comparison_summary(rates)
    fig = go.Figure()
    colours = {"attacker": F.SIDE_COLOURS["RU"], "defender": F.SIDE_COLOURS["UA"]}
    for side in ("attacker", "defender"):
        sub = rates[(rates["side"] == side) & rates["rate_per_1000_per_day"].notna()]
        fig.add_scatter(
            x=sub["rate_per_1000_per_day"], y=sub["group"], mode="markers", name=side,
            marker={"color": colours[side], "size": 8, "opacity": 0.75},
            customdata=sub[["name", "start_date"]].to_numpy().tolist(),
            hovertemplate="%{customdata[0]} (%{customdata[1]}): %{x:.1f} per 1,000 per day"
            "<extra></extra>",
        )  # fmt: skip
    for side, r in (bakhmut_rates or {}).items():
        med, lo, hi = r["median"], r["q05"], r["q95"]
        fig.add_scatter(
            x=[med], y=[f"Bakhmut ({side}, estimate)"], mode="markers", name=f"Bakhmut {side}",
            marker={"color": "#000", "size": 11, "symbol": "diamond"},
            error_x={"type": "data", "symmetric": False, "array": [hi - med],
                     "arrayminus": [med - lo]},
        )  # fmt: skip
    fig.update_layout(
        title="Daily casualty rate per 1,000 troops: CDB90 engagements",
        xaxis_title="casualties per 1,000 troops per day of combat (log scale)",
        xaxis_type="log",
        template="plotly_white",
        height=420,
        margin={"l": 220},
    )
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mfig, ax = plt.subplots(figsize=(9, 4.5), dpi=120)
    groups = list(dict.fromkeys(rates["group"]))
    for side in ("attacker", "defender"):
        sub = rates[(rates["side"] == side) & rates["rate_per_1000_per_day"].notna()]
        ax.scatter(sub["rate_per_1000_per_day"], [groups.index(g) for g in sub["group"]],
                   c=colours[side], s=18, alpha=0.75, label=side)  # fmt: skip
    for side, r in (bakhmut_rates or {}).items():
        groups.append(f"Bakhmut ({side}, estimate)")
        ax.errorbar([r["median"]], [len(groups) - 1], fmt="D", color="#000",
                    xerr=[[r["median"] - r["q05"]], [r["q95"] - r["median"]]])  # fmt: skip
    ax.set_yticks(range(len(groups)), groups, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("casualties per 1,000 troops per day of combat")
    ax.set_title("Daily casualty rate per 1,000 troops: CDB90 engagements"
                 + (" and Bakhmut (estimate)" if bakhmut_rates else ""))  # fmt: skip
    ax.legend(fontsize=8)
    mfig.tight_layout()
    F.save_static(mfig, str(fig_dir / "historical_context"))
    note = (
        "<p>The article compares Bakhmut with the great attritional battles. CDB90 (the US "
        "Army's database of 660 battles) holds some of them, as engagements with strengths, "
        "casualties and days of combat, so their daily casualty rates per 1,000 troops can be "
        "set beside Bakhmut's. Rates depend on how each battle is cut into engagements and on "
        "what 'strength' counts; they are indicative. "
        f"Not in CDB90, so not testable here: {', '.join(ABSENT)}.</p>"
    )
    if not bakhmut_rates:
        note += (
            '<p class="pending">Bakhmut\'s own rate needs the fused casualty estimate and the '
            "modelled force sizes; it is shown once those stages are available.</p>"
        )
    body = note + figure_html(fig, "Each point is one CDB90 engagement (attacker or "
                              "defender). Source: CDB90, HERO/CAA (public domain originals; "
                              "tidy version ODC-BY 1.0, J. B. Arnold).", "context-fig")  # fmt: skip
    body += table_html(summary, "Daily casualty rate per 1,000 troops by battle and side")
    out = {"summary": summary.to_dict(orient="records"), "absent": list(ABSENT)}
    return Section("context", "Historical context (CDB90)", body), out


def _bibliography_section(claims: Any, spec: Any) -> Section:
    import pandas as pd

    cols = ["id", "claimant", "claimant_side", "subject_side", "metric", "value_low",
            "value_high", "qualifier", "rate", "claim_date", "quote", "source"]  # fmt: skip
    df = claims[cols].copy()
    df["claim_date"] = df["claim_date"].astype(str).str[:10].replace("NaT", "")
    df["source"] = [s or spec.default_source for s in df["source"]]
    sources = pd.DataFrame(
        [
            {
                "source": x.id,
                "publisher": x.publisher,
                "title": x.title,
                "date": x.date.isoformat() if x.date else "",
                "where": x.url or x.path,
                "licence": x.licence,
            }
            for x in spec.sources
        ]
    )
    text = (
        "<p>Every claim used, with its id (the ids appear in every hover and in "
        "<code>claims_used.csv</code>) and its source (listed below, from the battle's "
        "<code>battle.toml</code>); quotes are short provenance strings.</p>"
    )
    return Section(
        "bibliography",
        "Claims used (bibliography)",
        text + table_html(df) + table_html(sources, "Sources"),
    )


def _methods_section(settings: str = "", model: bool = True) -> Section:
    model_item = (
        "<li><b>Model of the battle</b>: force components, recruitment and rotation, ammunition "
        "supply, an urban factor, dated regimes and three fronts with the city-control "
        "fraction, calibrated to the fused estimate, the control events and the claims by "
        "tempered SMC; scenarios and hindcasts run over its posterior with binomial attrition "
        f"(<code>docs/bakhmut-model.md</code>). {html.escape(settings)}</li>"
        if model
        else "<li><b>Model of the battle</b>: not available for this battle (the battle model, "
        "its calibration, scenarios and hindcasts exist for Bakhmut only).</li>"
    )
    text = (
        "<ul><li><b>Evidence</b>: claims curated from the battle's sources (schema in "
        "<code>docs/claims-schema.md</code>), checked: every quote of a packaged article "
        "verbatim at its offset and every numeral of it accounted for; quotes of other "
        "publications are kept as provenance.</li>"
        "<li><b>Control of places</b>: the latest dated control event per place; disagreement on "
        "the latest day shows as contested.</li>"
        "<li><b>Attrition laws</b>: the Lanchester family, validated on Iwo Jima (Engel 1954) "
        "and the Ardennes (Bracken 1995; Fricker 1998).</li>"
        "<li><b>Fused estimate</b>: a Bayesian measurement model of every casualty claim with a "
        "bias multiplier per claimant and relation (own side, enemy, neutral), NUTS in NumPyro "
        "(<code>docs/fog-of-war.md</code>).</li>"
        + model_item
        + "<li><b>Reproducibility</b>: every stochastic step takes the seed in the page header; "
        "the footer lists the SHA-256 of every input file; stages are cached by those hashes "
        "and the package's code.</li></ul>"
        "<p><b>Limits.</b> The sources are secondary; their figures are claims by "
        "interested parties and the press. Dates are as the sources give them; month-only "
        "dates are placed on the first of the month. Nothing here is a fact about the battle "
        "beyond what the claims say.</p>"
    )
    return Section("methods", "Methods and limits", text)


def _headline_section(
    ev: dict[str, Any], est: dict[str, Any] | None, model: dict[str, Any] | None
) -> Section:
    """Headline numbers with intervals, each naming its section, then the spread of claims."""
    rows: list[dict[str, str]] = []

    def q(d: dict[str, float], fmt: str = "{:,.0f}") -> str:
        return f"{fmt.format(d['median'])} ({fmt.format(d['q05'])}–{fmt.format(d['q95'])})"

    reading = ""
    spec = ev["spec"]

    def side_label(side: str) -> str:
        parts = [c.label for s in spec.sides if s.id == side for c in s.components]
        return str(spec.label(side)) + (f" ({', '.join(parts)} included)" if parts else "")

    if est:
        win = est["window"]
        period = f"{win['start']} to {win['end']}"
        for side in spec.side_ids:
            label = side_label(side)
            if side in est["sides"]:
                rows.append({"quantity": f"Casualties (killed and wounded), {label}",
                             "median (90% interval)": q(est["sides"][side]["casualties"]),
                             "period": period, "from": "fused estimate of the claims",
                             "details": "#estimate"})  # fmt: skip
        rows.append({"quantity": f"Exchange ratio ({spec.label('RU')} per {spec.label('UA')} "
                                 "casualty)",
                     "median (90% interval)": q(est["exchange_ratio"], "{:.2f}"),
                     "period": period, "from": "fused estimate of the claims",
                     "details": "#estimate"})  # fmt: skip
        each = " and ".join(
            f"{spec.label(side)}'s at about {est['sides'][side]['casualties']['median']:,.0f}"
            for side in spec.side_ids
            if side in est["sides"]
        )
        reading = (
            f"Read together, with each claimant's measured bias taken out, the {len(ev['claims'])}"
            f" claims put the casualties of {each} over {period}, with the wide intervals "
            "shown: the record cannot pin them down more closely. "
        )
    if model:
        base = model["record"]["baseline"]
        p_fall = base["city_fall_date"]["probability_by_end"]
        rows.append({"quantity": "Calibrated model: city fallen (≥ 97% held) by 30 Jun 2023",
                     "median (90% interval)": f"{p_fall:.0%} of runs",
                     "period": "1 Aug 2022 to 30 Jun 2023",
                     "from": f"model ({model['record']['law']} law), calibrated",
                     "details": "#model"})  # fmt: skip
        for side in ("RU", "UA"):
            r = model["bakhmut_rate_per_1000_per_day"][side]
            rows.append({"quantity": f"Daily casualty rate per 1,000 troops, {side}",
                         "median (90% interval)": q(r, "{:.1f}"),
                         "period": "1 Aug 2022 to 30 Jun 2023",
                         "from": "fused casualties over modelled strength",
                         "details": "#context"})  # fmt: skip
        reading += (
            f"The calibrated model reproduces {model['record']['statements_inside']} of "
            f"{model['record']['statements']} recorded statements within its 90% bands; where "
            "it does not is listed in its section. Scenarios are statements of the model, not "
            "facts."
        )
    import pandas as pd

    numbers = ""
    if rows:
        df = pd.DataFrame(rows)
        numbers = table_html(df, "Headline numbers: each names the section that derives it")
        for anchor in ("#estimate", "#model", "#context"):
            numbers = numbers.replace(f"<td>{anchor}</td>",
                                      f'<td><a href="{anchor}">{anchor[1:]}</a></td>')  # fmt: skip
    claims = ev["claims"]
    cas = claims[claims["metric"].isin(["casualties", "killed"]) & (claims["rate"] == "total")]
    spread = []
    from attrition.data.battle import GENERIC_SUBJECTS

    for subject in [x for x in spec.subjects if x not in GENERIC_SUBJECTS]:
        for side in spec.claimant_sides:
            sub = cas[(cas["subject_side"] == subject) & (cas["claimant_side"] == side)]
            if sub.empty:
                continue
            hi = sub[["value_low", "value_high"]].max(axis=1).max()
            spread.append({"about": subject, "claimed by": side, "claims": len(sub),
                           "largest total claimed": hi})  # fmt: skip
    table = table_html(
        pd.DataFrame(spread),
        "Total killed or casualty claims by claimant side: "
        "how many, and the largest figure each side's claimants gave",
    )
    text = (
        f'<p class="headline">Almost every figure about the {html.escape(spec.name)} is a claim '
        f"by an interested party. {html.escape(reading)}</p>"
    )
    return Section("headline", "Headline", text + numbers + table)


@dataclass
class _Run:
    """Book-keeping of one report run: where figures go, the cache, stage outcomes."""

    work: Path
    cache: Any
    inputs: dict[str, str]
    seed: int
    quick: bool
    stages: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def key(self, stage: str) -> str:
        from attrition.report.cache import stage_key

        return stage_key(stage, self.inputs, seed=self.seed, quick=self.quick)

    def cached(self, stage: str) -> Any:
        from attrition.report.cache import write_figures

        entry = self.cache.load(stage, self.key(stage))
        if entry is None:
            return None
        write_figures(entry.figures, self.work / "figures")
        self.stages[stage] = "cached"
        self.seconds[stage] = 0.0
        return (entry.result,)

    def stage_dir(self, stage: str) -> Path:
        d = self.work / f".stage-{stage}"
        d.mkdir(exist_ok=True)
        return d

    def finish(self, stage: str, result: Any, seconds: float) -> Any:
        from attrition.report.cache import Entry, read_figures, write_figures

        d = self.stage_dir(stage)
        figures = read_figures(d)
        write_figures(figures, self.work / "figures")
        shutil.rmtree(d)
        self.cache.store(stage, self.key(stage), Entry(result, figures))
        self.stages[stage] = "computed"
        self.seconds[stage] = round(seconds, 2)
        return result

    def run(self, stage: str, fn: Callable[[Path], Any]) -> Any:
        hit = self.cached(stage)
        if hit is not None:
            return hit[0]
        t0 = time.perf_counter()
        result = fn(self.stage_dir(stage))
        return self.finish(stage, result, time.perf_counter() - t0)


def _evidence_stage(battle: str, fig_dir: Path) -> dict[str, Any]:
    ev = _evidence(battle)
    sections, out = _evidence_sections(ev, fig_dir)
    return {"ev": {"claims": ev["claims"], "spec": ev["spec"]}, "sections": sections, "out": out,
            "bibliography": _bibliography_section(ev["claims"], ev["spec"])}  # fmt: skip


def build_report(
    out_dir: str | Path,
    *,
    battle: str = "bakhmut",
    seed: int = 0,
    quick: bool = False,
    progress: Progress | None = None,
    cache: bool = True,
) -> ReportResult:
    """Build the report for ``battle`` into ``out_dir`` (see module docstring).

    The calibration, scenarios and hindcasts run in a worker process beside the evidence and
    estimate stages. With ``cache`` (default) every stage is cached by the hash of its inputs
    (see :mod:`attrition.report.cache`) under ``<out_dir's parent>/.attrition-cache/<name>``.
    """
    from attrition.data.claims import battle_dir
    from attrition.outputs import OutputLock, build_folder

    battle_dir(battle)  # a packaged name or a battle folder; anything else: one-line error
    spec = _spec(battle)
    builder = _build_into if spec.id in MODEL_BATTLES else _build_evidence_into
    say = progress or (lambda _s: None)
    out = check_report_target(out_dir, seed)
    folder = cache_folder(out) if cache else None
    with OutputLock(out, on_wait=lambda: say(f"waiting: another run is writing {out}")):
        check_report_target(out, seed)
        with build_folder(out) as work:
            summary, stages = builder(work, out, folder, battle, seed, quick, say)
    return ReportResult(out / "index.html", summary, stages)


MODEL_BATTLES = ("bakhmut",)
"""Battles with a battle model (calibration, scenarios, hindcasts); the others get the evidence,
the map and the fused estimate."""


def _build_evidence_into(
    work: Path,
    out: Path,
    folder: Path | None,
    battle: str,
    seed: int,
    quick: bool,
    say: Progress,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The report of a battle without a battle model: evidence, map, fused estimate."""
    from attrition.report.cache import StageCache

    (work / "figures").mkdir()
    inputs = input_hashes(battle)
    run = _Run(work, StageCache(folder), inputs, seed, quick)
    say("evidence")
    evs = run.run("evidence", lambda d: _evidence_stage(battle, d))
    spec = evs["ev"]["spec"]
    say("fused estimate")
    fused = run.run("estimate", lambda _d: dict(_battle_fit(battle, spec, seed, quick).summary()))
    est, est_sum = _estimate_section(fused, None, seed, quick)
    model = Section(
        "model",
        "Model of the battle",
        '<p class="pending">Not available for this battle: the battle model (calibration to '
        "the record, scenarios, hindcasts) exists for Bakhmut only. The evidence, the map and "
        "the fused estimate above use the generic parts of attrition.</p>",
    )
    say("render")
    sections = [
        _headline_section(evs["ev"], est_sum, None),
        est,
        *evs["sections"],
        model,
        _methods_section(model=False),
        evs["bibliography"],
    ]
    js = (Path(__file__).parent / "templates" / "bakhmut.js").read_text(encoding="utf-8")
    page = render_page(
        f"{spec.name} — the record, the claims, the estimates",
        sections, seed=seed, quick=quick, inputs=inputs, data=evs["out"]["data"], scripts=[js],
    )  # fmt: skip
    summary = {
        "battle": spec.id,
        "version": __version__,
        "seed": seed,
        "quick": quick,
        "inputs": inputs,
        "evidence": evs["out"]["summary"],
        "estimate": est_sum,
        "model": None,
        "stages": run.stages,
        "stage_seconds": run.seconds,
    }
    _finish(work, out, page, summary, battle)
    return summary, run.stages


def _finish(work: Path, out: Path, page: str, summary: dict[str, Any], battle: str) -> None:
    """Write the page, ``summary.json`` and ``claims_used.csv`` and install them into ``out``."""
    from attrition.data.claims import claims_to_csv, load_claims
    from attrition.outputs import install_output

    atomic_write_text(work / "index.html", page)
    atomic_write_text(work / "summary.json", json.dumps(summary, indent=2, default=json_default))
    atomic_write_text(work / "claims_used.csv", claims_to_csv(load_claims(battle)))
    for leftover in work.glob(".stage-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    install_output(
        work, out, battle=summary["battle"], seed=summary["seed"], quick=summary["quick"]
    )


def _battle_fit(battle: str, spec: Any, seed: int, quick: bool) -> Any:
    """The fog-of-war fit of a battle's claims over its window (``battle.toml``)."""
    from attrition.data.claims import load_claims, load_phases
    from attrition.infer.fusion import FogOfWar

    draws, chains = (200, 2) if quick else (500, 4)
    fog = FogOfWar(window=(spec.start, spec.end), draws=draws, chains=chains, seed=seed, warn=False)
    return fog.fit(load_claims(battle), load_phases(battle))


def cache_folder(out: Path) -> Path:
    """The stage cache of the report written to ``out``: ``<parent>/.attrition-cache/<name>``.

    Raises :class:`UserError` when a file stands where a cache folder must go.
    """
    root = out.parent / ".attrition-cache"
    for p in (root, root / out.name):
        if p.exists() and not p.is_dir():
            raise UserError(
                f"{p}: is a file, but the report cache needs a folder there; move the file "
                "away or use --no-cache"
            )
    return root / out.name


def check_report_target(out_dir: str | Path, seed: int) -> Path:
    """Validate a report's output folder and seed before any work (see :mod:`attrition.outputs`)."""
    from attrition.outputs import check_output_dir

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UserError(f"--seed {seed}: give a whole number 0 or larger")
    return check_output_dir(out_dir)


def _build_into(
    work: Path,
    out: Path,
    folder: Path | None,
    battle: str,
    seed: int,
    quick: bool,
    say: Progress,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Run the stages into ``work`` and install the result into ``out`` (the caller locks)."""
    from attrition.report.cache import StageCache

    pool = None
    try:
        (work / "figures").mkdir()
        inputs = input_hashes(battle)
        run = _Run(work, StageCache(folder), inputs, seed, quick)
        from attrition.battles.bakhmut.hindcasts import HINDCAST_CUTOFFS
        from attrition.report import model as M

        # The model stage runs in a worker process beside the stages below. The hindcasts'
        # fog-of-war fits (one per cutoff, independent of the law) are shared between the
        # worker and this process; their calibrations (law chosen per cutoff) run here.
        model_hit = run.cached("model")
        hind_hit = run.cached("hindcast") if not quick else ((M.QUICK_HINDCAST, []),)
        cut = list(HINDCAST_CUTOFFS)
        t_model = time.perf_counter()
        job = None
        ev_jobs: dict[str, Any] = {}
        if model_hit is None or hind_hit is None:
            import multiprocessing

            pool = multiprocessing.get_context("spawn").Pool(1)
        if model_hit is None:
            assert pool is not None
            job = pool.apply_async(M.model_stage, (str(run.stage_dir("model")), seed, quick))
        if hind_hit is None:
            assert pool is not None
            ev_jobs = {c: pool.apply_async(M.cutoff_evidence, (c, seed)) for c in cut[:1]}
        say("evidence")
        evs = run.run("evidence", lambda d: _evidence_stage(battle, d))
        say("validation")
        val, val_sum = run.run("validation", lambda _d: _validation_section(seed))
        with_streams = None
        if not quick:
            say("estimate with the claim streams")
            with_streams = run.run("streams", lambda _d: _streams_summary(battle, seed))
        t_h = time.perf_counter()
        known = {c: M.cutoff_evidence(c, seed) for c in cut[1:]} if hind_hit is None else {}
        if model_hit is not None:
            model_out = model_hit[0]
        else:
            say("waiting for the model stage (calibration, scenarios)")
            assert job is not None
            out_m = job.get()
            model_out = run.finish(
                "model", replace(out_m, evidence=None), time.perf_counter() - t_model
            )
            model_out = replace(model_out, evidence=out_m.evidence)
        est, est_sum = _estimate_section(model_out.fused, with_streams, seed, quick)
        if hind_hit is not None:
            hind, hind_records = hind_hit[0]
        else:
            say("hindcasts")
            known.update({c: j.get() for c, j in ev_jobs.items()})
            table = M.hindcast_part(cut, seed, model_out.evidence, known)
            run.stage_dir("hindcast")
            hind, hind_records = run.finish(
                "hindcast", M.hindcast_result(table), time.perf_counter() - t_h
            )
        if pool is not None:
            pool.close()
            pool.join()
            pool = None
        ctx_dir = run.stage_dir("context")
        ctx, ctx_sum = _context_section(ctx_dir, model_out.summary["bakhmut_rate_per_1000_per_day"])
        from attrition.report.cache import read_figures, write_figures

        write_figures(read_figures(ctx_dir), work / "figures")
        shutil.rmtree(ctx_dir)
        say("render")
        record, scen = model_out.sections
        val = Section(val.id, val.title, val.html + f"<h3>{hind.title}</h3>" + hind.html)
        sections = [
            _headline_section(evs["ev"], est_sum, model_out.summary),
            est,
            *evs["sections"],
            record,
            scen,
            ctx,
            val,
            _methods_section(model_out.summary.get("settings", "")),
            evs["bibliography"],
        ]
        js = (Path(__file__).parent / "templates" / "bakhmut.js").read_text(encoding="utf-8")
        page = render_page(
            "Battle of Bakhmut — the record, the claims, the estimates",
            sections, seed=seed, quick=quick, inputs=inputs, data=evs["out"]["data"],
            scripts=[js],
        )  # fmt: skip
        summary = {
            "battle": battle,
            "version": __version__,
            "seed": seed,
            "quick": quick,
            "inputs": inputs,
            "evidence": evs["out"]["summary"],
            "validation": val_sum,
            "historical_context": ctx_sum,
            "estimate": est_sum,
            "model": model_out.summary,
            "hindcast": hind_records,
            "stages": run.stages,
            "stage_seconds": run.seconds,
        }
        _finish(work, out, page, summary, battle)
    except BaseException:
        if pool is not None:
            pool.terminate()
            pool.join()
        raise
    return summary, run.stages
