"""Packaged datasets: registry, metadata, Iwo Jima, Ardennes, Rubio-Campillo and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attrition.data import datasets as ds
from attrition.errors import UserError

NAMES = ["iwo-jima", "ardennes", "cdb90", "rubio-campillo"]
BRACKEN = {"tank": 20, "apc": 5, "arty": 40}


def _copy(name: str, tmp_path: Path) -> Path:
    """A writable copy of a packaged dataset folder."""
    target = tmp_path / name
    shutil.copytree(ds.info(name).path, target)
    return target


def _edit_cell(path: Path, row: int, column: str, value: str, sep: str = ",") -> None:
    """Set data row ``row`` (1-based) of ``column`` in a small unquoted CSV file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(sep)
    cells = lines[row].split(sep)
    cells[header.index(column)] = value
    lines[row] = sep.join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Registry and metadata


def test_available_lists_the_four_datasets_in_order() -> None:
    infos = ds.available()
    assert [i.name for i in infos] == NAMES
    for i in infos:
        assert i.path.is_dir()
        for text in (i.licence, i.citation, i.title, i.description, i.period):
            assert text.strip()
        assert i.defects, f"{i.name}: no known defects documented"
        assert all(" -- handled: " in d for d in i.defects)


@pytest.mark.parametrize("name", NAMES)
def test_metadata_rows_match_loader_and_files_are_listed(name: str) -> None:
    meta_info = ds.info(name)
    frame = ds.load(name)
    assert len(frame) == meta_info.rows
    meta = json.loads((meta_info.path / "metadata.json").read_text(encoding="utf-8"))
    listed = {f["file"] for f in meta["source_files"]}
    present = {p.name for p in meta_info.path.iterdir()} - {"metadata.json"}
    assert listed == present, "every shipped file is documented, every documented file shipped"
    assert meta["attribution"]


def test_unknown_dataset_name_lists_valid_names() -> None:
    for call in (lambda: ds.info("verdun"), lambda: ds.load("verdun")):
        with pytest.raises(UserError, match="unknown dataset 'verdun'") as err:
            call()
        for name in NAMES:
            assert name in str(err.value)


def test_unknown_option_name_lists_valid_options() -> None:
    with pytest.raises(UserError, match="unknown option 'sides'") as err:
        ds.load("ardennes", sides="blue")
    for option in ("air_weight", "force", "series", "weights"):
        assert option in str(err.value)


@pytest.mark.parametrize(
    ("option", "value", "valid"),
    [
        ("force", "support", ["combat", "total"]),
        ("series", "wiper", ["original", "reformatted"]),
        ("weights", "dupuy", ["bracken", "manpower"]),
    ],
)
def test_unknown_option_value_lists_valid_values(option: str, value: str, valid: list[str]) -> None:
    with pytest.raises(UserError, match=f"unknown {option} option {value!r}") as err:
        ds.load("ardennes", **{option: value})
    for v in valid:
        assert v in str(err.value)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), "2"])
