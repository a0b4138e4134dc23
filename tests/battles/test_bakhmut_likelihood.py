"""The vectorised Bakhmut likelihood against the per-observation path it replaced.

The reference below is the slow form kept only here: one :func:`observation_values` call and
one scalar robust term per observation, on runs simulated over the whole window. The packed
likelihood gathers every quantity's values at once and simulates only to the last day it
reads; both must give the same numbers on random particles, for every law and for cutoffs.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy.special import log_ndtr

from attrition.battles import bakhmut as bk
from attrition.battles.bakhmut import likelihood as lk
from attrition.battles.bakhmut.observations import build_observations
from attrition.data.claims import load_claims, load_events

TRUTH = bk.prior_values()


@pytest.fixture(scope="module")
def evidence() -> bk.CasualtyEvidence:
    return bk.synthetic_evidence(
        bk.BakhmutModel("square", bk.record_schedule()), TRUTH, draws=100, seed=0
    )


def _random_params(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {p.name: np.asarray(p.value(rng.normal(p.loc, p.scale, n))) for p in bk.PARAMS}


def _reference(
    model: bk.BakhmutModel, obs: bk.Observations, params: dict[str, np.ndarray]
) -> np.ndarray:
    """Per observation, on the whole window: the path the packed likelihood replaced."""
    runs = bk.simulate(model, params)
    sl = runs.side_losses
    total = np.zeros(runs.n)
    if obs.casualty_periods:
        cols = [sl[:, b, s] - sl[:, a, s] for s in (0, 1) for a, b in obs.casualty_periods]
        if obs.wagner:
            wl = runs.losses[..., :2].sum(axis=-1)
            cols += [wl[:, b] - wl[:, a] for a, b in obs.casualty_periods]
        r = np.log(np.maximum(np.stack(cols, axis=1), 1.0)) - obs.casualty_mean
        total += -0.5 * np.einsum("ni,ij,nj->n", r, obs.casualty_prec, r)

    def tr(scale: str, x: np.ndarray) -> np.ndarray:
        if scale == "log":
            return np.log(np.maximum(x, 1e-9))
        if scale == "logit":
            p = np.clip(x, 1e-3, 1 - 1e-3)
            return np.asarray(np.log(p) - np.log1p(-p))
        return x

    for o in obs.items:
        t = tr(o.scale, bk.observation_values(o, runs, params, model))
        if o.kind in ("value", "contested"):
            ll = -0.5 * ((t - float(tr(o.scale, np.array(o.low)))) / o.sigma) ** 2
        else:
            ll = np.zeros(runs.n)
            if math.isfinite(o.low):
                ll += log_ndtr((t - float(tr(o.scale, np.array(o.low)))) / o.sigma)
            if math.isfinite(o.high):
                ll += log_ndtr((float(tr(o.scale, np.array(o.high))) - t) / o.sigma)
        robust = np.logaddexp(np.log1p(-lk.OUTLIER_SHARE) + ll, np.log(lk.OUTLIER_SHARE))
        total += o.weight * robust
    return np.where(np.isfinite(total), total, -1e12)


@pytest.mark.parametrize("cutoff", [None, dt.date(2022, 11, 30), dt.date(2023, 2, 28)])
def test_packed_likelihood_equals_the_per_observation_path(
    evidence: bk.CasualtyEvidence, cutoff: dt.date | None
) -> None:
    sched = bk.record_schedule().known_by(cutoff)
    ev = evidence if cutoff is None else evidence.truncate(cutoff)
    obs = build_observations(load_claims("bakhmut"), load_events("bakhmut"), ev, cutoff, sched)
    quantities = {o.quantity for o in obs.items}
    if cutoff is None:  # the full record exercises every kind of observed quantity
        assert quantities == set(bk.QUANTITIES)
    params = _random_params(150, seed=11)
    for law in bk.BAKHMUT_LAWS:
        model = bk.BakhmutModel(law, sched)
        fast = lk.BakhmutLikelihood(model, obs)
        got = fast(params)
        np.testing.assert_allclose(got, _reference(model, obs, params), rtol=1e-12, atol=1e-9)
        assert np.array_equal(got, bk.log_likelihood(model, obs, params))
        # the values gathered per quantity are the per-observation values, bit for bit
        runs = fast.runs(params)
        vals = lk._values(lk._pack(obs), runs, params, model)
        full = bk.simulate(model, params)
        for j, o in enumerate(obs.items):
            assert np.array_equal(vals[:, j], bk.observation_values(o, full, params, model)), o
    if cutoff is not None:  # only the days the evidence reads are simulated
        assert fast.days < bk.DAYS


def test_threads_do_not_change_the_likelihood(evidence: bk.CasualtyEvidence) -> None:
    sched = bk.record_schedule()
    obs = build_observations(load_claims("bakhmut"), load_events("bakhmut"), evidence, None, sched)
    params = _random_params(300, seed=5)
    model = bk.BakhmutModel("linear", sched)
    one = lk.BakhmutLikelihood(model, obs, threads=1)(params)
    for threads in (2, 3):
        assert np.array_equal(one, lk.BakhmutLikelihood(model, obs, threads=threads)(params))
