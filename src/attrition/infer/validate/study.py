"""The whole validation study as one JSON-ready report (``attrition validate estimate``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from attrition.infer.validate.coverage import coverage_study, coverage_table
from attrition.infer.validate.sensitivity import leave_one_claimant_out, prior_sensitivity

__all__ = ["validation_study"]


def validation_study(
    replicates: int = 100,
    seed: int = 0,
    *,
    battle: str | None = "bakhmut",
    synthetic_draws: int = 300,
    bakhmut_draws: int = 300,
) -> dict[str, Any]:
    """Run the whole study; a JSON-ready dict with ``coverage`` (per generator and quantity),
    ``replicates`` (per replicate), ``leave_one_claimant_out`` and ``prior_sensitivity``
    (both empty lists when ``battle`` is ``None``), ``seed``, ``bar`` (80%..97%).

    ``battle``: the battle (a packaged name or a folder path) whose claims and phases the last
    two parts fit; its sides are passed to the fusion. The synthetic battles use the sides of
    :data:`~attrition.infer.validate.synthetic.SYNTHETIC_BATTLE`.
    """
    study = coverage_study(replicates, seed, draws=synthetic_draws)
    table = coverage_table(study)
    out: dict[str, Any] = {
        "seed": seed,
        "replicates_per_generator": replicates,
        "bar": {"coverage_lo": 0.80, "coverage_hi": 0.97},
        "coverage": _records(table),
        "replicates": _records(study),
        "leave_one_claimant_out": [],
        "prior_sensitivity": [],
    }
    if battle is not None:
        from attrition.data.claims import load_claims, load_phases

        claims, phases = load_claims(battle), load_phases(battle)
        out["leave_one_claimant_out"] = _records(
            leave_one_claimant_out(claims, phases, draws=bakhmut_draws, seed=seed, battle=battle)
        )
        out["prior_sensitivity"] = _records(
            prior_sensitivity(
                claims, phases, draws=bakhmut_draws, chains=2, seed=seed, battle=battle
            )
        )
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in frame.to_dict("records"):
        clean: dict[str, Any] = {}
        for k, v in r.items():
            if hasattr(v, "item"):
                v = v.item()
            if isinstance(v, float):
                v = round(v, 6) if math.isfinite(v) else None
            clean[str(k)] = v
        out.append(clean)
    return out
