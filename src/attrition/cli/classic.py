"""Commands for the classic datasets and the Lanchester fits: ``datasets``, ``fit``, ``compare``.

The commands parse options and format; the checks and the fits live in
:mod:`attrition.infer.fit`.
"""

from __future__ import annotations

import re

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
from attrition.errors import UserError

#: Licence names (SPDX-like) a dataset's licence text may start with.
_LICENCE_NAMES = re.compile(
    r"(ODC-BY|ODbL|PDDL|CC0|CC BY(?:-(?:SA|NC|ND))*|MIT|Apache|OGL)(?:[ -]\d+(?:\.\d+)*)?"
)
SHORT_LICENCE_CHARS = 36
"""The longest licence shown in the ``datasets`` table (the full text: ``datasets show``)."""


def short_licence(text: str) -> str:
    """A short name of a dataset's licence, derived from its full text: the licence name it
    starts with (``ODC-BY 1.0``, ``CC BY``), else its first clause (up to a colon, semicolon,
    bracket or full stop), cut to :data:`SHORT_LICENCE_CHARS` with an ellipsis."""
    text = " ".join(text.split())
    m = _LICENCE_NAMES.match(text)
    if m:
        return m.group(0)
    first = re.split(r"\s*[:;(]|\.(?:\s|$)", text, maxsplit=1)[0].strip() or text
    if len(first) > SHORT_LICENCE_CHARS:
        first = first[: SHORT_LICENCE_CHARS - 1].rstrip() + "…"
    return first


