"""Process set-up for the numerical back ends: quiet XLA logs, a persistent JAX compile cache.

XLA (under JAX) writes C++ log lines straight to stderr: ``E1202 ... Very slow compile? If you
want to file a bug...`` on a busy machine, constant-folding alarms, and so on. They are not
ours to act on and bury the command's own output, so :func:`quiet_jax_logs` sets
``TF_CPP_MIN_LOG_LEVEL=3`` (fatal errors only). XLA reads it when JAX is first imported, so the
function must run before any ``import jax``: the command line calls it for every command, and
:func:`attrition.report.build.build_report` calls it too. A value the user set is kept
(``TF_CPP_MIN_LOG_LEVEL=0 attrition ...`` shows every XLA log line again).

:func:`use_jax_cache` keeps compiled XLA programs in a folder, so a second process compiles
nothing (JAX's persistent compilation cache). The report keeps it in its cache folder
(``<reports>/.attrition-cache/_jax``); the other commands in :func:`default_jax_cache`. The
environment variable ``ATTRITION_JAX_CACHE`` overrides both: a folder, or ``off``. A cached
program is the same program, so results are bit-identical with and without the cache.

This module imports nothing heavy; it only imports JAX's configuration when JAX is already
loaded.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = [
    "JAX_CACHE_ENV",
    "default_jax_cache",
    "jax_cache_setting",
    "quiet_jax_logs",
    "use_jax_cache",
]

JAX_CACHE_ENV = "ATTRITION_JAX_CACHE"
"""Environment variable: the JAX compilation cache folder, or ``off`` to keep none."""

_OFF = ("off", "0", "no", "false", "none", "")

#: The cache folder this process set (``None``: none yet); a folder the user gave JAX through
#: ``JAX_COMPILATION_CACHE_DIR`` is never replaced.
_ours: list[str] = []


def quiet_jax_logs() -> None:
    """Silence XLA's C++ logging (``TF_CPP_MIN_LOG_LEVEL=3``) unless the user set a level.

    Call before JAX is imported; afterwards it changes nothing for this process (XLA reads the
    variable once) but still applies to worker processes started later.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def default_jax_cache() -> Path:
    """Where commands other than ``report`` keep compiled programs:
    ``$XDG_CACHE_HOME/attrition/jax`` (default ``~/.cache/attrition/jax``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "attrition" / "jax"


def jax_cache_setting(folder: str | Path | None) -> Path | None:
    """The folder :func:`use_jax_cache` would use for ``folder``: ``ATTRITION_JAX_CACHE`` when
    set (``None`` when it says ``off``), else ``folder``."""
    env = os.environ.get(JAX_CACHE_ENV)
    if env is not None:
        return None if env.strip().lower() in _OFF else Path(env).expanduser()
    return None if folder is None else Path(folder)


def use_jax_cache(folder: str | Path | None) -> Path | None:
    """Keep JAX's compiled programs in ``folder`` (see :func:`jax_cache_setting`) and return the
    folder in use, or ``None`` (no cache).

    Every compiled program is kept, however quick its compilation (the long ones are the point,
    but a cold process compiles dozens of small ones too). A ``JAX_COMPILATION_CACHE_DIR`` the
    user exported wins. Set before JAX is imported, the choice goes through the environment,
    so worker processes inherit it; when JAX is already loaded its configuration is updated.
    Nothing is created here (``attrition --help`` leaves no folder behind): JAX makes the
    folder when it first keeps a program.
    """
    target = jax_cache_setting(folder)
    current = os.environ.get("JAX_COMPILATION_CACHE_DIR")
    if current and current not in _ours:
        return Path(current)  # the user's own choice
    if target is None:
        if current:
            os.environ.pop("JAX_COMPILATION_CACHE_DIR", None)
            _set_config("jax_compilation_cache_dir", None)
        return None
    path = str(target.resolve())  # JAX creates the folder when it first keeps a program
    _ours.append(path)
    os.environ["JAX_COMPILATION_CACHE_DIR"] = path
    os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    os.environ["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "0"
    _set_config("jax_compilation_cache_dir", path)
    _set_config("jax_persistent_cache_min_compile_time_secs", 0.0)
    _set_config("jax_persistent_cache_min_entry_size_bytes", 0)
    return target


def _set_config(name: str, value: object) -> None:
    """``jax.config.update(name, value)`` when JAX is loaded (else the environment serves)."""
    jax = sys.modules.get("jax")
    if jax is None:
        return
    if getattr(jax.config, name, object()) == value:
        return
    jax.config.update(name, value)
    if name == "jax_compilation_cache_dir":
        try:  # a cache already opened keeps its folder until reset
            from jax._src import compilation_cache

            compilation_cache.reset_cache()
        except (ImportError, AttributeError):  # pragma: no cover - other JAX versions
            pass
