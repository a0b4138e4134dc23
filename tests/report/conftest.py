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


def _copy(shared: Path, into: Path) -> Path:
    shutil.copytree(shared / "bakhmut", into / "bakhmut")
    shutil.copytree(shared / ".attrition-cache", into / ".attrition-cache")
    return into / "bakhmut"


@pytest.fixture(scope="session")
def shared_quick_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's one ``--quick`` build (read it, never write into it: copy it)."""
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
    return shared


@pytest.fixture(scope="session")
def quick_report(shared_quick_report: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``--quick`` report (its stage cache sits beside it in ``.attrition-cache``).

    One copy per worker: tests in that worker may rebuild it, so its ``summary.json`` may
    come from a cached rebuild. A test that needs the first build's own record uses
    ``fresh_quick_report``.
    """
    return _copy(shared_quick_report, tmp_path_factory.mktemp("report"))


@pytest.fixture
def fresh_quick_report(shared_quick_report: Path, tmp_path: Path) -> Path:
    """A copy of the run's first ``--quick`` build, untouched by any other test."""
    return _copy(shared_quick_report, tmp_path)
