"""The report's section "Where the uncertainty comes from": the shares of the variance of the
city's fall day and of each side's casualties due to the choice of attrition law, the model's
unknown parameters and chance in the fighting
(:mod:`attrition.battles.bakhmut.decomposition`), on the report's own calibrations.

The fourth part, the uncertainty of the casualty estimate, needs every law calibrated again on
several versions of the evidence: too slow for the report, it is computed in
``docs/bakhmut-model.md`` (section 6) and the page says so.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

from attrition.report.html import Section

if TYPE_CHECKING:
    from attrition.battles.bakhmut.decomposition import Decomposition

__all__ = ["TARGET_LABELS", "decomposition_section"]

#: Column headings of the targets, for a reader.
TARGET_LABELS: dict[str, str] = {
    "fall_day": "Day the city falls",
    "log_ru_casualties": "Russian casualties",
    "log_ua_casualties": "Ukrainian casualties",
}

DOC = "docs/bakhmut-model.md"


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100.0 * v:.0f}%"


def _spread(dec: Decomposition, target: str) -> str:
    sd = math.sqrt(dec.total(target))
    if target == "fall_day":
        return f"sd {sd:.0f} days"
    return f"one sd: about ×{math.exp(sd):.2f} either way"


def decomposition_section(dec: Decomposition) -> tuple[Section, dict[str, Any]]:
    """The section and its JSON summary (:meth:`Decomposition.to_dict`, strict JSON).

    The table has one row per source (plain wording, the technical name in ``data-key``) and
    one column per target; a part not measured reads "not computed here".
    """
    from attrition.battles.bakhmut.decomposition import COMPONENT_TEXT, COMPONENTS, TARGETS

    k, _, d, r = dec.shape
    targets = [t for t, _, _ in TARGETS]
    head = "".join(f"<th>{html.escape(TARGET_LABELS[t])}</th>" for t in targets)
    rows = []
    for c in COMPONENTS:
        cells = []
        for t in targets:
            s = dec.share(t, c)
            cells.append(f"<td>{_pct(s)}</td>" if s is not None else "<td>not computed here</td>")
        rows.append(
            f'<tr data-key="{c}"><th scope="row">{html.escape(COMPONENT_TEXT[c]).capitalize()}'
            f"</th>{''.join(cells)}</tr>"
        )
    rows.append(
        '<tr data-key="total"><th scope="row">Total spread</th>'
        + "".join(f"<td>{html.escape(_spread(dec, t))}</td>" for t in targets)
        + "</tr>"
    )
    weights = ", ".join(
        f"{html.escape(lw)} {w:.2f}" for lw, w in zip(dec.laws, dec.weights, strict=True)
    )
    evidence = (
        f"<p>{k} versions of the casualty estimate were used: its share is measured.</p>"
        if k > 1
        else "<p>Not computed here: <em>the uncertainty of the casualty estimate</em>. It needs "
        "every law calibrated again on several versions of the casualty estimate, too slow for "
        f"the report; <code>{DOC}</code> (section 6, \u201cWhere the uncertainty comes "
        "from\u201d) computes it. The shares above are of the other three sources only.</p>"
    )
    body = (
        "<p>How much of the spread of each answer comes from each source, for the baseline "
        "(the record as it happened). The shares add up to 100%. "
        "<strong>The choice of attrition law</strong>: how far apart the laws' average answers "
        f"are, under their weights ({weights}). <strong>The model's unknown parameters</strong>: "
        "how much the average answer moves from one plausible set of parameter values to "
        "another. <strong>Chance in the fighting itself</strong>: how much the answer still "
        "varies when the parameters are fixed and only the day-to-day luck of the simulated "
        f"fighting changes. Measured by running {d:,} parameter sets per law {r} times each, "
        "with independent random numbers; each share is corrected for the finite number of "
        "runs, and a share that comes out below 0 counts as 0. Casualties are compared on a "
        "log scale (shares of their relative spread). A city not fallen by 30 June 2023 counts "
        f"as fallen on 1 July ({_pct(dec.not_fallen)} of these runs).</p>"
        "<table><caption>Share of the variance of each answer, by source"
        f"</caption><thead><tr><th>Source</th>{head}</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + evidence
    )
    return Section("uncertainty", "Where the uncertainty comes from", body), dec.to_dict()
