"""The report of any battle folder: evidence explorer, phases, map, fused estimate, headline,
methods and bibliography.

Nothing here names a battle's sides: they come from its ``battle.toml`` (:class:`BattleSpec`)
and from the fused estimate's summary. :func:`build_evidence_into` builds the whole report of a
battle without a battle model; the Bakhmut report (:mod:`attrition.report.bakhmut`) adds its
model sections to the same parts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition import __version__
from attrition.report.html import (
    LABELS,
    Section,
    figure_html,
    fmt_date,
    fmt_interval,
    fmt_num,
    label,
    render_page,
    table_html,
)
from attrition.report.stages import Progress, StageRun, finish_report, input_hashes, report_spec

if TYPE_CHECKING:
    import pandas as pd

    from attrition.data.battle import BattleSpec
    from attrition.infer.fusion import FogOfWar

__all__ = [
    "PAGE_SCRIPT",
    "battle_fit",
    "bibliography_section",
    "build_evidence_into",
    "control_hover",
    "control_table",
    "estimate_section",
    "evidence_sections",
    "evidence_stage",
    "fmt_claimed",
    "fmt_q",
    "glossary_section",
    "headline_section",
    "load_evidence",
    "methods_section",
]

PAGE_SCRIPT = Path(__file__).parent / "templates" / "page.js"
"""The page's script: claim filters for the timeline and the time slider of the map (whatever
the battle: colours and symbols come from the page's data)."""


def fmt_q(d: dict[str, float], fmt: str | None = None) -> str:
    """``{median, q05, q95}`` as ``"median (q05–q95)"``: three significant figures
    (``156,000 (107,000–236,000)``), or the format ``fmt`` (e.g. ``"{:.2f}"``)."""
    return fmt_interval(d, fmt=fmt)


_CLAIMED = re.compile(r"^(>=|<=|~)?\s*([0-9.]+)(?:\s*-\s*([0-9.]+))?$")


def fmt_claimed(text: str) -> str:
    """A claimed figure as the fused-estimate summary writes it (``>=2000``, ``15000-20000``,
    ``~10``) in words: ``at least 2,000``, ``15,000–20,000``, ``about 10``."""
    m = _CLAIMED.match(str(text).strip())
    if m is None:
        return str(text)
    op, lo, hi = m.groups()
    words = {">=": "at least ", "<=": "at most ", "~": "about ", None: ""}[op]
    if hi is not None:
        return f"{words}{fmt_num(float(lo), 4)}–{fmt_num(float(hi), 4)}"
    return f"{words}{fmt_num(float(lo), 4)}"


def load_evidence(battle: str | Path) -> dict[str, Any]:
    """Claims, events, places, phases, control timeline, the check report and the spec."""
    import pandas as pd

    from attrition.data.checks import check_claims
    from attrition.data.claims import load_claims, load_events, load_phases, load_places
    from attrition.data.control import control_evidence

    report = check_claims(battle)
    claims = load_claims(battle)
    events = load_events(battle)
    places = load_places(battle)
    phases = load_phases(battle)
    from attrition.data.basemap import battle_basemap
    from attrition.data.claims import battle_dir

    spec = report_spec(battle)
    dates = pd.date_range(spec.start, spec.end, freq="7D")
    timeline = control_evidence(events, list(dates), spec.side_ids)
    return {
        "spec": spec,
        "check": report,
        "claims": claims,
        "events": events,
        "places": places,
        "phases": phases,
        "dates": [d.strftime("%Y-%m-%d") for d in dates],
        "control": timeline,
        "basemap": battle_basemap(battle_dir(battle), spec),
    }


