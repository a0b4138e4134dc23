"""Reinforcement and withdrawal schedules, and stopping rules.

A schedule is configuration, not code: impulses (a number of troops arriving, or leaving when
negative, at the start of a given day) and continuous rates (troops per day over ``[start, end)``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from attrition.errors import UserError


@dataclass(frozen=True)
class Impulse:
    """``amount`` troops join (negative: leave) side ``side`` at time ``day``."""

    side: int
    day: float
    amount: float


@dataclass(frozen=True)
class Rate:
    """``per_day`` troops per day join (negative: leave) side ``side`` during ``[start, end)``."""

    side: int
    start: float
    end: float
    per_day: float


@dataclass(frozen=True)
class Schedule:
    """Reinforcements and withdrawals for both sides (validated at construction)."""

    impulses: tuple[Impulse, ...] = ()
    rates: tuple[Rate, ...] = ()

    def __post_init__(self) -> None:
        for imp in self.impulses:
            if imp.side not in (0, 1):
                raise UserError(f"schedule: impulse side must be 0 or 1, got {imp.side}")
            if not (np.isfinite(imp.day) and imp.day >= 0 and np.isfinite(imp.amount)):
                raise UserError(
                    f"schedule: impulse on day {imp.day} of {imp.amount}: day must be >= 0 "
                    "and both finite"
                )
        for rt in self.rates:
            if rt.side not in (0, 1):
                raise UserError(f"schedule: rate side must be 0 or 1, got {rt.side}")
            if not (np.isfinite(rt.start) and np.isfinite(rt.end) and np.isfinite(rt.per_day)):
                raise UserError("schedule: rate start, end and per_day must be finite")
            if rt.start < 0 or rt.end <= rt.start:
                raise UserError(
                    f"schedule: rate over [{rt.start}, {rt.end}) is empty or starts before day 0; "
                    "give 0 <= start < end"
                )

    @classmethod
    def from_mapping(
        cls,
        impulses: Mapping[int, Mapping[float, float]] | None = None,
        rates: Iterable[tuple[int, float, float, float]] = (),
    ) -> Schedule:
        """Build from ``{side: {day: amount}}`` and ``(side, start, end, per_day)`` tuples."""
        imps = tuple(
            Impulse(int(s), float(d), float(a))
            for s, days in (impulses or {}).items()
            for d, a in days.items()
        )
        return cls(imps, tuple(Rate(int(s), float(a), float(b), float(r)) for s, a, b, r in rates))

    @property
    def empty(self) -> bool:
        """True when nothing arrives or leaves."""
        return not self.impulses and not self.rates

    def swapped(self) -> Schedule:
        """The schedule with sides exchanged."""
        return Schedule(
            tuple(Impulse(1 - i.side, i.day, i.amount) for i in self.impulses),
            tuple(Rate(1 - r.side, r.start, r.end, r.per_day) for r in self.rates),
        )

    def rate_at(self, t: float) -> np.ndarray:
        """Continuous reinforcement rate of each side at time ``t``, shape ``(2,)``."""
        out = np.zeros(2)
        for rt in self.rates:
            if rt.start <= t < rt.end:
                out[rt.side] += rt.per_day
        return out

    def breakpoints(self) -> list[float]:
        """Times where the right-hand side jumps (impulses and rate edges), sorted, unique."""
        pts = {i.day for i in self.impulses}
        for rt in self.rates:
            pts.update((rt.start, rt.end))
        return sorted(pts)

    def impulse_at(self, t: float) -> np.ndarray:
        """Sum of impulses at exactly time ``t``, shape ``(2,)``."""
        out = np.zeros(2)
        for imp in self.impulses:
            if imp.day == t:
                out[imp.side] += imp.amount
        return out

    def committed(self, t: float) -> np.ndarray:
        """Cumulative net reinforcement received by time ``t`` (impulses at ``t`` included)."""
        out = np.zeros(2)
        for imp in self.impulses:
            if imp.day <= t:
                out[imp.side] += imp.amount
        for rt in self.rates:
            dur = min(t, rt.end) - rt.start
            if dur > 0:
                out[rt.side] += rt.per_day * dur
        return out


STOP_RULES: tuple[str, ...] = ("annihilation", "breakpoint", "end")


@dataclass(frozen=True)
class StopRule:
    """When a battle ends (declared, not coded into loops).

    Attributes:
        annihilation: stop when a side falls to ``annihilation_level`` or below.
        annihilation_level: strength treated as annihilated (default 0).
        breakpoint: per side, stop when its strength falls below this fraction of its
            *committed* strength (initial strength plus net reinforcements received so far);
            ``None`` disables it for that side.
    """

    annihilation: bool = True
    annihilation_level: float = 0.0
    breakpoint: tuple[float | None, float | None] = field(default=(None, None))

    def __post_init__(self) -> None:
        if self.annihilation_level < 0:
            raise UserError("stop rule: annihilation_level must be >= 0")
        for f in self.breakpoint:
            if f is not None and not 0.0 < f < 1.0:
                raise UserError(f"stop rule: breakpoint fraction must be in (0, 1), got {f}")
