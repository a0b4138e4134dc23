"""The Bakhmut system model: geometry, vector field, engines, schedules (oracles and invariants)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from attrition.battles import bakhmut as bk
from attrition.errors import UserError


def _params(n: int = 8, seed: int = 1, spread: float = 0.5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {p.name: np.asarray(p.value(rng.normal(p.loc, p.scale * spread, n))) for p in bk.PARAMS}


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(np.radians, (*a, *b))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return float(2 * 6371.0 * np.arcsin(np.sqrt(h)))


# --- geometry ---------------------------------------------------------------------------------


def test_ring_distances_match_great_circle() -> None:
    geo = bk.geography()
    chasiv, bakhmut, soledar = (48.59348, 37.85724), (48.59472, 38.00083), (48.67935, 38.08902)
    assert geo.city_distance == pytest.approx(_haversine_km(chasiv, bakhmut), rel=0.01)
    assert geo.soledar_distance == pytest.approx(_haversine_km(chasiv, soledar), rel=0.01)
    assert geo.arm["Soledar"] == "N"
    assert geo.arm["Klishchiivka"] == "S"
    assert geo.arm["Bakhmut"] == "E"


def test_city_fraction_is_the_lens_area_monte_carlo() -> None:
    geo = bk.geography()
    rng = np.random.default_rng(0)
    n = 400_000
    r = geo.city_radius * np.sqrt(rng.random(n))
    t = 2 * np.pi * rng.random(n)
    x, y = geo.city_distance + r * np.cos(t), r * np.sin(t)
    for radius in (8.0, 10.0, 10.6, 12.5):
        mc = float(np.mean(np.hypot(x, y) > radius))
        assert float(bk.city_fraction(radius, bk.geography())) == pytest.approx(mc, abs=0.005)
    assert float(bk.city_fraction(geo.r_out + 0.01, bk.geography())) == 0.0
    assert float(bk.city_fraction(geo.r_in - 0.01, bk.geography())) == 1.0
    # ISW: 1.89 km^2 of the city = 4.54 %
    assert pytest.approx(1.89 / 0.0454, rel=0.01) == bk.CITY_AREA_KM2


@pytest.mark.parametrize("f", [0.05, 0.5, 0.9546, 0.97])
def test_radius_for_fraction_inverts_city_fraction(f: float) -> None:
    assert float(
        bk.city_fraction(bk.radius_for_fraction(f, bk.geography()), bk.geography())
    ) == pytest.approx(f, abs=1e-3)


# --- vector field and engines ---------------------------------------------------------------


@pytest.mark.parametrize("law", bk.BAKHMUT_LAWS)
def test_compiled_kernel_equals_its_interpreted_source(law: str) -> None:
    """The equations are written once (``model.field``, inlined into the kernel); the compiled
    kernel and the same source run by the interpreter agree (a check on the compiler)."""
    model = bk.BakhmutModel(law, bk.record_schedule())
    p = _params()
    fast = bk.simulate(model, p)
    ref = bk.simulate(model, p, use_numba=False)
    for name in ("strength", "losses", "fronts", "recruited", "arrived_wp"):
        a, b = getattr(fast, name), getattr(ref, name)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-8, err_msg=name)


def test_daily_map_matches_the_ode_over_a_day() -> None:
    """The daily step integrates rhs with hazards frozen over the day: over one day it agrees
    with an accurate ODE solution of the same vector field to within a few per mille."""
    model = bk.BakhmutModel("linear", bk.record_schedule())
    p = _params(n=1)
    prep = model.prepare(p)
    y0 = np.asarray(model.initial_state(prep), dtype=float)[0]
    run = bk.simulate(model, p, days=1, use_numba=False)

    def f(t: float, y: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.asarray(model.rhs(0.0, y[None], prep))[0]
        return out

    sol = solve_ivp(f, (0.0, 1.0), y0, rtol=1e-10, atol=1e-8)
    # convicts, the most exposed, differ most: 3.1e-3 with the urban tempo (the Soledar gate is
    # half open on day 0), 2.9e-3 before it
    np.testing.assert_allclose(run.strength[0, 1], sol.y[:4, -1], rtol=3.5e-3)
    np.testing.assert_allclose(run.fronts[0, 1], sol.y[4:, -1], rtol=1e-3)


def test_exact_exponential_loss_without_flows() -> None:
    """With no arrivals, departures or returning wounded, a day's combat loss is
    X(1 − exp(−h)) for the hazard h the rates give (the binomial step's mean)."""
    model = bk.BakhmutModel("logarithmic", bk.record_schedule())
    p = _params(n=3)
    p["return_share"] = np.full(3, 1e-9)
    prep = model.prepare(p)
    y0 = np.asarray(model.initial_state(prep), dtype=float)
    r = model.rates(0, y0, prep)
    run = bk.simulate(model, p, days=1, use_numba=False)
    expected = y0[:, :4] * -np.expm1(-r.loss_hazard)
    np.testing.assert_allclose(run.losses[:, 1], expected, rtol=1e-12)


def test_advance_is_losses_times_advance_per_loss() -> None:
    model = bk.BakhmutModel("square", bk.record_schedule())
    p = _params(n=4)
    prep = model.prepare(p)
    y0 = np.asarray(model.initial_state(prep), dtype=float)
    r = model.rates(0, y0, prep)
    run = bk.simulate(model, p, days=1, use_numba=False)
    l_ru = run.losses[:, 1, :3].sum(axis=1)
    expected = np.clip(y0[:, 4:] - r.advance_per_loss * l_ru[:, None] + r.push_back, 0.5, 40.0)
    np.testing.assert_allclose(run.fronts[:, 1], expected, rtol=1e-12)


def test_binomial_engine_integer_nonnegative_and_mean_close_to_deterministic() -> None:
    model = bk.BakhmutModel("square", bk.record_schedule())
    base = _params(n=1, seed=3, spread=0.0)
    n = 200
    p = {k: np.repeat(v, n) for k, v in base.items()}
    det = bk.simulate(model, {k: v[:1] for k, v in p.items()})
    sto = bk.simulate(model, p, method="binomial", seed=11)
    assert np.all(sto.strength >= 0)
    assert np.all(sto.strength == np.rint(sto.strength))
    assert np.all(np.diff(sto.losses, axis=1) >= 0)
    for side in (0, 1):
        x = sto.side_losses[:, -1, side]
        se = x.std(ddof=1) / np.sqrt(n)
        assert abs(x.mean() - det.side_losses[0, -1, side]) < 4 * se + 0.01 * x.mean()


def test_binomial_runs_do_not_depend_on_chunking() -> None:
    model = bk.BakhmutModel("linear", bk.record_schedule())
    p = _params(n=6)
    whole = bk.simulate(model, p, method="binomial", seed=5, days=60)
    a = bk.simulate(model, {k: v[:2] for k, v in p.items()}, method="binomial", seed=5, days=60)
    b = bk.simulate(
        model, {k: v[2:] for k, v in p.items()}, method="binomial", seed=5, days=60, run_offset=2
    )
    np.testing.assert_array_equal(whole.losses, np.concatenate([a.losses, b.losses]))
    np.testing.assert_array_equal(whole.fronts, np.concatenate([a.fronts, b.fronts]))
    # run i is SeedSequence(seed).spawn(...)[1].spawn(...)[i]
    again = bk.simulate(model, p, method="binomial", seed=5, days=60)
    np.testing.assert_array_equal(whole.losses, again.losses)
    other = bk.simulate(model, p, method="binomial", seed=6, days=60)
    assert not np.array_equal(whole.losses, other.losses)


def test_binomial_needs_a_seed_and_methods_are_checked() -> None:
    model = bk.BakhmutModel("square", bk.record_schedule())
    with pytest.raises(UserError, match="seed"):
        bk.simulate(model, _params(n=1), method="binomial")
    with pytest.raises(UserError, match="valid: binomial, deterministic"):
        bk.simulate(model, _params(n=1), method="gillespie")


def test_unknown_or_missing_parameters_are_named() -> None:
    model = bk.BakhmutModel("square", bk.record_schedule())
    p = _params(n=1)
    p["kappaa"] = np.ones(1)
    with pytest.raises(UserError, match=r"unknown parameter 'kappaa'; valid: .*kappa"):
        model.prepare(p)
    del p["kappaa"], p["kappa"]
    with pytest.raises(UserError, match="missing: kappa"):
        model.prepare(p)
    with pytest.raises(UserError, match="valid: linear, logarithmic, square"):
        bk.BakhmutModel("cubic", bk.record_schedule())


# --- schedule ---------------------------------------------------------------------------------


def test_record_schedule_is_dated_from_the_article() -> None:
    sch = bk.record_schedule()
    assert [p.date for p in sch.phases] == [
        dt.date(2022, 8, 1), dt.date(2022, 11, 1), dt.date(2023, 1, 1), dt.date(2023, 5, 1),
        dt.date(2023, 6, 1),
    ]  # fmt: skip
    assert sch.withdrawals[0].date == dt.date(2023, 3, 7)
    assert sch.forces[0].depart == dt.date(2023, 5, 25)


def test_known_by_drops_later_record_items_and_keeps_scenario_items() -> None:
    sch = bk.record_schedule().with_items(
        holds=[bk.Hold("Soledar", dt.date(2023, 2, 28), False, "test")]
    )
    k = sch.known_by(dt.date(2023, 1, 31))
    assert [p.index for p in k.phases] == [0, 1, 2]
    assert k.withdrawals == ()
    assert k.offensives == ()
    assert all(f.depart is None for f in k.forces)
    assert k.recruitment[0].end is None  # the record's end (28 Feb) was not known
    assert k.holds == sch.holds
    assert ("phase", 3) not in k.regimes_in_use()


def test_impossible_schedules_are_rejected() -> None:
    with pytest.raises(UserError, match="cannot withdraw before it arrives"):
        bk.Force("wagner", dt.date(2022, 10, 1), dt.date(2022, 9, 1))
    with pytest.raises(UserError, match="between 0 and 1"):
        bk.BakhmutSchedule(bk.geography(), supply=(bk.Supply(bk.START, -0.1),))
    with pytest.raises(UserError, match="unknown place to hold 'Atlantis'"):
        bk.BakhmutSchedule(bk.geography(), holds=(bk.Hold("Atlantis", dt.date(2023, 1, 1)),))
    with pytest.raises(UserError, match=r"ends .* before it starts"):
        bk.BakhmutSchedule(
            bk.geography(), recruitment=(bk.Recruitment(dt.date(2022, 9, 1), dt.date(2022, 8, 2)),)
        )
    with pytest.raises(UserError, match="unknown force 'navy'"):
        bk.Force("navy")


def test_hold_keeps_the_front_outside_the_place_until_the_date() -> None:
    geo = bk.geography()
    hold = bk.Hold("Soledar", dt.date(2023, 2, 28))
    model = bk.BakhmutModel("square", bk.record_schedule().with_items(holds=[hold]))
    p = _params(n=5)
    p["r0_n"] = np.full(5, 25.0)
    run = bk.simulate(model, p)
    until = bk.day_of(hold.until)
    assert np.all(run.fronts[:, 1:until, 0] >= geo.soledar_distance + 0.5 - 1e-12)
    assert not run.held_by_russia("Soledar", until - 1).any()


def test_a_hold_never_pushes_a_front_back() -> None:
    """A front already past the held place when the hold starts stays where it was (it does not
    jump back to the hold line) until the hold ends, then moves on."""
    geo = bk.geography()
    hold = bk.Hold("Soledar", dt.date(2023, 2, 28))
    model = bk.BakhmutModel("square", bk.record_schedule().with_items(holds=[hold]))
    p = _params(n=3)
    p["r0_n"] = np.full(3, 17.5)  # west of Soledar's hold line (its distance + 0.5 km)
    assert geo.soledar_distance + 0.5 > 17.5
    run = bk.simulate(model, p)
    until = bk.day_of(hold.until)
    north = run.fronts[:, :, 0]
    assert np.all(north[:, 1:until] <= 17.5 + 1e-12)  # never pushed back out
    assert np.all(north[:, 1:until] == 17.5)  # and held where it was
    free = bk.simulate(bk.BakhmutModel("square", bk.record_schedule()), p).fronts[:, until, 0]
    assert np.all(free < 17.5)  # without the hold it would have advanced


def test_full_withdrawal_hands_over_the_city_that_day() -> None:
    w = bk.Withdrawal(dt.date(2023, 1, 15), 1.0, False)
    model = bk.BakhmutModel("square", bk.record_schedule().with_items(withdrawals=[w]))
    run = bk.simulate(model, _params(n=4))
    d = bk.day_of(w.date)
    assert np.all(run.city[:, d + 1] >= bk.FALL_FRACTION)
    assert np.all(run.fall_day() <= d + 1)


def test_withdrawal_under_encirclement_moves_the_city_front_then_stops_at_the_holdout() -> None:
    """With both flanks deep behind the city (encirclement pressure ~1) and no Russian losses,
    the city front moves in by ``withdraw_rate`` km a day whatever the losses, and stops at the
    holdout on the city's western edge; with no pressure it does not move."""
    geo = bk.geography()
    n = 3
    p = {k: v[:1].repeat(n) for k, v in _params(n=1, spread=0.0).items()}
    p["c_ua"] = np.full(n, 1e-12)  # no Russian losses: no advance bought by losses
    p["ua_advance"] = np.full(n, 0.0)
    p["r0_n"] = np.array([5.0, 5.0, 30.0])  # run 2: flanks far out, no pressure
    p["r0_s"] = np.array([5.0, 5.0, 30.0])
    p["r0_e"] = np.full(n, 10.0)
    p["withdraw_rate"] = np.array([0.02, 0.2, 0.2])
    run = bk.simulate(bk.BakhmutModel("square", bk.record_schedule()), p, days=60)
    e = run.fronts[:, :, 1]
    # run 0: linear motion at the rate (pressure within 0.1 % of 1 while the front is > 8.5 km)
    np.testing.assert_allclose(e[0, 60], 10.0 - 60 * 0.02, rtol=2e-3)
    # run 1: reaches the holdout and stays there (within the edge's width)
    holdout = geo.r_in + bk.HOLDOUT_KM
    assert abs(e[1, 60] - holdout) < 2 * bk.HOLDOUT_WIDTH_KM
    assert np.all(np.diff(e[1]) <= 1e-12)
    # run 2: no encirclement pressure, no losses: the front does not move
    assert abs(e[2, 60] - 10.0) < 1e-3
    # the NumPy reference agrees
    ref = bk.simulate(bk.BakhmutModel("square", bk.record_schedule()), p, days=60, use_numba=False)
    np.testing.assert_allclose(ref.fronts, run.fronts, rtol=1e-10, atol=1e-10)


def test_ammunition_supply_raises_ukrainian_losses() -> None:
    p = _params(n=6)
    rec = bk.record_schedule()
    full = bk.BakhmutModel("square", rec.with_items(supply=[bk.Supply(bk.START, 1.0, 0, False)]))
    none = bk.BakhmutModel("square", rec.with_items(supply=[bk.Supply(bk.START, 0.0, 0, False)]))
    ua_full = bk.simulate(full, p).side_losses[:, -1, 1]
    ua_none = bk.simulate(none, p).side_losses[:, -1, 1]
    assert np.all(ua_full > ua_none)


def test_recruitment_window_limits_convicts() -> None:
    p = _params(n=3)
    rec = bk.record_schedule()
    short = rec.with_items(recruitment=[bk.Recruitment(bk.START, dt.date(2022, 9, 30), False)])
    run = bk.simulate(bk.BakhmutModel("square", short), p)
    days = (dt.date(2022, 9, 30) - bk.START).days
    np.testing.assert_allclose(run.recruited[:, -1], p["wc_rate"] * days)
