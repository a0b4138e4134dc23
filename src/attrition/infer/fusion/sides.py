"""The sides the fusion models, read from a battle's ``battle.toml`` (nothing hard-coded).

A battle (:class:`attrition.data.battle.BattleSpec`) names its **sides** (each with the
**components** claims may speak of separately, e.g. Wagner as part of Russia's side at Bakhmut)
and its **claimant groups** (claimants that are not a side: Western governments, independent
analysts, ...). :class:`FusionSides` turns that into what the model needs:

* the latent sides, in alphabetical order of their ids (so the order does not depend on how
  ``battle.toml`` lists them): one daily casualty rate and one killed share each;
* the components, each a latent share of its side's casualties (one Beta share per component
  that claims speak of), in the order of ``battle.toml``;
* the claimant-to-subject relation that sets a claim's bias prior (:meth:`FusionSides.relation`);
* the direction of a ``casualty_ratio`` claim: the first latent side's casualties per the second
  side's (a battle of two sides only).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from attrition.data.battle import BattleSpec

__all__ = [
    "BOTH",
    "DEFAULT_BATTLE",
    "NOT_MODELLED_SUBJECTS",
    "RELATIONS",
    "BattleLike",
    "FusionSides",
    "battle_sides",
    "check_claim_sides",
    "relation",
]

DEFAULT_BATTLE = "bakhmut"
"""The packaged battle whose ``battle.toml`` is used when neither a battle nor a claims table
that names one is given (the same default as :func:`attrition.data.claims.load_claims`)."""

BOTH = "BOTH"
"""The subject of figures about all sides together (and of ``casualty_ratio`` claims)."""

NOT_MODELLED_SUBJECTS: tuple[str, ...] = ("CIVILIAN",)
"""Subjects every battle has that the fusion does not model (the reason is recorded)."""

RELATIONS: tuple[str, ...] = ("enemy", "self", "neutral")
"""Claimant-to-subject relations that set the bias prior."""

_FIXED_SITES = frozenset(
    {
        "level",
        "eps",
        "log_rate",
        "killed_share",
        "truth",
        "bias_group",
        "bias_z",
        "log_bias",
        "noise",
        "mu",
        "sigma",
        "stream_share",
        "stream_scale",
    }
)


@dataclass(frozen=True)
class FusionSides:
    """What the fusion needs to know of a battle's sides (built by :meth:`from_spec`).

    ``sides``: the latent sides (sorted ids). ``components``: ``(component id, side id)`` pairs
    in the order of ``battle.toml``. ``claimant_groups``: the ``claimant_side`` values that are
    not a side. ``known_subjects``: every ``subject_side`` the battle allows (modelled or not).
    """

    battle: str
    sides: tuple[str, ...]
    components: tuple[tuple[str, str], ...] = ()
    claimant_groups: tuple[str, ...] = ()
    known_subjects: tuple[str, ...] = ()

    @classmethod
    def from_spec(cls, spec: BattleSpec) -> FusionSides:
        """The fusion's view of a :class:`~attrition.data.battle.BattleSpec`."""
        return cls(
            battle=spec.id,
            sides=tuple(sorted(spec.side_ids)),
            components=tuple((c.id, s.id) for s in spec.sides for c in s.components),
            claimant_groups=tuple(g.id for g in spec.claimant_groups),
            known_subjects=tuple(spec.subjects),
        )

    def __post_init__(self) -> None:
        if len(self.sides) < 2:
            raise UserError(f"battle {self.battle}: the fusion needs at least two sides")
        if not self.known_subjects:
            subjects = (*self.sides, *self.component_ids, *NOT_MODELLED_SUBJECTS, BOTH)
            object.__setattr__(self, "known_subjects", subjects)

    @property
    def component_ids(self) -> tuple[str, ...]:
        """The components' ids, in the order of ``battle.toml``."""
        return tuple(c for c, _ in self.components)

    @property
    def subjects(self) -> tuple[str, ...]:
        """The subjects the model reads, in the model's order: sides, components, ``BOTH``."""
        return (*self.sides, *self.component_ids, BOTH)

    @property
    def claimant_sides(self) -> tuple[str, ...]:
        """The valid ``claimant_side`` values: the sides and the claimant groups."""
        return (*self.sides, *self.claimant_groups)

    @property
    def ratio_sides(self) -> tuple[str, str] | None:
        """``(numerator, denominator)`` of a ``casualty_ratio`` claim; ``None`` unless the
        battle has exactly two sides."""
        return (self.sides[0], self.sides[1]) if len(self.sides) == 2 else None

    def side_of(self, subject: str) -> str:
        """The side a subject belongs to (a side is its own)."""
        return dict(self.components).get(subject, subject)

    def side_index(self, subject: str) -> int:
        """The index of a subject's side among :attr:`sides`."""
        return self.sides.index(self.side_of(subject))

    def relation(self, claimant_side: str, subject: str) -> str:
        """The relation of a claimant side to a subject: ``enemy``, ``self`` or ``neutral``.

        Claimant groups (not a side) are ``neutral`` about everyone, and so is every claimant
        about ``BOTH``; a side is ``self`` about itself and its components, ``enemy`` about any
        other side and its components.
        """
        if subject == BOTH or claimant_side not in self.sides:
            return "neutral"
        return "self" if self.side_of(subject) == claimant_side else "enemy"

    def component_sites(self) -> dict[str, str]:
        """Component id -> the name of its share's sample site: ``<id lower-cased>_share``
        (``component_<id>_share``, then a number, where that name is taken)."""
        out: dict[str, str] = {}
        taken = set(_FIXED_SITES)
        for cid, _ in self.components:
            name = f"{cid.lower()}_share"
            if name in taken:
                name = f"component_{cid.lower()}_share"
            k = 2
            base = name
            while name in taken:
                name, k = f"{base}_{k}", k + 1
            taken.add(name)
            out[cid] = name
        return out


