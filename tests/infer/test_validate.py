"""The validation study's synthetic claims look like real ones, and every fit names its battle."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from attrition.data.schema import CLAIM_COLUMNS, Claim
from attrition.infer.fusion import battle_sides
from attrition.infer.validate import (
    SYNTHETIC_BATTLE,
    SYNTHETIC_SOURCE,
    SyntheticBattle,
    coverage_study,
    leave_one_claimant_out,
    prior_sensitivity,
    simulate_battle,
    toy_battle,
)
from attrition.infer.validate import coverage as coverage_module
from attrition.infer.validate import sensitivity as sensitivity_module


def _battles() -> list[SyntheticBattle]:
    rng = np.random.default_rng(3)
    return [toy_battle(), simulate_battle("model", rng), simulate_battle("different", rng)]


@pytest.mark.parametrize("synthetic", _battles(), ids=["toy", "model", "different"])
def test_synthetic_claims_have_the_claims_schema_and_a_source(synthetic: SyntheticBattle) -> None:
    claims = synthetic.claims
    assert list(claims.columns) == list(CLAIM_COLUMNS)
    assert set(claims["source"]) == {SYNTHETIC_SOURCE}
    for row in claims.to_dict("records"):
        cells = {k: None if pd.isna(v) else v for k, v in row.items()}  # NaT, NaN: empty cells
        Claim.model_validate(cells)  # each row is a valid claims.csv row
    sides = battle_sides(synthetic.battle)
    assert synthetic.battle == SYNTHETIC_BATTLE
    assert set(claims["claimant_side"]) <= set(sides.claimant_sides)
    assert set(claims["subject_side"]) <= set(sides.known_subjects)


class _Reached(Exception):
    pass


def _recording_fog(seen: list[Any]) -> type:
    class Fog:
        def __init__(self, **kwargs: Any) -> None:
            seen.append(kwargs.get("battle", "<not passed>"))

        def fit(self, *args: Any, **kwargs: Any) -> Any:
            raise _Reached

    return Fog


def test_coverage_study_fits_with_the_synthetic_battle(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(coverage_module, "FogOfWar", _recording_fog(seen))
    with pytest.raises(_Reached):
        coverage_study(1, generators=("model",))
    assert seen == [SYNTHETIC_BATTLE]


def test_real_battle_studies_pass_their_battle(monkeypatch: pytest.MonkeyPatch) -> None:
    claims = toy_battle().claims
    sides = battle_sides(SYNTHETIC_BATTLE)  # a battle given as an object: passed on as is
    seen: list[Any] = []
    monkeypatch.setattr(sensitivity_module, "FogOfWar", _recording_fog(seen))
    with pytest.raises(_Reached):
        leave_one_claimant_out(claims, battle=sides, min_claims=1)
    with pytest.raises(_Reached):
        prior_sensitivity(claims, battle=sides)
    assert len(seen) == 2
    assert all(b is sides for b in seen)
