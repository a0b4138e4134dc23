"""The Bakhmut report in a real browser: Playwright driving Debian's chromium.

The report is served from localhost; the test fails on any console error or any request that
leaves localhost, checks that every chart has data, that the time slider changes the map and
that a claim filter changes the timeline. In CI (``CI`` set) a missing browser is a failure,
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


@pytest.fixture(scope="module")
def page(browser, served_report: str) -> Iterator[tuple[object, list[str], list[str]]]:
    errors: list[str] = []
    foreign: list[str] = []
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))

    def on_request(req: object) -> None:
        host = urlparse(req.url).hostname  # type: ignore[attr-defined]
        if host not in ("127.0.0.1", "localhost", None):
            foreign.append(req.url)  # type: ignore[attr-defined]

    pg.on("request", on_request)
    pg.goto(served_report, wait_until="load")
    pg.wait_for_function("document.getElementById('timeline-fig').dataset.points")
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


def test_time_slider_changes_map(page) -> None:
    pg, _, _ = page
    colours = "() => JSON.stringify(document.getElementById('map-fig').data[0].marker.color)"
    late = pg.evaluate(colours)
    pg.fill("#map-slider", "2")
    pg.dispatch_event("#map-slider", "input")
    early = pg.evaluate(colours)
    assert pg.get_attribute("#map-fig", "data-date") == "2022-08-15"
    assert early != late


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
