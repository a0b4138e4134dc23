"""Fixtures of the docs tests: the generators of the documentation site (``tools/docs_site/``),
loaded from their files (``tools/`` is not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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
