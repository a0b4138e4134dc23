"""The machinery every report shares: its inputs, the stage runner and cache, the output folder.

A report is built in a private folder first and moved into place only when all of it is written
(:func:`attrition.outputs.install_output`): an interrupted run leaves the previous report intact,
the output folder must be new, empty or one this tool wrote (its manifest lists the files), and
files a user put there are never touched. Expensive stages are cached by the hash of their
inputs (:mod:`attrition.report.cache`).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition._io import atomic_write_text, json_default, sha256_file
from attrition.errors import UserError

if TYPE_CHECKING:
    from attrition.data.battle import BattleSpec

__all__ = [
    "CacheNotice",
    "Progress",
    "ReportResult",
    "StageRun",
    "cache_folder",
    "cache_notices",
    "check_report_target",
    "finish_report",
    "input_hashes",
    "report_spec",
]

Progress = Callable[[str], None]
"""Called with the name of each stage as it starts (the CLI shows it)."""

CacheNotice = Callable[[str, float], None]
"""Called with a cache stage's name and the seconds it took when computed, when the cache serves
it (the CLI says the step was cached rather than timing it)."""

_ON_CACHED: ContextVar[CacheNotice | None] = ContextVar("attrition_report_on_cached", default=None)


@contextmanager
def cache_notices(notice: CacheNotice | None) -> Iterator[None]:
    """Within the block, every :meth:`StageRun.cached` hit calls ``notice(stage, seconds)``
    (``seconds``: the computing run's time, as in ``summary.json``'s ``stage_seconds``)."""
    token = _ON_CACHED.set(notice)
    try:
        yield
    finally:
        _ON_CACHED.reset(token)


@dataclass
class ReportResult:
    """What a report run produced."""

    path: Path
    summary: dict[str, Any]
    stages: dict[str, str] = field(default_factory=dict)  # stage -> "computed"/"cached"/"skipped"


def input_hashes(battle: str | Path = "bakhmut") -> dict[str, str]:
    """SHA-256 of every input file of the battle's folder."""
    from attrition.data.claims import battle_dir

    folder = battle_dir(battle)
    return {f.name: sha256_file(f) for f in sorted(folder.iterdir()) if f.is_file()}


def report_spec(battle: str | Path) -> BattleSpec:
    """The battle's ``battle.toml``; a folder without one raises :class:`UserError`."""
    from attrition.data.claims import battle_spec

    spec = battle_spec(battle)
    if spec is None:
        raise UserError(
            f"{battle}: the report needs a battle.toml (window, sides); create a folder with "
            "`attrition battle new PATH` and move the evidence into it"
        )
    return spec


@dataclass
class StageRun:
    """Book-keeping of one report run: where figures go, the cache, stage outcomes.

    ``work``: the private build folder; ``cache``: a :class:`~attrition.report.cache.StageCache`;
    ``inputs``: :func:`input_hashes`. ``stages`` maps each stage to ``"computed"`` or
    ``"cached"``; ``seconds`` maps it to the seconds it took in the run that computed it (a
    cached stage keeps the time stored with its cache entry, so a re-run's ``summary.json``
    still says what each stage costs).
    """

    work: Path
    cache: Any
    inputs: dict[str, str]
    seed: int
    quick: bool
    stages: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def key(self, stage: str) -> str:
        """The cache key of ``stage`` (inputs, seed, quick and the package's code)."""
        from attrition.report.cache import stage_key

        return stage_key(stage, self.inputs, seed=self.seed, quick=self.quick)

    def cached(self, stage: str) -> Any:
        """``(result,)`` of ``stage`` from the cache (its figures copied in), or ``None``; a hit
        is told to the :func:`cache_notices` listener."""
        from attrition.report.cache import write_figures

        entry = self.cache.load(stage, self.key(stage))
        if entry is None:
            return None
        write_figures(entry.figures, self.work / "figures")
        self.stages[stage] = "cached"
        self.seconds[stage] = entry.seconds
        notice = _ON_CACHED.get()
        if notice is not None:
            notice(stage, entry.seconds)
        return (entry.result,)

    def stage_dir(self, stage: str) -> Path:
        """The folder ``stage`` writes its figures into (collected by :meth:`finish`)."""
        d = self.work / f".stage-{stage}"
        d.mkdir(exist_ok=True)
        return d

    def finish(self, stage: str, result: Any, seconds: float) -> Any:
        """Cache ``result`` and the figures of :meth:`stage_dir`; returns ``result``."""
        from attrition.report.cache import Entry, read_figures, write_figures

        d = self.stage_dir(stage)
        figures = read_figures(d)
        write_figures(figures, self.work / "figures")
        shutil.rmtree(d)
        self.seconds[stage] = round(seconds, 2)
        self.cache.store(stage, self.key(stage), Entry(result, figures, self.seconds[stage]))
        self.stages[stage] = "computed"
        return result

    def run(self, stage: str, fn: Callable[[Path], Any]) -> Any:
        """The cached result of ``stage``, else ``fn(stage_dir)`` (then cached)."""
        hit = self.cached(stage)
        if hit is not None:
            return hit[0]
        t0 = time.perf_counter()
        result = fn(self.stage_dir(stage))
        return self.finish(stage, result, time.perf_counter() - t0)


def finish_report(work: Path, out: Path, page: str, summary: dict[str, Any], battle: str) -> None:
    """Write the page, ``summary.json`` and ``claims_used.csv`` and install them into ``out``."""
    from attrition.data.claims import claims_to_csv, load_claims
    from attrition.outputs import install_output

    atomic_write_text(work / "index.html", page)
    atomic_write_text(work / "summary.json", json.dumps(summary, indent=2, default=json_default))
    atomic_write_text(work / "claims_used.csv", claims_to_csv(load_claims(battle)))
    for leftover in work.glob(".stage-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    install_output(
        work, out, battle=summary["battle"], seed=summary["seed"], quick=summary["quick"]
    )


def cache_folder(out: Path) -> Path:
    """The stage cache of the report written to ``out``: ``<parent>/.attrition-cache/<name>``.

    Raises :class:`UserError` when a file stands where a cache folder must go.
    """
    root = out.parent / ".attrition-cache"
    for p in (root, root / out.name):
        if p.exists() and not p.is_dir():
            raise UserError(
                f"{p}: is a file, but the report cache needs a folder there; move the file "
                "away or use --no-cache"
            )
    return root / out.name


def check_report_target(out_dir: str | Path, seed: int) -> Path:
    """Validate a report's output folder and seed before any work (see :mod:`attrition.outputs`)."""
    from attrition.outputs import check_output_dir

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UserError(f"--seed {seed}: give a whole number 0 or larger")
    return check_output_dir(out_dir)
