"""The report's map and month table: one weight-of-evidence rule, every place in view."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from attrition.report.evidence import evidence_sections, load_evidence


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, Path]:
    ev = load_evidence("bakhmut")
    out = tmp_path_factory.mktemp("fig")
    _, res = evidence_sections(ev, out)
    return ev, res["data"]["control-data"], out


def test_map_and_month_table_agree_and_bakhmut_is_russian_after_20_may(built) -> None:
    from attrition.report.evidence import control_table

    ev, data, _ = built
    table = control_table(ev["control"], ev["dates"]).set_index("place")
    for month in ("2023-06",):
        cell = str(table.loc["Bakhmut", month])
        assert cell.startswith("RU")
    dates = data["dates"]
    for i, d in enumerate(dates):
        if d >= "2023-05-21":
            assert data["states"]["Bakhmut"][i] == "RU", d
            assert "RU (" in data["hover"]["Bakhmut"][i]
    # every month cell of the table equals the map's state on the same date
    for month in table.columns:
        day = next(d for d in dates if d.startswith(month) and d[8:10] <= "07")
        i = dates.index(day)
        for place, cell in table[month].items():
            if place not in data["states"]:
                continue  # a line or area with no position: in the table, not on the map
            assert str(cell).split(" (")[0] == data["states"][place][i], (place, month)


def test_map_extent_covers_every_place_and_labels_do_not_collide(built) -> None:
    from attrition.report import figures as F

    ev, _data, _ = built
    places = ev["places"].dropna(subset=["lat", "lon"])
    xr, yr = F.map_extent(places)
    assert (places["lon"] > xr[0]).all()
    assert (places["lon"] < xr[1]).all()
    assert (places["lat"] > yr[0]).all()
    assert (places["lat"] < yr[1]).all()
    layout = F.label_layout(places, "Bakhmut")
    assert dict(zip(places["place"], layout, strict=True))["Bakhmut"] == "top center"
    assert sum(bool(p) for p in layout) >= 10  # most places keep a permanent label
    # the label boxes, recomputed here from lat/lon at the phone's scale and up to 3x (labels
    # keep their pixel size as the map grows): none intersect, and none covers another marker
    lat0 = float(places["lat"].mean())
    kx = 111.32 * math.cos(math.radians(lat0))
    base = min(
        F.MAP_PLOT_PX[0] / ((xr[1] - xr[0]) * kx), F.MAP_PLOT_PX[1] / ((yr[1] - yr[0]) * 111.32)
    )
    for k in (1.0, 1.1, 1.37, 1.8, 2.2, 3.0):  # scales between those the layout checks too
        s = base * k
        rows = places[["place", "lat", "lon"]].itertuples(index=False)
        pts = [((lon - xr[0]) * kx * s, (lat - yr[0]) * 111.32 * s, name)
               for name, lat, lon in rows]  # fmt: skip
        boxes = []
        for (x, y, name), pos in zip(pts, layout, strict=True):
            if not pos:
                continue
            r = 8.0 if name == "Bakhmut" else 5.0
            w, h = 6.0 * len(name) + 2.0, 13.0
            dx = {"top center": -w / 2, "bottom center": -w / 2, "middle right": r + 2,
                  "middle left": -r - 2 - w}[pos]  # fmt: skip
            dy = {"top center": r + 1, "bottom center": -r - 1 - h, "middle right": -h / 2,
                  "middle left": -h / 2}[pos]  # fmt: skip
            boxes.append((name, x + dx, y + dy, x + dx + w, y + dy + h))
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not (a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]), (
                    k, a[0], b[0])  # fmt: skip
            if a[0] == "Bakhmut":
                continue  # the centre's name may cover markers
            for x, y, name in pts:
                if name != a[0]:
                    assert not (a[1] < x + 5 and x - 5 < a[3] and a[2] < y + 5 and y - 5 < a[4]), (
                        k, a[0], name)  # fmt: skip


def test_map_hover_names_the_date_probability_and_claims(built) -> None:
    _, data, _ = built
    last = data["hover"]["Bakhmut"][-1]
    # the hover gives the date in the page's one format (e.g. 26 Jun 2023)
    import datetime as dt

    day = dt.date.fromisoformat(data["dates"][-1])
    assert f"{day.day} {day:%b %Y}" in last
    assert "%)" in last
    assert "ev" in last
