"""The identification table of docs/bakhmut-model.md: which parameters the evidence narrows.

Everything goes through :mod:`attrition.battles.bakhmut.identification` (the functions the
report's identification section calls) on the headline calibrations of
``tools/docs_figures/bakhmut_model.py`` (:func:`bakhmut_model.law_cals`: every law calibrated on
all evidence, as :func:`attrition.report.model.law_calibrations` does for the report; repeat 0
of each law, combined by :func:`~attrition.battles.bakhmut.identification.combine_laws`, the
law with the highest weight as the chosen one).

``bakhmut_model.py`` stores :func:`_table` as its part ``identification`` (recomputed by the
test) and renders the blocks :data:`BLOCKS` with :func:`blocks`; :func:`own_blocks` gives it the
current text of these blocks when its sidecar has no such part.

Figures: per law and parameter the posterior 90% width over the prior's on the sampler's scale
(``ratio``) and, for the chosen law, the posterior 90% interval on the natural scale; per law
the effective number of parameters (``p_shrink`` and ``p_v``). Monte Carlo errors: a bootstrap
over the law's SMC particles, *given the calibration* (the calibration's own seed-to-seed
spread is larger: see the laws comparison of bakhmut_model).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import figlib as F
import numpy as np

DOC = F.ROOT / "docs" / "bakhmut-model.md"
BLOCKS: tuple[str, ...] = ("identification-summary", "identification-table")
"""The generated blocks of docs/bakhmut-model.md this generator writes."""

BOOT_REPS = 200
BOOT = "bootstrap over the law's SMC particles (given the calibration)"


# ---------------------------------------------------------------------------------------------
# computing


def _boot(values: np.ndarray, stat: Any, seed: int = 12345) -> float:
    """Bootstrap standard error of ``stat`` over the rows of ``values`` (particles)."""
    return F.bootstrap_se(values, stat, reps=BOOT_REPS, seed=seed)


def _table(st: Mapping[str, Any]) -> F.Figures:
    """The identification figures on the headline calibrations of ``st`` (see the module)."""
    import bakhmut_model as BM

    from attrition.battles.bakhmut.identification import (
        IDENTIFIED_RATIO,
        Z90,
        combine_laws,
        effective_parameters,
        identification_table,
        posterior_z,
    )

    figs = F.Figures("table")
    cals = BM.law_cals(st, int(st["seed"]))
    cal = combine_laws({lw: c[0] for lw, c in cals.items()}, BM.best_law(BM._weights(st)))
    figs.label("ident.law", cal.law)
    specs = {p.name: p for p in cal.priors}
    laws = list(cal.fits)
    for law in laws:
        tab = identification_table(cal, law).set_index("parameter")
        z = posterior_z(cal, law)
        for name, zj in z.items():
            p = specs[name]

            def ratio(x: np.ndarray, s: float = p.scale) -> float:
                q05, q95 = np.quantile(x, [0.05, 0.95])
                return float((q95 - q05) / (2.0 * Z90 * s))

            figs.num(
                f"ident.{law}.{name}.ratio", float(tab.loc[name, "ratio"]), _boot(zj, ratio), BOOT
            )
            if law == cal.law:
                for key, q in (("q05", 0.05), ("q95", 0.95)):
                    nat = np.asarray(p.value(zj), dtype=float)
                    figs.num(
                        f"ident.{law}.{name}.{key}",
                        float(tab.loc[name, key]),
                        _boot(nat, F.quantile_of(q)),
                        BOOT,
                    )
        eff = effective_parameters(cal, law)
        fit = cal.fits[law]
        zz = np.asarray(fit.draws_z, dtype=float)
        scales = np.array([specs[n].scale for n in cal.free])

        def p_shrink(x: np.ndarray, sc: np.ndarray = scales) -> float:
            return float(np.sum(1.0 - np.var(x, axis=0, ddof=1) / sc**2))

        def p_v(x: np.ndarray) -> float:
            return float(2.0 * np.var(x, ddof=1))

        figs.num(f"ident.{law}.p_shrink", eff["p_shrink"], _boot(zz, p_shrink), BOOT)
        figs.num(f"ident.{law}.p_v", eff["p_v"], _boot(np.asarray(fit.log_lik), p_v), BOOT)
    rows = []
    for p in cal.priors:
        lo, hi = (float(p.value(np.float64(p.loc + k * Z90 * p.scale))) for k in (-1, 1))
        rows.append(
            {
                "parameter": p.name,
                "unit": p.unit,
                "prior_q05": lo,
                "prior_q95": hi,
                "fitted": p.name in cal.free,
                "fixed": p.fixed,
                "fixed_value": p.fixed_value,
            }
        )
    figs.context["identification"] = {
        "laws": laws,
        "threshold": IDENTIFIED_RATIO,
        "parameters": rows,
        "particles": int(cal.fits[cal.law].draws_z.shape[0]),
    }
    return figs


# ---------------------------------------------------------------------------------------------
# rendering


def _v(sc: Mapping[str, Any], name: str) -> float:
    return float(sc["figures"][name]["value"])


def _has(sc: Mapping[str, Any], name: str) -> bool:
    return name in sc["figures"]


def _num(v: float) -> str:
    """A natural-scale value with three significant digits and a typographic minus."""
    if not math.isfinite(v):
        return "–"
    a = abs(v)
    text = f"{F.sig(v, 3):,.0f}" if a >= 100 else f"{F.sig(v, 3):.3g}"
    return text.replace("-", "−")


def _law_name(law: str) -> str:
    return "log" if law == "logarithmic" else law


def _table_block(sc: Mapping[str, Any]) -> str:
    ctx = sc["context"]["identification"]
    law = str(sc["figures"]["ident.law"]["value"])
    laws = [str(x) for x in ctx["laws"]]
    thr = float(ctx["threshold"])
    head = (
        "| parameter | unit | prior 90 % | posterior 90 % "
        f"({_law_name(law)}) | "
        + " | ".join(f"ratio {_law_name(lw)}" for lw in laws)
        + " | action |\n|---|---|---|---|"
        + "---:|" * len(laws)
        + "---|"
    )
    lines = [head]
    for row in ctx["parameters"]:
        name = row["parameter"]
        prior = f"{_num(row['prior_q05'])} – {_num(row['prior_q95'])}"
        if _has(sc, f"ident.{law}.{name}.q05"):
            lo, hi = (_v(sc, f"ident.{law}.{name}.{k}") for k in ("q05", "q95"))
            post = f"{_num(lo)} – {_num(hi)}"
        else:
            post = "–"
        cells = []
        for lw in laws:
            key = f"ident.{lw}.{name}.ratio"
            if not _has(sc, key):
                cells.append("–")
                continue
            r = _v(sc, key)
            cells.append(f"**{r:.2f}**" if r > thr else f"{r:.2f}")
        if row["fitted"]:
            action = "fitted"
        elif row["fixed"]:
            action = f"fixed at {_num(row['fixed_value'])} (prior median)"
        else:
            action = "prior only (regime not started)"
        lines.append(
            f"| `{name}` | {row['unit']} | {prior} | {post} | "
            + " | ".join(cells)
            + f" | {action} |"
        )
    return "\n".join(lines)


def _summary_block(sc: Mapping[str, Any]) -> str:
    ctx = sc["context"]["identification"]
    st = sc["settings"]
    law = str(sc["figures"]["ident.law"]["value"])
    laws = [str(x) for x in ctx["laws"]]
    thr = float(ctx["threshold"])
    names = [r["parameter"] for r in ctx["parameters"] if r["fitted"]]
    per_law = []
    unmoved: set[str] | None = None
    for lw in laws:
        above = {n for n in names if _v(sc, f"ident.{lw}.{n}.ratio") > thr}
        unmoved = above if unmoved is None else unmoved & above
        per_law.append(
            f"{lw}{' (chosen)' if lw == law else ''}: {len(names) - len(above)} of {len(names)} "
            f"identified, p_shrink {_v(sc, f'ident.{lw}.p_shrink'):.1f}, "
            f"p_V {_v(sc, f'ident.{lw}.p_v'):.1f}"
        )
    fixed = [r for r in ctx["parameters"] if r["fixed"] and not r["fitted"]]
    reasons = list(dict.fromkeys(str(r["fixed"]) for r in fixed))
    text = (
        "Figures generated by `make docs-figures` (`tools/docs_figures/identification.py`, "
        "part `identification` of the sidecar `docs/figures/bakhmut_model.json`) from the "
        f"headline calibrations above (every law on all evidence, seed {st['seed']}, "
        f"{st['particles']} particles × {st['moves']} moves; each law's final SMC particles; "
        f"the posterior interval under the law with the highest weight). Ratios above {thr:g} "
        "in bold. "
        + "; ".join(per_law)
        + ". Above the threshold under every law: "
        + (", ".join(f"`{n}`" for n in sorted(unmoved or ())) or "none")
        + ". Fixed (not fitted): "
        + (", ".join(f"`{r['parameter']}`" for r in fixed) or "none")
        + (f" ({'; '.join(reasons)})" if reasons else "")
        + ". Monte Carlo errors in the sidecar are a bootstrap over the particles given the "
        "calibration; between calibration seeds a ratio near the threshold can cross it."
    )
    if sc.get("quick"):
        text += " **Quick settings: not the published figures.**"
    return text


def blocks(sidecar: Mapping[str, Any]) -> dict[str, str]:
    """The text of every block of :data:`BLOCKS` from ``sidecar``."""
    return {
        "identification-summary": _summary_block(sidecar),
        "identification-table": _table_block(sidecar),
    }


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"<!-- {re.escape(name)}:begin -->\n(.*?)<!-- {re.escape(name)}:end -->", re.S
    )


def own_blocks(text: str) -> dict[str, str]:
    """The current text of this generator's blocks in ``text`` (for ``bakhmut_model.render``,
    which must leave them as they are)."""
    out = {}
    for name in BLOCKS:
        m = _pattern(name).search(text)
        if m is not None:
            out[name] = m.group(1)
    return out


def render(text: str, sidecar: Mapping[str, Any]) -> str:
    """docs/bakhmut-model.md with this generator's blocks rewritten from ``sidecar`` (the other
    blocks untouched). A block of :data:`BLOCKS` missing from the doc is an error."""
    new = blocks(sidecar)
    missing = [n for n in new if n not in F.block_names(text)]
    if missing:
        raise ValueError(f"docs/bakhmut-model.md: blocks without a marker: {missing}")
    for name, body in new.items():
        repl = f"<!-- {name}:begin -->\n{body.strip(chr(10))}\n<!-- {name}:end -->"
        text = _pattern(name).sub(lambda _m, r=repl: r, text)
    return text
