"""The fusion on any battle folder: sides, components and claimant groups come from battle.toml.

Oracles: the toy battle's known truth (attrition.infer.validate.toy_battle) relabelled with
made-up side ids; the relation table written out by hand; the schema's file/line/field errors.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("numpyro")

from attrition.data.battle import BattleSpec
from attrition.data.claims import battle_spec, claims_to_csv
from attrition.data.schema import CLAIM_COLUMNS
from attrition.errors import UserError
from attrition.infer.fusion import (
    FogOfWar,
    FusionSides,
    battle_sides,
    fuse_claims,
    prepare_claims,
    relation,
)
from attrition.infer.validate import toy_battle

RENAME = {"RU": "RED", "UA": "BLUE", "WEST": "OBSERVERS", "INDEPENDENT": "PRESS"}
SPEC = BattleSpec.model_validate(
    {
        "id": "colours",
        "name": "Battle of the Colours",
        "start": "2024-01-01",
        "end": "2024-01-28",
        "sides": [
            {"id": "BLUE", "label": "Blue"},
            {"id": "RED", "label": "Red", "components": [{"id": "RED_GUARD", "label": "Guard"}]},
        ],
        "claimant_groups": [
            {"id": "OBSERVERS", "label": "Observers"},
            {"id": "PRESS", "label": "Press"},
        ],
        "sources": [{"id": "src-1", "kind": "url", "url": "https://example.org/a"}],
    }
)
TOML = """[battle]
id = "colours"
name = "Battle of the Colours"
start = "2024-01-01"
end = "2024-01-28"

[[sides]]
id = "BLUE"
label = "Blue"
components = []

[[sides]]
id = "RED"
label = "Red"
components = [{ id = "RED_GUARD", label = "Guard" }]

[[claimant_groups]]
id = "OBSERVERS"
label = "Observers"

[[claimant_groups]]
id = "PRESS"
label = "Press"

