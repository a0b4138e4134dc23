"""Bakhmut answers that carry the law uncertainty: a scenario run under every attrition law,
each with its own calibration, mixed by the laws' weights, with paired effects against the
baseline.

**Why a mixture.** The three laws of :data:`~attrition.battles.bakhmut.axes.BAKHMUT_LAWS` fit
the record about equally well and the Monte Carlo error of their SMC log evidences (0.8–2.4
nat per calibration at 2,000 particles, :mod:`~attrition.battles.bakhmut.evidence_error`) is
as large as the gaps between them: keeping only the best law (``law = "auto"``) makes the
answer flip with the seed. :func:`run_mixture` runs the scenario under every law and reports
the mixture with each law's result beside it.

**Weights** (:func:`law_weights`). Each law is calibrated ``repeats`` times with the seeds
``seed .. seed + repeats - 1`` (the same SMC :func:`~attrition.battles.bakhmut.calibration.
calibrate` runs, so repeat ``k`` is exactly ``calibrate(..., seed=seed + k)``). Each repeat
gives a posterior model probability per law (softmax of that repeat's log evidences, equal
prior weights); **the weight is their average over the repeats**. That is the expected
posterior probability under the Monte Carlo distribution of one calibration's log evidences:

* when the repeats agree on the order of the laws (errors smaller than the gaps), the weights
  follow the evidence;
* when the errors exceed the gaps, the repeats disagree about the winner and the average moves
  towards equal weights by itself, as far as the measured spread says and no further.

It needs no error model and no threshold, and it never lets one lucky SMC run decide. With one
repeat the error is not measured, and the weights are **equal** (``rule = "equal"``): a single
softmax would hide an error of 1–2 nat. Stacking on leave-future-out predictive scores was not
chosen: it needs every law calibrated at several cutoffs (the hindcast's cost, about ten times
this) for each answer, and it answers a different question (the best predictive combination,
not the probability of each law). The weights' Monte Carlo error still shrinks only as
``1/sqrt(repeats)``; the per-law results shown beside the mixture let a reader see what rides
on them.

**Runs** (:func:`allocate_runs`). The mixture's ``runs`` are shared out to the laws in
proportion to the weights by largest remainders (ties to the earlier law): no random numbers,
so the mixture is a function of the seed. Law ``l`` contributes the first ``n_l`` runs of its
own ensemble, which is the scenario run with ``runs`` runs over that law's calibration (repeat
0) exactly as :func:`~attrition.battles.bakhmut.scenarios.run_scenario` would run it.

**Paired effects** (:func:`paired_differences`). The baseline runs with the same calibration,
runs and seed, hence the same posterior draws and the same binomial random streams run by run;
a scenario's effect is the per-run difference scenario − baseline (for casualties also the
per-run change in %). Each law's effect and the mixture's (the allocated runs) are summarised
by the median, the 90% interval and ``P(effect > 0)``. The baseline against itself is exactly
0 in every run.

**The sign rule** (:func:`sign_depends_on_law`). An effect's sign depends on the law when two
laws' medians have opposite signs, each beyond :data:`SIGN_TOLERANCE` of the baseline median's
size (1%; 1 percentage point for the % changes), or when ``P(effect > 0)`` is above 0.9 under
one law and below 0.1 under another and one of those two medians is beyond that tolerance
(paired runs make ``P(effect > 0)`` near 0 or 1 even for effects of 0.1%, which are no
material answer either way). Every law counts whatever its weight: the weights are themselves
uncertain, and the flag is about the model structure.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.battles.bakhmut import scenarios as _scenarios
from attrition.battles.bakhmut.axes import BAKHMUT_LAWS, DAYS
from attrition.battles.bakhmut.calibration import Calibration, check_law_name
from attrition.battles.bakhmut.engine import SIM_METHODS, BakhmutRuns
from attrition.battles.bakhmut.evidence import parse_cutoff
from attrition.battles.bakhmut.scenarios import (
    MIXTURE,
    BakhmutScenario,
    EvidenceFn,
    ScenarioResult,
    check_calibration_settings,
    check_ensemble_memory,
    check_finite_result,
    load_scenario,
    run_scenario,
    run_settings,
)
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EFFECT_QUANTITIES",
    "MIXTURE",
    "REPEATS",
    "SIGN_TOLERANCE",
    "LawWeights",
    "MixtureResult",
    "allocate_runs",
    "effect_summary",
    "input_hashes",
    "law_weights",
    "paired_differences",
    "paired_values",
    "run_mixture",
    "sign_depends_on_law",
]

REPEATS = 3
"""Calibrations per law (seeds ``seed .. seed + REPEATS - 1``) whose log evidences the weights
average over (:func:`law_weights`)."""


SIGN_TOLERANCE = 0.01
"""A median effect counts as positive or negative for :func:`sign_depends_on_law` only beyond
this share of the baseline median's size (for the % changes: this many hundredths of 100%,
i.e. 1 percentage point)."""


#: The effects reported: (key, unit, how it is computed from the per-run values).
EFFECT_QUANTITIES: tuple[tuple[str, str], ...] = (
    ("fall_day", "days (later: > 0; not fallen by 30 Jun 2023 counts as 1 Jul 2023)"),
    ("ru_casualties", "casualties"),
    ("ua_casualties", "casualties"),
    ("ru_casualties_pct", "% of the baseline run's"),
    ("ua_casualties_pct", "% of the baseline run's"),
    ("exchange_ratio", "RU per UA casualty"),
)


# --------------------------------------------------------------------------------- weights


@dataclass(frozen=True)
class LawWeights:
    """The laws' weights and the log evidences they rest on (see :func:`law_weights`).

    Attributes:
        laws: the laws, in order.
        log_evidence: ``(repeats, len(laws))`` SMC log marginal likelihoods.
        seeds: the calibration seed of each repeat.
        weights: ``(len(laws),)`` weights, summing to 1.
        rule: ``"repeat-average"`` (the mean over the repeats of each repeat's posterior law
            probabilities), ``"equal"`` (one repeat: the error is not measured) or ``"one
            law"`` (a single law, weight 1).
    """

    laws: tuple[str, ...]
    log_evidence: np.ndarray
    seeds: tuple[int, ...]
    weights: np.ndarray
    rule: str

    @property
    def repeats(self) -> int:
        """Number of repeats."""
        return int(self.log_evidence.shape[0])

    @property
    def sd(self) -> np.ndarray:
        """Standard deviation of each law's log evidence over the repeats (NaN with one):
        the Monte Carlo error of one calibration's log evidence."""
        if self.repeats < 2:
            return np.full(len(self.laws), np.nan)
        return np.asarray(self.log_evidence.std(axis=0, ddof=1))

    def by_law(self) -> dict[str, float]:
        """``{law: weight}``."""
        return {lw: float(w) for lw, w in zip(self.laws, self.weights, strict=True)}

    def to_frame(self) -> pd.DataFrame:
        """One row per law: ``law``, ``weight``, ``log_evidence_mean``, ``log_evidence_sd``
        (NaN with one repeat), ``repeats``, ``rule``."""
        import pandas as pd

        return pd.DataFrame(
            {
                "law": list(self.laws),
                "weight": self.weights,
                "log_evidence_mean": self.log_evidence.mean(axis=0),
                "log_evidence_sd": self.sd,
                "repeats": self.repeats,
                "rule": self.rule,
            }
        )


