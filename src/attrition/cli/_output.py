"""Output helpers shared by the command modules."""

from __future__ import annotations

import json
from typing import Any

import typer


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON (NumPy and other numbers through ``float``)."""
    typer.echo(json.dumps(obj, indent=2, default=float))
