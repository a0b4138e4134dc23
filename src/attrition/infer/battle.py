"""Daily battle series in the shape every fitter reads.

:class:`BattleData` is the adapter between packaged datasets (tidy tables) and the fitters:
two named sides, observed daily strengths (NaN where unknown), daily losses (NaN where unknown),
initial strengths and the reinforcement schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from attrition.errors import UserError
from attrition.models.schedule import Schedule

SIDE_NAMES: dict[str, tuple[str, str]] = {
    "iwo-jima": ("us", "japan"),
    "ardennes": ("allied", "german"),
}


@dataclass(frozen=True)
class BattleData:
    """Observed daily series of a two-sided battle.

    Attributes:
        name: dataset name.
        sides: names of (blue, red).
        day: day numbers, shape ``(n,)``.
        force: strengths on each day, shape ``(n, 2)``, NaN where unobserved.
        losses: losses suffered on each day, shape ``(n, 2)``, NaN where unobserved.
        initial: strengths at day 0 before reinforcements, shape ``(2,)``.
        schedule: reinforcements (for trajectory fits).
        day0: the day number that model time 0 corresponds to.
    """

    name: str
    sides: tuple[str, str]
    day: np.ndarray
    force: np.ndarray
    losses: np.ndarray
    initial: np.ndarray
    schedule: Schedule
    day0: float = 0.0

    @property
    def complete(self) -> bool:
        """True when both sides' strengths and losses are observed every day."""
        return bool(np.all(np.isfinite(self.force)) and np.all(np.isfinite(self.losses)))

    def select(self, days: tuple[int, int] | None) -> BattleData:
        """Keep days ``a..b`` inclusive; raises :class:`UserError` outside the data."""
        if days is None:
            return self
        a, b = days
        lo, hi = int(self.day.min()), int(self.day.max())
        if a > b or a < lo or b > hi:
            raise UserError(
                f"{self.name}: days {a}-{b} are outside the data (days {lo}-{hi}); "
                f"give --days A-B with {lo} <= A <= B <= {hi}"
            )
        m = (self.day >= a) & (self.day <= b)
        return replace(self, day=self.day[m], force=self.force[m], losses=self.losses[m])


def parse_days(text: str | None) -> tuple[int, int] | None:
    """Parse ``"A-B"`` (or a single day ``"A"``) into a pair of ints."""
    if text is None or text == "":
        return None
    parts = text.split("-")
    try:
        if len(parts) == 1:
            a = b = int(parts[0])
        elif len(parts) == 2:
            a, b = int(parts[0]), int(parts[1])
        else:
            raise ValueError
    except ValueError:
        raise UserError(f"--days {text!r}: write a day range as A-B, e.g. 1-32") from None
    return a, b


def iwo_jima_data(**options: Any) -> BattleData:
    """Iwo Jima: US active troops and daily casualties (Engel's series), Japanese unobserved."""
    from attrition.data import datasets

    df = datasets.load_iwo_jima(**options)
    params = datasets.iwo_jima_engel_parameters()
    n = len(df)
    cum = df["us_cumulative_casualties"].to_numpy(float)
    daily = np.diff(np.concatenate([[0.0], cum]))
    force = np.column_stack([df["us_active"].to_numpy(float), np.full(n, np.nan)])
    losses = np.column_stack([daily, np.full(n, np.nan)])
    reinf = params["us_reinforcements"]
    rates = [(0, float(d) - 1.0, float(d), float(a)) for d, a in dict(reinf).items()]
    return BattleData(
        "iwo-jima",
        SIDE_NAMES["iwo-jima"],
        df["day"].to_numpy(int),
        force,
        losses,
        np.array([0.0, float(params["japan_initial"])]),
        Schedule.from_mapping(rates=rates),
        day0=0.0,
    )


def ardennes_data(**options: Any) -> BattleData:
    """Ardennes (Fricker tables): both sides' daily force and losses; day 0 dropped (no
    German data)."""
    from attrition.data import datasets

    df = datasets.load_ardennes(**options)
    df = df[df["day"] >= 1]
    force = df[["blue_force", "red_force"]].to_numpy(float)
    losses = df[["blue_losses", "red_losses"]].to_numpy(float)
    return BattleData(
        "ardennes",
        SIDE_NAMES["ardennes"],
        df["day"].to_numpy(int),
        force,
        losses,
        force[0].copy(),
        Schedule(),
        day0=float(df["day"].iloc[0]),
    )


def load_battle(name: str, **options: Any) -> BattleData:
    """Load a daily dataset as :class:`BattleData` (``iwo-jima`` or ``ardennes``)."""
    if name == "iwo-jima":
        return iwo_jima_data(**options)
    if name == "ardennes":
        return ardennes_data(**options)
    raise UserError(
        f"dataset {name!r} has no daily two-sided series to fit; valid: ardennes, iwo-jima"
    )
