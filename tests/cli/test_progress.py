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
        p.stage("c")  # b was cached: passed over
    lines = out.getvalue().splitlines()
    assert len(lines) == 3, lines
    assert re.fullmatch(r"report x: \[1/3\] a took 0\.\d s", lines[0]), lines[0]
    assert re.fullmatch(r"report x: \[3/3\] c took \d\.\d s", lines[1]), lines[1]
    assert lines[2].startswith("report x: done in ")
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
