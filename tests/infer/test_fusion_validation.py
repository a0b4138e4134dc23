"""Small fixed-seed version of the fog-of-war validation study (attrition.infer.validate).

The full study (``attrition validate estimate``, 100 replicates per generator) is reported in
docs/fog-of-war.md. Here 20 replicates per generator (seed 2024, 2 chains x 200 draws; about
a minute and a half) check the 90% intervals of total casualties per side and of the exchange
ratio against the known truth.

Statistical tests, false-failure rates for a calibrated method (the test is deterministic for
the fixed seed; the rates are what a random seed would give):

* Coverage counts. If the intervals had exactly 90% coverage, the count of covered replicates
  would be Binomial(20, 0.9). :func:`binomial_band` with alpha = 0.01 / 6 gives a two-sided
  band a calibrated method leaves with probability at most 1/600 per quantity, at most 1% over
  the six counts (two generators x three quantities). N = 20 cannot reject over-coverage:
  P(20 of 20 | p = 0.9) = 0.12 > alpha / 2, so the band's upper end is 20 and an interval that
  is far too wide passes the count. Raising N until 20/20 is rejected takes N >= 68 per
  generator (more than three times the run time), so the width is checked directly instead:
* Sharpness, ``model`` generator only (it draws battles from the model's own priors, so a
  correct posterior is calibrated over replicates). z = log(median / truth) over the posterior
  log-sd read off the interval (log(q95 / q05) / (2 · 1.645)) is about standard normal, and the
  mean of z² over the replicates about χ²_k / k. The test asserts the χ² band at 1e-3 (two-
  sided) for RU and UA pooled (k = 40; both sides are drawn independently) and for the ratio
  (k = 20): bands 0.42-1.90 and 0.27-2.37, so intervals 1.6 times too wide (2 for the
  ratio) fail, and so do intervals 1.4 times too narrow (1.5 for the ratio).
  The normal shape is an approximation (posteriors of totals are close to log-normal), so the
  stated 0.2% is approximate.

The ``different`` generator breaks the model's assumptions on purpose (step changes, Student-t
noise, misplaced periods), so it is held only to the lower end of the coverage band. The
seeded counts, median errors and mean z² of both generators are pinned
(tests/baselines/fusion.json).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.stats import binom, chi2

pytest.importorskip("numpyro")

from attrition.errors import UserError
from attrition.infer.validate import binomial_band, coverage_table, simulate_battle

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root: tests.baselines
from tests.baselines import producers as P

N = P.COVERAGE_N
ALPHA = 0.01 / 6


def test_binomial_band_has_the_stated_false_failure_rate() -> None:
    lo, hi = binomial_band(N, 0.9, alpha=ALPHA)
    outside = binom.cdf(lo - 1, N, 0.9) + binom.sf(hi, N, 0.9)
    assert outside <= ALPHA
    assert lo <= 0.9 * N <= hi
    # one step narrower on either side would exceed alpha / 2 in that tail
    assert binom.cdf(lo, N, 0.9) > ALPHA / 2 or lo == 0
    assert binom.sf(hi - 1, N, 0.9) > ALPHA / 2 or hi == N
    # N = 20 cannot reject intervals that always cover (see the module docstring) ...
    assert hi == N
    assert 0.9**N > ALPHA / 2
    # ... N = 68 is the smallest that could
    assert min(n for n in range(20, 200) if binomial_band(n, 0.9, alpha=ALPHA)[1] < n) == 68


def test_simulated_battles_have_fixed_shapes_and_known_truth() -> None:
    rng = np.random.default_rng(5)
    for generator in ("model", "different"):
        b = simulate_battle(generator, rng)
        assert len(b.claims) == 21
        assert b.truth["ratio"] == pytest.approx(b.truth["RU"] / b.truth["UA"])
        assert (b.window[1] - b.window[0]).days == 83
        assert set(b.claims["qualifier"]) <= {"exact", "about", "at_least", "at_most", "range"}
    with pytest.raises(UserError, match="unknown generator"):
        simulate_battle("other", rng)


def _chi2_band(k: int, alpha: float = 1e-3) -> tuple[float, float]:
    """Two-sided band of χ²_k / k at ``alpha``."""
    return float(chi2.ppf(alpha / 2, k) / k), float(chi2.ppf(1 - alpha / 2, k) / k)


@pytest.mark.slow
def test_coverage_and_sharpness_of_90_percent_intervals_small_study() -> None:
    study = P.COVERAGE.make()
    table: Any = coverage_table(study).set_index(["generator", "quantity"])
    lo, hi = binomial_band(N, 0.9, alpha=ALPHA)
    for quantity in ("RU casualties", "UA casualties", "exchange ratio"):
        k = int(table.loc[("model", quantity), "covered"])
        assert lo <= k <= hi, (quantity, k, (lo, hi))
        k_diff = int(table.loc[("different", quantity), "covered"])
        assert k_diff >= lo, (quantity, k_diff, lo)
    model = study[study["generator"] == "model"]
    z_sides = np.concatenate([P.standardised_errors(model, s) for s in ("RU", "UA")])
    z_ratio = P.standardised_errors(model, "ratio")
    for z in (z_sides, z_ratio):
        band = _chi2_band(z.size)
        assert band[0] <= float(np.mean(z**2)) <= band[1], (np.mean(z**2), band)
    assert (study["divergences"] <= 2).all()
    P.check(P.COVERAGE, P.COVERAGE.summarise(study))
