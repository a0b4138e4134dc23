"""Assemble a self-contained HTML page (Plotly inlined, no network at view time)."""

from __future__ import annotations

import datetime as _dt
import html
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition import __version__

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Section:
    """One section of the page: an anchor id, a title and its HTML."""

    id: str
    title: str
    html: str


#: Plain labels of the codes a reader may meet on the page (the codes stay in the CSV and JSON
#: downloads and in ``data-code`` attributes). The page's glossary lists them.
LABELS: dict[str, str] = {
    # claim metrics
    "killed": "killed",
    "wounded": "wounded",
    "captured": "captured",
    "casualties": "casualties (killed and wounded)",
    "missing": "missing",
    "tanks_destroyed": "tanks destroyed",
    "ifv_destroyed": "infantry fighting vehicles destroyed",
    "apc_destroyed": "armoured personnel carriers destroyed",
    "artillery_destroyed": "artillery pieces destroyed",
    "uav_destroyed": "drones destroyed",
    "depots_destroyed": "depots destroyed",
    "vehicles_destroyed": "vehicles destroyed",
    "advance_m": "advance (metres)",
    "advance_width_m": "width of an advance (metres)",
    "advance_depth_m": "depth of an advance (metres)",
    "area_km2": "area (km²)",
    "city_control_pct": "share of the city held (%)",
    "personnel": "troops",
    "tanks": "tanks",
    "afv": "armoured fighting vehicles",
    "guns": "guns",
    "mlrs": "rocket launchers",
    "ammo_tonnes_per_day": "ammunition (tonnes per day)",
    "ammo_delivered_pct": "share of ammunition delivered (%)",
    "population": "population",
    "artillery_attacks": "artillery attacks",
    "casualty_ratio": "casualty ratio",
    "casualties_per_km": "casualties per km of advance",
    "cm_per_casualty": "centimetres gained per casualty",
    "other": "other figure",
    # qualifiers and rates
    "exact": "exact",
    "about": "about",
    "at_least": "at least",
    "at_most": "at most",
    "range": "range",
    "total": "total",
    "per_day": "per day",
    # control events
    "claimed_captured": "capture claimed (unconfirmed)",
    "entered": "entered",
    "contested": "contested",
    "withdrew": "withdrew",
    "recaptured": "recaptured",
    "encircled": "encircled",
    "held": "held",
    "no report": "no report yet",
    # quantities of the battle model
    "front": "front line (km from the city centre)",
    "city": "share of the city held by Russia",
    "ru_strength": "Russian troops",
    "ua_strength": "Ukrainian troops",
    "convicts_recruited": "convicts recruited",
    "wagner_professionals_total": "Wagner professionals (total)",
    "supply": "Wagner's ammunition supply",
    "advance_total": "total Russian advance (km)",
    "ua_area_gain": "area regained by Ukraine (km²)",
    "ua_arm_advance": "Ukrainian flank advance (km)",
    # bias relations, sources of statements, forecasters
    "self": "its own side",
    "enemy": "the enemy",
    "neutral": "either side (third party)",
    "claim": "claim",
    "event": "control event",
    "model": "model",
    "naive": "naive forecast",
    "line": "straight line (baseline)",
    "persistence": "persistence (baseline)",
    "llt": "local linear trend (baseline)",
    # hindcast targets and scores
    "control_events": "control events after the cutoff",
    "city_control": "city control",
    "city_fall_day": "date the city fell",
    "casualty_claims": "casualty claims after the cutoff",
    "casualty_claims_wagner": "Wagner casualty claims after the cutoff",
    "brier": "Brier score",
    "log_score": "log score",
    "crps": "CRPS",
    "square": "square law",
    "linear": "linear law",
    "logarithmic": "logarithmic law",
    # sides and claimant groups (when a battle.toml gives no label)
    "CIVILIAN": "civilians",
    "BOTH": "both sides",
    "WEST": "Western governments",
    "INDEPENDENT": "independent analysts",
    "OTHER": "other (the article's own text)",
}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def label(code: Any) -> str:
    """The plain label of a code (:data:`LABELS`); other values as they are."""
    text = str(code)
    return LABELS.get(text, text)


def fmt_date(value: Any) -> str:
    """A date as the page writes it: ``20 May 2023`` (a month alone: ``May 2023``).

    Takes a date, a datetime, a pandas timestamp or an ISO string (``2023-05-20``,
    ``2023-05``, or longer); ``None``, NaN and NaT give ``""``; other text is returned as is.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, _dt.datetime | _dt.date) or hasattr(value, "isoformat"):
        try:
            text = str(value.isoformat())
        except ValueError:  # NaT
            return ""
    else:
        text = str(value)
    if text in ("NaT", "nan", "None"):
        return ""
    parts = text[:10].split("-")
    try:
        if len(parts) == 3 and len(parts[0]) == 4:
            y, m, d = int(parts[0]), int(parts[1]), int(parts[2])
            return f"{d} {MONTHS[m - 1]} {y}"
        if len(parts) == 2 and len(parts[0]) == 4 and len(text) == 7:
            return f"{MONTHS[int(parts[1]) - 1]} {int(parts[0])}"
    except (ValueError, IndexError):
        pass
    return text


def round_sig(x: float, sig: int = 3) -> float:
    """``x`` rounded to ``sig`` significant figures (0 stays 0; NaN and inf as they are)."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, sig - 1 - math.floor(math.log10(abs(x))))


