"""Adaptive tempered sequential Monte Carlo for a Gaussian prior on unconstrained parameters.

:func:`tempered_smc` is generic: it needs a vectorised log-likelihood ``loglik(z) -> (n,)`` of
particles ``z`` (shape ``(n, k)``) and the independent normal prior ``N(loc, scale²)`` of each
coordinate. Particles start from the prior; the likelihood is switched on in steps ``β``: 0 → 1
chosen so that the effective sample size of the incremental weights stays at ``ess_target`` of
the particles; after each systematic resampling, ``moves`` Metropolis steps rejuvenate them
(alternating a random walk whose covariance comes from the particles, its scale adapted to the
acceptance rate, and an independence proposal from a widened Gaussian fit of the particles).
The product of the mean incremental weights estimates the marginal likelihood (Del Moral,
Doucet & Jasra 2006). Tested against a Gaussian target whose evidence is known in closed form
(``tests/infer/test_smc.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SMCResult", "chunked", "gaussian_log_prior", "tempered_smc"]

LogLik = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class SMCResult:
    """The result of :func:`tempered_smc`.

    Attributes:
        z: final particles on the unconstrained scale (equally weighted), ``(n, k)``.
        log_lik: log-likelihood of each particle.
        log_evidence: SMC estimate of the log marginal likelihood (the normalised prior's).
        stages: number of tempering stages.
        acceptance: mean Metropolis acceptance rate over the moves.
        ess_min: smallest effective sample size before a resampling.
        unique: distinct particles at the end (after the moves).
    """

    z: np.ndarray
    log_lik: np.ndarray
    log_evidence: float
    stages: int
    acceptance: float
    ess_min: float
    unique: int

    def to_frame(self, names: Sequence[str] | None = None) -> pd.DataFrame:
        """The posterior of every coordinate, one row per parameter (unconstrained scale).

        Columns: ``parameter`` (``names``, default ``z0``, ``z1``, ...), ``mean``, ``sd``,
        ``q05``, ``median``, ``q95`` over the final particles (float64). The sampler's own
        numbers (log evidence, stages, acceptance, ...) are :meth:`diagnostics_frame`.
        """
        import pandas as pd

        k = self.z.shape[1]
        labels = [f"z{j}" for j in range(k)] if names is None else list(names)
        if len(labels) != k:
            raise UserError(f"names: {len(labels)} given for {k} coordinates; give one each")
        q05, q50, q95 = np.quantile(self.z, [0.05, 0.5, 0.95], axis=0)
        return pd.DataFrame(
            {
                "parameter": labels,
                "mean": self.z.mean(axis=0),
                "sd": self.z.std(axis=0, ddof=1),
                "q05": q05,
                "median": q50,
                "q95": q95,
            }
        )

    def diagnostics_frame(self) -> pd.DataFrame:
        """The sampler's numbers, one row per quantity: ``particles``, ``log_evidence``,
        ``stages``, ``acceptance``, ``ess_min``, ``unique`` (columns ``quantity``, ``value``,
        float64)."""
        import pandas as pd

        rows = {
            "particles": float(self.z.shape[0]),
            "log_evidence": self.log_evidence,
            "stages": float(self.stages),
            "acceptance": self.acceptance,
            "ess_min": self.ess_min,
            "unique": float(self.unique),
        }
        return pd.DataFrame({"quantity": list(rows), "value": np.array(list(rows.values()))})


def gaussian_log_prior(z: np.ndarray, loc: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Log density, up to its normalising constant, of independent normals at ``z`` (n, k)."""
    return np.asarray(-0.5 * np.sum(((z - loc) / scale) ** 2, axis=-1))


def chunked(f: LogLik, size: int) -> LogLik:
    """``f`` applied to row blocks of at most ``size`` particles (bounded memory)."""

    def g(z: np.ndarray) -> np.ndarray:
        if z.shape[0] <= size:
            return f(z)
        return np.concatenate([f(z[i : i + size]) for i in range(0, z.shape[0], size)])

    return g


def next_beta(loglik: np.ndarray, beta: float, target: float) -> float:
    """Largest step of the tempering exponent keeping the weights' ESS at ``target``."""
    finite = np.isfinite(loglik)
    ll = np.where(finite, loglik, -np.inf)
    mx = float(np.max(ll[finite])) if finite.any() else 0.0

    def ess(delta: float) -> float:
        w = np.exp(delta * (ll - mx))
        return float(w.sum() ** 2 / np.sum(w**2))

    if ess(1.0 - beta) >= target:
        return 1.0
    lo, hi = 0.0, 1.0 - beta
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if ess(mid) >= target:
            lo = mid
        else:
            hi = mid
    return beta + max(lo, 1e-9)


# The linear algebra of the moves is summed in an order fixed by the shapes alone: numpy's
# elementwise products and ``np.add.reduce`` over an explicit axis, never BLAS or LAPACK (whose
# summation order depends on the number of threads and on the CPU's kernels: the last bits of
# the particles, and after enough stages the particles themselves, would change with them). The
# loops run over the k coordinates, each step vectorised over the particles (coordinates first,
# so that every step reads contiguous rows): as fast as BLAS and einsum were at these sizes.


def _weighted_moments(z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``Σ w z`` and covariance ``Σ w (z - mean)(z - mean)ᵀ`` of particles ``z`` (n, k)
    with weights ``w`` summing to 1 (the covariance exactly symmetric)."""
    k = z.shape[1]
    mean = np.add.reduce(w[:, None] * z, axis=0)
    dt = np.ascontiguousarray((z - mean).T)
    wdt = w * dt
    cov = np.empty((k, k))
    for i in range(k):
        cov[i, : i + 1] = np.add.reduce(wdt[i] * dt[: i + 1], axis=1)
        cov[:i, i] = cov[i, :i]
    return mean, cov


def _cholesky(a: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor of the symmetric positive definite ``a`` (k, k)."""
    k = a.shape[0]
    low = np.zeros((k, k))
    for j in range(k):
        d = a[j, j] - np.add.reduce(low[j, :j] * low[j, :j])
        if not d > 0.0:
            raise np.linalg.LinAlgError("Matrix is not positive definite")
        low[j, j] = np.sqrt(d)
        low[j + 1 :, j] = (
            a[j + 1 :, j] - np.add.reduce(low[j + 1 :, :j] * low[j, :j], axis=1)
        ) / low[j, j]
    return low


def _times_lower_t(x: np.ndarray, low: np.ndarray) -> np.ndarray:
    """``x @ low.T`` for ``x`` (n, k) and a lower triangular ``low`` (k, k)."""
    xt = np.ascontiguousarray(x.T)
    out = np.empty_like(xt)
    for j in range(low.shape[0]):
        out[j] = np.add.reduce(low[j, : j + 1, None] * xt[: j + 1], axis=0)
    return np.ascontiguousarray(out.T)


def _gauss_logq(z: np.ndarray, mean: np.ndarray, chol: np.ndarray, widen: float) -> np.ndarray:
    """Log density, up to its constant, of ``N(mean, widen² chol cholᵀ)`` at ``z`` (n, k):
    ``-|chol⁻¹ (z - mean)|² / (2 widen²)`` (forward substitution)."""
    d = np.ascontiguousarray((z - mean).T)
    y = np.empty_like(d)
    for j in range(chol.shape[0]):
        y[j] = (d[j] - np.add.reduce(chol[j, :j, None] * y[:j], axis=0)) / chol[j, j]
    return np.asarray(-0.5 * np.add.reduce(y * y, axis=0) / widen**2)


def systematic_resample(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Systematic resampling: indices of ``len(w)`` equally weighted draws."""
    n = w.size
    pos = (rng.random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(np.cumsum(w), pos), n - 1)


def tempered_smc(
    loglik: LogLik,
    loc: np.ndarray,
    scale: np.ndarray,
    *,
    rng: np.random.Generator,
    particles: int,
    moves: int,
    ess_target: float = 0.6,
    max_stages: int = 200,
) -> SMCResult:
    """Sample the posterior of ``loglik`` under the prior ``N(loc, diag(scale²))`` (see module).

    ``rng`` is the only source of randomness: the same generator state gives the same bytes,
    whatever the number of BLAS threads (the sampler's own linear algebra does not use BLAS).
    """
    loc = np.asarray(loc, dtype=float)
    scale = np.asarray(scale, dtype=float)
    if particles < 2 or moves < 1:
        raise UserError(f"particles = {particles}, moves = {moves}: give >= 2 and >= 1")
    if not 0 < ess_target < 1:
        raise UserError(f"ess_target = {ess_target}: give a share in (0, 1)")
    k = loc.size
    z = loc + scale * rng.standard_normal((particles, k))
    ll = loglik(z)
    lp = gaussian_log_prior(z, loc, scale)
    beta = 0.0
    log_z = 0.0
    stages = 0
    acc_sum, acc_n = 0.0, 0
    ess_min = float(particles)
    c = 1.0
    while beta < 1.0:
        new_beta = next_beta(ll, beta, ess_target * particles)
        logw = (new_beta - beta) * ll
        logw = np.where(np.isfinite(logw), logw, -np.inf)
        mx = float(np.max(logw))
        w = np.exp(logw - mx)
        log_z += mx + float(np.log(np.mean(w)))
        w = w / w.sum()
        ess_min = min(ess_min, float(1.0 / np.sum(w**2)))
        mean, cov = _weighted_moments(z, w)
        cov += 1e-8 * np.diag(scale**2)
        idx = systematic_resample(w, rng)
        z, ll, lp = z[idx], ll[idx], lp[idx]
        beta = new_beta
        stages += 1
        chol = _cholesky(cov)
        n_moves = moves if beta < 1.0 else 2 * moves
        for m in range(n_moves):
            if m % 2 == 1:
                cand = mean + _times_lower_t(1.2 * rng.standard_normal(z.shape), chol)
                dq_c = _gauss_logq(cand, mean, chol, 1.2)
                dq = _gauss_logq(z, mean, chol, 1.2)
            else:
                step = (2.38 / np.sqrt(k)) * c
                cand = z + _times_lower_t(step * rng.standard_normal(z.shape), chol)
                dq_c = dq = np.zeros(particles)
            ll_c = loglik(cand)
            lp_c = gaussian_log_prior(cand, loc, scale)
            log_a = beta * (ll_c - ll) + lp_c - lp + dq - dq_c
            ok = np.log(rng.random(particles)) < np.where(np.isfinite(log_a), log_a, -np.inf)
            z[ok], ll[ok], lp[ok] = cand[ok], ll_c[ok], lp_c[ok]
            rate = float(ok.mean())
            acc_sum += rate
            acc_n += 1
            if m % 2 == 0:
                c *= 1.25 if rate > 0.35 else (0.75 if rate < 0.15 else 1.0)
        if stages > max_stages:
            raise UserError(f"SMC did not converge in {max_stages} tempering stages")
    unique = int(np.unique(z, axis=0).shape[0])
    return SMCResult(z, ll, log_z, stages, acc_sum / max(acc_n, 1), ess_min, unique)
