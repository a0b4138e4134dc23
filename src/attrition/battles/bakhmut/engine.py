"""Engines of the Bakhmut model: the deterministic daily map and the chain-binomial daily step.

Both run in one compiled Numba kernel over a batch of parameter sets; the binomial step draws
from :mod:`attrition.simulate.rng` (run ``i`` seeded by ``SeedSequence(seed, spawn_key=(1, i))``),
so a chunked ensemble gives the same bytes as a whole one.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.battles.bakhmut.axes import (
    COMPONENTS,
    DAYS,
    FALL_FRACTION,
    FRONTS,
    PHASE_GROUP,
    date_of,
)
from attrition.battles.bakhmut.geometry import (
    Geography,
    city_fraction,
)
from attrition.battles.bakhmut.model import (
    BakhmutModel,
    Prepared,
    field,
)
from attrition.errors import UserError, unknown_name
from attrition.simulate.rng import binomial, poisson, seed_run

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

#: The daily series of :meth:`BakhmutRuns.summary_frame` (``quantity``, ``side``, ``unit``), in
#: order; ``side`` is a component (WC, WP, RR, UA), a side (RU, UA) or ``None`` (missing in
#: the frame).
RUN_SERIES: tuple[tuple[str, str | None, str], ...] = (
    *(("strength", c, "personnel") for c in COMPONENTS),
    *(("losses", c, "casualties") for c in COMPONENTS),
    ("casualties", "RU", "casualties"),
    ("casualties", "UA", "casualties"),
    *((f"front_{f.lower()}_km", None, "km") for f in FRONTS),
    ("city_control", None, "fraction"),
    ("recruited", None, "personnel"),
    ("arrived_wp", None, "personnel"),
)


@dataclass(frozen=True)
class BakhmutRuns:
    """Daily results of an ensemble (leading axis: runs; time axis: day 0 .. days).

    Attributes:
        strength: (n, days + 1, 4) strength of each component.
        losses: (n, days + 1, 4) cumulative combat losses of each component.
        fronts: (n, days + 1, 3) radius of each front (N, E, S), km.
        recruited: (n, days + 1) cumulative convicts recruited (arrivals after day 0).
        arrived_wp: (n, days + 1) cumulative Wagner professionals arrived after day 0.
        seed: seed of a stochastic run (``None`` for deterministic).
        method: engine used.
        geography: the ring geometry the fronts are measured in (the model's).
    """

    strength: np.ndarray
    losses: np.ndarray
    fronts: np.ndarray
    recruited: np.ndarray
    arrived_wp: np.ndarray
    seed: int | None
    method: str
    geography: Geography

    @property
    def n(self) -> int:
        """Number of runs."""
        return int(self.strength.shape[0])

    @functools.cached_property
    def side_losses(self) -> np.ndarray:
        """(n, days + 1, 2) cumulative casualties of Russia (all components) and Ukraine."""
        ru = self.losses[..., :3].sum(axis=-1)
        return np.stack([ru, self.losses[..., 3]], axis=-1)

    @property
    def daily_losses(self) -> np.ndarray:
        """(n, days, 2) casualties per day, Russia and Ukraine."""
        return np.diff(self.side_losses, axis=1)

    @functools.cached_property
    def city(self) -> np.ndarray:
        """(n, days + 1) share of the city held by Russia."""
        return np.asarray(city_fraction(self.fronts[..., 1], self.geography))

    def fall_day(self, threshold: float = FALL_FRACTION) -> np.ndarray:
        """Day the city-control fraction first reaches ``threshold`` (``inf`` if never)."""
        hit = self.city >= threshold
        first: np.ndarray = np.argmax(hit, axis=1).astype(float)
        first[~hit.any(axis=1)] = np.inf
        return first

    def series(self, quantity: str, side: str | None = None) -> np.ndarray:
        """(n, days + 1) values of one daily series of :data:`RUN_SERIES`: ``strength`` or
        ``losses`` of a component (``side`` WC, WP, RR or UA; losses cumulative),
        ``casualties`` of a side (RU or UA, cumulative), ``front_n_km``, ``front_e_km``,
        ``front_s_km``, ``city_control`` (share held by Russia), ``recruited``, ``arrived_wp``."""
        if quantity in ("strength", "losses"):
            if side not in COMPONENTS:
                raise unknown_name("component", str(side), COMPONENTS)
            arr = self.strength if quantity == "strength" else self.losses
            return np.asarray(arr[..., COMPONENTS.index(side)])
        if quantity == "casualties":
            if side not in ("RU", "UA"):
                raise unknown_name("side", str(side), ("RU", "UA"))
            return np.asarray(self.side_losses[..., ("RU", "UA").index(side)])
        fronts = {f"front_{f.lower()}_km": k for k, f in enumerate(FRONTS)}
        if quantity in fronts:
            return np.asarray(self.fronts[..., fronts[quantity]])
        other = {"city_control": self.city, "recruited": self.recruited,
                 "arrived_wp": self.arrived_wp}  # fmt: skip
        if quantity not in other:
            raise unknown_name("quantity", quantity, sorted({q for q, _, _ in RUN_SERIES}))
        return np.asarray(other[quantity])

    def to_frame(self) -> pd.DataFrame:
        """Every run's daily state as a tidy table, one row per (run, day).

        Columns: ``run``, ``day`` (int64, 0 = 1 August 2022), ``date`` (ISO), then one float64
        column per series of :data:`RUN_SERIES` (``strength_WC`` .. ``strength_UA``,
        ``losses_WC`` .. ``losses_UA``, ``casualties_RU``, ``casualties_UA``, ``front_n_km``,
        ``front_e_km``, ``front_s_km``, ``city_control``, ``recruited``, ``arrived_wp``). Rows
        are run-major. ``n × (days + 1)`` rows of 21 columns: about 5 kB a run.
        """
        import pandas as pd

        n, t = self.strength.shape[:2]
        days = np.arange(t, dtype=np.int64)
        cols: dict[str, Any] = {
            "run": np.repeat(np.arange(n, dtype=np.int64), t),
            "day": np.tile(days, n),
            "date": np.tile(np.array([date_of(int(d)).isoformat() for d in days]), n),
        }
        for quantity, side, _ in RUN_SERIES:
            name = quantity if side is None else f"{quantity}_{side}"
            cols[name] = self.series(quantity, side).astype(np.float64).reshape(-1)
        return pd.DataFrame(cols)

    def summary_frame(self, quantities: tuple[str, ...] | None = None) -> pd.DataFrame:
        """The ensemble's daily median and 90% interval, one row per (series, day).

        Columns: ``quantity``, ``side`` (see :data:`RUN_SERIES`), ``unit``, ``day`` (int64),
        ``date`` (ISO), ``median``, ``q05``, ``q95`` (float64, across runs, by
        :func:`attrition.infer.quantiles.quantiles`). ``quantities`` keeps only those series
        (default: all), in the order of :data:`RUN_SERIES`.
        """
        import pandas as pd

        from attrition.infer.quantiles import quantiles

        if quantities is not None:
            known = {q for q, _, _ in RUN_SERIES}
            for q in quantities:
                if q not in known:
                    raise unknown_name("quantity", q, sorted(known))
        t = self.strength.shape[1]
        dates = [date_of(d).isoformat() for d in range(t)]
        rows = []
        for quantity, side, unit in RUN_SERIES:
            if quantities is not None and quantity not in quantities:
                continue
            values = self.series(quantity, side)
            for d in range(t):
                rows.append({"quantity": quantity, "side": side, "unit": unit, "day": d,
                             "date": dates[d], **quantiles(values[:, d])})  # fmt: skip
        cols = ["quantity", "side", "unit", "day", "date", "median", "q05", "q95"]
        df = pd.DataFrame(rows, columns=cols)
        df["day"] = df["day"].astype(np.int64)
        return df

    def to_xarray(self) -> xr.Dataset:
        """As an ``xarray.Dataset`` on dimensions ``run``, ``day`` (0 = 1 August 2022, with a
        ``date`` coordinate), ``component`` (WC, WP, RR, UA), ``side`` (RU, UA) and ``front``
        (N, E, S).

        Variables: ``strength`` and ``losses`` (cumulative) on (run, day, component),
        ``casualties`` (cumulative) on (run, day, side), ``front_km`` on (run, day, front),
        ``city_control``, ``recruited`` and ``arrived_wp`` on (run, day); each has a ``units``
        attribute. Attributes: ``method`` and, for a stochastic run, ``seed``.
        """
        import xarray as xr

        t = self.strength.shape[1]
        dd = ("run", "day")
        data: dict[str, Any] = {
            "strength": ((*dd, "component"), self.strength, {"units": "personnel"}),
            "losses": ((*dd, "component"), self.losses, {"units": "casualties"}),
            "casualties": ((*dd, "side"), self.side_losses, {"units": "casualties"}),
            "front_km": ((*dd, "front"), self.fronts, {"units": "km"}),
            "city_control": (dd, self.city, {"units": "fraction"}),
            "recruited": (dd, self.recruited, {"units": "personnel"}),
            "arrived_wp": (dd, self.arrived_wp, {"units": "personnel"}),
        }
        days = np.arange(t, dtype=np.int64)
        coords: dict[str, Any] = {
            "run": np.arange(self.n, dtype=np.int64),
            "day": days,
            "date": ("day", np.array([date_of(int(d)) for d in days], dtype="datetime64[D]")),
            "component": list(COMPONENTS),
            "side": ["RU", "UA"],
            "front": list(FRONTS),
        }
        attrs: dict[str, Any] = {"method": self.method}
        if self.seed is not None:
            attrs["seed"] = int(self.seed)
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def held_by_russia(self, place: str, day: int) -> np.ndarray:
        """(n,) whether ``place`` is behind the Russian line on ``day``."""
        geo = self.geography
        if place not in geo.arm:
            raise unknown_name("place", place, sorted(geo.arm))
        front = self.fronts[:, day, FRONTS.index(geo.arm[place])]
        if geo.arm[place] == "E":
            return np.asarray(city_fraction(front, geo) >= FALL_FRACTION)
        return np.asarray(front <= geo.distance[place])


def _sources_digest() -> str:
    """A digest of the sources compiled into the kernel besides this file (the field and the
    random streams): Numba's on-disk cache checks only the kernel's own file."""
    from pathlib import Path

    from attrition.battles.bakhmut import model
    from attrition.simulate import rng

    h = hashlib.sha256()
    for mod in (model, rng):
        h.update(Path(str(mod.__file__)).read_bytes())
    return h.hexdigest()


def _make_det_kernel() -> Any:
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is in the 'fast' extra
        return None
    # The kernel's only closure variable is this digest (what it calls are module globals):
    # Numba's cache keys a closure by the pickled bytes of its cells, so the compiled kernel is
    # reused by the next process and recompiled when the field or the streams change (with
    # Numba functions in the cells the bytes differed from one process to the next, so every
    # process compiled the kernel anew, 10-20 s).
    digest = _sources_digest()

    @numba.njit(cache=True, nogil=True)  # type: ignore[misc]
    def kernel(lo: int, hi: int, y0: Any, arrive: Any, theta: Any, ua_t: Any, rr_t: Any,
               sup: Any, share: Any, sc: Any, phase: Any, supply_param: Any, supply_level: Any,
               recruiting: Any, offensive: Any, present: Any, departing: Any, arrive_day: Any,
               withdraw_to: Any, withdrawn: Any, hold_line: Any, phase_group: Any,
               geo: Any, consts: Any, days: int, stoch: bool, pool: Any, start: int,
               lf: Any, st: Any, strength: Any, losses: Any, fronts: Any, recruited: Any,
               arrived_wp: Any) -> None:  # fmt: skip
        # runs lo .. hi - 1 into the outputs (losses, recruited, arrived_wp zeroed by the
        # caller); releases the GIL, so threads run disjoint slices in parallel
        digest  # noqa: B018 - the cache key (see above)
        r_min, r_max = consts[14], consts[15]
        for i in range(lo, hi):
            if stoch:
                seed_run(pool, start + i, st, i)
            y = np.empty(7)
            x = np.empty(4)
            hz = np.empty(4)
            oz = np.empty(4)
            inf_ = np.empty(4)
            adv = np.empty(3)
            push = np.empty(3)
            loss2 = np.empty(2)
            rem = np.empty(4)
            cum = np.empty(4)
            for k in range(7):
                y[k] = y0[i, k]
            for k in range(4):
                cum[k] = 0.0
            rec = 0.0
            awp = 0.0
            for d in range(days):
                wt = withdraw_to[d]
                if not math.isnan(wt):
                    y[5] = min(y[5], wt)
                for c in range(4):
                    if arrive_day[c] == d and d > 0:
                        y[c] += arrive[i, c]
                if d == 0:
                    for k in range(4):
                        strength[i, 0, k] = y[k]
                    for k in range(3):
                        fronts[i, 0, k] = y[4 + k]
                for k in range(4):
                    x[k] = max(y[k], 0.0)
                ph = phase[d]
                grp = phase_group[ph]
                s = sup[i, supply_param[d]] if supply_param[d] >= 0 else supply_level[d]
                field(x, y, theta[i, ph], s, share[i, ph], rr_t[i, grp], ua_t[i, grp], sc[i],
                      withdrawn[d], offensive[d], recruiting[d], present[d], departing[d],
                      geo, consts, hz, oz, inf_, adv, push, loss2, rem)  # fmt: skip
                l_ru = 0.0
                for k in range(4):
                    if stoch:  # chain-binomial: never below zero
                        loss = binomial(st, i, x[k], -math.expm1(-hz[k]), lf)
                        gone = loss if k == 0 else binomial(st, i, loss, rem[k], lf)
                        out = binomial(st, i, x[k] - loss, -math.expm1(-oz[k]), lf)
                        inf_[k] = poisson(st, i, inf_[k], lf)
                        y[k] = x[k] - gone - out + inf_[k]
                    else:
                        loss = x[k] * (-math.expm1(-hz[k]))
                        out = (x[k] - loss) * (-math.expm1(-oz[k]))
                        y[k] = x[k] - loss * rem[k] - out + inf_[k]
                    cum[k] += loss
                    if k < 3:
                        l_ru += loss
                for k in range(3):
                    prev = y[4 + k]
                    y[4 + k] = min(max(prev - adv[k] * l_ru + push[k], r_min), r_max)
                    # a hold stops the front at its line, and never pushes it back out: a front
                    # already past the line stays where it was
                    y[4 + k] = max(y[4 + k], min(hold_line[d, k], prev))
                rec += inf_[0]
                awp += inf_[1]
                for k in range(4):
                    strength[i, d + 1, k] = y[k]
                    losses[i, d + 1, k] = cum[k]
                for k in range(3):
                    fronts[i, d + 1, k] = y[4 + k]
                recruited[i, d + 1] = rec
                arrived_wp[i, d + 1] = awp

    return kernel


@functools.cache
def _det_kernel() -> Any:
    return _make_det_kernel()


def _run_kernel(
    model: BakhmutModel,
    prep: Prepared,
    days: int,
    seed: int | None = None,
    run_offset: int = 0,
    compiled: bool = True,
    threads: bool | int = True,
) -> BakhmutRuns | None:
    """Run the kernel: the deterministic map, or the chain-binomial engine when ``seed`` is
    given (run ``i`` draws from the xoshiro256** stream seeded by
    ``SeedSequence(seed, spawn_key=(1, run_offset + i))``, as :mod:`attrition.simulate` does).
    ``compiled=False`` runs the same source in the Python interpreter (a check on the compiler,
    slow). The runs are split over ``threads`` (see
    :func:`attrition.simulate.stochastic.split_runs`); each run's result does not depend on
    the split."""
    kernel = _det_kernel()
    if kernel is None:  # pragma: no cover - numba missing
        return None
    if not compiled:
        kernel, threads = kernel.py_func, 1
    from attrition.simulate.rng import log_factorials, seed_pool
    from attrition.simulate.stochastic import split_runs

    sch = model.daily_schedule
    sc, geo_arr, consts = model.kernel_inputs(prep)

    def c(a: Any) -> np.ndarray:
        return np.ascontiguousarray(np.asarray(a, dtype=float))

    y0, arrive = c(model.initial_state(prep)), c(model.arrival_amounts(prep))
    stoch = seed is not None
    if stoch:
        y0[:, :4] = np.rint(y0[:, :4])
        arrive = np.rint(arrive)
    n = prep.n
    strength = np.empty((n, days + 1, 4))
    losses = np.zeros((n, days + 1, 4))
    fronts = np.empty((n, days + 1, 3))
    recruited = np.zeros((n, days + 1))
    arrived = np.zeros((n, days + 1))
    split_runs(
        kernel, n, threads if n >= 2 * _MIN_RUNS_PER_THREAD else 1,
        y0, arrive, c(prep.theta),
        c(prep.ua_target), c(prep.rr_target), c(prep.supply), c(prep.share), sc,
        sch.phase, sch.supply_param, sch.supply_level, sch.recruiting, sch.offensive,
        sch.present, sch.departing, sch.arrive_day, sch.withdraw_to, sch.withdrawn,
        sch.hold_line, np.asarray(PHASE_GROUP, dtype=np.int64), geo_arr, consts, days,
        stoch, seed_pool(int(seed or 0)), int(run_offset), log_factorials(),
        np.empty((n, 4), dtype=np.uint64), strength, losses, fronts, recruited, arrived,
    )  # fmt: skip
    method = "binomial" if stoch else "deterministic"
    return BakhmutRuns(
        strength, losses, fronts, recruited, arrived, seed, method, model.schedule.geography
    )


_MIN_RUNS_PER_THREAD = 64
"""Smaller batches run in one thread (starting threads would cost more than they save)."""


SIM_METHODS: tuple[str, ...] = ("deterministic", "binomial")


def simulate(
    model: BakhmutModel,
    params: Mapping[str, Any] | Prepared,
    *,
    method: str = "deterministic",
    seed: int | None = None,
    days: int = DAYS,
    run_offset: int = 0,
    use_numba: bool = True,
    threads: bool | int = True,
) -> BakhmutRuns:
    """Run the model on the daily grid for every parameter set at once.

    Args:
        model: the model.
        params: per-run parameter values (``{name: (n,) array}``) or :class:`Prepared`.
        method: ``"deterministic"`` (the mean daily map: expected losses with constant hazards
            over the day, the calibration's engine) or ``"binomial"`` (chain-binomial losses and
            departures, Poisson arrivals; no component goes below zero).
        seed: seed of the binomial engine. Run ``i`` (counted from ``run_offset``) draws from
            a xoshiro256** stream seeded with ``SeedSequence(seed, spawn_key=(1, i))``'s state
            (the children of the root's child 1, as ``SeedSequence(seed).spawn`` makes them;
            the same streams as :mod:`attrition.simulate`), so results do not depend on how an
            ensemble is split into chunks.
        days: number of days to run (at most :data:`DAYS`).
        run_offset: position of this chunk's first run in the whole ensemble.
        use_numba: run the compiled kernel (default); ``False`` runs the very same kernel
            source in the Python interpreter (slow; a check on the compiler, not a second
            definition). The binomial engine always runs compiled.
        threads: threads the runs are split over (``True``: one per CPU; ``False`` or 1:
            this thread). Results do not depend on it.
    """
    if method not in SIM_METHODS:
        raise unknown_name("method", method, SIM_METHODS)
    if not 1 <= days <= DAYS:
        raise UserError(f"days = {days}: give 1..{DAYS}")
    prep = params if isinstance(params, Prepared) else model.prepare(params)
    if method == "binomial":
        if seed is None or seed < 0:
            raise UserError("the binomial engine needs a seed (a whole number >= 0)")
        if run_offset < 0 or run_offset + prep.n > 2**32:
            raise UserError("run indices must lie in [0, 2**32)")
        runs = _run_kernel(model, prep, days, int(seed), run_offset, threads=threads)
        if runs is None:  # pragma: no cover - numba is a core dependency
            raise UserError("the binomial engine needs numba; install it with: pip install numba")
        return runs
    runs = _run_kernel(model, prep, days, compiled=use_numba, threads=threads)
    if runs is None:  # pragma: no cover - numba is a core dependency
        raise UserError("the Bakhmut engines need numba; install it with: pip install numba")
    return runs
