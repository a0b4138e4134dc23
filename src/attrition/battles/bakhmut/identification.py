"""Which of the Bakhmut model's parameters the evidence identifies, and how many it fits.

:func:`identification_table` compares every parameter's posterior with its prior under one law
of a :class:`~attrition.battles.bakhmut.calibration.Calibration`: the 90% widths on the natural
scale, their ratio (near 1: the evidence did not narrow the parameter), a flag for the ratio at
or below :data:`IDENTIFIED_RATIO`, and what is done with the parameter (fitted, fixed at a stated
value, or drawn from its prior because its regime had not started by the cutoff).
:func:`effective_parameters` counts the parameters the evidence actually fits, two ways (see
there). Both read the final SMC particles of the law's fit (``Calibration.fits``): equally
weighted posterior draws, without the resampling noise of ``Calibration.draws``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from attrition.battles.bakhmut.calibration import Calibration
    from attrition.battles.bakhmut.params import ParamSpec

__all__ = [
    "IDENTIFIED_RATIO",
    "combine_laws",
    "effective_parameters",
    "effective_parameters_frame",
    "identification_table",
    "posterior_z",
    "table_records",
]

IDENTIFIED_RATIO = 0.75
"""A parameter counts as identified when its posterior 90% width is at most this share of its
prior's (issue 15, item 4); above it the evidence barely moved it."""

Z90 = 1.6448536269514722
"""The standard normal's 95% quantile: the prior's 90% central interval is ``loc ± Z90 scale``
on the unconstrained scale."""


def _law(cal: Calibration, law: str | None) -> str:
    name = cal.law if law is None else law
    if name in cal.fits or name == cal.law:
        return name
    tried = ", ".join(cal.fits) or cal.law
    raise UserError(f"law {name!r}: not calibrated here; give one of: {tried}")


def combine_laws(cals: Mapping[str, Calibration], chosen: str) -> Calibration:
    """One calibration per law (each calibrated with ``law=LAW``, as
    :func:`attrition.report.model.law_calibrations` gives them) as one calibration whose
    ``fits`` hold every law's SMC fit and whose draws are ``chosen``'s: what
    :func:`identification_table` and :func:`effective_parameters` read for every law.

    Raises:
        UserError: ``chosen`` is not among ``cals``, or the calibrations fitted different
            parameters (other cutoffs or priors).
    """
    from dataclasses import replace

    if chosen not in cals:
        raise UserError(f"law {chosen!r}: not calibrated here; give one of: {', '.join(cals)}")
    base = cals[chosen]
    fits = {}
    for lw, c in cals.items():
        if c.free != base.free or c.cutoff != base.cutoff:
            raise UserError(
                f"law {lw}: its calibration fitted other parameters or another cutoff than "
                f"{chosen}'s; calibrate every law on the same evidence"
            )
        if lw not in c.fits:
            raise UserError(f"law {lw}: its calibration kept no SMC fit under that law")
        fits[lw] = c.fits[lw]
    return replace(base, law=chosen, fits=fits)


def posterior_z(cal: Calibration, law: str | None = None) -> dict[str, np.ndarray]:
    """Posterior draws of the fitted parameters on the sampler's (unconstrained) scale.

    Under ``law`` (default the chosen one): the final particles of its SMC fit when the
    calibration kept them (``cal.fits``), else (the chosen law only) ``cal.draws`` mapped back
    with :meth:`ParamSpec.z`. Parameters not fitted (``cal.free``) are absent.
    """
    name = _law(cal, law)
    fit = cal.fits.get(name)
    specs = {p.name: p for p in cal.priors}
    if fit is not None:
        z = np.asarray(fit.draws_z, dtype=float)
        if z.ndim != 2 or z.shape[1] != len(cal.free):
            raise ValueError(
                f"law {name}: particles of shape {z.shape} for {len(cal.free)} fitted parameters"
            )
        return {n: z[:, j] for j, n in enumerate(cal.free)}
    return {n: np.asarray(specs[n].z(cal.draws[n]), dtype=float) for n in cal.free}


