"""Progress of the long commands (:mod:`attrition.cli._progress`): one plain line per stage with
its time when stderr is a log, a bar with an ETA on a terminal."""

from __future__ import annotations

import io
import re
import time

import pytest

from attrition.cli import _progress
from attrition.cli._progress import StageProgress, format_seconds


def test_a_log_gets_one_line_per_stage_with_its_time() -> None:
    out = io.StringIO()
    with StageProgress("report x", ["a", "b", "c"], live=False, stream=out) as p:
        p.stage("a")
        time.sleep(0.05)
        p.stage("c")  # b never started: passed over, with a line
    lines = out.getvalue().splitlines()
    assert len(lines) == 4, lines
    assert re.fullmatch(r"report x: \[1/3\] a took 0\.\d s", lines[0]), lines[0]
    assert lines[1] == "report x: [2/3] b: skipped"
    assert re.fullmatch(r"report x: \[3/3\] c took \d\.\d s", lines[2]), lines[2]
    assert lines[3].startswith("report x: done in ")
    assert "\r" not in out.getvalue()  # no spinner frames
    assert "\x1b" not in out.getvalue()
    assert [name for name, _ in p.timings] == ["a", "c"]
    assert p.timings[0][1] >= 0.05


def test_a_failing_run_adds_nothing_to_its_error() -> None:
    out = io.StringIO()
    progress = StageProgress("run", ["a", "b"], live=False, stream=out)

    def fail() -> None:
        with progress as p:
            p.stage("a")
            p.stage("b")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, lines  # the stage that finished; nothing for the failed one
    assert lines[0].startswith("run: [1/2] a took ")


def test_a_long_stage_in_a_log_says_it_is_still_running(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    with StageProgress("run", ["slow"], live=False, stream=out, heartbeat=0.2) as p:
        p.stage("slow")
        time.sleep(0.6)  # the heartbeat thread polls every min(heartbeat, 5) s
    text = out.getvalue()
    assert "[1/1] slow still running" in text
    assert text.splitlines()[-2].startswith("run: [1/1] slow took")


def test_the_terminal_bar_shows_the_stage_and_an_eta(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=120)
    monkeypatch.setattr("rich.console.Console", lambda **_: console)
    with StageProgress("report x", ["a", "b"], expected={"a": 100, "b": 200}, live=True) as p:
        p.stage("a")
        p._bar.refresh()
        shown = buf.getvalue()
    assert "report x: a" in shown
    assert "1/2" in shown
    assert re.search(r"ETA (4 min 5\d|5 min 00) s", shown), shown  # 100 s in a + 200 s in b
    assert "report x: done" in buf.getvalue()


def test_format_seconds() -> None:
    assert format_seconds(3.21) == "3.2 s"
    assert format_seconds(245) == "4 min 05 s"
    assert format_seconds(3720) == "1 h 02 min"


def test_live_defaults_to_whether_stderr_is_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_progress, "stderr_is_terminal", lambda: False)
    assert StageProgress("x").live is False
    monkeypatch.setattr(_progress, "stderr_is_terminal", lambda: True)
    assert StageProgress("x").live is True


def _cached_rerun(p: StageProgress) -> None:
    """What a cached re-run of the Bakhmut report tells its progress: the model stage is served
    before anything starts and never announced; evidence and validation are announced, then
    served; render runs."""
    p.cached("model", 491.8)
    p.stage("evidence")
    p.cached("evidence", 23.0)
    p.stage("validation")
    p.cached("validation", 50.31)
    p.stage("render")


def test_a_cached_rerun_in_a_log_has_a_line_for_every_step() -> None:
    out = io.StringIO()
    plan = ["evidence", "validation", "model", "render"]
    with StageProgress("report bakhmut", plan, live=False, stream=out) as p:
        _cached_rerun(p)
    lines = out.getvalue().splitlines()
    assert lines[:3] == [
        "report bakhmut: [1/4] evidence: cached (computed in 23.0 s)",
        "report bakhmut: [2/4] validation: cached (computed in 50.3 s)",
        "report bakhmut: [3/4] model: cached (computed in 8 min 12 s)",
    ], lines
    assert re.fullmatch(r"report bakhmut: \[4/4\] render took \d\.\d s", lines[3]), lines[3]
    assert lines[4].startswith("report bakhmut: done in ")
    assert len(lines) == 5


def test_a_cached_last_step_and_labels() -> None:
    out = io.StringIO()
    labels = {"wait": "model (calibration)"}
    with StageProgress("r", ["a", "wait"], labels=labels, live=False, stream=out) as p:
        p.stage("a")
        p.cached("wait", None)  # served, never announced, and the last step
        p.cached("not planned", 3.0)  # ignored
    lines = out.getvalue().splitlines()
    assert lines[1] == "r: [2/2] model (calibration): cached", lines
    assert len(lines) == 3


def test_the_terminal_prints_every_step_above_the_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=120)
    monkeypatch.setattr("rich.console.Console", lambda **_: console)
    plan = ["evidence", "validation", "model", "render"]
    expected = {"evidence": 20, "validation": 50, "model": 500, "render": 5}
    with StageProgress("report bakhmut", plan, expected=expected, live=True) as p:
        _cached_rerun(p)
        p._bar.refresh()
        # the cached steps no longer count in the ETA: only render's 5 s are left
        assert re.search(r"ETA [0-5]\.\d s", buf.getvalue()), buf.getvalue()
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buf.getvalue())
    for line in (
        "report bakhmut: [1/4] evidence: cached (computed in 23.0 s)",
        "report bakhmut: [2/4] validation: cached (computed in 50.3 s)",
        "report bakhmut: [3/4] model: cached (computed in 8 min 12 s)",
        "report bakhmut: [4/4] render took",
    ):
        assert line in shown, shown
    assert "report bakhmut: done" in shown
