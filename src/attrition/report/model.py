"""Report stage for the Bakhmut model: the calibrated baseline against the record, the scenario
library side by side, hindcast skill, and Bakhmut's casualty rate per 1,000 troops.

:func:`model_stage` runs in a worker process beside the evidence and estimate stages (see
:mod:`attrition.report.bakhmut`); it returns plain data (HTML sections and JSON-able summaries)
and writes its figures as PNG and SVG into the folder it is given.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.report.html import Section
from attrition.report.model_sections import (
    hindcast_section,
    quant,
    record_section,
    scenario_section,
)

if TYPE_CHECKING:
    import pandas as pd

    from attrition.battles.bakhmut.calibration import Calibration
    from attrition.battles.bakhmut.evidence import CasualtyEvidence
    from attrition.battles.bakhmut.scenarios import ScenarioResult
    from attrition.infer.fusion import FogOfWar, JointFog


@dataclass(frozen=True)
class ModelSettings:
    """Sizes of the model stage (full run, or ``--quick``)."""

    hindcast_draws: int
    hindcast_chains: int
    particles: int
    moves: int
    runs: int
    hindcast_runs: int
    hindcast_particles: int
    repeats: int = 3
    decomposition_draws: int = 200
    decomposition_replicates: int = 5
    hindcast_moves: int = 6

    @classmethod
    def for_mode(cls, quick: bool) -> ModelSettings:
        """The settings of a full run or of a quick one."""
        if quick:
            return cls(100, 2, 300, 4, 200, 200, 200, 2, 40, 3, hindcast_moves=4)
        # 16 moves: with 6 the log evidences the weights rest on come out 3-4 nats low
        # (bakhmut.scenarios.CALIBRATION_SETTINGS); the hindcast keeps 6 for its cost
        return cls(300, 2, 400, 16, 1000, 300, 300, 3, 200, 5, hindcast_moves=6)

    def describe(self) -> str:
        """One sentence for the page."""
        return (
            "Casualty evidence: the fused estimate of the section above (1 Aug 2022 – 30 Jun "
            f"2023); calibration: tempered SMC with {self.particles} particles and {self.moves} "
            f"moves per stage, each law calibrated {self.repeats} times (consecutive seeds from "
            f"the report's) for its weight; {self.runs:,} runs per scenario, shared out to the "
            "laws by weight; hindcasts: a fog-of-war fit on "
            f"the claims known at each cutoff ({self.hindcast_chains} chains × "
            f"{self.hindcast_draws} draws), {self.hindcast_particles} particles × "
            f"{self.hindcast_moves} moves and "
            f"{self.hindcast_runs} runs."
        )


@dataclass(frozen=True)
class ModelStageOutput:
    """What :func:`model_stage` returns (picklable)."""

    sections: list[Section]
    summary: dict[str, Any]
    law: str = ""
    fused: dict[str, Any] | None = None  # FogOfWar.summary() of the fused estimate
    evidence: Any = None  # the CasualtyEvidence calibrated on (not cached: see build_report)


# ---------------------------------------------------------------------------------------------
# the stage


def bakhmut_rates(ev: CasualtyEvidence, base: ScenarioResult) -> dict[str, dict[str, float]]:
    """Bakhmut's daily casualty rate per 1,000 troops per side (median, q05, q95): the fused
    casualties per day over the window over the modelled mean strength, paired draw by run."""
    per_day = ev.draws.mean(axis=1)  # (draws, 2)
    st = base.ensemble.strength
    strength = np.stack([st[..., :3].sum(axis=-1).mean(axis=1), st[..., 3].mean(axis=1)], -1)
    n = max(per_day.shape[0], strength.shape[0])
    rate = per_day[np.arange(n) % per_day.shape[0]] / np.maximum(
        strength[np.arange(n) % strength.shape[0]], 1.0
    )
    return {side: quant(rate[:, k] * 1000.0) for k, side in enumerate(("RU", "UA"))}


def fused_fit(
    battle: str, seed: int, quick: bool, streams: tuple[str, ...] = ()
) -> FogOfWar | JointFog:
    """The fog-of-war estimate of the report (the default fusion's fit): window 1 Aug 2022 –
    30 Jun 2023 (the model's), 200 draws × 2 chains with ``quick``, else 500 × 4; optionally
    with claim streams.

    One fit (:func:`~attrition.infer.fusion.fuse_claims` without its claims-only comparison):
    the report compares the fit with streams against the model stage's claims-only fit.
    """
    from attrition.battles.bakhmut.axes import END, START
    from attrition.data.claims import battle_spec, load_claims, load_phases
    from attrition.infer.fusion import fuse_claims

    draws, chains = (200, 2) if quick else (500, 4)
    est = fuse_claims(
        load_claims(battle), load_phases(battle), streams=streams, compare_streams=False,
        window=(START, END), draws=draws, chains=chains, seed=seed, warn=False,
        battle=battle_spec(battle),
    )  # fmt: skip
    return est.fog


def _evidence_fn(seed: int, settings: ModelSettings) -> Any:
    from attrition.battles.bakhmut.evidence import casualty_evidence

    def evidence(cutoff: dt.date | None) -> CasualtyEvidence:
        return casualty_evidence(
            cutoff, draws=settings.hindcast_draws, chains=settings.hindcast_chains, seed=seed
        )

    return evidence


def law_calibrations(
    ev: CasualtyEvidence, seed: int, settings: ModelSettings
) -> dict[str, list[Calibration]]:
    """Every law calibrated ``settings.repeats`` times on ``ev`` (seeds ``seed`` ..): what
    :func:`~attrition.battles.bakhmut.mixture.run_mixture` weights the laws with and runs the
    scenarios over (repeat 0)."""
    from attrition.battles.bakhmut.axes import BAKHMUT_LAWS
    from attrition.battles.bakhmut.calibration import calibrate

    return {
        lw: [
            calibrate(ev, law=lw, seed=seed + r, particles=settings.particles,
                      moves=settings.moves)
            for r in range(settings.repeats)
        ]
        for lw in BAKHMUT_LAWS
    }  # fmt: skip


def uncertainty_section(
    cals: Mapping[str, Sequence[Calibration]], weights: Any, seed: int, settings: ModelSettings
) -> tuple[Section, dict[str, Any]]:
    """Where the uncertainty of the baseline's answers comes from (law, parameters, chance):
    :func:`~attrition.battles.bakhmut.decomposition.run_decomposition` on each law's first
    calibration with the mixture's weights (``weights``: its
    :class:`~attrition.battles.bakhmut.mixture.LawWeights`), the casualty evidence's part left
    to docs/bakhmut-model.md (the section says so)."""
    from attrition.battles.bakhmut.decomposition import run_decomposition
    from attrition.report.decomposition import decomposition_section

    dec = run_decomposition(
        {lw: [cals[lw][0]] for lw in weights.laws},
        weights.weights,
        draws=settings.decomposition_draws,
        replicates=settings.decomposition_replicates,
        seed=seed,
    )
    return decomposition_section(dec)


def model_stage(fig_dir: str, seed: int, quick: bool) -> ModelStageOutput:
    """Calibrate every law on all the evidence (the casualty evidence of ``attrition scenario
    run``: :func:`~attrition.battles.bakhmut.scenarios.default_evidence`), run the scenario
    library as law mixtures
    (:func:`~attrition.battles.bakhmut.mixture.run_mixture`, paired effects against the
    baseline) and compare the baseline of the law with the highest weight with the record;
    figures go into ``fig_dir``."""
    from attrition.battles.bakhmut.mixture import run_mixture
    from attrition.battles.bakhmut.scenarios import default_evidence, library, load_scenario

    st = ModelSettings.for_mode(quick)
    folder = Path(fig_dir)
    fog = fused_fit("bakhmut", seed, quick)
    # the casualty evidence of `attrition scenario run` (the default fusion, its own settings),
    # so the report's scenarios are the CLI's for the same seed and settings
    ev = default_evidence(None)
    cals = law_calibrations(ev, seed, st)
    specs = [load_scenario(name) for name in library()]
    specs.sort(key=lambda s: (s.name != "baseline", s.name))
    results = [
        (s, run_mixture(s, runs=st.runs, seed=seed, calibrations=cals,
                        settings=(st.particles, st.moves)))
        for s in specs
    ]  # fmt: skip
    base = results[0][1]
    w = base.weights.by_law()
    best = max(w, key=lambda lw: (w[lw], -base.laws.index(lw)))
    record, record_sum = record_section(cals[best][0], base.per_law[best], ev, folder, base.weights)
    from attrition.battles.bakhmut.identification import combine_laws
    from attrition.report.identification import identification_section

    ident, ident_sum = identification_section(
        combine_laws({lw: c[0] for lw, c in cals.items()}, best)
    )
    scen, scen_sum = scenario_section(results, folder)
    unc, unc_sum = uncertainty_section(cals, base.weights, seed, st)
    # a subsection of the model section (the page's renderer places three model sections)
    record = Section(
        record.id,
        record.title,
        record.html + f'<h3 id="{unc.id}">{html.escape(unc.title)}</h3>' + unc.html,
    )
    summary = {
        "settings": st.describe(),
        "record": record_sum,
        "identification": ident_sum,
        **scen_sum,
        "uncertainty": unc_sum,
        "bakhmut_rate_per_1000_per_day": bakhmut_rates(ev, base.mixture),
    }
    return ModelStageOutput([record, ident, scen], summary, best, dict(fog.summary()), ev)


QUICK_HINDCAST = Section(
    "hindcast",
    "Hindcast skill",
    '<p class="pending">Quick mode: the hindcasts (three calibrations on what was known at each '
    "cutoff) are not computed; run without <code>--quick</code>.</p>",
)


def cutoff_evidence(cutoff: str, seed: int) -> CasualtyEvidence:
    """The casualty evidence known by ``cutoff`` (a fog-of-war fit on the claims known then)."""
    from attrition.battles.bakhmut.evidence import parse_cutoff

    ev: CasualtyEvidence = _evidence_fn(seed, ModelSettings.for_mode(False))(parse_cutoff(cutoff))
    return ev


def hindcast_part(
    cutoffs: Sequence[str],
    seed: int,
    evidence: CasualtyEvidence | None = None,
    known: Mapping[str, CasualtyEvidence] | None = None,
) -> pd.DataFrame:
    """Hindcast rows for ``cutoffs``, the law chosen at each cutoff from what was known by
    then (never the full record's choice). ``evidence`` (the all-claims
    casualty evidence, the hindcasts' truth) and ``known`` (cutoff -> evidence known by then,
    from :func:`cutoff_evidence`) save refitting them here."""
    from attrition.battles.bakhmut.evidence import parse_cutoff
    from attrition.battles.bakhmut.hindcasts import hindcast

    st = ModelSettings.for_mode(False)
    fn = _evidence_fn(seed, st)
    given = {parse_cutoff(k): v for k, v in (known or {}).items()}

    def ev_fn(cutoff: dt.date | None) -> CasualtyEvidence:
        if cutoff is None and evidence is not None:
            return evidence
        if cutoff in given:
            return given[cutoff]
        ev: CasualtyEvidence = fn(cutoff)
        return ev

    return hindcast(
        cutoffs,
        runs=st.hindcast_runs,
        seed=seed,
        law="auto",
        evidence_fn=ev_fn,
        settings=(st.hindcast_particles, st.hindcast_moves),
    )


def hindcast_result(table: pd.DataFrame) -> tuple[Section, list[dict[str, Any]]]:
    """The hindcast section and the table as JSON-able records."""
    clean = table.astype(object).where(table.notna(), None)
    records = [{str(k): v for k, v in r.items()} for r in clean.to_dict("records")]
    return hindcast_section(table, ModelSettings.for_mode(False)), records
