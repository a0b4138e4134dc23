"""Progress of the long commands, on stderr: a bar with an ETA on a terminal, plain lines in a log.

:class:`StageProgress` follows a run made of named stages (the report's stages, a calibration
then its runs). On a terminal it shows a Rich bar over the planned stages with the elapsed time
and an ETA; the ETA weighs each stage by its expected seconds (the previous run's timings when
known) and counts down inside the running stage. When stderr is not a terminal (redirected to
a log) it writes one plain line per stage as it ends, with its elapsed time, and a "still
running" line every :data:`HEARTBEAT_SECONDS` of a long stage: no spinner frames, and no long
silence. A run that fails writes nothing more (its error is the one line a user reads). Rich
is imported only when a bar is shown.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any

__all__ = ["HEARTBEAT_SECONDS", "StageProgress", "format_seconds", "stderr_is_terminal"]

HEARTBEAT_SECONDS = 120.0
"""In a log, a stage running this long gets a "still running" line (and again each period)."""


def stderr_is_terminal() -> bool:
    """Whether stderr is an interactive terminal (then a live bar is drawn)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # closed or replaced stream
        return False


def format_seconds(seconds: float) -> str:
    """``3.2 s``, ``4 min 05 s`` or ``1 h 02 min``: a duration for a person."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class StageProgress:
    """Progress over the named stages of one run (use as a context manager).

    ``plan``: the stages expected, in order (a stage not in it is shown but not counted; a
    planned stage that never starts, for example a cached one, is passed over). ``expected``:
    seconds each planned stage is expected to take (missing: ``default_seconds``), used for the
    bar and the ETA. ``live``: draw the bar (default: stderr is a terminal). ``stream``: where
    the plain lines go (default stderr).

    Call :meth:`stage` with each stage's name as it starts (it ends the previous one); leaving
    the ``with`` block ends the last one.
    """

    def __init__(
        self,
        title: str,
        plan: Sequence[str] = (),
        *,
        expected: Mapping[str, float] | None = None,
        default_seconds: float = 10.0,
        live: bool | None = None,
        stream: IO[str] | None = None,
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.title = title
        self.plan = list(plan)
        self.expected = [
            max(float((expected or {}).get(s, default_seconds)), 0.1) for s in self.plan
        ]
        self.live = stderr_is_terminal() if live is None else live
        self.stream = stream
        self.heartbeat = heartbeat
        self.timings: list[tuple[str, float]] = []
        self._current: str | None = None
        self._started = 0.0
        self._t0 = 0.0
        self._index = 0  # planned stages passed so far
        self._bar: Any = None
        self._task: Any = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None
        self._last_beat: tuple[str | None, int] = (None, 0)

    # -- context -----------------------------------------------------------------------------
    def __enter__(self) -> StageProgress:
        self._t0 = time.perf_counter()
        if self.live:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                TextColumn("{task.fields[step]}"), TimeElapsedColumn(), _eta_column(),
                console=Console(stderr=True), transient=False,
            )  # fmt: skip
            self._bar.__enter__()
            self._task = self._bar.add_task(
                self.title, total=sum(self.expected) or None, step="", eta_end=None, after=0.0
            )
        else:
            self._beat = threading.Thread(target=self._heartbeat, daemon=True)
            self._beat.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._end_current(failed=exc_type is not None)
        self._stop.set()
        if self._bar is not None:
            if exc_type is None and self._task is not None:
                self._bar.update(
                    self._task, completed=sum(self.expected) or 1, total=sum(self.expected) or 1,
                    description=f"{self.title}: done", step="", eta_end=None, after=0.0,
                )  # fmt: skip
            self._bar.__exit__(exc_type, exc, tb)
        elif exc_type is None:
            self._line(f"{self.title}: done in {format_seconds(self.elapsed)}")

    @property
    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self._t0

    # -- stages ------------------------------------------------------------------------------
    def stage(self, name: str) -> None:
        """``name`` starts now (the previous stage ends)."""
        with self._lock:
            self._end_current()
            self._current = name
            self._started = time.perf_counter()
            if name in self.plan[self._index :]:
                self._index = self.plan.index(name, self._index)
            if self._bar is not None:
                planned = self._index < len(self.plan) and self.plan[self._index] == name
                before = sum(self.expected[: self._index])
                own = self.expected[self._index] if planned else 0.0
                after = sum(self.expected[self._index + (1 if planned else 0) :])
                self._bar.update(
                    self._task, completed=before, description=f"{self.title}: {name}",
                    step=self._step_text(planned), eta_end=time.perf_counter() + own,
                    after=after,
                )  # fmt: skip

    def _step_text(self, planned: bool) -> str:
        if not self.plan or not planned:
            return ""
        return f"{self._index + 1}/{len(self.plan)}"

    def _end_current(self, failed: bool = False) -> None:
        if self._current is None:
            return
        took = time.perf_counter() - self._started
        self.timings.append((self._current, took))
        if self._bar is None and not failed:  # a failure's own message says what happened
            self._line(f"{self.title}: {self._label(self._current)} took {format_seconds(took)}")
        if self._index < len(self.plan) and self.plan[self._index] == self._current:
            self._index += 1
        self._current = None

    def _label(self, name: str) -> str:
        if name in self.plan:
            return f"[{self.plan.index(name) + 1}/{len(self.plan)}] {name}"
        return name

    # -- plain output ------------------------------------------------------------------------
    def _line(self, text: str) -> None:
        stream = self.stream if self.stream is not None else sys.stderr
        print(text, file=stream, flush=True)

    def _heartbeat(self) -> None:
        while not self._stop.wait(min(self.heartbeat, 5.0)):
            with self._lock:
                if self._current is None:
                    continue
                running = time.perf_counter() - self._started
                due = int(running // self.heartbeat)
                if due >= 1 and self._last_beat != (self._current, due):
                    self._last_beat = (self._current, due)
                    self._line(
                        f"{self.title}: {self._label(self._current)} still running "
                        f"({format_seconds(running)}, {format_seconds(self.elapsed)} in all)"
                    )


def _eta_column() -> Any:
    """A Rich column with the time left: the running stage's expected end (never in the past)
    plus the expected seconds of the stages after it."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class EtaColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            end = task.fields.get("eta_end")
            if end is None or task.finished:
                return Text("", style="progress.remaining")
            left = max(end - time.perf_counter(), 0.0) + float(task.fields.get("after", 0))
            return Text(f"ETA {format_seconds(left)}", style="progress.remaining")

    return EtaColumn()
