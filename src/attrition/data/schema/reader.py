"""Reading a CSV file of the evidence base into validated records, with one-line errors.

:func:`parse_csv` validates every row and collects each bad row as a :class:`RowProblem`
(``FILE:LINE: message``); :func:`read_models` raises the first one as a
:class:`~attrition.errors.UserError`. Row numbers are CSV line numbers (the header is line 1).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from attrition.data.schema.records import (
    _MODEL_COLUMNS,
    Claim,
    ControlEvent,
    Phase,
    Place,
    _Record,
)
from attrition.data.schema.vocab import _VOCABS, SIDE_FIELDS
from attrition.errors import UserError

__all__ = ["RowProblem", "parse_csv", "read_models"]

M = TypeVar("M", bound=_Record)

_OPTIONAL_COLUMNS: dict[type[_Record], frozenset[str]] = {
    Claim: frozenset(
        {"notes", "source", "scope", "scope_qualifier", "scope_note", "source_id", "component"}
        | {"lineage_note"}
    ),
    ControlEvent: frozenset({"notes", "source"}),
    Phase: frozenset({"heading_offset"}),
    Place: frozenset({"alt_names", "approximate", "derivation", "source"}),
}


@dataclass(frozen=True)
class RowProblem:
    """A problem in one row of a CSV file; ``str()`` gives the one-line message."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _format_error(err: Any, row: dict[str, str]) -> str:
    loc = err.get("loc") or ()
    field = str(loc[0]) if loc else ""
    typ = err.get("type", "")
    if not field:
        return str(err.get("msg", "invalid row"))
    shown = row.get(field, err.get("input"))
    if typ == "literal_error" and field in _VOCABS:
        return (
            f"field {field!r} = {shown!r} is not valid; valid: {', '.join(sorted(_VOCABS[field]))}"
        )
    if typ == "string_pattern_mismatch":
        return (
            f"field {field!r} = {shown!r} is not a valid identifier; use letters, digits, '-', "
            "'_' or '.', e.g. bk-n001"
        )
    if typ in {"string_too_short", "missing"}:
        return f"field {field!r} is empty; it is required"
    if typ == "greater_than_equal":
        return f"field {field!r} = {shown!r} is negative; use a value >= 0"
    return f"field {field!r} = {shown!r} {err.get('msg', 'is not valid')}"


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except FileNotFoundError as exc:
        raise UserError(f"{path}: no such file; check the path") from exc
    except IsADirectoryError as exc:
        raise UserError(f"{path}: is a folder; give the path of a CSV file") from exc
    with fh:
        reader = csv.reader(fh)
        prev = 0
        try:
            for record in reader:
                start = prev + 1
                prev = reader.line_num
                yield start, record
        except UnicodeDecodeError as exc:
            raise UserError(
                f"{path}:{prev + 1}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
            ) from exc
        except csv.Error as exc:
            raise UserError(
                f"{path}:{reader.line_num}: broken CSV ({exc}); fix the quoting"
            ) from exc


def parse_csv(
    path: str | Path, model: type[M], vocab: Mapping[str, Sequence[str]] | None = None
) -> tuple[list[tuple[int, M]], list[RowProblem]]:
    """Read a CSV file into validated records, collecting every row problem.

    Returns ``[(line, record), ...]`` for the valid rows and the problems of the others.
    ``vocab`` gives the valid values of the side fields (:data:`SIDE_FIELDS`), normally a
    battle's (:meth:`attrition.data.battle.BattleSpec` ``subjects`` etc.); the default is the
    packaged Bakhmut vocabulary.
    A missing file, a header without the required columns or with unknown ones raise
    :class:`UserError` at once (nothing else can be read).
    """
    p = Path(path)
    columns = _MODEL_COLUMNS[model]
    optional = _OPTIONAL_COLUMNS.get(model, frozenset())
    it = _rows(p)
    header_line = next(it, None)
    required = [c for c in columns if c not in optional]
    extra = [c for c in columns if c in optional]
    may = f" (optional: {','.join(extra)})" if extra else ""
    if header_line is None:
        raise UserError(f"{p}:1: empty file; the header needs: {','.join(required)}{may}")
    _, header = header_line
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in columns]
    if unknown:
        raise UserError(
            f"{p}:1: unknown column {unknown[0]!r}; valid columns: {', '.join(columns)}"
        )
    missing = [c for c in columns if c not in header and c not in optional]
    if missing:
        raise UserError(
            f"{p}:1: missing column(s) {', '.join(missing)}; the header needs: "
            f"{','.join(required)}{may}"
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise UserError(f"{p}:1: column {dupes[0]!r} appears twice; keep one")

    records: list[tuple[int, M]] = []
    problems: list[RowProblem] = []
    seen_ids: dict[str, int] = {}
    for line, cells in it:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                RowProblem(
                    p,
                    line,
                    f"has {len(cells)} fields, the header has {len(header)}; quote fields "
                    'that contain commas ("...")',
                )
            )
            continue
        row = dict(zip(header, cells, strict=True))
        try:
            record = model.model_validate(row)
        except ValidationError as exc:
            problems.append(RowProblem(p, line, _format_error(exc.errors()[0], row)))
            continue
        bad_side = _side_problem(record, vocab)
        if bad_side:
            problems.append(RowProblem(p, line, bad_side))
            continue
        rid = getattr(record, "id", None)
        if isinstance(rid, str):
            if rid in seen_ids:
                problems.append(
                    RowProblem(
                        p,
                        line,
                        f"id {rid!r} repeats line {seen_ids[rid]}; give each row its own id",
                    )
                )
                continue
            seen_ids[rid] = line
        records.append((line, record))
    return records, problems


def _side_problem(record: _Record, vocab: Mapping[str, Sequence[str]] | None) -> str | None:
    where = " (not a side, component or group of battle.toml)" if vocab is not None else ""
    for name in SIDE_FIELDS:
        value = getattr(record, name, None)
        if value is None or (name == "component" and value == ""):
            continue
        valid = (vocab or _VOCABS).get(name, _VOCABS[name])
        if value not in valid:
            return (
                f"field {name!r} = {value!r} is not valid{where}; valid: {', '.join(sorted(valid))}"
            )
    return None


def _read_strict(
    path: str | Path, model: type[M], vocab: Mapping[str, Sequence[str]] | None = None
) -> list[M]:
    records, problems = parse_csv(path, model, vocab)
    if problems:
        raise UserError(str(problems[0]))
    return [r for _, r in records]


def read_models(
    path: str | Path, model: type[M], vocab: Mapping[str, Sequence[str]] | None = None
) -> list[M]:
    """Read and validate every row of a CSV file; the first bad row raises :class:`UserError`.

    ``vocab``: the side vocabularies (see :func:`parse_csv`)."""
    return _read_strict(path, model, vocab)
