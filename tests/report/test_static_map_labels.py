"""The static control map (PNG/SVG of the report): labels never overlap, every place that has
room gets one (an inset enlarges a crowded part), the legend hides no place, and the title
writes its date as the page does (issue 16)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import attrition
from attrition.data.basemap import battle_basemap
from attrition.data.battle import read_battle_toml
from attrition.data.claims import load_places
from attrition.report import figures as F

BATTLES = Path(attrition.__file__).parent / "data" / "battles"


def _map(battle: str, states: dict[str, str] | None = None):
    folder = BATTLES / battle
    spec = read_battle_toml(folder / "battle.toml")
    places = load_places(folder).dropna(subset=["lat", "lon"])
    bm = battle_basemap(folder, spec)
    fig, labels, dropped = F.static_map_figure(
        places, states or {}, F.Palette.of(spec), "2023-06-26", spec.centre, basemap=bm
    )
    fig.canvas.draw()
    return fig, labels, dropped, places


@pytest.mark.parametrize("battle", ["bakhmut", "avdiivka"])
def test_labels_do_not_overlap_and_stay_in_their_map(battle: str) -> None:
    import matplotlib.pyplot as plt

    fig, labels, dropped, places = _map(battle, {"Bakhmut": "RU", "Avdiivka": "UA"})
    from matplotlib.text import Text

    renderer = fig.canvas.get_renderer()
    boxes = [Text.get_window_extent(t, renderer) for t in labels]  # the text, not its line
    for (a, ta), (b, tb) in itertools.combinations(zip(boxes, labels, strict=True), 2):
        assert not a.overlaps(b), (ta.get_text(), tb.get_text())
    for t, box in zip(labels, boxes, strict=True):  # inside the map (or the inset) it labels
        frame = t.axes.get_window_extent(renderer)
        assert frame.x0 <= box.x0, t.get_text()
        assert box.x1 <= frame.x1, t.get_text()
        assert frame.y0 <= box.y0, t.get_text()
        assert box.y1 <= frame.y1, t.get_text()
    named = {t.get_text() for t in labels}
    assert named | set(dropped) == set(places["place"])  # every place: a label, or listed
    assert not named & set(dropped)
    if dropped:  # the places left without a label are named under the map
        note = [t.get_text() for t in fig.texts if t.get_text().startswith("No room")]
        assert len(note) == 1
        assert all(name in note[0] for name in dropped)
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(ax.get_window_extent(renderer))  # outside: hides no place
    assert ax.get_title().endswith(", 26 Jun 2023")  # the page's date format, not ISO
    plt.close(fig)


def test_avdiivka_labels_every_place_and_bakhmut_nearly_every() -> None:
    import matplotlib.pyplot as plt

    fig, labels, dropped, places = _map("avdiivka")
    assert dropped == []
    assert len(labels) == len(places) == 18
    plt.close(fig)
    fig, labels, dropped, places = _map("bakhmut")
    assert "Bakhmut" in {t.get_text() for t in labels}
    assert len(dropped) <= 3, dropped  # the crowded places around the city are in the inset
    assert len(fig.axes[0].child_axes) == 1
    plt.close(fig)


def test_static_map_writes_png_and_svg(tmp_path: Path) -> None:
    folder = BATTLES / "avdiivka"
    spec = read_battle_toml(folder / "battle.toml")
    places = load_places(folder).dropna(subset=["lat", "lon"])
    paths = F.static_map(places, {}, F.Palette.of(spec), "20 May 2023", str(tmp_path / "m"),
                         spec.centre)  # fmt: skip
    assert [Path(p).suffix for p in paths] == [".png", ".svg"]
    svg = Path(paths[1]).read_text(encoding="utf-8")
    assert "20 May 2023" in svg
