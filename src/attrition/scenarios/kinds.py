"""Scenario kinds: one TOML file is read once, its ``kind`` picks the parser.

Every scenario file says what it describes in its ``[scenario]`` table::

    [scenario]
    kind = "duel"             # which parser reads the rest of the file
    name = "duel"

A file without ``kind`` is a ``"duel"`` (the Lanchester scenarios of
:mod:`attrition.scenarios.spec`, written before kinds existed), unless it is one of the files a
kind ships (its packaged library): those are of that kind.

This module is generic: it knows no kind but the default. The kinds are registered above it
(:data:`attrition.battles.SCENARIO_KINDS`), each as a :class:`ScenarioKind` naming the module
that parses it (imported only when a file of that kind is read) and the folder of its packaged
files. A kind's module provides ``parse_file(data, path)`` (the validated scenario from the
file's parsed TOML, which it checks with :func:`check_kind`), ``TABLES`` (the top-level tables
it accepts) and ``REQUIRED_TABLES``; its models and reader come from
:mod:`attrition.scenarios.schema`, shared by every kind. A file that declares no kind and does
not fit the default kind's tables, but fits another kind's, is refused with one line saying which
``kind`` to add.

A kind's module name is an import by string, made by the module that registers the kind: it must
respect the layer order for that module (``tests/test_layers.py`` checks every
``ScenarioKind(...)`` in the package).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

from attrition._io import read_toml
from attrition.errors import UserError, unknown_name

__all__ = [
    "DEFAULT_KIND",
    "KIND_KEY",
    "ScenarioKind",
    "check_kind",
    "declared_kind",
    "load_scenario_file",
    "packaged_scenarios",
    "read_scenario_file",
    "resolve_scenario",
]

KIND_KEY = "kind"
"""The key of the ``[scenario]`` table that names the kind."""

DEFAULT_KIND = "duel"
"""The kind of a file without ``kind`` (backwards compatible: every scenario file written before
kinds existed is a duel)."""


@dataclass(frozen=True)
class ScenarioKind:
    """One kind of scenario file.

    Attributes:
        name: the value of ``[scenario] kind``.
        module: dotted name of the module that parses it; it provides
            ``parse_file(data: dict, path: Path)`` and is imported on first use.
        library: the folder of the kind's packaged scenario files (``*.toml``).
        description: one line for listings.
    """

    name: str
    module: str
    library: Path
    description: str = ""

    def parser(self) -> Callable[[dict[str, Any], Path], Any]:
        """The kind's ``parse_file(data, path)`` (imports its module)."""
        fn: Callable[[dict[str, Any], Path], Any] = import_module(self.module).parse_file
        return fn

    def fits(self, data: Mapping[str, Any]) -> bool:
        """Whether the data's top-level tables are the kind's (all accepted, the required ones
        present; imports its module)."""
        mod = import_module(self.module)
        given = set(data)
        return given <= set(mod.TABLES) and set(mod.REQUIRED_TABLES) <= given

    def packaged(self) -> dict[str, Path]:
        """The kind's packaged scenario files, by name (the file's stem), sorted."""
        return {p.stem: p for p in sorted(self.library.glob("*.toml"))}


def read_scenario_file(path: str | Path) -> dict[str, Any]:
    """A scenario file's TOML as a dict; a missing file, bad TOML or a ``[scenario]`` that is not
    a table raise a one-line :class:`UserError` naming the file."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: scenario file not found")
    data = read_toml(p)
    if "scenario" in data and not isinstance(data["scenario"], dict):
        raise UserError(f"{p}: [scenario] must be a table (a line [scenario], then its keys)")
    return data


def declared_kind(data: Mapping[str, Any]) -> Any:
    """The ``[scenario] kind`` the data gives, or ``None`` when it gives none."""
    info = data.get("scenario")
    return info.get(KIND_KEY) if isinstance(info, dict) else None


def check_kind(data: Mapping[str, Any], source: str, expected: str) -> None:
    """Refuse data whose ``[scenario] kind`` is given and is not ``expected`` (a kind's parser
    calls this first, so a file of another kind fails on its kind, not on a missing table)."""
    given = declared_kind(data)
    if given is None or given == expected:
        return
    raise UserError(
        f"{source}: [scenario] {KIND_KEY} = {given!r}, but this reads {expected!r} scenarios; "
        "`attrition scenario run FILE` runs every kind"
    )


def packaged_scenarios(kinds: Mapping[str, ScenarioKind]) -> dict[str, tuple[str, Path]]:
    """Every kind's packaged files: ``name -> (kind, path)``, kinds in registry order.

    Raises:
        UserError: two kinds ship a file of the same name (the name would be ambiguous).
    """
    out: dict[str, tuple[str, Path]] = {}
    for kind in kinds.values():
        for name, path in kind.packaged().items():
            if name in out:
                raise UserError(
                    f"{path}: packaged scenario name {name!r} is also {out[name][1]}; "
                    "rename one of them"
                )
            out[name] = (kind.name, path)
    return out


def resolve_scenario(
    name_or_path: str | Path, kinds: Mapping[str, ScenarioKind]
) -> tuple[Path, str]:
    """The file a name or path means, and the kind it has when it declares none.

    A path that exists is taken as given; otherwise a packaged scenario of that name (of any
    kind). The kind a file has without ``kind`` is its kind's when it is a packaged file,
    else :data:`DEFAULT_KIND`. A path that does not exist, or an unknown name, raise
    :class:`UserError` listing the packaged scenarios.
    """
    lib = packaged_scenarios(kinds)
    p = Path(name_or_path)
    if not p.is_file():
        if str(name_or_path) in lib:
            kind, path = lib[str(name_or_path)]
            return path, kind
        if p.suffix == ".toml" or p.parent != Path("."):
            raise UserError(
                f"{p}: scenario file not found (packaged scenarios: {', '.join(sorted(lib))})"
            )
        raise unknown_name("scenario", str(name_or_path), lib)
    here = p.resolve()
    for kind, path in lib.values():
        if path.resolve() == here:
            return p, kind
    return p, DEFAULT_KIND


def load_scenario_file(
    path: str | Path, kinds: Mapping[str, ScenarioKind], default: str = DEFAULT_KIND
) -> Any:
    """Read a scenario file once, check its ``[scenario] kind`` and let the kind parse it.

    Args:
        path: the TOML file.
        kinds: the registered kinds, by name.
        default: the kind of a file that declares none.

    Returns:
        The kind's validated scenario; its ``scenario.kind`` names the kind.

    Raises:
        UserError: the file is missing or not TOML, ``[scenario]`` is not a table, or the kind
            is unknown (one line naming the file, the key and the valid kinds), or the kind's
            parser refuses the file.
    """
    p = Path(path)
    data = read_scenario_file(p)
    kind = declared_kind(data)
    if kind is None:
        kind = default
        if kind in kinds and not kinds[kind].fits(data):
            fit = [k for k in kinds if k != kind and kinds[k].fits(data)]
            if fit:
                raise UserError(
                    f"{p}: [scenario] gives no {KIND_KEY}, so the file is read as a {kind!r} "
                    f"scenario, but its tables ({', '.join(data)}) are those of a {fit[0]!r} "
                    f"one; add {KIND_KEY} = {fit[0]!r} to [scenario]"
                )
    if not isinstance(kind, str) or kind not in kinds:
        raise unknown_name(KIND_KEY, str(kind), kinds, where=f"{p}: [scenario] {KIND_KEY}")
    return kinds[kind].parser()(data, p)
