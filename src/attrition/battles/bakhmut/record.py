"""The packaged record of Bakhmut as model inputs: its geometry and its schedule.

The only file of the package that reads files: :func:`geography` reads the battle folder's
``places.csv`` and :func:`record_schedule` its ``phases.csv`` (both cached per battle folder).
Everything else takes these value objects as arguments.
"""

from __future__ import annotations

import functools

from attrition.battles.bakhmut.geometry import Geography, geography_from
from attrition.battles.bakhmut.schedule import BakhmutSchedule


@functools.cache
def geography(battle: str = "bakhmut") -> Geography:
    """The ring geometry of the battle folder's gazetteer (``places.csv``), cached."""
    from attrition.data.claims import load_places

    return geography_from(load_places(battle))


@functools.cache
def record_schedule(battle: str = "bakhmut") -> BakhmutSchedule:
    """The record's schedule: the folder's ``phases.csv`` and :func:`geography`, cached."""
    from attrition.data.claims import load_phases

    return BakhmutSchedule.record(load_phases(battle), geography(battle))
