"""Test-wide settings and shared fits.

* JAX's persistent compilation cache is on for the whole session, in a temporary folder (never
  the user's ~/.cache): the test process, its xdist workers and the commands the tests run as
  subprocesses keep compiled XLA programs there. Compiling dominates the small NUTS fits (the
  joint model of Bakhmut: about 65 of 75 CPU seconds), and many fits compile a program another
  fit already compiled (a fresh ``numpyro.infer.MCMC`` per fit, a second xdist worker, a
  subprocess): those now read it from disk. A cached program is the same program, so results
  are bit-identical (tests/report/test_cache_jax.py).
* :func:`bakhmut_default_estimate`: one small fit of Bakhmut by the default fusion, shared by
  every test that needs one (once per xdist worker that runs such a test; a second worker
  finds the compiled sampler in the cache above and only samples), with the settings of the
  report's ``--quick`` fit, whose compiled sampler it shares the same way.
"""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from attrition.infer.fusion.run import FusedEstimate

os.environ.setdefault(
    "ATTRITION_JAX_CACHE", os.path.join(tempfile.gettempdir(), "attrition-test-jax-cache")
)


def _use_the_session_jax_cache() -> None:
    """Point JAX's compilation cache at ``ATTRITION_JAX_CACHE`` (imports no JAX: the setting
    goes through the environment, read when JAX is first imported)."""
    from attrition._runtime import use_jax_cache

    use_jax_cache(None)


_use_the_session_jax_cache()


def pytest_configure(config: pytest.Config) -> None:
    """Two xdist workers share the cache folder, and JAX writes an entry in place: a worker that
    reads an entry the other is still writing finds it corrupt, warns, and compiles the program
    itself (the same program: nothing else changes). That warning must not fail the test under
    ``filterwarnings = error``."""
    for verb in ("reading", "writing"):
        config.addinivalue_line(
            "filterwarnings",
            f"ignore:Error {verb} persistent compilation cache entry:UserWarning",
        )


BAKHMUT_SMALL: dict[str, Any] = {"seed": 0, "draws": 200, "chains": 2, "warn": False}
"""Settings of :func:`bakhmut_default_estimate`, with the Bakhmut model's window (1 Aug 2022 to
30 Jun 2023): small (the tests check structure and consistency, not the headline's precision),
and those of the report's ``--quick`` fit (:func:`attrition.report.model.fused_fit`: 200 draws
after 200 warm-up, 2 chains), so the two compile one XLA program (the seed is an argument of
the program, not part of it): whichever runs second reads it from the session's cache."""


@pytest.fixture(scope="session")
def bakhmut_default_estimate() -> FusedEstimate:
    """Bakhmut's packaged claims, phases and streams fitted by the default fusion
    (:func:`attrition.infer.fusion.fuse_claims`, the path of the CLI and the report: the joint
    model) with :data:`BAKHMUT_SMALL`, once per test process (tests must not change it)."""
    pytest.importorskip("numpyro")
    from attrition.battles.bakhmut.axes import END, START
    from attrition.data.claims import load_claims, load_phases
    from attrition.infer.fusion import fuse_claims

    return fuse_claims(
        load_claims("bakhmut"), load_phases("bakhmut"), window=(START, END), **BAKHMUT_SMALL
    )
