"""Scenario commands: ``scenario list``, ``scenario show``, ``scenario new``, ``scenario run``
(every kind), ``hindcast``.

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
from attrition.errors import UserError

if TYPE_CHECKING:
    from attrition.battles.bakhmut.scenarios import BakhmutScenario
    from attrition.scenarios.spec import Scenario

__all__ = ["register"]

_RUN_HELP = """Run a scenario of any kind: a duel or a Bakhmut what-if.

\b
  attrition scenario run NAME|FILE [--runs N] [--seed N] [--format table|csv|json] [--out DIR]
  attrition scenario run NAME|FILE [--cutoff DATE] [--law LAW] [--particles N] [--repeats N]
                                   (Bakhmut)

NAME is a packaged scenario (attrition scenario list) or a TOML file; its [scenario] kind
(duel when left out) says how it runs. A duel runs its ensemble as attrition simulate does
(--json prints the same summary; --out writes summary.json and runs.csv).

A Bakhmut scenario runs by default under every attrition law (--law mixture): each law is
calibrated --repeats times (seeds SEED..SEED+N-1) on the evidence known by --cutoff (default:
all), the laws are weighted by the average over the repeats of their posterior probabilities
from the log evidence, and the mixture shares out --runs runs by the weights (posterior draws x
binomial attrition). --law auto runs the single best law, --law LAW one law. Each law's result
is shown beside the mixture, and the effect against the baseline is computed from paired runs
(same draws, same seeds) with P(effect > 0), flagged where its sign depends on the law.
--json prints {scenario, runs, seed, city_fall_date, sides, exchange_ratio} (the mixture), then
law, cutoff, method, particles, moves, evidence_repeats, weights_rule, law_weights, laws (per
law), effects, version and input_hashes; --out writes summary.json, runs.csv, daily.csv,
laws.csv and effects.csv. --format csv prints one row per law and side. What it prints is a
model statement, not a fact about what would have happened.
"""

_SHOW_HELP = """Print a scenario file (a packaged name or a TOML file) with its kind.

The first line is a TOML comment naming the file and its kind; the rest is the file as it is.
The file is read and checked by its kind first, so what is shown is a valid scenario.
"""

_NEW_HELP = """Write a commented template scenario: every key of its kind, valid as written.

\b
  attrition scenario new NAME --kind duel|bakhmut [--out FILE]

The file (default NAME.toml in the current folder) must not exist: nothing is overwritten.
Keys you do not need stay commented out; `attrition scenario run FILE` runs it.
"""

_HINDCAST_HELP = """Hindcast skill of the Bakhmut model against three baselines, over seeds.

\b
  attrition hindcast [--cutoffs D1,D2] [--seeds N] [--executor serial|processes|dask]

