"""Distributions of a scenario's uncertain inputs, and their quantile functions.

One ``[uncertain.SIDE]`` entry of a duel scenario (:mod:`attrition.scenarios.spec`) gives a
side parameter a distribution instead of a value::

    [uncertain.blue]
    strength = { dist = "normal", mean = 1000, sd = 100 }
    effectiveness = { dist = "draws", file = "posterior.csv", column = "a" }

The ensemble draws one uniform per run and input and maps it through :meth:`Distribution.ppf`
(see :meth:`attrition.scenarios.spec.Scenario.sample`); posterior draws are read by
:func:`read_draws`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import field_validator, model_validator

from attrition.errors import UserError, unknown_name
from attrition.scenarios.schema import StrictModel, check_finite

__all__ = ["DISTRIBUTIONS", "DISTRIBUTION_KEYS", "Distribution", "read_draws"]

DISTRIBUTIONS: tuple[str, ...] = ("uniform", "normal", "lognormal", "triangular", "draws")
"""The names ``dist`` accepts."""

DISTRIBUTION_KEYS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "triangular": ("low", "mode", "high"),
    "draws": ("file", "column"),
}
"""The keys each distribution takes (besides ``dist``)."""


class Distribution(StrictModel):
    """Distribution of an uncertain input (one ``[uncertain.SIDE]`` entry).

    ``uniform`` (low, high), ``normal`` (mean, sd; truncated at 0), ``lognormal`` (median,
    sigma of the log), ``triangular`` (low, mode, high), or ``draws`` (file, column: a CSV or
    Parquet file of posterior draws, path relative to the scenario file; sampled with
    replacement).
    """

    dist: str
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    median: float | None = None
    sigma: float | None = None
    mode: float | None = None
    file: str | None = None
    column: str | None = None

    @field_validator("dist")
    @classmethod
    def _dist(cls, v: str) -> str:
        if v not in DISTRIBUTIONS:
            raise ValueError(str(unknown_name("distribution", v, DISTRIBUTIONS)))
        return v

    @model_validator(mode="after")
    def _params(self) -> Distribution:
        need = DISTRIBUTION_KEYS[self.dist]
        given = {
            k
            for k in ("low", "high", "mean", "sd", "median", "sigma", "mode", "file", "column")
            if getattr(self, k) is not None
        }
        missing = [k for k in need if k not in given]
        extra = sorted(given - set(need))
        if missing or extra:
            raise ValueError(
                f"{self.dist} takes {', '.join(need)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unexpected {', '.join(extra)}" if extra else "")
            )
        for k in given - {"file", "column"}:
            check_finite(float(getattr(self, k)), k)
        if self.dist == "uniform" and not (self.low is not None and self.high is not None):
            raise ValueError("uniform needs low and high")  # pragma: no cover - checked above
        if self.dist in ("uniform", "triangular"):
            lo, hi = float(self.low or 0.0), float(self.high or 0.0)
            if lo < 0 or hi <= lo:
                raise ValueError(f"needs 0 <= low < high, got low={lo}, high={hi}")
            if self.dist == "triangular" and not lo <= float(self.mode or 0.0) <= hi:
                raise ValueError(f"mode must lie in [low, high], got {self.mode}")
        if self.dist == "normal" and (float(self.sd or 0.0) <= 0 or float(self.mean or 0.0) < 0):
            raise ValueError(f"needs mean >= 0 and sd > 0, got mean={self.mean}, sd={self.sd}")
        if self.dist == "lognormal" and (
            float(self.median or 0.0) <= 0 or float(self.sigma or 0.0) <= 0
        ):
            raise ValueError(f"needs median > 0 and sigma > 0, got {self.median}, {self.sigma}")
        return self

    def upper_centre(self) -> float | None:
        """The top of a bounded distribution (``high``), the centre of an unbounded one
        (``mean``, ``median``); ``None`` for posterior draws (checked when read)."""
        for key in ("high", "mean", "median"):
            v = getattr(self, key)
            if v is not None:
                return float(v)
        return None

    def ppf(self, u: np.ndarray, draws: np.ndarray | None = None) -> np.ndarray:
        """Quantile function: maps uniforms ``u`` in (0, 1) to draws of this distribution."""
        from scipy.special import ndtr, ndtri

        u = np.asarray(u, dtype=float)
        if self.dist == "uniform":
            lo, hi = float(self.low), float(self.high)  # type: ignore[arg-type]
            return lo + u * (hi - lo)
        if self.dist == "normal":
            mu, sd = float(self.mean), float(self.sd)  # type: ignore[arg-type]
            f0 = ndtr(-mu / sd)  # truncated at zero: strengths and rates cannot be negative
            return np.maximum(mu + sd * ndtri(f0 + u * (1.0 - f0)), 0.0)  # type: ignore[no-any-return]
        if self.dist == "lognormal":
            med, sig = float(self.median), float(self.sigma)  # type: ignore[arg-type]
            return med * np.exp(sig * ndtri(u))  # type: ignore[no-any-return]
        if self.dist == "triangular":
            lo, mo, hi = float(self.low), float(self.mode), float(self.high)  # type: ignore[arg-type]
            fc = (mo - lo) / (hi - lo)
            left = lo + np.sqrt(u * (hi - lo) * (mo - lo))
            right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mo))
            return np.where(u < fc, left, right)
        if draws is None:  # pragma: no cover - Scenario always passes the loaded draws
            raise UserError(f"distribution draws: file {self.file} not loaded")
        return np.asarray(np.quantile(draws, u, method="inverted_cdf"), dtype=float)


def read_draws(path: Path, column: str, where: str) -> np.ndarray:
    """The finite values of ``column`` in the CSV or Parquet file ``path`` (posterior draws).

    Raises:
        UserError: one line starting with ``where``: the file is missing or unreadable, the
            column is unknown (listing the file's columns), or it has no finite value or a
            negative one.
    """
    if not path.is_file():
        raise UserError(f"{where}: draws file {path} not found; give a path relative to the TOML")
    import pandas as pd

    try:
        df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as exc:
        raise UserError(f"{where}: cannot read draws file {path} ({exc})") from exc
    if column not in df.columns:
        raise unknown_name("column", column, [str(c) for c in df.columns], where)
    vals = df[column].to_numpy(dtype=float)
    vals = vals[np.isfinite(vals)]
    if vals.size == 0 or np.any(vals < 0):
        raise UserError(f"{where}: column {column} needs finite values >= 0")
    return np.asarray(vals, dtype=float)
