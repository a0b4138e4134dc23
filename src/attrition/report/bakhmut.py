"""The Bakhmut report: the generic parts (:mod:`attrition.report.evidence`) and the sections only
Bakhmut has: its battle model (:mod:`attrition.report.model`), the comparison with the external
claim streams, the historical context (CDB90) and the validation on the classic battles.

:func:`build_bakhmut_into` runs the stages (the model stage in a worker process beside the
others), caches the expensive ones by input hash and writes the page; :func:`attrition.report.
build.build_report` calls it for the battles in :data:`attrition.report.build.MODEL_BATTLES`.
"""

from __future__ import annotations

import html
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from attrition import __version__
from attrition.report.evidence import (
    PAGE_SCRIPT,
    estimate_section,
    evidence_stage,
    fmt_q,
    glossary_section,
    headline_section,
    methods_section,
)
from attrition.report.html import Section, figure_html, fmt_date, fmt_num, render_page, table_html
from attrition.report.influence import influence_records, influence_section
from attrition.report.stages import Progress, StageRun, finish_report, input_hashes

__all__ = [
    "build_bakhmut_into",
    "capture_event",
    "context_section",
    "disagreements",
    "model_headline",
    "model_method",
    "streams_summary",
    "validation_section",
]


def validation_section(seed: int) -> tuple[Section, dict[str, Any]]:
    """The classic validations (Iwo Jima, the Ardennes) as one section, with their summaries."""
    from attrition.report.classic import ardennes_section, iwo_jima_section

    iwo, iwo_sum = iwo_jima_section()
    ard, ard_sum = ardennes_section()
    body = (
        "<p>The attrition laws and fitting methods used here are validated on the classic "
        "battles of the operations-research literature.</p>"
        f"<h3>{iwo.title}</h3>{iwo.html}<h3>{ard.title}</h3>{ard.html}"
    )
    return Section("validation", "Validation", body), {"iwo_jima": iwo_sum, "ardennes": ard_sum}


def streams_summary(battle: str, seed: int) -> dict[str, Any]:
    """The summary of the full-precision fit the report shows beside its own, to say what the
    all-front streams change: the default (joint) fusion of the claims alone, no stream read
    (the report's own fit, :func:`attrition.report.model.fused_fit`, reads them by their
    roles). Same window, draws and seed as the report's fit."""
    from attrition.battles.bakhmut.axes import END, START
    from attrition.data.claims import battle_spec, load_claims, load_phases
    from attrition.infer.fusion import fuse_claims

    est = fuse_claims(
        load_claims(battle), load_phases(battle), read_streams=False, window=(START, END),
        draws=500, chains=4, seed=seed, warn=False, battle=battle_spec(battle),
    )  # fmt: skip
    return dict(est.fog.summary())


