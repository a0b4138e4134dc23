"""The import graph shows the pipeline: no cycles, no upward imports, no private cross-package
names.

Layers, lowest first: the base modules (errors, I/O helpers, limits, output safety), then
data → models → simulate → infer → scenarios → battles → report → cli. A module may import its own
layer or lower ones. Inside a battle package (``attrition.battles.<name>``) the same order holds
between its files (see ``BATTLE_FILE_LAYER``). Imports under ``if TYPE_CHECKING:`` are not
imports at run time and are skipped; function-level (lazy) imports count, and so do imports by
string: the lazy re-export maps (``_WHERE``) and the modules a scenario kind names
(``ScenarioKind(name, "attrition.x.y", ...)``, imported when a file of that kind is read). A
string import counts for the module that writes the string.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = SRC / "attrition"

LAYERS: dict[str, int] = {
    "errors": 0,
    "_io": 0,
    "lazy": 0,
    "limits": 0,
    "outputs": 0,
    "quantiles": 0,
    "_runtime": 0,
    "data": 1,
    "models": 2,
    "simulate": 3,
    "infer": 4,
    "scenarios": 5,
    "battles": 6,
    "report": 7,
    "cli": 8,
    "__main__": 9,
}

#: Inside ``attrition.battles.<name>``: model-layer files, then the engine, then inference, then
#: scenarios. A file not listed here fails the test (add it to the right rank).
BATTLE_FILE_LAYER: dict[str, int] = {
    "__init__": 9,
    "axes": 0,
    "smooth": 0,
    "geometry": 0,
    "params": 1,
    "schedule": 1,
    "record": 2,
    "model": 2,
    "engine": 3,
    "quantities": 0,
    "evidence": 4,
    "event_mapping": 4,
    "claim_mapping": 4,
    "casualty_block": 4,
    "observations": 4,
    "likelihood": 5,
    "calibration": 6,
    "evidence_error": 7,
    "scenario_file": 7,
    "scenarios": 7,
    "scores": 0,
    "baselines": 5,
    "targets": 5,
    "hindcasts": 8,
    "mixture": 8,
    "decomposition": 8,
    "identification": 7,
}


def _modules() -> dict[str, Path]:
    mods = {}
    for p in ROOT.rglob("*.py"):
        name = ".".join(p.relative_to(SRC).with_suffix("").parts)
        mods[name.removesuffix(".__init__")] = p
    return mods


MODS = _modules()


def _targets(mod: str, node: ast.Import | ast.ImportFrom) -> list[tuple[str, str | None]]:
    is_pkg = MODS[mod].name == "__init__.py"
    pkg = mod if is_pkg else mod.rsplit(".", 1)[0]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        out: list[tuple[str, str | None]] = []
        for a in node.names:
            full = f"{target}.{a.name}"
            out.append((full if full in MODS else target, a.name))
        return out
    return [(a.name, None) for a in node.names]


def _edges() -> list[tuple[str, str, str | None, int]]:
    """(importer, imported module, imported name, line) for every attrition import."""
    edges = []
    for mod, path in MODS.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip: set[int] = set()
        for n in ast.walk(tree):
            if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.dump(n.test):
                skip.update(id(x) for x in ast.walk(n))
        for n in ast.walk(tree):
            if id(n) in skip or not isinstance(n, ast.Import | ast.ImportFrom):
                continue
            for target, name in _targets(mod, n):
                if not target.startswith("attrition"):
                    continue
                t = target
                while t not in MODS and "." in t:
                    t = t.rsplit(".", 1)[0]
                if t != mod and t in MODS:
                    edges.append((mod, t, name, n.lineno))
    return edges


def _lazy_edges() -> list[tuple[str, str, str | None, int]]:
    """Imports by string: the ``_WHERE`` maps of lazy re-exports (``attrition.lazy``) name the
    modules a package imports on first use; they count like imports."""
    edges = []
    for mod, path in MODS.items():
        if path.name != "__init__.py" or mod == "attrition":  # the root only re-exports
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            target = node.target if isinstance(node, ast.AnnAssign) else None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            value = getattr(node, "value", None)
            if not (isinstance(target, ast.Name) and target.id == "_WHERE"):
                continue
            if not isinstance(value, ast.Dict):
                continue
            for v in value.values:
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    name = v.value.partition(":")[0]
                    full = name if "." in name else f"{mod}.{name}"
                    if full in MODS and full != mod:
                        edges.append((mod, full, None, v.lineno))
    return edges


def _kind_module(call: ast.Call) -> ast.expr | None:
    """The ``module`` argument of a ``ScenarioKind(...)`` call (second positional or keyword)."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name != "ScenarioKind":
        return None
    for kw in call.keywords:
        if kw.arg == "module":
            return kw.value
    return call.args[1] if len(call.args) > 1 else None


