"""The Bakhmut report files, atomic replacement, and traceability of its numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from attrition.data.claims import load_claims
from attrition.report import bakhmut as rb


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rep") / "bakhmut"
    rb.build_report(out, quick=True)
    return out


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
    with pytest.raises(KeyboardInterrupt):
        rb.build_report(built, quick=True)
    assert (built / "index.html").read_bytes() == before
    leftovers = [p.name for p in built.parent.iterdir() if p.name.startswith(".")]
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
