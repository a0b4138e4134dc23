"""Scenario kinds: one entry point reads a file once, checks its [scenario] kind and hands it to
the kind's parser; a missing kind is a duel (or the kind of the packaged file); unknown kinds
and files of another kind are one-line errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import attrition.battles as battles
from attrition.battles.bakhmut import scenarios as bk_scenarios
from attrition.errors import UserError
from attrition.scenarios import kinds, spec
from attrition.scenarios.kinds import ScenarioKind

SRC = Path(__file__).resolve().parents[2] / "src" / "attrition"

DUEL = """
[scenario]
{kind}name = "d"
law = "square"
days = 10
[sides.blue]
strength = 100
effectiveness = 0.01
[sides.red]
strength = 80
effectiveness = 0.01
"""

BAKHMUT = """
[scenario]
{kind}name = "b"
rationale = "r"
[schedule]
offensives = []
"""


def _write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _one_line(exc: pytest.ExceptionInfo[UserError]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        (DUEL.format(kind='kind = "duel"\n'), spec.Scenario),
        (DUEL.format(kind=""), spec.Scenario),  # no kind: a duel, as before kinds existed
        (BAKHMUT.format(kind='kind = "bakhmut"\n'), bk_scenarios.BakhmutScenario),
    ],
)
def test_the_kind_picks_the_parser(tmp_path: Path, text: str, cls: type) -> None:
    s = battles.load_scenario(_write(tmp_path, text))
    assert type(s) is cls
    assert s.scenario.kind == ("duel" if cls is spec.Scenario else "bakhmut")


def test_packaged_names_of_every_kind_load_through_one_entry_point() -> None:
    lib = battles.scenario_library()
    assert {k for k, _ in lib.values()} == set(battles.SCENARIO_KINDS)
    assert lib["duel"][0] == "duel"
    assert lib["baseline"][0] == "bakhmut"
    for name, (kind, path) in lib.items():
        s = battles.load_scenario(name)
        assert s.scenario.kind == kind, name
        assert battles.load_scenario(path).scenario.kind == kind, name
    # the same scenarios as each kind's own loader
    assert battles.load_scenario("duel") == spec.load_scenario(spec.library_scenarios()["duel"])
    assert battles.load_scenario("baseline") == bk_scenarios.load_scenario("baseline")


def test_every_packaged_file_declares_its_kind() -> None:
    for name, (kind, path) in battles.scenario_library().items():
        data = kinds.read_scenario_file(path)
        assert data["scenario"]["kind"] == kind, name
        assert data["scenario"]["name"] == name, name


def test_registry_folders_are_the_kinds_own_libraries() -> None:
    assert battles.SCENARIO_KINDS["duel"].library.resolve() == spec.LIBRARY.resolve()
    assert battles.SCENARIO_KINDS["bakhmut"].library.resolve() == bk_scenarios.LIBRARY.resolve()
    assert battles.SCENARIO_KINDS["duel"].packaged() == spec.library_scenarios()
    assert battles.SCENARIO_KINDS["bakhmut"].packaged() == bk_scenarios.library()


def test_a_packaged_file_without_kind_keeps_its_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Bakhmut loader knows its kind; so does the entry point for a Bakhmut library file."""
    lib = tmp_path / "lib"
    lib.mkdir()
    p = _write(lib, BAKHMUT.format(kind=""), "mine.toml")
    assert bk_scenarios.load_scenario(p).scenario.kind == "bakhmut"
    reg = dict(battles.SCENARIO_KINDS)
    reg["bakhmut"] = ScenarioKind("bakhmut", "attrition.battles.bakhmut.scenarios", lib)
    monkeypatch.setattr(battles, "SCENARIO_KINDS", reg)
    assert battles.resolve_scenario("mine") == (p, "bakhmut")
    assert battles.resolve_scenario(p) == (p, "bakhmut")
    assert type(battles.load_scenario("mine")) is bk_scenarios.BakhmutScenario
    assert type(battles.load_scenario(p)) is bk_scenarios.BakhmutScenario


def test_a_file_without_kind_that_fits_another_kind_says_which(tmp_path: Path) -> None:
    p = _write(tmp_path, '[scenario]\nname = "x"\n[parameters]\nkappa = 3.0\n')
    with pytest.raises(UserError) as info:
        battles.load_scenario(p)
    msg = _one_line(info)
    assert msg.startswith(f"{p}: [scenario] gives no kind")
    assert "add kind = 'bakhmut'" in msg
    # a kindless file that fits no kind gets the default kind's own error
    q = _write(tmp_path, '[scenario]\nname = "x"\n[armies]\nx = 1\n', "q.toml")
    with pytest.raises(UserError, match=r"unknown table \[armies\]; valid: scenario, sides, run"):
        battles.load_scenario(q)
    r = _write(tmp_path, '[scenario]\nname = "x"\n[stop]\nannihilation = true\n', "r.toml")
    with pytest.raises(UserError, match=r"missing table \[sides\]"):
        battles.load_scenario(r)


