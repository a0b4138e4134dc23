"""Claims onto the model's calendar: the cutoff, the window, and each claim's placement."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from attrition.data.dates import as_date as to_date
from attrition.data.dates import parse_date
from attrition.errors import DataWarning, UserError
from attrition.infer.fusion.sides import (
    BOTH,
    NOT_MODELLED_SUBJECTS,
    BattleLike,
    FusionSides,
    battle_sides,
    check_claim_sides,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MODELLED_METRICS",
    "PreparedClaims",
    "apply_cutoff",
    "battle_span",
    "battle_window",
    "check_usable_claims",
    "parse_date",
    "prepare_claims",
    "to_date",
]

MODELLED_METRICS: tuple[str, ...] = ("casualties", "killed", "wounded", "casualty_ratio")
"""Claim metrics the model reads; every other metric is ignored (reason recorded)."""

UNDATED_PER_DAY_SPAN = 7
"""Days covered by a dated per-day figure without a period (the week to its date)."""

NEEDED_COLUMNS = (
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
"""Columns of the claims schema the fusion reads."""


def check_columns(claims: pd.DataFrame) -> None:
    """Refuse a table without the columns the fusion reads (:data:`NEEDED_COLUMNS`)."""
    missing = [c for c in NEEDED_COLUMNS if c not in claims.columns]
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

    day = parse_date(cutoff, "cutoff")
    check_columns(claims)
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
    and ``about``. ``sides``: the battle's sides as the fusion reads them.
    """

    table: pd.DataFrame
    window: tuple[dt.date, dt.date]
    change_points: tuple[dt.date, ...] = ()
    sides: FusionSides | None = None

    @property
    def used(self) -> pd.DataFrame:
        """The rows the model reads."""
        return self.table[self.table["used"]].reset_index(drop=True)


def _default_window(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None,
    cutoff: dt.date | None,
    sides: FusionSides,
) -> tuple[dt.date, dt.date]:
    modelled = claims[
        claims["metric"].isin(MODELLED_METRICS) & claims["subject_side"].isin(sides.subjects)
    ]
    starts = [d for d in (to_date(v) for v in modelled["period_start"]) if d is not None]
    ends: list[dt.date] = []
    for r in modelled.to_dict("records"):
        d = to_date(r["period_end"]) or to_date(r["claim_date"])
        if d is not None:
            ends.append(d)
    if phases is not None and len(phases):
        start = min(d for d in (to_date(v) for v in phases["start"]) if d is not None)
        phase_end = max(d for d in (to_date(v) for v in phases["end"]) if d is not None)
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


def _dates_of(frame: pd.DataFrame | None, columns: tuple[str, ...]) -> list[dt.date]:
    import pandas as pd

    if frame is None or frame.empty:
        return []
    out: list[dt.date] = []
    for c in columns:
        if c in frame.columns:
            values = pd.to_datetime(frame[c], errors="coerce").dropna()
            out += [v.date() for v in values]
    return out


def battle_span(claims: pd.DataFrame, phases: pd.DataFrame | None) -> tuple[dt.date, dt.date]:
    """The dates the claims (and the phases, when given) speak about: from the earliest to the
    latest of their claim dates, period starts and ends and phase bounds."""
    dates = _dates_of(claims, ("claim_date", "period_start", "period_end"))
    dates += _dates_of(phases, ("start", "end"))
    if not dates:
        raise UserError("claims: no claim has a date; date the claims (claim_date or period)")
    return min(dates), max(dates)


def battle_window(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None,
    window: tuple[dt.date, dt.date] | None,
    battle: BattleLike = None,
) -> tuple[dt.date, dt.date]:
    """The battle's window: ``window`` when given, else the phases' span, else the window the
    fit derives from the claims (:func:`prepare_claims`)."""
    if window is not None:
        return window
    phase_dates = _dates_of(phases, ("start", "end"))
    if phase_dates:
        return min(phase_dates), max(phase_dates)
    return prepare_claims(claims, None, None, phases, battle=battle).window


