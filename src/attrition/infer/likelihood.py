"""Maximum likelihood with Poisson or negative-binomial daily losses.

Daily losses y_{t,i} of side i are counts with mean μ_{t,i}, the model's predicted loss
(:func:`attrition.infer.predict.predict_daily_losses`):

* Poisson: log L = Σ y log μ − μ − log Γ(y + 1);
* negative binomial with size k (variance μ + μ²/k), k one shared free parameter (log k in θ).

Profile-likelihood intervals: values v with 2·(NLL_profile(v) − NLL_min) ≤ χ²₁(level).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from attrition.errors import UserError, unknown_name
from attrition.infer.base import Fitter, check_identifiable
from attrition.infer.battle import BattleData
from attrition.infer.least_squares import LeastSquaresFitter, profile_interval
from attrition.infer.predict import Parameterisation, predict_daily_losses, resolve_mode
from attrition.limits import check_seed

DISTRIBUTIONS = ("poisson", "negbin")


def negative_log_likelihood(y: np.ndarray, mu: np.ndarray, dist: str, log_k: float = 0.0) -> float:
    """NLL of counts ``y`` with means ``mu`` (1-D arrays) under ``dist``."""
    from scipy.special import gammaln

    mu = np.maximum(mu, 1e-12)
    if dist == "poisson":
        return float(np.sum(mu - y * np.log(mu) + gammaln(y + 1.0)))
    k = float(np.exp(log_k))
    ll = (
        gammaln(y + k)
        - gammaln(k)
        - gammaln(y + 1.0)
        + k * np.log(k / (k + mu))
        + y * np.log(mu / (k + mu))
    )
    return float(-np.sum(ll))


class MaximumLikelihoodFitter(Fitter):
    """Maximum-likelihood fit of a law to daily loss counts.

    Args:
        law: law name.
        dist: ``poisson`` or ``negbin``.
        mode: ``auto``, ``conditional`` or ``trajectory``.
        aimed: for ``mixed``, the aimed side.
        level: confidence level of profile intervals (``None`` skips them).
        seed: seed of the starting points.

    Fitted attributes: ``coefficients_``, ``ci_``, ``exponents_``, ``dispersion_`` (negbin k),
    ``nll_``, ``aic_``, ``bic_``, ``n_obs_``, ``predicted_``, ``mode_``.
    """

    method = "mle"

    def __init__(
        self,
        law: str = "square",
        *,
        dist: str = "negbin",
        mode: str = "auto",
        aimed: int = 0,
        level: float | None = 0.95,
        seed: int = 0,
    ) -> None:
        if dist not in DISTRIBUTIONS:
            raise unknown_name("distribution", dist, DISTRIBUTIONS)
        check_seed(seed, "seed")
        self.law = law
        self.dist = dist
        self.mode = mode
        self.aimed = aimed
        self.level = level
        self.seed = seed

    def fit(self, data: BattleData) -> MaximumLikelihoodFitter:
        """Fit by maximum likelihood (least squares gives the starting point)."""
        from scipy.optimize import minimize
        from scipy.stats import chi2

        mode = resolve_mode(self.mode, data)
        par = Parameterisation(self.law, self.aimed)
        mask = np.isfinite(data.losses)
        y = data.losses[mask]
        if y.size == 0:
            raise UserError(f"{data.name}: no observed losses to fit")
        if np.any(y < 0):
            i, j = np.argwhere(np.isfinite(data.losses) & (data.losses < 0))[0]
            hint = (
                " (pass --correct-typo to repair the day-19 typo)"
                if data.name == "iwo-jima"
                else ""
            )
            raise UserError(
                f"{data.name}: day {data.day[i]}: {data.sides[j]} daily loss is "
                f"{data.losses[i, j]:g}; a count likelihood needs losses >= 0{hint}"
            )
        nb = self.dist == "negbin"
        what = f"the {self.law} law" + (" with the negative binomial's dispersion" if nb else "")
        check_identifiable(data, int(y.size), par.n_params + int(nb), what)
        start = LeastSquaresFitter(self.law, mode=mode, aimed=self.aimed, level=None,
                                   seed=self.seed).fit(data)  # fmt: skip
        lo, hi = par.bounds()
        if nb:
            lo = np.append(lo, np.log(1e-3))
            hi = np.append(hi, np.log(1e8))
        theta0 = start.theta_.copy()
        if nb:
            theta0 = np.append(theta0, np.log(10.0))

        def nll(theta: np.ndarray) -> float:
            th = np.clip(theta, lo, hi)
            mu = predict_daily_losses(par, th[: par.n_params], data, mode)[mask]
            return negative_log_likelihood(y, mu, self.dist, float(th[-1]) if nb else 0.0)

        best: Any = None
        for x0 in (theta0, theta0 + 0.1):
            res = minimize(nll, np.clip(x0, lo, hi), method="L-BFGS-B",
                           bounds=list(zip(lo, hi, strict=True)))  # fmt: skip
            res2 = minimize(nll, res.x, method="Nelder-Mead",
                            options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 4000})  # fmt: skip
            cand = res2 if res2.fun < res.fun else res
            if best is None or cand.fun < best.fun:
                best = cand
        theta = np.clip(best.x, lo, hi)
        n = int(y.size)
        k = theta.size
        self.theta_ = theta
        self.mode_ = mode
        self.nll_ = float(best.fun)
        self.n_obs_ = n
        self.aic_ = 2 * self.nll_ + 2 * k
        self.bic_ = 2 * self.nll_ + k * np.log(n)
        self.predicted_ = predict_daily_losses(par, theta[: par.n_params], data, mode)
        coef = par.coef(theta)
        self.coefficients_ = {s: float(c) for s, c in zip(data.sides, coef, strict=True)}
        self.exponents_ = {"p": float(theta[2]), "q": float(theta[3])} if par.n_params == 4 else {}
        self.dispersion_ = float(np.exp(theta[-1])) if nb else None
        self.ci_: dict[str, tuple[float, float]] = {}
        if self.level is not None:
            thr = float(chi2.ppf(self.level, 1))

            def dev(th: np.ndarray) -> float:
                return 2.0 * nll(th)

            for j, side in enumerate(data.sides):
                a, b = profile_interval(dev, theta, j, thr, (lo, hi))
                self.ci_[side] = (float(np.exp(a)), float(np.exp(b)))
        self.data_ = data
        self.fitted_ = True
        return self

    def _settings(self) -> dict[str, Any]:
        """``mode`` (the one used, after ``auto``) and ``distribution``."""
        return {"mode": self.mode_, "distribution": self.dist}

    def _statistics(self) -> dict[str, float]:
        """``nll``, ``n_obs``, ``aic`` and ``bic``."""
        return {"nll": self.nll_, "n_obs": self.n_obs_, "aic": self.aic_, "bic": self.bic_}
