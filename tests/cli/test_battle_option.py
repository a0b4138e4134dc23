"""``attrition claims|events|places --battle PATH|NAME``: the option form of the positional
BATTLE, on a packaged name, the packaged Avdiivka folder by path and a folder made by
``attrition battle new``; a missing folder and a conflicting pair are one-line errors, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attrition.cli import app
from attrition.data.battle import new_battle_folder
from attrition.data.claims import BATTLES_DIR, load_claims, load_events

runner = CliRunner()
AVDIIVKA = BATTLES_DIR / "avdiivka"


def run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(scope="module")
def new_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("battles") / "mybattle"
    new_battle_folder(folder)
    return folder


@pytest.mark.parametrize("command", ["claims", "events", "places"])
def test_option_equals_the_positional_form(command: str) -> None:
    code_a, out_a, _ = run(command, "avdiivka", "--format", "csv")
    code_b, out_b, _ = run(command, "--battle", "avdiivka", "--format", "csv")
    assert code_a == code_b == 0
    assert out_b == out_a
    assert out_a.count("\n") > 10  # Avdiivka has dozens of rows of each kind


@pytest.mark.parametrize("command", ["claims", "events"])
def test_a_folder_path_reads_that_folder(command: str) -> None:
    code, out, _ = run(command, "--battle", str(AVDIIVKA), "--format", "json")
    assert code == 0
    rows = json.loads(out)
    expected = load_claims("avdiivka") if command == "claims" else load_events("avdiivka")
    assert [r["id"] for r in rows] == list(expected["id"])


def test_a_folder_from_battle_new(new_folder: Path) -> None:
    code, out, _ = run("claims", "--battle", str(new_folder), "--format", "json")
    assert code == 0
    claims = json.loads(out)
    assert claims
    assert [c["id"] for c in claims] == list(load_claims(new_folder)["id"])
    code, out, _ = run("events", "--battle", str(new_folder), "--format", "json")
    assert code == 0
    assert [e["id"] for e in json.loads(out)] == list(load_events(new_folder)["id"])
    code, out, _ = run("claims", "check", "--battle", str(new_folder))
    assert code == 0, out
    assert "problem(s): OK" in out


@pytest.mark.parametrize("command", ["claims", "events", "places"])
def test_a_missing_folder_is_one_line_naming_it(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-battle"
    code, out, err = run(command, "--battle", str(missing))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert str(missing) in err
    assert "no such folder" in err
    assert not missing.exists()  # nothing was created


@pytest.mark.parametrize(
    "args",
    [
        ["claims", "bakhmut", "--battle", "avdiivka"],
        ["events", "bakhmut", "--battle", "avdiivka"],
        ["places", "avdiivka", "--battle", str(AVDIIVKA)],
        ["claims", "check", "avdiivka", "--battle", "bakhmut"],
    ],
)
def test_both_forms_with_different_values_are_refused(args: list[str]) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "--battle" in err
    assert "differ; give one of them" in err


def test_both_forms_with_the_same_value_are_accepted() -> None:
    code, out, _ = run("events", "avdiivka", "--battle", "avdiivka", "--format", "csv")
    assert code == 0
    assert out == run("events", "avdiivka", "--format", "csv")[1]


def test_claims_check_takes_the_option() -> None:
    code, out, _ = run("claims", "check", "--battle", "avdiivka")
    assert code == 0
    assert out == run("claims", "check", "avdiivka")[1]


@pytest.mark.parametrize("command", ["claims", "events", "places"])
def test_help_says_what_happens_when_both_are_given(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "--battle PATH|NAME" in text
    assert "different values is refused" in text