Calibrates at each cutoff (default the end of every month from November 2022 to April 2023) on
what was published by then, the law chosen at that cutoff, forecasts the rest of the battle and
scores it against what was published after it: control events and city-control figures (log
score, Brier, CRPS, 90% coverage), the date the city fell (CRPS), and casualty claims made after
the cutoff about periods after it (log score with claim noise). The baselines forecast the same
targets from the same evidence: a straight line, persistence and a local-linear-trend model.
Each (cutoff, seed) is one task on the executor; the table does not depend on it. Expensive:
one calibration per cutoff and seed, each with 600 SMC particles x 6 moves per stage (fewer
moves than scenario run's 16, for the cost: the log evidence comes out 3-4 nats low, by law,
so each cutoff's choice of law leans towards the square law).
"""


def register(app: typer.Typer) -> None:
    """Add ``scenario`` (``list``, ``run``) and ``hindcast`` to ``app``."""
    group = typer.Typer(
        name="scenario",
        help="Scenarios of every kind (duels, Bakhmut what-ifs): list, show, write a new one, "
        "run one.",
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
    )
    group.command("list", help="List the packaged scenarios of every kind.")(list_command)
    group.command("show", help=_SHOW_HELP)(show_command)
    group.command("new", help=_NEW_HELP)(new_command)
    group.command("run", help=_RUN_HELP)(run_command)
    app.add_typer(group, name="scenario")
    app.command("hindcast", help=_HINDCAST_HELP)(hindcast_command)


def list_command(
    fmt_text: str | None = format_option(),
    as_json: bool = json_option(),
) -> None:
    """List the packaged scenarios of every kind."""
    from attrition.battles import load_scenario, scenario_library

    fmt = output_format(fmt_text, as_json)
    rows = []
    for name, (kind, path) in scenario_library().items():
        info = load_scenario(path).scenario
        title = getattr(info, "title", "") or getattr(info, "description", "")
        rows.append({"name": name, "kind": kind, "title": title, "file": path.name})
    if fmt is OutputFormat.json:
        print_json(rows)
        return
    if fmt is OutputFormat.csv:
        print_csv(rows, ["name", "kind", "title", "file"])
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
        help="Bakhmut: mixture (every law, weighted), auto (the best law), square, linear or "
        "logarithmic (default: the file's, mixture unless it says).",
    ),
    particles: int | None = typer.Option(
        None, "--particles", help="Bakhmut: SMC particles per calibration (default 600; >= 20)."
    ),
    repeats: int | None = typer.Option(
        None,
        "--repeats",
        help="Bakhmut, --law mixture: calibrations per law whose log evidences the weights "
        "average over (default 3; 1 gives equal weights).",
    ),
    fmt_text: str | None = format_option(
        "table (default: text), csv (one row per side) or json (one object)."
    ),
    as_json: bool = json_option(),
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
    fmt = output_format(fmt_text, as_json)
    check_count(runs, "--runs")
    check_seed(seed)
    if out is not None:
        from attrition.outputs import check_output_dir

        check_output_dir(out)
    spec = load_scenario(scenario)
    runner = _RUNNERS.get(spec.scenario.kind)
    if runner is None:  # a kind registered without a runner here
        raise UserError(f"{spec.source}: scenarios of kind {spec.scenario.kind!r} cannot run yet")
    runner(
        spec, runs=runs, seed=seed, cutoff=cutoff, law=law, fmt=fmt, out=out,
        particles=particles, repeats=repeats,
    )  # fmt: skip


def _run_duel(
    spec: Scenario,
    *,
    runs: int | None,
    seed: int | None,
    cutoff: str | None,
    law: str | None,
    fmt: OutputFormat,
    out: str | None,
    particles: int | None = None,
    repeats: int | None = None,
) -> None:
    """A duel: the ensemble of ``attrition simulate`` (same checks, same engine, same output)."""
    from attrition.cli.simulate import human_summary, run_duel, summary_rows
    from attrition.limits import check_count
    from attrition.scenarios.spec import MAX_RUNS

    for option, value, note in (
        ("--cutoff", cutoff, ""),
        ("--law", law, " (a duel's law is its [scenario] law)"),
        ("--particles", particles, ""),
        ("--repeats", repeats, ""),
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
    if fmt is OutputFormat.json:
        print_json(summary)
        return
    if fmt is OutputFormat.csv:
        print_csv(summary_rows(summary))
        return
    typer.echo(human_summary(summary))


def _run_bakhmut(
    spec: BakhmutScenario,
    *,
    runs: int | None,
    seed: int | None,
    cutoff: str | None,
    law: str | None,
    fmt: OutputFormat,
    out: str | None,
    particles: int | None = None,
    repeats: int | None = None,
) -> None:
    """A Bakhmut what-if under the law mixture (or one law): everything checked first, then
    calibrated, run, checked, formatted."""
    from attrition._runtime import quiet_jax_logs
    from attrition.battles import bakhmut as sb
    from attrition.battles.bakhmut import mixture as mx
    from attrition.battles.bakhmut import scenarios as bs
    from attrition.battles.bakhmut.evidence import parse_cutoff
    from attrition.cli._progress import StageProgress

    c = parse_cutoff(cutoff)
    lw = bs.check_run_law(law if law is not None else spec.run.law)
    st = bs.check_calibration_settings(particles, None)
    if repeats is not None and lw != bs.MIXTURE:
        raise UserError(
            f"--repeats applies to --law mixture only (this run: --law {lw}); leave it out"
        )
    k = mx.REPEATS if repeats is None else repeats
    if k < 1:
        raise UserError(f"--repeats {k}: give at least 1 (2 or more measure the error)")
    n, s = bs.run_settings(spec, runs, seed)
    quiet_jax_logs()
    with StageProgress(f"scenario {spec.name}", ["calibrations and runs"]) as progress:
        progress.stage("calibrations and runs")
        if lw == bs.MIXTURE:
            result = mx.run_mixture(spec, runs=n, seed=s, cutoff=c, repeats=k, settings=st)
        elif lw == "auto":  # the best law of one calibration, run as a mixture of one
            bs.check_ensemble_memory(n, copies=3)
            best = bs.calibration_for(c, law="auto", seed=s, settings=st)
            result = mx.run_mixture(
                spec, runs=n, seed=s, calibrations={best.law: [best]}, settings=st
            )
        else:
            result = mx.run_mixture(spec, runs=n, seed=s, cutoff=c, laws=[lw], repeats=1,
                                    settings=st)  # fmt: skip
    summary = result.summary()
    if out is not None:
        from attrition.cli._output import install_out_folder

        for p in install_out_folder(Path(out), result.write, seed=s):
            typer.echo(f"wrote {p}", err=True)
    if fmt is OutputFormat.json:
        print_json(summary)
        return
    if fmt is OutputFormat.csv:
        rows = []
        for name, part in (("mixture", summary), *summary["laws"].items()):
            weight = 1.0 if name == "mixture" else part["weight"]
            for side, qs in part["sides"].items():
                for q, values in qs.items():
                    rows.append({"law": name, "weight": weight, "side": side, "quantity": q,
                                 **values})  # fmt: skip
        print_csv(rows)
        return
    typer.echo(_bakhmut_text(summary, sb.FALL_FRACTION, sb.END))


def _bakhmut_text(summary: dict[str, Any], fall_fraction: float, end: object) -> str:
    """The table format of a Bakhmut run: the mixture, each law beside it, the effects."""
    lines = []
    c = summary["cutoff"]
    laws = summary["laws"]
    how = (
        f"mixture of {len(laws)} laws ({summary['weights_rule']}, "
        f"{summary['evidence_repeats']} calibrations per law)"
        if summary["law"] == "mixture"
        else f"law {summary['law']}"
    )
    lines.append(
        f"scenario {summary['scenario']}: {summary['runs']} runs, seed {summary['seed']}, {how}, "
        f"{summary['particles']} particles" + (f", evidence known by {c}" if c else "")
    )

    def block(part: dict[str, Any], indent: str) -> None:
        f = part["city_fall_date"]
        late = "after the end"
        lines.append(
            f"{indent}city falls (>= {fall_fraction:.0%} held): median {f['median'] or late},"
            f" 90% {f['q05'] or late} to {f['q95'] or late}; P(by {end}) = "
            f"{f['probability_by_end']:.2f}"
        )
        for side in ("RU", "UA"):
            q = part["sides"][side]["casualties"]
            lines.append(
                f"{indent}{side} casualties: {q['median']:,.0f} "
                f"(90%: {q['q05']:,.0f}–{q['q95']:,.0f})"
            )
        q = part["exchange_ratio"]
        lines.append(
            f"{indent}exchange ratio RU/UA: {q['median']:.2f} (90%: {q['q05']:.2f}–{q['q95']:.2f})"
        )

    block(summary, "  ")
    if len(laws) > 1:
        for name, part in laws.items():
            sd = part["log_evidence_sd"]
            err = f", sd {sd:.2f} nat" if sd is not None else ""
            lines.append(
                f"  law {name}: weight {part['weight']:.2f} ({part['runs_in_mixture']} runs; "
                f"log evidence {', '.join(f'{x:.1f}' for x in part['log_evidence'])}{err})"
            )
            block(part, "    ")
    if summary["scenario"] != "baseline":
        lines.append("  effect against the baseline (paired runs; median, 90%, P(effect > 0)):")
        for key, e in summary["effects"].items():
            if key in ("ru_casualties", "ua_casualties"):
                continue  # shown in %
            m = e["mixture"]
            per = "; ".join(
                f"{name} {v['median']:+,.3g}" for name, v in e["laws"].items()
            ) if len(e["laws"]) > 1 else ""  # fmt: skip
            flag = " — its sign depends on the law" if e["sign_depends_on_law"] else ""
            lines.append(
                f"    {_EFFECT_LABELS.get(key, key)}: {m['median']:+,.3g} "
                f"({m['q05']:+,.3g} to {m['q95']:+,.3g}), P = {m['p_positive']:.2f}"
                + (f" [{per}]" if per else "")
                + flag
            )
    lines.append("  (a model statement under the scenario's assumptions, not a fact)")
    return "\n".join(lines)


_EFFECT_LABELS = {
    "fall_day": "fall date, days later",
    "ru_casualties_pct": "RU casualties, % change",
    "ua_casualties_pct": "UA casualties, % change",
    "exchange_ratio": "exchange ratio RU/UA, change",
}


#: How ``scenario run`` runs each kind (formatting only: the work is the library's).
_RUNNERS: dict[str, Callable[..., None]] = {"duel": _run_duel, "bakhmut": _run_bakhmut}


def hindcast_command(
    cutoffs: str | None = typer.Option(
        None,
        "--cutoffs",
        help="Comma-separated dates (default: the end of every month, Nov 2022 to Apr 2023).",
    ),
    runs: int = typer.Option(
        500, "--runs", help="Ensemble size per cutoff; bounded by the memory limit."
    ),
    seed: int = typer.Option(0, "--seed", help="First seed."),
    seeds: int = typer.Option(
        5, "--seeds", help="Number of seeds (seed .. seed + N - 1): skill with its spread."
    ),
    law: str = typer.Option("auto", "--law", help="auto, square, linear or logarithmic."),
    executor: str = typer.Option(
        "serial", "--executor", help="Where the (cutoff, seed) tasks go: serial | processes | dask."
    ),
    workers: int | None = typer.Option(
        None, "--workers", help="Processes or local Dask workers (default: CPUs)."
    ),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Address of an existing Dask scheduler (tcp://HOST:8786)."
    ),
    fmt_text: str | None = format_option(
        "table (default: the summary over the seeds), csv (the tidy table: one row per cutoff x "
        "target x forecaster x seed) or json ({settings, table, summary})."
    ),
    as_json: bool = json_option(),
) -> None:
    """Hindcast skill of the model against the baselines, over seeds."""
    import math

    from attrition.battles.bakhmut import hindcasts as hc
    from attrition.battles.bakhmut.evidence import parse_cutoff
    from attrition.limits import check_count

    fmt = output_format(fmt_text, as_json)
    raw = [c.strip() for c in cutoffs.split(",")] if cutoffs else list(hc.HINDCAST_CUTOFFS)
    raw = [c for c in raw if c]
    if not raw:
        raise UserError("--cutoffs: give at least one date, e.g. 2023-01-31")
    check_count(workers, "--workers")
    if workers is not None and executor == "serial":
        raise UserError(
            "--workers applies to --executor processes or dask only; leave --workers out or "
            "choose an executor"
        )
    dates = [parse_cutoff(c) for c in raw]
    table = hc.hindcast(
        [d for d in dates if d is not None], runs=runs, seed=seed, seeds=seeds, law=law,
        executor=executor, workers=workers, scheduler=scheduler,
    )  # fmt: skip
    summary = hc.hindcast_summary(table)
    if fmt is OutputFormat.json:

        def records(frame: object) -> list[dict[str, object]]:
            out = []
            for r in frame.to_dict(orient="records"):  # type: ignore[attr-defined]
                out.append(
                    {
                        str(k): None if isinstance(v, float) and not math.isfinite(v) else v
                        for k, v in r.items()
                    }
                )
            return out

        settings = {"cutoffs": [d.isoformat() for d in dates if d is not None], "runs": runs,
                    "seeds": list(range(seed, seed + seeds)), "law": law,
                    "particles": hc.HINDCAST_SETTINGS[0], "moves": hc.HINDCAST_SETTINGS[1],
                    "forecasters": list(hc.FORECASTERS)}  # fmt: skip
        print_json({"settings": settings, "table": records(table), "summary": records(summary)})
        return
    if fmt is OutputFormat.csv:
        print_frame_csv(table)
        return
    shown = summary[~summary["target"].str.startswith("casualty_claim:")]
    typer.echo(shown.to_string(index=False, na_rep="-", float_format=lambda v: f"{v:.3g}"))
    typer.echo(
        "  (lower is better except coverage_90; model_better: seeds in which the model beats that "
        "forecaster; one row per claim in --format csv)"
    )


# ---------------------------------------------------------------------------------------------
# show, new


def show_command(
    scenario: str = typer.Argument(..., metavar="NAME|FILE", help="Scenario name or TOML file."),
    fmt_text: str | None = format_option(
        "table (default: the TOML after a comment naming its kind) or json ({name, kind, file, "
        "toml})."
    ),
    as_json: bool = json_option(),
) -> None:
    """Print a scenario file with its kind."""
    from attrition.battles import load_scenario, resolve_scenario

    fmt = output_format(
        fmt_text,
        as_json,
        formats=(OutputFormat.table, OutputFormat.json),
        why="a scenario is one TOML file",
    )
    path, _ = resolve_scenario(scenario)
    spec = load_scenario(scenario)  # checked by its kind: what is shown is valid
    kind = str(spec.scenario.kind)
    text = path.read_text(encoding="utf-8")
    if fmt is OutputFormat.json:
        print_json({"name": spec.scenario.name, "kind": kind, "file": str(path), "toml": text})
        return
    typer.echo(f"# {path} (kind {kind})")
    typer.echo(text, nl=not text.endswith("\n"))


SCENARIO_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
"""Characters of a new scenario's name (it becomes ``[scenario] name`` and the file's stem)."""


def new_command(
    name: str = typer.Argument(..., help="The scenario's name (letters, digits, - and _)."),
    kind: str | None = typer.Option(
        None, "--kind", metavar="duel|bakhmut", help="The kind of scenario (required)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="The file to write (default NAME.toml here); must not exist."
    ),
) -> None:
    """Write a commented template scenario of a kind."""
    from attrition.cli._output import canonical

    if not name or not set(name) <= SCENARIO_NAME_CHARS:
        raise UserError(
            f"scenario new: name {name!r}: use letters, digits, '-' and '_' only "
            "(it becomes the file's name), e.g. my-duel"
        )
    if kind is None:  # Click's own message would not name the kinds
        raise UserError(
            f"scenario new: --kind is missing; give --kind {'|'.join(TEMPLATES)}, e.g. "
            f"attrition scenario new {name} --kind {next(iter(TEMPLATES))}"
        )
    chosen = canonical(kind, TEMPLATES, "--kind", "kind")
    target = out if out is not None else Path(f"{name}.toml")
    if target.exists() or target.is_symlink():
        raise UserError(f"--out {target}: exists; give another file name (nothing is overwritten)")
    if target.suffix.lower() != ".toml":
        raise UserError(f"--out {target}: a scenario file ends in .toml; e.g. {name}.toml")
    from attrition.cli._output import check_writable

    check_writable(target.parent, shown=target)
    text = TEMPLATES[chosen](name)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8") as fh:  # exclusive: never replaces a file
            fh.write(text)
    except FileExistsError:
        raise UserError(
            f"--out {target}: exists; give another file name (nothing is overwritten)"
        ) from None
    typer.echo(f"wrote {target} (kind {chosen})")
    typer.echo(f"next: edit it, then `attrition scenario run {target}`")


def duel_template(name: str) -> str:
    """A commented duel scenario: every key of the kind (docs/simulation.md), valid as written."""
    from attrition.models.laws import LAW_NAMES
    from attrition.scenarios.spec import DISTRIBUTIONS
    from attrition.simulate.methods import METHODS

    return f"""# A Lanchester duel: two sides, one law, an ensemble of runs (docs/simulation.md).
