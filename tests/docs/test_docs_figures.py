"""The docs' figures equal their sidecars, and the sidecars' figures regenerate.

Generators: ``tools/docs_figures/<doc>.py`` (``make docs-figures``), one per doc with figures
(docs/bakhmut-model.md, docs/fog-of-war.md, docs/bias-priors.md, docs/simulation.md; the README
quotes none).

(a) Every doc equals ``render(doc, sidecar)``: a hand edit of a generated block, or a sidecar
    changed without its doc, fails (cheap).
(b) Regeneration: each generator recomputes the parts named in its ``TEST_PARTS`` at the
    sidecar's seeds and settings, and a figure fails when it differs from the sidecar's value by
    more than ``CHECK_FACTOR`` (3) times its stated Monte Carlo error (labels such as the chosen
    law must be equal). For a normal error a change of seed would fail a given figure with
    probability ~0.27 %; the test regenerates at the *same* seeds, so on the machine that wrote
    the sidecar the difference is zero. On another machine MCMC chains (JAX) are other chains:
    measured this round, 9 of 147 fog-of-war figures moved beyond 3 x their within-run MC error
    and the Bakhmut figures (conditional on that evidence) far beyond theirs, so the docs in
    ``figlib.MACHINE_SENSITIVE`` are checked only on the machine that wrote them (a skip names
    both fingerprints); the Numba-only docs (simulation) are checked everywhere. A code or data
    change that moves a figure by more than its Monte Carlo error fails. The regeneration
    does not re-estimate the errors (only the committed ones are compared): figlib's bootstrap
    and batch-means estimators return 0 during it.

    Recomputed here: simulation (all), bias_priors ``data`` and ``fit``, fog_of_war ``fit`` (the
    default ``attrition estimate``), bakhmut_model ``canary`` (its headline at the quick
    settings: any change of code or data that moves the model moves it). Recomputed by
    ``make docs-regen-check`` (marker ``docs_full``; CI runs it after ``make test``; minutes):
    bakhmut_model ``headline``, ``scenarios`` and ``identification`` at the docs' settings.
    NOT recomputed by a test (``"checked_in_test": false`` in the sidecars): bias_priors
    ``sensitivity``; fog_of_war ``streams`` and ``validation``; bakhmut_model ``laws``,
    ``ablation``, ``hindcast`` and ``decomposition``. Check those with ``make docs-figures``
    then ``git diff --exit-code docs/``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "docs_figures"
sys.path.insert(0, str(TOOLS))

import figlib as F  # noqa: E402
import run  # noqa: E402

DOCS = run.DOCS


def _gen(name: str) -> ModuleType:
    return run.generator(name)


def _no_nan(token: str) -> Any:
    raise ValueError(f"non-standard JSON constant {token}")


@pytest.mark.parametrize("name", DOCS)
def test_doc_equals_its_rendered_sidecar(name: str) -> None:
    mod = _gen(name)
    text = mod.DOC.read_text(encoding="utf-8")
    new = mod.render(text, F.read_sidecar(mod.SIDECAR))
    assert new == text, (
        f"{mod.DOC.name} differs from its sidecar (run make docs-figures):\n"
        + F.diff(text, new, mod.DOC.name)
    )


@pytest.mark.parametrize("name", DOCS)
def test_sidecar_is_complete_strict_json(name: str) -> None:
    mod = _gen(name)
    data = json.loads(mod.SIDECAR.read_text(encoding="utf-8"), parse_constant=_no_nan)
    assert data["quick"] is False, "quick-settings figures must not be committed"
    assert set(data["parts"]) == set(mod.PARTS), "every part is in the committed sidecar"
    assert data["check_factor"] == F.CHECK_FACTOR
    for path, digest in data["inputs"].items():
        assert (ROOT / path).is_file(), path
        assert len(digest) == 64, path
    for key in ("attrition", "numpy", "python"):
        assert data["provenance"][key]
    for fig, e in data["figures"].items():
        assert e["part"] in mod.PARTS, fig
        assert e["checked_in_test"] is (e["part"] in mod.TEST_PARTS), fig
        if e["mc_error"] is not None:
            assert isinstance(e["value"], int | float), fig
            assert math.isfinite(e["mc_error"]), fig
            assert e["mc_error"] >= 0, fig
            assert e["how"], fig


def test_drift_flags_a_figure_beyond_its_error_and_a_changed_label() -> None:
    sc = {
        "figures": {
            "p": {"value": 0.5, "mc_error": 0.01, "how": "binomial", "checked_in_test": True},
            "law": {"value": "square", "mc_error": None, "how": "exact", "checked_in_test": True},
            "skip": {"value": 1.0, "mc_error": 0.0, "how": "x", "checked_in_test": False},
        }
    }
    same = {k: {"value": v["value"]} for k, v in sc["figures"].items()}
    assert F.drift(sc, same) == []
    assert F.drift(sc, {**same, "p": {"value": 0.529}}) == []  # 2.9 errors: inside 3
    moved = F.drift(sc, {**same, "p": {"value": 0.531}, "law": {"value": "linear"}})
    assert [m.split(":")[0] for m in moved] == ["p", "law"]
    assert F.drift(sc, {"law": same["law"]}) == ["p: not regenerated"]
    assert F.drift(sc, {**same, "skip": {"value": 9.0}}) == []  # not a test part


def test_replace_blocks_refuses_unknown_and_missing_markers() -> None:
    text = "a\n<!-- x:begin -->\nold\n<!-- x:end -->\nb\n"
    assert F.replace_blocks(text, {"x": "new"}) == "a\n<!-- x:begin -->\nnew\n<!-- x:end -->\nb\n"
    with pytest.raises(ValueError, match="markers without a generator"):
        F.replace_blocks(text, {})
    with pytest.raises(ValueError, match="blocks without a marker"):
        F.replace_blocks(text, {"x": "new", "y": "other"})


def _no_error_estimates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace figlib's Monte Carlo error estimators by a stub returning 0 for a regeneration.

    :func:`figlib.drift` compares a regenerated *value* with the committed value within the
    *committed* error: the regenerated errors are never read. Their bootstraps (200 resamples
    of every quantile, effect and posterior highlight) took 17-30 s of the 33-47 s the Bakhmut
    parts take once its calibrations exist (measured in one process, stubbed against real).
    Every value is computed as before: the estimators draw from their own generators, so no
    other random stream moves."""

    def stub(*_args: Any, **_kwargs: Any) -> float:
        return 0.0

    for fn in ("bootstrap_se", "batch_means_se"):
        monkeypatch.setattr(F, fn, stub)


