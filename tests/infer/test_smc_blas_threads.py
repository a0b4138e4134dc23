"""The tempered SMC gives the same bytes whatever the number of BLAS threads or its CPU kernels.

Each run is a fresh interpreter whose BLAS has 1 or 2 threads (``OPENBLAS_NUM_THREADS``, and the
same for OpenMP and MKL) or another CPU's kernels, on a problem big enough for BLAS to split its
products (40 parameters, 2,000 particles). The particles, their log-likelihoods and the log
evidence are hashed. A control product of the same size (the weighted covariance the sampler
used to compute through BLAS) shows that BLAS itself changes its last bits with the setting
here; where it does not (one core, or a CPU that runs those kernels already), the comparison
could not fail, and the test says so by skipping.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

CHILD = """
import hashlib
import numpy as np
from attrition.infer.smc import tempered_smc

def h(*arrays):
    return hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).hexdigest()

k, n = 40, 2000
loc = np.linspace(-1.0, 1.0, k)
scale = np.linspace(0.5, 2.0, k)
sigma = np.linspace(0.2, 0.6, k)
y = loc + 2.0 * scale

def loglik(z):
    r = (z - y) / sigma
    return -0.5 * np.sum(r * r, axis=-1)

res = tempered_smc(loglik, loc, scale, rng=np.random.default_rng(3), particles=n, moves=2)
rng = np.random.default_rng(0)
z = rng.standard_normal((n, k))
w = rng.random(n)
w /= w.sum()
control = ((z - w @ z) * w[:, None]).T @ (z - w @ z)
print(h(res.z, res.log_lik, np.float64(res.log_evidence)), res.stages, h(control))
"""


def _run(threads: int, core: str | None = None) -> list[str]:
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env.pop("OPENBLAS_CORETYPE", None)
    if core is not None:
        env["OPENBLAS_CORETYPE"] = core
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, env=env
    )
    return out.stdout.split()


@pytest.fixture(scope="module")
def one_thread() -> list[str]:
    return _run(1)


def test_same_bytes_with_one_and_two_blas_threads(one_thread: list[str]) -> None:
    two = _run(2)
    if one_thread[2] == two[2]:
        pytest.skip("BLAS gives the same bytes with 1 and 2 threads here: nothing to compare")
    assert int(one_thread[1]) >= 5  # several stages: many covariances, Cholesky factors, moves
    assert one_thread[:2] == two[:2]


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="x86 BLAS kernels")
def test_same_bytes_with_another_cpus_blas_kernels(one_thread: list[str]) -> None:
    """OpenBLAS picks its kernels by CPU; ``OPENBLAS_CORETYPE`` forces those of another one
    (Sandy Bridge: AVX without FMA, which any AVX2 or AVX-512 CPU also runs), as on another
    machine. Its Cholesky factor and inverse of a 40 x 40 matrix differ in the last bits too."""
    other = _run(1, "Sandybridge")
    if one_thread[2] == other[2]:
        pytest.skip("BLAS gives the same bytes with the Sandy Bridge kernels here")
    assert one_thread[:2] == other[:2]
