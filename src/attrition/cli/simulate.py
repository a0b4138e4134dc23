"""Commands ``simulate`` (ensembles of a TOML scenario) and ``sensitivity`` (Sobol, Morris)."""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from attrition.cli._output import (
    OutputFormat,
    format_option,
    json_option,
    output_format,
    print_csv,
    print_frame_csv,
    print_json,
)
from attrition.errors import UserError, unknown_name
from attrition.simulate.methods import METHODS

if TYPE_CHECKING:
    from attrition.scenarios.spec import Scenario
    from attrition.simulate.ensemble import Ensemble

EXECUTORS = ("serial", "processes", "dask")
OUT_KINDS = {".parquet": "runs", ".csv": "runs", ".nc": "trajectories", ".zarr": "trajectories"}


def _check_flags(
    runs: int | None,
    method: str | None,
    seed: int | None,
    executor: str,
    chunk: int | None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> None:
    from attrition.limits import check_count, check_seed
    from attrition.scenarios.spec import MAX_RUNS

    check_count(runs, "--runs", maximum=MAX_RUNS)
    if method is not None and method not in METHODS:
        raise unknown_name("--method", method, METHODS)
    check_seed(seed)
    if executor not in EXECUTORS:
        raise unknown_name("--executor", executor, EXECUTORS)
    check_count(chunk, "--chunk-size")
    check_count(workers, "--workers")
    if workers is not None and executor == "serial":
        raise UserError(
            "--workers applies to --executor processes or dask only (serial runs use a thread "
            "per CPU); leave --workers out or choose an executor"
        )
    if scheduler is not None and executor != "dask":
        raise UserError("--scheduler applies to --executor dask only; add --executor dask")


def _check_checkpoint(folder: Path | None) -> None:
    """A checkpoint folder must be new, empty, or one a previous run filled (its manifest)."""
    if folder is None:
        return
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--checkpoint {folder}: exists and is not a folder; give a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "manifest.json").is_file():
        raise UserError(
            f"--checkpoint {folder}: folder is not empty and holds no checkpoint (no "
            "manifest.json); give a new or empty folder, so nothing of yours is overwritten"
        )
    from attrition.cli._output import check_writable

    check_writable(folder, option="--checkpoint")


def _out_kind(out: Path | None) -> str | None:
    if out is None:
        return None
    kind = OUT_KINDS.get(out.suffix.lower())
    if kind is None:
        raise UserError(
            f"--out {out}: unknown extension {out.suffix or '(none)'}; valid: .parquet or .csv "
            "(one row per run), .nc or .zarr (daily trajectories)"
        )
    from attrition.cli._output import check_out_file

    check_out_file(out, folder_store=out.suffix.lower() == ".zarr")
    return kind


def write_ensemble(ens: Ensemble, out: Path) -> None:
    """Write per-run results (``.parquet``, ``.csv``) or trajectories (``.nc``, ``.zarr``).

    Every format is written atomically: to a temporary file or folder, then renamed.
    """
    from attrition._io import atomic_write_bytes, atomic_write_text

    suffix = out.suffix.lower()
    if suffix == ".parquet":
        buf = io.BytesIO()
        ens.to_dataframe().to_parquet(buf, index=False)
        atomic_write_bytes(out, buf.getvalue())
        return
    if suffix == ".csv":
        atomic_write_text(out, ens.to_dataframe().to_csv(index=False))
        return
    ds = ens.to_xarray()
    if suffix == ".nc":
        # netCDF3 via SciPy (no extra dependency): 64-bit integers are not allowed there
        for name in list(ds.variables):
            if ds[name].dtype.kind in "iu" and ds[name].dtype.itemsize > 4:
                ds[name] = ds[name].astype("int32")
        data = ds.to_netcdf()
        atomic_write_bytes(out, bytes(data))  # type: ignore[arg-type]
        return
    try:
        import zarr  # noqa: F401
    except ImportError as exc:
        raise UserError(
            f"--out {out}: writing Zarr needs the zarr package (pip install zarr); or use .nc"
        ) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        # Zarr format 2: its string dtypes have a stable specification (format 3's do not yet)
        ds.to_zarr(tmp / "store.zarr", mode="w", zarr_format=2, consolidated=True)
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            os.replace(out, old)
        os.replace(tmp / "store.zarr", out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_duel(file: str, command: str) -> Scenario:
    """The duel scenario ``file`` names: a packaged name (of any kind) or a TOML file, read once
    through the scenario kinds (:func:`attrition.battles.load_scenario`). A scenario of another
    kind is refused with one line that names the file and points to ``attrition scenario run``.
    """
    from attrition.battles import load_scenario

    spec = load_scenario(file)
    kind = spec.scenario.kind
    if kind != "duel":
        raise UserError(
            f"{spec.source}: [scenario] kind = {kind!r}: attrition {command} takes duel "
            f"scenarios only; run this one with: attrition scenario run {file}"
        )
    return spec  # type: ignore[no-any-return]


def run_duel(
    scenario: Scenario,
    *,
    runs: int | None = None,
    method: str | None = None,
    seed: int | None = None,
    executor: str = "serial",
    scheduler: str | None = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    checkpoint: Path | None = None,
    trajectories: bool = False,
    progress: bool | None = None,
) -> Ensemble:
    """Run a duel's ensemble as ``attrition simulate`` and ``attrition scenario run`` do: the
    memory check (:func:`attrition.simulate.ensemble.check_ensemble_size`), then
    :func:`attrition.simulate.ensemble.simulate`, with a progress bar on stderr when
    ``progress`` (default: stderr is a terminal)."""
    from attrition.simulate.ensemble import check_ensemble_size, simulate

    check_ensemble_size(scenario, runs, trajectories=trajectories)
    show = sys.stderr.isatty() if progress is None else progress
    kwargs: dict[str, Any] = {
        "runs": runs, "method": method, "seed": seed, "executor": executor,
        "scheduler": scheduler, "workers": workers, "chunk_size": chunk_size,
        "trajectories": trajectories, "checkpoint": checkpoint,
    }  # fmt: skip
    if not show:
        return simulate(scenario, **kwargs)
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} runs"), TimeRemainingColumn(),
        transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(scenario.scenario.name, total=runs or scenario.run.runs)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return simulate(scenario, progress=tick, **kwargs)


