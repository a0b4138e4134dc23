"""The classic validations report: written atomically, self-contained, numbers recomputed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attrition.cli import app


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    res = CliRunner().invoke(app, ["report", "classic", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_report_is_self_contained(report_dir: Path) -> None:
    page = (report_dir / "index.html").read_text(encoding="utf-8")
    assert "Iwo Jima" in page
    assert "Ardennes" in page
    # Plotly is inlined, nothing is fetched at view time
    assert "<script src=" not in page
    assert '<link href="http' not in page
    assert 'src="http' not in page
    assert page.count('class="plotly-graph-div"') >= 2
    assert not list(report_dir.glob("*.tmp"))


def test_summary_holds_recomputed_engel_and_variants(report_dir: Path) -> None:
    summary = json.loads((report_dir / "summary.json").read_text())
    assert summary["iwo_jima"]["engel"]["us"] == pytest.approx(0.0106, rel=0.04)
    assert len(summary["ardennes"]["ratio_regression"]) == 24
    assert summary["iwo_jima"]["max_relative_tracking_error"] < 0.05
    assert all(len(h) == 64 for h in summary["inputs"].values())


def test_unknown_report_and_unwritable_folder(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["report", "verdun"])
    assert res.exit_code == 2
    assert "unknown battle 'verdun'; valid: avdiivka, bakhmut, classic" in res.stderr
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    res = CliRunner().invoke(app, ["report", "--out", str(blocker / "sub")])
    assert res.exit_code == 2
    assert "cannot write there" in res.stderr
    assert res.stderr.count("\n") == 1
