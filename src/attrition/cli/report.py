"""``attrition report``: one command, one self-contained HTML report."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from attrition.errors import UserError, unknown_name


def _available() -> list[str]:
    from attrition.data.claims import battles

    return [*battles(), "classic"]


#: The stages a report announces (``build_report``'s ``progress``; the names the builders in
#: :mod:`attrition.report.bakhmut` and :mod:`attrition.report.evidence` say), in order, with
#: the cache stage whose time they mostly are (``summary.json``'s ``stage_seconds``).
_MODEL_PLAN: dict[str, str | None] = {
    "evidence": "evidence",
    "validation": "validation",
    "estimate of the claims alone (what the streams change)": "streams",
    "waiting for the model stage (calibration, scenarios)": "model",
    "what moves the headline (one refit per variant)": "influence",
    "hindcasts": "hindcast",
    "render": None,
}
_EVIDENCE_PLAN: dict[str, str | None] = {
    "evidence": "evidence",
    "fused estimate": "estimate",
    "what moves the headline (one refit per variant)": "influence",
    "render": None,
}
#: Shorter names of some stages in the progress lines (the model stage is waited for only when
#: it is computed; a cached one is never announced).
_LABELS = {"waiting for the model stage (calibration, scenarios)": "model (calibration, scenarios)"}
#: Stages a quick report leaves out (it shows the packaged hindcast table, and no refits).
_NOT_QUICK = ("streams", "influence", "hindcast")
#: Seconds per stage when no earlier run of this report says (a quick Bakhmut report on 2
#: busy cores; the full report's model stage takes several times longer).
_DEFAULT_SECONDS = {"evidence": 20.0, "validation": 15.0, "streams": 120.0, "model": 300.0,
                    "influence": 300.0, "hindcast": 240.0, "estimate": 60.0}  # fmt: skip


def _plan_map(battle: str, quick: bool) -> dict[str, str | None]:
    from attrition.report.build import MODEL_BATTLES

    plan = _MODEL_PLAN if Path(battle).name in MODEL_BATTLES else _EVIDENCE_PLAN
    if not quick:
        return dict(plan)
    return {step: key for step, key in plan.items() if key not in _NOT_QUICK}


def cached_step(battle: str, quick: bool) -> dict[str, str]:
    """Cache stage -> the planned step it serves (for :meth:`StageProgress.cached`)."""
    return {key: step for step, key in _plan_map(battle, quick).items() if key is not None}


def report_plan(battle: str, quick: bool) -> list[str]:
    """The stages ``attrition report`` expects to announce for ``battle``, in order."""
    return list(_plan_map(battle, quick))


def expected_seconds(target: Path, battle: str, quick: bool) -> dict[str, float]:
    """Seconds each planned stage is expected to take: the last report in ``target`` (its
    ``summary.json`` keeps each stage's computing time), else rough defaults; a stage the
    cache will serve is still counted at its computing time (an over-estimate)."""
    import json

    seen: dict[str, float] = {}
    try:
        summary = json.loads((target / "summary.json").read_text(encoding="utf-8"))
        if summary.get("quick") == quick:
            seen = {k: float(v) for k, v in summary.get("stage_seconds", {}).items() if v}
    except (OSError, ValueError, TypeError, AttributeError):
        seen = {}
    out: dict[str, float] = {}
    for stage, key in _plan_map(battle, quick).items():
        if key is None:
            out[stage] = 5.0
        else:
            out[stage] = seen.get(key, _DEFAULT_SECONDS.get(key, 30.0))
    return out


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""

    @app.command("report")
    def report_cmd(
        battle: str = typer.Argument(
            "bakhmut",
            help="Battle to report on: a packaged name (bakhmut, avdiivka), the path of a battle "
            "folder, or 'classic' for the validations only.",
        ),
        battle_opt: str | None = typer.Option(
            None, "--battle", help="The same as the BATTLE argument (a name or a folder)."
        ),
        out: Path | None = typer.Option(
            None,
            "--out",
            help="Output folder (default reports/<battle>): new, empty, or one attrition wrote "
            "(files you add there are never touched).",
        ),
        quick: bool = typer.Option(
            False, "--quick", help="Trade precision for speed (fewer draws); said on the page."
        ),
        seed: int = typer.Option(0, "--seed", help="Seed of every stochastic step."),
        no_cache: bool = typer.Option(
            False, "--no-cache", help="Recompute every stage (the cache is keyed by input hash)."
        ),
    ) -> None:
        """Build the report into reports/<battle>/index.html (self-contained, works offline)."""
        if battle_opt is not None:
            battle = battle_opt
        names = _available()
        if battle not in names:
            from attrition.data.claims import battle_dir

            if not Path(battle).is_dir():
                raise unknown_name("battle", battle, names)
            battle_dir(battle)  # a folder: it must be a battle folder
        target = out or Path("reports") / Path(battle).name
        if battle == "classic":
            from attrition.outputs import check_output_dir

            if seed < 0:
                raise UserError(f"--seed {seed}: give a whole number 0 or larger")
            check_output_dir(target)
        else:
            from attrition.data.claims import check_battle_folder
            from attrition.report.build import cache_folder, check_report_target

            check_battle_folder(battle)
            target = check_report_target(target, seed)
            if not no_cache:
                cache_folder(target)
        if battle == "classic":
            from attrition.report.classic import build_classic_report

            typer.echo(f"wrote {build_classic_report(target, seed=seed)}")
            return
        from rich.console import Console
        from rich.table import Table

        from attrition.cli._progress import StageProgress
        from attrition.report.build import build_report

        console = Console(stderr=True)
        start = time.perf_counter()
        steps = cached_step(battle, quick)
        with StageProgress(
            f"report {Path(battle).name}", report_plan(battle, quick),
            expected=expected_seconds(target, battle, quick), labels=_LABELS,
        ) as progress:  # fmt: skip

            def on_cached(stage: str, seconds: float) -> None:
                if stage in steps:
                    progress.cached(steps[stage], seconds)

            result = build_report(
                target, battle=battle, seed=seed, quick=quick, progress=progress.stage,
                cache=not no_cache, on_cached=on_cached,
            )  # fmt: skip
        table = Table(title=f"Report: {battle}")
        table.add_column("item")
        table.add_column("value")
        ev = result.summary["evidence"]
        table.add_row("claims", str(ev["n_claims"]))
        table.add_row("control events", str(ev["n_events"]))
        table.add_row("evidence check", "ok" if ev["check_ok"] else "problems (see page)")
        took = result.summary.get("stage_seconds", {})
        for stage, how in result.stages.items():
            secs = took.get(stage)
            when = "" if secs is None else f" ({secs:.1f} s when computed)"
            table.add_row(f"stage {stage}", how + when)
        table.add_row("seconds", f"{time.perf_counter() - start:.1f}")
        table.add_row("report", str(result.path))
        console.print(table)
        typer.echo(f"wrote {result.path}")
