"""Screenshots of a built report for the docs (sections at 1280 px, the headline at 390 px).

The top of the page, the evidence and the scenario sections at a laptop's width, and the
headline on a phone.

Usage: ``python tools/screenshot_report.py [REPORT_DIR] [--out docs/images]`` (default
``reports/bakhmut``). Needs Playwright and Debian's chromium (``make browser``). The page is
served from localhost, as in the browser tests.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", nargs="?", default=str(ROOT / "reports" / "bakhmut"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "images"))
    args = ap.parse_args()
    report = Path(args.report)
    if not (report / "index.html").exists():
        print(f"{report}: no index.html; build it with: attrition report", file=sys.stderr)
        return 2
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium not found; install it with: make browser", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(report))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url, wait_until="load")
            page.wait_for_function("document.getElementById('timeline-fig').dataset.points")
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / "report-top.png"))
            for section in ("evidence", "scenarios"):
                loc = page.locator(f"#{section}")
                if loc.count():
                    loc.screenshot(path=str(out / f"report-{section}.png"))
            phone = browser.new_page(viewport={"width": 390, "height": 844})
            phone.goto(url, wait_until="load")
            phone.wait_for_function("document.getElementById('timeline-fig').dataset.points")
            phone.evaluate("document.getElementById('headline').scrollIntoView({block: 'start'})")
            phone.wait_for_timeout(300)
            phone.screenshot(path=str(out / "report-phone.png"))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    print(f"wrote screenshots into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
