"""Tests of the evidence commands (claims, claims check, events, places, streams, extract)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from attrition.cli import evidence
from attrition.data import claims as claims_mod
from attrition.data.schema import CLAIM_COLUMNS, EVENT_COLUMNS, read_claims_csv
from attrition.errors import UserError

ARTICLE = """---
title: Mini battle
description: The assault started on 1 August.
pubDate: 2023-07-16
---

On 26 October, Oleksii Arestovych claimed that 8,000 Russian soldiers had been killed.
On 9 June, the Ukrainians claimed to have killed 120 Russian occupants and wounded 163.
On 16 January 2023, Russian forces captured Soledar.
"""

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test app."""

    evidence.register(app)
    return app


def claim(
    cid: str, metric: str, value: int, quote: str, claim_date: str, side: str = "RU"
) -> dict[str, Any]:
    return {
        "id": cid,
        "claim_date": claim_date,
        "period_start": "",
        "period_end": "",
        "claimant": "Oleksii Arestovych" if cid == "m-1" else "Ukrainian officials (unnamed)",
        "claimant_side": "UA",
        "subject_side": side,
        "metric": metric,
        "value_low": str(value),
        "value_high": str(value),
        "qualifier": "exact",
        "rate": "total",
        "place": "",
        "quote": quote,
        "offset": str(ARTICLE.index(quote)),
        "notes": "",
        "source": "",
    }


