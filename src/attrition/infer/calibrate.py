"""Calibrate the Bakhmut model to the evidence: posterior draws of its parameters.

The evidence (everything filtered to what was known by ``cutoff`` *before* anything else):

* casualties: posterior draws of daily casualties per side from the fog-of-war estimate
  (:class:`CasualtyEvidence`), summarised as a multivariate normal on log monthly totals;
* control events (``control_events.csv``): each mapped to a statement about a front's radius
  (Russia holds a place: the front is inside it; Ukraine holds it: outside; contested: near);
* city-control percentages, force-size, ammunition, advance and cost-per-km claims
  (``claims.csv``), each an observation of a model quantity with the claim's qualifier
  (``at_least``/``at_most`` censored, ``range`` an interval) and a noise by claimant relation.

Inference: adaptive tempered sequential Monte Carlo over the unconstrained parameters (the
deterministic daily map of the model is the likelihood's engine, batched over particles):
posterior draws and an estimate of the marginal likelihood, by which the attrition laws of the
family are compared (:func:`calibrate` with ``law="auto"``).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.errors import UserError, unknown_name
from attrition.infer.smc import chunked, gaussian_log_prior, tempered_smc
from attrition.models.bakhmut import (
    BAKHMUT_LAWS,
    CITY_AREA_KM2,
    DAYS,
    END,
    PARAMS,
    START,
    BakhmutModel,
    BakhmutRuns,
    BakhmutSchedule,
    ParamSpec,
    city_fraction,
    geography,
    priors_known_by,
    radius_for_fraction,
    simulate,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Calibration",
    "CasualtyEvidence",
    "LawFit",
    "Observation",
    "Observations",
    "band_covers",
    "build_observations",
    "calibrate",
    "casualty_evidence",
    "check_law_name",
    "evidence_from_fog",
    "filter_known",
    "log_likelihood",
    "log_posterior",
    "observation_values",
    "parse_cutoff",
    "publication_dates",
    "record_fit",
    "statement_holds",
    "synthetic_evidence",
]

# ---------------------------------------------------------------------------------------------
# cutoff


def parse_cutoff(cutoff: str | dt.date | None) -> dt.date | None:
    """A cutoff date inside the battle window, or ``None``.

    Raises :class:`UserError` for a malformed date or one outside the model's window.
    """
    if cutoff is None or cutoff == "":
        return None
    if isinstance(cutoff, str):
        try:
            cutoff = dt.date.fromisoformat(cutoff)
        except ValueError as exc:
            raise UserError(f"--cutoff {cutoff!r} is not a date; write it as YYYY-MM-DD") from exc
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


# ---------------------------------------------------------------------------------------------
# casualty evidence


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
    """Casualty evidence from the fog-of-war estimate (:class:`attrition.infer.fusion.FogOfWar`).

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
    """Fit :class:`FogOfWar` on the packaged claims known by ``cutoff`` over the model's window
    and turn its posterior into :class:`CasualtyEvidence` (see :func:`casualty_evidence`)."""
    from attrition.data.claims import load_claims

    try:
        fog = fusion.FogOfWar(
            window=(START, END), cutoff=cutoff, draws=draws, chains=chains, seed=seed, warn=False
        )
        fog.fit(load_claims("bakhmut"))
    except UserError:
        raise
    except Exception as exc:
        raise UserError(f"the fog-of-war estimate failed: {type(exc).__name__}: {exc}") from exc
    return evidence_from_fog(fog)


def evidence_from_fog(fog: Any) -> CasualtyEvidence:
    """Daily casualty draws of a fitted :class:`~attrition.infer.fusion.FogOfWar`.

    Reads its daily draws (:meth:`FogOfWar.daily_draws`, sides RU then UA), its killed share
    and, where estimated, its Wagner share of Russian casualties.
    """
    try:
        samples = fog.samples_
        days, daily = fog.daily_draws()
        dates = np.array(days, dtype="datetime64[D]")
        ks = samples.get("killed_share")
        killed = None
        if ks is not None:
            k = np.asarray(ks, dtype=float).reshape(-1, 2)
            killed = daily * k[:, None, :]
        wagner = None
        if "wagner_share" in samples:
            w = np.asarray(samples["wagner_share"], dtype=float).reshape(-1)
            wagner = daily[:, :, 0] * w[:, None]
    except (AttributeError, KeyError, ValueError, IndexError) as exc:
        raise UserError(
            f"cannot read daily casualty draws from FogOfWar ({type(exc).__name__}: {exc}); "
            "update attrition.infer.calibrate.evidence_from_fog"
        ) from exc
    return CasualtyEvidence(dates, daily, killed, wagner, "FogOfWar (attrition.infer.fusion)")


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


# ---------------------------------------------------------------------------------------------
# observations


@dataclass(frozen=True)
class Observation:
    """One observation of a model quantity.

    Attributes:
        id: claim or event id.
        source: ``"claim"`` or ``"event"``.
        quantity: what the model is compared with (see :data:`QUANTITIES`).
        day: day the quantity is read (0 = 1 Aug 2022); ``day0`` starts a period, else -1.
        front: front index for ``"front"`` (0 N, 1 E, 2 S), else -1.
        kind: ``"value"``, ``"at_least"``, ``"at_most"``, ``"range"`` or ``"contested"``.
        low, high: bounds on the natural scale (equal for a value).
        scale: ``"log"``, ``"logit"`` or ``"km"`` (the scale the noise is on).
        sigma: noise sd on that scale.
        weight: weight in the likelihood (repeated statements share one unit).
        label: what it says, for reports.
        date: the date the quantity is read.
        place: the place the statement is about ('' if none).
    """

    id: str
    source: str
    quantity: str
    day: int
    day0: int
    front: int
    kind: str
    low: float
    high: float
    scale: str
    sigma: float
    weight: float
    label: str
    date: dt.date
    place: str = ""


QUANTITIES: tuple[str, ...] = (
    "front",
    "city",
    "ru_strength",
    "ua_strength",
    "convicts_recruited",
    "wagner_professionals_total",
    "supply",
    "advance_total",
    "casualties_per_km",
    "cm_per_casualty",
    "ua_area_gain",
    "ua_arm_advance",
)


