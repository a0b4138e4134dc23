"""Shared machinery of the docs-figures generators (one script per doc in this folder).

Each generator computes its doc's figures through the library functions the CLI and the report
call, records them in a sidecar ``docs/figures/<doc>.json`` (value, Monte Carlo error and how it
was estimated, seeds, settings, versions, input SHA-256s) and rewrites the doc's generated
blocks from that sidecar. A block is the text between two marker lines::

    <!-- name:begin -->
    ... generated; edit the template in tools/docs_figures/<doc>.py, not here ...
    <!-- name:end -->

(the pattern of ``tools/make_classic_docs.py``, generalised to many blocks and to a sidecar).

Figures come in *parts* (e.g. the default fit, the validation study); a part listed in the
generator's ``TEST_PARTS`` is recomputed by ``tests/docs/test_docs_figures.py``, the others
only by ``make docs-figures`` (then ``git diff --exit-code docs/``). Every figure says which.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import platform
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
FIGURES_DIR = ROOT / "docs" / "figures"

CHECK_FACTOR = 3.0
"""A regenerated figure may differ from the sidecar's by at most ``CHECK_FACTOR`` times its
stated Monte Carlo error: for a normal error about 0.27 % false failures per figure."""

SIG_DIGITS = 6
"""Significant digits kept in a sidecar (more than any doc prints; keeps diffs quiet)."""

Value = float | int | str | bool | None | list[Any]


# ---------------------------------------------------------------------------------------------
# Monte Carlo errors


def binomial_se(k: float, n: int) -> float:
    """Standard error of a share ``k / n`` from ``n`` independent runs.

    Uses the Agresti–Coull centre ``(k + 1) / (n + 2)`` so that a share of 0 or 1 still has a
    non-zero error (a share of 1 from 1,000 runs is not known to better than ~1/1,000).
    """
    p = (k + 1.0) / (n + 2.0)
    return math.sqrt(p * (1.0 - p) / n)


def bootstrap_se(
    x: np.ndarray, stat: Callable[[np.ndarray], float], reps: int = 200, seed: int = 12345
) -> float:
    """Bootstrap standard error of ``stat`` over the rows of ``x`` (independent runs)."""
    a = np.asarray(x)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, a.shape[0], size=(reps, a.shape[0]))
    vals = np.array([stat(a[i]) for i in idx], dtype=float)
    return float(np.std(vals, ddof=1))


def batch_means_se(
    draws: np.ndarray, stat: Callable[[np.ndarray], float], batches_per_chain: int = 5
) -> float:
    """Monte Carlo error of ``stat`` over MCMC draws shaped ``(chains, draws)`` by batch means.

    Each chain is cut into ``batches_per_chain`` consecutive batches; the error is the standard
    deviation of the statistic over the batches divided by the square root of their number (the
    statistic of a batch of size n/B varies B times more than that of all n draws). Consecutive
    batches absorb the chains' autocorrelation.
    """
    d = np.asarray(draws, dtype=float)
    if d.ndim == 1:
        d = d[None, :]
    chains, n = d.shape[:2]
    size = n // batches_per_chain
    vals = [
        stat(d[c, b * size : (b + 1) * size])
        for c in range(chains)
        for b in range(batches_per_chain)
    ]
    return float(np.std(vals, ddof=1) / math.sqrt(len(vals)))


def quantile_of(q: float, method: str = "linear") -> Callable[[np.ndarray], float]:
    """The statistic "quantile ``q`` of a sample" (for the error estimators above)."""

    def stat(x: np.ndarray) -> float:
        return float(np.quantile(x, q, method=method))  # type: ignore[call-overload]

    return stat


def seeds_se(values: Sequence[float] | np.ndarray) -> float:
    """Standard error of the mean of independent repetitions (one per seed)."""
    v = np.asarray(values, dtype=float)
    return float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan


# ---------------------------------------------------------------------------------------------
# figures and sidecars


def _round(v: Any) -> Any:
    """Round floats to :data:`SIG_DIGITS` significant digits, recursively; NaN is refused."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        if not math.isfinite(f):
            raise ValueError(f"non-finite figure {f!r}: a sidecar is strict JSON")
        return float(f"{f:.{SIG_DIGITS}g}")
    if isinstance(v, Mapping):
        return {str(k): _round(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_round(x) for x in v]
    raise TypeError(f"cannot store {type(v).__name__} in a sidecar")


@dataclass
class Figures:
    """The figures of one part of a doc, with their Monte Carlo errors.

    A *number* has ``mc_error`` (>= 0; 0 for a deterministic figure) and ``how`` (how the
    error was estimated). A *label* (text, a date, a chosen law) has ``mc_error`` ``None`` and
    must regenerate identically. ``context`` holds what the doc shows that is not a computed
    figure (ids, quotes, input values, settings).
    """

    part: str
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)

    def num(self, name: str, value: float, mc_error: float, how: str) -> float:
        """Record a number; returns it (rounded as stored)."""
        if name in self.entries:
            raise KeyError(f"figure {name!r} recorded twice")
        err = float(mc_error)
        if not math.isfinite(err) or err < 0:
            raise ValueError(f"figure {name!r}: Monte Carlo error {err!r} must be finite, >= 0")
        self.entries[name] = {
            "value": _round(float(value)),
            "mc_error": _round(err),
            "how": how,
            "part": self.part,
        }
        return float(self.entries[name]["value"])

    def label(self, name: str, value: Value, how: str = "exact") -> Value:
        """Record a non-numeric figure (compared exactly)."""
        if name in self.entries:
            raise KeyError(f"figure {name!r} recorded twice")
        self.entries[name] = {
            "value": _round(value),
            "mc_error": None,
            "how": how,
            "part": self.part,
        }
        return value


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: Docs whose figures come from MCMC/NUTS chains (JAX): on another machine the same seeds give
#: other chains (measured: 9 of 147 fog-of-war figures beyond 3 x their within-run MC error, and
#: the Bakhmut figures, conditional on that evidence, far beyond theirs), so their regeneration
#: is checked only on the machine that wrote the sidecar (``provenance["machine"]``).
MACHINE_SENSITIVE: frozenset[str] = frozenset(
    {"fog_of_war", "fog_regimes", "bakhmut_model", "bias_priors"}
)


