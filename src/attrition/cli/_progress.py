"""Progress of the long commands, on stderr: a bar with an ETA on a terminal, plain lines in a log.

:class:`StageProgress` follows a run made of named stages (the report's stages, a calibration
then its runs). On a terminal it shows a Rich bar over the planned stages with the elapsed time
and an ETA; the ETA weighs each stage by its expected seconds (the previous run's timings when
known) and counts down inside the running stage. Every planned stage gets one line as it ends:
its elapsed time, or ``cached (computed in ...)`` when a cache served it
(:meth:`StageProgress.cached`), or ``skipped``; on a terminal the lines are printed above the
bar. When stderr is not a terminal (redirected to a log) there is no bar, and a long stage
gets a "still running" line every :data:`HEARTBEAT_SECONDS`: no spinner frames, and no long
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
    bar and the ETA. ``labels``: the name a stage is shown with (default its own). ``live``:
    draw the bar (default: stderr is a terminal). ``stream``: where the plain lines go when
    there is no bar (default stderr).

    Call :meth:`stage` with each stage's name as it starts (it ends the previous one), and
    :meth:`cached` when a cache serves a planned stage (before, while or instead of running
    it); leaving the ``with`` block ends the last one and accounts for the planned stages that
    never started.
    """

    def __init__(
        self,
        title: str,
        plan: Sequence[str] = (),
        *,
        expected: Mapping[str, float] | None = None,
        default_seconds: float = 10.0,
        labels: Mapping[str, str] | None = None,
        live: bool | None = None,
        stream: IO[str] | None = None,
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.title = title
        self.plan = list(plan)
        self.expected = [
            max(float((expected or {}).get(s, default_seconds)), 0.1) for s in self.plan
        ]
        self.labels = dict(labels or {})
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
        self._cached: dict[str, float | None] = {}  # planned stage -> seconds when computed

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
        with self._lock:
            self._end_current(failed=exc_type is not None)
            if exc_type is None:
                self._pass_over(len(self.plan))
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
        """``name`` starts now (the previous stage ends; planned stages before it that never
        started get their line: cached or skipped)."""
        with self._lock:
            self._end_current()
            self._current = name
            self._started = time.perf_counter()
            if name in self.plan[self._index :]:
                self._pass_over(self.plan.index(name, self._index))
            if self._bar is not None:
                planned = self._index < len(self.plan) and self.plan[self._index] == name
                before = sum(self.expected[: self._index])
                own = self.expected[self._index] if planned else 0.0
                after = sum(self.expected[self._index + (1 if planned else 0) :])
                self._bar.update(
                    self._task, completed=before,
                    description=f"{self.title}: {self.labels.get(name, name)}",
                    step=self._step_text(planned), eta_end=time.perf_counter() + own,
                    after=after,
                )  # fmt: skip

    def record(self, name: str, seconds: float) -> None:
        """The stage ``name`` already ran, for ``seconds``, before the progress started (a
        check whose errors must stay the only line printed): its line now."""
        with self._lock:
            self._end_current()
            if name in self.plan[self._index :]:
                self._pass_over(self.plan.index(name, self._index))
            self._current = name
            self._started = time.perf_counter() - seconds
            self._end_current()

    def cached(self, name: str, seconds: float | None = None) -> None:
        """A cache serves the planned stage ``name`` (``seconds``: what it took when it was
        computed): its line says so instead of timing it, whether it is running now, still to
        come or never announced; the ETA stops counting it. Other names are ignored."""
        with self._lock:
            if name not in self.plan:
                return
            self._cached[name] = seconds
            self.expected[self.plan.index(name)] = 0.1
            if self._bar is not None and self._task is not None:
                running = self._current is not None and self._current in self.plan
                fields: dict[str, Any] = {
                    "total": sum(self.expected),
                    "after": sum(self.expected[self._index + (1 if running else 0) :]),
                }
                if self._current == name:  # served now: nothing left of it to wait for
                    fields["eta_end"] = time.perf_counter()
                self._bar.update(self._task, **fields)

    def _pass_over(self, upto: int) -> None:
        """Planned stages from the next one up to (not including) index ``upto`` never
        started: one line each, cached or skipped."""
        while self._index < min(upto, len(self.plan)):
            name = self.plan[self._index]
            self._say(f"{self.title}: {self._label(name)}: {self._outcome(name, None)}")
            self._index += 1

    def _outcome(self, name: str, took: float | None) -> str:
        """``cached (computed in 8 min 12 s)``, ``skipped`` or ``took 3.2 s``."""
        if name in self._cached:
            secs = self._cached[name]
            return f"cached (computed in {format_seconds(secs)})" if secs else "cached"
        return "skipped" if took is None else f"took {format_seconds(took)}"

    def _step_text(self, planned: bool) -> str:
        if not self.plan or not planned:
            return ""
        return f"{self._index + 1}/{len(self.plan)}"

    def _end_current(self, failed: bool = False) -> None:
        if self._current is None:
            return
        took = time.perf_counter() - self._started
        self.timings.append((self._current, took))
        if not failed:  # a failure's own message says what happened
            outcome = self._outcome(self._current, took)
            sep = ":" if self._current in self._cached else ""
            self._say(f"{self.title}: {self._label(self._current)}{sep} {outcome}")
        if self._index < len(self.plan) and self.plan[self._index] == self._current:
            self._index += 1
        self._current = None

    def _label(self, name: str) -> str:
        shown = self.labels.get(name, name)
        if name in self.plan:
            return f"[{self.plan.index(name) + 1}/{len(self.plan)}] {shown}"
        return shown

    # -- plain output ------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        """A stage's line: above the bar on a terminal, else a plain line."""
        if self._bar is not None:
            self._bar.console.print(text, highlight=False, markup=False)
        else:
            self._line(text)

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
