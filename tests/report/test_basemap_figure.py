"""The control map draws the packaged base map under the place markers (offline), and a
battle without one draws none."""

from __future__ import annotations

from pathlib import Path

import pytest

import attrition
from attrition.data.basemap import battle_basemap
from attrition.data.battle import read_battle_toml
from attrition.data.claims import load_places
from attrition.report import figures as F

FOLDER = Path(attrition.__file__).parent / "data" / "battles" / "bakhmut"


@pytest.fixture(scope="module")
def inputs():
    spec = read_battle_toml(FOLDER / "battle.toml")
    places = load_places(FOLDER).dropna(subset=["lat", "lon"])
    bm = battle_basemap(FOLDER, spec)
    assert bm is not None
    states = {"Bakhmut": "RU", "Chasiv Yar": "UA"}
    return spec, places, F.Palette.of(spec), bm, states


def test_map_figure_draws_every_layer_below_the_markers(inputs) -> None:
    spec, places, palette, bm, states = inputs
    plain = F.map_figure(places, states, palette, spec.centre)
    fig = F.map_figure(places, states, palette, spec.centre, basemap=bm)
    shapes = {s.name: s for s in fig.layout.shapes}
    assert set(shapes) == {f"basemap:{k}" for k in bm.layer_ids()}
    assert all(s.layer == "below" and s.type == "path" and s.path.startswith("M")
               for s in shapes.values())  # fmt: skip
    # drawn in order: towns first, the city outline last; areas closed, lines open
    order = [s.name for s in fig.layout.shapes]
    assert order[0] == "basemap:built_up"
    assert order[-1] == "basemap:city_outline"
    assert shapes["basemap:built_up"].path.endswith("Z")
    assert "Z" not in shapes["basemap:railways"].path
    # the traces are those of the plain map: trace 0 is still the places (the slider
    # restyles it) and the base map adds no trace and no hover
    assert [t.name for t in fig.data] == [t.name for t in plain.data]
    assert fig.data[0].name == "places"
    note = [a for a in fig.layout.annotations if a.name == "basemap-attribution"]
    assert len(note) == 1
    text = note[0].text.replace("<br>", " ")  # wrapped to a phone's width
    assert "© OpenStreetMap contributors (ODbL)" in text
    assert "Natural Earth (public domain)" in text
    assert "railways" in text
    assert "rivers" in text
    # the map's view is still the gazetteer's extent, inside the base map
    w, s, e, n = bm.bbox
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    assert w <= x0 < x1 <= e
    assert s <= y0 < y1 <= n


def test_map_figure_without_basemap_draws_none(inputs) -> None:
    spec, places, palette, _, states = inputs
    fig = F.map_figure(places, states, palette, spec.centre)
    assert not fig.layout.shapes
    assert not [a for a in fig.layout.annotations if a.name == "basemap-attribution"]


def test_static_map_draws_the_basemap_and_its_attribution(inputs, tmp_path: Path) -> None:
    spec, places, palette, bm, states = inputs
    with_bm = F.static_map(places, states, palette, "20 May 2023", str(tmp_path / "a"),
                           spec.centre, basemap=bm)  # fmt: skip
    without = F.static_map(places, states, palette, "20 May 2023", str(tmp_path / "b"),
                           spec.centre)  # fmt: skip
    svg_a = Path(next(p for p in with_bm if p.endswith(".svg"))).read_text(encoding="utf-8")
    svg_b = Path(next(p for p in without if p.endswith(".svg"))).read_text(encoding="utf-8")
    assert "OpenStreetMap" in svg_a
    assert "OpenStreetMap" not in svg_b
    assert svg_a.count("<path") > svg_b.count("<path") + 100  # the lines and areas


@pytest.mark.parametrize("battle", ["bakhmut", "avdiivka"])
def test_packaged_basemap_has_roads_inside_its_extent(battle: str) -> None:
    """Each packaged base map carries a roads layer whose every vertex lies inside the map's
    bbox, and the bbox covers every place of the battle's gazetteer (so no place is drawn
    off the base map). The roads layer says what it leaves out (roads between towns)."""
    folder = FOLDER.parent / battle
    bm = battle_basemap(folder, read_battle_toml(folder / "battle.toml"))
    assert bm is not None
    assert "roads" in bm.layer_ids()
    roads = bm.lines["roads"]
    assert len(roads) >= 100
    w, s, e, n = bm.bbox
    lons = [x for line in roads for x, _ in line]
    lats = [y for line in roads for _, y in line]
    assert w <= min(lons)
    assert max(lons) <= e
    assert s <= min(lats)
    assert max(lats) <= n
    # the roads reach across the map, not only around the centre
    assert max(lons) - min(lons) > 0.5 * (e - w)
    places = load_places(folder).dropna(subset=["lat", "lon"])
    assert len(places) > 0
    assert places["lon"].between(w, e).all()
    assert places["lat"].between(s, n).all()
    assert "between towns" in bm.layers["roads"]