# Lines starting with # are optional keys: remove the # to use one.

[scenario]
kind = "duel"
name = {_toml_string(name)}
law = "square"            # {" | ".join(LAW_NAMES)}
days = 30                 # whole days
description = "Square-law duel, 1,000 vs 800 over 30 days"
# p = 0.8                 # power law: the shooter's exponent
# q = 0.6                 # power law: the target's exponent
# aimed = "blue"          # mixed law: the side whose fire is aimed

[sides.blue]              # exactly two sides, any names, in this order
strength = 1000
effectiveness = 0.012     # losses its fire inflicts per shooter per day (square law)

[sides.red]
strength = 800
effectiveness = 0.010

[run]
method = "ssa"            # {" | ".join(METHODS)}   (default ode)
runs = 1000               # >= 1   (default 1)
seed = 1                  # >= 0   (default 0)
# substeps = 0            # steps per day; 0 = automatic
# epsilon = 0.03          # tau-leap error control

[stop]
annihilation = true       # stop when a side reaches annihilation_level
annihilation_level = 0
# breakpoint = {{ red = 0.4 }}    # per side: stop when it falls to this share of its strength

# [[schedule]]            # an impulse: amount arrives (negative: leaves) at the start of day
# side = "blue"
# day = 10
# amount = 200
# [[schedule]]            # a rate: per_day troops a day during [start, end)
# side = "red"
# start = 0
# end = 20
# per_day = -15

