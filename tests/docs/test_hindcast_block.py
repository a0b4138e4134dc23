"""The hindcast figures and block of docs/bakhmut-model.md on a small synthetic hindcast table.

``tools/docs_figures/bakhmut_model.py`` turns the table of
:func:`attrition.battles.bakhmut.hindcasts.hindcast` (here: made up, same columns) and its
:func:`~attrition.battles.bakhmut.hindcasts.hindcast_summary` into figures, and renders the
``bm-hindcast`` block from a sidecar holding them. The real computation takes an hour; these
tests check the shaping and the generated prose (every number and every conditional sentence
comes from the figures).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "docs_figures"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

CUTOFFS = ("2022-11-30", "2023-01-31")
SEEDS = (0, 1, 2)
FORECASTERS = ("model", "line", "persistence", "llt")

# (cutoff, target) -> forecaster -> score per seed (the column the doc shows for the target)
SCORES: dict[tuple[str, str], dict[str, tuple[float, ...]]] = {
    # model loses to persistence in every seed, beats line in every seed, 2 of 3 against llt
    ("2022-11-30", "control_events"): {
        "model": (0.20, 0.20, 0.20),
        "line": (0.30, 0.31, 0.32),
        "persistence": (0.10, 0.11, 0.12),
        "llt": (0.15, 0.25, 0.25),
    },
    ("2022-11-30", "city_control"): {
        "model": (0.10, 0.12, 0.11),
        "line": (0.20, 0.20, 0.20),
        "persistence": (0.30, 0.30, 0.30),
        "llt": (0.40, 0.40, 0.40),
    },
    ("2022-11-30", "city_fall_day"): {
        "model": (10.0, 12.0, 11.0),
        "line": (40.0, 40.0, 40.0),
        "persistence": (50.0, 50.0, 50.0),
        "llt": (30.0, 31.0, 32.0),
    },
    ("2022-11-30", "casualty_claims"): {
        "model": (5.0, 5.5, 6.0),
        "line": (2.0, 2.0, 2.0),
        "persistence": (2.5, 2.5, 2.5),
        "llt": (3.0, 3.0, 3.0),
    },
    # the second cutoff has no city-control statement left
    ("2023-01-31", "control_events"): {
        "model": (0.40, 0.41, 0.42),
        "line": (0.30, 0.30, 0.30),
        "persistence": (0.35, 0.35, 0.35),
        "llt": (0.50, 0.50, 0.50),
    },
    ("2023-01-31", "city_fall_day"): {
        "model": (8.0, 9.0, 10.0),
        "line": (20.0, 20.0, 20.0),
        "persistence": (25.0, 25.0, 25.0),
        "llt": (10.5, 10.5, 10.5),
    },
    ("2023-01-31", "casualty_claims"): {
        "model": (1.0, 1.1, 1.2),
        "line": (2.0, 2.0, 2.0),
        "persistence": (2.5, 2.5, 2.5),
        "llt": (3.0, 3.0, 3.0),
    },
}
COLUMN = {
    "control_events": "brier",
    "city_control": "crps",
    "city_fall_day": "crps",
    "casualty_claims": "log_score",
}
N = {"control_events": 40, "city_control": 3, "city_fall_day": 1, "casualty_claims": 7}


def _law(cutoff: str, seed: int) -> str:
    return "linear" if (cutoff, seed) == ("2023-01-31", 2) else "logarithmic"


def _table() -> Any:
    """A table with the columns and row kinds of :func:`hindcast`: the scored targets, plus the
    Wagner aggregate (NaN for the baselines) and one per-claim row that the doc does not show."""
    import pandas as pd

    from attrition.battles.bakhmut.hindcasts import HINDCAST_SCORES

    rows: list[dict[str, Any]] = []

    def row(cutoff: str, seed: int, who: str, target: str, n: int, **vals: float) -> None:
        r: dict[str, Any] = {
            "cutoff": cutoff,
            "seed": seed,
            "law": _law(cutoff, seed) if who == "model" else "",
            "forecaster": who,
            "target": target,
            "n": n,
        }
        for k in (*HINDCAST_SCORES, "median", "q05", "q95"):
            r[k] = float(vals.get(k, float("nan")))
        r["observed"] = ""
        r["ids"] = ""
        rows.append(r)

    for cutoff in CUTOFFS:
        for seed in SEEDS:
            for who in FORECASTERS:
                for (c, target), by in SCORES.items():
                    if c != cutoff:
                        continue
                    v = by[who][seed]
                    extra: dict[str, float] = {COLUMN[target]: v}
                    if target == "control_events":
                        extra["log_score"] = 2 * v
                        extra["coverage_90"] = 0.8 if who == "model" else 0.9
                    if target == "city_fall_day":
                        extra["coverage_90"] = 1.0
                    row(cutoff, seed, who, target, N[target], **extra)
                wagner = {"log_score": 4.0} if who == "model" else {}
                row(cutoff, seed, who, "casualty_claims_wagner", 2, **wagner)
                row(cutoff, seed, who, "casualty_claim:bk-c001", 1, log_score=1.5)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def bm() -> ModuleType:
    import bakhmut_model

    return bakhmut_model


@pytest.fixture(scope="module")
def sidecar(bm: ModuleType) -> dict[str, Any]:
    """A sidecar of the hindcast part alone, through strict JSON as the real one."""
    import figlib as F

    from attrition.battles.bakhmut.hindcasts import hindcast_summary

    table = _table()
    figs = bm._hindcast_figures(table, hindcast_summary(table), list(SEEDS))
    settings = {**bm.FULL, "hindcast_seeds": list(SEEDS)}
    sc = F.build_sidecar(
        doc="docs/bakhmut-model.md",
        generator=bm.GENERATOR,
        parts=[figs],
        settings=settings,
        test_parts=bm.TEST_PARTS,
        inputs=[],
        quick=False,
    )
    loaded: dict[str, Any] = json.loads(F.dumps(sc))
    return loaded


def _with(sc: dict[str, Any], name: str, value: float) -> dict[str, Any]:
    figures = {**sc["figures"], name: {**sc["figures"][name], "value": value}}
    return {**sc, "figures": figures}


def test_figures_follow_the_summary(sidecar: dict[str, Any]) -> None:
    fig = sidecar["figures"]
    key = "hindcast.2022-11-30.control_events"
    assert fig[f"{key}.model.mean"]["value"] == pytest.approx(0.20)
    assert fig[f"{key}.persistence.mean"]["value"] == pytest.approx(0.11)
    assert fig[f"{key}.persistence.sd"]["value"] == pytest.approx(0.01)
    assert fig[f"{key}.model.mean"]["mc_error"] == pytest.approx(0.0, abs=1e-12)  # sd 0
    assert fig[f"{key}.persistence.mean"]["mc_error"] == pytest.approx(0.01 / 3**0.5, rel=1e-4)
    assert fig[f"{key}.model.coverage"]["value"] == pytest.approx(0.8)
    # model_better per baseline, on the score shown, not on the log score
    assert fig[f"{key}.line.model_better"]["value"] == 3
    assert fig[f"{key}.persistence.model_better"]["value"] == 0
    assert fig[f"{key}.llt.model_better"]["value"] == 2
    assert "hindcast.2022-11-30.control_events.model.model_better" not in fig
    assert fig["hindcast.2022-11-30.casualty_claims.line.model_better"]["value"] == 0
    # neither the Wagner aggregate nor a per-claim row is a figure; no city_control in January
    assert not any("wagner" in k or "casualty_claim:" in k for k in fig)
    assert not any(k.startswith("hindcast.2023-01-31.city_control") for k in fig)
    ctx = sidecar["context"]["hindcast"]
    assert ctx["cutoffs"] == list(CUTOFFS)
    assert ctx["baselines"] == ["line", "persistence", "llt"]
    model_jan = [
        r for r in ctx["rows"] if r["cutoff"] == "2023-01-31" and r["forecaster"] == "model"
    ]
    assert {tuple(r["laws"]) for r in model_jan} == {("linear", "logarithmic")}
    assert {r["n"] for r in ctx["rows"] if r["target"] == "control_events"} == {40}


def test_block_table_and_reading(bm: ModuleType, sidecar: dict[str, Any]) -> None:
    text = bm._hindcast_block(bm._View(sidecar), False)
    assert "--seed 0 --seeds 3 --runs 500" in text
    assert "Quick settings" not in text
    assert "casualty_claims_wagner" not in text
    assert "casualty_claim:" not in text
    assert (
        "| 2022-11-30 | control_events | Brier score | persistence | 40 | 0.110 ± 0.010 | 0.90 "
        "| 0 of 3 |  |" in text
    )
    assert "| 2022-11-30 | city_fall_day | CRPS, days | model | 1 | 11.0 ± 1.0 | 1.00 |  | " in text
    assert "| 2023-01-31 | casualty_claims | log score, RU/UA casualty claims | model | 7 |" in text
    assert "| linear, logarithmic |" in text
    # per cutoff: where the model loses in every seed, wins in every seed, and the mixed cases
    assert (
        "* 30 Nov 2022: **the model loses in every seed** on control_events (to persistence); "
        "casualty_claims (to line, persistence, llt); it wins in every seed on control_events "
        "(against line); city_control (all baselines); city_fall_day (all baselines); the seeds "
        "disagree on control_events: llt (2 of 3)." in text
    )
    assert (
        "* 31 Jan 2023: **the model loses in every seed** on control_events (to line, "
        "persistence); it wins in every seed on control_events (against llt); city_fall_day "
        "(all baselines); casualty_claims (all baselines)." in text
    )
    # 2 cutoffs: 4 + 3 targets x 3 baselines; won 7 + 7, lost 4 + 2, mixed 1 + 0
    assert (
        "Over all 21 comparisons (cutoff × target × baseline) the model beats the baseline in "
        "every seed in 14, loses in every seed in 6, and the seeds disagree in 1." in text
    )
    assert "does not beat the baselines overall" not in text


def test_prose_follows_the_figures(bm: ModuleType, sidecar: dict[str, Any]) -> None:
    """Changing a figure changes the sentences decided from it (nothing typed by hand)."""
    sc = sidecar
    for b in ("line", "persistence", "llt"):
        for t in ("city_control", "city_fall_day"):
            sc = _with(sc, f"hindcast.2022-11-30.{t}.{b}.model_better", 0.0)
    text = bm._hindcast_block(bm._View(sc), True)
    assert "**Quick settings: not the published figures.**" in text
    assert "city_control (to line, persistence, llt)" in text
    assert "loses in every seed in 12," in text
    assert "**The model does not beat the baselines overall" in text
    sc = _with(sidecar, "hindcast.2022-11-30.control_events.persistence.mean", 0.123)
    assert "| 0.123 ± 0.010 |" in bm._hindcast_block(bm._View(sc), False)


def test_block_without_the_part(bm: ModuleType) -> None:
    sc = {"figures": {}, "context": {}, "settings": dict(bm.FULL), "quick": False}
    assert bm._hindcast_block(bm._View(sc), False) == "(hindcast not computed in this run)"


def test_block_of_an_older_sidecar_asks_for_regeneration(bm: ModuleType) -> None:
    """The committed sidecar predates the baselines: the block says so instead of failing."""
    old = {"rows": [], "seeds": [0, 1, 2, 3, 4]}
    sc = {"figures": {}, "context": {"hindcast": old}, "settings": dict(bm.FULL), "quick": False}
    assert "run `make docs-figures`" in bm._hindcast_block(bm._View(sc), False)


def test_compute_refuses_a_single_seed(bm: ModuleType) -> None:
    with pytest.raises(ValueError, match="at least two consecutive seeds"):
        bm._hindcast({**bm.QUICK, "hindcast_seeds": [0]})
