"""A cached re-run of the report keeps, in ``summary.json``, the timings of the run that
computed each stage (``stage_seconds``) and says which stages were cached (``stages``)."""

from __future__ import annotations

import json
from pathlib import Path

from attrition.report.build import build_report


def test_a_cached_rebuild_keeps_the_computing_runs_stage_seconds(fresh_quick_report: Path) -> None:
    before = json.loads((fresh_quick_report / "summary.json").read_text(encoding="utf-8"))
    assert set(before["stages"].values()) == {"computed"}
    assert set(before["stage_seconds"]) == set(before["stages"])
    assert all(s > 0 for s in before["stage_seconds"].values()), before["stage_seconds"]

    result = build_report(fresh_quick_report, quick=True)
    after = json.loads((fresh_quick_report / "summary.json").read_text(encoding="utf-8"))
    assert set(result.stages.values()) == {"cached"}
    assert after["stages"] == dict.fromkeys(before["stages"], "cached")
    assert after["stage_seconds"] == before["stage_seconds"]  # not zeros
    # the JAX programs the first build compiled are kept beside the stage cache, unless
    # ATTRITION_JAX_CACHE names another folder (the test session's, tests/conftest.py)
    import os

    from attrition._runtime import jax_cache_setting

    folder = jax_cache_setting(fresh_quick_report.parent / ".attrition-cache" / "_jax")
    if folder is not None and "ATTRITION_JAX_CACHE" not in os.environ:
        assert folder == fresh_quick_report.parent / ".attrition-cache" / "_jax"
    if folder is not None:
        assert any(folder.iterdir())
