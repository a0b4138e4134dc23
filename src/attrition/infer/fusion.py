"""The fog-of-war estimate: fuse contradictory casualty claims into one Bayesian estimate.

Every claim is a noisy, biased observation of a latent truth: a daily casualty rate per side
(``RU``, ``UA``; ``WAGNER`` as a share of ``RU`` when claims speak of Wagner) that moves slowly
in log space, and a killed share of casualties per side. A claim observes the integral of the
relevant latent quantity over its period (``total``), its mean daily value (``per_day``) or the
ratio of the two sides' casualties (``casualty_ratio``), multiplied by a bias for its claimant
about that subject and log-normal noise for its claimant. Bias priors follow the claimant's
relation to the subject (reporting the enemy's losses, its own, or a neutral party's) and are
partially pooled across claimants of the same side. ``at_least``/``at_most`` claims are censored
observations, ``range`` claims interval-censored, ``about`` claims carry extra noise.
Restatements (``dup_of``) are dropped. The method note is ``docs/fog-of-war.md``.

The results are estimates from claims, never facts: the truth is identified only through the
claims whose biases are centred on one (Western governments, independent analysts, the
article's own voice) and through the bias priors, which are stated and tested for sensitivity.

Usage::

    from attrition.data.claims import load_claims, load_phases
    from attrition.infer.fusion import FogOfWar

    fog = FogOfWar(seed=0).fit(load_claims("bakhmut"), phases=load_phases("bakhmut"))
    fog.summary()["sides"]["RU"]["casualties"]  # {"median": ..., "q05": ..., "q95": ...}

JAX and NumPyro are imported inside the functions that need them (``pip install
attrition[bayes]``).
"""

from __future__ import annotations

import datetime as dt
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple

from attrition.errors import DataWarning, UserError, unknown_name

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from attrition.infer.diagnostics import Convergence

__all__ = [
    "MODELLED_METRICS",
    "RELATIONS",
    "SIDES",
    "FogOfWar",
    "FogPriors",
    "PreparedClaims",
    "apply_cutoff",
    "check_streams_known",
    "prepare_claims",
    "relation",
    "stream_observations",
]

SIDES: tuple[str, ...] = ("RU", "UA")
"""The two latent sides; ``WAGNER`` is a share of ``RU``."""

SUBJECTS: tuple[str, ...] = ("RU", "UA", "WAGNER", "BOTH")
"""Subject sides the model reads (``CIVILIAN`` is not modelled)."""

RELATIONS: tuple[str, ...] = ("enemy", "self", "neutral")
"""Claimant-to-subject relations that set the bias prior."""

MODELLED_METRICS: tuple[str, ...] = ("casualties", "killed", "wounded", "casualty_ratio")
"""Claim metrics the model reads; every other metric is ignored (reason recorded)."""

_METRIC_CODE = {"casualties": 0, "killed": 1, "wounded": 2, "casualty_ratio": 0}
_KIND_CODE = {"point": 0, "lower": 1, "upper": 2, "interval": 3}
_NEUTRAL_SIDES = frozenset({"WEST", "INDEPENDENT", "OTHER"})
_UNDATED_PER_DAY_SPAN = 7  # a dated per-day figure without a period covers the week to its date
_NEEDED_COLUMNS = (
    "id",
    "claim_date",
    "period_start",
    "period_end",
    "claimant",
    "claimant_side",
    "subject_side",
    "metric",
    "value_low",
    "value_high",
    "qualifier",
    "rate",
    "notes",
)
_Q = (0.05, 0.5, 0.95)


# ---------------------------------------------------------------------------------------------
# priors


