"""The NumPyro model of the joint fusion (Bakhmut inside the war) and its jitted NUTS sampler.

The battle's sides, their leaves and which side is front-pinned come from a
:class:`~attrition.infer.fusion.joint_layout.JointLayout` (static: one compiled sampler per
layout); Bakhmut's battle (sides RU, UA; Russia's leaves Wagner convicts, Wagner contract
fighters, regulars) is the example below. Latent quantities (daily rates, constant over steps
of ``step_days`` days, 14 by default; the two sides in the layout's order):

* Bakhmut's daily casualties ``B[s, k]`` of side ``s`` in step ``k`` and the whole front's
  ``F[s, k] >= B[s, k]``; Bakhmut's share ``B / F`` is a latent time-varying quantity in
  (0, 1). Each side is parametrised by what its evidence pins, so NUTS does not walk a ridge:
  Russia by its whole-front log rate (a random walk; the streams pin it month by month) and
  the logit of Bakhmut's share (a random walk that may jump at phase starts), ``B = F *
  share``; Ukraine, whose whole front no stream pins (named Ukrainian dead are only a lower
  bound), by Bakhmut's log rate (a random walk that may jump at phase starts) and the rest of
  the front's log rate (a random walk), ``F = B + rest``. Parametrising Russia like Ukraine,
  or Ukraine like Russia, left ridges (front and rest moving against each other under the
  pinned front; front and share under Bakhmut-only claims) on which NUTS saturated its trees.
  Generically: a side is front-pinned when a ``named_ratio`` stream is read about it
  (:mod:`.joint_layout`), else it takes Ukraine's form.
* a side with more than one leaf splits its casualties at the battle among its leaves
  (``pi_<side index>``, Dirichlet; Russia's among Wagner convicts, Wagner contract fighters and
  regular forces); on the rest of the front a share ``omega_<side index>`` belongs to its
  components (split like at the battle), the rest to its remainder (Wagner outside Bakhmut and
  Russia's regulars);
* a killed share per leaf (convicts, contract, regulars, Ukraine): killed and wounded of
  any total are sums over leaves, so a component's claim observes that component and a
  side's claim the sum.

An observation (a claim or a stream month) observes, over its period, the total of one subject
of the layout (at Bakhmut: RU, UA, BOTH, WAGNER, WAGNER_CONVICTS, WAGNER_CONTRACT, RU_REGULAR)
and metric (casualties,
killed, wounded; or the RU/UA casualty ratio) **at its scope**: ``city`` (Bakhmut), ``front``
(whole front), ``sector`` (Bakhmut plus a latent fraction ``eta`` of the rest of the front, one
per named sector: Bakhmut <= sector <= front) or ``unspecified`` (a two-part mixture: Bakhmut
with probability ``p_city``, else the front). Its log location is the log truth plus a log
bias; its noise is log-normal (point, censored and interval figures as in the former,
independent fusion).

Bias (``role`` 0): ``beta[group, relation] + delta[group, relation, metric]``. Every group,
Western and independent ones included, has a ``beta`` with the relation's prior
(:mod:`.joint_priors`); ``delta`` (metric level: casualties, killed, wounded, ratio) is pooled
towards the group's ``beta`` with a fixed sd (``metric_sd``; a learned scale over so few groups
mixed slowly: R-hat 1.03 at 300 draws). A claimant-level bias within its group is left out:
most claimants make one claim, so it is not identified beside their noise, and it slowed NUTS.
A ratio's bias is the difference of the claimant's biases about the two sides plus its ratio
``delta``. A ``named_ratio`` stream (``role`` 1; Bakhmut: named Russian dead) observes
``r * killed_front`` with ``r`` the named-to-actual ratio (Beta prior < 1, so the front's killed
stay above the named dead); a ``lower_bound`` stream (``role`` 2; named Ukrainian dead) is a
soft lower bound.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

from attrition.infer.fusion.joint_layout import JointLayout

__all__ = [
    "BASIS_METRICS",
    "JointData",
    "dense_sites",
    "joint_latent_sites",
    "joint_model",
    "joint_runner",
]

BASIS_METRICS: tuple[str, ...] = ("casualties", "killed", "wounded")
"""Metrics of the basis series (a ratio uses the two sides' casualties)."""


class JointData(NamedTuple):
    """Arrays the joint model reads (shapes fix the compiled program).

    ``K`` steps, ``n`` observations, ``E`` sectors (at least 1), ``G`` group-relation pairs,
    ``C`` claimants.
    """

    change: Any  # (K,) 1 where a step starts a new phase
    overlap: Any  # (n, K) days of each observation's period in each step
    div: Any  # (n,) period length for per-day figures, else 1
    ndays: Any  # (n,)
    basis: Any  # (n,) int: subject index * 3 + metric index
    ratio: Any  # (n,) 1 for a RU/UA casualty ratio
    scope: Any  # (n,) int: 0 city, 1 sector, 2 front, 3 unspecified
    sector: Any  # (n,) int: the sector's index (0 when not a sector claim)
    kind: Any  # (n,) int: 0 point, 1 lower, 2 upper, 3 interval
    log_lo: Any  # (n,)
    log_hi: Any  # (n,)
    about: Any  # (n,)
    wide: Any  # (n,) 1 for a scope qualified "mainly"/"primarily"
    role: Any  # (n,) int: 0 claim, 1 named RU dead (ratio), 2 named dead as a lower bound
    claimant: Any  # (n,) int
    gr: Any  # (n,) int: group-relation pair of the bias (about RU for a ratio)
    gr2: Any  # (n,) int: group-relation pair about UA (ratios)
    metric: Any  # (n,) int: 0 casualties, 1 killed, 2 wounded, 3 ratio
    weight: Any  # (n,) likelihood weight (restatements share one unit)
    group_rel: Any  # (G,) int relation of each group-relation pair
    n_claimants: Any  # (C,) zeros
    n_sectors: Any  # (E,) zeros
    rel_prior: Any  # (3, 2) (loc, scale) per relation
    killed_ab: Any  # (L, 2) Beta shapes per leaf
    conc: Any  # one (leaves,) Dirichlet concentration per side with a split
    omega_ab: Any  # one (2,) per side with a split and a remainder
    eta_ab: Any  # (2,)
    named_ab: Any  # (2,)
    scalars: Any  # (20,) see :func:`scalars_of`


def scalars_of(p: Any, step_days: int = 7) -> list[float]:
    """The scalar hyperparameters of a :class:`~.joint_priors.JointPriors` in the model's
    order; the weekly random-walk sds are scaled to steps of ``step_days`` days."""
    per_step = (step_days / 7.0) ** 0.5
    return [
        p.rest_log_mean,
        p.rest_log_sd,
        p.rest_rw_sd * per_step,
        p.city_log_mean,
        p.city_log_sd,
        p.city_rw_sd * per_step,
        p.city_change_sd,
        p.noise_scale,
        p.noise_floor,
        p.about_sd,
        p.day_sd,
        p.wide_sd,
        p.p_city,
        p.metric_sd,
        p.named_sd,
        p.lower_sd,
        p.share_logit_mean,
        p.share_logit_sd,
        p.front_log_mean,
        p.front_log_sd,
    ]


def _split_sites(layout: JointLayout) -> tuple[str, ...]:
    out: list[str] = []
    for i in layout.split_sides:
        out.append(layout.pi_site(i))
        if layout.remainder[i]:
            out.append(layout.omega_site(i))
    return tuple(out)


def joint_latent_sites(layout: JointLayout) -> tuple[str, ...]:
    """The latent sample sites of a layout (checked for convergence)."""
    return (
        "a_level",
        "a_eps",
        "b_level",
        "b_eps",
        *_split_sites(layout),
        "killed_share",
        "eta",
        "beta",
        "delta_z",
        "noise",
        *(("named_ratio",) if layout.has_ratio else ()),
    )


def _walk(eps: Any, step_sd: Any) -> Any:
    import jax.numpy as jnp

    n = eps.shape[0]
    path = jnp.concatenate([jnp.zeros((n, 1)), jnp.cumsum(eps * step_sd, axis=1)], axis=1)
    return path - path.mean(axis=1, keepdims=True)


def joint_model(d: JointData, layout: JointLayout) -> None:
    """The joint NumPyro model of a battle's ``layout`` (see the module docstring)."""
    import functools
    import operator

    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from jax.scipy.special import log_ndtr

    from attrition.infer.fusion.model import log_diff_ndtr

    s = d.scalars
    n_weeks = d.change.shape[0]
    # two walks per side; "a" carries the phase change points
    # front-pinned side (Bakhmut: RU): a = logit of the battle's share, b = log front rate
    # other side (Bakhmut: UA): a = log battle rate, b = log rest-of-front rate
    pinned = layout.pinned
    a_loc = jnp.stack([s[16] if p else s[3] for p in pinned])
    a_sd = jnp.stack([s[17] if p else s[4] for p in pinned])
    b_loc = jnp.stack([s[18] if p else s[0] for p in pinned])
    b_sd = jnp.stack([s[19] if p else s[1] for p in pinned])
    n_sides = len(pinned)
    a_level = numpyro.sample("a_level", dist.Normal(a_loc, a_sd).to_event(1))
    b_level = numpyro.sample("b_level", dist.Normal(b_loc, b_sd).to_event(1))
    if n_weeks > 1:
        a_eps = numpyro.sample(
            "a_eps", dist.Normal(0.0, 1.0).expand([n_sides, n_weeks - 1]).to_event(2)
        )
        b_eps = numpyro.sample(
            "b_eps", dist.Normal(0.0, 1.0).expand([n_sides, n_weeks - 1]).to_event(2)
        )
        a_path = _walk(a_eps, jnp.sqrt(s[5] ** 2 + d.change[1:] * s[6] ** 2)[None, :])
        b_path = _walk(b_eps, s[2])
    else:
        a_path = b_path = jnp.zeros((n_sides, 1))
    a = a_level[:, None] + a_path
    b = b_level[:, None] + b_path
    cities, fronts = [], []
    for i, p in enumerate(pinned):
        if p:
            f_i = jnp.exp(b[i])
            c_i = f_i * jax.nn.sigmoid(a[i])
        else:
            c_i = jnp.exp(a[i])
            f_i = c_i + jnp.exp(b[i])
        cities.append(c_i)
        fronts.append(f_i)
    city = jnp.stack(cities)  # (2, K) the battle's daily casualties
    front = jnp.stack(fronts)  # the whole front's
    numpyro.deterministic("share", city / front)
    pis = {
        i: numpyro.sample(layout.pi_site(i), dist.Dirichlet(d.conc[j]))
        for j, i in enumerate(layout.split_sides)
    }
    omegas = {
        i: numpyro.sample(layout.omega_site(i), dist.Beta(d.omega_ab[j][0], d.omega_ab[j][1]))
        for j, i in enumerate(i for i in layout.split_sides if layout.remainder[i])
    }
    killed = numpyro.sample(
        "killed_share", dist.Beta(d.killed_ab[:, 0], d.killed_ab[:, 1]).to_event(1)
    )
    n_sectors = d.n_sectors.shape[0]
    eta = numpyro.sample("eta", dist.Beta(d.eta_ab[0], d.eta_ab[1]).expand([n_sectors]).to_event(1))

    # the trace keeps the former model's order of operations (bit-identical fits of Bakhmut):
    # each split side's rest of the front and its components' total share, then the leaves at
    # the battle, then the leaves on the whole front
    rests: dict[int, Any] = {}
    comps: dict[int, Any] = {}
    for i in pis:
        rests[i] = front[i] - city[i]
        if i in omegas:
            n_comp = len(layout.leaves[i]) - 1
            comps[i] = functools.reduce(operator.add, [pis[i][k] for k in range(n_comp)])
    city_parts: list[Any] = []
    for i in range(n_sides):
        if i in pis:
            city_parts.extend(city[i] * pis[i][k] for k in range(len(layout.leaves[i])))
        else:
            city_parts.append(city[i])
    comp_city = jnp.stack(city_parts)
    front_parts: list[Any] = []
    j = 0
    for i in range(n_sides):
        n_leaves = len(layout.leaves[i])
        if i not in pis:
            front_parts.append(front[i])
        elif i in omegas:  # the components take omega of the rest, the remainder the rest of it
            omega, rest, pi = omegas[i], rests[i], pis[i]
            front_parts.extend(
                comp_city[j + k] + omega * rest * pi[k] / comps[i] for k in range(n_leaves - 1)
            )
            front_parts.append(comp_city[j + n_leaves - 1] + (1.0 - omega) * rest)
        else:  # no remainder: the rest of the front splits like the battle
            front_parts.extend(comp_city[j + k] + rests[i] * pis[i][k] for k in range(n_leaves))
        j += n_leaves
    comp_front = jnp.stack(front_parts)
    numpyro.deterministic("comp_city", comp_city)
    numpyro.deterministic("comp_front", comp_front)
    sub = jnp.asarray(layout.subject_leaves, dtype=comp_city.dtype)  # (subjects, leaves)

    def basis(comp: Any) -> Any:
        cas = sub @ comp
        kil = sub @ (comp * killed[:, None])
        return jnp.stack([cas, kil, cas - kil], axis=1).reshape(-1, comp.shape[1])  # (3 x S, K)

    t_city = d.overlap @ basis(comp_city).T  # (n, 3 x subjects)
    t_front = d.overlap @ basis(comp_front).T

    def pick(t: Any) -> Any:
        amount = jnp.take_along_axis(t, d.basis[:, None], axis=1)[:, 0] / d.div
        ratio = t[:, 0] / t[:, 3]
        return jnp.where(d.ratio > 0, ratio, amount)

    truth_city = pick(t_city)
    truth_front = pick(t_front)
    e = eta[d.sector]
    truth_sector = truth_city + e * (truth_front - truth_city)

    # biases
    n_g = d.group_rel.shape[0]
    beta = numpyro.sample(
        "beta",
        dist.Normal(d.rel_prior[d.group_rel, 0], d.rel_prior[d.group_rel, 1]).to_event(1),
    )
    tau = s[13]
    delta_z = numpyro.sample("delta_z", dist.Normal(0.0, 1.0).expand([n_g, 4]).to_event(2))
    delta = tau * delta_z
    numpyro.deterministic("log_bias_group", beta[:, None] + delta)
    lb_claim = beta[d.gr] - d.ratio * beta[d.gr2] + delta[d.gr, d.metric]
    if layout.has_ratio:
        r = numpyro.sample("named_ratio", dist.Beta(d.named_ab[0], d.named_ab[1]))
        lb = jnp.where(d.role == 0, lb_claim, jnp.where(d.role == 1, jnp.log(r), 0.0))
    else:
        lb = jnp.where(d.role == 0, lb_claim, 0.0)

    n_claimants = d.n_claimants.shape[0]
    noise = numpyro.sample("noise", dist.HalfNormal(s[7]).expand([n_claimants]).to_event(1))
    sig_claim = jnp.sqrt(
        s[8] ** 2
        + noise[d.claimant] ** 2
        + d.about * s[9] ** 2
        + s[10] ** 2 / d.ndays
        + d.wide * s[11] ** 2
    )
    sigma = jnp.where(d.role == 0, sig_claim, jnp.where(d.role == 1, s[14], s[15]))

    def loglik(truth: Any) -> Any:
        mu = jnp.log(truth) + lb
        z_lo = (d.log_lo - mu) / sigma
        z_hi = (d.log_hi - mu) / sigma
        return jnp.where(
            d.kind == 0,
            -0.5 * z_lo**2 - jnp.log(sigma),
            jnp.where(
                d.kind == 1,
                log_ndtr(-z_lo),
                jnp.where(d.kind == 2, log_ndtr(z_hi), log_diff_ndtr(z_lo, z_hi)),
            ),
        )

    # what a claimant is expected to say (the posterior predictive check reads these)
    numpyro.deterministic(
        "obs_log_truth", jnp.log(jnp.stack([truth_city, truth_sector, truth_front]))
    )
    numpyro.deterministic("obs_log_bias", lb)
    numpyro.deterministic("obs_sigma", sigma)
    ll_city = loglik(truth_city)
    ll_front = loglik(truth_front)
    ll_sector = loglik(truth_sector)
    p = s[12]
    ll_mix = jnp.logaddexp(jnp.log(p) + ll_city, jnp.log1p(-p) + ll_front)
    ll = jnp.where(
        d.scope == 0,
        ll_city,
        jnp.where(d.scope == 1, ll_sector, jnp.where(d.scope == 2, ll_front, ll_mix)),
    )
    numpyro.factor("observations", jnp.sum(d.weight * ll))


def dense_sites(layout: JointLayout) -> tuple[str, ...]:
    """Sites adapted with one dense mass-matrix block: the levels, biases and shares whose
    products the evidence pins (front x bias of a claimant stream, front killed x named ratio,
    side x killed shares) lie on linear ridges in log space that a diagonal mass matrix walks
    slowly (measured on Bakhmut: NUTS tree sizes halved, 122 to 63 leapfrog steps, with this
    block; adding the random-walk steps to it made them worse)."""
    ratio = ("named_ratio",) if layout.has_ratio else ()
    return ("a_level", "b_level", "beta", *ratio, "killed_share", *_split_sites(layout))


_RUNNERS: dict[JointLayout, Any] = {}


def joint_runner(layout: JointLayout) -> Any:
    """The jitted sampler of a layout: NUTS on every chain at once (``vmap``), warm-up then
    draws; built once per layout shape (:meth:`JointLayout.canonical`) and process. Called as
    ``joint_runner(layout)(keys, data, warmup=, draws=, target_accept=, depth=)``; returns
    ``(values, diverging, num_steps)`` with leading ``(chain, draw)`` axes (values: the latent
    sites and the deterministic ``share``, ``comp_city``, ``comp_front``, ``log_bias_group``
    and, per observation, ``obs_log_truth`` (the log truth at the battle, its sector and the
    front), ``obs_log_bias`` and ``obs_sigma``)."""
    key = layout.canonical()  # names do not shape the program: one runner per shape
    if key in _RUNNERS:
        return _RUNNERS[key]
    from attrition.infer.nuts import nuts_runner

    run = nuts_runner(partial(joint_model, layout=key), dense_mass=[dense_sites(key)])
    _RUNNERS[key] = run
    return run
