"""The hierarchical model of claimant bias and its NUTS fit (docs/bias-priors.md).

The fusion multiplies the truth by a bias factor per claimant group and relation (enemy, own,
third party); its log is normal. This module holds the model of the log ratios
``y_i = log(claimed_i / record_i)`` of historical claim-vs-record pairs
(:mod:`attrition.data.reference`), the arrays it reads (:func:`pair_arrays`), pairs drawn from it
for oracle tests (:func:`synthetic_pairs`) and the NUTS fit (:func:`fit_bias_model`):

.. code-block:: text

    mu0 ~ Normal(0, mu0_sd)                      common mean of the log bias
    sigma_mu ~ HalfNormal(sigma_mu_scale)        spread of the relations' means around it
    mu[r] = mu0 + sigma_mu * z[r], z[r] ~ N(0,1) personnel mean of relation r (partial pooling)
    delta ~ Normal(0, delta_sd)                  materiel minus personnel, shared by relations
    log tau[r] = log_tau0 + sigma_log_tau * w[r] between-pair spread of relation r (pooled)
    m_i = mu[r_i] + delta * [family_i = materiel]
    sd_i = sqrt(tau[r_i]^2 + s_i^2)              s_i: measurement spread from the ranges
    count / estimate record:  y_i ~ Normal(m_i, sd_i)
    lower-bound record:       P(latent log ratio <= y_i) = Phi((y_i - m_i) / sd_i)

and each pair's log likelihood is weighted by ``1 / k`` where ``k`` is the number of pairs of
its *source group* (one statement by one claimant about one relation: e.g. Molotov's killed and
wounded Finns of 29 March 1940 count as one unit of evidence, not two).

:mod:`attrition.infer.bias_summary` turns a fit into priors; :mod:`attrition.infer.bias_priors`
is the public entry point (fits of the packaged pairs, with or without a cutoff).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError, unknown_name

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "FAMILIES",
    "FIT_COLUMNS",
    "RELATIONS",
    "BiasFit",
    "FitSettings",
    "HyperPriors",
    "PairArrays",
    "fit_bias_model",
    "pair_arrays",
    "synthetic_pairs",
]

RELATIONS: tuple[str, ...] = ("enemy", "own", "third_party")
"""The claimant's relation to the side whose losses it states (as in the reference file)."""
FAMILIES: tuple[str, ...] = ("personnel", "materiel")
"""Metric families; the fusion's metrics (killed, wounded, casualties) are all personnel."""
FIT_COLUMNS: tuple[str, ...] = (
    "relation",
    "metric_family",
    "claimed_value",
    "record_value",
    "record_kind",
)
"""Columns a pairs frame must have; optional: the four low/high columns, ``source_group`` (else
built from ``conflict``, ``claimant``, ``claim_date`` and ``relation``) and ``id``."""


_Z90 = 1.6448536269514722  # a range read as a 90 % interval: half-width / 1.645 = sd
_GROUP_COLUMNS = ("conflict", "claimant", "claim_date", "relation")


@dataclass(frozen=True)
class HyperPriors:
    """Priors of the hyperparameters (log scale; see the module docstring for the model).

    ``mu0_sd``: the common mean is within a factor e^±2 of 1 at two sd. ``sigma_mu_scale``: the
    relations' means differ by about a factor e at most, a priori. ``delta_sd``: materiel claims
    may differ from personnel claims by a factor e^±1. ``log_tau0`` = (mean, sd) of the log of
    the typical between-pair spread (0.5: one claimant in two within a factor 1.4 of its
    relation's mean). ``sigma_log_tau_scale``: how much the relations' spreads differ.
    ``s_floor`` is added (in quadrature) to every pair's measurement spread (rounding, reading);
    ``estimate_floor`` replaces it for an ``estimate`` record without a range.
    """

    mu0_sd: float = 1.0
    sigma_mu_scale: float = 1.0
    delta_sd: float = 0.5
    log_tau0: tuple[float, float] = (math.log(0.5), 0.75)
    sigma_log_tau_scale: float = 0.5
    s_floor: float = 0.05
    estimate_floor: float = 0.10

    def __post_init__(self) -> None:
        for name in (
            "mu0_sd",
            "sigma_mu_scale",
            "delta_sd",
            "sigma_log_tau_scale",
            "s_floor",
            "estimate_floor",
        ):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise UserError(f"HyperPriors: {name} = {v!r} must be a positive number")
        m, s = self.log_tau0
        if not (math.isfinite(m) and math.isfinite(s) and s > 0):
            raise UserError(f"HyperPriors: log_tau0 = {self.log_tau0!r} needs a mean and sd > 0")