@dataclass(frozen=True)
class FogPriors:
    """Prior hyperparameters of the fog-of-war model (each documented in docs/fog-of-war.md).

    Biases are multiplicative; their logs are normal. ``bias_enemy``, ``bias_self`` and
    ``bias_neutral`` are ``(mean, sd)`` of the group-level log bias of a claimant side reporting
    the enemy's losses, its own losses, or (Western governments, independent analysts, the
    article's voice) anyone's. ``bias_claimant_sd`` is the (fixed) log-scale spread of the
    claimants of one group around the group's mean. ``noise_scale`` is the half-normal scale of
    each claimant's noise: the log-scale standard deviation of its figures around its biased
    truth. ``rw_sd`` is the (fixed) week-to-week standard deviation of the log casualty rate;
    ``change_sd`` adds to it at each change point (phase start). ``about_sd`` is extra noise
    for ``about`` figures; ``day_sd`` the day-to-day spread of a daily rate around its weekly
    level (it adds ``day_sd**2 / days`` to a claim's variance). ``killed_share`` and
    ``wagner_share`` are Beta shapes. ``stream_share`` (Beta shapes) is the Bakhmut share of
    all-front losses, ``stream_scale`` the (mean, sd) of the log equipment-per-casualty scale of
    a timing stream.
    """

    rate_log_mean: float = math.log(100.0)
    rate_log_sd: float = 2.5
    rw_sd: float = 0.2
    change_sd: float = 0.7
    killed_share: tuple[float, float] = (2.5, 7.5)
    wagner_share: tuple[float, float] = (2.0, 2.0)
    bias_enemy: tuple[float, float] = (math.log(1.5), 0.5)
    bias_self: tuple[float, float] = (math.log(1.0 / 1.5), 0.5)
    bias_neutral: tuple[float, float] = (0.0, 0.25)
    bias_claimant_sd: float = 0.3
    noise_scale: float = 0.4
    noise_floor: float = 0.1
    about_sd: float = 0.1
    day_sd: float = 0.4
    stream_share: tuple[float, float] = (2.0, 5.0)
    stream_scale: tuple[float, float] = (math.log(0.01), 3.0)

    def __post_init__(self) -> None:
        positive = {
            "rate_log_sd": self.rate_log_sd,
            "rw_sd": self.rw_sd,
            "bias_claimant_sd": self.bias_claimant_sd,
            "noise_scale": self.noise_scale,
            "noise_floor": self.noise_floor,
        }
        for name, v in positive.items():
            if not (math.isfinite(v) and v > 0):
                raise UserError(f"FogPriors: {name} = {v!r} must be a positive number")
        for name in ("change_sd", "about_sd", "day_sd"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise UserError(f"FogPriors: {name} = {v!r} must be a number >= 0")
        for name in ("killed_share", "wagner_share", "stream_share"):
            a, b = getattr(self, name)
            if not (a > 0 and b > 0):
                raise UserError(f"FogPriors: {name} = {(a, b)!r} needs two positive Beta shapes")
        for name in ("bias_enemy", "bias_self", "bias_neutral", "stream_scale"):
            m, s = getattr(self, name)
            if not (math.isfinite(m) and math.isfinite(s) and s > 0):
                raise UserError(f"FogPriors: {name} = {(m, s)!r} needs a mean and an sd > 0")

    def replace(self, **changes: Any) -> FogPriors:
        """A copy with some hyperparameters changed (unknown names raise :class:`UserError`)."""
        valid = set(asdict(self))
        for k in changes:
            if k not in valid:
                raise unknown_name("prior", k, valid, "FogPriors")
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The hyperparameters as a JSON-ready dict."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def relation(claimant_side: str, subject: str) -> str:
    """The relation of a claimant side to a subject side: ``enemy``, ``self`` or ``neutral``.

    Western governments, independent analysts and the article's voice are ``neutral``; a
    Ukrainian claimant about ``RU`` or ``WAGNER`` is ``enemy``, about ``UA`` is ``self``; a
    Russian claimant about ``UA`` is ``enemy``, about ``RU`` or ``WAGNER`` is ``self``. Figures
    about both sides together (``BOTH``) are ``neutral``.

    >>> relation("UA", "WAGNER"), relation("RU", "WAGNER"), relation("WEST", "RU")
    ('enemy', 'self', 'neutral')
    """
    if claimant_side in _NEUTRAL_SIDES or subject == "BOTH":
        return "neutral"
    own = {"UA": {"UA"}, "RU": {"RU", "WAGNER"}}.get(claimant_side, set())
    return "self" if subject in own else "enemy"


# ---------------------------------------------------------------------------------------------
# claim preparation


def _to_date(value: Any) -> dt.date | None:
    import pandas as pd

    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise UserError(f"{value!r} is not a date; write it as YYYY-MM-DD") from exc


def _parse_date_arg(value: str | dt.date | None, name: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise UserError(f"{name} = {value!r} is not a date; write it as YYYY-MM-DD") from exc


def _check_columns(claims: pd.DataFrame) -> None:
    missing = [c for c in _NEEDED_COLUMNS if c not in claims.columns]
    if missing:
        raise UserError(
            f"claims table lacks column(s) {', '.join(missing)}; pass a table in the claims "
            "schema (attrition.data.claims.load_claims or attrition.data.schema.read_claims_csv)"
        )


def apply_cutoff(claims: pd.DataFrame, cutoff: str | dt.date | None) -> pd.DataFrame:
    """Keep only the claims known by ``cutoff`` (inclusive); ``None`` keeps everything.

    The rule is :func:`attrition.data.known.known_by`: a claim is known on its ``claim_date``;
    a claim without one (undated) is dropped under a cutoff, since nobody can say it was
    published by then. This is the first step of :meth:`FogOfWar.fit`, so nothing downstream
    (window, indices, priors) can depend on a later claim. A cutoff before every dated claim
    raises :class:`UserError`.
    """
    from attrition.data.known import known_by, known_dates

    day = _parse_date_arg(cutoff, "cutoff")
    _check_columns(claims)
    if day is None:
        return claims.reset_index(drop=True)
    kept = known_by(claims, day)
    if kept.empty:
        dated = known_dates(claims).dropna()
        if dated.empty:
            raise UserError(
                f"cutoff {day}: no claim has a claim_date, so none is known by then; drop "
                "--cutoff or date the claims"
            )
        raise UserError(
            f"cutoff {day} is before the first dated claim ({dated.min().date()}); choose a "
            "later date"
        )
    return kept


@dataclass(frozen=True)
class PreparedClaims:
    """Claims placed on the model's calendar (output of :func:`prepare_claims`).

    ``table`` has one row per input claim (after the cutoff) with the input columns plus
    ``used`` (bool), ``reason`` (why a row is not used, or how it was placed), ``kind``
    (``point``, ``lower``, ``upper``, ``interval``), ``subject``, ``relation``, ``start``,
    ``end`` (placed period, inclusive dates), ``log_lo``, ``log_hi`` (log of the bounds used)
    and ``about``.
    """

    table: pd.DataFrame
    window: tuple[dt.date, dt.date]
    change_points: tuple[dt.date, ...] = ()

    @property
    def used(self) -> pd.DataFrame:
        """The rows the model reads."""
        return self.table[self.table["used"]].reset_index(drop=True)


def _default_window(
    claims: pd.DataFrame, phases: pd.DataFrame | None, cutoff: dt.date | None
) -> tuple[dt.date, dt.date]:
    modelled = claims[
        claims["metric"].isin(MODELLED_METRICS) & claims["subject_side"].isin(SUBJECTS)
    ]
    starts = [d for d in (_to_date(v) for v in modelled["period_start"]) if d is not None]
    ends: list[dt.date] = []
    for r in modelled.to_dict("records"):
        d = _to_date(r["period_end"]) or _to_date(r["claim_date"])
        if d is not None:
            ends.append(d)
    if phases is not None and len(phases):
        start = min(d for d in (_to_date(v) for v in phases["start"]) if d is not None)
        phase_end = max(d for d in (_to_date(v) for v in phases["end"]) if d is not None)
        end = min(max(ends), phase_end) if ends else phase_end
    else:
        if not starts or not ends:
            raise UserError(
                "claims: no dated casualty claim to derive the battle window from; pass "
                "--window START END"
            )
        start, end = min(starts), max(ends)
    if cutoff is not None:
        end = min(end, cutoff)
    if end < start:
        raise UserError(
            f"derived window {start}..{end} is empty (the claims end before the battle "
            "starts); pass --window START END"
        )
    return start, end


def prepare_claims(
    claims: pd.DataFrame,
    window: tuple[str | dt.date, str | dt.date] | None = None,
    cutoff: str | dt.date | None = None,
    phases: pd.DataFrame | None = None,
) -> PreparedClaims:
    """Filter, place and encode claims for the model (the cutoff is applied first).

    Rules, in order (each unused row gets its ``reason``):

    1. claims not known by ``cutoff`` are removed (:func:`apply_cutoff`);
    2. metrics outside :data:`MODELLED_METRICS` and ``CIVILIAN`` subjects are ignored;
    3. restatements (``dup_of:<id>`` in ``notes``) are dropped;
    4. a claim with a period uses it; a ``total`` with only a date (claim date or period end)
       becomes a lower bound on the cumulative total from the window start to that date (the
       unstated period lies inside it); an undated ``total`` a lower bound on the whole-window
       total; a ``per_day`` figure with only a date covers the 7 days up to it; an undated
       ``per_day`` figure cannot be placed and is dropped; a ratio without a period covers the
       window up to its date (or the whole window);
    5. periods are clipped to the window; a claim wholly outside it is dropped (one
       :class:`DataWarning` names how many);
    6. a zero figure ``exact``/``about`` becomes "at most 0.5"; a vacuous bound (at least 0, or
       an upper bound on an unplaced period) is dropped.

    The window defaults to the phases' first start up to the last dated casualty claim (capped
    at the last phase end and at the cutoff); without phases, to the span of the dated casualty
    claims. Everything is derived from the kept claims only.
    """
    import pandas as pd

    cut = _parse_date_arg(cutoff, "cutoff")
    kept = apply_cutoff(claims, cut)
    if window is not None:
        w0 = _parse_date_arg(window[0], "window start")
        w1 = _parse_date_arg(window[1], "window end")
        if w0 is None or w1 is None:
            raise UserError("window needs a start and an end date (YYYY-MM-DD)")
        if w1 < w0:
            raise UserError(f"window end {w1} is before its start {w0}; swap them")
        if cut is not None and w0 > cut:
            raise UserError(f"window start {w0} is after the cutoff {cut}; choose an earlier start")
        win = (w0, min(w1, cut) if cut is not None else w1)
    else:
        win = _default_window(kept, phases, cut)
    start, end = win
    change_points: tuple[dt.date, ...] = ()
    if phases is not None and len(phases):
        cps = sorted({d for d in (_to_date(v) for v in phases["start"]) if d is not None})
        change_points = tuple(d for d in cps if start < d <= end)

    rows: list[dict[str, Any]] = []
    outside = 0
    for r in kept.to_dict("records"):
        out: dict[str, Any] = {str(k): v for k, v in r.items()}
        out.update(
            used=False,
            reason="",
            kind="",
            subject="",
            relation="",
            start=None,
            end=None,
            log_lo=math.nan,
            log_hi=math.nan,
            about=False,
        )
        rows.append(out)
        metric, subject = str(r["metric"]), str(r["subject_side"])
        if metric not in MODELLED_METRICS:
            out["reason"] = f"metric {metric} not modelled"
            continue
        if metric == "casualty_ratio":
            subject = "BOTH"
        elif subject not in SUBJECTS:
            out["reason"] = f"subject {subject} not modelled"
            continue
        from attrition.data.schema import dup_of

        dup = dup_of(str(r["notes"] or ""))
        if dup:
            out["reason"] = f"restatement of {dup}"
            continue
        q = str(r["qualifier"])
        lo = None if pd.isna(r["value_low"]) else float(r["value_low"])
        hi = None if pd.isna(r["value_high"]) else float(r["value_high"])
        p0, p1 = _to_date(r["period_start"]), _to_date(r["period_end"])
        cd = _to_date(r["claim_date"])
        placement = "period"
        if p0 is None and p1 is None:
            anchor = cd
        elif p0 is None:
            anchor = p1
        else:
            anchor = None
            if p1 is None:
                p1 = cd if cd is not None and cd >= p0 else p0
        if p0 is None:
            if metric == "casualty_ratio":
                p0, p1 = start, min(anchor, end) if anchor is not None else end
                placement = "ratio to date" if anchor is not None else "ratio over window"
            elif str(r["rate"]) == "per_day":
                if anchor is None:
                    out["reason"] = "per-day figure with no date cannot be placed"
                    continue
                p0, p1 = anchor - dt.timedelta(days=_UNDATED_PER_DAY_SPAN - 1), anchor
                placement = "per-day, week to date"
            else:
                if q == "at_most":
                    out["reason"] = "upper bound on an unstated period says nothing"
                    continue
                p0 = start
                p1 = min(anchor, end) if anchor is not None else end
                lo = lo if lo is not None else hi
                hi = None
                q = "at_least"
                placement = (
                    "lower bound on total to date"
                    if anchor is not None
                    else "lower bound on window total"
                )
        if p0 is None or p1 is None:  # unreachable: every path above sets both
            out["reason"] = "period cannot be placed"
            continue
        if p1 < start or p0 > end:
            out["reason"] = f"outside the window {start}..{end}"
            outside += 1
            continue
        clipped = p0 < start or p1 > end
        p0, p1 = max(p0, start), min(p1, end)
        if clipped:
            placement += ", clipped to window"
        # values -> censoring kind
        if q in ("exact", "about"):
            if lo is None:
                out["reason"] = "no value"
                continue
            if lo <= 0:
                kind, vlo, vhi = "upper", 0.5, 0.5
                placement += ", zero read as at most 0.5"
            else:
                kind, vlo, vhi = "point", lo, lo
        elif q == "at_least":
            if lo is None or lo <= 0:
                out["reason"] = "lower bound of 0 says nothing"
                continue
            kind, vlo, vhi = "lower", lo, lo
        elif q == "at_most":
            if hi is None:
                out["reason"] = "no value"
                continue
            kind, vlo, vhi = "upper", max(hi, 0.5), max(hi, 0.5)
        else:  # range
            if lo is None or hi is None:
                out["reason"] = "no value"
                continue
            if lo <= 0:
                kind, vlo, vhi = "upper", max(hi, 0.5), max(hi, 0.5)
            else:
                kind, vlo, vhi = "interval", lo, hi
        out.update(
            used=True,
            reason=placement,
            kind=kind,
            subject=subject,
            relation=relation(str(r["claimant_side"]), subject),
            start=p0,
            end=p1,
            log_lo=math.log(vlo),
            log_hi=math.log(vhi),
            about=q == "about",
        )
    if outside:
        warnings.warn(
            f"{outside} claim(s) lie wholly outside the window {start}..{end} and are not used; "
            "widen --window to use them",
            DataWarning,
            stacklevel=2,
        )
    extra = ["used", "reason", "kind", "subject", "relation", "start", "end", "log_lo"]
    columns = [*kept.columns, *extra, "log_hi", "about"]
    table = pd.DataFrame(rows, columns=columns)
    return PreparedClaims(table=table, window=win, change_points=change_points)


# ---------------------------------------------------------------------------------------------
# external streams


_STREAM_SERIES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    # stream -> (metric in the stream table, subject side, role, modelled metric)
    "genstaff": (("casualties", "RU", "scaled", "casualties"),),
    "named-dead": (("killed", "RU", "lower", "killed"), ("killed", "UA", "lower", "killed")),
    "oryx": (
        ("tanks_destroyed", "RU", "timing", "casualties"),
        ("tanks_destroyed", "UA", "timing", "casualties"),
    ),
}


def check_streams_known(names: Sequence[str], cutoff: str | dt.date | None) -> None:
    """Refuse, under a cutoff, a stream compiled after the fact (``dated_by = "event"``).

    A stream dated by publication (each day's figure as published that day) is used only up to
    the cutoff, through the fit's window; a stream dated by event (e.g. named dead by date of
    death, compiled years later) was not known at any cutoff inside the battle.
    """
    if cutoff is None or not names:
        return
    from attrition.data.streams import stream_info

    day = _parse_date_arg(cutoff, "cutoff")
    for name in dict.fromkeys(names):
        info = stream_info(name)
        if info.dated_by != "publication":
            raise UserError(
                f"--streams {name}: compiled after the fact (dated by event, to {info.end}), so "
                f"it was not known by --cutoff {day}; leave it out, or drop --cutoff"
            )


def stream_observations(
    names: Sequence[str],
    window: tuple[dt.date, dt.date],
    streams: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Monthly all-front stream figures inside ``window``, as extra observation rows.

    ``genstaff`` (Ukrainian General Staff claimed Russian personnel losses) observes Russian
    casualties over each month divided by the Bakhmut share of all-front losses (role
    ``scaled``); ``named-dead`` (named Russian dead from Mediazona/BBC, named Ukrainian dead
    from lostarmour.info) gives lower bounds on the all-front killed (role ``lower``); ``oryx``
    (tanks destroyed) gives timing only, through a free scale per side (role ``timing``).
    Months are calendar months clipped to the window. Unknown names raise :class:`UserError`.
    """
    import pandas as pd

    from attrition.data.streams import STREAM_NAMES, load_streams, stream_totals

    for n in names:
        if n not in STREAM_NAMES:
            raise unknown_name("stream", n, STREAM_NAMES)
    chosen = list(dict.fromkeys(names))
    table = streams if streams is not None else load_streams(chosen)
    start, end = window
    months: list[tuple[dt.date, dt.date]] = []
    d = start
    while d <= end:
        nxt = (d.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        months.append((d, min(end, nxt - dt.timedelta(days=1))))
        d = nxt
    rows: list[dict[str, Any]] = []
    for name in chosen:
        sub = table[table["stream"] == name]
        for metric, side, role, modelled in _STREAM_SERIES[name]:
            part = sub[(sub["metric"] == metric) & (sub["subject_side"] == side)]
            if part.empty:
                continue
            claimant = str(part["claimant"].iloc[0])
            claimant_side = str(part["claimant_side"].iloc[0])
            for m0, m1 in months:
                tot = stream_totals(part, metric, m0, m1, stream=name)
                if tot.empty:
                    continue
                value = float(tot.iloc[0])
                if not math.isfinite(value) or value <= 0:
                    continue
                rows.append(
                    {
                        "id": f"{name}:{side}:{m0:%Y-%m}",
                        "stream": name,
                        "role": role,
                        "claimant": claimant,
                        "claimant_side": claimant_side,
                        "subject": side,
                        "metric": modelled,
                        "start": m0,
                        "end": m1,
                        "value": value,
                    }
                )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "stream",
            "role",
            "claimant",
            "claimant_side",
            "subject",
            "metric",
            "start",
            "end",
            "value",
        ],
    )


# ---------------------------------------------------------------------------------------------
# model


class _Data(NamedTuple):
    """Arrays the model reads; shapes fix the compiled program, values may change freely."""

    change: Any  # (K,) float32: 1 where a week starts a new phase
    overlap: Any  # (n, K) float32: days of each claim's period in each week
    div: Any  # (n,) float32: period length for per-day figures, else 1
    ndays: Any  # (n,) float32
    side_coef: Any  # (n, 2) float32
    wagner: Any  # (n,) float32
    metric: Any  # (n,) int32: 0 casualties, 1 killed, 2 wounded
    ratio: Any  # (n,) float32
    kind: Any  # (n,) int32
    log_lo: Any  # (n,) float32
    log_hi: Any  # (n,) float32
    about: Any  # (n,) float32
    claimant: Any  # (n,) int32
    pair: Any  # (n,) int32
    pair2: Any  # (n,) int32
    weight: Any  # (n,) float32 (0 masks a claim: leave-one-out)
    offset: Any  # (n, J) float32: which stream offsets apply
    pair_group: Any  # (P,) int32
    pair_rel: Any  # (P,) int32
    group_rel: Any  # (G,) int32
    n_claimants: Any  # (C,) zeros: carries the claimant count in its shape
    rel_prior: Any  # (3, 2) float32 (mean, sd) per relation
    scalars: Any  # (12,) float32, see _scalar_priors
    wagner_ab: Any  # (2,) Beta shapes, or (0,) without Wagner
    share_ab: Any  # (2,) Beta shapes of the stream share (used when J > 0)
    scale_prior: Any  # (2,) (mean, sd) of the log timing scale (used when J > 0)


def _scalar_priors(p: FogPriors) -> list[float]:
    return [
        p.rate_log_mean,
        p.rate_log_sd,
        p.rw_sd,
        p.change_sd,
        p.killed_share[0],
        p.killed_share[1],
        p.bias_claimant_sd,
        p.noise_scale,
        p.noise_floor,
        p.about_sd,
        p.day_sd,
        0.0,
    ]


def _log_diff_ndtr(lo: Any, hi: Any) -> Any:
    """``log(Phi(hi) - Phi(lo))`` for ``lo <= hi``, stable in both tails."""
    import jax.numpy as jnp
    from jax.scipy.special import log_ndtr

    flip = lo > 0
    a = jnp.where(flip, -hi, lo)
    b = jnp.where(flip, -lo, hi)
    la, lb = log_ndtr(a), log_ndtr(b)
    return lb + jnp.log1p(-jnp.exp(jnp.minimum(la - lb, -1e-7)))


def _model(d: _Data) -> None:
    """The NumPyro model (see the module docstring and docs/fog-of-war.md)."""
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from jax.scipy.special import log_ndtr

    s = d.scalars
    n_weeks = d.change.shape[0]
    level = numpyro.sample("level", dist.Normal(s[0], s[1]).expand([2]).to_event(1))
    if n_weeks > 1:
        eps = numpyro.sample("eps", dist.Normal(0.0, 1.0).expand([2, n_weeks - 1]).to_event(2))
        step_sd = jnp.sqrt(s[2] ** 2 + d.change[1:] * s[3] ** 2)[None, :]
        path = jnp.concatenate([jnp.zeros((2, 1)), jnp.cumsum(eps * step_sd, axis=1)], axis=1)
        path = path - path.mean(axis=1, keepdims=True)
    else:
        path = jnp.zeros((2, 1))
    log_rate = numpyro.deterministic("log_rate", level[:, None] + path)
    killed = numpyro.sample("killed_share", dist.Beta(s[4], s[5]).expand([2]).to_event(1))

    tot = jnp.exp(log_rate) @ d.overlap.T  # (2, n): each side's casualties in each period
    mf = jnp.where(
        d.metric[None, :] == 1,
        killed[:, None],
        jnp.where(d.metric[None, :] == 2, 1.0 - killed[:, None], 1.0),
    )
    coef = d.side_coef.T
    if d.wagner_ab.shape[0] == 2:
        w = numpyro.sample("wagner_share", dist.Beta(d.wagner_ab[0], d.wagner_ab[1]))
        coef = coef.at[0].multiply(jnp.where(d.wagner > 0, w, 1.0))
    amount = jnp.sum(coef * mf * tot, axis=0) / d.div
    ratio = tot[0] / tot[1]
    truth = numpyro.deterministic("truth", jnp.where(d.ratio > 0, ratio, amount))

    n_pairs = d.pair_group.shape[0]
    mu_g = numpyro.sample(
        "bias_group",
        dist.Normal(d.rel_prior[d.group_rel, 0], d.rel_prior[d.group_rel, 1]).to_event(1),
    )
    z = numpyro.sample("bias_z", dist.Normal(0.0, 1.0).expand([n_pairs]).to_event(1))
    log_bias = numpyro.deterministic("log_bias", mu_g[d.pair_group] + s[6] * z)
    lb = log_bias[d.pair] - d.ratio * log_bias[d.pair2]
    n_claimants = d.n_claimants.shape[0]
    noise = numpyro.sample("noise", dist.HalfNormal(s[7]).expand([n_claimants]).to_event(1))
    sigma = jnp.sqrt(
        s[8] ** 2 + noise[d.claimant] ** 2 + d.about * s[9] ** 2 + s[10] ** 2 / d.ndays
    )
    mu = jnp.log(truth) + lb
    if d.offset.shape[1] > 0:
        share = numpyro.sample(
            "stream_share", dist.Beta(d.share_ab[0], d.share_ab[1]).expand([2]).to_event(1)
        )
        log_k = numpyro.sample(
            "stream_scale",
            dist.Normal(d.scale_prior[0], d.scale_prior[1]).expand([2]).to_event(1),
        )
        offs = jnp.concatenate([-jnp.log(share), log_k])
        mu = mu + d.offset @ offs
    numpyro.deterministic("mu", mu)
    numpyro.deterministic("sigma", sigma)
    z_lo = (d.log_lo - mu) / sigma
    z_hi = (d.log_hi - mu) / sigma
    ll_point = -0.5 * z_lo**2 - jnp.log(sigma)
    ll_lower = log_ndtr(-z_lo)
    ll_upper = log_ndtr(z_hi)
    ll_interval = _log_diff_ndtr(z_lo, z_hi)
    ll = jnp.where(
        d.kind == 0,
        ll_point,
        jnp.where(d.kind == 1, ll_lower, jnp.where(d.kind == 2, ll_upper, ll_interval)),
    )
    numpyro.factor("claims", jnp.sum(d.weight * ll))


_LATENT_SITES = (
    "level",
    "eps",
    "killed_share",
    "wagner_share",
    "bias_group",
    "bias_z",
    "noise",
    "stream_share",
    "stream_scale",
)

_RUNNER: dict[str, Any] = {}


def _runner() -> Any:
    """The jitted sampler: NUTS on every chain at once (``vmap``), warm-up then draws.

    Built once per process. Model data are traced arguments, so fits whose data have the same
    shapes reuse one compiled program: results depend only on the data values and the seed.
    """
    if "run" in _RUNNER:
        return _RUNNER["run"]
    from functools import partial

    import jax
    from numpyro.handlers import seed, trace
    from numpyro.infer.hmc import hmc
    from numpyro.infer.util import constrain_fn, potential_energy

    def potential_gen(data: _Data) -> Any:
        return partial(potential_energy, _model, (data,), {})

    init_kernel, sample_kernel = hmc(potential_fn_gen=potential_gen, algo="NUTS")

    @partial(jax.jit, static_argnames=("warmup", "draws", "target_accept", "depth"))
    def run(
        keys: Any, data: _Data, *, warmup: int, draws: int, target_accept: float, depth: int
    ) -> Any:
        def one_chain(key: Any) -> Any:
            k_init, k_run = jax.random.split(key)
            sites = trace(seed(_model, 0)).get_trace(data)
            latent = [
                (name, site["value"].shape)
                for name, site in sites.items()
                if site["type"] == "sample" and not site["is_observed"]
            ]
            init_keys = jax.random.split(k_init, len(latent))
            # NumPyro's init_to_uniform: uniform(-2, 2) in unconstrained space
            z0 = {
                name: jax.random.uniform(k, shape, minval=-2.0, maxval=2.0)
                for (name, shape), k in zip(latent, init_keys, strict=True)
            }
            state = init_kernel(
                z0,
                num_warmup=warmup,
                target_accept_prob=target_accept,
                max_tree_depth=depth,
                model_args=(data,),
                rng_key=k_run,
            )

            def step(st: Any, _: Any) -> Any:
                st = sample_kernel(st, model_args=(data,))
                return st, (st.z, st.diverging, st.num_steps)

            # one loop for warm-up and draws (one copy of NUTS to compile); the kernel adapts
            # step size and mass matrix during its first ``warmup`` iterations
            _, trail = jax.lax.scan(step, state, None, length=warmup + draws)
            zs, diverging, steps = jax.tree.map(lambda x: x[warmup:], trail)
            values = jax.vmap(
                lambda z: constrain_fn(_model, (data,), {}, z, return_deterministic=True)
            )(zs)
            return values, diverging, steps

        return jax.vmap(one_chain)(keys)

    _RUNNER["run"] = run
    return run


@dataclass
class _Encoded:
    data: _Data
    claimants: list[str]
    claimant_sides: list[str]
    pairs: list[tuple[str, str]]  # (claimant, subject)
    pair_relations: list[str]
    groups: list[tuple[str, str]]  # (claimant side, relation)
    obs: pd.DataFrame  # one row per observation (claims, then stream rows)
    has_wagner: bool
    n_days: int
    week_of_day: np.ndarray
    start: dt.date


def _encode(
    prepared: PreparedClaims,
    priors: FogPriors,
    streams: pd.DataFrame | None,
    weights: Sequence[float] | None = None,
) -> _Encoded:
    import numpy as np
    import pandas as pd

    start, end = prepared.window
    n_days = (end - start).days + 1
    week_of_day = np.arange(n_days) // 7
    n_weeks = int(week_of_day[-1]) + 1
    change = np.zeros(n_weeks, dtype=np.float32)
    for cp in prepared.change_points:
        k = (cp - start).days // 7
        if 0 < k < n_weeks:
            change[k] = 1.0

    used = prepared.used
    obs_rows: list[dict[str, Any]] = []
    for r in used.to_dict("records"):
        obs_rows.append(
            {
                "id": r["id"],
                "source": "claim",
                "role": "claim",
                "placement": str(r["reason"]),
                "claimant": str(r["claimant"]),
                "claimant_side": str(r["claimant_side"]),
                "subject": r["subject"],
                "metric": str(r["metric"]),
                "rate": str(r["rate"]),
                "start": r["start"],
                "end": r["end"],
                "kind": r["kind"],
                "log_lo": r["log_lo"],
                "log_hi": r["log_hi"],
                "about": bool(r["about"]),
            }
        )
    if streams is not None:
        for r in streams.to_dict("records"):
            obs_kind = "lower" if r["role"] == "lower" else "point"
            obs_rows.append(
                {
                    "id": r["id"],
                    "source": f"stream:{r['stream']}",
                    "role": r["role"],
                    "placement": "stream month",
                    "claimant": str(r["claimant"]),
                    "claimant_side": str(r["claimant_side"]),
                    "subject": r["subject"],
                    "metric": str(r["metric"]),
                    "rate": "total",
                    "start": r["start"],
                    "end": r["end"],
                    "kind": obs_kind,
                    "log_lo": math.log(float(r["value"])),
                    "log_hi": math.log(float(r["value"])),
                    "about": False,
                }
            )
    obs = pd.DataFrame(obs_rows)
    n = len(obs)
    claimants = sorted(set(obs["claimant"]))
    side_of: dict[str, str] = {}
    for c, cs in zip(obs["claimant"], obs["claimant_side"], strict=True):
        side_of.setdefault(c, cs)
    pair_set: set[tuple[str, str]] = set()
    for r in obs.to_dict("records"):
        if r["metric"] == "casualty_ratio":
            pair_set.update({(r["claimant"], "RU"), (r["claimant"], "UA")})
        else:
            pair_set.add((r["claimant"], r["subject"]))
    order = {s: i for i, s in enumerate(SUBJECTS)}
    pairs = sorted(pair_set, key=lambda p: (p[0], order[p[1]]))
    pair_rel = [relation(side_of[c], s) for c, s in pairs]
    groups = sorted(
        {(side_of[c], rel) for (c, _), rel in zip(pairs, pair_rel, strict=True)},
    )
    g_index = {g: i for i, g in enumerate(groups)}
    p_index = {p: i for i, p in enumerate(pairs)}
    c_index = {c: i for i, c in enumerate(claimants)}
    rel_index = {r: i for i, r in enumerate(RELATIONS)}

    overlap = np.zeros((n, n_weeks), dtype=np.float32)
    div = np.ones(n, dtype=np.float32)
    ndays = np.ones(n, dtype=np.float32)
    side_coef = np.zeros((n, 2), dtype=np.float32)
    wagner = np.zeros(n, dtype=np.float32)
    metric_code = np.zeros(n, dtype=np.int32)
    is_ratio = np.zeros(n, dtype=np.float32)
    kind = np.zeros(n, dtype=np.int32)
    log_lo = np.zeros(n, dtype=np.float32)
    log_hi = np.zeros(n, dtype=np.float32)
    about = np.zeros(n, dtype=np.float32)
    claimant = np.zeros(n, dtype=np.int32)
    pair = np.zeros(n, dtype=np.int32)
    pair2 = np.zeros(n, dtype=np.int32)
    n_offsets = 4 if streams is not None and len(streams) else 0
    offset = np.zeros((n, n_offsets), dtype=np.float32)
    for i, r in enumerate(obs.to_dict("records")):
        first, last = (r["start"] - start).days, (r["end"] - start).days
        np.add.at(overlap[i], week_of_day[first : last + 1], 1.0)
        ndays[i] = last - first + 1
        if r["rate"] == "per_day":
            div[i] = ndays[i]
        subj = r["subject"]
        side_coef[i] = {
            "RU": (1.0, 0.0),
            "WAGNER": (1.0, 0.0),
            "UA": (0.0, 1.0),
            "BOTH": (1.0, 1.0),
        }[subj]
        wagner[i] = 1.0 if subj == "WAGNER" else 0.0
        metric_code[i] = _METRIC_CODE[r["metric"]]
        kind[i] = _KIND_CODE[r["kind"]]
        log_lo[i] = r["log_lo"]
        log_hi[i] = r["log_hi"]
        about[i] = 1.0 if r["about"] else 0.0
        claimant[i] = c_index[r["claimant"]]
        if r["metric"] == "casualty_ratio":
            is_ratio[i] = 1.0
            pair[i] = p_index[(r["claimant"], "RU")]
            pair2[i] = p_index[(r["claimant"], "UA")]
        else:
            pair[i] = pair2[i] = p_index[(r["claimant"], subj)]
        if n_offsets:
            side_i = 0 if subj in ("RU", "WAGNER") else 1
            if r["role"] in ("scaled", "lower"):
                offset[i, side_i] = 1.0
            elif r["role"] == "timing":
                offset[i, 2 + side_i] = 1.0
    has_wagner = bool(wagner.any())
    w = np.ones(n, dtype=np.float32)
    if weights is not None:
        w[: len(weights)] = np.asarray(weights, dtype=np.float32)
    rel_prior = np.array(
        [priors.bias_enemy, priors.bias_self, priors.bias_neutral], dtype=np.float32
    )
    data = _Data(
        change=change,
        overlap=overlap,
        div=div,
        ndays=ndays,
        side_coef=side_coef,
        wagner=wagner,
        metric=metric_code,
        ratio=is_ratio,
        kind=kind,
        log_lo=log_lo,
        log_hi=log_hi,
        about=about,
        claimant=claimant,
        pair=pair,
        pair2=pair2,
        weight=w,
        offset=offset,
        pair_group=np.array(
            [g_index[(side_of[c], rel)] for (c, _), rel in zip(pairs, pair_rel, strict=True)],
            dtype=np.int32,
        ),
        pair_rel=np.array([rel_index[r] for r in pair_rel], dtype=np.int32),
        group_rel=np.array([rel_index[r] for _, r in groups], dtype=np.int32),
        n_claimants=np.zeros(len(claimants), dtype=np.float32),
        rel_prior=rel_prior,
        scalars=np.array(_scalar_priors(priors), dtype=np.float32),
        wagner_ab=np.array(priors.wagner_share if has_wagner else (), dtype=np.float32),
        share_ab=np.array(priors.stream_share, dtype=np.float32),
        scale_prior=np.array(priors.stream_scale, dtype=np.float32),
    )
    return _Encoded(
        data=data,
        claimants=claimants,
        claimant_sides=[side_of[c] for c in claimants],
        pairs=pairs,
        pair_relations=pair_rel,
        groups=groups,
        obs=obs,
        has_wagner=has_wagner,
        n_days=n_days,
        week_of_day=week_of_day,
        start=start,
    )


def _quantiles(x: np.ndarray) -> dict[str, float]:
    import numpy as np

    q05, q50, q95 = np.quantile(np.asarray(x, dtype=np.float64), _Q)
    return {"median": float(q50), "q05": float(q05), "q95": float(q95)}


def _round_q(q: dict[str, float], digits: int) -> dict[str, float]:
    return {k: _sig(v, digits) for k, v in q.items()}


def _sig(v: float, digits: int) -> float:
    """Round to ``digits`` significant figures (a stable, readable JSON number)."""
    if v == 0 or not math.isfinite(v):
        return float(v)
    return float(round(v, digits - 1 - math.floor(math.log10(abs(v)))))


# ---------------------------------------------------------------------------------------------
# the estimator


@dataclass
class FogOfWar:
    """Fuse contradictory casualty claims into a Bayesian estimate (scikit-learn style).

    Hyperparameters are set here; :meth:`fit` returns ``self``; fitted values end in ``_``.

    ``window``: ``(start, end)`` ISO dates, default derived from the phases and the kept claims
    (see :func:`prepare_claims`). ``cutoff``: use only claims known by this date; it is applied
    before anything else, so later claims cannot change the result. ``streams``: external
    all-front streams (``genstaff``, ``named-dead``, ``oryx``), off by default. ``draws`` and
    ``warmup`` per chain (``warmup`` defaults to ``draws``), ``chains`` run one after another
    on the CPU, ``seed`` fixes everything (same seed, same data: same bytes). ``priors``: a
    :class:`FogPriors`. ``change_points``: let the rate jump at each phase start.
    ``warn``: turn poor convergence into a :class:`~attrition.infer.diagnostics.ConvergenceWarning`.
    ``ppc_alpha``: tail probability under which the posterior predictive check flags a claim.

    Fitted attributes: ``window_``, ``prepared_`` (:class:`PreparedClaims`), ``observations_``
    (the observations the model read, claims then stream rows), ``samples_`` (dict of arrays
    with leading ``(chain, draw)`` axes), ``totals_`` (side x quantity quantiles), ``daily_``
    (daily casualty rate quantiles per side), ``exchange_ratio_``, ``bias_`` (per claimant and
    subject), ``groups_`` (per claimant side and relation), ``diagnostics_``
    (:class:`~attrition.infer.diagnostics.Convergence`), ``ppc_`` (per claim: predicted range,
    fused truth of the same quantity, tail probability, implausible flag), ``fit_seconds_``.
    """

    window: tuple[str | dt.date, str | dt.date] | None = None
    cutoff: str | dt.date | None = None
    streams: Sequence[str] = ()
    draws: int = 500
    warmup: int | None = None
    chains: int = 4
    seed: int = 0
    priors: FogPriors = field(default_factory=FogPriors)
    change_points: bool = True
    target_accept: float = 0.9
    max_tree_depth: int = 8
    warn: bool = True
    ppc_alpha: float = 0.05

    def _check_params(self) -> None:
        for name in ("draws", "chains"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise UserError(f"FogOfWar: {name} = {v!r} must be a whole number >= 1")
        if self.warmup is not None and (not isinstance(self.warmup, int) or self.warmup < 1):
            raise UserError(f"FogOfWar: warmup = {self.warmup!r} must be a whole number >= 1")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise UserError(f"FogOfWar: seed = {self.seed!r} must be a whole number >= 0")
        if not 0.5 <= self.target_accept < 1:
            raise UserError(f"FogOfWar: target_accept = {self.target_accept!r} must be in [0.5, 1)")
        if not 0 < self.ppc_alpha < 0.5:
            raise UserError(f"FogOfWar: ppc_alpha = {self.ppc_alpha!r} must be in (0, 0.5)")
        if isinstance(self.streams, str):
            raise UserError("FogOfWar: streams must be a list of names, e.g. ['genstaff']")

    def fit(
        self,
        claims: pd.DataFrame,
        phases: pd.DataFrame | None = None,
        *,
        weights: Sequence[float] | None = None,
        stream_table: pd.DataFrame | None = None,
    ) -> FogOfWar:
        """Fit the model to ``claims`` (a table in the claims schema); returns ``self``.

        ``phases`` (columns ``start``, ``end``) sets the default window and the change points.
        ``weights`` (one per used claim, in the order of ``prepared_.used``) scales each claim's
        log-likelihood; 0 leaves a claim out while keeping the compiled program (used by the
        leave-one-claimant-out study). ``stream_table`` replaces the packaged streams (tests).
        """
        self._check_params()
        check_streams_known(self.streams, self.cutoff)
        t0 = time.perf_counter()
        prepared = prepare_claims(claims, self.window, self.cutoff, phases)
        if not self.change_points:
            prepared = replace(prepared, change_points=())
        used = prepared.used
        if used.empty:
            reasons = prepared.table["reason"].value_counts()
            detail = "; ".join(f"{k}: {v}" for k, v in reasons.head(3).items())
            raise UserError(
                "no usable casualty claims (killed, wounded, casualties, casualty_ratio about "
                f"RU, UA, WAGNER or BOTH) among {len(prepared.table)} row(s)"
                + (f" ({detail})" if detail else "")
                + "; add claims in the claims schema"
            )
        if not used["kind"].isin(["point", "interval"]).any():
            raise UserError(
                f"all {len(used)} usable claims are censored (at_least/at_most, or undated "
                "totals read as lower bounds); the estimate needs at least one exact, about or "
                "range figure with a period"
            )
        for side in SIDES:
            informs = used["subject"].isin([side, "BOTH"] + (["WAGNER"] if side == "RU" else []))
            if not informs.any():
                warnings.warn(
                    f"no usable claim about {side} losses; its estimate is the prior only",
                    DataWarning,
                    stacklevel=2,
                )
        if weights is not None and len(weights) != len(used):
            raise UserError(
                f"weights: {len(weights)} given for {len(used)} used claims; give one per "
                "used claim"
            )
        stream_rows = None
        if self.streams:
            stream_rows = stream_observations(list(self.streams), prepared.window, stream_table)
        enc = _encode(prepared, self.priors, stream_rows, weights)
        samples, diverging = self._sample(enc)
        self._finish(prepared, enc, samples, diverging)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    # -- sampling -----------------------------------------------------------------------------

    def _sample(self, enc: _Encoded) -> tuple[dict[str, np.ndarray], np.ndarray]:
        import jax
        import numpy as np

        warmup = self.warmup if self.warmup is not None else self.draws
        data = jax.tree.map(jax.numpy.asarray, enc.data)
        keys = jax.random.split(jax.random.PRNGKey(self.seed), self.chains)
        values, diverging, steps = _runner()(
            keys,
            data,
            warmup=warmup,
            draws=self.draws,
            target_accept=float(self.target_accept),
            depth=int(self.max_tree_depth),
        )
        samples = {k: np.asarray(v) for k, v in values.items()}
        self.num_steps_ = np.asarray(steps)
        return samples, np.asarray(diverging)

    # -- summaries ----------------------------------------------------------------------------

    def _finish(
        self,
        prepared: PreparedClaims,
        enc: _Encoded,
        samples: dict[str, np.ndarray],
        diverging: np.ndarray,
    ) -> None:
        import numpy as np
        import pandas as pd

        from attrition.infer.diagnostics import convergence, posterior_predictive_check

        self.prepared_ = prepared
        self.window_ = prepared.window
        self.observations_ = enc.obs
        self.samples_ = samples
        self.encoded_ = enc
        chains, draws = samples["level"].shape[:2]

        def flat(x: np.ndarray) -> np.ndarray:
            return x.reshape((chains * draws, *x.shape[2:]))

        log_rate = flat(samples["log_rate"])  # (N, 2, K)
        daily = np.exp(log_rate.astype(np.float64))[:, :, enc.week_of_day]  # (N, 2, T)
        cas = daily.sum(axis=2)  # (N, 2)
        killed_share = flat(samples["killed_share"]).astype(np.float64)
        per_side: dict[str, dict[str, np.ndarray]] = {}
        for i, side in enumerate(SIDES):
            per_side[side] = {
                "casualties": cas[:, i],
                "killed": cas[:, i] * killed_share[:, i],
                "wounded": cas[:, i] * (1 - killed_share[:, i]),
            }
        if enc.has_wagner:
            w = flat(samples["wagner_share"]).astype(np.float64)
            per_side["WAGNER"] = {k: v * w for k, v in per_side["RU"].items()}
        self.draws_ = per_side
        ratio = cas[:, 0] / cas[:, 1]
        self.exchange_ratio_ = _quantiles(ratio)
        rows = []
        for side, qs in per_side.items():
            for qname, x in qs.items():
                rows.append({"side": side, "quantity": qname, **_quantiles(x)})
        self.totals_ = pd.DataFrame(rows, columns=["side", "quantity", "median", "q05", "q95"])
        days = [enc.start + dt.timedelta(days=int(t)) for t in range(enc.n_days)]
        drows = []
        for i, side in enumerate(SIDES):
            q05, q50, q95 = np.quantile(daily[:, i, :], _Q, axis=0)
            for t, day in enumerate(days):
                drows.append(
                    {
                        "date": day,
                        "side": side,
                        "median": q50[t],
                        "q05": q05[t],
                        "q95": q95[t],
                    }
                )
        self.daily_ = pd.DataFrame(drows, columns=["date", "side", "median", "q05", "q95"])

        log_bias = flat(samples["log_bias"]).astype(np.float64)
        brows = []
        for j, ((c, subj), rel) in enumerate(zip(enc.pairs, enc.pair_relations, strict=True)):
            n_c = int(((enc.obs["claimant"] == c) & (enc.obs["subject"] == subj)).sum())
            n_c += int(((enc.obs["claimant"] == c) & (enc.obs["metric"] == "casualty_ratio")).sum())
            brows.append(
                {
                    "claimant": c,
                    "claimant_side": enc.claimant_sides[enc.claimants.index(c)],
                    "subject": subj,
                    "relation": rel,
                    "n_obs": n_c,
                    **_quantiles(np.exp(log_bias[:, j])),
                }
            )
        self.bias_ = pd.DataFrame(brows)
        mu_g = flat(samples["bias_group"]).astype(np.float64)
        grows = [
            {"claimant_side": g, "relation": rel, **_quantiles(np.exp(mu_g[:, k]))}
            for k, (g, rel) in enumerate(enc.groups)
        ]
        self.groups_ = pd.DataFrame(grows)
        noise = flat(samples["noise"]).astype(np.float64)
        self.noise_ = pd.DataFrame(
            [{"claimant": c, **_quantiles(noise[:, k])} for k, c in enumerate(enc.claimants)]
        )
        latent = {k: samples[k] for k in _LATENT_SITES if k in samples}
        self.diagnostics_: Convergence = convergence(latent, diverging, warn=self.warn)
        self.ppc_ = posterior_predictive_check(
            enc.obs,
            flat(samples["mu"]),
            flat(samples["sigma"]),
            flat(samples["truth"]),
            alpha=self.ppc_alpha,
            seed=self.seed,
        )
        self.fitted_ = True

    def total(self, side: str, quantity: str = "casualties") -> dict[str, float]:
        """``{median, q05, q95}`` of a side's total over the window (``casualties``,
        ``killed`` or ``wounded``; side ``RU``, ``UA`` or, where estimated, ``WAGNER``)."""
        self._require_fitted()
        if side not in self.draws_:
            raise unknown_name("side", side, self.draws_)
        if quantity not in self.draws_[side]:
            raise unknown_name("quantity", quantity, self.draws_[side])
        return _quantiles(self.draws_[side][quantity])

    def daily_draws(self) -> tuple[list[dt.date], np.ndarray]:
        """Posterior draws of the daily casualty rate: dates and an array (draw, day, side)
        with sides in the order of :data:`SIDES`."""
        self._require_fitted()
        import numpy as np

        lr = self.samples_["log_rate"]
        lr = lr.reshape(-1, *lr.shape[2:]).astype(np.float64)
        daily = np.exp(lr)[:, :, self.encoded_.week_of_day].transpose(0, 2, 1)
        start = self.encoded_.start
        return [start + dt.timedelta(days=t) for t in range(self.encoded_.n_days)], daily

    def _require_fitted(self) -> None:
        if not getattr(self, "fitted_", False):
            raise UserError("FogOfWar is not fitted yet; call fit() first")

    def summary(self) -> dict[str, Any]:
        """The results as the JSON object of ``attrition estimate --json``.

        Keys: ``window``, ``sides`` (RU, UA, WAGNER where estimable; each ``casualties``,
        ``killed``, ``wounded`` as ``{median, q05, q95}`` over the window),
        ``exchange_ratio`` (RU casualties per UA casualty), ``claimants`` (by name: ``side``,
        ``bias`` about the subject they speak of most, ``by_subject``, ``noise_sd``,
        ``n_claims``), ``claimant_groups`` (by claimant side: bias per subject and the group's
        own whole-battle figures beside the fused value of the same quantity),
        ``killed_share``, ``implausible_claims``, ``diagnostics`` (``r_hat_max``, ``ess_min``,
        ``divergences``), ``seed``, ``n_claims``, ``streams``, ``cutoff``, ``note``.
        """
        self._require_fitted()
        start, end = self.window_
        sides: dict[str, Any] = {}
        for side, qs in self.draws_.items():
            sides[side] = {k: _round_q(_quantiles(x), 4) for k, x in qs.items()}
        ks = self.samples_["killed_share"]
        ks = ks.reshape(-1, ks.shape[-1])
        killed_share = {s: _round_q(_quantiles(ks[:, i]), 3) for i, s in enumerate(SIDES)}

        claimants: dict[str, Any] = {}
        obs = self.observations_
        claim_obs = obs[obs["source"] == "claim"]
        for c in sorted(set(self.bias_["claimant"])):
            rows = self.bias_[self.bias_["claimant"] == c]
            by_subject = {
                str(r["subject"]): {
                    "relation": str(r["relation"]),
                    **_round_q({k: float(r[k]) for k in ("median", "q05", "q95")}, 3),
                }
                for r in rows.to_dict("records")
            }
            main = rows.sort_values(
                ["n_obs", "subject"], ascending=[False, True], kind="stable"
            ).iloc[0]
            noise = self.noise_[self.noise_["claimant"] == c].iloc[0]
            claimants[c] = {
                "side": str(main["claimant_side"]),
                "n_claims": int((claim_obs["claimant"] == c).sum()),
                "subject": str(main["subject"]),
                "bias": _round_q({k: float(main[k]) for k in ("median", "q05", "q95")}, 3),
                "by_subject": by_subject,
                "noise_sd": _round_q({k: float(noise[k]) for k in ("median", "q05", "q95")}, 3),
            }

        groups: dict[str, Any] = {}
        window_days = (end - start).days + 1
        ppc = self.ppc_
        for g in sorted(set(self.groups_["claimant_side"])):
            grow = self.groups_[self.groups_["claimant_side"] == g]
            bias = {
                str(r["relation"]): _round_q({k: float(r[k]) for k in ("median", "q05", "q95")}, 3)
                for r in grow.to_dict("records")
            }
            figures = []
            for r in ppc[(ppc["claimant_side"] == g) & (ppc["source"] == "claim")].to_dict(
                "records"
            ):
                span = (r["end"] - r["start"]).days + 1
                if (
                    r["rate"] != "total"
                    or span < 0.5 * window_days
                    or str(r["placement"]).startswith("lower bound on")
                ):
                    continue
                figures.append(
                    {
                        "id": str(r["id"]),
                        "claimant": str(r["claimant"]),
                        "subject": str(r["subject"]),
                        "metric": str(r["metric"]),
                        "claimed": str(r["claimed"]),
                        "period": [r["start"].isoformat(), r["end"].isoformat()],
                        "fused": _round_q(
                            {
                                "median": float(r["truth_median"]),
                                "q05": float(r["truth_q05"]),
                                "q95": float(r["truth_q95"]),
                            },
                            4,
                        ),
                        "implausible": bool(r["implausible"]),
                    }
                )
            groups[g] = {"bias": bias, "figures": figures}

        implausible = [
            {
                "id": str(r["id"]),
                "claimant": str(r["claimant"]),
                "subject": str(r["subject"]),
                "metric": str(r["metric"]),
                "claimed": str(r["claimed"]),
                "predicted": _round_q(
                    {
                        "median": float(r["pred_median"]),
                        "q05": float(r["pred_q05"]),
                        "q95": float(r["pred_q95"]),
                    },
                    4,
                ),
                "fused_truth": _sig(float(r["truth_median"]), 4),
                "factor": _sig(float(r["factor"]), 3),
                "tail_p": _sig(float(r["tail_p"]), 3),
            }
            for r in ppc[ppc["implausible"]]
            .sort_values(["tail_p", "id"], kind="stable")
            .to_dict("records")
        ]
        diag = self.diagnostics_
        return {
            "window": {"start": start.isoformat(), "end": end.isoformat(), "days": window_days},
            "sides": sides,
            "exchange_ratio": _round_q(self.exchange_ratio_, 4),
            "killed_share": killed_share,
            "claimants": claimants,
            "claimant_groups": groups,
            "implausible_claims": implausible,
            "diagnostics": {
                "r_hat_max": _sig(diag.r_hat_max, 4),
                "ess_min": _sig(diag.ess_min, 4),
                "divergences": int(diag.divergences),
                "chains": int(diag.chains),
                "draws": int(diag.draws),
            },
            "seed": int(self.seed),
            "n_claims": int((obs["source"] == "claim").sum()),
            "streams": sorted(set(self.streams)),
            "cutoff": None if self.cutoff is None else str(_parse_date_arg(self.cutoff, "cutoff")),
            "note": (
                "Estimates fused from contested claims under stated priors; not facts. "
                "Intervals are 90% posterior intervals."
            ),
        }
