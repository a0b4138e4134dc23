"""The report of any battle folder: evidence explorer, phases, map, fused estimate, headline,
methods and bibliography.

Nothing here names a battle's sides: they come from its ``battle.toml`` (:class:`BattleSpec`)
and from the fused estimate's summary. :func:`build_evidence_into` builds the whole report of a
battle without a battle model; the Bakhmut report (:mod:`attrition.report.bakhmut`) adds its
model sections to the same parts.

The fused estimate lives in :mod:`attrition.report.estimate`, the headline, methods, glossary
and bibliography in :mod:`attrition.report.sections`; their names are re-exported here.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition import __version__
from attrition.report.estimate import battle_fit, estimate_section, fmt_claimed, fmt_q
from attrition.report.html import (
    LABELS,
    Section,
    figure_html,
    fmt_date,
    label,
    render_page,
    table_html,
)
from attrition.report.sections import (
    NO_MODEL_ITEM,
    bibliography_section,
    fmt_figure,
    glossary_section,
    headline_section,
    methods_section,
)
from attrition.report.stages import Progress, StageRun, finish_report, input_hashes, report_spec

if TYPE_CHECKING:
    import pandas as pd

    from attrition.data.battle import BattleSpec

__all__ = [
    "NO_MODEL_ITEM",
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
    "fmt_figure",
    "fmt_q",
    "glossary_section",
    "headline_section",
    "load_evidence",
    "methods_section",
]

PAGE_SCRIPT = Path(__file__).parent / "templates" / "page.js"
"""The page's script: claim filters for the timeline and the time slider of the map (whatever
the battle: colours and symbols come from the page's data)."""


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


def evidence_stage(battle: str | Path, fig_dir: Path) -> dict[str, Any]:
    """The cached evidence stage: sections, page data and summary, bibliography."""
    ev = load_evidence(battle)
    sections, out = evidence_sections(ev, fig_dir)
    return {"ev": {"claims": ev["claims"], "spec": ev["spec"]}, "sections": sections, "out": out,
            "bibliography": bibliography_section(ev["claims"], ev["spec"])}  # fmt: skip


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
