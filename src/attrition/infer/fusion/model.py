"""The NumPyro model of the fusion and its jitted NUTS runner (JAX imported inside).

The model reads arrays (:class:`ModelData`, traced: fits whose arrays have the same shapes share
one compiled program) and a :class:`ModelLayout` (static: the components' share sites).
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["ModelData", "ModelLayout", "latent_sites", "log_diff_ndtr", "model", "runner"]


class ModelData(NamedTuple):
    """Arrays the model reads; shapes fix the compiled program, values may change freely.

    ``S`` sides, ``K`` weeks, ``n`` observations, ``J`` stream offsets, ``P`` claimant-subject
    pairs, ``G`` claimant groups, ``C`` claimants.
    """

    change: Any  # (K,) float32: 1 where a week starts a new phase
    overlap: Any  # (n, K) float32: days of each claim's period in each week
    div: Any  # (n,) float32: period length for per-day figures, else 1
    ndays: Any  # (n,) float32
    side_coef: Any  # (n, S) float32: which sides' casualties a claim adds up
    component: Any  # (n,) int32: 0, or 1 + the index of the component a claim is about
    metric: Any  # (n,) int32: 0 casualties, 1 killed, 2 wounded
    ratio: Any  # (n,) float32: 1 for a ratio of the first two sides' casualties
    kind: Any  # (n,) int32
    log_lo: Any  # (n,) float32
    log_hi: Any  # (n,) float32
    about: Any  # (n,) float32
    claimant: Any  # (n,) int32
    pair: Any  # (n,) int32
    pair2: Any  # (n,) int32
    weight: Any  # (n,) float32 (0 masks a claim: leave-one-out)
    offset: Any  # (n, J) float32: which stream offsets apply (J = 0 or 2 S)
    pair_group: Any  # (P,) int32
    pair_rel: Any  # (P,) int32
    group_rel: Any  # (G,) int32
    n_claimants: Any  # (C,) zeros: carries the claimant count in its shape
    rel_prior: Any  # (3, 2) float32 (mean, sd) per relation
    scalars: Any  # (12,) float32, see FogPriors.scalars
    component_ab: Any  # (2,) Beta shapes of a component's share
    share_ab: Any  # (2,) Beta shapes of the stream share (used when J > 0)
    scale_prior: Any  # (2,) (mean, sd) of the log timing scale (used when J > 0)


class ModelLayout(NamedTuple):
    """The static part of the model: ``(site name, side index)`` of each component's share that
    the claims speak of (in the order of ``battle.toml``)."""

    components: tuple[tuple[str, int], ...] = ()


_NO_COMPONENTS = ModelLayout()


def latent_sites(layout: ModelLayout) -> tuple[str, ...]:
    """The model's latent sample sites (checked for convergence), in sampling order."""
    return (
        "level",
        "eps",
        "killed_share",
        *(name for name, _ in layout.components),
        "bias_group",
        "bias_z",
        "noise",
        "stream_share",
        "stream_scale",
    )


def log_diff_ndtr(lo: Any, hi: Any) -> Any:
    """``log(Phi(hi) - Phi(lo))`` for ``lo <= hi``, stable in both tails."""
    import jax.numpy as jnp
    from jax.scipy.special import log_ndtr

    flip = lo > 0
    a = jnp.where(flip, -hi, lo)
    b = jnp.where(flip, -lo, hi)
    la, lb = log_ndtr(a), log_ndtr(b)
    return lb + jnp.log1p(-jnp.exp(jnp.minimum(la - lb, -1e-7)))


