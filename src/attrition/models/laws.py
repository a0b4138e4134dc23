"""The Lanchester family of attrition laws as one parametrised vector field.

Two sides, index 0 ("blue") and 1 ("red"). Side *j*'s fire inflicts losses on side *i* at the rate

    loss_i = c_j · y_j^{p_j} · y_i^{q_j}

where ``c_j`` is side *j*'s effectiveness (its *coefficient*), ``p_j`` the shooter exponent and
``q_j`` the target exponent of side *j*'s fire. The named laws are special cases:

==============  ===================  ==========================================================
law             (p, q) of each side  equation for blue (red symmetric)
==============  ===================  ==========================================================
square          (1, 0), (1, 0)       dB/dt = −r·R            (aimed fire)
linear          (1, 1), (1, 1)       dB/dt = −r·R·B          (area fire)
logarithmic     (0, 1), (0, 1)       dB/dt = −r·B
mixed           aimed (1, 0) /       Deitchman guerrilla: the aimed side's fire is aimed,
                area (1, 1)          the other side's fire is area fire
power           (p, q), (p, q)       dB/dt = −r·R^p·B^q      (Bracken & Fricker)
==============  ===================  ==========================================================

The functions here take plain arrays and work on NumPy and JAX alike (the array namespace is
taken from the state), with a leading batch of runs allowed: ``y`` has shape ``(..., 2)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from attrition.errors import UserError, unknown_name

LAW_NAMES: tuple[str, ...] = ("square", "linear", "logarithmic", "mixed", "power")


@dataclass(frozen=True)
class Law:
    """Exponents of an attrition law (validated at construction).

    Attributes:
        name: law name (one of :data:`LAW_NAMES`).
        shooter_exp: ``(p_blue, p_red)``, exponent of the firing side's strength.
        target_exp: ``(q_blue, q_red)``, exponent of the target's strength in that side's fire.
    """

    name: str
    shooter_exp: tuple[float, float]
    target_exp: tuple[float, float]

    def __post_init__(self) -> None:
        if self.name not in LAW_NAMES:
            raise unknown_name("law", self.name, LAW_NAMES)
        for label, pair in (("shooter_exp", self.shooter_exp), ("target_exp", self.target_exp)):
            if len(pair) != 2 or not all(np.isfinite(v) for v in pair):
                raise UserError(f"law {self.name}: {label} must be two finite numbers, got {pair}")
            if any(v < 0 for v in pair):
                raise UserError(f"law {self.name}: {label} must be >= 0, got {pair}")

    @property
    def beta(self) -> float:
        """``p − q`` of the symmetric power law (1 square, 0 linear, −1 logarithmic).

        Raises :class:`UserError` for a law whose two sides differ (mixed).
        """
        b0 = self.shooter_exp[0] - self.target_exp[0]
        b1 = self.shooter_exp[1] - self.target_exp[1]
        if b0 != b1:
            raise UserError(f"law {self.name}: sides differ, there is no single exponent beta")
        return b0

    def swapped(self) -> Law:
        """The same law with the two sides exchanged."""
        return Law(
            self.name,
            (self.shooter_exp[1], self.shooter_exp[0]),
            (self.target_exp[1], self.target_exp[0]),
        )


def get_law(name: str, *, p: float = 1.0, q: float = 0.0, aimed: int = 0) -> Law:
    """Return the named law.

    Args:
        name: one of :data:`LAW_NAMES`.
        p, q: exponents of the ``power`` law (ignored otherwise).
        aimed: for ``mixed``, the index of the side whose fire is aimed (0 blue, 1 red);
            the other side's fire is area fire.
    """
    if name == "square":
        return Law(name, (1.0, 1.0), (0.0, 0.0))
    if name == "linear":
        return Law(name, (1.0, 1.0), (1.0, 1.0))
    if name == "logarithmic":
        return Law(name, (0.0, 0.0), (1.0, 1.0))
    if name == "mixed":
        if aimed not in (0, 1):
            raise UserError(f"law mixed: aimed must be 0 (blue) or 1 (red), got {aimed}")
        target = (0.0, 1.0) if aimed == 0 else (1.0, 0.0)
        return Law(name, (1.0, 1.0), target)
    if name == "power":
        return Law(name, (float(p), float(p)), (float(q), float(q)))
    raise unknown_name("law", name, LAW_NAMES)


def _xp(y: Any) -> Any:
    """Array namespace of ``y``: ``jax.numpy`` for JAX arrays, NumPy otherwise."""
    if type(y).__module__.startswith("jax"):
        import jax.numpy as jnp

        return jnp
    return np


def loss_rates(y: Any, coef: Any, law: Law, *, guard_empty: bool = True) -> Any:
    """Instantaneous loss rate of each side, shape ``(..., 2)``.

    Args:
        y: strengths, shape ``(..., 2)``; negative values are treated as zero.
        coef: effectiveness of each side's fire, shape ``(..., 2)`` (``coef[..., j]`` is the
            losses side *j*'s fire inflicts per unit of the law).
        law: the attrition law.
        guard_empty: a side with no troops suffers no losses (``0**0`` would otherwise give 1).
            Fixed-step engines that cap each step's losses at what is there pass ``False`` to
            keep the right-hand side smooth where a side starts from zero.
    """
    xp = _xp(y)
    s = xp.maximum(y, 0.0)
    b, r = s[..., 0], s[..., 1]
    (pb, pr), (qb, qr) = law.shooter_exp, law.target_exp
    loss_red = coef[..., 0] * b**pb * r**qb
    loss_blue = coef[..., 1] * r**pr * b**qr
    if guard_empty:
        loss_red = xp.where(r > 0, loss_red, 0.0)
        loss_blue = xp.where(b > 0, loss_blue, 0.0)
    return xp.stack([loss_blue, loss_red], axis=-1)


def invariant(y: Any, coef: Any, law: Law) -> Any:
    """The conserved quantity of the law without reinforcement (state equation).

    From dB/dR = c_r R^{p_r} B^{q_r} / (c_b B^{p_b} R^{q_b}) it follows that
    ``c_b·F(B; p_b − q_r) − c_r·F(R; p_r − q_b)`` is constant, with F(x; k) = x^{k+1}/(k+1),
    or ln x when k = −1. For the square law this is (b·B² − r·R²)/2; for the linear law
    b·B − r·R.
    """
    xp = _xp(y)
    b, r = y[..., 0], y[..., 1]
    (pb, pr), (qb, qr) = law.shooter_exp, law.target_exp

    def prim(x: Any, k: float) -> Any:
        if k == -1.0:
            return xp.log(x)
        return x ** (k + 1.0) / (k + 1.0)

    return coef[..., 0] * prim(b, pb - qr) - coef[..., 1] * prim(r, pr - qb)
