"""A cache of report stages, keyed by the hash of everything the stage reads.

A stage's key is the SHA-256 of its name, the package version, the hash of the package's own
code and templates, the input files' hashes, the seed and the mode. An entry is a pickle of the
stage's result, the figure files it wrote and the seconds it took, stored beside a file holding
the pickle's SHA-256; an entry whose bytes no longer match that hash (a corrupted cache) is
rebuilt with a warning, never read. Entries are written to a temporary file and renamed, so an
interrupted run leaves no half-written entry.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from attrition import __version__
from attrition._io import atomic_write_bytes
from attrition.errors import DataWarning


@functools.cache
def code_hash() -> str:
    """SHA-256 over the package's Python files, templates and scripts (sorted by path)."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".j2", ".js") and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def stage_key(stage: str, inputs: Mapping[str, str], **settings: Any) -> str:
    """The cache key of ``stage`` for these input hashes and settings (seed, mode, ...)."""
    blob = json.dumps(
        {"stage": stage, "version": __version__, "code": code_hash(), "inputs": dict(inputs),
         "settings": settings},
        sort_keys=True, default=str,
    )  # fmt: skip
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    """A cached stage: its result, the figure files it wrote (name -> bytes) and the seconds the
    run that computed it took."""

    result: Any
    figures: dict[str, bytes]
    seconds: float = 0.0


class StageCache:
    """Stage results under ``folder`` (``None``: caching off)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _paths(self, stage: str, key: str) -> tuple[Path, Path]:
        assert self.folder is not None
        stem = self.folder / f"{stage}-{key[:24]}"
        return stem.with_suffix(".pkl"), stem.with_suffix(".sha256")

    def load(self, stage: str, key: str) -> Entry | None:
        """The entry, or ``None`` when absent; a corrupted entry warns and is removed."""
        if self.folder is None:
            return None
        data_path, hash_path = self._paths(stage, key)
        if not data_path.exists() and not hash_path.exists():
            return None
        try:
            data = data_path.read_bytes()
            expected = hash_path.read_text(encoding="ascii").strip()
            if hashlib.sha256(data).hexdigest() != expected:
                raise ValueError("hash mismatch")
            entry = pickle.loads(data)  # our own file, verified by its hash
            if not isinstance(entry, Entry):
                raise ValueError("not a cache entry")
        except (OSError, ValueError, pickle.UnpicklingError, EOFError, AttributeError) as exc:
            warnings.warn(
                f"{data_path}: corrupted report cache ({exc}); rebuilding the {stage} stage",
                DataWarning,
                stacklevel=2,
            )
            for p in (data_path, hash_path):
                p.unlink(missing_ok=True)
            return None
        return entry

    def store(self, stage: str, key: str, entry: Entry) -> None:
        """Write the entry (and drop older entries of the same stage)."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        data_path, hash_path = self._paths(stage, key)
        for old in self.folder.glob(f"{stage}-*"):
            if old not in (data_path, hash_path):
                old.unlink(missing_ok=True)
        data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write_bytes(data_path, data)
        atomic_write_bytes(hash_path, hashlib.sha256(data).hexdigest().encode("ascii"))


def read_figures(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` (not recursive), by name."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def write_figures(figures: Mapping[str, bytes], folder: Path) -> None:
    """Write figure files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in figures.items():
        (folder / name).write_bytes(data)
