"""A battle's offline base map: a small GeoJSON file drawn under the report's control map.

The file is named by ``basemap`` in ``battle.toml`` (a path in the battle's folder) and built
by ``tools/basemap/build.py`` (sources and licences: DATA_SOURCES.md, "Base map"). It is a
GeoJSON FeatureCollection (RFC 7946, WGS84 longitude/latitude) whose features each carry a
``layer`` property; its foreign members say what it holds:

- ``bbox``: ``[west, south, east, north]``, every coordinate lies inside it;
- ``layers``: layer id -> description (what the layer is, and what it leaves out);
- ``attribution``: the line to print under the map (licences of the sources).

Layers are lines (``LineString``/``MultiLineString``: roads, railways, rivers) or areas
(``Polygon``/``MultiPolygon``: built-up areas, the city outline, lakes). Nothing here imports
a heavy library.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError

if TYPE_CHECKING:
    from attrition.data.battle import BattleSpec

__all__ = [
    "AREA_LAYERS",
    "LINE_LAYERS",
    "STYLE",
    "BaseMap",
    "battle_basemap",
    "key_text",
    "layer_label",
    "load_basemap",
    "svg_path",
]

LINE_LAYERS = ("rivers", "roads", "railways")
"""Line layers, in drawing order (first at the bottom)."""
AREA_LAYERS = ("lakes", "built_up", "city_outline")
"""Area layers, in drawing order (drawn under the line layers, the outline last)."""

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class BaseMap:
    """A loaded base map: the lines and the polygons (lists of rings) of each layer."""

    path: str
    bbox: tuple[float, float, float, float]
    attribution: str
    layers: dict[str, str]
    lines: dict[str, list[Ring]] = field(default_factory=dict)
    polygons: dict[str, list[list[Ring]]] = field(default_factory=dict)

    def layer_ids(self) -> list[str]:
        """The layers that have features, in drawing order (bottom first)."""
        order = [*AREA_LAYERS[:2], *LINE_LAYERS, AREA_LAYERS[2]]
        return [k for k in order if self.lines.get(k) or self.polygons.get(k)]


def _fail(path: Path, where: str, what: str, fix: str) -> UserError:
    return UserError(f"{path}: {where}: {what}; {fix}")


def _ring(path: Path, where: str, coords: object, bbox: tuple[float, ...]) -> Ring:
    if not isinstance(coords, list) or len(coords) < 2:
        raise _fail(path, where, "coordinates are not a list of at least 2 positions",
                    "give [[lon, lat], ...]")  # fmt: skip
    out: Ring = []
    w, s, e, n = bbox
    for pos in coords:
        if (
            not isinstance(pos, list)
            or len(pos) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pos[:2])
            or not all(math.isfinite(v) for v in pos[:2])
        ):
            raise _fail(path, where, f"position {pos!r} is not [lon, lat]", "give two numbers")
        lon, lat = float(pos[0]), float(pos[1])
        if not (w - 1e-9 <= lon <= e + 1e-9 and s - 1e-9 <= lat <= n + 1e-9):
            raise _fail(path, where, f"position [{lon}, {lat}] is outside the bbox {list(bbox)}",
                        "clip the geometry or widen 'bbox'")  # fmt: skip
        out.append((lon, lat))
    return out


def load_basemap(path: str | Path) -> BaseMap:
    """Read and check a base-map GeoJSON file; a malformed one raises :class:`UserError`
    naming the file, the feature and the field."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{p}: no such base-map file; build it with tools/basemap/build.py "
                        "or remove 'basemap' from battle.toml") from None  # fmt: skip
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(
            f"{p}: not valid JSON ({exc}); rebuild it with tools/basemap/build.py"
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise _fail(p, "top level", "not a GeoJSON FeatureCollection",
                    'give {"type": "FeatureCollection", ...}')  # fmt: skip
    bbox = data.get("bbox")
    if (
        not isinstance(bbox, list)
        or len(bbox) != 4
        or not all(isinstance(v, int | float) for v in bbox)
        or not (bbox[0] < bbox[2] and bbox[1] < bbox[3])
    ):
        raise _fail(p, "member 'bbox'", f"{bbox!r} is not [west, south, east, north]",
                    "give the four bounds of the map")  # fmt: skip
    box = (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))
    layers = data.get("layers")
    known = (*LINE_LAYERS, *AREA_LAYERS)
    if not isinstance(layers, dict) or not layers:
        raise _fail(p, "member 'layers'", "missing or empty", "map each layer id to a description")
    for k in layers:
        if k not in known:
            raise _fail(p, "member 'layers'", f"unknown layer {k!r}", f"valid: {', '.join(known)}")
    attribution = data.get("attribution")
    if not isinstance(attribution, str) or not attribution.strip():
        raise _fail(p, "member 'attribution'", "missing", "give the sources' licence line")
    feats = data.get("features")
    if not isinstance(feats, list):
        raise _fail(p, "member 'features'", "not a list", "give a list of Features")
    lines: dict[str, list[Ring]] = {}
    polys: dict[str, list[list[Ring]]] = {}
    for i, f in enumerate(feats):
        where = f"feature {i}"
        props = f.get("properties") if isinstance(f, dict) else None
        layer = props.get("layer") if isinstance(props, dict) else None
        if layer not in layers:
            raise _fail(p, f"{where} property 'layer'", f"{layer!r} is not declared in 'layers'",
                        f"use one of {', '.join(layers)}")  # fmt: skip
        layer = str(layer)
        geom = f.get("geometry")
        kind = geom.get("type") if isinstance(geom, dict) else None
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if layer in LINE_LAYERS:
            if kind == "LineString":
                parts = [coords]
            elif kind == "MultiLineString" and isinstance(coords, list):
                parts = coords
            else:
                raise _fail(p, f"{where} geometry", f"{kind!r} in line layer {layer!r}",
                            "give a LineString or MultiLineString")  # fmt: skip
            lines.setdefault(layer, []).extend(_ring(p, where, c, box) for c in parts)
        else:
            if kind == "Polygon":
                shapes = [coords]
            elif kind == "MultiPolygon" and isinstance(coords, list):
                shapes = coords
            else:
                raise _fail(p, f"{where} geometry", f"{kind!r} in area layer {layer!r}",
                            "give a Polygon or MultiPolygon")  # fmt: skip
            for shape in shapes:
                if not isinstance(shape, list) or not shape:
                    raise _fail(p, f"{where} geometry", "a polygon has no rings", "give its rings")
                rings = [_ring(p, where, r, box) for r in shape]
                if any(len(r) < 4 or r[0] != r[-1] for r in rings):
                    raise _fail(p, f"{where} geometry", "a ring is not closed (4+ positions, "
                                "first = last)", "close the ring")  # fmt: skip
                polys.setdefault(layer, []).append(rings)
    for k in layers:
        if k not in lines and k not in polys:
            raise _fail(p, "member 'layers'", f"layer {k!r} has no feature",
                        "remove it from 'layers' or add its features")  # fmt: skip
    return BaseMap(str(p), box, attribution.strip(), dict(layers), lines, polys)


