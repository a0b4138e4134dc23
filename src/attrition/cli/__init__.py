"""The ``attrition`` command line: a thin layer over the public Python API.

Every user error (:class:`attrition.errors.UserError`) is printed as one line on stderr and the
process exits with status 2, without a traceback. Heavy libraries are imported inside commands,
so ``attrition --help`` stays instant.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import typer
from typer.core import TyperGroup

from attrition import __version__
from attrition.errors import UserError


class _Group(TyperGroup):
    """Top-level group: turns :class:`UserError` into one line on stderr and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2) from None


app = typer.Typer(
    name="attrition",
    cls=_Group,
    help="Turn the contested record of an attritional battle into numbers people can trust.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"attrition {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Turn the contested record of an attritional battle into numbers people can trust."""


def _register_all() -> None:
    from attrition.cli import battle, classic, estimate, report, scenario
    from attrition.cli import simulate as simulate_cli

    battle.register(app)
    classic.register(app)
    report.register(app)
    estimate.register(app)
    simulate_cli.register(app)
    scenario.register(app)
    try:
        from attrition.cli import evidence
    except ImportError:  # pragma: no cover - during development only
        return
    evidence.register(app)


def _format_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    line: str | None = None,
) -> str:
    return f"warning: {message}\n"


def main() -> None:
    """Console-script entry point."""
    warnings.formatwarning = _format_warning  # type: ignore[assignment]
    try:
        app()
    except UserError as exc:  # raised outside a command (e.g. while registering)
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)


_register_all()
