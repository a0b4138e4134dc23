"""Estimates for a period: the share of a whole-window fit that falls inside it.

A fit restricted to a short window (``FogOfWar(window=...)``) reads every claim that overlaps
the window as if its whole figure fell inside it (the claim's period is clipped to the window),
so claims about August-February are squeezed into January. The honest question "how many
casualties in January?" is answered from the fit of the whole battle instead: its posterior
draws of the daily casualty rate (:meth:`FogOfWar.daily_draws`) are summed over the period's
days, draw by draw, for each side; killed and wounded follow each draw's killed share and a
component (Wagner at Bakhmut) its share of its side. The period sums of consecutive periods add
up to the whole window, draw by draw.

Usage::

    fog = FogOfWar(seed=0).fit(claims, phases=phases)
    est = period_estimate(fog, "2023-01-01", "2023-01-31")
    est.summary()["sides"]["RU"]["casualties"]  # {"median": ..., "q05": ..., "q95": ...}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from attrition.data.dates import parse_date
from attrition.errors import UserError

if TYPE_CHECKING:
    import numpy as np

    from attrition.infer.fusion.estimator import FogOfWar
    from attrition.infer.fusion.joint import JointFog

__all__ = ["QUANTITIES", "PeriodEstimate", "check_period", "period_estimate"]

QUANTITIES: tuple[str, ...] = ("casualties", "killed", "wounded", "share_of_window")
"""What :class:`PeriodEstimate` gives per side: the period's casualties, killed and wounded, and
the period's share of the side's casualties over the whole window."""


def check_period(
    start: str | dt.date,
    end: str | dt.date,
    window: tuple[dt.date, dt.date],
    option: str = "--period",
) -> tuple[dt.date, dt.date]:
    """The period as dates, checked to lie inside the fitted ``window`` (inclusive); a period
    that is reversed or leaves the window raises :class:`UserError` naming ``option``."""
    p0, p1 = parse_date(start, option), parse_date(end, option)
    if p0 is None or p1 is None:
        raise UserError(f"{option} needs a start and an end date (YYYY-MM-DD)")
    if p1 < p0:
        raise UserError(f"{option} {p0} {p1}: the end is before the start; swap them")
    w0, w1 = window
    if p0 < w0 or p1 > w1:
        raise UserError(
            f"{option} {p0} {p1}: outside the battle window ({w0} to {w1}); give a period inside it"
        )
    return p0, p1


@dataclass(frozen=True)
class PeriodEstimate:
    """The draws of a period's share of a fit (:func:`period_estimate`).

    ``draws``: per side and component, per quantity of :data:`QUANTITIES`, one value per
    posterior draw (flat over chains). ``window``: the fit's window.
    """

    start: dt.date
    end: dt.date
    window: tuple[dt.date, dt.date]
    draws: dict[str, dict[str, np.ndarray]]

    @property
    def days(self) -> int:
        """Days in the period (inclusive)."""
        return (self.end - self.start).days + 1

    def summary(self) -> dict[str, Any]:
        """JSON-ready: ``start``, ``end``, ``days``, ``window`` and, per side and component,
        each quantity as ``{median, q05, q95}`` (4 significant digits, as the fit's summary)."""
        from attrition.infer.fusion.summary import quantiles, round_q

        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
            "window": {"start": self.window[0].isoformat(), "end": self.window[1].isoformat()},
            "sides": {
                side: {q: round_q(quantiles(x), 4) for q, x in qs.items()}
                for side, qs in self.draws.items()
            },
            "note": (
                "The period's share of the fit over the whole window: the daily draws summed "
                "over the period, draw by draw; 90% posterior intervals."
            ),
        }


def period_estimate(
    fog: FogOfWar | JointFog, start: str | dt.date, end: str | dt.date
) -> PeriodEstimate:
    """The share of the fitted ``fog`` that falls in ``start..end`` (inclusive), per draw.

    Each side's daily casualty-rate draws (:meth:`FogOfWar.daily_draws`) are summed over the
    period's days; killed and wounded use each draw's killed share, a component each draw of
    its share of its side (:meth:`FogOfWar.share_draws`), and ``share_of_window`` divides by
    the same draw's casualties over the whole window.
    """
    import numpy as np

    days, daily = fog.daily_draws()
    window = (days[0], days[-1])
    p0, p1 = check_period(start, end, window)
    i0, i1 = (p0 - window[0]).days, (p1 - window[0]).days + 1
    if hasattr(fog, "period_draws"):  # the joint fusion sums its own daily killed draws
        return PeriodEstimate(start=p0, end=p1, window=window, draws=fog.period_draws(i0, i1))
    sides = fog.sides_
    n = daily.shape[0]
    killed_share = np.asarray(fog.samples_["killed_share"], dtype=np.float64).reshape(n, -1)
    out: dict[str, dict[str, np.ndarray]] = {}
    for i, side in enumerate(sides.sides):
        cas = daily[:, i0:i1, i].sum(axis=1)
        whole = daily[:, :, i].sum(axis=1)
        out[side] = {
            "casualties": cas,
            "killed": cas * killed_share[:, i],
            "wounded": cas * (1 - killed_share[:, i]),
            "share_of_window": cas / whole,
        }
    for comp in fog.encoded_.components:
        share = fog.share_draws(comp)
        parent = out[sides.side_of(comp)]
        out[comp] = {q: (x if q == "share_of_window" else x * share) for q, x in parent.items()}
    return PeriodEstimate(start=p0, end=p1, window=window, draws=out)
