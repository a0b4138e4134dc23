"""Scenario commands: ``scenario list``, ``scenario run`` (every kind), ``hindcast``.

Thin layer: a file is read and validated by its kind (:func:`attrition.battles.load_scenario`);
a duel runs through the same code as ``attrition simulate``
(:func:`attrition.cli.simulate.run_duel`), a Bakhmut scenario through
:func:`attrition.battles.bakhmut.scenarios.run_scenario`, which checks the memory before the
calibration and refuses results that are not finite. The commands parse options, call, and
format; heavy imports happen inside them. The Bakhmut casualty evidence comes from the
fog-of-war estimate (:mod:`attrition.infer.fusion`); where it is not available the commands
stop with a one-line error (exit 2).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from attrition.cli._output import print_json
from attrition.errors import UserError

if TYPE_CHECKING:
    from attrition.battles.bakhmut.scenarios import BakhmutScenario
    from attrition.scenarios.spec import Scenario

__all__ = ["register"]

_RUN_HELP = """Run a scenario of any kind: a duel or a Bakhmut what-if.

\b
  attrition scenario run NAME|FILE [--runs N] [--seed N] [--json] [--out DIR]
  attrition scenario run NAME|FILE [--cutoff DATE] [--law LAW]   (Bakhmut)

NAME is a packaged scenario (attrition scenario list) or a TOML file; its [scenario] kind
(duel when left out) says how it runs. A duel runs its ensemble as attrition simulate does
(--json prints the same summary; --out writes summary.json and runs.csv). A Bakhmut scenario
is calibrated on the evidence known by --cutoff (default: all), then runs --runs times
(posterior draws x binomial attrition); --json prints {scenario, runs, seed, city_fall_date,
sides, exchange_ratio}; --out writes summary.json, runs.csv and daily.csv. What it prints is
a model statement, not a fact about what would have happened.
"""

_HINDCAST_HELP = """Hindcast skill of the Bakhmut model against a naive baseline.

