"""Synthetic battles with a known truth for :class:`~attrition.infer.fusion.joint.JointFog`.

:func:`simulate_joint` draws a battle inside a war between an attacker ``ATK`` and a defender
``DEF`` (:data:`SYNTHETIC_BATTLE`, shaped like Bakhmut: the attacker's side split into a
mercenary force's convicts, its contract fighters and the attacker's regulars; the defender one
leaf), then claims about it of every kind the joint model reads, each biased and noisy:

* enemy, own and **biased neutral** claimants (a Western group that inflates the attacker's
  losses, an independent group that understates them: no group is unbiased);
* claims of **wider scope** (sector and whole front) and ``unspecified`` ones (about the battle
  or the front, unknown to the model), and ``mainly``-qualified ones;
* **restatement chains** (one estimate restated by several claimants with one ``source_id``);
* **component subtotals** (the mercenaries' convicts' and contract fighters' killed, the
  regulars' casualties);
* the streams as a table in the format of :func:`attrition.data.streams.load_streams`, read by
  the roles :data:`SYNTHETIC_BATTLE` gives them: a defender's general staff series of the
  attacker's whole-front casualties (biased), the attacker's named dead (a fraction of the
  front's killed) and the defender's named dead (a smaller fraction).

The truth (totals over the window per scope, side and quantity) comes back with the claims, so a
fit can be scored (:func:`coverage`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from attrition.infer.fusion.joint import JointFog

__all__ = ["SYNTHETIC_BATTLE", "SyntheticJoint", "coverage", "simulate_joint", "synthetic_spec"]

SYNTHETIC_BATTLE = """
[battle]
id = "synthetic-joint"
name = "A synthetic battle inside a war"
start = "2022-08-01"
end = "2023-05-31"

[[sides]]
id = "ATK"
label = "Attacker"
components = [{ id = "MERC", label = "A mercenary force", parts = [
    { id = "MERC_CONVICTS", label = "its convict recruits" },
    { id = "MERC_CONTRACT", label = "its contract fighters" },
] }]
remainder = { id = "ATK_REGULAR", label = "the attacker's regular forces" }

[[sides]]
id = "DEF"
label = "Defender"

[[claimant_groups]]
id = "WEST"
label = "Third-party governments"

[[claimant_groups]]
id = "INDEPENDENT"
label = "Independent analysts"

[[claimant_groups]]
id = "OTHER"
label = "Other"

[fusion.killed_share]
MERC_CONVICTS = { shapes = [5.0, 5.0], reason = "as Bakhmut's convict recruits" }
MERC_CONTRACT = { shapes = [3.0, 7.0], reason = "as Bakhmut's contract fighters" }
ATK_REGULAR = { shapes = [2.5, 7.5], reason = "one killed to three wounded" }
DEF = { shapes = [2.5, 7.5], reason = "one killed to three wounded" }

[fusion.split.ATK]
at_battle = { shapes = [2.0, 2.0, 2.0], reason = "no preference" }
elsewhere = { shapes = [1.0, 19.0], reason = "the mercenaries fight mostly at the battle" }

[[fusion.streams]]
stream = "named-dead"
side = "ATK"
role = "named_ratio"

[[fusion.streams]]
stream = "named-dead"
side = "DEF"
role = "lower_bound"

[[fusion.streams]]
stream = "genstaff"
side = "ATK"
role = "claimant"
group = "DEF_STAFF"
group_side = "DEF"
replaces = "def-staff-"
"""
"""The synthetic battle's ``battle.toml``: sides ``ATK`` (components ``MERC``, parts
``MERC_CONVICTS`` and ``MERC_CONTRACT``, remainder ``ATK_REGULAR``) and ``DEF``, with the
priors and stream roles of Bakhmut's ``[fusion]`` table."""

WINDOW = (dt.date(2022, 8, 1), dt.date(2023, 5, 31))
ATK, DEF = "ATK", "DEF"
MERC, CONVICTS, CONTRACT, REGULAR = "MERC", "MERC_CONVICTS", "MERC_CONTRACT", "ATK_REGULAR"
PI = (0.4, 0.25, 0.35)  # convicts, contract, regulars of the attacker's casualties at the battle
KILLED = (0.5, 0.3, 0.25, 0.25)  # convicts, contract, regulars, defender
OMEGA = 0.05  # the mercenaries' share of the attacker's casualties outside the battle
TRUE_BIAS = {  # group -> relation -> log bias (true, unknown to the model)
    DEF: {"enemy": math.log(1.6), "own": math.log(0.6), "third_party": 0.0},
    ATK: {"enemy": math.log(2.5), "own": math.log(0.7), "third_party": 0.0},
    "WEST": {"third_party": math.log(1.3)},
    "INDEPENDENT": {"third_party": math.log(0.8)},
}
GENSTAFF_BIAS = math.log(1.4)
NAMED_ATK, NAMED_DEF = 0.5, 0.3


