"""The ``attrition`` command line: a thin layer over the public Python API.

Every user error (:class:`attrition.errors.UserError`) is printed as one line on stderr and the
process exits with status 2, without a traceback. Heavy libraries are imported inside commands,
so ``attrition --help`` stays instant. A single-valued option given twice (``--seed 1 --seed 2``)
is refused rather than silently keeping the last value; repeatable options (filters such as
``--side``) say so in their help. ``attrition --install-completion`` installs shell completion.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from attrition import __version__
from attrition.errors import UserError


def refuse_repeated_options(command: Any, args: Sequence[str]) -> None:
    """Raise :class:`UserError` when ``args`` give one of ``command``'s single-valued options
    twice (Click would keep the last value silently). Options declared ``multiple`` (the
    repeatable filters) and counters may repeat; a flag's on and off forms count as one option.
    Tokens after ``--`` are arguments."""
    singles: dict[str, Any] = {}
    for param in command.params:
        is_option = getattr(param, "param_type_name", "") == "option"
        if is_option and not param.multiple and not getattr(param, "count", False):
            for name in (*param.opts, *param.secondary_opts):
                singles[name] = param
    seen: dict[str, str] = {}
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if token == "--":
            break
        name = token.split("=", 1)[0] if token.startswith("--") else token
        param = singles.get(name)
        if param is None:
            continue
        shown = token
        if not param.is_flag and "=" not in token:
            shown = " ".join([token, *args[i : i + param.nargs]])
            i += param.nargs
        key = param.name or name
        if key in seen:
            raise UserError(
                f"{name}: given twice ({seen[key]}, then {shown}); it is not repeatable, so "
                "give it once"
            )
        seen[key] = shown


class _Command(TyperCommand):
    """Every command: a single-valued option given twice is refused (one line, exit 2)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        refuse_repeated_options(self, args)
        return super().parse_args(ctx, args)


class _SubGroup(TyperGroup):
    """Every sub-app (``datasets``, ``scenario``, ...): its own options checked likewise."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        refuse_repeated_options(self, _own_args(self, args))
        return super().parse_args(ctx, args)


def _own_args(group: Any, args: Sequence[str]) -> list[str]:
    """The tokens of ``args`` before the group's subcommand name."""
    for i, token in enumerate(args):
        if token in group.commands:
            return list(args[:i])
    return list(args)


class _Group(_SubGroup):
    """Top-level group: turns :class:`UserError` into one line on stderr and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2) from None

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except UserError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2) from None


app = typer.Typer(
    name="attrition",
    cls=_Group,
    help="Turn the contested record of an attritional battle into numbers people can trust.",
    no_args_is_help=True,
    add_completion=True,
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
    _check_repeats(app)


def _check_repeats(typer_app: typer.Typer) -> None:
    """Give every command and sub-app of ``typer_app`` the classes that refuse a repeated
    single-valued option (:func:`refuse_repeated_options`), unless it chose its own class."""
    for info in typer_app.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = _Command
    for group in typer_app.registered_groups:
        if group.typer_instance is None:
            continue
        if not isinstance(group.cls, type) or group.cls is TyperGroup:
            group.cls = _SubGroup
        _check_repeats(group.typer_instance)


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
    from attrition._runtime import default_jax_cache, quiet_jax_logs, use_jax_cache

    quiet_jax_logs()  # before any command imports JAX
    use_jax_cache(default_jax_cache())  # the report moves it to its cache folder
    warnings.formatwarning = _format_warning  # type: ignore[assignment]
    try:
        app()
    except UserError as exc:  # raised outside a command (e.g. while registering)
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)


_register_all()
