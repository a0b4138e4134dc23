"""Compare the laws of the family on one daily dataset (least squares; AIC, BIC, R²)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from attrition.infer.base import check_identifiable
from attrition.infer.battle import BattleData
from attrition.infer.least_squares import LeastSquaresFitter

if TYPE_CHECKING:
    import pandas as pd

CANDIDATES: tuple[tuple[str, str, int], ...] = (
    ("square", "square", 0),
    ("linear", "linear", 0),
    ("logarithmic", "logarithmic", 0),
    ("mixed (blue aimed)", "mixed", 0),
    ("mixed (red aimed)", "mixed", 1),
    ("power", "power", 0),
)


def compare_laws(
    data: BattleData, *, mode: str = "auto", target: str = "daily", seed: int = 0
) -> tuple[pd.DataFrame, dict[str, LeastSquaresFitter]]:
    """Fit every law by least squares; return a table sorted by AIC and the fitted objects.

    Columns: law, k (free parameters), coefficient of each side, p, q, ssr, n_obs, r2, aic, bic,
    delta_aic.
    """
    import numpy as np
    import pandas as pd

    from attrition.infer.predict import Parameterisation

    # every law is ranked on the same observations: the one with the most parameters decides
    k_max = max(Parameterisation(law).n_params for _, law, _ in CANDIDATES)
    check_identifiable(
        data, int(np.isfinite(data.losses).sum()), k_max,
        f"the power law (the most of the {len(CANDIDATES)} laws compared)",
    )  # fmt: skip
    rows = []
    fits: dict[str, LeastSquaresFitter] = {}
    for label, law, aimed in CANDIDATES:
        fit = LeastSquaresFitter(law, mode=mode, target=target, aimed=aimed, level=None, seed=seed)
        fit.fit(data)
        fits[label] = fit
        row: dict[str, object] = {"law": label, "k": len(fit.theta_)}
        row.update({f"coef_{s}": v for s, v in fit.coefficients_.items()})
        row.update(
            {
                "p": fit.exponents_.get("p", float("nan")),
                "q": fit.exponents_.get("q", float("nan")),
                "ssr": fit.ssr_,
                "n_obs": fit.n_obs_,
                "r2": fit.r2_,
                "aic": fit.aic_,
                "bic": fit.bic_,
            }
        )
        rows.append(row)
    table = pd.DataFrame(rows).sort_values("aic", ignore_index=True)
    table["delta_aic"] = table["aic"] - table["aic"].min()
    return table, fits
