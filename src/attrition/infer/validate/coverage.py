"""Coverage of the fused estimate's 90% intervals on synthetic battles, against a binomial band.

:func:`coverage_study` fits replicates of each generator (one ``SeedSequence`` child per
replicate); :func:`coverage_table` counts the intervals that hold the truth per generator and
quantity, beside the band a calibrated method falls in 99% of the time (:func:`binomial_band`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError, unknown_name
from attrition.infer.fusion import FogOfWar

if TYPE_CHECKING:
    import pandas as pd

from attrition.infer.validate.synthetic import GENERATORS, simulate_battle

__all__ = ["binomial_band", "coverage_study", "coverage_table"]


def _exchange_ratio(fog: FogOfWar) -> dict[str, float]:
    """The fit's exchange-ratio quantiles; the studies' battles have two sides, so it exists."""
    ratio: dict[str, float] | None = fog.exchange_ratio_
    if ratio is None:  # pragma: no cover - a two-sided battle always has one
        raise UserError("the fit has no exchange ratio (a battle with two sides has one)")
    return ratio


def binomial_band(n: int, p: float = 0.9, alpha: float = 0.01) -> tuple[int, int]:
    """Counts ``(lo, hi)`` such that ``P(lo <= X <= hi) >= 1 - alpha`` for X ~ Bin(n, p).

    Equal tails of at most ``alpha / 2`` each: a calibrated method falls outside the band with
    probability at most ``alpha`` (the false-failure rate of a test that asserts the band).
    """
    from scipy.stats import binom

    lo = int(binom.ppf(alpha / 2, n, p))
    if binom.cdf(lo - 1, n, p) > alpha / 2:  # pragma: no cover - ppf convention guard
        lo -= 1
    hi = int(binom.isf(alpha / 2, n, p))
    if binom.sf(hi, n, p) > alpha / 2:  # pragma: no cover
        hi += 1
    return lo, hi


def coverage_study(
    replicates: int = 100,
    seed: int = 0,
    generators: Sequence[str] = GENERATORS,
    *,
    weeks: int = 12,
    draws: int = 300,
    chains: int = 2,
) -> pd.DataFrame:
    """Fit ``replicates`` synthetic battles per generator; one row per replicate.

    Columns: ``generator``, ``replicate``, and for ``RU``, ``UA``, ``ratio``: the truth, the
    posterior median, ``q05``, ``q95`` and ``covered`` (truth inside the 90% interval); plus
    ``r_hat_max`` and ``divergences``. Replicate ``k`` of every generator uses child ``k`` of
    ``SeedSequence(seed)`` (so generators see matched random streams) and fit seed ``k``.
    """
    import numpy as np
    import pandas as pd

    if replicates < 1:
        raise UserError(f"replicates = {replicates} must be at least 1")
    for g in generators:
        if g not in GENERATORS:
            raise unknown_name("generator", g, GENERATORS)
    children = np.random.SeedSequence(seed).spawn(replicates)
    rows: list[dict[str, Any]] = []
    for g in generators:
        for k, child in enumerate(children):
            rng = np.random.default_rng(child)
            synthetic = simulate_battle(g, rng, weeks=weeks)
            fog = FogOfWar(
                window=synthetic.window,
                draws=draws,
                chains=chains,
                seed=k,
                warn=False,
                change_points=False,
                battle=synthetic.battle,
            ).fit(synthetic.claims)
            row: dict[str, Any] = {"generator": g, "replicate": k}
            for name in ("RU", "UA", "ratio"):
                q = _exchange_ratio(fog) if name == "ratio" else fog.total(name)
                truth = synthetic.truth[name]
                row[f"{name}_truth"] = truth
                row[f"{name}_median"] = float(q["median"])
                row[f"{name}_q05"] = float(q["q05"])
                row[f"{name}_q95"] = float(q["q95"])
                row[f"{name}_covered"] = bool(q["q05"] <= truth <= q["q95"])
            row["r_hat_max"] = fog.diagnostics_.r_hat_max
            row["divergences"] = fog.diagnostics_.divergences
            rows.append(row)
    return pd.DataFrame(rows)


def coverage_table(study: pd.DataFrame) -> pd.DataFrame:
    """Coverage per generator and quantity: ``n``, ``covered``, ``coverage``, the 99% band."""
    import pandas as pd

    rows = []
    for g, part in study.groupby("generator", sort=False):
        n = len(part)
        lo, hi = binomial_band(n)
        for name in ("RU", "UA", "ratio"):
            k = int(part[f"{name}_covered"].sum())
            rows.append(
                {
                    "generator": g,
                    "quantity": {"RU": "RU casualties", "UA": "UA casualties"}.get(
                        name, "exchange ratio"
                    ),
                    "n": n,
                    "covered": k,
                    "coverage": k / n,
                    "band_lo": lo / n,
                    "band_hi": hi / n,
                    "median_abs_log_error": float(
                        (part[f"{name}_median"] / part[f"{name}_truth"])
                        .map(lambda v: abs(math.log(v)))
                        .median()
                    ),
                }
            )
    return pd.DataFrame(rows)