def model(d: ModelData, layout: ModelLayout = _NO_COMPONENTS) -> None:
    """The NumPyro model (see :mod:`attrition.infer.fusion` and docs/fog-of-war.md)."""
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from jax.scipy.special import log_ndtr

    s = d.scalars
    n_sides = d.side_coef.shape[1]
    n_weeks = d.change.shape[0]
    level = numpyro.sample("level", dist.Normal(s[0], s[1]).expand([n_sides]).to_event(1))
    if n_weeks > 1:
        eps = numpyro.sample(
            "eps", dist.Normal(0.0, 1.0).expand([n_sides, n_weeks - 1]).to_event(2)
        )
        step_sd = jnp.sqrt(s[2] ** 2 + d.change[1:] * s[3] ** 2)[None, :]
        path = jnp.concatenate([jnp.zeros((n_sides, 1)), jnp.cumsum(eps * step_sd, axis=1)], axis=1)
        path = path - path.mean(axis=1, keepdims=True)
    else:
        path = jnp.zeros((n_sides, 1))
    log_rate = numpyro.deterministic("log_rate", level[:, None] + path)
    killed = numpyro.sample("killed_share", dist.Beta(s[4], s[5]).expand([n_sides]).to_event(1))

    tot = jnp.exp(log_rate) @ d.overlap.T  # (S, n): each side's casualties in each period
    mf = jnp.where(
        d.metric[None, :] == 1,
        killed[:, None],
        jnp.where(d.metric[None, :] == 2, 1.0 - killed[:, None], 1.0),
    )
    coef = d.side_coef.T
    for k, (site, side) in enumerate(layout.components):
        w = numpyro.sample(site, dist.Beta(d.component_ab[0], d.component_ab[1]))
        coef = coef.at[side].multiply(jnp.where(d.component == k + 1, w, 1.0))
    amount = jnp.sum(coef * mf * tot, axis=0) / d.div
    ratio = tot[0] / tot[1]
    truth = numpyro.deterministic("truth", jnp.where(d.ratio > 0, ratio, amount))

    n_pairs = d.pair_group.shape[0]
    mu_g = numpyro.sample(
        "bias_group",
        dist.Normal(d.rel_prior[d.group_rel, 0], d.rel_prior[d.group_rel, 1]).to_event(1),
    )
    z = numpyro.sample("bias_z", dist.Normal(0.0, 1.0).expand([n_pairs]).to_event(1))
    log_bias = numpyro.deterministic("log_bias", mu_g[d.pair_group] + s[6] * z)
    lb = log_bias[d.pair] - d.ratio * log_bias[d.pair2]
    n_claimants = d.n_claimants.shape[0]
    noise = numpyro.sample("noise", dist.HalfNormal(s[7]).expand([n_claimants]).to_event(1))
    sigma = jnp.sqrt(
        s[8] ** 2 + noise[d.claimant] ** 2 + d.about * s[9] ** 2 + s[10] ** 2 / d.ndays
    )
    mu = jnp.log(truth) + lb
    if d.offset.shape[1] > 0:
        share = numpyro.sample(
            "stream_share",
            dist.Beta(d.share_ab[0], d.share_ab[1]).expand([n_sides]).to_event(1),
        )
        log_k = numpyro.sample(
            "stream_scale",
            dist.Normal(d.scale_prior[0], d.scale_prior[1]).expand([n_sides]).to_event(1),
        )
        offs = jnp.concatenate([-jnp.log(share), log_k])
        mu = mu + d.offset @ offs
    numpyro.deterministic("mu", mu)
    numpyro.deterministic("sigma", sigma)
    z_lo = (d.log_lo - mu) / sigma
    z_hi = (d.log_hi - mu) / sigma
    ll_point = -0.5 * z_lo**2 - jnp.log(sigma)
    ll_lower = log_ndtr(-z_lo)
    ll_upper = log_ndtr(z_hi)
    ll_interval = log_diff_ndtr(z_lo, z_hi)
    ll = jnp.where(
        d.kind == 0,
        ll_point,
        jnp.where(d.kind == 1, ll_lower, jnp.where(d.kind == 2, ll_upper, ll_interval)),
    )
    numpyro.factor("claims", jnp.sum(d.weight * ll))


_RUNNERS: dict[ModelLayout, Any] = {}


def runner(layout: ModelLayout = _NO_COMPONENTS) -> Any:
    """The jitted sampler of a layout: NUTS on every chain at once (``vmap``), warm-up then
    draws.

    Built once per process and layout. Model data are traced arguments, so fits whose data have
    the same shapes reuse one compiled program: results depend only on the data values and the
    seed. Called as ``runner(layout)(keys, data, warmup=, draws=, target_accept=, depth=)``;
    returns ``(values, diverging, num_steps)`` with leading ``(chain, draw)`` axes.
    """
    if layout in _RUNNERS:
        return _RUNNERS[layout]
    from functools import partial

    from attrition.infer.nuts import nuts_runner

    run = nuts_runner(partial(model, layout=layout))
    _RUNNERS[layout] = run
    return run
