"""Bias priors learned from the historical claim-vs-record pairs (attrition.infer.bias_priors).

Oracle tests fit pairs drawn from the model itself (known mu, tau; some records lower bounds)
and check that the posterior covers the truth; that ignoring the censoring would be biased
where the fit is not; that a relation with two pairs gets a wide prior (borrowed spread, not the
two pairs' own tiny spread); and that the packaged default equals a fresh fit within its Monte
Carlo error.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from attrition.data.reference import load_reference_pairs
from attrition.errors import UserError
from attrition.infer import bias_priors as bp

pytest.importorskip("numpyro")

#: small NUTS settings for the oracle fits (each a few seconds)
SMALL = {"chains": 2, "warmup": 400, "draws": 600}

TRUE_MU = {"enemy": 0.8, "own": -0.4, "third_party": 0.3}
TRUE_TAU = {"enemy": 0.5, "own": 0.3, "third_party": 0.6}


def _hyper(fit: bp.BiasPriors) -> dict[str, tuple[float, float, float]]:
    return fit.hyper_dict()


def _z(fit: bp.BiasPriors, name: str, truth: float) -> float:
    mean, sd, _ = _hyper(fit)[name]
    return (mean - truth) / sd


# ---------------------------------------------------------------------------------------------
# data arrays (fast)


def test_packaged_pairs_arrays_weights_ranges_and_censoring() -> None:
    pairs = load_reference_pairs()
    a = bp.pair_arrays(pairs)
    ids = list(pairs["id"])
    w = dict(zip(ids, a.weight, strict=True))
    # one statement about one relation carries one unit of weight
    assert w["ww-001"] == w["ww-002"] == 0.5  # Molotov: own killed and wounded
    assert w["ww-003"] == w["ww-004"] == 0.5  # Molotov: enemy killed and wounded
    assert w["vn-001"] == w["vn-002"] == 0.5  # the B-52s are inside the 81
    assert w["ww-005"] == w["bob-001"] == w["ua-007"] == w["ua-008"] == 1.0
    assert a.weight.sum() == pytest.approx(26.0)
    cens = dict(zip(ids, a.censored, strict=True))
    assert {i for i, c in cens.items() if c} == {f"ua-00{k}" for k in range(1, 9)}
    s = dict(zip(ids, a.s, strict=True))
    nato = math.log(15000 / 7000) / (2 * 1.6448536269514722)
    assert s["ua-006"] == pytest.approx(math.hypot(nato, 0.05))
    assert s["ww2e-002"] == pytest.approx(0.10)  # an estimate without a range
    assert s["ww-003"] == pytest.approx(0.05)  # a count: the floor only
    assert np.allclose(a.y, np.log(pairs["claimed_value"] / pairs["record_value"]))
    assert bp.pair_arrays(pairs, downweight=False).weight.sum() == len(pairs)


def test_source_group_column_overrides_the_statement_key() -> None:
    pairs = load_reference_pairs().assign(source_group="")
    pairs.loc[pairs["id"].isin(["gw-001", "gw-002", "gw-003"]), "source_group"] = "gulf"
    w = dict(zip(pairs["id"], bp.pair_arrays(pairs).weight, strict=True))
    assert w["gw-001"] == pytest.approx(1 / 3)
    assert w["ww-001"] == 0.5  # blank: the statement key


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda f: f.drop(columns=["record_kind"]), "no column 'record_kind'"),
        (lambda f: f.assign(relation="ally"), "pair 'bob-001', column 'relation'.*unknown"),
        (lambda f: f.assign(record_value=0.0), "pair 'bob-001', column 'record_value'"),
        (lambda f: f.iloc[0:0], "no pairs"),
    ],
)
def test_bad_pairs_raise_one_clear_user_error(change: Any, match: str) -> None:
    pairs = load_reference_pairs()
    pairs = pairs.assign(relation=pairs["relation"].astype(str))
    with pytest.raises(UserError, match=match):
        bp.pair_arrays(change(pairs))


def test_bad_settings_raise_user_error() -> None:
    with pytest.raises(UserError, match="draws"):
        bp.FitSettings(draws=5)
    with pytest.raises(UserError, match="sigma_mu_scale"):
        bp.HyperPriors(sigma_mu_scale=0.0)
    with pytest.raises(UserError, match="unknown relation"):
        bp.default_bias_priors().get("neutral")


# ---------------------------------------------------------------------------------------------
# the packaged default (fast: read from JSON)


def test_default_is_fast_needs_no_jax_and_matches_the_packaged_file() -> None:
    code = (
        "import sys, time; t = time.perf_counter()\n"
        "from attrition.infer.bias_priors import default_bias_priors\n"
        "p = default_bias_priors(); dt = time.perf_counter() - t\n"
        "print(dt, 'jax' in sys.modules, p.n_pairs)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert float(out[0]) < 5.0
    assert out[1] == "False"
    assert int(out[2]) == len(load_reference_pairs())
    d = bp.default_bias_priors()
    assert d.settings.draws == bp.FitSettings().draws
    assert dict(d.diagnostics)["max_rhat"] < 1.01
    assert dict(d.diagnostics)["divergences"] <= 5


def test_default_table_shape_and_fog_prior_names() -> None:
    from attrition.infer.fusion.priors import FogPriors

    d = bp.default_bias_priors()
    frame = d.to_frame()
    assert list(zip(frame["relation"], frame["family"], strict=True)) == [
        (r, f) for r in bp.RELATIONS for f in bp.FAMILIES
    ]
    assert frame["n"].sum() == d.n_pairs
    assert (frame["q05"] < frame["median"]).all()
    assert (frame["median"] < frame["q95"]).all()
    assert np.allclose(frame["factor_q95"], np.exp(frame["q95"]))
    assert np.allclose(frame["scale"] ** 2, frame["mean_sd"] ** 2 + frame["tau_rms"] ** 2)
    kw = d.fog_prior_kwargs()
    assert set(kw) == {"bias_enemy", "bias_self", "bias_neutral"}
    assert FogPriors(**kw).bias_neutral == kw["bias_neutral"]
    assert bp.BiasPriors.from_dict(json.loads(json.dumps(d.to_dict()))) == d


def test_a_stale_packaged_json_is_refitted_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    data = json.loads(bp.DEFAULT_JSON.read_text(encoding="utf-8"))
    data["data_sha256"] = "0" * 64
    stale = tmp_path / "bias_priors.json"
    stale.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(bp, "DEFAULT_JSON", stale)
    sentinel = object()
    monkeypatch.setattr(bp, "learned_bias_priors", lambda: sentinel)
    bp.default_bias_priors.cache_clear()
    try:
        with pytest.warns(UserWarning, match="refitting"):
            assert bp.default_bias_priors() is sentinel
    finally:
        bp.default_bias_priors.cache_clear()


@pytest.mark.slow
def test_packaged_default_equals_a_fresh_fit_within_its_monte_carlo_error() -> None:
    packaged = bp.default_bias_priors()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fresh = bp.learned_bias_priors()
    assert fresh.data_sha256 == packaged.data_sha256
    for old, new in zip(packaged.priors, fresh.priors, strict=True):
        assert (old.relation, old.family, old.n) == (new.relation, new.family, new.n)
        for key in ("loc", "scale", "q05", "q95"):
            tol = 3 * math.sqrt(2) * getattr(old, f"{key}_mc") + 1e-6
            assert abs(getattr(new, key) - getattr(old, key)) <= tol, (old.relation, key)


# ---------------------------------------------------------------------------------------------
# oracle tests (slow: a NUTS fit each)


@pytest.mark.slow
def test_recovers_known_mu_and_tau_with_censored_pairs_over_seeds() -> None:
    zs = []
    for seed in (0, 1, 2):
        pairs = bp.synthetic_pairs(
            TRUE_MU,
            TRUE_TAU,
            {"enemy": 40, "own": 40, "third_party": 40},
            censored_share=0.3,
            seed=seed,
        )
        fit = bp.learned_bias_priors(pairs, seed=seed, **SMALL)
        assert dict(fit.diagnostics)["max_rhat"] < 1.05
        for r in bp.RELATIONS:
            _, sd, _ = _hyper(fit)[f"mu[{r}]"]
            assert sd < 0.2, (seed, r, sd)  # informative: the test can fail
            zs.append(_z(fit, f"mu[{r}]", TRUE_MU[r]))
            zs.append(_z(fit, f"tau[{r}]", TRUE_TAU[r]))
            # the predictive of a new claimant is centred on the truth
            p = fit.get(r)
            assert abs(p.loc - TRUE_MU[r]) < 3.5 * math.hypot(p.mean_sd, p.loc_mc)
    z = np.array(zs)
    assert np.all(np.abs(z) < 3.5), z.round(2)
    assert float(np.mean(z**2)) < 2.5, z.round(2)  # calibrated on average (E = 1)


@pytest.mark.slow
def test_censoring_matters_and_the_fit_accounts_for_it() -> None:
    pairs = bp.synthetic_pairs(
        TRUE_MU,
        TRUE_TAU,
        {"enemy": 50, "own": 50, "third_party": 50},
        censored_share=0.5,
        undercount=(0.3, 0.6),
        seed=11,
    )
    assert (pairs["record_kind"] == "lower_bound").mean() > 0.35
    right = bp.learned_bias_priors(pairs, seed=3, **SMALL)
    naive = bp.learned_bias_priors(pairs, seed=3, censor=False, **SMALL)
    for r in bp.RELATIONS:
        assert abs(_z(right, f"mu[{r}]", TRUE_MU[r])) < 3.5, r
        # treating lower bounds as counts inflates the bias by E[-log U] / 2 ~ 0.4: the
        # naive posterior puts the truth beyond two of its sds (the right one within 3.5)
        assert _z(naive, f"mu[{r}]", TRUE_MU[r]) > 2.0, r
        assert _hyper(naive)[f"mu[{r}]"][0] - _hyper(right)[f"mu[{r}]"][0] > 0.2, r


@pytest.mark.slow
def test_a_relation_with_two_pairs_borrows_strength_and_gets_a_wide_prior() -> None:
    pairs = bp.synthetic_pairs(TRUE_MU, TRUE_TAU, {"enemy": 30, "own": 30}, seed=5)
    two = pd.DataFrame(
        {
            "id": ["tp-1", "tp-2"],
            "relation": ["third_party"] * 2,
            "metric_family": ["personnel"] * 2,
            "claimed_value": [1000 * math.exp(0.50), 1000 * math.exp(0.52)],
            "record_value": [1000.0, 1000.0],
            "record_kind": ["count"] * 2,
            "source_group": ["tp-1", "tp-2"],
        }
    )
    fit = bp.learned_bias_priors(pd.concat([pairs, two], ignore_index=True), seed=2, **SMALL)
    third, enemy, own = (fit.get(r) for r in bp.RELATIONS[::-1][:1] + bp.RELATIONS[:2])
    sample_sd = float(np.std(np.log([math.exp(0.50), math.exp(0.52)]), ddof=1))
    assert third.n == 2
    # not the two pairs' own spread (0.014): the spread of the well-sampled relations
    assert third.scale > 20 * sample_sd
    assert third.scale > 0.8 * min(enemy.scale, own.scale)
    # the mean of a two-pair relation is far less certain than that of a 30-pair one
    assert third.mean_sd > 2 * max(enemy.mean_sd, own.mean_sd)


# ---------------------------------------------------------------------------------------------
# priors known by a cutoff (the record must have been published by then)


def _dated_pairs() -> pd.DataFrame:
    """Synthetic pairs with records published in 2000 (enemy, own) or 2030 (third party:
    later than every cutoff below) and one unknown."""
    pairs = bp.synthetic_pairs(
        TRUE_MU, TRUE_TAU, {"enemy": 12, "own": 12, "third_party": 8}, seed=4
    )
    pairs["conflict"] = np.where(pairs["relation"] == "third_party", "war B", "war A")
    published = np.where(pairs["relation"] == "third_party", "2030", "2000-06-30")
    published[0] = "unknown"
    return pairs.assign(record_published=published)


def _capture_fit(monkeypatch: pytest.MonkeyPatch) -> list[pd.DataFrame]:
    """Replace the NUTS fit by a stub that records the frame it was given (fast tests of the
    selection; the real fit is exercised by the slow test below)."""
    seen: list[pd.DataFrame] = []
    real = bp.default_bias_priors()

    def fit(frame: pd.DataFrame, settings: Any) -> Any:
        seen.append(frame)
        return frame

    monkeypatch.setattr(bp, "fit_bias_model", fit)
    monkeypatch.setattr(bp, "summarise", lambda fit: real)
    monkeypatch.setattr(bp, "_CUTOFF_CACHE", {})
    return seen


def test_a_cutoff_fits_only_pairs_whose_record_was_published_by_then(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _capture_fit(monkeypatch)
    pairs = _dated_pairs()
    got = bp.bias_priors_known_by("2010-01-01", pairs)
    fitted = seen[-1]
    assert set(fitted["relation"]) == {"enemy", "own"}  # third party: published 2030
    assert "syn-enemy-0" not in set(fitted["id"])  # unknown: known by no cutoff
    assert got.n_pairs == len(fitted) == 23
    assert got.pair_ids == tuple(fitted["id"])
    assert got.conflicts == ("war A",)
    assert got.n_conflicts == 1
    assert set(got.left_out) == {"syn-enemy-0"} | {f"syn-third_party-{j}" for j in range(8)}
    assert got.cutoff == dt.date(2010, 1, 1)
    assert "fitted on 23 pairs from 1 conflicts (9 left out" in got.describe()
    # a cutoff before 2000-06-30 knows nothing; the year 2030 means its 31 December
    with pytest.raises(UserError, match="no reference pair's record was published by"):
        bp.bias_priors_known_by("2000-06-29", pairs)
    later = bp.bias_priors_known_by(dt.date(2030, 12, 31), pairs)
    assert later.n_pairs == 31
    assert later.left_out == ("syn-enemy-0",)
    assert bp.bias_priors_known_by("2030-12-30", pairs).n_pairs == 23
    # the same rows and settings come from the cache; learned_bias_priors(cutoff=) is the same
    n = len(seen)
    again = bp.bias_priors_known_by("2011-05-05", pairs)
    assert again.from_cache
    assert len(seen) == n
    assert again.n_pairs == 23
    assert bp.learned_bias_priors(pairs, cutoff="2011-05-05") is again.priors


def test_the_packaged_pairs_under_a_bakhmut_cutoff_leave_out_the_russo_ukrainian_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = _capture_fit(monkeypatch)
    got = bp.bias_priors_known_by("2023-05-20")
    fitted = seen[-1]
    assert not (fitted["conflict"] == "Russo-Ukrainian War").any()
    assert "vn-002" not in set(fitted["id"])  # record_published unknown
    assert got.n_pairs == 21
    assert got.n_conflicts == 7
    assert set(got.left_out) == {f"ua-00{k}" for k in range(1, 9)} | {"vn-002"}


@pytest.mark.parametrize(
    ("cell", "match"),
    [
        ("2000/06/30", r"pair 'syn-enemy-1', column 'record_published': expected a date"),
        ("", r"pair 'syn-enemy-1', column 'record_published': is blank"),
        ("soon", r"a year YYYY or 'unknown', got 'soon'"),
    ],
)
def test_a_malformed_record_published_is_a_one_line_user_error(
    monkeypatch: pytest.MonkeyPatch, cell: str, match: str
) -> None:
    _capture_fit(monkeypatch)
    pairs = _dated_pairs()
    pairs.loc[1, "record_published"] = cell
    with pytest.raises(UserError, match=match) as info:
        bp.bias_priors_known_by("2010-01-01", pairs)
    assert "\n" not in str(info.value)
    assert info.value.exit_code == 2
    with pytest.raises(UserError, match="no column 'record_published'"):
        bp.bias_priors_known_by("2010-01-01", pairs.drop(columns="record_published"))
    with pytest.raises(UserError, match="cutoff = 'May' is not a date"):
        bp.bias_priors_known_by("May", _dated_pairs())


@pytest.mark.slow
def test_a_cutoff_changes_the_fit_deterministically_and_caches_it() -> None:
    pairs = _dated_pairs()
    bp._CUTOFF_CACHE.clear()
    early = bp.bias_priors_known_by("2010-01-01", pairs, seed=1, **SMALL)
    late = bp.bias_priors_known_by("2031-01-01", pairs, seed=1, **SMALL)
    assert not early.from_cache
    assert not late.from_cache
    assert early.fit_seconds > 0
    # without the third-party pairs, that relation's cell is empty and its prior borrowed
    assert early.get("third_party").n == 0
    assert late.get("third_party").n == 8
    assert early.priors.n_pairs == 23
    assert late.priors.n_pairs == 31
    assert early.get("third_party").mean_sd > late.get("third_party").mean_sd
    assert early.priors.to_dict() != late.priors.to_dict()
    # deterministic given the seed: a fresh fit equals the cached one
    cached = bp.bias_priors_known_by("2012-01-01", pairs, seed=1, **SMALL)
    assert cached.from_cache
    assert cached.priors == early.priors
    bp._CUTOFF_CACHE.clear()
    fresh = bp.bias_priors_known_by("2012-01-01", pairs, seed=1, **SMALL)
    assert not fresh.from_cache
    assert fresh.priors == early.priors
