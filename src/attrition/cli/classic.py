"""Commands for the classic datasets and the Lanchester fits: ``datasets``, ``fit``, ``compare``."""

from __future__ import annotations

from typing import Any

import typer

from attrition.cli._output import print_json
from attrition.errors import UserError, unknown_name

METHODS = ("engel", "ratio-regression", "least-squares", "mle")
FIT_DATASETS = ("ardennes", "iwo-jima")


# which options apply to which methods (the rest of a method's options are refused, not ignored)
METHOD_OPTIONS: dict[str, tuple[str, ...]] = {
    "--model": ("engel", "least-squares", "mle"),
    "--mode": ("least-squares", "mle"),
    "--target": ("least-squares",),
    "--dist": ("mle",),
    "--seed": ("least-squares", "mle"),
}
ARDENNES_OPTIONS = ("--force", "--series", "--weights", "--air-weight")


def _battle_options(
    dataset: str,
    force: str | None,
    series: str | None,
    weights: str | None,
    air_weight: float | None,
    correct_typo: bool,
) -> dict[str, Any]:
    """Dataset options, rejecting those that do not apply to the dataset."""
    if dataset == "ardennes":
        if correct_typo:
            raise UserError(
                "--correct-typo applies to iwo-jima only (its day-19 typo), not to ardennes"
            )
        opts: dict[str, Any] = {
            "force": force or "combat",
            "series": series or "original",
            "weights": weights or "bracken",
            "air_weight": air_weight,
        }
        for key, valid in (
            ("force", ("combat", "total")),
            ("series", ("original", "reformatted")),
            ("weights", ("bracken", "manpower")),
        ):
            if opts[key] not in valid:
                raise unknown_name(f"--{key}", opts[key], valid)
        if air_weight is not None and not 0 <= air_weight < float("inf"):
            raise UserError(f"--air-weight {air_weight}: give a number >= 0 (Fricker used 30)")
        return opts
    given = dict(zip(ARDENNES_OPTIONS, (force, series, weights, air_weight), strict=True))
    extra = [k for k, v in given.items() if v is not None]
    if extra:
        raise UserError(f"{', '.join(extra)} apply to ardennes only, not to {dataset}")
    return {"correct_typo": correct_typo}


def _check_method_options(method: str, given: dict[str, object]) -> None:
    """Refuse an option the method does not use, saying where it applies."""
    for option, value in given.items():
        methods = METHOD_OPTIONS[option]
        if value is not None and method not in methods:
            raise UserError(
                f"{option} applies to --method {' or '.join(methods)} only, not to {method}; "
                f"leave {option} out"
            )


