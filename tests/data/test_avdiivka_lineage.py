"""The Avdiivka claims' lineage: scope, source lineage and components of every claim.

The fields are columns of ``claims.csv`` (``scope``, ``scope_qualifier``, ``scope_note``,
``source_id``, ``component``, ``lineage_note``); the review log is the "Avdiivka" section of
``docs/claims-lineage-review.md``.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from attrition.cli import app
from attrition.data.checks import check_claims
from attrition.data.claims import battle_dir, battle_spec, load_claims
from attrition.data.schema.vocab import CLAIM_COLUMNS
from attrition.data.streams import DATA_DIR

FOLDER = battle_dir("avdiivka")
REVIEW = Path(__file__).resolve().parents[2] / "docs" / "claims-lineage-review.md"

LINEAGE = ["scope", "scope_qualifier", "scope_note", "source_id", "component", "lineage_note"]
SCOPES = {"city", "sector", "front", "unspecified"}
QUALIFIERS = {"", "mainly", "primarily", "around", "near", "vicinity", "including"}
# a shared source: a readable id (owner-date-what), never a claim's own id
READABLE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9_]+)+$")
# the sector of a sector claim is named by more than the battle's own town
NOT_A_SECTOR_NAME = {"avdiivka", "avdiivka sector", "avdiivka direction", "sector"}
# whole-front General Staff fields for the metrics a battle's count cannot exceed
GENSTAFF_FIELD = {
    "killed": ("russia_losses_personnel.json", "personnel"),
    "tanks_destroyed": ("russia_losses_equipment.json", "tank"),
    "vehicles_destroyed": ("russia_losses_equipment.json", "APC"),
    "artillery_destroyed": ("russia_losses_equipment.json", "field artillery"),
}


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return pd.read_csv(FOLDER / "claims.csv", dtype=str, keep_default_na=False, encoding="utf-8")


def _default(r: pd.Series) -> bool:
    """A row with nothing to explain: the battle, no hedge, its own source, the whole side."""
    return bool(
        r["scope"] == "city"
        and r["scope_qualifier"] == ""
        and r["scope_note"] == ""
        and r["source_id"] == ""
        and r["component"] == ""
    )


def test_the_lineage_columns_follow_source_in_schema_order(claims: pd.DataFrame) -> None:
    assert list(claims.columns) == list(CLAIM_COLUMNS)
    assert list(claims.columns[-7:]) == ["source", *LINEAGE]


def test_every_claim_has_a_valid_scope_and_qualifier(claims: pd.DataFrame) -> None:
    assert (claims["scope"] != "").all(), "every claim is decided; none left to the default"
    assert set(claims["scope"]) <= SCOPES
    assert set(claims["scope_qualifier"]) <= QUALIFIERS
    # the parsed table agrees with the file (no cell read as the 'unspecified' default)
    parsed = load_claims("avdiivka")
    assert list(parsed["scope"]) == list(claims["scope"])


def test_every_non_default_row_has_a_lineage_note(claims: pd.DataFrame) -> None:
    missing = [r["id"] for _, r in claims.iterrows() if not _default(r) and not r["lineage_note"]]
    assert not missing, f"non-default rows without a lineage_note: {missing}"


def test_judgement_calls_are_marked_and_stay_in_the_battle(claims: pd.DataFrame) -> None:
    judged = claims[claims["lineage_note"].str.startswith("judgement:")]
    assert len(judged) >= 5
    assert set(judged["scope"]) == {"city"}


def test_sector_rows_name_their_sector(claims: pd.DataFrame) -> None:
    sectors = claims[claims["scope"] == "sector"]
    assert len(sectors) > 0
    for _, r in sectors.iterrows():
        note = r["scope_note"].strip()
        assert note, f"{r['id']}: sector claim without its sector"
        assert note.lower() not in NOT_A_SECTOR_NAME, f"{r['id']}: {note!r} names no sector"


def test_the_wider_figures_are_sectors(claims: pd.DataFrame) -> None:
    by_id = claims.set_index("id")
    # Avdiivka and Marinka together; the US axis; the Tavria group's whole Donetsk area
    expected = {
        "av-c015": "Avdiivka–Marinka",
        "av-c016": "Avdiivka–Marinka",
        "av-c036": "Avdiivka–Novopavlivka",
        "av-c037": "Avdiivka–Novopavlivka",
        "av-c040": "Tavria group area in Donetsk Oblast",
        "av-c041": "Tavria group area in Donetsk Oblast",
        "av-c042": "Tavria group area in Donetsk Oblast",
    }
    for cid, note in expected.items():
        assert by_id.loc[cid, "scope"] == "sector", cid
        assert by_id.loc[cid, "scope_note"] == note, cid
    # the Kyiv Independent's Avdiivka share of the Tavria figure is the battle's, and says so
    assert by_id.loc["av-c043", "scope"] == "city"
    assert "av-c040" in str(by_id.loc["av-c043", "lineage_note"])


def test_source_groups_are_shared_readable_and_agree(claims: pd.DataFrame) -> None:
    shared = claims[claims["source_id"] != ""]
    for sid, g in shared.groupby("source_id"):
        assert READABLE_ID.match(str(sid)), sid
        assert len(g) >= 2, f"{sid}: a source_id names an estimate restated at least twice"
        for col in ("metric", "rate", "subject_side", "component", "scope", "scope_qualifier"):
            assert g[col].nunique() == 1, f"{sid}: members disagree on {col}"
    assert set(shared["id"]) == {"av-c068", "av-c069"}


def test_components_are_parts_of_the_subject_side(claims: pd.DataFrame) -> None:
    spec = battle_spec("avdiivka")
    assert spec is not None
    for _, r in claims[claims["component"] != ""].iterrows():
        assert spec.claim_components.get(r["component"]) == r["subject_side"], r["id"]
    # no Avdiivka claim counts a part of a side (no Wagner here): every row is a whole side
    assert set(claims["component"]) == {""}


def _genstaff_increment(metric: str, start: str, end: str) -> float:
    """The General Staff's whole-front increase over a period (a report of day d counts d-1)."""
    fname, field = GENSTAFF_FIELD[metric]
    rows = json.loads((DATA_DIR / "genstaff" / fname).read_text(encoding="utf-8"))
    series = {r["date"]: float(r.get(field) or 0) for r in rows}
    first = date.fromisoformat(start).isoformat()
    last = (date.fromisoformat(end) + timedelta(days=1)).isoformat()
    return series[last] - series[first]