def human_summary(summary: dict[str, Any]) -> str:
    """The text ``attrition simulate`` prints for an ensemble's summary."""
    lines = [
        f"{summary['scenario']}: {summary['runs']} runs, method {summary['method']}, "
        f"seed {summary['seed']} ({summary['wall_seconds']:.2f} s)"
    ]
    for side, st in summary["sides"].items():
        lines.append(
            f"  {side:<12} final {st['final_mean']:.1f} ± {st['final_sd']:.1f} "
            f"(5–95%: {st['final_q05']:.0f}–{st['final_q95']:.0f}), "
            f"wins {100 * st['win_probability']:.1f}%"
        )
    lines.append(f"  mean duration {summary['duration_mean']:.2f} days")
    reasons = ", ".join(f"{k} {100 * v:.1f}%" for k, v in summary["stop_reasons"].items())
    lines.append(f"  stopped by: {reasons}")
    for q, st in summary["quantities"].items():
        if st is not None and not q.startswith("final_"):
            lines.append(f"  {q:<14} {st['mean']:.4g} (5–95%: {st['q05']:.4g}–{st['q95']:.4g})")
    return "\n".join(lines)


def summary_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """An ensemble's summary as CSV records: one row per side (final strength, wins)."""
    return [{"side": side, **stats} for side, stats in summary["sides"].items()]


