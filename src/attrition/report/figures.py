"""Pure figure builders: data in, figure out (Plotly for the page, Matplotlib for PNG/SVG).

Colours are the Okabe–Ito palette (safe for the common colour-vision deficiencies); every
figure has a title, axis units and is given a caption where it is placed.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from attrition.data.basemap import BaseMap
    from attrition.data.battle import BattleSpec

#: Okabe–Ito colours, given in order to a battle's sides, then its claimant groups.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#7F7F7F", "#F0E442", "#000000")
#: The lighter Okabe–Ito partner of a colour (a side's claimed, not confirmed, captures).
LIGHT = {"#0072B2": "#56B4E9", "#D55E00": "#E69F00"}
#: Marker symbols, given in order to a battle's sides and then their components.
SYMBOLS = ("circle", "square", "diamond", "cross", "star", "hexagon", "pentagon", "star-square")
#: Markers and map states that do not depend on the battle.
GENERIC_SYMBOLS = {"CIVILIAN": "triangle-up", "BOTH": "x"}
GENERIC_STATES = {"contested": "#CC79A7", "no report": "#BBBBBB"}


def _tint(colour: str, towards_white: float = 0.45) -> str:
    """``colour`` (``#RRGGBB``) mixed with white."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (255 - c) * towards_white) for c in rgb]
    return "#" + "".join(f"{c:02X}" for c in mixed)


@dataclass(frozen=True)
class Palette:
    """Colours and symbols of one battle's report, derived from its ``battle.toml``.

    ``side_colours``: claimant side (each side, then each claimant group) -> colour.
    ``state_colours``: control state (each side, each side's ``"<id> claimed"``, ``contested``,
    ``no report``; see :func:`attrition.data.control.states`) -> colour. ``subject_symbols``:
    subject (sides, components, ``CIVILIAN``, ``BOTH``) -> Plotly marker symbol.
    """

    side_colours: dict[str, str]
    state_colours: dict[str, str]
    subject_symbols: dict[str, str]

    @classmethod
    def of(cls, spec: BattleSpec) -> Palette:
        """The palette of a battle: colours and symbols given in the order of ``battle.toml``."""
        claimants = spec.claimant_sides
        side_colours = {c: COLOURS[i % len(COLOURS)] for i, c in enumerate(claimants)}
        states = {s: side_colours[s] for s in spec.side_ids}
        states |= {f"{s} claimed": LIGHT.get(c, _tint(c)) for s, c in states.items()}
        states |= GENERIC_STATES
        own = [s for s in spec.subjects if s not in GENERIC_SYMBOLS]
        symbols = {s: SYMBOLS[i % len(SYMBOLS)] for i, s in enumerate(own)}
        symbols |= {s: v for s, v in GENERIC_SYMBOLS.items() if s in spec.subjects}
        return cls(side_colours, states, symbols)


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
    points: list[dict[str, Any]], palette: Palette, metrics: tuple[str, ...] = CASUALTY_METRICS
) -> Any:
    """Claims over time, log scale, one trace per claimant side (the page's JS re-filters)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    chosen = [p for p in points if p["metric"] in metrics and p["value"] > 0]
    symbols = palette.subject_symbols
    for side, colour in palette.side_colours.items():
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
                "symbol": [symbols.get(p["subject_side"], "circle") for p in pts],
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
    for side, colour in palette.side_colours.items():  # legend: colour = claimant side
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
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
    )
    return fig


MAP_STATES = ("contested", "no report")
"""Generic states of the weight-of-evidence rule (besides the sides' ids)."""


MAP_PLOT_PX = (280.0, 420.0)
"""Width and height (px) of the smallest plot area the interactive map is drawn in: a phone's
width, and the height the layout leaves (640 px less the title, legend and the wrapped key
below). The axes keep the map's aspect by shrinking the plot, never by widening the extent, so
a larger screen only scales the map up (:data:`LABEL_SCALES`)."""

LABEL_SCALES: tuple[float, ...] = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0)
"""Map scales (relative to :data:`MAP_PLOT_PX`) at which a label must meet nothing: labels keep
their pixel size while the places move apart, and a label right of one place and another left
of the next can meet at a larger scale only, so every scale up to a laptop's is checked."""


