"""Array helpers of the Bakhmut parameters (NumPy or JAX arrays).

The scalar gates of the vector field (sigmoid, softplus) live beside the field in
:mod:`attrition.battles.bakhmut.model`, compiled into the engines; :func:`sigmoid` here is the
array form the parameter transforms (logit scale) use.
"""

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
