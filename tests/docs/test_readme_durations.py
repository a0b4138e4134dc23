"""The README's "how long each step takes" table is generated, not typed.

``benchmarks/bench_report.py --fresh-clone`` measures the quickstart's steps and stores them in
``benchmarks/results/report.json``; the README block between ``<!-- durations:begin -->`` and
``<!-- durations:end -->`` and ``benchmarks/results/report.md`` are rendered from that file
(``python benchmarks/bench_report.py --render``). A hand edit of either, or a new measurement
without re-rendering, fails here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"


@pytest.fixture(scope="module")
def bench(bench_report_module: ModuleType) -> ModuleType:
    """``benchmarks/bench_report.py`` as a module (``benchmarks/`` is not a package)."""
    return bench_report_module


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    """The committed measurement (strict JSON: NaN or Infinity fail to parse)."""

    def no_constants(token: str) -> None:
        raise ValueError(f"report.json holds {token}: not strict JSON")

    text = (RESULTS / "report.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text, parse_constant=no_constants)
    return loaded


def test_readme_block_is_rendered_from_the_json(bench: ModuleType, data: dict[str, Any]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count("<!-- durations:begin -->") == 1, "README lost its durations markers"
    assert bench.readme_text(data, readme) == readme, (
        "README.md's durations block differs from benchmarks/results/report.json: run "
        "`python benchmarks/bench_report.py --render`"
    )


def test_results_markdown_is_rendered_from_the_json(
    bench: ModuleType, data: dict[str, Any]
) -> None:
    md = (RESULTS / "report.md").read_text(encoding="utf-8")
    assert bench.render_markdown(data) == md


def test_the_json_holds_the_four_quickstart_steps(data: dict[str, Any]) -> None:
    assert data["mode"] == "fresh-clone"
    assert [s["key"] for s in data["steps"]] == ["install", "report", "report_again", "quick"]
    for step in data["steps"]:
        assert step["wall_s"] > 0
        assert step["cpu_s"] >= 0
        assert min(step["load1_before"], step["load1_mean"], step["load1_after"]) >= 0


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (2.9, "3 s"),
        (0.2, "1 s"),
        (12.0, "10 s"),
        (57.0, "55 s"),
        (58.0, "1 min"),
        (501.0, "8 min"),  # 8 min 21 s
        (1530.0, "26 min"),  # 25.5 min: round half to even
        (3900.0, "1 h 5 min"),
    ],
)
def test_about_rounds_to_what_a_reader_needs(bench: ModuleType, seconds: float, shown: str) -> None:
    assert bench.about(seconds) == shown


def test_a_measurement_moves_the_readme(bench: ModuleType, data: dict[str, Any]) -> None:
    """The block depends on the figures: a slower quick run shows in the README."""
    slower = copy.deepcopy(data)
    quick = next(s for s in slower["steps"] if s["key"] == "quick")
    quick["wall_s"] += 600
    assert bench.render_readme_block(slower) != bench.render_readme_block(data)


def test_the_readme_quotes_fresh_clone_figures_only(
    bench: ModuleType, data: dict[str, Any]
) -> None:
    other = dict(data, mode="installed-full")
    with pytest.raises(ValueError, match="fresh-clone"):
        bench.render_readme_block(other)
