"""Calibrate the Bakhmut model to the evidence: posterior draws of its parameters.

The evidence (everything filtered to what was known by ``cutoff`` *before* anything else):

* casualties: posterior draws of daily casualties per side from the fog-of-war estimate
  (:class:`CasualtyEvidence`), summarised as a multivariate normal on log monthly totals;
* control events (``events.csv``): each mapped to a statement about a front's radius
  (Russia holds a place: the front is inside it; Ukraine holds it: outside; contested: near);
* city-control percentages, force-size, ammunition, advance and cost-per-km claims
  (``claims.csv``), each an observation of a model quantity with the claim's qualifier
  (``at_least``/``at_most`` censored, ``range`` an interval) and a noise by claimant relation.

Inference: adaptive tempered sequential Monte Carlo over the unconstrained parameters (the
deterministic daily map of the model is the likelihood's engine, batched over particles):
posterior draws and an estimate of the marginal likelihood, by which the attrition laws of the
family are compared (:func:`calibrate` with ``law="auto"``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.battles.bakhmut.axes import BAKHMUT_LAWS
from attrition.battles.bakhmut.engine import BakhmutRuns
from attrition.battles.bakhmut.model import BakhmutModel
from attrition.battles.bakhmut.params import PARAMS, ParamSpec, priors_known_by
from attrition.battles.bakhmut.record import record_schedule
from attrition.battles.bakhmut.schedule import BakhmutSchedule
from attrition.errors import UserError, unknown_name
from attrition.infer.smc import chunked, tempered_smc

if TYPE_CHECKING:
    import pandas as pd
from attrition.battles.bakhmut.evidence import CasualtyEvidence, parse_cutoff, publication_dates
from attrition.battles.bakhmut.likelihood import (
    BakhmutLikelihood,
    _params_from_z,
    band_covers,
    log_prior,
    observation_values,
    statement_holds,
)
from attrition.battles.bakhmut.observations import Observations, build_observations

ESS_TARGET = 0.6
"""Tempering steps keep the incremental weights' effective sample size at this share."""


@dataclass(frozen=True)
class LawFit:
    """The calibration under one attrition law (tempered SMC).

    Attributes:
        law: the law.
        draws_z: final particles on the unconstrained scale (equally weighted).
        log_lik: log-likelihood of each particle.
        log_evidence: SMC estimate of the log marginal likelihood.
        stages: number of tempering stages.
        acceptance: mean Metropolis acceptance rate over the moves.
        ess_min: smallest effective sample size before a resampling.
        unique: distinct particles at the end (after the moves).
    """

    law: str
    draws_z: np.ndarray
    log_lik: np.ndarray
    log_evidence: float
    stages: int
    acceptance: float
    ess_min: float
    unique: int


