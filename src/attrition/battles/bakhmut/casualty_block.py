"""The casualty evidence as one block of the Bakhmut likelihood: monthly log totals.

The draws of the fog-of-war estimate (:class:`~attrition.battles.bakhmut.evidence.CasualtyEvidence`)
known by the cutoff are summed per calendar month (periods shorter than a week are dropped),
per side (Russia, Ukraine, then Wagner when the evidence has it). The likelihood reads their
log as a multivariate normal: the draws' mean, and their covariance shrunk towards its diagonal
plus :data:`CASUALTY_DISCREPANCY` squared on the diagonal.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from attrition.battles.bakhmut.axes import DAYS, START
from attrition.battles.bakhmut.evidence import CasualtyEvidence

CASUALTY_DISCREPANCY = 0.1
"""Extra sd (log scale) on each monthly total: the model cannot follow every wiggle."""


def casualty_log_totals(
    evidence: CasualtyEvidence | None, cutoff: dt.date | None
) -> tuple[tuple[tuple[int, int], ...], np.ndarray, np.ndarray, bool]:
    """``(periods, mean, precision, wagner)`` of the monthly log totals known by ``cutoff``.

    ``periods`` are ``(start_day, end_day)`` (end exclusive); ``mean`` and ``precision`` are
    ordered Russian periods, then Ukrainian, then Wagner if ``wagner``. No evidence, or no
    period of a week or more, gives an empty block.
    """
    if evidence is None:
        return (), np.zeros(0), np.zeros((0, 0)), False
    ev = evidence.truncate(cutoff)
    first = int((ev.dates[0].astype(dt.date) - START).days) if ev.dates.size else 0
    days = np.arange(first, first + ev.dates.size)
    lo, hi = max(days[0], 0) if days.size else 0, min(days[-1] + 1, DAYS) if days.size else 0
    periods: list[tuple[int, int]] = []
    d = lo
    while d < hi:
        date = START + dt.timedelta(days=int(d))
        nxt = (date.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        e = min((nxt - START).days, hi)
        if e - d >= 7:
            periods.append((int(d), int(e)))
        d = e
    if not periods:
        return (), np.zeros(0), np.zeros((0, 0)), False
    cols = []
    for side in (0, 1):
        for a, b in periods:
            cols.append(ev.draws[:, a - first : b - first, side].sum(axis=1))
    has_w = ev.wagner is not None
    if has_w and ev.wagner is not None:
        for a, b in periods:
            cols.append(ev.wagner[:, a - first : b - first].sum(axis=1))
    x = np.log(np.maximum(np.stack(cols, axis=1), 1.0))
    mean = x.mean(axis=0)
    cov = np.cov(x, rowvar=False)
    cov = np.atleast_2d(cov)
    shrink = 0.2
    cov = (1 - shrink) * cov + shrink * np.diag(np.diag(cov))
    cov = cov + np.eye(cov.shape[0]) * CASUALTY_DISCREPANCY**2
    prec = np.linalg.inv(cov)
    return tuple(periods), mean, prec, has_w
