"""Coverage of the joint fusion's 90% intervals per regime of synthetic claims (issue 14).

Each replicate is one :class:`~attrition.infer.fusion.joint.JointFog` fit of a synthetic battle
from :func:`attrition.infer.fusion.joint_synth.simulate_regime`, whose truth (rates, split,
killed shares, every claimant group's bias per relation and metric, Western and independent
groups included) is drawn afresh per replicate from wide distributions, so an interval can miss
on either side. The regimes (:data:`~attrition.infer.fusion.joint_synth.REGIMES`) add one kind
of claim each to a baseline: biased neutral sources, sector/front/unspecified/``mainly``
scopes, restatement chains, component subtotals.

:func:`regime_study` gives one row per replicate, scope, side and quantity; :func:`regime_table`
counts the intervals that hold the truth (and those that miss below and above) per regime,
scope, side and quantity, with the Monte Carlo standard error of the coverage;
:func:`regime_coverage` does both. The target is 80-97% in every row; the generator is not
tuned to meet it (a miss is a finding about the model).

Replicate ``k`` of every regime uses child ``k`` of ``numpy.random.SeedSequence(seed)`` (the
same truth, biases and baseline claims in every regime) and fit seed ``k``. Every regime has a
fixed design, so its fits share one compiled sampler (the first fit of a regime compiles it,
about 45 s on 2 cores; then a few seconds a fit at 2 chains of 150 draws).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError, unknown_name
from attrition.infer.fusion.joint_synth import REGIMES

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "REGIMES",
    "REGIME_SCOPES",
    "STUDY_COLUMNS",
    "TABLE_COLUMNS",
    "TARGET",
    "mc_se",
    "regime_coverage",
    "regime_study",
    "regime_table",
]

TARGET: tuple[float, float] = (0.80, 0.97)
"""The coverage every row of the table should reach (issue 14): 80% to 97% of the 90%
intervals hold the truth."""

REGIME_SCOPES: tuple[str, ...] = ("city", "front")
"""Scopes whose totals can be scored (``city``: the battle, the headline; ``front``: the whole
front)."""

QUANTITIES: tuple[str, ...] = ("casualties", "killed")

STUDY_COLUMNS: tuple[str, ...] = (
    "regime",
    "replicate",
    "scope",
    "side",
    "quantity",
    "truth",
    "median",
    "q05",
    "q95",
    "covered",
    "below",
    "above",
    "r_hat_max",
    "divergences",
)
"""Columns of :func:`regime_study`."""

TABLE_COLUMNS: tuple[str, ...] = (
    "regime",
    "side",
    "quantity",
    "scope",
    "n",
    "covered",
    "coverage",
    "mc_se",
    "below",
    "above",
    "in_target",
    "median_abs_log_error",
)
"""Columns of :func:`regime_table`."""


def _check(
    regimes: Sequence[str], replicates: int, seed: int, scopes: Sequence[str]
) -> tuple[str, ...]:
    if isinstance(regimes, str):
        regimes = [r.strip() for r in regimes.split(",") if r.strip()]
    if not regimes:
        raise UserError(f"regimes: give at least one of {', '.join(REGIMES)}")
    for r in regimes:
        if r not in REGIMES:
            raise unknown_name("regime", r, REGIMES)
    if len(set(regimes)) != len(regimes):
        raise UserError(f"regimes: {', '.join(regimes)} names a regime twice; give each once")
    if not isinstance(replicates, int) or isinstance(replicates, bool) or replicates < 1:
        raise UserError(f"replicates = {replicates!r} must be a whole number >= 1")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise UserError(f"seed = {seed!r} must be a whole number >= 0")
    if isinstance(scopes, str) or not scopes:
        raise UserError(f"scopes must be a list of {', '.join(REGIME_SCOPES)}")
    for s in scopes:
        if s not in REGIME_SCOPES:
            raise unknown_name("scope", s, REGIME_SCOPES)
    return tuple(regimes)


def _fit_one(item: tuple[Any, ...]) -> list[dict[str, Any]]:
    """One replicate: simulate a regime's battle, fit it, score its intervals (module-level
    and depending only on its item, so any executor gives the same rows)."""
    from attrition.infer.fusion.joint import JointFog
    from attrition.infer.fusion.joint_synth import simulate_regime

    regime, k, child, draws, chains, warmup, scopes = item
    syn = simulate_regime(regime, child)
    fog = JointFog(draws=draws, chains=chains, warmup=warmup, seed=k, warn=False)
    fog.fit(syn.claims, syn.phases, streams=syn.streams)
    diag = fog.diagnostics_
    rows = []
    for scope in scopes:
        for side in ("ATK", "DEF"):
            for q in QUANTITIES:
                truth = syn.truth[scope][side][q]
                est = fog.total(side, q, scope)
                q05, q95 = float(est["q05"]), float(est["q95"])
                rows.append(
                    {
                        "regime": regime,
                        "replicate": k,
                        "scope": scope,
                        "side": side,
                        "quantity": q,
                        "truth": float(truth),
                        "median": float(est["median"]),
                        "q05": q05,
                        "q95": q95,
                        "covered": bool(q05 <= truth <= q95),
                        "below": bool(truth < q05),
                        "above": bool(truth > q95),
                        "r_hat_max": float(diag.r_hat_max),
                        "divergences": int(diag.divergences),
                    }
                )
    return rows


def regime_study(
    regimes: Sequence[str] = REGIMES,
    replicates: int = 10,
    seed: int = 0,
    draws: int = 150,
    chains: int = 2,
    executor: str = "serial",
    *,
    warmup: int | None = None,
    workers: int | None = None,
    scopes: Sequence[str] = ("city",),
) -> pd.DataFrame:
    """Fit ``replicates`` synthetic battles of each regime; one row per replicate, scope, side
    (``ATK``, ``DEF``) and quantity (``casualties``, ``killed``), columns
    :data:`STUDY_COLUMNS` (``below``/``above``: the truth is under ``q05``/over ``q95``).

    ``draws``, ``chains``, ``warmup`` (default ``draws``): each
    :class:`~attrition.infer.fusion.joint.JointFog` fit's. ``executor``/``workers``: as
    :func:`attrition.simulate.executors.map_calls` (``serial``, ``processes``, ``dask``; every
    process compiles each regime's sampler once). Unknown regimes or scopes and bad counts
    raise :class:`~attrition.errors.UserError` (one line) before any fit.
    """
    import numpy as np
    import pandas as pd

    from attrition.simulate.executors import map_calls

    names = _check(regimes, replicates, seed, scopes)
    children = np.random.SeedSequence(seed).spawn(replicates)
    items = [
        (r, k, child, draws, chains, warmup, tuple(scopes))
        for r in names
        for k, child in enumerate(children)
    ]
    rows = [row for part in map_calls(_fit_one, items, executor=executor, workers=workers)
            for row in part]  # fmt: skip
    return pd.DataFrame(rows, columns=list(STUDY_COLUMNS))


def mc_se(k: int, n: int) -> float:
    """Monte Carlo standard error of a coverage ``k / n`` over ``n`` independent replicates,
    with the Agresti-Coull centre ``(k + 1) / (n + 2)`` (non-zero at 0 and 1: a coverage of
    10/10 is not known better than about 8%)."""
    p = (k + 1.0) / (n + 2.0)
    return math.sqrt(p * (1.0 - p) / n)


def regime_table(study: pd.DataFrame) -> pd.DataFrame:
    """Coverage per regime, side, quantity and scope of a :func:`regime_study` frame: columns
    :data:`TABLE_COLUMNS` (``n`` replicates, ``covered`` count, ``coverage`` share, ``mc_se``
    its Monte Carlo standard error (:func:`mc_se`), ``below``/``above`` the misses on each side,
    ``in_target`` whether the coverage is within :data:`TARGET`, and the median absolute log
    error of the posterior median)."""
    import numpy as np
    import pandas as pd

    missing = [c for c in STUDY_COLUMNS if c not in study.columns]
    if missing:
        raise UserError(f"regime_table: the study lacks column(s) {', '.join(missing)}")
    rows = []
    keys = ["regime", "side", "quantity", "scope"]
    for (regime, side, q, scope), part in study.groupby(keys, sort=False):
        n = len(part)
        k = int(part["covered"].sum())
        rows.append(
            {
                "regime": regime,
                "side": side,
                "quantity": q,
                "scope": scope,
                "n": n,
                "covered": k,
                "coverage": k / n,
                "mc_se": mc_se(k, n),
                "below": int(part["below"].sum()),
                "above": int(part["above"].sum()),
                "in_target": bool(TARGET[0] <= k / n <= TARGET[1]),
                "median_abs_log_error": float(
                    np.median(np.abs(np.log(part["median"] / part["truth"])))
                ),
            }
        )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def regime_coverage(
    regimes: Sequence[str] = REGIMES,
    replicates: int = 10,
    seed: int = 0,
    draws: int = 150,
    chains: int = 2,
    executor: str = "serial",
    *,
    warmup: int | None = None,
    workers: int | None = None,
    scopes: Sequence[str] = ("city",),
) -> pd.DataFrame:
    """The coverage table (:func:`regime_table`) of a :func:`regime_study` with these
    arguments; the per-replicate rows are in ``attrs["study"]`` (records) and the settings in
    ``attrs["settings"]``."""
    study = regime_study(
        regimes,
        replicates,
        seed,
        draws,
        chains,
        executor,
        warmup=warmup,
        workers=workers,
        scopes=scopes,
    )
    table = regime_table(study)
    table.attrs["study"] = study.to_dict("records")
    table.attrs["settings"] = {
        "regimes": list(_check(regimes, replicates, seed, scopes)),
        "replicates": replicates,
        "seed": seed,
        "draws": draws,
        "chains": chains,
        "warmup": warmup if warmup is not None else draws,
        "scopes": list(scopes),
        "target": list(TARGET),
    }
    return table
