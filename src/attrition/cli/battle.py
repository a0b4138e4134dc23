"""``attrition battle``: battle folders (``battle new PATH`` scaffolds one; ``battle show``)."""

from __future__ import annotations

from pathlib import Path

import typer

battle_app = typer.Typer(
    help="Battle folders: battle.toml beside claims.csv, events.csv, phases.csv, places.csv.",
    no_args_is_help=True,
)


@battle_app.command("new")
def battle_new(
    path: Path = typer.Argument(..., help="The folder to create (must not exist)."),
) -> None:
    """Write a commented example battle folder at PATH (nothing existing is overwritten)."""
    from attrition.data.battle import new_battle_folder

    for f in new_battle_folder(path):
        typer.echo(f"wrote {f}")
    shown = str(path)
    if "/" not in shown and not shown.startswith("."):
        shown = f"./{shown}"  # a bare name would mean a packaged battle of that name
    typer.echo(
        f"next: edit {path / 'battle.toml'} and the CSVs, then "
        f"`attrition claims check --battle {shown}`"
    )


@battle_app.command("show")
def battle_show(
    battle: str = typer.Argument("bakhmut", help="A packaged battle's name or a battle folder."),
) -> None:
    """Describe a battle: window, sides and components, claimant groups, sources, files."""
    from attrition.data.claims import battle_dir, battle_spec

    folder = battle_dir(battle)
    spec = battle_spec(battle)
    typer.echo(f"folder: {folder}")
    if spec is None:
        typer.echo("no battle.toml (the packaged Bakhmut vocabulary applies)")
        return
    typer.echo(f"{spec.name} ({spec.id}): {spec.start} to {spec.end}")
    for s in spec.sides:
        comps = ", ".join(f"{c.id} ({c.label})" for c in s.components)
        typer.echo(f"  side {s.id}: {s.label}" + (f"; components: {comps}" if comps else ""))
    for g in spec.claimant_groups:
        typer.echo(f"  claimant group {g.id}: {g.label}")
    kinds: dict[str, int] = {}
    for src in spec.sources:
        kinds[src.kind] = kinds.get(src.kind, 0) + 1
    typer.echo("  sources: " + (", ".join(f"{n} {k}" for k, n in kinds.items()) or "none"))
    files = sorted(p.name for p in folder.iterdir() if p.is_file())
    typer.echo("  files: " + ", ".join(files))


def register(app: typer.Typer) -> None:
    """Add the ``battle`` sub-app to ``app``."""
    app.add_typer(battle_app, name="battle")
