"""Diagnostics of the fog-of-war fit: convergence and the posterior predictive check per claim.

:func:`convergence` computes split R-hat and effective sample size (NumPyro's estimators) for
every latent site and counts divergent transitions; when they are poor (R-hat above 1.01, an
effective sample size under 400, any divergence) it raises a :class:`ConvergenceWarning` that
says what to do. :func:`posterior_predictive_check` asks, claim by claim, how likely a figure at
least as extreme as the claimed one is under the fitted model, allowing for that claimant's
estimated bias and noise, and how far the claim sits from the fused estimate of the same
quantity.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "ESS_MIN",
    "R_HAT_MAX",
    "Convergence",
    "ConvergenceWarning",
    "convergence",
    "effective_sample_size",
    "posterior_predictive_check",
]

R_HAT_MAX = 1.01
"""Split R-hat above this is poor (Vehtari et al. 2021)."""

ESS_MIN = 400.0
"""An effective sample size under this (for any latent quantity) is poor."""


class ConvergenceWarning(UserWarning):
    """The sampler did not converge well enough to trust the intervals (see the message)."""


@dataclass(frozen=True)
class Convergence:
    """Convergence summary of an MCMC run.

    ``r_hat_max`` and ``ess_min`` are the worst values over every element of every latent site;
    ``worst_r_hat`` and ``worst_ess`` name those sites; ``per_site`` maps a site to its
    ``(r_hat_max, ess_min)``; ``problems`` lists what is poor (empty when all is well).
    """

    r_hat_max: float
    ess_min: float
    divergences: int
    chains: int
    draws: int
    worst_r_hat: str = ""
    worst_ess: str = ""
    per_site: dict[str, tuple[float, float]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when R-hat, ESS and divergences are all within the thresholds."""
        return not self.problems


def convergence(
    samples: dict[str, np.ndarray],
    diverging: np.ndarray,
    *,
    warn: bool = True,
    r_hat_max: float = R_HAT_MAX,
    ess_min: float = ESS_MIN,
) -> Convergence:
    """R-hat, effective sample size and divergences of ``samples`` (each ``(chain, draw, ...)``).

    With ``warn`` a :class:`ConvergenceWarning` lists the problems found.
    """
    import numpy as np
    from numpyro.diagnostics import split_gelman_rubin

    per_site: dict[str, tuple[float, float]] = {}
    chains = draws = 0
    for name in sorted(samples):
        x = np.asarray(samples[name], dtype=np.float64)
        chains, draws = x.shape[:2]
        if x.size == 0:
            continue
        if draws < 4:
            per_site[name] = (math.nan, math.nan)
            continue
        rh = np.asarray(split_gelman_rubin(x), dtype=np.float64)
        ess = np.asarray(effective_sample_size(x), dtype=np.float64)
        # a constant element (e.g. pinned by a mask) has undefined R-hat; ignore it
        rh = rh[np.isfinite(rh)]
        ess = ess[np.isfinite(ess)]
        per_site[name] = (
            float(rh.max()) if rh.size else math.nan,
            float(ess.min()) if ess.size else math.nan,
        )
    finite_rh = {k: v[0] for k, v in per_site.items() if math.isfinite(v[0])}
    finite_ess = {k: v[1] for k, v in per_site.items() if math.isfinite(v[1])}
    worst_r = max(finite_rh, key=lambda k: finite_rh[k]) if finite_rh else ""
    worst_e = min(finite_ess, key=lambda k: finite_ess[k]) if finite_ess else ""
    r_max = finite_rh[worst_r] if worst_r else math.nan
    e_min = finite_ess[worst_e] if worst_e else math.nan
    n_div = int(np.asarray(diverging).sum())
    problems: list[str] = []
    if not math.isfinite(r_max) or r_max > r_hat_max:
        problems.append(f"R-hat {r_max:.3f} > {r_hat_max} (site {worst_r or '?'})")
    if not math.isfinite(e_min) or e_min < ess_min:
        problems.append(
            f"effective sample size {e_min:.0f} < {ess_min:.0f} (site {worst_e or '?'})"
        )
    if n_div:
        problems.append(f"{n_div} divergent transition(s)")
    result = Convergence(
        r_hat_max=r_max,
        ess_min=e_min,
        divergences=n_div,
        chains=int(chains),
        draws=int(draws),
        worst_r_hat=worst_r,
        worst_ess=worst_e,
        per_site=per_site,
        problems=tuple(problems),
    )
    if warn and problems:
        warnings.warn(
            "sampler did not converge well: "
            + "; ".join(problems)
            + "; raise --draws (and --chains), or simplify the claims, before trusting intervals",
            ConvergenceWarning,
            stacklevel=3,
        )
    return result


