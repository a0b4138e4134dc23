"""Baseline forecasters beside the Bakhmut model in the hindcasts.

Each baseline is a small class with the model's interface, ``forecast(cutoff) ->``
:class:`ForecastDraws`: predictive draws of the three fronts' radii, of the day the city falls
and of the casualties of each side (Russia, Ukraine, Wagner) for every day after the cutoff. They
read only what was published by the cutoff: the control statements of
:func:`~attrition.battles.bakhmut.observations.build_observations` under the cutoff (claims and
events filtered by :func:`attrition.data.known.known_by`) and the casualty evidence known then
(truncated to the cutoff).

=====================  ========================================================================
:class:`StraightLine`  a line through the Russian-held positions and city figures of every front
                       (pooled: the naive forecast of earlier versions), the mean casualty rate
                       of the last 60 days carried on
:class:`Persistence`   the state at the cutoff carries on: each front stays where it was last
                       seen (a random walk without drift, its step variance from the record's
                       increments); the casualty rate of the last 14 days carried on
:class:`LocalLinearTrend`  a local-linear-trend state-space model of each front's position
                       (Kalman filter in NumPy, the two variances by maximum likelihood over a
                       grid, shared by the fronts), and of the weekly log casualty rate
=====================  ========================================================================

The baselines forecast the latent front (no observation noise on the draws), as the model does;
the straight line's draws keep its residual scatter, as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from attrition.battles.bakhmut.axes import DAYS, FALL_FRACTION, START
from attrition.battles.bakhmut.evidence import CasualtyEvidence
from attrition.battles.bakhmut.geometry import Geography, city_fraction, radius_for_fraction
from attrition.battles.bakhmut.observations import build_observations
from attrition.battles.bakhmut.quantities import Observation
from attrition.battles.bakhmut.schedule import BakhmutSchedule
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BASELINES",
    "CASUALTY_SIDES",
    "ForecastDraws",
    "Forecaster",
    "KnownEvidenceFn",
    "LocalLinearTrend",
    "LocalLinearTrendForecast",
    "NaiveForecast",
    "Persistence",
    "StraightLine",
    "front_points",
    "llt_filter",
    "naive_forecast",
]

CASUALTY_SIDES: tuple[str, ...] = ("RU", "UA", "WAGNER")
"""Order of the last axis of :attr:`ForecastDraws.cumulative`."""


# --------------------------------------------------------------------------- forecast draws
@dataclass(frozen=True)
class ForecastDraws:
    """Predictive draws of one forecaster at one cutoff, for every day after it.

    Attributes:
        forecaster: its name (``model``, ``line``, ``persistence``, ``llt``).
        cutoff: the cutoff.
        fronts: ``(n, DAYS − c, 3)`` radius of the N, E, S fronts (km from the ring centre) on
            days ``c + 1 .. DAYS`` (``c`` the cutoff's day number).
        fall_day: ``(n,)`` day the city-control fraction first reaches
            :data:`~attrition.battles.bakhmut.axes.FALL_FRACTION` (``inf``: not by the end).
        cumulative: ``(n, DAYS − c, 3)`` casualties of Russia, Ukraine and Wagner from the
            cutoff to the end of each day after it (NaN: no forecast of that side).
        law: the model's law at this cutoff ('' for a baseline).
    """

    forecaster: str
    cutoff: dt.date
    fronts: np.ndarray
    fall_day: np.ndarray
    cumulative: np.ndarray
    law: str = ""

    @property
    def cutoff_day(self) -> int:
        """Day number of the cutoff (0 = 1 Aug 2022)."""
        return (self.cutoff - START).days

    @property
    def n(self) -> int:
        """Number of draws."""
        return int(self.fronts.shape[0])

    def _col(self, day: int) -> int:
        c = self.cutoff_day
        if not c < day <= DAYS:
            raise UserError(f"day {day} is not after the cutoff {self.cutoff} (day {c})")
        return day - c - 1

    def front(self, day: int, front: int) -> np.ndarray:
        """Draws of front ``front``'s radius on ``day`` (after the cutoff)."""
        return np.asarray(self.fronts[:, self._col(day), front])

    def city(self, day: int, geo: Geography) -> np.ndarray:
        """Draws of the share of the city Russia holds on ``day``."""
        return np.asarray(city_fraction(self.front(day, 1), geo))

    def casualties(self, side: str, first: int, last: int) -> np.ndarray:
        """Draws of ``side``'s casualties (RU, UA or WAGNER) on days ``first .. last``
        (inclusive; ``first`` after the cutoff, ``last`` clipped to the end of the window)."""
        s = CASUALTY_SIDES.index(side)
        last = min(last, DAYS)
        if last < first:
            raise UserError(f"casualty period {first}..{last} is empty")
        b = self.cumulative[:, self._col(last), s]
        if first - 1 == self.cutoff_day:
            return np.asarray(b)
        return np.asarray(b - self.cumulative[:, self._col(first - 1), s])

    def digest(self) -> str:
        """SHA-256 of every array and the law (a fingerprint for no-look-ahead checks)."""
        h = hashlib.sha256()
        for a in (self.fronts, self.fall_day, self.cumulative):
            h.update(np.ascontiguousarray(a, dtype=float).tobytes())
        h.update(f"{self.forecaster}|{self.cutoff}|{self.law}".encode())
        return h.hexdigest()


def fall_day_of(fronts_e: np.ndarray, cutoff_day: int, geo: Geography) -> np.ndarray:
    """``(n,)`` first day after the cutoff whose E-front draw holds :data:`FALL_FRACTION` of the
    city (``inf`` if none) from ``(n, DAYS − c)`` E-front paths."""
    hit = np.asarray(city_fraction(fronts_e, geo)) >= FALL_FRACTION
    first = (np.argmax(hit, axis=1) + cutoff_day + 1).astype(float)
    first[~hit.any(axis=1)] = np.inf
    return np.asarray(first)


# --------------------------------------------------------------------------- the evidence
def front_points(
    items: Sequence[Observation], cutoff_day: int, geo: Geography
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each front's ``(days, km, sd)`` positions asserted by the control statements of ``items``
    read on or before ``cutoff_day``, sorted by day.

    A bound (Russia holds a place: the front is inside it; Ukraine holds it: outside) is read
    as a position at the place; a range at its middle (sd at least its half width); a city
    share as the E front's radius that holds it. The sd is the statement's own.
    """
    pts: list[list[tuple[int, float, float]]] = [[], [], []]
    for o in items:
        if o.day > cutoff_day or o.quantity not in ("front", "city"):
            continue
        lo, hi = o.low, o.high
        if o.quantity == "city":
            f = {"at_least": lo, "at_most": hi}.get(o.kind, lo)
            if o.kind == "range":
                f = 0.5 * (lo + hi)
            if not math.isfinite(f):
                continue
            f = min(max(f, 0.01), 0.99)
            r = radius_for_fraction(f, geo)
            # the logit-scale sd in km: |dr/df| f (1 - f) sd
            drdf = abs(radius_for_fraction(f + 0.005, geo) - radius_for_fraction(f - 0.005, geo))
            pts[1].append((o.day, r, max(o.sigma * f * (1 - f) * drdf / 0.01, 0.25)))
            continue
        if o.kind == "at_most":
            y, sd = hi, o.sigma
        elif o.kind == "range":
            y, sd = 0.5 * (lo + hi), max(o.sigma, 0.5 * (hi - lo))
        else:
            y, sd = lo, o.sigma
        if math.isfinite(y) and 0 <= o.front <= 2:
            pts[o.front].append((o.day, y, sd))
    out = []
    for p in pts:
        p.sort()
        out.append(
            (
                np.array([x[0] for x in p], dtype=np.int64),
                np.array([x[1] for x in p], dtype=float),
                np.array([x[2] for x in p], dtype=float),
            )
        )
    return out


def _pooled(
    series: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each front's series, or every front's points pooled where a front has none."""
    days = np.concatenate([s[0] for s in series])
    order = np.argsort(days, kind="stable")
    pool = (
        days[order],
        np.concatenate([s[1] for s in series])[order],
        np.concatenate([s[2] for s in series])[order],
    )
    return [s if s[0].size else pool for s in series]


def _known_evidence(ev: CasualtyEvidence | None, cutoff: dt.date) -> CasualtyEvidence | None:
    """The evidence up to the cutoff (``None`` if it has no day by then)."""
    if ev is None:
        return None
    t = ev.truncate(cutoff)
    return t if t.dates.size else None


def _daily_sides(ev: CasualtyEvidence) -> np.ndarray:
    """``(draws, days, 3)`` daily casualties RU, UA, Wagner (NaN without Wagner draws)."""
    w = ev.wagner if ev.wagner is not None else np.full(ev.draws.shape[:2], np.nan)
    return np.concatenate([ev.draws, w[:, :, None]], axis=2)


def _constant_rate(
    ev: CasualtyEvidence | None, cutoff: dt.date, window: int, n: int, rng: np.random.Generator
) -> np.ndarray:
    """``(n, DAYS − c, 3)`` cumulative casualties at the mean daily rate of the last ``window``
    days of evidence known by the cutoff (one evidence draw per forecast draw)."""
    c = (cutoff - START).days
    h = DAYS - c
    known = _known_evidence(ev, cutoff)
    if known is None:
        return np.full((n, h, 3), np.nan)
    d = _daily_sides(known)[:, -window:, :]
    rate = d.mean(axis=1)[rng.integers(0, d.shape[0], size=n)]
    return np.asarray(rate[:, None, :] * np.arange(1, h + 1, dtype=float)[None, :, None])


# --------------------------------------------------------------------------- forecasters
KnownEvidenceFn = Callable[[dt.date | None], CasualtyEvidence | None]
"""cutoff -> the casualty evidence known by then (``None``: none)."""


class Forecaster:
    """Base of the forecasters: what was published by a cutoff -> :class:`ForecastDraws`.

    Args:
        evidence_fn: cutoff -> casualty evidence known by then (``None``: no casualty
            forecast).
        claims, events: the evidence base (filtered to what was known by each cutoff).
        schedule: the record's schedule (its geography places the statements).
        runs: number of draws.
        seed: seed of the draws (with the cutoff and the forecaster's stream number).
    """

    name: ClassVar[str] = ""
    stream: ClassVar[int] = 0

    def __init__(
        self,
        evidence_fn: KnownEvidenceFn | None,
        *,
        claims: pd.DataFrame,
        events: pd.DataFrame,
        schedule: BakhmutSchedule,
        runs: int = 500,
        seed: int = 0,
    ) -> None:
        self.evidence_fn = evidence_fn
        self.claims = claims
        self.events = events
        self.schedule = schedule
        self.runs = runs
        self.seed = seed

    def rng(self, cutoff: dt.date) -> np.random.Generator:
        """The draws' generator at ``cutoff``: ``SeedSequence(seed, spawn_key=(7, stream,
        cutoff day))``."""
        key = (7, self.stream, (cutoff - START).days)
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=key))
        )

    def evidence(self, cutoff: dt.date) -> CasualtyEvidence | None:
        """The casualty evidence known by ``cutoff``, truncated to it."""
        return _known_evidence(self.evidence_fn(cutoff) if self.evidence_fn else None, cutoff)

    def items(self, cutoff: dt.date) -> tuple[Observation, ...]:
        """The statements known by ``cutoff`` (claims and events filtered first)."""
        return build_observations(self.claims, self.events, None, cutoff, self.schedule).items

    def forecast(self, cutoff: dt.date) -> ForecastDraws:  # pragma: no cover - abstract
        """Predictive draws from what was published by ``cutoff``."""
        raise NotImplementedError