@dataclass
class Calibration:
    """Posterior draws of the Bakhmut model's parameters (see :func:`calibrate`).

    Attributes:
        law: the law used (the best by marginal likelihood when calibrated with ``"auto"``).
        cutoff: evidence known by this date only (``None``: all).
        schedule: the record's schedule known by the cutoff.
        free: names of the parameters fitted (the others are held at their prior median,
            :attr:`ParamSpec.fixed`, or act only in regimes that had not started by the
            cutoff: drawn from their prior).
        draws: ``{name: (n_draws,) array}`` for every parameter.
        map_values: the particle of highest posterior density (natural scale).
        laws: one summary row per law tried (log evidence, stages, acceptance).
        observations: what the likelihood read.
        seconds: wall time of the calibration.
        seed: the seed.
        priors: the priors used (:func:`~attrition.battles.bakhmut.params.priors_known_by` at the
            cutoff).
    """

    law: str
    cutoff: dt.date | None
    schedule: BakhmutSchedule
    free: tuple[str, ...]
    draws: dict[str, np.ndarray]
    map_values: dict[str, float]
    laws: list[dict[str, Any]]
    observations: Observations
    seconds: float
    seed: int
    fits: dict[str, LawFit] = field(default_factory=dict, repr=False)
    priors: tuple[ParamSpec, ...] = PARAMS

    @property
    def n_draws(self) -> int:
        """Number of posterior draws."""
        return int(next(iter(self.draws.values())).shape[0])

    def model(self, schedule: BakhmutSchedule | None = None) -> BakhmutModel:
        """The calibrated model (with ``schedule``, default the record known by the cutoff)."""
        return BakhmutModel(self.law, schedule or self.schedule)

    def posterior_table(self) -> pd.DataFrame:
        """Median and 90% interval of every parameter, with its prior median."""
        import pandas as pd

        rows = []
        for p in self.priors:
            v = self.draws[p.name]
            rows.append(
                {
                    "parameter": p.name,
                    "fitted": p.name in self.free,
                    "median": float(np.median(v)),
                    "q05": float(np.quantile(v, 0.05)),
                    "q95": float(np.quantile(v, 0.95)),
                    "prior_median": float(p.value(np.float64(p.loc))),
                    "unit": p.unit,
                }
            )
        return pd.DataFrame(rows)

    def to_frame(self) -> pd.DataFrame:
        """The posterior of every parameter under the chosen law, one row per parameter.

        Columns: ``law``, ``parameter``, ``fitted`` (``False``: the parameter acts only in a
        regime that had not started by the cutoff and is drawn from its prior), ``unit``,
        ``mean``, ``sd``, ``q05``, ``median``, ``q95`` of the draws, ``prior_q05``,
        ``prior_median``, ``prior_q95`` (exact, from the normal prior on the unconstrained
        scale) and ``width_ratio``: the posterior 90% width over the prior's, on the natural
        scale (near 1: the evidence did not move the parameter). The laws' evidence is
        :meth:`laws_frame`.
        """
        import pandas as pd

        rows = []
        for p in self.priors:
            v = self.draws[p.name]
            q05, q50, q95 = (float(x) for x in np.quantile(v, [0.05, 0.5, 0.95]))
            lo, mid, hi = (
                float(p.value(np.float64(p.loc + k * _Z90 * p.scale))) for k in (-1, 0, 1)
            )
            rows.append(
                {
                    "law": self.law,
                    "parameter": p.name,
                    "fitted": p.name in self.free,
                    "unit": p.unit,
                    "mean": float(np.mean(v)),
                    "sd": float(np.std(v, ddof=1)),
                    "q05": q05,
                    "median": q50,
                    "q95": q95,
                    "prior_q05": lo,
                    "prior_median": mid,
                    "prior_q95": hi,
                    "width_ratio": (q95 - q05) / (hi - lo) if hi > lo else float("nan"),
                }
            )
        return pd.DataFrame(rows)

    def laws_frame(self) -> pd.DataFrame:
        """One row per law tried: ``law``, ``log_evidence``, ``stages``, ``acceptance``,
        ``ess_min``, ``unique_particles``, ``chosen`` and ``weight``, the law's posterior
        probability from this one calibration's log evidence with equal prior weights (its
        Monte Carlo error is measured by
        :func:`~attrition.battles.bakhmut.evidence_error.log_evidence_error`)."""
        import pandas as pd

        df = pd.DataFrame(self.laws)
        le = df["log_evidence"].to_numpy(dtype=float)
        w = np.exp(le - le.max())
        df["weight"] = w / w.sum()
        return df


_Z90 = 1.6448536269514722
"""The standard normal's 95% quantile: a 90% central interval is ``loc ± _Z90 scale``."""


def _free_specs(
    schedule: BakhmutSchedule, specs: Sequence[ParamSpec] = PARAMS
) -> tuple[list[ParamSpec], list[ParamSpec]]:
    """Split ``specs`` into the parameters fitted and the others: those held at their prior
    median (:attr:`ParamSpec.fixed`) and those acting only in a regime that had not started."""
    used = schedule.regimes_in_use()
    free = [p for p in specs if not p.fixed and (p.regime is None or p.regime in used)]
    fixed = [p for p in specs if p not in free]
    return free, fixed


def _smc(
    law: str,
    schedule: BakhmutSchedule,
    obs: Observations,
    free: list[ParamSpec],
    fixed_values: dict[str, np.ndarray],
    *,
    seed: int,
    particles: int,
    moves: int,
    threads: bool | int = True,
) -> LawFit:
    """The Bakhmut likelihood under ``law`` sampled by :func:`attrition.infer.smc.tempered_smc`
    (its random stream: ``SeedSequence([seed, index of the law])``)."""
    lik = BakhmutLikelihood(BakhmutModel(law, schedule), obs, threads=threads)

    def loglik(z: np.ndarray) -> np.ndarray:
        return lik(_params_from_z(free, z, fixed_values))

    rng = np.random.default_rng(np.random.SeedSequence([seed, BAKHMUT_LAWS.index(law)]))
    res = tempered_smc(
        chunked(loglik, 1000),
        np.array([p.loc for p in free]),
        np.array([p.scale for p in free]),
        rng=rng,
        particles=particles,
        moves=moves,
        ess_target=ESS_TARGET,
    )
    return LawFit(
        law, res.z, res.log_lik, res.log_evidence, res.stages, res.acceptance, res.ess_min,
        res.unique,
    )  # fmt: skip


