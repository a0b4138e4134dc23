"""One quick Bakhmut report per test run, shared by the report and browser tests.

The first test worker that needs it builds it under a lock in the run's shared temporary
folder; every worker then works on its own copy (report and stage cache), so tests that
rebuild or corrupt it do not disturb the others. The shared folder belongs to one pytest run
(under xdist, the run's folder above the workers' own; without it, the run's own folder): a
report left by another run, built from other code, is never reused.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``--quick`` report (its stage cache sits beside it in ``.attrition-cache``)."""
    from attrition.report.build import build_report

    base = tmp_path_factory.getbasetemp()
    run = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    shared = run / "shared-quick-report"
    shared.mkdir(exist_ok=True)
    with (shared / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "bakhmut" / "index.html").exists():
            build_report(shared / "bakhmut", quick=True)
        fcntl.flock(lock, fcntl.LOCK_UN)
    mine = tmp_path_factory.mktemp("report")
    shutil.copytree(shared / "bakhmut", mine / "bakhmut")
    shutil.copytree(shared / ".attrition-cache", mine / ".attrition-cache")
    return mine / "bakhmut"