@pytest.mark.slow
@pytest.mark.usefixtures("shared_estimates")  # fog_of_war's fit, shared with its code block
@pytest.mark.parametrize("name", DOCS)
def test_figures_regenerate_within_their_monte_carlo_error(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mod = _gen(name)
    committed = F.read_sidecar(mod.SIDECAR)
    if name in F.MACHINE_SENSITIVE and committed["provenance"].get("machine") != F.machine():
        pytest.skip(
            f"{mod.DOC.name}: written on another machine (fingerprint "
            f"{committed['provenance'].get('machine')} vs {F.machine()}); its MCMC chains are not "
            "reproducible across machines, so its figures are checked only where they were "
            "computed (regenerate here with make docs-figures)"
        )
    _no_error_estimates(monkeypatch)  # the fresh errors are not compared (see there)
    fresh = mod.compute(parts=mod.TEST_PARTS, quick=committed["quick"])
    problems = F.drift(committed, fresh["figures"])
    tested = sum(1 for e in committed["figures"].values() if e["checked_in_test"])
    assert tested > 0
    assert not problems, (
        f"{len(problems)} of {tested} figures of {mod.DOC.name} moved beyond "
        f"{F.CHECK_FACTOR:g} x their MC error (regenerate: make docs-figures):\n"
        + "\n".join(problems[:40])
    )


@pytest.mark.docs_full
@pytest.mark.parametrize("name", [d for d in DOCS if getattr(_gen(d), "FULL_TEST_PARTS", ())])
def test_full_parts_regenerate_at_the_docs_settings(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts a generator names in ``FULL_TEST_PARTS``, recomputed at the sidecar's own
    (full) settings, equal the committed figures within 3 x their Monte Carlo error: the
    numbers the doc shows, not only the cheap canary ``make test`` recomputes. Several minutes
    (bakhmut_model: 9 calibrations at 600 particles x 16 moves), so not in ``make test``:
    ``make docs-regen-check`` runs it, and CI runs that after ``make test``."""
    mod = _gen(name)
    committed = F.read_sidecar(mod.SIDECAR)
    if name in F.MACHINE_SENSITIVE and committed["provenance"].get("machine") != F.machine():
        pytest.skip(
            f"{mod.DOC.name}: written on another machine; checked only where it was computed"
        )
    _no_error_estimates(monkeypatch)
    fresh = mod.compute(parts=mod.FULL_TEST_PARTS, quick=committed["quick"])
    parts = set(mod.FULL_TEST_PARTS)
    subset = {
        **committed,
        "figures": {k: {**e, "checked_in_test": e["part"] in parts}
                    for k, e in committed["figures"].items()},
    }  # fmt: skip
    problems = F.drift(subset, fresh["figures"])
    assert sum(1 for e in subset["figures"].values() if e["checked_in_test"]) > 0
    assert not problems, (
        f"{len(problems)} figures of {mod.DOC.name} moved beyond {F.CHECK_FACTOR:g} x their MC "
        "error (regenerate: make docs-figures):\n" + "\n".join(problems[:40])
    )