def effective_sample_size(x: np.ndarray) -> np.ndarray:
    """Effective sample size of ``x`` (``(chain, draw, ...)``) per element, as Stan computes it.

    The autocorrelation ``rho_t`` combines within- and between-chain variances; Geyer's initial
    positive sequence sums pairs ``rho_2k + rho_2k+1`` up to the first pair that is not
    positive, made monotone, so ``tau = -1 + 2·Σ pairs (+ the last positive even term)`` and
    ``ESS = chains·draws / tau``. As in Stan and ArviZ, ``tau`` is kept at or above
    ``1 / log10(chains·draws)``: with strongly antithetic draws (lag-1 autocorrelation below
    -0.5, as NUTS can produce for a well-identified quantity) the raw ``tau`` is negative, and
    NumPyro's estimator, which lacks this floor, returns a negative ESS. The ESS therefore lies
    in ``(0, chains·draws·log10(chains·draws)]``; a constant element gives NaN.
    """
    import numpy as np
    from numpyro.diagnostics import autocovariance

    x = np.asarray(x, dtype=np.float64)
    chains, n = x.shape[:2]
    if n < 4:
        return np.full(x.shape[2:], np.nan)
    flat = x.reshape(chains, n, -1)
    acov = np.asarray(autocovariance(flat, axis=1), dtype=np.float64)  # (chain, lag, element)
    mean_var = acov[:, 0, :].mean(axis=0) * n / (n - 1)
    var_plus = mean_var * (n - 1) / n
    if chains > 1:
        var_plus = var_plus + flat.mean(axis=1).var(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = 1.0 - (mean_var[None, :] - acov.mean(axis=0)) / var_plus[None, :]  # (lag, element)
    rho[0] = 1.0
    # pairs k = 0..kmax, with pair k >= 1 computed while 2k - 1 < n - 3 (Stan's loop bound)
    kmax = max((n - 3) // 2, 0)
    pairs = rho[0 : 2 * kmax + 1 : 2] + rho[1 : 2 * kmax + 2 : 2]
    # the loop stops at the first pair (from 0) whose sum is not positive, or at kmax
    stop = pairs <= 0
    any_stop = stop.any(axis=0)
    last = np.where(any_stop, stop.argmax(axis=0), kmax)  # L: the last pair computed
    monotone = np.minimum.accumulate(pairs, axis=0)
    keep = np.arange(pairs.shape[0])[:, None] < last[None, :]
    total = np.where(keep, monotone, 0.0).sum(axis=0)
    cols = np.arange(rho.shape[1])
    even = rho[2 * last, cols]
    pair_last = pairs[last, cols]
    extra = np.where((even > 0) | (pair_last >= 0), even, 0.0)
    draws_total = chains * n
    tau = np.maximum(-1.0 + 2.0 * total + extra, 1.0 / np.log10(draws_total))
    ess = draws_total / tau
    ess = np.where(np.isfinite(var_plus) & (var_plus > 0), ess, np.nan)
    return np.asarray(ess.reshape(x.shape[2:]), dtype=np.float64)


def _claimed_text(kind: str, lo: float, hi: float, per_day: bool, about: bool) -> str:
    def fmt(v: float) -> str:
        return f"{v:.0f}" if v >= 100 or float(v).is_integer() else f"{v:.3g}"

    if kind == "lower":
        text = f">={fmt(lo)}"
    elif kind == "upper":
        text = f"<={fmt(hi)}"
    elif kind == "interval":
        text = f"{fmt(lo)}-{fmt(hi)}"
    else:
        text = ("~" if about else "") + fmt(lo)
    return text + ("/day" if per_day else "")


def posterior_predictive_check(
    obs: pd.DataFrame,
    mu: np.ndarray,
    sigma: np.ndarray,
    truth: np.ndarray,
    *,
    alpha: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """Per-claim posterior predictive check.

    ``obs`` has one row per observation (columns ``id``, ``claimant``, ``claimant_side``,
    ``subject``, ``metric``, ``rate``, ``start``, ``end``, ``kind``, ``log_lo``, ``log_hi``,
    ``about``, ``source``); ``mu`` and ``sigma`` (draws x observations) are the location and
    scale of the log of the figure the model expects from that claimant; ``truth`` (draws x
    observations) is the fused value of the claimed quantity without bias or noise.

    Returns ``obs`` with: ``claimed`` (text), ``pred_median``/``pred_q05``/``pred_q95`` (the
    figure this claimant would be expected to give), ``truth_median``/``truth_q05``/``truth_q95``,
    ``tail_p`` and ``implausible`` (``tail_p < alpha``), ``factor`` (claimed over the predicted
    median) and ``vs_truth`` (claimed over the fused truth). ``tail_p`` is the predictive
    probability of a figure at least as extreme: two-sided for a point figure; ``P(Y >= v)``
    for "at least v"; ``P(Y <= v)`` for "at most v"; for a range, twice the smaller of
    ``P(Y >= lo)`` and ``P(Y <= hi)`` (capped at 1). Predictive quantiles use one noise draw per
    posterior draw from ``numpy.random.default_rng(seed)``. The check uses the posterior fitted
    to all claims, the checked one included, so it is lenient.
    """
    import numpy as np
    from scipy.special import ndtr

    mu = np.asarray(mu, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    truth = np.asarray(truth, dtype=np.float64)
    out = obs.copy().reset_index(drop=True)
    lo = out["log_lo"].to_numpy(dtype=np.float64)
    hi = out["log_hi"].to_numpy(dtype=np.float64)
    f_lo = ndtr((lo[None, :] - mu) / sigma).mean(axis=0)
    f_hi = ndtr((hi[None, :] - mu) / sigma).mean(axis=0)
    kind = out["kind"].to_numpy()
    tail = np.where(
        kind == "point",
        2 * np.minimum(f_lo, 1 - f_lo),
        np.where(
            kind == "lower",
            1 - f_lo,
            np.where(kind == "upper", f_hi, np.minimum(1.0, 2 * np.minimum(1 - f_lo, f_hi))),
        ),
    )
    rng = np.random.default_rng(seed)
    y = mu + sigma * rng.standard_normal(mu.shape)
    pq05, pq50, pq95 = np.exp(np.quantile(y, [0.05, 0.5, 0.95], axis=0))
    tq05, tq50, tq95 = np.quantile(truth, [0.05, 0.5, 0.95], axis=0)
    rep = np.where(
        kind == "interval", 0.5 * (lo + hi), np.where(kind == "upper", hi, lo)
    )  # representative log value of the claim
    out["claimed"] = [
        _claimed_text(k, math.exp(a), math.exp(b), r == "per_day", bool(ab))
        for k, a, b, r, ab in zip(out["kind"], lo, hi, out["rate"], out["about"], strict=True)
    ]
    out["pred_median"], out["pred_q05"], out["pred_q95"] = pq50, pq05, pq95
    out["truth_median"], out["truth_q05"], out["truth_q95"] = tq50, tq05, tq95
    out["tail_p"] = tail
    out["implausible"] = tail < alpha
    out["factor"] = np.exp(rep) / pq50
    out["vs_truth"] = np.exp(rep) / tq50
    return out
