"""The lineage of each claim (scope, source, component) as the joint fusion reads it.

Every claim of a battle folder carries these columns in ``claims.csv``
(``docs/claims-schema.md``, decisions in ``docs/claims-lineage-review.md``):

``scope``
    ``city`` (the battle's town and its immediate surroundings), ``sector`` (a named stretch of
    front that contains the town, e.g. "Bakhmut–Vuhledar"), ``front`` (the whole war) or
    ``unspecified``.
``scope_qualifier``
    the article's hedge on the scope (``mainly``, ``primarily``, ``around``, ``near``, ...).
``scope_note``
    the sector's name (for ``sector`` rows) or the article's wording of the zone.
``source_id``
    the original estimate behind the statement; restatements share one id.
``component``
    the part of a side the figure is about (a component, a component's part or a side's
    remainder in the battle's ``battle.toml``; at Bakhmut ``WAGNER``, ``WAGNER_CONVICTS``,
    ``WAGNER_CONTRACT``, ``RU_REGULAR``) or empty (the claim's ``subject_side``).

:func:`with_lineage` merges them on ``id`` in memory when a claims frame lacks them (from the
battle's own ``claims.csv``, or a table given); a frame that has them is used as it is. Valid
components are the battle's (:func:`battle_components`).
:func:`restatement_weights` gives each claim its share of one unit of weight per ``source_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LINEAGE_COLUMNS",
    "SCOPES",
    "WIDE_QUALIFIERS",
    "battle_components",
    "restatement_weights",
    "with_lineage",
]

LINEAGE_COLUMNS: tuple[str, ...] = (
    "scope",
    "scope_qualifier",
    "scope_note",
    "source_id",
    "component",
)
"""The lineage columns of ``claims.csv`` the joint fusion reads."""

SCOPES: tuple[str, ...] = ("city", "sector", "front", "unspecified")
"""Valid ``scope`` values."""

WIDE_QUALIFIERS: frozenset[str] = frozenset({"mainly", "primarily"})
"""Scope qualifiers read as "Bakhmut, with part of the figure possibly from elsewhere": the
claim observes Bakhmut's total with widened noise (see :mod:`attrition.infer.fusion.joint`)."""


def battle_components(battle: Any = None) -> tuple[str, ...]:
    """The valid non-empty ``component`` values of a battle: its components, their parts and
    its sides' remainders (``battle.toml``). ``battle`` as the fusion takes it (a spec, a name,
    a folder, or ``None`` for the default battle)."""
    from attrition.infer.fusion.joint_layout import joint_spec

    return tuple(joint_spec(battle).claim_components)


def _read_lineage(path: Path, components: tuple[str, ...]) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise UserError(
            f"{path}: no lineage table; give a CSV with id,scope,scope_qualifier,"
            "scope_note,source_id,component, or claims that carry these columns"
        )
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("id", *LINEAGE_COLUMNS) if c not in table.columns]
    if missing:
        raise UserError(f"{path}: line 1: column(s) {', '.join(missing)} missing; add them")
    for line, r in enumerate(table.to_dict("records"), start=2):
        if r["scope"] not in SCOPES:
            raise UserError(
                f"{path}: line {line}: field scope = {r['scope']!r} is not one of "
                f"{', '.join(SCOPES)}; fix the value"
            )
        if r["component"] and r["component"] not in components:
            raise UserError(
                f"{path}: line {line}: field component = {r['component']!r} is not one of "
                f"{', '.join(components) or '(none)'} (or empty); fix the value"
            )
        if not r["source_id"]:
            raise UserError(f"{path}: line {line}: field source_id is empty; give one")
    return table


def with_lineage(
    claims: pd.DataFrame, lineage: pd.DataFrame | str | Path | None = None, battle: Any = None
) -> pd.DataFrame:
    """``claims`` with the lineage columns (:data:`LINEAGE_COLUMNS`).

    A frame that already has every column is returned as it is (empty ``scope`` read as
    ``unspecified``, empty ``source_id`` as ``src-<id>``). Otherwise the side table is merged on
    ``id``: ``lineage`` (a frame or a CSV path), default the ``claims.csv`` of the battle
    (``battle``, else the one the frame names in ``attrs["battle"]``, else the default
    battle). A claim the table does not list gets ``scope`` ``unspecified``, its own
    ``source_id`` and no component.
    """
    import pandas as pd

    from attrition.infer.fusion.joint_layout import joint_spec

    spec = joint_spec(battle, claims)
    components = tuple(spec.claim_components)
    out = claims.copy()
    if not all(c in out.columns for c in LINEAGE_COLUMNS):
        if isinstance(lineage, pd.DataFrame):
            table = lineage.astype(str)
        else:
            if lineage is None:  # the battle's own claims.csv carries the columns
                from attrition.data.claims import load_claims

                own = battle if battle is not None else claims.attrs.get("battle")
                if own is None or not isinstance(own, str | Path):
                    own = spec.id
                table = load_claims(own).astype(str)
            else:
                table = _read_lineage(Path(lineage), components)
        table = table[["id", *LINEAGE_COLUMNS]].drop_duplicates("id")
        out = out.drop(columns=[c for c in LINEAGE_COLUMNS if c in out.columns])
        out = out.merge(table, on="id", how="left")
        out.attrs = dict(claims.attrs)
    for c in LINEAGE_COLUMNS:
        out[c] = out[c].fillna("").astype(str)
    out.loc[out["scope"] == "", "scope"] = "unspecified"
    blank = out["source_id"] == ""
    out.loc[blank, "source_id"] = "src-" + out.loc[blank, "id"].astype(str)
    bad = sorted(set(out["scope"]) - set(SCOPES))
    if bad:
        raise UserError(f"claims: field scope = {bad[0]!r} is not one of {', '.join(SCOPES)}")
    bad = sorted(set(out["component"]) - {"", *components})
    if bad:
        raise UserError(
            f"claims: field component = {bad[0]!r} is not a component of battle {spec.id} "
            f"(battle.toml); valid: {', '.join(components) or '(none)'}"
        )
    return out


def restatement_weights(source_ids: Sequence[str]) -> list[float]:
    """One unit of weight per original estimate: each of the ``n`` claims sharing a
    ``source_id`` weighs ``1/n``.

    >>> restatement_weights(["a", "b", "a", "a"])
    [0.3333333333333333, 1.0, 0.3333333333333333, 0.3333333333333333]
    """
    counts: dict[str, int] = {}
    for s in source_ids:
        counts[s] = counts.get(s, 0) + 1
    return [1.0 / counts[s] for s in source_ids]