def label_box(
    pos: str, x: float, y: float, r: float, text: str, font_px: float = 10.0
) -> tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1, px; y up) of ``text`` placed at ``pos`` beside a marker of radius
    ``r`` at (x, y): its estimated size is 0.6 ``font_px`` per character by ``font_px`` + 3."""
    w, h = 0.6 * font_px * len(text) + 2.0, font_px + 3.0
    return {
        "top center": (x - w / 2, y + r + 1, x + w / 2, y + r + 1 + h),
        "bottom center": (x - w / 2, y - r - 1 - h, x + w / 2, y - r - 1),
        "middle right": (x + r + 2, y - h / 2, x + r + 2 + w, y + h / 2),
        "middle left": (x - r - 2 - w, y - h / 2, x - r - 2, y + h / 2),
    }[pos]


LABEL_POSITIONS: tuple[str, ...] = ("top center", "bottom center", "middle right", "middle left")


def map_pixels(
    places: pd.DataFrame, plot_px: tuple[float, float] = MAP_PLOT_PX
) -> list[tuple[float, float]]:
    """Each place's position in pixels (y up) on the map's extent scaled into ``plot_px``
    keeping its aspect (places without coordinates dropped)."""
    pts = places.dropna(subset=["lat", "lon"])
    if not len(pts):
        return []
    xr, yr = map_extent(pts)
    lat0 = float(np.nanmean(pts["lat"]))
    kx = 111.32 * math.cos(math.radians(lat0))
    scale = min(plot_px[0] / ((xr[1] - xr[0]) * kx), plot_px[1] / ((yr[1] - yr[0]) * 111.32))
    return [
        ((float(lon) - xr[0]) * kx * scale, (float(lat) - yr[0]) * 111.32 * scale)
        for lat, lon in zip(pts["lat"], pts["lon"], strict=True)
    ]


def _map_label_order(places: list[str], states: list[str] | None, approximate: list[bool],
                     centre: str) -> list[int]:  # fmt: skip
    """The order places get a label in (the most important first, so that a crowded map drops
    the least important): the centre, places with a report (when ``states`` are given), exact
    positions, then file order."""
    reported = [True] * len(places) if states is None else [s != "no report" for s in states]
    return sorted(
        range(len(places)),
        key=lambda i: (places[i] != centre, not reported[i], approximate[i], i),
    )


def label_layout(
    places: pd.DataFrame,
    centre: str = "",
    plot_px: tuple[float, float] = MAP_PLOT_PX,
    font_px: float = 10.0,
) -> list[str]:
    """Where each place's permanent label goes (a Plotly ``textposition``), or ``""`` for a
    place named on hover only.

    Places are taken in order of importance (the centre, then exact positions, then approximate
    ones, in file order) and each gets the first of four positions (above, below, right, left)
    whose :func:`label_box` meets no label already placed and no other place's marker (the
    centre's may cover markers) at every scale of :data:`LABEL_SCALES` of ``plot_px``
    (:func:`map_pixels`); a place with no free position is named on hover only."""
    pts = places.dropna(subset=["lat", "lon"])
    if not len(pts):
        return []
    names = [str(p) for p in pts["place"]]
    approx = [bool(a) for a in pts["approximate"]]
    radius = [8.0 if n == centre else 5.0 for n in names]
    views = [map_pixels(pts, (plot_px[0] * k, plot_px[1] * k)) for k in LABEL_SCALES]
    Box = tuple[float, float, float, float]

    def meets(a: Box, b: Box) -> bool:
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    markers = [
        [(x - r, y - r, x + r, y + r) for (x, y), r in zip(xy, radius, strict=True)] for xy in views
    ]
    placed: list[list[Box]] = [[] for _ in views]
    out = [""] * len(names)
    order = _map_label_order(names, None, approx, centre)
    for i in order:
        for pos in LABEL_POSITIONS:
            boxes = [label_box(pos, *xy[i], radius[i], names[i], font_px) for xy in views]
            clear = all(
                not any(meets(box, b) for b in placed[v])
                and (
                    names[i] == centre  # the centre's name is always shown
                    or not any(meets(box, m) for k, m in enumerate(markers[v]) if k != i)
                )
                for v, box in enumerate(boxes)
            )
            if clear:
                out[i] = pos
                for v, box in enumerate(boxes):
                    placed[v].append(box)
                break
    return out


def map_extent(places: pd.DataFrame, margin: float = 0.08) -> tuple[list[float], list[float]]:
    """Longitude and latitude ranges covering every place with coordinates, with a margin
    (a share of the span, at least 0.05 degrees)."""
    pts = places.dropna(subset=["lat", "lon"])
    lon0, lon1 = float(pts["lon"].min()), float(pts["lon"].max())
    lat0, lat1 = float(pts["lat"].min()), float(pts["lat"].max())
    dx = max((lon1 - lon0) * margin, 0.05)
    dy = max((lat1 - lat0) * margin, 0.05)
    return [lon0 - dx, lon1 + dx], [lat0 - dy, lat1 + dy]


def map_figure(
    places: pd.DataFrame,
    states: dict[str, str],
    palette: Palette,
    centre: str = "",
    hover: dict[str, str] | None = None,
    basemap: BaseMap | None = None,
) -> Any:
    """Localities on a lon/lat plot drawn offline (no tiles), coloured by control state.

    ``states``: place -> state (a side id, ``contested`` or ``no report``; see
    :func:`attrition.data.control.control_evidence`); ``hover``: place -> hover text (HTML:
    the date, the state with its probability, the reports behind it); default: the state.
    The extent covers every place; labels are placed so that they do not collide (the other
    names show on hover); the centre is drawn larger. Trace 0 is the places (the page's
    slider restyles its colours and hover text). ``basemap``
    (:func:`attrition.data.basemap.battle_basemap`): its layers are drawn as ``path`` shapes
    named ``basemap:<layer>`` on the layer below every trace (no hover, no tiles), with a
    line under the plot naming the layers and the sources' attribution."""
    import plotly.graph_objects as go

    pts = places.dropna(subset=["lat", "lon"])
    lat0 = float(np.nanmean(pts["lat"])) if len(pts) else 48.6
    colours = palette.state_colours
    hover = hover or {}
    layout = label_layout(pts, centre)
    fig = go.Figure()
    fig.add_scatter(
        x=pts["lon"],
        y=pts["lat"],
        mode="markers+text",
        text=[p if pos else "" for p, pos in zip(pts["place"], layout, strict=True)],
        textposition=[pos or "top center" for pos in layout],
        textfont={"size": 10},
        cliponaxis=False,
        marker={
            "size": [16 if p == centre else 10 for p in pts["place"]],
            "color": [colours.get(states.get(p, "no report"), "#BBBBBB") for p in pts["place"]],
            "line": {"width": 1, "color": "#222"},
            "symbol": ["circle-dot" if a else "circle" for a in pts["approximate"]],
        },
        customdata=[[p, states.get(p, "no report")] for p in pts["place"]],
        hovertext=[
            hover.get(p, f"<b>{p}</b><br>{states.get(p, 'no report')}") for p in pts["place"]
        ],
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=False,
        name="places",
    )
    for state, colour in colours.items():  # legend entries
        if state.endswith(" claimed"):
            continue  # the weight-of-evidence rule has no 'claimed' state
        fig.add_scatter(x=[None], y=[None], mode="markers", name=state,
                        marker={"color": colour, "size": 10})  # fmt: skip
    fig.update_layout(
        title="Control by weight of evidence",
        xaxis_title="longitude (°E)",
        yaxis_title="latitude (°N)",
        template="plotly_white",
        height=640,
        hoverlabel={"align": "left"},
        # the legend above the map, so that a phone's width goes to the map
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        margin={"l": 60, "r": 10, "t": 90},
    )
    # the aspect is kept by shrinking the plot area (constrain="domain"), never by widening the
    # extent past the base map
    fig.update_yaxes(scaleanchor="x", scaleratio=1 / math.cos(math.radians(lat0)),
                     constrain="domain")  # fmt: skip
    fig.update_xaxes(constrain="domain")
    if len(pts):
        xr, yr = map_extent(pts)
        fig.update_xaxes(range=xr)
        fig.update_yaxes(range=yr)
    if basemap is not None:
        from attrition.data.basemap import STYLE, key_text, svg_path

        for layer in basemap.layer_ids():
            sty = STYLE[layer]
            area = layer in basemap.polygons
            rings = [r for poly in basemap.polygons.get(layer, []) for r in poly]
            fig.add_shape(
                type="path",
                path=svg_path(rings if area else basemap.lines[layer], close=area),
                layer="below",
                name=f"basemap:{layer}",
                line={
                    "color": sty["line"],
                    "width": sty["width"],
                    "dash": sty.get("dash", "solid"),
                },
                fillcolor=sty.get("fill", "rgba(0,0,0,0)") if area else "rgba(0,0,0,0)",
            )
        import textwrap

        key = "<br>".join(textwrap.wrap(key_text(basemap), 56))  # a phone's width
        fig.add_annotation(
            text=key, xref="paper", yref="paper", x=0, y=-0.12, xanchor="left",
            yanchor="top", showarrow=False, align="left", font={"size": 9, "color": "#555"},
            name="basemap-attribution",
        )  # fmt: skip
        fig.update_layout(margin={"b": 70 + 15 * (key.count("<br>") + 1)})
    return fig