def law_weights(
    log_evidence: Any,
    laws: Sequence[str] = BAKHMUT_LAWS,
    seeds: Sequence[int] | None = None,
) -> LawWeights:
    """The laws' weights from repeated SMC log evidences (the rule: module docstring).

    Args:
        log_evidence: ``(repeats, len(laws))`` log marginal likelihoods (a 1-d array is one
            repeat); ``-inf`` marks a law whose SMC found no support, NaN is refused.
        laws: the laws, in the columns' order.
        seeds: the calibration seed of each repeat (default ``0 .. repeats - 1``).

    Returns:
        :class:`LawWeights`: with two or more repeats the mean over the repeats of
        ``softmax(log_evidence[k])``; with one repeat equal weights.

    Raises:
        UserError: a shape that does not match ``laws`` or ``seeds``, a NaN, or a repeat with
            no finite log evidence.
    """
    e = np.asarray(log_evidence, dtype=np.float64)
    if e.ndim == 1:
        e = e[None, :]
    if e.ndim != 2 or e.shape[1] != len(laws) or e.shape[0] < 1:
        raise UserError(
            f"log evidence of shape {e.shape}: give (repeats, {len(laws)}) values, one column "
            f"per law ({', '.join(laws)})"
        )
    if np.isnan(e).any() or not np.isfinite(e.max(axis=1)).all():
        raise UserError("log evidence: a NaN, or a repeat with no finite value; rerun the SMC")
    k = e.shape[0]
    sd = tuple(range(k)) if seeds is None else tuple(int(s) for s in seeds)
    if len(sd) != k:
        raise UserError(f"{len(sd)} seeds for {k} repeats of the log evidence")
    if len(laws) == 1:
        return LawWeights(tuple(laws), e, sd, np.ones(1), "one law")
    if k == 1:
        return LawWeights(tuple(laws), e, sd, np.full(len(laws), 1.0 / len(laws)), "equal")
    p = np.exp(e - e.max(axis=1, keepdims=True))
    p = p / p.sum(axis=1, keepdims=True)
    w = p.mean(axis=0)
    return LawWeights(tuple(laws), e, sd, w / w.sum(), "repeat-average")


