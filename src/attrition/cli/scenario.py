"""Bakhmut scenario commands: ``scenario list``, ``scenario run``, ``hindcast``.

Thin layer over :mod:`attrition.battles.bakhmut.scenarios`; heavy imports happen inside the
commands.
The casualty evidence comes from the fog-of-war estimate (:mod:`attrition.infer.fusion`); where
it is not available the commands stop with a one-line error (exit 2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from attrition.cli._output import print_json
from attrition.errors import UserError

if TYPE_CHECKING:
    from attrition.battles import bakhmut as sb

__all__ = ["register"]

_RUN_HELP = """Run a Bakhmut scenario as an ensemble over the calibrated posterior.

\b
  attrition scenario run NAME|FILE [--runs N] [--cutoff DATE] [--seed N] [--json] [--out DIR]

NAME is a packaged scenario (attrition scenario list) or a TOML file. The model is calibrated
on the evidence known by --cutoff (default: all), then the scenario runs --runs times
(posterior draws x binomial attrition). --json prints {scenario, runs, seed, city_fall_date,
sides, exchange_ratio}; --out writes summary.json, runs.csv and daily.csv. What it prints is
a model statement, not a fact about what would have happened.
"""

_HINDCAST_HELP = """Hindcast skill of the Bakhmut model against a naive baseline.

Calibrates at each cutoff (default end of December, January, February), forecasts the rest of
the battle and scores it against the record: the date the city fell, casualties after the
cutoff, control events and city-control figures after it (CRPS and 90% coverage), beside a
linear extrapolation of the advance and of the recent casualty rate.
"""


VALUES_PER_DAY = 16
"""Numbers a Bakhmut run keeps per day: 13 of state (4 strengths, 4 cumulative losses, 3 fronts,
recruits, arrivals; :class:`attrition.battles.bakhmut.engine.BakhmutRuns`) and 3 derived (the two
sides' casualties and the city share) for the summaries: 42.8 kB per run, on the low side of
the 56.8 kB tracemalloc measured (baseline, 5,000 runs, with the summary and both tables)."""


def check_ensemble_memory(runs: int, option: str) -> None:
    """Refuse, before the calibration, a Bakhmut ensemble too large for the memory limit:
    ``runs × (days + 1) ×`` :data:`VALUES_PER_DAY` ``× 8`` bytes."""
    from attrition.battles.bakhmut.axes import DAYS
    from attrition.limits import check_memory

    check_memory(option, runs, float(runs) * (DAYS + 1) * VALUES_PER_DAY * 8.0)


MAX_PRIOR_SD = 20.0
"""A ``[parameters]`` override further than this many prior standard deviations from the
prior's centre (on the prior's own scale: log, logit or plain) is refused as out of scale; for
a strength with prior sd 0.5 on the log scale that is a factor of about 22,000."""


def check_overrides(spec: sb.BakhmutScenario) -> None:
    """Refuse out-of-scale ``[parameters]`` values before the calibration (the file's own
    validation checks only their domain, e.g. > 0)."""
    import math

    from attrition.battles.bakhmut.params import PARAMS

    specs = {p.name: p for p in PARAMS}
    for name, value in spec.parameters.items():
        p = specs[name]
        dist = abs(float(p.z(value)) - p.loc) / p.scale
        if math.isfinite(dist) and dist <= MAX_PRIOR_SD:
            continue
        lo, hi = (float(p.value(p.loc + k * MAX_PRIOR_SD * p.scale)) for k in (-1, 1))
        raise UserError(
            f"{spec.source}: [parameters] {name} = {value:g} is out of scale ({dist:,.0f} prior "
            f"standard deviations from its centre {float(p.value(p.loc)):.4g} {p.unit}); give "
            f"a value between {lo:.3g} and {hi:.3g}"
        )


def check_finite_result(spec: sb.BakhmutScenario, summary: dict[str, object]) -> None:
    """Non-finite casualties or ratios are an error naming the scenario's overrides."""
    import json
    import math

    numbers: list[float] = []

    def walk(v: object) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list | tuple):
            for x in v:
                walk(x)
        elif isinstance(v, float):
            numbers.append(v)

    walk({k: summary[k] for k in ("sides", "exchange_ratio") if k in summary})
    if all(math.isfinite(x) for x in numbers):
        return
    given = json.dumps(spec.parameters) if spec.parameters else "none"
    raise UserError(
        f"{spec.source}: the ensemble gave casualties that are not finite numbers; the "
        f"scenario's [parameters] overrides ({given}) are out of scale for the model"
    )


def register(app: typer.Typer) -> None:
    """Add ``scenario`` (``list``, ``run``) and ``hindcast`` to ``app``."""
    group = typer.Typer(
        name="scenario",
        help="Bakhmut what-if scenarios: list them, run one as a calibrated ensemble.",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
    )
    group.command("list", help="List the packaged Bakhmut scenarios.")(list_command)
    group.command("run", help=_RUN_HELP)(run_command)
    app.add_typer(group, name="scenario")
    app.command("hindcast", help=_HINDCAST_HELP)(hindcast_command)