def city_control_figure(claims: pd.DataFrame, palette: Palette, city: str = "the city") -> Any:
    """Claims of the share of ``city`` held, over time, by claimant."""
    import plotly.graph_objects as go

    pts = [p for p in claim_points(claims) if p["metric"] == "city_control_pct"]
    fig = go.Figure()
    for side, colour in palette.side_colours.items():
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


def static_timeline(points: list[dict[str, Any]], palette: Palette, path_stem: str) -> list[str]:
    """Matplotlib version of the timeline, written as PNG and SVG; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    import pandas as pd

    fig, ax = plt.subplots(figsize=(10, 5), dpi=120)
    for side, colour in palette.side_colours.items():
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


MAP_LABEL_DIRECTIONS = ((1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1))
"""Where a static map's label may go around its marker, in order of preference (x, y signs)."""
MAP_LABEL_GAPS = (2.0, 10.0, 24.0)
"""Gaps between a marker's edge and its label tried in turn, in points: beside the marker,
then farther out, joined to it by a thin line."""


def place_map_labels(
    ax: Any,
    names: list[str],
    xy: list[tuple[float, float]],
    radii: list[float],
    order: list[int],
    fontsize: float = 7.0,
) -> tuple[list[Any], list[str]]:
    """Label the markers of a laid-out Matplotlib map so that no two labels overlap.

    ``xy``: the markers' data coordinates; ``radii``: their radii in points; ``order``: the
    indices to label, most important first. Every label first tries the eight positions of
    :data:`MAP_LABEL_DIRECTIONS` beside its marker (the first gap of :data:`MAP_LABEL_GAPS`),
    in ``order``; those left try the farther gaps, joined to their marker by a thin line. A
    position is taken when its box (display coordinates) lies inside the axes and meets no
    label, line or other marker already there (a line also crosses none of them). Returns the
    label artists and the names left without a label (no free spot). Call after the figure's
    layout is final."""
    from matplotlib import patheffects
    from matplotlib.path import Path as MplPath
    from matplotlib.transforms import Bbox

    fig = ax.figure
    fig.canvas.draw()  # the layout and every transform are final from here on
    renderer = fig.canvas.get_renderer()
    px = fig.dpi / 72.0
    centres = ax.transData.transform(np.asarray(xy, dtype=float)) if xy else np.empty((0, 2))
    inside = ax.get_window_extent(renderer).padded(-2.0)
    markers = [Bbox.from_bounds(x - r * px, y - r * px, 2 * r * px, 2 * r * px)
               for (x, y), r in zip(centres, radii, strict=True)]  # fmt: skip
    sizes = {}
    for i in order:
        probe = ax.text(0, 0, names[i], fontsize=fontsize)
        ext = probe.get_window_extent(renderer)
        probe.remove()
        sizes[i] = (ext.width + 2.0, ext.height + 1.0)
    taken: list[Any] = []  # boxes of the labels placed
    leaders: list[Any] = []  # their lines, as paths in display coordinates
    spots: dict[int, tuple[int, int, float, float, bool]] = {}

    def free(i: int, box: Any, line: Any) -> bool:
        if not (inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1)):
            return False
        others = [m for j, m in enumerate(markers) if j != i]
        if any(box.overlaps(b) for b in (*taken, *others)):
            return False
        if any(path.intersects_bbox(box, filled=True) for path in leaders):
            return False
        return line is None or not any(line.intersects_bbox(b, filled=True)
                                       for b in (*taken, *others))  # fmt: skip

    for g, gap in enumerate(MAP_LABEL_GAPS):
        for i in order:
            if i in spots:
                continue
            (x, y), (w, h) = centres[i], sizes[i]
            reach = (radii[i] + gap) * px
            for dx, dy in MAP_LABEL_DIRECTIONS:
                scale = 0.75 if dx and dy else 1.0
                tx, ty = x + dx * reach * scale, y + dy * reach * scale
                x0 = tx if dx > 0 else tx - w if dx < 0 else tx - w / 2
                y0 = ty if dy > 0 else ty - h if dy < 0 else ty - h / 2
                box = Bbox.from_bounds(x0, y0, w, h)
                line = MplPath([(x, y), (tx, ty)]) if g else None
                if free(i, box, line):
                    taken.append(box)
                    if line is not None:
                        leaders.append(line)
                    spots[i] = (dx, dy, (tx - x) / px, (ty - y) / px, g > 0)
                    break
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    labels: list[Any] = []
    for i in order:
        if i not in spots:
            continue
        dx, dy, ox, oy, far = spots[i]
        labels.append(ax.annotate(
            names[i], xy[i], xytext=(ox, oy), textcoords="offset points",
            ha="left" if dx > 0 else "right" if dx < 0 else "center",
            va="bottom" if dy > 0 else "top" if dy < 0 else "center",
            fontsize=fontsize, zorder=5, path_effects=halo,
            arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "#444",
                        "shrinkA": 0, "shrinkB": radii[i]} if far else None,
        ))  # fmt: skip
    return labels, [names[i] for i in order if i not in spots]


