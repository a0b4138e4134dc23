"""Hindcasts of the Bakhmut model.

Forecasts from what was published by a cutoff, scored (CRPS) against the record and against a
naive forecast.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.battles.bakhmut.axes import DAYS, FALL_FRACTION, START
from attrition.battles.bakhmut.calibration import calibrate, check_law_name
from attrition.battles.bakhmut.engine import simulate
from attrition.battles.bakhmut.evidence import CasualtyEvidence, parse_cutoff
from attrition.battles.bakhmut.geometry import Geography, city_fraction, radius_for_fraction
from attrition.battles.bakhmut.likelihood import band_covers, observation_values, statement_holds
from attrition.battles.bakhmut.observations import build_observations
from attrition.battles.bakhmut.record import record_schedule
from attrition.battles.bakhmut.scenarios import check_ensemble_memory
from attrition.battles.bakhmut.schedule import BakhmutSchedule
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd
from attrition.battles.bakhmut.scenarios import (
    CALIBRATION_SETTINGS,
    EvidenceFn,
    _evidence_default,
    posterior_params,
)


def crps(samples: np.ndarray, observed: float) -> float:
    """Continuous ranked probability score of an ensemble (``E|X − y| − ½E|X − X'|``)."""
    x = np.sort(np.asarray(samples, dtype=float))
    n = x.size
    if n == 0:
        raise UserError("crps: empty ensemble")
    term1 = float(np.mean(np.abs(x - observed)))
    i = np.arange(1, n + 1)
    term2 = float(2.0 * np.sum((2 * i - n - 1) * x) / (n * n))
    return term1 - 0.5 * term2


def observed_fall_date(events: pd.DataFrame) -> dt.date:
    """The record's date of the city's fall: the first 'captured' of plain 'Bakhmut' by Russia
    inside the window (ev004, 20 May 2023: 'mostly captured')."""
    import pandas as pd

    sel = events[
        (events["place"] == "Bakhmut")
        & (events["event"] == "captured")
        & (events["by_side"] == "RU")
        & (events["date"] >= pd.Timestamp(START))
    ]
    if sel.empty:
        raise UserError("events.csv: no capture of 'Bakhmut' by RU; cannot score")
    first: dt.date = pd.Timestamp(sel["date"].min()).date()
    return first


@dataclass(frozen=True)
class NaiveForecast:
    """Linear extrapolation of the advance (the baseline beside the model).

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


HINDCAST_CUTOFFS: tuple[str, ...] = ("2022-12-31", "2023-01-31", "2023-02-28")
"""Default hindcast cutoffs: end of December, January and February."""


def hindcast(
    cutoffs: Sequence[str | dt.date] = HINDCAST_CUTOFFS,
    *,
    runs: int = 500,
    seed: int = 0,
    law: str = "auto",
    evidence_fn: EvidenceFn | None = None,
    settings: tuple[int, int] | None = None,
    claims: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    schedule: BakhmutSchedule | None = None,
) -> pd.DataFrame:
    """Calibrate at each cutoff, forecast the rest of the window, score against the record.

    Targets: the date the city falls (observed: :func:`observed_fall_date`), casualties of each
    side from the cutoff to the end of the window (observed: the median of the casualty
    evidence with all claims), the front statements of the control events after the cutoff and
    the city-control figures after it. Scores: CRPS (days, casualties, city share) and whether
    the observation lies in the 90% interval (coverage for groups of statements), and for the
    statements the Brier score of the share of runs in which they hold (coverage alone rewards
    wide bands). The naive baseline extrapolates the advance linearly (a line through the
    Russian-held positions asserted by the cutoff) and the casualty rate of the last 60 days.

    ``law="auto"`` (the default) chooses the law **at each cutoff** from the marginal
    likelihoods of that cutoff's calibration, so no choice rests on later evidence.

    Returns a tidy table: ``cutoff, law, target, forecaster, n, crps, coverage_90, brier,
    median, q05, q95, observed`` (``law``: the model's law at that cutoff; empty for naive).
    """
    import pandas as pd

    from attrition.data.claims import load_claims, load_events
    from attrition.limits import check_count, check_seed

    # every argument is checked before any fit (the first costs minutes)
    if law != "auto":
        check_law_name(law)
    check_count(runs, "--runs", minimum=2)
    check_seed(seed)
    check_ensemble_memory(runs, "--runs")
    if not cutoffs:
        raise UserError("hindcast: give at least one cutoff date, e.g. 2023-01-31")
    for c_raw in cutoffs:
        if parse_cutoff(c_raw) is None:
            raise UserError("hindcast: give cutoff dates")
    claims = load_claims("bakhmut") if claims is None else claims
    events = load_events("bakhmut") if events is None else events
    ev_fn = evidence_fn or _evidence_default()
    full_ev = ev_fn(None)
    sched = record_schedule() if schedule is None else schedule
    full_obs = build_observations(claims, events, full_ev, None, sched)
    obs_fall = observed_fall_date(events)
    fall_obs_day = float((obs_fall - START).days)
    rows: list[dict[str, Any]] = []
    for c_raw in cutoffs:
        c = parse_cutoff(c_raw)
        if c is None:
            raise UserError("hindcast: give cutoff dates")
        c_day = (c - START).days
        ev_c = ev_fn(c)
        cal = calibrate(
            ev_c,
            claims=claims,
            events=events,
            cutoff=c,
            schedule=sched,
            law=law,
            seed=seed,
            particles=(settings or CALIBRATION_SETTINGS)[0],
            moves=(settings or CALIBRATION_SETTINGS)[1],
        )
        model = cal.model()
        params, idx = posterior_params(cal, runs, seed)
        ens = simulate(model, params, method="binomial", seed=seed)
        naive = naive_forecast(cal.observations.items, c, sched.geography, n=runs, seed=seed)
        nrng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))

        def add(target: str, who: str, n: int, score: float, cov: float, q: np.ndarray | None,
                observed: Any, brier: float = math.nan, c: dt.date = c,
                law: str = cal.law) -> None:  # fmt: skip
            row = {
                "cutoff": c.isoformat(),
                "law": law if who == "model" else "",
                "target": target,
                "forecaster": who,
                "n": n,
                "crps": score,
                "coverage_90": cov,
                "brier": brier,
                "median": float(q[1]) if q is not None else math.nan,
                "q05": float(q[0]) if q is not None else math.nan,
                "q95": float(q[2]) if q is not None else math.nan,
                "observed": observed,
            }
            rows.append(row)

        # 1. the date the city falls (not fallen by the end: censored at the end + 1 day)
        for who, fd in (("model", ens.fall_day()), ("naive", naive.fall_day())):
            x = np.where(np.isfinite(fd), fd, DAYS + 1.0)
            q = np.quantile(x, [0.05, 0.5, 0.95])
            inside = float(q[0] <= fall_obs_day <= q[2])
            add("city_fall_day", who, 1, crps(x, fall_obs_day), inside, q, obs_fall.isoformat())
        # 2. casualties from the cutoff to the end of the window, per side
        truth = _evidence_totals(full_ev, c_day)
        rate_draws = _recent_rate(ev_c, c_day)
        for side, name in ((0, "ru_casualties_after_cutoff"), (1, "ua_casualties_after_cutoff")):
            if truth is None:
                continue
            model_x = ens.side_losses[:, DAYS, side] - ens.side_losses[:, c_day, side]
            q = np.quantile(model_x, [0.05, 0.5, 0.95])
            add(name, "model", 1, crps(model_x, truth[side]), float(q[0] <= truth[side] <= q[2]),
                q, round(truth[side]))  # fmt: skip
            if rate_draws is not None:
                naive_x = rate_draws[:, side] * (DAYS - c_day)
                q = np.quantile(naive_x, [0.05, 0.5, 0.95])
                add(name, "naive", 1, crps(naive_x, truth[side]),
                    float(q[0] <= truth[side] <= q[2]), q, round(truth[side]))  # fmt: skip
        # 3. control events and 4. city-control figures after the cutoff
        later = [o for o in full_obs.items if o.day > c_day and o.quantity in ("front", "city")]
        for target, items in (
            ("control_events", [o for o in later if o.source == "event"]),
            ("city_control", [o for o in later if o.quantity == "city"]),
        ):
            if not items:
                continue
            m_in: list[bool] = []
            n_in: list[bool] = []
            m_crps: list[float] = []
            n_crps: list[float] = []
            m_brier: list[float] = []
            n_brier: list[float] = []
            for o in items:
                m = observation_values(o, ens, params, model)
                r = naive.radius(o.day, nrng)
                nv = r if o.quantity == "front" else np.asarray(city_fraction(r, sched.geography))
                for vals, inside_list, crps_list, brier_list in (
                    (m, m_in, m_crps, m_brier),
                    (nv, n_in, n_crps, n_brier),
                ):
                    q05, q95 = np.quantile(vals, [0.05, 0.95])
                    inside_list.append(band_covers(o, float(q05), float(q95)))
                    brier_list.append((1.0 - float(np.mean(statement_holds(o, vals)))) ** 2)
                    if o.kind == "value":
                        crps_list.append(crps(vals, o.low))
            for who, ins, cr, br in (
                ("model", m_in, m_crps, m_brier),
                ("naive", n_in, n_crps, n_brier),
            ):
                add(target, who, len(items), float(np.mean(cr)) if cr else math.nan,
                    float(np.mean(ins)), None, "", float(np.mean(br)))  # fmt: skip
        del idx
    return pd.DataFrame(rows)


def _evidence_totals(ev: CasualtyEvidence | None, c_day: int) -> tuple[float, float] | None:
    if ev is None:
        return None
    first = int((ev.dates[0].astype(dt.date) - START).days)
    a = max(c_day - first, 0)
    b = DAYS - first
    if b <= a:
        return None
    tot = ev.draws[:, a:b, :].sum(axis=1)
    return float(np.median(tot[:, 0])), float(np.median(tot[:, 1]))


def _recent_rate(ev: CasualtyEvidence | None, c_day: int, window: int = 60) -> np.ndarray | None:
    """(draws, 2) mean daily casualties over the last ``window`` days before the cutoff."""
    if ev is None:
        return None
    first = int((ev.dates[0].astype(dt.date) - START).days)
    b = min(c_day - first, ev.draws.shape[1])
    a = max(b - window, 0)
    if b <= a:
        return None
    return np.asarray(ev.draws[:, a:b, :].mean(axis=1))
