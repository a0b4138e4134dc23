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

:func:`simulate_regime` draws the battles of the regime study
(:func:`attrition.infer.validate.regimes.regime_coverage`): the truth is drawn per replicate
(:func:`draw_regime_truth`: rates, split and killed shares, and every claimant group's bias per
relation and metric, neutral groups included, from the priors the model uses), and each regime
(:data:`REGIMES`) adds one kind of claim to a baseline (biased neutral sources, wider scopes,
restatement chains, component subtotals), so the 90% intervals can miss both ways.
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

__all__ = [
    "REGIMES",
    "SYNTHETIC_BATTLE",
    "RegimeJoint",
    "RegimeTruth",
    "SyntheticJoint",
    "coverage",
    "draw_regime_truth",
    "simulate_joint",
    "simulate_regime",
    "synthetic_spec",
]

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


def _stream_table(
    s_days: Any, gs: np.ndarray, nd_atk: np.ndarray, nd_def: np.ndarray
) -> pd.DataFrame:
    """The synthetic all-front streams in the stream-table format
    (:func:`attrition.data.streams.load_streams`): the defender's General Staff count of the
    attacker's casualties and the two named-dead lists, cumulated from their daily values."""
    import numpy as np
    import pandas as pd

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
    return pd.DataFrame(srows)


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
    streams = _stream_table(s_days, gs, nd_atk, nd_def)
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


# -- regimes: truths drawn per replicate ------------------------------------------------------

REGIMES: tuple[str, ...] = ("baseline", "biased_neutral", "wide_scope", "restatements", "subtotals")
"""The regimes of :func:`simulate_regime`. Every regime has the ``baseline`` claims (the two
sides' claims about each other and themselves, at the battle's scope, one claimant per estimate,
about whole sides) and the three streams; each other regime adds one kind of claim:

* ``biased_neutral``: third-party claimants (a Western group, an independent group), biased
  like any other (their bias drawn from the third-party prior, never zero by construction);
* ``wide_scope``: claims of sector and whole-front scope, ``unspecified`` ones (about the
  battle with probability ``p_city``, else the front) and ``mainly``-qualified ones (the
  battle plus a fraction of the rest of the front);
* ``restatements``: restatement chains (one estimate restated by several claimants with one
  ``source_id`` and one value);
* ``subtotals``: component subtotal claims (the mercenaries' convicts, contract fighters and
  total killed; the attacker's regulars' casualties).
"""

REGIME_GROUPS: tuple[str, ...] = (DEF, ATK, "WEST", "INDEPENDENT", "DEF_STAFF")
"""Claimant groups whose biases :func:`draw_regime_truth` draws (``DEF_STAFF``: the group of
the defender's general staff stream)."""

BIAS_METRICS: tuple[str, ...] = ("casualties", "killed", "wounded", "casualty_ratio")
"""Metrics of the metric-level biases (the model's ``delta``), in the model's order."""

REGIME_CLAIMANTS: tuple[str, ...] = (
    "DEF officials",
    "DEF spokesman",
    "DEF ministry",
    "ATK MoD",
    "DEF president",
    "DEF minister",
    "DEF commander",
    "Mercenary head",
    "US spokesman",
    "UK MoD",
    "Think tank",
    "Analysts",
    "Defender general staff",
)
"""Claimants whose noise :func:`draw_regime_truth` draws (all regimes: one random stream)."""

SECTOR = "Synthetic sector"
WIDE_REST = (1.0, 9.0)
"""Beta shapes of the fraction of the rest of the front a ``mainly``-qualified claim's figure
holds besides the battle (mean 0.1)."""
DEF_NAMED = (0.2, 0.6)
"""Range (uniform) of the defender's named dead per actual dead (a lower bound to the model)."""


@dataclass(frozen=True)
class RegimeTruth:
    """The hidden quantities of one synthetic replicate, drawn by :func:`draw_regime_truth`.

    ``daily``: true daily casualties (arrays over :data:`WINDOW`) ``city_ATK``, ``front_ATK``,
    ``city_DEF``, ``front_DEF``. ``pi``: the attacker's split at the battle (convicts, contract,
    regulars); ``omega``: the mercenaries' share of the attacker's rest of the front;
    ``killed``: killed share per leaf (``MERC_CONVICTS``, ``MERC_CONTRACT``, ``ATK_REGULAR``,
    ``DEF``); ``bias``: ``{(group, relation, metric): log bias}`` (group level plus metric
    level, as the model's ``beta + delta``); ``noise``: each claimant's noise sd;
    ``named_ratio``: the attacker's named dead per actual dead; ``def_named``: the defender's;
    ``eta``: the sector's fraction of the rest of the front; ``priors``: the model's priors the
    draws come from (``{relation: (loc, scale)}``, and its source).
    """

    daily: dict[str, Any]
    pi: tuple[float, float, float]
    omega: float
    killed: dict[str, float]
    bias: dict[tuple[str, str, str], float]
    noise: dict[str, float]
    named_ratio: float
    def_named: float
    eta: float
    priors: dict[str, tuple[float, float]]
    bias_source: str


