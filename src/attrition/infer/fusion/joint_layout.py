"""The joint fusion's view of a battle: :class:`JointLayout` (static, shapes the model) and
:class:`JointBattle` (the layout plus the battle's ``[fusion]`` data).

Everything battle-specific the joint fusion reads comes from the battle's ``battle.toml``
(:class:`~attrition.data.battle.BattleSpec`): its two sides, each side's **leaves** (the finest
parts its casualties are made of: each component's parts, or the component itself, then the
side's remainder; a side without components is its own single leaf), the killed-share prior of
each leaf, the split of a side with several leaves, and the **stream roles** (which all-front
stream series is a named-to-actual ratio, a lower bound or a biased claimant). No side,
component or stream role is named in the code.

**Parametrisation rule.** A side whose whole front a ``named_ratio`` stream series pins (among
the streams the fit reads) is *front-pinned*: it is sampled by its front's log rate and the
logit of the battle's share of it. Every other side is sampled by the battle's log rate and the
rest of the front's log rate. Without stream roles every side takes the second form.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from attrition.errors import UserError
from attrition.infer.fusion.sides import DEFAULT_BATTLE, BattleLike, FusionSides

if TYPE_CHECKING:
    import pandas as pd

    from attrition.data.battle import BattleSpec, Prior, StreamRole

__all__ = [
    "BOTH",
    "DEFAULT_AT_BATTLE",
    "DEFAULT_ELSEWHERE",
    "DEFAULT_KILLED_SHARE",
    "STREAM_GROUP",
    "JointBattle",
    "JointLayout",
    "joint_battle",
    "joint_spec",
]

BOTH = "BOTH"
"""The subject of a claim about both sides (a casualty ratio, or both sides' total)."""

STREAM_GROUP = "NAMED"
"""The claimant group of a count stream's observations (``named_ratio`` and ``lower_bound``
roles): they carry no bias of their own (a ratio or a lower bound instead)."""

DEFAULT_KILLED_SHARE: tuple[tuple[float, float], str] = (
    (2.5, 7.5),
    "mean 0.25 (90%: 0.08 to 0.47): the usual one killed to three wounded of modern war, the "
    "former (independent) fusion's prior; a battle's [fusion.killed_share] table may say "
    "otherwise per leaf",
)
"""Beta shapes and reasoning of a leaf's killed share when ``[fusion.killed_share]`` does not
name the leaf."""

DEFAULT_AT_BATTLE: tuple[float, str] = (
    2.0,
    "2 per leaf: no preference among a side's leaves before the claims speak",
)
"""Dirichlet concentration (per leaf) of a side's casualties at the battle among its leaves
when ``[fusion.split.<side>]`` gives no ``at_battle``."""

DEFAULT_ELSEWHERE: tuple[tuple[float, float], str] = (
    (1.0, 1.0),
    "uniform: nothing is known of how much of the side's rest of the front its components "
    "(not its remainder) fought",
)
"""Beta shapes of the share of a side's rest of the front that belongs to its components when
``[fusion.split.<side>]`` gives no ``elsewhere``."""


class JointLayout(NamedTuple):
    """The static shape of the joint model (hashable: one compiled sampler per layout).

    ``sides``: the two sides (sorted ids, as :class:`~attrition.infer.fusion.FusionSides`: a
    casualty ratio is the first over the second). ``leaves``: each side's leaves.
    ``remainder``: each side's remainder leaf (``""`` if none). ``pinned``: whether each side is
    front-pinned (module docstring). ``subjects``: what an observation may speak of, in the
    model's order (the sides, ``BOTH``, then per side each component followed by its parts,
    then its remainder). ``subject_leaves``: which leaves each subject sums (rows ``subjects``,
    columns :attr:`leaf_order`).
    """

    sides: tuple[str, ...]
    leaves: tuple[tuple[str, ...], ...]
    remainder: tuple[str, ...]
    pinned: tuple[bool, ...]
    subjects: tuple[str, ...]
    subject_leaves: tuple[tuple[float, ...], ...]

    @property
    def leaf_order(self) -> tuple[str, ...]:
        """Every leaf, side by side (the order of the killed shares and ``comp_*`` sites)."""
        return tuple(leaf for per in self.leaves for leaf in per)

    @property
    def split_sides(self) -> tuple[int, ...]:
        """Indices of the sides with more than one leaf (a Dirichlet split each)."""
        return tuple(i for i, per in enumerate(self.leaves) if len(per) > 1)

    def pi_site(self, i: int) -> str:
        """The Dirichlet site of side ``i``'s split at the battle (``pi_<side index>``)."""
        return f"pi_{i}"

    def omega_site(self, i: int) -> str:
        """The Beta site of the share of side ``i``'s rest of the front that is its components
        (``omega_<side index>``)."""
        return f"omega_{i}"

    def canonical(self) -> JointLayout:
        """The layout with its names replaced by positions: what the compiled model depends
        on (battles of the same shape share one compiled sampler)."""
        return JointLayout(
            sides=tuple(f"S{i}" for i in range(len(self.sides))),
            leaves=tuple(
                tuple(f"S{i}L{k}" for k in range(len(per))) for i, per in enumerate(self.leaves)
            ),
            remainder=tuple(
                f"S{i}L{len(self.leaves[i]) - 1}" if r else "" for i, r in enumerate(self.remainder)
            ),
            pinned=self.pinned,
            subjects=tuple(f"X{j}" for j in range(len(self.subjects))),
            subject_leaves=self.subject_leaves,
        )

    @property
    def has_ratio(self) -> bool:
        """Whether a ``named_ratio`` stream is read (the model samples ``named_ratio``)."""
        return any(self.pinned)

    def side_of(self, subject: str) -> str:
        """The side a subject (a side, component, part or remainder) belongs to."""
        for side, per in zip(self.sides, self.leaves, strict=True):
            j = self.subjects.index(subject) if subject in self.subjects else -1
            if subject == side or (
                j >= 0 and any(self.subject_leaves[j][self.leaf_order.index(x)] for x in per)
            ):
                return side
        raise UserError(f"subject {subject!r} is not a side or component of this battle")

    @classmethod
    def from_spec(cls, spec: BattleSpec, pinned_sides: Sequence[str] = ()) -> JointLayout:
        """The layout of a battle; ``pinned_sides``: the sides a ``named_ratio`` stream read by
        the fit pins. Refuses a battle without exactly two sides (one line naming
        ``battle.toml``)."""
        if len(spec.sides) != 2:
            raise UserError(
                f"battle {spec.id}: battle.toml has {len(spec.sides)} [[sides]]; the joint "
                "fusion needs exactly two (use FogOfWar for others)"
            )
        by_id = {s.id: s for s in spec.sides}
        sides = tuple(sorted(by_id))
        leaves = tuple(by_id[s].leaves for s in sides)
        order = [leaf for per in leaves for leaf in per]
        rows: list[tuple[str, set[str]]] = [(s, set(by_id[s].leaves)) for s in sides]
        rows.append((BOTH, set(order)))
        for s in sides:
            side = by_id[s]
            for c in side.components:
                rows.append((c.id, {p.id for p in c.parts} or {c.id}))
                rows.extend((p.id, {p.id}) for p in c.parts)
            if side.remainder is not None:
                rows.append((side.remainder.id, {side.remainder.id}))
        return cls(
            sides=sides,
            leaves=leaves,
            remainder=tuple(
                by_id[s].remainder.id if by_id[s].remainder is not None else ""  # type: ignore[union-attr]
                for s in sides
            ),
            pinned=tuple(s in pinned_sides for s in sides),
            subjects=tuple(name for name, _ in rows),
            subject_leaves=tuple(
                tuple(1.0 if leaf in members else 0.0 for leaf in order) for _, members in rows
            ),
        )


@dataclass(frozen=True)
class JointBattle:
    """A battle as the joint fusion reads it: the :class:`JointLayout`, the priors of
    ``[fusion]`` (defaults filled in) and the roles of the streams the fit reads.

    ``killed``: per leaf (``layout.leaf_order``) ``(shapes, reason)``; ``at_battle`` and
    ``elsewhere``: per side index with a split (``elsewhere`` only for a side with a remainder);
    ``roles``: the stream roles read; ``group_sides``: claimant group -> side for the groups of
    ``claimant`` streams.
    """

    battle: str
    layout: JointLayout
    killed: tuple[tuple[tuple[float, ...], str], ...]
    at_battle: dict[int, tuple[tuple[float, ...], str]] = field(default_factory=dict)
    elsewhere: dict[int, tuple[tuple[float, ...], str]] = field(default_factory=dict)
    roles: tuple[StreamRole, ...] = ()
    group_sides: dict[str, str] = field(default_factory=dict)

    @property
    def streams(self) -> tuple[str, ...]:
        """The streams the fit reads (each that has a role), sorted."""
        return tuple(sorted({r.stream for r in self.roles}))

    def role(self, stream: str, side: str) -> StreamRole | None:
        """The role of a stream's series about a side (``None``: the series is not read)."""
        return next((r for r in self.roles if r.stream == stream and r.side == side), None)

    def relation(self, claimant_side: str, subject: str) -> str:
        """The relation of a claimant to a subject for the bias prior: ``own`` (a side about
        itself or any of its components), ``enemy`` (about the other side), ``third_party``
        (a claimant group that is not a side, or any claimant about ``BOTH``). A claimant
        stream's group counts as the side it belongs to.

        With Bakhmut's battle: ``relation("UA", "WAGNER_CONVICTS")`` is ``"enemy"``,
        ``relation("UA_GENSTAFF", "RU")`` ``"enemy"``, ``relation("WEST", "RU")``
        ``"third_party"``.
        """
        side = self.group_sides.get(claimant_side, claimant_side)
        if subject == BOTH or side not in self.layout.sides:
            return "third_party"
        return "own" if self.layout.side_of(subject) == side else "enemy"

    def split_arrays(self) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """The Dirichlet concentrations and the ``elsewhere`` Beta shapes as float32 arrays,
        one per side with a split (resp. with a split and a remainder), in side order."""
        import numpy as np

        conc = tuple(
            np.array(self.at_battle[i][0], dtype=np.float32) for i in self.layout.split_sides
        )
        omega = tuple(
            np.array(self.elsewhere[i][0], dtype=np.float32)
            for i in self.layout.split_sides
            if self.layout.remainder[i]
        )
        return conc, omega

    def priors(self) -> dict[str, Any]:
        """The battle's fusion priors with their reasoning (JSON-ready)."""
        lay = self.layout
        return {
            "killed_share": {
                leaf: {"shapes": list(sh), "reason": why}
                for leaf, (sh, why) in zip(lay.leaf_order, self.killed, strict=True)
            },
            "split": {
                lay.sides[i]: {
                    "at_battle": {
                        "shapes": list(self.at_battle[i][0]),
                        "reason": self.at_battle[i][1],
                    },
                    **(
                        {
                            "elsewhere": {
                                "shapes": list(self.elsewhere[i][0]),
                                "reason": self.elsewhere[i][1],
                            }
                        }
                        if i in self.elsewhere
                        else {}
                    ),
                }
                for i in lay.split_sides
            },
            "streams": [r.model_dump() for r in self.roles],
        }


def joint_spec(battle: BattleLike = None, claims: pd.DataFrame | None = None) -> BattleSpec:
    """The :class:`~attrition.data.battle.BattleSpec` of a battle given as the fusion takes it
    (a spec, a :class:`~attrition.infer.fusion.FusionSides`, a packaged battle's name or a
    folder's path; ``None``: the battle ``claims.attrs["battle"]`` names, else the default)."""
    from attrition.data.battle import BattleSpec
    from attrition.data.claims import battle_spec

    if battle is None and claims is not None:
        battle = claims.attrs.get("battle")
    if battle is None:
        battle = DEFAULT_BATTLE
    if isinstance(battle, BattleSpec):
        return battle
    if isinstance(battle, FusionSides):
        battle = battle.battle
    if isinstance(battle, str | Path):
        spec = battle_spec(battle)
        if spec is None:
            raise UserError(f"{battle}: no battle.toml; add one (attrition battle new)")
        return spec
    raise UserError(
        f"battle = {battle!r}: give a BattleSpec, a packaged battle's name or a folder path"
    )


def _prior(p: Prior | None, default: tuple[Any, str], n: int = 0) -> tuple[tuple[float, ...], str]:
    if p is not None:
        return tuple(float(x) for x in p.shapes), p.reason
    shapes, why = default
    if n:
        return tuple(float(shapes) for _ in range(n)), why
    return tuple(float(x) for x in shapes), why


def joint_battle(spec: BattleSpec, streams: Sequence[str] | None = None) -> JointBattle:
    """The :class:`JointBattle` of a battle spec. ``streams``: the streams to read (``None``:
    every stream ``[fusion.streams]`` gives a role; a name without a role is refused)."""
    f = spec.fusion
    known = sorted({r.stream for r in f.streams})
    if streams is None:
        roles = tuple(f.streams)
    else:
        for name in streams:
            if name not in known:
                raise UserError(
                    f"JointFog: stream {name!r} has no role in battle {spec.id}'s battle.toml "
                    f"([[fusion.streams]]); streams with a role: {', '.join(known) or '(none)'}"
                )
        roles = tuple(r for r in f.streams if r.stream in streams)
    pinned = [r.side for r in roles if r.role == "named_ratio"]
    layout = JointLayout.from_spec(spec, pinned)
    killed = tuple(
        _prior(f.killed_share.get(leaf), DEFAULT_KILLED_SHARE) for leaf in layout.leaf_order
    )
    at_battle: dict[int, tuple[tuple[float, ...], str]] = {}
    elsewhere: dict[int, tuple[tuple[float, ...], str]] = {}
    for i in layout.split_sides:
        split = f.split.get(layout.sides[i])
        at_battle[i] = _prior(
            split.at_battle if split else None, DEFAULT_AT_BATTLE, len(layout.leaves[i])
        )
        if layout.remainder[i]:
            elsewhere[i] = _prior(split.elsewhere if split else None, DEFAULT_ELSEWHERE)
    for shapes, _ in killed:
        if not all(math.isfinite(a) and a > 0 for a in shapes):  # pragma: no cover - spec checks
            raise UserError(f"battle {spec.id}: battle.toml [fusion] has a bad prior")
    return JointBattle(
        battle=spec.id,
        layout=layout,
        killed=killed,
        at_battle=at_battle,
        elsewhere=elsewhere,
        roles=roles,
        group_sides={r.group: r.group_side for r in roles if r.role == "claimant"},
    )
