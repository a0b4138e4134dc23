"""``attrition report``: one command, one self-contained HTML report."""

from __future__ import annotations

from pathlib import Path

import typer

from attrition.errors import unknown_name

REPORTS = ("classic",)


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""

    @app.command("report")
    def report_cmd(
        battle: str = typer.Argument("classic", help=f"Report to build: {', '.join(REPORTS)}."),
        out: Path | None = typer.Option(None, "--out", help="Output folder."),
        seed: int = typer.Option(0, "--seed", help="Seed of every stochastic step."),
    ) -> None:
        """Build the report into reports/<name>/index.html (self-contained, works offline)."""
        if battle not in REPORTS:
            raise unknown_name("report", battle, REPORTS)
        from attrition.report.classic import build_classic_report

        target = out or Path("reports") / battle
        path = build_classic_report(target, seed=seed)
        typer.echo(f"wrote {path}")
