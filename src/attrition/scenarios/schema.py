"""The schema layer every scenario kind shares: strict models, one error format, one read path.

A scenario kind (the duel of :mod:`attrition.scenarios.spec`, a battle's own) describes its file
as a tree of :class:`StrictModel` classes, whose top-level fields are the file's tables. This
module turns that tree into the kind's reader:

* :class:`StrictModel` refuses unknown keys and is frozen;
* :func:`validate_scenario` checks a parsed file once (its ``kind``, its top-level tables, then
  the model) and :func:`load_scenario_file_as` reads the TOML first;
* :func:`format_validation_error` turns pydantic's first error into one line naming the file,
  the TOML table and key, the problem and the fix (an unknown key lists the valid ones, found by
  walking the model tree, so no kind keeps its own list).

Every problem is raised as one :class:`~attrition.errors.UserError` line (exit 2).
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from attrition.errors import UserError
from attrition.scenarios.kinds import check_kind, read_scenario_file

__all__ = [
    "StrictModel",
    "check_finite",
    "format_validation_error",
    "load_scenario_file_as",
    "required_tables",
    "table_names",
    "toml_location",
    "valid_keys",
    "validate_scenario",
]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

#: pydantic error types whose message is replaced by a fix (``{key}``: the key's name).
_FIXES: dict[str, str] = {
    "int_type": "give a whole number",
    "int_parsing": "give a whole number",
    "int_from_float": "give a whole number",
    "float_type": "give a number",
    "float_parsing": "give a number",
    "finite_number": "give a finite number",
    "bool_type": "give true or false",
    "bool_parsing": "give true or false",
    "string_type": 'give a string in quotes, e.g. {key} = "..."',
    "date_type": 'give a date, e.g. {key} = "2023-01-31"',
    "date_parsing": 'give a date, e.g. {key} = "2023-01-31"',
    "date_from_datetime_parsing": 'give a date, e.g. {key} = "2023-01-31"',
    "date_from_datetime_inexact": 'give a date without a time, e.g. {key} = "2023-01-31"',
}


class StrictModel(BaseModel):
    """Base of every scenario table: unknown keys are refused, values are frozen.

    ``internal_fields`` names fields the reader fills in (the file's name, its folder), which a
    file may not give: they are neither tables nor listed as valid keys.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    internal_fields: ClassVar[tuple[str, ...]] = ()


def check_finite(value: float, what: str) -> float:
    """``value`` when it is a finite number; else :class:`ValueError` naming ``what`` (for use
    in validators, whose error the formatter places in the file)."""
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value}")
    return value


def table_names(model: type[BaseModel]) -> tuple[str, ...]:
    """The top-level tables of a scenario model, in field order (internal fields left out)."""
    hidden = getattr(model, "internal_fields", ())
    return tuple(k for k in model.model_fields if k not in hidden)


def required_tables(model: type[BaseModel]) -> tuple[str, ...]:
    """The top-level tables a file of this model must have."""
    return tuple(k for k in table_names(model) if model.model_fields[k].is_required())


def _unwrap(tp: Any) -> Any:
    """``X`` from ``X | None`` (and ``Optional[X]``); other types as they are."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _node(model: type[BaseModel], loc: tuple[int | str, ...]) -> Any:
    """The type found at ``loc`` below ``model`` (``None`` when the path leaves the tree)."""
    tp: Any = model
    for part in loc:
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return None
            tp = field.annotation
        elif origin in (list, tuple) and isinstance(part, int):
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None
    return _unwrap(tp)


def valid_keys(model: type[BaseModel], loc: tuple[int | str, ...] = ()) -> list[str]:
    """The keys the table at ``loc`` (a pydantic location below ``model``) accepts; ``[]`` when
    ``loc`` is not a table of the model."""
    tp = _node(model, loc)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(table_names(tp)) if not loc else list(tp.model_fields)
    return []


def toml_location(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a TOML path: ``("schedule", "supply", 0)`` is
    ``schedule.supply[0]``."""
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            if parts:
                parts[-1] += f"[{p}]"
            else:
                parts.append(f"[{p}]")
        else:
            parts.append(p)
    return ".".join(parts)


def _where(loc: tuple[int | str, ...]) -> str:
    """``[table] key`` for a key, ``[table]`` for a table (the prefix of a message)."""
    if not loc:
        return ""
    if len(loc) == 1 or isinstance(loc[-1], int):
        return f"[{toml_location(loc)}]"
    return f"[{toml_location(loc[:-1])}] {loc[-1]}"


