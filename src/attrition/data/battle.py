"""A battle is a folder: ``battle.toml`` describes it, CSV files beside it hold the evidence.

``battle.toml`` names the battle, its window, the **sides** (with the components claims may speak
of separately, e.g. Wagner as part of Russia's side at Bakhmut), the **claimant groups** besides
the sides (Western governments, independent analysts, the article's own voice, ...), the
**sources** the claims cite (a packaged article, URLs, documents) and, optionally, the
**fusion** settings of the joint fusion (:class:`Fusion`: killed-share priors per leaf, the
split of a side among its components, the roles of the all-front streams). Beside it:
``claims.csv``, ``events.csv``, ``phases.csv`` and ``places.csv`` (the schemas in
``docs/claims-schema.md``).
No side, component or claimant group is hard-coded in the schema: the vocabularies of
``subject_side``, ``claimant_side`` and ``by_side`` come from this file.

:class:`BattleSpec` is a value object (validated when built, no I/O); :func:`read_battle_toml`
reads one; :func:`new_battle_folder` writes a commented example folder.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from attrition.errors import UserError

__all__ = [
    "GENERIC_SUBJECTS",
    "BattleSpec",
    "ClaimantGroup",
    "Component",
    "Fusion",
    "Prior",
    "Side",
    "SideSplit",
    "Source",
    "StreamRole",
    "new_battle_folder",
    "read_battle_toml",
]

GENERIC_SUBJECTS = ("CIVILIAN", "BOTH")
"""Subjects every battle has besides its sides and components."""

_ID = r"^[A-Za-z][A-Za-z0-9_-]*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Part(_Frozen):
    """A finer part a claim may count (a claim's ``component``), not modelled on its own."""

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)


class Component(_Frozen):
    """A part of a side that claims speak of separately (e.g. ``WAGNER`` of ``RU``); ``parts``
    are finer parts of it a claim's ``component`` may name (e.g. Wagner's convicts)."""

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    parts: tuple[Part, ...] = ()


class Side(_Frozen):
    """A belligerent whose losses and control of places are modelled."""

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    components: tuple[Component, ...] = ()
    remainder: Part | None = None
    """The side without its components (e.g. Russia's regular forces beside Wagner), as a part
    a claim's ``component`` may name."""

    @property
    def leaves(self) -> tuple[str, ...]:
        """The finest parts the side's casualties are made of: each component's parts (or the
        component itself if it has none), then the remainder; a side without components is its
        own single leaf.

        >>> Side(id="A", label="A", components=({"id": "A1", "label": "a"},)).leaves
        ('A1',)
        """
        out = [p.id for c in self.components for p in (c.parts or (c,))]
        if self.remainder is not None:
            out.append(self.remainder.id)
        return tuple(out) if out else (self.id,)


class Prior(_Frozen):
    """A prior of the joint fusion: its ``shapes`` (Beta shapes, or a Dirichlet concentration
    per leaf) and the ``reason`` for them (required: every prior states its reasoning)."""

    shapes: tuple[float, ...] = Field(min_length=2)
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _positive(self) -> Prior:
        if not all(math.isfinite(a) and a > 0 for a in self.shapes):
            raise ValueError(f"shapes {list(self.shapes)} must all be positive numbers")
        return self


class SideSplit(_Frozen):
    """How the joint fusion splits a side with more than one leaf: ``at_battle``, the Dirichlet
    concentration of its casualties at the battle among its leaves (one per leaf, in the order
    of :attr:`Side.leaves`); ``elsewhere``, the Beta prior of the share of the rest of the
    front that belongs to its components (not the remainder; only for a side with a
    remainder)."""

    at_battle: Prior | None = None
    elsewhere: Prior | None = None


StreamRoleName = Literal["named_ratio", "lower_bound", "claimant"]