@dataclass(frozen=True)
class Observations:
    """Everything the likelihood reads, built from evidence known by ``cutoff``.

    Attributes:
        items: the claim and event observations.
        skipped: ``(id, reason)`` of claims and events not used.
        casualty_periods: ``(start_day, end_day)`` of the log-total periods (end exclusive).
        casualty_mean: mean of the log totals (RU periods, then UA, then Wagner if present).
        casualty_prec: precision matrix of the log totals.
        wagner: whether Wagner totals are in the casualty block.
        cutoff: the cutoff (``None``: all dated evidence).
    """

    items: tuple[Observation, ...]
    skipped: tuple[tuple[str, str], ...]
    casualty_periods: tuple[tuple[int, int], ...]
    casualty_mean: np.ndarray
    casualty_prec: np.ndarray
    wagner: bool
    cutoff: dt.date | None

    def to_frame(self) -> pd.DataFrame:
        """The claim and event observations as a table."""
        import pandas as pd

        return pd.DataFrame([o.__dict__ for o in self.items])


_RU_ASSERT = {
    ("captured", "RU"),
    ("claimed_captured", "RU"),
    ("entered", "RU"),
    ("held", "RU"),
    ("encircled", "RU"),
    ("recaptured", "RU"),
    ("withdrew", "UA"),
}
_UA_ASSERT = {
    ("held", "UA"),
    ("recaptured", "UA"),
    ("captured", "UA"),
    ("encircled", "UA"),
    ("withdrew", "RU"),
}

# Parts of Bakhmut named in the events: statement -> (target, position[, upper]).
# target "city": positions are city-control fractions; "N", "S", "NS": km from the ring centre
# ("EDGE" is the distance of the city's northern/southern edge, "C" of its centre).
_STRIP = ("city", 0.995)
CITY_PARTS: dict[str, dict[str, tuple[Any, ...]]] = {
    "": {"ru": ("city", 0.90), "ua": ("city", 0.99), "contested": ("city", 0.01, 0.99)},
    "east of the bakhmutka river": {"ru": ("city", 0.45)},
    "bakhmutka river line": {"ua": ("city", 0.60), "contested": ("city", 0.40, 0.60)},
    "city centre": {"ru": ("city", 0.60)},
    "town hall": {"ru": ("city", 0.55)},
    "azom factory": {"ru": ("city", 0.55)},
    "people's house": {"ru": ("city", 0.60)},
    "northern and southern outskirts": {"ru": ("NS", "EDGE"), "ua": ("NS", "EDGE")},
    "east": {"ru": ("city", 0.02), "contested": ("city", 0.0, 0.2)},
    "industrial zone, patrice lumumba street": {"ru": ("city", 0.02)},
    "siniat alc factory": {"ru": ("city", 0.02)},
    "artwinery plant": {"ru": ("city", 0.02)},
    "eastern outskirts, patrice lumumba street": {"ru": ("city", 0.005)},
    "eastern outskirts, patrice lumumba street factories": {"ua": ("city", 0.03)},
    "eastern and southeastern sectors, zabakhmutka": {
        "ru": ("city", 0.02),
        "contested": ("city", 0.0, 0.2),
    },
    "eastern industrial zone": {"ua": ("city", 0.05)},
    "northeastern and southern approaches": {"ua": ("NS", "EDGE")},
    "northern approach": {"contested": ("N", 11.0, 13.5)},
    "southern approach": {"ru": ("S", 13.0)},
    "t0504 highway strip": {"ua": _STRIP},
    "western part": {"ua": _STRIP},
    "mig-17 monument": {"ua": _STRIP},
    "a sector": {"ua": _STRIP},
    "parts": {"ua": _STRIP},
    "southwestern strip": {"ua": _STRIP},
    "southwestern outskirts and entrance": {"ua": _STRIP},
    "t0504 highway": {"ua": _STRIP},
    "some parts": {"ua": _STRIP},
    "t0504 highway entrance": {"ru": ("city", 0.95), "contested": ("city", 0.95, 0.999)},
    "southwestern outskirts": {"ua": ("S", 9.0), "ru": ("S", 9.0)},
    "northern and southern suburbs": {"ua": ("NS", 10.0), "contested": ("NS", 9.5, 11.5)},
    "flanks": {"ua": ("NS", 10.0), "contested": ("NS", 9.5, 11.5)},
    "northern flank": {"ua": ("N", 10.0)},
    "northern and southern flanks": {"ua": ("NS", 10.0), "contested": ("NS", 9.5, 11.5)},
    "suburbs": {"ua": ("NS", 10.0)},
    "outskirts": {"ua": ("NS", 10.0)},
    "southwest, northwest and west": {"contested": ("city", 0.90, 1.0)},
}
"""How each named part of Bakhmut in the control events maps onto the model's fronts."""

EVENT_WIDTH_KM = 0.75
"""Spread (km) of a control event by the article's voice, an independent or Western source."""
PARTISAN_FACTOR = 2.0
"""Wider spread for a claim in the claimant's own favour (and every 'claimed_captured')."""


def _date(v: Any) -> dt.date | None:
    """A pandas timestamp (or NaT/None) as a date."""
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return pd.Timestamp(v).date()


def _num(v: Any) -> float:
    """A number, NaN when missing."""
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return math.nan
    return float(v)


def _text(v: Any) -> str:
    """A string cell ('' when missing)."""
    return v if isinstance(v, str) else ""


def _assertion(event: str, by_side: str) -> str | None:
    if event == "contested":
        return "contested"
    if (event, by_side) in _RU_ASSERT:
        return "ru"
    if (event, by_side) in _UA_ASSERT:
        return "ua"
    return None


