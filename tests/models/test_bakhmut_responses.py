"""The Bakhmut model's responses to the state of the battle (issue 15, item 2), by oracles.

* The tempo of the fighting rises by ``1 + urban_intensity × urban`` while the effort fights in a
  town (``urban``: the share of the effort inside Bakhmut or Soledar), for both sides, and not
  at all in the open.
* Ukraine's committed strength is ``ua_k × (1 + ua_reinforce × p_enc) × (1 − city_garrison ×
  (1 − H))`` (``H``: part of the city still held): reinforced under encirclement pressure,
  the city's garrison released once the whole city is given up or the Russian line has passed
  the city's western edge.
* So an earlier withdrawal from the whole city changes both sides' casualties under every law;
  with both responses switched off it leaves Russia's unchanged (as before they existed).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from attrition.battles import bakhmut as bk


def _medians(n: int = 1) -> dict[str, np.ndarray]:
    return {p.name: np.full(n, float(p.value(np.float64(p.loc)))) for p in bk.PARAMS}


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _loss_rates(model: bk.BakhmutModel, y: np.ndarray, u_int: float) -> np.ndarray:
    p = _medians(len(y))
    p["urban_intensity"] = np.full(len(y), u_int)
    return np.asarray(model.rates(10, y, model.prepare(p)).loss_rate)


@pytest.mark.parametrize("law", bk.BAKHMUT_LAWS)
def test_the_urban_tempo_scales_both_sides_losses_in_town_and_not_in_the_open(law: str) -> None:
    geo = bk.geography()
    model = bk.BakhmutModel(law, bk.record_schedule())
    # run 0: the city front in the middle of the city, the northern front far beyond Soledar;
    # run 1: the city front 2 km past the city's western edge (no town contested)
    y = np.array(
        [
            [3000.0, 4000.0, 9000.0, 12_000.0, 30.0, geo.city_distance, 30.0],
            [3000.0, 4000.0, 9000.0, 12_000.0, 30.0, geo.city_distance - geo.city_radius - 2, 30.0],
        ]
    )
    base = _loss_rates(model, y, 0.0)
    more = _loss_rates(model, y, 0.8)
    prep = model.prepare(_medians())
    sh_e = float(np.asarray(prep.share)[0, 0, 1])  # phase index 0 (day 10), the eastern axis
    w = bk.model.GATE_WIDTH_KM
    sh_n = float(np.asarray(prep.share)[0, 0, 0])
    g_n = _sig((30.0 - (geo.soledar_distance - bk.SOLEDAR_RADIUS_KM)) / w) * _sig(
        ((geo.soledar_distance + bk.SOLEDAR_RADIUS_KM) - 30.0) / w
    )
    zeta = float(_medians()["tempo_elasticity"][0])
    for k in range(2):  # the gates (smooth, 0.25 km wide) of the city front's position
        re = float(y[k, 5])
        g_e = _sig((re - (geo.city_distance - geo.city_radius)) / w) * _sig(
            ((geo.city_distance + geo.city_radius) - re) / w
        )
        tempo = 1.0 + 0.8 * (sh_e * g_e + sh_n * g_n)
        assert more[k, 0] / base[k, 0] == pytest.approx(tempo, rel=1e-9)  # Russia: θ
        assert more[k, 1] / base[k, 1] == pytest.approx(tempo**zeta, rel=1e-9)  # Ukraine: θ^ζ
        if k == 0:
            assert tempo > 1.2  # in town: the check is not trivially 1
        else:
            assert tempo < 1.0002  # in the open: (almost) no change


def test_ukraines_commitment_follows_encirclement_and_the_city() -> None:
    """Without losses (fire effectiveness ~0) Ukraine's strength settles at its committed level:
    ``ua_1`` with no pressure and the city held, ``ua_1 × (1 + ua_reinforce × p_enc)`` under
    full pressure, ``ua_1 × (1 − city_garrison)`` once the line has passed the city."""
    geo = bk.geography()
    n = 3
    p = _medians(n)
    p["c_ru"] = np.full(n, 1e-12)
    p["c_ua"] = np.full(n, 1e-12)
    p["withdraw_rate"] = np.full(n, 1e-12)
    p["ua_reinforce"] = np.full(n, 0.4)
    p["city_garrison"] = np.full(n, 0.3)
    west = geo.city_distance - geo.city_radius
    p["r0_e"] = np.array([geo.city_distance, geo.city_distance, west - 1.5])
    p["r0_n"] = np.array([30.0, 5.0, 30.0])  # run 1: both flanks deep behind the city
    p["r0_s"] = np.array([30.0, 5.0, 30.0])
    run = bk.simulate(bk.BakhmutModel("linear", bk.record_schedule()), p, days=90)
    ua_1 = float(p["ua_1"][0])
    p_enc = _sig((geo.city_distance - 5.0) / bk.model.ENC_WIDTH_KM) * _sig(
        (geo.city_distance - geo.r_in) / bk.model.GATE_WIDTH_KM
    )
    held = _sig(-1.5 / bk.HOLDOUT_WIDTH_KM)  # the release's sharp edge at the western edge
    expected = [ua_1, ua_1 * (1 + 0.4 * p_enc), ua_1 * (1 - 0.3 * (1 - held))]
    # 90 days at 1/20 a day from ua_1: within e^-4.5 (1.1 %) of the target's distance from ua_1
    for k in range(n):
        gap = abs(expected[k] - ua_1)
        assert run.strength[k, -1, 3] == pytest.approx(expected[k], abs=0.012 * gap + 1.0)
    assert expected[1] > 1.35 * ua_1  # the targets differ
    assert expected[2] < 0.71 * ua_1


@pytest.mark.parametrize("law", bk.BAKHMUT_LAWS)
def test_an_earlier_withdrawal_changes_both_sides_casualties(law: str) -> None:
    """At the prior medians, leaving the whole city on 7 March 2023 lowers Russia's casualties
    and Ukraine's strength (the garrison leaves) under every law; with both responses switched
    off, Russia's casualties barely move (the model before them). Why Russia's fall differs by
    law: under the square and linear laws Russian losses grow with Ukraine's strength, so the
    garrison's departure lowers them; under the logarithmic law they depend only on Russia's
    own strength and the tempo, so only the end of the urban tempo lowers them."""
    rec = bk.record_schedule()
    w = bk.Withdrawal(dt.date(2023, 3, 7), 1.0, False)
    earlier = rec.with_items(withdrawals=[*rec.withdrawals, w])

    def effect(p: dict[str, np.ndarray]) -> tuple[np.ndarray, float]:
        a = bk.simulate(bk.BakhmutModel(law, rec), p)
        b = bk.simulate(bk.BakhmutModel(law, earlier), p)
        change = b.side_losses[0, -1] / a.side_losses[0, -1] - 1.0
        return change, float(b.strength[0, -1, 3] / a.strength[0, -1, 3])

    change, ua_ratio = effect(_medians())
    assert change[0] < -0.02  # Russia: measured -11 % (square), -7.5 % (linear), -3.6 % (log)
    assert abs(change[1]) > 0.01  # Ukraine: +20 %, -1.4 %, -9 %: the sign depends on the law
    assert ua_ratio < 0.75  # the garrison (a third) has left
    off = _medians()
    off["urban_intensity"] = np.zeros(1)
    off["city_garrison"] = np.zeros(1)
    change_off, ua_off = effect(off)
    assert abs(change_off[0]) < 0.005
    assert ua_off > 0.97


def test_the_urban_tempo_follows_the_soledar_gate_and_the_effort_shares() -> None:
    """The northern arm's town (Soledar) counts with the northern effort share: the front at
    Soledar's centre, the city front in the open, unequal shares (softmax of 1, 0, -1)."""
    geo = bk.geography()
    model = bk.BakhmutModel("linear", bk.record_schedule())
    y = np.array([[3000.0, 4000.0, 9000.0, 12_000.0, geo.soledar_distance, 20.0, 30.0]])

    def rates(u_int: float) -> np.ndarray:
        p = _medians()
        p["share_n_1"], p["share_s_1"] = np.ones(1), -np.ones(1)
        p["urban_intensity"] = np.full(1, u_int)
        return np.asarray(model.rates(10, y, model.prepare(p)).loss_rate)

    sh_n = math.e / (math.e + 1.0 + 1.0 / math.e)  # the northern share of the softmax
    g_n = _sig(bk.SOLEDAR_RADIUS_KM / bk.model.GATE_WIDTH_KM) ** 2  # at Soledar's centre
    g_e = _sig((20.0 - (geo.city_distance - geo.city_radius)) / bk.model.GATE_WIDTH_KM) * _sig(
        ((geo.city_distance + geo.city_radius) - 20.0) / bk.model.GATE_WIDTH_KM
    )
    assert g_e < 1e-9  # the city front far east of the city: only Soledar counts
    assert rates(0.8)[0, 0] / rates(0.0)[0, 0] == pytest.approx(1 + 0.8 * sh_n * g_n, rel=1e-9)
    assert sh_n > 0.66  # not the equal thirds