def prepare_claims(
    claims: pd.DataFrame,
    window: tuple[str | dt.date, str | dt.date] | None = None,
    cutoff: str | dt.date | None = None,
    phases: pd.DataFrame | None = None,
    *,
    battle: BattleLike = None,
) -> PreparedClaims:
    """Filter, place and encode claims for the model (the cutoff is applied first).

    ``battle`` gives the sides, components and claimant groups (:func:`battle_sides`; default:
    the battle the table names, else the packaged default). A claim naming a side the battle
    does not have raises :class:`UserError`. Rules, in order (each unused row gets its
    ``reason``):

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

    A ``casualty_ratio`` claim is the first side's casualties per the second side's
    (:attr:`FusionSides.ratio_sides`); in a battle of more than two sides it is not modelled.
    The window defaults to the phases' first start up to the last dated casualty claim (capped
    at the last phase end and at the cutoff); without phases, to the span of the dated casualty
    claims. Everything is derived from the kept claims only.
    """
    import pandas as pd

    from attrition.data.schema import dup_of

    sides = battle_sides(battle, claims)
    check_columns(claims)
    check_claim_sides(claims, sides)
    cut = parse_date(cutoff, "cutoff")
    kept = apply_cutoff(claims, cut)
    if window is not None:
        w0 = parse_date(window[0], "window start")
        w1 = parse_date(window[1], "window end")
        if w0 is None or w1 is None:
            raise UserError("window needs a start and an end date (YYYY-MM-DD)")
        if w1 < w0:
            raise UserError(f"window end {w1} is before its start {w0}; swap them")
        if cut is not None and w0 > cut:
            raise UserError(f"window start {w0} is after the cutoff {cut}; choose an earlier start")
        win = (w0, min(w1, cut) if cut is not None else w1)
    else:
        win = _default_window(kept, phases, cut, sides)
    start, end = win
    change_points: tuple[dt.date, ...] = ()
    if phases is not None and len(phases):
        cps = sorted({d for d in (to_date(v) for v in phases["start"]) if d is not None})
        change_points = tuple(d for d in cps if start < d <= end)

    modelled_subjects = set(sides.subjects)
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
            if sides.ratio_sides is None:
                out["reason"] = (
                    f"casualty ratio not modelled in a battle of {len(sides.sides)} sides"
                )
                continue
            subject = BOTH
        elif subject not in modelled_subjects or subject in NOT_MODELLED_SUBJECTS:
            out["reason"] = f"subject {subject} not modelled"
            continue
        dup = dup_of(str(r["notes"] or ""))
        if dup:
            out["reason"] = f"restatement of {dup}"
            continue
        placed = _place(out, metric, start, end)
        if isinstance(placed, str):
            out["reason"] = placed
            if placed.startswith("outside the window"):
                outside += 1
            continue
        placement, p0, p1, q, lo, hi = placed
        coded = _censoring(q, lo, hi)
        if isinstance(coded, str):
            out["reason"] = coded
            continue
        kind, vlo, vhi, note = coded
        out.update(
            used=True,
            reason=placement + note,
            kind=kind,
            subject=subject,
            relation=sides.relation(str(r["claimant_side"]), subject),
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
    return PreparedClaims(table=table, window=win, change_points=change_points, sides=sides)


_Placed = tuple[str, dt.date, dt.date, str, float | None, float | None]


def _place(r: dict[str, Any], metric: str, start: dt.date, end: dt.date) -> _Placed | str:
    """A claim's period on the window (rules 4 and 5 of :func:`prepare_claims`): the placement
    text, the period, the qualifier and bounds to use; or why it cannot be placed."""
    import pandas as pd

    q = str(r["qualifier"])
    lo = None if pd.isna(r["value_low"]) else float(r["value_low"])
    hi = None if pd.isna(r["value_high"]) else float(r["value_high"])
    p0, p1 = to_date(r["period_start"]), to_date(r["period_end"])
    cd = to_date(r["claim_date"])
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
                return "per-day figure with no date cannot be placed"
            p0, p1 = anchor - dt.timedelta(days=UNDATED_PER_DAY_SPAN - 1), anchor
            placement = "per-day, week to date"
        else:
            if q == "at_most":
                return "upper bound on an unstated period says nothing"
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
        return "period cannot be placed"
    if p1 < start or p0 > end:
        return f"outside the window {start}..{end}"
    clipped = p0 < start or p1 > end
    p0, p1 = max(p0, start), min(p1, end)
    if clipped:
        placement += ", clipped to window"
    return placement, p0, p1, q, lo, hi


def _censoring(q: str, lo: float | None, hi: float | None) -> tuple[str, float, float, str] | str:
    """Rule 6 of :func:`prepare_claims`: the censoring kind, the bounds and a placement note;
    or why the figure says nothing."""
    if q in ("exact", "about"):
        if lo is None:
            return "no value"
        if lo <= 0:
            return "upper", 0.5, 0.5, ", zero read as at most 0.5"
        return "point", lo, lo, ""
    if q == "at_least":
        if lo is None or lo <= 0:
            return "lower bound of 0 says nothing"
        return "lower", lo, lo, ""
    if q == "at_most":
        if hi is None:
            return "no value"
        return "upper", max(hi, 0.5), max(hi, 0.5), ""
    # range
    if lo is None or hi is None:
        return "no value"
    if lo <= 0:
        return "upper", max(hi, 0.5), max(hi, 0.5), ""
    return "interval", lo, hi, ""


def check_usable_claims(prepared: PreparedClaims, sides: FusionSides, *, warn: bool = True) -> None:
    """Refuse claims a fusion cannot estimate from, before any sampling: none usable (with the
    commonest reasons), or every usable claim censored (a bound: the estimate needs at least
    one exact, about or range figure with a period). With ``warn``, a
    :class:`~attrition.errors.DataWarning` names each side no usable claim informs (its
    estimate is then the prior's)."""
    used = prepared.used
    if used.empty:
        reasons = prepared.table["reason"].value_counts()
        detail = "; ".join(f"{k}: {v}" for k, v in reasons.head(3).items())
        subjects = sides.subjects
        raise UserError(
            "no usable casualty claims (killed, wounded, casualties, casualty_ratio about "
            f"{', '.join(subjects[:-1])} or {subjects[-1]}) among {len(prepared.table)} "
            "row(s)" + (f" ({detail})" if detail else "") + "; add claims in the claims schema"
        )
    if not used["kind"].isin(["point", "interval"]).any():
        raise UserError(
            f"all {len(used)} usable claims are censored (at_least/at_most, or undated "
            "totals read as lower bounds); the estimate needs at least one exact, about or "
            "range figure with a period"
        )
    if not warn:
        return
    for side in sides.sides:
        parts = [c for c, s in sides.components if s == side]
        informs = used["subject"].isin([side, BOTH, *parts])
        if not informs.any():
            warnings.warn(
                f"no usable claim about {side} losses; its estimate is the prior only",
                DataWarning,
                stacklevel=3,
            )
