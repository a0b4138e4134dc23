"""The sections every battle's report shares around its evidence: headline, methods and
limits, glossary and bibliography (the claims used and the battle's sources).

Re-exported by :mod:`attrition.report.evidence`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from attrition.report.estimate import _ratio_label, fmt_q
from attrition.report.html import LABELS, Section, fmt_date, fmt_num, table_html

if TYPE_CHECKING:
    import pandas as pd

    from attrition.data.battle import BattleSpec

__all__ = [
    "NO_MODEL_ITEM",
    "bibliography_section",
    "fmt_figure",
    "glossary_section",
    "headline_section",
    "methods_section",
]


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
