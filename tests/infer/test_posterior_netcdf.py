"""Posterior draws as InferenceData and netCDF (attrition.infer.posterior)."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
import pytest

from attrition.infer.posterior import inference_data, write_netcdf

az = pytest.importorskip("arviz")


def _idata(seed: int = 0) -> object:
    rng = np.random.default_rng(seed)
    return inference_data(
        {"x": rng.normal(size=(2, 10, 3)), "y": rng.normal(size=(2, 10))},
        dims={"x": ["side"]},
        coords={"side": ["a", "b", "c"]},
        sample_stats={"diverging": np.zeros((2, 10), dtype=bool)},
        attrs={"seed": seed, "attrition_version": "test"},
    )


def test_named_dims_attrs_and_round_trip(tmp_path: Path) -> None:
    idata = _idata(3)
    path = write_netcdf(idata, tmp_path / "p.nc")
    back = az.from_netcdf(path)
    assert list(back.posterior["x"].coords["side"].values) == ["a", "b", "c"]
    np.testing.assert_array_equal(back.posterior["x"].values, idata.posterior["x"].values)  # type: ignore[attr-defined]
    assert back.posterior.attrs["seed"] == 3
    assert "created_at" not in back.posterior.attrs
    assert back.sample_stats["diverging"].dtype == bool


def test_same_draws_same_bytes(tmp_path: Path) -> None:
    write_netcdf(_idata(1), tmp_path / "a.nc")
    time.sleep(1.1)  # a timestamp in the file would now differ
    write_netcdf(_idata(1), tmp_path / "b.nc")
    write_netcdf(_idata(2), tmp_path / "c.nc")
    digest = {n: hashlib.sha256((tmp_path / f"{n}.nc").read_bytes()).hexdigest() for n in "abc"}
    assert digest["a"] == digest["b"]
    assert digest["a"] != digest["c"]
