"""Posterior draws as ArviZ ``InferenceData``, written to netCDF with reproducible bytes.

:func:`inference_data` wraps a dict of draws (leading ``(chain, draw)`` axes) with named
dimensions and coordinates; :func:`write_netcdf` writes it without the creation timestamps
ArviZ and HDF5 would add, so that the same seed gives the same bytes.

ArviZ is imported when called (``pip install attrition[bayes]``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import arviz as az
    import numpy as np

__all__ = ["inference_data", "write_netcdf"]


def _arviz() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # ArviZ's notice of its 1.0 refactor
        import arviz

    return arviz


def inference_data(
    posterior: Mapping[str, np.ndarray],
    *,
    dims: Mapping[str, Sequence[str]],
    coords: Mapping[str, Sequence[Any]],
    sample_stats: Mapping[str, np.ndarray] | None = None,
    attrs: Mapping[str, Any] | None = None,
) -> az.InferenceData:
    """An ``InferenceData`` with a ``posterior`` group (and ``sample_stats``, e.g.
    ``diverging``): every array has leading ``(chain, draw)`` axes, ``dims`` names the others
    per variable, ``coords`` labels them. ``attrs`` (JSON-like scalars: seed, version, input
    hashes) are stored on every group; ArviZ's ``created_at`` timestamp is removed."""
    import numpy as np

    arviz_mod = _arviz()
    post = {k: np.asarray(v) for k, v in posterior.items()}
    stats = {k: np.asarray(v) for k, v in (sample_stats or {}).items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "more chains than draws" on tiny fits
        idata = arviz_mod.from_dict(
            posterior=post,
            sample_stats=stats or None,
            dims={k: list(v) for k, v in dims.items()},
            coords={k: list(v) for k, v in coords.items()},
        )
    for group in idata.groups():
        ds = idata[group]
        ds.attrs.pop("created_at", None)
        ds.attrs.pop("arviz_version", None)
        ds.attrs.update(dict(attrs or {}))
    return cast("az.InferenceData", idata)


def write_netcdf(idata: az.InferenceData, path: str | Path) -> Path:
    """Write ``idata`` to ``path`` (netCDF4/HDF5 through h5netcdf) and return the path. The
    groups' attributes carry no timestamps (see :func:`inference_data`), and HDF5 object times
    are not tracked, so equal draws give equal bytes."""
    import h5netcdf  # noqa: F401  (the engine; fail early with a clear ImportError)

    out = Path(path)
    first = True
    for group in idata.groups():
        ds = idata[group]
        ds.to_netcdf(
            out,
            mode="w" if first else "a",
            group=group,
            engine="h5netcdf",
            invalid_netcdf=False,
        )
        first = False
    return out
