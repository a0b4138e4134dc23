"""Seeded regression baselines: one registry shared by the tests and tools/update_baselines.py.

A baseline pins a few summary numbers of a seeded computation that has no closed-form oracle
(a NUTS fit, a stochastic ensemble, a Sobol estimate, a nonlinear fit), so that a change in
the numbers cannot pass unnoticed. Each :class:`Baseline` is split in two: ``make()`` runs the
seeded computation and ``summarise(result)`` reduces it to a flat ``{name: number}`` dict. A
test calls ``make()`` once (usually in a fixture, so its other assertions reuse the result),
then :func:`check` compares ``summarise(result)`` with ``tests/baselines/<area>.json``.
``tools/update_baselines.py`` calls ``produce()`` (the same two functions) and rewrites the
files, so the stored numbers always come from the code path the tests check.

Tolerances (``rtol``/``atol`` per baseline, stated in ``tolerance``): ``0`` where the path is
bitwise deterministic (NumPy/Numba integer-valued ensembles: the tests elsewhere assert
bit-identical results across chunkings and executors); a tight relative tolerance where
floating point may differ between CPUs or library builds (JAX/XLA, SciPy optimisers). A NUTS
chain that differs by one rounding on another CPU can wander elsewhere: if only the JAX
baselines move, by Monte Carlo-sized amounts (a few per cent), with no code change, that is
the platform; regenerate there and say so in CHANGELOG.

Heavy imports happen inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
UPDATE = ".venv/bin/python tools/update_baselines.py"

Summary = dict[str, float]


@dataclass(frozen=True)
class Baseline:
    """One pinned computation: ``area`` names the file, ``name`` the entry in it."""

    area: str
    name: str
    make: Callable[[], Any]
    summarise: Callable[[Any], Summary]
    rtol: float
    atol: float
    tolerance: str

    @property
    def key(self) -> str:
        """``area/name``, the registry key and the ``--only`` argument of the update script."""
        return f"{self.area}/{self.name}"

    def produce(self) -> Summary:
        """Run the computation and summarise it (what the update script stores)."""
        return self.summarise(self.make())


REGISTRY: dict[str, Baseline] = {}


def register(
    area: str,
    name: str,
    make: Callable[[], Any],
    summarise: Callable[[Any], Summary],
    *,
    rtol: float,
    atol: float = 0.0,
    tolerance: str,
) -> Baseline:
    """Add a baseline to :data:`REGISTRY` and return it."""
    b = Baseline(area, name, make, summarise, rtol, atol, tolerance)
    if b.key in REGISTRY:
        raise ValueError(f"baseline {b.key} registered twice")
    REGISTRY[b.key] = b
    return b


def path_of(area: str) -> Path:
    """The JSON file of an area."""
    return HERE / f"{area}.json"


def stored(area: str) -> dict[str, Any]:
    """The stored entries of an area (``{}`` when the file does not exist yet)."""
    p = path_of(area)
    if not p.exists():
        return {}
    entries: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))["baselines"]
    return entries


def differences(b: Baseline, got: Summary, want: Summary | None) -> list[str]:
    """One line per value that differs beyond the baseline's tolerance (empty: it matches)."""
    if want is None:
        return [f"{b.key}: no stored baseline"]
    out = []
    for k in sorted(set(got) | set(want)):
        if k not in want:
            out.append(f"{b.key}: {k} is new ({got[k]!r})")
        elif k not in got:
            out.append(f"{b.key}: {k} is no longer produced (stored {want[k]!r})")
        else:
            g, w = float(got[k]), float(want[k])
            same = g == w or (math.isnan(g) and math.isnan(w))
            if not same and not math.isclose(g, w, rel_tol=b.rtol, abs_tol=b.atol):
                rel = abs(g - w) / abs(w) if w else math.inf
                out.append(f"{b.key}: {k} = {g!r}, stored {w!r} (relative change {rel:.3g})")
    return out


def check(b: Baseline, got: Summary) -> None:
    """Assert that ``got`` matches the stored baseline of ``b`` within its tolerance."""
    entry = stored(b.area).get(b.name)
    diff = differences(b, got, None if entry is None else entry["values"])
    assert not diff, (
        "\n".join(diff)
        + f"\n(tolerance: {b.tolerance}; if the change is intended, run `{UPDATE} --only "
        f"{b.key}` and note it in CHANGELOG)"
    )


# ---------------------------------------------------------------------------------------------
# fusion: the fog-of-war estimate (JAX/NumPyro)

JAX_TOLERANCE = (
    "rtol 1e-6: bitwise on one machine (test_same_seed_same_bytes_and_weights), but XLA may "
    "round differently on another CPU"
)


