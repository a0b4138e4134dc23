"""The NumPyro model of the joint fusion (Bakhmut inside the war) and its jitted NUTS sampler.

Latent quantities (daily rates, constant over steps of ``step_days`` days, 14 by default; two
sides in the order RU, UA):

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
* Russia's casualties at Bakhmut split among Wagner convicts, Wagner contract fighters and
  regular forces (``pi``, Dirichlet); outside Bakhmut a share ``omega`` is Wagner (split like
  at Bakhmut), the rest regulars;
* a killed share per component (convicts, contract, regulars, Ukraine): killed and wounded of
  any total are sums over components, so a component's claim observes that component and a
  side's claim the sum.

An observation (a claim or a stream month) observes, over its period, the total of one subject
(RU, UA, BOTH, WAGNER, WAGNER_CONVICTS, WAGNER_CONTRACT, RU_REGULAR) and metric (casualties,
killed, wounded; or the RU/UA casualty ratio) **at its scope**: ``city`` (Bakhmut), ``front``
(whole front), ``sector`` (Bakhmut plus a latent fraction ``eta`` of the rest of the front, one
per named sector: Bakhmut <= sector <= front) or ``unspecified`` (a two-part mixture: Bakhmut
with probability ``p_city``, else the front). Its log location is the log truth plus a log
bias; its noise is log-normal (point, censored and interval figures as in the default fusion).

Bias (``role`` 0): ``beta[group, relation] + delta[group, relation, metric]``. Every group,
Western and independent ones included, has a ``beta`` with the relation's prior
(:mod:`.joint_priors`); ``delta`` (metric level: casualties, killed, wounded, ratio) is pooled
towards the group's ``beta`` with a fixed sd (``metric_sd``; a learned scale over so few groups
mixed slowly: R-hat 1.03 at 300 draws). A claimant-level bias within its group is left out:
most claimants make one claim, so it is not identified beside their noise, and it slowed NUTS.
A ratio's bias is the difference of the claimant's biases about the two sides plus its ratio
``delta``. Named Russian dead (``role`` 1) observe ``r * killed_front`` with ``r`` the
named-to-actual ratio (Beta prior < 1, so the front's killed stay above the named dead); named
Ukrainian dead (``role`` 2) are a soft lower bound.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = [
    "BASIS_METRICS",
    "BASIS_SUBJECTS",
    "JointData",
    "joint_latent_sites",
    "joint_model",
    "joint_runner",
]

BASIS_SUBJECTS: tuple[str, ...] = (
    "RU",
    "UA",
    "BOTH",
    "WAGNER",
    "WAGNER_CONVICTS",
    "WAGNER_CONTRACT",
    "RU_REGULAR",
)
"""The subjects an observation may speak of, in the model's order."""

BASIS_METRICS: tuple[str, ...] = ("casualties", "killed", "wounded")
"""Metrics of the basis series (a ratio uses RU and UA casualties)."""

COMPONENT_ORDER: tuple[str, ...] = ("WAGNER_CONVICTS", "WAGNER_CONTRACT", "RU_REGULAR", "UA")
"""The four components the latent casualties are made of (three Russian, one Ukrainian)."""

# which components each subject sums (rows: BASIS_SUBJECTS, columns: COMPONENT_ORDER)
SUBJECT_COMPONENTS: tuple[tuple[float, ...], ...] = (
    (1, 1, 1, 0),
    (0, 0, 0, 1),
    (1, 1, 1, 1),
    (1, 1, 0, 0),
    (1, 0, 0, 0),
    (0, 1, 0, 0),
    (0, 0, 1, 0),
)


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
    killed_ab: Any  # (4, 2) Beta shapes per component
    conc: Any  # (3,) Dirichlet concentration
    omega_ab: Any  # (2,)
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


def joint_latent_sites() -> tuple[str, ...]:
    """The latent sample sites (checked for convergence)."""
    return (
        "a_level",
        "a_eps",
        "b_level",
        "b_eps",
        "pi",
        "omega",
        "killed_share",
        "eta",
        "beta",
        "delta_z",
        "noise",
        "named_ratio",
    )


def _walk(eps: Any, step_sd: Any) -> Any:
    import jax.numpy as jnp

    n = eps.shape[0]
    path = jnp.concatenate([jnp.zeros((n, 1)), jnp.cumsum(eps * step_sd, axis=1)], axis=1)
    return path - path.mean(axis=1, keepdims=True)


