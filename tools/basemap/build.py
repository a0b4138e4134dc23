"""Build a battle's offline base map (``basemap.geojson``) from local copies of open data.

The base map is drawn under the report's control map (``attrition.report.figures.map_figure``
and ``static_map``). It is built once, by hand, from files already on disk; the report never
downloads anything. Layers (each feature's ``layer`` property):

- ``built_up``: boundaries of the towns and cities (OpenStreetMap ``place=town|city``
  boundaries, as exported in ``export/settlements.gpkg`` of
  simonhuwiler/cities-of-donbas-osm-export);
- ``city_outline``: the boundary of the battle's centre (``centre`` in ``battle.toml``), taken
  from the same export;
- ``roads``: main roads inside those towns (OpenStreetMap ``highway`` trunk, primary,
  secondary, tertiary from ``export/shapes/*_streets.gpkg``; roads between towns are not in
  that export) and, when ``--roads`` gives them, the roads between towns: Natural Earth's
  ``ne_10m_roads.geojson`` (its major and secondary highways) or an OpenStreetMap GeoJSON
  extract (lines whose ``highway`` is motorway to tertiary);
- ``railways``: Natural Earth 10m railroads (main lines), given either as Natural Earth's own
  ``ne_10m_railroads.geojson`` or as the ``data/data.json`` of the npm package
  ``@worldwideview/wwv-plugin-osm-rail-network`` 1.0.0, which is that file's category-1 lines;
- ``rivers`` and ``lakes``: Natural Earth 10m rivers (global and European supplement) and lakes.

Every geometry is clipped to the extent (the places of the battle's ``places.csv`` with the
report map's margin, then widened by ``--context`` of the span on each side), simplified
(Douglas-Peucker, ``--tolerance`` degrees) and rounded to 4 decimals (about 10 m).

Usage (see DATA_SOURCES.md, "Base map", for the exact inputs)::

    python tools/basemap/build.py src/attrition/data/battles/bakhmut \
        --donbas /tmp/donbas/export --rail /tmp/wwvrail/package/data/data.json \
        --rivers /tmp/ne/ne_10m_rivers_lake_centerlines.json /tmp/ne/ne_10m_rivers_europe.json \
        --lakes /tmp/ne/ne_10m_lakes.json /tmp/ne/ne_10m_lakes_europe.json \
        [--roads ne_10m_roads.geojson]

It writes ``basemap.geojson`` in the battle folder and refuses to overwrite a file it did not
write (one without this tool's ``generator`` member) unless ``--force``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import sqlite3
import struct
import sys
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

GENERATOR = "tools/basemap/build.py"
Point = tuple[float, float]
Line = list[Point]
Box = tuple[float, float, float, float]  # west, south, east, north

ROADS_IN_TOWNS = (
    "Main roads inside the towns (OpenStreetMap trunk to tertiary); "
    "roads between towns are not included"
)
ROADS_ALL = "Main roads: inside the towns (OpenStreetMap trunk to tertiary) and between them ({})"

LAYERS = {
    "built_up": "Town and city boundaries (OpenStreetMap place=town/city)",
    "city_outline": "Boundary of the battle's centre (OpenStreetMap)",
    "roads": ROADS_IN_TOWNS,
    "railways": "Main railway lines (Natural Earth 10m railroads)",
    "rivers": "Rivers (Natural Earth 10m)",
    "lakes": "Lakes and reservoirs (Natural Earth 10m)",
}
ROAD_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary")
NE_ROAD_TYPES = {"Major Highway": "major", "Beltway": "major", "Bypass": "major",
                 "Secondary Highway": "secondary"}  # fmt: skip
"""Natural Earth road ``type`` -> class kept in the ``roads`` layer (tracks, ferries and
unknown roads are left out)."""
OSM = "© OpenStreetMap contributors (ODbL)"
NE = "Natural Earth (public domain)"


# --- reading -------------------------------------------------------------------------------


def _wkb(buf: bytes, pos: int = 0) -> tuple[object, int]:
    """Parse one WKB geometry at ``pos``: (GeoJSON-like (type, coordinates), next position)."""
    order = "<" if buf[pos] == 1 else ">"
    (code,) = struct.unpack_from(order + "I", buf, pos + 1)
    pos += 5
    dims = 2
    kind = code % 1000
    if code >= 1000:  # ISO WKB Z / M / ZM
        dims = {1: 3, 2: 3, 3: 4}[code // 1000]
    if code & 0x80000000:  # EWKB Z flag
        kind, dims = code & 0xFF, 3

    def point() -> Point:
        nonlocal pos
        xy = struct.unpack_from(order + "d" * dims, buf, pos)
        pos += 8 * dims
        return (xy[0], xy[1])

    def seq() -> Line:
        nonlocal pos
        (n,) = struct.unpack_from(order + "I", buf, pos)
        pos += 4
        return [point() for _ in range(n)]

    if kind == 1:
        return ("Point", point()), pos
    if kind == 2:
        return ("LineString", seq()), pos
    if kind == 3:
        (n,) = struct.unpack_from(order + "I", buf, pos)
        pos += 4
        return ("Polygon", [seq() for _ in range(n)]), pos
    if kind in (4, 5, 6, 7):
        (n,) = struct.unpack_from(order + "I", buf, pos)
        pos += 4
        parts = []
        for _ in range(n):
            g, pos = _wkb(buf, pos)
            parts.append(g)
        name = {4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon", 7: "Collection"}[kind]
        return (name, parts), pos
    raise ValueError(f"WKB geometry type {code} is not supported")


def gpkg_geometry(blob: bytes) -> object:
    """Geometry of a GeoPackage blob (``GP`` header, envelope, then WKB)."""
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry")
    flags = blob[3]
    env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    g, _ = _wkb(blob, 8 + env)
    return g


def gpkg_rows(path: Path, columns: str) -> Iterator[tuple[object, ...]]:
    """``(geometry, *columns)`` of every row of a GeoPackage's single feature table."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (table,) = con.execute(
            "select table_name from gpkg_contents where data_type='features'"
        ).fetchone()
        geom = con.execute(
            "select column_name from gpkg_geometry_columns where table_name=?", (table,)
        ).fetchone()[0]
        for row in con.execute(f'select "{geom}", {columns} from "{table}"'):
            if row[0] is not None:
                yield (gpkg_geometry(row[0]), *row[1:])
    finally:
        con.close()