def _draw_basemap(ax: Any, basemap: BaseMap) -> None:
    """The base map's layers as Matplotlib collections under the markers."""
    from matplotlib.collections import LineCollection, PolyCollection

    from attrition.data.basemap import STYLE

    for z, layer in enumerate(basemap.layer_ids()):
        sty = STYLE[layer]
        if layer in basemap.polygons:
            rings = [poly[0] for poly in basemap.polygons[layer]]
            ax.add_collection(PolyCollection(
                rings, facecolors=sty.get("fill", "none"), edgecolors=sty["line"],
                linewidths=float(sty["width"]) * 0.7, zorder=1 + z / 10,
            ))  # fmt: skip
        else:
            ax.add_collection(LineCollection(
                basemap.lines[layer], colors=sty["line"], linewidths=float(sty["width"]) * 0.7,
                linestyles="--" if sty.get("dash") else "-", zorder=1 + z / 10,
            ))  # fmt: skip


def _draw_markers(ax: Any, xy: list[tuple[float, float]], colours: list[str],
                  sizes: list[float]) -> None:  # fmt: skip
    for (lon, lat), colour, size in zip(xy, colours, sizes, strict=True):
        ax.scatter(lon, lat, c=colour, s=size, edgecolors="#222", linewidths=0.6, zorder=3)


