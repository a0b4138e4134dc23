"""``attrition report``: one command, one self-contained HTML report."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from attrition.errors import UserError, unknown_name


def _available() -> list[str]:
    from attrition.data.claims import battles

    return [*battles(), "classic"]


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
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.table import Table

        from attrition.report.build import build_report

        console = Console(stderr=True)
        start = time.perf_counter()
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
            console=console, transient=False,
        ) as progress:  # fmt: skip
            task = progress.add_task("starting", total=None)

            def say(stage: str) -> None:
                progress.update(task, description=f"stage: {stage}")

            result = build_report(
                target, battle=battle, seed=seed, quick=quick, progress=say, cache=not no_cache
            )
            progress.update(task, description="done")
        table = Table(title=f"Report: {battle}")
        table.add_column("item")
        table.add_column("value")
        ev = result.summary["evidence"]
        table.add_row("claims", str(ev["n_claims"]))
        table.add_row("control events", str(ev["n_events"]))
        table.add_row("evidence check", "ok" if ev["check_ok"] else "problems (see page)")
        for stage, how in result.stages.items():
            table.add_row(f"stage {stage}", how)
        table.add_row("seconds", f"{time.perf_counter() - start:.1f}")
        table.add_row("report", str(result.path))
        console.print(table)
        typer.echo(f"wrote {result.path}")
