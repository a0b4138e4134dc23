"""The shared scenario schema: one strict base, one error format, one read path, for every kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from attrition.battles.bakhmut.scenario_file import BakhmutScenario
from attrition.battles.bakhmut.scenario_file import parse_scenario as parse_bakhmut
from attrition.errors import UserError
from attrition.scenarios import schema
from attrition.scenarios.distributions import Distribution
from attrition.scenarios.spec import Scenario, load_scenario
from attrition.scenarios.spec import parse_scenario as parse_duel


def duel(**tables: Any) -> dict[str, Any]:
    return {
        "scenario": {"name": "t", "law": "square", "days": 20},
        "sides": {
            "uk": {"strength": 500, "effectiveness": 0.02},
            "ru": {"strength": 900, "effectiveness": 0.01},
        },
    } | tables


def bakhmut(**tables: Any) -> dict[str, Any]:
    return {"scenario": {"name": "t"}} | tables


def refused(parse: Any, data: Any) -> str:
    with pytest.raises(UserError) as info:
        parse(data, source="f.toml")
    msg = str(info.value)
    assert msg.startswith("f.toml: ")
    assert "\n" not in msg
    return msg.removeprefix("f.toml: ")


def test_both_kinds_are_strict_models_of_the_shared_base() -> None:
    assert issubclass(Scenario, schema.StrictModel)
    assert issubclass(BakhmutScenario, schema.StrictModel)
    assert issubclass(Distribution, schema.StrictModel)
    d = Distribution(dist="uniform", low=0.0, high=1.0)
    with pytest.raises(ValidationError):
        d.low = 2.0  # type: ignore[misc]  # frozen
    with pytest.raises(ValidationError, match="extra"):
        Distribution(dist="uniform", low=0.0, high=1.0, hgh=2.0)  # type: ignore[call-arg]


def test_tables_are_the_model_fields_without_the_internal_ones() -> None:
    assert schema.table_names(Scenario) == (
        "scenario",
        "sides",
        "run",
        "stop",
        "schedule",
        "uncertain",
        "outputs",
    )
    assert schema.required_tables(Scenario) == ("scenario", "sides")
    assert schema.table_names(BakhmutScenario) == (
        "scenario",
        "run",
        "schedule",
        "parameters",
        "scale",
    )
    assert schema.required_tables(BakhmutScenario) == ("scenario",)


@pytest.mark.parametrize(
    ("model", "loc", "keys"),
    [
        (Scenario, (), ["scenario", "sides", "run", "stop", "schedule", "uncertain", "outputs"]),
        (Scenario, ("sides", "blue"), ["strength", "effectiveness"]),
        (Scenario, ("schedule", 3), ["side", "day", "amount", "start", "end", "per_day"]),
        (Scenario, ("uncertain", "uk", "strength"), list(Distribution.model_fields)),
        (Scenario, ("uncertain", "uk"), []),  # a dict of parameters, not a table of keys
        (Scenario, ("nope",), []),
        (BakhmutScenario, ("schedule", "supply", 0), ["date", "level"]),
        (BakhmutScenario, ("run",), ["runs", "seed", "law"]),
    ],
)
def test_valid_keys_walk_the_model_tree(
    model: type[schema.StrictModel], loc: tuple[int | str, ...], keys: list[str]
) -> None:
    assert schema.valid_keys(model, loc) == keys


def test_toml_location() -> None:
    assert schema.toml_location(("schedule", "supply", 0, "date")) == "schedule.supply[0].date"
    assert schema.toml_location((0,)) == "[0]"
    assert schema.toml_location(()) == ""


@pytest.mark.parametrize(
    ("parse", "data", "expected"),
    [
        # unknown tables and keys list the valid ones, in both kinds
        (parse_duel, duel(runs={}), "unknown table [runs]; valid: scenario, sides, run, stop"),
        (parse_bakhmut, bakhmut(runs={}), "unknown table [runs]; valid: scenario, run, sched"),
        (parse_duel, duel(run={"metod": 1}), "[run]: unknown key 'metod'; valid: method, runs"),
        (parse_bakhmut, bakhmut(run={"sed": 1}), "[run]: unknown key 'sed'; valid: runs, seed"),
        # the fields the reader fills in are not tables a file may give
        (parse_duel, duel(base_dir="/"), "unknown table [base_dir]; valid: scenario"),
        (parse_bakhmut, bakhmut(source="x"), "unknown table [source]; valid: scenario"),
        # missing tables and keys
        (parse_duel, {"scenario": {}}, "missing table [sides]; add it (see docs/simulation.md)"),
        (parse_bakhmut, {}, "missing table [scenario]; add it (see the example `attrition"),
        (parse_bakhmut, {"scenario": {}}, "[scenario]: missing key 'name'; add it"),
        # an unknown key is reported before the missing one it stands for
        (
            parse_bakhmut,
            bakhmut(schedule={"supply": [{"date": "2022-08-01", "lvl": 1}]}),
            "[schedule.supply[0]]: unknown key 'lvl'; valid: date, level",
        ),
        # type errors say what to give
        (parse_duel, duel(run={"runs": "x"}), "[run] runs: Input should be a valid integer"),
        (parse_duel, duel(run={"runs": 2.5}), "; give a whole number"),
        (parse_bakhmut, bakhmut(run={"runs": "x"}), "[run] runs: Input should be a valid integer"),
        (
            parse_bakhmut,
            bakhmut(schedule={"withdrawals": [{"date": "soon"}]}),
            '[schedule.withdrawals[0]] date: Input should be a valid date or datetime, input is '
            'too short; give a date, e.g. date = "2023-01-31"',
        ),
        (parse_duel, duel(stop={"annihilation": "maybe"}), "; give true or false"),
        (parse_duel, duel(run=3), "[run] must be a table of key = value"),
        (parse_duel, duel(schedule=[3]), "[schedule[0]] must be a table of key = value"),
        (
            parse_duel,
            duel(schedule={"side": "uk"}),
            "[schedule] must be a list of tables, e.g. schedule = [{ ... }] or [[schedule]] tables",
        ),
        (
            parse_bakhmut,
            bakhmut(schedule={"supply": 3}),
            "[schedule] supply must be a list of tables, e.g. supply = [{ ... }]",
        ),
        (parse_duel, duel(outputs={"quantities": "x"}), "[outputs] quantities must be a list"),
        # a validator's own message, placed at its table and key
        (
            parse_bakhmut,
            bakhmut(schedule={"forces": [{"force": "aliens"}]}),
            "[schedule.forces[0]] force: unknown force 'aliens'; valid: russian_regulars",
        ),
        # not a table at all, and a file of the other kind
        (parse_duel, [1, 2], "a scenario must be a table"),
        (parse_bakhmut, "x", "a scenario must be a table"),
        (parse_bakhmut, {"scenario": {"kind": "duel"}}, "[scenario] kind = 'duel', but this reads"),
    ],
)  # fmt: skip
def test_one_error_format_for_every_kind(parse: Any, data: Any, expected: str) -> None:
    msg = refused(parse, data)
    assert msg.startswith(expected) if not expected.startswith(";") else expected in msg, msg


def test_validate_scenario_fills_the_internal_fields_and_can_skip_the_kind() -> None:
    sc = schema.validate_scenario(
        Scenario,
        duel(),
        "a.toml",
        kind="duel",
        docs="d",
        internal={"source": "a.toml", "base_dir": "/x"},
    )
    assert (sc.source, sc.base_dir) == ("a.toml", "/x")
    assert sc == parse_duel(duel(), "a.toml", base_dir="/x")
    other = duel(scenario={"name": "t", "law": "square", "days": 20, "kind": "siege"})
    with pytest.raises(UserError, match=r"^b.toml: \[scenario\] kind = 'siege', but this reads"):
        schema.validate_scenario(Scenario, other, "b.toml", kind="duel", docs="d")
    # without a kind to check, the model's own validator reports it
    with pytest.raises(UserError, match=r"^b.toml: \[scenario\] kind: 'siege' is not a duel"):
        schema.validate_scenario(Scenario, other, "b.toml", kind=None, docs="d")


def test_load_scenario_file_as_reads_once_and_names_the_file(tmp_path: Path) -> None:
    seen: list[tuple[dict[str, Any], Path]] = []

    def parse_file(data: dict[str, Any], path: Path) -> str:
        seen.append((data, path))
        return "parsed"

    p = tmp_path / "s.toml"
    p.write_text('[scenario]\nname = "x"\n', encoding="utf-8")
    assert schema.load_scenario_file_as(parse_file, str(p)) == "parsed"
    assert seen == [({"scenario": {"name": "x"}}, p)]
    with pytest.raises(UserError, match=r"nope.toml: scenario file not found"):
        schema.load_scenario_file_as(parse_file, tmp_path / "nope.toml")
    p.write_text(
        '[scenario]\nname = "x"\nlaw = "square"\ndays = 3\n[sides]\nblue = 3\n', encoding="utf-8"
    )
    with pytest.raises(UserError) as info:
        load_scenario(p)
    assert str(info.value) == f"{p}: [sides.blue] must be a table of key = value"


def test_check_finite() -> None:
    assert schema.check_finite(2.5, "x") == 2.5
    with pytest.raises(ValueError, match="x must be a finite number, got nan"):
        schema.check_finite(float("nan"), "x")
