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
    assert "© OpenStreetMap contributors (ODbL)" in note[0].text
    assert "Natural Earth (public domain)" in note[0].text
    assert "railways" in note[0].text
    assert "rivers" in note[0].text
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
