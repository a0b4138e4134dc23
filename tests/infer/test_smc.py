"""The generic tempered SMC against a target whose evidence is known in closed form.

Prior ``z ~ N(loc, diag(s²))``, likelihood of one observation ``y ~ N(z, diag(σ²))`` per
coordinate: the evidence is ``Π N(y; loc, s² + σ²)`` and the posterior is normal with mean
``(y s² + loc σ²)/(s² + σ²)`` and variance ``s²σ²/(s² + σ²)``. The observation sits 3 prior sds
away, so the sampler must temper through several stages.
"""

from __future__ import annotations

import numpy as np
import pytest

from attrition.errors import UserError
from attrition.infer.smc import chunked, tempered_smc

LOC = np.array([0.0, 1.0, -2.0, 0.5])
S = np.array([1.0, 2.0, 0.5, 1.5])
SIGMA = np.array([0.3, 0.5, 0.2, 0.4])
Y = LOC + 3.0 * S


def loglik(z: np.ndarray) -> np.ndarray:
    r = (z - Y) / SIGMA
    return np.asarray(-0.5 * np.sum(r**2 + np.log(2 * np.pi * SIGMA**2), axis=-1))


def exact_log_evidence() -> float:
    v = S**2 + SIGMA**2
    return float(np.sum(-0.5 * np.log(2 * np.pi * v) - 0.5 * (Y - LOC) ** 2 / v))


@pytest.mark.parametrize("seed", range(5))
def test_log_evidence_and_posterior_match_the_closed_form(seed: int) -> None:
    rng = np.random.default_rng(seed)
    res = tempered_smc(loglik, LOC, S, rng=rng, particles=2000, moves=4)
    # MC error of the log-evidence at this size: sd ~0.04 over seeds 0-4 (measured); 0.25 is 6x
    assert res.log_evidence == pytest.approx(exact_log_evidence(), abs=0.25)
    post_mean = (Y * S**2 + LOC * SIGMA**2) / (S**2 + SIGMA**2)
    post_sd = np.sqrt(S**2 * SIGMA**2 / (S**2 + SIGMA**2))
    assert np.all(np.abs(res.z.mean(axis=0) - post_mean) <= 0.15 * post_sd)
    np.testing.assert_allclose(res.z.std(axis=0), post_sd, rtol=0.15)
    assert res.stages >= 3  # the observation is far in the prior's tail: tempering was needed
    assert res.unique > 1000


def test_flat_likelihood_has_zero_log_evidence_and_returns_the_prior() -> None:
    res = tempered_smc(
        lambda z: np.zeros(z.shape[0]), LOC, S, rng=np.random.default_rng(1), particles=4000,
        moves=2,
    )  # fmt: skip
    assert res.log_evidence == pytest.approx(0.0, abs=1e-12)
    assert res.stages == 1
    np.testing.assert_allclose(res.z.std(axis=0), S, rtol=0.08)


def test_same_generator_state_same_bytes_and_chunking_changes_nothing() -> None:
    a = tempered_smc(loglik, LOC, S, rng=np.random.default_rng(7), particles=300, moves=2)
    b = tempered_smc(
        chunked(loglik, 37), LOC, S, rng=np.random.default_rng(7), particles=300, moves=2
    )
    assert np.array_equal(a.z, b.z)
    assert a.log_evidence == b.log_evidence


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(UserError, match="particles"):
        tempered_smc(loglik, LOC, S, rng=np.random.default_rng(0), particles=1, moves=1)
    with pytest.raises(UserError, match="ess_target"):
        tempered_smc(loglik, LOC, S, rng=np.random.default_rng(0), particles=10, moves=1,
                     ess_target=1.5)  # fmt: skip


def test_repeated_runs_give_a_standard_error_that_covers_the_exact_evidence() -> None:
    """The spread of log evidence over seeds is an honest Monte Carlo error: the mean of K
    runs lies within a few standard errors of the closed form, the root-mean-square error of
    one run is about the spread (no hidden bias dominates), and the spread shrinks about as
    1/sqrt(particles) (8 times the particles: about 2.8 times smaller)."""
    exact = exact_log_evidence()
    sds = {}
    for n in (150, 1200):
        le = np.array(
            [
                tempered_smc(loglik, LOC, S, rng=np.random.default_rng(s), particles=n,
                             moves=6).log_evidence
                for s in range(16)
            ]
        )  # fmt: skip
        sd = float(le.std(ddof=1))
        se = sd / np.sqrt(le.size)
        assert abs(le.mean() - exact) <= 4 * se, (n, le.mean(), exact, se)
        assert np.sqrt(np.mean((le - exact) ** 2)) <= 1.5 * sd
        sds[n] = sd
    assert 1.6 <= sds[150] / sds[1200] <= 5.0, sds


def test_result_frames_one_row_per_parameter_and_quantity() -> None:
    res = tempered_smc(loglik, LOC, S, rng=np.random.default_rng(3), particles=400, moves=2)
    df = res.to_frame(["a", "b", "c", "d"])
    assert list(df.columns) == ["parameter", "mean", "sd", "q05", "median", "q95"]
    assert list(df["parameter"]) == ["a", "b", "c", "d"]
    np.testing.assert_allclose(df["mean"], res.z.mean(axis=0))
    assert (df["q05"] <= df["median"]).all()
    assert (df["median"] <= df["q95"]).all()
    assert list(res.to_frame()["parameter"]) == ["z0", "z1", "z2", "z3"]
    with pytest.raises(UserError, match="names"):
        res.to_frame(["a"])
    diag = res.diagnostics_frame().set_index("quantity")["value"]
    assert diag["log_evidence"] == res.log_evidence
    assert diag["particles"] == 400
    assert diag["stages"] == res.stages
