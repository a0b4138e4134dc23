"""Output helpers shared by the command modules: the output format, filters and vocabulary,
JSON and CSV on stdout, and single output files.

Every command that prints data takes ``--format table|csv|json`` (:func:`format_option`) and
``--json`` as an alias of ``--format json`` (:func:`json_option`); :func:`output_format` turns the
two into one :class:`OutputFormat`. Filter options are repeatable and comma-separated
(:func:`split_values`), and a value from a vocabulary is matched case-insensitively
(:func:`canonical`): the canonical spelling is echoed on stderr when it differs, an unknown value
is one line listing the valid ones.

A command that writes one file (``extract --out FILE``, ``simulate --out FILE``, ``sensitivity
--out FILE``) checks the path with :func:`check_out_file` before any work and writes with
:func:`install_out_file`. A file (or a ``.zarr`` folder store) is only ever replaced when
attrition wrote it and nobody changed it since: beside each output the tool keeps a small hidden
record, ``.NAME.attrition`` (JSON: the tool and the SHA-256 of what it wrote). A path that exists
without that record, or whose bytes no longer match it, is refused, so nothing of the user's is
overwritten or deleted. Folders of several files (``estimate --out DIR``) use
:mod:`attrition.outputs` instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from attrition.errors import UserError, unknown_name


class OutputFormat(StrEnum):
    """What a command prints on stdout: a human ``table`` (or text), ``csv`` or ``json``."""

    table = "table"
    csv = "csv"
    json = "json"


ALL_FORMATS: tuple[OutputFormat, ...] = tuple(OutputFormat)
"""Every output format, in the order the help lists them."""


def format_option(help: str = "table (default), csv or json.") -> Any:
    """The ``--format`` option (read by :func:`output_format`; any letter case)."""
    return typer.Option(None, "--format", metavar="table|csv|json", help=help)


def json_option() -> Any:
    """The ``--json`` option: an alias of ``--format json``."""
    return typer.Option(False, "--json", help="Same as --format json.")


def output_format(
    fmt: str | None,
    as_json: bool = False,
    *,
    formats: Sequence[OutputFormat] = ALL_FORMATS,
    why: str = "",
) -> OutputFormat:
    """The format chosen by ``--format`` and ``--json`` (default ``table``).

    ``--format`` is matched case-insensitively; ``--json`` with another ``--format`` is refused,
    as is a format the command does not print (``formats``; ``why`` says what to use instead).
    """
    chosen = (
        OutputFormat(canonical(fmt, [f.value for f in OutputFormat], "--format", "format"))
        if fmt is not None
        else None
    )
    if as_json:
        if chosen not in (None, OutputFormat.json):
            raise UserError(f"--json and --format {chosen} disagree; give one of them")
        chosen = OutputFormat.json
    chosen = chosen or OutputFormat.table
    if chosen not in formats:
        valid = ", ".join(f.value for f in formats)
        raise UserError(
            f"--format {chosen}: this command prints {valid} only" + (f"; {why}" if why else "")
        )
    return chosen


def canonical(value: str, valid: Iterable[str], option: str, kind: str) -> str:
    """``value`` spelled as in ``valid`` (matched case-insensitively), echoed on stderr when
    the spelling differs; an unknown value raises :class:`UserError` listing the valid ones."""
    choices = list(valid)
    if value in choices:
        return value
    folded = {c.casefold(): c for c in choices}
    found = folded.get(value.strip().casefold())
    if found is None:
        raise unknown_name(kind, value, choices, option)
    typer.echo(f"note: {option} {value} read as {found}", err=True)
    return found


def split_values(values: Iterable[str] | None, option: str) -> list[str]:
    """The values of a repeatable, comma-separated option (``--side RU,WAGNER --side UA``), in
    order, without duplicates; an option given with nothing in it raises :class:`UserError`."""
    if values is None:
        return []
    given = list(values)
    out: list[str] = []
    for text in given:
        for part in text.split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    if given and not out:
        raise UserError(f"{option}: give a value (several: comma-separated, or repeat {option})")
    return out


def canonical_values(
    values: Iterable[str] | None, valid: Iterable[str], option: str, kind: str
) -> list[str]:
    """:func:`split_values`, each matched by :func:`canonical`."""
    choices = list(valid)
    out: list[str] = []
    for v in split_values(values, option):
        c = canonical(v, choices, option, kind)
        if c not in out:
            out.append(c)
    return out


def print_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> None:
    """Print records as CSV (a header, then one line per record; ``None`` is empty)."""
    import csv

    cols = list(columns) if columns is not None else list(rows[0]) if rows else []
    writer = csv.DictWriter(sys.stdout, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in cols})


def print_frame_csv(df: Any) -> None:
    """Print a pandas frame as CSV without its index."""
    sys.stdout.write(df.to_csv(index=False))


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON (NumPy and other numbers through ``float``)."""
    typer.echo(json.dumps(obj, indent=2, default=float))


