"""Scope, source lineage and components of claims: bad values are one-line errors (exit 2)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from attrition.cli import app
from attrition.data.claims import battle_dir, battle_spec, load_claims

runner = CliRunner()


@pytest.fixture
def bk(tmp_path: Path) -> Path:
    dst = tmp_path / "bk"
    shutil.copytree(battle_dir("bakhmut"), dst)
    return dst


def _edit(folder: Path, claim_id: str, **cells: str) -> int:
    """Set cells of one claim; returns its line number in claims.csv."""
    path = folder / "claims.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    line = 0
    for i, row in enumerate(rows):
        if row[0] == claim_id:
            for k, v in cells.items():
                row[header.index(k)] = v
            line = i + 1
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return line


def _error(args: list[str]) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    return res.output


def test_packaged_claims_carry_their_lineage() -> None:
    c = load_claims("bakhmut")
    assert set(c["scope"]) == {"city", "sector", "front", "unspecified"}
    assert (c["scope"] == "front").sum() == 24
    assert set(c["component"]) == {"", "WAGNER", "WAGNER_CONVICTS", "WAGNER_CONTRACT", "RU_REGULAR"}
    spec = battle_spec("bakhmut")
    assert spec is not None
    assert spec.claim_components["RU_REGULAR"] == "RU"
    assert spec.component_of == {"WAGNER": "RU"}  # parts are not modelled components
    groups = c[c["source_id"].str.startswith("us-gov-2023-05-casualties")]
    assert len(groups) == 4
    a = load_claims("avdiivka")
    assert set(a["scope"]) == {"city", "sector"}
    assert set(a["component"]) == {""}


def test_a_folder_without_lineage_columns_reads_as_unspecified(tmp_path: Path) -> None:
    folder = tmp_path / "avdiivka"
    shutil.copytree(battle_dir("avdiivka"), folder)
    df = pd.read_csv(folder / "claims.csv", dtype=str, keep_default_na=False)
    lineage = ["scope", "scope_qualifier", "scope_note", "source_id", "component", "lineage_note"]
    df.drop(columns=lineage).to_csv(folder / "claims.csv", index=False, lineterminator="\n")
    a = load_claims(folder)
    assert set(a["scope"]) == {"unspecified"}
    assert set(a["component"]) == {""}
    assert set(a["source_id"]) == {""}


def test_an_unknown_scope_names_file_line_and_field(bk: Path) -> None:
    line = _edit(bk, "bk-c010", scope="district")
    out = _error(["claims", "--battle", str(bk)])
    assert f"claims.csv:{line}" in out
    assert "scope" in out


def test_an_unknown_component_names_file_line_and_field(bk: Path) -> None:
    line = _edit(bk, "bk-c010", component="STORM_Z")
    out = _error(["claims", "--battle", str(bk)])
    assert f"claims.csv:{line}" in out
    assert "'component' = 'STORM_Z'" in out


def test_a_component_of_the_other_side_is_a_problem(bk: Path) -> None:
    _edit(bk, "bk-c010", subject_side="UA", component="WAGNER")
    out = _error(["claims", "check", "--battle", str(bk)])
    assert "field 'component' = 'WAGNER' is not a part of subject_side 'UA'" in out


def test_restatements_that_disagree_on_the_metric_are_a_problem(bk: Path) -> None:
    c = load_claims(str(bk))
    first = c[c["source_id"] == "us-gov-2023-05-casualties"]["id"].tolist()
    line = _edit(bk, first[1], metric="wounded")
    out = _error(["claims", "check", "--battle", str(bk)])
    assert f"claims.csv:{line}" in out
    assert "field 'source_id' = 'us-gov-2023-05-casualties'" in out
    assert "disagree on metric" in out


def test_a_sector_claim_names_its_sector(bk: Path) -> None:
    _edit(bk, "bk-c010", scope="sector", scope_note="")
    out = _error(["claims", "check", "--battle", str(bk)])
    assert "field 'scope_note' is empty" in out