Calibrates at each cutoff (default end of December, January, February), forecasts the rest of
the battle and scores it against the record: the date the city fell, casualties after the
cutoff, control events and city-control figures after it (CRPS and 90% coverage), beside a
linear extrapolation of the advance and of the recent casualty rate.
"""


def register(app: typer.Typer) -> None:
    """Add ``scenario`` (``list``, ``run``) and ``hindcast`` to ``app``."""
    group = typer.Typer(
        name="scenario",
        help="Scenarios of every kind (duels, Bakhmut what-ifs): list them, run one.",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
    )
    group.command("list", help="List the packaged scenarios of every kind.")(list_command)
    group.command("run", help=_RUN_HELP)(run_command)
    app.add_typer(group, name="scenario")
    app.command("hindcast", help=_HINDCAST_HELP)(hindcast_command)


def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON records."),
) -> None:
    """List the packaged scenarios of every kind."""
    from attrition.battles import load_scenario, scenario_library

    rows = []
    for name, (kind, path) in scenario_library().items():
        info = load_scenario(path).scenario
        title = getattr(info, "title", "") or getattr(info, "description", "")
        rows.append({"name": name, "kind": kind, "title": title, "file": path.name})
    if as_json:
        print_json(rows)
        return
    width = max((len(r["name"]) for r in rows), default=4)
    kw = max((len(r["kind"]) for r in rows), default=4)
    for r in rows:
        typer.echo(f"{r['name']:<{width}}  {r['kind']:<{kw}}  {r['title']}")


def run_command(
    scenario: str = typer.Argument(..., metavar="NAME|FILE", help="Scenario name or TOML file."),
    runs: int | None = typer.Option(
        None, "--runs", help="Ensemble size (default: the file's); bounded by the memory limit."
    ),
    cutoff: str | None = typer.Option(
        None, "--cutoff", help="Bakhmut: calibrate on evidence known by this date (YYYY-MM-DD)."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Seed (default: the file's)."),
    law: str | None = typer.Option(
        None,
        "--law",
        help="Bakhmut: auto, square, linear or logarithmic (default: the file's).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    out: str | None = typer.Option(
        None,
        "--out",
        help="Folder for summary.json and runs.csv (Bakhmut: also daily.csv): new, empty, or "
        "one attrition wrote (files you add there are never touched).",
    ),
) -> None:
    """Run a scenario."""
    from attrition.battles import load_scenario
    from attrition.limits import check_count, check_seed

    # everything is checked before the work (a Bakhmut calibration takes minutes)
    check_count(runs, "--runs")
    check_seed(seed)
    if out is not None:
        from attrition.outputs import check_output_dir

        check_output_dir(out)
    spec = load_scenario(scenario)
    runner = _RUNNERS.get(spec.scenario.kind)
    if runner is None:  # a kind registered without a runner here
        raise UserError(f"{spec.source}: scenarios of kind {spec.scenario.kind!r} cannot run yet")
    runner(spec, runs=runs, seed=seed, cutoff=cutoff, law=law, as_json=as_json, out=out)


def _run_duel(
    spec: Scenario,
    *,
    runs: int | None,
    seed: int | None,
    cutoff: str | None,
    law: str | None,
    as_json: bool,
    out: str | None,
) -> None:
    """A duel: the ensemble of ``attrition simulate`` (same checks, same engine, same output)."""
    from attrition.cli.simulate import human_summary, run_duel
    from attrition.limits import check_count
    from attrition.scenarios.spec import MAX_RUNS

    for option, value, note in (
        ("--cutoff", cutoff, ""),
        ("--law", law, " (a duel's law is its [scenario] law)"),
    ):
        if value is not None:
            raise UserError(
                f"{option} applies to Bakhmut scenarios only{note}; {spec.source} is a duel: "
                f"leave {option} out"
            )
    check_count(runs, "--runs", maximum=MAX_RUNS)
    ens = run_duel(spec, runs=runs, seed=seed)
    summary = ens.summary()
    if out is not None:
        from attrition.cli._output import install_out_folder

        def write(folder: Path) -> None:
            import json

            from attrition._io import atomic_write_text

            text = json.dumps(summary, indent=2, default=float) + "\n"
            atomic_write_text(folder / "summary.json", text)
            atomic_write_text(folder / "runs.csv", ens.to_dataframe().to_csv(index=False))

        for p in install_out_folder(Path(out), write, seed=summary["seed"]):
            typer.echo(f"wrote {p}", err=True)
    if as_json:
        print_json(summary)
        return
    typer.echo(human_summary(summary))


def _run_bakhmut(
    spec: BakhmutScenario,
    *,
    runs: int | None,
    seed: int | None,
    cutoff: str | None,
    law: str | None,
    as_json: bool,
    out: str | None,
) -> None:
    """A Bakhmut what-if: calibrated (memory checked first), run, checked, formatted."""
    from attrition.battles import bakhmut as sb
    from attrition.battles.bakhmut.evidence import parse_cutoff

    c = parse_cutoff(cutoff)
    result = sb.run_scenario(spec, runs=runs, seed=seed, cutoff=c, law=law)
    n, s = result.runs, result.seed
    summary = result.summary()
    if out is not None:
        from attrition.cli._output import install_out_folder

        for p in install_out_folder(Path(out), result.write, seed=s):
            typer.echo(f"wrote {p}", err=True)
    if as_json:
        print_json(summary)
        return
    f = summary["city_fall_date"]
    typer.echo(f"scenario {summary['scenario']}: {n} runs, seed {s}, law {result.law}"
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


#: How ``scenario run`` runs each kind (formatting only: the work is the library's).
_RUNNERS: dict[str, Callable[..., None]] = {"duel": _run_duel, "bakhmut": _run_bakhmut}


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
    from attrition.battles.bakhmut.evidence import parse_cutoff

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