def machine() -> str:
    """A fingerprint of the floating-point environment: CPU model, instruction-set flags that
    change generated code, core count, and the platform."""
    import hashlib
    import os

    model, flags = "", ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name") and not model:
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags") and not flags:
                    keep = ("avx", "fma", "sse", "f16c", "bmi")
                    flags = " ".join(
                        sorted(x for x in line.split(":", 1)[1].split() if x.startswith(keep))
                    )
    except OSError:
        pass
    text = f"{platform.machine()}|{platform.system()}|{model}|{flags}|{os.cpu_count()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def provenance() -> dict[str, str]:
    """Versions of the package and of the numerical libraries the figures depend on, and the
    machine fingerprint (:func:`machine`)."""
    import importlib.metadata as md

    import attrition

    out = {
        "attrition": attrition.__version__,
        "python": platform.python_version(),
        "machine": machine(),
    }
    for dist in ("numpy", "scipy", "numba", "jax", "jaxlib", "numpyro", "pandas"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            out[dist] = "absent"
    return out


def build_sidecar(
    *,
    doc: str,
    generator: str,
    parts: Sequence[Figures],
    settings: Mapping[str, Any],
    test_parts: Iterable[str],
    inputs: Iterable[Path],
    quick: bool,
) -> dict[str, Any]:
    """Assemble a sidecar from the computed parts (see the module docstring)."""
    tested = set(test_parts)
    figures: dict[str, dict[str, Any]] = {}
    context: dict[str, Any] = {}
    for p in parts:
        for k, v in p.entries.items():
            if k in figures:
                raise KeyError(f"figure {k!r} in two parts")
            figures[k] = {**v, "checked_in_test": p.part in tested}
        context.update(p.context)
    return {
        "doc": doc,
        "generator": generator,
        "regenerate": f"make docs-figures FIGURES_ARGS='--only {Path(generator).stem}'",
        "quick": quick,
        "check_factor": CHECK_FACTOR,
        "provenance": provenance(),
        "inputs": {str(p.relative_to(ROOT)): sha256_of(p) for p in sorted(set(inputs))},
        "settings": _round(dict(settings)),
        "parts": {p.part: {"checked_in_test": p.part in tested} for p in parts},
        "figures": figures,
        "context": _round(context),
    }


def dumps(data: Mapping[str, Any]) -> str:
    """A sidecar as strict JSON text (no NaN, stable layout)."""
    return json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def read_sidecar(path: Path) -> dict[str, Any]:
    """Read a sidecar written by :func:`dumps`."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def drift(
    committed: Mapping[str, Any],
    fresh: Mapping[str, Mapping[str, Any]],
    *,
    factor: float = CHECK_FACTOR,
    only_tested: bool = True,
) -> list[str]:
    """Figures of ``committed`` (a sidecar) that ``fresh`` (recomputed figures) contradicts.

    A number fails when ``|fresh − committed| > factor × mc_error`` (plus a rounding slack of
    a millionth of the value); a label fails when it differs. With ``only_tested`` only the
    figures marked ``checked_in_test`` are compared. Returns one line per failure.
    """
    problems = []
    for name, entry in committed["figures"].items():
        if only_tested and not entry["checked_in_test"]:
            continue
        if name not in fresh:
            problems.append(f"{name}: not regenerated")
            continue
        new = fresh[name]["value"]
        old = entry["value"]
        if entry["mc_error"] is None:
            if new != old:
                problems.append(f"{name}: {old!r} -> {new!r} (a label: must be equal)")
            continue
        tol = factor * float(entry["mc_error"]) + 1e-6 * max(abs(float(old)), 1e-12)
        if abs(float(new) - float(old)) > tol:
            problems.append(
                f"{name}: {old:g} -> {new:g}, |diff| {abs(float(new) - float(old)):.4g} > "
                f"{factor:g} x MC error {entry['mc_error']:g} ({entry['how']})"
            )
    return problems


# ---------------------------------------------------------------------------------------------
# docs


_MARKER = re.compile(r"<!-- ([a-z0-9-]+):begin -->\n(.*?)<!-- \1:end -->", re.S)


def block_names(text: str) -> list[str]:
    """Names of the generated blocks in a doc, in order."""
    return [m.group(1) for m in _MARKER.finditer(text)]


def replace_blocks(text: str, blocks: Mapping[str, str], doc: str = "doc") -> str:
    """Replace every generated block of ``text`` by ``blocks[name]``.

    A block in the doc without a generator, or a generated block missing from the doc, is an
    error (a renamed marker must not silently stop a block from being regenerated).
    """
    found = block_names(text)
    missing = [n for n in blocks if n not in found]
    unknown = [n for n in found if n not in blocks]
    if missing or unknown:
        raise ValueError(
            f"{doc}: blocks without a marker: {missing or 'none'}; markers without a "
            f"generator: {unknown or 'none'}"
        )

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        return f"<!-- {name}:begin -->\n{blocks[name].strip(chr(10))}\n<!-- {name}:end -->"

    return _MARKER.sub(sub, text)


def diff(old: str, new: str, name: str) -> str:
    """A unified diff of a doc against its regenerated text."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"{name} (committed)",
            f"{name} (rendered from its sidecar)",
        )
    )


