"""The report's "What moves the headline" section (attrition.report.influence)."""

from __future__ import annotations

import pytest

from attrition.report.influence import influence_section

RECORDS = [
    {"variant": "default", "kind": "default", "group": "", "side": s, "median": m,
     "q05": 0.7 * m, "q95": 1.5 * m, "change": 0.0, "n_claims": 40, "r_hat_max": 1.0}
    for s, m in (("RU", 150000.0), ("UA", 50000.0))
] + [
    {"variant": "without WEST", "kind": "left_out", "group": "WEST", "side": "RU",
     "median": 120000.0, "q05": 80000.0, "q95": 200000.0, "change": -0.2, "n_claims": 30,
     "r_hat_max": 1.0},
    {"variant": "without WEST", "kind": "left_out", "group": "WEST", "side": "UA",
     "median": 55000.0, "q05": 30000.0, "q95": 90000.0, "change": 0.1, "n_claims": 30,
     "r_hat_max": 1.0},
    {"variant": "without NAMED", "kind": "left_out", "group": "NAMED", "side": "RU",
     "median": 210000.0, "q05": 90000.0, "q95": 400000.0, "change": 0.4, "n_claims": 18,
     "r_hat_max": 1.0},
    {"variant": "third-party bias centre doubled", "kind": "prior", "group": "", "side": "RU",
     "median": 135000.0, "q05": 90000.0, "q95": 210000.0, "change": -0.1, "n_claims": 40,
     "r_hat_max": 1.0},
]  # fmt: skip

ESTIMATE = {
    "implausible_claims": [
        {"id": "bk-c001", "claimant": "A", "subject": "RU", "metric": "killed",
         "claimed": "100000", "predicted": {"median": 5000.0, "q05": 2000.0, "q95": 12000.0},
         "fused_truth": 6000.0, "factor": 20.0, "tail_p": 0.001},
    ]
}  # fmt: skip


def test_chart_table_and_implausible_claims() -> None:
    sec = influence_section(RECORDS, ESTIMATE, {"RU": "#c00", "UA": "#00c"}, seed=3)
    assert sec.id == "influence"
    html = sec.html
    assert 'id="influence-fig"' in html
    assert "-20%" in html  # the RU change without the Western group
    assert "+10%" in html
    assert "+40%" in html  # without the named-dead streams
    assert "120,000 (80,000–200,000)" in html
    assert "third-party bias centre doubled" in html
    assert ">default<" not in html  # the baseline is the reference, not a bar
    assert "bk-c001" in html
    assert "Implausible claims (1)" in html
    assert "attrition validate influence --seed 3" in html
    assert "at the battle" in html  # the joint model's totals are read at the battle
    assert "named-dead count streams" in html


def test_quick_mode_says_the_refits_are_skipped() -> None:
    sec = influence_section(None, {"implausible_claims": []}, {}, seed=0)
    assert "not computed" in sec.html
    assert "No claim is implausible" in sec.html
    assert "influence-fig" not in sec.html


def test_records_are_the_joint_study_of_the_battle(monkeypatch: pytest.MonkeyPatch) -> None:
    """influence_records runs the study on the default fusion with the report's draws and the
    battle's spec, and returns plain records (the stage cache stores them as JSON)."""
    import pandas as pd

    import attrition.infer.validate.influence as infl
    from attrition.data.claims import battle_spec
    from attrition.report.influence import INFLUENCE_DRAWS, influence_records

    seen: dict[str, object] = {}

    def fake(claims: pd.DataFrame, phases: pd.DataFrame, **kw: object) -> pd.DataFrame:
        seen.update(kw, n=len(claims))
        return pd.DataFrame(RECORDS)

    monkeypatch.setattr(infl, "headline_influence", fake)
    spec = battle_spec("bakhmut")
    records = influence_records("bakhmut", spec, 7)
    assert records == RECORDS
    assert seen["seed"] == 7
    assert (seen["draws"], seen["chains"]) == INFLUENCE_DRAWS
    assert seen["battle"] is spec
    assert seen.get("model", "joint") == "joint"
    assert int(seen["n"]) > 50  # type: ignore[call-overload]
