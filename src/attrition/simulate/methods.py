"""The names of the ensemble engines (no numerical import: read by the CLI and scenario files)."""

from __future__ import annotations

__all__ = ["METHODS", "STOCHASTIC_METHODS"]

STOCHASTIC_METHODS: tuple[str, ...] = ("ssa", "tau-leap", "binomial")
"""The stochastic engines (:mod:`attrition.simulate.stochastic`)."""

METHODS: tuple[str, ...] = ("ode", *STOCHASTIC_METHODS)
"""Every engine ``attrition simulate --method`` and a scenario's ``[run] method`` accept."""
