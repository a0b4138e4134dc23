"""The Bakhmut claims' lineage table: scope, source lineage and components of every claim.

The fields are columns of ``claims.csv`` (``scope``, ``scope_qualifier``, ``scope_note``,
``source_id``, ``component``; the decision's reason in ``lineage_note``); the review log is
``docs/claims-lineage-review.md``.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from attrition.data.claims import battle_dir, battle_spec
from attrition.data.streams import DATA_DIR

FOLDER = battle_dir("bakhmut")
REVIEW = Path(__file__).resolve().parents[2] / "docs" / "claims-lineage-review.md"

COLUMNS = ["id", "scope", "scope_qualifier", "scope_note", "source_id", "component", "reason"]
SCOPES = {"city", "sector", "front", "unspecified"}
QUALIFIERS = {"", "mainly", "primarily", "around", "near", "vicinity", "including"}
WAGNER_PARTS = {"WAGNER", "WAGNER_CONVICTS", "WAGNER_CONTRACT"}
COMPONENTS = {"", "RU_REGULAR"} | WAGNER_PARTS
CASUALTY_METRICS = {"killed", "wounded", "casualties", "captured", "missing"}

# a daily (or day-range) General Staff report: ua-genstaff-YYYY-MM-DD[-DD]-<metric>
GENSTAFF_ID = re.compile(r"^ua-genstaff-(\d{4}-\d{2})-(\d{2})(?:-(\d{2}))?-([a-z_]+)$")
GENSTAFF_FIELD = {
    "killed": ("russia_losses_personnel.json", "personnel"),
    "tanks_destroyed": ("russia_losses_equipment.json", "tank"),
    "ifv_destroyed": ("russia_losses_equipment.json", "APC"),
    "artillery_destroyed": ("russia_losses_equipment.json", "field artillery"),
}
READABLE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9_]+)+$")
# a citation in a reason: text in single quotes (an apostrophe inside a word does not close it)
CITATION = re.compile(r"(?:(?<=^)|(?<=[\s(/]))'(.+?)'(?=[\s,;:)]|$)")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return _read(FOLDER / "claims.csv")


@pytest.fixture(scope="module")
def lineage(claims: pd.DataFrame) -> pd.DataFrame:
    return claims.rename(columns={"lineage_note": "reason"})[COLUMNS]


@pytest.fixture(scope="module")
def both(claims: pd.DataFrame) -> pd.DataFrame:
    return claims.rename(columns={"lineage_note": "reason"})


def _default(row: pd.Series) -> bool:
    return bool(
        row["scope"] == "city"
        and row["scope_qualifier"] == ""
        and row["source_id"] == f"src-{row['id']}"
        and row["component"] == ""
    )


def test_columns_and_every_claim_once_in_order(claims: pd.DataFrame, lineage: pd.DataFrame) -> None:
    assert list(lineage.columns) == COLUMNS
    assert lineage["id"].tolist() == claims["id"].tolist()
    assert lineage["id"].is_unique


def test_vocabularies(lineage: pd.DataFrame) -> None:
    assert set(lineage["scope"]) <= SCOPES, set(lineage["scope"]) - SCOPES
    qualifiers = set(lineage["scope_qualifier"])
    assert qualifiers <= QUALIFIERS, qualifiers - QUALIFIERS
    assert set(lineage["component"]) <= COMPONENTS, set(lineage["component"]) - COMPONENTS
    for col in COLUMNS:
        assert not lineage[col].str.strip().ne(lineage[col]).any(), f"{col}: stray whitespace"


def test_every_non_default_row_has_a_reason(lineage: pd.DataFrame) -> None:
    bare = [r["id"] for _, r in lineage.iterrows() if not _default(r) and not r["reason"]]
    assert not bare, f"non-default rows without a reason: {bare}"


def test_sector_rows_name_their_sector(lineage: pd.DataFrame) -> None:
    sectors = lineage[lineage["scope"] == "sector"]
    assert len(sectors) > 0
    unnamed = sectors.loc[sectors["scope_note"] == "", "id"].tolist()
    assert not unnamed, f"sector rows without a scope_note: {unnamed}"


def test_reasons_cite_the_article(lineage: pd.DataFrame) -> None:
    text = (FOLDER / "article.md").read_text(encoding="utf-8")
    missing = []
    for _, row in lineage.iterrows():
        for m in CITATION.finditer(row["reason"]):
            parts = [p.strip() for p in m.group(1).split("...") if p.strip()]
            missing += [(row["id"], p) for p in parts if p not in text]
    assert not missing, missing


def test_source_ids_are_own_shared_or_a_general_staff_report(
    both: pd.DataFrame, lineage: pd.DataFrame
) -> None:
    sizes = lineage["source_id"].value_counts()
    for _, row in both.iterrows():
        sid = row["source_id"]
        if sid.startswith("src-"):
            assert sid == f"src-{row['id']}", f"{row['id']}: an own source is src-<its id>"
            continue
        assert READABLE_ID.match(sid), f"{row['id']}: unreadable source_id {sid!r}"
        gs = GENSTAFF_ID.match(sid)
        if gs:
            assert gs.group(4) == row["metric"], f"{row['id']}: {sid} names another metric"
        else:
            assert sizes[sid] >= 2, f"{row['id']}: {sid} is shared by no other claim; use src-<id>"


def test_restatements_share_their_original_source(both: pd.DataFrame) -> None:
    by_id = both.set_index("id")["source_id"]
    dups = both[both["notes"].str.contains("dup_of:")]
    assert len(dups) > 0
    for _, row in dups.iterrows():
        target = re.search(r"dup_of:(\S+?)(?:;|$)", row["notes"])
        assert target, row["id"]
        assert row["source_id"] == by_id[target.group(1)], f"{row['id']} restates {target.group(1)}"


def test_members_of_a_source_group_agree(both: pd.DataFrame) -> None:
    spec = battle_spec("bakhmut")
    assert spec is not None
    side = both["subject_side"].map(lambda s: spec.component_of.get(s, s))
    both = both.assign(side=side)
    groups = both.groupby("source_id")
    shared = [g for _, g in groups if len(g) > 1]
    assert len(shared) >= 10
    for g in shared:
        sid = g["source_id"].iat[0]
        for col in (
            "metric",
            "rate",
            "side",
            "component",
            "scope",
            "scope_qualifier",
            "scope_note",
        ):
            assert g[col].nunique() == 1, f"{sid}: {col} differs: {g[col].tolist()}"


def test_components_fit_the_subject(both: pd.DataFrame) -> None:
    for _, row in both.iterrows():
        subject, comp = row["subject_side"], row["component"]
        if subject == "WAGNER":
            assert comp in WAGNER_PARTS, f"{row['id']}: a claim about Wagner has a Wagner component"
        elif subject == "RU":
            assert comp in COMPONENTS, row["id"]
        else:
            assert comp == "", f"{row['id']}: subject {subject} has no components"
    # the subtotals that used to be read as all of Wagner (issue 14, cause 3)
    comp = both.set_index("id")["component"]
    assert comp["bk-c116"] == "WAGNER_CONVICTS"
    assert comp["bk-c117"] == "WAGNER_CONTRACT"
    assert comp["bk-c120"] == "WAGNER_CONVICTS"
    assert comp["bk-c112"] == "WAGNER"


def test_the_wider_scopes_of_the_issue(lineage: pd.DataFrame) -> None:
    by_id = {str(r["id"]): {str(k): str(v) for k, v in r.items()} for _, r in lineage.iterrows()}

    def cell(rid: str, col: str) -> str:
        return by_id[rid][col]

    assert (cell("bk-n016", "scope"), cell("bk-n016", "scope_note")) == (
        "sector",
        "Bakhmut–Vuhledar",
    )
    assert (cell("bk-c043", "scope"), cell("bk-c043", "scope_qualifier")) == ("city", "mainly")
    assert (cell("bk-c105", "scope"), cell("bk-c105", "scope_qualifier")) == ("city", "primarily")
    us = {rid for rid, r in by_id.items() if r["source_id"] == cell("bk-c105", "source_id")}
    assert {"bk-c105", "bk-c111", "bk-c126"} <= us  # Kirby, Biden, Blinken
    assert cell("bk-c003", "source_id") == cell("bk-c125", "source_id")  # table row, Cherevaty


def _genstaff_increment(field: tuple[str, str], first: date, last: date) -> float:
    fname, key = field
    rows = json.loads((DATA_DIR / "genstaff" / fname).read_text(encoding="utf-8"))
    by_day = {r["date"]: r[key] for r in rows}
    before = (first - timedelta(days=1)).isoformat()
    return float(by_day[last.isoformat()] - by_day[before])


def test_general_staff_rows_match_the_packaged_series(both: pd.DataFrame) -> None:
    traced = both[both["source_id"].str.startswith("ua-genstaff-")]
    assert len(traced) > 0
    for _, row in traced.iterrows():
        m = GENSTAFF_ID.match(row["source_id"])
        assert m, row["source_id"]
        month, day, last_day, metric = m.groups()
        first = date.fromisoformat(f"{month}-{day}")
        last = date.fromisoformat(f"{month}-{last_day}") if last_day else first
        assert row["scope"] == "front", f"{row['id']}: a General Staff report is whole-front"
        value = float(row["value_low"] or row["value_high"])
        expected = _genstaff_increment(GENSTAFF_FIELD[metric], first, last)
        assert abs(value - expected) <= max(1.0, 0.1 * expected), (row["id"], value, expected)


def test_review_log_lists_every_shared_group(lineage: pd.DataFrame) -> None:
    text = REVIEW.read_text(encoding="utf-8")
    counts = lineage["source_id"].value_counts()
    shared = [s for s in counts.index if counts[s] > 1 or s.startswith("ua-genstaff-")]
    absent = [s for s in shared if f"`{s}`" not in text]
    assert not absent, f"groups missing from {REVIEW.name}: {absent}"
