"""What moves the headline (attrition.infer.validate.influence) on the default fusion, the joint
model, with the toy battle read at the battle (scope ``city``) and without streams.

Every fit of the module shares one claims frame and one draw count, so one compiled sampler
serves them all (the left-out variants change weights, the prior variants the priors' arrays).
Only the Russian official speaks of Ukrainian losses in that frame, so leaving the RU group
out leaves Ukraine's total to its prior.
"""

from __future__ import annotations

import pandas as pd
import pytest

from attrition.errors import UserError
from attrition.infer.validate import toy_battle
from attrition.infer.validate.influence import (
    headline_influence,
    influence_variants,
    leave_one_source_out,
)

pytest.importorskip("numpyro")

FIT = {"draws": 150, "chains": 2, "seed": 0}
# explicit bias priors, firm enough that halving or doubling a centre moves the totals well
# beyond the Monte Carlo error of these short fits
BIAS = {"enemy": (0.6, 0.3), "own": (-0.3, 0.3), "third_party": (0.0, 0.3)}
ONLY = [
    "without UA",
    "without RU",
    "without WEST",
    "enemy bias centre halved",
    "enemy bias centre doubled",
]


def _claims() -> pd.DataFrame:
    """The toy battle's claims read at the battle, the figures about Ukraine from Western
    governments, the analyst and Ukraine left out (only the Russian official's remain)."""
    claims = toy_battle().claims.copy()
    claims["scope"] = "city"
    drop = (claims["subject_side"].isin(["UA", "BOTH"])) & (claims["claimant_side"] != "RU")
    out = claims[~drop].reset_index(drop=True)
    out.attrs = dict(claims.attrs)
    return out


def _options() -> dict[str, object]:
    from attrition.infer.fusion.joint_priors import JointPriors

    return {"streams": (), "priors": JointPriors(bias=BIAS)}


# -- no sampling --------------------------------------------------------------------------------


def test_unknown_variant_is_refused_before_any_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    import attrition.infer.fusion.joint as joint_mod

    def no_fit(*a: object, **k: object) -> None:
        raise AssertionError("sampled before refusing the variant")

    monkeypatch.setattr(joint_mod.JointFog, "_sample", no_fit)
    with pytest.raises(UserError, match="unknown variant 'without MARS'") as err:
        headline_influence(_claims(), only=["without MARS"], options=_options(), **FIT)
    assert "\n" not in str(err.value)
    assert "without WEST" in str(err.value)  # names the known ones


def test_unknown_model_is_refused() -> None:
    with pytest.raises(UserError, match="unknown fusion model 'joint2'"):
        headline_influence(_claims(), model="joint2")
    with pytest.raises(UserError, match="unknown fusion model"):
        influence_variants(["UA"], model="bayes")


def test_joint_variants_cover_every_group_and_relation() -> None:
    v = influence_variants(["UA", "WEST"], bias=BIAS)
    labels = [x["variant"] for x in v]
    assert labels[:3] == ["default", "without UA", "without WEST"]
    # enemy and own have a direction: centre and spread, halved and doubled; third party
    # (centre 0 here): spread only
    assert sum(x["kind"] == "prior" for x in v) == 4 + 4 + 2
    assert "third-party bias centre doubled" not in labels
    change = {x["variant"]: x["change"] for x in v}["enemy bias centre doubled"]["bias"]
    assert change["enemy"] == pytest.approx((1.2, 0.3))
    assert change["own"] == BIAS["own"]
    assert change["third_party"] == BIAS["third_party"]
    spread = {x["variant"]: x["change"] for x in v}["third-party bias spread halved"]["bias"]
    assert spread["third_party"] == pytest.approx((0.0, 0.15))


def test_joint_variants_default_to_the_default_priors() -> None:
    from attrition.infer.fusion.joint_priors import JointPriors

    bias, _ = JointPriors().bias_priors()
    v = {x["variant"]: x["change"] for x in influence_variants([])}
    loc, scale = bias["own"]
    assert v["own bias spread doubled"]["bias"]["own"] == pytest.approx((loc, 2 * scale))


def test_independent_variants_are_still_reachable() -> None:
    from attrition.infer.fusion import FogPriors

    v = influence_variants(["UA", "WEST"], model="independent")
    assert sum(x["kind"] == "prior" for x in v) == 4 + 4 + 2
    enemy = {x["variant"]: x["change"] for x in v if "enemy" in x["variant"]}
    mean, sd = enemy["enemy bias centre doubled"]["bias_enemy"]
    base_mean, base_sd = FogPriors().bias_enemy
    assert (mean, sd) == pytest.approx((2 * base_mean, base_sd))