def test_no_battle_claim_exceeds_the_whole_front(claims: pd.DataFrame) -> None:
    """Why no claim is ``front``: each Russian loss count of the battle is below the General
    Staff's whole-front count of the same days (a larger one would be a whole-front figure)."""
    rows = claims[
        (claims["subject_side"] == "RU")
        & claims["metric"].isin(list(GENSTAFF_FIELD))
        & (claims["rate"] == "total")
        & (claims["period_start"] != "")
        & (claims["period_end"] != "")
    ]
    assert len(rows) >= 15
    for _, r in rows.iterrows():
        value = float(r["value_low"] or r["value_high"])
        whole = _genstaff_increment(r["metric"], r["period_start"], r["period_end"])
        assert value < whole, f"{r['id']}: {value} >= whole-front {whole}"
    assert (claims["scope"] != "front").all()


def test_claims_check_passes() -> None:
    report = check_claims("avdiivka")
    assert report.ok, report.problems
    res = CliRunner().invoke(app, ["claims", "check", "--battle", "avdiivka"])
    assert res.exit_code == 0, res.output
    assert "0 problem(s)" in res.output


def test_claims_check_refuses_a_group_that_disagrees(tmp_path: Path) -> None:
    """The shared source is checked: give its endorsement another side and check refuses it."""
    import shutil

    folder = tmp_path / "avdiivka"
    shutil.copytree(FOLDER, folder)
    df = pd.read_csv(folder / "claims.csv", dtype=str, keep_default_na=False)
    df.loc[df["id"] == "av-c069", "subject_side"] = "RU"
    df.to_csv(folder / "claims.csv", index=False, lineterminator="\n")
    report = check_claims(folder, coverage=False)
    assert not report.ok
    assert any("av-c069" in p and "source_id" in p for p in report.problems)


def test_review_log_has_an_avdiivka_section_with_every_group(claims: pd.DataFrame) -> None:
    text = REVIEW.read_text(encoding="utf-8")
    head = text.find("\n# Avdiivka")
    head = head if head >= 0 else text.find("\n## Avdiivka")
    assert head >= 0, "no Avdiivka section in the review log"
    section = text[head:]
    for sid in sorted(set(claims["source_id"]) - {""}):
        assert f"`{sid}`" in section, sid
    for note in sorted(set(claims.loc[claims["scope"] == "sector", "scope_note"])):
        assert note in section, note
