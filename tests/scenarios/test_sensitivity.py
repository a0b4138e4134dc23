"""Sobol and Morris indices against closed forms on a model with a known variance split."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from attrition.errors import UserError
from attrition.scenarios.sensitivity import analyse

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root: tests.baselines
from tests.baselines import producers as P

pytest.importorskip("SALib")

T, A, B = P.SA_DAYS, P.SA_RED_LOW, P.SA_RED_HIGH  # red effectiveness ~ U(A, B)
scenario = P.sensitivity_scenario


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
    """Each index within 0.05 of the closed form, and its bootstrap 95% interval not too
    narrow: the error is at most twice the half-width (for a normal estimator that fails with
    probability 1e-4 per index; the Sobol' points are quasi-random, so the bootstrap, which
    treats them as random, if anything overstates the error). The seeded values and
    half-widths equal the pinned baseline (too-wide intervals would move it)."""
    res = P.SOBOL.make()
    assert res.evaluations == 1024 * 5
    exact = exact_indices()
    t = res.table
    for name, (s1, st) in exact.items():
        got = t[(t["input"] == name)].set_index("index")
        for idx, want in (("S1", s1), ("ST", st)):
            value, lo, hi = got.loc[idx, ["value", "ci_low", "ci_high"]]
            assert value == pytest.approx(want, abs=0.05), (name, idx)
            assert abs(value - want) <= 2 * (hi - value) + 1e-12, (name, idx, lo, hi)
    # the interaction share is real: ST > S1 for both active inputs
    assert exact["blue.strength"][1] > exact["blue.strength"][0]
    P.check(P.SOBOL, P.SOBOL.summarise(res))


def _elementary_effects() -> dict[str, np.ndarray]:
    """Every value |EE| can take on the 4-level Morris grid (step Δ = 2/3), each equally likely.

    blue.strength: X = 500 + 1000·u, so EE = 1000·Z with Z = exp(−c·T) at one of the four
    levels of c. red.effectiveness: c steps between levels 0 and 2/3 or 1/3 and 1, so
    |EE| = X·|Z(c1) − Z(c2)| / Δ with X at one of its four levels."""
    levels = np.arange(4) / 3
    z = np.exp(-(A + (B - A) * levels) * T)
    x = 500 + 1000 * levels
    steps = np.abs(z[[0, 1]] - z[[2, 3]]) / (2 / 3)
    return {"blue.strength": 1000 * z, "red.effectiveness": np.outer(x, steps).ravel()}


def test_morris_against_the_elementary_effects_on_the_grid() -> None:
    """mu_star is a mean of |EE| over 32 trajectories: it lies between the smallest and largest
    value |EE| can take on the grid (a hard bound), and within 4 standard errors of their mean
    (false-failure rate 6e-5 per input for a normal mean); the inactive input has exactly
    zero effect. Seeded values equal the pinned baseline."""
    res = P.MORRIS.make()
    t = res.table[res.table["index"] == "mu_star"].set_index("input")["value"]
    assert t["blue.effectiveness"] == 0.0
    for name, ee in _elementary_effects().items():
        assert ee.min() * (1 - 1e-6) <= t[name] <= ee.max() * (1 + 1e-6), (name, t[name])
        assert abs(t[name] - ee.mean()) < 4 * ee.std() / np.sqrt(32), (name, t[name], ee.mean())
    P.check(P.MORRIS, P.MORRIS.summarise(res))


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