def lines_of(g: object) -> list[Line]:
    """The lines of a (Multi)LineString, or the rings of a (Multi)Polygon, from a parsed WKB
    geometry or a GeoJSON geometry dict."""
    if isinstance(g, dict):
        g = (g["type"], g["coordinates"])
    kind, coords = g  # type: ignore[misc]
    if kind == "LineString":
        return [[(float(x), float(y)) for x, y, *_ in coords]]
    if kind == "MultiLineString":
        if coords and isinstance(coords[0], tuple) and isinstance(coords[0][0], str):
            return [line for part in coords for line in lines_of(part)]
        return [[(float(x), float(y)) for x, y, *_ in line] for line in coords]
    raise ValueError(f"{kind} is not a line")


def polygons_of(g: object) -> list[list[Line]]:
    """The polygons (list of rings) of a (Multi)Polygon, parsed WKB or GeoJSON."""
    if isinstance(g, dict):
        kind, coords = g["type"], g["coordinates"]
        if kind == "Polygon":
            coords = [coords]
        elif kind != "MultiPolygon":
            raise ValueError(f"{kind} is not a polygon")
        return [[[(float(x), float(y)) for x, y, *_ in ring] for ring in poly] for poly in coords]
    kind, coords = g  # type: ignore[misc]
    if kind == "Polygon":
        return [coords]
    if kind == "MultiPolygon":
        return [part[1] for part in coords]
    if kind == "Collection":
        return [p for part in coords if part[0] in ("Polygon", "MultiPolygon")
                for p in polygons_of(part)]  # fmt: skip
    raise ValueError(f"{kind} is not a polygon")