def test_leave_out_refuses_an_unknown_column_or_value() -> None:
    from attrition.infer.fusion.joint import JointFog

    with pytest.raises(UserError, match="leave_out column 'side'"):
        JointFog(leave_out={"side": ["UA"]})._check_params()
    with pytest.raises(UserError, match=r"leave_out\['group'\] must be a list"):
        JointFog(leave_out={"group": "UA"})._check_params()
    with pytest.raises(UserError, match="leave_out group 'MARS': no observation has it"):
        JointFog(streams=(), leave_out={"group": ["MARS"]}).fit(_claims())


# -- fits (one compiled sampler) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return headline_influence(_claims(), only=ONLY, options=_options(), **FIT)


def test_default_row_is_the_plain_fit_bit_for_bit(table: pd.DataFrame) -> None:
    from attrition.infer.fusion.joint import JointFog

    fog = JointFog(warn=False, **FIT, **_options()).fit(_claims())  # type: ignore[arg-type]
    base = table[table["kind"] == "default"].set_index("side")
    for side in ("RU", "UA"):
        assert base.loc[side, ["median", "q05", "q95"]].tolist() == list(fog.total(side).values())
    assert (base["change"] == 0).all()


def test_table_shape_and_weights(table: pd.DataFrame) -> None:
    assert list(table.columns) == [
        "variant", "kind", "group", "side", "median", "q05", "q95", "change", "n_claims",
        "r_hat_max",
    ]  # fmt: skip
    assert set(table["side"]) == {"RU", "UA"}
    assert set(table["variant"]) == {"default", *ONLY}
    n = table.drop_duplicates("variant").set_index("variant")["n_claims"]
    # RU's three usable claims, UA's four (its undated one is not used), WEST's three carry no
    # weight when left out
    assert n["default"] == 11
    assert n["default"] - n["without RU"] == 3
    assert n["default"] - n["without UA"] == 4
    assert n["default"] - n["without WEST"] == 3
    assert n["enemy bias centre doubled"] == n["default"]


def test_leaving_out_the_only_group_speaking_of_a_side_frees_that_side(
    table: pd.DataFrame,
) -> None:
    rows = table.set_index(["variant", "side"])
    width = (rows["q95"] / rows["q05"]).unstack("side")
    # without the Russian official nothing speaks of Ukraine's losses: its interval widens to
    # the prior's, while Russia's (spoken of by three other groups) barely moves
    assert width.loc["without RU", "UA"] > 3 * width.loc["default", "UA"]
    assert abs(rows.loc[("without RU", "RU"), "change"]) < 0.25
    # leaving Ukraine's claims (all about Russia) out leaves Ukraine's total where it was
    assert width.loc["without UA", "UA"] < 1.5 * width.loc["default", "UA"]


def test_assuming_more_enemy_inflation_lowers_the_enemy_claimed_sides(
    table: pd.DataFrame,
) -> None:
    # Ukraine's official doubles Russian losses, Russia's doubles Ukrainian ones: if enemy
    # claims are assumed to inflate more (centre doubled), both fused totals fall, and rise
    # when it is halved
    change = table.set_index(["variant", "side"])["change"]
    for side in ("RU", "UA"):
        assert change[("enemy bias centre doubled", side)] < -0.1
        assert change[("enemy bias centre halved", side)] > 0.1


def test_leave_one_source_out_drops_every_restatement_of_a_source() -> None:
    claims = _claims()
    ua_about_ru = claims.index[(claims["claimant_side"] == "UA") & (claims["subject_side"] == "RU")]
    claims.loc[ua_about_ru[:2], "source_id"] = "ua-estimate"
    table = leave_one_source_out(claims, min_claims=2, options=_options(), **FIT)
    assert list(table["source_id"]) == ["ua-estimate"]
    row = table.iloc[0]
    assert row["n_claims"] == 2
    assert row["claimants"] == "UA official"
    # the left-out source doubles Russian losses: without it the Russian median falls
    assert row["RU_change"] < 0


def test_cli_refuses_bad_options_in_one_line() -> None:
    from typer.testing import CliRunner

    from attrition.cli import app

    res = CliRunner().invoke(app, ["validate", "influence", "--draws", "0"])
    assert res.exit_code == 2
    assert "--draws" in res.output
    res = CliRunner().invoke(app, ["validate", "influence", "no-such-battle"])
    assert res.exit_code == 2
    assert "no-such-battle" in res.output
