"""The vocabularies and column orders of the claims schema (``docs/claims-schema.md``).

Metrics, qualifiers, rates and event kinds are fixed here; the sides (claimant, subject and
``by_side``) default to Bakhmut's, and a battle folder's ``battle.toml`` sets its own (checked
by :func:`attrition.data.schema.parse_csv`).
"""

from __future__ import annotations

from typing import Literal, get_args

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
    "SCOPES",
    "SIDE_FIELDS",
    "SUBJECT_SIDES",
    "BySide",
    "ClaimantSide",
    "EventKind",
    "Metric",
    "Qualifier",
    "Rate",
    "Scope",
    "SubjectSide",
]

Metric = Literal[
    "killed",
    "wounded",
    "captured",
    "casualties",
    "missing",
    "tanks_destroyed",
    "ifv_destroyed",
    "apc_destroyed",
    "artillery_destroyed",
    "uav_destroyed",
    "depots_destroyed",
    "vehicles_destroyed",
    "advance_m",
    "advance_width_m",
    "advance_depth_m",
    "area_km2",
    "city_control_pct",
    "personnel",
    "tanks",
    "afv",
    "guns",
    "mlrs",
    "ammo_tonnes_per_day",
    "ammo_delivered_pct",
    "population",
    "artillery_attacks",
    "casualty_ratio",
    "casualties_per_km",
    "cm_per_casualty",
    "other",
]
ClaimantSide = Literal["UA", "RU", "WEST", "INDEPENDENT", "OTHER"]
"""The default claimant sides (Bakhmut's); a battle folder's ``battle.toml`` sets its own."""
SubjectSide = Literal["UA", "RU", "WAGNER", "CIVILIAN", "BOTH"]
"""The default subjects (Bakhmut's); a battle folder's ``battle.toml`` sets its own."""
Qualifier = Literal["exact", "about", "at_least", "at_most", "range"]
Rate = Literal["total", "per_day"]
EventKind = Literal[
    "captured",
    "claimed_captured",
    "entered",
    "contested",
    "withdrew",
    "recaptured",
    "encircled",
    "held",
]
BySide = Literal["UA", "RU"]
"""The default sides of control events; a battle folder's ``battle.toml`` sets its own."""

METRICS: tuple[str, ...] = get_args(Metric)
CLAIMANT_SIDES: tuple[str, ...] = get_args(ClaimantSide)
SUBJECT_SIDES: tuple[str, ...] = get_args(SubjectSide)
QUALIFIERS: tuple[str, ...] = get_args(Qualifier)
RATES: tuple[str, ...] = get_args(Rate)
EVENTS: tuple[str, ...] = get_args(EventKind)
BY_SIDES: tuple[str, ...] = get_args(BySide)

Scope = Literal["city", "sector", "front", "unspecified"]
"""What a claim's figure covers: the battle's city and its surroundings, a named wider sector
(``scope_note``), the whole war (``front``), or the statement does not say."""
SCOPES: tuple[str, ...] = get_args(Scope)

PERCENT_METRICS = frozenset({"city_control_pct", "ammo_delivered_pct"})

CLAIM_COLUMNS: tuple[str, ...] = (
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
    "place",
    "quote",
    "offset",
    "notes",
    "source",
    "scope",
    "scope_qualifier",
    "scope_note",
    "source_id",
    "component",
    "lineage_note",
)
"""Columns of ``claims.csv``; the last six (lineage: what a claim is about and where it comes
from) may be left out of a file, which then reads as ``scope = unspecified`` and empty cells."""
EVENT_COLUMNS: tuple[str, ...] = (
    "id",
    "date",
    "place",
    "event",
    "by_side",
    "claimant",
    "claimant_side",
    "quote",
    "offset",
    "notes",
    "source",
)
PHASE_COLUMNS: tuple[str, ...] = ("id", "name", "start", "end", "heading_offset")
PLACE_COLUMNS: tuple[str, ...] = (
    "place",
    "alt_names",
    "lat",
    "lon",
    "approximate",
    "derivation",
    "source",
)
EXCLUSION_COLUMNS: tuple[str, ...] = ("offset", "text", "reason")

SIDE_FIELDS = ("claimant_side", "subject_side", "by_side", "component")
"""Fields whose vocabulary is a battle's (``battle.toml``), checked by :func:`parse_csv`."""

_VOCABS: dict[str, tuple[str, ...]] = {
    "metric": METRICS,
    "claimant_side": CLAIMANT_SIDES,
    "subject_side": SUBJECT_SIDES,
    "qualifier": QUALIFIERS,
    "rate": RATES,
    "event": EVENTS,
    "by_side": BY_SIDES,
    "component": ("", "WAGNER", "WAGNER_CONVICTS", "WAGNER_CONTRACT", "RU_REGULAR"),
}

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_SIDE_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"
