"""Validation study of the fog-of-war estimate (``attrition validate estimate``).

Three parts:

1. **Coverage on synthetic battles** with known truth and biased claimants, from two
   generators: ``model`` draws everything from the model's own priors and observation process
   (a self-consistency check: a correct sampler should cover about 90% of the time);
   ``different`` breaks the model's assumptions on purpose (step changes in the casualty rate
   with day-to-day noise, biases from other laws, heavy-tailed Student-t claim noise, some
   claim periods misplaced by a week). For each replicate the 90% intervals of the total
   casualties per side and of the exchange ratio are checked against the truth.
2. **Leave-one-claimant-out on Bakhmut**: each claimant with enough claims is left out (its
   claims get weight 0, so its biases come from its group), and its claims are predicted.
3. **Prior sensitivity**: the Bakhmut fit under alternative priors.

Every synthetic battle has the same design (claimants, claim count, window), so each fit runs
the same compiled program; replicates differ in values only. Randomness comes from
``numpy.random.SeedSequence(seed).spawn``, one child per replicate.

One module per job; this package re-exports their names, so every
``from attrition.infer.validate import ...`` keeps working:

* :mod:`~attrition.infer.validate.synthetic`: the synthetic battles (:func:`simulate_battle`,
  :func:`toy_battle`);
* :mod:`~attrition.infer.validate.coverage`: the coverage study and its table;
* :mod:`~attrition.infer.validate.sensitivity`: leave-one-claimant-out and prior sensitivity on
  a real battle;
* :mod:`~attrition.infer.validate.study`: the whole study as one report
  (:func:`validation_study`);
* :mod:`~attrition.infer.validate.regimes`: coverage of the joint fusion per regime of
  synthetic claims (:func:`regime_coverage`).
"""

from __future__ import annotations

from attrition.infer.validate.coverage import binomial_band, coverage_study, coverage_table
from attrition.infer.validate.influence import (
    headline_influence,
    influence_variants,
    leave_one_source_out,
)
from attrition.infer.validate.regimes import (
    REGIMES,
    regime_coverage,
    regime_study,
    regime_table,
)
from attrition.infer.validate.sensitivity import (
    SENSITIVITY_VARIANTS,
    leave_one_claimant_out,
    prior_sensitivity,
)
from attrition.infer.validate.study import validation_study
from attrition.infer.validate.synthetic import (
    GENERATORS,
    SYNTHETIC_BATTLE,
    SYNTHETIC_SOURCE,
    SyntheticBattle,
    simulate_battle,
    toy_battle,
)

__all__ = [
    "GENERATORS",
    "REGIMES",
    "SENSITIVITY_VARIANTS",
    "SYNTHETIC_BATTLE",
    "SYNTHETIC_SOURCE",
    "SyntheticBattle",
    "binomial_band",
    "coverage_study",
    "coverage_table",
    "headline_influence",
    "influence_variants",
    "leave_one_claimant_out",
    "leave_one_source_out",
    "prior_sensitivity",
    "regime_coverage",
    "regime_study",
    "regime_table",
    "simulate_battle",
    "toy_battle",
    "validation_study",
]
