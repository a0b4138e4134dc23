"""Historical claim-vs-record pairs: how far published casualty claims sat from the later record.

The packaged file ``data/history/claims_vs_record.csv`` holds one row per pair: a figure a
claimant published during or soon after a war (e.g. the RAF's 185 German aircraft on 15 September
1940) and the figure the later record gives for the same side, metric and period (about 60, from
the Luftwaffe's loss returns). Each row names the claimant's relation to the side it talks about
(``enemy``, ``own`` or ``third_party``), cites both figures, quotes the claim and says when the
record was published (``record_published``: a date, a year, or ``unknown``), so that a fit under a
cutoff can use only the records known by then. The ratio claimed/record is derived on load
(``ratio``, ``log_ratio``), never stored.

:func:`load_reference_pairs` reads and checks the file; :func:`summary` gives, per relation and
metric family (personnel, materiel), the number of pairs and the mean and standard deviation of
``log(claimed/record)``: the raw material for priors on claimant bias. Provenance, what "record"
means per conflict and the known defects are in ``data/history/README.md``.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import TYPE_CHECKING

from attrition.data.dates import cell_date, published_date
from attrition.data.tables import PathLike, read_csv_text, row_ref
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "MATERIEL_METRICS",
    "METRICS",
    "PERSONNEL_METRICS",
    "RECORD_KINDS",
    "REFERENCE_FILE",
    "RELATIONS",
    "load_reference_pairs",
    "summary",
]

REFERENCE_FILE = Path(__file__).resolve().parent / "history" / "claims_vs_record.csv"
"""The packaged claim-vs-record file."""

#: The claimant's relation to the side whose losses it states.
RELATIONS: tuple[str, ...] = ("enemy", "own", "third_party")
#: Personnel metrics: ``killed`` (military dead, incl. died of wounds; missing where the record
#: counts "dead or missing"), ``wounded``, ``casualties`` (killed + wounded + missing),
#: ``missing``, ``deaths_total`` (military and civilian dead together).
PERSONNEL_METRICS: tuple[str, ...] = ("killed", "wounded", "casualties", "missing", "deaths_total")
#: Materiel metrics (units destroyed or lost).
MATERIEL_METRICS: tuple[str, ...] = ("aircraft", "tanks", "armoured_vehicles", "artillery", "ships")
METRICS: tuple[str, ...] = PERSONNEL_METRICS + MATERIEL_METRICS
#: What the record figure is: ``count`` (archival or official count), ``estimate`` (a later
#: reconstruction with its own uncertainty), ``lower_bound`` (e.g. named dead: actual >= record).
RECORD_KINDS: tuple[str, ...] = ("count", "estimate", "lower_bound")

#: Column order of the file.
COLUMNS: tuple[str, ...] = (
    "id",
    "conflict",
    "event",
    "period_start",
    "period_end",
    "claimant",
    "claimant_side",
    "subject_side",
    "relation",
    "metric",
    "claimed_value",
    "claimed_low",
    "claimed_high",
    "claim_date",
    "record_value",
    "record_low",
    "record_high",
    "record_kind",
    "record_source",
    "claim_citation",
    "record_citation",
    "record_published",
    "quote",
    "notes",
)
_REQUIRED_TEXT = (
    "id",
    "conflict",
    "event",
    "claimant",
    "claimant_side",
    "subject_side",
    "record_source",
    "claim_citation",
    "record_citation",
    "quote",
)
_VOCAB: dict[str, tuple[str, ...]] = {
    "relation": RELATIONS,
    "metric": METRICS,
    "record_kind": RECORD_KINDS,
}
#: (value, low, high) triples: value required and > 0, low/high optional and > 0.
_TRIPLES = (
    ("claimed_value", "claimed_low", "claimed_high"),
    ("record_value", "record_low", "record_high"),
)
#: Date columns parsed on load (``record_published`` may be ``unknown``: NaT).
_DATE_COLUMNS = ("period_start", "period_end", "record_published")
_MAX_QUOTE = 200
_CLAIM_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def load_reference_pairs(path: PathLike | None = None) -> pd.DataFrame:
    """Read and check a claim-vs-record file (the packaged one when ``path`` is None).

    Returns one row per pair with the file's columns, typed: text columns as ``str``,
    ``relation``/``metric``/``record_kind`` as categoricals over :data:`RELATIONS`,
    :data:`METRICS` and :data:`RECORD_KINDS`, ``period_start``/``period_end`` as datetimes,
    ``claim_date`` as text (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), ``record_published`` as
    a datetime (a year ``YYYY`` read as 31 December of it; ``unknown`` as NaT, so that
    :func:`attrition.data.known.known_by` with ``date_column="record_published"`` counts the
    pair as known by no cutoff) and the six figures as float64 (NaN when an optional low/high
    is blank). Derived columns: ``metric_family``
    (``personnel`` or ``materiel``), ``claim_year`` (int), ``ratio`` (claimed/record) and
    ``log_ratio``.

    Every problem raises :class:`~attrition.errors.UserError` with one line naming the file,
    the row and line, the column and the fix: a blank citation, quote or other required text;
    an unknown relation, metric or record kind; a value that is missing, not a number or not
    positive; a low above its high or a value outside [low, high]; a bad date; a blank or
    malformed ``record_published``, or one before the claim; a duplicate id.
    """
    import numpy as np
    import pandas as pd

    file = Path(path) if path is not None else REFERENCE_FILE
    frame = read_csv_text(file, COLUMNS)
    if frame.empty:
        raise UserError(f"{file}: no data rows; add pairs or restore the packaged file")
    frame = frame.loc[:, list(COLUMNS)].copy()
    for col in COLUMNS:
        frame[col] = frame[col].astype(str).str.strip()

    dates: dict[str, list[datetime.date | None]] = {col: [] for col in _DATE_COLUMNS}
    for i, record in enumerate(frame.to_dict("records")):
        parsed = _check_row(file, i, {str(key): str(value) for key, value in record.items()})
        for col in _DATE_COLUMNS:
            dates[col].append(parsed[col])

    dupes = frame["id"].duplicated()
    if bool(dupes.any()):
        i = int(np.flatnonzero(dupes.to_numpy())[0])
        raise UserError(
            f"{row_ref(file, i, 'id')}: duplicate id {frame['id'].iloc[i]!r}; give each pair "
            "its own id"
        )

    for triple in _TRIPLES:
        for col in triple:
            frame[col] = pd.to_numeric(frame[col].replace("", np.nan)).astype("float64")
    for col, days in dates.items():
        values = pd.Series(days, index=frame.index, dtype="object")
        frame[col] = pd.to_datetime(values).astype("datetime64[ns]")
    for col, vocab in _VOCAB.items():
        frame[col] = pd.Categorical(frame[col], categories=list(vocab))
    frame["metric_family"] = np.where(
        frame["metric"].astype(str).isin(PERSONNEL_METRICS), "personnel", "materiel"
    )
    frame["claim_year"] = frame["claim_date"].str.slice(0, 4).astype("int64")
    frame["ratio"] = frame["claimed_value"] / frame["record_value"]
    frame["log_ratio"] = np.log(frame["ratio"])
    return frame.reset_index(drop=True)


def _check_row(file: Path, i: int, cells: dict[str, str]) -> dict[str, datetime.date | None]:
    """Raise a one-line :class:`UserError` for the first bad cell of data row ``i``; return
    the row's parsed :data:`_DATE_COLUMNS`."""
    for col in _REQUIRED_TEXT:
        if not cells[col]:
            what = "a citation" if col.endswith("citation") else "a value"
            raise UserError(f"{row_ref(file, i, col)}: is blank; every pair needs {what} here")
    if len(cells["quote"]) > _MAX_QUOTE:
        raise UserError(
            f"{row_ref(file, i, 'quote')}: {len(cells['quote'])} characters; keep the quote "
            f"a short provenance string (at most {_MAX_QUOTE})"
        )
    for col, vocab in _VOCAB.items():
        if cells[col] not in vocab:
            raise UserError(
                f"{row_ref(file, i, col)}: unknown {col} {cells[col]!r}; valid: {', '.join(vocab)}"
            )
    for value_col, low_col, high_col in _TRIPLES:
        value = _positive(file, i, value_col, cells[value_col], required=True)
        low = _positive(file, i, low_col, cells[low_col], required=False)
        high = _positive(file, i, high_col, cells[high_col], required=False)
        if low is not None and high is not None and low > high:
            raise UserError(
                f"{row_ref(file, i, low_col)}: {low:g} is above {high_col} {high:g}; "
                "swap them or fix the range"
            )
        assert value is not None
        if (low is not None and value < low) or (high is not None and value > high):
            raise UserError(
                f"{row_ref(file, i, value_col)}: {value:g} lies outside [{low_col}, {high_col}]; "
                "fix the value or its range"
            )
    start = cell_date(cells["period_start"], row_ref(file, i, "period_start"))
    end = cell_date(cells["period_end"], row_ref(file, i, "period_end"))
    if start > end:
        raise UserError(
            f"{row_ref(file, i, 'period_end')}: {cells['period_end']} is before period_start "
            f"{cells['period_start']}; fix the period"
        )
    if not _CLAIM_DATE.match(cells["claim_date"]):
        raise UserError(
            f"{row_ref(file, i, 'claim_date')}: expected YYYY, YYYY-MM or YYYY-MM-DD, got "
            f"{cells['claim_date']!r}; fix the date"
        )
    published = published_date(cells["record_published"], row_ref(file, i, "record_published"))
    claimed = _first_day(cells["claim_date"])
    if published is not None and published < claimed:
        raise UserError(
            f"{row_ref(file, i, 'record_published')}: {cells['record_published']} is before "
            f"claim_date {cells['claim_date']}; the record is the later figure: give the date "
            "the cited record was published"
        )
    return {"period_start": start, "period_end": end, "record_published": published}


