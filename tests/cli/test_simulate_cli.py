"""The simulate and sensitivity commands: JSON keys, output files, bad input (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from attrition.cli import _Group
from attrition.cli import simulate as sim_cli

runner = CliRunner()

SCENARIO = """
[scenario]
name = "small"
law = "square"
days = 20
[sides.blue]
strength = 300
effectiveness = 0.012
[sides.red]
strength = 240
effectiveness = 0.010
[run]
method = "ssa"
runs = 200
seed = 2
[uncertain.red.effectiveness]
dist = "uniform"
low = 0.008
high = 0.012
[outputs]
quantities = ["final_blue", "losses_red", "duration"]
"""


def make_app() -> typer.Typer:
    app = typer.Typer(cls=_Group)

    @app.callback()
    def _root() -> None:
        """Test app."""

    sim_cli.register(app)
    return app


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    p = tmp_path / "small.toml"
    p.write_text(SCENARIO, encoding="utf-8")
    return p


def test_simulate_json_has_the_issue_keys(scenario: Path) -> None:
    res = runner.invoke(make_app(), ["simulate", str(scenario), "--json", "--runs", "150"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert {"scenario", "method", "runs", "seed", "sides", "duration_mean", "wall_seconds"} <= set(
        out
    )
    assert (out["scenario"], out["method"], out["runs"], out["seed"]) == ("small", "ssa", 150, 2)
    for side in ("blue", "red"):
        assert set(out["sides"][side]) == {
            "final_mean", "final_sd", "final_q05", "final_q50", "final_q95", "win_probability",
        }  # fmt: skip
    assert out["sides"]["blue"]["win_probability"] + out["sides"]["red"]["win_probability"] == 1
    assert set(out["quantities"]) == {"final_blue", "losses_red", "duration"}


def test_same_seed_same_json_across_executors_and_methods(scenario: Path) -> None:
    args = ["simulate", str(scenario), "--json", "--method", "tau-leap", "--seed", "9"]
    a = json.loads(runner.invoke(make_app(), args).output)
    b = json.loads(runner.invoke(make_app(), [*args, "--chunk-size", "7"]).output)
    a.pop("wall_seconds")
    b.pop("wall_seconds")
    assert a == b


def test_out_parquet_and_netcdf(scenario: Path, tmp_path: Path) -> None:
    pq = tmp_path / "runs.parquet"
    res = runner.invoke(make_app(), ["simulate", str(scenario), "--out", str(pq)])
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(pq)
    assert len(df) == 200
    assert {"run", "blue_final", "red_effectiveness", "duration", "stop_reason"} <= set(df)
    assert df["red_effectiveness"].between(0.008, 0.012).all()
    nc = tmp_path / "traj.nc"
    res = runner.invoke(make_app(), ["simulate", str(scenario), "--runs", "20", "--out", str(nc)])
    assert res.exit_code == 0, res.output
    import xarray as xr

    with xr.open_dataset(nc) as ds:
        assert ds["strength_t"].shape == (20, 21, 2)
        assert float(ds["strength_t"].min()) >= 0.0


def test_out_zarr_matches_netcdf_and_replaces_atomically(scenario: Path, tmp_path: Path) -> None:
    pytest.importorskip("zarr")
    import xarray as xr

    args = ["simulate", str(scenario), "--runs", "20", "--seed", "3"]
    nc, zr = tmp_path / "traj.nc", tmp_path / "traj.zarr"
    for out in (nc, zr, zr):  # the second Zarr write replaces the first
        res = runner.invoke(make_app(), [*args, "--out", str(out)])
        assert res.exit_code == 0, res.output
    with xr.open_dataset(nc) as a, xr.open_zarr(zr) as b:
        assert b["strength_t"].shape == (20, 21, 2)
        assert (a["strength_t"].values == b["strength_t"].values).all()
        assert (a["losses_t"].values == b["losses_t"].values).all()
    # no temporary files are left; the hidden records say attrition wrote the outputs
    hidden = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    assert hidden == [".traj.nc.attrition", ".traj.zarr.attrition"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--method", "euler"], "unknown --method 'euler'; valid: binomial, ode, ssa, tau-leap"),
        (["--runs", "0"], "--runs 0: give a whole number 1 or larger"),
        (["--executor", "mpi"], "unknown --executor 'mpi'"),
        (["--out", "x.txt"], "--out x.txt: unknown extension .txt"),
        (["--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"], "no Dask scheduler answered"),
    ],
)
def test_bad_flags_exit_2_with_one_line(scenario: Path, args: list[str], message: str) -> None:
    res = runner.invoke(make_app(), ["simulate", str(scenario), *args])
    assert res.exit_code == 2
    assert message in res.output
    assert res.output.count("\n") == 1


def test_bad_file_exit_2(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(SCENARIO.replace('law = "square"', 'law = "cube"'), encoding="utf-8")
    res = runner.invoke(make_app(), ["simulate", str(p)])
    assert res.exit_code == 2
    assert f"error: {p}: [scenario] law: unknown law 'cube'" in res.output
    res = runner.invoke(make_app(), ["simulate", str(tmp_path / "none.toml")])
    assert res.exit_code == 2
    assert "scenario file not found" in res.output


@pytest.mark.parametrize("cmd", ["simulate", "sensitivity"])
def test_a_bakhmut_scenario_is_refused_with_the_command_to_use(cmd: str, tmp_path: Path) -> None:
    from attrition.battles.bakhmut.scenarios import library

    baseline = library()["baseline"]
    mine = tmp_path / "mine.toml"
    mine.write_text('[scenario]\nkind = "bakhmut"\nname = "m"\n', encoding="utf-8")
    for given, where in (("baseline", baseline), (str(baseline), baseline), (str(mine), mine)):
        res = runner.invoke(make_app(), [cmd, given])
        assert res.exit_code == 2, res.output
        assert res.output.count("\n") == 1
        assert res.output == (
            f"error: {where}: [scenario] kind = 'bakhmut': attrition {cmd} takes duel scenarios "
            f"only; run this one with: attrition scenario run {given}\n"
        )


def test_simulate_reads_the_kind(scenario: Path, tmp_path: Path) -> None:
    """kind = "duel" or no kind: the same run; an unknown kind is one line naming file and key."""
    with_kind = tmp_path / "k.toml"
    with_kind.write_text(
        SCENARIO.replace("[scenario]\n", '[scenario]\nkind = "duel"\n'), encoding="utf-8"
    )
    args = ["--json", "--runs", "50", "--seed", "3"]
    a = json.loads(runner.invoke(make_app(), ["simulate", str(scenario), *args]).output)
    b = json.loads(runner.invoke(make_app(), ["simulate", str(with_kind), *args]).output)
    a.pop("wall_seconds")
    b.pop("wall_seconds")
    assert a == b
    siege = tmp_path / "siege.toml"
    siege.write_text(SCENARIO.replace("[scenario]\n", '[scenario]\nkind = "siege"\n'), "utf-8")
    res = runner.invoke(make_app(), ["simulate", str(siege)])
    assert res.exit_code == 2
    assert res.output == (
        f"error: {siege}: [scenario] kind: unknown kind 'siege'; valid: bakhmut, duel\n"
    )


def test_sensitivity_command(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    args = ["sensitivity", str(scenario), "--method", "sobol", "--samples", "64", "--json"]
    res = runner.invoke(make_app(), [*args, "--engine", "ode", "--out", str(out)])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["inputs"] == ["red.effectiveness"]
    assert d["evaluations"] == 64 * 3
    # one input: its total index is 1 by construction
    st = [r for r in d["indices"] if r["index"] == "ST" and r["quantity"] == "final_blue"]
    assert st[0]["value"] == pytest.approx(1.0, abs=0.05)
    assert out.exists()
    res = runner.invoke(make_app(), ["sensitivity", str(scenario), "--method", "fast"])
    assert res.exit_code == 2
    assert "unknown --method 'fast'; valid: morris, sobol" in res.output


def test_help_texts() -> None:
    for cmd in ("simulate", "sensitivity"):
        res = runner.invoke(make_app(), [cmd, "--help"])
        assert res.exit_code == 0
        assert "--json" in res.output
