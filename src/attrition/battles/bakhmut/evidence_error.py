"""How sure is the choice of law? The Monte Carlo error of the laws' log marginal likelihoods,
measured by repeating the calibration's SMC with several seeds (:func:`log_evidence_error`),
and the law weights built on them with their standard errors (:class:`EvidenceRepeats`).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from attrition.battles.bakhmut.axes import BAKHMUT_LAWS
from attrition.battles.bakhmut.calibration import (
    _check_sizes,
    _run_fits,
    _setup,
    _Task,
    check_law_name,
)
from attrition.battles.bakhmut.evidence import CasualtyEvidence, parse_cutoff
from attrition.battles.bakhmut.schedule import BakhmutSchedule
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["EvidenceRepeats", "log_evidence_error"]


@dataclass(frozen=True)
class EvidenceRepeats:
    """Repeated SMC calibrations with seeds ``seed .. seed + K - 1`` (see
    :func:`log_evidence_error`): the Monte Carlo error of the log marginal likelihoods and of
    the law weights built on them.

    Attributes:
        laws: the laws, in :data:`BAKHMUT_LAWS` order.
        seeds: the seeds, one per repeat.
        log_evidence: ``(K, len(laws))`` SMC log marginal likelihoods.
        stages, acceptance: ``(K, len(laws))`` tempering stages and mean acceptance rates.
        particles, moves: the SMC settings.
        cutoff: evidence known by this date only (``None``: all).
        seconds: wall time of all repeats.
    """

    laws: tuple[str, ...]
    seeds: tuple[int, ...]
    log_evidence: np.ndarray
    stages: np.ndarray
    acceptance: np.ndarray
    particles: int
    moves: int
    cutoff: dt.date | None
    seconds: float

    @property
    def mean(self) -> np.ndarray:
        """Mean log evidence of each law over the repeats."""
        return np.asarray(self.log_evidence.mean(axis=0))

    @property
    def sd(self) -> np.ndarray:
        """Standard deviation over the repeats: the Monte Carlo error of one calibration's log
        evidence (the issue's target: below 0.5 nat)."""
        return np.asarray(self.log_evidence.std(axis=0, ddof=1))

    @property
    def se(self) -> np.ndarray:
        """Standard error of :attr:`mean` (``sd / sqrt(K)``)."""
        return np.asarray(self.sd / np.sqrt(len(self.seeds)))

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Posterior law probabilities (equal prior weights) from the mean log evidence, and
        their standard errors by the delta method (the laws' runs are independent):
        ``se(w_l)² = Σ_j (w_l (δ_lj − w_j))² se_j²``."""
        m = self.mean
        w = np.exp(m - m.max())
        w = w / w.sum()
        jac = np.diag(w) - np.outer(w, w)
        return w, np.sqrt((jac**2) @ (self.se**2))

    def to_frame(self) -> pd.DataFrame:
        """One row per law: ``law``, ``repeats``, ``particles``, ``log_evidence_mean``,
        ``log_evidence_sd`` (one calibration's Monte Carlo error), ``log_evidence_se`` (the
        mean's), ``log_evidence_min``, ``log_evidence_max``, ``weight`` and ``weight_se``
        (:meth:`weights`), ``chosen_share`` (share of the repeats whose best law it is)."""
        import pandas as pd

        w, w_se = self.weights()
        best = np.argmax(self.log_evidence, axis=1)
        return pd.DataFrame(
            {
                "law": list(self.laws),
                "repeats": len(self.seeds),
                "particles": self.particles,
                "log_evidence_mean": self.mean,
                "log_evidence_sd": self.sd,
                "log_evidence_se": self.se,
                "log_evidence_min": self.log_evidence.min(axis=0),
                "log_evidence_max": self.log_evidence.max(axis=0),
                "weight": w,
                "weight_se": w_se,
                "chosen_share": [float(np.mean(best == j)) for j in range(len(self.laws))],
            }
        )

    def runs_frame(self) -> pd.DataFrame:
        """One row per (seed, law): ``seed``, ``law``, ``log_evidence``, ``stages``,
        ``acceptance``."""
        import pandas as pd

        k, n_laws = self.log_evidence.shape
        return pd.DataFrame(
            {
                "seed": np.repeat(np.asarray(self.seeds, dtype=np.int64), n_laws),
                "law": list(self.laws) * k,
                "log_evidence": self.log_evidence.reshape(-1),
                "stages": self.stages.reshape(-1).astype(np.int64),
                "acceptance": self.acceptance.reshape(-1),
            }
        )


def log_evidence_error(
    evidence: CasualtyEvidence | None,
    *,
    repeats: int = 5,
    seed: int = 0,
    claims: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    cutoff: str | dt.date | None = None,
    law: str = "auto",
    particles: int = 600,
    moves: int = 4,
    schedule: BakhmutSchedule | None = None,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    dask_processes: bool = True,
) -> EvidenceRepeats:
    """The Monte Carlo error of the laws' log marginal likelihoods, measured by repeating the
    SMC of :func:`calibrate` with seeds ``seed .. seed + repeats - 1``.

    Repeat ``k`` of law ``l`` is exactly the SMC that ``calibrate(..., seed=seed + k)`` runs for
    that law (same evidence, priors and random stream), so its log evidence is the one that
    calibration reports. The ``repeats × laws`` runs go to ``executor`` (``serial``,
    ``processes`` or ``dask``; ``workers``, ``scheduler`` as for ensembles); the results are
    bit-identical across executors.

    Args:
        evidence, claims, events, cutoff, law, particles, moves, schedule: as for
            :func:`calibrate`.
        repeats: number of seeds (at least 2, for a standard deviation).
        seed: the first seed.
        executor, workers, scheduler, dask_processes: where the runs go (as for
            :func:`attrition.simulate.ensemble.simulate`).

    Returns:
        :class:`EvidenceRepeats` (per-law mean, sd and standard error of the log evidence,
        posterior law weights with their standard errors: :meth:`EvidenceRepeats.to_frame`).
    """
    t0 = time.perf_counter()
    parse_cutoff(cutoff)
    laws = BAKHMUT_LAWS if law == "auto" else (check_law_name(law),)
    if repeats < 2:
        raise UserError(f"repeats = {repeats}: give at least 2 (a spread needs two runs)")
    if seed < 0:
        raise UserError(f"seed = {seed}: give a whole number >= 0")
    _check_sizes(particles, moves)
    st = _setup(evidence, claims, events, cutoff, schedule)
    seeds = tuple(range(seed, seed + repeats))
    tasks: list[_Task] = [(st, lw, s, particles, moves, True) for s in seeds for lw in laws]
    fits = _run_fits(tasks, executor, workers, scheduler, dask_processes)

    def grid(attr: str) -> np.ndarray:
        return np.array([getattr(f, attr) for f in fits], dtype=float).reshape(repeats, -1)

    return EvidenceRepeats(
        laws=tuple(laws),
        seeds=seeds,
        log_evidence=grid("log_evidence"),
        stages=grid("stages"),
        acceptance=grid("acceptance"),
        particles=particles,
        moves=moves,
        cutoff=st.cutoff,
        seconds=time.perf_counter() - t0,
    )
