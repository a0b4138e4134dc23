"""Bounds on what a command may be asked to do, checked before any work.

A size a user types (``--runs``, ``--samples``, ``--draws``, ``--chains``, ``--replicates``) turns
into arrays of a known shape. The functions here estimate the memory (and, where it matters, the
time) such a request needs from those shapes, and refuse it with one
:class:`~attrition.errors.UserError` line that names the option, the estimate, the limit and the
way round it, instead of letting NumPy fail with a traceback or the machine swap for hours::

    --runs 1000000000 needs ~288 GB of memory (limit 11.7 GB: half of this machine's RAM;
    set ATTRITION_MAX_MEMORY_GB to change it); give --runs 40,600,000 or fewer

Limits:

* memory: :data:`MEMORY_ENV` (``ATTRITION_MAX_MEMORY_GB``, decimal gigabytes) when set, else
  :data:`MEMORY_FRACTION` of the machine's memory (the smaller of the physical RAM and a cgroup
  limit, when the process runs under one), else :data:`FALLBACK_MEMORY_GB` when neither can be
  read;
* time: :data:`TIME_ENV` (``ATTRITION_MAX_HOURS``) when set, else :data:`DEFAULT_MAX_HOURS`.

The estimates count the arrays a request must hold at once (``runs × days × state × 8`` bytes and
the like) and are deliberately on the low side: a refused request would certainly not fit.

The module also has the small argument checks the commands share (:func:`check_seed`,
:func:`check_count`, :func:`check_power_of_two`). It depends only on the standard library and
:mod:`attrition.errors`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from attrition.errors import UserError

__all__ = [
    "DEFAULT_MAX_HOURS",
    "FALLBACK_MEMORY_GB",
    "MEMORY_ENV",
    "MEMORY_FRACTION",
    "TIME_ENV",
    "check_count",
    "check_memory",
    "check_power_of_two",
    "check_seed",
    "check_time",
    "format_bytes",
    "format_seconds",
    "machine_memory",
    "memory_limit",
    "morris_runs",
    "nearest_powers_of_two",
    "saltelli_runs",
    "time_limit",
]

MEMORY_ENV = "ATTRITION_MAX_MEMORY_GB"
"""Environment variable: the memory limit in decimal gigabytes (e.g. ``8`` or ``0.5``)."""

MEMORY_FRACTION = 0.5
"""Share of the machine's memory a single command may plan to use when the variable is unset."""

FALLBACK_MEMORY_GB = 4.0
"""The limit when neither the variable nor the machine's memory can be read."""

TIME_ENV = "ATTRITION_MAX_HOURS"
"""Environment variable: the longest run time (hours) a command may plan for."""

DEFAULT_MAX_HOURS = 24.0
"""The time limit when :data:`TIME_ENV` is unset."""

_CGROUP_FILES = (
    Path("/sys/fs/cgroup/memory.max"),  # cgroup v2
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),  # cgroup v1
)


# ---------------------------------------------------------------------------------------------
# formatting


