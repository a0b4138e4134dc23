"""External claim streams on the Russo-Ukrainian war (all fronts), as one tidy daily table.

Three streams, each an observation with its own bias, never the truth:

``genstaff``
    Ukrainian General Staff daily cumulative claims of Russian losses (personnel and equipment).
``oryx``
    Oryx visually confirmed equipment losses of both sides, cumulative by scrape date.
``named-dead``
    Daily counts of *named* dead by date of death: Russian dead from the Mediazona/BBC News
    Russian list, Ukrainian dead and missing from lostarmour.info (a pro-Russian list).

The packaged copies, their licences and one ``metadata.json`` per stream (claimant, licence,
attribution, known bias, defects and how each is handled) live in
``attrition/data/battles/ukraine_streams/``.

The table (:func:`load_stream`, :func:`load_streams`) has one row per series per calendar day:

``date`` (datetime64), ``stream``, ``claimant``, ``claimant_side``, ``subject_side``, ``metric``
(claims-schema vocabulary), ``series`` (the source's own category name), ``value``,
``daily``, ``value_raw``, ``scope`` (always ``"all-front"``), ``flag``.

Conventions
    ``value`` is cumulative (after the handling below); ``daily`` is ``value`` minus the previous
    day's ``value`` of the same series; ``value_raw`` is the cumulative figure as published (for
    named-dead, the running sum of the published daily counts). Days missing from a source are
    filled by carrying the last value forward (``daily`` 0, flag ``carried_forward``). On a
    series' first day the previous value follows the rule of :func:`stream_totals`: 0 before
    2022-02-24, before an Oryx category is first listed and before a named-dead list starts;
    unknown (``daily`` NaN) on a stream's first day (General Staff 2022-02-25 covers two days,
    Oryx 2022-03-19 lumps everything since the invasion) and on a late-starting General Staff
    series. The lostarmour lump row also has ``daily`` NaN. So the sum of ``daily`` over a
    window equals :func:`stream_totals` wherever both are defined.

General Staff corrections
    ``russia_losses_equipment_correction.json`` lists, per date, the part of that day's jump in
    the published cumulative figure that is a revision of earlier counts rather than new losses
    (e.g. special equipment -85 on 2024-11-30, when the published total fell by 83). The loader
    subtracts it: ``value(t) = value_raw(t) - sum of corrections dated <= t``, so ``daily`` holds
    new claimed losses only and values before the first correction are exactly as claimed. The
    2023-05-27 entry shows in the published figures one day later, so it is applied on
    2023-05-28 (``CORRECTION_DATE_OVERRIDES``).

Flags (``;``-separated)
    ``carried_forward`` (no source row that day), ``corrected`` (a correction takes effect),
    ``merged_series`` (summed from older categories), ``more_than`` (personnel given as "more
    than"), ``undated_lump`` (lostarmour's 2022-02-23 pile of undated records; its ``daily`` is
    NaN so it never enters a daily rate), ``scrape_glitch`` (an Oryx one-scrape spike or dip
    replaced by the previous value; ``value_raw`` keeps it), ``revised_down`` (``daily`` < 0:
    the source lowered its count and no correction explains it; kept as published).

Documented defects are handled silently (they are listed in :attr:`StreamInfo.defects`);
anything unexpected that is skipped raises :class:`~attrition.errors.DataWarning`, and a
malformed file raises :class:`~attrition.errors.UserError` naming the file and row.

One module per job; this package re-exports their names, so every
``from attrition.data.streams import ...`` keeps working:

* :mod:`~attrition.data.streams.files`: where the packaged files live and their checked readers;
* :mod:`~attrition.data.streams.sources`: each source read into series (its defects handled);
* :mod:`~attrition.data.streams.table`: the daily table and :func:`stream_totals`;
* :mod:`~attrition.data.streams.metadata`: :class:`StreamInfo` and ``dated_by``.
"""

from __future__ import annotations

from attrition.data.streams.files import DATA_DIR, STREAM_NAMES
from attrition.data.streams.metadata import DATED_BY, StreamInfo, available_streams, stream_info
from attrition.data.streams.sources import CORRECTION_DATE_OVERRIDES
from attrition.data.streams.table import (
    COLUMNS,
    SCOPE,
    WAR_START,
    load_stream,
    load_streams,
    stream_totals,
)

__all__ = [
    "COLUMNS",
    "CORRECTION_DATE_OVERRIDES",
    "DATA_DIR",
    "DATED_BY",
    "SCOPE",
    "STREAM_NAMES",
    "WAR_START",
    "StreamInfo",
    "available_streams",
    "load_stream",
    "load_streams",
    "stream_info",
    "stream_totals",
]