class StreamRole(_Frozen):
    """What one all-front stream's series about one side is to the joint fusion.

    ``named_ratio``: a count of named dead, observing the side's whole-front killed through a
    named-to-actual ratio (a Beta prior below 1); the side's front is then "front-pinned".
    ``lower_bound``: a count of named dead, a soft lower bound on the side's front killed.
    ``claimant``: a biased claimant about the side's whole-front figures, in its own claimant
    ``group`` that belongs to side ``group_side`` (for its bias relation); claims whose
    ``source_id`` starts with ``replaces`` restate the stream and are left out when it is read.
    """

    stream: str = Field(min_length=1)
    side: str = Field(pattern=_ID)
    role: StreamRoleName
    group: str = ""
    group_side: str = ""
    replaces: str = ""
    reason: str = ""

    @model_validator(mode="after")
    def _claimant(self) -> StreamRole:
        if self.role == "claimant":
            if not self.group or not self.group_side:
                raise ValueError(
                    f"stream {self.stream} ({self.side}): a claimant role needs 'group' (its "
                    "claimant group id) and 'group_side' (the side the group belongs to)"
                )
        elif self.group or self.group_side or self.replaces:
            raise ValueError(
                f"stream {self.stream} ({self.side}): 'group', 'group_side' and 'replaces' are "
                'for role = "claimant" only'
            )
        return self


class Fusion(_Frozen):
    """The ``[fusion]`` table: the battle's data for the joint fusion.

    ``killed_share``: leaf id -> Beta prior of the leaf's killed share of its casualties (a
    leaf left out gets the fusion's neutral default). ``split``: side id -> :class:`SideSplit`
    (sides with more than one leaf only). ``streams``: the :class:`StreamRole` of each
    all-front stream series the fit reads (none: the fit reads no streams).
    """

    killed_share: dict[str, Prior] = Field(default_factory=dict)
    split: dict[str, SideSplit] = Field(default_factory=dict)
    streams: tuple[StreamRole, ...] = ()


class ClaimantGroup(_Frozen):
    """A ``claimant_side`` value that is not a side (e.g. ``WEST``, ``INDEPENDENT``, ``OTHER``)."""

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)


class Source(_Frozen):
    """A publication claims cite: a packaged ``article`` (a file in the folder), a ``url`` or a
    ``document``. Quotes of claims citing an article are checked against its text at their
    offset; other quotes are kept as provenance."""

    id: str = Field(pattern=_ID)
    kind: Literal["article", "url", "document"]
    path: str = ""
    url: str = ""
    publisher: str = ""
    title: str = ""
    date: dt.date | None = None
    licence: str = ""

    @model_validator(mode="after")
    def _where(self) -> Source:
        if self.kind == "article" and not self.path:
            raise ValueError(f"source {self.id}: an article needs 'path' (a file in the folder)")
        if self.kind == "url" and not self.url:
            raise ValueError(f"source {self.id}: a url source needs 'url'")
        if self.kind == "document" and not (self.title or self.path):
            raise ValueError(f"source {self.id}: a document needs 'title' or 'path'")
        return self