@dataclass(frozen=True)
class NaiveForecast:
    """Linear extrapolation of the advance (the straight-line baseline).

    Attributes:
        slope, intercept: km per day and km at day 0 of the line fitted to the front positions
            the record asserted Russia held by the cutoff.
        resid_sd: residual sd (km).
        samples: (n, 2) sampled (intercept, slope) pairs.
        geography: the ring geometry (where the city falls).
    """

    slope: float
    intercept: float
    resid_sd: float
    samples: np.ndarray
    geography: Geography

    def radius(self, day: int, rng: np.random.Generator) -> np.ndarray:
        """Predictive draws of the front radius on ``day``."""
        a, b = self.samples[:, 0], self.samples[:, 1]
        return np.asarray(a + b * day + self.resid_sd * rng.standard_normal(a.size))

    def fall_day(self) -> np.ndarray:
        """Day the line reaches the city's fall radius (``inf`` if not by the end)."""
        r_fall = radius_for_fraction(FALL_FRACTION, self.geography)
        a, b = self.samples[:, 0], self.samples[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            d = (r_fall - a) / b
        d = np.where((b < 0) & (d >= 0), d, np.inf)
        return np.where(d <= DAYS, np.ceil(d), np.inf)


def naive_forecast(
    cal_obs_items: Sequence[Any], cutoff: dt.date, geo: Geography, n: int = 1000, seed: int = 0
) -> NaiveForecast:
    """Fit a line to the front radii of the Russian-held statements known by ``cutoff`` (every
    front: the pace of the advance so far) and sample its uncertainty."""
    c_day = (cutoff - START).days
    pts = [
        (o.day, o.high)
        for o in cal_obs_items
        if o.quantity == "front" and o.kind == "at_most" and o.day <= c_day
    ]
    pts += [
        (o.day, radius_for_fraction(o.low, geo))
        for o in cal_obs_items
        if o.quantity == "city" and o.kind == "value" and o.day <= c_day
    ]
    rng = np.random.default_rng(seed)
    if len(pts) < 3:
        return NaiveForecast(0.0, 20.0, 5.0, np.tile([20.0, 0.0], (n, 1)), geo)
    x = np.array([p[0] for p in pts], dtype=float)
    y = np.array([p[1] for p in pts], dtype=float)
    design = np.stack([np.ones_like(x), x], axis=1)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = max(len(x) - 2, 1)
    s2 = float(resid @ resid / dof)
    cov = s2 * np.linalg.inv(design.T @ design)
    samples = rng.multivariate_normal(coef, cov, size=n)
    return NaiveForecast(float(coef[1]), float(coef[0]), float(np.sqrt(s2)), samples, geo)


class StraightLine(Forecaster):
    """The straight line: one line through the Russian-held positions and city figures of every
    front known by the cutoff (:func:`naive_forecast`; the same line for the three fronts, with
    its residual scatter), falling when the line reaches the fall radius; casualties at the mean
    daily rate of the last 60 days of evidence."""

    name = "line"
    stream = 1
    RATE_WINDOW: ClassVar[int] = 60

    def forecast(self, cutoff: dt.date) -> ForecastDraws:
        """Predictive draws from what was published by ``cutoff``."""
        c = (cutoff - START).days
        rng = self.rng(cutoff)
        geo = self.schedule.geography
        line_seed = int(rng.integers(0, 2**31))
        nf = naive_forecast(self.items(cutoff), cutoff, geo, n=self.runs, seed=line_seed)
        days = np.arange(c + 1, DAYS + 1, dtype=float)
        a, b = nf.samples[:, 0:1], nf.samples[:, 1:2]
        noise = nf.resid_sd * rng.standard_normal((self.runs, days.size, 3))
        fronts = (a + b * days[None, :])[:, :, None] + noise
        cum = _constant_rate(self.evidence(cutoff), cutoff, self.RATE_WINDOW, self.runs, rng)
        return ForecastDraws(self.name, cutoff, fronts, nf.fall_day(), cum)


class Persistence(Forecaster):
    """Persistence: the state at the cutoff carries on.

    Each front stays at its last seen position (the precision-weighted mean of its statements
    in the last :attr:`RECENT_DAYS` days before the cutoff, else its last statement; a front
    never seen takes every front's): a random walk without drift whose daily variance is the
    median of ``Δy² / Δt`` over the record's pairs of successive statements at least a week
    apart. Casualties: the mean daily rate of the last 14 days carries on.
    """

    name = "persistence"
    stream = 2
    RECENT_DAYS: ClassVar[int] = 14
    RATE_WINDOW: ClassVar[int] = 14

    def forecast(self, cutoff: dt.date) -> ForecastDraws:
        """Predictive draws from what was published by ``cutoff``."""
        c = (cutoff - START).days
        rng = self.rng(cutoff)
        geo = self.schedule.geography
        own = front_points(self.items(cutoff), c, geo)
        q = random_walk_variance(own)
        series = _pooled(own)
        h = DAYS - c
        fronts = np.empty((self.runs, h, 3))
        for f, (d, y, sd) in enumerate(series):
            if not d.size:
                level, sd0 = 20.0, 10.0
            else:
                recent = d >= d[-1] - self.RECENT_DAYS
                w = 1.0 / sd[recent] ** 2
                level = float(np.sum(w * y[recent]) / np.sum(w))
                sd0 = float(1.0 / np.sqrt(np.sum(w)))
                gap = c - int(d[-1])
                sd0 = math.sqrt(sd0**2 + q * gap)
            start = level + sd0 * rng.standard_normal(self.runs)
            steps = math.sqrt(q) * rng.standard_normal((self.runs, h))
            fronts[:, :, f] = start[:, None] + np.cumsum(steps, axis=1)
        cum = _constant_rate(self.evidence(cutoff), cutoff, self.RATE_WINDOW, self.runs, rng)
        return ForecastDraws(self.name, cutoff, fronts, fall_day_of(fronts[:, :, 1], c, geo), cum)


def random_walk_variance(
    series: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], min_gap: int = 7
) -> float:
    """Median of ``Δy² / Δt`` (km² per day) over successive statements of each front at least
    ``min_gap`` days apart (at least 1e-4; 0.01 without such pairs)."""
    vals: list[float] = []
    for d, y, _ in series:
        last_d, last_y = None, None
        for di, yi in zip(d.tolist(), y.tolist(), strict=True):
            if last_d is not None and last_y is not None and di - last_d >= min_gap:
                vals.append((yi - last_y) ** 2 / (di - last_d))
                last_d, last_y = di, yi
            elif last_d is None:
                last_d, last_y = di, yi
    return max(float(np.median(vals)), 1e-4) if vals else 0.01


