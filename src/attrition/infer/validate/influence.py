"""What moves the headline: the fused totals with each claimant group left out, and with each
bias prior's centre and spread halved or doubled.

:func:`headline_influence` refits the fusion once per variant (same seed and settings) and
returns one row per variant and side: the fused casualties (median and 90% interval) and the
change of the median from the fit with every claim and the default priors. A group is left out
by giving its claims weight 0, so the compiled program is shared and only the data change.

The bias priors of :class:`~attrition.infer.fusion.FogPriors` are log-normal: ``bias_enemy``,
``bias_self`` and ``bias_neutral`` are ``(mean, sd)`` of a log multiplier. "Centre halved"
multiplies the log mean by 0.5 (a prior of inflation by x1.5 becomes x1.22), "centre doubled"
by 2 (x2.25); "spread halved/doubled" multiplies the sd. A neutral prior's centre is 1
(log 0), so only its spread is varied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from attrition.infer.fusion.sides import BattleLike

__all__ = ["BIAS_PRIORS", "headline_influence", "influence_variants", "leave_one_source_out"]

BIAS_PRIORS: tuple[str, ...] = ("bias_enemy", "bias_self", "bias_neutral")
"""The bias priors of :class:`~attrition.infer.fusion.FogPriors` the study varies."""


def influence_variants(groups: list[str]) -> list[dict[str, Any]]:
    """The variants, in order: ``default``; each claimant group left out; each bias prior's
    centre (directional priors only) and spread halved and doubled. Each is a dict with
    ``variant`` (label), ``kind`` (``default``, ``left_out``, ``prior``), ``group`` (left out,
    or ``""``) and ``change`` (a :meth:`FogPriors.replace` mapping, or ``{}``)."""
    from attrition.infer.fusion import FogPriors

    base = FogPriors()
    out: list[dict[str, Any]] = [
        {"variant": "default", "kind": "default", "group": "", "change": {}}
    ]
    for g in groups:
        out.append({"variant": f"without {g}", "kind": "left_out", "group": g, "change": {}})
    for name in BIAS_PRIORS:
        mean, sd = getattr(base, name)
        label = name.removeprefix("bias_")
        factors: list[tuple[str, tuple[float, float]]] = []
        if mean != 0.0:
            factors += [
                (f"{label} bias centre halved", (mean * 0.5, sd)),
                (f"{label} bias centre doubled", (mean * 2.0, sd)),
            ]
        factors += [
            (f"{label} bias spread halved", (mean, sd * 0.5)),
            (f"{label} bias spread doubled", (mean, sd * 2.0)),
        ]
        for text, value in factors:
            out.append({"variant": text, "kind": "prior", "group": "", "change": {name: value}})
    return out


def headline_influence(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None = None,
    *,
    draws: int = 300,
    chains: int = 2,
    seed: int = 0,
    battle: BattleLike = None,
    only: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Refit the fusion under every variant of :func:`influence_variants` (claimant groups:
    those with used claims) and return a tidy table: ``variant``, ``kind``, ``group``,
    ``side``, ``median``, ``q05``, ``q95``, ``change`` (relative change of the median from
    ``default``), ``n_claims`` (claims with weight), ``r_hat_max``. ``only``: fit just these variant
    labels (``default`` is always fitted); ``progress`` is called with each variant's label
    before its fit."""
    import numpy as np
    import pandas as pd

    from attrition.infer.fusion import FogOfWar, FogPriors, prepare_claims

    used = prepare_claims(claims, None, None, phases, battle=battle).used
    if used.empty:
        raise UserError("headline influence: no usable claims; add claims in the claims schema")
    groups = sorted(str(g) for g in used["claimant_side"].unique())
    variants = influence_variants(groups)
    if only is not None:
        known = [str(v["variant"]) for v in variants]
        for label in only:
            if label not in known:
                raise UserError(
                    f"headline influence: unknown variant {label!r}; known: {', '.join(known)}"
                )
        variants = [v for v in variants if v["kind"] == "default" or v["variant"] in only]
    rows: list[dict[str, Any]] = []
    for v in variants:
        if progress is not None:
            progress(str(v["variant"]))
        weights = np.ones(len(used))
        if v["kind"] == "left_out":
            weights[(used["claimant_side"] == v["group"]).to_numpy()] = 0.0
        fog = FogOfWar(
            draws=draws,
            chains=chains,
            seed=seed,
            warn=False,
            priors=FogPriors().replace(**v["change"]),
            battle=battle,
        ).fit(claims, phases, weights=list(weights))
        for side in fog.sides_.sides:
            rows.append(
                {
                    "variant": v["variant"],
                    "kind": v["kind"],
                    "group": v["group"],
                    "side": side,
                    **fog.total(side),
                    "n_claims": int((weights > 0).sum()),
                    "r_hat_max": float(fog.diagnostics_.r_hat_max),
                }
            )
    table = pd.DataFrame(rows)
    base = table[table["kind"] == "default"].set_index("side")["median"]
    table["change"] = table["median"] / table["side"].map(base) - 1.0
    cols = ["variant", "kind", "group", "side", "median", "q05", "q95", "change", "n_claims"]
    return table[[*cols, "r_hat_max"]]


def leave_one_source_out(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None = None,
    *,
    min_claims: int = 1,
    draws: int = 300,
    chains: int = 2,
    seed: int = 0,
    battle: BattleLike = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Refit with each source left out (every claim sharing its ``source_id``: one original
    estimate and its restatements; claims without one are their own source) and return one row
    per source with at least ``min_claims`` used claims: ``source_id``, ``n_claims``,
    ``claimants`` (``; ``-joined), and per side ``<side>_median`` and ``<side>_change`` (the
    relative change of the fused casualties' median from the fit with every claim), sorted by
    the largest absolute change. Same seed and settings for every refit; a change smaller than
    the fits' Monte Carlo error (compare two seeds of the default) is noise."""
    import numpy as np
    import pandas as pd

    from attrition.infer.fusion import FogOfWar, prepare_claims

    used = prepare_claims(claims, None, None, phases, battle=battle).used
    if used.empty:
        raise UserError("leave one source out: no usable claims; add claims in the claims schema")
    if "source_id" in used.columns:
        src = used["source_id"].astype(str).where(used["source_id"].astype(str) != "", used["id"])
    else:
        src = used["id"].astype(str)

    def fit(weights: np.ndarray) -> Any:
        return FogOfWar(draws=draws, chains=chains, seed=seed, warn=False, battle=battle).fit(
            claims, phases, weights=list(weights)
        )

    base = fit(np.ones(len(used)))
    sides = list(base.sides_.sides)
    base_median = {s: base.total(s)["median"] for s in sides}
    counts = src.value_counts()
    rows: list[dict[str, Any]] = []
    for source in sorted(counts[counts >= min_claims].index):
        if progress is not None:
            progress(str(source))
        mask = (src == source).to_numpy()
        fog = fit(np.where(mask, 0.0, 1.0))
        row: dict[str, Any] = {
            "source_id": str(source),
            "n_claims": int(mask.sum()),
            "claimants": "; ".join(sorted({str(c) for c in used.loc[mask, "claimant"]})),
        }
        for s in sides:
            m = fog.total(s)["median"]
            row[f"{s}_median"] = m
            row[f"{s}_change"] = m / base_median[s] - 1.0
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    worst = table[[f"{s}_change" for s in sides]].abs().max(axis=1)
    return table.assign(_w=worst).sort_values("_w", ascending=False).drop(columns="_w")
