"""Pure figure builders: data in, figure out (Plotly for the page, Matplotlib for PNG/SVG).

Colours are the Okabe–Ito palette (safe for the common colour-vision deficiencies); every
figure has a title, axis units and is given a caption where it is placed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

SIDE_COLOURS = {
    "UA": "#0072B2",
    "RU": "#D55E00",
    "WEST": "#009E73",
    "INDEPENDENT": "#CC79A7",
    "OTHER": "#7F7F7F",
}
STATE_COLOURS = {
    "UA": "#0072B2",
    "RU": "#D55E00",
    "UA claimed": "#56B4E9",
    "RU claimed": "#E69F00",
    "contested": "#CC79A7",
    "no report": "#BBBBBB",
}
SUBJECT_SYMBOLS = {
    "UA": "circle",
    "RU": "square",
    "WAGNER": "diamond",
    "CIVILIAN": "triangle-up",
    "BOTH": "x",
}
CASUALTY_METRICS = ("killed", "wounded", "casualties", "captured", "missing")


def claim_points(claims: pd.DataFrame) -> list[dict[str, Any]]:
    """Claims as plain records for the timeline: a date, a plotted value and its bounds.

    The date is the claim date, else the end (or start) of the period; the value is the exact
    figure, the midpoint of a range, the bound of an ``at_least``/``at_most`` claim. Claims
    without any date are left out (the bibliography still lists them).
    """
    out = []
    rec: dict[Any, Any]
    for rec in claims.to_dict("records"):
        when = next(
            (str(rec[k])[:10] for k in ("claim_date", "period_end", "period_start")
             if _present(rec[k])),
            None,
        )  # fmt: skip
        if when is None:
            continue
        lo, hi = float(rec["value_low"]), float(rec["value_high"])
        lo_ok, hi_ok = not math.isnan(lo), not math.isnan(hi)
        value = (lo + hi) / 2 if lo_ok and hi_ok else (lo if lo_ok else hi)
        out.append(
            {
                "id": rec["id"],
                "date": when,
                "value": float(value),
                "low": lo if lo_ok else None,
                "high": hi if hi_ok else None,
                **{k: rec[k] for k in ("metric", "rate", "qualifier", "claimant",
                                       "claimant_side", "subject_side", "quote")},
            }
        )  # fmt: skip
    return out


def _present(value: Any) -> bool:
    """False for None, NaN and NaT."""
    if value is None:
        return False
    try:
        return not bool(value != value)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return True


def timeline_figure(
    points: list[dict[str, Any]], metrics: tuple[str, ...] = CASUALTY_METRICS
) -> Any:
    """Claims over time, log scale, one trace per claimant side (the page's JS re-filters)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    chosen = [p for p in points if p["metric"] in metrics and p["value"] > 0]
    for side, colour in SIDE_COLOURS.items():
        pts = [p for p in chosen if p["claimant_side"] == side]
        fig.add_scatter(
            x=[p["date"] for p in pts],
            y=[p["value"] for p in pts],
            mode="markers",
            name=f"claimed by {side}",
            showlegend=False,
            marker={
                "color": colour,
                "size": 9,
                "symbol": [SUBJECT_SYMBOLS.get(p["subject_side"], "circle") for p in pts],
                "line": {"width": 0.5, "color": "#222"},
            },
            customdata=[
                [p["id"], p["claimant"], p["metric"], p["subject_side"], p["rate"], p["quote"]]
                for p in pts
            ],
            hovertemplate=(
                "<b>%{customdata[0]}</b> %{customdata[1]}<br>%{customdata[2]} of "
                "%{customdata[3]} (%{customdata[4]}): %{y:,}<br><i>%{customdata[5]}</i>"
                "<extra></extra>"
            ),
        )
    for side, colour in SIDE_COLOURS.items():  # legend: colour = claimant side
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="markers",
            name=f"claimed by {side}",
            marker={"color": colour, "size": 9, "symbol": "circle"},
        )
    fig.update_layout(
        title="Claims over time (figures as claimed; log scale)",
        xaxis_title="date of claim",
        yaxis_title="claimed figure (people; log scale)",
        yaxis_type="log",
        template="plotly_white",
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
    )
    return fig


