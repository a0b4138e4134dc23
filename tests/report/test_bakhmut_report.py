"""The Bakhmut report files, atomic replacement, and traceability of its numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from attrition.data.claims import load_claims
from attrition.report import bakhmut as rb


@pytest.fixture(scope="module")
def built(quick_report: Path) -> Path:
    return quick_report


def test_writes_page_figures_summary_and_claims(built: Path) -> None:
    assert (built / "index.html").stat().st_size > 100_000
    figs = sorted(p.name for p in (built / "figures").iterdir())
    for stem in ("claims_timeline", "control_map"):
        assert f"{stem}.png" in figs
        assert f"{stem}.svg" in figs
    summary = json.loads((built / "summary.json").read_text())
    assert summary["evidence"]["n_claims"] == len(load_claims("bakhmut"))
    assert summary["evidence"]["check_ok"] is True
    assert set(summary["inputs"]) >= {"claims.csv", "article.md", "control_events.csv"}
    used = pd.read_csv(built / "claims_used.csv", dtype=str, keep_default_na=False)
    assert list(used["id"]) == list(load_claims("bakhmut")["id"])


def test_every_claim_on_the_page_is_traceable(built: Path) -> None:
    page = (built / "index.html").read_text(encoding="utf-8")
    claims = load_claims("bakhmut")
    missing = [cid for cid in claims["id"] if f">{cid}<" not in page]
    assert missing == []  # each id appears in the bibliography table


def test_interrupted_run_leaves_previous_report(built: Path, monkeypatch) -> None:
    before = (built / "index.html").read_bytes()

    def boom(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(rb, "_validation_section", boom)
    with pytest.raises(KeyboardInterrupt):  # the model worker is running: it is stopped too
        rb.build_report(built, quick=True, cache=False)
    assert (built / "index.html").read_bytes() == before
    leftovers = [
        p.name
        for p in built.parent.iterdir()
        if p.name.startswith(".") and p.name != ".attrition-cache"
    ]
    assert leftovers == []


def test_unknown_battle_lists_valid_ones(tmp_path: Path) -> None:
    from attrition.errors import UserError

    with pytest.raises(UserError, match="unknown battle 'verdun'; valid: bakhmut"):
        rb.build_report(tmp_path / "x", battle="verdun")


def test_fused_estimate_beside_claimant_figures(built: Path) -> None:
    summary = json.loads((built / "summary.json").read_text())
    est = summary["estimate"]
    for side in ("RU", "UA"):
        cas = est["sides"][side]["casualties"]
        assert cas["q05"] <= cas["median"] <= cas["q95"]
    assert {"UA", "RU", "WEST"} <= set(est["claimant_groups"])
    page = (built / "index.html").read_text(encoding="utf-8")
    assert "Fused estimate and claimant bias" in page
    assert "Measured bias multipliers by claimant side" in page
    # every claimant group's own figures are listed beside the fused value
    for group in est["claimant_groups"].values():
        for fig in group["figures"]:
            assert f">{fig['id']}<" in page


def test_model_scenarios_and_context_sections(built: Path) -> None:
    summary = json.loads((built / "summary.json").read_text())
    model = summary["model"]
    rec = model["record"]
    assert rec["law"] in ("square", "linear", "logarithmic")
    assert 0 < rec["statements_inside"] <= rec["statements"]
    assert rec["statements"] == rec["events"] + rec["claims"]
    assert len(rec["outside_ids"]) == rec["statements"] - rec["statements_inside"]
    names = [s["scenario"] for s in model["scenarios"]]
    assert names[0] == "baseline"
    assert len(names) == 6
    for s in model["scenarios"]:
        cas = s["sides"]["RU"]["casualties"]
        assert cas["q05"] <= cas["median"] <= cas["q95"]
        assert 0.0 <= s["city_fall_date"]["probability_by_end"] <= 1.0
    for side in ("RU", "UA"):
        r = model["bakhmut_rate_per_1000_per_day"][side]
        assert 0 < r["q05"] <= r["median"] <= r["q95"] < 1000
    figs = {p.name for p in (built / "figures").iterdir()}
    for stem in ("model_city_control", "model_casualties", "scenarios_city_control",
                 "scenarios_fall_date", "scenarios_intervals", "historical_context"):  # fmt: skip
        assert {f"{stem}.png", f"{stem}.svg"} <= figs
    page = (built / "index.html").read_text(encoding="utf-8")
    for title in ("The calibrated model against the record", "Scenarios side by side",
                  "Hindcast skill", "Bakhmut RU", "Headline numbers"):  # fmt: skip
        assert title in page
    assert "Quick mode: the hindcasts" in page  # --quick says what it left out
    for cid in rec["outside_ids"]:  # every statement the model misses is named on the page
        assert f">{cid}<" in page


def test_second_run_is_served_from_the_cache(built: Path) -> None:
    before = json.loads((built / "summary.json").read_text())
    result = rb.build_report(built, quick=True)
    assert set(result.stages.values()) == {"cached"}
    after = json.loads((built / "summary.json").read_text())
    for key in ("estimate", "model", "evidence", "validation", "historical_context"):
        assert after[key] == before[key]


def test_corrupted_cache_is_rebuilt_with_a_warning(built: Path) -> None:
    from attrition.errors import DataWarning

    folder = built.parent / ".attrition-cache" / built.name
    entry = next(folder.glob("evidence-*.pkl"))
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF
    entry.write_bytes(bytes(data))
    with pytest.warns(DataWarning, match="corrupted report cache"):
        result = rb.build_report(built, quick=True)
    assert result.stages["evidence"] == "computed"
    assert result.stages["model"] == "cached"
    again = rb.build_report(built, quick=True)  # the rebuilt entry is valid
    assert again.stages["evidence"] == "cached"
