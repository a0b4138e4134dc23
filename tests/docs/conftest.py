"""Fixtures of the docs tests: the generators of the documentation site (``tools/docs_site/``),
loaded from their files (``tools/`` is not a package), and :func:`shared_estimates`."""

from __future__ import annotations

import copy
import fcntl
import hashlib
import importlib.util
import os
import pickle
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_file_module(qualified: str, path: Path) -> ModuleType:
    """The Python file ``path`` as the module ``qualified``, loaded once per test run (for
    scripts under ``tools/`` and ``benchmarks/``, which are not packages)."""
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


def _load(name: str) -> ModuleType:
    """``tools/docs_site/<name>.py`` as a module, loaded once per test run."""
    return load_file_module(f"attrition_docs_site_{name}", ROOT / "tools/docs_site" / f"{name}.py")


@pytest.fixture(scope="session")
def bench_report_module() -> ModuleType:
    """``benchmarks/bench_report.py`` as a module."""
    return load_file_module("attrition_bench_report", ROOT / "benchmarks" / "bench_report.py")


@pytest.fixture(scope="session")
def gen_api() -> ModuleType:
    """The API reference generator, ``tools/docs_site/gen_api.py``."""
    return _load("gen_api")


@pytest.fixture(scope="session")
def griffe_rst() -> ModuleType:
    """The docstring converter of the API reference, ``tools/docs_site/griffe_rst.py``."""
    return _load("griffe_rst")


@pytest.fixture(scope="session")
def gen_cli() -> ModuleType:
    """The CLI reference generator, ``tools/docs_site/gen_cli.py``."""
    return _load("gen_cli")


_ESTIMATES: dict[tuple[str, Any], tuple[dict[str, Any], Any]] = {}


def _run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This pytest run's folder shared by its xdist workers (as tests/report/conftest.py)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture
def shared_estimates(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``attrition.infer.fusion.request.estimate`` computed once per test run for each packaged
    battle and request, then served from memory or, to another xdist worker, from a pickle in
    the run's shared folder.

    docs/fog-of-war.md's code block (tests/docs/test_code_blocks.py) and the ``fit`` part of
    its figures (tests/docs/test_docs_figures.py) both run ``estimate("bakhmut",
    EstimateRequest(seed=0))``, the CLI's default fit (500 draws x 4 chains, about a minute):
    the second gets the first's result. The call is seeded (the same request gives the same
    bytes), and a pickle round trip keeps them, so serving it changes no value; whichever test
    runs first computes it with every check of the call (its warnings are errors under
    ``filterwarnings``), under a lock the other waits on. Each caller gets its own copy of the
    summary; in one process the fitted object is shared (both only read it). A battle folder or
    a claims file is always fitted afresh (its files may change). The pickle (about 160 MB) is
    written only under xdist, in a folder that belongs to one run: a pickle left by another
    run, from other code, is never read."""
    from attrition.infer.fusion import request as rq

    real = rq.estimate
    folder = _run_folder(tmp_path_factory) / "shared-estimates"

    def computed(key: tuple[str, Any]) -> tuple[dict[str, Any], Any]:
        if not os.environ.get("PYTEST_XDIST_WORKER"):  # one process: memory is enough
            return real(key[0], key[1])
        name = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        folder.mkdir(exist_ok=True)
        done = folder / f"{name}.pkl"
        with (folder / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if done.exists():
                    with done.open("rb") as f:
                        out: tuple[dict[str, Any], Any] = pickle.load(f)
                    return out
                out = real(key[0], key[1])
                part = done.with_suffix(".part")
                with part.open("wb") as f:
                    pickle.dump(out, f, protocol=pickle.HIGHEST_PROTOCOL)
                part.replace(done)
                return out
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def estimate(
        battle: Any = None, request: Any = None, *, claims_file: Path | None = None
    ) -> tuple[dict[str, Any], Any]:
        if not isinstance(battle, str) or claims_file is not None or Path(battle).exists():
            return real(battle, request, claims_file=claims_file)
        key = (battle, request if request is not None else rq.EstimateRequest())
        if key not in _ESTIMATES:
            _ESTIMATES[key] = computed(key)
        summary, fog = _ESTIMATES[key]
        return copy.deepcopy(summary), fog

    monkeypatch.setattr(rq, "estimate", estimate)
