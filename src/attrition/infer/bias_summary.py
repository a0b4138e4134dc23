"""From a fit of the bias model to priors: :class:`BiasPriors` and :func:`summarise`.

Per relation and metric family, the posterior predictive of the log bias of a NEW claimant
(``loc``, ``scale``, exact mixture quantiles), the pairs behind it and Monte Carlo errors (batch
means over the chains); the hyperparameters' posterior summaries and convergence diagnostics.
The model and its fit are in :mod:`attrition.infer.bias_model`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from attrition.errors import unknown_name
from attrition.infer.bias_model import FAMILIES, RELATIONS, BiasFit, FitSettings

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["BiasPrior", "BiasPriors", "summarise"]

_FOG_NAMES = {"enemy": "bias_enemy", "own": "bias_self", "third_party": "bias_neutral"}


@dataclass(frozen=True)
class BiasPrior:
    """The learned prior of the log bias factor of a new claimant in one relation and family.

    ``loc`` and ``scale`` moment-match the posterior predictive ``Normal(m, tau)`` mixed over the
    posterior (``scale**2 = mean_sd**2 + tau_rms**2``): the prior the fusion should give a new
    claimant's log bias. ``mean_sd`` is the posterior sd of the relation-family mean ``m`` (the
    uncertainty of a group mean), ``tau_rms`` the root-mean-square between-claimant spread.
    ``q05``/``median``/``q95`` are quantiles of the predictive mixture (log scale; ``exp`` gives
    the bias factor). ``n`` is the number of pairs in this cell, ``weight`` their weight after
    down-weighting, ``n_censored`` how many are lower-bound pairs. ``*_mc`` are Monte Carlo
    standard errors (batch means over the chains).
    """

    relation: str
    family: str
    n: int
    weight: float
    n_censored: int
    loc: float
    scale: float
    mean_sd: float
    tau_rms: float
    q05: float
    median: float
    q95: float
    loc_mc: float
    scale_mc: float
    q05_mc: float
    q95_mc: float

    @property
    def factor_interval(self) -> tuple[float, float, float]:
        """``(q05, median, q95)`` of the bias factor ``claimed / truth``."""
        return (math.exp(self.q05), math.exp(self.median), math.exp(self.q95))


@dataclass(frozen=True)
class BiasPriors:
    """A fit's priors: one :class:`BiasPrior` per relation × family, the hyperparameters'
    posterior summaries ``(name, mean, sd, mc_error)``, convergence diagnostics, the settings
    and the SHA-256 of the pairs it was fitted to (``data_sha256``: of the packaged file's bytes
    when fitted to it, else of the pairs' fitted arrays)."""

    priors: tuple[BiasPrior, ...]
    hyper: tuple[tuple[str, float, float, float], ...]
    settings: FitSettings
    diagnostics: tuple[tuple[str, float], ...]
    n_pairs: int
    data_sha256: str

    def get(self, relation: str, family: str = "personnel") -> BiasPrior:
        """The prior of one relation and family (unknown names raise :class:`UserError`)."""
        if relation not in RELATIONS:
            raise unknown_name("relation", relation, RELATIONS, "bias priors")
        if family not in FAMILIES:
            raise unknown_name("metric family", family, FAMILIES, "bias priors")
        for p in self.priors:
            if p.relation == relation and p.family == family:
                return p
        raise AssertionError(f"no prior for {relation}/{family}")  # every cell is built

    def hyper_dict(self) -> dict[str, tuple[float, float, float]]:
        """``{name: (mean, sd, mc_error)}`` of the hyperparameters."""
        return {name: (m, s, e) for name, m, s, e in self.hyper}

    def fog_prior_kwargs(self, family: str = "personnel") -> dict[str, tuple[float, float]]:
        """``(loc, scale)`` per relation under :class:`~attrition.infer.fusion.priors.FogPriors`'
        names (``bias_enemy``, ``bias_self``, ``bias_neutral``), for ``FogPriors(**...)``."""
        return {
            _FOG_NAMES[r]: (self.get(r, family).loc, self.get(r, family).scale) for r in RELATIONS
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per relation × family: the :class:`BiasPrior` fields plus the bias factor's
        median and 90 % interval (``factor_q05``, ``factor_median``, ``factor_q95``)."""
        import pandas as pd

        rows = []
        for p in self.priors:
            row = asdict(p)
            lo, mid, hi = p.factor_interval
            row.update(factor_q05=lo, factor_median=mid, factor_q95=hi)
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Strict-JSON-ready dict (inverse: :meth:`from_dict`)."""
        return {
            "priors": [asdict(p) for p in self.priors],
            "hyper": [list(h) for h in self.hyper],
            "settings": self.settings.to_dict(),
            "diagnostics": dict(self.diagnostics),
            "n_pairs": self.n_pairs,
            "data_sha256": self.data_sha256,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BiasPriors:
        """Rebuild from :meth:`to_dict`'s output."""
        return cls(
            priors=tuple(BiasPrior(**p) for p in data["priors"]),
            hyper=tuple((str(h[0]), float(h[1]), float(h[2]), float(h[3])) for h in data["hyper"]),
            settings=FitSettings.from_dict(data["settings"]),
            diagnostics=tuple((str(k), float(v)) for k, v in data["diagnostics"].items()),
            n_pairs=int(data["n_pairs"]),
            data_sha256=str(data["data_sha256"]),
        )


def _batch_se(arrays: Sequence[np.ndarray], stat: Any, batches: int = 5) -> float:
    """Batch-means Monte Carlo error of ``stat(*arrays)`` over ``(chains, draws)`` arrays."""
    import numpy as np

    chains, n = arrays[0].shape
    size = n // batches
    vals = [
        stat(*(a[c, b * size : (b + 1) * size] for a in arrays))
        for c in range(chains)
        for b in range(batches)
    ]
    return float(np.std(vals, ddof=1) / math.sqrt(len(vals)))


def _mixture_quantile(q: float, m: np.ndarray, tau: np.ndarray) -> float:
    """Quantile ``q`` of the mixture of ``Normal(m_k, tau_k)`` with equal weights (exact)."""
    import numpy as np
    from scipy.optimize import brentq
    from scipy.special import ndtr

    m, tau = np.ravel(m), np.ravel(tau)
    lo = float(np.min(m - 10 * tau))
    hi = float(np.max(m + 10 * tau))
    return float(brentq(lambda x: float(np.mean(ndtr((x - m) / tau))) - q, lo, hi, xtol=1e-10))


def _loc(m: np.ndarray, tau: np.ndarray) -> float:
    import numpy as np

    return float(np.mean(m))


def _scale(m: np.ndarray, tau: np.ndarray) -> float:
    import numpy as np

    return float(np.sqrt(np.mean(tau**2) + np.var(m)))


def _rhat_ess(x: np.ndarray) -> tuple[float, float]:
    """Split R-hat and effective sample size of ``(chains, draws)`` draws (NumPyro's)."""
    from numpyro.diagnostics import effective_sample_size, split_gelman_rubin

    return float(split_gelman_rubin(x)), float(effective_sample_size(x))


def summarise(fit: BiasFit, data_sha256: str | None = None) -> BiasPriors:
    """The :class:`BiasPriors` of a fit (predictive per cell, hyperparameters, diagnostics)."""
    import numpy as np

    a = fit.arrays
    priors = []
    for ri, r in enumerate(RELATIONS):
        for fi, f in enumerate(FAMILIES):
            m, tau = fit.cell_draws(r, f)
            cell = (a.rel == ri) & (a.fam == fi)
            q05, med, q95 = (_mixture_quantile(q, m, tau) for q in (0.05, 0.5, 0.95))

            def qstat(q: float) -> Any:
                return lambda mm, tt: _mixture_quantile(q, mm, tt)

            priors.append(
                BiasPrior(
                    relation=r,
                    family=f,
                    n=int(cell.sum()),
                    weight=float(a.weight[cell].sum()),
                    n_censored=int((a.censored[cell] > 0).sum()),
                    loc=_loc(m, tau),
                    scale=_scale(m, tau),
                    mean_sd=float(np.std(m)),
                    tau_rms=float(np.sqrt(np.mean(tau**2))),
                    q05=q05,
                    median=med,
                    q95=q95,
                    loc_mc=_batch_se([m, tau], _loc),
                    scale_mc=_batch_se([m, tau], _scale),
                    q05_mc=_batch_se([m, tau], qstat(0.05)),
                    q95_mc=_batch_se([m, tau], qstat(0.95)),
                )
            )
    hyper = []
    scalars: dict[str, np.ndarray] = {
        "mu0": fit.draws["mu0"],
        "sigma_mu": fit.draws["sigma_mu"],
        "delta": fit.draws["delta"],
        "log_tau0": fit.draws["log_tau0"],
        "sigma_log_tau": fit.draws["sigma_log_tau"],
    }
    for ri, r in enumerate(RELATIONS):
        scalars[f"mu[{r}]"] = fit.draws["mu"][..., ri]
        scalars[f"tau[{r}]"] = fit.draws["tau"][..., ri]
    rhats, esss = [], []
    for name, x in scalars.items():
        hyper.append(
            (
                name,
                float(np.mean(x)),
                float(np.std(x)),
                _batch_se([x], lambda v: float(np.mean(v))),
            )
        )
        rh, es = _rhat_ess(x)
        rhats.append(rh)
        esss.append(es)
    diagnostics = (
        ("max_rhat", max(rhats)),
        ("min_ess", min(esss)),
        ("divergences", float(fit.divergences)),
    )
    return BiasPriors(
        priors=tuple(priors),
        hyper=tuple(hyper),
        settings=fit.settings,
        diagnostics=diagnostics,
        n_pairs=len(a.y),
        data_sha256=data_sha256 or a.sha256(),
    )