# ---------------------------------------------------------------------------------------------
# number formatting shared by the docs


def sig(v: float, digits: int = 4) -> float:
    """``v`` rounded to ``digits`` significant digits."""
    if v == 0 or not math.isfinite(v):
        return v
    return round(v, digits - 1 - math.floor(math.log10(abs(v))))


def count(v: float, digits: int = 4) -> str:
    """A count with thousands separators, to ``digits`` significant digits (149,800)."""
    return f"{sig(v, digits):,.0f}"


def kilo(v: float) -> str:
    """Thousands as ``77k`` (``1.5k`` under 10,000)."""
    return f"{v / 1000:.1f}k" if abs(v) < 9950 else f"{v / 1000:.0f}k"


def band(q: Mapping[str, Any], fmt: Callable[[float], str], sep: str = "–") -> str:
    """``median (q05–q95)`` of a ``{median, q05, q95}`` mapping."""
    return f"{fmt(q['median'])} ({fmt(q['q05'])}{sep}{fmt(q['q95'])})"


def pct(v: float, digits: int = 0) -> str:
    """A share as a percentage (``0.553`` -> ``55 %`` with the docs' thin spacing)."""
    return f"{100 * v:.{digits}f} %"


def reuse_parts(env: str, reusable: Sequence[str]) -> list[str]:
    """The parts named in the environment variable ``env`` (comma-separated), to be copied
    from the committed sidecar instead of recomputed; a part not in ``reusable`` is refused
    with the list."""
    import os

    raw = os.environ.get(env, "")
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    bad = [p for p in parts if p not in reusable]
    if bad:
        raise SystemExit(
            f"{env}={raw}: cannot reuse {', '.join(bad)}; reusable parts: {', '.join(reusable)}"
        )
    return parts


def reused_part(sidecar: Path, part: str, context_keys: Sequence[str]) -> Figures:
    """A part's figures, and the context entries ``context_keys``, copied from the committed
    sidecar (a generator's ``*_REUSE`` environment variable); a quick sidecar, or one without
    the part, is refused with the fix."""
    sc = read_sidecar(sidecar)
    if sc.get("quick"):
        raise SystemExit(f"{sidecar}: quick figures; cannot reuse part {part!r}")
    figs = Figures(part)
    for k, v in sc["figures"].items():
        if v["part"] == part:
            figs.entries[k] = {x: y for x, y in v.items() if x != "checked_in_test"}
    if not figs.entries:
        raise SystemExit(f"{sidecar}: has no part {part!r} to reuse; recompute it")
    for key in context_keys:
        if key in sc["context"]:
            figs.context[key] = sc["context"][key]
    return figs
