"""The report's "What moves the headline" section: the fused totals at the battle under each
claimant group left out and each bias prior's centre and spread halved or doubled
(:func:`attrition.infer.validate.headline_influence` on the default fusion, the joint model),
and the claims the fit finds implausible (posterior predictive tail probability below the
fusion's threshold).

:func:`influence_records` runs the refits (a cached report stage, full mode only: one refit per
variant, all sharing the default fit's compiled sampler); :func:`influence_section` draws the
chart and the tables from its records and the fused summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.report.html import Section, figure_html, fmt_num, table_html

if TYPE_CHECKING:
    from attrition.data.battle import BattleSpec

__all__ = ["INFLUENCE_DRAWS", "influence_records", "influence_section"]

INFLUENCE_DRAWS: tuple[int, int] = (300, 2)
"""Draws and chains of each refit (a variant's change of the median below a few percent is
within the Monte Carlo error of fits this size)."""


def influence_records(battle: str | Path, spec: BattleSpec, seed: int) -> list[dict[str, Any]]:
    """The rows of :func:`~attrition.infer.validate.headline_influence` (the joint model, the
    streams the battle's ``battle.toml`` gives a role) for a battle's claims over its window,
    as JSON-ready records."""
    from attrition.data.claims import load_claims, load_phases
    from attrition.infer.validate.influence import headline_influence

    draws, chains = INFLUENCE_DRAWS
    table = headline_influence(
        load_claims(battle), load_phases(battle), draws=draws, chains=chains, seed=seed,
        battle=spec,
    )  # fmt: skip
    return [{str(k): v for k, v in r.items()} for r in table.to_dict("records")]


def influence_section(
    records: Sequence[Mapping[str, Any]] | None,
    estimate: Mapping[str, Any],
    side_colours: Mapping[str, str],
    seed: int,
) -> Section:
    """The section: a bar chart of each variant's change of the fused median per side, the
    table behind it, and the implausible claims of ``estimate`` (the fused summary). With
    ``records`` ``None`` (quick mode) the refits are said to be skipped."""
    import pandas as pd
    import plotly.graph_objects as go

    parts: list[str] = [
        "<p>How much does the fused estimate rest on any one group of sources, or on the bias "
        "priors? Each bar is the change of a side's fused casualties at the battle (median) "
        "when one group of evidence is left out (a claimant group's claims, a claimant "
        "stream such as the General Staff's daily series, or the named-dead count streams, "
        "<code>NAMED</code>), or when the bias prior of one relation of claimant to subject "
        "(claims about the enemy, about one's own side, by a third party) has its centre or "
        "spread halved or doubled (centre: the typical exaggeration assumed, learned from "
        "historical claims against later records; spread: how sure the prior is). Every refit "
        f"uses the same seed and settings ({INFLUENCE_DRAWS[1]} chains × "
        f"{INFLUENCE_DRAWS[0]} draws); changes of a few percent are within the refits' Monte "
        "Carlo error. Reproduce with <code>attrition validate influence --seed "
        f"{seed}</code>.</p>"
    ]
    if records is None:
        parts.append(
            '<p class="pending">Quick mode: the refits behind this chart are not computed.</p>'
        )
    else:
        table = pd.DataFrame(list(records))
        table = table[table["kind"] != "default"]
        fig = go.Figure()
        for side in dict.fromkeys(table["side"]):
            t = table[table["side"] == side]
            fig.add_bar(
                y=list(t["variant"]),
                x=[100.0 * float(c) for c in t["change"]],
                orientation="h",
                name=str(side),
                marker_color=side_colours.get(str(side)),
                hovertemplate="%{y}: %{x:+.0f}%<extra>" + str(side) + "</extra>",
            )
        fig.update_layout(
            title_text="What moves the headline: change of the fused casualties (median)",
            barmode="group",
            height=max(360, 26 * len(dict.fromkeys(table["variant"])) + 120),
            xaxis_title="change from the default fit (%)",
            yaxis={"autorange": "reversed", "automargin": True},
            margin={"l": 10, "r": 10},
        )
        parts.append(
            figure_html(
                fig,
                "Each claimant group left out, and each bias prior's centre and spread halved "
                "or doubled; bars are relative changes of the median.",
                "influence-fig",
            )
        )
        shown = table.assign(
            change=[f"{100 * float(c):+.0f}%" for c in table["change"]],
            interval=[
                f"{fmt_num(float(r['median']))} ({fmt_num(float(r['q05']))}–"
                f"{fmt_num(float(r['q95']))})"
                for r in table.to_dict("records")
            ],
        )[["variant", "side", "interval", "change"]]
        parts.append(
            table_html(
                shown,
                "Fused casualties under each variant: median (90% interval) and change",
                headers={"interval": "casualties, median (90% interval)"},
            )
        )
    imp = list(estimate.get("implausible_claims") or [])
    if imp:
        rows = [
            {
                "claim": c["id"],
                "claimant": c["claimant"],
                "subject": c["subject"],
                "metric": c["metric"],
                "claimed": c["claimed"],
                "expected (90% interval)": f"{fmt_num(c['predicted']['median'])} "
                f"({fmt_num(c['predicted']['q05'])}–{fmt_num(c['predicted']['q95'])})",
                "tail probability": fmt_num(c["tail_p"], 2),
            }
            for c in imp
        ]
        parts.append(
            table_html(
                pd.DataFrame(rows),
                f"Implausible claims ({len(rows)}): the fit finds each unlikely given all the "
                "others (posterior predictive tail probability below the threshold)",
                codes=("metric",),
            )
        )
    else:
        parts.append("<p>No claim is implausible given all the others.</p>")
    return Section("influence", "What moves the headline", "".join(parts))
