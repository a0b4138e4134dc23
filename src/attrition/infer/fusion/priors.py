"""Prior hyperparameters of the fog-of-war model (:class:`FogPriors`)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

from attrition.errors import UserError, unknown_name

__all__ = ["FogPriors"]


@dataclass(frozen=True)
class FogPriors:
    """Prior hyperparameters of the fog-of-war model (each documented in docs/fog-of-war.md).

    Biases are multiplicative; their logs are normal. ``bias_enemy``, ``bias_self`` and
    ``bias_neutral`` are ``(mean, sd)`` of the group-level log bias of a claimant side reporting
    the enemy's losses, its own losses, or (a claimant group that is not a side: Western
    governments, independent analysts, the article's voice) anyone's. ``bias_claimant_sd`` is
    the (fixed) log-scale spread of the claimants of one group around the group's mean.
    ``noise_scale`` is the half-normal scale of each claimant's noise: the log-scale standard
    deviation of its figures around its biased truth. ``rw_sd`` is the (fixed) week-to-week
    standard deviation of the log casualty rate; ``change_sd`` adds to it at each change point
    (phase start). ``about_sd`` is extra noise for ``about`` figures; ``day_sd`` the day-to-day
    spread of a daily rate around its weekly level (it adds ``day_sd**2 / days`` to a claim's
    variance). ``killed_share`` and ``component_share`` (a component's share of its side's
    casualties, e.g. Wagner's of Russia's at Bakhmut) are Beta shapes. ``stream_share`` (Beta
    shapes) is the battle's share of all-front losses, ``stream_scale`` the (mean, sd) of the
    log equipment-per-casualty scale of a timing stream.
    """

    rate_log_mean: float = math.log(100.0)
    rate_log_sd: float = 2.5
    rw_sd: float = 0.2
    change_sd: float = 0.7
    killed_share: tuple[float, float] = (2.5, 7.5)
    component_share: tuple[float, float] = (2.0, 2.0)
    bias_enemy: tuple[float, float] = (math.log(1.5), 0.5)
    bias_self: tuple[float, float] = (math.log(1.0 / 1.5), 0.5)
    bias_neutral: tuple[float, float] = (0.0, 0.25)
    bias_claimant_sd: float = 0.3
    noise_scale: float = 0.4
    noise_floor: float = 0.1
    about_sd: float = 0.1
    day_sd: float = 0.4
    stream_share: tuple[float, float] = (2.0, 5.0)
    stream_scale: tuple[float, float] = (math.log(0.01), 3.0)

    def __post_init__(self) -> None:
        positive = {
            "rate_log_sd": self.rate_log_sd,
            "rw_sd": self.rw_sd,
            "bias_claimant_sd": self.bias_claimant_sd,
            "noise_scale": self.noise_scale,
            "noise_floor": self.noise_floor,
        }
        for name, v in positive.items():
            if not (math.isfinite(v) and v > 0):
                raise UserError(f"FogPriors: {name} = {v!r} must be a positive number")
        for name in ("change_sd", "about_sd", "day_sd"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise UserError(f"FogPriors: {name} = {v!r} must be a number >= 0")
        for name in ("killed_share", "component_share", "stream_share"):
            a, b = getattr(self, name)
            if not (a > 0 and b > 0):
                raise UserError(f"FogPriors: {name} = {(a, b)!r} needs two positive Beta shapes")
        for name in ("bias_enemy", "bias_self", "bias_neutral", "stream_scale"):
            m, s = getattr(self, name)
            if not (math.isfinite(m) and math.isfinite(s) and s > 0):
                raise UserError(f"FogPriors: {name} = {(m, s)!r} needs a mean and an sd > 0")

    def replace(self, **changes: Any) -> FogPriors:
        """A copy with some hyperparameters changed (unknown names raise :class:`UserError`)."""
        valid = set(asdict(self))
        for k in changes:
            if k not in valid:
                raise unknown_name("prior", k, valid, "FogPriors")
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The hyperparameters as a JSON-ready dict."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def scalars(self) -> list[float]:
        """The scalar hyperparameters in the order the model reads them (``ModelData.scalars``)."""
        return [
            self.rate_log_mean,
            self.rate_log_sd,
            self.rw_sd,
            self.change_sd,
            self.killed_share[0],
            self.killed_share[1],
            self.bias_claimant_sd,
            self.noise_scale,
            self.noise_floor,
            self.about_sd,
            self.day_sd,
            0.0,
        ]