def synthetic_spec() -> Any:
    """The :class:`~attrition.data.battle.BattleSpec` of :data:`SYNTHETIC_BATTLE`."""
    import tomllib

    from attrition.data.battle import BattleSpec

    data = tomllib.loads(SYNTHETIC_BATTLE)
    fields = {**data["battle"], **{k: v for k, v in data.items() if k != "battle"}}
    return BattleSpec.model_validate(fields)


@dataclass(frozen=True)
class SyntheticJoint:
    """A synthetic battle: ``claims`` (claims schema plus lineage columns), ``phases``,
    ``streams`` (a stream table), ``truth`` (``{scope: {side: {quantity: value}}}`` over
    :data:`WINDOW`, scopes ``city`` and ``front``, sides ``ATK`` and ``DEF``, quantities
    ``casualties`` and ``killed``) and ``daily`` (true daily rates, arrays per scope and side)."""

    claims: pd.DataFrame
    phases: pd.DataFrame
    streams: pd.DataFrame
    truth: dict[str, dict[str, dict[str, float]]]
    daily: dict[str, Any]


def _walk(rng: np.random.Generator, n: int, level: float, sd: float) -> np.ndarray:
    import numpy as np

    steps = rng.normal(0.0, sd, size=n // 7 + 1)
    path = np.cumsum(steps)
    path -= path.mean()
    return np.exp(level + np.repeat(path, 7)[:n])


def simulate_joint(seed: int = 0) -> SyntheticJoint:
    """Draw a synthetic battle inside a war with claims of every kind (module docstring)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    start, end = WINDOW
    n = (end - start).days + 1
    days = [start + dt.timedelta(days=t) for t in range(n)]
    front_atk = _walk(rng, n, math.log(rng.uniform(350, 700)), 0.08)
    share_atk = 1 / (
        1 + np.exp(-(math.log(rng.uniform(0.3, 0.6) / 0.6) + np.log(_walk(rng, n, 0.0, 0.1))))
    )
    city_atk = front_atk * share_atk
    city_def = _walk(rng, n, math.log(rng.uniform(80, 200)), 0.1)
    front_def = city_def + _walk(rng, n, math.log(rng.uniform(250, 500)), 0.08)
    k_c, k_t, k_r, k_def = KILLED
    p_c, p_t, p_r = PI
    city_killed_atk = city_atk * (p_c * k_c + p_t * k_t + p_r * k_r)
    rest = front_atk - city_atk
    wag = p_c + p_t
    front_killed_atk = city_killed_atk + rest * (
        OMEGA * (p_c * k_c + p_t * k_t) / wag + (1 - OMEGA) * k_r
    )
    series = {
        ("city", ATK, "casualties"): city_atk,
        ("city", ATK, "killed"): city_killed_atk,
        ("city", DEF, "casualties"): city_def,
        ("city", DEF, "killed"): city_def * k_def,
        ("front", ATK, "casualties"): front_atk,
        ("front", ATK, "killed"): front_killed_atk,
        ("front", DEF, "casualties"): front_def,
        ("front", DEF, "killed"): front_def * k_def,
        ("city", CONVICTS, "killed"): city_atk * p_c * k_c,
        ("city", CONTRACT, "killed"): city_atk * p_t * k_t,
        ("city", REGULAR, "casualties"): city_atk * p_r,
        ("city", MERC, "killed"): city_atk * (p_c * k_c + p_t * k_t),
        ("city", MERC, "casualties"): city_atk * wag,
    }

    def total(key: tuple[str, str, str], t0: int, t1: int) -> float:
        return float(series[key][t0 : t1 + 1].sum())

    rows: list[dict[str, Any]] = []
    noise_of: dict[str, float] = {}

    def add(
        claimant: str,
        group: str,
        subject: str,
        metric: str,
        t0: int,
        t1: int,
        *,
        scope: str = "city",
        key_scope: str | None = None,
        component: str = "",
        relation: str,
        per_day: bool = False,
        qualifier: str = "about",
        scope_qualifier: str = "",
        scope_note: str = "",
        source_id: str | None = None,
        value: float | None = None,
        bias_extra: float = 0.0,
    ) -> float:
        side_key = component or subject
        truth_scope = key_scope or scope
        true = total((truth_scope, side_key, metric), t0, t1)
        if per_day:
            true /= t1 - t0 + 1
        sd = noise_of.setdefault(claimant, float(rng.uniform(0.1, 0.3)))
        if value is None:
            bias = TRUE_BIAS[group].get(relation, 0.0) + bias_extra
            value = float(true * math.exp(bias + rng.normal(0.0, sd)))
            value = float(round(value, -1)) if value > 100 else float(round(value))
        cid = f"syn-{len(rows) + 1:03d}"
        rows.append(
            {
                "id": cid,
                "claim_date": days[t1] + dt.timedelta(days=1),
                "period_start": days[t0],
                "period_end": days[t1],
                "claimant": claimant,
                "claimant_side": group,
                "subject_side": subject,
                "metric": metric,
                "value_low": value,
                "value_high": value,
                "qualifier": qualifier,
                "rate": "per_day" if per_day else "total",
                "place": "Synthetic",
                "quote": "synthetic",
                "offset": 0,
                "notes": "",
                "scope": scope,
                "scope_qualifier": scope_qualifier,
                "scope_note": scope_note,
                "source_id": source_id or f"src-{cid}",
                "component": component,
            }
        )
        return value

    month_starts = [t for t, d in enumerate(days) if d.day == 1] + [n]
    # defender officials: monthly attacker killed and casualties at the battle
    for a, b in itertools.pairwise(month_starts):
        add("DEF officials", DEF, ATK, "killed", a, b - 1, relation="enemy")
        if rng.random() < 0.5:
            add("DEF officials", DEF, ATK, "casualties", a, b - 1, relation="enemy")
    # daily figures by a defender spokesman
    for _ in range(6):
        t = int(rng.integers(0, n))
        add("DEF spokesman", DEF, ATK, "killed", t, t, relation="enemy")
    # the defender about itself (understated), the attacker about the defender (inflated)
    add("DEF ministry", DEF, DEF, "killed", 0, n // 2, relation="own")
    add("DEF ministry", DEF, DEF, "casualties", n // 2, n - 1, relation="own")
    add("ATK MoD", ATK, DEF, "killed", 0, n - 1, relation="enemy")
    add("ATK MoD", ATK, DEF, "casualties", 60, 200, relation="enemy")
    # the mercenary head's own figures: component subtotals and the mercenaries' total
    add("Mercenary head", ATK, MERC, "killed", 0, n - 1, component=CONVICTS,
        relation="own")  # fmt: skip
    add("Mercenary head", ATK, MERC, "killed", 0, n - 1, component=CONTRACT,
        relation="own")  # fmt: skip
    add("Mercenary head", ATK, MERC, "killed", 0, n - 1, relation="own")
    add("DEF officials", DEF, ATK, "casualties", 100, n - 1, component=REGULAR,
        relation="enemy")  # fmt: skip
    # a biased Western estimate restated by three officials (one source)
    src = "west-estimate"
    v = add("US spokesman", "WEST", ATK, "casualties", 120, n - 1, relation="third_party",
            source_id=src, scope_qualifier="primarily")  # fmt: skip
    for who in ("US president", "US secretary"):
        add(who, "WEST", ATK, "casualties", 120, n - 1, relation="third_party",
            source_id=src, value=v, scope_qualifier="primarily")  # fmt: skip
    add("UK MoD", "WEST", ATK, "killed", 0, 200, relation="third_party")
    add("UK MoD", "WEST", DEF, "casualties", 0, n - 1, relation="third_party")
    # independent analysts: a sector figure, a whole-front figure, an unspecified one
    add("Analysts", "INDEPENDENT", ATK, "casualties", 150, 190, per_day=True, scope="sector",
        key_scope="front", scope_note="Synthetic sector", relation="third_party")  # fmt: skip
    add("Think tank", "INDEPENDENT", ATK, "killed", 0, n - 1, scope="front",
        relation="third_party")  # fmt: skip
    add("Think tank", "INDEPENDENT", DEF, "killed", 0, 250, relation="third_party")
    for k in range(3):
        t0 = int(rng.integers(0, n - 60))
        true_scope = "city" if k < 2 else "front"
        add("DEF officials", DEF, ATK, "killed", t0, t0 + 29, scope="unspecified",
            key_scope=true_scope, relation="enemy")  # fmt: skip
    # the analysts' sector claim is half the battle, half the rest: fix its value to that truth
    sector = rows[[r["scope"] for r in rows].index("sector")]
    a0 = (sector["period_start"] - start).days
    a1 = (sector["period_end"] - start).days
    city_part = total(("city", ATK, "casualties"), a0, a1)
    front_part = total(("front", ATK, "casualties"), a0, a1)
    true_sector = (city_part + 0.5 * (front_part - city_part)) / (a1 - a0 + 1)
    sector["value_low"] = sector["value_high"] = float(
        round(true_sector * math.exp(TRUE_BIAS["INDEPENDENT"]["third_party"]), -1)
    )

    claims = pd.DataFrame(rows)
    for c in ("claim_date", "period_start", "period_end"):
        claims[c] = pd.to_datetime(claims[c])
    claims.attrs["battle"] = synthetic_spec()
    phases = pd.DataFrame(
        {
            "phase": ["one", "two"],
            "start": pd.to_datetime([start, dt.date(2023, 1, 1)]),
            "end": pd.to_datetime([dt.date(2022, 12, 31), end]),
        }
    )

    # streams: daily series from 30 days before the window, cumulative values
    pre = 30
    s_days = [start - dt.timedelta(days=pre - t) for t in range(pre)] + days

    def padded(x: np.ndarray) -> np.ndarray:
        return np.concatenate([np.full(pre, x[:7].mean()), x])

    gs = padded(front_atk) * math.exp(GENSTAFF_BIAS) * np.exp(rng.normal(0, 0.1, len(s_days)))
    nd_atk = padded(front_killed_atk) * NAMED_ATK * np.exp(rng.normal(0, 0.1, len(s_days)))
    nd_def = padded(front_def * k_def) * NAMED_DEF * np.exp(rng.normal(0, 0.1, len(s_days)))
    srows = []
    for name, claimant, cside, subject, metric, daily in (
        ("genstaff", "Defender general staff", DEF, ATK, "casualties", gs),
        ("named-dead", "Named-dead list (attacker)", "OTHER", ATK, "killed", nd_atk),
        ("named-dead", "Named-dead list (defender)", ATK, DEF, "killed", nd_def),
    ):
        cum = np.cumsum(np.round(daily))
        for d, v, dv in zip(s_days, cum, np.round(daily), strict=True):
            srows.append(
                {
                    "date": pd.Timestamp(d),
                    "stream": name,
                    "claimant": claimant,
                    "claimant_side": cside,
                    "subject_side": subject,
                    "metric": metric,
                    "series": metric,
                    "value": float(v),
                    "daily": float(dv),
                    "value_raw": float(v),
                    "scope": "all-front",
                    "flag": "",
                }
            )
    streams = pd.DataFrame(srows)
    truth = {
        scope: {
            side: {q: float(series[(scope, side, q)].sum()) for q in ("casualties", "killed")}
            for side in (ATK, DEF)
        }
        for scope in ("city", "front")
    }
    return SyntheticJoint(
        claims=claims,
        phases=phases,
        streams=streams,
        truth=truth,
        daily={"days": days, **{"/".join(k): v for k, v in series.items()}},
    )


def coverage(fog: JointFog, truth: dict[str, dict[str, dict[str, float]]]) -> pd.DataFrame:
    """Whether each 90% interval of a fitted :class:`JointFog` covers the truth: one row per
    scope, side and quantity (``casualties``, ``killed``) with ``truth``, ``median``, ``q05``,
    ``q95`` and ``covered``."""
    import pandas as pd

    rows = []
    for scope, per in truth.items():
        for side, qs in per.items():
            for q, value in qs.items():
                est = fog.total(side, q, scope)
                rows.append(
                    {
                        "scope": scope,
                        "side": side,
                        "quantity": q,
                        "truth": value,
                        **est,
                        "covered": bool(est["q05"] <= value <= est["q95"]),
                    }
                )
    return pd.DataFrame(rows)