def battle_basemap(battle: str | Path, spec: BattleSpec) -> BaseMap | None:
    """The base map named by ``basemap`` in the battle's ``battle.toml`` (None when absent)."""
    if not spec.basemap:
        return None
    folder = Path(battle)
    path = (folder / spec.basemap).resolve()
    if folder.resolve() not in path.parents:
        raise UserError(f"{folder / 'battle.toml'}: [battle] key 'basemap' = {spec.basemap!r} "
                        "is outside the battle folder; give a file in the folder")  # fmt: skip
    return load_basemap(path)


STYLE: dict[str, dict[str, Any]] = {
    "lakes": {"label": "lakes", "line": "#A9CBE3", "fill": "#DCEAF5", "width": 0.6},
    "built_up": {
        "label": "towns (grey areas)",
        "line": "#C9C3B8",
        "fill": "#ECE8E1",
        "width": 0.6,
    },
    "rivers": {"label": "rivers (blue)", "line": "#8DB9DC", "width": 1.4},
    "roads": {"label": "main streets in towns (tan)", "line": "#D8B98C", "width": 1.0},
    "railways": {
        "label": "railways (dashed grey)",
        "line": "#7A7A7A",
        "width": 1.0,
        "dash": "dash",
    },
    "city_outline": {"label": "city outline (dark line)", "line": "#555555", "width": 1.6},
}
"""Muted colours of the base-map layers (the place markers stay the strongest marks)."""


def svg_path(rings: list[Ring], close: bool) -> str:
    """An SVG path in data coordinates (Plotly ``path`` shapes): one sub-path per ring."""
    parts = []
    for ring in rings:
        head, *rest = ring
        d = f"M{head[0]},{head[1]}" + "".join(f"L{x},{y}" for x, y in rest)
        parts.append(d + ("Z" if close else ""))
    return "".join(parts)


ROADS_BETWEEN_LABEL = "main roads (tan)"
"""Key label of the ``roads`` layer when its description says it holds the roads between the
towns too (``tools/basemap/build.py --roads``); otherwise ``STYLE["roads"]["label"]``."""


def layer_label(bm: BaseMap, layer: str) -> str:
    """The key's label of ``layer``: its :data:`STYLE` label, except that a ``roads`` layer
    whose description names the roads between towns (and does not say they are left out) is
    labelled :data:`ROADS_BETWEEN_LABEL`."""
    desc = bm.layers.get(layer, "").lower()
    if layer == "roads" and "between" in desc and "not included" not in desc:
        return ROADS_BETWEEN_LABEL
    return str(STYLE[layer]["label"])


def key_text(bm: BaseMap) -> str:
    """One line naming the layers drawn (by their colours) and the sources' attribution."""
    labels = [layer_label(bm, k) for k in bm.layer_ids()]
    return f"{bm.attribution}. Layers: {', '.join(labels)}."