def _event_observations(
    events: pd.DataFrame,
) -> tuple[list[Observation], list[tuple[str, str]]]:
    geo = geography()
    c_dist = geo.city_distance
    edge = float(np.hypot(geo.city_distance, geo.city_radius))
    out: list[Observation] = []
    skipped: list[tuple[str, str]] = []
    for rec in events.to_dict("records"):
        ev = _Row({str(k): v for k, v in rec.items()})
        eid = str(ev.id)
        date = _date(ev.date)
        if date is None:
            skipped.append((eid, "undated"))
            continue
        day = (date - START).days
        if not 0 <= day <= DAYS:
            skipped.append((eid, "outside the model's window (1 Aug 2022 – 30 Jun 2023)"))
            continue
        place = str(ev.place)
        m = re.match(r"^(.*?)\s*(?:\((.*)\))?$", place)
        base, part = (m.group(1).strip(), (m.group(2) or "").strip().lower()) if m else (place, "")
        assertion = _assertion(str(ev.event), str(ev.by_side))
        if assertion is None:
            skipped.append((eid, f"event {ev.event!r} by {ev.by_side} has no territorial meaning"))
            continue
        partisan = (
            str(ev.event) == "claimed_captured"
            or (assertion == "ru" and ev.claimant_side == "RU")
            or (assertion == "ua" and ev.claimant_side == "UA")
        )
        width = EVENT_WIDTH_KM * (PARTISAN_FACTOR if partisan else 1.0)
        if ev.event == "entered":
            width += 0.5
        targets: list[tuple[int, str, float, float]] = []  # (front, kind, low, high) in km
        if ev.event == "encircled":
            if base != "Bakhmut":
                skipped.append((eid, f"encirclement of {place!r} is not modelled"))
                continue
            kind = "at_most" if assertion == "ru" else "at_least"
            r_star = c_dist + (0.5 if assertion == "ru" else -0.5)
            targets = [(0, kind, r_star, r_star), (2, kind, r_star, r_star)]
        elif base == "Bakhmut":
            spec = CITY_PARTS.get(part, {}).get(assertion)
            if spec is None:
                why = "not mapped" if part not in CITY_PARTS else f"no {assertion} statement"
                skipped.append((eid, f"part of the city {place!r}: {why}"))
                continue
            targets = _targets_from_spec(spec, assertion, edge)
        elif base in geo.arm and base not in ("Bakhmut",):
            front = ("N", "E", "S").index(geo.arm[base])
            r_star = geo.distance[base] + (0.5 if ev.event == "entered" else 0.0)
            kind = {"ru": "at_most", "ua": "at_least", "contested": "contested"}[assertion]
            targets = [(front, kind, r_star, r_star)]
        else:
            skipped.append((eid, f"place {place!r} has no position in the gazetteer"))
            continue
        share = 1.0 / len(targets)
        for front, kind, lo, hi in targets:
            if kind == "at_most":
                lo = -math.inf
            elif kind == "at_least":
                hi = math.inf
            out.append(
                Observation(
                    id=eid,
                    source="event",
                    quantity="front",
                    day=day,
                    day0=-1,
                    front=front,
                    kind=kind,
                    low=lo,
                    high=hi,
                    scale="km",
                    sigma=width,
                    weight=share,
                    label=f"{ev.event} {ev.by_side}: {place} ({ev.claimant})",
                    date=date,
                    place=place,
                )
            )
    return out, skipped


def _targets_from_spec(
    spec: tuple[Any, ...], assertion: str, edge: float
) -> list[tuple[int, str, float, float]]:
    target = spec[0]

    def pos(v: Any) -> float:
        return edge if v == "EDGE" else float(v)

    if target == "city":
        if len(spec) == 3:  # a band of fractions: radius decreases as the fraction grows
            lo_r = radius_for_fraction(float(spec[2]))
            hi_r = radius_for_fraction(float(spec[1]))
            return [(1, "range", lo_r, hi_r)]
        r = radius_for_fraction(float(spec[1]))
        kind = "at_most" if assertion == "ru" else "at_least"
        return [(1, kind, r, r)]
    fronts = {"N": [0], "S": [2], "NS": [0, 2]}[target]
    if len(spec) == 3:
        return [(f, "range", pos(spec[1]), pos(spec[2])) for f in fronts]
    r = pos(spec[1])
    kind = "at_most" if assertion == "ru" else "at_least"
    return [(f, kind, r, r) for f in fronts]


_CLAIMANT_SIGMA = {"OTHER": 1.0, "INDEPENDENT": 1.0, "WEST": 1.0, "RU": 2.0, "UA": 2.0}
_FLIP = {"at_least": "at_most", "at_most": "at_least"}