def register(app: typer.Typer) -> None:
    """Add ``datasets``, ``fit`` and ``compare`` to ``app``."""
    ds_app = typer.Typer(
        help="List the packaged classic datasets, or describe one.",
        invoke_without_command=True,
        no_args_is_help=False,
    )

    @ds_app.callback()
    def datasets_list(
        ctx: typer.Context,
        fmt_text: str | None = format_option(),
        as_json: bool = json_option(),
    ) -> None:
        """List the packaged datasets (name, rows, period, licence)."""
        if ctx.invoked_subcommand is not None:
            if fmt_text is not None or as_json:
                raise UserError(
                    f"datasets {ctx.invoked_subcommand}: --format and --json list the datasets; "
                    f"give them after the subcommand (datasets {ctx.invoked_subcommand} ... "
                    "--format json) or leave them out"
                )
            return
        fmt = output_format(fmt_text, as_json)
        from attrition.data import datasets

        infos = datasets.available()
        if fmt is not OutputFormat.table:
            rows = [
                {"name": i.name, "rows": i.rows, "period": i.period, "licence": i.licence,
                 "licence_short": short_licence(i.licence)}
                for i in infos
            ]  # fmt: skip
            if fmt is OutputFormat.json:
                print_json(rows)
            else:
                print_csv(rows)
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(
            title="Packaged datasets",
            caption="The full licence, citation and known defects: attrition datasets show NAME",
        )
        for col in ("name", "rows", "period", "licence", "title"):
            table.add_column(col, no_wrap=col in ("name", "period"))
        for i in infos:
            table.add_row(i.name, str(i.rows), i.period, short_licence(i.licence), i.title)
        Console().print(table)

    @ds_app.command("show")
    def datasets_show(
        name: str = typer.Argument(..., help="Dataset name."),
        fmt_text: str | None = format_option(
            "table (default: text), csv (one row; defects joined by ' | ') or json."
        ),
        as_json: bool = json_option(),
    ) -> None:
        """Describe one dataset: source, licence, citation, known defects and their handling."""
        from attrition.data import datasets

        fmt = output_format(fmt_text, as_json)
        i = datasets.info(name)
        record = {
            "name": i.name, "title": i.title, "rows": i.rows, "period": i.period,
            "licence": i.licence, "licence_short": short_licence(i.licence),
            "description": i.description, "citation": i.citation, "defects": list(i.defects),
            "files": str(i.path),
        }  # fmt: skip
        if fmt is OutputFormat.json:
            print_json(record)
            return
        if fmt is OutputFormat.csv:  # one row; the defects joined by " | "
            print_csv([{**record, "defects": " | ".join(i.defects)}])
            return
        typer.echo(f"{i.name}: {i.title}")
        typer.echo(f"  rows: {i.rows}   period: {i.period}")
        typer.echo(f"  licence: {i.licence}")
        typer.echo(f"  {i.description}")
        typer.echo(f"  citation: {i.citation}")
        for d in i.defects:
            typer.echo(f"  defect: {d}")
        typer.echo(f"  files: {i.path}")

    app.add_typer(ds_app, name="datasets")

    @app.command("fit")
    def fit_cmd(
        dataset: str = typer.Argument(..., help="Dataset: ardennes or iwo-jima."),
        model: str | None = typer.Option(
            None, "--model", help="Law: square (default), linear, ... (not ratio-regression)."
        ),
        method: str = typer.Option(
            "least-squares", "--method", help="engel, ratio-regression, least-squares or mle."
        ),
        days: str | None = typer.Option(None, "--days", help="Day range A-B (inclusive)."),
        force: str | None = typer.Option(None, "--force", help="ardennes: combat or total."),
        series: str | None = typer.Option(
            None, "--series", help="ardennes: original or reformatted."
        ),
        weights: str | None = typer.Option(
            None, "--weights", help="ardennes: bracken (man 1, tank 20, APC 5, gun 40) or manpower."
        ),
        air_weight: float | None = typer.Option(
            None, "--air-weight", help="ardennes: add air sorties to force with this weight."
        ),
        mode: str | None = typer.Option(
            None,
            "--mode",
            help="least-squares, mle: auto (default), conditional (observed strengths) or "
            "trajectory.",
        ),
        target: str | None = typer.Option(
            None, "--target", help="least-squares: daily (default) or cumulative."
        ),
        dist: str | None = typer.Option(None, "--dist", help="mle: poisson or negbin (default)."),
        correct_typo: bool = typer.Option(
            False, "--correct-typo", help="iwo-jima: apply the day-19 18,208 -> 17,208 fix."
        ),
        seed: int | None = typer.Option(
            None, "--seed", help="least-squares, mle: seed of the starting points (default 0)."
        ),
        fmt_text: str | None = format_option(
            "table (default: text), csv (the fitted parameters, one row each) or json (one object)."
        ),
        as_json: bool = json_option(),
    ) -> None:
        """Fit an attrition law to a classic dataset."""
        from attrition.infer.fit import fit_dataset

        fmt = output_format(fmt_text, as_json)
        fitter = fit_dataset(
            dataset, method=method, law=model, days=days, force=force, series=series,
            weights=weights, air_weight=air_weight, mode=mode, target=target, dist=dist,
            correct_typo=correct_typo, seed=seed,
        )  # fmt: skip
        if fmt is OutputFormat.csv:
            print_frame_csv(fitter.to_frame())
            return
        out = fitter.summary()
        if fmt is OutputFormat.json:
            print_json(out)
            return
        typer.echo(f"{out['dataset']}  days {out['days'][0]}-{out['days'][1]}  "
                   f"law {out['model']}  method {out['method']}")  # fmt: skip
        if "coefficients" in out:
            for side, val in out["coefficients"].items():
                ci = out.get("ci", {}).get(side)
                ci_txt = f"  95% CI [{ci[0]:.4g}, {ci[1]:.4g}]" if ci else ""
                typer.echo(f"  {side:>8}: {val:.5g}{ci_txt}")
        else:
            typer.echo(f"  alpha {out['alpha']:.4g}  beta {out['beta']:.4f}  "
                       f"R² {out['r2']:.4f}  n_days {out['n_days']}")  # fmt: skip

    @app.command("compare")
    def compare_cmd(
        dataset: str = typer.Argument(..., help="Dataset: ardennes or iwo-jima."),
        days: str | None = typer.Option(None, "--days", help="Day range A-B (inclusive)."),
        mode: str = typer.Option("auto", "--mode", help="auto, conditional or trajectory."),
        fmt_text: str | None = format_option(),
        as_json: bool = json_option(),
    ) -> None:
        """Fit every law of the family and rank them by AIC (with BIC and R²)."""
        from attrition.infer.compare import compare_laws
        from attrition.infer.fit import load_fit_data

        fmt = output_format(fmt_text, as_json)
        table, _ = compare_laws(load_fit_data(dataset, days), mode=mode)
        if fmt is OutputFormat.json:
            print_json(table.to_dict(orient="records"))
        elif fmt is OutputFormat.csv:
            print_frame_csv(table)
        else:
            typer.echo(table.to_string(index=False, na_rep="-", float_format=lambda v: f"{v:.4g}"))