def test_a_whole_city_withdrawal_releases_the_garrison_and_ends_the_urban_fighting() -> None:
    """From the day Ukraine gives up the whole city: the garrison leaves at once (Ukraine's
    strength settles at ua_1 x (1 - city_garrison) without losses) and the city is no longer
    fought in (the urban tempo has no effect on the day's losses)."""
    rec = bk.record_schedule()
    w = bk.Withdrawal(dt.date(2022, 9, 1), 1.0, False)
    model = bk.BakhmutModel("linear", rec.with_items(withdrawals=[*rec.withdrawals, w]))
    p = _medians()
    p["c_ru"], p["c_ua"] = np.full(1, 1e-12), np.full(1, 1e-12)
    p["city_garrison"] = np.full(1, 0.3)
    p["r0_n"] = np.full(1, 30.0)  # the northern front far beyond Soledar: no other town
    run = bk.simulate(model, p, days=92)  # to 31 Oct 2022
    d = bk.day_of(w.date)
    ua_1 = float(p["ua_1"][0])
    # 61 days at 1/20 a day: within e^-3.05 (4.7 %) of the gap to the target
    assert run.strength[0, -1, 3] == pytest.approx(0.7 * ua_1, abs=0.05 * 0.3 * ua_1)
    assert run.strength[0, d, 3] == pytest.approx(ua_1, rel=1e-3)  # the day before: all there
    # the day after: the line is 0.05 km outside the city's western edge, where the smooth gate
    # would still count some fighting in town; given up, nothing is urban
    p2 = {**_medians(), "r0_n": np.full(1, 30.0)}
    y = np.concatenate([run.strength[:, d + 1], run.fronts[:, d + 1]], axis=-1)
    assert geo_in_city(float(y[0, 5]))
    lo = np.asarray(
        model.rates(d + 1, y, model.prepare({**p2, "urban_intensity": np.zeros(1)})).loss_rate
    )
    hi = np.asarray(
        model.rates(d + 1, y, model.prepare({**p2, "urban_intensity": np.full(1, 0.8)})).loss_rate
    )
    np.testing.assert_allclose(hi, lo, rtol=1e-12)


def geo_in_city(r: float) -> bool:
    """Whether a city-front radius lies within 0.25 km of the city's western edge (where the
    smooth gates would still count a little fighting in town)."""
    geo = bk.geography()
    return abs(r - (geo.city_distance - geo.city_radius)) < 0.25
