"""A battle is a folder: ``battle.toml`` describes it, CSV files beside it hold the evidence.

``battle.toml`` names the battle, its window, the **sides** (with the components claims may speak
of separately, e.g. Wagner as part of Russia's side at Bakhmut), the **claimant groups** besides
the sides (Western governments, independent analysts, the article's own voice, ...) and the
**sources** the claims cite (a packaged article, URLs, documents). Beside it: ``claims.csv``,
``events.csv``, ``phases.csv`` and ``places.csv`` (the schemas in ``docs/claims-schema.md``).
No side, component or claimant group is hard-coded in the schema: the vocabularies of
``subject_side``, ``claimant_side`` and ``by_side`` come from this file.

:class:`BattleSpec` is a value object (validated when built, no I/O); :func:`read_battle_toml`
reads one; :func:`new_battle_folder` writes a commented example folder.
"""

from __future__ import annotations

import datetime as dt
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
    "Side",
    "Source",
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
    sides: tuple[Side, ...]
    claimant_groups: tuple[ClaimantGroup, ...] = ()
    sources: tuple[Source, ...] = ()

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
        return self

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
    extra = sorted(set(data) - {"battle", "sides", "claimant_groups", "sources"})
    if extra:
        raise UserError(
            f"battle.toml: unknown table {extra[0]!r}; valid: battle, sides, claimant_groups, "
            "sources"
        )
    return {
        **battle,
        "sides": data.get("sides", []),
        "claimant_groups": data.get("claimant_groups", []),
        "sources": data.get("sources", []),
    }


def _locate(err: dict[str, Any]) -> str:
    loc = [str(x) for x in err.get("loc", ())]
    if not loc:
        return ""
    if loc[0] in {"sides", "claimant_groups", "sources"} and len(loc) > 1:
        head = f"[[{loc[0]}]] #{int(loc[1]) + 1}"
        return head + (f" field {'.'.join(loc[2:])!r}" if len(loc) > 2 else "")
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
# events.csv,
# phases.csv and places.csv (schemas: docs/claims-schema.md). Run `attrition claims check
# --battle {folder}` after every edit.

[battle]
id = "{id}"                  # letters, digits, '-' and '_'
name = "Battle of {title}"
start = "2024-01-01"         # the window the estimates cover (ISO dates)
end = "2024-03-31"
summary = "One or two neutral sentences: who fought whom, where, and how it ended."
centre = "Example Town"      # the place the map opens on (a name in places.csv)

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