class BattleSpec(_Frozen):
    """What ``battle.toml`` says about a battle (see the module docstring)."""

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    start: dt.date
    end: dt.date
    summary: str = ""
    centre: str = ""
    """The place the map opens on (a name in ``places.csv``); empty: every place."""
    basemap: str = ""
    """A GeoJSON base map in the battle's folder drawn under the map (empty: none)."""
    sides: tuple[Side, ...]
    claimant_groups: tuple[ClaimantGroup, ...] = ()
    sources: tuple[Source, ...] = ()
    fusion: Fusion = Field(default_factory=Fusion)
    """The joint fusion's battle data (``[fusion]``; empty when the table is absent)."""

    @model_validator(mode="after")
    def _consistent(self) -> BattleSpec:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if len(self.sides) < 2:
            raise ValueError("give at least two [[sides]]")
        ids = [s.id for s in self.sides]
        ids += [c.id for s in self.sides for c in s.components]
        ids += [p for p in self.claim_components if p not in self.component_of]
        ids += [g.id for g in self.claimant_groups]
        ids += list(GENERIC_SUBJECTS)
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"id {dupes[0]!r} is used twice among sides, components and groups")
        src = [s.id for s in self.sources]
        dupes = sorted({i for i in src if src.count(i) > 1})
        if dupes:
            raise ValueError(f"source id {dupes[0]!r} is used twice")
        self._check_fusion()
        return self

    def _check_fusion(self) -> None:
        """The keys of ``[fusion]`` name this battle's leaves and sides (one-line errors)."""
        f = self.fusion
        sides = {s.id: s for s in self.sides}
        leaves = [leaf for s in self.sides for leaf in s.leaves]
        for leaf, prior in f.killed_share.items():
            if leaf not in leaves:
                raise ValueError(
                    f"[fusion.killed_share] key {leaf!r} is not a leaf of this battle; "
                    f"valid: {', '.join(leaves)}"
                )
            if len(prior.shapes) != 2:
                raise ValueError(f"[fusion.killed_share] key {leaf!r}: give 2 Beta shapes")
        for sid, split in f.split.items():
            side = sides.get(sid)
            if side is None or len(side.leaves) < 2:
                valid = [s.id for s in self.sides if len(s.leaves) > 1]
                raise ValueError(
                    f"[fusion.split] key {sid!r} is not a side with more than one leaf; "
                    f"valid: {', '.join(valid) or '(none)'}"
                )
            if split.at_battle is not None and len(split.at_battle.shapes) != len(side.leaves):
                raise ValueError(
                    f"[fusion.split.{sid}] key 'at_battle': give {len(side.leaves)} shapes, "
                    f"one per leaf ({', '.join(side.leaves)}), not {len(split.at_battle.shapes)}"
                )
            if split.elsewhere is not None:
                if side.remainder is None:
                    raise ValueError(
                        f"[fusion.split.{sid}] key 'elsewhere': side {sid} has no remainder, so "
                        "all of its rest of the front is its components; leave it out"
                    )
                if len(split.elsewhere.shapes) != 2:
                    raise ValueError(f"[fusion.split.{sid}] key 'elsewhere': give 2 Beta shapes")
        seen: set[tuple[str, str]] = set()
        for k, r in enumerate(f.streams, start=1):
            where = f"[[fusion.streams]] #{k}"
            if r.side not in sides:
                raise ValueError(
                    f"{where} key 'side' = {r.side!r} is not a side; valid: {', '.join(sides)}"
                )
            if (r.stream, r.side) in seen:
                raise ValueError(f"{where}: stream {r.stream} about {r.side} has two roles")
            seen.add((r.stream, r.side))
            if r.role == "claimant":
                if r.group_side not in sides:
                    raise ValueError(
                        f"{where} key 'group_side' = {r.group_side!r} is not a side; valid: "
                        f"{', '.join(sides)}"
                    )
                if r.group in self.claimant_sides or r.group in self.claim_components:
                    raise ValueError(
                        f"{where} key 'group' = {r.group!r} is already a side, component or "
                        "claimant group; give the stream its own group id"
                    )

    @property
    def side_ids(self) -> tuple[str, ...]:
        """The sides' ids (the ``by_side`` vocabulary of control events)."""
        return tuple(s.id for s in self.sides)

    @property
    def component_of(self) -> dict[str, str]:
        """Component id -> the id of the side it belongs to."""
        return {c.id: s.id for s in self.sides for c in s.components}

    @property
    def claim_components(self) -> dict[str, str]:
        """The ``component`` vocabulary of claims: components, their parts and each side's
        remainder, each mapped to its side."""
        out: dict[str, str] = {}
        for s in self.sides:
            for c in s.components:
                out[c.id] = s.id
                out.update({p.id: s.id for p in c.parts})
            if s.remainder is not None:
                out[s.remainder.id] = s.id
        return out

    @property
    def subjects(self) -> tuple[str, ...]:
        """The ``subject_side`` vocabulary: sides, their components, CIVILIAN and BOTH."""
        return (*self.side_ids, *self.component_of, *GENERIC_SUBJECTS)

    @property
    def claimant_sides(self) -> tuple[str, ...]:
        """The ``claimant_side`` vocabulary: the sides and the claimant groups."""
        return (*self.side_ids, *(g.id for g in self.claimant_groups))

    @property
    def article_sources(self) -> tuple[Source, ...]:
        """The packaged articles among the sources."""
        return tuple(s for s in self.sources if s.kind == "article")

    @property
    def default_source(self) -> str:
        """The source of a claim whose ``source`` cell is empty: the one packaged article."""
        arts = self.article_sources
        return arts[0].id if len(arts) == 1 else ""

    def source(self, source_id: str) -> Source | None:
        """The source with this id (an empty id: the default article), or ``None``."""
        sid = source_id or self.default_source
        return next((s for s in self.sources if s.id == sid), None)

    def label(self, side: str) -> str:
        """A side's, component's or group's label (the id itself when unknown)."""
        for s in self.sides:
            if s.id == side:
                return s.label
            for c in s.components:
                if c.id == side:
                    return c.label
                for part in c.parts:
                    if part.id == side:
                        return part.label
            if s.remainder is not None and s.remainder.id == side:
                return s.remainder.label
        for g in self.claimant_groups:
            if g.id == side:
                return g.label
        return {"CIVILIAN": "civilians", "BOTH": "both sides"}.get(side, side)


