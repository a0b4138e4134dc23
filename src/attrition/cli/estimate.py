"""The fog-of-war commands: ``estimate`` and ``validate estimate``.

``attrition estimate`` fuses a battle's contradictory casualty claims into estimates with 90%
intervals and per-claimant bias (:class:`attrition.infer.fusion.FogOfWar`). ``attrition
validate estimate`` runs the validation study (:mod:`attrition.infer.validate`). ``validate`` is
a sub-app exported as :data:`validate_app` so other modules can add ``validate`` subcommands.
JAX and NumPyro are imported inside the commands.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from attrition.cli._output import (
    OutputFormat,
    format_option,
    json_option,
    output_format,
    print_csv,
)
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from attrition.data.battle import BattleSpec
    from attrition.infer.fusion import FogOfWar, PreparedClaims
    from attrition.infer.fusion.joint import JointFog
    from attrition.infer.fusion.request import EstimateRequest as EstimateOptions

__all__ = [
    "EstimateOptions",
    "battle_span",
    "battle_window",
    "build_estimate",
    "check_estimate",
    "estimate_bytes",
    "register",
    "validate_app",
]

REPLICATE_BYTES = 3_000.0
"""Memory per synthetic fit of the validation study (its seed and result row), bytes."""

FIT_SECONDS_AT_LEAST = 0.25
"""A lower bound on one synthetic fit of the validation study (12 weeks, 2 chains of 300 draws
after 300 warm-up); the validation refuses replicate counts that would certainly take longer
than :func:`attrition.limits.time_limit`."""

CHECK_STEP = "read and check the claims"
"""The first step ``attrition estimate`` reports (its errors print before any progress)."""

ESTIMATE_HEARTBEAT_SECONDS = 30.0
"""In a log, the fit (one to a few minutes) says it is still running this often."""


def fit_seconds(draws: int, chains: int) -> float:
    """Rough seconds of an ``estimate`` fit, for the ETA: imports and compilation, then the
    draws (warm-up as many again) of every chain (about 1 min 45 s at the default 4 x 500 on
    two busy cores)."""
    return 45.0 + 0.03 * draws * chains


validate_app = typer.Typer(
    name="validate",
    help="Validation studies (coverage on synthetic battles, leave-one-out, sensitivity).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

_ESTIMATE_HELP = """Fuse contradictory casualty claims into estimates with honest uncertainty.

\b
  attrition estimate [BATTLE | --battle NAME|PATH] [--claims FILE] [--window START END]
                     [--period START END] [--cutoff DATE] [--streams LIST] [--draws N]
                     [--chains N] [--seed N] [--format table|csv|json] [--out DIR]

BATTLE (or --battle) is a packaged battle's name or a battle folder (attrition battle new);
default bakhmut. Its battle.toml gives the sides, components and claimant groups, its phases
the window and change points. --claims reads any file in the claims schema instead (with the
battle's sides when a battle is given). --cutoff uses only claims published by that date (their
claim_date; undated claims are left out): later or undated claims cannot change the output.
--streams adds all-front series (genstaff, named-dead, oryx) and reports what they change; with
--cutoff only the streams dated by publication (genstaff, oryx) are accepted, up to the cutoff,
and named-dead (compiled later, by date of death) is refused.

