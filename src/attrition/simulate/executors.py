"""Running an ensemble's chunks: serially, in processes or on Dask, with checkpoints.

A chunk is a :class:`ChunkTask` (its run indices fix its random streams), so the result does not
depend on the executor, the chunk size or the workers; finished chunks are checkpointed and an
interrupted ensemble resumes from them.
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from attrition._io import atomic_write_bytes, atomic_write_text
from attrition.errors import UserError, unknown_name
from attrition.simulate.stochastic import (
    RunArrays,
    run_stochastic,
)

if TYPE_CHECKING:
    pass
from attrition.simulate.ode_ensemble import run_ode

EXECUTORS: tuple[str, ...] = ("serial", "processes", "dask")

T = TypeVar("T")
R = TypeVar("R")


SCHEDULER_TIMEOUT_S = 3.0


# --------------------------------------------------------------------------- chunks
@dataclass(frozen=True)
class ChunkTask:
    """Everything one chunk needs (picklable: sent to process and Dask workers)."""

    method: str
    start: int
    initial: np.ndarray
    coef: np.ndarray
    shooter_exp: tuple[float, float]
    target_exp: tuple[float, float]
    rates: np.ndarray
    impulses: np.ndarray
    seed: int
    annihilation: bool
    annihilation_level: float
    breakpoint: tuple[float | None, float | None]
    substeps: int
    epsilon: float
    trajectories: bool
    threads: bool = True


def run_chunk(task: ChunkTask) -> RunArrays:
    """Run one chunk (module-level so that executors can send it to workers)."""
    common: dict[str, Any] = {
        "annihilation": task.annihilation,
        "annihilation_level": task.annihilation_level,
        "breakpoint": task.breakpoint,
        "trajectories": task.trajectories,
        "substeps": task.substeps,
        "threads": task.threads,
    }
    if task.method == "ode":
        return run_ode(
            task.initial, task.coef, task.shooter_exp, task.target_exp, task.rates,
            task.impulses, **common,
        )  # fmt: skip
    return run_stochastic(
        task.method, task.initial, task.coef, task.shooter_exp, task.target_exp, task.rates,
        task.impulses, seed=task.seed, start=task.start, epsilon=task.epsilon, **common,
    )  # fmt: skip


# --------------------------------------------------------------------------- executors
def _digest(*arrays: np.ndarray) -> str:
    import hashlib

    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _chunks(runs: int, chunk_size: int) -> list[tuple[int, int]]:
    return [(a, min(a + chunk_size, runs)) for a in range(0, runs, chunk_size)]


def _pack(arr: RunArrays) -> bytes:
    buf = io.BytesIO()
    parts = {k: getattr(arr, k) for k in ("final", "losses", "duration", "reason")}
    if arr.strength_t is not None:
        parts["strength_t"] = arr.strength_t
        parts["losses_t"] = arr.losses_t  # type: ignore[assignment]
    np.savez(buf, **parts)  # type: ignore[arg-type]
    return buf.getvalue()


def _unpack(path: Path) -> RunArrays:
    with np.load(path) as z:
        return RunArrays(
            z["final"], z["losses"], z["duration"], z["reason"],
            z.get("strength_t"),
            z.get("losses_t"),
        )  # fmt: skip


class _Checkpoint:
    """A folder of finished chunks plus a manifest saying which ensemble they belong to."""

    def __init__(self, folder: str | os.PathLike[str], manifest: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.manifest = manifest
        mpath = self.folder / "manifest.json"
        if mpath.exists():
            try:
                old = json.loads(mpath.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise UserError(f"{mpath}: unreadable checkpoint manifest ({exc})") from None
            if old != manifest:
                diff = sorted(k for k in manifest if old.get(k) != manifest[k])
                raise UserError(
                    f"{self.folder}: checkpoint belongs to another ensemble (differs in "
                    f"{', '.join(diff) or 'format'}); use the same settings, or another folder"
                )
        else:
            atomic_write_text(mpath, json.dumps(manifest, indent=1, sort_keys=True))

    def path(self, a: int, b: int) -> Path:
        return self.folder / f"chunk-{a:010d}-{b:010d}.npz"

    def load(self, a: int, b: int) -> RunArrays | None:
        p = self.path(a, b)
        if not p.exists():
            return None
        try:
            return _unpack(p)
        except (OSError, ValueError, KeyError):
            return None  # a damaged chunk is recomputed

    def save(self, a: int, b: int, arr: RunArrays) -> None:
        atomic_write_bytes(self.path(a, b), _pack(arr))


def _connect_dask(scheduler: str | None, workers: int, dask_processes: bool) -> tuple[Any, Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise UserError(
            "--executor dask needs dask.distributed: pip install 'attrition[scale]'"
        ) from exc
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S}s")  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as exc:
            raise UserError(
                f"--scheduler {scheduler}: no Dask scheduler answered within "
                f"{SCHEDULER_TIMEOUT_S:g} s ({type(exc).__name__}); check the address "
                "(tcp://HOST:8786) or leave --scheduler out to start a local cluster"
            ) from None
        return client, None
    import logging

    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers,
        threads_per_worker=1,
        processes=dask_processes,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster  # type: ignore[no-untyped-call]


def map_calls(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    dask_processes: bool = True,
) -> list[R]:
    """``fn`` over ``items`` on an executor of :data:`EXECUTORS`, results in item order.

    ``fn`` must be a picklable module-level function whose result depends only on its item
    (each item carries its own seed), so the results do not depend on the executor. The
    executor, ``scheduler`` (Dask only) and ``workers`` are checked first, with one-line
    errors; ``processes`` uses spawned worker processes, ``dask`` a scheduler or a local
    cluster of one-thread workers."""
    if executor not in EXECUTORS:
        raise unknown_name("executor", executor, EXECUTORS)
    if scheduler and executor != "dask":
        raise UserError("--scheduler needs --executor dask")
    if workers is not None and workers < 1:
        raise UserError(f"--workers {workers}: give at least 1")
    if executor == "serial" or not items:
        return [fn(x) for x in items]
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(items)))
    if executor == "processes":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
            return list(pool.map(fn, items))
    client, cluster = _connect_dask(scheduler, n_workers, dask_processes)
    try:
        futs = client.map(fn, list(items), pure=False)
        return [f.result() for f in futs]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_tasks(
    tasks: Sequence[ChunkTask],
    *,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    dask_processes: bool = True,
    done: Callable[[int, RunArrays], None] | None = None,
) -> list[RunArrays]:
    """Run chunk tasks on an executor; returns results in task order.

    ``done(k, result)`` is called as each task finishes (checkpointing, progress).
    """
    if executor not in EXECUTORS:
        raise unknown_name("executor", executor, EXECUTORS)
    if scheduler and executor != "dask":
        raise UserError("--scheduler needs --executor dask")
    results: list[RunArrays | None] = [None] * len(tasks)

    def finish(k: int, res: RunArrays) -> None:
        results[k] = res
        if done is not None:
            done(k, res)

    n_workers = max(1, workers or os.cpu_count() or 1)
    if executor == "serial" or not tasks:
        for k, t in enumerate(tasks):
            finish(k, run_chunk(t))
    elif executor == "processes":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(n_workers, len(tasks)), mp_context=ctx) as pool:
            futs = {pool.submit(run_chunk, _single(t)): k for k, t in enumerate(tasks)}
            for fut in as_completed(futs):
                finish(futs[fut], fut.result())
    else:
        client, cluster = _connect_dask(scheduler, n_workers, dask_processes)
        try:
            from distributed import as_completed as dask_completed

            futs = client.map(run_chunk, [_single(t) for t in tasks], pure=False)
            index = {f.key: k for k, f in enumerate(futs)}
            for fut in dask_completed(futs):  # type: ignore[no-untyped-call]
                finish(index[fut.key], fut.result())
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    return [r for r in results if r is not None]


def _single(task: ChunkTask) -> ChunkTask:
    """The task to run inside a worker: one thread per worker."""
    from dataclasses import replace

    return replace(task, threads=False)


def default_chunk_size(method: str, runs: int, executor: str, workers: int) -> int:
    """Runs per chunk: small enough for progress and load balance, large enough to amortise."""
    cap = 10_000 if method == "ssa" else 100_000
    if executor != "serial":
        cap = min(cap, max(1, math.ceil(runs / (4 * max(workers, 1)))))
    return max(1, min(runs, cap))