def _flatten(data: dict[str, Any]) -> dict[str, Any]:
    battle = data.get("battle")
    if not isinstance(battle, dict):
        raise UserError("battle.toml: missing the [battle] table (id, name, start, end)")
    extra = sorted(set(data) - {"battle", "sides", "claimant_groups", "sources", "fusion"})
    if extra:
        raise UserError(
            f"battle.toml: unknown table {extra[0]!r}; valid: battle, sides, claimant_groups, "
            "sources, fusion"
        )
    out = {
        **battle,
        "sides": data.get("sides", []),
        "claimant_groups": data.get("claimant_groups", []),
        "sources": data.get("sources", []),
    }
    if "fusion" in data:
        out["fusion"] = data["fusion"]
    return out


def _locate(err: dict[str, Any]) -> str:
    loc = [str(x) for x in err.get("loc", ())]
    if not loc:
        return ""
    if loc[0] in {"sides", "claimant_groups", "sources"} and len(loc) > 1:
        head = f"[[{loc[0]}]] #{int(loc[1]) + 1}"
        return head + (f" field {'.'.join(loc[2:])!r}" if len(loc) > 2 else "")
    if loc[0] == "fusion":
        if len(loc) > 2 and loc[1] == "streams" and loc[2].isdigit():
            head = f"[[fusion.streams]] #{int(loc[2]) + 1}"
            return head + (f" key {'.'.join(loc[3:])!r}" if len(loc) > 3 else "")
        return f"[fusion] key {'.'.join(loc[1:])!r}" if len(loc) > 1 else "[fusion]"
    return f"[battle] field {'.'.join(loc)!r}"


def read_battle_toml(path: str | Path) -> BattleSpec:
    """Read and validate a ``battle.toml``; any problem is one :class:`UserError` line naming
    the file, the table and the field."""
    from attrition._io import read_toml

    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: no such file; a battle folder needs a battle.toml")
    data = read_toml(p)
    try:
        return BattleSpec.model_validate(_flatten(data))
    except UserError as exc:
        raise UserError(str(exc).replace("battle.toml", str(p), 1)) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = _locate(dict(err))
        msg = re.sub(r"^Value error, ", "", str(err.get("msg", "is not valid")))
        raise UserError(f"{p}: {where + ': ' if where else ''}{msg}") from None