def _build_tool():
    """tools/basemap/build.py, imported from its file (the tools are not a package)."""
    import importlib.util

    path = Path(__file__).parents[2] / "tools" / "basemap" / "build.py"
    spec = importlib.util.spec_from_file_location("basemap_build", path)
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _road(kind: str, coords: list[list[float]], **props: object) -> dict[str, object]:
    return {"type": "Feature", "properties": props,
            "geometry": {"type": kind, "coordinates": coords}}  # fmt: skip


def test_build_tool_adds_roads_between_towns_clipped_to_the_extent(tmp_path: Path) -> None:
    """``--roads`` keeps Natural Earth's highways (not its tracks), clips them to the extent
    and says in the layer description that the roads between towns are drawn."""
    import json

    tool = _build_tool()
    battle = tmp_path / "battle"
    battle.mkdir()
    (battle / "battle.toml").write_text('[battle]\nid = "t"\ncentre = "A"\n', encoding="utf-8")
    (battle / "places.csv").write_text(
        "place,lat,lon\nA,48.0,38.0\nB,48.4,38.4\n", encoding="utf-8"
    )
    roads = tmp_path / "ne_10m_roads.geojson"
    ne = {"featurecla": "Road", "sov_a3": "UKR"}
    roads.write_text(json.dumps({"type": "FeatureCollection", "features": [
        _road("LineString", [[37.0, 48.2], [39.0, 48.2]], type="Major Highway", **ne),
        _road("MultiLineString", [[[38.1, 47.0], [38.1, 49.0]]], type="Secondary Highway", **ne),
        _road("LineString", [[38.0, 48.1], [38.3, 48.3]], type="Track", **ne),
        _road("LineString", [[10.0, 50.0], [11.0, 50.0]], type="Major Highway", **ne),
    ]}), encoding="utf-8")  # fmt: skip
    out = tmp_path / "basemap.geojson"
    assert tool.main([str(battle), "--roads", str(roads), "--context", "0", "--out", str(out)]) == 0
    from attrition.data.basemap import load_basemap

    bm = load_basemap(out)
    assert bm.layer_ids() == ["roads"]
    assert "between them (Natural Earth 10m)" in bm.layers["roads"]
    w, s, e, n = bm.bbox
    assert (w, s, e, n) == (37.95, 47.95, 38.45, 48.45)  # places +- 0.05 degrees
    lines = bm.lines["roads"]
    assert len(lines) == 2  # the highway and the secondary road; not the track nor Germany
    flat = [p for line in lines for p in line]
    assert {round(x, 4) for x, _ in flat} >= {w, e, 38.1}
    assert all(w <= x <= e and s <= y <= n for x, y in flat)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {f["properties"]["class"] for f in data["features"]} == {"major", "secondary"}
    assert data["attribution"] == "Base map: Natural Earth (public domain)"


def test_build_tool_refuses_a_road_file_mixing_sources(tmp_path: Path) -> None:
    import json

    tool = _build_tool()
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        _road("LineString", [[38.0, 48.0], [38.2, 48.2]], featurecla="Road", type="Major Highway"),
        _road("LineString", [[38.0, 48.1], [38.2, 48.1]], highway="primary"),
        _road("LineString", [[38.0, 48.1], [38.2, 48.3]], highway="footway"),
    ]}), encoding="utf-8")  # fmt: skip
    with pytest.raises(SystemExit, match="mixes Natural Earth and OpenStreetMap"):
        tool.road_lines(path, (37.9, 47.9, 38.5, 48.5))
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        _road("LineString", [[38.0, 48.1], [38.2, 48.1]], highway="primary"),
        _road("LineString", [[38.0, 48.1], [38.2, 48.3]], highway="footway"),
    ]}), encoding="utf-8")  # fmt: skip
    by_class, src = tool.road_lines(path, (37.9, 47.9, 38.5, 48.5))
    assert list(by_class) == ["primary"]
    assert src == "© OpenStreetMap contributors (ODbL)"


def test_key_labels_the_roads_by_what_the_layer_holds(inputs) -> None:
    """The key says "main streets in towns" for the packaged roads (in-town streets only) and
    "main roads" once the layer's description names the roads between towns."""
    from dataclasses import replace

    from attrition.data.basemap import ROADS_BETWEEN_LABEL, key_text, layer_label

    bm = inputs[3]
    assert layer_label(bm, "roads") == "main streets in towns (tan)"
    assert "main streets in towns" in key_text(bm)
    tool = _build_tool()
    wider = replace(bm, layers={**bm.layers, "roads": tool.ROADS_ALL.format("Natural Earth 10m")})
    assert layer_label(wider, "roads") == ROADS_BETWEEN_LABEL
    assert "main streets in towns" not in key_text(wider)
    assert layer_label(wider, "rivers") == "rivers (blue)"