@dataclass(frozen=True)
class _Setup:
    """What every law's SMC reads: the evidence filtered by the cutoff, the priors known then
    and the split into fitted and fixed parameters (picklable: sent to executor workers)."""

    cutoff: dt.date | None
    schedule: BakhmutSchedule
    observations: Observations
    specs: tuple[ParamSpec, ...]
    free: tuple[ParamSpec, ...]
    fixed: tuple[ParamSpec, ...]

    @property
    def fixed_values(self) -> dict[str, np.ndarray]:
        return {p.name: np.asarray(p.value(np.float64(p.loc))) for p in self.fixed}

    def fit(
        self, law: str, seed: int, particles: int, moves: int, threads: bool | int = True
    ) -> LawFit:
        return _smc(
            law, self.schedule, self.observations, list(self.free), self.fixed_values,
            seed=seed, particles=particles, moves=moves, threads=threads,
        )  # fmt: skip


def _setup(
    evidence: CasualtyEvidence | None,
    claims: pd.DataFrame | None,
    events: pd.DataFrame | None,
    cutoff: str | dt.date | None,
    schedule: BakhmutSchedule | None,
) -> _Setup:
    c = parse_cutoff(cutoff)
    if claims is None or events is None:
        from attrition.data.claims import load_claims, load_events

        claims = load_claims("bakhmut") if claims is None else claims
        events = load_events("bakhmut") if events is None else events
    sched = (record_schedule() if schedule is None else schedule).known_by(c)
    obs = build_observations(claims, events, evidence, c, sched)
    specs = priors_known_by(c, publication_dates(claims, events))
    free, fixed = _free_specs(sched, specs)
    return _Setup(c, sched, obs, tuple(specs), tuple(free), tuple(fixed))


_Task = tuple[_Setup, str, int, int, int, bool | int]
"""One SMC run: (setup, law, seed, particles, moves, threads)."""


def _check_sizes(particles: int, moves: int) -> None:
    if particles < 20 or moves < 1:
        raise UserError(f"particles = {particles}, moves = {moves}: give >= 20 and >= 1")


def calibrate(
    evidence: CasualtyEvidence | None,
    *,
    claims: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    cutoff: str | dt.date | None = None,
    law: str = "auto",
    draws: int = 1000,
    seed: int = 0,
    particles: int = 600,
    moves: int = 4,
    schedule: BakhmutSchedule | None = None,
    threads: bool | int = True,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Calibration:
    """Calibrate the Bakhmut model on the evidence known by ``cutoff``.

    Args:
        evidence: casualty evidence (:func:`casualty_evidence` or :func:`synthetic_evidence`);
            ``None`` fits territory and force claims only.
        claims, events: the evidence base (default: the packaged Bakhmut files). Filtered to
            what was known by ``cutoff`` before anything else, so later rows cannot change the
            result.
        cutoff: ISO date or ``None``.
        law: ``"auto"`` (calibrate every law of :data:`BAKHMUT_LAWS` and keep the one with the
            highest marginal likelihood) or one law.
        draws: posterior draws to return (resampled from the particles).
        seed: seed of everything random in the calibration.
        particles: SMC particles.
        moves: Metropolis moves per tempering stage (twice as many at the last).
        schedule: the record's schedule (default
            :func:`~attrition.battles.bakhmut.record.record_schedule`).
        threads: threads the simulations are split over (``True``: one per CPU; with another
            executor each worker runs one). The result does not depend on it.
        executor, workers, scheduler: where the laws' SMC runs go (``serial``, ``processes``
            or ``dask``, as for :func:`attrition.simulate.ensemble.simulate`); the result is
            bit-identical across them.
    """
    t0 = time.perf_counter()
    parse_cutoff(cutoff)  # a bad cutoff is named first
    laws = BAKHMUT_LAWS if law == "auto" else (check_law_name(law),)
    if draws < 10:
        raise UserError(f"draws = {draws}: give at least 10")
    _check_sizes(particles, moves)
    st = _setup(evidence, claims, events, cutoff, schedule)
    free, fixed, specs = list(st.free), list(st.fixed), st.specs
    tasks: list[_Task] = [(st, lw, seed, particles, moves, threads) for lw in laws]
    fits = dict(zip(laws, _run_fits(tasks, executor, workers, scheduler), strict=True))
    best = max(fits.values(), key=lambda f: f.log_evidence)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 99]))
    idx = rng.integers(0, best.draws_z.shape[0], size=draws)
    z = best.draws_z[idx]
    out: dict[str, np.ndarray] = {}
    for j, p in enumerate(free):
        out[p.name] = np.asarray(p.value(z[:, j]), dtype=float)
    for p in fixed:
        z_p = rng.normal(p.loc, p.scale, size=draws)  # drawn for every one: same stream
        out[p.name] = (
            np.full(draws, p.fixed_value) if p.fixed else np.asarray(p.value(z_p), dtype=float)
        )
    out = {p.name: out[p.name] for p in specs}
    post = best.log_lik + log_prior(free, best.draws_z)
    top = best.draws_z[int(np.argmax(post))]
    map_values = {p.name: float(p.value(np.float64(top[j]))) for j, p in enumerate(free)}
    table = [
        {
            "law": f.law,
            "log_evidence": f.log_evidence,
            "stages": f.stages,
            "acceptance": f.acceptance,
            "ess_min": f.ess_min,
            "unique_particles": f.unique,
            "chosen": f.law == best.law,
        }
        for f in fits.values()
    ]
    return Calibration(
        law=best.law,
        cutoff=st.cutoff,
        schedule=st.schedule,
        free=tuple(p.name for p in free),
        draws=out,
        map_values=map_values,
        laws=table,
        observations=st.observations,
        seconds=time.perf_counter() - t0,
        seed=seed,
        fits=fits,
        priors=specs,
    )


