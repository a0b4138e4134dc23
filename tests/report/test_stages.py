"""The stage runner of :mod:`attrition.report.stages`: a cached stage keeps the seconds of the
run that computed it, and says it was cached."""

from __future__ import annotations

import json
import time
from pathlib import Path

from attrition.report.cache import StageCache
from attrition.report.stages import StageRun


def _run(tmp_path: Path, name: str) -> StageRun:
    work = tmp_path / name
    (work / "figures").mkdir(parents=True)
    return StageRun(work, StageCache(tmp_path / "cache"), {"claims.csv": "ab"}, 0, True)


def _slow_stage(d: Path) -> dict[str, int]:
    (d / "fig.svg").write_text("<svg/>", encoding="utf-8")
    time.sleep(0.2)
    return {"answer": 42}


def test_a_cached_stage_keeps_the_computing_runs_seconds(tmp_path: Path) -> None:
    first = _run(tmp_path, "one")
    assert first.run("evidence", _slow_stage) == {"answer": 42}
    assert first.stages == {"evidence": "computed"}
    took = first.seconds["evidence"]
    assert took >= 0.2

    calls: list[Path] = []
    second = _run(tmp_path, "two")
    again = second.run("evidence", lambda d: calls.append(d))
    assert again == {"answer": 42}
    assert not calls  # served from the cache
    assert second.stages == {"evidence": "cached"}
    assert second.seconds == {"evidence": took}  # not 0.0: the time the stage costs
    assert (second.work / "figures" / "fig.svg").read_text(encoding="utf-8") == "<svg/>"
    json.dumps({"stage_seconds": second.seconds}, allow_nan=False)  # strict JSON


def test_without_a_cache_every_stage_is_computed_and_timed(tmp_path: Path) -> None:
    work = tmp_path / "w"
    (work / "figures").mkdir(parents=True)
    for _ in range(2):
        run = StageRun(work, StageCache(None), {}, 0, True)
        run.run("evidence", _slow_stage)
        assert run.stages == {"evidence": "computed"}
        assert run.seconds["evidence"] >= 0.2
