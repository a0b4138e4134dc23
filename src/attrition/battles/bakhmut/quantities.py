"""What the Bakhmut likelihood compares the model with: the observed quantities and the value
objects that carry one observation (:class:`Observation`) and all of them (:class:`Observations`).

The mappers fill them: :mod:`~attrition.battles.bakhmut.event_mapping` (control events),
:mod:`~attrition.battles.bakhmut.claim_mapping` (claims) and
:mod:`~attrition.battles.bakhmut.casualty_block` (the casualty evidence); the assembly is
:func:`~attrition.battles.bakhmut.observations.build_observations`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Observation:
    """One observation of a model quantity.

    Attributes:
        id: claim or event id.
        source: ``"claim"`` or ``"event"``.
        quantity: what the model is compared with (see :data:`QUANTITIES`).
        day: day the quantity is read (0 = 1 Aug 2022); ``day0`` starts a period, else -1.
        front: front index for ``"front"`` (0 N, 1 E, 2 S), else -1.
        kind: ``"value"``, ``"at_least"``, ``"at_most"``, ``"range"`` or ``"contested"``.
        low, high: bounds on the natural scale (equal for a value).
        scale: ``"log"``, ``"logit"`` or ``"km"`` (the scale the noise is on).
        sigma: noise sd on that scale.
        weight: weight in the likelihood (repeated statements share one unit).
        label: what it says, for reports.
        date: the date the quantity is read.
        place: the place the statement is about ('' if none).
    """

    id: str
    source: str
    quantity: str
    day: int
    day0: int
    front: int
    kind: str
    low: float
    high: float
    scale: str
    sigma: float
    weight: float
    label: str
    date: dt.date
    place: str = ""


QUANTITIES: tuple[str, ...] = (
    "front",
    "city",
    "ru_strength",
    "ua_strength",
    "convicts_recruited",
    "wagner_professionals_total",
    "supply",
    "advance_total",
    "casualties_per_km",
    "cm_per_casualty",
    "ua_area_gain",
    "ua_arm_advance",
)
"""The model quantities an :class:`Observation` can be about."""


@dataclass(frozen=True)
class Observations:
    """Everything the likelihood reads, built from evidence known by ``cutoff``.

    Attributes:
        items: the claim and event observations.
        skipped: ``(id, reason)`` of claims and events not used.
        casualty_periods: ``(start_day, end_day)`` of the log-total periods (end exclusive).
        casualty_mean: mean of the log totals (RU periods, then UA, then Wagner if present).
        casualty_prec: precision matrix of the log totals.
        wagner: whether Wagner totals are in the casualty block.
        cutoff: the cutoff (``None``: all dated evidence).
    """

    items: tuple[Observation, ...]
    skipped: tuple[tuple[str, str], ...]
    casualty_periods: tuple[tuple[int, int], ...]
    casualty_mean: np.ndarray
    casualty_prec: np.ndarray
    wagner: bool
    cutoff: dt.date | None

    def to_frame(self) -> pd.DataFrame:
        """The claim and event observations as a table."""
        import pandas as pd

        return pd.DataFrame([o.__dict__ for o in self.items])
