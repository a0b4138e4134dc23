"""Trajectories: the result of running one model once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr


@dataclass(frozen=True)
class Trajectory:
    """Strengths and cumulative losses of both sides over time.

    Attributes:
        t: times in days, shape ``(n,)``.
        strength: strengths, shape ``(n, 2)``.
        losses: cumulative losses since day 0, shape ``(n, 2)``.
        sides: the two side names.
        stop_reason: ``"end"``, ``"annihilation:<side>"`` or ``"breakpoint:<side>"``.
        stop_time: the day the battle stopped.
    """

    t: np.ndarray
    strength: np.ndarray
    losses: np.ndarray
    sides: tuple[str, str]
    stop_reason: str
    stop_time: float

    @property
    def final(self) -> dict[str, float]:
        """Final strength of each side, keyed by name."""
        return {s: float(v) for s, v in zip(self.sides, self.strength[-1], strict=True)}

    def at(self, side: str) -> np.ndarray:
        """Strength series of one side."""
        return self.strength[:, self.sides.index(side)]

    def to_xarray(self) -> xr.Dataset:
        """As an ``xarray.Dataset`` with dims ``(time, side)``."""
        import xarray as xr

        return xr.Dataset(
            {
                "strength": (("time", "side"), self.strength),
                "losses": (("time", "side"), self.losses),
            },
            coords={"time": self.t, "side": list(self.sides)},
            attrs={"stop_reason": self.stop_reason, "stop_time": self.stop_time},
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy table, one row per (time, side), time-major.

        Columns: ``time`` (float64, days), ``side`` (the side's name, a pandas string),
        ``strength`` and ``losses`` (float64; losses are cumulative since day 0).
        """
        import pandas as pd

        n = self.t.size
        return pd.DataFrame(
            {
                "time": np.repeat(np.asarray(self.t, dtype=np.float64), 2),
                "side": pd.array(np.tile(np.array(self.sides, dtype=object), n), dtype=str),
                "strength": np.asarray(self.strength, dtype=np.float64).reshape(-1),
                "losses": np.asarray(self.losses, dtype=np.float64).reshape(-1),
            }
        )

    def to_dataframe(self) -> pd.DataFrame:
        """The same table as :meth:`to_frame` (kept for older code)."""
        return self.to_frame()