def _claim_observations(
    claims: pd.DataFrame,
    offensive_start: int | None,
    supply_windows: Sequence[tuple[int, int]],
) -> tuple[list[Observation], list[tuple[str, str]]]:
    """Map claims onto model quantities (casualty figures are left to the fog-of-war estimate)."""

    geo = geography()
    out: list[Observation] = []
    skipped: list[tuple[str, str]] = []
    casualty_metrics = {
        "killed",
        "wounded",
        "captured",
        "casualties",
        "missing",
        "casualty_ratio",
    }
    for rec in claims.to_dict("records"):
        c = _Row({str(k): v for k, v in rec.items()})
        cid = str(c.id)
        metric = str(c.metric)
        if metric in casualty_metrics:
            skipped.append((cid, "casualty figure: enters through the fog-of-war estimate"))
            continue
        ps = _date(c.period_start)
        pe = _date(c.period_end)
        known = _date(c.claim_date) or pe
        end_d = pe if pe is not None else known
        if end_d is None:
            skipped.append((cid, "undated"))
            continue
        mid_d = end_d
        if ps is not None and pe is not None and (pe - ps).days > 1:
            mid_d = ps + (pe - ps) / 2
        day_end = (end_d - START).days
        day_mid = (mid_d - START).days
        if not 0 <= day_end <= DAYS:
            skipped.append((cid, "outside the model's window"))
            continue
        day0 = max(0, (ps - START).days) if ps is not None else -1
        qual = str(c.qualifier)
        lo = _num(c.value_low)
        hi = _num(c.value_high)
        rel = str(c.claimant_side)
        place = _text(c.place)
        quote = _text(c.quote).lower()
        base_sigma = _CLAIMANT_SIGMA.get(rel, 1.5)
        kind = {"exact": "value", "about": "value"}.get(qual, qual)
        label = f"{metric} {c.subject_side} ({c.claimant}): {c.quote}"
        date = (START + dt.timedelta(days=day_end)).isoformat()
        base: dict[str, Any] = dict(
            id=cid,
            source="claim",
            day0=-1,
            front=-1,
            weight=1.0,
            label=label,
            date=dt.date.fromisoformat(date),
            place=place,
        )
        if metric == "city_control_pct":
            if place != "Bakhmut":
                if place in geo.arm and geo.arm[place] != "E":
                    v = lo if math.isfinite(lo) else hi
                    r = geo.distance[place] + (0.5 - v / 100.0)
                    out.append(
                        Observation(
                            quantity="front",
                            day=day_mid,
                            kind="value",
                            low=r,
                            high=r,
                            scale="km",
                            sigma=0.75 * base_sigma,
                            **{**base, "front": ("N", "E", "S").index(geo.arm[place])},
                        )
                    )
                else:
                    skipped.append((cid, f"share of {place!r}: place not modelled"))
                continue
            f_lo, f_hi = lo / 100.0, hi / 100.0
            if c.subject_side == "UA":  # Ukraine's share: Russia holds the rest
                f_lo, f_hi = 1.0 - f_hi, 1.0 - f_lo
                kind = _FLIP.get(kind, kind)
            low, high = _bounds(kind, f_lo, f_hi)
            out.append(
                Observation(
                    quantity="city",
                    day=day_mid,
                    kind=kind,
                    low=low,
                    high=high,
                    scale="logit",
                    sigma=0.4 * base_sigma,
                    **base,
                )
            )
        elif metric == "area_km2" and place in ("", "Bakhmut") and c.subject_side == "UA":
            if rel == "INDEPENDENT" or "controlled" in quote:
                f = 1.0 - lo / CITY_AREA_KM2
                out.append(
                    Observation(
                        quantity="city",
                        day=day_mid,
                        kind="value",
                        low=f,
                        high=f,
                        scale="logit",
                        sigma=0.4 * base_sigma,
                        **{**base, "weight": 0.5},
                    )
                )
            elif offensive_start is not None:
                start = day0 if day0 >= 0 else offensive_start
                if "lost" in quote and day0 >= 0:
                    start = max(day0 - 1, 0)
                out.append(
                    Observation(
                        quantity="ua_area_gain",
                        day=day_end,
                        kind="value",
                        low=lo,
                        high=lo,
                        scale="log",
                        sigma=0.35 * base_sigma,
                        **{**base, "day0": start},
                    )
                )
            else:
                skipped.append((cid, "Ukrainian gain before the counter-offensive is known"))
        elif metric == "advance_m" and c.subject_side in ("RU", "WAGNER") and hi > 10_000:
            v = lo if math.isfinite(lo) else hi
            out.append(
                Observation(
                    quantity="advance_total",
                    day=day_end,
                    kind="value",
                    low=v / 1000.0,
                    high=v / 1000.0,
                    scale="log",
                    sigma=0.15 * base_sigma,
                    **base,
                )
            )
        elif metric in ("casualties_per_km", "cm_per_casualty"):
            low, high = _bounds(kind, lo, hi)
            out.append(
                Observation(
                    quantity=metric,
                    day=day_end,
                    kind=kind,
                    low=low,
                    high=high,
                    scale="log",
                    sigma=0.3 * base_sigma,
                    **{**base, "day0": max(day0, 0)},
                )
            )
        elif metric == "personnel":
            v = lo if math.isfinite(lo) else hi
            if not v >= 1000:
                skipped.append((cid, "unit-level figure (< 1,000), not the battle's forces"))
                continue
            if c.subject_side == "UA":
                q, sig = "ua_strength", 0.25 * base_sigma
            elif c.subject_side == "RU":
                q, sig = "ru_strength", 0.25 * base_sigma
            elif "prison" in quote:
                q, sig = "convicts_recruited", 0.2 * base_sigma
            elif "professional" in quote:
                q, sig, kind = "wagner_professionals_total", 0.2 * base_sigma, "at_most"
            else:
                skipped.append((cid, "Wagner strength inside the city only; not modelled"))
                continue
            if c.subject_side == "RU" and qual not in ("exact", "about"):
                skipped.append((cid, "a bound on reinforcements, not a strength"))
                continue
            low, high = _bounds(kind, lo, hi) if kind != "value" else (v, v)
            if kind == "at_most" and not math.isfinite(high):
                low, high = math.nan, v
            out.append(
                Observation(
                    quantity=q,
                    day=day_mid,
                    kind=kind,
                    low=low,
                    high=high,
                    scale="log",
                    sigma=sig,
                    **base,
                )
            )
        elif metric == "ammo_delivered_pct":
            v = (lo if math.isfinite(lo) else hi) / 100.0
            ref = max(day_end - 14, 0)
            out.append(
                Observation(
                    quantity="supply",
                    day=ref,
                    kind="value",
                    low=v,
                    high=v,
                    scale="logit",
                    sigma=0.5 * base_sigma,
                    **base,
                )
            )
        elif metric == "ammo_tonnes_per_day":
            skipped.append((cid, "the demand that supply shares are measured against"))
        elif metric in ("advance_m", "advance_depth_m") and c.subject_side == "UA":
            if offensive_start is None or day_end <= offensive_start:
                skipped.append((cid, "Ukrainian advance before the counter-offensive is known"))
                continue
            low, high = _bounds(kind, lo / 1000.0, hi / 1000.0)
            out.append(
                Observation(
                    quantity="ua_arm_advance",
                    day=day_end,
                    kind=kind,
                    low=low,
                    high=high,
                    scale="log",
                    sigma=0.5 * base_sigma,
                    **{**base, "day0": offensive_start, "weight": -1.0},
                )
            )
        elif metric == "advance_m":
            skipped.append((cid, "local Russian advance in the city; not a front average"))
        else:
            skipped.append((cid, f"metric {metric} is not a model quantity"))
    del supply_windows
    return out, skipped


