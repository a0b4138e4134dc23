"""The generated tables in the docs equal a fresh computation (docs cannot drift silently)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ratio_regression_table_in_docs_is_current() -> None:
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "tools/make_classic_docs.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = (ROOT / "docs/classic-validations.md").read_text(encoding="utf-8")
    assert mod.render(text) == text, "run: .venv/bin/python tools/make_classic_docs.py"
    assert text.count("\n| combat |") + text.count("\n| total |") == 24
