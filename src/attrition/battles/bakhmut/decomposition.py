"""Where the uncertainty of the Bakhmut answers comes from: a nested law-of-total-variance
decomposition of the city's fall day and each side's casualties.

**The nesting.** An answer ``Y`` (one run's value) is drawn in four nested steps: a version
``e`` of the casualty evidence (drawn from the fused estimate's own uncertainty, equal weights),
an attrition law ``l`` (the mixture's weights ``w_l``), a posterior draw ``θ`` of that law's
calibration on that evidence, and one binomial run (chance in the fighting). The law of total
variance splits ``Var(Y)`` exactly into four parts::

    Var(Y) = Var_e E[Y|e]                       casualty evidence
           + E_e Var_l E[Y|e,l]                 attrition law
           + E_e E_l Var_θ E[Y|e,l,θ]           parameters
           + E_e E_l E_θ Var(Y|e,l,θ)           stochasticity

**The estimator** (:func:`decompose`) reads ``Y[k, l, d, r]``: ``K`` evidence versions × ``L``
laws × ``D`` posterior draws × ``R`` independent replicates of each draw (own random streams).
Each part, before truncation at 0, is an unbiased estimate of its term, corrected for the
finite samples below it:

* stochasticity: the mean over draws (laws by weight, versions equally) of the replicates'
  variance ``s²`` (``ddof = 1``);
* parameters: the between-draw variance of the replicate means (``ddof = 1``) minus
  ``E[s²] / R`` (what ``R`` replicates leave in each mean);
* law: the weighted variance of the law means minus ``Σ w_l (1 - w_l) b_l / D`` (``b_l`` the
  between-draw variance: the law means' own sampling variance);
* evidence: the variance of the version means (``ddof = 1``) minus their mean sampling variance
  ``Σ w_l² b_l / D``.

A part whose corrected estimate is negative (sampling noise around a true 0) is set to 0,
which biases a part near 0 upwards (and the shares, ratios, are not unbiased anyway).
**The total is the sum of the four parts**, so the shares (part / total) sum to 1 exactly on
the numbers output; with ``K = 1`` the evidence part is not measured and is reported as
missing (``None``), not as 0.

**Targets** (:data:`TARGETS`): ``fall_day`` (day of the window, 0 = 1 Aug 2022; a run in which
the city has not fallen by the window's end counts as ``DAYS + 1``, i.e. censored at 1 Jul
2023, as in the paired effects; the share of such runs is reported beside), and
``log_ru_casualties`` / ``log_ua_casualties``: the natural log of each side's casualties over
the window (the variance of a log is scale-free: its square root is roughly a relative sd).

**The runs** (:func:`run_decomposition`): for each calibration, ``D`` posterior draws picked
without replacement by ``SeedSequence(seed, spawn_key=(2,))``, each run ``R`` times by the
binomial engine under the record's schedule (the baseline). Runs are numbered across all the
calibrations (version, then law, then draw, then replicate) and run ``i`` is seeded with
``SeedSequence(seed, spawn_key=(1, i))`` as in every Bakhmut ensemble, so no two runs share a
random stream (the corrections above assume independent runs).

**Evidence versions** (:func:`perturb_evidence`): the calibration reads the evidence as a
multivariate normal on log monthly totals (:mod:`~attrition.battles.bakhmut.casualty_block`)
whose covariance is the fused estimate's own spread, so one calibration's posterior already
carries the evidence's uncertainty. A version is therefore the evidence **collapsed to one of
its draws** ``j`` (every draw replaced by draw ``j``, killed and Wagner too; the block's
covariance is then only its discrepancy term): a calibration on it answers "what if the truth
had been that draw", and the between-version variance is the evidence's part (the nesting of
multiple imputation). An earlier version kept the spread around the moved centre, which counted
the evidence's uncertainty twice (in each calibration's posterior and between versions).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.battles.bakhmut.axes import DAYS
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from attrition.battles.bakhmut.calibration import Calibration
    from attrition.battles.bakhmut.evidence import CasualtyEvidence

__all__ = [
    "COMPONENTS",
    "COMPONENT_TEXT",
    "TARGETS",
    "Decomposition",
    "decompose",
    "perturb_evidence",
    "run_decomposition",
    "target_values",
]

#: The parts, outermost first.
COMPONENTS: tuple[str, ...] = ("evidence", "law", "parameters", "stochasticity")

#: Plain wording of each part for a reader.
COMPONENT_TEXT: dict[str, str] = {
    "evidence": "the uncertainty of the casualty estimate",
    "law": "the choice of attrition law",
    "parameters": "the model's unknown parameters",
    "stochasticity": "chance in the fighting itself",
}

#: The targets: (key, what it is, unit of the variance).
TARGETS: tuple[tuple[str, str, str], ...] = (
    ("fall_day", "day the city falls (not fallen by 30 Jun 2023: 1 Jul 2023)", "days²"),
    ("log_ru_casualties", "Russian casualties over the window (natural log)", "log²"),
    ("log_ua_casualties", "Ukrainian casualties over the window (natural log)", "log²"),
)


@dataclass(frozen=True)
class Decomposition:
    """The variance decomposition of each target (see the module docstring).

    Attributes:
        laws: the laws, in the order of the second axis of the values.
        weights: ``(L,)`` the laws' weights.
        shape: ``(K, L, D, R)`` evidence versions, laws, draws per calibration, replicates.
        variance: ``{target: {component: variance or None}}`` (``None``: not measured).
        not_fallen: share of runs in which the city has not fallen by the window's end.
        pooled: ``{target: variance of all runs pooled with their weights}`` (a check on the
            total: equal to it up to the sampling corrections).
        settings: how the values were made (free-form, JSON-able).
        values: ``{target: (K, L, D, R) values}`` decomposed (not in :meth:`to_dict`).
    """

    laws: tuple[str, ...]
    weights: np.ndarray
    shape: tuple[int, int, int, int]
    variance: dict[str, dict[str, float | None]]
    not_fallen: float
    pooled: dict[str, float]
    settings: dict[str, Any]
    values: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def total(self, target: str) -> float:
        """The total variance of ``target``: the sum of its measured parts."""
        return float(sum(v for v in self.variance[target].values() if v is not None))

    def share(self, target: str, component: str) -> float | None:
        """The part's share of the total (``None``: not measured; 0 when the total is 0)."""
        v = self.variance[target][component]
        if v is None:
            return None
        t = self.total(target)
        return v / t if t > 0 else 0.0

    def share_errors(self, n_boot: int = 200, seed: int = 0) -> dict[str, dict[str, float]]:
        """Monte Carlo standard errors of the shares: a bootstrap resampling the evidence
        versions (when there are two or more) and, within each calibration, the posterior
        draws with their replicates (``{target: {component: se}}``; 0 for a part not
        measured; also ``total_sd``: the error of the total's square root)."""
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        k, nl, d, _ = self.shape
        out: dict[str, list[list[float]]] = {t: [] for t, _, _ in TARGETS}
        for _ in range(n_boot):
            kv = rng.integers(0, k, size=k) if k > 1 else np.zeros(1, dtype=np.int64)
            dv = rng.integers(0, d, size=(k, nl, d))
            for t, _, _ in TARGETS:
                y = self.values[t][kv]
                y = np.take_along_axis(y, dv[..., None], axis=2)
                parts = _parts(y, self.weights)
                tot = sum(v for v in parts.values() if v is not None)
                shares = [_ratio(parts[c], tot) for c in COMPONENTS]
                out[t].append([*shares, math.sqrt(tot)])
        names = (*COMPONENTS, "total_sd")
        return {
            t: {c: float(np.std(np.asarray(v)[:, i], ddof=1)) for i, c in enumerate(names)}
            for t, v in out.items()
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per target × component: ``target``, ``component``, ``what`` (plain
        wording), ``variance``, ``share``, ``sd`` (the square root of the variance; NaN where
        the part was not measured)."""
        import pandas as pd

        rows = []
        for t, _, _ in TARGETS:
            for c in COMPONENTS:
                v = self.variance[t][c]
                s = self.share(t, c)
                rows.append(
                    {
                        "target": t,
                        "component": c,
                        "what": COMPONENT_TEXT[c],
                        "variance": math.nan if v is None else v,
                        "share": math.nan if s is None else s,
                        "sd": math.nan if v is None else math.sqrt(v),
                    }
                )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Strict JSON: every number finite, ``null`` where a part was not measured."""
        k, _, d, r = self.shape
        out: dict[str, Any] = {
            "laws": list(self.laws),
            "weights": [float(x) for x in self.weights],
            "evidence_versions": k,
            "draws": d,
            "replicates": r,
            "runs_per_calibration": d * r,
            "not_fallen_share": float(self.not_fallen),
            "settings": dict(self.settings),
            "targets": {},
        }
        for t, what, unit in TARGETS:
            parts = {}
            for c in COMPONENTS:
                v = self.variance[t][c]
                s = self.share(t, c)
                parts[c] = {
                    "variance": v,
                    "share": s,
                    "sd": None if v is None else math.sqrt(v),
                }
            tot = self.total(t)
            out["targets"][t] = {
                "what": what,
                "unit": unit,
                "total_variance": tot,
                "total_sd": math.sqrt(tot),
                "pooled_variance": float(self.pooled[t]),
                "components": parts,
            }
        return out


def _ratio(v: float | None, total: float) -> float:
    """``v / total`` (0 for a part not measured or a total of 0)."""
    return 0.0 if v is None or total <= 0 else v / total


def _check(values: Mapping[str, Any], weights: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    w = np.asarray(weights, dtype=np.float64)
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in values.items()}
    shapes = {a.shape for a in arrays.values()}
    if len(shapes) != 1:
        raise UserError(f"decomposition: the targets' values differ in shape: {sorted(shapes)}")
    (shape,) = shapes
    if len(shape) != 4 or shape[2] < 2 or shape[3] < 2 or shape[0] < 1 or shape[1] < 1:
        raise UserError(
            f"decomposition: values of shape {shape}: give (versions, laws, draws >= 2, "
            "replicates >= 2)"
        )
    if w.shape != (shape[1],) or (w < 0).any() or not math.isclose(float(w.sum()), 1.0):
        raise UserError(f"decomposition: {shape[1]} law weights summing to 1, got {w.tolist()}")
    for k, a in arrays.items():
        if not np.isfinite(a).all():
            raise UserError(f"decomposition: values of {k} are not all finite")
    return arrays, w


def _parts(y: np.ndarray, w: np.ndarray) -> dict[str, float | None]:
    """The four corrected parts of one target's ``(K, L, D, R)`` values."""
    k, _, d, r = y.shape
    s2 = y.var(axis=3, ddof=1)  # (K, L, D)
    m = y.mean(axis=3)  # (K, L, D)
    b = m.var(axis=2, ddof=1)  # (K, L) between-draw variance of the replicate means
    s2_mean = s2.mean(axis=2)  # (K, L)
    mu = m.mean(axis=2)  # (K, L)
    stoch = float((s2_mean @ w).mean())
    param = float(((b - s2_mean / r) @ w).mean())
    nu = mu @ w  # (K,)
    law_raw = (((mu - nu[:, None]) ** 2) @ w).mean()
    law = float(law_raw - ((b / d) @ (w * (1.0 - w))).mean())
    evidence: float | None = None
    if k > 1:
        evidence = float(nu.var(ddof=1) - ((b / d) @ (w**2)).mean())
        evidence = max(evidence, 0.0)
    return {
        "evidence": evidence,
        "law": max(law, 0.0),
        "parameters": max(param, 0.0),
        "stochasticity": max(stoch, 0.0),
    }


def _pooled(y: np.ndarray, w: np.ndarray) -> float:
    k, _, d, r = y.shape
    pw = np.broadcast_to((w / (k * d * r))[None, :, None, None], y.shape)
    mean = float((pw * y).sum())
    return float((pw * (y - mean) ** 2).sum())


def decompose(
    values: Mapping[str, Any],
    weights: Any,
    laws: Sequence[str],
    *,
    not_fallen: float = 0.0,
    settings: Mapping[str, Any] | None = None,
) -> Decomposition:
    """Decompose each target's variance (the estimator: module docstring).

    Args:
        values: ``{target: (K, L, D, R) values}`` for the keys of :data:`TARGETS` (evidence
            versions, laws, posterior draws, replicates; ``D, R >= 2``).
        weights: ``(L,)`` the laws' weights (summing to 1).
        laws: the laws' names.
        not_fallen: share of runs whose city had not fallen by the window's end.
        settings: how the values were made (recorded as given).

    Raises:
        UserError: a missing target, shapes that differ or are too small, weights that do not
            match, or values that are not finite.
    """
    missing = [t for t, _, _ in TARGETS if t not in values]
    if missing:
        raise UserError(f"decomposition: no values for {', '.join(missing)}")
    arrays, w = _check({t: values[t] for t, _, _ in TARGETS}, weights)
    if len(laws) != w.shape[0]:
        raise UserError(f"decomposition: {len(laws)} laws for {w.shape[0]} weights")
    shape = next(iter(arrays.values())).shape
    return Decomposition(
        laws=tuple(laws),
        weights=w,
        shape=(int(shape[0]), int(shape[1]), int(shape[2]), int(shape[3])),
        variance={t: _parts(a, w) for t, a in arrays.items()},
        not_fallen=float(not_fallen),
        pooled={t: _pooled(a, w) for t, a in arrays.items()},
        settings=dict(settings or {}),
        values=arrays,
    )


def target_values(fall_day: Any, casualties: Any) -> dict[str, np.ndarray]:
    """Per-run values of :data:`TARGETS` from fall days (``inf``: not fallen, censored at
    ``DAYS + 1``) and ``(..., 2)`` casualties (log of at least 1)."""
    f = np.asarray(fall_day, dtype=np.float64)
    c = np.asarray(casualties, dtype=np.float64)
    return {
        "fall_day": np.where(np.isfinite(f), f, float(DAYS + 1)),
        "log_ru_casualties": np.log(np.maximum(c[..., 0], 1.0)),
        "log_ua_casualties": np.log(np.maximum(c[..., 1], 1.0)),
    }


def run_decomposition(
    calibrations: Mapping[str, Sequence[Calibration]],
    weights: Any,
    *,
    draws: int = 200,
    replicates: int = 5,
    seed: int = 0,
    method: str = "binomial",
    settings: Mapping[str, Any] | None = None,
) -> Decomposition:
    """Run the baseline for the decomposition and decompose it.

    Args:
        calibrations: ``{law: [calibration on evidence version 0, 1, ...]}`` (the same number
            of versions per law; one version: the evidence part is not measured).
        weights: the laws' weights, in the order of ``calibrations``.
        draws: posterior draws per calibration (without replacement; at most its draws).
        replicates: independent runs of each draw (at least 2).
        seed: seed of the draws' choice and of the binomial streams.
        method: the daily step (``"binomial"``; ``"deterministic"`` gives a stochastic part
            of 0).
        settings: recorded in the result beside the sizes.

    Raises:
        UserError: fewer than 2 draws or replicates, calibrations with different numbers of
            versions, or a calibration with fewer draws than asked.
    """
    from attrition.battles.bakhmut.engine import simulate
    from attrition.battles.bakhmut.model import BakhmutModel
    from attrition.battles.bakhmut.scenarios import load_scenario, scenario_schedule

    if draws < 2 or replicates < 2:
        raise UserError(f"decomposition: draws {draws}, replicates {replicates}: give >= 2 each")
    laws = tuple(calibrations)
    versions = {len(v) for v in calibrations.values()}
    if len(versions) != 1 or 0 in versions:
        raise UserError("decomposition: give the same number (>= 1) of calibrations per law")
    (k,) = versions
    base = load_scenario("baseline")
    cube: dict[str, np.ndarray] = {
        t: np.empty((k, len(laws), draws, replicates)) for t, _, _ in TARGETS
    }
    fallen = []
    for j, lw in enumerate(laws):
        for v, cal in enumerate(calibrations[lw]):
            if cal.n_draws < draws:
                raise UserError(
                    f"decomposition: the {lw} calibration has {cal.n_draws} draws; ask <= that"
                )
            pick = np.random.Generator(
                np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(2,)))
            )
            idx = np.sort(pick.choice(cal.n_draws, size=draws, replace=False))
            params = {p: np.repeat(np.asarray(x)[idx], replicates) for p, x in cal.draws.items()}
            model = BakhmutModel(cal.law, scenario_schedule(base, cal.schedule))
            block = (v * len(laws) + j) * draws * replicates  # own streams per calibration
            ens = simulate(model, params, method=method, seed=seed, run_offset=block)
            fall = ens.fall_day()
            fallen.append(np.isfinite(fall))
            vals = target_values(fall, ens.side_losses[:, -1, :])
            for t, a in vals.items():
                cube[t][v, j] = a.reshape(draws, replicates)
    w = np.asarray(weights, dtype=np.float64)
    nf = np.concatenate(fallen).reshape(len(laws), k, draws * replicates)
    not_fallen = float((w[:, None, None] * (~nf)).sum() / (k * draws * replicates))
    st = {"seed": seed, "method": method, **dict(settings or {})}
    return decompose(cube, w, laws, not_fallen=not_fallen, settings=st)


def perturb_evidence(evidence: CasualtyEvidence, seed: int) -> CasualtyEvidence:
    """A version of ``evidence`` collapsed to one of its draws (module docstring): every draw,
    and the killed and Wagner draws with it, replaced by draw ``j``, picked by
    ``SeedSequence(seed)``; the spread between draws is 0."""
    from attrition.battles.bakhmut.evidence import CasualtyEvidence

    d = evidence.draws
    j = int(np.random.default_rng(np.random.SeedSequence(seed)).integers(d.shape[0]))

    def one(a: np.ndarray) -> np.ndarray:
        return np.repeat(a[j : j + 1], a.shape[0], axis=0)

    return CasualtyEvidence(
        evidence.dates,
        one(d),
        None if evidence.killed is None else one(evidence.killed),
        None if evidence.wagner is None else one(evidence.wagner),
        f"{evidence.source} (collapsed to draw {j})",
    )