def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON records."),
) -> None:
    """List the packaged Bakhmut scenarios."""
    from attrition.battles.bakhmut.scenarios import library, load_scenario

    rows = []
    for name, path in library().items():
        spec = load_scenario(path)
        rows.append({"name": name, "title": spec.scenario.title, "file": path.name})
    if as_json:
        print_json(rows)
        return
    width = max((len(r["name"]) for r in rows), default=4)
    for r in rows:
        typer.echo(f"{r['name']:<{width}}  {r['title']}")


def run_command(
    scenario: str = typer.Argument(..., metavar="NAME|FILE", help="Scenario name or TOML file."),
    runs: int | None = typer.Option(
        None, "--runs", help="Ensemble size (default: the file's); bounded by the memory limit."
    ),
    cutoff: str | None = typer.Option(
        None, "--cutoff", help="Calibrate on evidence known by this date (YYYY-MM-DD)."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed (default: the file's)."),
    law: str | None = typer.Option(
        None, "--law", help="auto, square, linear or logarithmic (default: the file's)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    out: str | None = typer.Option(
        None,
        "--out",
        help="Folder for summary.json, runs.csv and daily.csv: new, empty, or one attrition "
        "wrote (files you add there are never touched).",
    ),
) -> None:
    """Run a scenario."""
    from attrition.battles import bakhmut as sb
    from attrition.battles.bakhmut.calibration import check_law_name
    from attrition.battles.bakhmut.evidence import parse_cutoff
    from attrition.limits import check_count, check_seed

    # everything is checked before the calibration, which takes minutes
    check_count(runs, "--runs")
    check_seed(seed)
    if out is not None:
        from attrition.outputs import check_output_dir

        check_output_dir(out)
    spec = sb.load_scenario(scenario)
    c = parse_cutoff(cutoff)
    n, s = sb.run_settings(spec, runs, seed)
    lw = check_law_name(law if law is not None else spec.run.law)
    check_ensemble_memory(n, "--runs")
    check_overrides(spec)
    cal = sb.calibration_for(c, law=lw, seed=s)
    result = sb.run_scenario(spec, cal, runs=n, seed=s)
    summary = result.summary()
    check_finite_result(spec, summary)
    if out is not None:
        from pathlib import Path

        from attrition.cli._output import install_out_folder

        for p in install_out_folder(Path(out), result.write, seed=s):
            typer.echo(f"wrote {p}", err=True)
    if as_json:
        print_json(summary)
        return
    f = summary["city_fall_date"]
    typer.echo(f"scenario {summary['scenario']}: {n} runs, seed {s}, law {cal.law}"
               + (f", evidence known by {c}" if c else ""))  # fmt: skip
    typer.echo(
        f"  city falls (>= {sb.FALL_FRACTION:.0%} held): median {f['median'] or 'after the end'},"
        f" 90% {f['q05'] or 'after the end'} to {f['q95'] or 'after the end'};"
        f" P(by {sb.END}) = {f['probability_by_end']:.2f}"
    )
    for side in ("RU", "UA"):
        q = summary["sides"][side]["casualties"]
        typer.echo(
            f"  {side} casualties: {q['median']:,.0f} (90%: {q['q05']:,.0f}–{q['q95']:,.0f})"
        )
    q = summary["exchange_ratio"]
    typer.echo(f"  exchange ratio RU/UA: {q['median']:.2f} (90%: {q['q05']:.2f}–{q['q95']:.2f})")
    typer.echo("  (a model statement under the scenario's assumptions, not a fact)")


def hindcast_command(
    cutoffs: str | None = typer.Option(
        None, "--cutoffs", help="Comma-separated dates (default 2022-12-31,2023-01-31,2023-02-28)."
    ),
    runs: int = typer.Option(
        500, "--runs", help="Ensemble size per cutoff; bounded by the memory limit."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed."),
    law: str = typer.Option("auto", "--law", help="auto, square, linear or logarithmic."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records."),
) -> None:
    """Hindcast skill table."""
    from attrition.battles import bakhmut as sb
    from attrition.battles.bakhmut.calibration import check_law_name
    from attrition.battles.bakhmut.evidence import parse_cutoff
    from attrition.limits import check_count, check_seed

    check_law_name(law)
    check_count(runs, "--runs", minimum=2)
    check_seed(seed)
    check_ensemble_memory(runs, "--runs")
    raw = [c.strip() for c in cutoffs.split(",")] if cutoffs else list(sb.HINDCAST_CUTOFFS)
    raw = [c for c in raw if c]
    if not raw:
        raise UserError("--cutoffs: give at least one date, e.g. 2023-01-31")
    dates = [parse_cutoff(c) for c in raw]
    table = sb.hindcast([d for d in dates if d is not None], runs=runs, seed=seed, law=law)
    if as_json:
        print_json(table.to_dict(orient="records"))
        return
    typer.echo(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