@pytest.mark.parametrize("kind", ['"siege"', "3", '""'])
def test_unknown_kind_is_one_line_naming_file_key_and_kinds(tmp_path: Path, kind: str) -> None:
    p = _write(tmp_path, f'[scenario]\nkind = {kind}\nname = "x"\n')
    with pytest.raises(UserError) as info:
        battles.load_scenario(p)
    msg = _one_line(info)
    assert msg.startswith(f"{p}: [scenario] kind: unknown kind ")
    assert msg.endswith("valid: bakhmut, duel")


def test_scenario_must_be_a_table(tmp_path: Path) -> None:
    p = _write(tmp_path, 'scenario = "duel"\n')
    with pytest.raises(UserError, match=r"\[scenario\] must be a table") as info:
        battles.load_scenario(p)
    assert str(p) in _one_line(info)


def test_each_kinds_own_loader_refuses_the_other_kind(tmp_path: Path) -> None:
    b = _write(tmp_path, BAKHMUT.format(kind='kind = "bakhmut"\n'), "b.toml")
    d = _write(tmp_path, DUEL.format(kind='kind = "duel"\n'), "d.toml")
    with pytest.raises(UserError) as info:
        spec.load_scenario(b)
    msg = _one_line(info)
    assert msg.startswith(f"{b}: [scenario] kind = 'bakhmut', but this reads 'duel' scenarios")
    with pytest.raises(UserError) as info:
        bk_scenarios.load_scenario(d)
    assert _one_line(info).startswith(f"{d}: [scenario] kind = 'duel', but this reads 'bakhmut'")
    # built directly (no file), a wrong kind is refused by the model itself
    with pytest.raises(ValueError, match="not a duel"):
        spec.ScenarioInfo(kind="bakhmut", name="x", law="square", days=3)
    with pytest.raises(ValueError, match="not a Bakhmut scenario"):
        bk_scenarios.ScenarioInfo(kind="duel", name="x")


def test_the_file_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []
    real = kinds.read_toml

    def counting(path: Any) -> dict[str, Any]:
        calls.append(Path(path))
        return real(path)

    monkeypatch.setattr(kinds, "read_toml", counting)
    for text in (DUEL.format(kind='kind = "duel"\n'), BAKHMUT.format(kind='kind = "bakhmut"\n')):
        calls.clear()
        p = _write(tmp_path, text)
        battles.load_scenario(p)
        assert calls == [p]


def test_the_kind_key_changes_no_duel(tmp_path: Path) -> None:
    """kind = "duel" or none: the same scenario, the same fingerprint (checkpoints stay valid)."""
    a = battles.load_scenario(_write(tmp_path, DUEL.format(kind=""), "a.toml"))
    b = battles.load_scenario(_write(tmp_path, DUEL.format(kind='kind = "duel"\n'), "b.toml"))
    assert a.fingerprint() == b.fingerprint()
    assert "kind" not in a.model_dump()["scenario"]
    assert a.with_run(runs=5).scenario.kind == "duel"


def test_same_name_in_two_kinds_is_refused(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    _write(one, DUEL.format(kind=""), "x.toml")
    _write(two, BAKHMUT.format(kind=""), "x.toml")
    reg = {
        "duel": ScenarioKind("duel", "attrition.scenarios.spec", one),
        "bakhmut": ScenarioKind("bakhmut", "attrition.battles.bakhmut.scenarios", two),
    }
    with pytest.raises(UserError, match="packaged scenario name 'x' is also"):
        kinds.packaged_scenarios(reg)


def test_unknown_names_and_missing_files_list_every_packaged_scenario(tmp_path: Path) -> None:
    with pytest.raises(UserError) as info:
        battles.load_scenario("stalingrad")
    msg = _one_line(info)
    assert msg.startswith("unknown scenario 'stalingrad'; valid: baseline, duel, ")
    with pytest.raises(UserError, match="scenario file not found"):
        battles.load_scenario(tmp_path / "missing.toml")


def test_generic_code_names_no_battle() -> None:
    for path in (SRC / "scenarios" / "kinds.py", SRC / "scenarios" / "spec.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"bakhmut", text, re.IGNORECASE), path


def test_the_registry_imports_no_parser_and_no_numerical_library() -> None:
    code = (
        "import sys, attrition.battles as b; b.SCENARIO_KINDS; b.scenario_library(); "
        "print(','.join(m for m in ('numpy', 'pandas', 'numba', 'scipy', "
        "'attrition.scenarios.spec', 'attrition.battles.bakhmut.scenarios') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
