"""A battle is a folder: battle.toml, the scaffold, and the one-line errors for broken folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attrition.cli import app
from attrition.data.battle import new_battle_folder, read_battle_toml
from attrition.data.checks import check_claims
from attrition.data.claims import battle_spec, load_claims, load_events
from attrition.errors import UserError

runner = CliRunner()


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def one_line_error(args: list[str]) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    err = res.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in res.output
    return err


def test_packaged_battles_have_a_spec_and_their_sides_are_data() -> None:
    bk = battle_spec("bakhmut")
    assert bk is not None
    assert bk.subjects == ("UA", "RU", "WAGNER", "CIVILIAN", "BOTH")
    assert bk.component_of == {"WAGNER": "RU"}
    assert bk.default_source == "wikipedia"
    av = battle_spec("avdiivka")
    assert av is not None
    assert "WAGNER" not in av.subjects
    assert len(load_claims("avdiivka")) >= 30
    assert len(load_events("avdiivka")) >= 15
    assert check_claims("avdiivka").ok  # quotes kept as provenance, sources all listed


def test_the_scaffold_is_a_valid_battle_and_is_never_written_over(tmp_path: Path) -> None:
    folder = tmp_path / "my-battle"
    files = new_battle_folder(folder)
    assert {f.name for f in files} == {"battle.toml", "claims.csv", "events.csv", "phases.csv",
                                       "places.csv"}  # fmt: skip
    assert read_battle_toml(folder / "battle.toml").id == "my-battle"
    assert check_claims(folder).ok
    assert len(load_claims(folder)) == 1
    before = snapshot(tmp_path)
    err = one_line_error(["battle", "new", str(folder)])
    assert "already exists" in err
    assert snapshot(tmp_path) == before


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    f = tmp_path / "b"
    new_battle_folder(f)
    return f


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("claims", ["claims"]),
        ("events", ["events"]),
        ("places", ["places"]),
        ("phases", ["estimate"]),
        ("events", ["report", "--quick"]),
    ],
)
def test_a_missing_file_names_it(folder: Path, name: str, command: list[str]) -> None:
    (folder / f"{name}.csv").unlink()
    out = folder.parent / "out"
    args = [*command, "--battle", str(folder)]
    if command[0] == "report":
        args += ["--out", str(out)]
    err = one_line_error(args)
    assert f"{name}.csv: missing" in err
    assert not out.exists()


def test_a_missing_battle_toml_says_how_to_make_one(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    err = one_line_error(["report", str(tmp_path / "x"), "--out", str(tmp_path / "out")])
    assert "battle new" in err
    assert not (tmp_path / "out").exists()


def test_a_side_not_in_battle_toml_names_file_line_and_field(folder: Path) -> None:
    text = (folder / "claims.csv").read_text(encoding="utf-8")
    (folder / "claims.csv").write_text(text.replace(",A,B,killed,", ",A,ZZ,killed,"), "utf-8")
    err = one_line_error(["claims", str(folder)])
    assert "claims.csv:2" in err
    assert "'subject_side' = 'ZZ'" in err
    assert "battle.toml" in err


def test_a_quote_not_at_its_offset_in_the_packaged_article(tmp_path: Path) -> None:
    from attrition.data.claims import battle_dir

    copy = tmp_path / "bk"
    shutil.copytree(battle_dir("bakhmut"), copy)
    lines = (copy / "claims.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    head, row = lines[0], lines[1]
    cells = row.split(",")
    offset_col = head.split(",").index("offset")
    cells[offset_col] = str(int(cells[offset_col]) + 3)
    lines[1] = ",".join(cells)
    (copy / "claims.csv").write_text("".join(lines), encoding="utf-8")
    report = check_claims(copy, coverage=False)
    assert not report.ok
    assert any("claims.csv:2" in p and "quote not found at offset" in p for p in report.problems)


def test_a_source_not_in_battle_toml_is_a_problem(folder: Path) -> None:
    text = (folder / "claims.csv").read_text(encoding="utf-8")
    (folder / "claims.csv").write_text(text.replace(",src-001\n", ",src-999\n", 1), "utf-8")
    report = check_claims(folder)
    assert any("source 'src-999' is not in battle.toml" in p for p in report.problems)


def test_a_broken_battle_toml_names_the_table_and_field(folder: Path) -> None:
    toml = folder / "battle.toml"
    toml.write_text(toml.read_text("utf-8").replace('end = "2024-03-31"', 'end = "2023-01-01"'),
                    "utf-8")  # fmt: skip
    with pytest.raises(UserError, match=r"battle\.toml: .*end 2023-01-01 is before start"):
        read_battle_toml(toml)
    toml.write_text(toml.read_text("utf-8").replace('kind = "url"', 'kind = "rumour"'), "utf-8")
    with pytest.raises(UserError, match=r"\[\[sources\]\] #1 field 'kind'"):
        read_battle_toml(toml)


@pytest.mark.filterwarnings("ignore::attrition.errors.DataWarning")
@pytest.mark.filterwarnings("ignore::attrition.infer.diagnostics.ConvergenceWarning")
def test_a_claims_file_beside_battle_toml_is_read_with_its_sides(folder: Path) -> None:
    """`estimate --claims FILE` (no --battle) reads the file with the battle.toml beside it."""
    res = runner.invoke(
        app, ["estimate", "--claims", str(folder / "claims.csv"), "--draws", "10", "--chains", "1"]
    )
    assert res.exit_code == 0, res.output
    assert "is not valid" not in res.output
