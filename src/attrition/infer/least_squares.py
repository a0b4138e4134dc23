"""Nonlinear least squares of any law in the Lanchester family against daily or cumulative losses.

Residuals are scaled per side by the mean observed daily loss, so both sides weigh alike.
Several starts (deterministic, from a seeded generator) guard against local minima.
Confidence intervals come from the profile likelihood of the Gaussian error model:
the set of values v of one parameter with n·log(SSR_profile(v)/SSR_min) ≤ χ²₁(level).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from attrition.errors import UserError, unknown_name
from attrition.infer.base import Fitter, check_identifiable
from attrition.infer.battle import BattleData
from attrition.infer.predict import Parameterisation, predict_daily_losses, resolve_mode
from attrition.limits import check_seed

TARGETS = ("daily", "cumulative")


def profile_interval(
    objective: Callable[[np.ndarray], float],
    theta_hat: np.ndarray,
    k: int,
    threshold: float,
    bounds: tuple[np.ndarray, np.ndarray],
    step: float = 0.05,
) -> tuple[float, float]:
    """Profile interval of parameter ``k``: where the profiled objective rises by ``threshold``.

    ``objective`` is a deviance-like function of the full θ (minimised at ``theta_hat``). The other
    parameters are re-optimised at each trial value (Nelder–Mead from the optimum). Returns the
    interval on the θ scale; an end not reached inside the bounds is returned as ±inf.
    """
    from scipy.optimize import brentq, minimize

    base = objective(theta_hat)
    others = [i for i in range(theta_hat.size) if i != k]
    lo_b, hi_b = bounds

    def prof(v: float) -> float:
        if not others:
            th = theta_hat.copy()
            th[k] = v
            return objective(th) - base - threshold

        def inner(x: np.ndarray) -> float:
            th = theta_hat.copy()
            th[k] = v
            th[others] = np.clip(x, lo_b[others], hi_b[others])
            return objective(th)

        res = minimize(inner, theta_hat[others], method="Nelder-Mead",
                       options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 400})  # fmt: skip
        return float(res.fun) - base - threshold

    ends: list[float] = []
    for direction in (-1.0, 1.0):
        edge = lo_b[k] if direction < 0 else hi_b[k]
        inner_v, d = float(theta_hat[k]), step
        found = float("-inf") if direction < 0 else float("inf")
        for _ in range(60):
            outer = float(theta_hat[k] + direction * d)
            if (direction < 0 and outer <= edge) or (direction > 0 and outer >= edge):
                break
            if prof(outer) > 0:
                found = float(brentq(prof, min(inner_v, outer), max(inner_v, outer), xtol=1e-8))
                break
            inner_v, d = outer, d * 1.6
        ends.append(found)
    return ends[0], ends[1]


class LeastSquaresFitter(Fitter):
    """Least-squares fit of a law's coefficients (and exponents for ``power``).

    Args:
        law: one of square, linear, logarithmic, mixed, power.
        target: ``daily`` losses or ``cumulative`` losses.
        mode: ``auto``, ``conditional`` or ``trajectory`` (see :mod:`attrition.infer.predict`).
        aimed: for ``mixed``, index of the side whose fire is aimed.
        n_starts: number of starting points.
        level: confidence level of the profile intervals (``None`` skips them).
        seed: seed of the starting points.

    Fitted attributes: ``coefficients_`` (side → value), ``ci_`` (side → (low, high)),
    ``exponents_`` (power law), ``ssr_``, ``n_obs_``, ``residuals_`` (scaled, (n, 2) with NaN where
    unobserved), ``predicted_`` (daily losses), ``aic_``, ``bic_``, ``r2_``, ``mode_``.
    """

    method = "least-squares"

    def __init__(
        self,
        law: str = "square",
        *,
        target: str = "daily",
        mode: str = "auto",
        aimed: int = 0,
        n_starts: int = 6,
        level: float | None = 0.95,
        seed: int = 0,
    ) -> None:
        if target not in TARGETS:
            raise unknown_name("target", target, TARGETS)
        check_seed(seed, "seed")
        self.law = law
        self.target = target
        self.mode = mode
        self.aimed = aimed
        self.n_starts = n_starts
        self.level = level
        self.seed = seed

    def _residual_fn(
        self, par: Parameterisation, data: BattleData, mode: str
    ) -> tuple[Callable[[np.ndarray], np.ndarray], np.ndarray, np.ndarray]:
        obs = data.losses
        mask = np.isfinite(obs)
        if not mask.any():
            raise UserError(f"{data.name}: no observed losses to fit")
        if self.target == "cumulative":
            if not np.all(mask.any(axis=0) <= mask.all(axis=0)):
                raise UserError(
                    f"{data.name}: cumulative fits need each observed side's losses on every day"
                )
            obs = np.where(mask, obs, 0.0).cumsum(axis=0)
        scale = np.array(
            [np.mean(np.abs(obs[mask[:, j], j])) if mask[:, j].any() else 1.0 for j in (0, 1)]
        )
        scale[scale == 0] = 1.0
        target = self.target

        def resid(theta: np.ndarray) -> np.ndarray:
            pred = predict_daily_losses(par, theta, data, mode)
            if target == "cumulative":
                pred = pred.cumsum(axis=0)
            out: np.ndarray = ((pred - obs) / scale)[mask]
            return out

        return resid, obs, scale

    def fit(self, data: BattleData) -> LeastSquaresFitter:
        """Fit the law to ``data``."""
        from scipy.optimize import least_squares
        from scipy.stats import chi2

        mode = resolve_mode(self.mode, data)
        par = Parameterisation(self.law, self.aimed)
        par.law(np.array([0.0, 0.0, 1.0, 0.0]))  # validates the law name
        resid, obs, scale = self._residual_fn(par, data, mode)
        check_identifiable(data, int(np.isfinite(data.losses).sum()), par.n_params,
                           f"the {self.law} law")  # fmt: skip
        lo, hi = par.bounds()
        rng = np.random.default_rng(self.seed)
        starts = []
        for _ in range(max(1, self.n_starts)):
            th = np.concatenate([rng.uniform(np.log(1e-6), np.log(1.0), 2)])
            if par.n_params == 4:
                th = np.concatenate([th, rng.uniform(0.2, 1.5, 2)])
            starts.append(th)
        starts[0][:2] = self._moment_start(data, par, mode)
        best: Any = None
        for th0 in starts:
            try:
                res = least_squares(resid, np.clip(th0, lo + 1e-9, hi - 1e-9), bounds=(lo, hi),
                                    x_scale="jac", xtol=1e-12, ftol=1e-12, gtol=1e-12)  # fmt: skip
            except (FloatingPointError, ValueError):  # pragma: no cover - a start outside range
                continue
            if best is None or res.cost < best.cost:
                best = res
        if best is None or not np.isfinite(best.cost):
            raise UserError(f"{data.name}: least-squares fit of {self.law} law did not converge")
        theta = best.x
        r = resid(theta)
        n = r.size
        ssr = float(r @ r)
        k = par.n_params
        self.theta_ = theta
        self.param_names_ = par.names
        self.mode_ = mode
        self.ssr_ = ssr
        self.n_obs_ = n
        self.aic_ = n * np.log(ssr / n) + 2 * k
        self.bic_ = n * np.log(ssr / n) + k * np.log(n)
        scaled_obs = (obs / scale)[np.isfinite(obs)]
        sst = float(((scaled_obs - scaled_obs.mean()) ** 2).sum())
        self.r2_ = 1.0 - ssr / sst if sst > 0 else float("nan")
        pred = predict_daily_losses(par, theta, data, mode)
        self.predicted_ = pred
        full = np.full(data.losses.shape, np.nan)
        full[np.isfinite(data.losses)] = r if self.target == "daily" else np.nan
        self.residuals_ = full
        coef = par.coef(theta)
        self.coefficients_ = {s: float(c) for s, c in zip(data.sides, coef, strict=True)}
        self.exponents_ = {"p": float(theta[2]), "q": float(theta[3])} if k == 4 else {}
        self.ci_: dict[str, tuple[float, float]] = {}
        if self.level is not None:
            thr = float(chi2.ppf(self.level, 1))

            def deviance(th: np.ndarray) -> float:
                rr = resid(th)
                return float(n * np.log(max(float(rr @ rr), 1e-300)))

            for j, side in enumerate(data.sides):
                a, b = profile_interval(deviance, theta, j, thr, (lo, hi))
                self.ci_[side] = (float(np.exp(a)), float(np.exp(b)))
        self.data_ = data
        self.fitted_ = True
        return self

    @staticmethod
    def _moment_start(data: BattleData, par: Parameterisation, mode: str) -> np.ndarray:
        """A sensible first start: coefficients that match total losses at unit coefficients."""
        unit = predict_daily_losses(par, np.array([0.0, 0.0, 1.0, 0.0]), data, mode)
        out = np.zeros(2)
        for j, col in ((1, 0), (0, 1)):  # side j's coefficient drives losses of side `col`
            o = data.losses[:, col]
            m = np.isfinite(o)
            denom = float(np.nansum(unit[m, col]))
            out[j] = np.log(max(float(o[m].sum()), 1e-9) / denom) if denom > 0 else np.log(1e-3)
        clipped: np.ndarray = np.clip(out, np.log(1e-10), np.log(10.0))
        return clipped

    def _settings(self) -> dict[str, Any]:
        """``mode`` (the one used, after ``auto``) and ``target``."""
        return {"mode": self.mode_, "target": self.target}

    def _statistics(self) -> dict[str, float]:
        """``ssr``, ``n_obs``, ``aic``, ``bic`` and ``r2`` (of the scaled residuals)."""
        return {"ssr": self.ssr_, "n_obs": self.n_obs_, "aic": self.aic_, "bic": self.bic_,
                "r2": self.r2_}  # fmt: skip
