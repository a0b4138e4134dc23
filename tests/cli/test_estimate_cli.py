"""Tests of ``attrition estimate`` and ``attrition validate estimate``.

The estimate runs on the toy battle (attrition.infer.validate.toy_battle) written as a claims
CSV, with small draws; errors must exit with status 2 and write nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

pytest.importorskip("numpyro")

from attrition.cli import _Group
from attrition.cli import estimate as estimate_cli
from attrition.data.claims import claims_to_csv
from attrition.data.schema import CLAIM_COLUMNS
from attrition.infer.diagnostics import ConvergenceWarning
from attrition.infer.validate import toy_battle

runner = CliRunner()
SMALL = ["--draws", "200", "--chains", "2"]


def make_app() -> typer.Typer:
    app = typer.Typer(cls=_Group, add_completion=False, rich_markup_mode=None)

    @app.callback()
    def _root() -> None:
        """Test app."""

    estimate_cli.register(app)
    return app


def _toy_claims() -> Any:
    """The toy battle's claims in the claims schema (columns it lacks, e.g. source, empty)."""
    return toy_battle().claims.reindex(columns=list(CLAIM_COLUMNS), fill_value="")


@pytest.fixture(scope="module")
def claims_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("toy") / "claims.csv"
    path.write_text(claims_to_csv(_toy_claims()), encoding="utf-8")
    return path


def run(*args: str) -> Any:
    return runner.invoke(make_app(), list(args))


def test_help_texts() -> None:
    for args in (
        ["estimate", "--help"],
        ["validate", "--help"],
        ["validate", "estimate", "--help"],
    ):
        res = run(*args)
        assert res.exit_code == 0, res.output
    assert "--cutoff" in run("estimate", "--help").output
    assert "--replicates" in run("validate", "estimate", "--help").output


def test_estimate_json_is_reproducible_and_writes_out(claims_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "est"
    # 2 x 200 draws give an effective sample size under 400: the CLI says so
    with pytest.warns(ConvergenceWarning, match="effective sample size"):
        first = run("estimate", "--claims", str(claims_file), *SMALL, "--json", "--out", str(out))
    assert first.exit_code == 0, first.output
    with pytest.warns(ConvergenceWarning):
        second = run("estimate", "--claims", str(claims_file), *SMALL, "--json")
    assert second.stdout == first.stdout  # same seed, same bytes
    s = json.loads(first.stdout)  # stdout is the JSON alone; the progress is on stderr
    steps = [ln for ln in first.stderr.splitlines() if ln.startswith("estimate claims file: [")]
    assert [ln.split("] ")[0] for ln in steps if " took " in ln] == [
        "estimate claims file: [1/3",
        "estimate claims file: [2/3",
        "estimate claims file: [3/3",
    ], first.stderr
    assert set(s) >= {"window", "sides", "exchange_ratio", "claimants", "diagnostics"}
    assert set(s) >= {"seed", "n_claims"}
    assert s["window"]["start"] == "2024-01-01"
    assert s["n_claims"] == 15
    ru = s["sides"]["RU"]["casualties"]
    assert ru["q05"] <= 2800 <= ru["q95"]  # the toy battle's truth
    for name in ("summary.json", "claims.csv", "daily.csv", "bias.csv", "posterior.nc"):
        assert (out / name).is_file()
    assert json.loads((out / "summary.json").read_text()) == s
    daily = (out / "daily.csv").read_text().splitlines()
    assert daily[0] == "date,side,median,q05,q95"
    assert len(daily) == 1 + 2 * 28
    # the posterior as ArviZ InferenceData: its totals are the summary's
    import arviz as az
    import numpy as np

    idata = az.from_netcdf(out / "posterior.nc")
    # the default (joint) model's totals have a scope: city (the battle) and front
    ru_draws = idata.posterior["casualties"].sel(scope="city", subject="RU").values.reshape(-1)
    assert np.median(ru_draws) == pytest.approx(ru["median"], rel=1e-3)
    assert idata.posterior.attrs["seed"] == s["seed"]
    assert "diverging" in idata.sample_stats


def test_estimate_text_report(claims_file: Path) -> None:
    args = ["--claims", str(claims_file), *SMALL, "--window", "2024-01-01", "2024-01-28"]
    with pytest.warns(ConvergenceWarning):
        res = run("estimate", *args)
    assert res.exit_code == 0, res.output
    assert "not facts" in res.output
    assert "Exchange ratio" in res.output
    assert "Implausible claims" in res.output
    assert "r2" in res.output
    assert "UA official" in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--streams", "genstaff,foo"], "unknown stream 'foo'"),
        (["--cutoff", "2020-01-01"], "--cutoff 2020-01-01: outside the battle window"),
        (["--cutoff", "yesterday"], "not a date"),
        (["--window", "2024-02-01", "2024-01-01"], "the end is before the start"),
        (["--claims", "missing.csv"], "no such file"),
    ],
)
def test_estimate_errors_exit_2_and_write_nothing(
    args: list[str], message: str, claims_file: Path, tmp_path: Path
) -> None:
    base = [] if "--claims" in args else ["--claims", str(claims_file)]
    out = tmp_path / "out"
    res = run("estimate", *base, *args, "--out", str(out))
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_estimate_empty_and_all_censored_files(tmp_path: Path) -> None:
    claims = _toy_claims()
    empty = tmp_path / "empty.csv"
    empty.write_text(claims_to_csv(claims.iloc[0:0]), encoding="utf-8")
    res = run("estimate", "--claims", str(empty))
    assert res.exit_code == 2
    assert "no rows" in res.output
    censored = tmp_path / "censored.csv"
    censored.write_text(
        claims_to_csv(claims[claims["id"].isin(["a2", "r3", "u6"])]), encoding="utf-8"
    )
    res = run("estimate", "--claims", str(censored))
    assert res.exit_code == 2
    assert "censored" in res.output


