"""One estimate request, checked before its fit: what ``attrition estimate`` runs, as a library.

:class:`EstimateRequest` holds the options (window, cutoff, streams, draws, chains, seed,
period); :func:`load_estimate_inputs` reads a battle (a packaged name or a folder) or a claims
file with the battle's sides; :func:`check_request` checks every option against the data
before any sampling; :func:`run_request` fits (:func:`attrition.infer.fusion.fuse_claims`) and
adds the period share; :func:`estimate` does all three. The CLI, the report and the docs'
figure scripts call these, so no step of an estimate lives only in the command line.

Messages name the option as the command spells it (``--window``, ``--cutoff``...), which is
also the field of :class:`EstimateRequest` without its dashes.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.data.dates import parse_date
from attrition.errors import DataWarning, UserError

if TYPE_CHECKING:
    import pandas as pd

    from attrition.data.battle import BattleSpec
    from attrition.infer.fusion.claims import PreparedClaims
    from attrition.infer.fusion.estimator import FogOfWar
    from attrition.infer.fusion.joint import JointFog

__all__ = [
    "EstimateRequest",
    "check_request",
    "estimate",
    "load_estimate_inputs",
    "run_request",
    "warn_clipped",
]


@dataclass(frozen=True)
class EstimateRequest:
    """The fit's options as ``attrition estimate`` takes them (see its ``--help``).

    ``window`` and ``period`` are pairs of ISO dates, ``cutoff`` one ISO date; ``streams``
    names external streams (:data:`attrition.data.streams.STREAM_NAMES`); ``model`` the fusion
    model (:data:`attrition.infer.fusion.run.FUSION_MODELS`: ``joint``, the default, or
    ``independent``)."""

    window: tuple[str, str] | None = None
    cutoff: str | None = None
    streams: tuple[str, ...] = ()
    draws: int = 500
    chains: int = 4
    seed: int = 0
    period: tuple[str, str] | None = None
    model: str = "joint"

    def fog(self, *, streams: bool = True) -> dict[str, Any]:
        """Keyword arguments of :class:`attrition.infer.fusion.FogOfWar`."""
        out: dict[str, Any] = {
            "window": self.window,
            "cutoff": self.cutoff,
            "draws": self.draws,
            "chains": self.chains,
            "seed": self.seed,
            "model": self.model,
        }
        if streams:
            out["streams"] = self.streams
        return out

    def check_sizes(self) -> None:
        """Draws, chains and seed (no data needed)."""
        from attrition.errors import unknown_name
        from attrition.infer.fusion.run import FUSION_MODELS
        from attrition.limits import check_count, check_seed

        if self.model not in FUSION_MODELS:
            raise unknown_name("fusion model", self.model, FUSION_MODELS, "--model")
        check_count(self.draws, "--draws")
        check_count(self.chains, "--chains")
        check_seed(self.seed)


def load_estimate_inputs(
    battle: str | Path | None, claims_file: Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None, BattleSpec | None]:
    """The claims, phases and ``battle.toml`` of a battle (a packaged name or a folder), or of
    a claims file read with the battle's side vocabulary (a side the battle does not have is
    refused with the file, line and field). A claims file beside a ``battle.toml`` is read with
    that battle's sides."""
    from attrition.data.claims import battle_spec, load_claims, load_phases, side_vocab
    from attrition.data.schema import Claim, models_to_frame, read_claims_csv, read_models
    from attrition.infer.fusion.sides import DEFAULT_BATTLE

    if battle is None and claims_file is not None and claims_file.is_file():
        beside = claims_file.parent
        if (beside / "battle.toml").is_file():  # a claims file of a battle folder: its sides
            battle = beside
    spec = battle_spec(battle) if battle is not None else None
    if claims_file is not None:
        if claims_file.is_dir():
            raise UserError(f"--claims {claims_file}: is a folder; give a claims CSV")
        if not claims_file.is_file():
            raise UserError(f"--claims {claims_file}: no such file; give a claims CSV")
        if spec is not None:
            claims = models_to_frame(read_models(claims_file, Claim, side_vocab(spec)), Claim)
        else:
            claims = read_claims_csv(claims_file)
        phases = load_phases(battle) if battle is not None else None
        if claims.empty:
            raise UserError(f"{claims_file}: the claims file has no rows; add claims")
        return claims, phases, spec
    name = battle or DEFAULT_BATTLE
    return load_claims(name), load_phases(name), spec if battle is not None else battle_spec(name)


