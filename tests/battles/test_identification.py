"""The identification table and the effective number of parameters of the Bakhmut model
(:mod:`attrition.battles.bakhmut.identification`), on synthetic calibrations whose posterior
particles are built so that their quantiles and variances are known exactly (the oracle), and on
one small real calibration."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from attrition.battles import bakhmut as bk
from attrition.battles.bakhmut.calibration import Calibration, LawFit
from attrition.battles.bakhmut.identification import (
    IDENTIFIED_RATIO,
    Z90,
    combine_laws,
    effective_parameters,
    effective_parameters_frame,
    identification_table,
    table_records,
)
from attrition.battles.bakhmut.params import ParamSpec
from attrition.errors import UserError

GRID = np.linspace(-1.0, 1.0, 21)
"""21 equally spaced points: with linear interpolation their 5% and 95% quantiles are exactly
the 2nd and 20th points (−0.9 and 0.9), their variance (ddof=1) is 7.7/20 = 0.385."""
GRID_VAR = 0.385

SPECS: tuple[ParamSpec, ...] = (
    ParamSpec("a", "normal", 2.0, 0.5, "km", "a normal prior"),
    ParamSpec("b", "lognormal", math.log(100.0), 0.8, "soldiers", "a lognormal prior"),
    ParamSpec("c", "logitnormal", 0.0, 1.0, "share", "a logit-normal prior"),
    ParamSpec("d", "normal", 0.0, 1.0, "x", "its regime never started", ("phase", 9)),
)


def _calibration(
    half_widths: dict[str, float],
    log_lik: np.ndarray | None = None,
    *,
    specs: tuple[ParamSpec, ...] = SPECS,
    shift: float = 0.0,
    laws: tuple[str, ...] = ("square",),
) -> Calibration:
    """A calibration whose particles of parameter ``n`` are ``loc + scale (shift + h·GRID)``
    (``h = half_widths[n]``; only the names given are fitted)."""
    by = {p.name: p for p in specs}
    free = tuple(half_widths)
    z = np.stack([by[n].loc + by[n].scale * (shift + half_widths[n] * GRID) for n in free], axis=1)
    ll = np.zeros(GRID.size) if log_lik is None else log_lik
    fits = {lw: LawFit(lw, z, ll, -10.0, 5, 0.3, 100.0, GRID.size) for lw in laws}
    draws = {p.name: np.full(GRID.size, p.fixed_value) for p in specs}
    draws |= {n: np.asarray(by[n].value(z[:, j])) for j, n in enumerate(free)}
    return Calibration(
        law=laws[0],
        cutoff=None,
        schedule=None,  # type: ignore[arg-type]  # not read by the identification
        free=free,
        draws=draws,
        map_values={},
        laws=[{"law": lw, "log_evidence": -10.0} for lw in laws],
        observations=None,  # type: ignore[arg-type]
        seconds=0.0,
        seed=0,
        fits=fits,
        priors=specs,
    )


def test_ratio_and_widths_are_the_formulas() -> None:
    h = {"a": 0.5, "b": 0.25, "c": 1.5}
    tab = identification_table(_calibration(h)).set_index("parameter")
    # posterior z quantiles: loc ± 0.9 h scale; prior's: loc ± Z90 scale
    for name, p in ((s.name, s) for s in SPECS[:3]):
        row = tab.loc[name]
        assert row["ratio"] == pytest.approx(0.9 * h[name] / Z90, rel=1e-12)
        lo, hi = (float(p.value(p.loc + k * Z90 * p.scale)) for k in (-1, 1))
        q05, q95 = (float(p.value(p.loc + k * 0.9 * h[name] * p.scale)) for k in (-1, 1))
        assert row["prior_width"] == pytest.approx(hi - lo, rel=1e-12)
        assert row["width"] == pytest.approx(q95 - q05, rel=1e-12)
        assert row["ratio_natural"] == pytest.approx((q95 - q05) / (hi - lo), rel=1e-12)
        assert row["shrinkage"] == pytest.approx(1.0 - h[name] ** 2 * GRID_VAR, rel=1e-12)
        assert row["shift"] == pytest.approx(0.0, abs=1e-12)
        assert row["identified"] == (row["ratio"] <= IDENTIFIED_RATIO)
        assert row["action"] == "fitted"
    # a normal prior: the natural and the sampler's ratio agree
    assert tab.loc["a", "ratio_natural"] == pytest.approx(tab.loc["a", "ratio"], rel=1e-12)
    assert bool(tab.loc["a", "identified"])
    assert bool(tab.loc["b", "identified"])
    assert not bool(tab.loc["c", "identified"])  # 0.9 · 1.5 / Z90 = 0.82 > 0.75


def test_unfitted_parameter_has_no_posterior_numbers_and_says_why() -> None:
    row = identification_table(_calibration({"a": 0.5})).set_index("parameter").loc["d"]
    assert not row["fitted"]
    assert not row["identified"]
    assert math.isnan(row["ratio"])
    assert math.isnan(row["width"])
    assert row["action"].startswith("prior only")
    assert row["prior_width"] == pytest.approx(2 * Z90)


def test_a_shift_moves_the_natural_ratio_but_not_the_samplers() -> None:
    """A lognormal posterior as wide as a narrow one in z but moved up by one prior sd: same
    ``ratio``, a natural-scale ratio exp(0.8) times larger."""
    h = {"b": 0.5}
    still = identification_table(_calibration(h)).set_index("parameter").loc["b"]
    moved = identification_table(_calibration(h, shift=1.0)).set_index("parameter").loc["b"]
    assert moved["ratio"] == pytest.approx(still["ratio"], rel=1e-12)
    assert moved["ratio_natural"] == pytest.approx(still["ratio_natural"] * math.exp(0.8))
    assert moved["shift"] == pytest.approx(1.0, rel=1e-12)


def test_posterior_equal_to_prior_gives_ratio_one_and_is_flagged() -> None:
    rng = np.random.default_rng(3)
    p = SPECS[1]
    z = rng.normal(p.loc, p.scale, 20_000)
    cal = _calibration({"b": 0.5})
    cal.fits["square"] = replace(cal.fits["square"], draws_z=z[:, None])
    row = identification_table(cal).set_index("parameter").loc["b"]
    assert row["ratio"] == pytest.approx(1.0, abs=0.03)
    assert row["ratio_natural"] == pytest.approx(1.0, abs=0.05)
    assert row["shrinkage"] == pytest.approx(0.0, abs=0.03)
    assert not row["identified"]
    assert effective_parameters(cal)["p_shrink"] == pytest.approx(0.0, abs=0.03)


def test_effective_parameters_are_the_formulas() -> None:
    h = {"a": 0.5, "b": 0.25, "c": 1.5}
    ll = np.arange(GRID.size, dtype=float) * 0.5  # var (ddof=1) = 0.25 · 21·22/12 = 9.625
    eff = effective_parameters(_calibration(h, ll))
    assert eff["p_shrink"] == pytest.approx(sum(1.0 - v**2 * GRID_VAR for v in h.values()))
    assert eff["p_v"] == pytest.approx(2.0 * 0.25 * 21 * 22 / 12)
    assert eff["n_fitted"] == 3
    assert eff["n_parameters"] == 4
    ratios = [0.9 * v / Z90 for v in h.values()]
    assert eff["n_identified"] == sum(r <= IDENTIFIED_RATIO for r in ratios)


def test_without_the_smc_fit_draws_are_used_and_p_v_is_unknown() -> None:
    h = {"a": 0.5, "b": 0.25}
    full = _calibration(h)
    bare = replace(full, fits={})
    t_full = identification_table(full)
    t_bare = identification_table(bare)
    np.testing.assert_allclose(t_bare["ratio"], t_full["ratio"], rtol=1e-9)
    assert math.isnan(effective_parameters(bare)["p_v"])
    assert effective_parameters(bare)["p_shrink"] == pytest.approx(
        effective_parameters(full)["p_shrink"]
    )


def test_fixed_parameter_reads_fixed_at_its_prior_median() -> None:
    specs = (*SPECS[:3], replace(SPECS[3], regime=None, fixed="not identified"))
    row = identification_table(_calibration({"a": 0.5}, specs=specs)).set_index("parameter")
    assert row.loc["d", "action"] == "fixed at 0 x (prior median)"
    # a parameter marked fixed that the calibration fitted anyway says what was done
    cal = _calibration({"a": 0.5, "d": 0.5}, specs=specs)
    assert identification_table(cal).set_index("parameter").loc["d", "action"] == "fitted"


def test_every_law_and_an_unknown_one() -> None:
    cal = _calibration({"a": 0.5}, laws=("square", "linear"))
    frame = effective_parameters_frame(cal)
    assert list(frame["law"]) == ["square", "linear"]
    assert list(frame["chosen"]) == [True, False]
    assert (identification_table(cal, "linear")["law"] == "linear").all()
    with pytest.raises(UserError, match=r"law 'cubic'.*square, linear"):
        identification_table(cal, "cubic")


def test_table_is_strict_json() -> None:
    tab = identification_table(_calibration({"a": 0.5, "b": 0.25}))
    recs = table_records(tab)
    text = json.dumps(recs, allow_nan=False)

    def no_constant(token: str) -> Any:
        raise ValueError(token)

    back = json.loads(text, parse_constant=no_constant)
    d = next(r for r in back if r["parameter"] == "d")
    assert d["ratio"] is None
    assert d["fitted"] is False
    a = next(r for r in back if r["parameter"] == "a")
    assert a["identified"] is True
    assert isinstance(a["ratio"], float)
    assert set(a) == set(tab.columns)


def test_matches_the_calibrations_own_frame_on_a_real_calibration() -> None:
    """On a small real calibration the natural-scale ratio is ``to_frame``'s width ratio when
    both read the same draws (``fits`` dropped: the draws are used)."""
    ev = bk.synthetic_evidence(
        bk.BakhmutModel("square", bk.record_schedule()), bk.prior_values(), draws=60, seed=0
    )
    cal = bk.calibrate(
        ev, cutoff="2022-09-15", law="square", seed=2, particles=40, moves=1, draws=200
    )
    mine = identification_table(replace(cal, fits={})).set_index("parameter")
    theirs = cal.to_frame().set_index("parameter")
    fitted = list(cal.free)
    assert len(fitted) > 10
    np.testing.assert_allclose(
        mine.loc[fitted, "ratio_natural"], theirs.loc[fitted, "width_ratio"], rtol=1e-9
    )
    assert set(mine.index[mine["fitted"]]) == set(theirs.index[theirs["fitted"]])
    eff = effective_parameters(cal)
    assert eff["n_fitted"] == len(cal.free)
    assert math.isfinite(eff["p_v"])
    assert eff["p_v"] >= 0
    assert -len(cal.free) < eff["p_shrink"] <= len(cal.free)


# --- the report section and the docs generator -------------------------------------------------


def test_report_section_and_its_summary_are_strict_json() -> None:
    from attrition.report.identification import identification_section

    cal = _calibration({"a": 0.5, "b": 0.25, "c": 1.5}, np.arange(21.0), laws=("square", "linear"))
    sec, summary = identification_section(cal)
    assert sec.id == "identification"
    text = json.dumps(summary, allow_nan=False)
    assert json.loads(text)["effective"][0]["law"] == "square"
    assert "ratio linear" in sec.html
    assert "<td>c</td>" in sec.html


def _docs_generator() -> Any:
    import importlib
    import sys
    from pathlib import Path

    tools = Path(__file__).resolve().parents[2] / "tools" / "docs_figures"
    if str(tools) not in sys.path:
        sys.path.insert(0, str(tools))
    return importlib.import_module("identification")


def test_docs_generator_writes_only_its_own_blocks() -> None:
    gen = _docs_generator()
    fig = {"value": 0.0, "mc_error": 0.01, "how": "x", "part": "table"}
    figures = {"ident.law": {**fig, "value": "square", "mc_error": None}}
    for law, r in (("square", 0.5), ("linear", 0.8)):
        figures[f"ident.{law}.a.ratio"] = {**fig, "value": r}
        figures[f"ident.{law}.p_shrink"] = {**fig, "value": 0.75}
        figures[f"ident.{law}.p_v"] = {**fig, "value": 1.5}
    figures["ident.square.a.q05"] = {**fig, "value": 1.5}
    figures["ident.square.a.q95"] = {**fig, "value": 2.5}
    params = [
        {"parameter": "a", "unit": "km", "prior_q05": 1.0, "prior_q95": 3.0, "fitted": True,
         "fixed": "", "fixed_value": 2.0},
        {"parameter": "d", "unit": "x", "prior_q05": -1.6, "prior_q95": 1.6, "fitted": False,
         "fixed": "not identified", "fixed_value": 0.0},
    ]  # fmt: skip
    sidecar = {
        "quick": False,
        "settings": {"law": "auto", "seed": 1, "particles": 600, "moves": 6},
        "figures": figures,
        "context": {
            "identification": {
                "laws": ["square", "linear"],
                "threshold": IDENTIFIED_RATIO,
                "parameters": params,
            }
        },
    }
    doc = (
        "<!-- bm-x:begin -->\nkept\n<!-- bm-x:end -->\n"
        "<!-- identification-summary:begin -->\nold\n<!-- identification-summary:end -->\n"
        "<!-- identification-table:begin -->\nold\n<!-- identification-table:end -->\n"
    )
    out = gen.render(doc, sidecar)
    assert "<!-- bm-x:begin -->\nkept\n<!-- bm-x:end -->" in out
    assert "| `a` | km | 1 – 3 | 1.5 – 2.5 | 0.50 | **0.80** | fitted |" in out
    assert "| `d` | x | −1.6 – 1.6 | – | – | – | fixed at 0 (prior median) |" in out
    assert "Fixed (not fitted): `d` (not identified)." in out
    assert "square (chosen): 1 of 1 identified" in out
    assert "linear: 0 of 1 identified" in out
    assert "Above the threshold under every law: none" in out
    assert gen.render(out, sidecar) == out
    own = gen.own_blocks(out)
    assert set(own) == set(gen.BLOCKS)
    with pytest.raises(ValueError, match="blocks without a marker"):
        gen.render("no blocks\n", sidecar)


def test_combine_laws_keeps_every_laws_fit_and_the_chosen_draws() -> None:
    sq = _calibration({"a": 0.5}, laws=("square",))
    lin = _calibration({"a": 0.25}, laws=("linear",))
    both = combine_laws({"square": sq, "linear": lin}, "linear")
    assert both.law == "linear"
    assert list(both.fits) == ["square", "linear"]
    assert both.draws is lin.draws
    r = {lw: identification_table(both, lw).set_index("parameter").loc["a", "ratio"]
         for lw in ("square", "linear")}  # fmt: skip
    assert r["square"] == pytest.approx(0.9 * 0.5 / Z90)
    assert r["linear"] == pytest.approx(0.9 * 0.25 / Z90)
    with pytest.raises(UserError, match="law 'cubic'"):
        combine_laws({"square": sq}, "cubic")
    other = _calibration({"a": 0.5, "b": 0.5}, laws=("linear",))
    with pytest.raises(UserError, match="other parameters"):
        combine_laws({"square": sq, "linear": other}, "square")


def test_fixed_parameters_are_held_at_their_prior_median() -> None:
    """With calibration._free_specs honouring ParamSpec.fixed: a fixed parameter is not
    fitted, every draw is its prior median and the table says so."""
    fixed = [p for p in bk.PARAMS if p.fixed]
    assert fixed, "params.FIXED is empty"
    ev = bk.synthetic_evidence(
        bk.BakhmutModel("square", bk.record_schedule()), bk.prior_values(), draws=60, seed=0
    )
    cal = bk.calibrate(ev, cutoff="2022-10-31", law="square", seed=2, particles=40, moves=1)
    tab = identification_table(cal).set_index("parameter")
    for p in fixed:
        assert p.name not in cal.free
        assert np.all(cal.draws[p.name] == p.fixed_value)
        assert tab.loc[p.name, "action"].startswith(f"fixed at {p.fixed_value:.4g}")
    assert effective_parameters(cal)["n_fitted"] == len(cal.free)