def register(app: typer.Typer) -> None:
    """Add ``simulate`` and ``sensitivity`` to the ``attrition`` app."""

    @app.command("simulate")
    def simulate_cmd(
        file: str = typer.Argument(
            ..., help="Scenario TOML file, or a packaged scenario name (duel, large)."
        ),
        runs: int | None = typer.Option(
            None, "--runs", help="Number of runs (overrides [run]); bounded by the memory limit."
        ),
        method: str | None = typer.Option(
            None, "--method", help="Engine: ode | ssa | tau-leap | binomial (overrides [run])."
        ),
        seed: int | None = typer.Option(None, "--seed", help="Seed (overrides [run])."),
        executor: str = typer.Option(
            "serial", "--executor", help="Where runs go: serial | processes | dask."
        ),
        scheduler: str | None = typer.Option(
            None, "--scheduler", help="Address of an existing Dask scheduler (tcp://HOST:8786)."
        ),
        workers: int | None = typer.Option(
            None, "--workers", help="Processes or local Dask workers (default: CPUs)."
        ),
        chunk_size: int | None = typer.Option(
            None, "--chunk-size", help="Runs per chunk (results do not depend on it)."
        ),
        checkpoint: Path | None = typer.Option(
            None, "--checkpoint", help="Folder for finished chunks; rerun to resume."
        ),
        fmt_text: str | None = format_option(
            "table (default: text), csv (one row per side) or json (the summary)."
        ),
        json_out: bool = json_option(),
        out: Path | None = typer.Option(
            None,
            "--out",
            help="Write per-run results (.parquet, .csv) or daily trajectories (.nc, .zarr).",
        ),
        progress: bool | None = typer.Option(
            None, "--progress/--no-progress", help="Progress bar (default: on a terminal)."
        ),
    ) -> None:
        """Run a scenario's ensemble and summarise final strengths, wins and durations."""
        fmt = output_format(fmt_text, json_out)
        _check_flags(runs, method, seed, executor, chunk_size, workers, scheduler)
        kind = _out_kind(out)
        _check_checkpoint(checkpoint)
        scenario = load_duel(file, "simulate")
        ens = run_duel(
            scenario, runs=runs, method=method, seed=seed, executor=executor,
            scheduler=scheduler, workers=workers, chunk_size=chunk_size,
            checkpoint=checkpoint, trajectories=kind == "trajectories", progress=progress,
        )  # fmt: skip
        if out is not None:
            from attrition.cli._output import install_out_file

            install_out_file(out, lambda path: write_ensemble(ens, path))
        summary = ens.summary()
        if fmt is OutputFormat.json:
            print_json(summary)
        elif fmt is OutputFormat.csv:
            print_csv(summary_rows(summary))
        else:
            typer.echo(human_summary(summary))
            if out is not None:
                typer.echo(f"wrote {out}")

    @app.command("sensitivity")
    def sensitivity_cmd(
        file: str = typer.Argument(
            ..., help="Scenario TOML file with [uncertain] inputs (or a packaged name)."
        ),
        method: str = typer.Option("sobol", "--method", help="sobol | morris."),
        samples: int | None = typer.Option(
            None,
            "--samples",
            help="Base sample size N (sobol: a power of 2; default 512/64); bounded by the "
            "memory limit.",
        ),
        seed: int | None = typer.Option(None, "--seed", help="Seed (default: the scenario's)."),
        engine: str | None = typer.Option(
            None, "--engine", help="Simulation method (default: the scenario's)."
        ),
        fmt_text: str | None = format_option(
            "table (default: text), csv (the indices, one row each) or json."
        ),
        json_out: bool = json_option(),
        out: Path | None = typer.Option(
            None,
            "--out",
            help="Write the table (.csv, .parquet, .json) or the plot (.html, .png, .svg, .pdf).",
        ),
    ) -> None:
        """First-order and total Sobol indices (or Morris screening) with confidence intervals."""
        fmt = output_format(fmt_text, json_out)
        from attrition.cli._output import check_out_file, install_out_file
        from attrition.limits import check_count, check_seed
        from attrition.scenarios.sensitivity import SA_METHODS, analyse, check_design

        if method not in SA_METHODS:
            raise unknown_name("--method", method, SA_METHODS)
        if engine is not None and engine not in METHODS:
            raise unknown_name("--engine", engine, METHODS)
        check_count(samples, "--samples", minimum=2)
        check_seed(seed)
        if out is not None:
            if out.suffix.lower() not in (
                ".csv", ".parquet", ".json", ".html", ".png", ".svg", ".pdf",
            ):  # fmt: skip
                raise UserError(
                    f"--out {out}: unknown extension {out.suffix or '(none)'}; valid: .csv, "
                    ".parquet, .json (table), .html, .png, .svg, .pdf (plot)"
                )
            check_out_file(out)
        scenario = load_duel(file, "sensitivity")
        check_design(scenario, method, samples)
        res = analyse(scenario, method=method, samples=samples, seed=seed, engine=engine)
        if out is not None:
            install_out_file(out, lambda path: res.write(str(path)))
        if fmt is OutputFormat.json:
            print_json(res.to_dict())
            return
        if fmt is OutputFormat.csv:
            print_frame_csv(res.table)
            return
        typer.echo(
            f"{res.method} sensitivity of {res.scenario}: {res.evaluations} runs "
            f"({res.engine}), {int(100 * 0.95)}% intervals"
        )
        for rec in res.table.to_dict("records"):
            lo, hi = float(rec["ci_low"]), float(rec["ci_high"])
            ci = f"  [{lo:.3g}, {hi:.3g}]" if lo == lo else ""
            typer.echo(
                f"  {rec['quantity']!s:<14} {rec['input']!s:<22} {rec['index']!s:<8} "
                f"{float(rec['value']):9.3g}{ci}"
            )
        for note in res.notes:
            typer.echo(f"  note: {note}")
        if out is not None:
            typer.echo(f"wrote {out}")
