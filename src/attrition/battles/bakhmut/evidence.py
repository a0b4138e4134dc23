"""Casualty evidence for the Bakhmut calibration.

Daily casualty draws per side from the fusion, summarised on log monthly totals.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.battles.bakhmut.axes import DAYS, END, START
from attrition.battles.bakhmut.engine import simulate
from attrition.battles.bakhmut.model import BakhmutModel
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd
from attrition.data.dates import as_date, parse_date


def parse_cutoff(cutoff: str | dt.date | None) -> dt.date | None:
    """A cutoff date inside the battle window, or ``None``.

    Raises :class:`UserError` for a malformed date or one outside the model's window.
    """
    if cutoff is None or cutoff == "":
        return None
    day = parse_date(cutoff, "--cutoff")
    if day is None:
        return None
    cutoff = day
    if not START + dt.timedelta(days=30) <= cutoff <= END:
        raise UserError(
            f"--cutoff {cutoff} is outside the battle; give a date from "
            f"{START + dt.timedelta(days=30)} to {END}"
        )
    return cutoff


def filter_known(
    claims: pd.DataFrame, events: pd.DataFrame, cutoff: dt.date | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Claims and events known by ``cutoff`` (:func:`attrition.data.known.known_by`).

    Under a cutoff a claim needs its ``claim_date`` (an undated claim is dropped) and an event
    its ``date``. Without a cutoff every claim is kept (the observation mapping later skips
    claims it cannot place in time), and undated events are dropped (they cannot be placed).
    """
    from attrition.data.known import known_by

    if cutoff is None:
        return claims.reset_index(drop=True), events.loc[events["date"].notna()].reset_index(
            drop=True
        )
    return known_by(claims, cutoff), known_by(events, cutoff, date_column="date")


@dataclass(frozen=True)
class CasualtyEvidence:
    """Posterior draws of daily casualties (killed + wounded) per side.

    Attributes:
        dates: ``(days,)`` consecutive calendar days (``datetime64[D]``).
        draws: ``(n_draws, days, 2)`` daily casualties of Russia (Wagner included) and Ukraine.
        killed: optional ``(n_draws, days, 2)`` daily killed (not used by the model).
        wagner: optional ``(n_draws, days)`` daily Wagner casualties.
        source: where the draws come from (shown in reports).
    """

    dates: np.ndarray
    draws: np.ndarray
    killed: np.ndarray | None = None
    wagner: np.ndarray | None = None
    source: str = ""

    def __post_init__(self) -> None:
        dates = np.asarray(self.dates, dtype="datetime64[D]")
        object.__setattr__(self, "dates", dates)
        d = np.asarray(self.draws, dtype=float)
        object.__setattr__(self, "draws", d)
        if d.ndim != 3 or d.shape[2] != 2 or d.shape[1] != dates.shape[0]:
            raise UserError(
                f"casualty evidence: draws must have shape (draws, {dates.shape[0]}, 2), "
                f"got {d.shape}"
            )
        if d.shape[0] < 10:
            raise UserError(f"casualty evidence: need at least 10 draws, got {d.shape[0]}")
        if not np.all(np.isfinite(d)) or np.any(d < 0):
            raise UserError("casualty evidence: draws must be finite and >= 0")
        if dates.size > 1 and np.any(np.diff(dates).astype(int) != 1):
            raise UserError("casualty evidence: dates must be consecutive days")
        if self.wagner is not None:
            w = np.asarray(self.wagner, dtype=float)
            if w.shape != d.shape[:2] or not np.all(np.isfinite(w)) or np.any(w < 0):
                raise UserError(
                    f"casualty evidence: wagner draws must be finite, >= 0 and of shape "
                    f"{d.shape[:2]}, got {w.shape}"
                )
            object.__setattr__(self, "wagner", w)

    def truncate(self, cutoff: dt.date | None) -> CasualtyEvidence:
        """Only the days up to and including ``cutoff``."""
        if cutoff is None:
            return self
        keep = self.dates <= np.datetime64(cutoff, "D")
        return CasualtyEvidence(
            self.dates[keep],
            self.draws[:, keep],
            None if self.killed is None else self.killed[:, keep],
            None if self.wagner is None else self.wagner[:, keep],
            self.source,
        )


def casualty_evidence(
    cutoff: str | dt.date | None = None,
    *,
    draws: int = 300,
    chains: int = 2,
    seed: int = 0,
) -> CasualtyEvidence:
    """Casualty evidence from the default fusion (:func:`fusion_to_evidence`).

    Uses only the claims known by ``cutoff``. Raises :class:`UserError` when the fog-of-war
    estimate is not available (module missing, NumPyro not installed, or the fit fails).
    """
    c = parse_cutoff(cutoff) if not isinstance(cutoff, dt.date) else cutoff
    return _fog_evidence(c, draws, chains, seed)


