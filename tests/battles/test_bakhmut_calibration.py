"""The Bakhmut calibration's result frames and the Monte Carlo error of its log evidence
(repeated SMC runs on the executors, bit-identical across them), on synthetic evidence."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from attrition.battles import bakhmut as bk
from attrition.battles.bakhmut.evidence_error import EvidenceRepeats, log_evidence_error
from attrition.errors import UserError

FAST: dict[str, Any] = {"particles": 40, "moves": 1}
CUTOFF = "2022-11-30"  # a short window: the likelihood simulates 4 months only


@pytest.fixture(scope="module")
def evidence() -> bk.CasualtyEvidence:
    return bk.synthetic_evidence(
        bk.BakhmutModel("square", bk.record_schedule()), bk.prior_values(), draws=100, seed=0
    )


@pytest.fixture(scope="module")
def repeats(evidence: bk.CasualtyEvidence) -> EvidenceRepeats:
    return log_evidence_error(evidence, repeats=3, seed=4, cutoff=CUTOFF, **FAST)


def test_repeats_are_the_calibrations_with_those_seeds(
    evidence: bk.CasualtyEvidence, repeats: EvidenceRepeats
) -> None:
    assert repeats.seeds == (4, 5, 6)
    assert repeats.laws == bk.BAKHMUT_LAWS
    for k in (0, 2):
        cal = bk.calibrate(evidence, cutoff=CUTOFF, seed=4 + k, draws=20, **FAST)
        assert [r["log_evidence"] for r in cal.laws] == list(repeats.log_evidence[k])


def test_evidence_error_summary(repeats: EvidenceRepeats) -> None:
    df = repeats.to_frame()
    assert list(df["law"]) == list(bk.BAKHMUT_LAWS)
    le = repeats.log_evidence
    np.testing.assert_allclose(df["log_evidence_mean"], le.mean(axis=0))
    np.testing.assert_allclose(df["log_evidence_sd"], le.std(axis=0, ddof=1))
    np.testing.assert_allclose(df["log_evidence_se"], le.std(axis=0, ddof=1) / np.sqrt(3))
    assert df["weight"].sum() == pytest.approx(1.0)
    assert (df["weight_se"] >= 0).all()
    assert df["chosen_share"].sum() == pytest.approx(1.0)
    w = np.exp(le.mean(axis=0) - le.mean(axis=0).max())
    np.testing.assert_allclose(df["weight"], w / w.sum())
    runs = repeats.runs_frame()
    assert len(runs) == 9
    assert list(runs.columns) == ["seed", "law", "log_evidence", "stages", "acceptance"]
    assert runs.loc[runs["seed"] == 5, "log_evidence"].tolist() == list(le[1])


def test_weight_standard_errors_by_the_delta_method() -> None:
    """Two laws a nat apart with 0.3 nat standard errors: w = softmax, se by the Jacobian."""
    le = np.array([[-10.0, -11.0], [-10.6, -11.0], [-10.3, -11.6]])
    rep = EvidenceRepeats(("a", "b"), (0, 1, 2), le, le * 0, le * 0, 10, 1, None, 0.0)
    w, se = rep.weights()
    m = le.mean(axis=0)
    assert w[0] == pytest.approx(1 / (1 + np.exp(m[1] - m[0])))
    # for two laws, d w_a / d m_a = -d w_a / d m_b = w_a w_b
    s = rep.se
    assert se[0] == pytest.approx(w[0] * w[1] * np.hypot(s[0], s[1]))
    assert se[1] == pytest.approx(se[0])


def test_bit_identical_across_serial_and_processes(
    evidence: bk.CasualtyEvidence, repeats: EvidenceRepeats
) -> None:
    kw: dict[str, Any] = {"repeats": 3, "seed": 4, "cutoff": CUTOFF, **FAST}
    procs = log_evidence_error(evidence, executor="processes", workers=2, **kw)
    assert np.array_equal(procs.log_evidence, repeats.log_evidence)
    assert np.array_equal(procs.stages, repeats.stages)
    assert np.array_equal(procs.acceptance, repeats.acceptance)
    dask = log_evidence_error(evidence, executor="dask", workers=1, dask_processes=False, **kw)
    assert np.array_equal(dask.log_evidence, repeats.log_evidence)


def test_calibration_does_not_depend_on_the_thread_count(
    evidence: bk.CasualtyEvidence,
) -> None:
    ref = bk.calibrate(evidence, cutoff=CUTOFF, seed=2, draws=30, **FAST)
    one = bk.calibrate(evidence, cutoff=CUTOFF, seed=2, draws=30, threads=1, **FAST)
    assert one.laws == ref.laws
    for name, v in ref.draws.items():
        assert np.array_equal(one.draws[name], v)


def test_calibration_frames(evidence: bk.CasualtyEvidence) -> None:
    cal = bk.calibrate(evidence, cutoff=CUTOFF, seed=1, draws=200, **FAST)
    df = cal.to_frame()
    assert list(df["parameter"]) == [p.name for p in cal.priors]
    assert (df["law"] == cal.law).all()
    assert set(df.loc[df["fitted"], "parameter"]) == set(cal.free)
    assert (df["q05"] <= df["median"]).all()
    assert (df["median"] <= df["q95"]).all()
    assert (df["prior_q05"] < df["prior_q95"]).all()
    row = df.set_index("parameter").loc["c_ru"]
    p = next(p for p in cal.priors if p.name == "c_ru")
    assert row["prior_median"] == pytest.approx(float(p.value(np.float64(p.loc))))
    assert row["width_ratio"] == pytest.approx(
        (row["q95"] - row["q05"]) / (row["prior_q95"] - row["prior_q05"])
    )
    laws = cal.laws_frame()
    assert list(laws["law"]) == list(bk.BAKHMUT_LAWS)
    assert laws["weight"].sum() == pytest.approx(1.0)
    assert laws.loc[laws["chosen"], "law"].item() == cal.law
    assert laws.loc[laws["chosen"], "weight"].item() == laws["weight"].max()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"repeats": 1}, "repeats = 1"),
        ({"seed": -1}, "seed = -1"),
        ({"particles": 5}, "particles = 5"),
        ({"executor": "cloud"}, "executor"),
        ({"scheduler": "tcp://127.0.0.1:9"}, "--scheduler needs --executor dask"),
        ({"law": "cubic"}, "law"),
        ({"cutoff": "2030-01-01"}, "cutoff"),
    ],
)
def test_bad_settings_are_refused(
    evidence: bk.CasualtyEvidence, kwargs: dict[str, Any], match: str
) -> None:
    settings: dict[str, Any] = {"repeats": 2, **FAST, **kwargs}
    with pytest.raises(UserError, match=match):
        log_evidence_error(evidence, **settings)
