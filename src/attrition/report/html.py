"""Assemble a self-contained HTML page (Plotly inlined, no network at view time)."""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from attrition import __version__

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Section:
    """One section of the page: an anchor id, a title and its HTML."""

    id: str
    title: str
    html: str


def figure_html(fig: Any, caption: str, div_id: str) -> str:
    """A Plotly figure as a ``<figure>`` with a caption (the library is inlined once per page)."""
    body = fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config={"responsive": True}
    )
    return f"<figure>{body}<figcaption>{html.escape(caption)}</figcaption></figure>"


def table_html(df: pd.DataFrame, caption: str = "", floatfmt: str = "{:.4g}") -> str:
    """A DataFrame as a plain HTML table (usable without JavaScript)."""

    def fmt(col: pd.Series) -> Any:
        vals = col.dropna()
        if len(vals) and bool((vals == vals.round()).all()) and float(vals.abs().max()) >= 1000:
            return lambda v: "" if v != v else f"{v:,.0f}"
        return lambda v: "" if v != v else floatfmt.format(v)

    formatters = {c: fmt(df[c]) for c in df.columns if df[c].dtype.kind == "f"}
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    out: str = df.to_html(index=False, formatters=formatters, border=0, escape=True)  # type: ignore[arg-type]
    return out.replace('<table class="dataframe">', f"<table>{cap}", 1)


def render_page(
    title: str,
    sections: Sequence[Section],
    *,
    seed: int | None = None,
    quick: bool = False,
    inputs: Mapping[str, str] | None = None,
    data: Mapping[str, Any] | None = None,
    scripts: Sequence[str] = (),
    generated: str | None = None,
) -> str:
    """Render the page with Plotly's JavaScript inlined.

    Args:
        title: page title.
        sections: the sections in order.
        seed: seed recorded in the header.
        quick: say on the page that precision was traded for speed.
        inputs: input name → SHA-256, listed in the footer.
        data: JSON-able values inlined as ``<script type="application/json" id=KEY>``.
        scripts: JavaScript sources inlined after the content.
        generated: timestamp text (default: now, UTC).
    """
    import json

    import jinja2
    from plotly.offline import get_plotlyjs

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("attrition.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    return env.get_template("page.html.j2").render(
        title=title,
        sections=sections,
        seed=seed,
        quick=quick,
        version=__version__,
        generated=generated or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        inputs=dict(inputs or {}),
        plotly_js=get_plotlyjs(),
        data_blocks={
            k: json.dumps(v, separators=(",", ":")).replace("</", "<\\/")
            for k, v in (data or {}).items()
        },
        scripts=list(scripts),
    )
