"""The dated schedule of the Bakhmut model.

Phases, supply, recruitment, forces, withdrawals, holds and offensives.

Value objects only: :meth:`BakhmutSchedule.record` builds the record's schedule from a phases
table and a :class:`~attrition.battles.bakhmut.geometry.Geography` passed in (no file is read
here); :meth:`BakhmutSchedule.daily` expands it to day-by-day arrays for the engines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.errors import UserError, unknown_name

if TYPE_CHECKING:
    import pandas as pd
from attrition.battles.bakhmut.axes import (
    COMPONENT_NAMES,
    COMPONENTS,
    DAYS,
    FRONTS,
    N_PHASES,
    N_SUPPLY,
    START,
    UA_INDEX,
)
from attrition.battles.bakhmut.geometry import Geography, radius_for_fraction

WHOLE_CITY = 0.999
"""A withdrawal to at least this share of the city hands over the whole city: the line moves
past its western edge and the city counts as given up (no fighting in it, the garrison
released)."""


@dataclass(frozen=True)
class PhaseStart:
    """A dated regime switch: phase ``index`` (0..4) starts on ``date``."""

    date: dt.date
    index: int
    record: bool = True
    source: str = ""


@dataclass(frozen=True)
class Supply:
    """From ``date`` Wagner's ammunition is ``level`` (share of demand) or, when ``level`` is
    ``None``, the calibrated parameter ``supply_<param+1>``."""

    date: dt.date
    level: float | None = None
    param: int = 0
    record: bool = True
    source: str = ""


@dataclass(frozen=True)
class Recruitment:
    """Convict recruitment runs from ``start`` to ``end`` (``None``: open-ended)."""

    start: dt.date
    end: dt.date | None
    record: bool = True
    source: str = ""


FORCES: tuple[str, ...] = (
    "wagner_convicts",
    "wagner_professionals",
    "wagner",
    "russian_regulars",
    "ukraine",
)


_FORCE_COMPONENTS: dict[str, tuple[int, ...]] = {
    "wagner_convicts": (0,),
    "wagner_professionals": (1,),
    "wagner": (0, 1),
    "russian_regulars": (2,),
    "ukraine": (3,),
}


@dataclass(frozen=True)
class Force:
    """A force arrives on ``arrive`` (its initial strength lands then) and leaves from ``depart``
    (``None``: stays)."""

    force: str
    arrive: dt.date = START
    depart: dt.date | None = None
    record: bool = True
    source: str = ""

    def __post_init__(self) -> None:
        if self.force not in _FORCE_COMPONENTS:
            raise unknown_name("force", self.force, FORCES)
        if self.depart is not None and self.depart <= self.arrive:
            raise UserError(
                f"force {self.force}: departure {self.depart} is not after its arrival "
                f"{self.arrive}; a force cannot withdraw before it arrives"
            )


@dataclass(frozen=True)
class Withdrawal:
    """Ukraine withdraws from the city on ``date`` to the line leaving Russia ``to_fraction``
    of it (1.0: the whole city)."""

    date: dt.date
    to_fraction: float = 1.0
    record: bool = True
    source: str = ""


@dataclass(frozen=True)
class Hold:
    """Ukraine holds ``place`` until ``until``: its front cannot pass the place before then."""

    place: str
    until: dt.date
    record: bool = False
    source: str = ""


@dataclass(frozen=True)
class Offensive:
    """Ukrainian flank counter-offensive from ``start`` to ``end`` (``None``: open-ended)."""

    start: dt.date
    end: dt.date | None = None
    record: bool = True
    source: str = ""


@dataclass(frozen=True)
class DailySchedule:
    """The schedule as per-day arrays (``days`` entries; day ``d`` covers ``[d, d + 1)``)."""

    phase: np.ndarray
    supply_param: np.ndarray
    supply_level: np.ndarray
    recruiting: np.ndarray
    offensive: np.ndarray
    present: np.ndarray
    departing: np.ndarray
    arrive_day: np.ndarray
    withdraw_to: np.ndarray
    withdrawn: np.ndarray
    hold_line: np.ndarray


@dataclass(frozen=True)
class BakhmutSchedule:
    """The dated regime switches and decisions the model reads (validated when built).

    Build the record with :meth:`record` (or load the packaged one with
    :func:`attrition.battles.bakhmut.record.record_schedule`); scenarios replace whole kinds of
    items (:meth:`with_items`); :meth:`known_by` drops the record items dated after a cutoff.
    ``geography`` is the ring geometry the places of holds and withdrawals are measured in.
    """

    geography: Geography
    phases: tuple[PhaseStart, ...] = ()
    supply: tuple[Supply, ...] = ()
    recruitment: tuple[Recruitment, ...] = ()
    forces: tuple[Force, ...] = ()
    withdrawals: tuple[Withdrawal, ...] = ()
    holds: tuple[Hold, ...] = ()
    offensives: tuple[Offensive, ...] = ()

    def __post_init__(self) -> None:
        for ph in self.phases:
            if not 0 <= ph.index < N_PHASES:
                raise UserError(f"phase index {ph.index} is outside 0..{N_PHASES - 1}")
        for s in self.supply:
            if s.level is not None and not (np.isfinite(s.level) and 0.0 <= s.level <= 1.0):
                raise UserError(
                    f"supply from {s.date}: level {s.level} is impossible; give the share of "
                    "the 300 t/day demanded, between 0 and 1"
                )
            if s.level is None and not 0 <= s.param < N_SUPPLY:
                raise UserError(f"supply from {s.date}: param {s.param} outside 0..2")
        for r in self.recruitment:
            if r.end is not None and r.end < r.start:
                raise UserError(f"recruitment ends {r.end} before it starts {r.start}")
        for w in self.withdrawals:
            if not 0.0 < w.to_fraction <= 1.0:
                raise UserError(
                    f"withdrawal on {w.date}: to_fraction {w.to_fraction} must be in (0, 1]"
                )
        geo = self.geography
        for h in self.holds:
            if h.place not in geo.arm or geo.arm[h.place] == "E":
                valid = [p for p, a in geo.arm.items() if a != "E"]
                raise unknown_name("place to hold", h.place, valid)
        for o in self.offensives:
            if o.end is not None and o.end < o.start:
                raise UserError(f"offensive ends {o.end} before it starts {o.start}")
        seen: dict[int, Force] = {}
        for f in self.forces:
            for c in _FORCE_COMPONENTS[f.force]:
                if c in seen:
                    raise UserError(
                        f"force {f.force}: {COMPONENT_NAMES[COMPONENTS[c]]} are already "
                        f"scheduled by {seen[c].force}; give each force once"
                    )
                seen[c] = f
        for w in self.withdrawals:
            ua = seen.get(UA_INDEX)
            if ua is not None and w.date < ua.arrive:
                raise UserError(
                    f"withdrawal on {w.date} is before Ukraine's arrival {ua.arrive}; "
                    "a force cannot withdraw before it arrives"
                )

    @classmethod
    def record(cls, phases: pd.DataFrame, geography: Geography) -> BakhmutSchedule:
        """The schedule as the record has it (sources in each item's ``source``), from the
        battle's phases table and its geometry (no file is read here)."""
        import pandas as pd

        starts = sorted(
            (pd.Timestamp(r["start"]).date(), str(r["id"]))
            for r in phases.to_dict("records")
            if not pd.isna(r["start"])
        )
        if len(starts) != N_PHASES:
            raise UserError(
                f"phases.csv: the Bakhmut model needs {N_PHASES} dated phases, found {len(starts)}"
            )
        ph = tuple(PhaseStart(d, i, True, f"phases.csv {pid}") for i, (d, pid) in enumerate(starts))
        return cls(
            geography=geography,
            phases=ph,
            supply=(
                Supply(START, None, 0, True, "model start"),
                Supply(
                    dt.date(2023, 1, 1),
                    None,
                    1,
                    True,
                    "ISW: by 28 Dec the advance 'culminated', unable to sustain 'artillery "
                    "barrages'; early January the 'rate of artillery fire' decreased",
                ),
                Supply(
                    dt.date(2023, 5, 7),
                    None,
                    2,
                    True,
                    "7 May: Prigozhin announced Gerasimov 'would resume artillery "
                    "ammunition distribution'",
                ),
            ),
            recruitment=(
                Recruitment(
                    START,
                    dt.date(2023, 2, 28),
                    True,
                    "model assumption: the article does not date the end of prison "
                    "recruitment (Prigozhin: 50,000 recruited)",
                ),
            ),
            forces=(
                Force(
                    "wagner",
                    START,
                    dt.date(2023, 5, 25),
                    True,
                    "ev007: 'on 25 May, Wagner had begun withdrawing from the city'",
                ),
                Force("russian_regulars", START, None, True, ""),
                Force("ukraine", START, None, True, ""),
            ),
            withdrawals=(
                Withdrawal(
                    dt.date(2023, 3, 7),
                    0.5,
                    True,
                    "ev061: 'On 7 March, Ukraine withdrew from areas of Bakhmut east of "
                    "the Bakhmutka river'",
                ),
            ),
            holds=(),
            offensives=(
                Offensive(
                    dt.date(2023, 5, 1),
                    None,
                    True,
                    "ev069/phase 4: Ukrainian counter-attacks from 1 May, flanking "
                    "counterattacks in May",
                ),
            ),
        )

    def with_items(self, **kinds: Sequence[Any]) -> BakhmutSchedule:
        """A copy with whole kinds replaced, e.g. ``with_items(offensives=())``."""
        valid = ("phases", "supply", "recruitment", "forces", "withdrawals", "holds", "offensives")
        for k in kinds:
            if k not in valid:
                raise unknown_name("schedule kind", k, valid)
        items: dict[str, Any] = {k: tuple(v) for k, v in kinds.items()}
        return replace(self, **items)

    def known_by(self, cutoff: dt.date | None) -> BakhmutSchedule:
        """Drop the record's items dated after ``cutoff`` (open the record's end dates after it).

        Scenario items (``record=False``) are kept: they are the user's assumptions.
        """
        if cutoff is None:
            return self

        def keep(date: dt.date, record: bool) -> bool:
            return not record or date <= cutoff

        forces = tuple(
            f
            if (not f.record or f.depart is None or f.depart <= cutoff)
            else replace(f, depart=None)
            for f in self.forces
            if keep(f.arrive, f.record)
        )
        recs = tuple(
            r if (not r.record or r.end is None or r.end <= cutoff) else replace(r, end=None)
            for r in self.recruitment
            if keep(r.start, r.record)
        )
        offs = tuple(
            o if (not o.record or o.end is None or o.end <= cutoff) else replace(o, end=None)
            for o in self.offensives
            if keep(o.start, o.record)
        )
        return BakhmutSchedule(
            geography=self.geography,
            phases=tuple(p for p in self.phases if keep(p.date, p.record)),
            supply=tuple(s for s in self.supply if keep(s.date, s.record)),
            recruitment=recs,
            forces=forces,
            withdrawals=tuple(w for w in self.withdrawals if keep(w.date, w.record)),
            holds=tuple(h for h in self.holds if keep(h.until, h.record)),
            offensives=offs,
        )

    def regimes_in_use(self) -> set[tuple[str, int]]:
        """The dated regimes this schedule switches on (for which parameters act)."""
        used: set[tuple[str, int]] = {("phase", p.index) for p in self.phases}
        used.add(("phase", 0))
        used |= {("supply", s.param) for s in self.supply if s.level is None}
        if self.offensives:
            used.add(("offensive", 0))
        return used

    def daily(self, days: int = DAYS) -> DailySchedule:
        """Per-day arrays of the schedule over ``days`` days."""
        geo = self.geography
        d_idx = np.arange(days)

        def day(x: dt.date) -> int:
            return (x - START).days

        phase = np.zeros(days, dtype=np.int64)
        for p in sorted(self.phases, key=lambda p: p.date):
            phase[d_idx >= day(p.date)] = p.index
        supply_param = np.zeros(days, dtype=np.int64)
        supply_level = np.full(days, np.nan)
        for s in sorted(self.supply, key=lambda s: s.date):
            sel = d_idx >= day(s.date)
            supply_param[sel] = -1 if s.level is not None else s.param
            supply_level[sel] = np.nan if s.level is None else s.level
        recruiting = np.zeros(days, dtype=bool)
        for r in self.recruitment:
            end = day(r.end) if r.end is not None else days
            recruiting |= (d_idx >= day(r.start)) & (d_idx < end)
        offensive = np.zeros(days, dtype=bool)
        for o in self.offensives:
            end = day(o.end) if o.end is not None else days
            offensive |= (d_idx >= day(o.start)) & (d_idx < end)
        present = np.ones((days, 4), dtype=bool)
        departing = np.zeros((days, 4), dtype=bool)
        arrive_day = np.zeros(4, dtype=np.int64)
        for f in self.forces:
            for c in _FORCE_COMPONENTS[f.force]:
                a = max(day(f.arrive), 0)
                arrive_day[c] = a
                present[:, c] = d_idx >= a
                if f.depart is not None:
                    departing[:, c] = d_idx >= day(f.depart)
        withdraw_to = np.full(days, np.nan)
        withdrawn = np.zeros(days, dtype=bool)
        for w in sorted(self.withdrawals, key=lambda w: w.date):
            dd = day(w.date)
            if 0 <= dd < days:
                r_line = (
                    geo.r_in - 0.05
                    if w.to_fraction >= WHOLE_CITY
                    else radius_for_fraction(w.to_fraction, geo)
                )
                prev = withdraw_to[dd]
                withdraw_to[dd] = r_line if np.isnan(prev) else min(prev, r_line)
                if w.to_fraction >= WHOLE_CITY:
                    withdrawn[d_idx >= dd] = True
        hold_line = np.full((days, 3), -np.inf)
        for h in self.holds:
            arm = FRONTS.index(geo.arm[h.place])
            line = geo.distance[h.place] + 0.5
            sel = d_idx < day(h.until)
            hold_line[sel, arm] = np.maximum(hold_line[sel, arm], line)
        return DailySchedule(
            phase=phase,
            supply_param=supply_param,
            supply_level=supply_level,
            recruiting=recruiting,
            offensive=offensive,
            present=present,
            departing=departing,
            arrive_day=arrive_day,
            withdraw_to=withdraw_to,
            withdrawn=withdrawn,
            hold_line=hold_line,
        )