_TEMPLATE = """# battle.toml: what this battle is. The evidence sits beside it in claims.csv,
# events.csv, phases.csv and places.csv (schemas: docs/claims-schema.md). Run
# `attrition claims check --battle {folder}` after every edit.

[battle]
id = "{id}"                  # letters, digits, '-' and '_'
name = "Battle of {title}"
start = "2024-01-01"         # the window the estimates cover (ISO dates)
end = "2024-03-31"
summary = "One or two neutral sentences: who fought whom, where, and how it ended."
centre = "Example Town"      # the place the map opens on (a name in places.csv)
# basemap = "basemap.geojson"  # optional: a GeoJSON base map drawn under the map
#                              # (tools/basemap/build.py; DATA_SOURCES.md, "Base map")

# The belligerents. subject_side, claimant_side and by_side in the CSVs use these ids.
[[sides]]
id = "A"
label = "Side A"
# components: parts of a side that claims speak of separately (their losses are part of the side)
components = [{{ id = "A_UNIT", label = "A named unit of side A" }}]

[[sides]]
id = "B"
label = "Side B"
components = []

# Claimants that are not a side (claimant_side values besides the side ids).
[[claimant_groups]]
id = "THIRD"
label = "Third-party governments"

[[claimant_groups]]
id = "INDEPENDENT"
label = "Independent analysts and media"

# Every publication a claim or event cites (the `source` column). kind: article (a Markdown
# file in this folder: quotes are checked at their offset), url or document (quotes are kept as
# provenance; leave `offset` empty).
[[sources]]
id = "src-001"
kind = "url"
url = "https://example.org/report"
publisher = "Example News"
title = "An example report"
date = "2024-01-15"
"""

_CLAIMS = (
    "id,claim_date,period_start,period_end,claimant,claimant_side,subject_side,metric,"
    "value_low,value_high,qualifier,rate,place,quote,offset,notes,source\n"
    "ex-c001,2024-01-15,2024-01-01,2024-01-14,Example spokesperson,A,B,killed,300,300,about,"
    'total,Example Town,"about 300 enemy soldiers were killed",,"an example row; replace it",'
    "src-001\n"
)
_EVENTS = (
    "id,date,place,event,by_side,claimant,claimant_side,quote,offset,notes,source\n"
    "ex-e001,2024-01-20,Example Town,captured,B,Example spokesperson,B,"
    '"our forces took Example Town",,"an example row; replace it",src-001\n'
)
_PHASES = "id,name,start,end,heading_offset\nph1,Opening phase,2024-01-01,2024-03-31,\n"
_PLACES = (
    "place,alt_names,lat,lon,approximate,derivation,source\n"
    "Example Town,,48.0,37.8,true,an example row; replace it,\n"
)


def new_battle_folder(folder: str | Path) -> list[Path]:
    """Write a commented example battle folder; refuses an existing path (nothing is touched).

    Returns the files written. The folder's name becomes the battle's id.
    """
    from attrition._io import atomic_write_text

    target = Path(folder)
    if target.exists() or target.is_symlink():
        raise UserError(
            f"{target}: already exists; give a new folder name (nothing was overwritten)"
        )
    ident = re.sub(r"[^A-Za-z0-9_-]+", "-", target.name).strip("-") or "battle"
    if not re.match(_ID, ident):
        ident = f"b-{ident}"
    title = ident.replace("-", " ").replace("_", " ").title()
    files = {
        "battle.toml": _TEMPLATE.format(id=ident, title=title, folder=target),
        "claims.csv": _CLAIMS,
        "events.csv": _EVENTS,
        "phases.csv": _PHASES,
        "places.csv": _PLACES,
    }
    try:
        target.mkdir(parents=True)
    except OSError as exc:
        raise UserError(f"{target}: cannot create the folder ({exc.strerror})") from None
    return [atomic_write_text(target / name, text) for name, text in files.items()]