def fmt_num(x: Any, sig: int = 3) -> str:
    """A number as a reader wants it: ``sig`` significant figures, thousands separated, never
    in scientific notation; whole numbers below 1,000 exactly; ``yes``/``no`` for booleans;
    ``–`` for a missing value."""
    if x is None:
        return "–"
    if isinstance(x, bool | np.bool_):
        return "yes" if x else "no"
    if isinstance(x, int | np.integer):
        return f"{int(x):,}"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if v != v:
        return "–"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == round(v) and abs(v) < 1000:
        return f"{int(v):,}"
    r = round_sig(v, sig)
    if r == round(r):
        text = f"{round(r):,}"
    else:
        text = np.format_float_positional(r, precision=sig, unique=True, fractional=False, trim="-")
    return "−" + text[1:] if text.startswith("-") else text


def fmt_interval(d: Mapping[str, float], sig: int = 3, fmt: str | None = None) -> str:
    """``{median, q05, q95}`` as ``"156,000 (107,000–236,000)"`` (``sig`` significant figures;
    or the format ``fmt``, e.g. ``"{:.1f}"``)."""
    if fmt is not None:
        return f"{fmt.format(d['median'])} ({fmt.format(d['q05'])}–{fmt.format(d['q95'])})"
    med, lo, hi = (fmt_num(float(d[k]), sig) for k in ("median", "q05", "q95"))
    return f"{med} ({lo}–{hi})"


def figure_html(fig: Any, caption: str, div_id: str) -> str:
    """A Plotly figure as a ``<figure>``: its title as a heading above the chart (an HTML
    heading wraps on a phone, a Plotly title does not), the legend above the plot area, clear
    of the axis titles (unless the figure places it), and the caption below (the library is
    inlined once per page)."""
    title = fig.layout.title.text
    fig.update_layout(title_text=None)
    if fig.layout.showlegend is not False and fig.layout.legend.y is None:
        fig.update_layout(
            legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02,
                    "yanchor": "bottom"},
        )  # fmt: skip
    margin = fig.layout.margin
    fig.update_layout(margin={"t": 30 if margin.t is None else min(margin.t, 30)})
    head = f'<h4 class="chart-title">{html.escape(title)}</h4>' if title else ""
    body = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"responsive": True, "displaylogo": False},
    )
    return f"<figure>{head}{body}<figcaption>{html.escape(caption)}</figcaption></figure>"


Format = Callable[[Any], str]


def table_html(
    df: pd.DataFrame,
    caption: str = "",
    *,
    headers: Mapping[str, str] | None = None,
    codes: Iterable[str] | Mapping[str, Format] = (),
    dates: Iterable[str] = (),
    formats: Mapping[str, Format] | None = None,
    table_id: str | None = None,
    sig: int = 3,
) -> str:
    """A DataFrame as a plain HTML table (usable without JavaScript), formatted for reading.

    Numbers get ``sig`` significant figures and thousands separators (never ``1.1e+04``),
    booleans read yes/no, missing values ``–``. ``headers``: column -> heading (else the
    column's :func:`label`; the column name stays in ``data-key``); ``codes``: columns whose
    values are codes shown by their :func:`label` (or by the function a mapping gives for the
    column), the code kept in ``data-code``; ``dates``:
    columns shown by :func:`fmt_date`; ``formats``: column -> formatter of its cells.
    """
    headers = dict(headers or {})
    namers: dict[str, Format] = (
        dict(codes) if isinstance(codes, Mapping) else dict.fromkeys(codes, label)
    )
    dates = set(dates)
    formats = dict(formats or {})
    cols = [str(c) for c in df.columns]
    head = "".join(
        f'<th data-key="{html.escape(c)}">{html.escape(headers.get(c, label(c)))}</th>'
        if headers.get(c, label(c)) != c
        else f"<th>{html.escape(c)}</th>"
        for c in cols
    )
    kinds = {str(c): df[c].dtype.kind for c in df.columns}
    rows = []
    for rec in df.itertuples(index=False, name=None):
        cells = []
        for c, v in zip(cols, rec, strict=True):
            if c in formats:
                text = formats[c](v)
            elif c in dates:
                text = fmt_date(v)
            elif c in namers and isinstance(v, str):
                shown = namers[c](v)
                if shown != v:
                    cells.append(f'<td data-code="{html.escape(v)}">{html.escape(shown)}</td>')
                    continue
                text = v
            elif kinds[c] in "fiub" or isinstance(v, float | int | np.number):
                text = fmt_num(v, sig)
            elif v is None or (isinstance(v, float) and v != v):
                text = "–"
            else:
                text = "" if str(v) in ("nan", "NaT", "None") else str(v)
            cls = _cell_class(text)
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    ident = f' id="{html.escape(table_id)}"' if table_id else ""
    return (
        f"<table{ident}>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


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
        generated=generated or _generated_now(),
        inputs=dict(inputs or {}),
        plotly_js=get_plotlyjs(),
        data_blocks={
            k: json.dumps(v, separators=(",", ":")).replace("</", "<\\/")
            for k, v in (data or {}).items()
        },
        scripts=list(scripts),
    )


_NUMERIC = re.compile(r"^[−\-+]?[\d.,]+%?(?: \([−\-+]?[\d.,]+%?–[−\-+]?[\d.,]+%?\))?$")
_IDENT = re.compile(r"^[a-z]{1,4}-[a-z]{0,2}\d+$")


def _cell_class(text: str) -> str:
    """`` class="num"`` for a number or an interval (right-aligned), `` class="id"`` for an
    id such as ``bk-c001`` (never broken at its hyphen), else nothing (left-aligned text)."""
    if _NUMERIC.match(text):
        return ' class="num"'
    if _IDENT.match(text):
        return ' class="id"'
    return ""


def _generated_now() -> str:
    """The time of generation as the page writes dates: ``3 Dec 2026, 10:27 UTC``."""
    now = _dt.datetime.now(_dt.UTC)
    return f"{fmt_date(now.date())}, {now:%H:%M} UTC"
