"""The weight-of-evidence control rule (attrition.data.control.control_evidence)."""

from __future__ import annotations

import pandas as pd

from attrition.data.claims import load_events
from attrition.data.control import control_evidence

SIDES = ["UA", "RU"]


def _events(rows: list[tuple[str, str, str, str, str, str]]) -> pd.DataFrame:
    cols = ["id", "date", "place", "event", "by_side", "claimant_side"]
    df = pd.DataFrame(rows, columns=cols)
    df["date"] = pd.to_datetime(df["date"])
    df["claimant"] = df["claimant_side"]
    df["quote"] = "q " + df["id"]
    return df


def _state(ev: pd.DataFrame, date: str, place: str = "Town") -> pd.Series:
    t = control_evidence(ev, [date], SIDES)
    return t[t["place"] == place].iloc[0]


def test_bakhmut_is_russian_held_on_every_date_after_20_may_2023() -> None:
    dates = list(pd.date_range("2023-05-20", "2023-06-30"))
    t = control_evidence(load_events("bakhmut"), dates, SIDES)
    b = t[t["place"] == "Bakhmut"]
    assert len(b) == len(dates)
    assert set(b["state"]) == {"RU"}, b[b["state"] != "RU"][["date", "state"]]
    assert (b["probability"] >= 0.6).all()
    # the events behind it are the captures and the withdrawal, with their quotes
    first = b.iloc[0]
    assert "ev004" in first["event_id"].split(";")
    assert any("mostly captured" in e["quote"] for e in first["evidence"])


def test_one_self_claim_does_not_flip_a_well_attested_state() -> None:
    base = [("e1", "2023-01-01", "Town", "captured", "RU", "OTHER")]
    self_claim = [("e2", "2023-01-11", "Town", "recaptured", "UA", "UA")]
    row = _state(_events(base + self_claim), "2023-01-12")
    assert row["state"] == "RU"
    assert row["p_UA"] > 0  # the claim counts, it just does not outweigh the capture


def test_two_independent_reports_flip_the_state() -> None:
    base = [("e1", "2023-01-01", "Town", "captured", "RU", "OTHER")]
    two = [
        ("e2", "2023-01-11", "Town", "recaptured", "UA", "INDEPENDENT"),
        ("e3", "2023-01-11", "Town", "recaptured", "UA", "WEST"),
    ]
    assert _state(_events(base + two), "2023-01-12")["state"] == "UA"
    # ... and so does a concession by the other side (an admission against interest)
    conceded = [("e2", "2023-01-11", "Town", "withdrew", "RU", "RU")]
    assert _state(_events(base + conceded[:1] * 2), "2023-01-12")["state"] == "UA"


def test_no_look_ahead() -> None:
    rows = [
        ("e1", "2023-01-01", "Town", "captured", "RU", "OTHER"),
        ("e2", "2023-03-01", "Town", "recaptured", "UA", "INDEPENDENT"),
        ("e3", "2023-03-01", "Town", "recaptured", "UA", "WEST"),
    ]
    ev = _events(rows)
    dates = ["2022-12-01", "2023-01-15", "2023-02-28", "2023-03-02"]
    t = control_evidence(ev, dates, SIDES)
    assert list(t["state"]) == ["no report", "RU", "RU", "UA"]
    # the answer for a date does not change when later events are added or removed
    early = control_evidence(ev[ev["date"] <= "2023-02-28"], dates[:3], SIDES)
    pd.testing.assert_frame_equal(t.iloc[:3].reset_index(drop=True), early)
    for ids in t["event_id"].iloc[:3]:
        assert "e2" not in ids
        assert "e3" not in ids


def test_a_part_of_a_place_weighs_less_than_the_place() -> None:
    rows = [
        ("e1", "2023-01-01", "Town", "captured", "RU", "OTHER"),
        ("e2", "2023-01-02", "Town (east)", "held", "UA", "INDEPENDENT"),
        ("e3", "2023-01-02", "Town (west)", "held", "UA", "INDEPENDENT"),
    ]
    row = _state(_events(rows), "2023-01-03")
    assert row["state"] == "RU"
    assert abs(row["p_UA"] + row["p_RU"] - 1) < 1e-6


def test_reports_of_fighting_alone_make_a_place_contested() -> None:
    rows = [("e1", "2023-01-01", "Town", "contested", "RU", "INDEPENDENT")]
    row = _state(_events(rows), "2023-01-03")
    assert row["state"] == "contested"
    assert row["p_contested"] == 1.0


def test_any_battle_folder_works() -> None:
    ev = load_events("avdiivka")
    t = control_evidence(ev, ["2024-02-20"], SIDES)
    avd = t[t["place"] == "Avdiivka"].iloc[0]
    assert avd["state"] == "RU"  # Ukraine withdrew on 17 February 2024
