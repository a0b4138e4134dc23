"""How claims, control events and casualty evidence become observations of the Bakhmut model
(``attrition.battles.bakhmut.observations`` and the mappers it assembles)."""

from __future__ import annotations

import datetime as dt
import importlib
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import attrition.battles.bakhmut as bk
from attrition.battles.bakhmut import observations

CLAIM: dict[str, Any] = {
    "id": "c",
    "metric": "personnel",
    "subject_side": "UA",
    "claimant_side": "INDEPENDENT",
    "claimant": "ISW",
    "qualifier": "about",
    "value_low": 20000.0,
    "value_high": 20000.0,
    "claim_date": "2023-01-15",
    "period_start": None,
    "period_end": None,
    "place": "",
    "quote": "About 20,000 troops",
}
EVENT: dict[str, Any] = {
    "id": "e",
    "date": "2022-12-01",
    "place": "Soledar",
    "event": "captured",
    "by_side": "RU",
    "claimant": "ISW",
    "claimant_side": "INDEPENDENT",
}
OFFENSIVE = 270  # a day in the window for the Ukrainian counter-offensive


def _claims(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame([{**CLAIM, "id": f"c{i}", **r} for i, r in enumerate(rows)])


def _events(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame([{**EVENT, "id": f"e{i}", **r} for i, r in enumerate(rows)])


@pytest.fixture(scope="module")
def geo() -> bk.Geography:
    return bk.geography()


def test_every_name_stays_importable_from_observations_and_the_package() -> None:
    for name in observations.__all__:
        obj = getattr(observations, name)
        assert getattr(bk, name) is obj, name
        home = importlib.import_module(f"attrition.battles.bakhmut.{bk._WHERE[name]}")
        assert getattr(home, name) is obj, name
    assert {"Observation", "Observations", "build_observations", "CityParts"} <= set(
        observations.__all__
    )


def test_claims_read_as_their_metric(geo: bk.Geography) -> None:
    claims = _claims(
        {},  # Ukraine's strength, a value
        {"metric": "city_control_pct", "subject_side": "UA", "place": "Bakhmut",
         "qualifier": "at_least", "value_low": 30.0, "value_high": math.nan},
        {"metric": "killed"},
        {"claim_date": None},
        {"value_low": 500.0, "value_high": 500.0},
        {"metric": "ammo_delivered_pct", "value_low": 30.0, "claimant_side": "UA"},
        {"metric": "city_control_pct", "place": "Soledar", "value_low": 40.0},
    )  # fmt: skip
    out, skipped = bk.claim_observations(claims, geo, None)
    by_id = {o.id: o for o in out}
    assert dict(skipped) == {
        "c2": "casualty figure: enters through the fog-of-war estimate",
        "c3": "undated",
        "c4": "unit-level figure (< 1,000), not the battle's forces",
    }
    ua = by_id["c0"]
    assert (ua.quantity, ua.kind, ua.low, ua.high, ua.scale) == (
        "ua_strength", "value", 20000.0, 20000.0, "log"
    )  # fmt: skip
    assert ua.day == (dt.date(2023, 1, 15) - bk.START).days
    assert ua.date == dt.date(2023, 1, 15)
    assert ua.sigma == pytest.approx(0.25)  # an independent claimant: one noise unit
    city = by_id["c1"]  # Ukraine holds at least 30%: Russia holds at most 70%
    assert (city.quantity, city.kind, city.low, city.high) == ("city", "at_most", -math.inf, 0.7)
    supply = by_id["c5"]  # a partisan claimant doubles the noise; read two weeks earlier
    assert (supply.quantity, supply.low, supply.day) == ("supply", 0.3, ua.day - 14)
    assert supply.sigma == pytest.approx(2 * 0.5)
    flank = by_id["c6"]
    assert (flank.quantity, flank.front) == ("front", 0)
    assert flank.low == pytest.approx(geo.distance["Soledar"] + 0.5 - 0.4)


def test_ukrainian_advances_wait_for_the_offensive_and_share_one_weight(
    geo: bk.Geography,
) -> None:
    late = (bk.START + dt.timedelta(days=OFFENSIVE + 10)).isoformat()
    rows = [
        {"metric": "advance_m", "value_low": 2000.0, "value_high": 2000.0, "claim_date": late},
        {"metric": "advance_depth_m", "value_low": 500.0, "value_high": 900.0,
         "qualifier": "range", "claim_date": late},
        {"metric": "advance_m", "value_low": 100.0, "claim_date": "2022-12-01"},
    ]  # fmt: skip
    out, skipped = bk.claim_observations(_claims(*rows), geo, OFFENSIVE)
    assert [o.quantity for o in out] == ["ua_arm_advance", "ua_arm_advance"]
    assert [o.weight for o in out] == [0.5, 0.5]
    assert all(o.day0 == OFFENSIVE for o in out)
    assert (out[1].kind, out[1].low, out[1].high) == ("range", 0.5, 0.9)
    assert skipped == [("c2", "Ukrainian advance before the counter-offensive is known")]
    none, why = bk.claim_observations(_claims(*rows[:1]), geo, None)
    assert none == []
    assert why == [("c0", "Ukrainian advance before the counter-offensive is known")]


def test_control_events_bound_the_front(geo: bk.Geography) -> None:
    out, skipped = bk.event_observations(
        _events(
            {},  # Russia took Soledar: the northern front is inside it
            {"by_side": "UA", "event": "held", "claimant_side": "UA"},  # partisan: wider
            {"place": "Nowhere"},
            {"place": "Soledar", "event": "encircled"},
            {"date": "2021-01-01"},
            {"event": "visited"},
        ),
        geo,
        bk.city_parts(),
    )
    r = geo.distance["Soledar"]
    ru, ua = out
    assert (ru.front, ru.kind, ru.low, ru.high, ru.sigma) == (
        0, "at_most", -math.inf, r, bk.EVENT_WIDTH_KM
    )  # fmt: skip
    assert (ua.kind, ua.low, ua.high) == ("at_least", r, math.inf)
    assert ua.sigma == bk.EVENT_WIDTH_KM * bk.PARTISAN_FACTOR
    assert [i for i, _ in skipped] == ["e2", "e3", "e4", "e5"]
    assert "no position in the gazetteer" in skipped[0][1]
    assert "encirclement of 'Soledar' is not modelled" in skipped[1][1]


def test_named_parts_of_the_city_come_from_the_parts_table(geo: bk.Geography) -> None:
    parts: bk.CityParts = {
        "north": {"ru": ("NS", 3.0)},
        "centre": {"contested": ("city", 0.4, 0.6)},
    }
    events = _events(
        {"place": "Bakhmut (north)"},
        {"place": "Bakhmut (centre)", "event": "contested"},
        {"place": "Bakhmut (west)"},
    )
    out, skipped = bk.event_observations(events, geo, parts)
    assert [(o.id, o.front, o.kind, o.high, o.weight) for o in out[:2]] == [
        ("e0", 0, "at_most", 3.0, 0.5),
        ("e0", 2, "at_most", 3.0, 0.5),
    ]
    band = out[2]  # a band of city fractions: the larger fraction is the smaller radius
    assert (band.front, band.kind) == (1, "range")
    assert band.low == pytest.approx(bk.radius_for_fraction(0.6, geo))
    assert band.high == pytest.approx(bk.radius_for_fraction(0.4, geo))
    assert skipped == [("e2", "part of the city 'Bakhmut (west)': not mapped")]


def test_casualty_block_is_monthly_log_totals() -> None:
    periods, mean, prec, wagner = bk.casualty_log_totals(None, None)
    assert (periods, mean.shape, prec.shape, wagner) == ((), (0,), (0, 0), False)
    model = bk.BakhmutModel("square", bk.record_schedule())
    ev = bk.synthetic_evidence(model, bk.prior_values(), draws=40, seed=1)
    periods, mean, prec, wagner = bk.casualty_log_totals(ev, dt.date(2022, 11, 10))
    assert periods == ((0, 31), (31, 61), (61, 92), (92, 102))  # Aug, Sep, Oct, 1-10 Nov
    n = len(periods) * (3 if wagner else 2)
    assert mean.shape == (n,)
    assert prec.shape == (n, n)
    np.testing.assert_allclose(prec, prec.T)
    cov = np.linalg.inv(prec)  # at least the discrepancy on every monthly total
    assert np.all(np.diag(cov) >= bk.CASUALTY_DISCREPANCY**2 - 1e-12)


def test_build_observations_uses_only_what_was_known() -> None:
    claims = _claims({"claim_date": "2022-10-01"}, {"claim_date": "2023-02-01"})
    events = _events({"date": "2022-09-01"}, {"date": "2022-09-20"}, {"date": "2023-03-01"})
    sched = bk.record_schedule()
    obs = bk.build_observations(claims, events, None, dt.date(2022, 12, 31), sched)
    assert obs.cutoff == dt.date(2022, 12, 31)
    frame = obs.to_frame()
    assert list(frame["id"]) == ["e0", "e1", "c0"]  # events first, then claims
    assert list(frame.columns) == list(bk.Observation.__dataclass_fields__)
    # the same statement twice in a month shares one unit of weight
    assert list(frame["weight"]) == [0.5, 0.5, 1.0]
    every = bk.build_observations(claims, events, None, None, sched)
    assert [o.id for o in every.items] == ["e0", "e1", "e2", "c0", "c1"]