MAP_INSET_SIZES = ((0.46, 0.46), (0.42, 0.40), (0.36, 0.34))
"""Widths and heights a static map's inset (the crowded part, enlarged) may take, as shares of
the map's axes, largest first."""


def _inset_spot(ax: Any, avoid: list[Any]) -> tuple[float, float, float, float] | None:
    """``(x0, y0, width, height)`` (axes fraction) of the largest inset of
    :data:`MAP_INSET_SIZES`, in a corner of ``ax`` (else midway along a side) that covers none
    of the ``avoid`` boxes (display coordinates)."""
    from matplotlib.transforms import Bbox

    for w, h in MAP_INSET_SIZES:
        xs, ys = (0.99 - w, 0.01, (1 - w) / 2), (0.01, 0.99 - h, (1 - h) / 2)
        for x0, y0 in [(x, y) for y in ys for x in xs]:  # the corners first
            box = Bbox(ax.transAxes.transform([(x0 - 0.005, y0 - 0.005),
                                               (x0 + w + 0.005, y0 + h + 0.005)]))  # fmt: skip
            if not any(box.overlaps(b) for b in avoid):
                return x0, y0, w, h
    return None


def static_map_figure(
    places: pd.DataFrame,
    states: dict[str, str],
    palette: Palette,
    when: str,
    centre: str = "",
    basemap: BaseMap | None = None,
) -> tuple[Any, list[Any], list[str]]:
    """The Matplotlib control map of :func:`static_map`: ``(figure, label artists, names left
    without a label)``.

    The title's date is written as the page writes dates
    (:func:`attrition.report.html.fmt_date`); the legend stands outside the map, right of it.
    Labels are placed by :func:`place_map_labels`, every place that has room; when places are
    too crowded for theirs, an inset in a free corner of the map enlarges the crowded part and
    labels them there (its frame and the area it shows are drawn). A line under the map names
    the places that still have no label."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from attrition.report.html import fmt_date

    pts = places.dropna(subset=["lat", "lon"])
    fig, ax = plt.subplots(figsize=(9, 8), dpi=120)
    if basemap is not None:
        from attrition.data.basemap import key_text

        _draw_basemap(ax, basemap)
        fig.text(0.01, 0.005, key_text(basemap), fontsize=6, color="#555", ha="left",
                 va="bottom", wrap=True)  # fmt: skip
    recs = pts.to_dict("records")
    names = [str(r["place"]) for r in recs]
    xy = [(float(r["lon"]), float(r["lat"])) for r in recs]
    sizes = [120.0 if n == centre else 50.0 for n in names]
    shown_states = [states.get(n, "no report") for n in names]
    colours = [palette.state_colours.get(st, "#BBBBBB") for st in shown_states]
    _draw_markers(ax, xy, colours, sizes)
    for st, colour in palette.state_colours.items():
        if not st.endswith(" claimed"):
            ax.scatter([], [], c=colour, label=st, edgecolors="#222")
    aspect = 1.0
    if len(pts):
        xr, yr = map_extent(pts)
        ax.set_xlim(*xr)
        ax.set_ylim(*yr)
        aspect = 1 / math.cos(math.radians(float(pts["lat"].mean())))
        ax.set_aspect(aspect)
    ax.set_title(f"Control of localities by weight of evidence, {fmt_date(when)}")
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
              title="control", title_fontsize=7)  # fmt: skip
    bottom = (0.035 if basemap is not None else 0.0) + 0.03  # the key, the unlabelled places
    fig.tight_layout(rect=(0, bottom, 1, 1))
    approx = [bool(r.get("approximate", False)) for r in recs]
    order = _map_label_order(names, shown_states, approx, centre)
    radii = [math.sqrt(s) / 2 + 0.6 for s in sizes]
    labels, dropped = place_map_labels(ax, names, xy, radii, order)
    if dropped:
        labels, dropped = _inset(ax, names, xy, colours, sizes, radii, order, labels, dropped,
                                 aspect, basemap)  # fmt: skip
    if dropped:
        fig.text(0.01, bottom - 0.005, "No room for a label (hover them on the page's map): "
                 + ", ".join(sorted(dropped)) + ".", fontsize=6.5, color="#333", ha="left",
                 va="top", wrap=True)  # fmt: skip
    return fig, labels, dropped


def _inset(
    ax: Any,
    names: list[str],
    xy: list[tuple[float, float]],
    colours: list[str],
    sizes: list[float],
    radii: list[float],
    order: list[int],
    labels: list[Any],
    dropped: list[str],
    aspect: float,
    basemap: BaseMap | None,
) -> tuple[list[Any], list[str]]:
    """An inset enlarging the places ``dropped`` had no room for (see
    :func:`static_map_figure`): ``(every label, names still without one)``."""
    renderer = ax.figure.canvas.get_renderer()
    px = ax.figure.dpi / 72.0
    centres = ax.transData.transform(np.asarray(xy, dtype=float))
    avoid = [t.get_tightbbox(renderer) for t in labels]  # with their leader lines
    from matplotlib.transforms import Bbox

    avoid += [Bbox.from_bounds(x - r * px, y - r * px, 2 * r * px, 2 * r * px)
              for (x, y), r in zip(centres, radii, strict=True)]  # fmt: skip
    spot = _inset_spot(ax, avoid)
    if spot is None:
        return labels, dropped
    crowded = [xy[names.index(n)] for n in dropped]
    lons, lats = [p[0] for p in crowded], [p[1] for p in crowded]
    inner = ax.inset_axes(spot)
    if basemap is not None:
        _draw_basemap(inner, basemap)
    # the crowded places with room around them for labels, widened to the inset's shape
    box = inner.get_window_extent(renderer)
    cx, cy = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    span = max(max(lons) - min(lons), max(lats) - min(lats), 0.02)
    half_x = (max(lons) - min(lons)) / 2 + 0.15 * span
    half_y = (max(lats) - min(lats)) / 2 + 0.15 * span
    shape = box.height / box.width / aspect  # degrees of latitude per degree of longitude
    half_x, half_y = max(half_x, half_y / shape), max(half_y, half_x * shape)
    x0, x1, y0, y1 = cx - half_x, cx + half_x, cy - half_y, cy + half_y
    inner.set_xlim(x0, x1)
    inner.set_ylim(y0, y1)
    within = [i for i in order if x0 <= xy[i][0] <= x1 and y0 <= xy[i][1] <= y1]
    _draw_markers(inner, [xy[i] for i in within], [colours[i] for i in within],
                  [sizes[i] for i in within])  # fmt: skip
    inner.set_xticks([])
    inner.set_yticks([])
    inner.set_facecolor("white")
    inner.set_zorder(6)
    ax.indicate_inset_zoom(inner, edgecolor="#333", alpha=0.8)
    sub = [names[i] for i in within]
    first = sorted(range(len(sub)), key=lambda k: sub[k] not in dropped)  # stable
    more, still = place_map_labels(
        inner, sub, [xy[i] for i in within], [radii[i] for i in within], first, fontsize=6.5
    )
    return labels + more, [n for n in dropped if n not in set(sub) - set(still)]


def static_map(
    places: pd.DataFrame,
    states: dict[str, str],
    palette: Palette,
    when: str,
    path_stem: str,
    centre: str = "",
    basemap: BaseMap | None = None,
) -> list[str]:
    """Matplotlib version of the control map at one date (PNG and SVG; the figure of
    :func:`static_map_figure`); ``when``: the date (ISO or as the page writes it); ``basemap``
    as in :func:`map_figure` (drawn under the markers, its key and attribution under the
    plot)."""
    fig, _labels, _dropped = static_map_figure(places, states, palette, when, centre, basemap)
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


def band_figure(
    bands: list[dict[str, Any]],
    points: list[dict[str, Any]],
    *,
    title: str,
    yaxis: str,
    stem: str,
    percent: bool = False,
) -> Any:
    """A Plotly fan chart (median line and 5–95% band per series, plus dated points), and the
    same chart as PNG and SVG at ``stem``.

    ``bands``: ``{name, x, q05, q50, q95, colour}`` (and optionally ``dash``, a Plotly line
    dash); ``points``: ``{name, x, y, text, colour}``
    (``text``: the hover, e.g. the claim id and quote).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import plotly.graph_objects as go

    scale = 100.0 if percent else 1.0
    fig = go.Figure()
    mfig, ax = plt.subplots(figsize=(9, 4.5), dpi=120)
    for b in bands:
        x = list(b["x"])
        lo, mid, hi = (np.asarray(b[k], dtype=float) * scale for k in ("q05", "q50", "q95"))
        fig.add_scatter(
            x=x + x[::-1],
            y=[*hi, *lo[::-1]],
            fill="toself",
            mode="lines",
            line={"width": 0},
            fillcolor=b["colour"],
            opacity=0.18,
            name=f"{b['name']} 90% band",
            hoverinfo="skip",
            legendgroup=b["name"],
            showlegend=False,
        )
        fig.add_scatter(
            x=x,
            y=mid,
            mode="lines",
            name=b["name"],
            legendgroup=b["name"],
            line={"color": b["colour"], "width": 2, "dash": b.get("dash", "solid")},
            hovertemplate="%{x|%-d %b %Y}: %{y:,.3r}<extra>"
            + html.escape(b["name"])
            + " (median)</extra>",
        )
        xd = pd.to_datetime(x)
        ax.fill_between(xd, lo, hi, color=b["colour"], alpha=0.18, linewidth=0)
        ax.plot(xd, mid, color=b["colour"], linewidth=1.6, label=b["name"])
    for p in points:
        fig.add_scatter(
            x=p["x"],
            y=np.asarray(p["y"], dtype=float) * scale,
            mode="markers",
            name=p["name"],
            marker={"color": p["colour"], "size": 9, "line": {"color": "#222", "width": 0.6}},
            customdata=p["text"],
            hovertemplate="%{customdata}<extra></extra>",
        )
        ax.scatter(
            pd.to_datetime(p["x"]),
            np.asarray(p["y"], dtype=float) * scale,
            c=p["colour"],
            s=24,
            edgecolors="#222",
            linewidths=0.5,
            label=p["name"],
            zorder=3,
        )
    fig.update_layout(
        title=title,
        xaxis_title="date",
        yaxis_title=yaxis,
        template="plotly_white",
        height=460,
        xaxis={"hoverformat": "%-d %b %Y"},
    )
    ax.set_title(title)
    ax.set_xlabel("date")
    ax.set_ylabel(yaxis)
    ax.legend(fontsize=7)
    mfig.autofmt_xdate()
    mfig.tight_layout()
    save_static(mfig, stem)
    return fig