def joint_model(d: JointData) -> None:
    """The joint NumPyro model (see the module docstring)."""
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from jax.scipy.special import log_ndtr

    from attrition.infer.fusion.model import log_diff_ndtr

    s = d.scalars
    n_weeks = d.change.shape[0]
    # two walks per side; "a" carries the phase change points
    # RU: a = logit of Bakhmut's share, b = log front rate (pinned by the streams)
    # UA: a = log Bakhmut rate, b = log rest-of-front rate (only Bakhmut claims speak of it)
    a_loc = jnp.stack([s[16], s[3]])
    a_sd = jnp.stack([s[17], s[4]])
    b_loc = jnp.stack([s[18], s[0]])
    b_sd = jnp.stack([s[19], s[1]])
    a_level = numpyro.sample("a_level", dist.Normal(a_loc, a_sd).to_event(1))
    b_level = numpyro.sample("b_level", dist.Normal(b_loc, b_sd).to_event(1))
    if n_weeks > 1:
        a_eps = numpyro.sample("a_eps", dist.Normal(0.0, 1.0).expand([2, n_weeks - 1]).to_event(2))
        b_eps = numpyro.sample("b_eps", dist.Normal(0.0, 1.0).expand([2, n_weeks - 1]).to_event(2))
        a_path = _walk(a_eps, jnp.sqrt(s[5] ** 2 + d.change[1:] * s[6] ** 2)[None, :])
        b_path = _walk(b_eps, s[2])
    else:
        a_path = b_path = jnp.zeros((2, 1))
    a = a_level[:, None] + a_path
    b = b_level[:, None] + b_path
    front_ru = jnp.exp(b[0])
    city_ru = front_ru * jax.nn.sigmoid(a[0])
    city_ua = jnp.exp(a[1])
    front_ua = city_ua + jnp.exp(b[1])
    city = jnp.stack([city_ru, city_ua])  # (2, K) Bakhmut's daily casualties
    front = jnp.stack([front_ru, front_ua])  # the whole front's
    numpyro.deterministic("share", city / front)
    pi = numpyro.sample("pi", dist.Dirichlet(d.conc))
    omega = numpyro.sample("omega", dist.Beta(d.omega_ab[0], d.omega_ab[1]))
    killed = numpyro.sample(
        "killed_share", dist.Beta(d.killed_ab[:, 0], d.killed_ab[:, 1]).to_event(1)
    )
    n_sectors = d.n_sectors.shape[0]
    eta = numpyro.sample("eta", dist.Beta(d.eta_ab[0], d.eta_ab[1]).expand([n_sectors]).to_event(1))

    rest = front[0] - city[0]
    wag = pi[0] + pi[1]
    comp_city = jnp.stack([city[0] * pi[0], city[0] * pi[1], city[0] * pi[2], city[1]])
    comp_front = jnp.stack(
        [
            comp_city[0] + omega * rest * pi[0] / wag,
            comp_city[1] + omega * rest * pi[1] / wag,
            comp_city[2] + (1.0 - omega) * rest,
            front[1],
        ]
    )
    numpyro.deterministic("comp_city", comp_city)
    numpyro.deterministic("comp_front", comp_front)
    sub = jnp.asarray(SUBJECT_COMPONENTS, dtype=comp_city.dtype)  # (7, 4)

    def basis(comp: Any) -> Any:
        cas = sub @ comp
        kil = sub @ (comp * killed[:, None])
        return jnp.stack([cas, kil, cas - kil], axis=1).reshape(-1, comp.shape[1])  # (21, K)

    t_city = d.overlap @ basis(comp_city).T  # (n, 21)
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
    r = numpyro.sample("named_ratio", dist.Beta(d.named_ab[0], d.named_ab[1]))
    lb = jnp.where(d.role == 0, lb_claim, jnp.where(d.role == 1, jnp.log(r), 0.0))

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


DENSE_SITES: tuple[str, ...] = (
    "a_level",
    "b_level",
    "beta",
    "named_ratio",
    "killed_share",
    "pi",
    "omega",
)
"""Sites adapted with one dense mass-matrix block: the levels, biases and shares whose products
the evidence pins (front x bias of the General Staff, front killed x named ratio, side x
killed shares) lie on linear ridges in log space that a diagonal mass matrix walks slowly
(measured on Bakhmut: NUTS tree sizes halved, 122 to 63 leapfrog steps, with this block;
adding the random-walk steps to it made them worse)."""

_RUNNER: list[Any] = []


def joint_runner() -> Any:
    """The jitted sampler: NUTS on every chain at once (``vmap``), warm-up then draws; built
    once per process. Called as ``joint_runner()(keys, data, warmup=, draws=, target_accept=,
    depth=)``; returns ``(values, diverging, num_steps)`` with leading ``(chain, draw)`` axes
    (values: the latent sites and the deterministic ``share``, ``comp_city``, ``comp_front``
    and ``log_bias_group``)."""
    if _RUNNER:
        return _RUNNER[0]
    from attrition.infer.nuts import nuts_runner

    run = nuts_runner(joint_model, dense_mass=[DENSE_SITES])
    _RUNNER.append(run)
    return run
