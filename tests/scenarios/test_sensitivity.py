"""Sobol and Morris indices against closed forms on a model with a known variance split."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from attrition.errors import UserError
from attrition.scenarios.sensitivity import analyse
from attrition.scenarios.spec import Scenario, parse_scenario

pytest.importorskip("SALib")

T = 20
A, B = 0.01, 0.05  # red effectiveness ~ U(A, B)


def scenario(uncertain: bool = True) -> Scenario:
    data: dict[str, Any] = {
        "scenario": {"name": "log", "law": "logarithmic", "days": T},
        "sides": {
            "blue": {"strength": 1000, "effectiveness": 0.02},
            "red": {"strength": 800, "effectiveness": 0.03},
        },
        "run": {"method": "ode", "seed": 3},
        "outputs": {"quantities": ["final_blue"]},
    }
    if uncertain:
        data["uncertain"] = {
            "blue": {
                "strength": {"dist": "uniform", "low": 500, "high": 1500},
                "effectiveness": {"dist": "uniform", "low": 0.01, "high": 0.03},
            },
            "red": {"effectiveness": {"dist": "uniform", "low": A, "high": B}},
        }
    return parse_scenario(data, "log.toml")


def exact_indices() -> dict[str, tuple[float, float]]:
    """Logarithmic law: final blue = X·Z with X = B0 ~ U(500, 1500), Z = exp(−c·T),
    c ~ U(A, B); blue's own effectiveness does not enter. Returns {input: (S1, ST)}."""
    ex, vx = 1000.0, 1000.0**2 / 12
    ez = (np.exp(-A * T) - np.exp(-B * T)) / (T * (B - A))
    ez2 = (np.exp(-2 * A * T) - np.exp(-2 * B * T)) / (2 * T * (B - A))
    vz = ez2 - ez**2
    var = (vx + ex**2) * ez2 - (ex * ez) ** 2
    s_x, s_c = vx * ez**2 / var, ex**2 * vz / var
    return {
        "blue.strength": (s_x, 1 - s_c),
        "red.effectiveness": (s_c, 1 - s_x),
        "blue.effectiveness": (0.0, 0.0),
    }


def test_sobol_indices_match_the_closed_form() -> None:
    res = analyse(scenario(), method="sobol", samples=1024)
    assert res.evaluations == 1024 * 5
    exact = exact_indices()
    t = res.table
    for name, (s1, st) in exact.items():
        got = t[(t["input"] == name)].set_index("index")
        assert got.loc["S1", "value"] == pytest.approx(s1, abs=0.05), name
        assert got.loc["ST", "value"] == pytest.approx(st, abs=0.05), name
        assert got.loc["ST", "ci_low"] <= got.loc["ST", "value"] <= got.loc["ST", "ci_high"]
    # the interaction share is real: ST > S1 for both active inputs
    assert exact["blue.strength"][1] > exact["blue.strength"][0]


def test_morris_screens_out_the_inactive_input() -> None:
    res = analyse(scenario(), method="morris", samples=32)
    t = res.table[res.table["index"] == "mu_star"].set_index("input")["value"]
    assert t["blue.effectiveness"] == 0.0
    assert t["blue.strength"] > 100
    assert t["red.effectiveness"] > 100


def test_outputs_and_errors(tmp_path: Path) -> None:
    res = analyse(scenario(), method="sobol", samples=64)
    for name in ("t.csv", "t.html", "t.png", "t.json"):
        res.write(str(tmp_path / name))
        assert (tmp_path / name).stat().st_size > 100
    assert "S1" in (tmp_path / "t.csv").read_text(encoding="utf-8")
    d = res.to_dict()
    assert d["method"] == "sobol"
    assert {r["index"] for r in d["indices"]} == {"S1", "ST"}
    with pytest.raises(UserError, match=r"unknown extension \.txt"):
        res.write(str(tmp_path / "t.txt"))
    with pytest.raises(UserError, match=r"log.toml: sensitivity needs at least one \[uncertain\]"):
        analyse(scenario(uncertain=False))
    with pytest.raises(UserError, match="unknown sensitivity method 'fast'"):
        analyse(scenario(), method="fast")
