"""The fog-of-war commands: ``estimate`` and ``validate estimate``.

``attrition estimate`` fuses a battle's contradictory casualty claims into estimates with 90%
intervals and per-claimant bias (:class:`attrition.infer.fusion.FogOfWar`). ``attrition
validate estimate`` runs the validation study (:mod:`attrition.infer.validate`). ``validate`` is
a sub-app exported as :data:`validate_app` so other modules can add ``validate`` subcommands.
JAX and NumPyro are imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from attrition.infer.fusion import FogOfWar

__all__ = ["build_estimate", "register", "validate_app"]

validate_app = typer.Typer(
    name="validate",
    help="Validation studies (coverage on synthetic battles, leave-one-out, sensitivity).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

_ESTIMATE_HELP = """Fuse contradictory casualty claims into estimates with honest uncertainty.

\b
  attrition estimate [BATTLE] [--claims FILE] [--window START END] [--cutoff DATE]
                     [--streams LIST] [--draws N] [--chains N] [--seed N] [--json] [--out DIR]

BATTLE defaults to bakhmut (its phases set the window and change points). --claims reads any
file in the claims schema instead. --cutoff uses only claims published by that date (their
claim_date; undated claims are left out): later or undated claims cannot change the output.
--streams adds all-front series (genstaff, named-dead, oryx) and reports what they change; with
--cutoff only the streams dated by publication (genstaff, oryx) are accepted, up to the cutoff,
and named-dead (compiled later, by date of death) is refused. The results are
estimates from claims under stated priors, not facts (method: docs/fog-of-war.md).
"""


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


def _load(battle: str | None, claims_file: Path | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    from attrition.data.claims import load_claims, load_phases
    from attrition.data.schema import read_claims_csv

    if claims_file is not None:
        if not claims_file.is_file():
            raise UserError(f"--claims {claims_file}: no such file; give a claims CSV")
        claims = read_claims_csv(claims_file)
        phases = load_phases(battle) if battle is not None else None
        if claims.empty:
            raise UserError(f"{claims_file}: the claims file has no rows; add claims")
        return claims, phases
    name = battle or "bakhmut"
    return load_claims(name), load_phases(name)


def build_estimate(
    battle: str | None = None,
    *,
    claims_file: Path | None = None,
    window: tuple[str, str] | None = None,
    cutoff: str | None = None,
    streams: list[str] | None = None,
    draws: int = 500,
    chains: int = 4,
    seed: int = 0,
) -> tuple[dict[str, Any], FogOfWar]:
    """Fit and return ``(summary, fitted FogOfWar)``; with streams the summary gains
    ``streams_effect`` (casualties per side with and without the streams)."""
    from attrition.infer.fusion import FogOfWar

    claims, phases = _load(battle, claims_file)
    kwargs: dict[str, Any] = {
        "window": window,
        "cutoff": cutoff,
        "draws": draws,
        "chains": chains,
        "seed": seed,
    }
    fog = FogOfWar(streams=tuple(streams or ()), **kwargs).fit(claims, phases)
    summary = fog.summary()
    if streams:
        base = FogOfWar(**kwargs).fit(claims, phases).summary()["sides"]
        summary["streams_effect"] = {
            side: {"without": base[side]["casualties"], "with": q["casualties"]}
            for side, q in summary["sides"].items()
            if side in base
        }
    return summary, fog


def estimate_command(
    battle: str | None = typer.Argument(
        None, metavar="[BATTLE]", help="A packaged battle (default bakhmut)."
    ),
    claims: Path | None = typer.Option(
        None, "--claims", help="A claims CSV in the claims schema (docs/claims-schema.md)."
    ),
    window: tuple[str, str] | None = typer.Option(
        None, "--window", metavar="START END", help="Battle window, two ISO dates."
    ),
    cutoff: str | None = typer.Option(
        None, "--cutoff", help="Use only claims known by this date (YYYY-MM-DD)."
    ),
    streams: str | None = typer.Option(
        None, "--streams", help="External streams, comma-separated: genstaff,named-dead,oryx."
    ),
    draws: int = typer.Option(500, "--draws", min=1, help="Draws per chain (after warm-up)."),
    chains: int = typer.Option(4, "--chains", min=1, help="Number of chains."),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed (same seed, same output)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Also write summary.json, claims.csv, daily.csv and bias.csv to this folder.",
    ),
) -> None:
    if window is not None and any(w is None for w in window):
        window = None
    names = _parse_streams(streams)
    summary, fog = build_estimate(
        battle,
        claims_file=claims,
        window=window,
        cutoff=cutoff,
        streams=names,
        draws=draws,
        chains=chains,
        seed=seed,
    )
    if out is not None:
        _write_out(out, summary, fog)
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        typer.echo(_text_report(summary, battle or ("claims file" if claims else "bakhmut"), fog))


def _write_out(folder: Path, summary: dict[str, Any], fog: FogOfWar) -> None:
    from attrition._io import atomic_write_text

    ppc = fog.ppc_.drop(columns=["log_lo", "log_hi"]).copy()
    for c in ("start", "end"):
        ppc[c] = ppc[c].map(lambda d: d.isoformat())
    daily = fog.daily_.copy()
    daily["date"] = daily["date"].map(lambda d: d.isoformat())
    texts = {
        "summary.json": json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
        "claims.csv": ppc.to_csv(index=False, float_format="%.6g"),
        "daily.csv": daily.to_csv(index=False, float_format="%.6g"),
        "bias.csv": fog.bias_.to_csv(index=False, float_format="%.6g"),
    }
    if folder.exists() and not folder.is_dir():
        raise UserError(f"--out {folder}: exists and is not a folder; choose a folder")
    for name, text in texts.items():
        atomic_write_text(folder / name, text)


def _num(v: float) -> str:
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def _q(q: dict[str, float]) -> str:
    return f"{_num(q['median'])} ({_num(q['q05'])}-{_num(q['q95'])})"


def _text_report(s: dict[str, Any], label: str, fog: FogOfWar) -> str:
    w = s["window"]
    lines = [
        f"Fog-of-war estimate: {label}, {w['start']}..{w['end']} ({w['days']} days), "
        f"{s['n_claims']} claims used, seed {s['seed']}"
        + (f", cutoff {s['cutoff']}" if s["cutoff"] else "")
        + (f", streams {','.join(s['streams'])}" if s["streams"] else ""),
        s["note"],
        "",
        f"{'side':<8} {'casualties':<28} {'killed':<26} {'wounded':<26}",
    ]
    for side, q in s["sides"].items():
        lines.append(
            f"{side:<8} {_q(q['casualties']):<28} {_q(q['killed']):<26} {_q(q['wounded']):<26}"
        )
    lines.append(f"Exchange ratio (RU casualties per UA casualty): {_q(s['exchange_ratio'])}")
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
        100, "--replicates", min=1, help="Synthetic battles per generator."
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed of the study."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    synthetic_only: bool = typer.Option(
        False, "--synthetic-only", help="Skip the Bakhmut parts (leave-one-out, sensitivity)."
    ),
) -> None:
    from attrition.infer.validate import validation_study

    result = validation_study(replicates, seed, battle=None if synthetic_only else "bakhmut")
    if as_json:
        typer.echo(json.dumps(result, indent=2))
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
