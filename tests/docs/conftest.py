"""Fixtures of the docs tests: the generators of the documentation site (``tools/docs_site/``),
loaded from their files (``tools/`` is not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str) -> ModuleType:
    """``tools/docs_site/<name>.py`` as a module, loaded once per test run."""
    qualified = f"attrition_docs_site_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(
        qualified, ROOT / "tools/docs_site" / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


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
