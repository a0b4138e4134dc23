"""Oracle tests of the uncertainty decomposition (attrition.battles.bakhmut.decomposition)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from attrition.battles.bakhmut.decomposition import (
    COMPONENTS,
    TARGETS,
    decompose,
    perturb_evidence,
)
from attrition.battles.bakhmut.evidence import CasualtyEvidence
from attrition.errors import UserError

LAWS = ("a", "b", "c")
W = np.array([0.5, 0.3, 0.2])
LAW_MEANS = np.array([0.0, 3.0, -2.0])


def _law_var() -> float:
    mu = W @ LAW_MEANS
    return float(W @ (LAW_MEANS - mu) ** 2)


def synthetic(
    seed: int, k: int = 4, d: int = 400, r: int = 5, sd_e: float = 1.5, b: float = 2.0,
    sd_eps: float = 1.0,
) -> dict[str, np.ndarray]:  # fmt: skip
    """Y = e_k + a_law + b θ + ε: evidence sd ``sd_e``, parameter sd ``b``, noise ``sd_eps``."""
    rng = np.random.default_rng(seed)
    e = rng.normal(0.0, sd_e, size=(k, 1, 1, 1))
    theta = rng.normal(size=(k, len(LAWS), d, 1))
    eps = rng.normal(0.0, sd_eps, size=(k, len(LAWS), d, r))
    y = e + LAW_MEANS[None, :, None, None] + b * theta + eps
    return {t: y for t, _, _ in TARGETS}


def test_recovers_known_components() -> None:
    # many versions so the evidence part is measured well enough to check
    est = {c: [] for c in COMPONENTS}
    for s in range(20):
        dec = decompose(synthetic(s, k=30, d=200, r=4), W, LAWS)
        for c in COMPONENTS:
            est[c].append(dec.variance["fall_day"][c])
    truth = {"evidence": 1.5**2, "law": _law_var(), "parameters": 4.0, "stochasticity": 1.0}
    for c in COMPONENTS:
        x = np.asarray(est[c])
        se = x.std(ddof=1) / math.sqrt(len(x))
        assert abs(x.mean() - truth[c]) < 4 * se + 1e-3, (c, x.mean(), truth[c], se)
    # one decomposition is within its own sampling error too (parameters: 30 × 3 × 200 draws)
    one = decompose(synthetic(99, k=30, d=200, r=4), W, LAWS).variance["fall_day"]
    assert one["parameters"] == pytest.approx(4.0, rel=0.1)
    assert one["stochasticity"] == pytest.approx(1.0, rel=0.05)


def nested(
    rng: np.random.Generator, k: int, d: int, r: int, w: np.ndarray, means: tuple[float, ...],
    sd_theta: tuple[float, ...], sd_eps: tuple[float, ...], sd_e: float = 0.0,
) -> dict[str, np.ndarray]:  # fmt: skip
    """``Y[k, l, d, r] = e_k + a_l + θ_kld + ε_kldr`` with a law's own spreads:
    ``e ~ N(0, sd_e²)``, ``θ ~ N(0, sd_theta[l]²)``, ``ε ~ N(0, sd_eps[l]²)``, so the true
    parts are evidence ``sd_e²``, law ``Σ w_l (a_l - ā)²``, parameters ``Σ w_l sd_theta[l]²``
    and stochasticity ``Σ w_l sd_eps[l]²``, and a law's between-draw variance of the
    replicate means is ``b_l = sd_theta[l]² + sd_eps[l]² / R``."""
    nl = len(w)
    e = rng.normal(0.0, sd_e, size=(k, 1, 1, 1))
    th = rng.normal(size=(k, nl, d, 1)) * np.asarray(sd_theta)[None, :, None, None]
    eps = rng.normal(size=(k, nl, d, r)) * np.asarray(sd_eps)[None, :, None, None]
    y = e + np.asarray(means)[None, :, None, None] + th + eps
    return {t: y for t, _, _ in TARGETS}


# unequal spreads per law (the corrections must use each law's own b_l with its weight)
SD_THETA = (1.0, 2.0, 4.0)
SD_EPS = (1.0, 2.0, 3.0)


def _b(r: int) -> np.ndarray:
    return np.asarray(SD_THETA) ** 2 + np.asarray(SD_EPS) ** 2 / r


def _estimates(part: str, n: int, seed: int, **kw: Any) -> np.ndarray:
    """``n`` estimates of ``part`` on data made by :func:`nested` (one generator)."""
    rng = np.random.default_rng(seed)
    out = [decompose(nested(rng, **kw), W, LAWS).variance["fall_day"][part] for _ in range(n)]
    return np.asarray(out, dtype=float)


def test_law_correction_is_unbiased_where_it_dominates() -> None:
    """With ``D = 5`` draws per law the law means carry their own sampling variance
    ``b_l / D``, so the raw weighted variance of the law means has expectation
    ``truth + Σ w_l (1 - w_l) b_l / D`` (here ``b = (1.5, 6, 20.5)`` with ``R = 2``: the
    excess is 0.983, as large as the truth). The corrected part must be unbiased:

    * equal law means (truth 0): the raw part is about 0.98, the corrected one centred on 0.
      A part is clipped at 0, so its mean over repetitions is not 0 but about half of them
      are exactly 0 (a centred estimate); without the correction none is.
    * law means (0, 2, -2), weights (0.5, 0.3, 0.2): truth ``Σ w (a - ā)² = 1.96``, five
      standard deviations of one estimate above 0 (the clip never acts); the mean of 200
      estimates is within 3 standard errors of 1.96 (the uncorrected mean is 2.94, ~36
      standard errors away).
    """
    kw = {"k": 40, "d": 5, "r": 2, "w": W, "sd_theta": SD_THETA, "sd_eps": SD_EPS}
    excess = float((W * (1 - W)) @ _b(2) / 5)
    zero = _estimates("law", 200, 11, means=(0.0, 0.0, 0.0), **kw)
    assert 0.3 < np.mean(zero == 0.0) < 0.7
    assert zero.mean() < 0.2 * excess
    truth = float(W @ (np.array([0.0, 2.0, -2.0]) - W @ np.array([0.0, 2.0, -2.0])) ** 2)
    assert truth == pytest.approx(1.96)
    x = _estimates("law", 200, 12, means=(0.0, 2.0, -2.0), **kw)
    se = x.std(ddof=1) / math.sqrt(x.size)
    assert (x > 0).all()
    assert abs(x.mean() - truth) < 3 * se, (x.mean(), truth, se)
    assert abs(x.mean() - (truth + excess)) > 20 * se


def test_evidence_correction_is_unbiased_where_it_dominates() -> None:
    """Each version's weighted mean ``ν_k`` carries the law means' sampling variance
    ``Σ w_l² b_l / D`` (0.347 with ``D = 5``, ``R = 2``), so the raw variance of the version
    means has expectation ``sd_e² + 0.347``; the corrected part must be unbiased:

    * no evidence spread (``sd_e = 0``), ``K = 30``: the raw part is about 0.35, the
      corrected one centred on 0 (clipped: about half the repetitions exactly 0; without
      the correction none is);
    * ``sd_e = 1``, ``K = 200`` (one estimate's sd ~0.12, so the clip never acts): the mean
      of 50 estimates is within 3 standard errors of 1 (uncorrected: ~1.35, ~20 standard
      errors away).
    """
    kw = {"d": 5, "r": 2, "w": W, "means": (0.0, 1.0, 2.0), "sd_theta": SD_THETA,
          "sd_eps": SD_EPS}  # fmt: skip
    excess = float(W**2 @ _b(2) / 5)
    zero = _estimates("evidence", 200, 21, k=30, sd_e=0.0, **kw)
    assert 0.3 < np.mean(zero == 0.0) < 0.7
    assert zero.mean() < 0.2 * excess
    x = _estimates("evidence", 50, 22, k=200, sd_e=1.0, **kw)
    se = x.std(ddof=1) / math.sqrt(x.size)
    assert (x > 0).all()
    assert abs(x.mean() - 1.0) < 3 * se, (x.mean(), se)
    assert abs(x.mean() - (1.0 + excess)) > 10 * se


def test_parameters_and_chance_are_weighted_means_over_laws() -> None:
    """Two laws with weights (0.8, 0.2) and their own spreads: ``sd_θ = (1, 4)``,
    ``sd_ε = (0.5, 3)``. The parameter part is ``E_l Var_θ = 0.8·1 + 0.2·16 = 4`` and
    the stochastic part ``E_l Var(Y|θ) = 0.8·0.25 + 0.2·9 = 2`` (averaging the laws
    equally would give 8.5 and 4.625). The mean over 20 repetitions is within 3 standard
    errors of the weighted value and far from the equal-weight one."""
    w = np.array([0.8, 0.2])
    rng = np.random.default_rng(31)
    est: dict[str, list[float]] = {"parameters": [], "stochasticity": []}
    for _ in range(20):
        y = nested(rng, 1, 500, 4, w, (0.0, 1.0), (1.0, 4.0), (0.5, 3.0))
        v = decompose(y, w, ("a", "b")).variance["log_ua_casualties"]
        for c, xs in est.items():
            part = v[c]
            assert part is not None
            xs.append(part)
    for c, weighted, equal in (("parameters", 4.0, 8.5), ("stochasticity", 2.0, 4.625)):
        x = np.asarray(est[c])
        se = x.std(ddof=1) / math.sqrt(x.size)
        assert abs(x.mean() - weighted) < 3 * se, (c, x.mean(), se)
        assert abs(x.mean() - equal) > 20 * se, (c, x.mean(), se)
        assert abs(x[0] - equal) > 0.3 * abs(equal - weighted)  # one estimate already


def test_law_part_with_one_version() -> None:
    dec = decompose(synthetic(3, k=1, d=2000, r=3), W, LAWS)
    v = dec.variance["log_ru_casualties"]
    assert v["evidence"] is None
    assert dec.share("fall_day", "evidence") is None
    assert v["law"] == pytest.approx(_law_var(), rel=0.1)


def test_parts_sum_to_total_exactly_on_output() -> None:
    dec = decompose(synthetic(1), W, LAWS, not_fallen=0.25)
    out = json.loads(json.dumps(dec.to_dict(), allow_nan=False))
    for t, _, _ in TARGETS:
        comp = out["targets"][t]["components"]
        total = out["targets"][t]["total_variance"]
        assert sum(c["variance"] for c in comp.values()) == pytest.approx(total, rel=1e-12)
        assert sum(c["share"] for c in comp.values()) == pytest.approx(1.0, abs=1e-12)
        # the total agrees with the pooled variance of the runs up to the corrections
        assert total == pytest.approx(out["targets"][t]["pooled_variance"], rel=0.15)
    assert out["not_fallen_share"] == 0.25
    frame = dec.to_frame()
    assert len(frame) == len(TARGETS) * len(COMPONENTS)
    assert frame.groupby("target")["share"].sum().to_numpy() == pytest.approx(1.0)


def test_no_noise_gives_no_stochastic_share() -> None:
    y = synthetic(2, sd_eps=0.0)
    dec = decompose(y, W, LAWS)
    for t, _, _ in TARGETS:
        assert dec.variance[t]["stochasticity"] == pytest.approx(0.0, abs=1e-12)
        assert dec.share(t, "stochasticity") == pytest.approx(0.0, abs=1e-12)
    # noise alone: the between-draw part is only what the replicates leave, corrected to ~0
    rng = np.random.default_rng(5)
    noise = rng.normal(size=(1, 3, 500, 5))
    d2 = decompose({t: noise for t, _, _ in TARGETS}, W, LAWS)
    assert d2.share("fall_day", "parameters") < 0.05
    assert d2.share("fall_day", "stochasticity") > 0.9


def test_seed_gives_same_bytes() -> None:
    a = json.dumps(decompose(synthetic(7), W, LAWS).to_dict(), sort_keys=True)
    b = json.dumps(decompose(synthetic(7), W, LAWS).to_dict(), sort_keys=True)
    c = json.dumps(decompose(synthetic(8), W, LAWS).to_dict(), sort_keys=True)
    assert a == b
    assert a != c


def test_bad_input_is_one_user_error() -> None:
    y = synthetic(0)
    with pytest.raises(UserError, match="weights"):
        decompose(y, [0.5, 0.5], LAWS)
    with pytest.raises(UserError, match="no values"):
        decompose({"fall_day": y["fall_day"]}, W, LAWS)
    bad = {t: v[..., :1] for t, v in y.items()}
    with pytest.raises(UserError, match="replicates"):
        decompose(bad, W, LAWS)


def _picked(ev: CasualtyEvidence, version: CasualtyEvidence) -> int:
    """The one draw of ``ev`` equal to the version's first draw."""
    (j,) = np.flatnonzero(np.all(ev.draws == version.draws[0], axis=(1, 2)))
    return int(j)


def test_perturbed_evidence_is_the_evidence_collapsed_to_one_draw() -> None:
    """A version is one draw ``j`` of the fused estimate taken as the truth: every draw (and
    every killed and Wagner draw) equals draw ``j`` of the original, so the spread is 0 (the
    spread is what the versions measure; keeping it inside each version counted it twice)."""
    rng = np.random.default_rng(0)
    dates = np.arange(np.datetime64("2022-08-01"), np.datetime64("2022-10-31"))
    draws = np.exp(rng.normal(5.0, 0.2, size=(40, dates.size, 2)))
    killed = draws * rng.uniform(0.2, 0.3, size=draws.shape)
    wagner = draws[..., 0] * rng.uniform(0.4, 0.6, size=draws.shape[:2])
    ev = CasualtyEvidence(dates, draws, killed, wagner, "test")
    p = perturb_evidence(ev, seed=3)
    assert p.draws.shape == ev.draws.shape
    assert p.killed is not None
    assert p.wagner is not None
    j = _picked(ev, p)
    assert np.array_equal(p.draws, np.broadcast_to(ev.draws[j], ev.draws.shape))
    assert np.array_equal(p.killed, np.broadcast_to(killed[j], killed.shape))
    assert np.array_equal(p.wagner, np.broadcast_to(wagner[j], wagner.shape))
    assert np.array_equal(p.dates, ev.dates)
    assert (np.ptp(p.draws, axis=0) == 0).all()  # no spread left
    assert perturb_evidence(ev, seed=3).draws.tobytes() == p.draws.tobytes()
    assert len({_picked(ev, perturb_evidence(ev, seed=s)) for s in range(6)}) > 1
    bare = perturb_evidence(CasualtyEvidence(dates, draws), seed=3)
    assert bare.killed is None
    assert bare.wagner is None


def test_share_errors_are_small_for_large_samples_and_zero_when_unmeasured() -> None:
    dec = decompose(synthetic(4, k=1, d=300, r=4), W, LAWS)
    se = dec.share_errors(n_boot=50, seed=1)
    assert se["fall_day"]["evidence"] == 0.0
    assert 0.0 < se["fall_day"]["stochasticity"] < 0.05
    assert se == dec.share_errors(n_boot=50, seed=1)


@pytest.fixture(scope="module")
def tiny_cals() -> dict[str, list[object]]:
    from attrition.battles.bakhmut.calibration import calibrate

    return {
        lw: [calibrate(None, law=lw, particles=24, moves=1, draws=30, seed=0)]
        for lw in ("square", "logarithmic")
    }


def test_engine_runs_deterministic_has_no_chance_and_seed_repeats(tiny_cals: dict) -> None:
    from attrition.battles.bakhmut.decomposition import run_decomposition

    w = [0.6, 0.4]
    det = run_decomposition(tiny_cals, w, draws=10, replicates=2, seed=1, method="deterministic")
    for t, _, _ in TARGETS:
        assert det.variance[t]["stochasticity"] == pytest.approx(0.0, abs=1e-9)
        assert det.variance[t]["evidence"] is None
    a = run_decomposition(tiny_cals, w, draws=10, replicates=3, seed=1)
    b = run_decomposition(tiny_cals, w, draws=10, replicates=3, seed=1)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    assert a.variance["log_ru_casualties"]["stochasticity"] > 0.0
    assert 0.0 <= a.not_fallen <= 1.0
    with pytest.raises(UserError, match="draws"):
        run_decomposition(tiny_cals, w, draws=31, replicates=2)


def test_report_section_renders_shares_and_says_what_is_missing() -> None:
    from attrition.report.decomposition import decomposition_section

    dec = decompose(synthetic(6, k=1, d=50, r=3), W, LAWS, not_fallen=0.1)
    sec, summary = decomposition_section(dec)
    assert sec.id == "uncertainty"
    assert sec.title == "Where the uncertainty comes from"
    for words in ("The choice of attrition law", "The model's unknown parameters",
                  "Chance in the fighting itself", "The uncertainty of the casualty estimate",
                  "Day the city falls", "Russian casualties", "Ukrainian casualties"):  # fmt: skip
        assert words in sec.html, words
    assert "Not computed here" in sec.html
    assert "docs/bakhmut-model.md" in sec.html
    law_share = round(100 * dec.share("fall_day", "law"))
    assert (
        f'<tr data-key="law"><th scope="row">The choice of attrition law</th><td>{law_share}%'
        in sec.html
    )
    assert "10% of these runs" in sec.html
    json.dumps(summary, allow_nan=False)
    assert summary["targets"]["fall_day"]["components"]["evidence"]["share"] is None
    four, _ = decomposition_section(decompose(synthetic(6, k=3, d=50, r=3), W, LAWS))
    assert "Not computed here" not in four.html
    assert "not computed here" not in four.html


def test_no_two_calibrations_share_random_streams(tiny_cals: dict) -> None:
    from attrition.battles.bakhmut.decomposition import run_decomposition

    same = tiny_cals["square"][0]
    dec = run_decomposition({"square": [same], "linear": [same]}, [0.5, 0.5], draws=5, replicates=2)
    y = dec.values["log_ru_casualties"]
    assert not np.array_equal(y[0, 0], y[0, 1])  # same draws, own streams
