"""The packaged base maps: valid GeoJSON inside their extent, every declared layer present,
the gazetteer covered, the city outline around its city; malformed files fail in one line."""

from __future__ import annotations

import csv
import importlib.util
import itertools
import json
import shutil
from pathlib import Path

import pytest

import attrition
from attrition.data.basemap import AREA_LAYERS, LINE_LAYERS, battle_basemap, load_basemap
from attrition.data.battle import read_battle_toml
from attrition.errors import UserError

BATTLES = Path(attrition.__file__).parent / "data" / "battles"
PACKAGED = ("bakhmut", "avdiivka")
TOOL = Path(__file__).parents[2] / "tools" / "basemap" / "build.py"


def _strict(text: str) -> dict:
    def no_constant(name: str) -> None:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=no_constant)


def _places(battle: str) -> list[tuple[str, float, float]]:
    with open(BATTLES / battle / "places.csv", newline="", encoding="utf-8") as fh:
        return [(r["place"], float(r["lon"]), float(r["lat"])) for r in csv.DictReader(fh)
                if r["lat"] and r["lon"]]  # fmt: skip


def _inside(lon: float, lat: float, ring: list[tuple[float, float]]) -> bool:
    hit = False
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
            hit = not hit
    return hit


@pytest.mark.parametrize("battle", PACKAGED)
def test_packaged_basemap_is_valid_geojson_inside_its_extent(battle: str) -> None:
    folder = BATTLES / battle
    spec = read_battle_toml(folder / "battle.toml")
    assert spec.basemap == "basemap.geojson"
    path = folder / spec.basemap
    assert path.stat().st_size < 500_000
    raw = _strict(path.read_text(encoding="utf-8"))
    assert raw["type"] == "FeatureCollection"
    w, s, e, n = raw["bbox"]
    kinds = {"LineString", "MultiLineString", "Polygon", "MultiPolygon"}
    for f in raw["features"]:
        assert f["type"] == "Feature"
        assert f["geometry"]["type"] in kinds
        flat = json.dumps(f["geometry"]["coordinates"])
        nums = [float(v) for v in flat.replace("[", " ").replace("]", " ").split(",")]
        lons, lats = nums[0::2], nums[1::2]
        assert w <= min(lons)
        assert max(lons) <= e
        assert s <= min(lats)
        assert max(lats) <= n
    bm = battle_basemap(folder, spec)
    assert bm is not None
    # every declared layer has features, and the battle's map has all of them
    assert set(bm.layers) == set(bm.layer_ids())
    assert {"built_up", "city_outline", "roads", "railways", "rivers"} <= set(bm.layers)
    assert "OpenStreetMap" in bm.attribution
    assert "Natural Earth" in bm.attribution


@pytest.mark.parametrize("battle", PACKAGED)
def test_basemap_covers_the_gazetteer_and_outlines_the_centre(battle: str) -> None:
    folder = BATTLES / battle
    spec = read_battle_toml(folder / "battle.toml")
    bm = battle_basemap(folder, spec)
    assert bm is not None
    w, s, e, n = bm.bbox
    places = _places(battle)
    assert all(w < lon < e and s < lat < n for _, lon, lat in places)
    (lon, lat) = next((x, y) for p, x, y in places if p == spec.centre)
    outline = bm.polygons["city_outline"]
    assert any(_inside(lon, lat, poly[0]) for poly in outline)
    # and a place well away from the centre is outside it
    far = [(x, y) for p, x, y in places if abs(x - lon) + abs(y - lat) > 0.15]
    assert far
    assert not any(_inside(x, y, poly[0]) for x, y in far for poly in outline)


def test_battle_without_basemap_has_none(tmp_path: Path) -> None:
    folder = tmp_path / "avdiivka"
    shutil.copytree(BATTLES / "avdiivka", folder)
    toml = folder / "battle.toml"
    toml.write_text("\n".join(line for line in toml.read_text(encoding="utf-8").splitlines()
                              if not line.startswith("basemap")), encoding="utf-8")  # fmt: skip
    spec = read_battle_toml(toml)
    assert spec.basemap == ""
    assert battle_basemap(folder, spec) is None


