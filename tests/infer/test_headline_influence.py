"""What moves the headline (attrition.infer.validate.influence) on the toy battle."""

from __future__ import annotations

import pandas as pd
import pytest

from attrition.infer.validate import toy_battle
from attrition.infer.validate.influence import headline_influence, influence_variants


def test_unknown_variant_is_refused_before_any_fit() -> None:
    from attrition.errors import UserError

    with pytest.raises(UserError, match="unknown variant 'without MARS'"):
        headline_influence(toy_battle().claims, only=["without MARS"])


def test_variants_cover_every_group_and_bias_prior() -> None:
    v = influence_variants(["UA", "WEST"])
    labels = [x["variant"] for x in v]
    assert labels[:3] == ["default", "without UA", "without WEST"]
    # directional priors: centre and spread, halved and doubled; neutral: spread only
    assert sum(x["kind"] == "prior" for x in v) == 4 + 4 + 2
    enemy = {x["variant"]: x["change"] for x in v if "enemy" in x["variant"]}
    (mean, sd) = enemy["enemy bias centre doubled"]["bias_enemy"]
    from attrition.infer.fusion import FogPriors

    base_mean, base_sd = FogPriors().bias_enemy
    assert mean == pytest.approx(2 * base_mean)
    assert sd == base_sd


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    only = ["without UA", "without RU", "without WEST"]
    only += ["enemy bias centre halved", "enemy bias centre doubled"]
    return headline_influence(toy_battle().claims, draws=150, chains=2, seed=0, only=only)


def test_table_shape_and_baseline(table: pd.DataFrame) -> None:
    assert set(table["side"]) == {"RU", "UA"}
    base = table[table["kind"] == "default"]
    assert (base["change"] == 0).all()
    n_all = int(base["n_claims"].iloc[0])
    left = table[table["kind"] == "left_out"].drop_duplicates("variant")
    assert (left["n_claims"] < n_all).all()
    assert {"without UA", "without RU", "without WEST"} <= set(left["variant"])


def test_assuming_more_enemy_inflation_lowers_the_enemy_claimed_side(table: pd.DataFrame) -> None:
    # in the toy battle Ukrainian officials double Russian losses: if enemy claims are assumed
    # to inflate more (centre doubled), the fused Russian total falls, and rises when halved
    ru = table[table["side"] == "RU"].set_index("variant")["change"]
    assert ru["enemy bias centre doubled"] < 0 < ru["enemy bias centre halved"]
    # leaving the faithful Western reports out widens the Russian interval
    rows = table[table["side"] == "RU"].set_index("variant")
    width = (rows["q95"] - rows["q05"]) / rows["median"]
    assert width["without WEST"] > width["default"]


def test_cli_refuses_bad_options_in_one_line() -> None:
    from typer.testing import CliRunner

    from attrition.cli import app

    res = CliRunner().invoke(app, ["validate", "influence", "--draws", "0"])
    assert res.exit_code == 2
    assert "--draws" in res.output
    res = CliRunner().invoke(app, ["validate", "influence", "no-such-battle"])
    assert res.exit_code == 2
    assert "no-such-battle" in res.output


def test_leave_one_source_out_drops_every_restatement_of_a_source() -> None:
    from attrition.infer.validate.influence import leave_one_source_out

    claims = toy_battle().claims.copy()
    ua_about_ru = claims.index[(claims["claimant_side"] == "UA") & (claims["subject_side"] == "RU")]
    claims.loc[ua_about_ru[:2], "source_id"] = "ua-estimate"
    table = leave_one_source_out(claims, min_claims=2, draws=150, chains=2, seed=0)
    assert list(table["source_id"]) == ["ua-estimate"]
    row = table.iloc[0]
    assert row["n_claims"] == 2
    # the left-out source doubles Russian losses: without it the Russian median falls
    assert row["RU_change"] < 0
