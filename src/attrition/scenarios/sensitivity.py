"""Which uncertain inputs matter: Sobol and Morris sensitivity analysis with SALib.

The pattern is SALib's *spec → sample → evaluate → analyse*: the scenario's ``[uncertain]``
inputs define the problem; SALib samples the unit hypercube; each point is mapped through the
inputs' quantile functions (so any distribution, posterior draws included, can be analysed);
the ensemble engine evaluates every point as one run; SALib analyses each named output quantity.

* ``sobol`` (Saltelli sampling, ``samples · (k + 2)`` runs): first-order ``S1`` and total ``ST``
  indices with bootstrap confidence intervals.
* ``morris`` (elementary effects, ``samples · (k + 1)`` runs): ``mu_star`` (mean absolute
  effect, with a bootstrap interval) and ``sigma`` (spread: interactions and non-linearity);
  a screening method, in the output's units rather than a share of variance.

With a stochastic method each point is one random run, so the indices include the engine's
noise (the unexplained share ``1 − ΣS1`` grows); use ``method = "ode"`` to analyse the means.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.errors import UserError, unknown_name
from attrition.limits import check_seed

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from attrition.scenarios.spec import Scenario

SA_METHODS: tuple[str, ...] = ("sobol", "morris")
CONF_LEVEL = 0.95
_EPS = 1e-12


@dataclass
class SensitivityResult:
    """Indices of every (quantity, input) pair.

    Attributes:
        method: ``sobol`` or ``morris``.
        scenario: scenario name.
        engine: simulation method that evaluated the points.
        inputs: uncertain inputs (``side.parameter``).
        quantities: output quantities analysed.
        samples: SALib's base sample size ``N``.
        evaluations: number of runs.
        seed: seed of the sampling, the bootstrap and the runs.
        table: tidy table with columns ``quantity, input, index, value, ci_low, ci_high``.
        wall_seconds: time taken.
    """

    method: str
    scenario: str
    engine: str
    inputs: list[str]
    quantities: list[str]
    samples: int
    evaluations: int
    seed: int
    table: pd.DataFrame
    wall_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The indices as a tidy table, one row per (quantity, input, index).

        Columns: ``quantity``, ``input`` (``side.parameter``), ``index`` (``S1``, ``ST`` for
        sobol; ``mu_star``, ``sigma`` for morris) as pandas strings; ``value``, ``ci_low``,
        ``ci_high`` as float64 (the bootstrap interval at :data:`CONF_LEVEL`, NaN where the
        method gives none). A copy: changing it leaves the result alone.
        """
        df = self.table.loc[:, ["quantity", "input", "index", "value", "ci_low", "ci_high"]]
        df = df.reset_index(drop=True).copy()
        for col in ("quantity", "input", "index"):
            df[col] = df[col].astype(str)
        for col in ("value", "ci_low", "ci_high"):
            df[col] = df[col].astype("float64")
        return df

    def to_xarray(self) -> xr.Dataset:
        """The indices as an ``xarray.Dataset`` with dims ``(quantity, input, index)`` and
        variables ``value``, ``ci_low``, ``ci_high`` (NaN where a pair has no such index);
        the attributes name the method, scenario, engine, samples, evaluations and seed."""
        ds = self.to_frame().set_index(["quantity", "input", "index"]).to_xarray()
        ds = ds.reindex(quantity=self.quantities, input=self.inputs)
        ds.attrs = {
            "method": self.method,
            "scenario": self.scenario,
            "engine": self.engine,
            "samples": self.samples,
            "evaluations": self.evaluations,
            "seed": self.seed,
            "conf_level": CONF_LEVEL,
        }
        return ds

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``attrition sensitivity --json``)."""

        def num(v: Any) -> float | None:
            f = float(v)
            return f if np.isfinite(f) else None

        rows = [
            {
                "quantity": str(r.quantity),
                "input": str(r.input),
                "index": str(r.index),
                "value": num(r.value),
                "ci_low": num(r.ci_low),
                "ci_high": num(r.ci_high),
            }
            for r in self.table.itertuples(index=False)
        ]
        return {
            "scenario": self.scenario,
            "method": self.method,
            "engine": self.engine,
            "samples": self.samples,
            "evaluations": self.evaluations,
            "seed": self.seed,
            "conf_level": CONF_LEVEL,
            "inputs": self.inputs,
            "quantities": self.quantities,
            "indices": rows,
            "wall_seconds": self.wall_seconds,
            "notes": self.notes,
        }

    def figure(self) -> Any:
        """Plotly figure: one panel per quantity, a bar per (input, index) with its interval."""
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        qs = self.quantities
        fig = make_subplots(rows=len(qs), cols=1, subplot_titles=qs, shared_xaxes=True)
        colours = {"S1": "#1f77b4", "ST": "#ff7f0e", "mu_star": "#2ca02c", "sigma": "#9467bd"}
        for row, q in enumerate(qs, start=1):
            sub = self.table[self.table["quantity"] == q]
            for idx, grp in sub.groupby("index", sort=False):
                err_hi = (grp["ci_high"] - grp["value"]).to_numpy()
                err_lo = (grp["value"] - grp["ci_low"]).to_numpy()
                fig.add_trace(
                    go.Bar(
                        x=grp["input"],
                        y=grp["value"],
                        name=str(idx),
                        legendgroup=str(idx),
                        showlegend=row == 1,
                        marker_color=colours.get(str(idx)),
                        error_y={"type": "data", "array": err_hi, "arrayminus": err_lo},
                    ),
                    row=row,
                    col=1,
                )
        fig.update_layout(
            barmode="group",
            title=f"{self.method} sensitivity of {self.scenario} ({self.engine}, "
            f"{self.evaluations} runs, {int(CONF_LEVEL * 100)}% intervals)",
            height=260 * len(qs) + 120,
        )
        return fig

    def figure_matplotlib(self) -> Any:
        """Matplotlib figure with the same content as :meth:`figure`."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        qs = self.quantities
        fig, axes = plt.subplots(len(qs), 1, figsize=(7, 2.6 * len(qs) + 0.6), squeeze=False)
        for ax, q in zip(axes[:, 0], qs, strict=True):
            sub = self.table[self.table["quantity"] == q]
            kinds = list(dict.fromkeys(sub["index"]))
            width = 0.8 / max(len(kinds), 1)
            for k, idx in enumerate(kinds):
                grp = sub[sub["index"] == idx]
                x = np.arange(len(grp)) + k * width
                err = np.vstack(
                    [(grp["value"] - grp["ci_low"]).to_numpy(), (grp["ci_high"] - grp["value"])]
                )
                ax.bar(x, grp["value"], width, yerr=np.nan_to_num(err), label=str(idx), capsize=3)
                ax.set_xticks(np.arange(len(grp)) + width * (len(kinds) - 1) / 2)
                ax.set_xticklabels(list(grp["input"]))
            ax.set_title(q)
            ax.legend()
        fig.suptitle(f"{self.method} sensitivity of {self.scenario} ({self.engine})")
        fig.tight_layout()
        return fig

    def write(self, path: str) -> None:
        """Write the table (``.csv``, ``.parquet``, ``.json``) or the plot (``.html``,
        ``.png``, ``.svg``, ``.pdf``), atomically."""
        import json
        from pathlib import Path

        from attrition._io import atomic_write_bytes, atomic_write_text

        suffix = Path(path).suffix.lower()
        if suffix == ".csv":
            atomic_write_text(path, self.table.to_csv(index=False))
        elif suffix == ".parquet":
            buf = io.BytesIO()
            self.table.to_parquet(buf, index=False)
            atomic_write_bytes(path, buf.getvalue())
        elif suffix == ".json":
            atomic_write_text(path, json.dumps(self.to_dict(), indent=2))
        elif suffix == ".html":
            atomic_write_text(path, self.figure().to_html(include_plotlyjs="cdn", full_html=True))
        elif suffix in (".png", ".svg", ".pdf"):
            import matplotlib.pyplot as plt

            fig = self.figure_matplotlib()
            buf = io.BytesIO()
            fig.savefig(buf, format=suffix[1:])
            plt.close(fig)
            atomic_write_bytes(path, buf.getvalue())
        else:
            raise UserError(
                f"--out {path}: unknown extension {suffix or '(none)'}; "
                "valid: .csv, .parquet, .json (table), .html, .png, .svg, .pdf (plot)"
            )


