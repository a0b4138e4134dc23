"""The evidence report of any battle folder: sides come from battle.toml, never from the code."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from attrition.data.claims import BATTLES_DIR
from attrition.report.build import build_report

RENAME = {"UA": "AZURE", "RU": "CRIMSON"}
SIDE_COLUMNS = ("claimant_side", "subject_side", "by_side")


def _renamed_avdiivka(dest: Path) -> Path:
    """A copy of the Avdiivka folder whose sides are AZURE and CRIMSON (not UA and RU)."""
    shutil.copytree(BATTLES_DIR / "avdiivka", dest)
    toml = dest / "battle.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace('id = "avdiivka"', 'id = "avdiivka-renamed"')
    for old, new in RENAME.items():
        text = text.replace(f'id = "{old}"', f'id = "{new}"')
        # keys naming a side (the [fusion] table's leaves, e.g. `RU = { shapes = ... }`)
        text = re.sub(rf"(?m)^(\s*){old}(\s*=)", rf"\g<1>{new}\g<2>", text)
    toml.write_text(text, encoding="utf-8")
    for name in ("claims.csv", "events.csv"):
        path = dest / name
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        fields = list(rows[0])
        for r in rows:
            for col in SIDE_COLUMNS:
                if col in r:
                    r[col] = RENAME.get(r[col], r[col])
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fields, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    return dest


@pytest.fixture(scope="module")
def renamed_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("renamed")
    folder = _renamed_avdiivka(root / "battle")
    result = build_report(root / "out", battle=str(folder), quick=True, cache=False)
    return result.path, result.summary


def test_made_up_sides_reach_the_fused_estimate_table(renamed_report: tuple[Path, dict]) -> None:
    page_path, summary = renamed_report
    page = page_path.read_text(encoding="utf-8")
    est = summary["estimate"]
    assert summary["battle"] == est["battle"] == "avdiivka-renamed"
    assert sorted(est["sides"]) == ["AZURE", "CRIMSON"]
    assert est["exchange_ratio_sides"] == ["AZURE", "CRIMSON"]  # alphabetical ids
    # the fused-estimate section: one row per made-up side, the ratio named by their ids
    section = page[page.index('id="estimate"') :]
    section = section[: section.index("</section>")]
    for side in ("AZURE", "CRIMSON"):
        assert f"<td>{side}</td>" in section
    assert "exchange ratio (AZURE per CRIMSON casualty)" in section
    assert not re.search(r"<td>(RU|UA|WAGNER)</td>", section)
    # the headline reads the labels of battle.toml; the map legend and filters the new ids
    assert "Exchange ratio (Russia per Ukraine casualty)" not in page
    assert re.search(r"<td>(AZURE|CRIMSON) \(\d+%\)</td>", page)
    data = json.loads(
        re.search(
            r'<script type="application/json" id="state-colours">(.*?)</script>', page, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    assert {"AZURE", "CRIMSON", "AZURE claimed", "CRIMSON claimed"} <= set(data)
    assert "Not available for this battle" in page  # no battle model for it
