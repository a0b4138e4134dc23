"""Claimant-bias priors learned from the historical claim-vs-record pairs (docs/bias-priors.md).

The fusion multiplies the truth by a bias factor per claimant group and relation (enemy, own,
third party); its log is normal. The hyperparameters of that prior are fitted to the packaged
reference pairs (:mod:`attrition.data.reference`) with the hierarchical model of
:mod:`attrition.infer.bias_model` and summarised by :mod:`attrition.infer.bias_summary`. This
module is the entry point, and re-exports the public names of both:

* :func:`learned_bias_priors` runs NUTS (NumPyro) and returns :class:`BiasPriors`: per relation
  and metric family the posterior predictive of the log bias of a NEW claimant (``loc``,
  ``scale``), the pairs behind it and Monte Carlo errors.
* :func:`bias_priors_known_by` fits only the pairs whose record was published by a cutoff (a
  cutoff means only what was *published* by then, the priors included): the priors a cutoff
  run may use, with the pairs and conflicts behind them and the fit time
  (:class:`CutoffBiasPriors`), cached in memory per set of pairs and settings.
* :func:`default_bias_priors` returns the fit of the packaged file with the default settings
  (no cutoff) from a small packaged JSON (``bias_priors.json`` beside this module; regenerate
  with ``python -m attrition.infer.bias_priors``), in milliseconds and without JAX; a test
  refits it and checks the JSON within its Monte Carlo error. If the packaged reference file
  changed since the JSON was written, it refits (and warns).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.data.dates import parse_date, published_date
from attrition.errors import UserError
from attrition.infer.bias_model import (
    FAMILIES,
    FIT_COLUMNS,
    RELATIONS,
    BiasFit,
    FitSettings,
    HyperPriors,
    PairArrays,
    fit_bias_model,
    pair_arrays,
    synthetic_pairs,
)
from attrition.infer.bias_summary import BiasPrior, BiasPriors, summarise

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_JSON",
    "FAMILIES",
    "FIT_COLUMNS",
    "RELATIONS",
    "BiasFit",
    "BiasPrior",
    "BiasPriors",
    "CutoffBiasPriors",
    "FitSettings",
    "HyperPriors",
    "PairArrays",
    "bias_priors_known_by",
    "default_bias_priors",
    "fit_bias_model",
    "learned_bias_priors",
    "pair_arrays",
    "summarise",
    "synthetic_pairs",
    "write_default_json",
]

DEFAULT_JSON = Path(__file__).resolve().parent / "bias_priors.json"
"""The packaged default fit (written by :func:`write_default_json`)."""


def _packaged_sha() -> str:
    from attrition.data.reference import REFERENCE_FILE

    return hashlib.sha256(REFERENCE_FILE.read_bytes()).hexdigest()


def _settings(
    *,
    seed: int,
    draws: int,
    chains: int,
    warmup: int,
    censor: bool,
    downweight: bool,
    hyper: HyperPriors | None,
) -> FitSettings:
    return FitSettings(
        seed=seed,
        chains=chains,
        warmup=warmup,
        draws=draws,
        censor=censor,
        downweight=downweight,
        hyper=hyper or HyperPriors(),
    )


def learned_bias_priors(
    pairs: pd.DataFrame | None = None,
    *,
    cutoff: dt.date | str | None = None,
    seed: int = 0,
    draws: int = 1000,
    chains: int = 4,
    warmup: int = 500,
    censor: bool = True,
    downweight: bool = True,
    hyper: HyperPriors | None = None,
) -> BiasPriors:
    """Fit the bias priors to ``pairs`` (the packaged reference pairs when None).

    Hierarchical model of ``log(claimed/record)`` (:mod:`attrition.infer.bias_model`;
    docs/bias-priors.md), NUTS with ``chains`` vectorised chains of ``warmup`` + ``draws``
    iterations from ``seed``: reproducible for a given seed, settings and machine.
    ``censor=False`` treats lower-bound records as counts and ``downweight=False`` weighs every
    pair 1 (both only for sensitivity checks). Returns per relation × family the posterior
    predictive of a new claimant's log bias (:class:`BiasPriors`). Needs JAX and NumPyro (the
    ``bayes`` extra).

    With a ``cutoff`` (a date or ``YYYY-MM-DD``) only the pairs whose record was published by
    then are fitted: the ``.priors`` of :func:`bias_priors_known_by` (which also says which
    pairs and conflicts were used, and caches the fit).
    """
    if cutoff is not None:
        return bias_priors_known_by(
            cutoff,
            pairs,
            seed=seed,
            draws=draws,
            chains=chains,
            warmup=warmup,
            censor=censor,
            downweight=downweight,
            hyper=hyper,
        ).priors
    from attrition.data.reference import load_reference_pairs

    packaged = pairs is None
    frame = load_reference_pairs() if pairs is None else pairs
    st = _settings(
        seed=seed,
        draws=draws,
        chains=chains,
        warmup=warmup,
        censor=censor,
        downweight=downweight,
        hyper=hyper,
    )
    fit = fit_bias_model(frame, st)
    return summarise(fit, _packaged_sha() if packaged else None)


# ---------------------------------------------------------------------------------------------
# the priors known by a cutoff


@dataclass(frozen=True)
class CutoffBiasPriors:
    """The bias priors a run with a cutoff may use: fitted on the pairs whose record was
    published by ``cutoff`` (:func:`bias_priors_known_by`).

    ``pair_ids`` and ``conflicts`` are the pairs and conflicts fitted; ``left_out`` the pairs
    not known by the cutoff (record published later, or ``unknown``). ``fit_seconds`` is the
    time of the NUTS fit (of the first call when ``from_cache``). :meth:`get` and
    :meth:`fog_prior_kwargs` read :attr:`priors`, so the object can stand where a
    :class:`BiasPriors` is read.
    """

    cutoff: dt.date
    priors: BiasPriors
    pair_ids: tuple[str, ...]
    conflicts: tuple[str, ...]
    left_out: tuple[str, ...]
    fit_seconds: float
    from_cache: bool

    @property
    def n_pairs(self) -> int:
        """The number of pairs fitted."""
        return len(self.pair_ids)

    @property
    def n_conflicts(self) -> int:
        """The number of conflicts among the pairs fitted."""
        return len(self.conflicts)

    def get(self, relation: str, family: str = "personnel") -> BiasPrior:
        """The prior of one relation and family (see :meth:`BiasPriors.get`)."""
        return self.priors.get(relation, family)

    def fog_prior_kwargs(self, family: str = "personnel") -> dict[str, tuple[float, float]]:
        """See :meth:`BiasPriors.fog_prior_kwargs`."""
        return self.priors.fog_prior_kwargs(family)

    def describe(self) -> str:
        """One line for logs and reports: cutoff, pairs, conflicts, left out, fit time."""
        cached = ", from the cache" if self.from_cache else ""
        return (
            f"bias priors known by {self.cutoff}: fitted on {self.n_pairs} pairs from "
            f"{self.n_conflicts} conflicts ({len(self.left_out)} left out: record published "
            f"after the cutoff or unknown); fit {self.fit_seconds:.1f} s{cached}"
        )


#: Fits by the SHA-256 of the rows used and the settings: ``(priors, fit seconds)``.
_CUTOFF_CACHE: dict[str, tuple[BiasPriors, float]] = {}
_CUTOFF_CACHE_SIZE = 32


def _published_column(frame: pd.DataFrame) -> pd.Series:
    """``record_published`` as datetimes (NaT: unknown); text cells are checked one by one."""
    import pandas as pd

    if "record_published" not in frame.columns:
        raise UserError(
            "bias priors: the pairs have no column 'record_published'; a cutoff needs the date "
            "each record was published (YYYY-MM-DD, YYYY or unknown)"
        )
    col = frame["record_published"]
    if pd.api.types.is_datetime64_any_dtype(col):
        return col
    ids = [str(x) for x in frame["id"]] if "id" in frame.columns else [str(i) for i in col.index]
    days = []
    for pid, value in zip(ids, col, strict=True):
        if isinstance(value, dt.date) or value is pd.NaT:
            days.append(None if value is pd.NaT else value)
            continue
        where = f"bias priors: pair {pid!r}, column 'record_published'"
        days.append(published_date("" if value is None else str(value), where))
    return pd.to_datetime(pd.Series(days, index=frame.index, dtype="object")).astype(
        "datetime64[ns]"
    )


def _rows_sha(frame: pd.DataFrame, settings: FitSettings) -> str:
    """SHA-256 of the rows to fit (every column, as CSV text) and the settings."""
    h = hashlib.sha256(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    h.update(json.dumps(settings.to_dict(), sort_keys=True).encode("utf-8"))
    return h.hexdigest()


def bias_priors_known_by(
    cutoff: dt.date | str,
    pairs: pd.DataFrame | None = None,
    *,
    seed: int = 0,
    draws: int = 1000,
    chains: int = 4,
    warmup: int = 500,
    censor: bool = True,
    downweight: bool = True,
    hyper: HyperPriors | None = None,
) -> CutoffBiasPriors:
    """The bias priors fitted on the pairs whose record was published by ``cutoff``.

    A cutoff means only what was published by then, the priors included: the pairs are cut
    with the project's one rule, :func:`attrition.data.known.known_by` on ``record_published``
    (a pair whose record is ``unknown`` is known by no cutoff). ``pairs`` is a frame of
    :func:`~attrition.data.reference.load_reference_pairs` (the packaged pairs when None) or
    any frame with :data:`FIT_COLUMNS` and ``record_published`` (datetimes, or text checked
    like the file's column). The fit and its settings are those of :func:`learned_bias_priors`;
    it is deterministic given the seed and cached in memory (this process) by the SHA-256 of
    the rows used and the settings, so cutoffs that select the same pairs share one fit.

    Raises :class:`UserError` for a bad cutoff or ``record_published`` cell, or when no pair
    is known by the cutoff.
    """
    from attrition.data.known import known_by
    from attrition.data.reference import load_reference_pairs

    day = parse_date(cutoff, "cutoff")
    assert day is not None
    frame = load_reference_pairs() if pairs is None else pairs
    ids = [str(x) for x in frame["id"]] if "id" in frame.columns else None
    dated = frame.assign(record_published=_published_column(frame), _row=range(len(frame)))
    known = known_by(dated, day, date_column="record_published")
    rows = [int(r) for r in known["_row"]]
    known = known.drop(columns="_row")
    if len(known) == 0:
        raise UserError(
            f"bias priors: no reference pair's record was published by the cutoff {day}; "
            "give the bias priors explicitly for this cutoff"
        )
    st = _settings(
        seed=seed,
        draws=draws,
        chains=chains,
        warmup=warmup,
        censor=censor,
        downweight=downweight,
        hyper=hyper,
    )
    key = _rows_sha(known, st)
    hit = _CUTOFF_CACHE.get(key)
    if hit is None:
        t0 = time.perf_counter()
        priors = summarise(fit_bias_model(known, st))
        hit = (priors, time.perf_counter() - t0)
        if len(_CUTOFF_CACHE) >= _CUTOFF_CACHE_SIZE:
            _CUTOFF_CACHE.pop(next(iter(_CUTOFF_CACHE)))
        _CUTOFF_CACHE[key] = hit
        from_cache = False
    else:
        from_cache = True
    names = ids if ids is not None else [str(i) for i in range(len(frame))]
    used = [names[r] for r in rows]
    conflicts = sorted({str(c) for c in known["conflict"]}) if "conflict" in known.columns else []
    return CutoffBiasPriors(
        cutoff=day,
        priors=hit[0],
        pair_ids=tuple(used),
        conflicts=tuple(conflicts),
        left_out=tuple(names[r] for r in range(len(names)) if r not in set(rows)),
        fit_seconds=hit[1],
        from_cache=from_cache,
    )


# ---------------------------------------------------------------------------------------------
# the packaged default


def _strict(v: Any) -> Any:
    """Floats rounded to 10 significant digits (quiet diffs), recursively."""
    if isinstance(v, bool) or v is None or isinstance(v, str | int):
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"non-finite value {v!r}")
        return float(f"{v:.10g}")
    if isinstance(v, Mapping):
        return {str(k): _strict(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_strict(x) for x in v]
    raise TypeError(type(v).__name__)


def write_default_json(path: Path | None = None) -> BiasPriors:
    """Fit the packaged pairs with the default settings and write the JSON
    :func:`default_bias_priors` reads (``path``: :data:`DEFAULT_JSON` when None)."""
    from attrition._io import atomic_write_text

    fit = learned_bias_priors()
    data = _strict(fit.to_dict())
    text = json.dumps(data, indent=1, allow_nan=False) + "\n"
    atomic_write_text(path or DEFAULT_JSON, text)
    return fit


@functools.lru_cache(maxsize=1)
def default_bias_priors() -> BiasPriors:
    """The fit of the packaged reference pairs with the default settings (cached).

    Read from the packaged ``bias_priors.json`` (milliseconds, no JAX). When the packaged
    reference file no longer matches the JSON's SHA-256, the priors are refitted (about 10 s,
    needs NumPyro) with a warning to regenerate the JSON (``python -m
    attrition.infer.bias_priors``).
    """
    data = json.loads(DEFAULT_JSON.read_text(encoding="utf-8"))
    priors = BiasPriors.from_dict(data)
    same_settings = _strict(priors.settings.to_dict()) == _strict(FitSettings().to_dict())
    if priors.data_sha256 != _packaged_sha() or not same_settings:
        warnings.warn(
            f"{DEFAULT_JSON.name} does not match the packaged reference pairs or the default "
            "settings; refitting (regenerate it: python -m attrition.infer.bias_priors)",
            stacklevel=2,
        )
        return learned_bias_priors()
    return priors


if __name__ == "__main__":
    out = write_default_json()
    print(f"wrote {DEFAULT_JSON}")
    print(out.to_frame()[["relation", "family", "n", "loc", "scale", "q05", "q95"]].to_string())