@functools.lru_cache(maxsize=8)
def _fog_evidence(
    cutoff: dt.date | None, draws: int, chains: int, seed: int
) -> CasualtyEvidence:  # pragma: no cover - exercised where NumPyro and fusion.py are present
    try:
        from attrition.infer import fusion
    except ImportError as exc:
        raise UserError(
            "casualty evidence needs the fog-of-war estimate (attrition.infer.fusion) and "
            f"NumPyro (pip install 'attrition[bayes]'): {exc}"
        ) from exc
    return fusion_to_evidence(fusion, cutoff, draws, chains, seed)


def fusion_to_evidence(
    fusion: Any, cutoff: dt.date | None, draws: int, chains: int, seed: int
) -> CasualtyEvidence:  # pragma: no cover - needs NumPyro
    """Fit the default fusion (:func:`attrition.infer.fusion.fuse_claims`: the joint model of
    the battle inside the war) on the packaged claims known by ``cutoff`` over the model's
    window and turn its posterior into :class:`CasualtyEvidence` (see
    :func:`casualty_evidence`)."""
    from attrition.data.claims import load_claims, load_phases

    try:
        est = fusion.fuse_claims(
            load_claims("bakhmut"),
            load_phases("bakhmut"),
            window=(START, END),
            cutoff=cutoff,
            draws=draws,
            chains=chains,
            seed=seed,
            warn=False,
            battle="bakhmut",
        )
    except UserError:
        raise
    except Exception as exc:
        raise UserError(f"the fog-of-war estimate failed: {type(exc).__name__}: {exc}") from exc
    return evidence_from_fog(est.fog)


def evidence_from_fog(fog: Any) -> CasualtyEvidence:
    """Daily casualty draws of a fitted fusion (:class:`~attrition.infer.fusion.joint.JointFog`,
    the default, or :class:`~attrition.infer.fusion.FogOfWar`), at the battle.

    Reads its daily draws (:meth:`~attrition.infer.fusion.FogOfWar.daily_draws`, sides RU then
    UA), its killed share and, where estimated, its Wagner share of Russian casualties.
    """
    try:
        samples = fog.samples_
        days, daily = fog.daily_draws()
        dates = np.array(days, dtype="datetime64[D]")
        ks = samples.get("killed_share")
        killed = None
        if hasattr(fog, "daily_killed_draws"):  # the joint fusion: killed summed over leaves
            killed = fog.daily_killed_draws()
        elif ks is not None:
            k = np.asarray(ks, dtype=float).reshape(-1, 2)
            killed = daily * k[:, None, :]
        wagner = None
        try:
            w = np.asarray(fog.share_draws("WAGNER"), dtype=float)
        except UserError:  # Wagner not estimated (no claim speaks of it)
            w = None
        if w is not None:
            wagner = daily[:, :, 0] * w[:, None]
    except (AttributeError, KeyError, ValueError, IndexError) as exc:
        raise UserError(
            f"cannot read daily casualty draws from FogOfWar ({type(exc).__name__}: {exc}); "
            "update attrition.battles.bakhmut.evidence.evidence_from_fog"
        ) from exc
    name = type(fog).__name__
    return CasualtyEvidence(dates, daily, killed, wagner, f"{name} (attrition.infer.fusion)")


def synthetic_evidence(
    model: BakhmutModel,
    params: Mapping[str, float],
    *,
    draws: int = 200,
    noise: float = 0.15,
    seed: int = 0,
) -> CasualtyEvidence:
    """Casualty evidence drawn around a deterministic run of ``model`` (for tests and studies).

    Each draw multiplies the true daily series by a lognormal level shared over the battle
    (sd ``noise``) and a lognormal factor per month (sd ``noise``).
    """
    p = {k: np.array([float(v)]) for k, v in params.items()}
    run = simulate(model, p)
    truth = run.daily_losses[0]
    rng = np.random.default_rng(seed)
    dates = np.arange(np.datetime64(START, "D"), np.datetime64(START, "D") + DAYS)
    month = (dates.astype("datetime64[M]") - dates[0].astype("datetime64[M]")).astype(int)
    n_m = int(month.max()) + 1
    level = rng.normal(0.0, noise, size=(draws, 1, 2))
    per_month = rng.normal(0.0, noise, size=(draws, n_m, 2))[:, month]
    d = truth[None] * np.exp(level + per_month)
    return CasualtyEvidence(dates, d, None, None, "synthetic")


def publication_dates(claims: pd.DataFrame, events: pd.DataFrame) -> dict[str, dt.date | None]:
    """When each claim (``claim_date``) and control event (``date``) was published, by id."""
    out: dict[str, dt.date | None] = {}
    for table, col in ((claims, "claim_date"), (events, "date")):
        for i, d in zip(table["id"], table[col], strict=True):
            out[str(i)] = as_date(d)
    return out
