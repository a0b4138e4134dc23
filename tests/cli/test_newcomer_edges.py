"""Rough edges a newcomer met on the command line (issue 16): the ``datasets`` table's licence
column, the order of ``events``, and ``scenario new`` without ``--kind``."""

from __future__ import annotations

import csv
import io
import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from attrition.cli import app
from attrition.cli.classic import SHORT_LICENCE_CHARS, short_licence
from attrition.data import datasets

runner = CliRunner()


def _ok(*args: str, columns: int = 80) -> str:
    res = runner.invoke(app, list(args), env={"COLUMNS": str(columns)})
    assert res.exit_code == 0, res.output
    return res.stdout


# -- datasets ----------------------------------------------------------------------------------


def test_the_datasets_table_shows_a_short_licence_and_show_the_full_text() -> None:
    table = _ok("datasets")
    assert len(table.splitlines()) < 40  # was 59 lines at 80 columns
    wide = _ok("datasets", columns=400)
    infos = datasets.available()
    for i in infos:
        assert len(i.licence) > SHORT_LICENCE_CHARS  # the packaged texts are paragraphs
        assert i.licence[: SHORT_LICENCE_CHARS + 10] not in wide  # not the paragraph
        assert f"│ {short_licence(i.licence)} " in wide
    assert "datasets show NAME" in table
    shown = _ok("datasets", "show", "ardennes")
    full = next(i.licence for i in infos if i.name == "ardennes")
    assert f"licence: {full}" in shown


def test_short_licence_names() -> None:
    assert short_licence("ODC-BY 1.0 (Open Data Commons Attribution License) for the tidy") == (
        "ODC-BY 1.0"
    )
    assert short_licence("CC BY (Creative Commons Attribution), the licence of ...") == "CC BY"
    assert short_licence("CC BY-SA 4.0; see the site") == "CC BY-SA 4.0"
    assert short_licence("Public domain facts: US Government figures") == "Public domain facts"
    long = short_licence("Facts " + "x" * 80 + " and more")
    assert len(long) == SHORT_LICENCE_CHARS
    assert long.endswith("…")


def test_datasets_json_keeps_every_key_and_adds_the_short_name() -> None:
    rows = json.loads(_ok("datasets", "--json"))
    for r in rows:
        assert {"name", "rows", "period", "licence", "licence_short"} <= set(r)
        assert r["licence_short"] == short_licence(r["licence"])
        assert len(r["licence"]) > len(r["licence_short"])
    one = json.loads(_ok("datasets", "show", "cdb90", "--json"))
    keys = {"name", "title", "rows", "period", "licence", "description", "citation", "defects"}
    assert keys | {"files", "licence_short"} <= set(one)
    assert one["licence_short"] == "ODC-BY 1.0"


def test_datasets_show_has_csv_like_the_list() -> None:
    rows = list(csv.DictReader(io.StringIO(_ok("datasets", "show", "cdb90", "--format", "csv"))))
    assert len(rows) == 1
    one = json.loads(_ok("datasets", "show", "cdb90", "--json"))
    assert rows[0]["licence"] == one["licence"]
    assert rows[0]["defects"] == " | ".join(one["defects"])


# -- events ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_events_are_in_date_order_undated_last(fmt: str) -> None:
    from attrition.data.claims import load_events

    text = _ok("events", "--format", fmt)
    rows = json.loads(text) if fmt == "json" else list(csv.DictReader(io.StringIO(text)))
    dates = [r["date"] or None for r in rows]
    dated = [d for d in dates if d is not None]
    assert dated == sorted(dated)
    assert dates == dated + [None] * (len(dates) - len(dated))  # undated last
    # stable: events of one date (and the undated ones) keep the file's order
    df = load_events("bakhmut")
    file_order = {e: n for n, e in enumerate(df["id"])}
    for a, b in itertools.pairwise(rows):
        if (a["date"] or None) == (b["date"] or None):
            assert file_order[a["id"]] < file_order[b["id"]]
    assert len(rows) == len(df)


def test_the_events_table_is_in_date_order() -> None:
    table = _ok("events")
    ids = [line.split("│")[1].strip() for line in table.splitlines() if line.startswith("│")]
    ids = [i for i in ids if i]
    rows = json.loads(_ok("events", "--json"))
    assert ids == [r["id"] for r in rows]
    assert "in date order, undated last" in " ".join(_ok("events", "--help").split())


# -- scenario new ------------------------------------------------------------------------------


def test_scenario_new_without_kind_lists_the_kinds(tmp_path: Path) -> None:
    res = runner.invoke(app, ["scenario", "new", "mine", "--out", str(tmp_path / "mine.toml")])
    assert res.exit_code == 2
    line = res.stderr.strip()
    assert "\n" not in line
    assert line.startswith("error: ")
    assert "--kind duel|bakhmut" in line
    assert not (tmp_path / "mine.toml").exists()
