"""The Bakhmut report files, atomic replacement, and traceability of its numbers."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from attrition.battles import bakhmut as bakhmut_model
from attrition.battles.bakhmut.scenarios import load_scenario
from attrition.data.claims import load_claims
from attrition.report import bakhmut as rb
from attrition.report.build import build_report
from attrition.report.model import ModelSettings


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
    assert set(summary["inputs"]) >= {"claims.csv", "article.md", "events.csv"}
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

    monkeypatch.setattr(rb, "validation_section", boom)
    with pytest.raises(KeyboardInterrupt):  # the model worker is running: it is stopped too
        build_report(built, quick=True, cache=False)
    assert (built / "index.html").read_bytes() == before
    leftovers = [
        p.name
        for p in built.parent.iterdir()
        if p.name.startswith(".")
        and p.name != ".attrition-cache"
        and not p.name.endswith(".attrition-lock")  # the lock file is kept (same inode)
    ]
    assert leftovers == []


def test_unknown_battle_lists_valid_ones(tmp_path: Path) -> None:
    from attrition.errors import UserError

    with pytest.raises(UserError, match="unknown battle 'verdun'; valid: avdiivka, bakhmut"):
        build_report(tmp_path / "x", battle="verdun")


def test_fused_estimate_beside_claimant_figures(built: Path) -> None:
    summary = json.loads((built / "summary.json").read_text())
    est = summary["estimate"]
    totals = est["sides"]
    # The model stage calibrates on the casualty evidence of `attrition scenario run` (the
    # default fusion at its own settings, scenarios.default_evidence): the record's fused totals
    # are that evidence's quantiles, exactly (same seed, same bytes in another process).
    from attrition.battles.bakhmut.scenarios import default_evidence
    from attrition.infer.quantiles import quantiles

    fused = summary["model"]["record"]["fused_casualties"]
    ev_totals = default_evidence(None).draws.sum(axis=1)
    for k, side in enumerate(("RU", "UA")):
        assert fused[side] == pytest.approx(quantiles(ev_totals[:, k]), rel=1e-9)
        # the report's own fused estimate is another fit of the same model: close, not equal
        assert totals[side]["casualties"]["median"] == pytest.approx(
            fused[side]["median"], rel=0.15
        )
    # Draw by draw, a part is at most the whole (killed and wounded of casualties, Wagner of
    # RU, a period inside the window of the window's total), so every quantile is too; 1e-3
    # allows for the rounding to 4 significant figures and the float32 sampler.

    def at_most(part: dict[str, float], bound: dict[str, float], what: str) -> None:
        for k in ("q05", "median", "q95"):
            assert part[k] <= bound[k] * (1 + 1e-3), (what, k, part[k], bound[k])

    for side, quantities in totals.items():
        for m in ("killed", "wounded"):
            at_most(quantities[m], quantities["casualties"], f"{side} {m}")
        if side == "WAGNER":
            for m, q in quantities.items():
                at_most(q, totals["RU"][m], f"WAGNER {m}")
    start, end = est["window"]["start"], est["window"]["end"]
    for group in est["claimant_groups"].values():
        for fig in group["figures"]:
            assert start <= fig["period"][0] <= fig["period"][1] <= end, fig
            # the fused value is read at the claim's scope: only a claim about the battle
            # (city) is bounded by the battle's totals (a front claim is of the whole war, an
            # unspecified one a mixture of the two)
            at_battle = fig.get("scope", "city") == "city"
            if fig["metric"] == "casualty_ratio":
                if at_battle and fig["period"] == [start, end]:  # the window's exchange ratio
                    assert fig["fused"] == pytest.approx(est["exchange_ratio"], rel=1e-3)
                continue
            if at_battle:
                at_most(fig["fused"], totals[fig["subject"]][fig["metric"]], fig["id"])
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
    assert len(names) == 9
    # the record is compared with the baseline scenario's own ensemble under the law of highest
    # weight; the report's scenarios are mixtures over the laws
    part = model["scenarios"][0]["laws"][rec["law"]]
    for k in ("city_fall_date", "sides", "exchange_ratio"):
        assert part[k] == rec["baseline"][k], k
    weights = model["scenarios"][0]["law_weights"]
    assert rec["law"] == max(weights, key=lambda law: weights[law])
    for s in model["scenarios"]:
        assert (s["runs"], s["seed"]) == (ModelSettings.for_mode(True).runs, summary["seed"])
        f = s["city_fall_date"]
        p = f["probability_by_end"]
        assert p * s["runs"] == pytest.approx(round(p * s["runs"]), abs=1e-9)  # a share of runs
        # fall-date quantiles use the inverted CDF: the q-quantile is a date exactly when more
        # than a share q of the runs fell (at exactly q either is right)
        for key, q in (("q05", 0.05), ("median", 0.5), ("q95", 0.95)):
            if p != q:
                assert (f[key] is not None) == (p > q), (s["scenario"], key, p)
        dates = [f[k] for k in ("q05", "median", "q95") if f[k] is not None]
        assert dates == sorted(dates)
        # a full withdrawal hands the city over the next day in every run
        spec = load_scenario(s["scenario"])
        for w in spec.schedule.withdrawals or []:
            if w.to_fraction == 1.0:
                assert p == 1.0
                assert f["q95"] <= (w.date + dt.timedelta(days=1)).isoformat(), f
    # Rates per 1,000 troops are fused casualties per day over the modelled strength, so the
    # fused total over the window, per day, over the median rate gives the mean Ukrainian
    # strength the model used: it must lie inside the 99.9% prior range of the committed
    # Ukrainian strength (parameters ua_1..ua_3); the page shows the same rates.
    rates = model["bakhmut_rate_per_1000_per_day"]
    days = summary["estimate"]["window"]["days"]
    ua_strength = 1000 * rec["fused_casualties"]["UA"]["median"] / days / rates["UA"]["median"]
    prior = {x.name: x for x in bakhmut_model.PARAMS}
    ua = [prior[f"ua_{k}"] for k in (1, 2, 3)]
    lo = min(math.exp(x.loc - 3.29 * x.scale) for x in ua)
    hi = max(math.exp(x.loc + 3.29 * x.scale) for x in ua)
    assert lo < ua_strength < hi, (ua_strength, lo, hi)
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
    for r in rates.values():
        assert f"{r['median']:.1f} ({r['q05']:.1f}–{r['q95']:.1f})" in page


def test_second_run_is_served_from_the_cache(built: Path) -> None:
    before = json.loads((built / "summary.json").read_text())
    result = build_report(built, quick=True)
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
        result = build_report(built, quick=True)
    assert result.stages["evidence"] == "computed"
    assert result.stages["model"] == "cached"
    again = build_report(built, quick=True)  # the rebuilt entry is valid
    assert again.stages["evidence"] == "cached"
