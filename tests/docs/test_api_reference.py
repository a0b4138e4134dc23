"""The API reference generator (tools/docs_site/gen_api.py) follows the package layout.

Pages are generated on every ``make docs`` (and are git-ignored), so what is tested here is the
walk: every public module appears on exactly one page, private ones and the CLI never do, a
subpackage gets its own page, and a file the generator did not write is never replaced.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _touch(path: Path, text: str = '"""Doc."""\n') -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_every_public_module_of_the_package_is_on_one_page(gen_api: ModuleType) -> None:
    src = ROOT / "src" / "attrition"
    expected = set()
    for file in src.rglob("*.py"):
        parts = file.relative_to(src.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            continue
        name = ".".join(parts)
        if any(p.startswith("_") for p in parts) or name.startswith("attrition.cli"):
            continue
        if all(
            (src.parent / Path(*parts[:k]) / "__init__.py").exists() for k in range(1, len(parts))
        ):
            expected.add(name)
    listed = [m for pkg in gen_api.walk() for m in pkg.modules]
    assert len(listed) == len(set(listed))
    assert set(listed) == expected


def test_walk_on_a_toy_tree(tmp_path: Path, gen_api: ModuleType) -> None:
    pkg = tmp_path / "attrition"
    for rel in ["__init__.py", "a.py", "_private.py", "cli/__init__.py", "cli/run.py",
                "sub/__init__.py", "sub/b.py", "sub/deep/__init__.py", "sub/deep/d.py",
                "_hidden/__init__.py", "_hidden/c.py", "notes.txt"]:  # fmt: skip
        _touch(pkg / rel)
    got = {p.name: p.modules for p in gen_api.walk(tmp_path, "attrition")}
    assert got == {
        "attrition": ["attrition.a"],
        "attrition.sub": ["attrition.sub.b"],
        "attrition.sub.deep": ["attrition.sub.deep.d"],
    }
    page = gen_api.render_page(gen_api.Package("attrition.sub", ["attrition.sub.b"]))
    assert page.startswith(gen_api.MARKER)
    assert "::: attrition.sub\n" in page
    assert "::: attrition.sub.b\n" in page


def test_generate_replaces_only_its_own_files(tmp_path: Path, gen_api: ModuleType) -> None:
    docs = tmp_path / "docs"
    touched = gen_api.generate(docs)
    assert (docs / "api" / "index.md").exists()
    assert gen_api.check(docs) == []
    assert gen_api.generate(docs) == []  # idempotent
    stale = docs / "api" / "attrition.gone.md"
    stale.write_text(gen_api.MARKER + "\n", encoding="utf-8")
    mine = docs / "api" / "notes.md"
    mine.write_text("hand-written\n", encoding="utf-8")
    assert gen_api.check(docs) == ["api/attrition.gone.md: stale"]
    gen_api.generate(docs)
    assert not stale.exists()
    assert mine.read_text(encoding="utf-8") == "hand-written\n"
    (docs / "api" / "index.md").write_text("hand-written\n", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"was not written by gen_api\.py"):
        gen_api.generate(docs)
    assert touched


@pytest.mark.parametrize(
    ("text", "source", "expected"),
    [
        (":class:`UserError`", "", "[`UserError`][UserError]"),
        (":class:`~attrition.errors.UserError`", "", "[`UserError`][attrition.errors.UserError]"),
        (":func:`load_claims`", "", "[`load_claims()`][load_claims]"),
        (":meth:`fit`", "attrition/infer/base.py", "`fit()`"),  # in UNRESOLVED
        ("```\n:class:`X`\n```", "", "```\n:class:`X`\n```"),
        (">>> f()\n['a', 'b']\n\nafter", "", "```pycon\n>>> f()\n['a', 'b']\n```\n\nafter"),
        (
            "Args:\n    p, q: exponents\n        of the law.\n    r: other.",
            "",
            "Args:\n    p: exponents\n        of the law.\n    q: exponents\n        of the law.\n"
            "    r: other.",
        ),
    ],
)
def test_docstring_conversion(
    text: str, source: str, expected: str, griffe_rst: ModuleType
) -> None:
    assert griffe_rst.convert(text, source) == expected