BattleLike = Any
"""A battle as the fusion takes it: a :class:`~attrition.data.battle.BattleSpec`, a
:class:`FusionSides`, a packaged battle's name or a battle folder's path, or ``None`` (see
:func:`battle_sides`)."""


@functools.lru_cache(maxsize=16)
def _packaged(name: str) -> FusionSides:
    from attrition.data.claims import battle_spec

    spec = battle_spec(name)
    if spec is None:
        raise UserError(f"battle {name}: no battle.toml; add one (attrition battle new)")
    return FusionSides.from_spec(spec)


def battle_sides(battle: BattleLike = None, claims: pd.DataFrame | None = None) -> FusionSides:
    """The :class:`FusionSides` of a battle.

    ``battle`` may be a :class:`~attrition.data.battle.BattleSpec`, a :class:`FusionSides`, a
    packaged battle's name or a folder's path. ``None``: the battle the claims table names in
    ``claims.attrs["battle"]`` (a spec, name or path), else :data:`DEFAULT_BATTLE`.
    """
    from attrition.data.battle import BattleSpec

    if battle is None and claims is not None:
        battle = claims.attrs.get("battle")
    if battle is None:
        return _packaged(DEFAULT_BATTLE)
    if isinstance(battle, FusionSides):
        return battle
    if isinstance(battle, BattleSpec):
        return FusionSides.from_spec(battle)
    if isinstance(battle, str | Path):
        from attrition.data.claims import battle_spec

        if isinstance(battle, str) and "/" not in battle and not battle.startswith("."):
            return _packaged(battle)
        spec = battle_spec(battle)
        if spec is None:
            raise UserError(f"{battle}: no battle.toml; add one (attrition battle new)")
        return FusionSides.from_spec(spec)
    raise UserError(
        f"battle = {battle!r}: give a BattleSpec, a packaged battle's name or a folder path"
    )


def relation(claimant_side: str, subject: str, battle: BattleLike = None) -> str:
    """The relation of a claimant side to a subject side: ``enemy``, ``self`` or ``neutral``.

    See :meth:`FusionSides.relation`; ``battle`` as in :func:`battle_sides` (default: the
    packaged default battle, where Wagner is a component of Russia's side).

    >>> relation("UA", "WAGNER"), relation("RU", "WAGNER"), relation("WEST", "RU")
    ('enemy', 'self', 'neutral')
    """
    return battle_sides(battle).relation(claimant_side, subject)


def check_claim_sides(claims: pd.DataFrame, sides: FusionSides) -> None:
    """Refuse a claim whose ``subject_side`` or ``claimant_side`` the battle does not have.

    One :class:`UserError` line names the claim, the field, the value and the valid values
    (a claims file read through :func:`attrition.data.claims.load_claims` or with the battle's
    vocabulary is refused earlier, with its file and line).
    """
    checks = (
        ("subject_side", set(sides.known_subjects), sides.known_subjects),
        ("claimant_side", set(sides.claimant_sides), sides.claimant_sides),
    )
    for field, valid, listed in checks:
        if field not in claims.columns:
            continue
        for rid, value in zip(claims["id"], claims[field], strict=True):
            if str(value) not in valid:
                raise UserError(
                    f"claim {rid}: field {field} = {value!r} is not a side, component or "
                    f"group of battle {sides.battle} (battle.toml); valid: {', '.join(listed)}"
                )
