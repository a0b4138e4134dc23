"""attrition.infer: fitting and estimation (classic fitters, the fog-of-war estimate,
claimant-bias priors learned from history, tempered SMC, diagnostics and validation studies).

The public names are re-exported lazily: importing this package loads no numerical library.
:func:`fit_dataset` fits a law to a packaged classic dataset with any method (what
``attrition fit`` runs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrition.lazy import lazy_exports

if TYPE_CHECKING:
    from attrition.infer.base import Fitter
    from attrition.infer.battle import BattleData, load_battle
    from attrition.infer.bias_priors import (
        BiasPrior,
        BiasPriors,
        CutoffBiasPriors,
        bias_priors_known_by,
        default_bias_priors,
        learned_bias_priors,
    )
    from attrition.infer.compare import compare_laws
    from attrition.infer.diagnostics import (
        Convergence,
        convergence,
        effective_sample_size,
        posterior_predictive_check,
    )
    from attrition.infer.engel import EngelFitter
    from attrition.infer.fit import DatasetFit, fit_dataset
    from attrition.infer.fusion import FogOfWar
    from attrition.infer.least_squares import LeastSquaresFitter
    from attrition.infer.likelihood import MaximumLikelihoodFitter
    from attrition.infer.regression import RatioRegression
    from attrition.infer.smc import SMCResult, tempered_smc
    from attrition.infer.validate import coverage_study, validation_study

#: Where each public name lives: ``"module"`` or ``"module:attribute"`` (imported on first use).
_WHERE: dict[str, str] = {
    "FogOfWar": "attrition.infer.fusion",
    "DatasetFit": "attrition.infer.fit",
    "fit_dataset": "attrition.infer.fit",
    "BattleData": "attrition.infer.battle",
    "load_battle": "attrition.infer.battle",
    "BiasPrior": "attrition.infer.bias_priors",
    "BiasPriors": "attrition.infer.bias_priors",
    "CutoffBiasPriors": "attrition.infer.bias_priors",
    "bias_priors_known_by": "attrition.infer.bias_priors",
    "default_bias_priors": "attrition.infer.bias_priors",
    "learned_bias_priors": "attrition.infer.bias_priors",
    "Fitter": "attrition.infer.base",
    "EngelFitter": "attrition.infer.engel",
    "RatioRegression": "attrition.infer.regression",
    "LeastSquaresFitter": "attrition.infer.least_squares",
    "MaximumLikelihoodFitter": "attrition.infer.likelihood",
    "compare_laws": "attrition.infer.compare",
    "SMCResult": "attrition.infer.smc",
    "tempered_smc": "attrition.infer.smc",
    "Convergence": "attrition.infer.diagnostics",
    "convergence": "attrition.infer.diagnostics",
    "effective_sample_size": "attrition.infer.diagnostics",
    "posterior_predictive_check": "attrition.infer.diagnostics",
    "coverage_study": "attrition.infer.validate",
    "validation_study": "attrition.infer.validate",
}

__all__ = [
    "BattleData",
    "BiasPrior",
    "BiasPriors",
    "Convergence",
    "CutoffBiasPriors",
    "DatasetFit",
    "EngelFitter",
    "Fitter",
    "FogOfWar",
    "LeastSquaresFitter",
    "MaximumLikelihoodFitter",
    "RatioRegression",
    "SMCResult",
    "bias_priors_known_by",
    "compare_laws",
    "convergence",
    "coverage_study",
    "default_bias_priors",
    "effective_sample_size",
    "fit_dataset",
    "learned_bias_priors",
    "load_battle",
    "posterior_predictive_check",
    "tempered_smc",
    "validation_study",
]


__getattr__, __dir__ = lazy_exports(globals(), _WHERE)