def kind_edges(mod: str, source: str) -> list[tuple[str, str, str | None, int]]:
    """Imports by string in ``source`` (the text of module ``mod``): the module each
    ``ScenarioKind(...)`` names. A module argument that is not a string constant is an edge to
    ``"<not a string>"``, which is no module (so the check fails: the graph must be readable)."""
    edges: list[tuple[str, str, str | None, int]] = []
    for node in ast.walk(ast.parse(source)):
        arg = _kind_module(node) if isinstance(node, ast.Call) else None
        if arg is None:
            continue
        target = arg.value if isinstance(arg, ast.Constant) else None
        edges.append(
            (mod, target if isinstance(target, str) else "<not a string>", None, node.lineno)
        )
    return edges


KIND_EDGES = [e for mod, path in MODS.items() for e in kind_edges(mod, path.read_text("utf-8"))]
EDGES = _edges() + _lazy_edges() + [e for e in KIND_EDGES if e[1] in MODS]


def _package(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else ""


def _rank(mod: str) -> int | None:
    top = _package(mod)
    return LAYERS.get(top) if top else None


def test_every_package_has_a_layer() -> None:
    missing = sorted({_package(m) for m in MODS if _package(m) and _rank(m) is None})
    assert not missing, f"add these to LAYERS in tests/test_layers.py: {missing}"


def upward(edges: list[tuple[str, str, str | None, int]]) -> list[str]:
    """The edges that import a higher layer, as ``importer:line: importer imports target``."""
    bad = []
    for mod, target, _name, line in edges:
        ra, rb = _rank(mod), _rank(target)
        if ra is None or rb is None:
            continue
        if rb > ra:
            bad.append(f"{mod}:{line}: {mod} imports {target}")
    return bad


def test_no_upward_imports() -> None:
    """A module imports only its own layer or lower ones (the package root is exempt: it only
    re-exports lazily)."""
    bad = upward(EDGES)
    assert not bad, "upward imports:\n" + "\n".join(bad)


def string_import_problems(
    edges: list[tuple[str, str, str | None, int]], modules: dict[str, Path] | None = None
) -> list[str]:
    """What is wrong with imports by string: a target that is no module of the package, a
    private module of another package, or a higher layer than the importer's."""
    modules = MODS if modules is None else modules
    bad = []
    for mod, target, _name, line in edges:
        if target not in modules:
            bad.append(f"{mod}:{line}: {target!r} is not a module of attrition")
        elif _package(target) != _package(mod) and any(
            p.startswith("_") and not p.startswith("__") for p in target.split(".")
        ):
            bad.append(f"{mod}:{line}: {target} is private to its package")
    return bad + upward([e for e in edges if e[1] in modules])


def test_scenario_kind_modules_respect_the_layers() -> None:
    """The modules the scenario kinds name (a string import is an import) exist and sit at or
    below the module that names them; the registry the code uses is the one read here."""
    assert KIND_EDGES, "no ScenarioKind(...) found in src/: the walker is broken"
    bad = string_import_problems(KIND_EDGES)
    assert not bad, "scenario kinds naming the wrong modules:\n" + "\n".join(bad)
    from attrition.battles import SCENARIO_KINDS

    registered = {k.module for k in SCENARIO_KINDS.values()}
    found = {t for m, t, _, _ in KIND_EDGES if m == "attrition.battles"}
    assert registered == found, (registered, found)
    assert set(EDGES) >= set(KIND_EDGES)  # they take part in the cycle and order checks too


@pytest.mark.parametrize(
    ("importer", "source", "problem"),
    [
        # a generic layer naming a battle's module: upward
        (
            "attrition.scenarios.kinds",
            'K = ScenarioKind("x", "attrition.battles.bakhmut.scenarios", Path("."))',
            "imports attrition.battles.bakhmut.scenarios",
        ),
        # the module keyword, naming a layer above the battles: upward
        (
            "attrition.battles",
            'K = ScenarioKind("x", module="attrition.cli.scenario", library=Path("."))',
            "imports attrition.cli.scenario",
        ),
        # a misspelt module
        (
            "attrition.battles",
            'K = ScenarioKind("x", "attrition.scenarios.spex", Path("."))',
            "'attrition.scenarios.spex' is not a module",
        ),
        # a module name the walker cannot read
        ("attrition.battles", 'K = kinds.ScenarioKind("x", NAME, P)', "'<not a string>'"),
        # a private module of another package
        (
            "attrition.battles",
            'K = ScenarioKind("x", "attrition.scenarios._x", Path("."))',
            "private to its package",
        ),
        # allowed: the battles name a scenarios module (lower) and their own
        ("attrition.battles", 'K = ScenarioKind("x", "attrition.scenarios.spec", P)', None),
        ("attrition.battles", 'ScenarioKind("x", "attrition.battles.bakhmut.scenarios", P)', None),
    ],
)
def test_the_string_import_check_can_fail(importer: str, source: str, problem: str | None) -> None:
    """The checker itself, on fake sources: each wrong string is caught, the right ones are not."""
    edges = kind_edges(importer, source)
    assert len(edges) == 1
    fake = {**MODS, "attrition.scenarios._x": ROOT / "scenarios" / "_x.py"}
    bad = string_import_problems(edges, fake)
    if problem is None:
        assert bad == []
    else:
        assert len(bad) == 1, bad
        assert problem in bad[0]


def test_battle_packages_keep_the_order_inside() -> None:
    bad = []
    for mod, target, _name, line in EDGES:
        parts, tparts = mod.split("."), target.split(".")
        if len(parts) < 3 or parts[1] != "battles" or tparts[:3] != parts[:3]:
            continue
        if len(parts) == 3:  # the battle package's __init__ may re-export its files
            continue
        own = BATTLE_FILE_LAYER.get(parts[3])
        other = BATTLE_FILE_LAYER.get(tparts[3]) if len(tparts) > 3 else None
        if own is None or other is None:
            bad.append(f"{mod} or {target}: not in BATTLE_FILE_LAYER")
        elif other > own:
            bad.append(f"{MODS[mod].relative_to(SRC)}:{line}: {mod} imports {target}")
    assert not bad, "imports against the battle package's order:\n" + "\n".join(bad)


def test_no_private_names_across_packages() -> None:
    bad = [
        f"{MODS[mod].relative_to(SRC)}:{line}: {mod} imports {target}.{name}"
        for mod, target, name, line in EDGES
        if name
        and name.startswith("_")
        and not name.startswith("__")
        and _package(target) != _package(mod)
    ]
    assert not bad, "private names imported across packages:\n" + "\n".join(bad)


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for mod, target, _name, _line in EDGES:
        graph.setdefault(mod, set()).add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in list(MODS):
        if v not in index:
            visit(v)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_lazy_re_exports_are_seen() -> None:
    """The string imports of the lazy re-export maps are part of the graph."""
    lazy = _lazy_edges()
    assert ("attrition.data", "attrition.data.claims") in {(a, b) for a, b, _, _ in lazy}
    assert any(a == "attrition.battles.bakhmut" for a, _, _, _ in lazy)


@pytest.mark.parametrize(
    ("importer", "imported", "expect_fail"),
    [("attrition.data.x", "attrition.cli.y", True), ("attrition.cli.y", "attrition.data.x", False)],
)
def test_the_rank_check_can_fail(importer: str, imported: str, expect_fail: bool) -> None:
    """The checker itself: an upward edge is caught, a downward one is not."""
    ra, rb = _rank(importer), _rank(imported)
    assert ra is not None
    assert rb is not None
    assert (rb > ra) is expect_fail
