"""Figures of docs/bakhmut-model.md: calibration, fit to the record, scenarios, hindcasts.

Everything goes through the calls the report's model stage makes
(:func:`attrition.report.model.model_stage`) and the CLI's ``attrition scenario run NAME
--json`` reproduces: every law calibrated ``repeats`` times with
:func:`attrition.report.model.law_calibrations` (the report's :class:`~attrition.report.model.
ModelSettings`, built by :func:`model_settings`), then each scenario run as a law mixture by
:func:`attrition.battles.bakhmut.mixture.run_mixture` (weights, per-law results, paired effects
against the baseline with P(effect > 0) and the sign-depends-on-law flag). The casualty
evidence is the CLI's (:func:`attrition.battles.bakhmut.scenarios.default_evidence`: the
default fusion of :func:`~attrition.infer.fusion.fuse_claims`, the joint model), so for the same
seed, particles and runs the figures are those of ``attrition scenario run NAME --json
--seed S --particles P --runs N`` (``tests/docs/test_one_answer.py`` checks it). The
headline settings are the scenario files' and the CLI's (1,000 runs, seed 1, 600 particles ×
16 moves, 3 calibrations per law; the hindcast 6 moves).
:func:`~attrition.battles.bakhmut.scenarios.fit_to_record` and
:func:`~attrition.battles.bakhmut.hindcasts.hindcast` are called as the CLI calls them.

Parts:

* ``headline`` — casualty evidence, the laws' weights, the baseline mixture and each law's
  baseline; the fit to the record, posterior highlights and the doubled withdrawal rate under
  the law with the highest weight (the report's choice for its record section). Recomputed by
  the test.
* ``scenarios`` — the other packaged scenarios as mixtures on the same calibrations (per law
  too) and their paired effects. Recomputed by the test (seconds once the calibrations exist).
* ``identification`` — the identification table (blocks ``identification-summary`` and
  ``identification-table``, rendered by ``tools/docs_figures/identification.py`` from this
  sidecar). Recomputed by the test.
* ``laws`` — single calibrations (law ``auto``) with seeds 0–2 at 600 and at 2,000 particles:
  log marginal likelihoods per law and the law one calibration alone would pick. Not in the
  test.
* ``ablation`` — the highest-weight law calibrated on the casualty evidence alone. Not in the
  test.
* ``decomposition`` — where the uncertainty of the fall day and of each side's casualties
  comes from (:mod:`attrition.battles.bakhmut.decomposition`): the baseline re-run over ``draws``
  posterior draws × ``replicates`` runs each, once on the headline calibrations (repeat 0, the
  laws' headline weights: law, parameters, stochasticity) and once on ``versions`` versions of
  the casualty evidence (:func:`~attrition.battles.bakhmut.decomposition.perturb_evidence`,
  every law calibrated on each at the headline's particles and seed, the same weights: all
  four parts). Errors of the shares by a bootstrap over the versions and draws. Not in the test.
* ``hindcast`` — ``attrition hindcast --seed 0 --seeds 5``: one call of
  :func:`~attrition.battles.bakhmut.hindcasts.hindcast` over the six monthly cutoffs and seeds
  0–4, summarised by :func:`~attrition.battles.bakhmut.hindcasts.hindcast_summary`: per cutoff ×
  target × forecaster (the model and its baselines) the mean and sd over the seeds of the score
  shown (:data:`SCORE`) and, per baseline, the number of seeds in which the model beats it. Not
  in the test.

Monte Carlo errors: ensemble figures (probabilities, quantiles of runs, paired effects) by the
binomial error or a bootstrap over the runs, *given the calibrations*; the laws' weights and
log evidences by their sd over the calibration repeats / √repeats; posterior quantiles by a
bootstrap over the posterior draws; evidence totals by batch means over the fog-of-war chains;
log marginal likelihoods of the ``laws`` part by their sd over the seeds; hindcast means by
sd/√seeds, their sd by sd/√(2 (seeds − 1)).

Full run on the 2-core development machine (shared): see the timing printed per part; the parts
not in the test are checked by ``make docs-figures`` then ``git diff --exit-code docs/``.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import figlib as F
import numpy as np

DOC = F.ROOT / "docs" / "bakhmut-model.md"
SIDECAR = F.FIGURES_DIR / "bakhmut_model.json"
GENERATOR = "tools/docs_figures/bakhmut_model.py"
DATA = F.ROOT / "src" / "attrition" / "data" / "battles" / "bakhmut"
LIBRARY = F.ROOT / "src" / "attrition" / "data" / "battles" / "bakhmut" / "scenarios"

PARTS: tuple[str, ...] = (
    "headline",
    "scenarios",
    "identification",
    "laws",
    "ablation",
    "hindcast",
    "decomposition",
    "canary",
)
TEST_PARTS: tuple[str, ...] = ("canary",)
"""The parts ``make test`` recomputes: the canary, the headline at the quick settings (about a
minute): any change of code or data that moves the model's numbers moves it."""
FULL_TEST_PARTS: tuple[str, ...] = ("headline", "scenarios", "identification")
"""The parts the full regeneration check recomputes at the docs' own settings (``make
docs-regen-check``, run by CI after ``make test``; several minutes at 16 moves)."""
MIXTURE_VERSION = 1
"""Recorded in the sidecar's context: a sidecar without it predates the law mixture."""

FULL: dict[str, Any] = {
    "seed": 1,  # the scenario files' [run] seed: `attrition scenario run NAME` uses it
    "law": "auto",
    "particles": 600,
    "moves": 16,  # the scenario command's (bakhmut.scenarios.CALIBRATION_SETTINGS)
    "hindcast_moves": 6,  # the hindcast command's (bakhmut.hindcasts.HINDCAST_SETTINGS)
    "runs": 1000,
    "repeats": 3,  # calibrations per law (attrition.battles.bakhmut.mixture.REPEATS)
    "law_seeds": [0, 1, 2],
    "big_particles": 2000,
    "hindcast_seeds": [0, 1, 2, 3, 4],
    "hindcast_runs": 500,
    "evidence": {"draws": 300, "chains": 2, "seed": 0},
    # the uncertainty decomposition: posterior draws per calibration x replicates of each,
    # casualty-evidence versions (each: every law calibrated once), bootstrap resamples
    "decomposition": {"draws": 200, "replicates": 5, "versions": 5, "boot": 200},
}
QUICK: dict[str, Any] = {
    **FULL,
    "particles": 120,
    "moves": 2,
    "hindcast_moves": 2,
    "runs": 300,
    "repeats": 2,
    "big_particles": 240,
    "hindcast_seeds": [0, 1],
    "hindcast_runs": 100,
    "evidence": {"draws": 100, "chains": 2, "seed": 0},
    "decomposition": {"draws": 40, "replicates": 3, "versions": 2, "boot": 50},
}
CITY_DATES: tuple[str, ...] = ("2023-03-07", "2023-04-17", "2023-05-01", "2023-05-20", "2023-06-30")
HIGHLIGHTS: tuple[str, ...] = (
    "wc_rate",
    "return_share",
    "supply_1",
    "supply_2",
    "supply_3",
    "urban_cost",
    "kappa",
    "gamma",
    "withdraw_rate",
)
SCORE: dict[str, tuple[str, str]] = {  # hindcast target -> (score column shown, what it is)
    "control_events": ("brier", "Brier score"),
    "city_control": ("crps", "CRPS, city share"),
    "city_fall_day": ("crps", "CRPS, days"),
    "casualty_claims": ("log_score", "log score, RU/UA casualty claims"),
}
BOOT = "bootstrap over the ensemble's runs (given the calibration)"
PAIRED = "bootstrap over the paired runs (given the calibrations)"


# ---------------------------------------------------------------------------------------------
# computing


def _quick_evidence(cutoff: dt.date | None) -> Any:
    """Smaller fog-of-war fits for ``--quick`` (module-level: the calibration cache keys on it)."""
    from attrition.battles.bakhmut.evidence import casualty_evidence

    return casualty_evidence(cutoff, **QUICK["evidence"])


def _ev_fn(st: Mapping[str, Any]) -> Callable[[dt.date | None], Any] | None:
    return _quick_evidence if st is QUICK else None


def _cal(st: Mapping[str, Any], seed: int, particles: int | None = None) -> Any:
    from attrition.battles.bakhmut.scenarios import calibration_for

    return calibration_for(
        None,
        law=st["law"],
        seed=seed,
        evidence_fn=_ev_fn(st),
        settings=(particles or st["particles"], st["moves"]),
    )


def _evidence(st: Mapping[str, Any]) -> Any:
    """The casualty evidence on all claims: the CLI's (:func:`default_evidence`, looked up at
    call time so that a test's replacement is used), or the smaller fit of ``--quick``."""
    from attrition.battles.bakhmut import scenarios as bs

    fn = _ev_fn(st)
    return fn(None) if fn is not None else bs.default_evidence(None)