def evidence_sections(ev: dict[str, Any], fig_dir: Path) -> tuple[list[Section], dict[str, Any]]:
    """The evidence explorer, the phases and the map (``ev``: :func:`load_evidence`); figures
    go into ``fig_dir``. Returns the sections and ``{"data": page data, "summary": ...}``."""

    from attrition.report import figures as F

    claims: pd.DataFrame = ev["claims"]
    spec: BattleSpec = ev["spec"]
    palette = F.Palette.of(spec)
    points = F.claim_points(claims)
    metrics = sorted(claims["metric"].unique())
    claimants = sorted(claims["claimant"].unique())

    def opts(values: list[str], name: Any = label) -> str:
        return "".join(
            f'<option value="{html.escape(v)}">{html.escape(name(v))}</option>' for v in values
        )

    filters = (
        '<div class="filters">'
        '<label>metric <select id="filter-metric"><option value="casualty">casualty metrics'
        f'</option><option value="all">all metrics</option>{opts(metrics)}</select></label>'
        '<label>claimant side <select id="filter-claimant-side"><option value="all">all</option>'
        f"{opts(list(spec.claimant_sides), spec.label)}</select></label>"
        '<label>subject <select id="filter-subject-side"><option value="all">all</option>'
        f"{opts(list(spec.subjects), spec.label)}</select></label>"
        '<label>claimant <select id="filter-claimant"><option value="all">all</option>'
        f"{opts(claimants, str)}</select></label>"
        '<span id="timeline-count" class="meta"></span></div>'
    )
    timeline = F.timeline_figure(points, palette)
    F.static_timeline(points, palette, str(fig_dir / "claims_timeline"))
    check = ev["check"]
    n_by_side = claims.groupby("claimant_side").size().to_dict()
    symbols = ", ".join(
        f"{palette.subject_symbols[s].replace('-', ' ')} {spec.label(s)}"
        for s in spec.subjects
        if s in palette.subject_symbols
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
        + table_html(
            phases[["id", "name", "start", "end"]],
            "Phases of the battle",
            headers={"id": "phase", "name": "name", "start": "from", "end": "to"},
            dates=("start", "end"),
        )
    )
    # map
    control: pd.DataFrame = ev["control"]
    places: pd.DataFrame = ev["places"]
    dates: list[str] = ev["dates"]
    mapped = places.dropna(subset=["lat", "lon"])
    by_place = {p: control[control["place"] == p].sort_values("date") for p in mapped["place"]}
    states_by_place = {
        p: list(g["state"]) if len(g) else ["no report"] * len(dates) for p, g in by_place.items()
    }
    hover_by_place = {
        p: [control_hover(p, d, r) for d, r in zip(dates, g.to_dict("records"), strict=True)]
        if len(g) else [control_hover(p, d, None) for d in dates]
        for p, g in by_place.items()
    }  # fmt: skip
    last = len(dates) - 1
    now = {p: s[last] for p, s in states_by_place.items()}
    hover_now = {p: h[last] for p, h in hover_by_place.items()}
    basemap = ev.get("basemap")
    fig_map = F.map_figure(mapped, now, palette, spec.centre, hover_now, basemap=basemap)
    F.static_map(mapped, now, palette, dates[last], str(fig_dir / "control_map"), spec.centre,
                 basemap=basemap)  # fmt: skip
    slider = (
        f'<p><label for="map-slider">date: <strong id="map-date" data-date="{dates[last]}">'
        f"{fmt_date(dates[last])}</strong></label>"
        f'<br><input type="range" id="map-slider" min="0" max="{last}" value="{last}" '
        'step="1" style="width:100%" aria-label="date of the map"></p>'
    )
    approx = mapped[mapped["approximate"]]["place"].tolist()
    map_html = (
        "<p>Control of each locality is read from every dated report about it up to that "
        "date, weighted by who says it (a party's claim of its own success counts a quarter "
        "of an independent report or a concession), by whether it is about the whole place "
        "or a part of it, and by how recent it is (half-life 30 days). A side holds the place "
        "when it has at least 60% of that evidence; otherwise the place is contested "
        "(rule: <code>docs/control.md</code>). Hover a place for the date, the state with "
        "its probability and the reports behind it. The map and the month table use the "
        f"same rule. Move the slider to see any week from {fmt_date(dates[0])} to "
        f"{fmt_date(dates[last])}.</p>"
        + slider
        + figure_html(
            fig_map,
            "Localities at their gazetteer positions (WGS84). Positions of "
            f"{', '.join(approx) or 'no place'} are derived from the sources' own statements "
            "and are approximate (dotted markers).",
            "map-fig",
        )
        + month_table_html(control_table(control, dates), spec)
    )
    city_fig = F.city_control_figure(claims, palette, spec.centre or "the city")
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
        "side-colours": palette.side_colours,
        "subject-symbols": palette.subject_symbols,
        "state-colours": palette.state_colours,
        "labels": {**LABELS, **{s: spec.label(s) for s in (*spec.subjects, *spec.claimant_sides)}},
        "control-data": {
            "dates": dates,
            "places": list(mapped["place"]),
            "states": states_by_place,
            "hover": hover_by_place,
            # labels that do not collide on a phone's width (the others show on hover)
            "narrow_labels": [
                p if keep else ""
                for p, keep in zip(
                    mapped["place"], F.label_places(mapped, spec.centre, 16.0), strict=True
                )
            ],
        },
    }
    summary = {
        "n_claims": len(claims),
        "claims_by_claimant_side": {str(k): int(v) for k, v in n_by_side.items()},
        "n_events": len(ev["events"]),
        "check_ok": bool(check.ok),
    }
    return sections, {"data": data, "summary": summary}