def build_fit(
    dataset: str,
    *,
    model: str | None = None,
    method: str = "least-squares",
    days: str | None = None,
    force: str | None = None,
    series: str | None = None,
    weights: str | None = None,
    air_weight: float | None = None,
    mode: str | None = None,
    target: str | None = None,
    dist: str | None = None,
    correct_typo: bool = False,
    seed: int | None = None,
) -> dict[str, Any]:
    """Run one fit and return the JSON-ready result (used by ``attrition fit``).

    Options left at ``None`` take their defaults (law square, mode auto, target daily, dist
    negbin, seed 0); an option given to a method or dataset it does not apply to raises
    :class:`UserError` (see :data:`METHOD_OPTIONS`), as do a negative seed and a day range
    with no more observations than the fit has parameters. Everything is checked before the fit.
    """
    from attrition.infer import battle as battle_mod
    from attrition.limits import check_seed
    from attrition.models.laws import LAW_NAMES

    if dataset not in FIT_DATASETS:
        from attrition.data import datasets

        names = [d.name for d in datasets.available()]
        if dataset not in names:
            raise unknown_name("dataset", dataset, names)
        raise UserError(
            f"dataset {dataset!r} has no daily two-sided series to fit; "
            f"valid: {', '.join(FIT_DATASETS)}"
        )
    if method not in METHODS:
        raise unknown_name("method", method, METHODS)
    check_seed(seed)
    _check_method_options(
        method, {"--model": model, "--mode": mode, "--target": target, "--dist": dist,
                 "--seed": seed}
    )  # fmt: skip
    law = model or "square"
    if law not in LAW_NAMES:
        raise unknown_name("law", law, LAW_NAMES)
    opts = _battle_options(dataset, force, series, weights, air_weight, correct_typo)
    if method == "engel" and (law != "square" or dataset != "iwo-jima"):
        raise UserError(
            "the engel method estimates the square law on iwo-jima only; "
            "use --model square with iwo-jima, or another --method"
        )
    if method == "ratio-regression" and dataset != "ardennes":
        raise UserError(
            "ratio-regression needs both sides' daily strengths and losses; use ardennes"
        )
    data = battle_mod.load_battle(dataset, **opts).select(battle_mod.parse_days(days))
    out: dict[str, Any] = {
        "dataset": dataset,
        "model": law if method != "ratio-regression" else "power (beta = p - q)",
        "method": method,
        "days": [int(data.day.min()), int(data.day.max())],
        "sides": list(data.sides),
        "options": opts,
    }
    if method == "engel":
        from attrition.infer.engel import EngelFitter

        out.update(EngelFitter().fit(data).summary())
    elif method == "ratio-regression":
        from attrition.infer.regression import RatioRegression

        out.update(RatioRegression().fit(data).summary())
    elif method == "least-squares":
        from attrition.infer.least_squares import LeastSquaresFitter

        fit = LeastSquaresFitter(
            law, mode=mode or "auto", target=target or "daily", seed=seed or 0
        ).fit(data)
        out.update(fit.summary())
    else:
        from attrition.infer.likelihood import MaximumLikelihoodFitter

        mle = MaximumLikelihoodFitter(
            law, dist=dist or "negbin", mode=mode or "auto", seed=seed or 0
        ).fit(data)
        out.update(mle.summary())
    return out


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
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    ) -> None:
        """List the packaged datasets (name, rows, period, licence)."""
        if ctx.invoked_subcommand is not None:
            return
        from attrition.data import datasets

        infos = datasets.available()
        if as_json:
            print_json(
                [
                    {"name": i.name, "rows": i.rows, "period": i.period, "licence": i.licence}
                    for i in infos
                ]
            )
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title="Packaged datasets")
        for col in ("name", "rows", "period", "licence", "title"):
            table.add_column(col)
        for i in infos:
            table.add_row(i.name, str(i.rows), i.period, i.licence, i.title)
        Console().print(table)

    @ds_app.command("show")
    def datasets_show(name: str = typer.Argument(..., help="Dataset name.")) -> None:
        """Describe one dataset: source, licence, citation, known defects and their handling."""
        from attrition.data import datasets

        i = datasets.info(name)
        typer.echo(f"{i.name}: {i.title}")
        typer.echo(f"  rows: {i.rows}   period: {i.period}   licence: {i.licence}")
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
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Fit an attrition law to a classic dataset."""
        out = build_fit(
            dataset, model=model, method=method, days=days, force=force, series=series,
            weights=weights, air_weight=air_weight, mode=mode, target=target, dist=dist,
            correct_typo=correct_typo, seed=seed,
        )  # fmt: skip
        if as_json:
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
        as_json: bool = typer.Option(False, "--json", help="Print JSON records."),
    ) -> None:
        """Fit every law of the family and rank them by AIC (with BIC and R²)."""
        from attrition.infer import battle as battle_mod
        from attrition.infer.compare import compare_laws

        if dataset not in FIT_DATASETS:
            raise unknown_name("dataset", dataset, FIT_DATASETS)
        data = battle_mod.load_battle(dataset).select(battle_mod.parse_days(days))
        table, _ = compare_laws(data, mode=mode)
        if as_json:
            print_json(table.to_dict(orient="records"))
        else:
            typer.echo(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
