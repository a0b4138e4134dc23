"""Smooth elementwise functions shared by the Bakhmut model's files (NumPy or JAX arrays)."""

from __future__ import annotations

from typing import Any

import numpy as np


def array_module(x: Any) -> Any:
    """``jax.numpy`` for a JAX array, else ``numpy``."""
    if type(x).__module__.startswith("jax"):
        import jax.numpy as jnp

        return jnp
    return np


def sigmoid(xp: Any, x: Any) -> Any:
    """The logistic function, clipped at ±60 (no overflow)."""
    return 1.0 / (1.0 + xp.exp(-xp.clip(x, -60.0, 60.0)))


def softplus(xp: Any, x: Any, w: Any) -> Any:
    """Smooth ``max(x, 0)`` with width ``w`` (keeps the likelihood differentiable)."""
    return xp.maximum(x, 0.0) + w * xp.log1p(xp.exp(-xp.abs(x) / w))