def month_table_html(table: pd.DataFrame, spec: BattleSpec | None = None) -> str:
    """The month table of :func:`control_table` as HTML: months as ``May 2023`` (the ISO
    month in ``data-key``), each cell the state and the share of the evidence for it."""
    sides = ", ".join(f"{s} = held by {spec.label(s)}" for s in spec.side_ids) if spec else ""
    note = (
        f'<p class="meta">{html.escape(sides)}{"; " if sides else ""}contested = no side has '
        "60% of the evidence; the percentage is the share of the weighted evidence for the "
        "state shown (first mapped week of each month).</p>"
    )
    months = {c: fmt_date(c) for c in table.columns if c != "place"}
    return note + table_html(
        table,
        "Control by month (the same rule and dates as the map; no JavaScript needed)",
        headers=months,
        table_id="month-table",
    )


def control_hover(place: str, date: str, row: dict[str, Any] | None) -> str:
    """The map's hover text of a place on a date: the state with its probability and the ids
    and short quotes of the reports behind it (``row``: a row of
    :func:`attrition.data.control.control_evidence`, ``None`` when nothing is reported)."""
    head = f"<b>{html.escape(place)}</b><br>{fmt_date(date)}"
    if row is None or row["state"] == "no report":
        return head + "<br>no report yet"
    lines = [head, f"{html.escape(str(row['state']))} ({row['probability']:.0%})"]
    for e in row["evidence"][:4]:
        quote = str(e["quote"])
        quote = quote if len(quote) <= 70 else quote[:67] + "..."
        lines.append(
            f"{html.escape(str(e['id']))} {fmt_date(e['date'])}: <i>{html.escape(quote)}</i>"
        )
    return "<br>".join(lines)


def control_table(control: pd.DataFrame, dates: list[str]) -> pd.DataFrame:
    """The control state of each place on the first mapped date of each month (a wide table),
    with its probability when the rule gives one (``"RU (87%)"``): the same rule and dates as
    the map's slider."""
    monthly = [d for d in dates if d[8:10] <= "07"]
    firsts: dict[str, str] = {}
    for d in monthly:
        firsts.setdefault(d[:7], d)
    keep = list(firsts.values())
    sub = control[control["date"].dt.strftime("%Y-%m-%d").isin(keep)].copy()
    sub["month"] = sub["date"].dt.strftime("%Y-%m")
    if "probability" in sub:
        sub["state"] = [
            f"{s} ({p:.0%})" if s not in ("no report",) else s
            for s, p in zip(sub["state"], sub["probability"], strict=True)
        ]
    table: pd.DataFrame = sub.pivot(index="place", columns="month", values="state")
    return table.reset_index().rename_axis(columns=None)


def _ratio_label(summ: dict[str, Any], spec: BattleSpec | None = None) -> str | None:
    """``"A per B"`` for the fused exchange ratio (labels from ``spec``, else ids), or ``None``
    when the estimate has no exchange ratio (a battle without exactly two sides)."""
    if summ.get("exchange_ratio") is None or not summ.get("exchange_ratio_sides"):
        return None
    first, second = summ["exchange_ratio_sides"]
    if spec is None:
        return f"{first} per {second}"
    return f"{spec.label(first)} per {spec.label(second)}"


