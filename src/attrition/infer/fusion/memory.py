"""The memory a fit holds, checked before it samples (:func:`check_fit_memory`)."""

from __future__ import annotations

__all__ = ["FLOAT_BYTES", "SAMPLE_BYTES", "check_fit_memory", "estimate_bytes"]

FLOAT_BYTES = 8
"""Bytes of a double-precision number (summaries)."""
SAMPLE_BYTES = 4
"""Bytes of a single-precision number (JAX samples)."""


def estimate_bytes(days: int, observations: int, draws: int, chains: int) -> float:
    """Memory the fit holds for ``draws x chains`` posterior draws, in bytes (an estimate).

    Per draw: the sampled sites in single precision (the weekly log rate of both sides,
    ``2·ceil(days/7)``; location, scale and truth of every observation, ``3·n``; ~64 scalars),
    the daily and weekly rates of both sides in double precision (``2·days + 2·weeks``) and the
    posterior predictive check's arrays (``5·n`` doubles). On Bakhmut's default window this is
    12.3 kB per draw, on the low side of the 15 kB per draw by which the peak resident memory
    grew from 400 to 12,000 draws (measured).
    """
    weeks = -(-days // 7)
    per_draw = (
        SAMPLE_BYTES * (2 * weeks + 3 * observations + 64)
        + FLOAT_BYTES * (2 * days + 2 * weeks)
        + FLOAT_BYTES * 5 * observations
    )
    return float(draws) * float(chains) * per_draw


def check_fit_memory(
    days: int,
    observations: int,
    draws: int,
    chains: int,
    *,
    options: tuple[str, str] = ("draws", "chains"),
) -> None:
    """Refuse a fit whose draws would not fit the memory limit (:func:`estimate_bytes` against
    :func:`attrition.limits.check_memory`), naming the option that makes it large: ``chains``
    when there are more chains than draws, else ``draws`` (``options`` gives their names, e.g.
    ``("--draws", "--chains")`` on the command line). Raises :class:`UserError`."""
    from attrition.limits import check_memory

    need = estimate_bytes(days, observations, draws, chains)
    if chains > draws:
        check_memory(options[1], chains, need)
    check_memory(options[0], draws, need)