# --------------------------------------------------------------------------- local linear trend
def _q_step(q_level: float, q_slope: float, k: int) -> np.ndarray:
    """Process covariance of ``k`` daily steps of the local linear trend."""
    s1 = k * (k - 1) / 2.0
    s2 = (k - 1) * k * (2 * k - 1) / 6.0
    return np.array([[k * q_level + q_slope * s2, q_slope * s1], [q_slope * s1, k * q_slope]])


def llt_filter(
    days: np.ndarray,
    y: np.ndarray,
    sd: np.ndarray,
    q_level: float,
    q_slope: float,
    until: int,
    *,
    level_prior_sd: float = 10.0,
    slope_prior_sd: float = 0.1,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Kalman filter of the local linear trend ``level_{t+1} = level_t + slope_t + η``,
    ``slope_{t+1} = slope_t + ζ`` (``Var η = q_level``, ``Var ζ = q_slope`` per step), observed
    as ``y_i = level_{days_i} + ε_i`` (``sd ε_i = sd_i``), days sorted. The state starts at
    the first observation's day as ``N((y_0, 0), diag(level_prior_sd², slope_prior_sd²))``.

    Returns the state's mean and covariance on day ``until`` (after the last observation) and
    the log-likelihood (prediction-error decomposition).
    """
    if days.size == 0:
        raise UserError("llt_filter: no observations")
    m = np.array([float(y[0]), 0.0])
    p = np.diag([level_prior_sd**2, slope_prior_sd**2])
    t = int(days[0])
    ll = 0.0
    for di, yi, si in zip(days.tolist(), y.tolist(), sd.tolist(), strict=True):
        k = int(di) - t
        if k > 0:
            f = np.array([[1.0, float(k)], [0.0, 1.0]])
            m = f @ m
            p = f @ p @ f.T + _q_step(q_level, q_slope, k)
            t = int(di)
        s = p[0, 0] + si * si
        e = yi - m[0]
        ll += -0.5 * (math.log(2 * math.pi * s) + e * e / s)
        gain = p[:, 0] / s
        m = m + gain * e
        p = p - np.outer(gain, p[0, :])
        p = 0.5 * (p + p.T)
    k = until - t
    if k > 0:
        f = np.array([[1.0, float(k)], [0.0, 1.0]])
        m = f @ m
        p = f @ p @ f.T + _q_step(q_level, q_slope, k)
    return m, p, ll


Q_LEVEL_GRID: tuple[float, ...] = tuple(float(x) for x in np.logspace(-6, 0, 13))
"""Daily level variances (km²) tried by the maximum-likelihood fit."""


Q_SLOPE_GRID: tuple[float, ...] = tuple(float(x) for x in np.logspace(-10, -2, 17))
"""Daily slope variances ((km/day)²) tried by the maximum-likelihood fit."""


@dataclass(frozen=True)
class LocalLinearTrend:
    """A fitted local linear trend: the state on the forecast origin and the variances.

    Attributes:
        level, slope: the filtered state's mean on the origin day.
        cov: its 2 x 2 covariance.
        q_level, q_slope: the process variances per step (maximum likelihood over
            :data:`Q_LEVEL_GRID` x :data:`Q_SLOPE_GRID`, shared by the series fitted together).
        log_lik: the log-likelihood at the chosen variances.
    """

    level: float
    slope: float
    cov: np.ndarray
    q_level: float
    q_slope: float
    log_lik: float

    @staticmethod
    def fit_many(
        series: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
        until: int,
        **prior: float,
    ) -> list[LocalLinearTrend]:
        """Fit the series together (one pair of variances, each its own state) and filter each
        to day ``until``."""
        best: tuple[float, float, float] | None = None
        for ql in Q_LEVEL_GRID:
            for qs in Q_SLOPE_GRID:
                ll = sum(llt_filter(d, y, s, ql, qs, until, **prior)[2] for d, y, s in series)
                if best is None or ll > best[0]:
                    best = (ll, ql, qs)
        assert best is not None
        _, ql, qs = best
        out = []
        for d, y, s in series:
            m, p, ll = llt_filter(d, y, s, ql, qs, until, **prior)
            out.append(LocalLinearTrend(float(m[0]), float(m[1]), p, ql, qs, ll))
        return out

    @classmethod
    def fit(
        cls, days: np.ndarray, y: np.ndarray, sd: np.ndarray, until: int, **prior: float
    ) -> LocalLinearTrend:
        """Fit one series and filter it to day ``until``."""
        return cls.fit_many([(days, y, sd)], until, **prior)[0]

    def predict(self, h: int) -> tuple[float, float]:
        """Mean and variance of the level ``h`` steps after the origin."""
        a = np.array([1.0, float(h)])
        var = float(a @ self.cov @ a) + float(_q_step(self.q_level, self.q_slope, h)[0, 0])
        return self.level + h * self.slope, var

    def paths(self, h: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """``(n, h)`` sampled levels on steps ``1 .. h`` after the origin."""
        chol = np.linalg.cholesky(self.cov + 1e-12 * np.eye(2))
        x0 = np.array([self.level, self.slope]) + rng.standard_normal((n, 2)) @ chol.T
        eta = math.sqrt(self.q_level) * rng.standard_normal((n, h))
        zeta = math.sqrt(self.q_slope) * rng.standard_normal((n, h))
        slope = x0[:, 1:2] + np.concatenate([np.zeros((n, 1)), np.cumsum(zeta, axis=1)[:, :-1]], 1)
        return np.asarray(x0[:, 0:1] + np.cumsum(slope + eta, axis=1))


class LocalLinearTrendForecast(Forecaster):
    """A purely statistical forecaster: a local-linear-trend model of each front's position
    (:class:`LocalLinearTrend`, fitted to :func:`front_points` of the statements known by the
    cutoff; a front never seen takes every front's points), its sampled paths as the fronts, the
    first path day holding :data:`FALL_FRACTION` of the city as the fall; casualties from a local
    linear trend of the weekly log casualty rate (the evidence's median, its sd across draws as
    the observation noise), one step per week."""

    name = "llt"
    stream = 3

    def forecast(self, cutoff: dt.date) -> ForecastDraws:
        """Predictive draws from what was published by ``cutoff``."""
        c = (cutoff - START).days
        rng = self.rng(cutoff)
        geo = self.schedule.geography
        series = _pooled(front_points(self.items(cutoff), c, geo))
        h = DAYS - c
        fronts = np.empty((self.runs, h, 3))
        if not series[0][0].size:
            fronts[:] = 20.0 + 10.0 * rng.standard_normal((self.runs, 1, 3))
        else:
            fits = LocalLinearTrend.fit_many(series, c)
            for f, fit in enumerate(fits):
                fronts[:, :, f] = fit.paths(h, self.runs, rng)
        cum = self._casualties(cutoff, rng)
        return ForecastDraws(self.name, cutoff, fronts, fall_day_of(fronts[:, :, 1], c, geo), cum)

    def _casualties(self, cutoff: dt.date, rng: np.random.Generator) -> np.ndarray:
        c = (cutoff - START).days
        h = DAYS - c
        ev = self.evidence(cutoff)
        out = np.full((self.runs, h, 3), np.nan)
        if ev is None or ev.dates.size < 14:
            return out
        daily = _daily_sides(ev)
        weeks = daily.shape[1] // 7
        d = daily[:, daily.shape[1] - 7 * weeks :, :].reshape(daily.shape[0], weeks, 7, 3)
        logw = np.log(np.maximum(d.mean(axis=2), 1e-3))  # (draws, weeks, 3)
        n_steps = math.ceil(h / 7)
        for s in range(3):
            if not np.all(np.isfinite(logw[:, :, s])):
                continue
            y = np.median(logw[:, :, s], axis=0)
            sd = np.maximum(np.std(logw[:, :, s], axis=0), 0.05)
            wk = np.arange(weeks, dtype=np.int64)
            fit = LocalLinearTrend.fit(wk, y, sd, weeks - 1, level_prior_sd=3.0, slope_prior_sd=0.3)
            rate = np.exp(fit.paths(n_steps, self.runs, rng))
            out[:, :, s] = np.cumsum(np.repeat(rate, 7, axis=1)[:, :h], axis=1)
        return out


BASELINES: tuple[type[Forecaster], ...] = (StraightLine, Persistence, LocalLinearTrendForecast)
"""The baseline forecasters, in table order."""
