"""The joint fusion's observations: claims and stream months as rows, then as model arrays.

:func:`claim_rows` reads the used claims at their scope, subject (a claim's ``component`` when
it names one) and restatement weight, leaving out the claims a read claimant stream replaces;
:func:`stream_rows` turns stream months into observations by their role in the battle's
``[fusion]`` table; :func:`encode` builds the :class:`~.joint_model.JointData` arrays.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from attrition.errors import DataWarning
from attrition.infer.fusion.joint_layout import BOTH, STREAM_GROUP, JointBattle
from attrition.infer.fusion.joint_model import BASIS_METRICS, JointData, scalars_of
from attrition.infer.fusion.joint_priors import BIAS_RELATIONS, JointPriors
from attrition.infer.fusion.lineage import WIDE_QUALIFIERS, restatement_weights

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from attrition.infer.fusion.claims import PreparedClaims

__all__ = ["Encoded", "claim_rows", "encode", "stream_rows"]

SCOPE_CODE = {"city": 0, "sector": 1, "front": 2, "unspecified": 3}
KIND_CODE = {"point": 0, "lower": 1, "upper": 2, "interval": 3}
METRIC_CODE = {"casualties": 0, "killed": 1, "wounded": 2, "casualty_ratio": 3}
ROLE_CODE = {"claimant": 0, "named_ratio": 1, "lower_bound": 2}


def claim_rows(
    prepared: PreparedClaims, jb: JointBattle
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """The used claims as observation rows, and the claims left out with their reasons (the
    preparation's, and the claims a read claimant stream replaces)."""
    import pandas as pd

    replaced = [(r.replaces, r) for r in jb.roles if r.role == "claimant" and r.replaces]
    out: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = [
        {"id": r["id"], "reason": r["reason"]}
        for r in prepared.table[~prepared.table["used"]].to_dict("records")
    ]
    for r in prepared.used.to_dict("records"):
        source = str(r["source_id"])
        hit = next((role for prefix, role in replaced if source.startswith(prefix)), None)
        if hit is not None:
            excluded.append(
                {"id": r["id"], "reason": f"restates the {hit.stream} stream: read as the stream"}
            )
            continue
        metric = str(r["metric"])
        subject = BOTH if metric == "casualty_ratio" else str(r["subject"])
        comp = str(r["component"])
        if comp and metric != "casualty_ratio":
            subject = comp
        out.append(
            {
                "id": str(r["id"]),
                "source": "claim",
                "role": 0,
                "claimant": str(r["claimant"]),
                "group": str(r["claimant_side"]),
                "subject": subject,
                "metric": metric,
                "rate": str(r["rate"]),
                "start": r["start"],
                "end": r["end"],
                "kind": str(r["kind"]),
                "log_lo": float(r["log_lo"]),
                "log_hi": float(r["log_hi"]),
                "about": bool(r["about"]),
                "scope": str(r["scope"]),
                "sector_name": str(r["scope_note"]) if r["scope"] == "sector" else "",
                "wide": str(r["scope_qualifier"]).strip().lower() in WIDE_QUALIFIERS,
                "source_id": source,
            }
        )
    weights = restatement_weights([r["source_id"] for r in out])
    for row, w in zip(out, weights, strict=True):
        row["weight"] = w
    return out, pd.DataFrame(excluded, columns=["id", "reason"])


def stream_rows(table: pd.DataFrame, jb: JointBattle) -> list[dict[str, Any]]:
    """Stream months (:func:`~attrition.infer.fusion.stream_observations`) as observations, by
    the role of their stream and side: a ``claimant`` series a point claim of the role's group
    about the front; a ``named_ratio`` series the ratio observation (model role 1); a
    ``lower_bound`` series a lower bound on the front's killed (role 2). A series without a
    role is not read."""
    rows: list[dict[str, Any]] = []
    for r in table.to_dict("records"):
        value = float(r["value"])
        if not (math.isfinite(value) and value > 0):
            continue
        name, side = str(r["stream"]), str(r["subject"])
        role = jb.role(name, side)
        if role is None:
            warnings.warn(
                f"stream {name}: its series about {side} has no role in battle {jb.battle}'s "
                "[fusion.streams]; not read",
                DataWarning,
                stacklevel=2,
            )
            continue
        code = ROLE_CODE[role.role]
        rows.append(
            {
                "id": str(r["id"]),
                "source": f"stream:{name}",
                "role": code,
                "claimant": str(r["claimant"]),
                "group": role.group if code == 0 else STREAM_GROUP,
                "subject": side,
                "metric": str(r["metric"]),
                "rate": "total",
                "start": r["start"],
                "end": r["end"],
                "kind": "lower" if code == 2 else "point",
                "log_lo": math.log(value),
                "log_hi": math.log(value),
                "about": False,
                "scope": "front",
                "sector_name": "",
                "wide": False,
                "source_id": str(r["id"]),
                "weight": 1.0,
            }
        )
    return rows


@dataclass(frozen=True)
class Encoded:
    """What :func:`encode` returns: the observation table, the model arrays, the step of each
    day, and the index lists (group-relation pairs, claimants, sectors) with the bias priors."""

    obs: pd.DataFrame
    data: JointData
    week_of_day: np.ndarray
    groups: list[tuple[str, str]]
    claimants: list[str]
    sectors: list[str]
    bias_priors: dict[str, tuple[float, float]]
    bias_source: str


def encode(
    prepared: PreparedClaims,
    rows: list[dict[str, Any]],
    jb: JointBattle,
    priors: JointPriors,
    step_days: int,
) -> Encoded:
    """The observation rows as the joint model's arrays (:class:`~.joint_model.JointData`)."""
    import numpy as np
    import pandas as pd

    lay = jb.layout
    start, end = prepared.window
    n_days = (end - start).days + 1
    week_of_day = np.arange(n_days) // step_days
    n_weeks = int(week_of_day[-1]) + 1
    change = np.zeros(n_weeks, dtype=np.float32)
    for cp in prepared.change_points:
        k = (cp - start).days // step_days
        if 0 < k < n_weeks:
            change[k] = 1.0

    for r in rows:
        if r["metric"] == "casualty_ratio":
            r["relation"] = jb.relation(r["group"], lay.sides[0])
            r["relation2"] = jb.relation(r["group"], lay.sides[1])
        else:
            r["relation"] = jb.relation(r["group"], r["subject"])
            r["relation2"] = r["relation"]
    obs = pd.DataFrame(rows)
    n = len(obs)
    groups = sorted(
        {(g, rel) for g, rel in zip(obs["group"], obs["relation"], strict=True)}
        | {(g, rel) for g, rel in zip(obs["group"], obs["relation2"], strict=True)}
    )
    claimants = sorted(set(obs["claimant"]))
    sectors = sorted({s for s in obs["sector_name"] if s}) or ["(none)"]
    g_index = {g: i for i, g in enumerate(groups)}
    c_index = {c: i for i, c in enumerate(claimants)}
    e_index = {s: i for i, s in enumerate(sectors)}
    s_index = {s: i for i, s in enumerate(lay.subjects)}
    m_index = {m: i for i, m in enumerate(BASIS_METRICS)}

    f32, i32 = np.float32, np.int32
    overlap = np.zeros((n, n_weeks), dtype=f32)
    div = np.ones(n, dtype=f32)
    ndays = np.ones(n, dtype=f32)
    arrays: dict[str, np.ndarray] = {
        k: np.zeros(n, dtype=i32)
        for k in ("basis", "scope", "sector", "kind", "role", "claimant", "gr", "gr2")
    }
    arrays["metric"] = np.zeros(n, dtype=i32)
    floats = {k: np.zeros(n, dtype=f32) for k in ("ratio", "log_lo", "log_hi", "about")}
    floats |= {k: np.zeros(n, dtype=f32) for k in ("wide", "weight")}
    for i, r in enumerate(rows):
        first, last = (r["start"] - start).days, (r["end"] - start).days
        np.add.at(overlap[i], week_of_day[first : last + 1], 1.0)
        ndays[i] = last - first + 1
        if r["rate"] == "per_day":
            div[i] = ndays[i]
        if r["metric"] == "casualty_ratio":
            floats["ratio"][i] = 1.0
        else:
            arrays["basis"][i] = s_index[r["subject"]] * 3 + m_index[r["metric"]]
        arrays["scope"][i] = SCOPE_CODE[r["scope"]]
        arrays["sector"][i] = e_index.get(r["sector_name"], 0)
        arrays["kind"][i] = KIND_CODE[r["kind"]]
        arrays["role"][i] = r["role"]
        arrays["claimant"][i] = c_index[r["claimant"]]
        arrays["gr"][i] = g_index[(r["group"], r["relation"])]
        arrays["gr2"][i] = g_index[(r["group"], r["relation2"])]
        arrays["metric"][i] = METRIC_CODE[r["metric"]]
        floats["log_lo"][i] = r["log_lo"]
        floats["log_hi"][i] = r["log_hi"]
        floats["about"][i] = 1.0 if r["about"] else 0.0
        floats["wide"][i] = 1.0 if r["wide"] else 0.0
        floats["weight"][i] = r["weight"]
    bias, source = priors.bias_priors()
    rel_code = {r: i for i, r in enumerate(BIAS_RELATIONS)}
    conc, omega_ab = jb.split_arrays()
    data = JointData(
        change=change,
        overlap=overlap,
        div=div,
        ndays=ndays,
        **arrays,
        **floats,
        group_rel=np.array([rel_code[rel] for _, rel in groups], dtype=i32),
        n_claimants=np.zeros(len(claimants), dtype=f32),
        n_sectors=np.zeros(len(sectors), dtype=f32),
        rel_prior=np.array([bias[r] for r in BIAS_RELATIONS], dtype=f32),
        killed_ab=np.array([shapes for shapes, _ in jb.killed], dtype=f32),
        conc=conc,
        omega_ab=omega_ab,
        eta_ab=np.array(priors.sector_share, dtype=f32),
        named_ab=np.array(priors.named_ratio, dtype=f32),
        scalars=np.array(scalars_of(priors, step_days), dtype=f32),
    )
    return Encoded(
        obs=obs,
        data=data,
        week_of_day=week_of_day,
        groups=groups,
        claimants=claimants,
        sectors=sectors,
        bias_priors=bias,
        bias_source=source,
    )


def month_index(start: dt.date, n_days: int) -> tuple[list[str], np.ndarray]:
    """The calendar-month labels of a window and the month of each day."""
    import numpy as np

    days = [start + dt.timedelta(days=t) for t in range(n_days)]
    labels = sorted({f"{d:%Y-%m}" for d in days})
    index = np.array([labels.index(f"{d:%Y-%m}") for d in days])
    return labels, index