def _first_day(claim_date: str) -> datetime.date:
    """The earliest day a checked ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` text can mean."""
    parts = [int(p) for p in claim_date.split("-")] + [1, 1]
    try:
        return datetime.date(parts[0], parts[1], parts[2])
    except ValueError:  # e.g. month 13: the claim date's own check names it
        return datetime.date(max(parts[0], 1), 1, 1)


def _positive(file: Path, i: int, col: str, text: str, *, required: bool) -> float | None:
    """``text`` as a positive finite float; blank gives None unless ``required``."""
    import math

    if not text:
        if required:
            raise UserError(f"{row_ref(file, i, col)}: is blank; give the figure (> 0)")
        return None
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise UserError(
            f"{row_ref(file, i, col)}: expected a number, got {text!r}; fix the value"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise UserError(
            f"{row_ref(file, i, col)}: must be positive, got {text!r}; a ratio needs figures "
            "> 0 (leave out pairs whose record is zero)"
        )
    return value


def summary(pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per relation and metric family: ``n``, ``mean_log_ratio`` and ``sd_log_ratio``.

    ``pairs`` is a frame from :func:`load_reference_pairs` (the packaged file when None). The
    log ratio is ``log(claimed_value / record_value)``; ``sd_log_ratio`` is the sample standard
    deviation (ddof=1, NaN for a single pair). Rows are sorted by relation then family; groups
    without pairs are left out. Pairs whose record is a lower bound are included as they are
    (their ratio is an upper bound): filter on ``record_kind`` first to leave them out.
    """
    import pandas as pd

    frame = load_reference_pairs() if pairs is None else pairs
    grouped = frame.assign(relation=frame["relation"].astype(str)).groupby(
        ["relation", "metric_family"], sort=True
    )["log_ratio"]
    out = pd.DataFrame(
        {
            "n": grouped.size(),
            "mean_log_ratio": grouped.mean(),
            "sd_log_ratio": grouped.std(ddof=1),
        }
    ).reset_index()
    out["n"] = out["n"].astype("int64")
    return out