@dataclass(frozen=True)
class RegimeJoint(SyntheticJoint):
    """A synthetic battle of one regime (:func:`simulate_regime`): the fields of
    :class:`SyntheticJoint` plus ``regime`` and ``hidden`` (the :class:`RegimeTruth` drawn)."""

    regime: str = "baseline"
    hidden: RegimeTruth | None = None


def _phase_walk(
    rng: np.random.Generator, n: int, level: float, sd: float, jump_at: int, jump_sd: float
) -> np.ndarray:
    """A weekly log-scale random walk around ``level`` (weekly sd ``sd``) with one jump of sd
    ``jump_sd`` at day ``jump_at`` (a phase start), centred; returns the log path per day."""
    import numpy as np

    n_w = n // 7 + 1
    steps = rng.normal(0.0, sd, size=n_w)
    steps[jump_at // 7] += rng.normal(0.0, jump_sd)
    path: np.ndarray = np.repeat(np.cumsum(steps), 7)[:n]
    out: np.ndarray = level + path - path.mean()
    return out


def draw_regime_truth(rng: np.random.Generator, priors: Any = None) -> RegimeTruth:
    """Draw the hidden quantities of one replicate (:class:`RegimeTruth`) from wide
    distributions; the same draws whatever the regime (one random stream).

    Rates: the attacker's whole-front daily casualties log-uniform on 150..1,500 with a weekly
    random walk (sd 0.15), the battle's share of it uniform on 0.1..0.7 on the logit scale with
    a weekly walk (sd 0.2) and a jump (sd 0.5) at the phase start; the defender's battle rate
    log-uniform on 40..500 (walk 0.2, jump 0.5), its rest of the front log-uniform on 100..1,000
    (walk 0.15). The split, the killed shares, the sector fraction and the named-to-actual ratio
    come from the priors the model uses (:data:`SYNTHETIC_BATTLE`'s ``[fusion]``,
    :class:`~attrition.infer.fusion.joint_priors.JointPriors`); so does every bias: each group's
    log bias per relation from the model's relation prior (learned from history), plus a
    metric-level deviation with sd ``metric_sd``; each claimant's noise sd is half-normal with
    scale ``noise_scale``. The defender's named dead are a fraction uniform on 0.2..0.6 of its
    killed.
    """
    import numpy as np

    from attrition.infer.fusion.joint_priors import JointPriors

    p = priors if priors is not None else JointPriors()
    rel_priors, source = p.bias_priors()
    spec = synthetic_spec()
    ks = spec.fusion.killed_share
    split = spec.fusion.split[ATK]
    start, end = WINDOW
    n = (end - start).days + 1
    jump = (dt.date(2023, 1, 1) - start).days
    front_atk = np.exp(_phase_walk(rng, n, math.log(rng.uniform(150, 1500)), 0.15, jump, 0.0))
    logit = _phase_walk(rng, n, math.log(1 / (1 / rng.uniform(0.1, 0.7) - 1)), 0.2, jump, 0.5)
    share = 1 / (1 + np.exp(-logit))
    city_def = np.exp(_phase_walk(rng, n, math.log(rng.uniform(40, 500)), 0.2, jump, 0.5))
    rest_def = np.exp(_phase_walk(rng, n, math.log(rng.uniform(100, 1000)), 0.15, jump, 0.0))
    pi = rng.dirichlet(np.asarray(split.at_battle.shapes, dtype=float))  # type: ignore[union-attr]
    omega = float(rng.beta(*split.elsewhere.shapes))  # type: ignore[union-attr]
    killed = {
        leaf: float(rng.beta(*ks[leaf].shapes)) for leaf in (CONVICTS, CONTRACT, REGULAR, DEF)
    }
    bias: dict[tuple[str, str, str], float] = {}
    for group in REGIME_GROUPS:
        for rel in ("enemy", "own", "third_party"):
            loc, scale = rel_priors[rel]
            beta = float(rng.normal(loc, scale))
            for metric in BIAS_METRICS:
                bias[(group, rel, metric)] = beta + float(rng.normal(0.0, p.metric_sd))
    noise = {c: float(abs(rng.normal(0.0, p.noise_scale))) for c in REGIME_CLAIMANTS}
    return RegimeTruth(
        daily={
            "city_ATK": front_atk * share,
            "front_ATK": front_atk,
            "city_DEF": city_def,
            "front_DEF": city_def + rest_def,
        },
        pi=(float(pi[0]), float(pi[1]), float(pi[2])),
        omega=omega,
        killed=killed,
        bias=bias,
        noise=noise,
        named_ratio=float(rng.beta(*p.named_ratio)),
        def_named=float(rng.uniform(*DEF_NAMED)),
        eta=float(rng.beta(*p.sector_share)),
        priors={k: (float(v[0]), float(v[1])) for k, v in rel_priors.items()},
        bias_source=source,
    )


def _regime_series(h: RegimeTruth) -> dict[tuple[str, str, str], np.ndarray]:
    """True daily series per (scope, subject, quantity) of a replicate, leaf by leaf as the
    model sums them (a component's front figure: its battle figure plus its share ``omega`` of
    the rest of the front, split like at the battle)."""
    city_atk, front_atk = h.daily["city_ATK"], h.daily["front_ATK"]
    city_def, front_def = h.daily["city_DEF"], h.daily["front_DEF"]
    p_c, p_t, p_r = h.pi
    rest = front_atk - city_atk
    merc = p_c + p_t
    leaves = {
        "city": {
            CONVICTS: city_atk * p_c,
            CONTRACT: city_atk * p_t,
            REGULAR: city_atk * p_r,
            DEF: city_def,
        },
        "front": {
            CONVICTS: city_atk * p_c + h.omega * rest * p_c / merc,
            CONTRACT: city_atk * p_t + h.omega * rest * p_t / merc,
            REGULAR: city_atk * p_r + (1 - h.omega) * rest,
            DEF: front_def,
        },
    }
    members = {
        ATK: (CONVICTS, CONTRACT, REGULAR),
        DEF: (DEF,),
        MERC: (CONVICTS, CONTRACT),
        CONVICTS: (CONVICTS,),
        CONTRACT: (CONTRACT,),
        REGULAR: (REGULAR,),
    }
    out: dict[tuple[str, str, str], np.ndarray] = {}
    for scope, per in leaves.items():
        for subject, parts in members.items():
            cas = sum(per[x] for x in parts)
            kil = sum(per[x] * h.killed[x] for x in parts)
            out[(scope, subject, "casualties")] = cas  # type: ignore[assignment]
            out[(scope, subject, "killed")] = kil  # type: ignore[assignment]
            out[(scope, subject, "wounded")] = cas - kil  # type: ignore[assignment]
    return out


def _relation(group: str, subject: str) -> str:
    """The relation of a claimant group to a subject (as the model reads it)."""
    side = DEF if group in (DEF, "DEF_STAFF") else ATK if group == ATK else ""
    if not side:
        return "third_party"
    subject_side = DEF if subject == DEF else ATK
    return "own" if side == subject_side else "enemy"


def simulate_regime(
    regime: str, seed: int | np.random.SeedSequence = 0, priors: Any = None
) -> RegimeJoint:
    """Draw a synthetic battle of one regime (:data:`REGIMES`) with its truth drawn per
    replicate (:func:`draw_regime_truth`); ``seed``: an int or a ``numpy.random.SeedSequence``.

    Every regime's design (claimants, claims, periods) is fixed, so its fits share one compiled
    sampler; values differ per seed. The hidden quantities are drawn first, so a seed gives the
    same truth, biases and baseline claims in every regime. Each claim's value is the true total
    (or daily mean) of its scope, subject and metric over its period, times ``exp(bias + e)``
    with the claimant group's drawn log bias for the claim's relation and metric and ``e``
    normal with the sd the model assumes for it (floor, the claimant's noise, ``about``, the
    per-day term over the period's days, ``mainly``). An unknown regime raises
    :class:`~attrition.errors.UserError`.
    """
    import numpy as np
    import pandas as pd

    from attrition.errors import unknown_name
    from attrition.infer.fusion.joint_priors import JointPriors

    if regime not in REGIMES:
        raise unknown_name("regime", regime, REGIMES, "simulate_regime")
    p = priors if priors is not None else JointPriors()
    rng = np.random.default_rng(seed)
    h = draw_regime_truth(rng, p)
    series = _regime_series(h)
    start, end = WINDOW
    n = (end - start).days + 1
    days = [start + dt.timedelta(days=t) for t in range(n)]
    rows: list[dict[str, Any]] = []

    def true_of(scope: str, subject: str, metric: str, t0: int, t1: int) -> float:
        if scope == "sector":
            city = float(series[("city", subject, metric)][t0 : t1 + 1].sum())
            front = float(series[("front", subject, metric)][t0 : t1 + 1].sum())
            return city + h.eta * (front - city)
        return float(series[(scope, subject, metric)][t0 : t1 + 1].sum())

    def add(
        claimant: str,
        group: str,
        subject: str,
        metric: str,
        t0: int,
        t1: int,
        *,
        scope: str = "city",
        per_day: bool = False,
        scope_qualifier: str = "",
        source_id: str | None = None,
        value: float | None = None,
    ) -> float:
        side = DEF if subject == DEF else ATK
        component = "" if subject in (ATK, DEF) else subject
        if value is None:
            truth_scope = scope
            if scope == "unspecified":
                truth_scope = "city" if rng.random() < p.p_city else "front"
            true = true_of(truth_scope, subject, metric, t0, t1)
            wide = scope_qualifier in ("mainly", "primarily")
            if wide:
                rest = true_of("front", subject, metric, t0, t1) - true
                true += float(rng.beta(*WIDE_REST)) * rest
            if per_day:
                true /= t1 - t0 + 1
            sd = math.sqrt(
                p.noise_floor**2
                + h.noise[claimant] ** 2
                + p.about_sd**2
                + p.day_sd**2 / (t1 - t0 + 1)
            )
            log_bias = h.bias[(group, _relation(group, subject), metric)]
            value = float(true * math.exp(log_bias + rng.normal(0.0, sd)))
            value = float(round(value, -1)) if value > 100 else float(max(round(value), 1))
        cid = f"syn-{len(rows) + 1:03d}"
        rows.append(
            {
                "id": cid,
                "claim_date": days[t1] + dt.timedelta(days=1),
                "period_start": days[t0],
                "period_end": days[t1],
                "claimant": claimant,
                "claimant_side": group,
                "subject_side": side,
                "metric": metric,
                "value_low": value,
                "value_high": value,
                "qualifier": "about",
                "rate": "per_day" if per_day else "total",
                "place": "Synthetic",
                "quote": "synthetic",
                "offset": 0,
                "notes": "",
                "scope": scope,
                "scope_qualifier": scope_qualifier,
                "scope_note": SECTOR if scope == "sector" else "",
                "source_id": source_id or f"src-{cid}",
                "component": component,
            }
        )
        return value

    month_starts = [t for t, d in enumerate(days) if d.day == 1] + [n]
    months = list(itertools.pairwise(month_starts))
    # baseline: the sides about each other and themselves, at the battle, whole sides
    for i, (a, b) in enumerate(months):
        add("DEF officials", DEF, ATK, "killed", a, b - 1)
        if i % 2 == 0:
            add("DEF officials", DEF, ATK, "casualties", a, b - 1)
    for t in rng.choice(n, size=6, replace=False):
        add("DEF spokesman", DEF, ATK, "killed", int(t), int(t))
    add("DEF ministry", DEF, DEF, "killed", 0, n // 2)
    add("DEF ministry", DEF, DEF, "casualties", n // 2, n - 1)
    add("ATK MoD", ATK, DEF, "killed", 0, n - 1)
    add("ATK MoD", ATK, DEF, "casualties", 60, 200)
    add("ATK MoD", ATK, ATK, "killed", 0, n - 1)
    if regime == "biased_neutral":
        add("US spokesman", "WEST", ATK, "casualties", 120, n - 1)
        add("UK MoD", "WEST", ATK, "killed", 0, 200)
        add("UK MoD", "WEST", DEF, "casualties", 0, n - 1)
        add("UK MoD", "WEST", ATK, "casualties", 200, n - 1)
        add("Think tank", "INDEPENDENT", ATK, "killed", 0, n - 1)
        add("Think tank", "INDEPENDENT", DEF, "killed", 0, 250)
        add("Analysts", "INDEPENDENT", ATK, "casualties", 150, 190, per_day=True)
    elif regime == "wide_scope":
        add("DEF officials", DEF, ATK, "casualties", 150, 190, per_day=True, scope="sector")
        add("DEF officials", DEF, ATK, "killed", 0, n - 1, scope="front")
        add("DEF officials", DEF, ATK, "casualties", 100, 200, scope="front")
        add("ATK MoD", ATK, DEF, "casualties", 0, n - 1, scope="front")
        add("DEF ministry", DEF, DEF, "killed", 0, n - 1, scope="front")
        for _ in range(3):
            t0 = int(rng.integers(0, n - 60))
            add("DEF spokesman", DEF, ATK, "killed", t0, t0 + 29, scope="unspecified")
        add("DEF officials", DEF, ATK, "casualties", 120, n - 1, scope_qualifier="mainly")
        add("ATK MoD", ATK, DEF, "killed", 100, n - 1, scope_qualifier="primarily")
    elif regime == "restatements":
        v = add("DEF president", DEF, ATK, "casualties", 120, n - 1, source_id="def-chain-1")
        for who in ("DEF minister", "DEF commander", "DEF spokesman"):
            add(who, DEF, ATK, "casualties", 120, n - 1, source_id="def-chain-1", value=v)
        v = add("DEF minister", DEF, ATK, "killed", 0, 150, source_id="def-chain-2")
        add("DEF officials", DEF, ATK, "killed", 0, 150, source_id="def-chain-2", value=v)
        v = add("ATK MoD", ATK, DEF, "killed", 0, 200, source_id="atk-chain-1")
        add("Mercenary head", ATK, DEF, "killed", 0, 200, source_id="atk-chain-1", value=v)
    elif regime == "subtotals":
        add("Mercenary head", ATK, CONVICTS, "killed", 0, n - 1)
        add("Mercenary head", ATK, CONTRACT, "killed", 0, n - 1)
        add("Mercenary head", ATK, MERC, "killed", 0, n - 1)
        add("DEF officials", DEF, REGULAR, "casualties", 100, n - 1)
        add("DEF officials", DEF, CONVICTS, "killed", 60, 200)
        add("DEF commander", DEF, MERC, "casualties", 0, 150)

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
    streams = _regime_streams(rng, h, series, p, days, months)
    truth = {
        scope: {
            side: {q: float(series[(scope, side, q)].sum()) for q in ("casualties", "killed")}
            for side in (ATK, DEF)
        }
        for scope in ("city", "front")
    }
    return RegimeJoint(
        claims=claims,
        phases=phases,
        streams=streams,
        truth=truth,
        daily={"days": days, **{"/".join(k): v for k, v in series.items()}},
        regime=regime,
        hidden=h,
    )


def _regime_streams(
    rng: np.random.Generator,
    h: RegimeTruth,
    series: dict[tuple[str, str, str], np.ndarray],
    p: Any,
    days: list[dt.date],
    months: list[tuple[int, int]],
) -> pd.DataFrame:
    """The three streams of a replicate, daily from 30 days before the window: the defender's
    general staff (the ``DEF_STAFF`` group's enemy bias on casualties, a month's noise with the
    sd the model assumes for a claimant month), the attacker's named dead (``named_ratio`` of
    the front's killed, monthly log noise ``named_sd``) and the defender's (a fraction
    ``def_named`` of its front's killed, monthly log noise 0.05)."""
    import numpy as np

    pre = 30
    start = days[0]
    s_days = [start - dt.timedelta(days=pre - t) for t in range(pre)] + days

    def monthly(sd_of: Any) -> np.ndarray:
        factor = np.ones(len(s_days))
        factor[:pre] = math.exp(rng.normal(0.0, sd_of(pre)))
        for a, b in months:
            factor[pre + a : pre + b] = math.exp(rng.normal(0.0, sd_of(b - a)))
        return factor

    def padded(x: np.ndarray) -> np.ndarray:
        return np.concatenate([np.full(pre, x[:7].mean()), x])

    staff_sd = h.noise["Defender general staff"]
    gs = (
        padded(series[("front", ATK, "casualties")])
        * math.exp(h.bias[("DEF_STAFF", "enemy", "casualties")])
        * monthly(lambda m: math.sqrt(p.noise_floor**2 + staff_sd**2 + p.day_sd**2 / m))
    )
    nd_atk = (
        padded(series[("front", ATK, "killed")]) * h.named_ratio * monthly(lambda m: p.named_sd)
    )
    nd_def = padded(series[("front", DEF, "killed")]) * h.def_named * monthly(lambda m: 0.05)
    return _stream_table(s_days, gs, nd_atk, nd_def)