# --- geometry ------------------------------------------------------------------------------


def clip_line(line: Line, box: Box) -> list[Line]:
    """The parts of a polyline inside ``box`` (Liang-Barsky on each segment)."""
    w, s, e, n = box
    out: list[Line] = []
    cur: Line = []
    for (x0, y0), (x1, y1) in itertools.pairwise(line):
        dx, dy = x1 - x0, y1 - y0
        t0, t1 = 0.0, 1.0
        ok = True
        for p, q in ((-dx, x0 - w), (dx, e - x0), (-dy, y0 - s), (dy, n - y0)):
            if p == 0:
                if q < 0:
                    ok = False
                    break
                continue
            r = q / p
            if p < 0:
                t0 = max(t0, r)
            else:
                t1 = min(t1, r)
            if t0 > t1:
                ok = False
                break
        if not ok:
            if len(cur) > 1:
                out.append(cur)
            cur = []
            continue
        a = (x0 + t0 * dx, y0 + t0 * dy)
        b = (x0 + t1 * dx, y0 + t1 * dy)
        if cur and cur[-1] == a:
            cur.append(b)
        else:
            if len(cur) > 1:
                out.append(cur)
            cur = [a, b]
        if t1 < 1.0:
            out.append(cur)
            cur = []
    if len(cur) > 1:
        out.append(cur)
    return out


def clip_ring(ring: Line, box: Box) -> Line:
    """A closed ring clipped to ``box`` (Sutherland-Hodgman); empty when nothing is inside."""
    w, s, e, n = box
    edges = (
        (lambda p: p[0] >= w, lambda a, b: (w, a[1] + (b[1] - a[1]) * (w - a[0]) / (b[0] - a[0]))),
        (lambda p: p[0] <= e, lambda a, b: (e, a[1] + (b[1] - a[1]) * (e - a[0]) / (b[0] - a[0]))),
        (lambda p: p[1] >= s, lambda a, b: (a[0] + (b[0] - a[0]) * (s - a[1]) / (b[1] - a[1]), s)),
        (lambda p: p[1] <= n, lambda a, b: (a[0] + (b[0] - a[0]) * (n - a[1]) / (b[1] - a[1]), n)),
    )
    pts = ring[:-1] if ring and ring[0] == ring[-1] else list(ring)
    for inside, cut in edges:
        if not pts:
            break
        res: Line = []
        prev = pts[-1]
        for cur in pts:
            if inside(cur):
                if not inside(prev):
                    res.append(cut(prev, cur))
                res.append(cur)
            elif inside(prev):
                res.append(cut(prev, cur))
            prev = cur
        pts = res
    if len(pts) < 3:
        return []
    return [*pts, pts[0]]


def simplify(line: Line, tol: float) -> Line:
    """Douglas-Peucker simplification (keeps the end points)."""
    if len(line) < 3 or tol <= 0:
        return list(line)
    keep = [False] * len(line)
    keep[0] = keep[-1] = True
    stack = [(0, len(line) - 1)]
    while stack:
        i, j = stack.pop()
        (x0, y0), (x1, y1) = line[i], line[j]
        dx, dy = x1 - x0, y1 - y0
        norm = math.hypot(dx, dy)
        best, at = -1.0, -1
        for k in range(i + 1, j):
            x, y = line[k]
            d = (abs(dy * (x - x0) - dx * (y - y0)) / norm if norm
                 else math.hypot(x - x0, y - y0))  # fmt: skip
            if d > best:
                best, at = d, k
        if best > tol:
            keep[at] = True
            stack += [(i, at), (at, j)]
    return [p for p, k in zip(line, keep, strict=True) if k]


