"""Control of places over time from dated events."""

from __future__ import annotations

import pandas as pd
import pytest

from attrition.data.claims import load_events
from attrition.data.control import base_place, control_timeline, state_after


@pytest.mark.parametrize(
    ("event", "side", "state"),
    [
        ("captured", "RU", "RU"),
        ("recaptured", "UA", "UA"),
        ("held", "UA", "UA"),
        ("claimed_captured", "RU", "RU claimed"),
        ("withdrew", "UA", "RU"),
        ("entered", "RU", "contested"),
        ("encircled", "RU", "contested"),
    ],
)
def test_state_after(event: str, side: str, state: str) -> None:
    assert state_after(event, side, ("UA", "RU")) == state


def test_a_withdrawal_hands_the_place_to_the_other_of_any_two_sides() -> None:
    assert state_after("withdrew", "A", ("A", "B")) == "B"
    assert state_after("withdrew", "A", ("A", "B", "C")) == "contested"
    assert state_after("withdrew", "A") == "contested"  # sides unknown


def test_base_place() -> None:
    assert base_place("Bakhmut (city centre)") == "Bakhmut"
    assert base_place("Soledar") == "Soledar"


def _events(rows: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["id", "date", "place", "event", "by_side"])
    df["date"] = pd.to_datetime(df["date"])
    df["offset"] = range(len(df))
    return df


def test_timeline_latest_event_and_disagreement() -> None:
    ev = _events(
        [
            ("e1", "2023-01-10", "Soledar", "contested", "RU"),
            ("e2", "2023-01-16", "Soledar", "captured", "RU"),
            ("e3", "2023-01-16", "Soledar (mine)", "held", "UA"),
            ("e4", "2023-01-20", "Soledar", "withdrew", "UA"),
        ]
    )
    t = control_timeline(ev, ["2023-01-01", "2023-01-12", "2023-01-16", "2023-01-25"])
    assert list(t["state"]) == ["no report", "contested", "contested", "RU"]
    assert t["event_id"].iloc[2] == "e2;e3"


def test_bakhmut_soledar_falls_to_russian_forces_in_january() -> None:
    t = control_timeline(load_events("bakhmut"), ["2022-12-01", "2023-02-01"])
    soledar = t[t["place"] == "Soledar"]["state"].tolist()
    assert soledar[1] == "RU"
