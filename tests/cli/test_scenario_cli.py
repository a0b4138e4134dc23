"""`attrition scenario list|run` and `attrition hindcast` as a user runs them (synthetic evidence:
the fog-of-war estimate is replaced so the tests need no NumPyro)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import attrition.cli as cli_pkg
from attrition.battles import bakhmut as bk
from attrition.battles.bakhmut import scenarios as bk_scenarios
from attrition.cli import scenario as cli_scenario
from attrition.errors import UserError

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer(cls=cli_pkg._Group, add_completion=False, rich_markup_mode=None)

    @app.callback()
    def _root() -> None:
        """test app"""

    cli_scenario.register(app)
    return app


APP = _app()
EVIDENCE = bk.synthetic_evidence(
    bk.BakhmutModel("square", bk.record_schedule()), bk.prior_values(), draws=60, seed=0
)


def _evidence(cutoff: dt.date | None) -> bk.CasualtyEvidence:
    return EVIDENCE.truncate(cutoff)


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bk_scenarios, "default_evidence", _evidence)
    monkeypatch.setattr(bk_scenarios, "CALIBRATION_SETTINGS", (40, 1))


def _ok(args: list[str]) -> str:
    res = runner.invoke(APP, args)
    assert res.exit_code == 0, res.output
    return res.stdout


def _fails(args: list[str]) -> str:
    res = runner.invoke(APP, args)
    assert res.exit_code == 2, res.output
    line = res.stderr.strip()
    assert line.startswith("error: ")
    assert "\n" not in line
    return line


def test_scenario_list() -> None:
    out = _ok(["scenario", "list"])
    for name in ("baseline", "earlier-withdrawal", "wagner-ammunition",
                 "no-convict-recruitment", "soledar-holds", "no-may-counterattacks"):  # fmt: skip
        assert name in out
    rows = json.loads(_ok(["scenario", "list", "--json"]))
    assert {r["name"] for r in rows} >= {"baseline", "soledar-holds", "duel", "large"}
    assert all(list(r) == ["name", "kind", "title", "file"] for r in rows)
    kinds = {r["name"]: r["kind"] for r in rows}
    assert kinds["duel"] == kinds["large"] == "duel"
    assert kinds["baseline"] == kinds["soledar-holds"] == "bakhmut"
    by_name = {r["name"]: r for r in rows}
    assert by_name["baseline"]["title"].startswith("The battle as recorded")
    assert by_name["duel"]["title"] == "Square-law duel, 1,000 vs 800 over 30 days"
    lines = out.splitlines()
    assert len(lines) == len(rows)
    names = [r["name"] for r in rows]
    assert [ln.split()[0] for ln in lines] == names
    assert re.match(r"^duel +duel +Square-law duel", lines[names.index("duel")])
    assert re.match(r"^baseline +bakhmut +The battle as recorded", lines[names.index("baseline")])
    assert kinds["duel-uncertain"] == "duel"  # the sensitivity example: [uncertain] inputs


def _simulate_json(args: list[str]) -> dict[str, object]:
    from attrition.cli import simulate as sim_cli

    app = typer.Typer(cls=cli_pkg._Group, add_completion=False, rich_markup_mode=None)

    @app.callback()
    def _root() -> None:
        """test app"""

    sim_cli.register(app)
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    out: dict[str, object] = json.loads(res.stdout)
    out.pop("wall_seconds")
    return out


def test_a_duel_runs_through_scenario_run_as_through_simulate(tmp_path: Path) -> None:
    args = ["--runs", "120", "--seed", "5", "--json"]
    out = json.loads(_ok(["scenario", "run", "duel", *args]))
    out.pop("wall_seconds")
    assert out == _simulate_json(["simulate", "duel", *args])
    # a file of its own, kind given or not
    f = tmp_path / "d.toml"
    text = (
        '[scenario]\nname = "d"\nlaw = "linear"\ndays = 5\n[sides.a]\nstrength = 50\n'
        "effectiveness = 0.001\n[sides.b]\nstrength = 40\neffectiveness = 0.001\n"
        '[run]\nmethod = "binomial"\nruns = 30\nseed = 2\n'
    )
    f.write_text(text, encoding="utf-8")
    a = json.loads(_ok(["scenario", "run", str(f), "--json"]))
    a.pop("wall_seconds")
    assert a == _simulate_json(["simulate", str(f), "--json"])
    assert (a["method"], a["runs"], a["seed"]) == ("binomial", 30, 2)
    f.write_text(text.replace("[scenario]\n", '[scenario]\nkind = "duel"\n'), encoding="utf-8")
    b = json.loads(_ok(["scenario", "run", str(f), "--json"]))
    b.pop("wall_seconds")
    assert a == b
    # text, and --out writes summary.json and runs.csv into a folder
    text_out = _ok(["scenario", "run", str(f), "--out", str(tmp_path / "o")])
    assert text_out.startswith("d: 30 runs, method binomial, seed 2")
    assert "stopped by:" in text_out
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    summary.pop("wall_seconds")
    assert summary == a
    assert len((tmp_path / "o" / "runs.csv").read_text(encoding="utf-8").splitlines()) == 31


def test_bakhmut_options_are_refused_for_a_duel() -> None:
    line = _fails(["scenario", "run", "duel", "--cutoff", "2023-01-31"])
    assert line.startswith("error: --cutoff applies to Bakhmut scenarios only; ")
    assert line.endswith("duel.toml is a duel: leave --cutoff out")
    assert "--law applies to Bakhmut scenarios only" in _fails(
        ["scenario", "run", "duel", "--law", "square"]
    )
    assert "--runs 0: give a whole number 1 or larger" in _fails(
        ["scenario", "run", "duel", "--runs", "0"]
    )


def test_unknown_kind_is_one_line(tmp_path: Path) -> None:
    f = tmp_path / "k.toml"
    f.write_text('[scenario]\nkind = "siege"\nname = "k"\n', encoding="utf-8")
    assert _fails(["scenario", "run", str(f)]) == (
        f"error: {f}: [scenario] kind: unknown kind 'siege'; valid: bakhmut, duel"
    )


def _never(*args: object, **kwargs: object) -> object:
    raise AssertionError("the calibration was reached")


def test_memory_and_scale_are_refused_before_the_calibration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bk_scenarios, "calibration_for", _never)
    monkeypatch.setattr(bk_scenarios, "calibrate", _never)
    monkeypatch.setenv("ATTRITION_MAX_MEMORY_GB", "0.001")
    line = _fails(["scenario", "run", "baseline", "--runs", "5000"])
    assert line.startswith("error: --runs 5,000 needs ~")
    assert "give --runs" in line
    f = tmp_path / "h.toml"
    f.write_text(
        '[scenario]\nkind = "bakhmut"\nname = "h"\n[parameters]\nua_1 = 1e300\n', encoding="utf-8"
    )
    line = _fails(["scenario", "run", str(f), "--runs", "5"])
    assert line.startswith(f"error: {f}: [parameters] ua_1 = 1e+300 is out of scale (")


def test_scenario_run_json_has_exactly_the_documented_keys(tmp_path: Path) -> None:
    args = ["scenario", "run", "baseline", "--runs", "25", "--seed", "4", "--law", "square"]
    out = json.loads(_ok([*args, "--json", "--out", str(tmp_path / "o")]))
    assert list(out)[:6] == ["scenario", "runs", "seed", "city_fall_date", "sides",
                             "exchange_ratio"]  # fmt: skip
    assert list(out)[6:] == ["law", "cutoff", "method", "particles", "moves",
                             "evidence_repeats", "weights_rule", "law_weights", "laws", "effects",
                             "version", "input_hashes"]  # fmt: skip
    assert (out["law"], out["law_weights"], out["particles"]) == ("square", {"square": 1.0}, 40)
    assert out["scenario"] == "baseline"
    assert out["runs"] == 25
    assert out["seed"] == 4
    assert list(out["city_fall_date"]) == ["median", "q05", "q95", "probability_by_end"]
    assert list(out["sides"]) == ["RU", "UA"]
    assert list(out["sides"]["UA"]["casualties"]) == ["median", "q05", "q95"]
    assert list(out["exchange_ratio"]) == ["median", "q05", "q95"]
    assert json.loads((tmp_path / "o" / "summary.json").read_text()) == out
    assert (tmp_path / "o" / "runs.csv").is_file()
    assert (tmp_path / "o" / "daily.csv").is_file()
    # same seed, same bytes
    assert json.loads(_ok([*args, "--json"])) == out
    text = _ok(args)
    assert "model statement" in text
    assert "RU casualties" in text


def test_scenario_run_with_cutoff() -> None:
    out = json.loads(
        _ok(
            [
                "scenario",
                "run",
                "no-may-counterattacks",
                "--runs",
                "10",
                "--law",
                "linear",
                "--cutoff",
                "2023-01-31",
                "--json",
            ]
        )
    )
    assert out["scenario"] == "no-may-counterattacks"


def test_unknown_scenario_lists_the_packaged_ones() -> None:
    line = _fails(["scenario", "run", "stalingrad"])
    assert "unknown scenario 'stalingrad'; valid: baseline, duel, duel-uncertain, earlier-w" in line


def test_scenario_file_with_unknown_parameter(tmp_path: Path) -> None:
    f = tmp_path / "x.toml"
    f.write_text(
        '[scenario]\nkind = "bakhmut"\nname = "x"\n[parameters]\nkapppa = 3\n', encoding="utf-8"
    )
    line = _fails(["scenario", "run", str(f)])
    assert "unknown parameter 'kapppa'" in line
    # without kind the file would be a duel: one line says which kind to add
    f.write_text('[scenario]\nname = "x"\n[parameters]\nkappa = 3\n', encoding="utf-8")
    assert _fails(["scenario", "run", str(f)]).endswith("add kind = 'bakhmut' to [scenario]")
    assert "valid:" in line
    assert "kappa" in line


def test_impossible_schedules_and_bad_options(tmp_path: Path) -> None:
    f = tmp_path / "w.toml"
    f.write_text(
        '[scenario]\nkind = "bakhmut"\nname = "w"\n[schedule]\n'
        'forces = [{force = "ukraine", arrive = "2022-12-01", depart = "2022-11-01"}]\n',
        encoding="utf-8",
    )
    assert "before it arrives" in _fails(["scenario", "run", str(f)])
    f.write_text(
        '[scenario]\nkind = "bakhmut"\nname = "s"\n[schedule]\n'
        'supply = [{date = "2022-08-01", level = -1}]\n',
        encoding="utf-8",
    )
    assert "negative" in _fails(["scenario", "run", str(f)])
    assert "outside the battle" in _fails(["scenario", "run", "baseline", "--cutoff", "2020-01-01"])
    assert "--runs 0: give a whole number 1 or larger" in _fails(
        ["scenario", "run", "baseline", "--runs", "0"]
    )
    assert "unknown law 'cube'" in _fails(["scenario", "run", "baseline", "--law", "cube"])


def test_missing_fog_of_war_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fog(cutoff: dt.date | None) -> bk.CasualtyEvidence:
        raise UserError("casualty evidence needs the fog-of-war estimate (attrition.infer.fusion)")

    monkeypatch.setattr(bk_scenarios, "default_evidence", no_fog)
    assert "fog-of-war" in _fails(["scenario", "run", "baseline", "--runs", "5", "--seed", "77"])


def test_hindcast_table_and_bad_cutoffs() -> None:
    args = ["hindcast", "--cutoffs", "2022-12-31,2023-02-28", "--runs", "20", "--law", "square"]
    out = json.loads(_ok([*args, "--seeds", "1", "--json"]))
    rows = out["table"]
    assert {r["cutoff"] for r in rows} == {"2022-12-31", "2023-02-28"}
    assert {r["forecaster"] for r in rows} == {"model", "line", "persistence", "llt"}
    cols = {"cutoff", "seed", "target", "forecaster", "log_score", "brier", "crps", "coverage_90"}
    assert cols <= set(rows[0])
    assert out["summary"]
    assert "outside the battle" in _fails(["hindcast", "--cutoffs", "2023-12-31"])
    assert "YYYY-MM-DD" in _fails(["hindcast", "--cutoffs", "end-of-january"])


def test_every_command_has_help() -> None:
    for args in (["scenario", "--help"], ["scenario", "run", "--help"], ["hindcast", "--help"]):
        out = _ok(args)
        assert "Usage" in out
        assert len(out) > 200
