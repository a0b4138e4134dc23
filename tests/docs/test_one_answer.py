"""One answer per question (issue 15, item 8): for the same seed and settings the docs
generator (``tools/docs_figures/bakhmut_model.py``), the report's model stage (its calls:
``law_calibrations`` then ``run_mixture``) and ``attrition scenario run NAME --json`` give the
same numbers.

A small configuration on synthetic casualty evidence (the fog-of-war estimate is replaced, as
in ``tests/cli/test_scenario_cli.py``): 40 particles × 1 move, 2 calibrations per law, 40 runs.
Each of the three paths calibrates on its own (the generator and the report call
``calibrate``, the CLI goes through ``calibration_for``), so equal numbers mean equal code
paths, not a shared cache.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import attrition.cli as cli_pkg
from attrition.battles import bakhmut as bk
from attrition.battles.bakhmut import scenarios as bk_scenarios
from attrition.battles.bakhmut.axes import DAYS, date_of
from attrition.battles.bakhmut.mixture import EFFECT_QUANTITIES, run_mixture
from attrition.cli import scenario as cli_scenario
from attrition.report.model import ModelSettings, law_calibrations

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "docs_figures"
sys.path.insert(0, str(TOOLS))

import bakhmut_model as BM  # noqa: E402
import figlib as F  # noqa: E402

SCENARIO = "wagner-ammunition"
SEED, PARTICLES, MOVES, RUNS, REPEATS = 3, 40, 1, 40, 2
EVIDENCE = bk.synthetic_evidence(
    bk.BakhmutModel("square", bk.record_schedule()), bk.prior_values(), draws=60, seed=0
)
REL = 10.0 ** (1 - F.SIG_DIGITS)  # the sidecar keeps SIG_DIGITS significant digits


def _evidence(cutoff: dt.date | None) -> bk.CasualtyEvidence:
    return EVIDENCE.truncate(cutoff)


def _app() -> typer.Typer:
    app = typer.Typer(cls=cli_pkg._Group, add_completion=False, rich_markup_mode=None)

    @app.callback()
    def _root() -> None:
        """test app"""

    cli_scenario.register(app)
    return app


def _close(figure: float, value: float) -> bool:
    return math.isclose(figure, value, rel_tol=REL, abs_tol=1e-12)


def _same_ensemble(fig: dict[str, Any], stem: str, part: dict[str, Any]) -> None:
    """The generator's figures ``stem.*`` against one ensemble of ``scenario run --json``."""
    fall = part["city_fall_date"]
    assert _close(fig[f"{stem}.p_fall"]["value"], fall["probability_by_end"]), stem
    for key in ("median", "q05", "q95"):
        day = fig[f"{stem}.fall_day.{key}"]["value"]
        assert (date_of(day).isoformat() if day <= DAYS else None) == fall[key], (stem, key)
        for side, name in (("RU", "ru"), ("UA", "ua")):
            cli = part["sides"][side]["casualties"][key]
            assert _close(fig[f"{stem}.{name}.{key}"]["value"], cli), (stem, side, key)
        assert _close(fig[f"{stem}.ratio.{key}"]["value"], part["exchange_ratio"][key])


def test_docs_report_and_cli_give_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bk_scenarios, "default_evidence", _evidence)
    monkeypatch.setattr(bk_scenarios, "CALIBRATION_SETTINGS", (PARTICLES, MOVES))
    st = {**BM.FULL, "seed": SEED, "particles": PARTICLES, "moves": MOVES, "runs": RUNS,
          "repeats": REPEATS}  # fmt: skip

    # the docs: the generator's scenario-table figures (what the sidecar stores)
    assert BM.model_settings(st) == ModelSettings(
        BM.FULL["evidence"]["draws"], BM.FULL["evidence"]["chains"], PARTICLES, MOVES, RUNS,
        BM.FULL["hindcast_runs"], PARTICLES, REPEATS,
    )  # fmt: skip
    figs = F.Figures("scenarios")
    result = BM.mixture(st, SCENARIO)
    BM._weight_figs(figs, result.weights)
    BM.scenario_figures(figs, result)
    fig = F.build_sidecar(
        doc="docs/bakhmut-model.md", generator=BM.GENERATOR, parts=[figs], settings=st,
        test_parts=(), inputs=[], quick=False,
    )["figures"]  # fmt: skip

    # the CLI
    args = ["scenario", "run", SCENARIO, "--json", "--seed", str(SEED), "--particles",
            str(PARTICLES), "--runs", str(RUNS), "--repeats", str(REPEATS)]  # fmt: skip
    res = CliRunner().invoke(_app(), args)
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)

    # the report: model_stage's calls on the same evidence and settings
    ms = BM.model_settings(st)
    cals = law_calibrations(_evidence(None), SEED, ms)
    report = run_mixture(
        bk_scenarios.load_scenario(SCENARIO), runs=ms.runs, seed=SEED, calibrations=cals,
        settings=(ms.particles, ms.moves),
    )  # fmt: skip
    assert json.loads(json.dumps(report.summary(), allow_nan=False)) == cli

    # docs = CLI: mixture, each law, the weights, every paired effect and its flag
    expected = {"law": "mixture", "seed": SEED, "runs": RUNS, "particles": PARTICLES,
                "moves": MOVES, "evidence_repeats": REPEATS}  # fmt: skip
    assert {k: cli[k] for k in expected} == expected
    _same_ensemble(fig, SCENARIO, cli)
    for lw, part in cli["laws"].items():
        _same_ensemble(fig, f"{SCENARIO}.law.{lw}", part)
        assert _close(fig[f"weights.{lw}"]["value"], part["weight"]), lw
    assert fig["weights.rule"]["value"] == cli["weights_rule"]
    for key, _unit in EFFECT_QUANTITIES:
        eff = cli["effects"][key]
        assert fig[f"{SCENARIO}.effect.{key}.sign_depends_on_law"]["value"] is bool(
            eff["sign_depends_on_law"]
        )
        for who, summ in (("mixture", eff["mixture"]), *eff["laws"].items()):
            for stat in ("median", "q05", "q95", "p_positive"):
                got = fig[f"{SCENARIO}.effect.{key}.{who}.{stat}"]["value"]
                assert _close(got, summ[stat]), (key, who, stat)
    # the effects are not all trivially zero (the comparison above is not vacuous)
    assert any(
        cli["effects"][k]["mixture"]["q95"] != 0 or cli["effects"][k]["mixture"]["q05"] != 0
        for k, _ in EFFECT_QUANTITIES
    )


def test_a_sidecar_from_before_the_mixture_is_refused_with_the_command() -> None:
    old = {"context": {"headline": {}}, "figures": {}, "settings": {}, "quick": False}
    with pytest.raises(ValueError, match=r"predates the law mixture.*--only bakhmut_model"):
        BM.blocks(old)
