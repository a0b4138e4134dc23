"""How a real battle's fused estimate moves: each claimant left out, and alternative priors.

:func:`leave_one_claimant_out` predicts each claimant's claims from the others;
:func:`prior_sensitivity` refits under the named prior changes of :data:`SENSITIVITY_VARIANTS`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from attrition.infer.fusion import FogOfWar, FogPriors

if TYPE_CHECKING:
    import pandas as pd

from attrition.infer.fusion.sides import BattleLike
from attrition.infer.validate.coverage import _exchange_ratio

__all__ = ["SENSITIVITY_VARIANTS", "leave_one_claimant_out", "prior_sensitivity"]

SENSITIVITY_VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "no directional bias (enemy, self centred on 1)": {
        "bias_enemy": (0.0, 0.5),
        "bias_self": (0.0, 0.5),
    },
    "stronger directional bias (x2.5 enemy, x0.4 self)": {
        "bias_enemy": (math.log(2.5), 0.5),
        "bias_self": (math.log(0.4), 0.5),
    },
    "neutral sources may be biased (sd 0.5)": {"bias_neutral": (0.0, 0.5)},
    "claimants spread more within a side (sd 0.6)": {"bias_claimant_sd": 0.6},
    "rougher weekly rate (rw_sd 0.4)": {"rw_sd": 0.4},
    "flat killed-share prior Beta(1, 1)": {"killed_share": (1.0, 1.0)},
    "noisier claimants (noise scale 0.8)": {"noise_scale": 0.8},
}
"""Named prior changes (:meth:`FogPriors.replace` arguments) for :func:`prior_sensitivity`."""


def leave_one_claimant_out(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None = None,
    *,
    min_claims: int = 3,
    draws: int = 300,
    chains: int = 2,
    seed: int = 0,
    battle: BattleLike = None,
) -> pd.DataFrame:
    """Leave each claimant with at least ``min_claims`` used claims out and predict its claims.

    The claimant's claims get weight 0 (same compiled program), so its biases and noise come
    from its group's distribution: the prediction is what a typical claimant of that side
    would say. One row per claimant: ``n_claims``, ``inside_90`` (share of its point and range
    claims whose figure lies inside the 90% predictive interval, censored claims counted as
    inside when the predictive probability of satisfying them is at least 5%),
    ``median_factor`` (claimed over predicted median), and the fused RU and UA casualties and
    exchange ratio (medians) without the claimant.

    ``battle``: the battle whose sides, components and claimant groups the claims use (a
    :class:`~attrition.data.battle.BattleSpec`, a packaged name or a folder path), passed to
    the fusion; default: the one the claims table names, else the packaged default.
    """
    import numpy as np
    import pandas as pd

    from attrition.infer.fusion import prepare_claims

    used = prepare_claims(claims, None, None, phases, battle=battle).used
    counts = used["claimant"].value_counts()
    rows = []
    for claimant in sorted(counts[counts >= min_claims].index):
        mask = (used["claimant"] == claimant).to_numpy()
        fog = FogOfWar(draws=draws, chains=chains, seed=seed, warn=False, battle=battle).fit(
            claims, phases, weights=list(np.where(mask, 0.0, 1.0))
        )
        ppc = fog.ppc_.iloc[: len(used)][mask]
        inside = []
        for r in ppc.to_dict("records"):
            if r["kind"] in ("point", "interval"):
                lo, hi = math.exp(r["log_lo"]), math.exp(r["log_hi"])
                inside.append(hi >= r["pred_q05"] and lo <= r["pred_q95"])
            else:
                inside.append(r["tail_p"] >= 0.05)
        rows.append(
            {
                "claimant": claimant,
                "claimant_side": str(ppc["claimant_side"].iloc[0]),
                "n_claims": int(mask.sum()),
                "inside_90": float(np.mean(inside)),
                "median_factor": float(np.median(ppc["factor"])),
                **{f"{side}_casualties": fog.total(side)["median"] for side in fog.sides_.sides},
                "exchange_ratio": float(_exchange_ratio(fog)["median"]),
            }
        )
    return pd.DataFrame(rows)


def prior_sensitivity(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None = None,
    *,
    variants: dict[str, dict[str, Any]] | None = None,
    draws: int = 500,
    chains: int = 4,
    seed: int = 0,
    battle: BattleLike = None,
) -> pd.DataFrame:
    """Refit under each named prior variant (default :data:`SENSITIVITY_VARIANTS`).

    One row per variant: RU and UA casualties and the exchange ratio (median, q05, q95), the
    worst R-hat and the divergences. ``battle``: as in :func:`leave_one_claimant_out`.
    """
    import pandas as pd

    rows = []
    for name, change in (variants or SENSITIVITY_VARIANTS).items():
        fog = FogOfWar(
            draws=draws,
            chains=chains,
            seed=seed,
            warn=False,
            priors=FogPriors().replace(**change),
            battle=battle,
        ).fit(claims, phases)
        row: dict[str, Any] = {"variant": name}
        for side in fog.sides_.sides:
            for k, v in fog.total(side).items():
                row[f"{side}_{k}"] = v
        for k in ("median", "q05", "q95"):
            row[f"ratio_{k}"] = float(_exchange_ratio(fog)[k])
        row["r_hat_max"] = fog.diagnostics_.r_hat_max
        row["divergences"] = fog.diagnostics_.divergences
        rows.append(row)
    return pd.DataFrame(rows)
