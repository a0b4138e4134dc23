"""Prepared claims (and stream rows) into the arrays the model reads (:class:`Encoded`)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from attrition.infer.fusion.claims import PreparedClaims
from attrition.infer.fusion.model import ModelData, ModelLayout
from attrition.infer.fusion.priors import FogPriors
from attrition.infer.fusion.sides import BOTH, RELATIONS, FusionSides, battle_sides

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["Encoded", "encode"]

METRIC_CODE = {"casualties": 0, "killed": 1, "wounded": 2, "casualty_ratio": 0}
KIND_CODE = {"point": 0, "lower": 1, "upper": 2, "interval": 3}


@dataclass
class Encoded:
    """The model's input and the bookkeeping to read its output.

    ``obs`` has one row per observation (claims, then stream rows); ``pairs`` are
    ``(claimant, subject)`` with a bias each, ``groups`` ``(claimant side, relation)`` with a
    group-level bias each; ``components`` the component ids the claims speak of (each with a
    share site, :attr:`layout`).
    """

    data: ModelData
    layout: ModelLayout
    sides: FusionSides
    claimants: list[str]
    claimant_sides: list[str]
    pairs: list[tuple[str, str]]  # (claimant, subject)
    pair_relations: list[str]
    groups: list[tuple[str, str]]  # (claimant side, relation)
    obs: pd.DataFrame
    components: list[str]
    n_days: int
    week_of_day: np.ndarray
    start: dt.date

    @property
    def has_wagner(self) -> bool:
        """Whether a ``WAGNER`` component share is estimated (kept for older callers; see
        :attr:`components`)."""
        return "WAGNER" in self.components


def _obs_rows(prepared: PreparedClaims, streams: pd.DataFrame | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for r in prepared.used.to_dict("records"):
        rows.append(
            {
                "id": r["id"],
                "source": "claim",
                "role": "claim",
                "placement": str(r["reason"]),
                "claimant": str(r["claimant"]),
                "claimant_side": str(r["claimant_side"]),
                "subject": r["subject"],
                "metric": str(r["metric"]),
                "rate": str(r["rate"]),
                "start": r["start"],
                "end": r["end"],
                "kind": r["kind"],
                "log_lo": r["log_lo"],
                "log_hi": r["log_hi"],
                "about": bool(r["about"]),
            }
        )
    if streams is not None:
        for r in streams.to_dict("records"):
            rows.append(
                {
                    "id": r["id"],
                    "source": f"stream:{r['stream']}",
                    "role": r["role"],
                    "placement": "stream month",
                    "claimant": str(r["claimant"]),
                    "claimant_side": str(r["claimant_side"]),
                    "subject": r["subject"],
                    "metric": str(r["metric"]),
                    "rate": "total",
                    "start": r["start"],
                    "end": r["end"],
                    "kind": "lower" if r["role"] == "lower" else "point",
                    "log_lo": math.log(float(r["value"])),
                    "log_hi": math.log(float(r["value"])),
                    "about": False,
                }
            )
    return rows


def encode(
    prepared: PreparedClaims,
    priors: FogPriors,
    streams: pd.DataFrame | None,
    weights: Sequence[float] | None = None,
) -> Encoded:
    """Encode prepared claims and stream rows (:func:`stream_observations`) for the model.

    ``weights`` (one per used claim) scale the claims' log-likelihoods; stream rows weigh 1.
    """
    import numpy as np
    import pandas as pd

    sides = prepared.sides or battle_sides()
    start, end = prepared.window
    n_days = (end - start).days + 1
    week_of_day = np.arange(n_days) // 7
    n_weeks = int(week_of_day[-1]) + 1
    change = np.zeros(n_weeks, dtype=np.float32)
    for cp in prepared.change_points:
        k = (cp - start).days // 7
        if 0 < k < n_weeks:
            change[k] = 1.0

    obs = pd.DataFrame(_obs_rows(prepared, streams))
    n = len(obs)
    n_sides = len(sides.sides)
    ratio_sides: tuple[str, ...] = sides.ratio_sides or ()
    claimants = sorted(set(obs["claimant"]))
    side_of: dict[str, str] = {}
    for c, cs in zip(obs["claimant"], obs["claimant_side"], strict=True):
        side_of.setdefault(c, cs)
    pair_set: set[tuple[str, str]] = set()
    for r in obs.to_dict("records"):
        if r["metric"] == "casualty_ratio":
            pair_set.update((r["claimant"], s) for s in ratio_sides)
        else:
            pair_set.add((r["claimant"], r["subject"]))
    order = {s: i for i, s in enumerate(sides.subjects)}
    pairs = sorted(pair_set, key=lambda p: (p[0], order[p[1]]))
    pair_rel = [sides.relation(side_of[c], s) for c, s in pairs]
    groups = sorted(
        {(side_of[c], rel) for (c, _), rel in zip(pairs, pair_rel, strict=True)},
    )
    g_index = {g: i for i, g in enumerate(groups)}
    p_index = {p: i for i, p in enumerate(pairs)}
    c_index = {c: i for i, c in enumerate(claimants)}
    rel_index = {r: i for i, r in enumerate(RELATIONS)}
    spoken = set(obs["subject"])
    components = [c for c in sides.component_ids if c in spoken]
    comp_index = {c: k for k, c in enumerate(components)}

    overlap = np.zeros((n, n_weeks), dtype=np.float32)
    div = np.ones(n, dtype=np.float32)
    ndays = np.ones(n, dtype=np.float32)
    side_coef = np.zeros((n, n_sides), dtype=np.float32)
    component = np.zeros(n, dtype=np.int32)
    metric_code = np.zeros(n, dtype=np.int32)
    is_ratio = np.zeros(n, dtype=np.float32)
    kind = np.zeros(n, dtype=np.int32)
    log_lo = np.zeros(n, dtype=np.float32)
    log_hi = np.zeros(n, dtype=np.float32)
    about = np.zeros(n, dtype=np.float32)
    claimant = np.zeros(n, dtype=np.int32)
    pair = np.zeros(n, dtype=np.int32)
    pair2 = np.zeros(n, dtype=np.int32)
    n_offsets = 2 * n_sides if streams is not None and len(streams) else 0
    offset = np.zeros((n, n_offsets), dtype=np.float32)
    for i, r in enumerate(obs.to_dict("records")):
        first, last = (r["start"] - start).days, (r["end"] - start).days
        np.add.at(overlap[i], week_of_day[first : last + 1], 1.0)
        ndays[i] = last - first + 1
        if r["rate"] == "per_day":
            div[i] = ndays[i]
        subj = r["subject"]
        if subj == BOTH:
            side_coef[i] = 1.0
        else:
            side_coef[i, sides.side_index(subj)] = 1.0
        if subj in comp_index:
            component[i] = comp_index[subj] + 1
        metric_code[i] = METRIC_CODE[r["metric"]]
        kind[i] = KIND_CODE[r["kind"]]
        log_lo[i] = r["log_lo"]
        log_hi[i] = r["log_hi"]
        about[i] = 1.0 if r["about"] else 0.0
        claimant[i] = c_index[r["claimant"]]
        if r["metric"] == "casualty_ratio":
            is_ratio[i] = 1.0
            pair[i] = p_index[(r["claimant"], ratio_sides[0])]
            pair2[i] = p_index[(r["claimant"], ratio_sides[1])]
        else:
            pair[i] = pair2[i] = p_index[(r["claimant"], subj)]
        if n_offsets and r["role"] in ("scaled", "lower"):  # stream rows speak of one side
            offset[i, sides.side_index(subj)] = 1.0
        elif n_offsets and r["role"] == "timing":
            offset[i, n_sides + sides.side_index(subj)] = 1.0
    w = np.ones(n, dtype=np.float32)
    if weights is not None:
        w[: len(weights)] = np.asarray(weights, dtype=np.float32)
    rel_prior = np.array(
        [priors.bias_enemy, priors.bias_self, priors.bias_neutral], dtype=np.float32
    )
    sites = sides.component_sites()
    layout = ModelLayout(components=tuple((sites[c], sides.side_index(c)) for c in components))
    data = ModelData(
        change=change,
        overlap=overlap,
        div=div,
        ndays=ndays,
        side_coef=side_coef,
        component=component,
        metric=metric_code,
        ratio=is_ratio,
        kind=kind,
        log_lo=log_lo,
        log_hi=log_hi,
        about=about,
        claimant=claimant,
        pair=pair,
        pair2=pair2,
        weight=w,
        offset=offset,
        pair_group=np.array(
            [g_index[(side_of[c], rel)] for (c, _), rel in zip(pairs, pair_rel, strict=True)],
            dtype=np.int32,
        ),
        pair_rel=np.array([rel_index[r] for r in pair_rel], dtype=np.int32),
        group_rel=np.array([rel_index[r] for _, r in groups], dtype=np.int32),
        n_claimants=np.zeros(len(claimants), dtype=np.float32),
        rel_prior=rel_prior,
        scalars=np.array(priors.scalars(), dtype=np.float32),
        component_ab=np.array(priors.component_share, dtype=np.float32),
        share_ab=np.array(priors.stream_share, dtype=np.float32),
        scale_prior=np.array(priors.stream_scale, dtype=np.float32),
    )
    return Encoded(
        data=data,
        layout=layout,
        sides=sides,
        claimants=claimants,
        claimant_sides=[side_of[c] for c in claimants],
        pairs=pairs,
        pair_relations=pair_rel,
        groups=groups,
        obs=obs,
        components=components,
        n_days=n_days,
        week_of_day=week_of_day,
        start=start,
    )