def estimate_section(
    summ: dict[str, Any],
    with_streams: dict[str, Any] | None,
    seed: int,
    quick: bool,
    sides: Sequence[str],
) -> tuple[Section, dict[str, Any]]:
    """The fused estimate beside each claimant group's own figures, with bias multipliers.

    ``summ``: :meth:`FogOfWar.summary` of the claims alone; ``with_streams``: the summary of the
    same fit with the external claim streams, or ``None`` (not computed); ``sides``: the
    battle's side ids (the rows of the streams comparison, in this order). Returns the section
    and ``summ`` with ``with_streams`` added when given (the report's ``estimate``).
    """
    import pandas as pd

    summ = dict(summ)
    draws, chains = (200, 2) if quick else (500, 4)
    q = fmt_q
    rows = [
        {"side": side, **{m: q(v[m]) for m in ("casualties", "killed", "wounded") if m in v}}
        for side, v in summ["sides"].items()
    ]
    ratio = _ratio_label(summ)
    if ratio is not None:
        rows.append({"side": f"exchange ratio ({ratio} casualty)",
                     "casualties": q(summ["exchange_ratio"], "{:.2f}")})  # fmt: skip
    win = f"{fmt_date(summ['window']['start'])} to {fmt_date(summ['window']['end'])}"
    totals = table_html(
        pd.DataFrame(rows).fillna(""),
        f"Fused estimate over the window {win}: median (90% interval)",
        headers={"casualties": "casualties (killed and wounded)"},
    )
    bias_rows = []
    fig_rows = []
    for group, g in summ["claimant_groups"].items():
        for relation, b in g["bias"].items():
            bias_rows.append({"claimant side": group, "reporting on": relation,
                              "bias multiplier": q(b, "{:.2f}")})  # fmt: skip
        for f in g["figures"]:
            ratio_metric = f["metric"] == "casualty_ratio"
            fig_rows.append({"claimant side": group, "claim": f["id"], "claimant": f["claimant"],
                             "subject": f["subject"], "metric": f["metric"],
                             "claimed": fmt_claimed(f["claimed"]),
                             "period": " to ".join(fmt_date(d) for d in f["period"]),
                             "fused over that period": q(f["fused"], "{:.1f}" if ratio_metric
                                                         else None),
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
            for side in sides if side in with_streams["sides"] and side in summ["sides"]
        ]  # fmt: skip
        if ratio is not None and with_streams.get("exchange_ratio") is not None:
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
            "bounds, with the share attributable to the battle a parameter; off by default)",
        )
    d = summ["diagnostics"]
    body = (
        "<p>The fog-of-war model reads every casualty claim together: a smooth latent daily "
        "casualty rate per side, and for each claimant a multiplicative bias about each side "
        "(priors: a side may inflate the enemy's losses and deflate its own; Western and "
        "independent sources centred on no bias). The figures below are estimates from claims, "
        "not facts. Method: <code>docs/fog-of-war.md</code>; reproduce with "
        f"<code>attrition estimate --battle {summ.get('battle') or 'bakhmut'} --seed {seed} "
        f"--draws {draws} --chains {chains} "
        f"--window {summ['window']['start']} {summ['window']['end']} --json</code>."
        "</p>"
        + totals
        + table_html(
            pd.DataFrame(bias_rows),
            "Measured bias multipliers by claimant side (1 = unbiased; above 1 inflates)",
            codes=("reporting on",),
        )
        + table_html(
            pd.DataFrame(fig_rows),
            "Each claimant group's own figures beside the "
            "fused estimate for the same period and subject",
            codes=("metric",),
        )
        + streams_html
        + f'<p class="meta">Sampler checks (NUTS, {chains} chains × {draws} draws): R-hat '
        f"max {fmt_num(d['r_hat_max'], 4)} (below 1.01 is good), effective sample size min "
        f"{fmt_num(d['ess_min'])}, divergences {d['divergences']}.</p>"
    )
    return Section("estimate", "Fused estimate and claimant bias", body), summ


def fmt_figure(low: Any, high: Any, qualifier: str) -> str:
    """A claim's figure in words: ``at least 12,000``, ``5–6``, ``about 50``."""

    def num(v: Any) -> str | None:
        try:
            f = float(v)
        except (TypeError, ValueError):
            return None
        return None if f != f else fmt_num(f, 6)

    lo, hi = num(low), num(high)
    text = f"{lo}–{hi}" if lo is not None and hi is not None and lo != hi else lo or hi or "–"
    words = {"about": "about ", "at_least": "at least ", "at_most": "at most "}
    return words.get(str(qualifier), "") + text


