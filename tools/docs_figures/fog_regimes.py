"""Figures of docs/fog-regimes.md: coverage of the joint fusion's 90% intervals per regime.

Parts (each through :mod:`attrition.infer.validate.regimes` and
:mod:`attrition.infer.fusion.joint_synth`, the functions ``attrition validate estimate
--regimes`` calls):

* ``design`` — what each regime's synthetic battle holds (claims, by scope, components,
  restatement chains, third-party claims) at :data:`SEED`: deterministic (error 0).
  Recomputed by ``tests/docs/test_docs_figures.py``.
* ``coverage`` — :func:`attrition.infer.validate.regimes.regime_coverage` with
  :data:`REPLICATES` replicates per regime (one :class:`~attrition.infer.fusion.joint.JointFog`
  fit each, :data:`FIT`), seed :data:`SEED`, scopes ``city`` and ``front``: per regime, scope,
  side and quantity the intervals that hold the truth, those that miss below and above, and
  the median absolute log error of the posterior median. Monte Carlo error of a coverage: the
  binomial error over replicates (Agresti–Coull centre); of a median log error: bootstrap over
  replicates. Not recomputed by the test (~15 min on 2 idle cores): checked by ``make
  docs-figures`` then ``git diff --exit-code docs/``.

Standalone (before the doc is wired into ``run.py``)::

    python tools/docs_figures/fog_regimes.py            # compute, print the blocks (markdown)
    python tools/docs_figures/fog_regimes.py --quick    # reduced settings, to try it out
    python tools/docs_figures/fog_regimes.py --from-study study.csv  # render a study's rows
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import figlib as F

DOC = F.ROOT / "docs" / "fog-regimes.md"
SIDECAR = F.FIGURES_DIR / "fog_regimes.json"
GENERATOR = "tools/docs_figures/fog_regimes.py"

PARTS: tuple[str, ...] = ("design", "coverage")
TEST_PARTS: tuple[str, ...] = ("design",)
SEED = 20261203
REPLICATES, QUICK_REPLICATES = 40, 2
FIT = {"draws": 150, "chains": 2}
SCOPES: tuple[str, ...] = ("city", "front")
SIDES: tuple[tuple[str, str], ...] = (("ATK", "attacker"), ("DEF", "defender"))
QUANTITIES: tuple[str, ...] = ("casualties", "killed")
BIN = "binomial over replicates (Agresti–Coull centre)"
BOOT = "bootstrap over replicates (200 resamples)"


def _design_part() -> F.Figures:
    from attrition.infer.fusion.joint_synth import REGIMES, simulate_regime

    figs = F.Figures("design")
    for regime in REGIMES:
        c = simulate_regime(regime, SEED).claims
        key = f"design.{regime}"
        figs.num(f"{key}.claims", len(c), 0.0, "count")
        for scope in ("city", "sector", "front", "unspecified"):
            figs.num(f"{key}.scope.{scope}", int((c["scope"] == scope).sum()), 0.0, "count")
        figs.num(
            f"{key}.mainly",
            int(c["scope_qualifier"].isin(["mainly", "primarily"]).sum()),
            0.0,
            "count",
        )
        figs.num(f"{key}.components", int((c["component"] != "").sum()), 0.0, "count")
        shared = c[c.duplicated("source_id", keep=False)]
        figs.num(f"{key}.chains", int(shared["source_id"].nunique()), 0.0, "count")
        figs.num(f"{key}.restated", len(shared), 0.0, "count")
        figs.num(
            f"{key}.third_party",
            int(c["claimant_side"].isin(["WEST", "INDEPENDENT"]).sum()),
            0.0,
            "count",
        )
    figs.context["regimes"] = list(REGIMES)
    return figs


def _coverage_figs(study: Any, settings: Mapping[str, Any]) -> F.Figures:
    """The ``coverage`` part from a :func:`~attrition.infer.validate.regimes.regime_study`
    frame (one row per replicate, scope, side and quantity)."""
    import numpy as np

    from attrition.infer.validate.regimes import regime_table

    figs = F.Figures("coverage")
    table = regime_table(study)
    for r in table.to_dict("records"):
        key = f"cov.{r['regime']}.{r['scope']}.{r['side']}.{r['quantity']}"
        n = int(r["n"])
        part = study[
            (study["regime"] == r["regime"])
            & (study["scope"] == r["scope"])
            & (study["side"] == r["side"])
            & (study["quantity"] == r["quantity"])
        ]
        err = np.abs(np.log(part["median"].to_numpy() / part["truth"].to_numpy()))
        figs.num(f"{key}.n", n, 0.0, "count")
        figs.num(f"{key}.coverage", float(r["coverage"]), float(r["mc_se"]), BIN)
        figs.num(f"{key}.covered", int(r["covered"]), float(r["mc_se"]) * n, BIN)
        for side in ("below", "above"):
            k = int(r[side])
            figs.num(f"{key}.{side}", k, F.binomial_se(k, n) * n, BIN)
        figs.num(
            f"{key}.male",
            float(r["median_abs_log_error"]),
            F.bootstrap_se(err, lambda x: float(np.median(x))) if n > 1 else 0.0,
            BOOT,
        )
    figs.num(
        "cov.r_hat_max",
        float(study["r_hat_max"].max()),
        0.0,
        "largest over fits (context, not compared)",
    )
    figs.num("cov.divergences", int(study["divergences"].sum()), 0.0, "count over fits")
    figs.context["coverage_settings"] = dict(settings)
    return figs


def _coverage_part(quick: bool) -> F.Figures:
    from attrition.infer.validate.regimes import REGIMES, regime_coverage

    reps = QUICK_REPLICATES if quick else REPLICATES
    table = regime_coverage(REGIMES, reps, SEED, FIT["draws"], FIT["chains"], scopes=SCOPES)
    import pandas as pd

    return _coverage_figs(pd.DataFrame(table.attrs["study"]), table.attrs["settings"])


def _settings(quick: bool, replicates: int | None = None) -> dict[str, Any]:
    from attrition.infer.fusion.joint_priors import JointPriors

    _, source = JointPriors().bias_priors()
    if replicates is None:
        replicates = QUICK_REPLICATES if quick else REPLICATES
    return {
        "seed": SEED,
        "replicates": replicates,
        **FIT,
        "warmup": FIT["draws"],
        "scopes": list(SCOPES),
        "bias_priors": source,
    }


def _sources() -> list[Any]:
    src = F.ROOT / "src" / "attrition" / "infer"
    return [
        src / "fusion" / "joint_synth.py",
        src / "fusion" / "joint_model.py",
        src / "validate" / "regimes.py",
    ]


def compute(
    parts: Sequence[str] | None = None, quick: bool = False, study: Any = None
) -> dict[str, Any]:
    """The sidecar of docs/fog-regimes.md (``parts``: a subset of :data:`PARTS`; ``study``: a
    :func:`~attrition.infer.validate.regimes.regime_study` frame to use instead of fitting,
    e.g. a study run by hand with these settings)."""
    want = list(parts or PARTS)
    reps = None if study is None else int(study.groupby("regime")["replicate"].nunique().min())
    done = []
    if "design" in want:
        done.append(_design_part())
    if "coverage" in want:
        if study is not None:
            given = {**_settings(quick, reps), "from": "a given study"}
            done.append(_coverage_figs(study, given))
        else:
            done.append(_coverage_part(quick))
    return F.build_sidecar(
        doc="docs/fog-regimes.md",
        generator=GENERATOR,
        parts=done,
        settings=_settings(quick, reps),
        test_parts=TEST_PARTS,
        inputs=_sources(),
        quick=quick,
    )


# ---------------------------------------------------------------------------------------------
# rendering


def _v(sc: Mapping[str, Any], key: str) -> float:
    return float(sc["figures"][key]["value"])


def _e(sc: Mapping[str, Any], key: str) -> float:
    return float(sc["figures"][key]["mc_error"])


_LABEL = {
    "baseline": "baseline",
    "biased_neutral": "biased neutral sources",
    "wide_scope": "sector, front and unspecified scopes",
    "restatements": "restatement chains",
    "subtotals": "component subtotals",
}


def _design(sc: Mapping[str, Any]) -> str:
    lines = [
        "| regime | claims | city | sector | front | unspecified | mainly | component "
        "subtotals | restatement chains (claims) | third-party claims |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for regime in sc["context"]["regimes"]:
        k = f"design.{regime}"
        cells = [
            f"{_v(sc, f'{k}.claims'):.0f}",
            *(
                f"{_v(sc, f'{k}.scope.{s}'):.0f}"
                for s in ("city", "sector", "front", "unspecified")
            ),
            f"{_v(sc, f'{k}.mainly'):.0f}",
            f"{_v(sc, f'{k}.components'):.0f}",
            f"{_v(sc, f'{k}.chains'):.0f} ({_v(sc, f'{k}.restated'):.0f})",
            f"{_v(sc, f'{k}.third_party'):.0f}",
        ]
        lines.append(f"| {_LABEL.get(regime, regime)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def coverage_table(sc: Mapping[str, Any], scope: str = "city") -> str:
    """The coverage table (markdown) of one scope of a sidecar: a row per regime, side and
    quantity; a coverage outside 80–97 % is marked **bold**."""
    from attrition.infer.validate.regimes import TARGET

    lines = [
        "| regime | side | quantity | covered / n | coverage ± MC error | missed below / above "
        "| median abs. log error |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for regime in sc["context"]["regimes"]:
        for side, label in SIDES:
            for q in QUANTITIES:
                k = f"cov.{regime}.{scope}.{side}.{q}"
                if f"{k}.n" not in sc["figures"]:
                    continue
                cov = _v(sc, f"{k}.coverage")
                pct = f"{100 * cov:.0f} % ± {100 * _e(sc, f'{k}.coverage'):.0f}"
                if not TARGET[0] <= cov <= TARGET[1]:
                    pct = f"**{pct}**"
                lines.append(
                    f"| {_LABEL.get(regime, regime)} | {label} | {q} "
                    f"| {_v(sc, f'{k}.covered'):.0f} / {_v(sc, f'{k}.n'):.0f} | {pct} "
                    f"| {_v(sc, f'{k}.below'):.0f} / {_v(sc, f'{k}.above'):.0f} "
                    f"| {_v(sc, f'{k}.male'):.2f} |"
                )
    return "\n".join(lines)


def _settings_text(sc: Mapping[str, Any]) -> str:
    st = sc["settings"]
    text = (
        f"`regime_coverage(REGIMES, replicates={st['replicates']}, seed={st['seed']}, "
        f"draws={st['draws']}, chains={st['chains']}, scopes={tuple(st['scopes'])})`: "
        f"one `JointFog` fit per replicate ({st['chains']} chains × {st['draws']} draws after "
        f"{st['warmup']} warm-up; bias priors {st['bias_priors']}); regenerated by `make "
        "docs-figures FIGURES_ARGS='--only fog_regimes'`, sidecar `docs/figures/fog_regimes.json`."
    )
    if "cov.r_hat_max" in sc["figures"]:
        text += (
            f" Largest split R-hat over the fits {_v(sc, 'cov.r_hat_max'):.2f}; divergent "
            f"transitions over the fits: {_v(sc, 'cov.divergences'):.0f}."
        )
    if sc["quick"]:
        text += " **Quick settings: not the published figures.**"
    return text


def blocks(sc: Mapping[str, Any]) -> dict[str, str]:
    """The generated blocks of docs/fog-regimes.md from a sidecar."""
    return {
        "regimes-settings": _settings_text(sc),
        "regimes-design": _design(sc),
        "regimes-city": coverage_table(sc, "city"),
        "regimes-front": coverage_table(sc, "front"),
    }


def render(text: str, sidecar: Mapping[str, Any]) -> str:
    """docs/fog-regimes.md with its generated blocks rewritten from ``sidecar``."""
    return F.replace_blocks(text, blocks(sidecar), "docs/fog-regimes.md")


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point: compute (or read a study) and print the blocks as markdown."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="reduced settings (do not commit)")
    ap.add_argument("--from-study", metavar="CSV", help="rows of a regime_study run by hand")
    args = ap.parse_args(argv)
    study = None
    if args.from_study:
        import pandas as pd

        from attrition.infer.fusion.joint_synth import REGIMES

        study = pd.read_csv(args.from_study)
        order = {r: i for i, r in enumerate(REGIMES)}
        study = study.sort_values(
            ["regime", "replicate"], key=lambda s: s.map(order) if s.name == "regime" else s
        ).reset_index(drop=True)
    sc = compute(quick=args.quick, study=study)
    for name, text in blocks(sc).items():
        print(f"<!-- {name} -->\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
