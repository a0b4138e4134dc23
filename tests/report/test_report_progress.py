"""The progress lines of ``attrition report`` on a cached re-run (issue 16): every planned step
gets a line, and a step the cache served says so with the time it took when computed."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from attrition.cli import app
from attrition.cli._progress import format_seconds
from attrition.cli.report import report_plan


def test_a_cached_rerun_says_which_steps_were_cached(fresh_quick_report: Path) -> None:
    before = json.loads((fresh_quick_report / "summary.json").read_text(encoding="utf-8"))
    took = before["stage_seconds"]
    res = CliRunner().invoke(app, ["report", "--quick", "--out", str(fresh_quick_report)])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("report bakhmut: ")]
    plan = report_plan("bakhmut", quick=True)
    steps = [ln for ln in lines if re.match(r"report bakhmut: \[\d/\d\] ", ln)]
    assert len(steps) == len(plan) == 4, lines  # one line per step, the model's among them
    assert steps[0] == (
        f"report bakhmut: [1/4] evidence: cached (computed in {format_seconds(took['evidence'])})"
    )
    assert steps[1].startswith("report bakhmut: [2/4] validation: cached (computed in ")
    assert steps[2] == (
        "report bakhmut: [3/4] model (calibration, scenarios): cached (computed in "
        f"{format_seconds(took['model'])})"
    )
    assert re.fullmatch(r"report bakhmut: \[4/4\] render took \d+\.\d s", steps[3]), steps[3]
    assert lines[-1].startswith("report bakhmut: done in ")
