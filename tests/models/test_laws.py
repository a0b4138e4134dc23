"""Oracles for the attrition laws: closed forms, conserved quantities, properties."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attrition.errors import UserError
from attrition.models import LanchesterModel, Schedule, StopRule, get_law
from attrition.simulate import solve

CASES = [
    ("square", (0.012, 0.010), (1000.0, 800.0)),
    ("square", (0.05, 0.002), (300.0, 2000.0)),
    ("linear", (1.2e-5, 1.0e-5), (1000.0, 800.0)),
    ("linear", (2.0e-5, 2.5e-5), (1000.0, 800.0)),  # b·B0 = r·R0: the C = 0 branch
    ("logarithmic", (0.02, 0.03), (1000.0, 800.0)),
]


@pytest.mark.parametrize(("law", "coef", "y0"), CASES)
def test_numerical_solution_matches_closed_form(law: str, coef: tuple[float, float], y0) -> None:
    model = LanchesterModel(get_law(law), coef)
    traj = solve(model, y0, 30.0)
    exact = model.closed_form(y0, traj.t)
    rel = np.abs(traj.strength - exact) / np.maximum(np.abs(exact), 1.0)
    assert rel.max() < 1e-8


def test_square_closed_form_by_hand() -> None:
    # b = r = 0.01, B0 = R0: both sides decay as B0·e^{−0.01 t}
    model = LanchesterModel(get_law("square"), (0.01, 0.01))
    y = model.closed_form((500.0, 500.0), [0.0, 10.0])
    np.testing.assert_allclose(y[1], 500.0 * np.exp(-0.1) * np.ones(2), rtol=1e-14)


@pytest.mark.parametrize(
    ("law", "opts"),
    [
        ("square", {}),
        ("linear", {}),
        ("logarithmic", {}),
        ("mixed", {"aimed": 0}),
        ("mixed", {"aimed": 1}),
        ("power", {"p": 0.7, "q": 0.4}),
        ("power", {"p": 0.3, "q": 1.3}),  # p − q = −1: logarithmic-type invariant
    ],
)
def test_invariant_is_conserved(law: str, opts: dict[str, float]) -> None:
    coef = (0.01, 0.008) if law in ("square", "logarithmic") else (2e-4, 1.5e-4)
    if law == "linear":
        coef = (1e-5, 1.2e-5)
    model = LanchesterModel(get_law(law, **opts), coef)
    traj = solve(model, (1000.0, 900.0), 20.0)
    inv = model.invariant(traj.strength)
    assert np.ptp(inv) <= 1e-8 * max(1.0, float(np.abs(inv).max()))
    assert traj.strength[-1, 0] < 1000.0  # something happened


def test_square_law_state_equation_predicts_winner() -> None:
    # b·B0² > r·R0² ⇒ blue wins; red's annihilation time matches the closed form
    b, r, b0, r0 = 0.012, 0.010, 1000.0, 800.0
    model = LanchesterModel(get_law("square"), (b, r))
    traj = solve(model, (b0, r0), 400.0)
    assert traj.stop_reason == "annihilation:red"
    t_star = np.arctanh(r0 * np.sqrt(r / b) / b0) / np.sqrt(b * r)
    assert traj.stop_time == pytest.approx(t_star, rel=1e-8)
    assert traj.final["blue"] == pytest.approx(np.sqrt(b0**2 - r / b * r0**2), rel=1e-8)


def test_breakpoint_and_end_rules() -> None:
    model = LanchesterModel(get_law("square"), (0.012, 0.010))
    traj = solve(model, (1000.0, 800.0), 400.0, stop=StopRule(breakpoint=(None, 0.5)))
    assert traj.stop_reason == "breakpoint:red"
    assert traj.final["red"] == pytest.approx(400.0, rel=1e-8)
    short = solve(model, (1000.0, 800.0), 5.0)
    assert short.stop_reason == "end"
    assert short.t[-1] == 5.0


def test_reinforcement_rate_and_impulse_add_up() -> None:
    # no fighting (zero coefficients): strength = initial + reinforcements
    sched = Schedule.from_mapping(impulses={1: {3.0: 100.0}}, rates=[(0, 2.0, 4.0, 50.0)])
    model = LanchesterModel(get_law("square"), (0.0, 0.0), schedule=sched)
    traj = solve(model, (10.0, 20.0), 6.0)
    np.testing.assert_allclose(traj.strength[:, 0], [10, 10, 10, 60, 110, 110, 110], atol=1e-9)
    np.testing.assert_allclose(traj.strength[:, 1], [20, 20, 20, 120, 120, 120, 120], atol=1e-9)


def test_withdrawal_larger_than_the_force_takes_what_is_there() -> None:
    """Blue withdraws 5,000 at t = 2 but has ~984 left: it drops to exactly zero (not below),
    the withdrawn men are not combat losses, red is untouched from then on, and the default
    stop rule ends the battle at t = 2. Before t = 2 both sides follow the closed form."""
    sched = Schedule.from_mapping(impulses={0: {2.0: -5000.0}})
    model = LanchesterModel(get_law("square"), (0.01, 0.01), schedule=sched)
    traj = solve(model, (1000.0, 800.0), 5.0)
    free = LanchesterModel(get_law("square"), (0.01, 0.01)).closed_form((1000.0, 800.0), [0, 1, 2])
    assert (traj.stop_reason, traj.stop_time) == ("annihilation:blue", 2.0)
    np.testing.assert_allclose(traj.strength[:2], free[:2], rtol=1e-8)
    assert traj.strength[-1, 0] == 0.0
    assert traj.strength[-1, 1] == pytest.approx(free[2, 1], rel=1e-8)
    np.testing.assert_allclose(traj.losses[-1], [1000.0, 800.0] - free[2], rtol=1e-7)
    on = solve(model, (1000.0, 800.0), 5.0, stop=StopRule(annihilation=False))
    np.testing.assert_array_equal(on.strength[2:], np.tile(traj.strength[-1], (4, 1)))
    np.testing.assert_array_equal(on.losses[2:], np.tile(traj.losses[-1], (4, 1)))


@pytest.mark.parametrize(
    ("law", "opts", "coef", "terms"),
    [
        ("square", {}, (0.012, 0.010), lambda b, r, x, y: (b * x**2, r * y**2)),
        ("linear", {}, (1.2e-5, 1.0e-5), lambda b, r, x, y: (b * x, r * y)),
        ("logarithmic", {}, (0.02, 0.03), lambda b, r, x, y: (b * np.log(x), r * np.log(y))),
        # Deitchman: blue's fire aimed (dR/dt = −b·B), red's area fire (dB/dt = −r·R·B)
        ("mixed", {"aimed": 0}, (0.012, 1.0e-5), lambda b, r, x, y: (b * x, r * y**2 / 2)),
    ],
)  # fmt: skip
def test_hand_written_invariants_are_conserved(
    law: str, opts: dict[str, int], coef: tuple[float, float], terms: Any
) -> None:
    """The textbook invariants, written out here rather than taken from
    :meth:`LanchesterModel.invariant`: blue's term minus red's term is constant along the
    numerical solution (to 1e-8 of the terms' size) while red loses more than 10%."""
    model = LanchesterModel(get_law(law, **opts), coef)
    traj = solve(model, (1000.0, 800.0), 20.0)
    blue, red = terms(*coef, traj.strength[:, 0], traj.strength[:, 1])
    assert np.ptp(blue - red) <= 1e-8 * max(abs(blue[0]), abs(red[0]))
    assert traj.strength[-1, 1] < 0.9 * 800.0  # enough movement to break a wrong invariant


def test_losses_match_strength_drop_without_reinforcement() -> None:
    model = LanchesterModel(get_law("linear"), (1e-5, 1.2e-5))
    traj = solve(model, (1000.0, 900.0), 20.0)
    np.testing.assert_allclose(traj.strength + traj.losses, [[1000.0, 900.0]] * len(traj.t))


@settings(max_examples=40, deadline=None)
@given(
    law=st.sampled_from(["square", "linear", "logarithmic", "mixed", "power"]),
    b0=st.floats(1.0, 5000.0),
    r0=st.floats(1.0, 5000.0),
    cb=st.floats(1e-4, 0.05),
    cr=st.floats(1e-4, 0.05),
)
def test_properties_nonnegative_monotone_and_symmetric(law, b0, r0, cb, cr) -> None:
    scale = 1.0 / max(b0, r0) if law in ("linear", "mixed", "power") else 1.0
    model = LanchesterModel(get_law(law, p=0.8, q=0.5), (cb * scale, cr * scale))
    traj = solve(model, (b0, r0), 60.0)
    assert traj.strength.min() >= 0.0
    assert np.all(np.diff(traj.strength, axis=0) <= 1e-9 * max(b0, r0))
    swapped = solve(model.swapped(), (r0, b0), 60.0)
    np.testing.assert_allclose(swapped.strength[:, ::-1], traj.strength, rtol=1e-7, atol=1e-6)
    assert swapped.stop_time == pytest.approx(traj.stop_time, rel=1e-7)


def test_validation_errors_say_the_fix() -> None:
    with pytest.raises(UserError, match="unknown law 'cube'; valid: linear, logarithmic"):
        get_law("cube")
    with pytest.raises(UserError, match="coefficients must be two finite numbers >= 0"):
        LanchesterModel(get_law("square"), (-1.0, 0.1))
    with pytest.raises(UserError, match="initial strengths"):
        solve(LanchesterModel(get_law("square"), (0.1, 0.1)), (-5.0, 3.0), 10.0)
    with pytest.raises(UserError, match="empty or starts before day 0"):
        Schedule.from_mapping(rates=[(0, 5.0, 2.0, 10.0)])
    with pytest.raises(UserError, match="no closed form"):
        LanchesterModel(get_law("mixed"), (0.1, 0.1)).closed_form((1, 1), [0.0])
    with pytest.raises(UserError, match="must name exactly the sides"):
        LanchesterModel.build("square", {"us": 0.1, "jp": 0.2}, sides=("us", "japan"))


def test_vector_field_runs_on_jax() -> None:
    jnp = pytest.importorskip("jax.numpy")
    model = LanchesterModel(get_law("power", p=0.8, q=0.5), (0.01, 0.02))
    y = np.array([[100.0, 50.0], [10.0, 0.0]])
    np.testing.assert_allclose(np.asarray(model.rates(jnp.asarray(y))), model.rates(y), rtol=1e-6)