def _prior_interval(p: ParamSpec) -> tuple[float, float, float]:
    lo, mid, hi = (float(p.value(np.float64(p.loc + k * Z90 * p.scale))) for k in (-1, 0, 1))
    return lo, mid, hi


def _action(p: ParamSpec, fitted: bool) -> str:
    """What the calibration did with ``p`` (fitted wins: it says what was done, not meant)."""
    if fitted:
        return "fitted"
    if p.fixed:
        return f"fixed at {float(p.value(np.float64(p.loc))):.4g} {p.unit} (prior median)"
    return "prior only (its regime had not started by the cutoff)"


def identification_table(cal: Calibration, law: str | None = None) -> pd.DataFrame:
    """Prior against posterior for every parameter under ``law`` (default the chosen one).

    One row per parameter of ``cal.priors``, columns:

    * ``law``, ``parameter``, ``unit``;
    * ``prior_q05``, ``prior_q95``, ``prior_width`` (``prior_q95 − prior_q05``): the prior's
      exact 90% central interval on the natural scale, ``value(loc ± Z90·scale)``;
    * ``q05``, ``median``, ``q95``, ``width``: the posterior's, quantiles of the particles
      mapped to the natural scale (``NaN`` for a parameter not fitted);
    * ``ratio``: the posterior 90% width over the prior's on the sampler's scale ``z``,
      ``(q95(z) − q05(z)) / (2·Z90·scale)`` (1: the evidence did not narrow it). This is the
      ratio the flag reads: for a lognormal or logit-normal prior the natural-scale ratio
      also grows when the evidence only moves the centre (a lognormal posterior shifted up by
      one prior sd of 0.8 is 2.2 times wider in soldiers at the same ``z`` width);
    * ``ratio_natural = width / prior_width`` (:meth:`Calibration.to_frame`'s ``width_ratio``;
      the same as ``ratio`` up to interpolation for a normal prior);
    * ``identified``: ``ratio <= IDENTIFIED_RATIO`` (``False`` when not fitted);
    * ``shrinkage = 1 − var(z) / scale²``: the variance the evidence removed on the sampler's
      scale (sample variance with ``ddof=1``; this row's term of :func:`effective_parameters`);
    * ``shift``: ``(mean(z) − loc) / scale``, how far the evidence moved the centre, in prior
      standard deviations (a parameter may move without narrowing);
    * ``fitted`` and ``action``: ``fitted``, ``fixed at VALUE UNIT (prior median)`` (its
      :attr:`ParamSpec.fixed` reason set: held at its prior median in every calibration) or
      ``prior only`` (not fitted under this cutoff: its regime had not started).

    Missing numbers are ``NaN``; ``table.to_json()`` or :func:`table_records` give strict JSON.
    """
    import pandas as pd

    name = _law(cal, law)
    z = posterior_z(cal, name)
    rows: list[dict[str, Any]] = []
    for p in cal.priors:
        lo, _, hi = _prior_interval(p)
        pw = hi - lo
        row: dict[str, Any] = {
            "law": name,
            "parameter": p.name,
            "unit": p.unit,
            "prior_q05": lo,
            "prior_q95": hi,
            "prior_width": pw,
        }
        if p.name in z:
            zj = z[p.name]
            q05, q50, q95 = (float(x) for x in np.quantile(p.value(zj), [0.05, 0.5, 0.95]))
            width = q95 - q05
            z05, z95 = (float(x) for x in np.quantile(zj, [0.05, 0.95]))
            ratio = (z95 - z05) / (2.0 * Z90 * p.scale)
            var = float(np.var(zj, ddof=1)) if zj.size > 1 else math.nan
            row |= {
                "q05": q05,
                "median": q50,
                "q95": q95,
                "width": width,
                "ratio": ratio,
                "ratio_natural": width / pw if pw > 0 else math.nan,
                "identified": bool(ratio <= IDENTIFIED_RATIO),
                "shrinkage": 1.0 - var / p.scale**2,
                "shift": (float(np.mean(zj)) - p.loc) / p.scale,
                "fitted": True,
            }
        else:
            row |= dict.fromkeys(
                ("q05", "median", "q95", "width", "ratio", "ratio_natural"), math.nan
            )
            row |= {"identified": False, "shrinkage": math.nan, "shift": math.nan}
            row["fitted"] = False
        row["action"] = _action(p, row["fitted"])
        rows.append(row)
    return pd.DataFrame(rows)