def bibliography_section(claims: pd.DataFrame, spec: BattleSpec) -> Section:
    """Every claim used, with its source, and the battle's sources (``battle.toml``): folded
    away by default, with a search box (the page's script filters the rows)."""
    import pandas as pd

    df = pd.DataFrame(
        {
            "id": claims["id"],
            "claimant": claims["claimant"],
            "claimant side": [spec.label(x) for x in claims["claimant_side"]],
            "about": [spec.label(x) for x in claims["subject_side"]],
            "metric": claims["metric"],
            "figure": [
                fmt_figure(lo, hi, q)
                for lo, hi, q in zip(
                    claims["value_low"], claims["value_high"], claims["qualifier"], strict=True
                )
            ],
            "rate": claims["rate"],
            "date": claims["claim_date"].astype(str).str[:10].replace("NaT", ""),
            "quote": claims["quote"],
            "source": [s or spec.default_source for s in claims["source"]],
        }
    )
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
        f"<p>Every claim used ({len(df)}), with its id (the ids appear in every hover and in "
        "<code>claims_used.csv</code>, which keeps the raw codes) and its source (listed "
        "below, from the battle's <code>battle.toml</code>); quotes are short provenance "
        "strings.</p>"
    )
    claims_table = table_html(
        df, codes=("metric", "rate"), dates=("date",), table_id="bibliography-table"
    )
    body = (
        text + '<details id="bibliography-details"><summary>Show the '
        f"{len(df)} claims and the sources</summary>"
        '<p class="bib-search"><label>Search the claims: <input type="search" '
        'id="bibliography-search" placeholder="id, claimant, word of the quote" '
        'aria-controls="bibliography-table"></label> '
        '<span id="bibliography-count" class="meta"></span></p>'
        + claims_table
        + table_html(sources, "Sources", dates=("date",))
        + "</details>"
    )
    return Section("bibliography", "Claims used (bibliography)", body)


def glossary_section(spec: BattleSpec | None = None) -> Section:
    """Plain words for the terms and codes of the page (the codes are those of the CSV and
    JSON downloads)."""
    terms = (
        ("Claim", "A figure someone stated (a claimant: a government, an official, a "
         "journalist, an analyst), with its date, source and exact quote. Claims are not facts."),
        ("Claimant side", "Whose side the claimant speaks for (or 'independent', 'Western')."),
        ("Fused estimate", "The figure obtained by reading every casualty claim together "
         "and taking out each claimant's measured bias (a statistical model, "
         "docs/fog-of-war.md). It is an estimate, with an interval."),
        ("Median (90% interval)", "The middle value of the estimate, and the range that "
         "holds it with 90% probability under the model: 156,000 (107,000–236,000) means "
         "'about 156,000, very likely between 107,000 and 236,000'. Figures are rounded to "
         "three significant digits; the downloads keep every digit."),
        ("Casualties", "Killed and wounded (and, where claimed, captured and missing)."),
        ("Bias multiplier", "How much a group of claimants inflates (above 1) or deflates "
         "(below 1) the figures about its own side, the enemy, or either side."),
        ("Exchange ratio", "Casualties of one side per casualty of the other."),
        ("Control of a place", "Held by a side when at least 60% of the weighted reports "
         "say so; otherwise contested (docs/control.md)."),
        ("Calibrated model", "A simulation of the battle (forces, recruitment, ammunition, "
         "front lines) whose unknown settings were fitted to the record; its outputs are "
         "statements of the model, not facts."),
        ("Run", "One simulation of the calibrated model; 'x% of runs' is the model's "
         "probability, not a measured frequency."),
        ("Hindcast", "A forecast made with only what was known at a past date, scored "
         "against what happened next (CRPS: lower is better)."),
        ("Scenario (what-if)", "The calibrated model run with one assumption changed."),
        ("Law (square, linear, logarithmic)", "How casualties depend on force sizes in the "
         "Lanchester family of attrition models."),
        ("Posterior", "What the fit says about a model setting: median and 90% interval, "
         "beside the prior (the value assumed before the fit)."),
        ("CDB90", "The US Army's database of 660 historical battles, used for comparison."),
    )  # fmt: skip
    dl = "".join(f"<dt>{html.escape(t)}</dt><dd>{html.escape(d)}</dd>" for t, d in terms)
    sides = []
    if spec is not None:
        ids = dict.fromkeys((*spec.side_ids, *spec.subjects, *spec.claimant_sides))
        sides = [(i, spec.label(i)) for i in ids]
    codes = sorted((k, v) for k, v in LABELS.items() if k != v)
    rows = "".join(
        f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(v)}</td></tr>"
        for k, v in [*sides, *codes]
    )
    table = (
        "<details><summary>Codes used in the downloads (<code>claims_used.csv</code>, "
        "<code>summary.json</code>) and their labels on this page</summary>"
        f"<table><thead><tr><th>code</th><th>label</th></tr></thead><tbody>{rows}</tbody>"
        "</table></details>"
    )
    return Section("glossary", "Glossary", f'<dl class="glossary">{dl}</dl>{table}')


