"""What moves the headline: the fused totals with each claimant group left out, and with each
bias prior's centre and spread halved or doubled.

:func:`headline_influence` refits the fusion once per variant (same seed and settings) and
returns one row per variant and side: the fused casualties at the battle (median and 90%
interval) and the change of the median from the fit with every claim and the default priors.
:func:`leave_one_source_out` refits once per source (an original estimate and its
restatements).

The default model is the default fusion, the joint one
(:class:`~attrition.infer.fusion.joint.JointFog`): totals are read at the battle (scope
``city``). A group or source is left out through :attr:`JointFog.leave_out
<attrition.infer.fusion.joint.JointFog.leave_out>`: its observations get weight 0 and stay in
the data, so every refit shares the compiled sampler of the default fit and only the weights
change (the left-out group's bias then follows its prior alone and moves nothing). The groups
are those of the fit's observations: the claimant groups of the claims, each claimant
stream's own group (at Bakhmut ``UA_GENSTAFF``, the General Staff's daily series) and
:data:`~attrition.infer.fusion.joint_layout.STREAM_GROUP` (``NAMED``: the named-dead count
streams, a ratio observation and a lower bound). Its bias priors
(:class:`~attrition.infer.fusion.joint_priors.JointPriors` ``bias``; default learned from the
historical claim-vs-record pairs) are ``(loc, scale)`` of a group's log multiplier per relation
of claimant to subject (``enemy``, ``own``, ``third_party``). "Centre halved" multiplies
``loc`` by 0.5 (a prior of inflation by x1.5 becomes x1.22), "centre doubled" by 2 (x2.25);
"spread halved/doubled" multiplies ``scale``. A relation whose centre is 0 (no direction) has
only its spread varied.

``model="independent"`` runs the same study on the former fusion,
:class:`~attrition.infer.fusion.FogOfWar` (claims read as figures about the battle, groups the
claims' claimant sides, its :class:`~attrition.infer.fusion.FogPriors` ``bias_enemy``,
``bias_self``, ``bias_neutral``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from attrition.infer.fusion.sides import BattleLike

__all__ = [
    "BIAS_PRIORS",
    "INFLUENCE_MODELS",
    "JOINT_BIAS_RELATIONS",
    "headline_influence",
    "influence_variants",
    "leave_one_source_out",
]

INFLUENCE_MODELS: tuple[str, ...] = ("joint", "independent")
"""The fusion models the study refits: ``joint`` (the default fusion) or ``independent``."""

BIAS_PRIORS: tuple[str, ...] = ("bias_enemy", "bias_self", "bias_neutral")
"""The bias priors of :class:`~attrition.infer.fusion.FogPriors` the study varies
(``model="independent"``)."""

JOINT_BIAS_RELATIONS: tuple[str, ...] = ("enemy", "own", "third_party")
"""The relations of :attr:`JointPriors.bias <attrition.infer.fusion.joint_priors.JointPriors>`
whose priors the study varies (``model="joint"``; the model's order)."""

COLUMNS: tuple[str, ...] = (
    "variant",
    "kind",
    "group",
    "side",
    "median",
    "q05",
    "q95",
    "change",
    "n_claims",
    "r_hat_max",
)


def _check_model(model: str) -> None:
    if model not in INFLUENCE_MODELS:
        raise UserError(
            f"influence: unknown fusion model {model!r}; use one of {', '.join(INFLUENCE_MODELS)}"
        )


def _scaled(label: str, loc: float, scale: float) -> list[tuple[str, tuple[float, float]]]:
    """The halved and doubled centre (when not 0) and spread of one ``(loc, scale)`` prior."""
    out: list[tuple[str, tuple[float, float]]] = []
    if loc != 0.0:
        out += [
            (f"{label} bias centre halved", (loc * 0.5, scale)),
            (f"{label} bias centre doubled", (loc * 2.0, scale)),
        ]
    out += [
        (f"{label} bias spread halved", (loc, scale * 0.5)),
        (f"{label} bias spread doubled", (loc, scale * 2.0)),
    ]
    return out


def influence_variants(
    groups: Sequence[str],
    model: str = "joint",
    bias: Mapping[str, tuple[float, float]] | None = None,
) -> list[dict[str, Any]]:
    """The variants, in order: ``default``; each group left out; each bias prior's centre
    (when not 0) and spread halved and doubled. Each is a dict with ``variant`` (label),
    ``kind`` (``default``, ``left_out``, ``prior``), ``group`` (left out, or ``""``) and
    ``change`` (a mapping for the priors' ``replace``, or ``{}``).

    ``model="joint"``: the priors varied are :data:`JOINT_BIAS_RELATIONS` of ``bias``
    (``{relation: (loc, scale)}``; default the default priors',
    :meth:`JointPriors.bias_priors <attrition.infer.fusion.joint_priors.JointPriors.bias_priors>`),
    and a variant's ``change`` is ``{"bias": {relation: (loc, scale)}}`` with every relation.
    ``model="independent"``: :data:`BIAS_PRIORS` of :class:`~attrition.infer.fusion.FogPriors`,
    ``change`` ``{name: (mean, sd)}``."""
    _check_model(model)
    out: list[dict[str, Any]] = [
        {"variant": "default", "kind": "default", "group": "", "change": {}}
    ]
    for g in groups:
        out.append({"variant": f"without {g}", "kind": "left_out", "group": g, "change": {}})
    if model == "joint":
        from attrition.infer.fusion.joint_priors import JointPriors

        base = dict(bias) if bias is not None else JointPriors().bias_priors()[0]
        for rel in JOINT_BIAS_RELATIONS:
            loc, scale = base[rel]
            for text, value in _scaled(rel.replace("_", "-"), float(loc), float(scale)):
                change = {"bias": {**base, rel: value}}
                out.append({"variant": text, "kind": "prior", "group": "", "change": change})
        return out
    from attrition.infer.fusion import FogPriors

    fp = FogPriors()
    for name in BIAS_PRIORS:
        mean, sd = getattr(fp, name)
        for text, value in _scaled(name.removeprefix("bias_"), mean, sd):
            out.append({"variant": text, "kind": "prior", "group": "", "change": {name: value}})
    return out


def _check_only(only: Sequence[str] | None, variants: list[dict[str, Any]]) -> None:
    if only is None:
        return
    known = [str(v["variant"]) for v in variants]
    for label in only:
        if label not in known:
            raise UserError(
                f"headline influence: unknown variant {label!r}; known: {', '.join(known)}"
            )


def _joint_groups(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None,
    battle: BattleLike,
    options: Mapping[str, Any],
) -> list[str]:
    """The groups of a joint fit's observations, read without fitting: the used claims'
    claimant groups and the groups of the streams the fit reads (a claimant stream's own
    group, :data:`~attrition.infer.fusion.joint_layout.STREAM_GROUP` for count streams)."""
    from attrition.infer.fusion.claims import prepare_claims
    from attrition.infer.fusion.joint_layout import STREAM_GROUP, joint_battle, joint_spec
    from attrition.infer.fusion.lineage import with_lineage
    from attrition.infer.fusion.sides import FusionSides
    from attrition.infer.fusion.streams import streams_known_by

    claims = with_lineage(claims, options.get("lineage"), battle=battle)
    spec = joint_spec(battle, claims)
    names = options.get("streams")
    cutoff = options.get("cutoff")
    if names is None and cutoff is not None:
        names = streams_known_by(sorted({r.stream for r in spec.fusion.streams}), cutoff)
    jb = joint_battle(spec, None if names is None else list(names))
    used = prepare_claims(
        claims, options.get("window"), cutoff, phases, battle=FusionSides.from_spec(spec)
    ).used
    if used.empty:
        raise UserError("headline influence: no usable claims; add claims in the claims schema")
    groups = {str(g) for g in used["claimant_side"]}
    groups |= {r.group if r.role == "claimant" else STREAM_GROUP for r in jb.roles}
    return sorted(groups)


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
    model: str = "joint",
    options: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Refit the fusion ``model`` under every variant of :func:`influence_variants` and return
    a tidy table: ``variant``, ``kind``, ``group``, ``side``, ``median``, ``q05``, ``q95`` (the
    side's fused casualties; joint model: at the battle, scope ``city``), ``change`` (relative
    change of the median from ``default``), ``n_claims`` (observations with weight: claims,
    and with the joint model stream months), ``r_hat_max``.

    ``only``: fit just these variant labels (``default`` is always fitted; an unknown label is
    refused before any fit); ``progress`` is called with each variant's label before its fit;
    ``options``: further settings of the model (e.g. ``{"streams": ()}``, ``{"window": ...}``).
    With the joint model the groups are those of the observations (module docstring), the
    default row is the plain fit ``JointFog(draws=, chains=, seed=, battle=, **options)``
    bit for bit, and every refit reuses its compiled sampler."""
    _check_model(model)
    opts = dict(options or {})
    if model == "independent":
        return _independent_influence(
            claims, phases, draws, chains, seed, battle, only, progress, opts
        )
    import pandas as pd

    from attrition.infer.fusion.joint import JointFog
    from attrition.infer.fusion.joint_priors import JointPriors

    priors = opts.pop("priors", None) or JointPriors()
    if priors.bias is None and opts.get("cutoff") is not None:
        # a cutoff fit refits its bias priors on the pairs known by then: vary those
        from attrition.infer.fusion.joint_priors import relation_priors_known_by

        bias = relation_priors_known_by(opts["cutoff"])[0]
    else:
        bias = priors.bias_priors()[0]
    _check_only(only, influence_variants(_joint_groups(claims, phases, battle, opts), bias=bias))

    def fit(v: dict[str, Any]) -> JointFog:
        if progress is not None:
            progress(str(v["variant"]))
        return JointFog(
            draws=draws,
            chains=chains,
            seed=seed,
            warn=False,
            battle=battle,
            priors=priors.replace(**v["change"]) if v["change"] else priors,
            leave_out={"group": [v["group"]]} if v["kind"] == "left_out" else None,
            **opts,
        ).fit(claims, phases)

    default = {"variant": "default", "kind": "default", "group": "", "change": {}}
    base = fit(default)
    groups = sorted({str(g) for g in base.observations_["group"]})
    variants = influence_variants(groups, bias=bias)
    _check_only(only, variants)
    rows: list[dict[str, Any]] = []
    for v in variants:
        if v["kind"] != "default" and only is not None and v["variant"] not in only:
            continue
        fog = base if v["kind"] == "default" else fit(v)
        n_obs = int((fog.observations_["weight"] > 0).sum())
        for side in fog.sides_.sides:
            rows.append(
                {
                    "variant": v["variant"],
                    "kind": v["kind"],
                    "group": v["group"],
                    "side": side,
                    **fog.total(side),
                    "n_claims": n_obs,
                    "r_hat_max": float(fog.diagnostics_.r_hat_max),
                }
            )
    return _with_change(pd.DataFrame(rows))


def _with_change(table: pd.DataFrame) -> pd.DataFrame:
    """The table with ``change`` (each median relative to the side's ``default``), in
    :data:`COLUMNS` order."""
    base = table[table["kind"] == "default"].set_index("side")["median"]
    table["change"] = table["median"] / table["side"].map(base) - 1.0
    return table[list(COLUMNS)]


def _independent_influence(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None,
    draws: int,
    chains: int,
    seed: int,
    battle: BattleLike,
    only: Sequence[str] | None,
    progress: Callable[[str], None] | None,
    options: dict[str, Any],
) -> pd.DataFrame:
    """:func:`headline_influence` on :class:`~attrition.infer.fusion.FogOfWar` (groups: the
    used claims' claimant sides, left out by weight 0)."""
    import numpy as np
    import pandas as pd

    from attrition.infer.fusion import FogOfWar, FogPriors, prepare_claims

    used = prepare_claims(
        claims, options.get("window"), options.get("cutoff"), phases, battle=battle
    ).used
    if used.empty:
        raise UserError("headline influence: no usable claims; add claims in the claims schema")
    groups = sorted(str(g) for g in used["claimant_side"].unique())
    variants = influence_variants(groups, model="independent")
    _check_only(only, variants)
    if only is not None:
        variants = [v for v in variants if v["kind"] == "default" or v["variant"] in only]
    priors = options.pop("priors", None) or FogPriors()
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
            priors=priors.replace(**v["change"]),
            battle=battle,
            **options,
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
    return _with_change(pd.DataFrame(rows))


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
    model: str = "joint",
    options: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Refit with each source left out and return one row per source with at least
    ``min_claims`` observations: ``source_id``, ``n_claims``, ``claimants`` (``; ``-joined),
    and per side ``<side>_median`` and ``<side>_change`` (the relative change of the fused
    casualties' median from the fit with every claim; joint model: at the battle), sorted by
    the largest absolute change.

    A source is every claim sharing a ``source_id`` (one original estimate and its
    restatements; a claim without one is its own source); with the joint model each stream
    read is one source too (``source_id`` ``stream:<name>``, every month of it). Same seed and
    settings for every refit (``options``: further settings of the model); a change smaller
    than the fits' Monte Carlo error (compare two seeds of the default) is noise."""
    _check_model(model)
    opts = dict(options or {})
    if model == "independent":
        return _independent_sources(
            claims, phases, min_claims, draws, chains, seed, battle, progress, opts
        )
    from attrition.infer.fusion.joint import JointFog

    def fit(leave_out: dict[str, list[str]] | None) -> JointFog:
        return JointFog(
            draws=draws,
            chains=chains,
            seed=seed,
            warn=False,
            battle=battle,
            leave_out=leave_out,
            **opts,
        ).fit(claims, phases)

    base = fit(None)
    obs = base.observations_
    # a claim's source is its source_id; a stream's every month is one source, its name
    key = obs["source_id"].where(obs["source"] == "claim", obs["source"]).astype(str)
    col = obs["source"].map(lambda s: "source_id" if s == "claim" else "source")
    counts = key.value_counts()
    sides = list(base.sides_.sides)
    base_median = {s: base.total(s)["median"] for s in sides}
    rows: list[dict[str, Any]] = []
    for source in sorted(str(k) for k in counts[counts >= min_claims].index):
        if progress is not None:
            progress(source)
        mask = (key == source).to_numpy()
        fog = fit({str(col[mask].iloc[0]): [source]})
        row: dict[str, Any] = {
            "source_id": source,
            "n_claims": int(mask.sum()),
            "claimants": "; ".join(sorted({str(c) for c in obs.loc[mask, "claimant"]})),
        }
        for s in sides:
            m = fog.total(s)["median"]
            row[f"{s}_median"] = m
            row[f"{s}_change"] = m / base_median[s] - 1.0
        rows.append(row)
    return _sorted_sources(rows, sides)


def _sorted_sources(rows: list[dict[str, Any]], sides: list[str]) -> pd.DataFrame:
    import pandas as pd

    table = pd.DataFrame(rows)
    if table.empty:
        return table
    worst = table[[f"{s}_change" for s in sides]].abs().max(axis=1)
    return table.assign(_w=worst).sort_values("_w", ascending=False).drop(columns="_w")


def _independent_sources(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None,
    min_claims: int,
    draws: int,
    chains: int,
    seed: int,
    battle: BattleLike,
    progress: Callable[[str], None] | None,
    options: dict[str, Any],
) -> pd.DataFrame:
    """:func:`leave_one_source_out` on :class:`~attrition.infer.fusion.FogOfWar`."""
    import numpy as np

    from attrition.infer.fusion import FogOfWar, prepare_claims

    used = prepare_claims(
        claims, options.get("window"), options.get("cutoff"), phases, battle=battle
    ).used
    if used.empty:
        raise UserError("leave one source out: no usable claims; add claims in the claims schema")
    if "source_id" in used.columns:
        src = used["source_id"].astype(str).where(used["source_id"].astype(str) != "", used["id"])
    else:
        src = used["id"].astype(str)

    def fit(weights: np.ndarray) -> Any:
        return FogOfWar(
            draws=draws, chains=chains, seed=seed, warn=False, battle=battle, **options
        ).fit(claims, phases, weights=list(weights))

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
    return _sorted_sources(rows, sides)
