"""Validated records of the evidence base and their CSV readers.

The contract is ``docs/claims-schema.md``. Every model is a frozen pydantic v2 model that checks
its vocabularies, ISO dates, numbers and the qualifier/value rules when built. The CSV readers
validate each row and raise one :class:`~attrition.errors.UserError` line such as::

    claims.csv:7: field 'metric' = 'kills' is not valid; valid: advance_depth_m, ...

Row numbers are CSV line numbers (the header is line 1).

One module per job; this package re-exports their names, so every
``from attrition.data.schema import ...`` keeps working:

* :mod:`~attrition.data.schema.vocab`: the vocabularies and column orders;
* :mod:`~attrition.data.schema.records`: the row models (:class:`Claim`, :class:`ControlEvent`,
  :class:`Phase`, :class:`Place`, :class:`NumeralExclusion`);
* :mod:`~attrition.data.schema.reader`: CSV parsing and the one-line row errors
  (:func:`parse_csv`, :func:`read_models`);
* :mod:`~attrition.data.schema.frames`: records as typed DataFrames and the file readers
  (:func:`models_to_frame`, :func:`read_claims_csv` ...).
"""

from __future__ import annotations

from attrition.data.schema.frames import (
    models_to_frame,
    read_claims_csv,
    read_events_csv,
    read_exclusions_csv,
    read_phases_csv,
    read_places_csv,
)
from attrition.data.schema.reader import RowProblem, parse_csv, read_models
from attrition.data.schema.records import (
    Claim,
    ControlEvent,
    NumeralExclusion,
    Phase,
    Place,
    dup_of,
)
from attrition.data.schema.records import (
    _Record as _Record,  # the records' base, read by attrition.data.claims
)
from attrition.data.schema.vocab import (
    BY_SIDES,
    CLAIM_COLUMNS,
    CLAIMANT_SIDES,
    EVENT_COLUMNS,
    EVENTS,
    EXCLUSION_COLUMNS,
    METRICS,
    PERCENT_METRICS,
    PHASE_COLUMNS,
    PLACE_COLUMNS,
    QUALIFIERS,
    RATES,
    SIDE_FIELDS,
    SUBJECT_SIDES,
    BySide,
    ClaimantSide,
    EventKind,
    Metric,
    Qualifier,
    Rate,
    SubjectSide,
)

__all__ = [
    "BY_SIDES",
    "CLAIMANT_SIDES",
    "CLAIM_COLUMNS",
    "EVENTS",
    "EVENT_COLUMNS",
    "EXCLUSION_COLUMNS",
    "METRICS",
    "PERCENT_METRICS",
    "PHASE_COLUMNS",
    "PLACE_COLUMNS",
    "QUALIFIERS",
    "RATES",
    "SIDE_FIELDS",
    "SUBJECT_SIDES",
    "BySide",
    "Claim",
    "ClaimantSide",
    "ControlEvent",
    "EventKind",
    "Metric",
    "NumeralExclusion",
    "Phase",
    "Place",
    "Qualifier",
    "Rate",
    "RowProblem",
    "SubjectSide",
    "dup_of",
    "models_to_frame",
    "parse_csv",
    "read_claims_csv",
    "read_events_csv",
    "read_exclusions_csv",
    "read_models",
    "read_phases_csv",
    "read_places_csv",
]
