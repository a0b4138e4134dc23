"""One jitted NUTS sampler for every NumPyro model of the package: all chains at once.

:func:`nuts_runner` compiles a model's sampler once: NUTS (NumPyro's ``hmc`` kernel) on every
chain at once (``vmap``), one ``lax.scan`` loop for warm-up then draws, initial points drawn
like NumPyro's ``init_to_uniform`` (uniform(-2, 2) in unconstrained space). Model data are
traced arguments, so fits whose data have the same shapes reuse one compiled program: results
depend only on the data values and the seed. The fog-of-war fusion
(:func:`attrition.infer.fusion.model.runner`) and the joint fusion
(:func:`attrition.infer.fusion.joint_model.joint_runner`) both use it.

JAX and NumPyro are imported when a runner is built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["nuts_runner"]


def nuts_runner(
    model: Callable[..., None], *, dense_mass: Sequence[tuple[str, ...]] | bool = False
) -> Any:
    """The jitted sampler of ``model`` (a NumPyro model taking one data argument).

    ``dense_mass``: NumPyro's option (``False``: diagonal mass matrix; a list of site-name
    tuples: a dense block for each). Call the result as ``run(keys, data, warmup=, draws=,
    target_accept=, depth=)`` with one PRNG key per chain; it returns ``(values, diverging,
    num_steps)`` with leading ``(chain, draw)`` axes, ``values`` holding the latent sites and
    the deterministic ones in constrained space. Callers keep the runner (building it again
    compiles again)."""
    from functools import partial

    import jax
    from numpyro.distributions.transforms import biject_to
    from numpyro.handlers import seed, trace
    from numpyro.infer.hmc import hmc
    from numpyro.infer.util import constrain_fn, potential_energy

    def potential_gen(data: Any) -> Any:
        return partial(potential_energy, model, (data,), {})

    init_kernel, sample_kernel = hmc(potential_fn_gen=potential_gen, algo="NUTS")
    mass: Any = list(dense_mass) if not isinstance(dense_mass, bool) else dense_mass

    @partial(jax.jit, static_argnames=("warmup", "draws", "target_accept", "depth"))
    def run(
        keys: Any, data: Any, *, warmup: int, draws: int, target_accept: float, depth: int
    ) -> Any:
        def one_chain(key: Any) -> Any:
            k_init, k_run = jax.random.split(key)
            sites = trace(seed(model, 0)).get_trace(data)
            latent = [  # shapes in unconstrained space (a Dirichlet's has one entry less)
                (name, biject_to(site["fn"].support).inv(site["value"]).shape)
                for name, site in sites.items()
                if site["type"] == "sample" and not site["is_observed"]
            ]
            init_keys = jax.random.split(k_init, len(latent))
            z0 = {
                name: jax.random.uniform(k, shape, minval=-2.0, maxval=2.0)
                for (name, shape), k in zip(latent, init_keys, strict=True)
            }
            state = init_kernel(
                z0,
                num_warmup=warmup,
                target_accept_prob=target_accept,
                max_tree_depth=depth,
                dense_mass=mass,
                model_args=(data,),
                rng_key=k_run,
            )

            def step(st: Any, _: Any) -> Any:
                st = sample_kernel(st, model_args=(data,))
                return st, (st.z, st.diverging, st.num_steps)

            # one loop for warm-up and draws (one copy of NUTS to compile); the kernel adapts
            # step size and mass matrix during its first ``warmup`` iterations
            _, trail = jax.lax.scan(step, state, None, length=warmup + draws)
            zs, diverging, steps = jax.tree.map(lambda x: x[warmup:], trail)
            values = jax.vmap(
                lambda z: constrain_fn(model, (data,), {}, z, return_deterministic=True)
            )(zs)
            return values, diverging, steps

        return jax.vmap(one_chain)(keys)

    return run
