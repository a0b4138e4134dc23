"""Two-sided Lanchester models: a law, coefficients, side names and a schedule.

The model is a pure right-hand side ``rhs(t, y)`` plus frozen parameters; the ODE solver,
stochastic engines and likelihoods all read :func:`attrition.models.laws.loss_rates` through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from attrition.errors import UserError
from attrition.models.laws import Law, get_law, invariant, loss_rates
from attrition.models.schedule import Schedule


@dataclass(frozen=True)
class LanchesterModel:
    """A Lanchester-family model of two sides.

    Attributes:
        law: the attrition law (a :class:`Law` or a name from :data:`LAW_NAMES`).
        coefficients: effectiveness of each side's fire, in side order: ``coefficients[0]`` is the
            losses blue's fire inflicts on red per unit of the law (per shooter per day for the
            square law), ``coefficients[1]`` red's on blue.
        sides: names of the two sides (default ``("blue", "red")``).
        schedule: reinforcements and withdrawals.
    """

    law: Law
    coefficients: tuple[float, float]
    sides: tuple[str, str] = ("blue", "red")
    schedule: Schedule = field(default_factory=Schedule)

    def __post_init__(self) -> None:
        if isinstance(self.law, str):
            object.__setattr__(self, "law", get_law(self.law))
        coef = tuple(float(c) for c in self.coefficients)
        if len(coef) != 2 or not all(np.isfinite(c) and c >= 0 for c in coef):
            raise UserError(
                f"coefficients must be two finite numbers >= 0 (one per side), got {coef}"
            )
        object.__setattr__(self, "coefficients", coef)
        if len(self.sides) != 2 or self.sides[0] == self.sides[1]:
            raise UserError(f"sides must be two distinct names, got {self.sides}")

    @classmethod
    def build(
        cls,
        law: str | Law,
        coefficients: Mapping[str, float],
        sides: tuple[str, str] = ("blue", "red"),
        schedule: Schedule | None = None,
        **law_options: Any,
    ) -> LanchesterModel:
        """Build from a law name and a ``{side name: coefficient}`` mapping.

        Unknown or missing side names raise :class:`UserError` listing the expected ones.
        """
        if set(coefficients) != set(sides):
            raise UserError(
                f"coefficients must name exactly the sides {list(sides)}, "
                f"got {sorted(coefficients)}"
            )
        law_obj = get_law(law, **law_options) if isinstance(law, str) else law
        coef = (float(coefficients[sides[0]]), float(coefficients[sides[1]]))
        return cls(law_obj, coef, sides, schedule or Schedule())

    @property
    def coef_array(self) -> np.ndarray:
        """Coefficients as an array of shape ``(2,)``."""
        return np.asarray(self.coefficients, dtype=float)

    def rates(self, y: Any) -> Any:
        """Loss rate of each side at state ``y`` (shape ``(..., 2)``)."""
        return loss_rates(y, self.coef_array, self.law)

    def rhs(self, t: float, y: Any) -> Any:
        """dy/dt at time ``t``: minus the losses plus the continuous reinforcement rates.

        A withdrawal rate applies only while the side still has troops.
        """
        d = -self.rates(y)
        if self.schedule.rates:
            reinf = self.schedule.rate_at(t)
            reinf = np.where((reinf < 0) & (np.asarray(y) <= 0), 0.0, reinf)
            d = d + reinf
        return d

    def invariant(self, y: Any) -> Any:
        """The law's conserved quantity (valid without reinforcement)."""
        return invariant(y, self.coef_array, self.law)

    def swapped(self) -> LanchesterModel:
        """The same battle with the two sides exchanged."""
        return LanchesterModel(
            self.law.swapped(),
            (self.coefficients[1], self.coefficients[0]),
            (self.sides[1], self.sides[0]),
            self.schedule.swapped(),
        )

    def has_closed_form(self) -> bool:
        """True when :meth:`closed_form` applies (square, linear, logarithmic; no schedule)."""
        return self.schedule.empty and self.law.name in ("square", "linear", "logarithmic")

    def closed_form(self, initial: Any, t: Any) -> np.ndarray:
        """Exact strengths at times ``t`` (before either side reaches zero), shape ``(len(t), 2)``.

        * square: B = B0·cosh(√(br)·t) − √(r/b)·R0·sinh(√(br)·t), and symmetrically;
        * linear: with C = b·B0 − r·R0 conserved, B = C·B0·e^{Ct} / (C + b·B0·(e^{Ct} − 1))
          (B = B0 / (1 + b·B0·t) when C = 0) and R = (b·B − C)/r;
        * logarithmic: B = B0·e^{−r·t}, R = R0·e^{−b·t}.

        Here b is blue's coefficient and r red's. Raises :class:`UserError` otherwise.
        """
        if not self.has_closed_form():
            raise UserError(
                f"no closed form for law {self.law.name!r}"
                + (" with reinforcements" if not self.schedule.empty else "")
                + "; use attrition.simulate.solve"
            )
        tt = np.asarray(t, dtype=float)
        b0, r0 = (float(v) for v in initial)
        b, r = self.coefficients
        if self.law.name == "square":
            if b == 0 or r == 0:
                return np.stack([b0 - r * r0 * tt, r0 - b * b0 * tt], axis=-1)
            w = np.sqrt(b * r)
            ch, sh = np.cosh(w * tt), np.sinh(w * tt)
            return np.stack(
                [b0 * ch - np.sqrt(r / b) * r0 * sh, r0 * ch - np.sqrt(b / r) * b0 * sh], axis=-1
            )
        if self.law.name == "linear":
            if b == 0 or r == 0:
                return np.stack([b0 * np.exp(-r * r0 * tt), r0 * np.exp(-b * b0 * tt)], axis=-1)
            c = b * b0 - r * r0
            if c == 0:
                bb = b0 / (1.0 + b * b0 * tt)
            else:
                e = np.exp(c * tt)
                bb = c * b0 * e / (c + b * b0 * (e - 1.0))
            return np.stack([bb, (b * bb - c) / r], axis=-1)
        return np.stack([b0 * np.exp(-r * tt), r0 * np.exp(-b * tt)], axis=-1)