def map_figure(places: pd.DataFrame, states: dict[str, str], centre: str = "") -> Any:
    """Localities on a plain lon/lat plot (no tiles), coloured by control state.

    ``centre``: the place the plot opens on (about 30 km around it); empty: every place."""
    import plotly.graph_objects as go

    pts = places.dropna(subset=["lat", "lon"])
    lat0 = float(np.nanmean(pts["lat"])) if len(pts) else 48.6
    fig = go.Figure()
    fig.add_scatter(
        x=pts["lon"],
        y=pts["lat"],
        mode="markers+text",
        text=pts["place"],
        textposition="top center",
        textfont={"size": 10},
        marker={
            "size": [16 if p == centre else 10 for p in pts["place"]],
            "color": [STATE_COLOURS[states.get(p, "no report")] for p in pts["place"]],
            "line": {"width": 1, "color": "#222"},
            "symbol": ["circle-dot" if a else "circle" for a in pts["approximate"]],
        },
        customdata=[[p, states.get(p, "no report")] for p in pts["place"]],
        hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
        showlegend=False,
    )
    for state, colour in STATE_COLOURS.items():  # legend entries
        fig.add_scatter(x=[None], y=[None], mode="markers", name=state,
                        marker={"color": colour, "size": 10})  # fmt: skip
    fig.update_layout(
        title="Control of localities by the latest claim (offline map, no tiles)",
        xaxis_title="longitude (°E)",
        yaxis_title="latitude (°N)",
        template="plotly_white",
        height=560,
        legend={"orientation": "h", "y": -0.15},
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1 / math.cos(math.radians(lat0)))
    here = pts[pts["place"] == centre]
    if len(here):  # open on the battle area (about 30 km around the centre); zoom out for the rest
        lat_c, lon_c = float(here["lat"].iloc[0]), float(here["lon"].iloc[0])
        half_lat = 30 / 111.32
        half_lon = 30 / (111.32 * math.cos(math.radians(lat_c)))
        fig.update_xaxes(range=[lon_c - half_lon, lon_c + half_lon])
        fig.update_yaxes(range=[lat_c - half_lat, lat_c + half_lat])
    return fig


def city_control_figure(claims: pd.DataFrame, city: str = "the city") -> Any:
    """Claims of the share of ``city`` held, over time, by claimant."""
    import plotly.graph_objects as go

    pts = [p for p in claim_points(claims) if p["metric"] == "city_control_pct"]
    fig = go.Figure()
    for side, colour in SIDE_COLOURS.items():
        sp = [p for p in pts if p["claimant_side"] == side]
        if not sp:
            continue
        fig.add_scatter(
            x=[p["date"] for p in sp], y=[p["value"] for p in sp], mode="markers",
            name=f"claimed by {side}", marker={"color": colour, "size": 10},
            customdata=[[p["id"], p["claimant"], p["subject_side"], p["quote"]] for p in sp],
            hovertemplate="<b>%{customdata[0]}</b> %{customdata[1]}: %{y}% held by "
            "%{customdata[2]}<br><i>%{customdata[3]}</i><extra></extra>",
        )  # fmt: skip
    fig.update_layout(
        title="Share of the city held, as claimed",
        xaxis_title="date",
        yaxis_title=f"share of {city} held by the subject side (%)",
        yaxis_range=[0, 100],
        template="plotly_white",
    )
    return fig


def static_timeline(points: list[dict[str, Any]], path_stem: str) -> list[str]:
    """Matplotlib version of the timeline, written as PNG and SVG; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import pandas as pd

    fig, ax = plt.subplots(figsize=(10, 5), dpi=120)
    for side, colour in SIDE_COLOURS.items():
        pts = [p for p in points if p["claimant_side"] == side and p["metric"] in
               CASUALTY_METRICS and p["value"] > 0]  # fmt: skip
        if pts:
            ax.scatter(pd.to_datetime([p["date"] for p in pts]), [p["value"] for p in pts],
                       c=colour, s=22, label=f"claimed by {side}", edgecolors="#222",
                       linewidths=0.4)  # fmt: skip
    ax.set_yscale("log")
    ax.set_title("Casualty claims over time (as claimed; log scale)")
    ax.set_xlabel("date of claim")
    ax.set_ylabel("claimed figure (people)")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))  # type: ignore[no-untyped-call]
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_static(fig, path_stem)


def static_map(
    places: pd.DataFrame, states: dict[str, str], when: str, path_stem: str, centre: str = ""
) -> list[str]:
    """Matplotlib version of the control map at one date (PNG and SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pts = places.dropna(subset=["lat", "lon"])
    fig, ax = plt.subplots(figsize=(8, 7), dpi=120)
    for rec in pts.to_dict("records"):
        place, lon, lat = str(rec["place"]), float(rec["lon"]), float(rec["lat"])
        st = states.get(place, "no report")
        ax.scatter(lon, lat, c=STATE_COLOURS[st], s=120 if place == centre else 50,
                   edgecolors="#222", linewidths=0.6)  # fmt: skip
        ax.annotate(place, (lon, lat), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")  # fmt: skip
    for st, colour in STATE_COLOURS.items():
        ax.scatter([], [], c=colour, label=st, edgecolors="#222")
    ax.set_aspect(1 / math.cos(math.radians(float(pts["lat"].mean()))))
    ax.set_title(f"Control of localities by the latest claim, {when}")
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return save_static(fig, path_stem)


def save_static(fig: Any, path_stem: str) -> list[str]:
    """Save a Matplotlib figure as ``path_stem.png`` and ``.svg`` (deterministic metadata)."""
    import matplotlib.pyplot as plt

    paths = []
    for ext in ("png", "svg"):
        path = f"{path_stem}.{ext}"
        meta = {"Software": None} if ext == "png" else {"Date": None, "Creator": None}
        fig.savefig(path, metadata=meta)
        paths.append(path)
    plt.close(fig)
    return paths