def _write(tmp_path: Path, **changes: object) -> Path:
    fc: dict = {
        "type": "FeatureCollection",
        "bbox": [37.0, 48.0, 38.0, 49.0],
        "attribution": "Base map: test",
        "layers": {"roads": "r", "built_up": "b"},
        "features": [
            {"type": "Feature", "properties": {"layer": "roads"},
             "geometry": {"type": "LineString", "coordinates": [[37.1, 48.1], [37.2, 48.2]]}},
            {"type": "Feature", "properties": {"layer": "built_up"},
             "geometry": {"type": "Polygon", "coordinates": [[[37.1, 48.1], [37.2, 48.1],
                                                              [37.2, 48.2], [37.1, 48.1]]]}},
        ],
    }  # fmt: skip
    fc.update(changes)
    path = tmp_path / "basemap.geojson"
    path.write_text(json.dumps(fc), encoding="utf-8")
    return path


def test_a_small_valid_file_loads(tmp_path: Path) -> None:
    bm = load_basemap(_write(tmp_path))
    assert bm.lines["roads"] == [[(37.1, 48.1), (37.2, 48.2)]]
    assert len(bm.polygons["built_up"]) == 1
    assert bm.layer_ids() == ["built_up", "roads"]
    assert set(LINE_LAYERS).isdisjoint(AREA_LAYERS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"bbox": [37.0, 48.0, 37.15, 49.0]}, "outside the bbox"),
        (
            {"layers": {"roads": "r", "built_up": "b", "motorways": "m"}},
            "unknown layer 'motorways'",
        ),
        ({"layers": {"roads": "r"}}, "'built_up' is not declared"),
        (
            {"layers": {"roads": "r", "built_up": "b", "rivers": "w"}},
            "layer 'rivers' has no feature",
        ),
        ({"attribution": ""}, "'attribution'"),
        ({"type": "Feature"}, "not a GeoJSON FeatureCollection"),
    ],
)
def test_malformed_basemap_fails_in_one_line(tmp_path: Path, change: dict, message: str) -> None:
    path = _write(tmp_path, **change)
    with pytest.raises(UserError, match=message) as err:
        load_basemap(path)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_open_ring_and_wrong_geometry_fail(tmp_path: Path) -> None:
    open_ring = [[[37.1, 48.1], [37.2, 48.1], [37.2, 48.2], [37.3, 48.3]]]
    feats = [{"type": "Feature", "properties": {"layer": "built_up"},
              "geometry": {"type": "Polygon", "coordinates": open_ring}}]  # fmt: skip
    with pytest.raises(UserError, match="feature 0 geometry: a ring is not closed"):
        load_basemap(_write(tmp_path, layers={"built_up": "b"}, features=feats))
    square = [[[37.1, 48.1], [37.2, 48.1], [37.2, 48.2], [37.1, 48.1]]]
    feats = [{"type": "Feature", "properties": {"layer": "roads"},
              "geometry": {"type": "Polygon", "coordinates": square}}]  # fmt: skip
    with pytest.raises(UserError, match="'Polygon' in line layer 'roads'"):
        load_basemap(_write(tmp_path, layers={"roads": "r"}, features=feats))


def test_missing_file_and_path_outside_the_folder(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such base-map file"):
        load_basemap(tmp_path / "nope.geojson")
    folder = tmp_path / "avdiivka"
    shutil.copytree(BATTLES / "avdiivka", folder)
    toml = folder / "battle.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('basemap = "basemap.geojson"', 'basemap = "../basemap.geojson"')
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match="outside the battle folder"):
        battle_basemap(folder, read_battle_toml(toml))


def _tool():  # the build tool is a script, not part of the package
    spec = importlib.util.spec_from_file_location("basemap_build", TOOL)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_build_tool_clips_and_simplifies() -> None:
    t = _tool()
    box = (0.0, 0.0, 1.0, 1.0)
    # a line crossing the box leaves one piece, cut at the edges
    assert t.clip_line([(-1.0, 0.5), (2.0, 0.5)], box) == [[(0.0, 0.5), (1.0, 0.5)]]
    # a line leaving and re-entering gives two pieces
    assert len(t.clip_line([(0.5, 0.5), (0.5, 2.0), (0.7, 0.5)], box)) == 2
    # a square bigger than the box is clipped to the box
    ring = t.clip_ring([(-1.0, -1.0), (2.0, -1.0), (2.0, 2.0), (-1.0, 2.0), (-1.0, -1.0)], box)
    assert sorted(set(ring)) == [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    assert t.clip_ring([(5.0, 5.0), (6.0, 5.0), (6.0, 6.0), (5.0, 5.0)], box) == []
    # Douglas-Peucker drops a point closer than the tolerance and keeps a far one
    assert t.simplify([(0.0, 0.0), (0.5, 0.001), (1.0, 0.0)], 0.01) == [(0.0, 0.0), (1.0, 0.0)]
    assert len(t.simplify([(0.0, 0.0), (0.5, 0.1), (1.0, 0.0)], 0.01)) == 3
