"""The curated API: ``attrition`` and its layer packages re-export their public names lazily,
every name resolves and is documented, and results leave as tables (frames and xarray) that
hold the same numbers as the arrays they come from."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "attrition"
PACKAGES = [
    "attrition",
    "attrition.data",
    "attrition.models",
    "attrition.simulate",
    "attrition.infer",
    "attrition.scenarios",
    "attrition.report",
]
HEAVY = ("numpy", "pandas", "jax", "numba", "scipy", "xarray", "plotly")


def _init(package: str) -> Path:
    return SRC.joinpath(*package.split(".")[1:], "__init__.py")


def test_importing_the_packages_loads_no_heavy_library() -> None:
    code = (
        f"import sys; import {', '.join(PACKAGES)}; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"imported at package import time: {out}"


@pytest.mark.parametrize("package", PACKAGES)
def test_all_is_a_literal_matching_the_lazy_map_and_the_type_checking_imports(
    package: str,
) -> None:
    tree = ast.parse(_init(package).read_text(encoding="utf-8"))
    literal: list[str] | None = None
    typed: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            literal = ast.literal_eval(node.value)  # fails unless a literal
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            for imp in ast.walk(node):
                if isinstance(imp, ast.ImportFrom):
                    typed.update(a.asname or a.name for a in imp.names)
    assert literal is not None, f"{package}: no literal __all__"
    assert len(literal) == len(set(literal))
    module = importlib.import_module(package)
    lazy = set(module._WHERE)
    assert set(literal) - {"__version__"} == lazy
    assert typed == lazy, f"{package}: TYPE_CHECKING imports differ from the lazy names"


def _documented(package: ModuleType, name: str, obj: object) -> bool:
    if inspect.isclass(obj) or inspect.isroutine(obj):
        doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
        auto = f"{getattr(obj, '__name__', '')}("  # a dataclass's generated signature
        return bool(doc and doc.strip() and not doc.startswith(auto))
    # a constant: documented by a ``#:`` comment above its definition, or in a docstring
    where = package._WHERE.get(name, package.__name__).partition(":")[0]
    source = inspect.getsource(importlib.import_module(where))
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if line.startswith((f"{name} =", f"{name}:")) and i and lines[i - 1].startswith("#:"):
            return True
    return f"``{name}``" in (package.__doc__ or "") or f"``{name}``" in source


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves_and_is_documented(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__doc__
    assert module.__doc__.strip()
    undocumented = []
    for name in module.__all__:
        obj = getattr(module, name)
        if not _documented(module, name, obj):
            undocumented.append(name)
    assert not undocumented, f"{package}: undocumented public names {undocumented}"


@pytest.mark.parametrize("package", PACKAGES)
def test_no_public_name_is_also_a_submodule(package: str) -> None:
    """A submodule import sets the package attribute, which would shadow a re-exported name."""
    folder = _init(package).parent
    submodules = {p.stem for p in folder.glob("*.py")} | {
        p.name for p in folder.iterdir() if (p / "__init__.py").is_file()
    }
    module = importlib.import_module(package)
    assert not set(module.__all__) & submodules


def test_unknown_names_raise_attribute_error() -> None:
    import attrition

    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        attrition.nothing_here  # noqa: B018


def test_top_level_names_are_the_layer_objects() -> None:
    import attrition
    from attrition.data.claims import load_claims
    from attrition.infer.fit import fit_dataset
    from attrition.simulate.ensemble import simulate

    assert attrition.load_claims is load_claims
    assert attrition.fit_dataset is fit_dataset
    assert attrition.run_ensemble is simulate
    assert attrition.simulate.simulate is simulate  # the subpackage, not shadowed
    assert isinstance(attrition.__version__, str)
    assert set(dir(attrition)) >= set(attrition.__all__)


# --------------------------------------------------------------------------- frames
def test_trajectory_frame_and_xarray_round_trip() -> None:
    from attrition.models.lanchester import LanchesterModel
    from attrition.simulate.ode import solve

    traj = solve(LanchesterModel("square", (0.01, 0.012)), [1000.0, 900.0], days=20)
    df = traj.to_frame()
    assert list(df.columns) == ["time", "side", "strength", "losses"]
    assert [str(df[c].dtype) for c in ("time", "strength", "losses")] == ["float64"] * 3
    assert pd.api.types.is_string_dtype(df["side"])
    assert len(df) == 2 * traj.t.size
    for k, side in enumerate(traj.sides):
        rows = df[df["side"] == side]
        np.testing.assert_array_equal(rows["time"].to_numpy(), traj.t)
        np.testing.assert_array_equal(rows["strength"].to_numpy(), traj.strength[:, k])
        np.testing.assert_array_equal(rows["losses"].to_numpy(), traj.losses[:, k])
    ds = traj.to_xarray()
    np.testing.assert_array_equal(ds["strength"].values, traj.strength)
    pd.testing.assert_frame_equal(traj.to_dataframe(), df)


def test_ensemble_frames_hold_the_runs_and_the_summary() -> None:
    from attrition.scenarios.spec import parse_scenario
    from attrition.simulate.ensemble import simulate

    sc = parse_scenario(
        {
            "scenario": {"name": "t", "law": "square", "days": 30},
            "sides": {
                "blue": {"strength": 300, "effectiveness": 0.012},
                "red": {"strength": 240, "effectiveness": 0.010},
            },
            "run": {"method": "binomial", "runs": 50, "seed": 4},
            "uncertain": {
                "blue": {"effectiveness": {"dist": "uniform", "low": 0.01, "high": 0.014}}
            },
            "outputs": {"quantities": ["exchange_ratio", "win_blue", "duration"]},
        },
        "t.toml",
    )
    ens = simulate(sc)
    runs = ens.to_frame()
    assert len(runs) == ens.runs
    assert runs["run"].dtype == np.int64
    np.testing.assert_array_equal(runs["blue_final"].to_numpy(), ens.out.final[:, 0])
    np.testing.assert_array_equal(runs["red_effectiveness"].to_numpy(), ens.coef[:, 1])
    stats = ens.summary_frame()
    assert list(stats.columns) == ["quantity", "n", "mean", "sd", "q05", "q50", "q95"]
    assert stats["n"].dtype == np.int64
    assert list(stats["quantity"]) == ["final_blue", "final_red", *ens.quantities]
    summary = ens.summary()
    by_q = stats.set_index("quantity")
    for side in ens.sides:
        for stat in ("mean", "sd", "q05", "q50", "q95"):
            assert by_q.loc[f"final_{side}", stat] == summary["sides"][side][f"final_{stat}"]
    for q in ens.quantities:
        want = summary["quantities"][q]
        assert {s: by_q.loc[q, s] for s in want} == want
        assert by_q.loc[q, "n"] == np.isfinite(ens.quantity(q)).sum()
    assert by_q.loc["win_blue", "mean"] == pytest.approx(ens.win_shares()[:, 0].mean())


def _sensitivity_result() -> object:
    from attrition.scenarios.sensitivity import SensitivityResult

    rows = []
    for q in ("final_blue", "duration"):
        for i, name in enumerate(("blue.strength", "red.effectiveness", "blue.effectiveness")):
            for j, idx in enumerate(("S1", "ST")):
                v = 0.1 * i + 0.01 * j + (0.5 if q == "duration" else 0.0)
                lo, hi = (np.nan, np.nan) if name == "blue.effectiveness" else (v - 0.02, v + 0.02)
                rows.append([q, name, idx, v, lo, hi])
    table = pd.DataFrame(rows, columns=["quantity", "input", "index", "value", "ci_low", "ci_high"])
    return SensitivityResult(
        "sobol", "t", "ode", ["blue.strength", "red.effectiveness", "blue.effectiveness"],
        ["final_blue", "duration"], 64, 320, 3, table,
    )  # fmt: skip


def test_sensitivity_frame_and_xarray_round_trip() -> None:
    res = _sensitivity_result()
    df = res.to_frame()  # type: ignore[attr-defined]
    assert list(df.columns) == ["quantity", "input", "index", "value", "ci_low", "ci_high"]
    assert all(pd.api.types.is_string_dtype(df[c]) for c in ("quantity", "input", "index"))
    assert [str(t) for t in df.dtypes[3:]] == ["float64"] * 3
    pd.testing.assert_frame_equal(df, res.table, check_dtype=False)  # type: ignore[attr-defined]
    df.loc[0, "value"] = 99.0
    assert res.table.loc[0, "value"] != 99.0  # type: ignore[attr-defined]  # a copy
    ds = res.to_xarray()  # type: ignore[attr-defined]
    assert dict(ds.sizes) == {"quantity": 2, "input": 3, "index": 2}
    assert list(ds["quantity"].values) == res.quantities  # type: ignore[attr-defined]
    assert list(ds["input"].values) == res.inputs  # type: ignore[attr-defined]
    for r in res.table.itertuples(index=False):  # type: ignore[attr-defined]
        cell = ds.sel(quantity=r.quantity, input=r.input, index=r.index)
        assert float(cell["value"]) == r.value
        np.testing.assert_equal(float(cell["ci_low"]), r.ci_low)
    assert ds.attrs["method"] == "sobol"
    assert ds.attrs["seed"] == 3