NO_MODEL_ITEM = (
    "<li><b>Model of the battle</b>: not available for this battle (the battle model, "
    "its calibration, scenarios and hindcasts exist for Bakhmut only).</li>"
)


def methods_section(model_item: str = NO_MODEL_ITEM) -> Section:
    """Methods and limits; ``model_item``: the list item on the battle model (HTML)."""
    text = (
        "<ul><li><b>Evidence</b>: claims curated from the battle's sources (schema in "
        "<code>docs/claims-schema.md</code>), checked: every quote of a packaged article "
        "verbatim at its offset and every numeral of it accounted for; quotes of other "
        "publications are kept as provenance.</li>"
        "<li><b>Control of places</b>: a weight-of-evidence rule over every dated control "
        "event up to each date, by source reliability, scope and recency; a side holds a "
        "place with at least 60% of the evidence, else it is contested "
        "(<code>docs/control.md</code>).</li>"
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


def headline_section(
    ev: dict[str, Any],
    est: dict[str, Any] | None,
    more_rows: Sequence[dict[str, str]] = (),
    more_reading: str = "",
    notes: Sequence[str] = (),
) -> Section:
    """Headline numbers with intervals, each naming its section, then the spread of claims.

    ``ev``: at least ``claims`` and ``spec``; ``est``: the report's estimate (or ``None``);
    ``more_rows`` and ``more_reading``: rows and a sentence a battle model adds (columns
    ``quantity``, ``median (90% interval)``, ``period``, ``from``, ``details`` = an anchor);
    ``notes``: sentences shown as highlighted notes (where the estimates disagree).
    """
    rows: list[dict[str, str]] = []
    q = fmt_q
    reading = ""
    spec: BattleSpec = ev["spec"]

    def side_label(side: str) -> str:
        parts = [c.label for s in spec.sides if s.id == side for c in s.components]
        return str(spec.label(side)) + (f" ({', '.join(parts)} included)" if parts else "")

    if est:
        win = est["window"]
        period = f"{fmt_date(win['start'])} to {fmt_date(win['end'])}"
        for side in spec.side_ids:
            label = side_label(side)
            if side in est["sides"]:
                rows.append({"quantity": f"Casualties (killed and wounded), {label}",
                             "median (90% interval)": q(est["sides"][side]["casualties"]),
                             "period": period, "from": "fused estimate of the claims",
                             "details": "#estimate"})  # fmt: skip
        ratio = _ratio_label(est, spec)
        if ratio is not None:
            rows.append({"quantity": f"Exchange ratio ({ratio} casualty)",
                         "median (90% interval)": q(est["exchange_ratio"], "{:.2f}"),
                         "period": period, "from": "fused estimate of the claims",
                         "details": "#estimate"})  # fmt: skip
        each = " and ".join(
            f"{spec.label(side)}'s casualties at about "
            f"{fmt_num(float(est['sides'][side]['casualties']['median']))}"
            for side in spec.side_ids
            if side in est["sides"]
        )
        reading = (
            f"Read together, with each claimant's measured bias taken out, the {len(ev['claims'])}"
            f" claims put {each} over {period}, with the wide intervals "
            "shown: the record cannot pin them down more closely. "
        )
    rows.extend(more_rows)
    reading += more_reading
    import pandas as pd

    numbers = ""
    if rows:
        df = pd.DataFrame(rows)
        numbers = table_html(
            df,
            "Headline numbers: each names the section that derives it",
            headers={"quantity": "what", "from": "how it is obtained", "details": "section"},
        )
        for anchor in dict.fromkeys(r["details"] for r in rows):
            numbers = numbers.replace(f"<td>{anchor}</td>",
                                      f'<td><a href="{anchor}">{anchor[1:]}</a></td>')  # fmt: skip
    claims = ev["claims"]
    cas = claims[claims["metric"].isin(["casualties", "killed"]) & (claims["rate"] == "total")]
    spread = []
    from attrition.data.battle import GENERIC_SUBJECTS

    for subject in [x for x in spec.subjects if x not in GENERIC_SUBJECTS]:
        fused = ((est or {}).get("sides", {}).get(subject, {}).get("casualties") or {}).get(
            "median"
        )
        for side in spec.claimant_sides:
            sub = cas[(cas["subject_side"] == subject) & (cas["claimant_side"] == side)]
            if sub.empty:
                continue
            top = sub[["value_low", "value_high"]].max(axis=1)
            hi = float(top.max())
            cid = str(sub["id"].iloc[int(top.to_numpy().argmax())])
            small = fused is not None and hi < 0.01 * float(fused)
            spread.append({"losses of": spec.label(subject), "claimed by": spec.label(side),
                           "claims": len(sub), "largest figure given": fmt_num(hi, 6),
                           "claim": cid,
                           "note": "no overall total: only individual losses reported"
                           if small else ""})  # fmt: skip
    table = table_html(
        pd.DataFrame(spread),
        "Claims of total killed or casualties, by whose losses and who claimed them: how "
        "many, and the largest figure given (a claim, not an estimate)",
        headers={"claims": "number of claims"},
    )
    text = (
        f'<p class="headline">Almost every figure about the {html.escape(spec.name)} is a claim '
        f"by an interested party. {html.escape(reading)}</p>"
    )
    boxes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    return Section("headline", "Headline", text + boxes + numbers + table)


def evidence_stage(battle: str | Path, fig_dir: Path) -> dict[str, Any]:
    """The cached evidence stage: sections, page data and summary, bibliography."""
    ev = load_evidence(battle)
    sections, out = evidence_sections(ev, fig_dir)
    return {"ev": {"claims": ev["claims"], "spec": ev["spec"]}, "sections": sections, "out": out,
            "bibliography": bibliography_section(ev["claims"], ev["spec"])}  # fmt: skip


def battle_fit(battle: str | Path, spec: BattleSpec, seed: int, quick: bool) -> FogOfWar:
    """The fog-of-war fit of a battle's claims over its window (``battle.toml``), with the
    battle's sides: 200 draws × 2 chains with ``quick``, else 500 × 4."""
    from attrition.data.claims import load_claims, load_phases
    from attrition.infer.fusion import fuse_claims

    draws, chains = (200, 2) if quick else (500, 4)
    est = fuse_claims(
        load_claims(battle), load_phases(battle), window=(spec.start, spec.end), draws=draws,
        chains=chains, seed=seed, warn=False, battle=spec,
    )  # fmt: skip
    return est.fog


def build_evidence_into(
    work: Path,
    out: Path,
    folder: Path | None,
    battle: str,
    seed: int,
    quick: bool,
    say: Progress,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The report of a battle without a battle model (evidence, map, fused estimate), built in
    ``work`` and installed into ``out`` (the caller locks); ``folder``: the stage cache."""
    from attrition.report.cache import StageCache

    (work / "figures").mkdir()
    inputs = input_hashes(battle)
    run = StageRun(work, StageCache(folder), inputs, seed, quick)
    say("evidence")
    evs = run.run("evidence", lambda d: evidence_stage(battle, d))
    spec = evs["ev"]["spec"]
    say("fused estimate")
    fused = run.run("estimate", lambda _d: dict(battle_fit(battle, spec, seed, quick).summary()))
    est, est_sum = estimate_section(fused, None, seed, quick, sorted(spec.side_ids))
    from attrition.report.figures import Palette
    from attrition.report.influence import influence_records, influence_section

    infl_records = None
    if not quick:
        say("what moves the headline (one refit per variant)")
        infl_records = run.run("influence", lambda _d: influence_records(battle, spec, seed))
    infl = influence_section(infl_records, est_sum, Palette.of(spec).side_colours, seed)
    model = Section(
        "model",
        "Model of the battle",
        '<p class="pending">Not available for this battle: the battle model (calibration to '
        "the record, scenarios, hindcasts) exists for Bakhmut only. The evidence, the map and "
        "the fused estimate above use the generic parts of attrition.</p>",
    )
    say("render")
    sections = [
        headline_section(evs["ev"], est_sum),
        est,
        infl,
        *evs["sections"],
        model,
        methods_section(),
        glossary_section(spec),
        evs["bibliography"],
    ]
    page = render_page(
        f"{spec.name} — the record, the claims, the estimates",
        sections, seed=seed, quick=quick, inputs=inputs, data=evs["out"]["data"],
        scripts=[PAGE_SCRIPT.read_text(encoding="utf-8")],
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
    finish_report(work, out, page, summary, battle)
    return summary, run.stages