class _Row:
    """Attribute access to one record of a table (values are ``Any``)."""

    def __init__(self, rec: dict[str, Any]) -> None:
        self._rec = rec

    def __getattr__(self, name: str) -> Any:
        try:
            return self._rec[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def _bounds(kind: str, lo: float, hi: float) -> tuple[float, float]:
    if kind == "at_least":
        return lo, math.inf
    if kind == "at_most":
        return -math.inf, hi
    if kind == "range":
        return lo, hi
    v = lo if math.isfinite(lo) else hi
    return v, v


def _group_weights(items: list[Observation]) -> list[Observation]:
    """Repeated statements of the same thing in the same month share one unit of weight."""
    groups: dict[tuple[Any, ...], int] = {}
    keys = []
    for o in items:
        key = (
            o.source,
            o.quantity,
            o.front,
            o.kind,
            round(o.low, 2) if math.isfinite(o.low) else o.low,
            round(o.high, 2) if math.isfinite(o.high) else o.high,
            o.date.strftime("%Y-%m") if o.source == "event" else o.date.isoformat(),
        )
        keys.append(key)
        groups[key] = groups.get(key, 0) + 1
    return [replace(o, weight=o.weight / groups[k]) for o, k in zip(items, keys, strict=True)]


def _casualty_block(
    evidence: CasualtyEvidence | None, cutoff: dt.date | None
) -> tuple[tuple[tuple[int, int], ...], np.ndarray, np.ndarray, bool]:
    if evidence is None:
        return (), np.zeros(0), np.zeros((0, 0)), False
    ev = evidence.truncate(cutoff)
    first = int((ev.dates[0].astype(dt.date) - START).days) if ev.dates.size else 0
    days = np.arange(first, first + ev.dates.size)
    lo, hi = max(days[0], 0) if days.size else 0, min(days[-1] + 1, DAYS) if days.size else 0
    periods: list[tuple[int, int]] = []
    d = lo
    while d < hi:
        date = START + dt.timedelta(days=int(d))
        nxt = (date.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        e = min((nxt - START).days, hi)
        if e - d >= 7:
            periods.append((int(d), int(e)))
        d = e
    if not periods:
        return (), np.zeros(0), np.zeros((0, 0)), False
    cols = []
    for side in (0, 1):
        for a, b in periods:
            cols.append(ev.draws[:, a - first : b - first, side].sum(axis=1))
    has_w = ev.wagner is not None
    if has_w and ev.wagner is not None:
        for a, b in periods:
            cols.append(ev.wagner[:, a - first : b - first].sum(axis=1))
    x = np.log(np.maximum(np.stack(cols, axis=1), 1.0))
    mean = x.mean(axis=0)
    cov = np.cov(x, rowvar=False)
    cov = np.atleast_2d(cov)
    shrink = 0.2
    cov = (1 - shrink) * cov + shrink * np.diag(np.diag(cov))
    cov = cov + np.eye(cov.shape[0]) * CASUALTY_DISCREPANCY**2
    prec = np.linalg.inv(cov)
    return tuple(periods), mean, prec, has_w


ESS_TARGET = 0.6
"""Tempering steps keep the incremental weights' effective sample size at this share."""
OUTLIER_SHARE = 0.05
"""Prior share of statements the model cannot represent (robust likelihood floor)."""
CASUALTY_DISCREPANCY = 0.1
"""Extra sd (log scale) on each monthly total: the model cannot follow every wiggle."""


def build_observations(
    claims: pd.DataFrame,
    events: pd.DataFrame,
    evidence: CasualtyEvidence | None,
    cutoff: dt.date | None,
    schedule: BakhmutSchedule | None = None,
) -> Observations:
    """All observations known by ``cutoff`` (claims and events are filtered first)."""
    claims, events = filter_known(claims, events, cutoff)
    sched = (schedule or BakhmutSchedule.record()).known_by(cutoff)
    off = min((o.start for o in sched.offensives), default=None)
    off_day = (off - START).days if off is not None else None
    ev_items, ev_skip = _event_observations(events)
    cl_items, cl_skip = _claim_observations(claims, off_day, ())
    n_adv = sum(1 for o in cl_items if o.weight < 0)
    cl_items = [replace(o, weight=1.0 / n_adv) if o.weight < 0 else o for o in cl_items]
    items = _group_weights(ev_items + cl_items)
    periods, mean, prec, has_w = _casualty_block(evidence, cutoff)
    return Observations(
        items=tuple(items),
        skipped=tuple(ev_skip + cl_skip),
        casualty_periods=periods,
        casualty_mean=mean,
        casualty_prec=prec,
        wagner=has_w,
        cutoff=cutoff,
    )


# ---------------------------------------------------------------------------------------------
# likelihood


def _supply_at(model: BakhmutModel, params: Mapping[str, np.ndarray], day: int) -> np.ndarray:
    sch = model.daily_schedule
    d = min(max(day, 0), len(sch.phase) - 1)
    k = int(sch.supply_param[d])
    if k >= 0:
        return np.asarray(params[f"supply_{k + 1}"], dtype=float)
    return np.full(np.shape(params["c_ru"]), float(sch.supply_level[d]))


def observation_values(
    obs: Observation,
    runs: BakhmutRuns,
    params: Mapping[str, np.ndarray],
    model: BakhmutModel,
) -> np.ndarray:
    """The model's value of an observed quantity, one per run."""
    return np.asarray(_value(obs, runs, params, model), dtype=float)


def _value(
    obs: Observation,
    runs: BakhmutRuns,
    params: Mapping[str, np.ndarray],
    model: BakhmutModel,
) -> Any:
    geo = geography()
    d = min(max(obs.day, 0), runs.fronts.shape[1] - 1)
    q = obs.quantity
    if q == "front":
        return runs.fronts[:, d, obs.front]
    if q == "city":
        return np.asarray(city_fraction(runs.fronts[:, d, 1]))
    if q == "ru_strength":
        return runs.strength[:, d, :3].sum(axis=1)
    if q == "ua_strength":
        return runs.strength[:, d, 3]
    if q == "convicts_recruited":
        return np.asarray(params["wc_0"]) + runs.recruited[:, d]
    if q == "wagner_professionals_total":
        return np.asarray(params["wp_0"]) + runs.arrived_wp[:, d]
    if q == "supply":
        return _supply_at(model, params, d)
    adv = geo.popasna_distance - runs.fronts[:, d, 1]
    if q == "advance_total":
        return adv
    d0 = max(obs.day0, 0)
    ru = runs.side_losses[:, d, 0] - runs.side_losses[:, d0, 0]
    if q == "casualties_per_km":
        return ru / np.maximum(adv, 1e-6)
    if q == "cm_per_casualty":
        return 1e5 * adv / np.maximum(ru, 1e-6)
    rbar = 0.5 * (runs.fronts[:, :, 0] + runs.fronts[:, :, 2])
    if q == "ua_area_gain":
        return 0.5 * np.pi * (rbar[:, d] ** 2 - rbar[:, d0] ** 2)
    if q == "ua_arm_advance":
        return rbar[:, d] - rbar[:, d0]
    raise unknown_name("quantity", q, QUANTITIES)


def _transform(scale: str, x: Any) -> Any:
    if scale == "log":
        return np.log(np.maximum(x, 1e-9))
    if scale == "logit":
        p = np.clip(x, 1e-3, 1 - 1e-3)
        return np.log(p) - np.log1p(-p)
    return x


def _casualty_loglik(obs: Observations, runs: BakhmutRuns) -> np.ndarray:
    if not obs.casualty_periods:
        return np.zeros(runs.n)
    sl = runs.side_losses
    cols = []
    for side in (0, 1):
        for a, b in obs.casualty_periods:
            cols.append(sl[:, b, side] - sl[:, a, side])
    if obs.wagner:
        wl = runs.losses[..., :2].sum(axis=-1)
        for a, b in obs.casualty_periods:
            cols.append(wl[:, b] - wl[:, a])
    m = np.log(np.maximum(np.stack(cols, axis=1), 1.0))
    r = m - obs.casualty_mean
    return np.asarray(-0.5 * np.einsum("ni,ij,nj->n", r, obs.casualty_prec, r))


@dataclass(frozen=True)
class _Packed:
    """The observations as arrays, for a vectorised likelihood."""

    front_idx: np.ndarray
    front_day: np.ndarray
    front_which: np.ndarray
    city_idx: np.ndarray
    city_day: np.ndarray
    other_idx: np.ndarray
    scale_log: np.ndarray
    scale_logit: np.ndarray
    point: np.ndarray
    t_low: np.ndarray
    t_high: np.ndarray
    has_low: np.ndarray
    has_high: np.ndarray
    sigma: np.ndarray
    weight: np.ndarray


@functools.lru_cache(maxsize=32)
def _pack(items: tuple[Observation, ...]) -> _Packed:
    k = len(items)
    f_idx = [i for i, o in enumerate(items) if o.quantity == "front"]
    c_idx = [i for i, o in enumerate(items) if o.quantity == "city"]
    o_idx = [i for i, o in enumerate(items) if o.quantity not in ("front", "city")]
    t_low = np.zeros(k)
    t_high = np.zeros(k)
    has_low = np.zeros(k, dtype=bool)
    has_high = np.zeros(k, dtype=bool)
    for i, o in enumerate(items):
        if math.isfinite(o.low):
            t_low[i] = float(_transform(o.scale, o.low))
            has_low[i] = True
        if math.isfinite(o.high):
            t_high[i] = float(_transform(o.scale, o.high))
            has_high[i] = True
    return _Packed(
        front_idx=np.array(f_idx, dtype=np.int64),
        front_day=np.array([max(items[i].day, 0) for i in f_idx], dtype=np.int64),
        front_which=np.array([items[i].front for i in f_idx], dtype=np.int64),
        city_idx=np.array(c_idx, dtype=np.int64),
        city_day=np.array([max(items[i].day, 0) for i in c_idx], dtype=np.int64),
        other_idx=np.array(o_idx, dtype=np.int64),
        scale_log=np.array([o.scale == "log" for o in items]),
        scale_logit=np.array([o.scale == "logit" for o in items]),
        point=np.array([o.kind in ("value", "contested") for o in items]),
        t_low=t_low,
        t_high=t_high,
        has_low=has_low,
        has_high=has_high,
        sigma=np.array([o.sigma for o in items]),
        weight=np.array([o.weight for o in items]),
    )


def _items_loglik(
    obs: Observations,
    runs: BakhmutRuns,
    params: Mapping[str, np.ndarray],
    model: BakhmutModel,
) -> np.ndarray:
    """(n, k) robust log-likelihood of every item for every run."""
    from scipy.special import log_ndtr

    items = obs.items
    pk = _pack(items)
    n, k = runs.n, len(items)
    vals = np.empty((n, k))
    days_max = runs.fronts.shape[1] - 1
    if pk.front_idx.size:
        vals[:, pk.front_idx] = runs.fronts[:, np.minimum(pk.front_day, days_max), pk.front_which]
    if pk.city_idx.size:
        vals[:, pk.city_idx] = city_fraction(runs.fronts[:, np.minimum(pk.city_day, days_max), 1])
    for i in pk.other_idx:
        vals[:, i] = observation_values(items[i], runs, params, model)
    t = np.where(pk.scale_log, np.log(np.maximum(vals, 1e-9)), vals)
    p = np.clip(vals, 1e-3, 1 - 1e-3)
    t = np.where(pk.scale_logit, np.log(p) - np.log1p(-p), t)
    z_low = (t - pk.t_low) / pk.sigma
    z_high = (pk.t_high - t) / pk.sigma
    bounded = np.where(pk.has_low, log_ndtr(np.where(pk.has_low, z_low, 0.0)), 0.0) + np.where(
        pk.has_high, log_ndtr(np.where(pk.has_high, z_high, 0.0)), 0.0
    )
    ll = np.where(pk.point, -0.5 * z_low**2, bounded)
    # robust: a mixture with an 'outlier' component, so one statement the model's geometry
    # cannot represent costs at most -log(OUTLIER_SHARE)
    return np.asarray(np.logaddexp(np.log1p(-OUTLIER_SHARE) + ll, np.log(OUTLIER_SHARE)))


def log_likelihood(
    model: BakhmutModel, obs: Observations, params: Mapping[str, np.ndarray]
) -> np.ndarray:
    """Log-likelihood of every parameter set (one per run) given the observations."""
    runs = simulate(model, params, days=DAYS)
    total = _casualty_loglik(obs, runs)
    if obs.items:
        total = total + _items_loglik(obs, runs, params, model) @ _pack(obs.items).weight
    return np.asarray(np.where(np.isfinite(total), total, -1e12))


def log_prior(free: Sequence[ParamSpec], z: np.ndarray) -> np.ndarray:
    """Log prior density (up to a constant) of unconstrained values ``z`` (batch, n_free)."""
    loc = np.array([p.loc for p in free])
    scale = np.array([p.scale for p in free])
    return gaussian_log_prior(z, loc, scale)


def _params_from_z(
    free: Sequence[ParamSpec], z: np.ndarray, fixed: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    n = z.shape[0]
    out: dict[str, np.ndarray] = {}
    for p in PARAMS:
        if p.name in fixed:
            v = np.asarray(fixed[p.name], dtype=float)
            out[p.name] = np.broadcast_to(v, (n,)) if v.ndim == 0 else v
    for j, p in enumerate(free):
        out[p.name] = np.asarray(p.value(z[:, j]), dtype=float)
    return out


def log_posterior(
    model: BakhmutModel,
    obs: Observations,
    free: Sequence[ParamSpec],
    z: np.ndarray,
    fixed: Mapping[str, np.ndarray],
) -> np.ndarray:
    """Unnormalised log posterior of a batch of unconstrained values ``z`` (batch, n_free)."""
    z = np.atleast_2d(z)
    params = _params_from_z(free, z, fixed)
    return np.asarray(log_likelihood(model, obs, params) + log_prior(free, z))


# ---------------------------------------------------------------------------------------------
# calibration


@dataclass(frozen=True)
class LawFit:
    """The calibration under one attrition law (tempered SMC).

    Attributes:
        law: the law.
        draws_z: final particles on the unconstrained scale (equally weighted).
        log_lik: log-likelihood of each particle.
        log_evidence: SMC estimate of the log marginal likelihood.
        stages: number of tempering stages.
        acceptance: mean Metropolis acceptance rate over the moves.
        ess_min: smallest effective sample size before a resampling.
        unique: distinct particles at the end (after the moves).
    """

    law: str
    draws_z: np.ndarray
    log_lik: np.ndarray
    log_evidence: float
    stages: int
    acceptance: float
    ess_min: float
    unique: int


@dataclass
class Calibration:
    """Posterior draws of the Bakhmut model's parameters (see :func:`calibrate`).

    Attributes:
        law: the law used (the best by marginal likelihood when calibrated with ``"auto"``).
        cutoff: evidence known by this date only (``None``: all).
        schedule: the record's schedule known by the cutoff.
        free: names of the parameters fitted (the others act only in regimes that had not
            started by the cutoff: drawn from their prior).
        draws: ``{name: (n_draws,) array}`` for every parameter.
        map_values: the particle of highest posterior density (natural scale).
        laws: one summary row per law tried (log evidence, stages, acceptance).
        observations: what the likelihood read.
        seconds: wall time of the calibration.
        seed: the seed.
        priors: the priors used (:func:`~attrition.models.bakhmut.priors_known_by` at the
            cutoff).
    """

    law: str
    cutoff: dt.date | None
    schedule: BakhmutSchedule
    free: tuple[str, ...]
    draws: dict[str, np.ndarray]
    map_values: dict[str, float]
    laws: list[dict[str, Any]]
    observations: Observations
    seconds: float
    seed: int
    fits: dict[str, LawFit] = field(default_factory=dict, repr=False)
    priors: tuple[ParamSpec, ...] = PARAMS

    @property
    def n_draws(self) -> int:
        """Number of posterior draws."""
        return int(next(iter(self.draws.values())).shape[0])

    def model(self, schedule: BakhmutSchedule | None = None) -> BakhmutModel:
        """The calibrated model (with ``schedule``, default the record known by the cutoff)."""
        return BakhmutModel(self.law, schedule or self.schedule)

    def posterior_table(self) -> pd.DataFrame:
        """Median and 90% interval of every parameter, with its prior median."""
        import pandas as pd

        rows = []
        for p in self.priors:
            v = self.draws[p.name]
            rows.append(
                {
                    "parameter": p.name,
                    "fitted": p.name in self.free,
                    "median": float(np.median(v)),
                    "q05": float(np.quantile(v, 0.05)),
                    "q95": float(np.quantile(v, 0.95)),
                    "prior_median": float(p.value(np.float64(p.loc))),
                    "unit": p.unit,
                }
            )
        return pd.DataFrame(rows)


def _free_specs(
    schedule: BakhmutSchedule, specs: Sequence[ParamSpec] = PARAMS
) -> tuple[list[ParamSpec], list[ParamSpec]]:
    used = schedule.regimes_in_use()
    free = [p for p in specs if p.regime is None or p.regime in used]
    fixed = [p for p in specs if not (p.regime is None or p.regime in used)]
    return free, fixed


def publication_dates(claims: pd.DataFrame, events: pd.DataFrame) -> dict[str, dt.date | None]:
    """When each claim (``claim_date``) and control event (``date``) was published, by id."""
    out: dict[str, dt.date | None] = {}
    for table, col in ((claims, "claim_date"), (events, "date")):
        for i, d in zip(table["id"], table[col], strict=True):
            out[str(i)] = _date(d)
    return out


def _smc(
    law: str,
    schedule: BakhmutSchedule,
    obs: Observations,
    free: list[ParamSpec],
    fixed_values: dict[str, np.ndarray],
    *,
    seed: int,
    particles: int,
    moves: int,
) -> LawFit:
    """The Bakhmut likelihood under ``law`` sampled by :func:`attrition.infer.smc.tempered_smc`."""
    model = BakhmutModel(law, schedule)

    def loglik(z: np.ndarray) -> np.ndarray:
        return log_likelihood(model, obs, _params_from_z(free, z, fixed_values))

    rng = np.random.default_rng(np.random.SeedSequence([seed, BAKHMUT_LAWS.index(law)]))
    res = tempered_smc(
        chunked(loglik, 1000),
        np.array([p.loc for p in free]),
        np.array([p.scale for p in free]),
        rng=rng,
        particles=particles,
        moves=moves,
        ess_target=ESS_TARGET,
    )
    return LawFit(
        law, res.z, res.log_lik, res.log_evidence, res.stages, res.acceptance, res.ess_min,
        res.unique,
    )  # fmt: skip


def calibrate(
    evidence: CasualtyEvidence | None,
    *,
    claims: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    cutoff: str | dt.date | None = None,
    law: str = "auto",
    draws: int = 1000,
    seed: int = 0,
    particles: int = 600,
    moves: int = 4,
    schedule: BakhmutSchedule | None = None,
) -> Calibration:
    """Calibrate the Bakhmut model on the evidence known by ``cutoff``.

    Args:
        evidence: casualty evidence (:func:`casualty_evidence` or :func:`synthetic_evidence`);
            ``None`` fits territory and force claims only.
        claims, events: the evidence base (default: the packaged Bakhmut files). Filtered to
            what was known by ``cutoff`` before anything else, so later rows cannot change the
            result.
        cutoff: ISO date or ``None``.
        law: ``"auto"`` (calibrate every law of :data:`BAKHMUT_LAWS` and keep the one with the
            highest marginal likelihood) or one law.
        draws: posterior draws to return (resampled from the particles).
        seed: seed of everything random in the calibration.
        particles: SMC particles.
        moves: Metropolis moves per tempering stage (twice as many at the last).
        schedule: the record's schedule (default :meth:`BakhmutSchedule.record`).
    """
    t0 = time.perf_counter()
    c = parse_cutoff(cutoff)
    laws = BAKHMUT_LAWS if law == "auto" else (check_law_name(law),)
    if draws < 10:
        raise UserError(f"draws = {draws}: give at least 10")
    if particles < 20 or moves < 1:
        raise UserError(f"particles = {particles}, moves = {moves}: give >= 20 and >= 1")
    if claims is None or events is None:
        from attrition.data.claims import load_claims, load_events

        claims = load_claims("bakhmut") if claims is None else claims
        events = load_events("bakhmut") if events is None else events
    sched = (schedule or BakhmutSchedule.record()).known_by(c)
    obs = build_observations(claims, events, evidence, c, sched)
    specs = priors_known_by(c, publication_dates(claims, events))
    free, fixed = _free_specs(sched, specs)
    fixed_values = {p.name: np.asarray(p.value(np.float64(p.loc))) for p in fixed}
    fits = {
        lw: _smc(lw, sched, obs, free, fixed_values, seed=seed, particles=particles, moves=moves)
        for lw in laws
    }
    best = max(fits.values(), key=lambda f: f.log_evidence)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 99]))
    idx = rng.integers(0, best.draws_z.shape[0], size=draws)
    z = best.draws_z[idx]
    out: dict[str, np.ndarray] = {}
    for j, p in enumerate(free):
        out[p.name] = np.asarray(p.value(z[:, j]), dtype=float)
    for p in fixed:
        out[p.name] = np.asarray(p.value(rng.normal(p.loc, p.scale, size=draws)), dtype=float)
    out = {p.name: out[p.name] for p in specs}
    post = best.log_lik + log_prior(free, best.draws_z)
    top = best.draws_z[int(np.argmax(post))]
    map_values = {p.name: float(p.value(np.float64(top[j]))) for j, p in enumerate(free)}
    table = [
        {
            "law": f.law,
            "log_evidence": f.log_evidence,
            "stages": f.stages,
            "acceptance": f.acceptance,
            "ess_min": f.ess_min,
            "unique_particles": f.unique,
            "chosen": f.law == best.law,
        }
        for f in fits.values()
    ]
    return Calibration(
        law=best.law,
        cutoff=c,
        schedule=sched,
        free=tuple(p.name for p in free),
        draws=out,
        map_values=map_values,
        laws=table,
        observations=obs,
        seconds=time.perf_counter() - t0,
        seed=seed,
        fits=fits,
        priors=specs,
    )