def write_csv(path: Path, columns: tuple[str, ...] | list[str], rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


ROWS = [
    claim("m-1", "killed", 8000, "8,000 Russian soldiers had been killed", "2022-10-26"),
    claim("m-2", "killed", 120, "killed 120 Russian occupants", "2023-06-09"),
    claim("m-3", "wounded", 163, "wounded 163", "2023-06-09"),
]


@pytest.fixture
def battle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A packaged-like battle 'mini' in a temporary battles folder (claims in two parts)."""
    folder = tmp_path / "battles" / "mini"
    folder.mkdir(parents=True)
    (folder / "article.md").write_text(ARTICLE, encoding="utf-8", newline="")
    write_csv(folder / "claims_narrative.csv", CLAIM_COLUMNS, ROWS[:1])
    write_csv(folder / "claims_casualties.csv", CLAIM_COLUMNS, ROWS[1:])
    quote = "Russian forces captured Soledar"
    write_csv(
        folder / "control_events_narrative.csv",
        EVENT_COLUMNS,
        [
            {
                "id": "e-1",
                "date": "2023-01-16",
                "place": "Soledar",
                "event": "captured",
                "by_side": "RU",
                "claimant": "Wikipedia (article text)",
                "claimant_side": "OTHER",
                "quote": quote,
                "offset": ARTICLE.index(quote),
                "notes": "",
            }
        ],
    )
    (folder / "gazetteer.csv").write_text(
        "place,alt_names,lat,lon,approximate,derivation,source\n"
        "Soledar,,48.67935,38.08902,false,,GeoNames\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(claims_mod, "BATTLES_DIR", tmp_path / "battles")
    return folder


def test_every_command_has_help() -> None:
    app = make_app()
    for name in ("claims", "events", "places", "streams", "extract"):
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output
        assert len(result.output.splitlines()) > 3


def test_claims_table_csv_json_and_filters(battle: Path) -> None:
    app = make_app()
    table = runner.invoke(app, ["claims", "mini"])
    assert table.exit_code == 0, table.output
    assert "m-1" in table.output
    assert "8,000" in table.output
    assert "3 rows" in table.output

    out = runner.invoke(app, ["claims", "mini", "--format", "csv"])
    assert out.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.output)))
    lineage = {"scope": "unspecified", "scope_qualifier": "", "scope_note": "", "source_id": ""}
    lineage |= {"component": "", "lineage_note": ""}
    # parts concatenated in order (narrative, casualties), schema round trip; the lineage
    # columns the files leave out read as their defaults
    assert rows == [{**r, **lineage} for r in ROWS]

    js = runner.invoke(app, ["claims", "mini", "--format", "json", "--metric", "killed"])
    data = json.loads(js.output)
    assert [(d["id"], d["value_low"], d["place"]) for d in data] == [
        ("m-1", 8000, None),
        ("m-2", 120, None),
    ]
    dated = runner.invoke(
        app, ["claims", "mini", "--format", "csv", "--from", "2023-01-01", "--to", "2023-12-31"]
    )
    assert [r["id"] for r in csv.DictReader(io.StringIO(dated.output))] == ["m-2", "m-3"]
    who = runner.invoke(app, ["claims", "mini", "--format", "csv", "--claimant", "arestov"])
    assert [r["id"] for r in csv.DictReader(io.StringIO(who.output))] == ["m-1"]


def test_claims_user_errors_are_one_line(battle: Path) -> None:
    app = make_app()
    bad = runner.invoke(app, ["claims", "mini", "--metric", "kills"])
    assert isinstance(bad.exception, UserError)
    assert str(bad.exception).startswith("--metric: unknown metric 'kills'; valid: advance_depth_m")
    assert "\n" not in str(bad.exception)
    unknown = runner.invoke(app, ["claims", "atlantis"])
    assert isinstance(unknown.exception, UserError)
    assert str(unknown.exception) == "unknown battle 'atlantis'; valid: mini"
    extra = runner.invoke(app, ["claims", "mini", "more"])
    assert isinstance(extra.exception, UserError)
    assert "claims check FILE" in str(extra.exception)
    dates = runner.invoke(app, ["claims", "mini", "--from", "2023-02-30"])
    assert isinstance(dates.exception, UserError)
    assert "YYYY-MM-DD" in str(dates.exception)


def test_claims_check(battle: Path, tmp_path: Path) -> None:
    app = make_app()
    ok = runner.invoke(app, ["claims", "check", "mini"])
    # numerals 26, 8,000, 9, 120, 163, 16, 2023: dates and quotes cover all of them
    assert ok.exit_code == 0, ok.output
    assert ok.output.strip().endswith("0 problem(s): OK")
    default = runner.invoke(app, ["claims", "check", "--format", "json"])
    assert isinstance(default.exception, UserError)  # the default battle is bakhmut
    assert str(default.exception).startswith("unknown battle 'bakhmut'; valid: mini")

    rows = [dict(r) for r in ROWS]
    rows[2]["offset"] = "5"
    bad = tmp_path / "bad.csv"
    write_csv(bad, CLAIM_COLUMNS, rows)
    result = runner.invoke(
        app, ["claims", "check", str(bad), "--article", str(battle / "article.md")]
    )
    assert result.exit_code == 2
    assert "claim m-3: field 'offset': quote not found at offset 5" in result.output
    js = runner.invoke(
        app,
        ["claims", "check", str(bad), "--article", str(battle / "article.md"), "--format", "json"],
    )
    report = json.loads(js.output)
    assert report["ok"] is False
    assert report["counts"]["claims"] == 3


def test_events_and_places(battle: Path) -> None:
    app = make_app()
    ev = runner.invoke(app, ["events", "mini"])
    assert ev.exit_code == 0
    assert "Soledar" in ev.output
    assert "captured" in ev.output
    ev_json = json.loads(runner.invoke(app, ["events", "mini", "--format", "json"]).output)
    assert ev_json[0]["date"] == "2023-01-16"
    assert ev_json[0]["offset"] == ARTICLE.index("Russian f")
    pl = runner.invoke(app, ["places", "mini", "--format", "csv"])
    assert pl.output.splitlines()[1] == "Soledar,,48.67935,38.08902,false,,GeoNames"


def test_extract_writes_and_scores(battle: Path, tmp_path: Path) -> None:
    app = make_app()
    out = tmp_path / "proposed.csv"
    result = runner.invoke(app, ["extract", str(battle / "article.md"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    proposed = read_claims_csv(out)  # valid against the schema
    assert proposed["value_low"].tolist() == [8000.0, 120.0, 163.0]
    scored = runner.invoke(
        app,
        ["extract", str(battle / "article.md"), "--against", str(battle / "claims_narrative.csv")],
    )
    assert scored.exit_code == 0
    # one curated row, three proposals, the 8,000 matches: precision 1/3, recall 1
    assert "precision 0.333  recall 1.000  value agreement 1.000" in scored.output


def test_extract_writes_nothing_on_error(battle: Path, tmp_path: Path) -> None:
    app = make_app()
    out = tmp_path / "proposed.csv"
    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: [x\n---\nbody 5 killed\n", encoding="utf-8")
    result = runner.invoke(app, ["extract", str(broken), "--out", str(out)])
    assert isinstance(result.exception, UserError)
    assert "broken.md:2" in str(result.exception)
    assert not out.exists()
    missing = runner.invoke(
        app,
        [
            "extract",
            str(battle / "article.md"),
            "--out",
            str(out),
            "--against",
            str(tmp_path / "nope.csv"),
        ],
    )
    assert isinstance(missing.exception, UserError)
    assert "no such file" in str(missing.exception)
    assert not out.exists()


def test_streams_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from attrition.data import streams

    info = streams.StreamInfo(
        name="fake",
        title="A fake stream",
        claimant="Nobody",
        claimant_side="OTHER",
        subject_sides=("RU",),
        metrics=("killed",),
        start=date(2022, 2, 25),
        end=date(2022, 2, 27),
        licence="CC0",
        attribution="none",
        bias="none",
        defects=(),
    )
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(["2022-02-25", "2022-02-26", "2022-02-27"]),
            "stream": "fake",
            "metric": "killed",
            "subject_side": "RU",
            "series": "personnel",
            "value": [10.0, 25.0, 40.0],
        }
    )
    monkeypatch.setattr(streams, "available_streams", lambda: [info])
    monkeypatch.setattr(streams, "load_streams", lambda names: frame)
    app = make_app()
    listing = runner.invoke(app, ["streams", "--format", "json"])
    assert json.loads(listing.output)[0]["name"] == "fake"
    table = runner.invoke(app, ["streams", "--stream", "fake"])
    assert table.exit_code == 0
    assert "personnel" in table.output
    assert "40" in table.output
    rows = list(
        csv.DictReader(
            io.StringIO(
                runner.invoke(app, ["streams", "--stream", "fake", "--format", "csv"]).output
            )
        )
    )
    assert [r["value"] for r in rows] == ["10", "25", "40"]
    assert rows[0]["date"] == "2022-02-25"


def test_main_app_exit_code_2(battle: Path) -> None:
    import attrition.cli as cli

    app = getattr(cli, "app", None)
    if app is None or "claims" not in {c.name for c in app.registered_commands}:
        pytest.skip("the main app does not register the evidence commands yet")
    result = runner.invoke(app, ["claims", "mini", "--metric", "kills"])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1
    assert "unknown metric 'kills'; valid: " in lines[0]
    bad = runner.invoke(app, ["claims", "mini", "--side", "martians"])
    assert bad.exit_code == 2
    assert "unknown side 'martians'; valid: BOTH" in bad.output