# [uncertain.blue.effectiveness]  # an uncertain input (strength or effectiveness) of a side
# dist = "uniform"                # {", ".join(DISTRIBUTIONS)}
# low = 0.010                     # uniform: low, high; normal: mean, sd (truncated at 0)
# high = 0.014                    # lognormal: median, sigma; triangular: low, mode, high
#                                 # draws: file (CSV/Parquet beside this file), column

[outputs]                 # named quantities (default: final of each side, duration)
quantities = ["final_blue", "final_red", "duration"]
# also: losses_SIDE, win_SIDE, remaining_SIDE, exchange_ratio
"""


def bakhmut_template(name: str) -> str:
    """A commented Bakhmut what-if: every key of the kind, valid as written (the record's
    schedule, unchanged, until a ``[schedule]`` key is uncommented)."""
    from attrition.battles.bakhmut.axes import BAKHMUT_LAWS, END, START
    from attrition.battles.bakhmut.params import PARAMS
    from attrition.battles.bakhmut.schedule import FORCES

    params = "\n".join(
        f"# {p.name} = {_number(float(p.value(p.loc)))}".ljust(32) + f"# {p.unit}" for p in PARAMS
    )
    return f"""# A Bakhmut what-if: the record's schedule with some kinds of items replaced, run
# over the calibrated posterior (docs/bakhmut-model.md). Lines starting with # are optional keys.
# Dates lie inside the battle, {START} to {END}.

