"""Figures of docs/simulation.md: the packaged scenarios under every engine.

Computed with :func:`attrition.simulate.ensemble.simulate` on the packaged ``duel`` and
``large`` scenarios, as ``attrition simulate NAME --method M --runs 10000 --seed 1 --json``
does: per engine the final strengths (mean, sd), the win probability, and each stochastic
engine's difference from the exact SSA. Monte Carlo errors: sd/√n for a mean, sd/√(2(n−1)) for
an sd, the binomial error for a probability; differences and ratios propagate the two
ensembles' errors (independent seeds' streams are not shared between engines). The ODE is
deterministic (error 0). Timings in the doc come from ``benchmarks/bench_simulate.py`` and are
not regenerated here (wall-clock times do not repeat).

Both parts are recomputed by ``tests/docs/test_docs_figures.py`` (a few seconds).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import figlib as F

DOC = F.ROOT / "docs" / "simulation.md"
SIDECAR = F.FIGURES_DIR / "simulation.json"
GENERATOR = "tools/docs_figures/simulation.py"

SCENARIOS: tuple[str, ...] = ("duel", "large")
METHODS: tuple[str, ...] = ("ode", "ssa", "tau-leap", "binomial")
RUNS = 10_000
QUICK_RUNS = 1_000
SEED = 1
PARTS: tuple[str, ...] = SCENARIOS
TEST_PARTS: tuple[str, ...] = SCENARIOS


def _part(name: str, runs: int) -> F.Figures:
    """All engines on one packaged scenario."""
    import numpy as np

    from attrition.scenarios.spec import load_scenario, resolve_scenario_path
    from attrition.simulate.ensemble import simulate

    figs = F.Figures(name)
    sc = load_scenario(resolve_scenario_path(name))
    finals: dict[str, np.ndarray] = {}
    sides: tuple[str, str] = ("", "")
    for m in METHODS:
        ens = simulate(sc, runs=runs, method=m, seed=SEED)
        s = ens.summary()
        sides = ens.sides
        finals[m] = ens.out.final
        det = m == "ode"
        for side in sides:
            st = s["sides"][side]
            sd = float(st["final_sd"])
            figs.num(
                f"{name}.{m}.{side}.final_mean",
                st["final_mean"],
                0.0 if det else sd / math.sqrt(runs),
                "deterministic" if det else "sd/√n",
            )
            figs.num(
                f"{name}.{m}.{side}.final_sd",
                sd,
                0.0 if det else sd / math.sqrt(2 * (runs - 1)),
                "deterministic" if det else "sd/√(2(n−1))",
            )
        win = float(s["sides"][sides[0]]["win_probability"])
        figs.num(
            f"{name}.{m}.{sides[0]}.win_probability",
            win,
            0.0 if det else F.binomial_se(win * runs, runs),
            "deterministic" if det else "binomial",
        )
    initial = [float(ens.initial[:, k].mean()) for k in range(2)]  # the scenario's strengths
    for m in ("tau-leap", "binomial"):
        for k, side in enumerate(sides):
            a, b = finals[m][:, k], finals["ssa"][:, k]
            se_a, se_b = a.std(ddof=1) / math.sqrt(runs), b.std(ddof=1) / math.sqrt(runs)
            figs.num(
                f"{name}.{m}.{side}.mean_vs_ssa_pct",
                100 * (a.mean() - b.mean()) / initial[k],
                100 * math.hypot(se_a, se_b) / initial[k],
                "errors of both means",
            )
            ratio = float(a.std(ddof=1) / b.std(ddof=1))
            figs.num(
                f"{name}.{m}.{side}.sd_ratio_vs_ssa",
                ratio,
                ratio * math.sqrt(2 / (2 * (runs - 1))),
                "errors of both sds",
            )
    figs.context[name] = {
        "sides": list(sides),
        "initial": initial,
        "days": int(sc.scenario.days),
        "law": str(sc.scenario.law),
    }
    return figs


def compute(parts: Sequence[str] | None = None, quick: bool = False) -> dict[str, Any]:
    """The sidecar of docs/simulation.md (``parts``: a subset of :data:`SCENARIOS`)."""
    runs = QUICK_RUNS if quick else RUNS
    done = [_part(p, runs) for p in (parts or PARTS)]
    from attrition.scenarios.spec import resolve_scenario_path

    return F.build_sidecar(
        doc="docs/simulation.md",
        generator=GENERATOR,
        parts=done,
        settings={"runs": runs, "seed": SEED, "methods": list(METHODS)},
        test_parts=TEST_PARTS,
        inputs=[resolve_scenario_path(p) for p in SCENARIOS],
        quick=quick,
    )


def _signed(x: float) -> str:
    """``+0.07`` / ``−0.02`` with two decimals (no ``-0.00``)."""
    r = round(x, 2) + 0.0
    return f"{'−' if r < 0 else '+'}{abs(r):.2f}"


def _table(sc: Mapping[str, Any], name: str) -> str:
    fig = sc["figures"]
    ctx = sc["context"][name]
    a, b = ctx["sides"]

    def v(key: str) -> float:
        return float(fig[f"{name}.{key}"]["value"])

    def e(key: str) -> float:
        return float(fig[f"{name}.{key}"]["mc_error"])

    head = (
        f"| engine | {a} final (mean ± MC error) | {a} sd | {b} final | {b} sd | P({a} wins) "
        f"| mean − SSA's ({a}; {b}), % of initial | sd / SSA's ({a}; {b}) |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|"]

    def mean(key: str) -> str:
        err = e(key)
        return f"{v(key):,.1f}" + (f" ± {err:.1f}" if err > 0 else " (deterministic)")

    def diff(key: str) -> str:
        return f"{_signed(v(key))} ± {e(key):.2f}"

    for m in METHODS:
        approx = m in ("tau-leap", "binomial")
        vs = ratio = "–"
        if approx:
            vs = f"{diff(f'{m}.{a}.mean_vs_ssa_pct')}; {diff(f'{m}.{b}.mean_vs_ssa_pct')}"
            ratio = f"{v(f'{m}.{a}.sd_ratio_vs_ssa'):.3f}; {v(f'{m}.{b}.sd_ratio_vs_ssa'):.3f}"
        lines.append(
            f"| `{m}` | {mean(f'{m}.{a}.final_mean')} | {v(f'{m}.{a}.final_sd'):.1f} "
            f"| {mean(f'{m}.{b}.final_mean')} | {v(f'{m}.{b}.final_sd'):.1f} "
            f"| {v(f'{m}.{a}.win_probability'):.3f} | {vs} | {ratio} |"
        )
    return "\n".join(lines)


def _summary_sentence(sc: Mapping[str, Any]) -> str:
    fig = sc["figures"]
    diffs, ratios = [], []
    for name in SCENARIOS:
        if f"{name}.ssa.{sc['context'][name]['sides'][0]}.final_mean" not in fig:
            continue
        for m in ("tau-leap", "binomial"):
            for side in sc["context"][name]["sides"]:
                diffs.append(abs(float(fig[f"{name}.{m}.{side}.mean_vs_ssa_pct"]["value"])))
                ratios.append(float(fig[f"{name}.{m}.{side}.sd_ratio_vs_ssa"]["value"]))
    return (
        f"Against the exact SSA, the approximate engines' mean final strengths differ by at most "
        f"{max(diffs):.2f} % of the initial strength and their standard deviations by a factor "
        f"{min(ratios):.3f}–{max(ratios):.3f} (the tests' bars on the duel: 0.1 % and 3 %)."
    )


def blocks(sc: Mapping[str, Any]) -> dict[str, str]:
    """The generated blocks of docs/simulation.md from a sidecar."""
    st = sc["settings"]
    out = {
        "sim-settings": (
            f"Each engine ran {st['runs']:,} times with seed {st['seed']} "
            f"(`attrition simulate NAME --method M --runs {st['runs']} --seed {st['seed']} "
            "--json`; regenerated by `make docs-figures`, sidecar `docs/figures/simulation.json` "
            "with every figure's Monte Carlo error). ± is one Monte Carlo standard error."
            + (" **Quick settings: not the published figures.**" if sc["quick"] else "")
        ),
        "sim-summary": _summary_sentence(sc),
    }
    for name in SCENARIOS:
        ctx = sc["context"][name]
        a, b = ctx["sides"]
        out[f"sim-{name}"] = (
            f"`{name}` ({ctx['law']} law, {ctx['initial'][0]:,.0f} {a} against "
            f"{ctx['initial'][1]:,.0f} {b} over {ctx['days']} days):\n\n" + _table(sc, name)
        )
    return out


def render(text: str, sidecar: Mapping[str, Any]) -> str:
    """docs/simulation.md with its generated blocks rewritten from ``sidecar``."""
    return F.replace_blocks(text, blocks(sidecar), "docs/simulation.md")


if __name__ == "__main__":
    import run

    sys.exit(run.main(["--only", "simulation", *sys.argv[1:]]))