def allocate_runs(weights: Any, runs: int) -> np.ndarray:
    """``runs`` shared out in proportion to ``weights`` by largest remainders (ties: the
    earlier entry); the counts sum to ``runs``. No random numbers."""
    w = np.asarray(weights, dtype=np.float64)
    if runs < 0 or w.ndim != 1 or (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
        raise UserError(f"cannot share {runs} runs over weights {w.tolist()}")
    exact = w / w.sum() * runs
    n = np.floor(exact).astype(np.int64)
    left = runs - int(n.sum())
    order = sorted(range(len(w)), key=lambda i: (-(exact[i] - n[i]), i))
    for i in order[:left]:
        n[i] += 1
    return np.asarray(n, dtype=np.int64)


# --------------------------------------------------------------------------------- effects


def paired_values(result: ScenarioResult) -> dict[str, np.ndarray]:
    """Per-run values the effects compare: ``fall_day`` (not fallen by the end: ``DAYS + 1``),
    ``ru_casualties``, ``ua_casualties``, ``exchange_ratio`` (UA at least 1)."""
    fall = np.where(np.isfinite(result.fall_day), result.fall_day, float(DAYS + 1))
    cas = np.asarray(result.casualties, dtype=np.float64)
    return {
        "fall_day": np.asarray(fall, dtype=np.float64),
        "ru_casualties": cas[:, 0],
        "ua_casualties": cas[:, 1],
        "exchange_ratio": cas[:, 0] / np.maximum(cas[:, 1], 1.0),
    }


def paired_differences(
    scenario: Mapping[str, np.ndarray], baseline: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Per-run effects scenario − baseline of :func:`paired_values` (same runs, same draws,
    same seeds), and the casualties' change in % of the baseline run's (baseline at least 1)."""
    out = {k: np.asarray(scenario[k]) - np.asarray(baseline[k]) for k in scenario}
    for side in ("ru", "ua"):
        key = f"{side}_casualties"
        out[f"{key}_pct"] = 100.0 * out[key] / np.maximum(np.asarray(baseline[key]), 1.0)
    return {k: out[k] for k, _ in EFFECT_QUANTITIES}


def effect_summary(diff: Any) -> dict[str, float]:
    """``{median, q05, q95, p_positive}`` of per-run effects (``p_positive``: the share of runs
    with an effect above 0, so exactly 0 when every run is unchanged)."""
    from attrition.infer.quantiles import quantiles

    d = np.asarray(diff, dtype=np.float64)
    return {**quantiles(d), "p_positive": float(np.mean(d > 0))}


def sign_depends_on_law(per_law: Mapping[str, Mapping[str, float]], tolerance: float) -> bool:
    """Whether an effect's sign depends on the law (the rule of the module docstring).

    True when two laws' medians lie beyond ``tolerance`` on opposite sides of 0, or when
    ``p_positive`` is above 0.9 under one law and below 0.1 under another and at least one of
    those two laws' medians lies beyond ``tolerance``. Paired runs make ``p_positive`` near 0
    or 1 even for effects of a fraction of a per cent, so the probability rule alone would
    flag immaterial effects.

    Args:
        per_law: ``{law: effect_summary(...)}``.
        tolerance: the size up to which a median counts as no effect (>= 0).
    """
    rows = [(float(v["median"]), float(v["p_positive"])) for v in per_law.values()]
    if any(m > tolerance for m, _ in rows) and any(m < -tolerance for m, _ in rows):
        return True
    up = [abs(m) > tolerance for m, p in rows if p > 0.9]
    down = [abs(m) > tolerance for m, p in rows if p < 0.1]
    return bool(up and down and (any(up) or any(down)))


def _tolerance(key: str, baseline: Mapping[str, np.ndarray]) -> float:
    if key.endswith("_pct"):
        return SIGN_TOLERANCE * 100.0
    return SIGN_TOLERANCE * abs(float(np.median(baseline[key])))


# --------------------------------------------------------------------------------- result


def input_hashes(spec: BakhmutScenario | None = None) -> dict[str, str]:
    """SHA-256 of every file of the Bakhmut battle folder (claims, events, phases, places, ...:
    what the evidence, the record and the priors are read from) and, under ``"scenario"``, of
    the scenario's file when it is one."""
    from attrition._io import sha256_file
    from attrition.data.claims import battle_dir

    folder = battle_dir("bakhmut")
    out = {f.name: sha256_file(f) for f in sorted(folder.iterdir()) if f.is_file()}
    if spec is not None and Path(spec.source).is_file():
        out["scenario"] = sha256_file(spec.source)
    return out


@dataclass(frozen=True)
class MixtureResult:
    """A scenario under every law, mixed (see the module docstring).

    Attributes:
        spec: the scenario.
        runs, seed, method: ensemble size, seed and daily step (of each law's ensemble and of
            the mixture).
        cutoff: the calibrations' cutoff (``None``: all evidence).
        weights: the laws' weights.
        allocation: ``{law: runs}`` of the mixture, summing to ``runs``.
        per_law: ``{law: ScenarioResult}``, ``runs`` runs each.
        baseline: ``{law: paired_values(baseline run)}``, same draws and seeds as ``per_law``.
        mixture: the mixture as a :class:`ScenarioResult` (law ``"mixture"``; ``draw_index``
            indexes the draws of each run's own law).
        law_of_run: ``(runs,)`` the law of each mixture run.
        particles, moves: the SMC settings of the calibrations (``moves`` ``None``: given
            calibrations whose settings were not stated).
        provenance: ``{"version": ..., "input_hashes": {...}}``.
    """

    spec: BakhmutScenario
    runs: int
    seed: int
    method: str
    cutoff: dt.date | None
    weights: LawWeights
    allocation: dict[str, int]
    per_law: dict[str, ScenarioResult]
    baseline: dict[str, dict[str, np.ndarray]]
    mixture: ScenarioResult
    law_of_run: np.ndarray
    particles: int
    moves: int | None
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.spec.name

    @property
    def laws(self) -> tuple[str, ...]:
        """The laws, in order."""
        return self.weights.laws

    def differences(self, law: str | None = None) -> dict[str, np.ndarray]:
        """Per-run effects against the baseline (:func:`paired_differences`) under ``law``, or
        of the mixture's runs (``None``: the first ``allocation[law]`` runs of each law)."""
        if law is not None:
            return paired_differences(paired_values(self.per_law[law]), self.baseline[law])
        parts = [self.differences(lw) for lw in self.laws]
        return {
            k: np.concatenate([d[k][: self.allocation[lw]] for lw, d in zip(self.laws, parts,
                                                                            strict=True)])
            for k, _ in EFFECT_QUANTITIES
        }  # fmt: skip

    def effects(self) -> dict[str, dict[str, Any]]:
        """Per effect of :data:`EFFECT_QUANTITIES`: ``{unit, mixture: effect_summary, laws:
        {law: effect_summary}, sign_depends_on_law}`` (rule: :func:`sign_depends_on_law`)."""
        mix = self.differences()
        per = {lw: self.differences(lw) for lw in self.laws}
        base = {
            k: np.concatenate([self.baseline[lw][k][: self.allocation[lw]] for lw in self.laws])
            for k in self.baseline[self.laws[0]]
        }
        out: dict[str, dict[str, Any]] = {}
        for key, unit in EFFECT_QUANTITIES:
            laws = {lw: effect_summary(per[lw][key]) for lw in self.laws}
            out[key] = {
                "unit": unit,
                "mixture": effect_summary(mix[key]),
                "laws": laws,
                "sign_depends_on_law": sign_depends_on_law(laws, _tolerance(key, base)),
            }
        return out

    def effects_frame(self) -> pd.DataFrame:
        """The effects as a table: one row per effect and law (``mixture`` first), columns
        ``effect``, ``unit``, ``law``, ``weight``, ``median``, ``q05``, ``q95``,
        ``p_positive``, ``sign_depends_on_law``."""
        import pandas as pd

        w = self.weights.by_law()
        rows = []
        for key, e in self.effects().items():
            for lw, v in (("mixture", e["mixture"]), *e["laws"].items()):
                rows.append({"effect": key, "unit": e["unit"], "law": lw,
                             "weight": 1.0 if lw == "mixture" else w[lw], **v,
                             "sign_depends_on_law": e["sign_depends_on_law"]})  # fmt: skip
        return pd.DataFrame(rows)

    def law_summaries(self) -> dict[str, dict[str, Any]]:
        """Per law: ``{weight, runs_in_mixture, log_evidence (per repeat), log_evidence_sd,
        calibration_seeds, city_fall_date, sides, exchange_ratio}`` (the last three as in
        :meth:`ScenarioResult.summary`, over that law's ``runs`` runs)."""
        sd = self.weights.sd
        out = {}
        for j, lw in enumerate(self.laws):
            s = self.per_law[lw].summary()
            out[lw] = {
                "weight": float(self.weights.weights[j]),
                "runs_in_mixture": int(self.allocation[lw]),
                "log_evidence": [float(x) for x in self.weights.log_evidence[:, j]],
                "log_evidence_sd": None if math.isnan(sd[j]) else float(sd[j]),
                "calibration_seeds": list(self.weights.seeds),
                **{k: s[k] for k in ("city_fall_date", "sides", "exchange_ratio")},
            }
        return out

    def summary(self) -> dict[str, Any]:
        """The ``scenario run --json`` object: the mixture's ``{scenario, runs, seed,
        city_fall_date, sides, exchange_ratio}`` (as a single law's), then ``law``
        (``"mixture"``, or the one law run), ``cutoff`` (ISO date or ``None``),
        ``method``, ``particles``, ``moves``, ``evidence_repeats``, ``weights_rule``,
        ``law_weights`` ``{law: weight}``, ``laws`` (:meth:`law_summaries`), ``effects``
        against the baseline (:meth:`effects`), ``version`` and ``input_hashes``."""
        out = self.mixture.summary()
        out.update(
            law=MIXTURE if len(self.laws) > 1 else self.laws[0],
            cutoff=self.cutoff.isoformat() if self.cutoff is not None else None,
            method=self.method,
            particles=self.particles,
            moves=self.moves,
            evidence_repeats=self.weights.repeats,
            weights_rule=self.weights.rule,
            law_weights=self.weights.by_law(),
            laws=self.law_summaries(),
            effects=self.effects(),
            **self.provenance,
        )
        return out

    def per_run(self) -> pd.DataFrame:
        """The mixture's runs (:meth:`ScenarioResult.per_run`) with each run's ``law`` and its
        paired effects on the casualties and the fall day."""
        df = self.mixture.per_run()
        df.insert(1, "law", self.law_of_run)
        d = self.differences()
        for key in ("fall_day", "ru_casualties", "ua_casualties"):
            df[f"effect_{key}"] = d[key]
        return df

    def write(self, folder: str | Path) -> list[Path]:
        """Write ``summary.json`` (:meth:`summary`), ``runs.csv`` (:meth:`per_run`),
        ``daily.csv`` (the mixture's daily quantiles), ``laws.csv`` (each law's summary
        frame) and ``effects.csv`` (:meth:`effects_frame`) into ``folder``."""
        import pandas as pd

        from attrition._io import atomic_write_text

        out = Path(folder)
        laws = pd.concat(
            [self.per_law[lw].summary_frame().assign(law=lw) for lw in self.laws],
            ignore_index=True,
        )
        text = json.dumps(self.summary(), indent=2, allow_nan=False) + "\n"
        return [
            atomic_write_text(out / "summary.json", text),
            atomic_write_text(out / "runs.csv", self.per_run().to_csv(index=False)),
            atomic_write_text(out / "daily.csv", self.mixture.daily().to_csv(index=False)),
            atomic_write_text(out / "laws.csv", laws.to_csv(index=False)),
            atomic_write_text(out / "effects.csv", self.effects_frame().to_csv(index=False)),
        ]


def _concat_runs(parts: Sequence[BakhmutRuns], seed: int) -> BakhmutRuns:
    """The runs of several ensembles, one after another (same geography and method)."""
    first = parts[0]
    return BakhmutRuns(
        strength=np.concatenate([p.strength for p in parts]),
        losses=np.concatenate([p.losses for p in parts]),
        fronts=np.concatenate([p.fronts for p in parts]),
        recruited=np.concatenate([p.recruited for p in parts]),
        arrived_wp=np.concatenate([p.arrived_wp for p in parts]),
        seed=seed,
        method=first.method,
        geography=first.geography,
    )


def _take(result: ScenarioResult, n: int) -> BakhmutRuns:
    e = result.ensemble
    return BakhmutRuns(e.strength[:n], e.losses[:n], e.fronts[:n], e.recruited[:n],
                       e.arrived_wp[:n], e.seed, e.method, e.geography)  # fmt: skip


def run_mixture(
    spec: BakhmutScenario,
    *,
    runs: int | None = None,
    seed: int | None = None,
    method: str = "binomial",
    cutoff: str | dt.date | None = None,
    laws: Sequence[str] | None = None,
    repeats: int = REPEATS,
    settings: tuple[int, int] | None = None,
    evidence_fn: EvidenceFn | None = None,
    calibrations: Mapping[str, Sequence[Calibration]] | None = None,
) -> MixtureResult:
    """Run a scenario under every law, each over its own calibration, and mix the laws.

    Args:
        spec: the scenario.
        runs, seed: ensemble size (of each law and of the mixture) and seed (default: the
            scenario's ``[run]`` table); the calibrations use the seeds ``seed .. seed +
            repeats - 1``.
        method: the daily step, ``"binomial"`` or ``"deterministic"``.
        cutoff: calibrate on the evidence known by this date (``YYYY-MM-DD``, a date or
            ``None``: all).
        laws: the laws to mix (default all of :data:`BAKHMUT_LAWS`); one law gives that law
            with weight 1 and the paired effects.
        repeats: calibrations per law whose log evidences the weights average over (1: equal
            weights).
        settings: SMC particles and moves per calibration (default
            :data:`~attrition.battles.bakhmut.scenarios.CALIBRATION_SETTINGS`).
        evidence_fn: casualty evidence by cutoff (default the fog-of-war estimate).
        calibrations: ``{law: [calibration of repeat 0, 1, ...]}`` already made (the laws and
            the repeats are then theirs; ``cutoff``, ``laws``, ``repeats``, ``settings`` and
            ``evidence_fn`` must be left out; ``settings`` then only records how they were
            made). Repeat 0 supplies the posterior draws.

    Everything is checked before any calibration: runs and seed, the method, the cutoff, the
    laws, ``repeats``, the SMC settings (``particles >= 20``) and the memory of the ensembles
    (each law's scenario, its baseline and the mixture).

    Raises:
        UserError: bad runs, seed, method, cutoff, law, repeats or SMC settings, an ensemble
            over the memory limit, or a result that is not finite (one line each).
        TypeError: ``calibrations`` together with the settings they replace.
    """
    n, s = run_settings(spec, runs, seed)
    if method not in SIM_METHODS:
        from attrition.errors import unknown_name

        raise unknown_name("method", method, SIM_METHODS)
    c = parse_cutoff(cutoff)
    if calibrations is not None:
        if any(v is not None for v in (cutoff, laws, evidence_fn)) or repeats != REPEATS:
            raise TypeError("run_mixture: give calibrations or the settings that make them")
        cals = {check_law_name(lw): list(v) for lw, v in calibrations.items()}
        if not cals or any(not v for v in cals.values()):
            raise UserError("run_mixture: calibrations: give at least one per law")
        if len({len(v) for v in cals.values()}) != 1:
            raise UserError("run_mixture: calibrations: give the same number of repeats per law")
        law_list = tuple(cals)
        c = cals[law_list[0]][0].cutoff
        particles, moves = settings if settings is not None else (_particles(cals), None)
        check_ensemble_memory(n, copies=len(law_list) + 2)
    else:
        law_list = tuple(BAKHMUT_LAWS if laws is None else (check_law_name(x) for x in laws))
        if not law_list or "auto" in law_list or len(set(law_list)) != len(law_list):
            raise UserError(
                f"laws {', '.join(law_list) or '(none)'}: give distinct laws of "
                f"{', '.join(BAKHMUT_LAWS)}"
            )
        if repeats < 1:
            raise UserError(f"--repeats {repeats}: give at least 1 (2 or more measure the error)")
        st = check_calibration_settings(*(settings or (None, None)))
        particles, moves = st
        check_ensemble_memory(n, copies=len(law_list) + 2)
        cals = {
            lw: [_scenarios.calibration_for(c, law=lw, seed=s + r, evidence_fn=evidence_fn,
                                            settings=st) for r in range(repeats)]
            for lw in law_list
        }  # fmt: skip
    ev = np.array(
        [[_law_evidence(cals[lw][r], lw) for lw in law_list] for r in range(len(cals[law_list[0]]))]
    )
    seeds = tuple(cal.seed for cal in cals[law_list[0]])
    weights = law_weights(ev, law_list, seeds)
    alloc = allocate_runs(weights.weights, n)
    baseline_spec = load_scenario("baseline")
    per_law: dict[str, ScenarioResult] = {}
    base: dict[str, dict[str, np.ndarray]] = {}
    for lw in law_list:
        cal = cals[lw][0]
        per_law[lw] = run_scenario(spec, cal, runs=n, seed=s, method=method)
        base[lw] = _baseline_values(baseline_spec, cal, n, s, method)
    counts = {lw: int(a) for lw, a in zip(law_list, alloc, strict=True)}
    parts = [(lw, per_law[lw], counts[lw]) for lw in law_list]
    mixture = ScenarioResult(
        spec.name, n, s, MIXTURE, c,
        np.concatenate([r.draw_index[:m] for _, r, m in parts]),
        np.concatenate([r.fall_day[:m] for _, r, m in parts]),
        np.concatenate([r.casualties[:m] for _, r, m in parts]),
        _concat_runs([_take(r, m) for _, r, m in parts], s),
    )  # fmt: skip
    check_finite_result(spec, mixture.summary())
    from attrition import __version__

    return MixtureResult(
        spec=spec,
        runs=n,
        seed=s,
        method=method,
        cutoff=c,
        weights=weights,
        allocation=counts,
        per_law=per_law,
        baseline=base,
        mixture=mixture,
        law_of_run=np.concatenate([np.full(m, lw, dtype=object) for lw, _, m in parts]),
        particles=int(particles),
        moves=None if moves is None else int(moves),
        provenance={"version": __version__, "input_hashes": input_hashes(spec)},
    )


_BASELINES: dict[tuple[int, int, int, str], tuple[Calibration, dict[str, np.ndarray]]] = {}
"""The baseline's paired values by (calibration, runs, seed, method): every scenario of a
report or a docs run is paired with the same baseline ensemble, which is deterministic given
these, so it is run once per calibration (the calibration is kept with its entry: an ``id``
reused by another object is not a hit)."""


def _baseline_values(
    baseline_spec: BakhmutScenario, cal: Calibration, n: int, s: int, method: str
) -> dict[str, np.ndarray]:
    """:func:`paired_values` of the packaged baseline under ``cal`` (cached, read-only)."""
    key = (id(cal), n, s, method)
    hit = _BASELINES.get(key)
    if hit is not None and hit[0] is cal:
        return hit[1]
    vals = paired_values(run_scenario(baseline_spec, cal, runs=n, seed=s, method=method))
    for v in vals.values():
        v.setflags(write=False)
    if len(_BASELINES) >= 12:
        _BASELINES.clear()
    _BASELINES[key] = (cal, vals)
    return vals


def _law_evidence(cal: Calibration, law: str) -> float:
    """The log evidence of ``law`` in a calibration's laws table."""
    for row in cal.laws:
        if row["law"] == law:
            return float(row["log_evidence"])
    raise UserError(f"the calibration has no log evidence for law {law!r}")


def _particles(cals: Mapping[str, Sequence[Calibration]]) -> int:
    """Particles of given calibrations (from their SMC fits; 0 when not kept)."""
    cal = next(iter(cals.values()))[0]
    fit = cal.fits.get(cal.law)
    return int(fit.draws_z.shape[0]) if fit is not None else 0
