"""The process set-up of :mod:`attrition._runtime`: XLA's logs silenced before JAX loads, and a
persistent JAX compilation cache that changes no result and lets a second process compile
nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from attrition import _runtime

FIT = """
import hashlib, sys
import numpy as np
import jax, numpyro, numpyro.distributions as dist
from attrition._runtime import quiet_jax_logs, use_jax_cache
quiet_jax_logs()
folder = use_jax_cache(sys.argv[1] if sys.argv[1] != "-" else None)
from attrition.infer.nuts import nuts_runner

def model(y):
    mu = numpyro.sample("mu", dist.Normal(0.0, 10.0))
    sigma = numpyro.sample("sigma", dist.HalfNormal(5.0))
    numpyro.sample("y", dist.Normal(mu, sigma), obs=y)

y = jax.numpy.asarray(np.linspace(-1.0, 3.0, 20))
run = nuts_runner(model)
keys = jax.random.split(jax.random.PRNGKey(7), 2)
values, div, steps = run(keys, y, warmup=30, draws=30, target_accept=0.8, depth=6)
h = hashlib.sha256()
for name in sorted(values):
    h.update(np.asarray(values[name]).tobytes())
h.update(np.asarray(steps).tobytes())
print(folder, h.hexdigest())
"""


def _fit(cache: Path | None, tmp_path: Path) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAX_", "ATTRITION_JAX"))}
    script = tmp_path / "fit.py"
    script.write_text(FIT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), str(cache) if cache else "-"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    folder, digest = done.stdout.split()
    return folder, digest


@pytest.mark.slow
def test_cached_programs_give_bit_identical_fits_and_a_warm_process_compiles_nothing(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "jax"
    folder, plain = _fit(None, tmp_path)
    assert folder == "None"
    _, cold = _fit(cache, tmp_path)
    written = sorted(p.name for p in cache.iterdir())
    assert written, "the cold process kept no compiled program"
    _, warm = _fit(cache, tmp_path)
    assert plain == cold == warm
    # the warm process found every program in the cache: it wrote none
    assert sorted(p.name for p in cache.iterdir()) == written


def test_quiet_jax_logs_keeps_the_users_level(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    _runtime.quiet_jax_logs()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    _runtime.quiet_jax_logs()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"


def test_the_env_variable_chooses_or_turns_off_the_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(_runtime.JAX_CACHE_ENV, raising=False)
    assert _runtime.jax_cache_setting(tmp_path / "a") == tmp_path / "a"
    assert _runtime.jax_cache_setting(None) is None
    monkeypatch.setenv(_runtime.JAX_CACHE_ENV, "off")
    assert _runtime.jax_cache_setting(tmp_path / "a") is None
    monkeypatch.setenv(_runtime.JAX_CACHE_ENV, str(tmp_path / "b"))
    assert _runtime.jax_cache_setting(tmp_path / "a") == tmp_path / "b"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _runtime.default_jax_cache() == tmp_path / "xdg" / "attrition" / "jax"


def test_use_jax_cache_sets_the_environment_and_respects_the_users_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("JAX_COMPILATION_CACHE_DIR", _runtime.JAX_CACHE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(_runtime, "_set_config", lambda name, value: None)
    got = _runtime.use_jax_cache(tmp_path / "c")
    assert got == tmp_path / "c"
    assert not got.exists()  # JAX makes it when it first keeps a program
    assert os.environ["JAX_COMPILATION_CACHE_DIR"] == str((tmp_path / "c").resolve())
    assert os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] == "0"
    # ours may be moved (the report's folder after a command's default) ...
    assert _runtime.use_jax_cache(tmp_path / "d") == tmp_path / "d"
    # ... or turned off; a folder the user exported is kept
    assert _runtime.use_jax_cache(None) is None
    assert "JAX_COMPILATION_CACHE_DIR" not in os.environ
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path / "mine"))
    assert _runtime.use_jax_cache(tmp_path / "e") == tmp_path / "mine"
    assert not (tmp_path / "e").exists()


def test_setting_up_does_not_import_jax() -> None:
    code = (
        "import sys; from attrition import _runtime; _runtime.quiet_jax_logs(); "
        "_runtime.use_jax_cache(None); import attrition.cli; "
        "print('jax' in sys.modules)"
    )
    env = {**os.environ, _runtime.JAX_CACHE_ENV: "off"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == "False"


QUIET = """
import numpy as np
from attrition._runtime import quiet_jax_logs
quiet_jax_logs()
import jax, jax.numpy as jnp
c = np.ones((8, 8), np.float32)
print(float(jax.jit(lambda: jnp.sin(jnp.asarray(c)).sum())()))
"""


def test_xla_logs_are_silenced_unless_the_user_asks(tmp_path: Path) -> None:
    """With verbose logging of XLA's CPU compiler switched on, XLA writes lines to stderr when
    the user sets TF_CPP_MIN_LOG_LEVEL=0, and none when quiet_jax_logs chooses the level (the
    ``E... Very slow compile?`` alarms go the same way; reproducing one takes minutes)."""
    script = tmp_path / "quiet.py"
    script.write_text(QUIET, encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TF_CPP", "JAX_"))}
    base["TF_CPP_VMODULE"] = "cpu_compiler=1"
    loud = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True,
        env={**base, "TF_CPP_MIN_LOG_LEVEL": "0"},
    )  # fmt: skip
    assert "cpu_compiler" in loud.stderr  # the probe works: XLA logs when allowed
    quiet = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, env=base
    )
    assert quiet.stderr == ""
    assert quiet.stdout == loud.stdout