def format_bytes(n: float) -> str:
    """A byte count in decimal units with three significant digits.

    >>> format_bytes(7.5e12), format_bytes(1536), format_bytes(12)
    ('7.5 TB', '1.54 kB', '12 B')
    """
    if not math.isfinite(n):
        return "an unbounded amount"
    for unit, size in (("EB", 1e18), ("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    if n >= 1e3:
        return f"{n / 1e3:.3g} kB"
    return f"{n:.0f} B"


def format_seconds(s: float) -> str:
    """A duration in the largest sensible unit.

    >>> format_seconds(90), format_seconds(7200), format_seconds(3e6), format_seconds(4e9)
    ('1.5 minutes', '2 hours', '34.7 days', '127 years')
    """
    if not math.isfinite(s):
        return "for ever"
    for unit, size, at_least in (
        ("years", 365.25 * 86400, 2.0),
        ("days", 86400.0, 2.0),
        ("hours", 3600.0, 1.0),
        ("minutes", 60.0, 1.0),
    ):
        if s >= at_least * size:
            return f"{s / size:.3g} {unit}"
    return f"{s:.3g} seconds"


def _count(n: int) -> str:
    return f"{n:,}"


# ---------------------------------------------------------------------------------------------
# the limits


def machine_memory() -> int | None:
    """Memory available to this process in bytes: physical RAM, or a smaller cgroup limit.

    ``None`` when it cannot be read (not a POSIX system).
    """
    total: int | None = None
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        if pages > 0 and size > 0:
            total = int(pages) * int(size)
    except (AttributeError, OSError, ValueError):
        total = None
    for path in _CGROUP_FILES:
        try:
            text = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if text.isdigit():
            cap = int(text)
            if cap > 0 and (total is None or cap < total):
                total = cap
    return total


def _env_number(name: str, unit: str) -> float | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise UserError(f"{name}={raw!r}: give a positive number of {unit}, e.g. {name}=8")
    return value


def memory_limit() -> tuple[float, str]:
    """The memory a command may plan to use, in bytes, and where the limit comes from."""
    gb = _env_number(MEMORY_ENV, "gigabytes")
    if gb is not None:
        return gb * 1e9, f"set by {MEMORY_ENV}"
    total = machine_memory()
    if total is None:
        return FALLBACK_MEMORY_GB * 1e9, f"a default; set {MEMORY_ENV} to change it"
    share = f"{MEMORY_FRACTION:.0%}" if MEMORY_FRACTION != 0.5 else "half"
    return (
        MEMORY_FRACTION * total,
        f"{share} of this machine's memory; set {MEMORY_ENV} to change it",
    )


def time_limit() -> tuple[float, str]:
    """The longest a command may plan to run, in seconds, and where the limit comes from."""
    hours = _env_number(TIME_ENV, "hours")
    if hours is not None:
        return hours * 3600.0, f"set by {TIME_ENV}"
    return DEFAULT_MAX_HOURS * 3600.0, f"the default; set {TIME_ENV} to change it"


# ---------------------------------------------------------------------------------------------
# checks


def _largest(value: int, need: float, limit: float) -> int:
    """The largest size whose cost fits ``limit``, when the cost grows in proportion to size."""
    if value <= 0 or need <= 0:
        return value
    return max(0, int(limit / (need / value)))


def check_memory(option: str, value: int, need: float, *, fix: str | None = None) -> None:
    """Refuse ``option value`` when it needs more than :func:`memory_limit` bytes.

    ``need`` is the estimate for the value given; the message suggests the largest value that
    fits (assuming the need grows in proportion), or ``fix`` when given.
    """
    limit, why = memory_limit()
    if need <= limit:
        return
    if fix is None:
        most = _largest(value, need, limit)
        fix = (
            f"give {option} {_count(most)} or fewer"
            if most >= 1
            else f"this cannot fit whatever {option} is; raise {MEMORY_ENV} on a larger machine"
        )
    raise UserError(
        f"{option} {_count(value)} needs ~{format_bytes(need)} of memory "
        f"(limit {format_bytes(limit)}: {why}); {fix}"
    )


def check_time(option: str, value: int, seconds: float, *, fix: str | None = None) -> None:
    """Refuse ``option value`` when it would take longer than :func:`time_limit`.

    ``seconds`` is an estimate for the value given (a lower bound is best: the check should
    only refuse what certainly takes too long).
    """
    limit, why = time_limit()
    if seconds <= limit:
        return
    if fix is None:
        most = _largest(value, seconds, limit)
        fix = f"give {option} {_count(max(most, 1))} or fewer"
    raise UserError(
        f"{option} {_count(value)} would take at least ~{format_seconds(seconds)} "
        f"(limit {format_seconds(limit)}: {why}); {fix}"
    )


def check_seed(seed: int | None, option: str = "--seed") -> None:
    """A seed must be a whole number 0 or larger (NumPy's ``SeedSequence`` rule); ``None`` is
    allowed (the default applies)."""
    if seed is not None and seed < 0:
        raise UserError(f"{option} {seed}: give a whole number 0 or larger")


def check_count(
    value: int | None, option: str, *, minimum: int = 1, maximum: int | None = None
) -> None:
    """A count (``--runs``, ``--workers``, ...) must lie in ``[minimum, maximum]``; ``None`` is
    allowed (the default applies)."""
    if value is None:
        return
    if value < minimum:
        raise UserError(f"{option} {value}: give a whole number {minimum} or larger")
    if maximum is not None and value > maximum:
        raise UserError(f"{option} {_count(value)}: give at most {_count(maximum)}")


def nearest_powers_of_two(n: int) -> tuple[int, int]:
    """The powers of two just below (or at) and just above ``n`` (``n >= 1``).

    >>> nearest_powers_of_two(3), nearest_powers_of_two(512), nearest_powers_of_two(1000)
    ((2, 4), (512, 512), (512, 1024))
    """
    if n < 1:
        return 1, 1
    lower = 1 << (int(n).bit_length() - 1)
    return (lower, lower) if lower == n else (lower, lower * 2)


def check_power_of_two(value: int, option: str, why: str) -> None:
    """Refuse a ``value`` that is not a power of two, suggesting the nearest ones."""
    if value >= 1 and value & (value - 1) == 0:
        return
    lo, hi = nearest_powers_of_two(max(value, 1))
    near = f"{_count(lo)} or {_count(hi)}" if lo != hi else _count(lo)
    raise UserError(f"{option} {_count(value)}: {why} needs a power of 2; nearest: {near}")


# ---------------------------------------------------------------------------------------------
# sizes of the samplers


def saltelli_runs(samples: int, inputs: int, *, second_order: bool = False) -> int:
    """Model runs of Saltelli's Sobol design: ``N·(k+2)``, or ``N·(2k+2)`` with second-order
    indices."""
    return samples * ((2 * inputs + 2) if second_order else (inputs + 2))


def morris_runs(samples: int, inputs: int) -> int:
    """Model runs of a Morris design: ``N·(k+1)`` (``N`` trajectories of ``k + 1`` points)."""
    return samples * (inputs + 1)