@cache
def toy_fog() -> Any:
    """The toy battle fitted with 2 chains x 200 draws, seed 0 (shared by test_fusion.py)."""
    from attrition.infer.fusion import FogOfWar
    from attrition.infer.validate import toy_battle

    return FogOfWar(draws=200, chains=2, seed=0, warn=False).fit(toy_battle().claims)


def _q(prefix: str, q: dict[str, float]) -> Summary:
    return {f"{prefix}_{k}": float(q[k]) for k in ("q05", "median", "q95")}


def _toy_summary(fog: Any) -> Summary:
    bias = fog.bias_.set_index(["claimant", "subject"])["median"]
    ppc = fog.ppc_.set_index("id")
    out: Summary = {}
    for side in ("RU", "UA"):
        out |= _q(f"{side}_casualties", fog.total(side))
        out |= _q(f"{side}_killed", fog.total(side, "killed"))
    out |= _q("ratio", fog.exchange_ratio_)
    out["bias_UA_official_on_RU_median"] = float(bias[("UA official", "RU")])
    out["bias_RU_official_on_UA_median"] = float(bias[("RU official", "UA")])
    out["r2_tail_p"] = float(ppc.loc["r2", "tail_p"])
    out["r_hat_max"] = float(fog.diagnostics_.r_hat_max)
    out["divergences"] = float(fog.diagnostics_.divergences)
    return out


TOY_FIT = register("fusion", "toy_fit", toy_fog, _toy_summary, rtol=1e-6, tolerance=JAX_TOLERANCE)

COVERAGE_N, COVERAGE_SEED = 20, 2024


@cache
def small_coverage_study() -> Any:
    """The 20-replicate coverage study of tests/infer/test_fusion_validation.py."""
    from attrition.infer.validate import coverage_study

    return coverage_study(COVERAGE_N, seed=COVERAGE_SEED, draws=200, chains=2)


def standardised_errors(study: Any, name: str) -> Any:
    """Per replicate: log(median / truth) over the posterior log-sd read off the 90% interval
    (``log(q95 / q05) / (2 · 1.645)``); about standard normal for a calibrated posterior."""
    import numpy as np
    from scipy.stats import norm

    err = np.log(study[f"{name}_median"] / study[f"{name}_truth"])
    sd = np.log(study[f"{name}_q95"] / study[f"{name}_q05"]) / (2 * norm.ppf(0.95))
    return np.asarray(err / sd, dtype=float)


def _coverage_summary(study: Any) -> Summary:
    import numpy as np

    out: Summary = {}
    for g, part in study.groupby("generator", sort=True):
        for name in ("RU", "UA", "ratio"):
            out[f"{g}_{name}_covered"] = float(part[f"{name}_covered"].sum())
            log_err = np.abs(np.log(part[f"{name}_median"] / part[f"{name}_truth"]))
            out[f"{g}_{name}_median_abs_log_error"] = float(np.median(log_err))
            out[f"{g}_{name}_mean_z2"] = float(np.mean(standardised_errors(part, name) ** 2))
    return out


COVERAGE = register(
    "fusion",
    "coverage_small",
    small_coverage_study,
    _coverage_summary,
    rtol=1e-6,
    tolerance=JAX_TOLERANCE,
)


# ---------------------------------------------------------------------------------------------
# simulate: stochastic engines and ensembles (NumPy/Numba, integer counts)

EXACT = "exact: integer-valued seeded ensemble, bit-identical across chunkings and executors"


def _duel_summary_make() -> Any:
    from attrition.scenarios.spec import library_scenarios, load_scenario
    from attrition.simulate.ensemble import simulate

    return simulate(load_scenario(library_scenarios()["duel"]), runs=200)


def _duel_summary(ens: Any) -> Summary:
    s = ens.summary()
    out: Summary = {"duration_mean": float(s["duration_mean"])}
    for side, v in s["sides"].items():
        for k in ("final_mean", "final_sd", "final_q05", "final_q50", "final_q95"):
            out[f"{side}_{k}"] = float(v[k])
    return out


DUEL_SUMMARY = register(
    "simulate", "duel_summary", _duel_summary_make, _duel_summary, rtol=0.0, tolerance=EXACT
)

DUEL_Y0, DUEL_COEF = (1000.0, 800.0), (0.012, 0.010)
ENGINE_SEEDS = {"ssa": 1, "tau-leap": 2, "binomial": 2}


@cache
def duel_engines(runs: int = 10_000) -> dict[str, Any]:
    """The square-law duel (1,000 v 800, 0.012 v 0.010, 30 days) with each stochastic engine."""
    import numpy as np

    from attrition.simulate.stochastic import run_stochastic

    y0 = np.tile(DUEL_Y0, (runs, 1))
    cf = np.tile(DUEL_COEF, (runs, 1))
    rates, imps = np.zeros((30, 2)), np.zeros((31, 2))
    return {
        m: run_stochastic(m, y0, cf, (1.0, 1.0), (0.0, 0.0), rates, imps, seed=s)
        for m, s in ENGINE_SEEDS.items()
    }