def _q3(
    figs: F.Figures, name: str, x: np.ndarray, se: Callable[[np.ndarray, float], float], how: str
) -> dict[str, float]:
    """Median, q05, q95 of ``x`` with errors from ``se(x, q)``."""
    return {
        key: figs.num(f"{name}.{key}", float(np.quantile(x, q)), se(x, q), how)
        for key, q in (("median", 0.5), ("q05", 0.05), ("q95", 0.95))
    }


def _boot(x: np.ndarray, q: float) -> float:
    return F.bootstrap_se(x, F.quantile_of(q))


def _fall_days(res: Any) -> np.ndarray:
    """Fall day of each run, runs not fallen by the end put beyond every real day."""
    from attrition.battles.bakhmut.axes import DAYS

    return np.where(np.isfinite(res.fall_day), res.fall_day, float(DAYS + 10**6))


def _scenario_figs(figs: F.Figures, name: str, res: Any) -> None:
    """P(fall), fall-date quantiles, casualties and exchange ratio of one ensemble."""
    n = int(res.runs)
    fell = np.isfinite(res.fall_day)
    figs.num(f"{name}.p_fall", float(fell.mean()), F.binomial_se(float(fell.sum()), n), "binomial")
    days = _fall_days(res)
    for key, q in (("median", 0.5), ("q05", 0.05), ("q95", 0.95)):
        v = float(np.quantile(days, q, method="inverted_cdf"))
        se = F.bootstrap_se(days, F.quantile_of(q, "inverted_cdf"))
        figs.num(f"{name}.fall_day.{key}", v, se, BOOT)
    _q3(figs, f"{name}.ru", res.casualties[:, 0], _boot, BOOT)
    _q3(figs, f"{name}.ua", res.casualties[:, 1], _boot, BOOT)
    ratio = res.casualties[:, 0] / np.maximum(res.casualties[:, 1], 1.0)
    _q3(figs, f"{name}.ratio", ratio, _boot, BOOT)


def model_settings(st: Mapping[str, Any]) -> Any:
    """The report's :class:`~attrition.report.model.ModelSettings` for the generator's settings
    ``st`` (particles, moves, runs, calibrations per law; the hindcast sizes as the
    ``hindcast`` part uses them)."""
    from attrition.report.model import ModelSettings

    return ModelSettings(
        hindcast_draws=int(st["evidence"]["draws"]),
        hindcast_chains=int(st["evidence"]["chains"]),
        particles=int(st["particles"]),
        moves=int(st["moves"]),
        runs=int(st["runs"]),
        hindcast_runs=int(st["hindcast_runs"]),
        hindcast_particles=int(st["particles"]),
        repeats=int(st["repeats"]),
        hindcast_moves=int(st["hindcast_moves"]),
    )


_LAW_CALS: dict[tuple[Any, ...], dict[str, list[Any]]] = {}


def law_cals(st: Mapping[str, Any], seed: int) -> dict[str, list[Any]]:
    """Every law calibrated ``st["repeats"]`` times (seeds ``seed ..``) on :func:`_evidence`:
    :func:`attrition.report.model.law_calibrations`, the report's call (cached within the
    process, keyed on the evidence function, the seed and the settings)."""
    from attrition.battles.bakhmut import scenarios as bs
    from attrition.report.model import law_calibrations

    ms = model_settings(st)
    key = (_ev_fn(st) or bs.default_evidence, seed, ms.particles, ms.moves, ms.repeats)
    if key not in _LAW_CALS:
        if len(_LAW_CALS) >= 2:
            _LAW_CALS.clear()
        _LAW_CALS[key] = law_calibrations(_evidence(st), seed, ms)
    return _LAW_CALS[key]


def mixture(st: Mapping[str, Any], name: str) -> Any:
    """Scenario ``name`` as the report runs it: :func:`~attrition.battles.bakhmut.mixture.
    run_mixture` over :func:`law_cals` with ``st``'s runs and seed (= ``attrition scenario run
    NAME --json --seed S --particles P --runs N --repeats R`` when the moves are the CLI's)."""
    from attrition.battles.bakhmut.mixture import run_mixture
    from attrition.battles.bakhmut.scenarios import load_scenario

    ms = model_settings(st)
    seed = int(st["seed"])
    return run_mixture(
        load_scenario(name),
        runs=ms.runs,
        seed=seed,
        calibrations=law_cals(st, seed),
        settings=(ms.particles, ms.moves),
    )


def _weights(st: Mapping[str, Any]) -> Any:
    """The laws' weights of the headline calibrations (:func:`law_weights` on their log
    evidences, as :func:`run_mixture` computes them)."""
    from attrition.battles.bakhmut.mixture import law_weights

    cals = law_cals(st, int(st["seed"]))
    laws = tuple(cals)
    ev = [
        [next(float(r["log_evidence"]) for r in cals[lw][k].laws if r["law"] == lw) for lw in laws]
        for k in range(len(cals[laws[0]]))
    ]
    return law_weights(ev, laws, tuple(c.seed for c in cals[laws[0]]))


def best_law(weights: Any) -> str:
    """The law with the highest weight (ties: the earlier law), the report's choice."""
    w = weights.by_law()
    return str(max(w, key=lambda lw: (w[lw], -list(weights.laws).index(lw))))


def _weight_figs(figs: F.Figures, weights: Any) -> None:
    """Each law's weight and the mean and sd of its log evidence over the repeats."""
    e = np.asarray(weights.log_evidence, dtype=float)
    k = e.shape[0]
    p = np.exp(e - e.max(axis=1, keepdims=True))
    p = p / p.sum(axis=1, keepdims=True)
    how = "sd over the calibration repeats / √repeats"
    for j, lw in enumerate(weights.laws):
        spread = k > 1
        figs.num(
            f"weights.{lw}",
            float(weights.weights[j]),
            float(np.std(p[:, j], ddof=1) / math.sqrt(k)) if spread else 0.0,
            how if spread else "one repeat: equal weights, error not measured",
        )
        sd = float(np.std(e[:, j], ddof=1)) if spread else 0.0
        figs.num(f"logz.{lw}.mean", float(e[:, j].mean()), sd / math.sqrt(k), how)
        if spread:
            figs.num(f"logz.{lw}.sd", sd, sd / math.sqrt(2.0 * (k - 1)), "sd / √(2 (repeats − 1))")
    figs.label("weights.rule", weights.rule)
    figs.context["mixture"] = {
        "version": MIXTURE_VERSION,
        "laws": list(weights.laws),
        "seeds": [int(x) for x in weights.seeds],
    }


def scenario_figures(figs: F.Figures, result: Any) -> None:
    """The figures of one scenario run as a law mixture (:class:`MixtureResult`): the
    mixture's P(fall), fall date, casualties and exchange ratio (``NAME.*``, the numbers of
    ``scenario run --json``), the same per law (``NAME.law.LAW.*``, its ``laws`` entries) and,
    except for the baseline, the paired P(fall) change and every effect of
    :data:`~attrition.battles.bakhmut.mixture.EFFECT_QUANTITIES` for the mixture and each law
    (``NAME.effect.KEY.WHO.{median,q05,q95,p_positive}``, the ``effects`` entry) with the
    sign-depends-on-law flag."""
    from attrition.battles.bakhmut.mixture import EFFECT_QUANTITIES

    name = str(result.name)
    _scenario_figs(figs, name, result.mixture)
    for lw in result.laws:
        _scenario_figs(figs, f"{name}.law.{lw}", result.per_law[lw])
    if name == "baseline":
        return
    n = int(result.runs)
    # paired change of P(fall by the end): the mixture's runs against their own baseline runs
    # (paired_values puts a run not fallen by the end at DAYS + 1)
    from attrition.battles.bakhmut.axes import DAYS

    fell = np.isfinite(result.mixture.fall_day).astype(float)
    base_fell = np.concatenate(
        [result.baseline[lw]["fall_day"][: result.allocation[lw]] <= DAYS for lw in result.laws]
    ).astype(float)
    d_fell = fell - base_fell
    figs.num(
        f"{name}.p_fall_change",
        float(d_fell.mean()),
        float(np.std(d_fell, ddof=1) / math.sqrt(n)) if n > 1 else 0.0,
        "sd of the paired per-run differences / √runs",
    )
    eff = result.effects()
    diffs = {"mixture": result.differences(), **{lw: result.differences(lw) for lw in result.laws}}
    for key, _unit in EFFECT_QUANTITIES:
        e = eff[key]
        for who in ("mixture", *result.laws):
            summ = e["mixture"] if who == "mixture" else e["laws"][who]
            d = np.asarray(diffs[who][key], dtype=float)
            stem = f"{name}.effect.{key}.{who}"
            for k, q in (("median", 0.5), ("q05", 0.05), ("q95", 0.95)):
                figs.num(f"{stem}.{k}", float(summ[k]), _boot(d, q), PAIRED)
            figs.num(
                f"{stem}.p_positive",
                float(summ["p_positive"]),
                F.binomial_se(float(np.sum(d > 0)), len(d)),
                "binomial",
            )
        figs.label(f"{name}.effect.{key}.sign_depends_on_law", bool(e["sign_depends_on_law"]))