def check_law_name(name: str) -> str:
    """Validate a law name (``auto`` or one of :data:`BAKHMUT_LAWS`)."""
    if name != "auto" and name not in BAKHMUT_LAWS:
        raise unknown_name("law", name, (*BAKHMUT_LAWS, "auto"))
    return name


def record_fit(
    obs: Observations,
    runs: BakhmutRuns,
    params: Mapping[str, np.ndarray],
    model: BakhmutModel,
) -> pd.DataFrame:
    """For every observation: the ensemble's 90% band of the observed quantity, whether the
    observation falls inside it, and the share of runs that satisfy it.

    Columns: ``id, source, date, place, quantity, front, kind, low, high, q05, q50, q95,
    inside, p_satisfied, label``. Fronts are in km from the ring centre (smaller: further
    west); ``city`` is the share of the city held by Russia.
    """
    import pandas as pd

    rows = []
    for o in obs.items:
        m = observation_values(o, runs, params, model)
        q05, q50, q95 = (float(v) for v in np.quantile(m, [0.05, 0.5, 0.95]))
        rows.append(
            {
                "id": o.id,
                "source": o.source,
                "date": o.date,
                "place": o.place,
                "quantity": o.quantity,
                "front": "NES"[o.front] if o.front >= 0 else "",
                "kind": o.kind,
                "low": o.low,
                "high": o.high,
                "q05": q05,
                "q50": q50,
                "q95": q95,
                "inside": band_covers(o, q05, q95),
                "p_satisfied": float(np.mean(statement_holds(o, m))),
                "label": o.label,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- evidence error
def _fit_task(task: _Task) -> LawFit:
    """One law and one seed (module-level so that process and Dask workers can run it)."""
    setup, law, seed, particles, moves, threads = task
    return setup.fit(law, seed, particles, moves, threads)


def _run_fits(
    tasks: Sequence[_Task],
    executor: str,
    workers: int | None,
    scheduler: str | None,
    dask_processes: bool = True,
) -> list[LawFit]:
    """Run the tasks on an executor of :data:`attrition.simulate.executors.EXECUTORS`, results
    in task order (each task's random stream is fixed by its seed and law, so the results do
    not depend on the executor; a worker runs one thread)."""
    from attrition.simulate.executors import map_calls

    if executor != "serial":
        tasks = [(*t[:5], 1) for t in tasks]  # one thread per worker
    return map_calls(
        _fit_task, list(tasks), executor=executor, workers=workers, scheduler=scheduler,
        dask_processes=dask_processes,
    )  # fmt: skip