def context_section(
    fig_dir: Path,
    side_colours: dict[str, str],
    bakhmut_rates: dict[str, dict[str, float]] | None = None,
) -> tuple[Section, dict[str, Any]]:
    """CDB90 battles the article compares Bakhmut with; Bakhmut's rate when estimated
    (``side_colours``: the report's palette; the attacker is drawn in Russia's colour)."""
    import plotly.graph_objects as go

    from attrition.report import figures as F
    from attrition.report.context import ABSENT, comparison_rates, comparison_summary

    rates = comparison_rates()
    summary = comparison_summary(rates)
    fig = go.Figure()
    colours = {"attacker": side_colours["RU"], "defender": side_colours["UA"]}
    for side in ("attacker", "defender"):
        sub = rates[(rates["side"] == side) & rates["rate_per_1000_per_day"].notna()]
        fig.add_scatter(
            x=sub["rate_per_1000_per_day"], y=sub["group"], mode="markers", name=side,
            marker={"color": colours[side], "size": 8, "opacity": 0.75},
            customdata=sub[["name", "start_date"]].to_numpy().tolist(),
            hovertemplate="%{customdata[0]} (%{customdata[1]}): %{x:.1f} per 1,000 per day"
            "<extra></extra>",
        )  # fmt: skip
    bakhmut_symbols = {"RU": "diamond", "UA": "square"}
    for side, r in (bakhmut_rates or {}).items():
        med, lo, hi = r["median"], r["q05"], r["q95"]
        fig.add_scatter(
            x=[med], y=[f"Bakhmut ({side}, estimate)"], mode="markers", name=f"Bakhmut {side}",
            marker={"color": side_colours.get(side, "#000"), "size": 12,
                    "symbol": bakhmut_symbols.get(side, "star"),
                    "line": {"color": "#000", "width": 1}},
            hovertemplate=f"Bakhmut {side} (estimate): %{{x:.1f}} per 1,000 per day"
            "<extra></extra>",
            error_x={"type": "data", "symmetric": False, "array": [hi - med],
                     "arrayminus": [med - lo]},
        )  # fmt: skip
    fig.update_layout(
        title="Daily casualty rate per 1,000 troops: CDB90 engagements"
        + (" and Bakhmut (estimate)" if bakhmut_rates else ""),
        xaxis_title="per 1,000 troops per day (log)",
        xaxis_type="log",
        yaxis={"automargin": True},
        template="plotly_white",
        height=460,
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
        ax.errorbar([r["median"]], [len(groups) - 1], color=side_colours.get(side, "#000"),
                    fmt="D" if side == "RU" else "s", markeredgecolor="#000",
                    label=f"Bakhmut {side}",
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
    body += table_html(
        summary,
        "Daily casualty rate per 1,000 troops by battle and side",
        headers={"group": "battle", "engagements": "engagements"},
    )
    out = {"summary": summary.to_dict(orient="records"), "absent": list(ABSENT)}
    return Section("context", "Historical context (CDB90)", body), out


def model_method(settings: str) -> str:
    """The methods list item on the Bakhmut model (``settings``: the model stage's sizes)."""
    return (
        "<li><b>Model of the battle</b>: force components, recruitment and rotation, ammunition "
        "supply, an urban factor, dated regimes and three fronts with the city-control "
        "fraction, calibrated to the fused estimate, the control events and the claims by "
        "tempered SMC; scenarios and hindcasts run over its posterior with binomial attrition "
        f"(<code>docs/bakhmut-model.md</code>). {html.escape(settings)}</li>"
    )


def capture_event(battle: str, centre: str) -> dict[str, str] | None:
    """The first control event saying ``centre`` was captured (not merely claimed), as
    ``{id, date, quote, claimant}``; ``None`` when the record has none."""
    from attrition.data.claims import load_events

    ev = load_events(battle)
    hits = ev[(ev["place"] == centre) & (ev["event"] == "captured")].sort_values("date")
    if hits.empty:
        return None
    r = hits.iloc[0]
    return {"id": str(r["id"]), "date": str(r["date"])[:10], "quote": str(r["quote"]),
            "claimant": str(r["claimant"])}  # fmt: skip


def disagreements(model: dict[str, Any]) -> list[str]:
    """Sentences naming each side whose fused casualty median lies outside the calibrated
    model's 90% band (``model``: the model summary)."""
    rec = model["record"]
    out = []
    names = {"RU": "Russian", "UA": "Ukrainian"}
    for side, fused in rec["fused_casualties"].items():
        band = rec["baseline"]["sides"].get(side, {}).get("casualties")
        if band is None:
            continue
        med = float(fused["median"])
        if band["q05"] <= med <= band["q95"]:
            continue
        where = "above" if med > band["q95"] else "below"
        level = "high" if where == "above" else "low"
        out.append(
            f"The fused estimate of {names.get(side, side)} casualties "
            f"({fmt_num(med)}) lies {where} the calibrated model's 90% band "
            f"({fmt_num(float(band['q05']))}–{fmt_num(float(band['q95']))}): the model, held "
            "to the front lines, the force sizes and the control events as well as to the "
            f"casualty claims, does not reproduce casualties that {level}. "
            "The two disagree; neither is a measured fact."
        )
    return out


def model_headline(
    model: dict[str, Any], capture: dict[str, str] | None = None
) -> tuple[list[dict[str, str]], str]:
    """The headline rows and sentence of the Bakhmut model (``model``: the model summary;
    ``capture``: :func:`capture_event`, the record's statement that the city was captured)."""
    base = model["record"]["baseline"]
    p_fall = base["city_fall_date"]["probability_by_end"]
    fact = (
        f"in fact the city was captured: per the article, it had been mostly captured by "
        f"{fmt_date(capture['date'])} ({capture['id']})"
        if capture
        else "the model's probability, not a doubt about the record"
    )
    rows = [{"quantity": "Model hindcast: chance the city had fallen (at least 97% held by "
                         "Russia) by 30 June 2023",
             "median (90% interval)": f"{p_fall:.0%} of model runs",
             "period": "1 Aug 2022 to 30 Jun 2023",
             "from": f"calibrated model ({model['record']['law']} law); {fact}",
             "details": "#model"}]  # fmt: skip
    for side, r in model["bakhmut_rate_per_1000_per_day"].items():
        rows.append({"quantity": f"Daily casualty rate per 1,000 troops, {side}",
                     "median (90% interval)": fmt_q(r, "{:.1f}"),
                     "period": "1 Aug 2022 to 30 Jun 2023",
                     "from": "fused casualties over modelled strength",
                     "details": "#context"})  # fmt: skip
    record = model["record"]
    reading = (
        f"The calibrated model reproduces {record['statements_inside']} of "
        f"{record['statements']} recorded statements within its 90% bands; where it does not "
        "is listed in its section. "
    )
    if capture:
        reading += (
            f"The city was captured: per the article, '{capture['quote']}' by "
            f"{fmt_date(capture['date'])}. The model's {p_fall:.0%} is its hindcast "
            "probability that the city had fallen by 30 June 2023 (the share of its simulated "
            "runs), a test of the model, not a doubt about that fact. "
        )
    reading += "Scenarios are statements of the model, not facts."
    return rows, reading


def build_bakhmut_into(
    work: Path,
    out: Path,
    folder: Path | None,
    battle: str,
    seed: int,
    quick: bool,
    say: Progress,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Run the stages into ``work`` and install the result into ``out`` (the caller locks);
    ``folder``: the stage cache."""
    from attrition.report.cache import StageCache

    pool = None
    try:
        (work / "figures").mkdir()
        inputs = input_hashes(battle)
        run = StageRun(work, StageCache(folder), inputs, seed, quick)
        from attrition.battles.bakhmut.hindcasts import HINDCAST_CUTOFFS
        from attrition.report import model as M
        from attrition.report.figures import Palette

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
        evs = run.run("evidence", lambda d: evidence_stage(battle, d))
        spec = evs["ev"]["spec"]
        say("validation")
        val, val_sum = run.run("validation", lambda _d: validation_section(seed))
        claims_only = None
        if not quick:
            say("estimate of the claims alone (what the streams change)")
            claims_only = run.run("streams", lambda _d: streams_summary(battle, seed))
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
        est, est_sum = estimate_section(
            model_out.fused, claims_only, seed, quick, sorted(spec.side_ids)
        )
        infl_records = None
        if not quick:
            say("what moves the headline (one refit per variant)")
            infl_records = run.run("influence", lambda _d: influence_records(battle, spec, seed))
        infl = influence_section(infl_records, est_sum, Palette.of(spec).side_colours, seed)
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
        rates = model_out.summary["bakhmut_rate_per_1000_per_day"]
        ctx, ctx_sum = context_section(ctx_dir, Palette.of(spec).side_colours, rates)
        from attrition.report.cache import read_figures, write_figures

        write_figures(read_figures(ctx_dir), work / "figures")
        shutil.rmtree(ctx_dir)
        say("render")
        record, ident, scen = model_out.sections
        val = Section(val.id, val.title, val.html + f"<h3>{hind.title}</h3>" + hind.html)
        rows, reading = model_headline(model_out.summary, capture_event(battle, spec.centre))
        sections = [
            headline_section(
                evs["ev"], est_sum, rows, reading, notes=disagreements(model_out.summary)
            ),
            est,
            infl,
            *evs["sections"],
            record,
            ident,
            scen,
            ctx,
            val,
            methods_section(model_method(model_out.summary.get("settings", ""))),
            glossary_section(spec),
            evs["bibliography"],
        ]
        page = render_page(
            "Battle of Bakhmut — the record, the claims, the estimates",
            sections, seed=seed, quick=quick, inputs=inputs, data=evs["out"]["data"],
            scripts=[PAGE_SCRIPT.read_text(encoding="utf-8")],
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
        finish_report(work, out, page, summary, battle)
    except BaseException:
        if pool is not None:
            pool.terminate()
            pool.join()
        raise
    return summary, run.stages
