"""Hindcasts of the Bakhmut model against three baselines, over several seeds.

At each cutoff (:data:`HINDCAST_CUTOFFS`: the end of every month from November 2022 to April
2023) the model is calibrated on what was published by then (the law chosen at that cutoff) and
forecasts the rest of the window; the baselines of :mod:`~attrition.battles.bakhmut.baselines`
(the straight line, persistence, a local-linear-trend model) forecast the same targets from the
same published evidence. Every forecaster gives :class:`~.baselines.ForecastDraws`; one scorer
reads them all:

====================  =========================================================================
target                score
====================  =========================================================================
``control_events``    Brier and log score of the share of draws in which each control event
                      dated after the cutoff holds (mean over the events); 90 % coverage
``city_control``      the same for the city-control claims read after the cutoff; CRPS of the
                      city share held on each claim's date (value claims)
``city_fall_day``     CRPS (days) of the record's fall date (20 May 2023)
``casualty_claim:ID`` log score of one casualty claim made after the cutoff about a period after
                      it, under the forecast's draws with claim noise
                      :data:`~.scores.CLAIM_NOISE`; CRPS of the log figure for a value claim
``casualty_claims``   the mean of those over the cutoff's Russian and Ukrainian claims (ids in
                      ``ids``); ``casualty_claims_wagner`` over its Wagner claims (NaN for a
                      forecaster without Wagner draws)
====================  =========================================================================

Targets are only what was published after the cutoff and is about days after it: a statement
known by the cutoff is never scored. Casualties are scored against the claims themselves, never
against a fused estimate made of them. :func:`hindcast` runs each (cutoff, seed) as one task on
an executor (``serial``, ``processes``, ``dask``), bit-identical across them;
:func:`hindcast_summary` gives the mean and sd over the seeds and the number of seeds in which
the model beats each baseline.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.battles.bakhmut.axes import DAYS, START
from attrition.battles.bakhmut.baselines import (
    BASELINES,
    ForecastDraws,
    Forecaster,
    KnownEvidenceFn,
    NaiveForecast,
    naive_forecast,
)
from attrition.battles.bakhmut.calibration import calibrate, check_law_name
from attrition.battles.bakhmut.engine import simulate
from attrition.battles.bakhmut.evidence import CasualtyEvidence, parse_cutoff
from attrition.battles.bakhmut.likelihood import band_covers, statement_holds
from attrition.battles.bakhmut.quantities import Observation
from attrition.battles.bakhmut.record import record_schedule
from attrition.battles.bakhmut.schedule import BakhmutSchedule
from attrition.battles.bakhmut.scores import (
    CLAIM_NOISE,
    brier,
    claim_log_score,
    crps,
    draw_probability,
    log_score,
)
from attrition.battles.bakhmut.targets import (
    casualty_targets,
    control_targets,
    observed_fall_date,
)
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd
from attrition.battles.bakhmut.scenarios import (
    EvidenceFn,
    _evidence_default,
    check_ensemble_memory,
    posterior_params,
)

__all__ = [
    "FORECASTERS",
    "HINDCAST_CUTOFFS",
    "HINDCAST_SCORES",
    "HINDCAST_SETTINGS",
    "ModelForecaster",
    "NaiveForecast",
    "casualty_targets",
    "control_targets",
    "crps",
    "hindcast",
    "hindcast_summary",
    "naive_forecast",
    "observed_fall_date",
    "score_forecast",
]

HINDCAST_CUTOFFS: tuple[str, ...] = (
    "2022-11-30",
    "2022-12-31",
    "2023-01-31",
    "2023-02-28",
    "2023-03-31",
    "2023-04-30",
)
"""Default hindcast cutoffs: the end of every month from November 2022 to April 2023."""


HINDCAST_SETTINGS: tuple[int, int] = (600, 6)
"""Default SMC particles and moves per stage of a hindcast calibration: six moves, fewer than
the scenario command's sixteen (:data:`~attrition.battles.bakhmut.scenarios.
CALIBRATION_SETTINGS`), for the cost of 6 cutoffs × 5 seeds × 3 laws (433 s on 2 cores with
six moves in the docs' regeneration of 3 Dec 2026; about 2.5 times that with sixteen, not yet
run). With six moves the log evidence comes out low by 3.2 (square) to 3.9 (logarithmic)
nats against sixteen (``benchmarks/results/smc_moves.txt``): a bias that differs by law, so
each cutoff's choice of law is biased by about 0.7 nat towards the square law, besides its
noise."""


FORECASTERS: tuple[str, ...] = ("model", *(b.name for b in BASELINES))
"""The forecasters of the table, in order: the model, then the baselines."""


HINDCAST_SCORES: tuple[str, ...] = ("log_score", "brier", "crps", "coverage_90")
"""Score columns of the table (all but coverage: lower is better)."""


# --------------------------------------------------------------------------- the model
class ModelForecaster(Forecaster):
    """The calibrated model as a forecaster: :func:`calibrate` on what was known by the cutoff
    (the law chosen then when ``law="auto"``), ``runs`` posterior draws, the binomial engine.

    ``settings`` are the SMC's ``(particles, moves)``; ``threads`` is passed to the calibration
    and the engine (results do not depend on it).
    """

    name = "model"
    stream = 0

    def __init__(
        self,
        evidence_fn: KnownEvidenceFn | None,
        *,
        claims: pd.DataFrame,
        events: pd.DataFrame,
        schedule: BakhmutSchedule,
        runs: int = 500,
        seed: int = 0,
        law: str = "auto",
        settings: tuple[int, int] | None = None,
        threads: bool | int = True,
    ) -> None:
        super().__init__(
            evidence_fn, claims=claims, events=events, schedule=schedule, runs=runs, seed=seed
        )
        self.law = law
        self.settings = settings or HINDCAST_SETTINGS
        self.threads = threads

    def forecast(self, cutoff: dt.date) -> ForecastDraws:
        """Calibrate on what was published by ``cutoff`` and forecast the rest of the window."""
        c = (cutoff - START).days
        ev = self.evidence_fn(cutoff) if self.evidence_fn else None
        cal = calibrate(
            ev,
            claims=self.claims,
            events=self.events,
            cutoff=cutoff,
            schedule=self.schedule,
            law=self.law,
            seed=self.seed,
            particles=self.settings[0],
            moves=self.settings[1],
            threads=self.threads,
        )
        params, _ = posterior_params(cal, self.runs, self.seed)
        ens = simulate(cal.model(), params, method="binomial", seed=self.seed, threads=self.threads)
        lo = ens.losses
        cum_all = np.stack(
            [lo[..., :3].sum(axis=-1), lo[..., 3], lo[..., :2].sum(axis=-1)], axis=-1
        )
        cum = cum_all[:, c + 1 :, :] - cum_all[:, c : c + 1, :]
        return ForecastDraws(
            self.name, cutoff, ens.fronts[:, c + 1 :, :], ens.fall_day(), cum, law=cal.law
        )


# --------------------------------------------------------------------------- scoring
def score_forecast(
    fc: ForecastDraws,
    *,
    statements: Sequence[Observation],
    casualty_claims: pd.DataFrame,
    fall_day: float,
    geography: Any,
    seed: int = 0,
    claim_noise: float = CLAIM_NOISE,
) -> list[dict[str, Any]]:
    """The table rows of one forecast (see the module's table of targets)."""
    rows: list[dict[str, Any]] = []
    base = {"cutoff": fc.cutoff.isoformat(), "seed": seed, "law": fc.law,
            "forecaster": fc.forecaster}  # fmt: skip

    def add(target: str, n: int, **vals: Any) -> None:
        row: dict[str, Any] = {**base, "target": target, "n": n}
        for k in (*HINDCAST_SCORES, "median", "q05", "q95"):
            row[k] = float(vals.get(k, math.nan))
        row["observed"] = str(vals.get("observed", ""))
        row["ids"] = str(vals.get("ids", ""))
        rows.append(row)

    # the fall date (not fallen by the end: censored at the end + 1 day)
    x = np.where(np.isfinite(fc.fall_day), fc.fall_day, DAYS + 1.0)
    q = np.quantile(x, [0.05, 0.5, 0.95])
    add("city_fall_day", 1, crps=crps(x, fall_day), coverage_90=float(q[0] <= fall_day <= q[2]),
        q05=q[0], median=q[1], q95=q[2],
        observed=(START + dt.timedelta(days=int(fall_day))).isoformat())  # fmt: skip
    # control statements
    for target, items in (
        ("control_events", [o for o in statements if o.source == "event"]),
        ("city_control", [o for o in statements if o.quantity == "city"]),
    ):
        if not items:
            continue
        ls, bs, cov, cr = [], [], [], []
        for o in items:
            vals = fc.front(o.day, o.front) if o.quantity == "front" else fc.city(o.day, geography)
            p = draw_probability(statement_holds(o, vals))
            ls.append(log_score(p))
            bs.append(brier(p))
            q05, q95 = np.quantile(vals, [0.05, 0.95])
            cov.append(band_covers(o, float(q05), float(q95)))
            if o.quantity == "city" and o.kind == "value":
                cr.append(crps(vals, o.low))
        add(target, len(items), log_score=np.mean(ls), brier=np.mean(bs),
            coverage_90=np.mean(cov), crps=np.mean(cr) if cr else math.nan,
            ids=",".join(dict.fromkeys(o.id for o in items)))  # fmt: skip
    # casualty claims made after the cutoff about periods after it
    scored: list[tuple[str, str, float, float]] = []  # (side, id, log score, log CRPS)
    for rec in casualty_claims.to_dict("records"):
        t = {str(k): v for k, v in rec.items()}
        draws = fc.casualties(str(t["side"]), int(t["first_day"]), int(t["last_day"]))
        target = f"casualty_claim:{t['id']}"
        if not np.all(np.isfinite(draws)):  # no forecast of this side (Wagner without draws)
            add(target, 1, observed=_claim_text(t), ids=t["id"])
            scored.append((str(t["side"]), str(t["id"]), math.nan, math.nan))
            continue
        ls_c = claim_log_score(
            draws, str(t["kind"]), float(t["low"]), float(t["high"]), claim_noise
        )
        cr_c = math.nan
        if t["kind"] in ("value", "range"):
            target_v = math.sqrt(max(t["low"], 1.0) * max(t["high"], 1.0))
            cr_c = crps(np.log(np.maximum(draws, 1.0)), math.log(target_v))
        q = np.quantile(draws, [0.05, 0.5, 0.95])
        cov_c = band_covers(_as_obs(t), float(q[0]), float(q[2]))
        add(target, 1, log_score=ls_c, crps=cr_c, coverage_90=cov_c, q05=q[0], median=q[1],
            q95=q[2], observed=_claim_text(t), ids=t["id"])  # fmt: skip
        scored.append((str(t["side"]), str(t["id"]), ls_c, cr_c))
    for name, sides in (("casualty_claims", ("RU", "UA")), ("casualty_claims_wagner", ("WAGNER",))):
        part = [x for x in scored if x[0] in sides]
        if not part:
            continue
        ls_v = [x[2] for x in part]
        cr_v = [x[3] for x in part if math.isfinite(x[3])]
        add(name, len(part), log_score=float(np.mean(ls_v)),
            crps=float(np.mean(cr_v)) if cr_v else math.nan,
            ids=",".join(x[1] for x in part))  # fmt: skip
    return rows


def _claim_text(t: dict[str, Any]) -> str:
    lo, hi = t["low"], t["high"]
    if t["kind"] == "value":
        return f"{lo:.0f}"
    if t["kind"] == "at_least":
        return f">= {lo:.0f}"
    if t["kind"] == "at_most":
        return f"<= {hi:.0f}"
    return f"{lo:.0f}-{hi:.0f}"


def _as_obs(t: dict[str, Any]) -> Observation:
    """A casualty claim as an observation (for :func:`band_covers`)."""
    return Observation(
        id=str(t["id"]), source="claim", quantity="casualties", day=int(t["last_day"]),
        day0=int(t["first_day"]), front=-1, kind=str(t["kind"]), low=float(t["low"]),
        high=float(t["high"]), scale="log", sigma=CLAIM_NOISE, weight=1.0, label=str(t["label"]),
        date=START + dt.timedelta(days=int(t["last_day"])),
    )  # fmt: skip


# --------------------------------------------------------------------------- one task
@dataclass(frozen=True)
class _Task:
    """One cutoff and one seed: everything a worker needs (picklable)."""

    cutoff: dt.date
    seed: int
    runs: int
    law: str
    settings: tuple[int, int]
    claims: Any
    events: Any
    schedule: BakhmutSchedule
    evidence: CasualtyEvidence | None
    claim_noise: float
    threads: bool | int


def _run_task(task: _Task) -> list[dict[str, Any]]:
    """The rows of one (cutoff, seed): every forecaster's draws, scored."""
    ev = task.evidence

    def ev_fn(_c: dt.date | None) -> CasualtyEvidence | None:
        return ev

    common: dict[str, Any] = {
        "claims": task.claims,
        "events": task.events,
        "schedule": task.schedule,
        "runs": task.runs,
        "seed": task.seed,
    }
    forecasters: list[Forecaster] = [
        ModelForecaster(
            ev_fn, law=task.law, settings=task.settings, threads=task.threads, **common
        ),
        *(b(ev_fn, **common) for b in BASELINES),
    ]
    statements = control_targets(task.claims, task.events, task.schedule, task.cutoff)
    cas = casualty_targets(task.claims, task.cutoff)
    fall = float((observed_fall_date(task.events) - START).days)
    rows: list[dict[str, Any]] = []
    for f in forecasters:
        fc = f.forecast(task.cutoff)
        rows += score_forecast(fc, statements=statements, casualty_claims=cas, fall_day=fall,
                               geography=task.schedule.geography, seed=task.seed,
                               claim_noise=task.claim_noise)  # fmt: skip
    return rows


def _map(
    fn: Callable[[_Task], list[dict[str, Any]]],
    tasks: Sequence[_Task],
    executor: str,
    workers: int | None,
    scheduler: str | None,
) -> list[list[dict[str, Any]]]:
    """``fn`` over ``tasks`` on an executor of :data:`attrition.simulate.executors.EXECUTORS`,
    results in task order (each task's streams are fixed by its seed and cutoff, so the results
    do not depend on the executor; workers run one thread each)."""
    from dataclasses import replace

    from attrition.simulate.executors import map_calls

    if executor != "serial":
        tasks = [replace(t, threads=1) for t in tasks]
    return map_calls(fn, list(tasks), executor=executor, workers=workers, scheduler=scheduler)


# --------------------------------------------------------------------------- the study
def hindcast(
    cutoffs: Sequence[str | dt.date] = HINDCAST_CUTOFFS,
    *,
    runs: int = 500,
    seed: int = 0,
    seeds: int = 1,
    law: str = "auto",
    evidence_fn: EvidenceFn | None = None,
    settings: tuple[int, int] | None = None,
    claims: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    schedule: BakhmutSchedule | None = None,
    claim_noise: float = CLAIM_NOISE,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Forecast from what was published by each cutoff, with the model and the baselines, over
    seeds ``seed .. seed + seeds − 1``, and score the forecasts against what was published
    after it.

    Each (cutoff, seed) calibrates the model on the evidence known by the cutoff (``law="auto"``
    chooses the law there, from that calibration's marginal likelihoods), runs ``runs`` draws,
    and gives every baseline the same published evidence; the casualty evidence of each cutoff
    (``evidence_fn(cutoff)``, default the fog-of-war fit on the claims known then) is computed
    once, here, and sent with the tasks to ``executor`` (``serial``, ``processes``, ``dask``;
    the table is bit-identical across them).

    Returns the tidy table, one row per cutoff x target x forecaster x seed: ``cutoff, seed,
    law, forecaster, target, n, log_score, brier, crps, coverage_90, median, q05, q95,
    observed, ids`` (``law``: the model's at that cutoff and seed, '' for a baseline; ``ids``:
    the claims and events scored). :func:`hindcast_summary` summarises it over the seeds.
    """
    import pandas as pd

    from attrition.data.claims import load_claims, load_events
    from attrition.limits import check_count, check_seed

    # every argument is checked before any fit (the first costs minutes)
    if law != "auto":
        check_law_name(law)
    check_count(runs, "--runs", minimum=2)
    check_count(seeds, "--seeds", minimum=1)
    check_seed(seed)
    check_ensemble_memory(runs, "--runs")
    if not claim_noise > 0:
        raise UserError(f"claim noise = {claim_noise}: give a log-scale sd > 0")
    if not cutoffs:
        raise UserError("hindcast: give at least one cutoff date, e.g. 2023-01-31")
    cuts: list[dt.date] = []
    for c_raw in cutoffs:
        c = parse_cutoff(c_raw)
        if c is None:
            raise UserError("hindcast: give cutoff dates")
        cuts.append(c)
    claims = load_claims("bakhmut") if claims is None else claims
    events = load_events("bakhmut") if events is None else events
    sched = record_schedule() if schedule is None else schedule
    ev_fn = evidence_fn or _evidence_default()
    known = {c: ev_fn(c) for c in dict.fromkeys(cuts)}
    tasks = [
        _Task(
            c,
            s,
            runs,
            law,
            settings or HINDCAST_SETTINGS,
            claims,
            events,
            sched,
            known[c],
            claim_noise,
            True,
        )
        for c in cuts
        for s in range(seed, seed + seeds)
    ]
    rows = [r for part in _map(_run_task, tasks, executor, workers, scheduler) for r in part]
    cols = ["cutoff", "seed", "law", "forecaster", "target", "n", *HINDCAST_SCORES,
            "median", "q05", "q95", "observed", "ids"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def hindcast_summary(table: pd.DataFrame) -> pd.DataFrame:
    """The table over its seeds: one row per cutoff x target x forecaster x score with the
    number of seeds, the mean and sd (``ddof=1``; NaN for one seed) of the score, and for a
    baseline ``model_better``: the number of seeds in which the model's score is better
    (lower; higher for ``coverage_90``, whose nominal value is 0.9, so: closer to 0.9) than
    the baseline's."""
    import pandas as pd

    out: list[dict[str, Any]] = []
    keys = ["cutoff", "target"]
    for (cutoff, target), g in table.groupby(keys, sort=False):
        model = g[g["forecaster"] == "model"].set_index("seed")
        for who, gf in g.groupby("forecaster", sort=False):
            gs = gf.set_index("seed")
            for score in HINDCAST_SCORES:
                v = gs[score].astype(float)
                if v.isna().all():
                    continue
                better = math.nan
                if who != "model" and not model.empty:
                    m = model[score].astype(float).reindex(v.index)
                    wins = (m - 0.9).abs() < (v - 0.9).abs() if score == "coverage_90" else m < v
                    better = float(wins[m.notna() & v.notna()].sum())
                out.append(
                    {
                        "cutoff": cutoff,
                        "target": target,
                        "forecaster": who,
                        "score": score,
                        "seeds": int(v.notna().sum()),
                        "mean": float(v.mean()),
                        "sd": float(v.std(ddof=1)) if v.notna().sum() > 1 else math.nan,
                        "model_better": better,
                    }
                )
    return pd.DataFrame(
        out,
        columns=["cutoff", "target", "forecaster", "score", "seeds", "mean", "sd", "model_better"],
    )
