"""Proper scores of the Bakhmut hindcasts: CRPS, Brier and log score, and the log score of a
casualty claim under a forecast's draws.

Every score is negatively oriented (lower is better). A statement's forecast probability is the
share of draws in which it holds, smoothed by half a draw each way
(:func:`draw_probability`), so that a log score stays finite when no draw agrees.
"""

from __future__ import annotations

import math

import numpy as np

from attrition.errors import UserError

CLAIM_NOISE = 0.35
"""Default log-scale sd of a casualty claim around the true figure it speaks of (a claim of
1,000 is read as the truth times a lognormal factor with this sd: about ±40 % at 1 sd; stated,
not fitted)."""


def crps(samples: np.ndarray, observed: float) -> float:
    """Continuous ranked probability score of an ensemble (``E|X − y| − ½E|X − X'|``).

    A point mass at ``x`` scores ``|x − y|``."""
    x = np.sort(np.asarray(samples, dtype=float).ravel())
    n = x.size
    if n == 0:
        raise UserError("crps: empty ensemble")
    term1 = float(np.mean(np.abs(x - observed)))
    i = np.arange(1, n + 1)
    term2 = float(2.0 * np.sum((2 * i - n - 1) * x) / (n * n))
    return term1 - 0.5 * term2


def brier(p: float, outcome: bool | float = True) -> float:
    """Brier score ``(p − outcome)²`` of a forecast probability ``p`` of a binary event."""
    _check_p(p)
    return float((p - float(outcome)) ** 2)


def log_score(p: float, outcome: bool | float = True) -> float:
    """Log score ``−log P(outcome)`` of a forecast probability ``p`` (0 for a certain, right
    forecast; ``log 2`` for a coin flip; ``inf`` for a certain, wrong one)."""
    _check_p(p)
    q = p if outcome else 1.0 - p
    return math.inf if q <= 0.0 else float(-math.log(q))


def draw_probability(holds: np.ndarray) -> float:
    """Probability of an event from ``n`` draws in ``k`` of which it holds: ``(k + ½)/(n + 1)``
    (the Jeffreys estimate: never exactly 0 or 1, so log scores stay finite; the limit ``k/n``
    for large ``n``)."""
    h = np.asarray(holds, dtype=bool).ravel()
    if h.size == 0:
        raise UserError("draw_probability: no draws")
    return float((h.sum() + 0.5) / (h.size + 1.0))


def claim_log_score(
    draws: np.ndarray, kind: str, low: float, high: float, noise: float = CLAIM_NOISE
) -> float:
    """Log score of a casualty claim under a forecast's draws of the figure it speaks of.

    The claim is read as ``log claim = log truth + N(0, noise²)``; the forecast's predictive
    distribution of the claim is the mixture over its draws. A ``value`` claim scores its
    negative log predictive density on the log scale; ``at_least`` / ``at_most`` the negative
    log probability that the claim's bound is on the stated side; ``range`` the negative log
    probability of the interval ``[low, high]``. Draws are floored at 1 casualty.
    """
    from scipy.special import log_ndtr, logsumexp

    if noise <= 0:
        raise UserError(f"claim noise = {noise}: give a log-scale sd > 0")
    lx = np.log(np.maximum(np.asarray(draws, dtype=float).ravel(), 1.0))
    if lx.size == 0:
        raise UserError("claim_log_score: no draws")
    n = lx.size
    if kind == "value":
        z = (math.log(max(low, 1.0)) - lx) / noise
        logp = -0.5 * z**2 - math.log(noise * math.sqrt(2 * math.pi))
    elif kind == "at_least":
        logp = log_ndtr((lx - math.log(max(low, 1.0))) / noise)
    elif kind == "at_most":
        logp = log_ndtr((math.log(max(high, 1.0)) - lx) / noise)
    elif kind == "range":
        a = (math.log(max(low, 1.0)) - lx) / noise
        b = (math.log(max(high, 1.0)) - lx) / noise
        from scipy.special import ndtr

        logp = np.log(np.maximum(ndtr(b) - ndtr(a), 1e-300))
    else:
        raise UserError(f"claim kind {kind!r}: expected value, at_least, at_most or range")
    return float(-(logsumexp(logp) - math.log(n)))


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise UserError(f"probability {p} is not in [0, 1]")