def check_request(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None,
    request: EstimateRequest,
    battle: BattleSpec | None = None,
) -> PreparedClaims:
    """Everything that can be checked before the fit, named by the command's options: sizes
    and seed, the window inside the claims' dates (:func:`~attrition.infer.fusion.battle_span`),
    the cutoff inside the battle window (:func:`~attrition.infer.fusion.battle_window`), the
    sides of the claims (``battle``), the period inside the fitted window and the memory of
    ``draws x chains`` draws (:func:`attrition.infer.fusion.check_fit_memory`). With a window,
    a :class:`~attrition.errors.DataWarning` counts the claims clipped to it
    (:func:`warn_clipped`). Returns the claims as the fit will place them."""
    from attrition.infer.fusion.claims import battle_span, battle_window, prepare_claims
    from attrition.infer.fusion.memory import check_fit_memory

    request.check_sizes()
    win = None
    if request.window is not None:
        w0 = parse_date(request.window[0], "--window")
        w1 = parse_date(request.window[1], "--window")
        if w0 is None or w1 is None:
            raise UserError("--window needs a start and an end date (YYYY-MM-DD)")
        if w1 < w0:
            raise UserError(f"--window {w0} {w1}: the end is before the start; swap them")
        lo, hi = battle_span(claims, phases)
        if w0 < lo or w1 > hi:
            raise UserError(
                f"--window {w0} {w1}: outside the dates of the battle's claims ({lo} to {hi}); "
                "give a window inside them, or leave --window out for the battle's own"
            )
        win = (w0, w1)
    cut = parse_date(request.cutoff, "--cutoff")
    if cut is not None:
        b0, b1 = battle_window(claims, phases, win, battle)
        if not b0 <= cut <= b1:
            raise UserError(
                f"--cutoff {cut}: outside the battle window ({b0} to {b1}); give a date inside "
                "it, or leave --cutoff out to use every claim"
            )
    prepared = prepare_claims(claims, win, cut, phases, battle=battle)
    if win is not None:
        warn_clipped(prepared)
    if request.period is not None:
        from attrition.infer.fusion.period import check_period

        check_period(request.period[0], request.period[1], prepared.window)
    days = (prepared.window[1] - prepared.window[0]).days + 1
    months = -(-days // 30)
    n_streams = len(request.streams) or (3 if request.model == "joint" else 0)
    n_obs = len(prepared.used) + 3 * months * n_streams
    check_fit_memory(days, n_obs, request.draws, request.chains, options=("--draws", "--chains"))
    return prepared


def warn_clipped(prepared: PreparedClaims) -> None:
    """One warning line: how many used claims the window clips, and what that does."""
    used = prepared.used
    clipped = int(used["reason"].str.contains("clipped to window", regex=False).sum())
    if not clipped:
        return
    w0, w1 = prepared.window
    warnings.warn(
        f"--window {w0} {w1}: {clipped} claim(s) speak of periods reaching beyond the window "
        "and are clipped to it: their whole figures are read as falling inside it, which "
        f"inflates the window's totals; for the share of the whole fit use --period {w0} {w1}",
        DataWarning,
        stacklevel=2,
    )


def run_request(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None,
    request: EstimateRequest,
    battle: BattleSpec | None = None,
) -> tuple[dict[str, Any], FogOfWar | JointFog]:
    """Fit (:func:`~attrition.infer.fusion.fuse_claims`) and return ``(summary, fitted
    FogOfWar)``; with streams the summary gains ``streams_effect``, with a period ``period``
    (:meth:`attrition.infer.fusion.period.PeriodEstimate.summary`). Call
    :func:`check_request` first."""
    from attrition.infer.fusion.run import fuse_claims

    est = fuse_claims(claims, phases, battle=battle, **request.fog())
    summary = est.summary()
    if request.period is not None:
        from attrition.infer.fusion.period import period_estimate

        summary["period"] = period_estimate(est.fog, *request.period).summary()
    return summary, est.fog


def estimate(
    battle: str | Path | None = None,
    request: EstimateRequest | None = None,
    *,
    claims_file: Path | None = None,
) -> tuple[dict[str, Any], FogOfWar | JointFog]:
    """Load, check every option before the fit, then fit: ``attrition estimate`` as a function.

    ``battle``: a packaged battle's name or a battle folder (default bakhmut)."""
    req = request or EstimateRequest()
    req.check_sizes()
    claims, phases, spec = load_estimate_inputs(battle, claims_file)
    check_request(claims, phases, req, spec)
    return run_request(claims, phases, req, spec)