def _headline(st: Mapping[str, Any]) -> F.Figures:
    from attrition.battles.bakhmut.axes import START
    from attrition.battles.bakhmut.engine import simulate
    from attrition.battles.bakhmut.likelihood import observation_values
    from attrition.battles.bakhmut.scenarios import fit_to_record, posterior_params

    figs = F.Figures("headline")
    ev = _evidence(st)
    chains = int(st["evidence"]["chains"])
    tot = ev.draws.sum(axis=1)  # (draws, 2)

    def bm(x: np.ndarray, q: float) -> float:
        return F.batch_means_se(x.reshape(chains, -1), F.quantile_of(q))

    how_bm = "batch means over the fog-of-war chains"
    _q3(figs, "evidence.RU", tot[:, 0], bm, how_bm)
    _q3(figs, "evidence.UA", tot[:, 1], bm, how_bm)
    if ev.wagner is not None:
        _q3(figs, "evidence.WAGNER", ev.wagner.sum(axis=1), bm, how_bm)
        _q3(figs, "evidence.wagner_share", ev.wagner.sum(axis=1) / tot[:, 0], bm, how_bm)
    _q3(figs, "evidence.ratio", tot[:, 0] / tot[:, 1], bm, how_bm)
    figs.context["evidence"] = {
        "start": str(ev.dates[0]),
        "end": str(ev.dates[-1]),
        "source": ev.source,
    }

    mix = mixture(st, "baseline")
    _weight_figs(figs, mix.weights)
    from attrition.battles.bakhmut.scenarios import CALIBRATION_SETTINGS

    # the CLI reproduces these figures when it uses the same evidence and moves
    figs.context["mixture"]["cli"] = _ev_fn(st) is None and st["moves"] == CALIBRATION_SETTINGS[1]
    scenario_figures(figs, mix)
    best = best_law(mix.weights)
    figs.label("cal.law", best)
    cal = law_cals(st, int(st["seed"]))[best][0]
    base = mix.per_law[best]
    wag = base.ensemble.losses[:, -1, :2].sum(axis=1) / np.maximum(base.casualties[:, 0], 1.0)
    _q3(figs, "baseline.wagner_share", wag, _boot, BOOT)

    # posterior highlights (bootstrap over the posterior draws)
    table = cal.posterior_table().set_index("parameter")
    post = {}
    for p in HIGHLIGHTS:
        _q3(
            figs,
            f"posterior.{p}",
            np.asarray(cal.draws[p]),
            _boot,
            "bootstrap over the posterior draws (given the SMC particles)",
        )
        post[p] = {
            "prior_median": float(table.loc[p, "prior_median"]),
            "unit": str(table.loc[p, "unit"]),
        }

    # the withdrawal rate doubled in every draw (the highest-weight law)
    params, _ = posterior_params(cal, st["runs"], st["seed"])
    params["withdraw_rate"] = params["withdraw_rate"] * 2.0
    doubled = simulate(cal.model(), params, method="binomial", seed=st["seed"]).fall_day()
    k = float(np.isfinite(doubled).sum())
    figs.num(
        "baseline.p_fall_withdraw_x2", k / st["runs"], F.binomial_se(k, st["runs"]), "binomial"
    )

    # fit to the record (the highest-weight law's baseline, as the report's record section)
    fit = fit_to_record(cal, base)
    rec_params = {kk: np.asarray(v)[base.draw_index] for kk, v in cal.draws.items()}
    model = cal.model()
    for src in ("event", "claim"):
        part = fit[fit["source"] == src]
        k_in = float(part["inside"].sum())
        figs.num(
            f"fit.{src}.inside",
            k_in,
            len(part) * F.binomial_se(k_in, len(part)),
            "binomial (coarse: statements near a band's edge flip)",
        )
        figs.label(f"fit.{src}.n", len(part))
    outside = []
    seen: dict[str, int] = {}
    obs_by_row = list(cal.observations.items)
    for row, o in zip(fit.to_dict("records"), obs_by_row, strict=True):
        interesting = (not row["inside"]) or o.quantity in ("casualties_per_km", "cm_per_casualty")
        if not interesting:
            continue
        seen[o.id] = seen.get(o.id, 0) + 1
        key = o.id if seen[o.id] == 1 else f"{o.id}#{seen[o.id]}"
        m = observation_values(o, base.ensemble, rec_params, model)
        _q3(figs, f"fit.obs.{key}", m, _boot, BOOT)
        outside.append(
            {
                "key": key,
                "id": o.id,
                "source": o.source,
                "date": o.date.isoformat(),
                "quantity": o.quantity,
                "front": "NES"[o.front] if o.front >= 0 else "",
                "kind": o.kind,
                "low": o.low if math.isfinite(o.low) else None,
                "high": o.high if math.isfinite(o.high) else None,
                "label": o.label,
                "inside": bool(row["inside"]),
            }
        )
    city = {}
    for d in CITY_DATES:
        day = (dt.date.fromisoformat(d) - START).days
        _q3(figs, f"city.{d}", base.ensemble.city[:, day], _boot, BOOT)
        city[d] = day
    figs.context["headline"] = {
        "statements": outside,
        "posterior": post,
        "city_dates": list(CITY_DATES),
        "skipped_events": sum(1 for i, _ in cal.observations.skipped if i.startswith("ev")),
    }
    return figs


def _scenarios(st: Mapping[str, Any]) -> F.Figures:
    from attrition.battles.bakhmut.scenarios import library, load_scenario

    figs = F.Figures("scenarios")
    titles = {}
    for name in library():
        titles[name] = load_scenario(name).scenario.title
        if name != "baseline":
            scenario_figures(figs, mixture(st, name))
    figs.context["scenarios"] = titles
    return figs


def _canary(_st: Mapping[str, Any]) -> F.Figures:
    """The ``headline`` part at the :data:`QUICK` settings, its figures prefixed ``canary.``:
    what ``make test`` regenerates (cheap), not shown in the doc."""
    head = _headline(QUICK)
    figs = F.Figures("canary")
    figs.entries = {f"canary.{k}": {**v, "part": "canary"} for k, v in head.entries.items()}
    return figs


def _identification(st: Mapping[str, Any]) -> F.Figures:
    """The identification table of ``tools/docs_figures/identification.py`` (its part
    ``table``, on the headline's seed and settings), stored in this sidecar as the part
    ``identification`` so that one ``--only bakhmut_model`` run fills its blocks."""
    import identification as ID

    table = ID._table(st)
    figs = F.Figures("identification")
    figs.entries = {k: {**v, "part": figs.part} for k, v in table.entries.items()}
    figs.context = dict(table.context)
    return figs


def _laws(st: Mapping[str, Any]) -> F.Figures:
    from attrition.battles.bakhmut.scenarios import load_scenario, run_scenario

    figs = F.Figures("laws")
    rows: dict[str, dict[int, dict[str, float]]] = {"small": {}, "big": {}}
    chosen = {}
    for size, particles in (("small", st["particles"]), ("big", st["big_particles"])):
        for s in st["law_seeds"]:
            cal = _cal(st, s, particles)
            rows[size][s] = {r["law"]: float(r["log_evidence"]) for r in cal.laws}
            if size == "small":
                base = run_scenario(load_scenario("baseline"), cal, runs=st["runs"], seed=s)
                chosen[s] = cal.law
                k = float(np.isfinite(base.fall_day).sum())
                figs.num(
                    f"laws.seed{s}.p_fall", k / st["runs"], F.binomial_se(k, st["runs"]), "binomial"
                )
                figs.label(f"laws.seed{s}.law", cal.law)
        for law in rows[size][st["law_seeds"][0]]:
            vals = [rows[size][s][law] for s in st["law_seeds"]]
            sd = float(np.std(vals, ddof=1))
            for s in st["law_seeds"]:
                figs.num(
                    f"laws.{size}.seed{s}.{law}",
                    rows[size][s][law],
                    sd,
                    "sd of the estimate over the seeds",
                )
    figs.context["laws"] = {"laws": list(rows["small"][st["law_seeds"][0]])}
    return figs


def _ablation(st: Mapping[str, Any]) -> F.Figures:
    from attrition.battles.bakhmut.calibration import calibrate
    from attrition.battles.bakhmut.scenarios import load_scenario, run_scenario
    from attrition.data.claims import load_claims, load_events

    figs = F.Figures("ablation")
    law = best_law(_weights(st))
    claims, events = load_claims("bakhmut"), load_events("bakhmut")
    cal = calibrate(
        _evidence(st),
        claims=claims.iloc[0:0],
        events=events.iloc[0:0],
        law=law,
        seed=st["seed"],
        particles=st["particles"],
        moves=st["moves"],
    )
    res = run_scenario(load_scenario("baseline"), cal, runs=st["runs"], seed=st["seed"])
    figs.label("casualties_only.law", law)
    _q3(figs, "casualties_only.ru", res.casualties[:, 0], _boot, BOOT)
    _q3(figs, "casualties_only.ua", res.casualties[:, 1], _boot, BOOT)
    return figs


