"""Output folders the tool owns: a manifest of what it wrote, a lock, and a safe replace.

An output folder (``attrition report --out DIR``, ``attrition estimate --out DIR``, ...) may be

* a path that does not exist yet, or an existing **empty** folder; or
* a folder this tool wrote before, recognised by its manifest file :data:`MANIFEST`, which lists
  every file the tool wrote there with its SHA-256.

Anything else (a folder holding files the tool did not write, a file, ``.``) is refused with a
one-line :class:`~attrition.errors.UserError` by :func:`check_output_dir`, which commands call
before any work. :func:`install_output` then moves a finished build from a private work folder
into place, under an exclusive lock (:class:`OutputLock`), touching only:

* the files the new build wrote (each moved in with an atomic ``os.replace``), and
* files listed in the old manifest that the new build no longer writes (removed).

It never deletes or overwrites a file the old manifest does not list, nor a listed file whose
bytes no longer match the manifest (the user edited it): such a clash is refused before any file
is moved. Foreign files a user put beside the report survive every rebuild.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from attrition import __version__
from attrition._io import atomic_write_text, sha256_file
from attrition.errors import UserError

__all__ = [
    "MANIFEST",
    "OutputLock",
    "build_folder",
    "check_output_dir",
    "install_output",
    "read_manifest",
]

MANIFEST = ".attrition-manifest.json"
"""Name of the manifest file the tool writes in every output folder it owns."""


def _lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.attrition-lock"


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, str] | None:
    """The files (relative path -> SHA-256) the manifest of ``folder`` lists, or ``None``.

    ``None`` means the folder has no manifest. A manifest that is not ours (bad JSON, wrong
    shape, a path that leaves the folder) raises :class:`UserError`.
    """
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if data.get("tool") != "attrition" or not isinstance(files, dict):
            raise ValueError("not an attrition manifest")
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise UserError(
            f"{path}: unreadable output manifest ({exc}); choose a new --out folder"
        ) from None
    out: dict[str, str] = {}
    for rel, digest in files.items():
        p = Path(rel)
        if p.is_absolute() or ".." in p.parts or rel == MANIFEST or not isinstance(digest, str):
            raise UserError(f"{path}: manifest entry {rel!r} is not a file inside the folder")
        out[rel] = digest
    return out


def check_output_dir(path: str | os.PathLike[str], *, option: str = "--out") -> Path:
    """Check that ``path`` may be used as an output folder; return it (absolute).

    Creates nothing. Allowed: a path that does not exist (its nearest existing ancestor must be
    a writable folder), an existing empty folder, or a folder with this tool's manifest.
    Everything else raises a one-line :class:`UserError` that names the path and the fix.
    """
    target = Path(path).absolute()
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise UserError(f"{option} {path}: exists and is not a folder; give a new folder name")
        if read_manifest(target) is None and any(target.iterdir()):
            raise UserError(
                f"{option} {path}: folder exists and was not written by attrition (it has no "
                f"{MANIFEST}); give a new or empty folder, so nothing of yours is overwritten"
            )
        if not os.access(target, os.W_OK | os.X_OK):
            raise UserError(f"{option} {path}: cannot write there (permission denied)")
    probe = target
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UserError(f"{option} {path}: cannot write there ({probe} is a file)")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UserError(f"{option} {path}: cannot write there ({probe}: permission denied)")
    lock = _lock_path(target)
    if lock.exists() and not lock.is_file():
        raise UserError(f"{lock}: is not a file (attrition keeps its lock there); remove it")
    return target


class OutputLock:
    """An exclusive advisory lock for one output folder (and its cache), held across processes.

    The lock file sits beside the folder (``.NAME.attrition-lock``) and is never removed, so that
    two processes always lock the same inode. A second run waits (``timeout`` seconds, ``None``:
    for ever) and then raises :class:`UserError` naming the folder.
    """

    def __init__(
        self,
        out: str | os.PathLike[str],
        *,
        timeout: float | None = None,
        on_wait: Callable[[], None] | None = None,
    ) -> None:
        self.out = Path(out).absolute()
        self.path = _lock_path(self.out)
        self.timeout = timeout
        self.on_wait = on_wait
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise UserError(
                f"{self.path}: cannot create the output lock ({exc.strerror})"
            ) from None
        start = time.monotonic()
        waited = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    os.close(fd)
                    raise
                if not waited and self.on_wait is not None:
                    self.on_wait()
                waited = True
                if self.timeout is not None and time.monotonic() - start > self.timeout:
                    os.close(fd)
                    raise UserError(
                        f"{self.out}: another attrition run is writing this folder; wait for "
                        "it to finish or choose another --out"
                    ) from None
                time.sleep(0.05)
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _files_under(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != MANIFEST
    )


def _write_manifest(folder: Path, files: Mapping[str, str], extra: Mapping[str, Any]) -> None:
    body = {
        "tool": "attrition",
        "version": __version__,
        **extra,
        "files": dict(sorted(files.items())),
    }
    atomic_write_text(folder / MANIFEST, json.dumps(body, indent=1) + "\n")


def _digest(path: Path) -> str:
    return sha256_file(path)


def install_output(
    work: str | os.PathLike[str], out: str | os.PathLike[str], **extra: Any
) -> list[str]:
    """Move every file of the build folder ``work`` into ``out``; return the files installed.

    The caller holds :class:`OutputLock` on ``out`` (or accepts the race). Checks come first,
    before anything is moved: ``out`` must pass :func:`check_output_dir`, and no file of the new
    build may land on a file the old manifest does not list, or on a listed file the user has
    changed since. Then: a manifest listing old and new files is written (so an interruption
    leaves nothing unaccounted for), each new file is moved in with ``os.replace``, files of the
    old build that the new one does not write are removed (and folders left empty by that), and
    the final manifest is written. ``extra`` (e.g. ``seed``) is recorded in the manifest.
    ``work`` is removed at the end.
    """
    src, dst = Path(work), Path(out)
    check_output_dir(dst)
    old = (read_manifest(dst) if dst.is_dir() else None) or {}
    new = _files_under(src)
    for rel in new:
        target = dst / rel
        if not (target.exists() or target.is_symlink()):
            continue
        if rel not in old:
            raise UserError(
                f"{target}: exists and was not written by attrition; move it away, so it is "
                "not overwritten"
            )
        if not target.is_file() or _digest(target) != old[rel]:
            raise UserError(
                f"{target}: changed since attrition wrote it; move it away, so your change is "
                "not overwritten"
            )
    stale = [rel for rel in old if rel not in new]
    digests = {rel: _digest(src / rel) for rel in new}
    dst.mkdir(parents=True, exist_ok=True)
    _write_manifest(dst, {**old, **digests}, extra)
    for rel in new:
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src / rel, target)
    for rel in stale:
        target = dst / rel
        with contextlib.suppress(FileNotFoundError):
            if target.is_file() and _digest(target) == old[rel]:
                target.unlink()
        _remove_empty_parents(target.parent, dst)
    _write_manifest(dst, digests, extra)
    _remove_tree_we_made(src)
    return new


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _remove_tree_we_made(work: Path) -> None:
    """Remove the (now emptied) private build folder bottom-up, never following links."""
    for d in sorted((p for p in work.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        with contextlib.suppress(OSError):
            d.rmdir()
    with contextlib.suppress(OSError):
        work.rmdir()


@contextlib.contextmanager
def build_folder(out: str | os.PathLike[str]) -> Iterator[Path]:
    """A private, hidden work folder beside ``out`` for a build; removed if the build fails."""
    import shutil
    import tempfile

    dst = Path(out).absolute()
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent))
    except OSError as exc:
        raise UserError(
            f"{out}: cannot write there ({exc.strerror}); choose a writable folder"
        ) from None
    try:
        work.chmod(0o755)
        yield work
    finally:
        # our own mkdtemp folder: whatever is left in it is ours
        shutil.rmtree(work, ignore_errors=True)
