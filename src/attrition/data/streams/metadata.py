"""What each stream is: its ``metadata.json`` (claimant, licence, bias, defects, ``dated_by``).

Reading the metadata loads no data: :func:`available_streams` and :func:`stream_info`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from attrition.data.dates import cell_date
from attrition.data.streams.files import _FOLDERS, STREAM_NAMES, _base, _read_json
from attrition.errors import UserError, unknown_name

__all__ = ["DATED_BY", "StreamInfo", "available_streams", "stream_info"]

_METADATA_FIELDS = (
    "name",
    "title",
    "claimant",
    "claimant_side",
    "subject_sides",
    "metrics",
    "start",
    "end",
    "licence",
    "attribution",
    "bias",
    "defects",
)


@dataclass(frozen=True)
class StreamInfo:
    """Description of one claim stream, read from its ``metadata.json``.

    For ``named-dead``, which joins two lists, ``claimant`` and ``claimant_side`` name both
    sub-sources separated by ``" | "`` in the order of ``subject_sides`` (RU dead, UA dead).
    ``start`` and ``end`` are the first and last dates in the loaded table.
    """

    name: str
    title: str
    claimant: str
    claimant_side: str
    subject_sides: tuple[str, ...]
    metrics: tuple[str, ...]
    start: date
    end: date
    licence: str
    attribution: str
    bias: str
    defects: tuple[str, ...]
    dated_by: str = "event"
    """``publication``: each day's figure is what the source had published by that day (usable
    up to a cutoff); ``event``: figures are dated by when the losses happened but were compiled
    later (not known by any cutoff inside the battle). Missing in ``metadata.json``: ``event``."""


DATED_BY = ("publication", "event")
"""Valid values of a stream's ``dated_by`` (see :class:`StreamInfo`)."""


def stream_info(name: str, data_dir: str | os.PathLike[str] | None = None) -> StreamInfo:
    """The :class:`StreamInfo` of one stream (unknown names raise :class:`UserError`)."""
    if name not in STREAM_NAMES:
        raise unknown_name("stream", name, STREAM_NAMES)
    return _read_metadata(_base(data_dir), name)


def available_streams(data_dir: str | os.PathLike[str] | None = None) -> list[StreamInfo]:
    """Describe every stream (from the metadata files; no data is loaded).

    ``data_dir`` is a folder laid out like :data:`DATA_DIR` (default: the packaged data).
    """
    base = _base(data_dir)
    return [_read_metadata(base, name) for name in STREAM_NAMES]


def _read_metadata(base: Path, name: str) -> StreamInfo:
    path = base / _FOLDERS[name] / "metadata.json"
    data = _read_json(path)
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a JSON object; restore the file")
    absent = [k for k in _METADATA_FIELDS if k not in data]
    if absent:
        raise UserError(f"{path}: missing field(s) {', '.join(absent)}; add them")
    if data["name"] != name:
        raise UserError(f"{path}: field 'name' is {data['name']!r}, expected {name!r}; fix it")
    texts = ("title", "claimant", "claimant_side", "licence", "attribution", "bias")
    for key in texts:
        if not isinstance(data[key], str):
            raise UserError(f"{path}: field {key!r} must be a string; fix it")
    lists = ("subject_sides", "metrics", "defects")
    for key in lists:
        if not isinstance(data[key], list) or not all(isinstance(x, str) for x in data[key]):
            raise UserError(f"{path}: field {key!r} must be a list of strings; fix it")
    return StreamInfo(
        name=name,
        title=data["title"],
        claimant=data["claimant"],
        claimant_side=data["claimant_side"],
        subject_sides=tuple(data["subject_sides"]),
        metrics=tuple(data["metrics"]),
        start=cell_date(data["start"], f"{path}: field 'start'"),
        end=cell_date(data["end"], f"{path}: field 'end'"),
        licence=data["licence"],
        attribution=data["attribution"],
        bias=data["bias"],
        defects=tuple(data["defects"]),
        dated_by=_dated_by(data, path),
    )


def _dated_by(data: dict[str, Any], path: Path) -> str:
    value = data.get("dated_by", "event")
    if value not in DATED_BY:
        raise UserError(f"{path}: field 'dated_by' is {value!r}; give one of {', '.join(DATED_BY)}")
    return str(value)
