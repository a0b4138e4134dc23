"""Test-wide settings: commands run as subprocesses keep JAX's compilation cache in a
temporary folder of this session, never in the user's ~/.cache."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault(
    "ATTRITION_JAX_CACHE", os.path.join(tempfile.gettempdir(), "attrition-test-jax-cache")
)