def _round(line: Line) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in line:
        p = [round(x, 4), round(y, 4)]
        if not out or out[-1] != p:
            out.append(p)
    return out


def _length(line: Line) -> float:
    return sum(math.dist(a, b) for a, b in itertools.pairwise(line))


def _area(ring: Line) -> float:
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))) / 2


def line_feature(
    layer: str, lines: Iterable[Line], box: Box, tol: float, props: dict[str, object],
    min_len: float = 0.0,
) -> dict[str, object] | None:  # fmt: skip
    """A MultiLineString feature of the lines clipped to ``box`` and simplified, or None."""
    parts = []
    for line in lines:
        for piece in clip_line(line, box):
            r = _round(simplify(piece, tol))
            if len(r) > 1 and _length([(p[0], p[1]) for p in r]) >= min_len:
                parts.append(r)
    if not parts:
        return None
    return {"type": "Feature", "properties": {"layer": layer, **props},
            "geometry": {"type": "MultiLineString", "coordinates": parts}}  # fmt: skip


def polygon_feature(
    layer: str, polys: Iterable[list[Line]], box: Box, tol: float, props: dict[str, object],
    min_area: float = 0.0,
) -> dict[str, object] | None:  # fmt: skip
    """A MultiPolygon feature of the polygons clipped to ``box`` and simplified, or None."""
    out = []
    for poly in polys:
        rings = []
        for k, ring in enumerate(poly):
            c = clip_ring(ring, box)
            if not c:
                if k == 0:
                    break
                continue
            r = _round(simplify(c, tol))
            if len(r) >= 3 and r[0] != r[-1]:
                r.append(r[0])
            if len(r) >= 4 and _area([(p[0], p[1]) for p in r]) >= min_area:
                rings.append(r)
            elif k == 0:
                break
        if rings:
            out.append(rings)
    if not out:
        return None
    return {"type": "Feature", "properties": {"layer": layer, **props},
            "geometry": {"type": "MultiPolygon", "coordinates": out}}  # fmt: skip


def road_lines(path: Path, box: Box) -> tuple[dict[str, list[Line]], str]:
    """The main roads of a GeoJSON file that reach into ``box``, by class, and their source.

    Natural Earth's ``ne_10m_roads`` (features with ``featurecla``): ``featurecla`` Road whose
    ``type`` is in :data:`NE_ROAD_TYPES`. An OpenStreetMap extract: lines whose ``highway``
    is in :data:`ROAD_CLASSES`. Other features are skipped."""
    data = json.loads(path.read_text(encoding="utf-8"))
    by_class: dict[str, list[Line]] = {}
    sources: set[str] = set()
    for f in data.get("features") or []:
        geom, props = f.get("geometry"), f.get("properties") or {}
        if not geom or geom.get("type") not in ("LineString", "MultiLineString"):
            continue
        if "featurecla" in props:
            if props["featurecla"] != "Road" or props.get("type") not in NE_ROAD_TYPES:
                continue
            cls, src = NE_ROAD_TYPES[props["type"]], NE
        elif props.get("highway") in ROAD_CLASSES:
            cls, src = str(props["highway"]), OSM
        else:
            continue
        lines = lines_of(geom)
        if lines and _overlaps(_bounds(lines), box):
            by_class.setdefault(cls, []).extend(lines)
            sources.add(src)
    if len(sources) > 1:
        raise SystemExit(f"{path}: mixes Natural Earth and OpenStreetMap roads; give one each")
    return by_class, (sources.pop() if sources else "")


# --- the battle ----------------------------------------------------------------------------