[[sources]]
id = "src-1"
kind = "url"
url = "https://example.org/a"
"""
SMALL = {"draws": 200, "chains": 2, "seed": 0, "warn": False}


def colour_claims() -> pd.DataFrame:
    """The toy battle with made-up ids (RU -> RED, UA -> BLUE, ...), its ratio turned round
    (BLUE per RED: the sides' alphabetical order), and two claims about the RED_GUARD
    component (half of RED's casualties, said twice)."""
    t = toy_battle()
    df = t.claims.reindex(columns=list(CLAIM_COLUMNS), fill_value="").copy()
    for col in ("claimant_side", "subject_side"):
        df[col] = df[col].map(lambda v: RENAME.get(v, v))
    ratio = df["metric"] == "casualty_ratio"
    df.loc[ratio, ["value_low", "value_high"]] = 1 / df.loc[ratio, ["value_low", "value_high"]]
    extra = df.iloc[[0, 0]].copy()
    extra["id"] = ["col-g1", "col-g2"]
    extra["subject_side"] = "RED_GUARD"
    extra["claimant"] = ["Observer C", "Press D"]
    extra["claimant_side"] = ["OBSERVERS", "PRESS"]
    extra[["value_low", "value_high"]] = 1400.0
    extra["qualifier"] = "about"
    df = pd.concat([df, extra], ignore_index=True)
    df["source"] = "src-1"
    df["offset"] = ""
    return df


def write_folder(root: Path, claims: pd.DataFrame) -> Path:
    folder = root / "colours"
    folder.mkdir()
    (folder / "battle.toml").write_text(TOML, encoding="utf-8")
    (folder / "claims.csv").write_text(claims_to_csv(claims), encoding="utf-8")
    (folder / "phases.csv").write_text(
        "id,name,start,end,heading_offset\nph1,All,2024-01-01,2024-01-28,\n", encoding="utf-8"
    )
    # a battle folder holds all four tables; these two have their header only
    from attrition.data.schema import EVENT_COLUMNS, PLACE_COLUMNS

    (folder / "events.csv").write_text(",".join(EVENT_COLUMNS) + "\n", encoding="utf-8")
    (folder / "places.csv").write_text(",".join(PLACE_COLUMNS) + "\n", encoding="utf-8")
    return folder


# --- sides from battle.toml (no sampling) --------------------------------------------------------


def test_sides_come_from_the_spec() -> None:
    s = FusionSides.from_spec(SPEC)
    assert s.sides == ("BLUE", "RED")  # alphabetical, whatever the order in battle.toml
    assert s.components == (("RED_GUARD", "RED"),)
    assert s.subjects == ("BLUE", "RED", "RED_GUARD", "BOTH")
    assert s.ratio_sides == ("BLUE", "RED")
    assert s.component_sites() == {"RED_GUARD": "red_guard_share"}
    table = {
        ("RED", "RED_GUARD"): "self",
        ("BLUE", "RED_GUARD"): "enemy",
        ("BLUE", "BLUE"): "self",
        ("RED", "BLUE"): "enemy",
        ("PRESS", "RED"): "neutral",
        ("OBSERVERS", "BLUE"): "neutral",
        ("RED", "BOTH"): "neutral",
    }
    for (claimant, subject), rel in table.items():
        assert relation(claimant, subject, SPEC) == rel, (claimant, subject)


def test_packaged_battles_keep_their_sides() -> None:
    bk = battle_sides("bakhmut")
    assert bk.sides == ("RU", "UA")
    assert bk.components == (("WAGNER", "RU"),)
    assert relation("UA", "WAGNER", "bakhmut") == "enemy"
    assert battle_sides("avdiivka").components == ()
    spec = battle_spec("avdiivka")
    assert spec is not None
    assert battle_sides(spec).battle == "avdiivka"


def test_a_component_site_never_takes_a_model_site() -> None:
    s = FusionSides(battle="x", sides=("A", "B"), components=(("KILLED", "A"), ("killed", "B")))
    sites = s.component_sites()
    assert sites["KILLED"] == "component_killed_share"
    assert sites["killed"] == "component_killed_share_2"


def test_a_claim_naming_an_unknown_side_is_refused() -> None:
    df = colour_claims()
    df.loc[3, "subject_side"] = "GREEN"
    with pytest.raises(
        UserError, match=r"^claim \S+: field subject_side = 'GREEN' .* battle colours"
    ):
        prepare_claims(df, battle=SPEC)
    df = colour_claims()
    df.loc[2, "claimant_side"] = "RU"  # a Bakhmut side is not a side of this battle
    with pytest.raises(UserError, match="field claimant_side = 'RU'"):
        prepare_claims(df, battle=SPEC)


def test_ratio_not_modelled_with_three_sides() -> None:
    three = FusionSides(battle="tri", sides=("A", "B", "C"))
    df = colour_claims()
    for col in ("claimant_side", "subject_side"):
        df[col] = df[col].map({"RED": "A", "BLUE": "B"}).fillna(df[col])
    df = df[~df["subject_side"].isin(["RED_GUARD"]) & ~df["claimant_side"].isin(["PRESS"])]
    df = df.assign(claimant_side=df["claimant_side"].replace({"OBSERVERS": "C"}))
    p = prepare_claims(df, battle=three)
    ratio_rows = p.table[p.table["metric"] == "casualty_ratio"]
    assert len(ratio_rows) == 1
    assert not ratio_rows["used"].any()
    assert "not modelled in a battle of 3 sides" in ratio_rows["reason"].iloc[0]


# --- end to end --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def colour_fit() -> FogOfWar:
    return FogOfWar(battle=SPEC, **SMALL).fit(colour_claims())


def test_made_up_sides_fuse_end_to_end(colour_fit: FogOfWar) -> None:
    """The relabelled toy battle recovers the toy's truth under the new names (RED 2,800, BLUE
    1,120, BLUE per RED 0.4), and the component is a share of its side, draw by draw."""
    fog = colour_fit
    truth = toy_battle().truth
    s = fog.summary()
    assert list(s["sides"]) == ["BLUE", "RED", "RED_GUARD"]
    assert s["battle"] == "colours"
    assert s["exchange_ratio_sides"] == ["BLUE", "RED"]
    for side, key in (("RED", "RU"), ("BLUE", "UA")):
        q = fog.total(side)
        assert q["q05"] <= truth[key] <= q["q95"], (side, q)
        assert abs(math.log(q["median"] / truth[key])) < math.log(1.5)
    ratio = fog.exchange_ratio_
    assert ratio is not None
    assert ratio["q05"] <= 1 / truth["ratio"] <= ratio["q95"]
    share = fog.share_draws("RED_GUARD")
    assert np.allclose(
        fog.draws_["RED_GUARD"]["casualties"], fog.draws_["RED"]["casualties"] * share
    )
    assert "red_guard_share" in fog.samples_
    assert "wagner_share" not in fog.samples_
    assert 0.3 < float(np.median(share)) < 0.7  # 1,400 of ~2,800
    rel = fog.bias_.set_index(["claimant", "subject"])["relation"]
    assert rel[("UA official", "RED")] == "enemy"  # claimant side BLUE about RED
    assert rel[("Press D", "RED_GUARD")] == "neutral"
    with pytest.raises(UserError, match="component"):
        fog.share_draws("WAGNER")


def test_battle_from_the_claims_table_attrs() -> None:
    df = colour_claims()
    df.attrs["battle"] = SPEC
    assert prepare_claims(df).sides == FusionSides.from_spec(SPEC)
    with pytest.raises(UserError, match="not a side, component or group of battle bakhmut"):
        prepare_claims(colour_claims())  # no battle given, none named: the default's sides


def test_fuse_claims_compares_with_and_without_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    """fuse_claims fits twice with streams (stream_table stands in for the packaged streams:
    here a claimant-free comparison of two fits of the same claims)."""
    calls: list[tuple[str, ...]] = []

    def fake_fit(self: FogOfWar, claims: Any, phases: Any = None, **_: Any) -> FogOfWar:
        calls.append(tuple(self.streams))
        self.draws_ = {"RU": {"casualties": np.arange(1.0, 101.0) * (2 if self.streams else 1)}}
        return self

    monkeypatch.setattr(FogOfWar, "fit", fake_fit)
    monkeypatch.setattr(FogOfWar, "summary", lambda self: {"sides": {}})
    est = fuse_claims(colour_claims(), streams=["oryx"], seed=3, model="independent")
    assert calls == [("oryx",), ()]
    effect = est.summary()["streams_effect"]["RU"]
    assert effect["with"]["median"] == pytest.approx(2 * effect["without"]["median"])
    frame = est.streams_effect_frame()
    assert list(frame["side"]) == ["RU"]
    assert frame["with_median"].iloc[0] == 101.0
    calls.clear()
    plain = fuse_claims(colour_claims(), seed=3, model="independent")
    assert calls == [()]
    assert plain.without_streams is None
    assert plain.streams_effect is None
    assert "streams_effect" not in plain.summary()


def test_fit_checks_memory_before_sampling(monkeypatch: pytest.MonkeyPatch) -> None:
    from attrition.limits import MEMORY_ENV

    def never(*_: Any, **__: Any) -> Any:
        raise AssertionError("sampled despite the memory limit")

    monkeypatch.setattr(FogOfWar, "_sample", never)
    monkeypatch.setenv(MEMORY_ENV, "0.001")  # 1 MB
    with pytest.raises(UserError, match=r"^draws 100,000 needs"):
        FogOfWar(battle=SPEC, draws=100_000, chains=1).fit(colour_claims())
    with pytest.raises(UserError, match=r"^chains 5,000 needs"):
        FogOfWar(battle=SPEC, draws=10, chains=5_000).fit(colour_claims())


# --- the command line ----------------------------------------------------------------------------


def _cli(*args: str) -> Any:
    from attrition.cli import app

    return CliRunner().invoke(app, list(args))


@pytest.mark.filterwarnings("ignore::attrition.infer.diagnostics.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::attrition.errors.DataWarning")
def test_cli_estimate_on_a_folder_and_on_avdiivka(tmp_path: Path) -> None:
    folder = write_folder(tmp_path, colour_claims())
    res = _cli("estimate", "--battle", str(folder), "--draws", "200", "--chains", "2", "--json")
    assert res.exit_code == 0, res.output
    s = json.loads(res.output[res.output.index("{") :])
    assert list(s["sides"]) == ["BLUE", "RED", "RED_GUARD"]
    assert s["battle"] == "colours"
    text = _cli("estimate", str(folder), "--draws", "200", "--chains", "2")
    assert text.exit_code == 0, text.output
    assert "Exchange ratio (BLUE casualties per RED casualty)" in text.output
    av = _cli("estimate", "--battle", "avdiivka", "--draws", "100", "--chains", "1", "--json")
    assert av.exit_code == 0, av.output
    s = json.loads(av.output[av.output.index("{") :])
    assert s["battle"] == "avdiivka"
    assert set(s["sides"]) == {"RU", "UA"}


@pytest.mark.filterwarnings("ignore::attrition.infer.diagnostics.ConvergenceWarning")
@pytest.mark.filterwarnings("ignore::attrition.errors.DataWarning")
def test_cli_estimate_on_a_new_battle_folder(tmp_path: Path) -> None:
    new = _cli("battle", "new", str(tmp_path / "fresh"))
    assert new.exit_code == 0, new.output
    res = _cli(
        "estimate", "--battle", str(tmp_path / "fresh"), "--draws", "100", "--chains", "1",
        "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    s = json.loads(res.output[res.output.index("{") :])
    assert s["n_claims"] == 1
    assert s["model"] == "joint"
    # the default (joint) model reports each side and its component
    assert set(s["sides"]) == {"A", "B", "A_UNIT"}
    assert set(s["components"]) == {"A_UNIT"}


def test_cli_refuses_a_side_not_in_battle_toml(tmp_path: Path) -> None:
    df = colour_claims()
    df.loc[4, "subject_side"] = "GREEN"
    folder = write_folder(tmp_path, df)
    res = _cli("estimate", "--battle", str(folder), "--draws", "10")
    assert res.exit_code == 2
    lines = [ln for ln in res.output.strip().splitlines() if ln]
    assert len(lines) == 1, res.output
    assert "claims.csv:6: field 'subject_side' = 'GREEN'" in lines[0]
    # a --claims file is read with the battle's sides: file, line and field
    bad = tmp_path / "bad.csv"
    bad.write_text(claims_to_csv(df), encoding="utf-8")
    (tmp_path / "g").mkdir()
    good = write_folder(tmp_path / "g", colour_claims())
    res = _cli("estimate", "--battle", str(good), "--claims", str(bad), "--draws", "10")
    assert res.exit_code == 2
    assert "bad.csv:6: field 'subject_side' = 'GREEN'" in res.output
    res = _cli("estimate", "bakhmut", "--battle", "avdiivka")
    assert res.exit_code == 2
    assert "give it once" in res.output


def test_results_leave_as_tidy_frames(colour_fit: FogOfWar) -> None:
    frame = colour_fit.to_frame()
    assert list(frame.columns) == ["side", "quantity", "median", "q05", "q95"]
    row = frame[(frame["side"] == "BLUE") & (frame["quantity"] == "casualties")].iloc[0]
    assert row["median"] == colour_fit.total("BLUE")["median"]
    daily = colour_fit.daily_frame()
    assert set(daily["side"]) == {"BLUE", "RED"}
    assert (daily["q05"] <= daily["q95"]).all()