--period START END answers "how many in that period?": the battle is fitted once over its
whole window and each posterior draw of the daily casualties is summed over the period's days
(median and 90% interval per side, with the period's share of the window). --window is
different: it fits only the claims inside the window, and a claim whose period reaches beyond
it is clipped to it, its whole figure read as falling inside (a warning counts them), which
inflates a short window's totals. --format csv prints one row per side and quantity; --json is
--format json. The results are estimates from claims under stated priors, not facts (method:
docs/fog-of-war.md).
"""


def __getattr__(name: str) -> Any:
    """``EstimateOptions``: :class:`attrition.infer.fusion.request.EstimateRequest` (imported
    on first use, so that ``attrition --help`` does not import the fusion)."""
    if name == "EstimateOptions":
        from attrition.infer.fusion.request import EstimateRequest

        return EstimateRequest
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register(app: typer.Typer) -> None:
    """Add ``estimate`` and the ``validate`` sub-app (with ``validate estimate``) to ``app``."""
    app.command("estimate", help=_ESTIMATE_HELP)(estimate_command)
    app.add_typer(validate_app, name="validate")


def _parse_streams(text: str | None) -> list[str]:
    from attrition.data.streams import STREAM_NAMES
    from attrition.errors import unknown_name

    if text is None:
        return []
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise UserError("--streams: give stream names separated by commas, e.g. genstaff,oryx")
    for n in names:
        if n not in STREAM_NAMES:
            raise unknown_name("stream", n, STREAM_NAMES, "--streams")
    return names


def _resolve_battle(positional: str | None, option: str | None) -> str | None:
    """The battle named by the positional argument or ``--battle`` (both: they must agree)."""
    if positional is not None and option is not None and positional != option:
        raise UserError(
            f"--battle {option}: the battle is also given as {positional!r}; give it once"
        )
    return option if option is not None else positional


def _load(
    battle: str | Path | None, claims_file: Path | None
) -> tuple[pd.DataFrame, pd.DataFrame | None, BattleSpec | None]:
    """:func:`attrition.infer.fusion.request.load_estimate_inputs`."""
    from attrition.infer.fusion.request import load_estimate_inputs

    return load_estimate_inputs(battle, claims_file)


def battle_span(claims: pd.DataFrame, phases: pd.DataFrame | None) -> tuple[dt.date, dt.date]:
    """The dates the claims and phases speak about (:func:`attrition.infer.fusion.battle_span`)."""
    from attrition.infer.fusion import battle_span as span

    return span(claims, phases)


def battle_window(
    claims: pd.DataFrame, phases: pd.DataFrame | None, window: tuple[dt.date, dt.date] | None
) -> tuple[dt.date, dt.date]:
    """The battle's window (:func:`attrition.infer.fusion.battle_window`)."""
    from attrition.infer.fusion import battle_window as win

    return win(claims, phases, window)


def estimate_bytes(days: int, observations: int, draws: int, chains: int) -> float:
    """Memory of a fit's draws, in bytes (:func:`attrition.infer.fusion.estimate_bytes`)."""
    from attrition.infer.fusion import estimate_bytes as need

    return need(days, observations, draws, chains)


def check_estimate(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None,
    options: EstimateOptions,
    battle: BattleSpec | None = None,
) -> PreparedClaims:
    """:func:`attrition.infer.fusion.request.check_request` (every check before the fit)."""
    from attrition.infer.fusion.request import check_request

    return check_request(claims, phases, options, battle)


def build_estimate(
    battle: str | Path | None = None,
    *,
    claims_file: Path | None = None,
    window: tuple[str, str] | None = None,
    cutoff: str | None = None,
    streams: list[str] | None = None,
    draws: int = 500,
    chains: int = 4,
    seed: int = 0,
    period: tuple[str, str] | None = None,
) -> tuple[dict[str, Any], FogOfWar | JointFog]:
    """:func:`attrition.infer.fusion.request.estimate` with the options as keywords."""
    from attrition.infer.fusion.request import EstimateRequest, estimate

    options = EstimateRequest(window, cutoff, tuple(streams or ()), draws, chains, seed, period)
    return estimate(battle, options, claims_file=claims_file)


def _fit(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None,
    options: EstimateOptions,
    battle: BattleSpec | None = None,
) -> tuple[dict[str, Any], FogOfWar | JointFog]:
    from attrition.infer.fusion.request import run_request

    return run_request(claims, phases, options, battle)


def estimate_command(
    battle: str | None = typer.Argument(
        None,
        metavar="[BATTLE]",
        help="A packaged battle's name or a battle folder (default bakhmut).",
    ),
    battle_option: str | None = typer.Option(
        None,
        "--battle",
        metavar="NAME|PATH",
        help="The battle (same as BATTLE): a packaged name or a battle folder.",
    ),
    claims: Path | None = typer.Option(
        None, "--claims", help="A claims CSV in the claims schema (docs/claims-schema.md)."
    ),
    window: tuple[str, str] | None = typer.Option(
        None,
        "--window",
        metavar="START END",
        help="Fit only this window (two ISO dates); claims reaching beyond it are clipped.",
    ),
    period: tuple[str, str] | None = typer.Option(
        None,
        "--period",
        metavar="START END",
        help="Also report the share of the whole fit falling in this period (two ISO dates).",
    ),
    cutoff: str | None = typer.Option(
        None, "--cutoff", help="Use only claims known by this date (YYYY-MM-DD)."
    ),
    streams: str | None = typer.Option(
        None, "--streams", help="External streams, comma-separated: genstaff,named-dead,oryx."
    ),
    draws: int = typer.Option(
        500, "--draws", help="Draws per chain (after warm-up); bounded by the memory limit."
    ),
    chains: int = typer.Option(4, "--chains", help="Number of chains (bounded likewise)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same output)."),
    model: str = typer.Option(
        "joint",
        "--model",
        help="Fusion model: joint (default: the battle inside the whole front, claims read at "
        "their scope) or independent (every claim read as about the battle; the former model).",
    ),
    fmt_text: str | None = format_option(
        "table (default: text), csv (one row per side and quantity) or json (one object)."
    ),
    as_json: bool = json_option(),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Also write summary.json, claims.csv, daily.csv, bias.csv and posterior.nc (the "
        "draws as ArviZ InferenceData) to this folder: new, "
        "empty, or one attrition wrote (files you add there are never touched).",
    ),
) -> None:
    if window is not None and any(w is None for w in window):
        window = None
    if period is not None and any(p is None for p in period):
        period = None
    # every option and the output folder are checked before the fit, which takes minutes
    started = time.perf_counter()
    fmt = output_format(fmt_text, as_json)
    chosen = _resolve_battle(battle, battle_option)
    names = tuple(_parse_streams(streams))
    from attrition.infer.fusion.request import EstimateRequest

    options = EstimateRequest(
        window, cutoff, names, draws, chains, seed, period, model.strip().lower()
    )
    options.check_sizes()
    if out is not None:
        from attrition.outputs import check_output_dir

        check_output_dir(out)
    data, phases, spec = _load(chosen, claims)
    check_estimate(data, phases, options, spec)
    # progress on stderr (stdout is the result): the checks above print nothing, so that an
    # error stays the one line a user reads
    from attrition.cli._progress import StageProgress

    fit_step = f"fit ({options.chains} chains of {options.draws} draws)"
    plan = [CHECK_STEP, fit_step, *([f"write {out}"] if out is not None else [])]
    expected = {fit_step: fit_seconds(options.draws, options.chains), f"write {out}": 2.0}
    with StageProgress(
        f"estimate {chosen or ('claims file' if claims else 'bakhmut')}", plan,
        expected=expected, heartbeat=ESTIMATE_HEARTBEAT_SECONDS,
    ) as progress:  # fmt: skip
        progress.record(CHECK_STEP, time.perf_counter() - started)
        progress.stage(fit_step)
        summary, fog = _fit(data, phases, options, spec)
        if out is not None:
            progress.stage(f"write {out}")
            _write_out(out, summary, fog)
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    elif fmt is OutputFormat.csv:
        print_csv(_csv_rows(summary), ["period", "side", "quantity", "median", "q05", "q95"])
    else:
        label = chosen or ("claims file" if claims else "bakhmut")
        typer.echo(_text_report(summary, label, fog))
        if "period" in summary:
            typer.echo("")
            typer.echo(_period_report(summary["period"]))


def _csv_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per side and quantity: the whole window's, then the period's (``--period``)."""
    w = summary["window"]
    parts = [(f"{w['start']}..{w['end']}", summary["sides"])]
    if "period" in summary:
        p = summary["period"]
        parts.append((f"{p['start']}..{p['end']}", p["sides"]))
    return [
        {"period": label, "side": side, "quantity": q, **values}
        for label, sides in parts
        for side, qs in sides.items()
        for q, values in qs.items()
    ]


def _period_report(p: dict[str, Any]) -> str:
    wd = max(8, *(len(side) + 1 for side in p["sides"]))
    lines = [
        f"Period {p['start']}..{p['end']} ({p['days']} days): its share of the fit over "
        f"{p['window']['start']}..{p['window']['end']} (daily draws summed over the period)",
        f"{'side':<{wd}} {'casualties':<28} {'killed':<26} {'wounded':<26} {'share of window'}",
    ]
    for side, q in p["sides"].items():
        share = q["share_of_window"]
        lines.append(
            f"{side:<{wd}} {_q(q['casualties']):<28} {_q(q['killed']):<26} {_q(q['wounded']):<26} "
            f"{100 * share['median']:.0f}% ({100 * share['q05']:.0f}-{100 * share['q95']:.0f}%)"
        )
    return "\n".join(lines)


def _write_out(folder: Path, summary: dict[str, Any], fog: FogOfWar | JointFog) -> None:
    from attrition._io import atomic_write_text
    from attrition.cli._output import install_out_folder

    ppc = fog.ppc_.drop(columns=["log_lo", "log_hi"]).copy()
    for c in ("start", "end"):
        ppc[c] = ppc[c].map(lambda d: d.isoformat())
    daily = fog.daily_.copy()
    daily["date"] = daily["date"].map(lambda d: d.isoformat())
    import hashlib

    from attrition import __version__

    claims_csv = fog.prepared_.table.to_csv(index=False).encode()
    idata = fog.to_inference_data(
        {
            "attrition_version": __version__,
            "claims_sha256": hashlib.sha256(claims_csv).hexdigest(),
            "model": type(fog).__name__,
        }
    )
    texts = {
        "summary.json": json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
        "claims.csv": ppc.to_csv(index=False, float_format="%.6g"),
        "daily.csv": daily.to_csv(index=False, float_format="%.6g"),
        "bias.csv": fog.bias_.to_csv(index=False, float_format="%.6g"),
    }

    def write(work: Path) -> None:
        from attrition.infer.posterior import write_netcdf

        for name, text in texts.items():
            atomic_write_text(work / name, text)
        write_netcdf(idata, work / "posterior.nc")

    install_out_folder(folder, write, seed=summary["seed"])


def _num(v: float) -> str:
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _q(q: dict[str, float]) -> str:
    return f"{_num(q['median'])} ({_num(q['q05'])}-{_num(q['q95'])})"


def _share(shares: dict[str, dict[str, float]]) -> list[str]:
    return [
        f"{side} {100 * q['median']:.0f}% ({100 * q['q05']:.0f}-{100 * q['q95']:.0f}%)"
        for side, q in shares.items()
    ]


def _text_report(s: dict[str, Any], label: str, fog: FogOfWar | JointFog) -> str:
    w = s["window"]
    wd = max(8, *(len(side) + 1 for side in s["sides"]))
    lines = [
        f"Fog-of-war estimate ({s.get('model', 'independent')} model): {label}, "
        f"{w['start']}..{w['end']} ({w['days']} days), "
        f"{s['n_claims']} claims used, seed {s['seed']}"
        + (f", cutoff {s['cutoff']}" if s["cutoff"] else "")
        + (f", streams {','.join(s['streams'])}" if s["streams"] else ""),
        s["note"],
        "",
        *(["At the battle:"] if "scopes" in s else []),
        f"{'side':<{wd}} {'casualties':<28} {'killed':<26} {'wounded':<26}",
    ]
    for side, q in s["sides"].items():
        lines.append(
            f"{side:<{wd}} {_q(q['casualties']):<28} {_q(q['killed']):<26} "
            f"{_q(q['wounded']):<26}".rstrip()
        )
    if "scopes" in s:
        lines.append(
            f"Whole front (all of the war, for scale; the battle is part of it), "
            f"battle's share of casualties {', '.join(_share(s['battle_share']))}:"
        )
        for side, q in s["scopes"]["front"].items():
            lines.append(
                f"{side:<{wd}} {_q(q['casualties']):<28} {_q(q['killed']):<26} "
                f"{_q(q['wounded']):<26}".rstrip()
            )
        source = s["bias_source"]
        if source == "learned":
            source = "learned from historical claims checked against later records"
        lines.append(f"Claimant groups' bias priors: {source} (docs/bias-priors.md)")
    ratio_sides = s.get("exchange_ratio_sides")
    if s["exchange_ratio"] is not None and ratio_sides:
        a, b = ratio_sides
        lines.append(f"Exchange ratio ({a} casualties per {b} casualty): {_q(s['exchange_ratio'])}")
    if "streams_effect" in s:
        lines.append("What the streams change (casualties, without -> with):")
        for side, e in s["streams_effect"].items():
            lines.append(f"  {side:<7} {_q(e['without'])} -> {_q(e['with'])}")
    lines += ["", "Claimant groups: bias multiplier by relation; their whole-battle figures"]
    for g, info in s["claimant_groups"].items():
        bias = ", ".join(f"{rel} x{_q(q)}" for rel, q in info["bias"].items())
        lines.append(f"  {g}: {bias}")
        for f in info["figures"]:
            flag = "  IMPLAUSIBLE" if f["implausible"] else ""
            lines.append(
                f"    {f['id']:<9} {f['claimant'][:30]:<30} {f['subject']:<6} {f['metric']:<14} "
                f"claimed {f['claimed']:<14} fused {_q(f['fused'])}{flag}"
            )
    lines += ["", "Claimants: bias about their main subject (x), noise sd, claims"]
    for name, c in sorted(s["claimants"].items(), key=lambda kv: -kv[1]["n_claims"]):
        lines.append(
            f"  {name[:38]:<38} {c['side']:<12} {c['subject']:<6} x{_q(c['bias']):<20} "
            f"noise {c['noise_sd']['median']:.2f}  n={c['n_claims']}"
        )
    imp = s["implausible_claims"]
    lines += ["", f"Implausible claims (posterior predictive tail p < {fog.ppc_alpha}): {len(imp)}"]
    for c in imp:
        lines.append(
            f"  {c['id']:<9} {c['claimant'][:30]:<30} {c['subject']:<6} {c['metric']:<12} "
            f"claimed {c['claimed']:<12} expected {_q(c['predicted'])}, fused truth "
            f"{_num(c['fused_truth'])}, p={c['tail_p']:.3g}"
        )
    d = s["diagnostics"]
    lines += [
        "",
        f"Diagnostics: R-hat max {d['r_hat_max']:.4f}, ESS min {d['ess_min']:.0f}, "
        f"divergences {d['divergences']} ({d['chains']} chains x {d['draws']} draws); "
        f"fit {fog.fit_seconds_:.1f} s",
    ]
    return "\n".join(lines)


@validate_app.command(
    "estimate",
    help="Validation study of the fog-of-war estimate: coverage of its 90% intervals on "
    "synthetic battles from two generators (the model's own and a deliberately different "
    "one), leave-one-claimant-out on Bakhmut, and a prior sensitivity table.",
)
def validate_estimate_command(
    replicates: int = typer.Option(
        100,
        "--replicates",
        help="Synthetic battles per generator; bounded by the memory and time limits.",
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed of the study."),
    fmt_text: str | None = format_option(
        "table (default: text), csv (the coverage rows) or json (one object: every table)."
    ),
    as_json: bool = json_option(),
    synthetic_only: bool = typer.Option(
        False, "--synthetic-only", help="Skip the Bakhmut parts (leave-one-out, sensitivity)."
    ),
    regimes: str | None = typer.Option(
        None,
        "--regimes",
        help="Instead: coverage of the joint fusion's 90% intervals per regime of synthetic "
        "claims (comma-separated, or 'all': baseline, biased_neutral, wide_scope, "
        "restatements, subtotals); --replicates fits per regime (e.g. 10).",
    ),
    draws: int = typer.Option(150, "--draws", help="With --regimes: draws per chain of each fit."),
    chains: int = typer.Option(2, "--chains", help="With --regimes: chains of each fit."),
) -> None:
    from attrition.infer.validate import GENERATORS, validation_study
    from attrition.limits import check_count, check_memory, check_seed, check_time

    fmt = output_format(fmt_text, as_json)
    if regimes is not None:
        _regimes_report(regimes, replicates, seed, draws, chains, fmt)
        return
    check_count(replicates, "--replicates")
    check_seed(seed)
    fits = replicates * len(GENERATORS)
    check_memory("--replicates", replicates, fits * REPLICATE_BYTES)
    check_time("--replicates", replicates, fits * FIT_SECONDS_AT_LEAST)
    result = validation_study(replicates, seed, battle=None if synthetic_only else "bakhmut")
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(result, indent=2))
        return
    if fmt is OutputFormat.csv:
        print_csv(result["coverage"])
        return
    lines = [
        f"Coverage of 90% intervals ({replicates} synthetic battles per generator, seed {seed}); "
        "bar 80%-97%; band = 99% binomial band around 90%",
    ]
    for r in result["coverage"]:
        ok = 0.80 <= r["coverage"] <= 0.97
        lines.append(
            f"  {r['generator']:<10} {r['quantity']:<15} {r['covered']:>4}/{r['n']:<4} "
            f"{100 * r['coverage']:5.1f}%  band {100 * r['band_lo']:.0f}-{100 * r['band_hi']:.0f}%"
            f"  median |log error| {r['median_abs_log_error']:.3f}  "
            + ("within bar" if ok else "OUTSIDE BAR")
        )
    if result["leave_one_claimant_out"]:
        lines += ["", "Leave-one-claimant-out on Bakhmut (claims predicted from the rest):"]
        for r in result["leave_one_claimant_out"]:
            lines.append(
                f"  {r['claimant'][:34]:<34} n={r['n_claims']:<3} inside 90%: "
                f"{100 * r['inside_90']:5.1f}%  claimed/predicted x{r['median_factor']:.2f}  "
                f"without it: RU {_num(r['RU_casualties'])}, UA {_num(r['UA_casualties'])}, "
                f"ratio {r['exchange_ratio']:.2f}"
            )
    if result["prior_sensitivity"]:
        lines += ["", "Prior sensitivity on Bakhmut (casualties, median (90% interval)):"]
        for r in result["prior_sensitivity"]:
            lines.append(
                f"  {r['variant'][:50]:<50} RU {_num(r['RU_median'])} "
                f"({_num(r['RU_q05'])}-{_num(r['RU_q95'])})  UA {_num(r['UA_median'])} "
                f"({_num(r['UA_q05'])}-{_num(r['UA_q95'])})  ratio {r['ratio_median']:.2f}"
            )
    typer.echo("\n".join(lines))


JOINT_FIT_SECONDS_AT_LEAST = 2.0
"""A lower bound on one small JointFog fit of a synthetic regime battle (2 chains x 150 draws,
after the regime's sampler is compiled): what ``--regimes`` checks against the time limit."""


def _regimes_report(
    text: str, replicates: int, seed: int, draws: int, chains: int, fmt: OutputFormat
) -> None:
    """``validate estimate --regimes``: the regime coverage table in ``fmt``."""
    import pandas as pd

    from attrition.infer.validate.regimes import REGIMES, TARGET, regime_coverage
    from attrition.limits import check_count, check_seed, check_time

    names = (
        list(REGIMES)
        if text.strip().lower() == "all"
        else [r.strip() for r in text.split(",") if r.strip()]
    )
    check_count(replicates, "--replicates")
    check_count(draws, "--draws")
    check_count(chains, "--chains")
    check_seed(seed)
    check_time("--replicates", replicates, replicates * len(names) * JOINT_FIT_SECONDS_AT_LEAST)
    table = regime_coverage(names, replicates, seed, draws, chains)
    rows = _json_rows(table)
    if fmt is OutputFormat.json:
        out = {
            **table.attrs["settings"],
            "coverage": rows,
            "replicate_rows": _json_rows(pd.DataFrame(table.attrs["study"])),
        }
        typer.echo(json.dumps(out, indent=2, allow_nan=False))
        return
    if fmt is OutputFormat.csv:
        print_csv(rows)
        return
    lo, hi = TARGET
    lines = [
        f"Coverage of the joint fusion's 90% intervals per regime ({replicates} synthetic "
        f"battles per regime, seed {seed}, {chains} chains x {draws} draws each); target "
        f"{100 * lo:.0f}%-{100 * hi:.0f}%; +- = Monte Carlo standard error",
    ]
    for r in rows:
        lines.append(
            f"  {r['regime']:<15} {r['scope']:<6} {r['side']:<4} {r['quantity']:<11} "
            f"{r['covered']:>4}/{r['n']:<4} {100 * r['coverage']:5.1f}% +-{100 * r['mc_se']:4.1f}"
            f"  missed below/above {r['below']}/{r['above']}  median |log error| "
            f"{r['median_abs_log_error']:.3f}  "
            + ("within target" if r["in_target"] else "OUTSIDE TARGET")
        )
    typer.echo("\n".join(lines))


@validate_app.command(
    "influence",
    help="What moves the headline: the fused casualties at the battle with each group of "
    "evidence left out (a claimant group, a claimant stream, the named-dead streams), and with "
    "each bias prior's centre and spread halved or doubled (one refit per variant, same seed, "
    "one compiled sampler). One row per variant and side: median, 90% interval and the change "
    "of the median from the default fit.",
)
def validate_influence_command(
    battle: str | None = typer.Argument(
        None,
        metavar="[BATTLE]",
        help="A packaged battle's name or a battle folder (default bakhmut).",
    ),
    draws: int = typer.Option(300, "--draws", help="Draws per chain of each refit."),
    chains: int = typer.Option(2, "--chains", help="Chains of each refit."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same for every refit)."),
    by_source: bool = typer.Option(
        False,
        "--by-source",
        help="Instead: leave each source (a source_id with its restatements; with the joint "
        "model each stream too) out, one refit each, sorted by the largest change of a side's "
        "median.",
    ),
    model: str = typer.Option(
        "joint",
        "--model",
        help="Fusion model to refit: joint (default, the default estimate's) or independent "
        "(the former model).",
    ),
    fmt_text: str | None = format_option(
        "table (default: text), csv or json (one row per variant and side)."
    ),
    as_json: bool = json_option(),
) -> None:
    from attrition.infer.fusion.request import EstimateRequest, check_request, load_estimate_inputs
    from attrition.infer.validate.influence import headline_influence, leave_one_source_out

    fmt = output_format(fmt_text, as_json)
    request = EstimateRequest(draws=draws, chains=chains, seed=seed, model=model)
    request.check_sizes()
    claims, phases, spec = load_estimate_inputs(battle)
    check_request(claims, phases, request, spec)
    if by_source:
        src = leave_one_source_out(
            claims, phases, draws=draws, chains=chains, seed=seed, battle=spec, model=model,
            progress=lambda label: typer.echo(f"fitting without: {label}", err=True),
        )  # fmt: skip
        src_rows = _json_rows(src)
        if fmt is OutputFormat.json:
            out = {
                "seed": seed, "draws": draws, "chains": chains, "model": model, "rows": src_rows,
            }  # fmt: skip
            typer.echo(json.dumps(out, indent=2, allow_nan=False))
        elif fmt is OutputFormat.csv:
            print_csv(src_rows)
        else:
            changes = [c for c in src.columns if c.endswith("_change")]
            typer.echo(
                f"Leave one source out ({model} model; {chains} chains x {draws} draws, "
                f"seed {seed})"
            )
            for r in src_rows:
                moved = ", ".join(f"{c[:-7]} {100 * r[c]:+.1f}%" for c in changes)
                typer.echo(f"  {r['source_id'][:28]:<28} n={r['n_claims']:<3} {moved}")
        return
    table = headline_influence(
        claims, phases, draws=draws, chains=chains, seed=seed, battle=spec, model=model,
        progress=lambda label: typer.echo(f"fitting: {label}", err=True),
    )  # fmt: skip
    rows = _json_rows(table)
    if fmt is OutputFormat.json:
        out = {"seed": seed, "draws": draws, "chains": chains, "model": model, "rows": rows}
        typer.echo(json.dumps(out, indent=2, allow_nan=False))
        return
    if fmt is OutputFormat.csv:
        print_csv(rows)
        return
    lines = [
        f"What moves the headline (fused casualties at the battle, {model} model; {chains} "
        f"chains x {draws} draws, seed {seed})",
        f"{'variant':<34} {'side':<6} {'median (90% interval)':<30} {'change':>8}",
    ]
    for r in rows:
        q = _q({"median": r["median"], "q05": r["q05"], "q95": r["q95"]})
        lines.append(f"{r['variant'][:34]:<34} {r['side']:<6} {q:<30} {100 * r['change']:+7.1f}%")
    typer.echo("\n".join(lines))


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows for JSON and CSV: floats to 4 decimals, NaN as null (strict JSON)."""
    import math

    def cell(v: Any) -> Any:
        if isinstance(v, float):
            return None if not math.isfinite(v) else round(v, 4)
        return v

    return [{str(k): cell(v) for k, v in r.items()} for r in frame.to_dict("records")]
