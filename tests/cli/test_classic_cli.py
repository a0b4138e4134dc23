"""The classic-data commands as a user runs them: JSON keys, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from attrition.cli import app

runner = CliRunner()


def _json(args: list[str]) -> dict:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_fit_engel_json_keys_and_values() -> None:
    out = _json(["fit", "iwo-jima", "--model", "square", "--method", "engel", "--json"])
    assert {"dataset", "model", "method", "days", "coefficients", "ci"} <= set(out)
    assert out["coefficients"]["us"] == pytest.approx(0.0106, rel=0.04)
    assert out["coefficients"]["japan"] == pytest.approx(0.0544, rel=0.04)


def test_fit_ratio_regression_json_keys() -> None:
    out = _json(
        ["fit", "ardennes", "--method", "ratio-regression", "--days", "11-32",
         "--force", "total", "--series", "reformatted", "--air-weight", "30", "--json"]
    )  # fmt: skip
    assert {"alpha", "beta", "r2", "n_days"} <= set(out)
    assert out["n_days"] == 22
    assert out["days"] == [11, 32]


def test_fit_least_squares_has_ci_per_side() -> None:
    out = _json(["fit", "ardennes", "--model", "linear", "--method", "least-squares", "--json"])
    assert set(out["coefficients"]) == {"allied", "german"}
    for side in ("allied", "german"):
        lo, hi = out["ci"][side]
        assert lo <= out["coefficients"][side] <= hi


def test_fit_mle_on_iwo_jima_uses_trajectory() -> None:
    args = ["fit", "iwo-jima", "--method", "mle", "--dist", "poisson", "--json"]
    out = _json([*args, "--correct-typo"])
    assert out["mode"] == "trajectory"
    assert set(out["coefficients"]) == {"us", "japan"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fit", "nowhere"], "unknown dataset 'nowhere'; valid: ardennes, cdb90, iwo-jima"),
        (["fit", "ardennes", "--model", "cube"], "unknown law 'cube'; valid: linear"),
        (["fit", "ardennes", "--method", "guess"], "unknown method 'guess'; valid: engel"),
        (["fit", "ardennes", "--days", "5-99"], "days 5-99 are outside the data (days 1-32)"),
        (["fit", "ardennes", "--force", "air"], "unknown --force 'air'; valid: combat, total"),
        (["fit", "iwo-jima", "--force", "total"], "--force apply to ardennes only"),
        (["fit", "ardennes", "--method", "engel"], "engel method estimates the square law"),
        (["fit", "ardennes", "--method", "ratio-regression", "--days", "0-3"], "outside the data"),
        (["fit", "cdb90"], "has no daily two-sided series"),
        (["fit", "iwo-jima", "--method", "mle"], "day 20: us daily loss is -516"),
        (["datasets", "show", "verdun"], "unknown dataset 'verdun'"),
    ],
)
def test_user_errors_are_one_line_exit_2(args: list[str], message: str) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert message in res.stderr
    assert res.stderr.count("\n") == 1
    assert "Traceback" not in res.output


def test_datasets_list_and_show() -> None:
    rows = json.loads(runner.invoke(app, ["datasets", "--json"]).stdout)
    assert {r["name"] for r in rows} == {"iwo-jima", "ardennes", "cdb90", "rubio-campillo"}
    shown = runner.invoke(app, ["datasets", "show", "cdb90"])
    assert shown.exit_code == 0
    assert "660" in shown.stdout


def test_compare_lists_every_law() -> None:
    rows = json.loads(runner.invoke(app, ["compare", "ardennes", "--json"]).stdout)
    assert len(rows) == 6
    assert rows[0]["delta_aic"] == 0.0


def test_console_script_help_and_error_without_traceback() -> None:
    cmd = [sys.executable, "-c", "from attrition.cli import main; main()"]
    ok = subprocess.run([*cmd, "--help"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0
    assert "fit" in ok.stdout
    bad = subprocess.run([*cmd, "fit", "ardennes", "--method", "nope"], capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: unknown method 'nope'")
    assert "Traceback" not in bad.stderr


def test_every_command_has_help_text() -> None:
    import typer.main

    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():  # type: ignore[attr-defined]
        assert cmd.help or cmd.short_help, f"command {name} has no help text"