def effective_parameters(cal: Calibration, law: str | None = None) -> dict[str, Any]:
    """The effective number of parameters the evidence fits under ``law`` (default the chosen).

    Two measures, from the law's final SMC particles (equally weighted posterior draws):

    * ``p_shrink = Σ_j (1 − Var_post(z_j) / σ_j²)`` over the fitted parameters, on the
      sampler's scale ``z`` whose prior is ``N(μ_j, σ_j²)``: the share of each prior variance
      the evidence removed, summed (``n − tr(Σ_prior⁻¹ Σ_post)`` for the diagonal prior; 1 for
      a parameter the data pin down, 0 for one they leave at its prior; a term can be slightly
      negative when a posterior is wider than its prior). Sample variances with ``ddof=1``.
    * ``p_v = 2 Var_post[log p(y | θ)]``: the variance form of DIC's ``p_D`` (Gelman et al.,
      *Bayesian Data Analysis*, 3rd ed., §7.2), from the particles' log-likelihoods. For a
      Gaussian posterior of ``k`` well-identified parameters it equals ``k``. (WAIC's ``p_waic``
      needs pointwise log-likelihoods, which the calibration does not keep.)

    Returns ``{"law", "n_parameters", "n_fitted", "n_identified", "p_shrink", "p_v"}``
    (``p_v`` is ``NaN`` without the law's SMC fit: ``cal.fits`` was not kept).
    """
    name = _law(cal, law)
    z = posterior_z(cal, name)
    specs = {p.name: p for p in cal.priors}
    terms = [1.0 - float(np.var(v, ddof=1)) / specs[n].scale ** 2 for n, v in z.items()]
    fit = cal.fits.get(name)
    p_v = float(2.0 * np.var(np.asarray(fit.log_lik, dtype=float), ddof=1)) if fit else math.nan
    table = identification_table(cal, name)
    return {
        "law": name,
        "n_parameters": len(cal.priors),
        "n_fitted": len(z),
        "n_identified": int(table["identified"].sum()),
        "p_shrink": float(sum(terms)),
        "p_v": p_v,
    }


def effective_parameters_frame(cal: Calibration) -> pd.DataFrame:
    """:func:`effective_parameters` for every law the calibration kept (one row each, the
    calibration's law order), with ``chosen`` marking the law it chose."""
    import pandas as pd

    laws = list(cal.fits) or [cal.law]
    rows = [{**effective_parameters(cal, lw), "chosen": lw == cal.law} for lw in laws]
    return pd.DataFrame(rows)


def table_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of an :func:`identification_table` as strict-JSON records (``NaN`` -> ``None``,
    NumPy scalars -> Python)."""
    out: list[dict[str, Any]] = []
    for rec in table.to_dict("records"):
        row: dict[str, Any] = {}
        for k, v in rec.items():
            if isinstance(v, bool | np.bool_):
                row[str(k)] = bool(v)
            elif isinstance(v, int | np.integer):
                row[str(k)] = int(v)
            elif isinstance(v, float | np.floating):
                row[str(k)] = float(v) if math.isfinite(float(v)) else None
            else:
                row[str(k)] = v
        out.append(row)
    return out
