"""The estimator :class:`FogOfWar` (scikit-learn style: hyperparameters, ``fit``, results
ending in ``_``)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError, unknown_name
from attrition.infer.fusion.claims import PreparedClaims, check_usable_claims, prepare_claims
from attrition.infer.fusion.encode import Encoded, encode
from attrition.infer.fusion.memory import check_fit_memory
from attrition.infer.fusion.model import latent_sites, runner
from attrition.infer.fusion.priors import FogPriors
from attrition.infer.fusion.sides import BattleLike, FusionSides, battle_sides
from attrition.infer.fusion.streams import check_streams_known, stream_observations
from attrition.infer.fusion.summary import Q, quantiles, summarise

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from attrition.infer.diagnostics import Convergence

__all__ = ["FogOfWar"]


@dataclass
class FogOfWar:
    """Fuse contradictory casualty claims into a Bayesian estimate (scikit-learn style).

    Hyperparameters are set here; :meth:`fit` returns ``self``; fitted values end in ``_``.

    ``window``: ``(start, end)`` ISO dates, default derived from the phases and the kept claims
    (see :func:`prepare_claims`). ``cutoff``: use only claims known by this date; it is applied
    before anything else, so later claims cannot change the result. ``streams``: external
    all-front streams (``genstaff``, ``named-dead``, ``oryx``), off by default. ``draws`` and
    ``warmup`` per chain (``warmup`` defaults to ``draws``), ``chains`` run one after another
    on the CPU, ``seed`` fixes everything (same seed, same data: same bytes). ``priors``: a
    :class:`FogPriors`. ``change_points``: let the rate jump at each phase start.
    ``warn``: turn poor convergence into a :class:`~attrition.infer.diagnostics.ConvergenceWarning`.
    ``ppc_alpha``: tail probability under which the posterior predictive check flags a claim.
    ``battle``: the battle whose sides, components and claimant groups the claims use (a
    :class:`~attrition.data.battle.BattleSpec`, a packaged name or a folder path; default: the
    battle the claims table names in ``attrs["battle"]``, else
    :data:`~attrition.infer.fusion.DEFAULT_BATTLE`); see :func:`battle_sides`.

    Fitted attributes: ``sides_`` (:class:`FusionSides`), ``window_``, ``prepared_``
    (:class:`PreparedClaims`), ``observations_`` (the observations the model read, claims then
    stream rows), ``samples_`` (dict of arrays with leading ``(chain, draw)`` axes), ``draws_``
    (per side and component: casualties, killed, wounded draws), ``totals_`` (side x quantity
    quantiles), ``daily_`` (daily casualty rate quantiles per side), ``exchange_ratio_``,
    ``bias_`` (per claimant and subject), ``groups_`` (per claimant side and relation),
    ``diagnostics_`` (:class:`~attrition.infer.diagnostics.Convergence`), ``ppc_`` (per claim:
    predicted range, fused truth of the same quantity, tail probability, implausible flag),
    ``fit_seconds_``.
    """

    window: tuple[str | dt.date, str | dt.date] | None = None
    cutoff: str | dt.date | None = None
    streams: Sequence[str] = ()
    draws: int = 500
    warmup: int | None = None
    chains: int = 4
    seed: int = 0
    priors: FogPriors = field(default_factory=FogPriors)
    change_points: bool = True
    target_accept: float = 0.9
    max_tree_depth: int = 8
    warn: bool = True
    ppc_alpha: float = 0.05
    battle: BattleLike = None

    def _check_params(self) -> None:
        for name in ("draws", "chains"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise UserError(f"FogOfWar: {name} = {v!r} must be a whole number >= 1")
        if self.warmup is not None and (not isinstance(self.warmup, int) or self.warmup < 1):
            raise UserError(f"FogOfWar: warmup = {self.warmup!r} must be a whole number >= 1")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise UserError(f"FogOfWar: seed = {self.seed!r} must be a whole number >= 0")
        if not 0.5 <= self.target_accept < 1:
            raise UserError(f"FogOfWar: target_accept = {self.target_accept!r} must be in [0.5, 1)")
        if not 0 < self.ppc_alpha < 0.5:
            raise UserError(f"FogOfWar: ppc_alpha = {self.ppc_alpha!r} must be in (0, 0.5)")
        if isinstance(self.streams, str):
            raise UserError("FogOfWar: streams must be a list of names, e.g. ['genstaff']")

    def fit(
        self,
        claims: pd.DataFrame,
        phases: pd.DataFrame | None = None,
        *,
        weights: Sequence[float] | None = None,
        stream_table: pd.DataFrame | None = None,
    ) -> FogOfWar:
        """Fit the model to ``claims`` (a table in the claims schema); returns ``self``.

        ``phases`` (columns ``start``, ``end``) sets the default window and the change points.
        ``weights`` (one per used claim, in the order of ``prepared_.used``) scales each claim's
        log-likelihood; 0 leaves a claim out while keeping the compiled program (used by the
        leave-one-claimant-out study). ``stream_table`` replaces the packaged streams (tests).
        Before sampling, the memory the draws need is checked against the limit
        (:func:`check_fit_memory`): a request too large raises :class:`UserError`.
        """
        self._check_params()
        check_streams_known(self.streams, self.cutoff)
        t0 = time.perf_counter()
        sides = battle_sides(self.battle, claims)
        prepared = prepare_claims(claims, self.window, self.cutoff, phases, battle=sides)
        if not self.change_points:
            prepared = replace(prepared, change_points=())
        used = prepared.used
        check_usable_claims(prepared, sides, warn=True)
        if weights is not None and len(weights) != len(used):
            raise UserError(
                f"weights: {len(weights)} given for {len(used)} used claims; give one per "
                "used claim"
            )
        stream_rows = None
        if self.streams:
            stream_rows = stream_observations(
                list(self.streams), prepared.window, stream_table, battle=sides
            )
        enc = encode(prepared, self.priors, stream_rows, weights)
        check_fit_memory(enc.n_days, len(enc.obs), self.draws, self.chains)
        samples, diverging = self._sample(enc)
        self._finish(prepared, enc, samples, diverging)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    # -- sampling -----------------------------------------------------------------------------

    def _sample(self, enc: Encoded) -> tuple[dict[str, np.ndarray], np.ndarray]:
        import jax
        import numpy as np

        warmup = self.warmup if self.warmup is not None else self.draws
        data = jax.tree.map(jax.numpy.asarray, enc.data)
        keys = jax.random.split(jax.random.PRNGKey(self.seed), self.chains)
        values, diverging, steps = runner(enc.layout)(
            keys,
            data,
            warmup=warmup,
            draws=self.draws,
            target_accept=float(self.target_accept),
            depth=int(self.max_tree_depth),
        )
        samples = {k: np.asarray(v) for k, v in values.items()}
        self.num_steps_ = np.asarray(steps)
        return samples, np.asarray(diverging)

    # -- results ------------------------------------------------------------------------------

    def _finish(
        self,
        prepared: PreparedClaims,
        enc: Encoded,
        samples: dict[str, np.ndarray],
        diverging: np.ndarray,
    ) -> None:
        import numpy as np
        import pandas as pd

        from attrition.infer.diagnostics import convergence, posterior_predictive_check

        sides = enc.sides
        self.sides_: FusionSides = sides
        self.prepared_ = prepared
        self.window_ = prepared.window
        self.observations_ = enc.obs
        self.samples_ = samples
        self.encoded_ = enc
        chains, draws = samples["level"].shape[:2]

        def flat(x: np.ndarray) -> np.ndarray:
            return x.reshape((chains * draws, *x.shape[2:]))

        log_rate = flat(samples["log_rate"])  # (N, S, K)
        daily = np.exp(log_rate.astype(np.float64))[:, :, enc.week_of_day]  # (N, S, T)
        cas = daily.sum(axis=2)  # (N, S)
        killed_share = flat(samples["killed_share"]).astype(np.float64)
        per_side: dict[str, dict[str, np.ndarray]] = {}
        for i, side in enumerate(sides.sides):
            per_side[side] = {
                "casualties": cas[:, i],
                "killed": cas[:, i] * killed_share[:, i],
                "wounded": cas[:, i] * (1 - killed_share[:, i]),
            }
        for (site, _), comp in zip(enc.layout.components, enc.components, strict=True):
            w = flat(samples[site]).astype(np.float64)
            per_side[comp] = {k: v * w for k, v in per_side[sides.side_of(comp)].items()}
        self.draws_ = per_side
        if sides.ratio_sides is not None:
            self.exchange_ratio_: dict[str, float] | None = quantiles(cas[:, 0] / cas[:, 1])
        else:
            self.exchange_ratio_ = None
        rows = []
        for side, qs in per_side.items():
            for qname, x in qs.items():
                rows.append({"side": side, "quantity": qname, **quantiles(x)})
        self.totals_ = pd.DataFrame(rows, columns=["side", "quantity", "median", "q05", "q95"])
        days = [enc.start + dt.timedelta(days=int(t)) for t in range(enc.n_days)]
        drows = []
        for i, side in enumerate(sides.sides):
            q05, q50, q95 = np.quantile(daily[:, i, :], Q, axis=0)
            for t, day in enumerate(days):
                drows.append(
                    {"date": day, "side": side, "median": q50[t], "q05": q05[t], "q95": q95[t]}
                )
        self.daily_ = pd.DataFrame(drows, columns=["date", "side", "median", "q05", "q95"])

        log_bias = flat(samples["log_bias"]).astype(np.float64)
        brows = []
        for j, ((c, subj), rel) in enumerate(zip(enc.pairs, enc.pair_relations, strict=True)):
            n_c = int(((enc.obs["claimant"] == c) & (enc.obs["subject"] == subj)).sum())
            n_c += int(((enc.obs["claimant"] == c) & (enc.obs["metric"] == "casualty_ratio")).sum())
            brows.append(
                {
                    "claimant": c,
                    "claimant_side": enc.claimant_sides[enc.claimants.index(c)],
                    "subject": subj,
                    "relation": rel,
                    "n_obs": n_c,
                    **quantiles(np.exp(log_bias[:, j])),
                }
            )
        self.bias_ = pd.DataFrame(brows)
        mu_g = flat(samples["bias_group"]).astype(np.float64)
        grows = [
            {"claimant_side": g, "relation": rel, **quantiles(np.exp(mu_g[:, k]))}
            for k, (g, rel) in enumerate(enc.groups)
        ]
        self.groups_ = pd.DataFrame(grows)
        noise = flat(samples["noise"]).astype(np.float64)
        self.noise_ = pd.DataFrame(
            [{"claimant": c, **quantiles(noise[:, k])} for k, c in enumerate(enc.claimants)]
        )
        latent = {k: samples[k] for k in latent_sites(enc.layout) if k in samples}
        self.diagnostics_: Convergence = convergence(latent, diverging, warn=self.warn)
        self.diagnostics_diverging_ = np.asarray(diverging)
        self.ppc_ = posterior_predictive_check(
            enc.obs,
            flat(samples["mu"]),
            flat(samples["sigma"]),
            flat(samples["truth"]),
            alpha=self.ppc_alpha,
            seed=self.seed,
        )
        self.fitted_ = True

    def total(self, side: str, quantity: str = "casualties") -> dict[str, float]:
        """``{median, q05, q95}`` of a side's (or, where estimated, a component's) total over
        the window: ``casualties``, ``killed`` or ``wounded``."""
        self._require_fitted()
        if side not in self.draws_:
            raise unknown_name("side", side, self.draws_)
        if quantity not in self.draws_[side]:
            raise unknown_name("quantity", quantity, self.draws_[side])
        return quantiles(self.draws_[side][quantity])

    def to_frame(self) -> pd.DataFrame:
        """The totals as a tidy table: one row per side (or component) and quantity, with the
        median and the 90% interval (``side, quantity, median, q05, q95``)."""
        self._require_fitted()
        return self.totals_.copy()

    def daily_frame(self) -> pd.DataFrame:
        """The daily casualty rate as a tidy table (``date, side, median, q05, q95``)."""
        self._require_fitted()
        return self.daily_.copy()

    def share_draws(self, component: str) -> np.ndarray:
        """Posterior draws (flat) of a component's share of its side's casualties; unknown or
        unestimated components raise :class:`UserError`."""
        self._require_fitted()
        import numpy as np

        sites = dict(zip(self.encoded_.components, self.encoded_.layout.components, strict=True))
        if component not in sites:
            raise unknown_name("component", component, sites or ["(none estimated)"])
        x = self.samples_[sites[component][0]]
        return np.asarray(x, dtype=np.float64).reshape(-1)

    def daily_draws(self) -> tuple[list[dt.date], np.ndarray]:
        """Posterior draws of the daily casualty rate: dates and an array (draw, day, side)
        with sides in the order of ``sides_.sides`` (alphabetical ids)."""
        self._require_fitted()
        import numpy as np

        lr = self.samples_["log_rate"]
        lr = lr.reshape(-1, *lr.shape[2:]).astype(np.float64)
        daily = np.exp(lr)[:, :, self.encoded_.week_of_day].transpose(0, 2, 1)
        start = self.encoded_.start
        return [start + dt.timedelta(days=t) for t in range(self.encoded_.n_days)], daily

    def to_inference_data(self, attrs: dict[str, Any] | None = None) -> Any:
        """The posterior as ArviZ ``InferenceData`` (what ``attrition estimate --out`` writes
        as ``posterior.nc``; :func:`attrition.infer.posterior.write_netcdf`).

        The ``posterior`` group holds every sampled and deterministic site with named
        dimensions (``side``, ``step`` (the model's weeks), ``pair`` (claimant -> subject),
        ``group`` (claimant side / relation), ``claimant``, ``observation`` (claim or stream
        ids)) and the totals over the window, ``casualties``, ``killed`` and ``wounded``, per
        ``subject`` (each side, then each estimated component). ``sample_stats`` holds
        ``diverging``. ``attrs`` (e.g. seed, version, input hashes) go on every group, with
        the seed, draws and chains."""
        import numpy as np

        from attrition.infer.posterior import inference_data

        self._require_fitted()
        enc = self.encoded_
        s = self.samples_
        chains, draws = s["level"].shape[:2]
        n_steps = s["log_rate"].shape[-1]
        dims: dict[str, list[str]] = {
            "level": ["side"],
            "eps": ["side", "step_change"],
            "log_rate": ["side", "step"],
            "killed_share": ["side"],
            "log_bias": ["pair"],
            "bias_z": ["pair"],
            "bias_group": ["group"],
            "noise": ["claimant"],
            "mu": ["observation"],
            "sigma": ["observation"],
            "truth": ["observation"],
        }
        subjects = list(self.draws_)
        posterior: dict[str, np.ndarray] = {k: np.asarray(v) for k, v in s.items()}
        for q in ("casualties", "killed", "wounded"):
            x = np.stack([self.draws_[subj][q] for subj in subjects], axis=-1)
            posterior[q] = x.reshape(chains, draws, len(subjects))
            dims[q] = ["subject"]
        coords: dict[str, list[Any]] = {
            "side": list(self.sides_.sides),
            "step": list(range(n_steps)),
            "step_change": list(range(1, n_steps)),
            "pair": [f"{c} -> {subj}" for c, subj in enc.pairs],
            "group": [f"{g} / {rel}" for g, rel in enc.groups],
            "claimant": list(enc.claimants),
            "observation": [str(x) for x in enc.obs["id"]],
            "subject": subjects,
        }
        meta: dict[str, Any] = {"seed": int(self.seed), "draws": draws, "chains": chains}
        meta.update(attrs or {})
        stats = {"diverging": np.asarray(self.diagnostics_diverging_)}
        return inference_data(posterior, dims=dims, coords=coords, sample_stats=stats, attrs=meta)

    def _require_fitted(self) -> None:
        if not getattr(self, "fitted_", False):
            raise UserError("FogOfWar is not fitted yet; call fit() first")

    def summary(self) -> dict[str, Any]:
        """The results as the JSON object of ``attrition estimate --json``
        (:func:`~attrition.infer.fusion.summarise`)."""
        self._require_fitted()
        return summarise(self)
