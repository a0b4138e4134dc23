"""The Bakhmut report in a real browser: Playwright driving Debian's chromium.

The report is served from localhost and opened at a phone's width (390 px) and a laptop's
(1280 px). The tests fail on any console error or any request that leaves localhost, and check
that every chart has data, that the time slider changes the map and a claim filter the
timeline, that nothing is wider than the viewport outside a scroll container, that no legend
overlaps an axis or subplot title, that each series has its own marker, that the map agrees
with the month table (Bakhmut Russian-held after 20 May 2023) and that the bibliography folds
and searches. In CI (``CI`` set) a missing browser is a failure,
elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _need_browser() -> None:
    missing = []
    if CHROMIUM is None:
        missing.append("chromium (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install playwright)")
    if missing:
        msg = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="module")
def served_report(quick_report: Path) -> Iterator[str]:
    _need_browser()
    out = quick_report
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(served_report: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


WIDTHS = (390, 1280)
"""A phone and a laptop: every test below runs at both widths."""


@pytest.fixture(scope="module", params=WIDTHS, ids=lambda w: f"{w}px")
def page(browser, served_report: str, request) -> Iterator[tuple[object, list[str], list[str]]]:
    errors: list[str] = []
    foreign: list[str] = []
    width = request.param
    pg = browser.new_page(viewport={"width": width, "height": 900 if width > 600 else 844})
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))

    def on_request(req: object) -> None:
        host = urlparse(req.url).hostname  # type: ignore[attr-defined]
        if host not in ("127.0.0.1", "localhost", None):
            foreign.append(req.url)  # type: ignore[attr-defined]

    pg.on("request", on_request)
    pg.goto(served_report, wait_until="load")
    pg.wait_for_function("document.getElementById('timeline-fig').dataset.points")
    pg.wait_for_timeout(300)  # the responsive charts settle to the width
    yield pg, errors, foreign
    pg.close()


def test_loads_without_console_errors_or_foreign_requests(page) -> None:
    pg, errors, foreign = page
    assert errors == []
    assert foreign == []
    assert "Bakhmut" in pg.title()


def test_every_chart_has_data(page) -> None:
    pg, _, _ = page
    counts = pg.evaluate(
        """() => Array.from(document.querySelectorAll('.plotly-graph-div')).map(d =>
             [d.id, d._fullData.reduce(
               (n, t) => n + Array.from(t.x || []).filter(v => v !== null).length, 0)])"""
    )
    assert len(counts) >= 4
    empty = [name for name, n in counts if n == 0]
    assert empty == []


def test_claim_filter_changes_timeline(page) -> None:
    pg, _, _ = page
    before = int(pg.get_attribute("#timeline-fig", "data-points"))
    pg.select_option("#filter-claimant-side", "RU")
    after = int(pg.get_attribute("#timeline-fig", "data-points"))
    pg.select_option("#filter-claimant-side", "all")
    assert 0 < after < before
    assert int(pg.get_attribute("#timeline-fig", "data-points")) == before


def _move_slider(pg, index: int) -> None:
    pg.fill("#map-slider", str(index))
    pg.dispatch_event("#map-slider", "input")


def test_time_slider_changes_map(page) -> None:
    pg, _, _ = page
    colours = "() => JSON.stringify(document.getElementById('map-fig').data[0].marker.color)"
    last = int(pg.get_attribute("#map-slider", "max"))
    late = pg.evaluate(colours)
    _move_slider(pg, 2)
    early = pg.evaluate(colours)
    assert pg.get_attribute("#map-fig", "data-date") == "2022-08-15"
    assert pg.text_content("#map-date") == "15 Aug 2022"  # the page's one date format
    assert early != late
    _move_slider(pg, last)


#: Whether an element is wider than the viewport outside any scroll container (a table scrolls
#: in its own box; the page itself must not).
OVERFLOW_JS = """() => {
  const vw = document.documentElement.clientWidth;
  const clipped = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || el.closest('#js-plotly-tester')) continue;
    if ((r.right > vw + 1 || r.left < -1) && !clipped(el)) {
      out.push(el.tagName + '#' + el.id + '.' + String(el.className.baseVal ?? el.className)
               + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
  }
  return {vw, scroll: document.documentElement.scrollWidth, out: out.slice(0, 10)};
}"""


def test_nothing_wider_than_the_viewport(page) -> None:
    pg, _, _ = page
    pg.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    res = pg.evaluate(OVERFLOW_JS)
    pg.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = false)")
    assert res["out"] == [], res
    assert res["scroll"] <= res["vw"], res


#: Bounding boxes of each chart's legend and of its titles (axis titles, subplot titles).
BOXES_JS = """() => Array.from(document.querySelectorAll('.plotly-graph-div')).map(d => {
  const box = el => { const r = el.getBoundingClientRect();
                      return [r.left, r.top, r.right, r.bottom]; };
  const legend = d.querySelector('g.legend');
  const titles = Array.from(d.querySelectorAll(
      '.infolayer [class*="title"] text, .infolayer .annotation-text-g text'))
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0);
  return {id: d.id, width: d.getBoundingClientRect().width,
          legend: legend && legend.getBoundingClientRect().width > 0 ? box(legend) : null,
          titles: titles.map(t => [t.textContent, box(t)])};
})"""


def _overlap(a: list[float], b: list[float]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def test_legends_clear_of_axis_and_subplot_titles(page) -> None:
    pg, _, _ = page
    vw = pg.evaluate("() => document.documentElement.clientWidth")
    clashes = []
    for chart in pg.evaluate(BOXES_JS):
        assert chart["width"] <= vw, chart["id"]
        titles = chart["titles"]
        if chart["legend"] is not None:
            clashes += [(chart["id"], text) for text, box in titles
                        if _overlap(chart["legend"], box) > 1.0]  # fmt: skip
        for i, (t1, b1) in enumerate(titles):  # titles clear of each other too
            clashes += [(chart["id"], t1, t2) for t2, b2 in titles[i + 1 :]
                        if _overlap(b1, b2) > 1.0]  # fmt: skip
    assert clashes == []


#: Every series a legend shows: (chart, name, marker colour and symbol or line colour and dash).
SERIES_JS = """() => Array.from(document.querySelectorAll('.plotly-graph-div')).flatMap(d =>
  d._fullData.filter(t => t.showlegend !== false && t.visible === true).map(t => {
    const m = (t.mode || '').includes('markers');
    return [d.id, t.name, m ? JSON.stringify([t.marker.color, t.marker.symbol])
                            : JSON.stringify([t.line && t.line.color, t.line && t.line.dash])];
  }))"""


def test_each_series_has_its_own_marker(page) -> None:
    pg, _, _ = page
    seen: dict[tuple[str, str], str] = {}
    dupes = []
    for chart, name, key in pg.evaluate(SERIES_JS):
        if (chart, key) in seen and seen[chart, key] != name:
            dupes.append((chart, seen[chart, key], name))
        seen[chart, key] = name
    assert dupes == []
    bakhmut = {name: key for chart, name, key in pg.evaluate(SERIES_JS)
               if chart == "context-fig" and name.startswith("Bakhmut")}  # fmt: skip
    assert set(bakhmut) == {"Bakhmut RU", "Bakhmut UA"}
    assert bakhmut["Bakhmut RU"] != bakhmut["Bakhmut UA"]


#: The map's place labels (their boxes on the page) and its plot area.
MAP_LABELS_JS = """() => { const d = document.getElementById('map-fig');
  const box = el => { const r = el.getBoundingClientRect();
                      return [r.left, r.top, r.right, r.bottom]; };
  const labels = Array.from(d.querySelectorAll('.scatterlayer g.textpoint text'))
    .filter(t => t.textContent.trim() && t.getBoundingClientRect().width > 0)
    .map(t => [t.textContent, box(t)]);
  return {labels: labels, plot: box(d.querySelector('.nsewdrag')),
          xrange: d._fullLayout.xaxis.range, yrange: d._fullLayout.yaxis.range,
          initial: d.layout.xaxis.range};
}"""


def test_map_labels_do_not_collide_and_the_extent_is_the_maps(page) -> None:
    pg, _, _ = page
    got = pg.evaluate(MAP_LABELS_JS)
    labels = got["labels"]
    assert len(labels) >= 10, labels  # most places keep a permanent label
    assert "Bakhmut" in {name for name, _ in labels}
    clashes = [(a, b) for i, (a, ba) in enumerate(labels) for b, bb in labels[i + 1 :]
               if _overlap(ba, bb) > 1.0]  # fmt: skip
    assert clashes == []
    # the aspect is kept by shrinking the plot, not by widening the longitude range
    assert got["xrange"] == pytest.approx(got["initial"], abs=1e-6)


def test_map_agrees_with_the_month_table_and_bakhmut_is_russian_after_20_may(page) -> None:
    pg, _, _ = page
    dates = pg.evaluate("() => JSON.parse(document.getElementById('control-data').textContent)"
                        ".dates")  # fmt: skip
    months = pg.evaluate(
        """() => Array.from(document.querySelectorAll('#month-table thead th'))
                   .map(th => th.dataset.key || th.textContent)"""
    )
    row = pg.evaluate(
        """() => Array.from(document.querySelectorAll('#month-table tbody tr'))
                   .map(tr => Array.from(tr.cells).map(td => td.textContent))
                   .find(cells => cells[0] === 'Bakhmut')"""
    )
    assert row is not None
    table = dict(zip(months[1:], row[1:], strict=True))
    checked = 0
    for i, day in enumerate(dates):
        month = day[:7]
        first = next(d for d in dates if d.startswith(month) and d[8:10] <= "07")
        if day != first and day < "2023-05-21":
            continue
        _move_slider(pg, i)
        state = pg.evaluate(
            """() => { const t = document.getElementById('map-fig').data[0];
                       const k = t.customdata.findIndex(c => c[0] === 'Bakhmut');
                       return [t.customdata[k][1], t.hovertext[k]]; }"""
        )
        if day >= "2023-05-21":
            assert state[0] == "RU", day
            assert "RU (" in state[1], day
        if day == first and month in table:
            assert table[month].split(" (")[0] == state[0], (day, table[month], state)
            checked += 1
    assert checked >= 10
    assert table["2023-06"].startswith("RU")
    _move_slider(pg, len(dates) - 1)


def test_bibliography_folds_and_searches(page) -> None:
    pg, _, _ = page
    assert not pg.is_visible("#bibliography-table")
    pg.click("#bibliography-details summary")
    assert pg.is_visible("#bibliography-table")
    total = pg.locator("#bibliography-table tbody tr").count()
    pg.fill("#bibliography-search", "Prigozhin")
    shown = pg.locator("#bibliography-table tbody tr:not([hidden])").count()
    assert 0 < shown < total
    assert pg.text_content("#bibliography-count") == f"{shown} of {total} claims"
    pg.fill("#bibliography-search", "")
    assert pg.locator("#bibliography-table tbody tr:not([hidden])").count() == total
    pg.click("#bibliography-details summary")


def test_tables_readable_without_javascript(browser, served_report: str) -> None:
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    pg = ctx.new_page()
    pg.goto(served_report)
    assert pg.locator("table").count() >= 4
    assert pg.locator("text=bk-c001").count() >= 1  # the bibliography lists claims
    ctx.close()


def test_screenshot_for_docs(page, tmp_path: Path) -> None:
    pg, _, _ = page
    shot = tmp_path / "report.png"
    pg.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