BOOTSTRAP_BYTES: dict[str, float] = {"sobol": 4800.0, "morris": 2000.0}
"""Memory of SALib's bootstrap per base sample (Sobol: 100 resampled copies of the outputs and
their products; Morris: per trajectory), in bytes: on the low side of the 5.9-6.4 kB and
2.1-2.4 kB measured with tracemalloc (1 to 4 inputs, beyond the runs' own arrays)."""


def default_samples(method: str) -> int:
    """SALib's base sample size when none is given: 512 (sobol), 64 trajectories (morris)."""
    return 512 if method == "sobol" else 64


def sensitivity_runs(method: str, samples: int, inputs: int) -> int:
    """Model runs of a design: ``N·(k+2)`` (Saltelli, first and total order) or ``N·(k+1)``
    (Morris)."""
    from attrition.limits import morris_runs, saltelli_runs

    return saltelli_runs(samples, inputs) if method == "sobol" else morris_runs(samples, inputs)


def design_bytes(method: str, samples: int, inputs: int) -> float:
    """Memory a design holds at once, in bytes: per run the uniforms, the mapped parameters and
    the ensemble's results (``8·(3k + 16)`` bytes), plus SALib's bootstrap
    (:data:`BOOTSTRAP_BYTES` per base sample)."""
    runs = sensitivity_runs(method, samples, inputs)
    return runs * 8.0 * (3 * inputs + 16) + samples * BOOTSTRAP_BYTES[method]