def check_law_name(name: str) -> str:
    """Validate a law name (``auto`` or one of :data:`BAKHMUT_LAWS`)."""
    if name != "auto" and name not in BAKHMUT_LAWS:
        raise unknown_name("law", name, (*BAKHMUT_LAWS, "auto"))
    return name


# ---------------------------------------------------------------------------------------------
# fit to the record


def band_covers(o: Observation, lo: float, hi: float) -> bool:
    """Whether the 90% band ``[lo, hi]`` meets what the observation asserts."""
    if o.kind in ("value",):
        return lo <= o.low <= hi
    if o.kind == "contested":
        return lo <= o.low + o.sigma and hi >= o.low - o.sigma
    a = o.low if math.isfinite(o.low) else -math.inf
    b = o.high if math.isfinite(o.high) else math.inf
    return lo <= b and hi >= a


def statement_holds(o: Observation, m: np.ndarray) -> np.ndarray:
    """Whether each model value ``m`` satisfies what ``o`` states (a value: within its 90%
    noise band; contested: within its spread; bounds: inside them)."""
    if o.kind == "value":
        s = o.sigma
        v = _transform(o.scale, o.low)
        return np.asarray(np.abs(_transform(o.scale, m) - v) <= 1.645 * s)
    if o.kind == "contested":
        return np.asarray(np.abs(m - o.low) <= o.sigma)
    ok = np.ones(m.shape, dtype=bool)
    if math.isfinite(o.low):
        ok &= m >= o.low
    if math.isfinite(o.high):
        ok &= m <= o.high
    return ok


