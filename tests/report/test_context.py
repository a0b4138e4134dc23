"""Historical context from CDB90: rates per 1,000 troops per day, by hand."""

from __future__ import annotations

import pytest

from attrition.data.cdb90 import cdb90_daily_rates, load_cdb90
from attrition.report.context import ABSENT, comparison_rates, comparison_summary


def test_rates_match_hand_computation_and_the_cdb90_helper() -> None:
    rates = comparison_rates()
    shiloh = rates[(rates["group"] == "Shiloh (1862)") & (rates["side"] == "attacker")].iloc[0]
    row = load_cdb90().query("name == 'SHILOH'").iloc[0]
    by_hand = row["att_casualties"] / row["att_strength"] / row["duration_days"] * 1000
    assert shiloh["rate_per_1000_per_day"] == pytest.approx(by_hand)
    helper = cdb90_daily_rates(["shiloh"]).iloc[0]["att_rate_per_1000_per_day"]
    assert shiloh["rate_per_1000_per_day"] == pytest.approx(helper)


def test_groups_cover_the_article_comparisons() -> None:
    summary = comparison_summary(comparison_rates())
    counts = summary[summary["side"] == "attacker"].set_index("group")["engagements"]
    assert counts["Iwo Jima (1945)"] == 3
    assert counts["Okinawa (1945)"] == 28
    assert counts["Ardennes (1944–45)"] == 11
    assert counts["Somme (1916)"] == 5
    names = set(load_cdb90()["name"].str.upper())
    for absent in ABSENT:  # none of the absent battles hides in CDB90 under its plain name
        assert absent.split(" (")[0].upper() not in names