[scenario]
kind = "bakhmut"
name = {_toml_string(name)}
title = "One line: what changes"
rationale = "Why: the claims and the article behind it (may be a triple-quoted string)."

[run]
runs = 1000               # ensemble size (posterior draws x binomial attrition)
seed = 1
law = "mixture"           # mixture (all, weighted) | auto (the best) | {" | ".join(BAKHMUT_LAWS)}

[schedule]                # each key given replaces the record's items of that kind
# supply = [{{ date = "2022-08-01", level = 1.0 }}]    # Wagner's share of the 300 t/day demanded
# recruitment = [{{ start = "2022-08-01", end = "2022-09-30" }}]   # convict recruitment
# forces = [{{ force = "wagner", arrive = "2022-08-01", depart = "2023-05-25" }}]
#   force: {", ".join(FORCES)}
# withdrawals = [{{ date = "2023-03-07", to_fraction = 1.0 }}]    # Ukraine leaves the city
# holds = [{{ place = "Soledar", until = "2023-02-28" }}]          # Ukraine holds a place
# offensives = []         # Ukrainian flank counter-offensives: [{{ start = ..., end = ... }}]

[parameters]              # fixed values replacing the posterior draws (prior centres shown)
{params}

[scale]                   # factors multiplying the posterior draws (lognormal parameters only,
                          # not also in [parameters]): e.g. c_ua = 0.6 cuts Ukrainian fire by 40%
"""


def _number(v: float) -> str:
    """A prior centre as TOML writes it plainly: 12000, 0.012, 2.5."""
    text = f"{v:.4g}"
    return f"{v:.0f}" if "e+" in text else text


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escaping is valid TOML)."""
    import json

    return json.dumps(text, ensure_ascii=False)


#: The template of each kind ``scenario new`` writes.
TEMPLATES: dict[str, Callable[[str], str]] = {"duel": duel_template, "bakhmut": bakhmut_template}
