"""The Bakhmut model's axes: the time window (day numbers), the state layout, the laws."""

from __future__ import annotations

import datetime as dt

import numpy as np

from attrition.data.dates import iso_date
from attrition.errors import UserError

START = dt.date(2022, 8, 1)
"""Day 0: 'the main assault towards the city started on 1 August' (the article's lead)."""


END = dt.date(2023, 6, 30)
"""Last day modelled: the end of the article's last phase (June 2023)."""


DAYS = (END - START).days
"""Number of daily steps (the grid has ``DAYS + 1`` points, day 0 .. DAYS)."""


def day_of(date: dt.date | str) -> int:
    """Day index of a date (0 = :data:`START`); a string must be ``YYYY-MM-DD``."""
    if isinstance(date, str):
        try:
            date = iso_date(date)
        except ValueError:
            raise UserError(f"{date!r} is not a date; write it as YYYY-MM-DD") from None
    return (date - START).days


def date_of(day: float) -> dt.date:
    """Calendar date of a (whole or fractional) day index."""
    return START + dt.timedelta(days=int(np.floor(day)))


COMPONENTS: tuple[str, ...] = ("WC", "WP", "RR", "UA")


COMPONENT_NAMES: dict[str, str] = {
    "WC": "Wagner convicts",
    "WP": "Wagner professionals",
    "RR": "Russian regulars, airborne and DNR units",
    "UA": "Ukrainian forces",
}


FRONTS: tuple[str, ...] = ("N", "E", "S")


STATE_NAMES: tuple[str, ...] = (*COMPONENTS, "RN", "RE", "RS")


UA_INDEX = 3


FALL_FRACTION = 0.97
"""City-control fraction at which the model calls the city fallen (ISW measured 95.5 % on
1 May while fighting went on; on 20 May the city was 'mostly captured' with a strip held)."""


PHASE_GROUP = (0, 1, 1, 2, 2)
"""Phase -> index of the committed-strength regime (Aug–Oct; Nov–Apr; May–June)."""


N_PHASES = 5


N_SUPPLY = 3


BAKHMUT_LAWS: tuple[str, ...] = ("square", "linear", "logarithmic")
"""Laws of the foundation family the model is calibrated with (which fits best is a finding)."""