def _hindcast(st: Mapping[str, Any]) -> F.Figures:
    """``attrition hindcast --seed S0 --seeds N``: one :func:`hindcast` call over every seed of
    ``st["hindcast_seeds"]`` (consecutive), summarised by :func:`hindcast_summary`."""
    from attrition.battles.bakhmut.hindcasts import HINDCAST_CUTOFFS, hindcast, hindcast_summary

    seeds = [int(x) for x in st["hindcast_seeds"]]
    if len(seeds) < 2 or seeds != list(range(seeds[0], seeds[0] + len(seeds))):
        raise ValueError(f"hindcast_seeds {seeds}: give at least two consecutive seeds")
    t0 = time.perf_counter()
    table = hindcast(
        HINDCAST_CUTOFFS,
        runs=st["hindcast_runs"],
        seed=seeds[0],
        seeds=len(seeds),
        law=st["law"],
        evidence_fn=_ev_fn(st),
        settings=(st["particles"], st["hindcast_moves"]),
    )
    print(f"  hindcast, {len(seeds)} seeds: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return _hindcast_figures(table, hindcast_summary(table), seeds)


def _hindcast_figures(table: Any, summary: Any, seeds: Sequence[int]) -> F.Figures:
    """The hindcast part's figures from a :func:`hindcast` table and its
    :func:`hindcast_summary` (split from :func:`_hindcast` so that it can be tested on a small
    table)."""
    figs = F.Figures("hindcast")
    n_seeds = len(seeds)
    forecasters = [str(f) for f in dict.fromkeys(table["forecaster"])]
    baselines = [f for f in forecasters if f != "model"]
    rows: list[dict[str, Any]] = []
    for (cutoff, target), g in summary.groupby(["cutoff", "target"], sort=False):
        if target not in SCORE:
            continue
        col = SCORE[target][0]
        raw = table[(table["cutoff"] == cutoff) & (table["target"] == target)]
        for who in forecasters:
            sel = g[(g["forecaster"] == who) & (g["score"] == col)]
            if sel.empty:  # no forecast of this target by this forecaster
                continue
            r = sel.iloc[0]
            key = f"hindcast.{cutoff}.{target}.{who}"
            k, sd = int(r["seeds"]), float(r["sd"])
            spread = k > 1 and math.isfinite(sd)
            figs.num(
                f"{key}.mean",
                float(r["mean"]),
                sd / math.sqrt(k) if spread else 0.0,
                "sd / √seeds" if spread else "one seed: Monte Carlo error not estimated",
            )
            if spread:
                figs.num(f"{key}.sd", sd, sd / math.sqrt(2.0 * (k - 1)), "sd / √(2 (seeds − 1))")
            cov = g[(g["forecaster"] == who) & (g["score"] == "coverage_90")]
            if not cov.empty:
                c = cov.iloc[0]
                c_sd = float(c["sd"])
                figs.num(
                    f"{key}.coverage",
                    float(c["mean"]),
                    c_sd / math.sqrt(int(c["seeds"])) if math.isfinite(c_sd) else 0.0,
                    "sd / √seeds",
                )
            if who != "model":
                wins = float(r["model_better"])
                figs.num(
                    f"{key}.model_better",
                    wins,
                    n_seeds * F.binomial_se(wins, n_seeds),
                    "binomial over the seeds",
                )
            mine = raw[raw["forecaster"] == who]
            laws = sorted({str(x) for x in mine["law"] if str(x) and str(x) != "nan"})
            rows.append(
                {
                    "cutoff": str(cutoff),
                    "target": str(target),
                    "forecaster": who,
                    "n": int(mine["n"].max()) if not mine.empty else 0,
                    "seeds": k,
                    "laws": laws,
                }
            )
    figs.context["hindcast"] = {
        "rows": rows,
        "seeds": list(seeds),
        "cutoffs": [str(c) for c in dict.fromkeys(table["cutoff"])],
        "baselines": baselines,
    }
    return figs


def _decomposition(st: Mapping[str, Any]) -> F.Figures:
    """The uncertainty decomposition (see the module docstring's ``decomposition``)."""
    from attrition.battles.bakhmut.calibration import calibrate
    from attrition.battles.bakhmut.decomposition import (
        COMPONENTS,
        TARGETS,
        perturb_evidence,
        run_decomposition,
    )

    ds = st["decomposition"]
    seed = int(st["seed"])
    cals = law_cals(st, seed)
    weights = _weights(st)
    laws = tuple(weights.laws)
    size = {"draws": int(ds["draws"]), "replicates": int(ds["replicates"]), "seed": seed}
    three = run_decomposition({lw: [cals[lw][0]] for lw in laws}, weights.weights, **size)
    ev = _evidence(st)
    versions = [perturb_evidence(ev, seed=seed + k) for k in range(int(ds["versions"]))]
    vcals = {
        lw: [calibrate(v, law=lw, seed=seed, particles=st["particles"], moves=st["moves"])
             for v in versions]
        for lw in laws
    }  # fmt: skip
    four = run_decomposition(vcals, weights.weights, **size)
    figs = F.Figures("decomposition")
    how = "bootstrap over the evidence versions and the posterior draws (given the calibrations)"
    for name, dec in (("report", three), ("full", four)):
        se = dec.share_errors(n_boot=int(ds["boot"]), seed=seed)
        nf = dec.not_fallen
        n = dec.shape[0] * dec.shape[2] * dec.shape[3]
        figs.num(f"decomp.{name}.not_fallen", nf, F.binomial_se(nf * n, n), "binomial")
        for t, _, _ in TARGETS:
            tot = dec.total(t)
            figs.num(f"decomp.{name}.{t}.total_sd", math.sqrt(tot), se[t]["total_sd"], how)
            for c in COMPONENTS:
                sh = dec.share(t, c)
                if sh is not None:
                    figs.num(f"decomp.{name}.{t}.{c}", sh, se[t][c], how)
    figs.context["decomposition"] = {
        "laws": list(laws),
        "weights": [float(x) for x in weights.weights],
        "evidence_sources": [v.source for v in versions],
    }
    return figs


REUSE_ENV = "BAKHMUT_MODEL_REUSE"
"""Environment variable: comma-separated parts copied from the committed sidecar instead of
recomputed, to recompute one slow part alone (e.g. every part but ``hindcast`` reused to
regenerate the hindcasts). A copied part is only as current as the committed sidecar: copy a
part only when neither its code nor its inputs changed since that sidecar was written (the
regeneration test recomputes ``headline`` and ``scenarios`` on the machine that wrote it)."""
PART_CONTEXT: dict[str, tuple[str, ...]] = {
    "headline": ("headline", "mixture", "evidence"),
    "scenarios": ("scenarios",),
    "identification": ("identification",),
    "laws": ("laws",),
    "ablation": ("ablation",),
    "hindcast": ("hindcast",),
    "decomposition": ("decomposition",),
    "canary": (),
}
"""The context entries each part writes (copied with its figures when the part is reused)."""
REUSABLE: tuple[str, ...] = tuple(PART_CONTEXT)


def _reused(part: str) -> F.Figures:
    """A part's figures and context copied from the committed sidecar."""
    return F.reused_part(SIDECAR, part, PART_CONTEXT[part])


def compute(parts: Sequence[str] | None = None, quick: bool = False) -> dict[str, Any]:
    """The sidecar of docs/bakhmut-model.md (``parts``: a subset of :data:`PARTS`; the parts
    named in :data:`REUSE_ENV` are copied from the committed sidecar)."""
    st = QUICK if quick else FULL
    reuse = [] if quick else F.reuse_parts(REUSE_ENV, REUSABLE)
    fns = {
        "headline": _headline,
        "scenarios": _scenarios,
        "laws": _laws,
        "ablation": _ablation,
        "hindcast": _hindcast,
        "identification": _identification,
        "decomposition": _decomposition,
        "canary": _canary,
    }
    done = []
    for p in parts or PARTS:
        if p not in fns:
            raise ValueError(f"part {p!r}: give one of {', '.join(PARTS)}")
        t0 = time.perf_counter()
        done.append(_reused(p) if p in reuse else fns[p](st))
        print(
            f"bakhmut_model: part {p}: {time.perf_counter() - t0:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    return F.build_sidecar(
        doc="docs/bakhmut-model.md",
        generator=GENERATOR,
        parts=done,
        settings=dict(st),
        test_parts=TEST_PARTS,
        inputs=[DATA / f for f in ("claims.csv", "events.csv", "places.csv", "phases.csv")]
        + sorted(LIBRARY.glob("*.toml")),
        quick=quick,
    )


# ---------------------------------------------------------------------------------------------
# rendering


class _View:
    def __init__(self, sc: Mapping[str, Any]) -> None:
        self.fig = sc["figures"]
        self.ctx = sc["context"]
        self.st = sc["settings"]

    def has(self, name: str) -> bool:
        return name in self.fig

    def v(self, name: str) -> Any:
        return self.fig[name]["value"]

    def e(self, name: str) -> float:
        return float(self.fig[name]["mc_error"])

    def q(self, name: str) -> dict[str, float]:
        return {k: float(self.v(f"{name}.{k}")) for k in ("median", "q05", "q95")}


def _day(day: float, end_text: str = "after the window") -> str:
    from attrition.battles.bakhmut.axes import DAYS, date_of

    if day > DAYS:
        return end_text
    d = date_of(day)
    return f"{d.day} {d:%b}"


def _minus(text: str) -> str:
    """Typographic minus signs in a formatted number."""
    return text.replace("-", "−")


def _signed_pct(x: float) -> str:
    r = round(100 * x) + 0
    return f"{'−' if r < 0 else '+'}{abs(r):.0f} %"


def _k(q: Mapping[str, float]) -> str:
    return f"{F.kilo(q['median'])} ({F.kilo(q['q05'])}–{F.kilo(q['q95'])})"


def _pct(v: float) -> str:
    return f"{100 * v:.0f} %" if v < 0.995 else f"{100 * v:.1f} %"


def _p(s: _View, name: str) -> str:
    v = float(s.v(name))
    return f"{v:.2f}" if 0.01 <= v <= 0.99 else f"{v:.3f}"


def _laws_of(s: _View) -> list[str]:
    return [str(x) for x in s.ctx["mixture"]["laws"]]


def _weights_text(s: _View) -> str:
    """``square 0.41 ± 0.12, linear ...`` (weight ± its Monte Carlo error)."""
    return ", ".join(
        f"{lw} {float(s.v(f'weights.{lw}')):.2f} ± {s.e(f'weights.{lw}'):.2f}" for lw in _laws_of(s)
    )


def _settings(s: _View, quick: bool) -> str:
    st = s.st
    seeds = s.ctx["mixture"]["seeds"]
    cli = (
        f"`attrition scenario run NAME --json --seed {st['seed']} --particles {st['particles']} "
        f"--runs {st['runs']} --repeats {st['repeats']}`"
    )
    return (
        "Figures generated by `make docs-figures` (`tools/docs_figures/bakhmut_model.py`; "
        "sidecar `docs/figures/bakhmut_model.json` with every figure's Monte Carlo error, the "
        "seeds, settings, versions and input SHA-256s). Every scenario is answered as a **law "
        "mixture**, by the calls of the report's model stage (`law_calibrations`, then "
        "`run_mixture` for each scenario): every law calibrated on all evidence "
        f"{st['repeats']} times (seeds {seeds[0]}–{seeds[-1]}, {st['particles']} particles × "
        f"{st['moves']} moves), weighted by the average over those repeats of the posterior law "
        f"probabilities ({s.v('weights.rule')}: {_weights_text(s)}), then {st['runs']:,} runs "
        f"with seed {st['seed']} under each law, shared out to the mixture by weight. "
        + (
            f"These are the numbers {cli} prints (the mixture, its `laws` and its `effects`)."
            if s.ctx["mixture"].get("cli")
            else f"(Other evidence or moves per stage than the CLI's: {cli} differs.)"
        )
        + " Ensemble figures carry the ensemble's sampling error given the calibrations; other "
        "calibration seeds move them more (see the law comparison)."
        + (" **Quick settings: not the published figures.**" if quick else "")
    )


def _evidence_block(s: _View) -> str:
    e = s.ctx["evidence"]
    text = (
        "Casualty evidence used (the fused estimate of the default fusion, `fuse_claims`: the "
        f"joint model; {s.st['evidence']['chains']} chains × "
        f"{s.st['evidence']['draws']} draws): Russia {_k(s.q('evidence.RU'))}, Ukraine "
        f"{_k(s.q('evidence.UA'))}"
    )
    if s.has("evidence.WAGNER.median"):
        text += f", Wagner {_k(s.q('evidence.WAGNER'))}"
    r = s.q("evidence.ratio")
    return (
        text + f", exchange ratio {r['median']:.2f} ({r['q05']:.2f}–{r['q95']:.2f}), over "
        f"{_date_long(e['start'])} – {_date_long(e['end'])}."
    )


def _date_long(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {d:%b %Y}"


def _laws_block(s: _View) -> str:
    if not s.has(f"laws.seed{s.st['law_seeds'][0]}.law"):
        return "(law comparison not computed in this run)"
    laws = s.ctx["laws"]["laws"]
    seeds = s.st["law_seeds"]
    names = {"square": "square", "linear": "linear", "logarithmic": "logarithmic"}

    def table(size: str, with_p: bool, particles: int) -> list[str]:
        head = f"| seed ({particles:,} particles) | " + " | ".join(names[x] for x in laws)
        head += " | chosen law: P(fall by 30 Jun) |" if with_p else " |"
        sep = "|---|" + "---:|" * len(laws) + ("---|" if with_p else "")
        out = [head, sep]
        for sd in seeds:
            vals = {x: float(s.v(f"laws.{size}.seed{sd}.{x}")) for x in laws}
            best = max(vals, key=lambda x: vals[x])
            cells = [_minus(f"**{vals[x]:.1f}**" if x == best else f"{vals[x]:.1f}") for x in laws]
            row = f"| {sd} | " + " | ".join(cells) + " |"
            if with_p:
                row += f" {s.v(f'laws.seed{sd}.law')}: {_p(s, f'laws.seed{sd}.p_fall')} |"
            out.append(row)
        return out

    def spreads(size: str) -> tuple[float, float, str]:
        seed_spread = max(
            max(float(s.v(f"laws.{size}.seed{sd}.{x}")) for sd in seeds)
            - min(float(s.v(f"laws.{size}.seed{sd}.{x}")) for sd in seeds)
            for x in laws
        )
        gaps = []
        for sd in seeds:
            vals = sorted((float(s.v(f"laws.{size}.seed{sd}.{x}")) for x in laws), reverse=True)
            gaps.append(vals[0] - vals[1])
        leaders = {max(laws, key=lambda x: float(s.v(f"laws.{size}.seed{sd}.{x}"))) for sd in seeds}
        return seed_spread, max(gaps), ", ".join(sorted(leaders))

    sp, gap, leaders = spreads("small")
    bsp, bgap, bleaders = spreads("big")

    def sds(size: str) -> dict[str, float]:
        """Each law's sd over the seeds (ddof 1): one calibration's Monte Carlo error."""
        return {
            x: float(np.std([float(s.v(f"laws.{size}.seed{sd}.{x}")) for sd in seeds], ddof=1))
            for x in laws
        }

    small_sd, big_sd = sds("small"), sds("big")
    mean_err = max(small_sd.values()) / math.sqrt(int(s.st["repeats"]))
    mc_text = (
        f"Monte Carlo error of one calibration's log evidence (sd over the {len(seeds)} seeds): "
        + ", ".join(f"{x} {small_sd[x]:.2f}" for x in laws)
        + f" nat at {s.st['particles']} particles; "
        + ", ".join(f"{x} {big_sd[x]:.2f}" for x in laws)
        + f" at {s.st['big_particles']:,}. The weights rest on {s.st['repeats']} calibrations "
        f"per law at {s.st['particles']} particles, so on log evidences with an error of about "
        f"{mean_err:.2f} nat at most (largest sd / √{s.st['repeats']}; an sd from "
        f"{len(seeds)} seeds is itself uncertain by a factor of about 2): the issue's 0.5 nat "
        + ("is met." if mean_err < 0.5 else "is **not** met.")
        + " "
    )
    ps = [float(s.v(f"laws.seed{sd}.p_fall")) for sd in seeds]
    decided = len(bleaders.split(", ")) == 1 and bgap > bsp
    lines = [
        (
            "**Which law fits best is not decided by this evidence.**"
            if not decided
            else f"**The {bleaders} law fits best in every seed at {s.st['big_particles']:,} "
            "particles, by more than the seeds' spread.**"
        )
        + " Log marginal likelihoods (SMC estimates; same evidence, seeds as shown; "
        "`attrition scenario run baseline --seed S` calibrates with seed S):",
        "",
        *table("small", True, s.st["particles"]),
        "",
        f"At {s.st['particles']} particles the same law's estimate moves by up to {sp:.1f} nats "
        f"between seeds, against at most {gap:.1f} nats between the best two laws of a seed "
        f"(leading law by seed: {leaders}). With {s.st['big_particles']:,} particles:",
        "",
        *table("big", False, s.st["big_particles"]),
        "",
        f"Here the seeds move a law's estimate by up to {bsp:.1f} nats and the best two laws of "
        f"a seed are at most {bgap:.1f} nats apart (leading: {bleaders}). "
        + mc_text
        + (
            "The law choice of a single calibration is therefore reported but should not be "
            "read as a finding; more discriminating evidence, not more particles, is what a "
            "firmer answer needs. "
            if not decided
            else ""
        )
        + "A single calibration's choice of law moves the probability that the city falls by "
        f"30 June ({min(ps):.2f}–{max(ps):.2f} over the seeds above). The CLI, the report and "
        "this page therefore pick no law: they answer with the law mixture (weights averaged "
        f"over {s.st['repeats']} calibrations per law: {_weights_text(s)}) and show each law "
        "beside it.",
    ]
    return "\n".join(lines)


def _posterior_block(s: _View) -> str:
    post = s.ctx["headline"]["posterior"]

    def q(p: str, fmt: str) -> str:
        v = s.q(f"posterior.{p}")
        return f"{fmt.format(v['median'])} ({fmt.format(v['q05'])}–{fmt.format(v['q95'])})"

    w = s.q("posterior.withdraw_rate")
    prior_w = post["withdraw_rate"]["prior_median"]
    moved = not (w["q05"] <= prior_w <= w["q95"]) or abs(w["median"] / prior_w - 1) > 0.5
    best = str(s.v("cal.law"))
    p2 = _p(s, "baseline.p_fall_withdraw_x2")
    p1 = _p(s, f"baseline.law.{best}.p_fall")
    return (
        f"Posterior highlights ({best} law, the highest weight; calibration seed "
        f"{s.st['seed']}; median and 90 %): "
        f"convict recruitment {q('wc_rate', '{:.0f}')}/day against a prior median of "
        f"{post['wc_rate']['prior_median']:.0f}; {q('return_share', '{:.2f}')} of non-convict "
        f"casualties return to duty (prior {post['return_share']['prior_median']:.2f}); "
        f"Wagner's ammunition share {q('supply_1', '{:.2f}')} in 2022, "
        f"{q('supply_2', '{:.2f}')} from January to 7 May 2023 and {q('supply_3', '{:.2f}')} "
        f"after; urban cost ×{q('urban_cost', '{:.1f}')}; κ = {q('kappa', '{:,.0f}')} Russian "
        f"casualties per km at parity; γ = {q('gamma', '{:.2f}')}. The withdrawal rate, "
        f"{q('withdraw_rate', '{:.3f}')} km/day (prior median {prior_w:.2f}), "
        + (
            "has moved from its prior. "
            if moved
            else "has barely moved from its prior: **the evidence does not pin down how much "
            "ground Ukraine gave up rather than sold**. "
        )
        + f"Doubling every draw's withdrawal rate ({best} law, the same runs), the city falls by "
        f"30 June in {p2} of runs instead of {p1}."
    )


def _fit_block(s: _View) -> str:
    h = s.ctx["headline"]
    st = s.st
    ev_in, ev_n = float(s.v("fit.event.inside")), int(s.v("fit.event.n"))
    cl_in, cl_n = float(s.v("fit.claim.inside")), int(s.v("fit.claim.n"))
    city = []
    for d in h["city_dates"]:
        q = s.q(f"city.{d}")
        city.append(
            f"{_pct(q['median'])} ({_pct(q['q05'])}–{_pct(q['q95'])}) on "
            f"{_date_long(d).rsplit(' ', 1)[0]}"
        )
    fall = s.q("baseline.fall_day")
    from attrition.battles.bakhmut.axes import START

    rec = (dt.date(2023, 5, 20) - START).days
    inside_fall = fall["q05"] <= rec <= fall["q95"]
    late = fall["median"] - rec
    ev = {k: s.q(f"evidence.{k}") for k in ("RU", "UA", "ratio")}
    best = str(s.v("cal.law"))
    per_law = "; ".join(
        f"{lw} {_day(s.q(f'baseline.law.{lw}.fall_day')['median'])}, P "
        f"{_p(s, f'baseline.law.{lw}.p_fall')}, Russia {_k(s.q(f'baseline.law.{lw}.ru'))}, "
        f"Ukraine {_k(s.q(f'baseline.law.{lw}.ua'))}"
        for lw in _laws_of(s)
    )
    lines = [
        f"Baseline: the law mixture of {st['runs']:,} runs (posterior × binomial attrition, seed "
        f"{st['seed']}; weights {_weights_text(s)}). The fit to the record (control events, "
        f"claims, city control) is shown for the law with the highest weight, **{best}**, as "
        "the report shows it; fall date and casualties for the mixture, each law beside it.",
        "",
        f"* **Control events: {ev_in:.0f} of {ev_n} statements inside the 90 % bands. Claims: "
        f"{cl_in:.0f} of {cl_n}.** The statements outside are listed below.",
        "* City control (model median and 90 %): " + "; ".join(city) + ". (The 7 March "
        'withdrawal to the river moves the line to 50 %; Prigozhin claimed "more than 80 %" '
        "on 17 April, ISW measured 95.5 % on 1 May.)",
        f"* **The city's fall** (≥ 97 % Russian-held): median {_day(fall['median'])}, "
        f"90 % from {_day(fall['q05'])} to {_day(fall['q95'])}; by 30 June in "
        f"{_p(s, 'baseline.p_fall')} of runs (± {s.e('baseline.p_fall'):.2f}). The record's "
        f"date, 20 May, lies {'inside' if inside_fall else 'outside'} the band; the median is "
        + (
            f"{abs(late):.0f} days {'late' if late > 0 else 'early'}."
            if fall["median"] <= 333
            else "after the window."
        )
        + f" Per law (median fall date, P(fall by 30 June), casualties): {per_law}.",
        f"* Casualties: the model reaches **Russia {_k(s.q('baseline.ru'))}, Ukraine "
        f"{_k(s.q('baseline.ua'))}**, exchange ratio {s.q('baseline.ratio')['median']:.2f} "
        f"({s.q('baseline.ratio')['q05']:.2f}–{s.q('baseline.ratio')['q95']:.2f}), against "
        f"the fused {_k(ev['RU'])}, {_k(ev['UA'])} and {ev['ratio']['median']:.2f}.",
    ]
    if s.has("casualties_only.ru.median"):
        co_ru, co_ua = s.q("casualties_only.ru"), s.q("casualties_only.ua")
        low = s.q("baseline.ru")["q95"] < ev["RU"]["median"]
        co_low = co_ru["q95"] < ev["RU"]["median"]
        lines.append(
            "  Calibrated on the casualty evidence *alone* (no events, no claims; law "
            f"{s.v('casualties_only.law') if s.has('casualties_only.law') else best}, same "
            f"seed), the model reaches {_k(co_ru)} Russian and {_k(co_ua)} Ukrainian "
            "casualties"
            + (
                ": **even without the territorial evidence the model's Russian total stays "
                "below the fused estimate** (its 95th percentile under the fused median)."
                if low and co_low
                else "."
            )
        )
    if s.has("evidence.wagner_share.median"):
        lines.append(
            f"  The estimate has Wagner at {_pct(s.q('evidence.wagner_share')['median'])} of "
            f"Russia's casualties, the model's force mix ({best} law) at "
            f"{_pct(s.q('baseline.wagner_share')['median'])}. Read the model's casualty "
            "figures as model statements under its force mix, and the fused estimate "
            "(`attrition estimate`) as the evidence."
        )
    rate = [r for r in h["statements"] if r["quantity"] in ("casualties_per_km", "cm_per_casualty")]
    for r in rate:
        q = s.q(f"fit.obs.{r['key']}")
        unit = "cm" if r["quantity"] == "cm_per_casualty" else "casualties per km"
        fmt: Callable[[float], str] = _whole if unit == "cm" else _three
        lines.append(
            f"* {r['id']} ({_date_long(r['date'])}), {r['label']}: model {fmt(q['median'])} "
            f"({fmt(q['q05'])}–{fmt(q['q95'])}) {unit}: "
            f"**{'inside' if r['inside'] else 'outside'}**."
        )
    return "\n".join(lines)


def _whole(v: float) -> str:
    return f"{v:.0f}"


def _three(v: float) -> str:
    return f"{F.sig(v, 3):,.0f}"


def _outside_block(s: _View) -> str:
    rows = [r for r in s.ctx["headline"]["statements"] if not r["inside"]]
    lines = [
        "| id | date | statement | asserted | model 90 % |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        q = s.q(f"fit.obs.{r['key']}")
        city = r["quantity"] == "city"
        unit = " km" if r["quantity"] == "front" else ""

        def f(v: float | None, city: bool = city, unit: str = unit) -> str:
            if v is None:
                return ""
            if city:
                return _pct(v)
            return f"{v:.1f}{unit}" if abs(v) < 100 else f"{F.sig(v, 3):,.0f}"

        lo, hi = r["low"], r["high"]
        if r["kind"] in ("value", "contested"):
            asserted = f"≈ {f(lo)}"
        elif r["kind"] == "at_most":
            asserted = f"≤ {f(hi)}"
        elif r["kind"] == "at_least":
            asserted = f"≥ {f(lo)}"
        else:
            asserted = f"{f(lo)} – {f(hi)}"
        front = f" ({r['front']} front)" if r["front"] else ""
        lines.append(
            f"| {r['id']} | {_date_long(r['date'])} | {r['label']}{front} | {asserted} | "
            f"{f(q['q05'])} – {f(q['q95'])} |"
        )
    if not rows:
        lines.append("| – | | every statement is inside its band | | |")
    return "\n".join(lines)


def _hindcast_block(s: _View, quick: bool) -> str:
    """The hindcast table (score shown per target, mean ± sd over the seeds, per baseline the
    seeds in which the model wins) and its reading per cutoff, decided from the seed counts."""
    if "hindcast" not in s.ctx:
        return "(hindcast not computed in this run)"
    h = s.ctx["hindcast"]
    if "baselines" not in h:  # a sidecar written before the baselines (a naive forecast only)
        return "(hindcast figures of an older generator: run `make docs-figures`)"
    seeds, baselines = h["seeds"], h["baselines"]
    n = len(seeds)
    st = s.st
    shown = [t for t in SCORE if any(r["target"] == t for r in h["rows"])]
    lines = [
        f"`attrition hindcast --seed {seeds[0]} --seeds {n} --runs {st['hindcast_runs']} --json` "
        f"(one call of `hindcast` over seeds {seeds[0]}–{seeds[-1]}, summarised by "
        f"`hindcast_summary`; cutoffs {', '.join(h['cutoffs'])}; law `{st['law']}` chosen at "
        f"each cutoff, {st['particles']} particles × {st['hindcast_moves']} moves; regenerated by "
        "`make docs-figures`). Forecasters: the model and the baselines "
        + ", ".join(f"`{b}`" for b in baselines)
        + ". Targets are what was published after each cutoff about days after it; the "
        "casualty target is the claims themselves (log score under claim noise), not a fused "
        "estimate. Shown: "
        + "; ".join(f"{t} ({SCORE[t][1]})" for t in shown)
        + ". Score: mean ± sd over the seeds; lower is better. *Model better in*: the seeds "
        "in which the model's score is lower than that baseline's (a tie counts against the "
        "model)." + (" **Quick settings: not the published figures.**" if quick else ""),
        "",
        "| cutoff | target | score | forecaster | n | mean ± sd | 90 % coverage (mean) "
        "| model better in | law(s) |",
        "|---|---|---|---|---:|---:|---:|---:|---|",
    ]

    def num(v: float, target: str) -> str:
        return f"{v:.1f}" if target == "city_fall_day" else f"{v:.3f}"

    for r in h["rows"]:
        t, who = r["target"], r["forecaster"]
        key = f"hindcast.{r['cutoff']}.{t}.{who}"
        mean = num(float(s.v(key + ".mean")), t)
        sd = f" ± {num(float(s.v(key + '.sd')), t)}" if s.has(key + ".sd") else ""
        cov = f"{float(s.v(key + '.coverage')):.2f}" if s.has(key + ".coverage") else "–"
        better = (
            f"{float(s.v(key + '.model_better')):.0f} of {n}"
            if s.has(key + ".model_better")
            else ""
        )
        lines.append(
            f"| {r['cutoff']} | {t} | {SCORE[t][1]} | {who} | {r['n']} | {_minus(mean + sd)} | "
            f"{cov} | {better} | {', '.join(r['laws'])} |"
        )
    lines += [
        "",
        "Reading per cutoff (generated from the seed counts: the model wins or loses against a "
        f"baseline only where all {n} seeds agree):",
        "",
    ]
    tally = {"won": 0, "lost": 0, "mixed": 0}
    for cutoff in h["cutoffs"]:
        won, lost, mixed = [], [], []
        for t in shown:
            pairs = [
                (
                    r["forecaster"],
                    float(s.v(f"hindcast.{cutoff}.{t}.{r['forecaster']}.model_better")),
                )
                for r in h["rows"]
                if r["cutoff"] == cutoff
                and r["target"] == t
                and r["forecaster"] != "model"
                and s.has(f"hindcast.{cutoff}.{t}.{r['forecaster']}.model_better")
            ]
            if not pairs:
                continue
            lose = [b for b, w in pairs if w == 0]
            win = [b for b, w in pairs if w == n]
            mix = [f"{b} ({w:.0f} of {n})" for b, w in pairs if 0 < w < n]
            tally["won"] += len(win)
            tally["lost"] += len(lose)
            tally["mixed"] += len(mix)
            if len(win) == len(pairs):
                won.append(f"{t} (all baselines)")
            elif win:
                won.append(f"{t} (against {', '.join(win)})")
            if lose:
                lost.append(f"{t} (to {', '.join(lose)})")
            if mix:
                mixed.append(f"{t}: {', '.join(mix)}")
        if not (won or lost or mixed):
            continue
        parts = [
            "**the model loses in every seed** on " + "; ".join(lost)
            if lost
            else "the model loses to no baseline in every seed",
            "it wins in every seed on " + "; ".join(won)
            if won
            else "it wins nowhere in every seed",
        ]
        if mixed:
            parts.append("the seeds disagree on " + "; ".join(mixed))
        lines.append(f"* {_date_long(cutoff)}: " + "; ".join(parts) + ".")
    total = sum(tally.values())
    lines += [
        "",
        f"Over all {total} comparisons (cutoff × target × baseline) the model beats the baseline "
        f"in every seed in {tally['won']}, loses in every seed in {tally['lost']}, and the seeds "
        f"disagree in {tally['mixed']}."
        + (
            " **The model does not beat the baselines overall: it loses more comparisons than it "
            "wins.**"
            if tally["lost"] > tally["won"]
            else ""
        )
        + " A comparison counts once whatever its size: the statements scored per cutoff are "
        + ", ".join(
            f"{t} {min(sizes)}–{max(sizes)}" if min(sizes) != max(sizes) else f"{t} {sizes[0]}"
            for t in shown
            if (sizes := [int(r["n"]) for r in h["rows"] if r["target"] == t and r["n"]])
        )
        + ". The seeds vary only the Monte Carlo noise of one model on one record, so every seed "
        "agreeing shows a stable score, not skill beyond this battle; and every cutoff is in "
        "sample for the parts of the model built after seeing the record (the table above, "
        "*What the model was built after seeing*).",
    ]
    return "\n".join(lines)


BY_CONSTRUCTION = frozenset({"earlier-withdrawal"})
"""Scenarios whose city falls on a set date (their P(fall) says nothing about the model)."""

SCENARIO_NOTES: dict[str, tuple[int, str]] = {
    # name -> (direction of P(fall) the explanation needs: +1 up, -1 down, 0 any; text)
    "earlier-withdrawal": (
        0,
        "The city falls by construction (the whole city is given up on 7 March). From then on "
        "the fighting leaves the town (the urban tempo ends, for both sides, and so does the "
        "defenders' urban protection), the encirclement pressure ends (no reinforcement and no "
        "extra losses under it), and the city's garrison leaves the battle once the Russian "
        "line passes the city's western edge (`city_garrison`, a third of Ukraine's committed "
        "strength: Kofman's argument that the brigades would be freed; a fixed assumption the "
        "record cannot test).",
    ),
    "wagner-ammunition": (
        +1,
        'The strength of this effect rests on Prigozhin\'s partisan "10%" and the assumed '
        "artillery share.",
    ),
    "no-convict-recruitment": (
        -1,
        "Without recruitment after September the Russian force lacks the assault infantry.",
    ),
    "soledar-holds": (
        -1,
        "Holding the northern arm at Soledar keeps the encirclement pressure off.",
    ),
    "no-may-counterattacks": (
        +1,
        "In the model the flank attacks push the flanks back, which lowers the encirclement "
        "pressure and so slows the withdrawals in the city.",
    ),
}


def _note(name: str, d: float, de: float) -> str:
    """The scenario's explanation where its P(fall) difference supports it (> 2 errors in the
    direction it explains), else a sentence saying there is no supported effect."""
    direction, text = SCENARIO_NOTES.get(name, (0, ""))
    if direction == 0 or (abs(d) > 2 * de and math.copysign(1, d) == direction):
        return text
    if abs(d) <= 2 * de:
        return "The change of P(fall) is within two Monte Carlo errors: no effect is claimed."
    return ""


def _scenarios_block(s: _View, quick: bool) -> str:
    titles = s.ctx.get("scenarios", {})
    st = s.st
    laws = _laws_of(s)
    lines = [
        f"`attrition scenario run NAME --json` for every packaged scenario: the law mixture of "
        f"{st['runs']:,} runs (seed {st['seed']}) and each law's {st['runs']:,} runs beside it, "
        "on the calibrations of section 6 (all evidence)."
        + (" **Quick settings: not the published figures.**" if quick else ""),
        "",
        "| scenario | law (weight) | city falls (median; 90 %) | P(fall by 30 Jun) | RU "
        "casualties | UA casualties | RU/UA |",
        "|---|---|---|---:|---|---|---:|",
    ]
    for name in ["baseline", *[n for n in titles if n != "baseline"]]:
        if not s.has(f"{name}.p_fall"):
            continue
        for who in ("mixture", *laws):
            stem = name if who == "mixture" else f"{name}.law.{who}"
            f = s.q(f"{stem}.fall_day")
            when = (
                f"{_day(f['median'])}; {_day(f['q05'])} – {_day(f['q95'], 'after')}"
                if f["q05"] <= 333
                else "after the window"
            )
            label = (
                "**mixture**" if who == "mixture" else f"{who} ({float(s.v(f'weights.{who}')):.2f})"
            )
            lines.append(
                f"| {name if who == 'mixture' else ''} | {label} | {when} | "
                f"{_p(s, f'{stem}.p_fall')} | {_k(s.q(f'{stem}.ru'))} | "
                f"{_k(s.q(f'{stem}.ua'))} | {s.q(f'{stem}.ratio')['median']:.2f} |"
            )
    return "\n".join(lines)


#: The effects the reading shows: (key of EFFECT_QUANTITIES, how it is named, unit suffix).
SHOWN_EFFECTS: tuple[tuple[str, str, str], ...] = (
    ("fall_day", "fall date (days later)", ""),
    ("ru_casualties_pct", "RU casualties", " %"),
    ("ua_casualties_pct", "UA casualties", " %"),
)


def _effect_cell(s: _View, stem: str, unit: str) -> str:
    q = s.q(stem)

    def f(v: float) -> str:
        return _minus(f"{v:+.0f}{unit}") if round(v) != 0 else f"0{unit}"

    return (
        f"{f(q['median'])} ({f(q['q05'])} – {f(q['q95'])}); P(> 0) "
        f"{float(s.v(stem + '.p_positive')):.2f}"
    )


def _scenario_reading(s: _View) -> str:
    titles = s.ctx.get("scenarios", {})
    laws = _laws_of(s)
    names = [n for n in titles if n != "baseline" and s.has(f"{n}.p_fall_change")]
    out = [
        "Effects against the baseline (model statements under its assumptions, with the misfits "
        "above): paired runs, the same calibrations, posterior draws and random streams run by "
        "run, so each run's effect is scenario − baseline. Shown: the median and 90 % interval "
        "of the per-run effect and P(effect > 0), for the mixture and for each law. "
        "*Sign depends on the law*: two laws' medians lie beyond 1 % of the baseline (1 point "
        "for the % changes) on opposite sides of 0, or P(effect > 0) is above 0.9 under one law "
        "and below 0.1 under another (the rule of `run_mixture`). A run not fallen by 30 June "
        "counts as falling on 1 July.",
        "",
        "| scenario | effect | mixture | " + " | ".join(laws) + " | sign depends on law |",
        "|---|---|---|" + "---|" * len(laws) + "---|",
    ]
    for name in names:
        for key, label, unit in SHOWN_EFFECTS:
            stem = f"{name}.effect.{key}"
            cells = [_effect_cell(s, f"{stem}.{who}", unit) for who in ("mixture", *laws)]
            dep = bool(s.v(f"{stem}.sign_depends_on_law"))
            out.append(
                f"| {name if key == SHOWN_EFFECTS[0][0] else ''} | {label} | "
                + " | ".join(cells)
                + f" | {'**yes**' if dep else 'no'} |"
            )
    out += ["", "Reading (mixture; P(fall) change ± one Monte Carlo error of the paired runs):", ""]
    diffs = {}
    for name in names:
        d, de = float(s.v(f"{name}.p_fall_change")), s.e(f"{name}.p_fall_change")
        diffs[name] = d
        ru = s.q(f"{name}.effect.ru_casualties_pct.mixture")["median"]
        ua = s.q(f"{name}.effect.ua_casualties_pct.mixture")["median"]
        flagged = [
            label
            for key, label, _ in SHOWN_EFFECTS
            if bool(s.v(f"{name}.effect.{key}.sign_depends_on_law"))
        ]
        bullet = (
            f"* **{titles[name]}**: the city falls by 30 June in {_p(s, f'{name}.p_fall')} of "
            f"runs against {_p(s, 'baseline.p_fall')} ({_minus(f'{d:+.2f}')} ± {de:.2f}, "
            f"paired); median change of Ukrainian casualties {_signed_pct(ua / 100)}, Russian "
            f"{_signed_pct(ru / 100)}. "
            + (f"**The sign depends on the law** for: {', '.join(flagged)}. " if flagged else "")
            + _note(name, d, de)
        )
        out.append(bullet.rstrip())
    free = {n: d for n, d in diffs.items() if n not in BY_CONSTRUCTION}
    if free:
        big = max(free, key=lambda n: abs(free[n]))
        out += [
            "",
            "The largest change of P(fall by 30 June) among the scenarios whose fall is not set "
            f"by construction: {titles[big]} ({_minus(f'{free[big]:+.2f}')}).",
        ]
    return "\n".join(out).rstrip()


REGENERATE = "python tools/docs_figures/run.py --only bakhmut_model"


def _decomposition_block(s: _View, quick: bool) -> str:
    """The uncertainty decomposition: one row per part, the shares of the fall day's and each
    side's (log) casualties' variance, on the evidence versions (all four parts) and on the
    headline calibrations alone (three parts, as the report shows them)."""
    if "decomposition" not in s.ctx or not s.has("decomp.full.fall_day.law"):
        return "(decomposition not computed in this run)"
    from attrition.battles.bakhmut.decomposition import COMPONENT_TEXT, COMPONENTS, TARGETS

    ds = s.st["decomposition"]
    ctx = s.ctx["decomposition"]
    heads = {"fall_day": "fall day", "log_ru_casualties": "RU casualties (log)",
             "log_ua_casualties": "UA casualties (log)"}  # fmt: skip

    def cell(name: str) -> str:
        if not s.has(name):
            return "–"
        return f"{100 * s.v(name):.0f}% ± {100 * s.e(name):.0f}"

    lines = [
        f"Baseline, {ds['draws']} posterior draws per calibration × {ds['replicates']} "
        f"binomial runs each (seed {s.st['seed']}); law weights "
        + ", ".join(f"{lw} {w:.2f}" for lw, w in zip(ctx["laws"], ctx["weights"], strict=True))
        + f" (the headline's). *Four parts*: {ds['versions']} versions of the casualty "
        f"evidence, every law calibrated on each ({s.st['particles']} particles × "
        f"{s.st['moves']} moves, seed {s.st['seed']}). *Three parts*: the headline "
        "calibrations (repeat 0), as the report shows them. Share of the variance ± its "
        "bootstrap error (over the versions and the draws); a city not fallen by 30 Jun 2023 "
        f"counts as 1 Jul 2023 ({100 * s.v('decomp.full.not_fallen'):.0f}% of the four-part "
        f"runs, {100 * s.v('decomp.report.not_fallen'):.0f}% of the three-part runs). (4): "
        "four parts, (3): three parts."
        + (" **Quick settings: not the published figures.**" if quick else ""),
        "",
        "| source of uncertainty | "
        + " | ".join(f"{heads[t]} (4) | {heads[t]} (3)" for t, _, _ in TARGETS)
        + " |",
        "|---|" + "---:|---:|" * len(TARGETS),
    ]
    for c in COMPONENTS:
        row = [cell(f"decomp.{n}.{t}.{c}") for t, _, _ in TARGETS for n in ("full", "report")]
        lines.append(f"| {COMPONENT_TEXT[c]} ({c}) | " + " | ".join(row) + " |")

    def sd(name: str, t: str) -> str:
        v = float(s.v(f"decomp.{name}.{t}.total_sd"))
        return f"{v:.0f} days" if t == "fall_day" else f"{v:.2f}"

    lines.append(
        "| total sd | "
        + " | ".join(sd(n, t) for t, _, _ in TARGETS for n in ("full", "report"))
        + " |"
    )
    return "\n".join(lines)


def blocks(sc: Mapping[str, Any]) -> dict[str, str]:
    """The generated blocks of docs/bakhmut-model.md from a sidecar (this generator's; the
    identification blocks: :func:`render`).

    Raises:
        ValueError: a sidecar written before the law mixture (its figures are a single law's):
            regenerate it.
    """
    if sc["context"].get("mixture", {}).get("version") != MIXTURE_VERSION:
        raise ValueError(
            "docs/figures/bakhmut_model.json predates the law mixture (no mixture figures): "
            f"regenerate it with `{REGENERATE}`"
        )
    s = _View(sc)
    quick = bool(sc["quick"])
    return {
        "bm-settings": _settings(s, quick),
        "bm-evidence": _evidence_block(s),
        "bm-laws": _laws_block(s),
        "bm-posterior": _posterior_block(s),
        "bm-fit": _fit_block(s),
        "bm-outside": _outside_block(s),
        "bm-hindcast": _hindcast_block(s, quick),
        "bm-scenarios": _scenarios_block(s, quick),
        "bm-scenario-reading": _scenario_reading(s),
        "bm-decomposition": _decomposition_block(s, quick),
    }


def render(text: str, sidecar: Mapping[str, Any]) -> str:
    """docs/bakhmut-model.md with its generated blocks rewritten from ``sidecar``, the
    identification blocks (where the doc has their markers) by
    ``tools/docs_figures/identification.py`` from the same sidecar's ``identification`` part;
    a sidecar without that part leaves their current text."""
    import identification as ID

    out = blocks(sidecar)
    present = [n for n in ID.BLOCKS if n in F.block_names(text)]
    if present:
        own = "ident.law" in sidecar["figures"]
        ident = ID.blocks(sidecar) if own else ID.own_blocks(text)
        out.update({n: ident[n] for n in present})
    return F.replace_blocks(text, out, "docs/bakhmut-model.md")


if __name__ == "__main__":
    import run

    sys.exit(run.main(["--only", "bakhmut_model", *sys.argv[1:]]))