@dataclass(frozen=True)
class FitSettings:
    """Settings of one fit: NUTS (``chains`` run vectorised, ``warmup`` then ``draws`` each),
    the seed, and the two switches the docs' sensitivity rows turn off: ``censor`` (lower-bound
    records enter through the normal CDF; off: as if they were counts) and ``downweight`` (a
    source group of k pairs carries one unit of weight; off: every pair weighs 1)."""

    seed: int = 0
    chains: int = 4
    warmup: int = 500
    draws: int = 1000
    target_accept: float = 0.95
    censor: bool = True
    downweight: bool = True
    hyper: HyperPriors = field(default_factory=HyperPriors)

    def __post_init__(self) -> None:
        for name in ("chains", "warmup", "draws"):
            v = getattr(self, name)
            if not (isinstance(v, int) and v >= 1):
                raise UserError(f"bias priors: {name} = {v!r} must be an integer >= 1")
        if self.draws < 10:
            raise UserError(f"bias priors: draws = {self.draws} must be >= 10 (batch-means errors)")
        if not (isinstance(self.seed, int) and self.seed >= 0):
            raise UserError(f"bias priors: seed = {self.seed!r} must be an integer >= 0")
        if not 0.5 <= self.target_accept < 1:
            raise UserError(
                f"bias priors: target_accept = {self.target_accept!r} must be in [0.5, 1)"
            )

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict."""
        out = asdict(self)
        out["hyper"]["log_tau0"] = list(self.hyper.log_tau0)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FitSettings:
        """Inverse of :meth:`to_dict`."""
        d = dict(data)
        h = dict(d.pop("hyper"))
        h["log_tau0"] = tuple(h["log_tau0"])
        return cls(**d, hyper=HyperPriors(**h))


# ---------------------------------------------------------------------------------------------
# data


@dataclass(frozen=True)
class PairArrays:
    """The fitted arrays of a pairs frame (see :func:`pair_arrays`)."""

    y: np.ndarray  # log(claimed / record)
    s: np.ndarray  # measurement sd
    rel: np.ndarray  # index into RELATIONS
    fam: np.ndarray  # index into FAMILIES
    censored: np.ndarray  # 1.0 for a lower-bound record
    weight: np.ndarray  # 1 / size of the source group
    group: tuple[str, ...]  # source group of each pair

    def sha256(self) -> str:
        """A digest of the arrays (identifies the fitted data)."""
        import numpy as np

        h = hashlib.sha256()
        for a in (self.y, self.s, self.rel, self.fam, self.censored, self.weight):
            h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
        return h.hexdigest()


def _log_sd(low: Any, high: Any) -> float:
    """sd of a log figure whose range [low, high] is read as a 90 % interval (0 without one)."""
    try:
        lo, hi = float(low), float(high)
    except (TypeError, ValueError):
        return 0.0
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0 or hi <= lo:
        return 0.0
    return math.log(hi / lo) / (2 * _Z90)


def pair_arrays(
    pairs: pd.DataFrame, hyper: HyperPriors | None = None, *, downweight: bool = True
) -> PairArrays:
    """The arrays the model reads, from a frame of :func:`~attrition.data.reference.
    load_reference_pairs` (or any frame with :data:`FIT_COLUMNS`).

    ``s_i`` combines the claim's and the record's ranges (each read as a 90 % interval on the
    log scale) with ``hyper.s_floor`` (``hyper.estimate_floor`` for an estimate record without a
    range). The weight of a pair is ``1 / k``, ``k`` the size of its source group: the
    ``source_group`` column when present and non-blank, else ``conflict | claimant |
    claim_date | relation`` (one statement about one relation); all 1 when ``downweight`` is
    false. A missing column, an unknown relation, family or record kind, or a non-positive
    figure raises :class:`UserError`.
    """
    import numpy as np

    h = hyper or HyperPriors()
    if len(pairs) == 0:
        raise UserError("bias priors: no pairs to fit; pass the reference pairs (or None)")
    missing = [c for c in FIT_COLUMNS if c not in pairs.columns]
    if missing:
        raise UserError(
            f"bias priors: the pairs have no column {missing[0]!r}; pass a frame from "
            "attrition.data.reference.load_reference_pairs"
        )
    ids = (
        [str(x) for x in pairs["id"]]
        if "id" in pairs.columns
        else [str(i) for i in range(len(pairs))]
    )

    def where(i: int, col: str) -> str:
        return f"bias priors: pair {ids[i]!r}, column {col!r}"

    rel = np.empty(len(pairs), dtype=np.int64)
    fam = np.empty(len(pairs), dtype=np.int64)
    cens = np.zeros(len(pairs))
    y = np.empty(len(pairs))
    s = np.empty(len(pairs))
    records = pairs.to_dict("records")
    for i, r in enumerate(records):
        relation, family, kind = str(r["relation"]), str(r["metric_family"]), str(r["record_kind"])
        if relation not in RELATIONS:
            raise unknown_name("relation", relation, RELATIONS, where(i, "relation"))
        if family not in FAMILIES:
            raise unknown_name("metric family", family, FAMILIES, where(i, "metric_family"))
        if kind not in ("count", "estimate", "lower_bound"):
            raise unknown_name(
                "record kind", kind, ("count", "estimate", "lower_bound"), where(i, "record_kind")
            )
        vals = []
        for col in ("claimed_value", "record_value"):
            try:
                v = float(r[col])
            except (TypeError, ValueError):
                v = math.nan
            if not (math.isfinite(v) and v > 0):
                raise UserError(f"{where(i, col)}: {r[col]!r} must be a number > 0")
            vals.append(v)
        rel[i], fam[i] = RELATIONS.index(relation), FAMILIES.index(family)
        cens[i] = 1.0 if kind == "lower_bound" else 0.0
        y[i] = math.log(vals[0] / vals[1])
        s_claim = _log_sd(r.get("claimed_low"), r.get("claimed_high"))
        s_record = _log_sd(r.get("record_low"), r.get("record_high"))
        floor = h.estimate_floor if kind == "estimate" and s_record == 0 else h.s_floor
        s[i] = math.sqrt(s_claim**2 + s_record**2 + floor**2)

    groups = []
    for i, r in enumerate(records):
        g = str(r.get("source_group", "") or "").strip()
        if g in ("", "nan", "None"):
            g = " | ".join(str(r.get(c, "")) for c in _GROUP_COLUMNS)
            if not all(c in r for c in _GROUP_COLUMNS):
                g = f"pair {ids[i]}"
        groups.append(g)
    if downweight:
        sizes: dict[str, int] = {}
        for g in groups:
            sizes[g] = sizes.get(g, 0) + 1
        w = np.array([1.0 / sizes[g] for g in groups])
    else:
        w = np.ones(len(groups))
    return PairArrays(y=y, s=s, rel=rel, fam=fam, censored=cens, weight=w, group=tuple(groups))


def synthetic_pairs(
    mu: Mapping[str, float],
    tau: Mapping[str, float],
    n: Mapping[str, int],
    *,
    delta: float = 0.0,
    materiel_share: float = 0.0,
    censored_share: float = 0.0,
    undercount: tuple[float, float] = (0.3, 0.9),
    seed: int = 0,
) -> pd.DataFrame:
    """Pairs drawn from the model, for oracle tests.

    Per relation ``r``, ``n[r]`` pairs with latent log bias ``Normal(mu[r] + delta * materiel,
    tau[r])`` (a share ``materiel_share`` of them materiel). A share ``censored_share`` has a
    lower-bound record: the record is the truth times ``U ~ Uniform(*undercount)`` (< 1), so
    the observed log ratio exceeds the latent one by ``-log U``. Every pair is its own source
    group. Columns: :data:`FIT_COLUMNS`, ``id``, ``source_group``, ``latent_log_ratio``.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    rows = []
    for r in RELATIONS:
        for j in range(int(n.get(r, 0))):
            materiel = bool(rng.random() < materiel_share)
            latent = rng.normal(mu[r] + (delta if materiel else 0.0), tau[r])
            truth = 1000.0
            censored = bool(rng.random() < censored_share)
            record = truth * rng.uniform(*undercount) if censored else truth
            rows.append(
                {
                    "id": f"syn-{r}-{j}",
                    "relation": r,
                    "metric_family": "materiel" if materiel else "personnel",
                    "claimed_value": truth * math.exp(latent),
                    "record_value": record,
                    "record_kind": "lower_bound" if censored else "count",
                    "source_group": f"syn-{r}-{j}",
                    "latent_log_ratio": latent,
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# model and fit


def _model(y: Any, s: Any, rel: Any, fam: Any, cens: Any, w: Any, hp: Any) -> None:
    """The NumPyro model (see the module docstring); ``hp`` = the 6 hyperprior numbers."""
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from jax.scipy.special import log_ndtr

    mu0 = numpyro.sample("mu0", dist.Normal(0.0, hp[0]))
    sigma_mu = numpyro.sample("sigma_mu", dist.HalfNormal(hp[1]))
    z = numpyro.sample("z_mu", dist.Normal(0.0, 1.0).expand([len(RELATIONS)]).to_event(1))
    mu = numpyro.deterministic("mu", mu0 + sigma_mu * z)
    delta = numpyro.sample("delta", dist.Normal(0.0, hp[2]))
    log_tau0 = numpyro.sample("log_tau0", dist.Normal(hp[3], hp[4]))
    sigma_lt = numpyro.sample("sigma_log_tau", dist.HalfNormal(hp[5]))
    zt = numpyro.sample("z_tau", dist.Normal(0.0, 1.0).expand([len(RELATIONS)]).to_event(1))
    tau = numpyro.deterministic("tau", jnp.exp(log_tau0 + sigma_lt * zt))
    m = mu[rel] + delta * fam
    sd = jnp.sqrt(tau[rel] ** 2 + s**2)
    zz = (y - m) / sd
    exact = -0.5 * zz**2 - jnp.log(sd) - 0.5 * jnp.log(2 * jnp.pi)
    ll = jnp.where(cens > 0, log_ndtr(zz), exact)
    numpyro.factor("pairs", jnp.sum(w * ll))


@dataclass(frozen=True)
class BiasFit:
    """A fit's posterior draws (``(chains, draws)`` arrays per site) and its inputs."""

    draws: dict[str, np.ndarray]
    arrays: PairArrays
    settings: FitSettings
    divergences: int

    def cell_draws(self, relation: str, family: str) -> tuple[np.ndarray, np.ndarray]:
        """Draws ``(m, tau)`` of one relation-family cell, each ``(chains, draws)``."""
        r = RELATIONS.index(relation)
        m = self.draws["mu"][..., r] + (self.draws["delta"] if family == "materiel" else 0.0)
        return m, self.draws["tau"][..., r]


def fit_bias_model(pairs: pd.DataFrame, settings: FitSettings | None = None) -> BiasFit:
    """Run NUTS on the hierarchical model of the module docstring (NumPyro needed)."""
    import numpy as np

    st = settings or FitSettings()
    arrays = pair_arrays(pairs, st.hyper, downweight=st.downweight)
    try:
        import jax
        import numpyro  # noqa: F401
        from numpyro.infer import MCMC, NUTS
    except ImportError:
        raise UserError(
            "bias priors: fitting needs JAX and NumPyro; install them with "
            "pip install 'attrition[bayes]' (default_bias_priors() reads the packaged fit "
            "without them)"
        ) from None
    h = st.hyper
    hp = np.array(
        [
            h.mu0_sd,
            h.sigma_mu_scale,
            h.delta_sd,
            h.log_tau0[0],
            h.log_tau0[1],
            h.sigma_log_tau_scale,
        ]
    )
    cens = arrays.censored if st.censor else np.zeros_like(arrays.censored)
    mcmc = MCMC(
        NUTS(_model, target_accept_prob=st.target_accept),
        num_warmup=st.warmup,
        num_samples=st.draws,
        num_chains=st.chains,
        chain_method="vectorized",
        progress_bar=False,
        jit_model_args=True,
    )
    mcmc.run(
        jax.random.PRNGKey(st.seed),
        arrays.y,
        arrays.s,
        arrays.rel,
        arrays.fam.astype(float),
        cens,
        arrays.weight,
        hp,
    )
    samples = mcmc.get_samples(group_by_chain=True)
    draws = {k: np.asarray(v, dtype=np.float64) for k, v in samples.items()}
    div = int(np.asarray(mcmc.get_extra_fields(group_by_chain=True)["diverging"]).sum())
    return BiasFit(draws=draws, arrays=arrays, settings=st, divergences=div)
