"""Oracle tests of the uncertainty decomposition (attrition.battles.bakhmut.decomposition)."""

from __future__ import annotations

import json
import math

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


def test_perturbed_evidence_moves_the_centre_keeps_the_spread() -> None:
    rng = np.random.default_rng(0)
    dates = np.arange(np.datetime64("2022-08-01"), np.datetime64("2022-10-31"))
    draws = np.exp(rng.normal(5.0, 0.2, size=(40, dates.size, 2)))
    ev = CasualtyEvidence(dates, draws)
    p = perturb_evidence(ev, seed=3)
    assert p.draws.shape == ev.draws.shape
    month = dates.astype("datetime64[M]")
    for m in np.unique(month):
        sel = month == m
        lt = np.log(ev.draws[:, sel].sum(axis=1))
        lp = np.log(p.draws[:, sel].sum(axis=1))
        # the spread of the log totals is unchanged, the centre moved to one draw's
        assert lp.std(axis=0) == pytest.approx(lt.std(axis=0))
        shifted = lp.mean(axis=0)
        assert np.any(np.all(np.isclose(lt, shifted[None], rtol=1e-9), axis=1))
    assert perturb_evidence(ev, seed=3).draws.tobytes() == p.draws.tobytes()


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