def format_validation_error(
    exc: ValidationError, source: str, model: type[BaseModel], docs: str
) -> str:
    """One line for the first error of ``exc`` (an unknown key before any other): the file, the
    table and key, the problem and the fix.

    Args:
        exc: pydantic's error, raised validating ``model``.
        source: the file's name.
        model: the top-level scenario model (its tree gives the valid keys of a table).
        docs: where the file format is documented (named when a table is missing).
    """
    errors = exc.errors(include_url=False)
    # an unknown key first: it is most often a misspelt one, whose absence the others report
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(p for p in err["loc"] if not str(p).startswith("function-"))
    typ = err["type"]
    msg = str(err["msg"]).removeprefix("Value error, ")
    if typ == "extra_forbidden":
        parent, key = loc[:-1], loc[-1]
        valid = ", ".join(valid_keys(model, parent))
        if not parent:
            return f"{source}: unknown table [{key}]; valid: {valid}"
        return f"{source}: [{toml_location(parent)}]: unknown key {key!r}; valid: {valid}"
    if typ == "missing":
        parent, key = loc[:-1], loc[-1]
        if not parent:
            return f"{source}: missing table [{key}]; add it (see {docs})"
        return f"{source}: [{toml_location(parent)}]: missing key {key!r}; add it"
    if not loc:
        return f"{source}: {msg}"
    node = _node(model, loc)
    key = str(loc[-1]) if isinstance(loc[-1], str) else str(loc[-2] if len(loc) > 1 else "")
    if typ in ("model_type", "model_attributes_type", "dict_type"):
        return f"{source}: [{toml_location(loc)}] must be a table of key = value"
    if typ == "list_type":
        item = _unwrap(typing.get_args(node)[0]) if typing.get_args(node) else None
        if isinstance(item, type) and issubclass(item, BaseModel):
            example = f"{key} = [{{ ... }}]" + (f" or [[{key}]] tables" if len(loc) == 1 else "")
            return f"{source}: {_where(loc)} must be a list of tables, e.g. {example}"
        return f"{source}: {_where(loc)} must be a list, e.g. {key} = [...]"
    if typ in _FIXES:
        return f"{source}: {_where(loc)}: {msg}; {_FIXES[typ].format(key=key)}"
    return f"{source}: {_where(loc)}: {msg}"


def validate_scenario(
    model: type[M],
    data: object,
    source: str,
    *,
    kind: str | None,
    docs: str,
    internal: Mapping[str, Any] | None = None,
) -> M:
    """Validate a parsed scenario file against ``model`` once, or raise one :class:`UserError`.

    In order: ``data`` must be a table; its ``[scenario] kind``, when given, must be ``kind``
    (skipped for ``None``); its top-level tables must be the model's, the required ones
    present; then the model validates it (with ``internal``, the fields the reader fills in).

    Args:
        model: the kind's top-level :class:`StrictModel`.
        data: the parsed TOML.
        source: the file's name (first in every message).
        kind: the kind the model reads, or ``None`` not to check it.
        docs: where the format is documented (named when a table is missing).
        internal: values of the model's ``internal_fields`` (e.g. ``{"source": source}``).
    """
    if not isinstance(data, dict):
        raise UserError(f"{source}: a scenario must be a table")
    if kind is not None:
        check_kind(data, source, kind)
    tables = table_names(model)
    for key in data:
        if key not in tables:
            raise UserError(f"{source}: unknown table [{key}]; valid: {', '.join(tables)}")
    for key in required_tables(model):
        if key not in data:
            raise UserError(f"{source}: missing table [{key}]; add it (see {docs})")
    try:
        return model.model_validate({**data, **(internal or {})})
    except ValidationError as exc:
        raise UserError(format_validation_error(exc, source, model, docs)) from None


def load_scenario_file_as(parse_file: Callable[[dict[str, Any], Path], T], path: str | Path) -> T:
    """Read the TOML file ``path`` once and hand it to a kind's ``parse_file(data, path)``.

    Raises:
        UserError: the file is missing, is not TOML, or its ``[scenario]`` is not a table (see
            :func:`attrition.scenarios.kinds.read_scenario_file`), or the kind refuses it.
    """
    p = Path(path)
    return parse_file(read_scenario_file(p), p)