def record_fit(
    obs: Observations,
    runs: BakhmutRuns,
    params: Mapping[str, np.ndarray],
    model: BakhmutModel,
) -> pd.DataFrame:
    """For every observation: the ensemble's 90% band of the observed quantity, whether the
    observation falls inside it, and the share of runs that satisfy it.

    Columns: ``id, source, date, place, quantity, front, kind, low, high, q05, q50, q95,
    inside, p_satisfied, label``. Fronts are in km from the ring centre (smaller: further
    west); ``city`` is the share of the city held by Russia.
    """
    import pandas as pd

    rows = []
    for o in obs.items:
        m = observation_values(o, runs, params, model)
        q05, q50, q95 = (float(v) for v in np.quantile(m, [0.05, 0.5, 0.95]))
        rows.append(
            {
                "id": o.id,
                "source": o.source,
                "date": o.date,
                "place": o.place,
                "quantity": o.quantity,
                "front": "NES"[o.front] if o.front >= 0 else "",
                "kind": o.kind,
                "low": o.low,
                "high": o.high,
                "q05": q05,
                "q50": q50,
                "q95": q95,
                "inside": band_covers(o, q05, q95),
                "p_satisfied": float(np.mean(statement_holds(o, m))),
                "label": o.label,
            }
        )
    return pd.DataFrame(rows)