def _record_path(path: Path) -> Path:
    return path.parent / f".{path.name}.attrition"


def _digest(path: Path) -> str:
    """SHA-256 of a file, or of a folder's files (relative names and contents, sorted)."""
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(q for q in path.rglob("*") if q.is_file()):
            h.update(p.relative_to(path).as_posix().encode() + b"\0")
            h.update(_digest(p).encode())
        return "dir:" + h.hexdigest()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _written_by_us(path: Path) -> bool:
    record = _record_path(path)
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        return bool(data.get("tool") == "attrition" and data.get("sha256") == _digest(path))
    except (OSError, ValueError, AttributeError, UnicodeDecodeError):
        return False


def check_out_file(path: Path, *, option: str = "--out", folder_store: bool = False) -> Path:
    """Check, before any work, that ``path`` may receive one output file; return it (absolute).

    Refused with one line: a folder where a file is expected (or a file where a ``.zarr`` folder
    store is expected, ``folder_store``), an existing path attrition did not write or that was
    changed since, and a place that cannot be written (a file in the way, no permission).
    """
    target = Path(path).absolute()
    if target.exists() or target.is_symlink():
        if folder_store and not target.is_dir():
            raise UserError(f"{option} {path}: exists and is not a folder; give a new name")
        if not folder_store and target.is_dir():
            raise UserError(f"{option} {path}: is a folder; give a file name, e.g. {path}/out")
        if not _written_by_us(target):
            raise UserError(
                f"{option} {path}: exists and was not written by attrition (or was changed "
                "since); move it away or give another name, so nothing of yours is overwritten"
            )
    check_writable(target.parent, option=option, shown=path)
    return target


def check_writable(folder: Path, *, option: str = "--out", shown: Path | None = None) -> None:
    """Check that ``folder`` (existing or not) can be created or written into: its nearest
    existing ancestor must be a writable folder. Creates nothing."""
    probe = Path(folder).absolute()
    while not probe.exists():
        probe = probe.parent
    name = folder if shown is None else shown
    if not probe.is_dir():
        raise UserError(f"{option} {name}: cannot write there ({probe} is a file)")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(f"{option} {name}: cannot write there ({probe}: permission denied)")


def install_out_file(path: Path, write: Callable[[Path], object], *, option: str = "--out") -> Path:
    """Let ``write(tmp)`` produce the output at a private path with the same name, then move it
    to ``path`` (replacing only what attrition wrote there, see :func:`check_out_file`) and
    record its digest. Nothing is left behind if ``write`` fails."""
    target = check_out_file(path, option=option, folder_store=path.suffix.lower() == ".zarr")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise UserError(f"{option} {path}: cannot write there ({exc.strerror})") from None
    try:
        fresh = work / target.name
        write(fresh)
        digest = _digest(fresh)
        check_out_file(path, option=option, folder_store=fresh.is_dir())  # still ours?
        old = None
        if fresh.is_dir() and target.exists():
            old = work / ".old"
            os.replace(target, old)
        os.replace(fresh, target)
        record = {"tool": "attrition", "sha256": digest}
        from attrition._io import atomic_write_text

        atomic_write_text(_record_path(target), json.dumps(record) + "\n")
    finally:
        # our own mkdtemp folder: whatever is left in it (a failed write, the old store) is ours
        with contextlib.suppress(OSError):
            shutil.rmtree(work)
    return target


def install_out_folder(out: Path, write: Callable[[Path], object], **extra: Any) -> list[Path]:
    """Let ``write(work)`` fill a private work folder, then install its files in ``out`` with
    :func:`attrition.outputs.install_output` (under the folder's lock: only files attrition
    wrote there are replaced). ``out`` must have passed
    :func:`attrition.outputs.check_output_dir` before the work began. Returns the paths written.
    """
    from attrition.outputs import OutputLock, build_folder, install_output

    with OutputLock(out, timeout=60.0), build_folder(out) as work:
        write(work)
        names = install_output(work, out, **extra)
    return [Path(out) / n for n in names]