def extent(battle: Path, context: float) -> Box:
    """The report map's extent of the battle's places (8% margin, at least 0.05 degrees),
    widened by ``context`` of its span on each side."""
    with open(battle / "places.csv", newline="", encoding="utf-8") as fh:
        pts = [(float(r["lon"]), float(r["lat"])) for r in csv.DictReader(fh)
               if r.get("lat") and r.get("lon")]  # fmt: skip
    if not pts:
        raise SystemExit(f"{battle / 'places.csv'}: no place has coordinates")
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    dx = max((max(xs) - min(xs)) * 0.08, 0.05)
    dy = max((max(ys) - min(ys)) * 0.08, 0.05)
    w, e, s, n = min(xs) - dx, max(xs) + dx, min(ys) - dy, max(ys) + dy
    cx, cy = (e - w) * context, (n - s) * context
    return (round(w - cx, 3), round(s - cy, 3), round(e + cx, 3), round(n + cy, 3))


def _overlaps(bounds: Box, box: Box) -> bool:
    return not (
        bounds[2] < box[0] or bounds[0] > box[2] or bounds[3] < box[1] or bounds[1] > box[3]
    )


def _bounds(lines: Iterable[Line]) -> Box:
    lines = list(lines)
    xs = [p[0] for line in lines for p in line]
    ys = [p[1] for line in lines for p in line]
    return (min(xs), min(ys), max(xs), max(ys))