def check_design(
    scenario: Scenario, method: str, samples: int | None, option: str = "--samples"
) -> int:
    """Check the design before any work; return the base sample size.

    ``samples`` must be at least 2, and a power of 2 for ``sobol`` (Saltelli's design is built
    on a Sobol' sequence, whose balance holds for powers of 2 only); the design must fit the
    memory limit (:func:`design_bytes` against :func:`attrition.limits.check_memory`).
    """
    from attrition.limits import check_count, check_memory, check_power_of_two

    if method not in SA_METHODS:
        raise unknown_name("sensitivity method", method, SA_METHODS)
    if not scenario.uncertain_inputs():
        raise UserError(
            f"{scenario.source}: sensitivity needs at least one [uncertain] input; add e.g. "
            '[uncertain.blue] effectiveness = { dist = "uniform", low = 0.01, high = 0.02 }'
        )
    n = default_samples(method) if samples is None else samples
    check_count(n, option, minimum=2)
    if method == "sobol":
        check_power_of_two(n, option, "sobol (Saltelli's design on a Sobol' sequence)")
    check_memory(option, n, design_bytes(method, n, len(scenario.uncertain_inputs())))
    return n


def analyse(
    scenario: Scenario,
    *,
    method: str = "sobol",
    samples: int | None = None,
    seed: int | None = None,
    engine: str | None = None,
    quantities: list[str] | None = None,
    executor: str = "serial",
    workers: int | None = None,
) -> SensitivityResult:
    """Sensitivity of the scenario's output quantities to its uncertain inputs.

    Args:
        scenario: a scenario with at least one ``[uncertain]`` input.
        method: ``sobol`` or ``morris``.
        samples: SALib's base sample size (default 512 for sobol, 64 trajectories for morris;
            sobol needs a power of 2). Checked with :func:`check_design` before any work.
        seed: seed of sampling, bootstrap and runs (default: the scenario's).
        engine: simulation method (default: the scenario's).
        quantities: output quantities (default: the scenario's ``[outputs]``).
        executor, workers: as in :func:`attrition.simulate.ensemble.simulate`.
    """
    import time

    import pandas as pd

    from attrition.simulate.ensemble import simulate

    if method not in SA_METHODS:
        raise unknown_name("sensitivity method", method, SA_METHODS)
    inputs = scenario.uncertain_inputs()
    n = check_design(scenario, method, samples)
    sd = scenario.run.seed if seed is None else seed
    check_seed(sd)
    names = [f"{s}.{p}" for s, p, _ in inputs]
    qs = quantities or scenario.quantities()
    valid = scenario.valid_quantities()
    for q in qs:
        if q not in valid:
            raise unknown_name("quantity", q, valid)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    try:
        if method == "sobol":
            from SALib.analyze import sobol as analyzer
            from SALib.sample import sobol as sampler

            u = sampler.sample(problem, n, calc_second_order=False, seed=sd)
        else:
            from SALib.analyze import morris as analyzer
            from SALib.sample import morris as sampler

            u = sampler.sample(problem, n, num_levels=4, seed=sd)
    except ImportError as exc:
        raise UserError("sensitivity needs SALib: pip install 'attrition[scale]'") from exc
    t0 = time.perf_counter()
    params = scenario.transform(np.clip(u, _EPS, 1.0 - _EPS))
    ens = simulate(
        scenario, method=engine, seed=sd, parameters=params, executor=executor, workers=workers
    )
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for q in qs:
        y = np.asarray(ens.quantity(q), dtype=float)
        if not np.all(np.isfinite(y)):
            notes.append(f"{q}: {int((~np.isfinite(y)).sum())} undefined values set to 0")
            y = np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0)
        if np.ptp(y) == 0.0:
            notes.append(f"{q}: constant over the sample; indices undefined")
            kinds = ("S1", "ST") if method == "sobol" else ("mu_star", "sigma")
            rows += [_row(q, nm, idx, np.nan, np.nan, np.nan) for nm in names for idx in kinds]
            continue
        if method == "sobol":
            res = analyzer.analyze(
                problem, y, calc_second_order=False, conf_level=CONF_LEVEL, seed=sd,
                print_to_console=False,
            )  # fmt: skip
            for k, name in enumerate(names):
                for idx in ("S1", "ST"):
                    v, c = float(res[idx][k]), float(res[f"{idx}_conf"][k])
                    rows.append(_row(q, name, idx, v, v - c, v + c))
        else:
            res = analyzer.analyze(
                problem, u, y, conf_level=CONF_LEVEL, num_levels=4, seed=sd,
                print_to_console=False,
            )  # fmt: skip
            for k, name in enumerate(names):
                ms, mc = float(res["mu_star"][k]), float(res["mu_star_conf"][k])
                rows.append(_row(q, name, "mu_star", ms, ms - mc, ms + mc))
                sg = float(res["sigma"][k])
                rows.append(_row(q, name, "sigma", sg, np.nan, np.nan))
    table = pd.DataFrame(rows, columns=["quantity", "input", "index", "value", "ci_low", "ci_high"])
    return SensitivityResult(
        method, scenario.scenario.name, ens.method, names, list(qs), n, ens.runs, sd, table,
        time.perf_counter() - t0, notes,
    )  # fmt: skip


def _row(q: str, name: str, idx: str, v: float, lo: float, hi: float) -> dict[str, Any]:
    return {"quantity": q, "input": name, "index": idx, "value": v, "ci_low": lo, "ci_high": hi}