def _engines_summary(outs: dict[str, Any]) -> Summary:
    out: Summary = {}
    for m, o in outs.items():
        for k, side in enumerate(("blue", "red")):
            out[f"{m}_{side}_final_mean"] = float(o.final[:, k].mean())
            out[f"{m}_{side}_final_sd"] = float(o.final[:, k].std())
    return out


DUEL_ENGINES = register(
    "simulate", "duel_engines", duel_engines, _engines_summary, rtol=0.0, tolerance=EXACT
)


# ---------------------------------------------------------------------------------------------
# scenarios: Sobol and Morris indices (SALib on RK4 runs)

SA_DAYS, SA_RED_LOW, SA_RED_HIGH = 20, 0.01, 0.05


def sensitivity_scenario(uncertain: bool = True) -> Any:
    """Logarithmic law, 20 days: final blue = B0 · exp(−c_red · 20), B0 ~ U(500, 1500),
    c_red ~ U(0.01, 0.05); blue's effectiveness ~ U(0.01, 0.03) does not enter."""
    from attrition.scenarios.spec import parse_scenario

    data: dict[str, Any] = {
        "scenario": {"name": "log", "law": "logarithmic", "days": SA_DAYS},
        "sides": {
            "blue": {"strength": 1000, "effectiveness": 0.02},
            "red": {"strength": 800, "effectiveness": 0.03},
        },
        "run": {"method": "ode", "seed": 3},
        "outputs": {"quantities": ["final_blue"]},
    }
    if uncertain:
        data["uncertain"] = {
            "blue": {
                "strength": {"dist": "uniform", "low": 500, "high": 1500},
                "effectiveness": {"dist": "uniform", "low": 0.01, "high": 0.03},
            },
            "red": {"effectiveness": {"dist": "uniform", "low": SA_RED_LOW, "high": SA_RED_HIGH}},
        }
    return parse_scenario(data, "log.toml")


@cache
def sobol_result() -> Any:
    """Sobol indices of :func:`sensitivity_scenario` with 1,024 base samples."""
    from attrition.scenarios.sensitivity import analyse

    return analyse(sensitivity_scenario(), method="sobol", samples=1024)


@cache
def morris_result() -> Any:
    """Morris screening of :func:`sensitivity_scenario` with 32 trajectories."""
    from attrition.scenarios.sensitivity import analyse

    return analyse(sensitivity_scenario(), method="morris", samples=32)


def _indices_summary(res: Any) -> Summary:
    out: Summary = {}
    for r in res.table.to_dict("records"):
        out[f"{r['input']}_{r['index']}"] = float(r["value"])
        if not math.isnan(r["ci_low"]):
            out[f"{r['input']}_{r['index']}_halfwidth"] = float(r["value"] - r["ci_low"])
    return out


SA_TOLERANCE = (
    "rtol 1e-9, atol 1e-12: seeded SALib sampling and bootstrap on RK4 runs; Numba and NumPy "
    "may round differently on another CPU"
)
SOBOL = register(
    "sensitivity",
    "sobol",
    sobol_result,
    _indices_summary,
    rtol=1e-9,
    atol=1e-12,
    tolerance=SA_TOLERANCE,
)
MORRIS = register(
    "sensitivity",
    "morris",
    morris_result,
    _indices_summary,
    rtol=1e-9,
    atol=1e-12,
    tolerance=SA_TOLERANCE,
)


# ---------------------------------------------------------------------------------------------
# classic: the power law on the Ardennes (nonlinear least squares, no closed form)


@cache
def ardennes_laws() -> Any:
    """:func:`attrition.infer.compare.compare_laws` on the default Ardennes data."""
    from attrition.infer.battle import ardennes_data
    from attrition.infer.compare import compare_laws

    return compare_laws(ardennes_data())


def _power_summary(result: Any) -> Summary:
    table = result[0].set_index("law")
    row = table.loc["power"]
    return {k: float(row[k]) for k in ("coef_allied", "coef_german", "p", "q", "ssr", "aic")}


POWER_ARDENNES = register(
    "classic",
    "power_law_ardennes",
    ardennes_laws,
    _power_summary,
    rtol=1e-5,
    atol=1e-9,
    tolerance=(
        "rtol 1e-5, atol 1e-9 (q sits on its bound 0): multi-start least squares (SciPy); "
        "two machines with the same library versions differed by 1.9e-6"
    ),
)