def build(args: argparse.Namespace) -> dict[str, object]:
    """The base map of ``args.battle`` as a GeoJSON FeatureCollection."""
    battle = Path(args.battle)
    spec = tomllib.loads((battle / "battle.toml").read_text(encoding="utf-8"))["battle"]
    centre = str(spec.get("centre", ""))
    box = extent(battle, args.context)
    tol = args.tolerance
    feats: list[dict[str, object]] = []
    used: set[str] = set()

    def add(f: dict[str, object] | None) -> None:
        if f is not None:
            feats.append(f)
            used.add(str(f["properties"]["layer"]))  # type: ignore[index]

    # Natural Earth water first (drawn at the bottom), then towns, roads, railways, outline.
    for path in args.lakes or []:
        for f in json.loads(Path(path).read_text(encoding="utf-8"))["features"]:
            if not f.get("geometry"):
                continue
            polys = polygons_of(f["geometry"])
            if _overlaps(_bounds(r for p in polys for r in p), box):
                name = f["properties"].get("name") or ""
                add(polygon_feature("lakes", polys, box, tol, {"name": name, "source": NE},
                                    min_area=tol * tol * 4))  # fmt: skip
    seen_rivers: set[str] = set()
    for path in args.rivers or []:
        for f in json.loads(Path(path).read_text(encoding="utf-8"))["features"]:
            if not f.get("geometry"):
                continue
            lines = lines_of(f["geometry"])
            key = json.dumps(lines[0][:2])
            if key in seen_rivers or not _overlaps(_bounds(lines), box):
                continue
            seen_rivers.add(key)
            name = f["properties"].get("name") or f["properties"].get("name_en") or ""
            add(line_feature("rivers", lines, box, tol, {"name": name, "source": NE}))
    centre_polys: list[list[Line]] = []
    if args.donbas:
        export = Path(args.donbas)
        towns = []
        for g, name, name_en, osm_id in gpkg_rows(
            export / "settlements.gpkg", '"name", "name:en", "id"'
        ):
            polys = polygons_of(g)
            if not polys or not _overlaps(_bounds(p[0] for p in polys), box):
                continue
            label = str(name_en or name)
            towns.append((label, str(name)))
            props = {"name": label, "osm_relation": int(osm_id), "source": OSM}  # type: ignore[call-overload]
            add(polygon_feature("built_up", polys, box, tol / 2, props))
            if centre and label == centre:
                centre_polys = polys
                add(polygon_feature("city_outline", polys, box, tol / 4, props))
        for label, name in towns:
            paths = [export / "shapes" / f"{n.lower()}_streets.gpkg" for n in (label, name)]
            path = next((p for p in paths if p.exists()), None)
            if path is None:
                continue
            by_class: dict[str, list[Line]] = {}
            for g, highway in gpkg_rows(path, '"highway"'):
                if highway in ROAD_CLASSES:
                    by_class.setdefault(str(highway), []).extend(lines_of(g))
            for cls in ROAD_CLASSES:
                if cls in by_class:
                    add(line_feature("roads", by_class[cls], box, tol / 2,
                                     {"name": label, "class": cls, "source": OSM}))  # fmt: skip
    between: list[str] = []
    for path in args.roads or []:
        by_class, src = road_lines(Path(path), box)
        for cls in sorted(by_class):
            f = line_feature("roads", by_class[cls], box, tol,
                             {"name": "between towns", "class": cls, "source": src})  # fmt: skip
            if f is not None:
                add(f)
                between.append(src)
    if args.rail:
        data = json.loads(Path(args.rail).read_text(encoding="utf-8"))
        lines = []
        for f in data["features"]:
            p = f.get("properties") or {}
            if f.get("geometry") is None:
                continue
            if "category" in p and str(p["category"]) not in ("1", "1.0"):
                continue  # Natural Earth's own file: keep its main lines, as the package does
            ls = lines_of(f["geometry"])
            if _overlaps(_bounds(ls), box):
                lines.extend(ls)
        add(line_feature("railways", lines, box, tol, {"name": "", "source": NE}))
    if centre and not centre_polys:
        print(f"warning: no outline for the centre {centre!r} in the inputs", file=sys.stderr)
    layers = {k: v for k, v in LAYERS.items() if k in used}
    if between:
        names = sorted({"Natural Earth 10m" if b == NE else "OpenStreetMap" for b in between})
        layers["roads"] = ROADS_ALL.format(", ".join(names))
    sources = sorted({str(f["properties"]["source"]) for f in feats})  # type: ignore[index]
    return {
        "type": "FeatureCollection",
        "name": f"{spec.get('id', battle.name)} base map",
        "generator": GENERATOR,
        "bbox": list(box),
        "attribution": "Base map: " + "; ".join(sources),
        "layers": layers,
        "features": feats,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("battle", help="battle folder (places.csv, battle.toml)")
    ap.add_argument("--donbas", help="the 'export' folder of cities-of-donbas-osm-export")
    ap.add_argument("--rail", help="ne_10m_railroads.geojson or the npm package's data.json")
    ap.add_argument("--rivers", nargs="*", help="Natural Earth 10m river GeoJSON files")
    ap.add_argument("--lakes", nargs="*", help="Natural Earth 10m lake GeoJSON files")
    ap.add_argument("--roads", nargs="*",
                    help="roads between towns: ne_10m_roads.geojson or an OpenStreetMap GeoJSON "
                    "extract (highway=motorway..tertiary)")  # fmt: skip
    ap.add_argument("--tolerance", type=float, default=0.0008, help="degrees (default 0.0008)")
    ap.add_argument("--context", type=float, default=0.25,
                    help="share of the map's span added on each side (default 0.25)")  # fmt: skip
    ap.add_argument("--out", help="output file (default: BATTLE/basemap.geojson)")
    ap.add_argument("--force", action="store_true", help="overwrite a file not written here")
    args = ap.parse_args(argv)
    out = Path(args.out or Path(args.battle) / "basemap.geojson")
    if out.exists() and not args.force:
        try:
            ours = json.loads(out.read_text(encoding="utf-8")).get("generator") == GENERATOR
        except (ValueError, AttributeError):
            ours = False
        if not ours:
            print(
                f"{out}: exists and was not written by {GENERATOR}; give --force", file=sys.stderr
            )
            return 2
    fc = build(args)
    text = json.dumps(fc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    out.write_text(text + "\n", encoding="utf-8")
    counts: dict[str, int] = {}
    for f in fc["features"]:  # type: ignore[union-attr]
        counts[f["properties"]["layer"]] = counts.get(f["properties"]["layer"], 0) + 1
    print(f"{out}: {len(text) / 1000:.0f} kB, bbox {fc['bbox']}, features {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