def _fake_study(replicates: int, seed: int, *, battle: str | None = "bakhmut") -> dict[str, Any]:
    cov = [
        {"generator": "model", "quantity": "RU casualties", "n": replicates, "covered": 9,
         "coverage": 0.9, "band_lo": 0.8, "band_hi": 1.0, "median_abs_log_error": 0.2},
        {"generator": "different", "quantity": "exchange ratio", "n": replicates, "covered": 7,
         "coverage": 0.7, "band_lo": 0.8, "band_hi": 1.0, "median_abs_log_error": 0.3},
    ]  # fmt: skip
    loco = [
        {"claimant": "NATO", "claimant_side": "WEST", "n_claims": 3, "inside_90": 1 / 3,
         "median_factor": 3.2, "RU_casualties": 1.2e5, "UA_casualties": 6e4,
         "exchange_ratio": 2.0},
    ]  # fmt: skip
    sens = [
        {"variant": "default", "RU_median": 1.5e5, "RU_q05": 1e5, "RU_q95": 2e5,
         "UA_median": 5e4, "UA_q05": 3e4, "UA_q95": 9e4, "ratio_median": 2.8,
         "ratio_q05": 1.6, "ratio_q95": 5.0, "r_hat_max": 1.004, "divergences": 0},
    ]  # fmt: skip
    bakhmut = battle is not None
    return {
        "seed": seed,
        "replicates_per_generator": replicates,
        "coverage": cov,
        "replicates": [],
        "leave_one_claimant_out": loco if bakhmut else [],
        "prior_sensitivity": sens if bakhmut else [],
    }


def test_validate_estimate_prints_the_study(monkeypatch: pytest.MonkeyPatch) -> None:
    from attrition.infer import validate

    calls: list[tuple[int, int, str | None]] = []

    def fake(replicates: int, seed: int, *, battle: str | None = "bakhmut") -> dict[str, Any]:
        calls.append((replicates, seed, battle))
        return _fake_study(replicates, seed, battle=battle)

    monkeypatch.setattr(validate, "validation_study", fake)
    res = run("validate", "estimate", "--replicates", "10", "--seed", "3")
    assert res.exit_code == 0, res.output
    assert calls == [(10, 3, "bakhmut")]
    lines = res.output.splitlines()
    assert any("model" in x and "90.0%" in x and "within bar" in x for x in lines)
    assert any("different" in x and "70.0%" in x and "OUTSIDE BAR" in x for x in lines)
    assert "Leave-one-claimant-out" in res.output
    assert "NATO" in res.output
    assert "Prior sensitivity" in res.output
    res = run("validate", "estimate", "--replicates", "2", "--synthetic-only", "--json")
    assert res.exit_code == 0, res.output
    assert calls[-1] == (2, 0, None)
    assert json.loads(res.output) == _fake_study(2, 0, battle=None)
    assert run("validate", "estimate", "--replicates", "0").exit_code == 2