def test_bad_air_weight_is_refused(bad: object) -> None:
    with pytest.raises(UserError, match="air_weight"):
        ds.load_ardennes(air_weight=bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Iwo Jima


def test_iwo_jima_series_is_consistent() -> None:
    d = ds.load_iwo_jima()
    assert list(d.columns) == [
        "day",
        "date",
        "us_landed",
        "us_cumulative_landed",
        "us_cumulative_casualties",
        "us_active",
        "flagged",
    ]
    assert d["day"].tolist() == list(range(1, 36))
    assert d["date"].iloc[0] == pd.Timestamp("1945-02-19")
    assert d["date"].iloc[-1] == pd.Timestamp("1945-03-25")
    np.testing.assert_array_equal(d["us_cumulative_landed"], d["us_landed"].cumsum())
    np.testing.assert_array_equal(
        d["us_active"], d["us_cumulative_landed"] - d["us_cumulative_casualties"]
    )
    assert d["us_cumulative_landed"].iloc[-1] == 73_000


def test_iwo_jima_flags_day_19_and_keeps_the_raw_value() -> None:
    d = ds.load_iwo_jima()
    assert d.loc[d["flagged"], "day"].tolist() == [19]
    row = d.set_index("day")
    assert row.at[19, "us_cumulative_casualties"] == 18_208
    assert row.at[20, "us_cumulative_casualties"] == 17_692
    assert "corrected" not in d.columns


def test_iwo_jima_correction_is_explicit_and_restores_monotonicity() -> None:
    raw = ds.load_iwo_jima()
    fixed = ds.load_iwo_jima(correct_typo=True)
    assert fixed.loc[fixed["corrected"], "day"].tolist() == [19]
    assert fixed.set_index("day").at[19, "us_cumulative_casualties"] == 17_208
    assert fixed.set_index("day").at[19, "us_active"] == 73_000 - 17_208
    assert raw["us_cumulative_casualties"].is_monotonic_increasing is False
    assert fixed["us_cumulative_casualties"].is_monotonic_increasing
    unchanged = ~fixed["corrected"]
    pd.testing.assert_frame_equal(raw[unchanged], fixed.loc[unchanged, raw.columns])


def test_engel_parameters_are_read_from_the_csv(tmp_path: Path) -> None:
    p = ds.iwo_jima_engel_parameters()
    assert p["japan_initial"] == 21_500
    assert p["us_initial"] == 0
    assert p["us_reinforcements"] == {1: 54_000, 3: 6_000, 6: 13_000}
    assert p["days"] == 36
    assert p["A"] == pytest.approx(0.0544)
    assert p["B"] == pytest.approx(0.0106)
    folder = _copy("iwo-jima", tmp_path)
    path = folder / "engel1954_model_parameters.csv"
    text = path.read_text(encoding="utf-8").replace(
        "us_effectiveness,B,0.0106", "us_effectiveness,B,0.0200"
    )
    path.write_text(text, encoding="utf-8")
    assert ds.iwo_jima_engel_parameters(data_dir=folder)["B"] == pytest.approx(0.02)


def test_landings_agree_with_engel_reinforcements() -> None:
    d = ds.load_iwo_jima()
    sel = d[d["us_landed"] > 0]
    landed = dict(zip(sel["day"].tolist(), sel["us_landed"].astype(float).tolist(), strict=True))
    assert landed == ds.iwo_jima_engel_parameters()["us_reinforcements"]


def test_engel_estimator_on_the_data_recovers_published_coefficients() -> None:
    """B = N(0)/sum M(t); N(t) = N(0) - B*sum_{s<t} M(s); A = US casualties / sum N(t)."""
    p = ds.iwo_jima_engel_parameters()
    d = ds.load_iwo_jima(correct_typo=True)
    m = d["us_active"].to_numpy(dtype=float)
    b_hat = p["japan_initial"] / m.sum()
    n = p["japan_initial"] - b_hat * np.concatenate([[0.0], np.cumsum(m)[:-1]])
    a_hat = d["us_cumulative_casualties"].iloc[-1] / n.sum()
    # 35 days of data against Engel's 36: agreement within 5 % is expected, not exactness.
    assert b_hat == pytest.approx(p["B"], rel=0.05)
    assert a_hat == pytest.approx(p["A"], rel=0.05)


# ---------------------------------------------------------------------------------------------
# Ardennes


def _weighted(manpower: pd.DataFrame, equipment: pd.DataFrame, side: str, kind: str) -> pd.Series:
    total = manpower[f"{side}_combat_{kind}"].copy()
    for item, weight in BRACKEN.items():
        total += weight * equipment[f"{side}_{item}_{kind}"]
    return total


def test_ardennes_reformatted_tables_satisfy_the_availability_identity() -> None:
    t = ds.ardennes_tables()
    for key in ("table4", "table5"):
        frame = t[key]
        avail_cols = [c for c in frame.columns if c.endswith("_avail")]
        assert len(avail_cols) == (4 if key == "table4" else 6)
        for col in avail_cols:
            killed = frame[col.replace("_avail", "_killed")].to_numpy()
            avail = frame[col].to_numpy()
            np.testing.assert_array_equal(avail[1:], avail[:-1] - killed[:-1], err_msg=col)


def test_ardennes_original_and_reformatted_share_losses() -> None:
    t = ds.ardennes_tables()
    for a, b in (("table1", "table4"), ("table2", "table5")):
        killed = [c for c in t[a].columns if c.endswith("_killed")]
        pd.testing.assert_frame_equal(t[a][killed], t[b][killed])


def test_weighted_losses_reproduce_wiper_on_63_of_64_side_days() -> None:
    t = ds.ardennes_tables()
    wiper = t["wiper"].set_index("day")
    mismatches = []
    for side, name in (("blue", "allied"), ("red", "german")):
        ours = _weighted(t["table1"], t["table2"], side, "killed").set_axis(t["table1"]["day"])
        theirs = wiper[f"{name}_casualties"]
        ours = ours.loc[theirs.index]
        for day, a, b in zip(theirs.index.tolist(), ours.tolist(), theirs.tolist(), strict=True):
            if a != b:
                mismatches.append((name, day, a, b))
    assert mismatches == [("german", 16, 2_400, 2_340)]
    assert len(wiper) * 2 - len(mismatches) == 63


def test_wiper_force_is_the_weighted_reformatted_combat_series() -> None:
    t = ds.ardennes_tables()
    wiper = t["wiper"].set_index("day")
    ours = ds.load_ardennes(series="reformatted").set_index("day").loc[wiper.index]
    for side, name in (("blue", "allied"), ("red", "german")):
        gap = (ours[f"{side}_force"] - wiper[f"{name}_force"]).abs()
        assert gap.max() <= 40  # measured 37 (blue) and 29 (red), about 5e-5 relative
        assert (gap / wiper[f"{name}_force"]).max() < 1e-4


def test_load_ardennes_defaults_by_hand() -> None:
    d = ds.load_ardennes()
    assert list(d.columns) == [
        "day",
        "date",
        "blue_force",
        "blue_losses",
        "red_force",
        "red_losses",
    ]
    assert d["day"].tolist() == list(range(33))
    assert d["date"].iloc[0] == pd.Timestamp("1944-12-15")
    assert d["date"].iloc[-1] == pd.Timestamp("1945-01-16")
    day1 = d.set_index("day").loc[1]
    assert day1["blue_force"] == 349_247 + 20 * 2_863 + 5 * 6_019 + 40 * 2_972
    assert day1["blue_losses"] == 1_589 + 20 * 12 + 5 * 33 + 40 * 15
    assert d.set_index("day").at[16, "red_losses"] == 1_550 + 20 * 5 + 5 * 14 + 40 * 17


def test_load_ardennes_options() -> None:
    t = ds.ardennes_tables()
    people = ds.load_ardennes(force="total", weights="manpower")
    np.testing.assert_array_equal(people["blue_force"], t["table1"]["blue_total_avail"])
    np.testing.assert_array_equal(people["red_losses"], t["table1"]["red_total_killed"])
    ref = ds.load_ardennes(series="reformatted")
    np.testing.assert_array_equal(
        ref["red_force"], _weighted(t["table4"], t["table5"], "red", "avail")
    )
    base = ds.load_ardennes()
    air = ds.load_ardennes(air_weight=2.5)
    np.testing.assert_allclose(
        air["blue_force"] - base["blue_force"], 2.5 * t["table3"]["blue_air_sorties"]
    )
    np.testing.assert_array_equal(air["red_losses"], base["red_losses"])


# ---------------------------------------------------------------------------------------------
# Rubio-Campillo


def test_rubio_campillo_counts_and_periods() -> None:
    d = ds.load_rubio_campillo()
    assert list(d.columns) == ["year", "period", "R0", "Rc", "B0", "Bc"]
    assert len(d) == 1_079
    assert d.groupby("period").size().to_dict() == {1: 112, 2: 251, 3: 556, 4: 160}
    ranges = d.groupby("period")["year"].agg(["min", "max"]).to_numpy().tolist()
    assert ranges == [[1620, 1701], [1702, 1792], [1793, 1860], [1861, 1905]]
    assert d.iloc[0].tolist() == [1620, 1, 47_500, 400, 32_000, 6_000]
    assert bool((d["Rc"] <= d["R0"]).all() and (d["Bc"] <= d["B0"]).all())


# ---------------------------------------------------------------------------------------------
# Bad input


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    folder = _copy("iwo-jima", tmp_path)
    (folder / "us_daily_strength_casualties.csv").unlink()
    with pytest.raises(UserError, match=r"us_daily_strength_casualties\.csv: data file is missing"):
        ds.load("iwo-jima", data_dir=folder)


def test_malformed_iwo_jima_cell_names_file_row_and_column(tmp_path: Path) -> None:
    folder = _copy("iwo-jima", tmp_path)
    path = folder / "us_daily_strength_casualties.csv"
    _edit_cell(path, 5, "us_cumulative_casualties", "68x5")
    with pytest.raises(UserError) as err:
        ds.load_iwo_jima(data_dir=folder)
    message = str(err.value)
    assert "us_daily_strength_casualties.csv" in message
    assert "row 5 (line 6)" in message
    assert "'us_cumulative_casualties'" in message
    assert "'68x5'" in message


def test_gap_in_days_is_refused(tmp_path: Path) -> None:
    folder = _copy("iwo-jima", tmp_path)
    _edit_cell(folder / "us_daily_strength_casualties.csv", 7, "day", "8")
    with pytest.raises(UserError, match=r"row 7 \(line 8\), column 'day': expected day 7"):
        ds.load_iwo_jima(data_dir=folder)


def test_malformed_ardennes_table_names_file_and_row(tmp_path: Path) -> None:
    folder = _copy("ardennes", tmp_path)
    _edit_cell(folder / "fricker1998_table2_equipment.csv", 12, "red_tank_killed", "1.5")
    with pytest.raises(UserError) as err:
        ds.load_ardennes(data_dir=folder)
    message = str(err.value)
    assert "fricker1998_table2_equipment.csv" in message
    assert "row 12" in message
    assert "'red_tank_killed'" in message
    assert "whole number" in message


def test_missing_column_is_named(tmp_path: Path) -> None:
    folder = _copy("ardennes", tmp_path)
    path = folder / "fricker1998_table3_air_sorties.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("red_air_sorties", "red_sorties"),
        encoding="utf-8",
    )
    with pytest.raises(UserError, match=r"table3_air_sorties\.csv: missing column\(s\) red_air"):
        ds.ardennes_tables(data_dir=folder)


def test_impossible_rubio_campillo_row_is_named(tmp_path: Path) -> None:
    folder = _copy("rubio-campillo", tmp_path)
    _edit_cell(folder / "period_03.csv", 10, "Bc", "999999", sep=";")
    with pytest.raises(UserError, match=r"period_03\.csv, row 10 \(line 11\), column 'Bc'"):
        ds.load_rubio_campillo(data_dir=folder)
