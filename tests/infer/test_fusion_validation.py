"""Small fixed-seed version of the fog-of-war validation study (attrition.infer.validate).

The full study (``attrition validate estimate``, 100 replicates per generator) is reported in
docs/fog-of-war.md. Here 20 replicates per generator check the coverage of the 90% intervals of
total casualties per side and of the exchange ratio.

Statistical test: if the intervals had exactly 90% coverage, the count of covered replicates
would be Binomial(20, 0.9). :func:`binomial_band` with alpha = 0.01 / 6 gives a band that a
calibrated method leaves with probability at most 1/600 per quantity, so at most 1% over the
six checks (two generators x three quantities): the false-failure rate of this test is <= 1%
for a calibrated method (it is deterministic for the fixed seed; the rate is what a random seed
would give). The "different" generator breaks the model's assumptions on purpose, so it is
checked only against the lower end of the same band.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.stats import binom

pytest.importorskip("numpyro")

from attrition.errors import UserError
from attrition.infer.validate import (
    binomial_band,
    coverage_study,
    coverage_table,
    simulate_battle,
)

N = 20


def test_binomial_band_has_the_stated_false_failure_rate() -> None:
    lo, hi = binomial_band(N, 0.9, alpha=0.01 / 6)
    outside = binom.cdf(lo - 1, N, 0.9) + binom.sf(hi, N, 0.9)
    assert outside <= 0.01 / 6
    assert lo <= 0.9 * N <= hi
    # one step narrower on either side would exceed alpha / 2 in that tail
    assert binom.cdf(lo, N, 0.9) > 0.01 / 12 or lo == 0


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


@pytest.mark.slow
def test_coverage_of_90_percent_intervals_small_study() -> None:
    study = coverage_study(N, seed=2024, draws=200, chains=2)
    table: Any = coverage_table(study).set_index(["generator", "quantity"])
    lo, hi = binomial_band(N, 0.9, alpha=0.01 / 6)
    for quantity in ("RU casualties", "UA casualties", "exchange ratio"):
        k = int(table.loc[("model", quantity), "covered"])
        assert lo <= k <= hi, (quantity, k, (lo, hi))
        k_diff = int(table.loc[("different", quantity), "covered"])
        assert k_diff >= lo, (quantity, k_diff, lo)
    assert (study["divergences"] <= 2).all()
