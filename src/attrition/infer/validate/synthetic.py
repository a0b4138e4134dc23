"""Synthetic battles with known truth: the two generators of the coverage study, and the toy battle.

``model`` draws everything from the fusion's own priors and observation process; ``different``
breaks its assumptions on purpose (see :func:`simulate_battle`). Every synthetic battle has the
same design (claimants, claim count, window), so each fit runs the same compiled program.
:func:`toy_battle` is a tiny hand-made battle for examples, tests and the docs.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from attrition.errors import unknown_name
from attrition.infer.fusion import FogPriors

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "GENERATORS",
    "SYNTHETIC_BATTLE",
    "SYNTHETIC_SOURCE",
    "SyntheticBattle",
    "simulate_battle",
    "toy_battle",
]

GENERATORS: tuple[str, ...] = ("model", "different")
"""Synthetic battle generators: the model's own process, and a deliberately different one."""

SYNTHETIC_BATTLE = "bakhmut"
"""The packaged battle whose sides the synthetic claims use (RU with its component WAGNER, UA;
claimant groups WEST and INDEPENDENT): the fits of a synthetic battle pass it to the fusion."""

SYNTHETIC_SOURCE = "synthetic"
"""The ``source`` of every synthetic claim: made up, quoting no article (so its ``quote`` is
kept as provenance and never checked against a text)."""

_START = dt.date(2024, 1, 1)

# (claimant, claimant side, [(subject, metric or "ratio"), ...]); fixed so every replicate has
# the same shapes.
_ROSTER: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("UA official A", "UA", ("RU", "RU", "RU", "UA")),
    ("UA official B", "UA", ("RU", "RU")),
    ("RU official A", "RU", ("UA", "UA", "UA", "RU")),
    ("RU official B", "RU", ("UA", "UA")),
    ("Western government A", "WEST", ("RU", "RU", "UA")),
    ("Western government B", "WEST", ("RU", "RU", "ratio")),
    ("Independent analyst", "INDEPENDENT", ("UA", "UA", "RU")),
)


@dataclass(frozen=True)
class SyntheticBattle:
    """A synthetic battle: claims in the claims schema and the truth they were drawn from.

    ``battle``: the packaged battle whose sides the claims use (:data:`SYNTHETIC_BATTLE`); fit
    them with ``FogOfWar(battle=synthetic.battle)``.
    """

    claims: pd.DataFrame
    window: tuple[dt.date, dt.date]
    truth: dict[str, float]
    generator: str
    battle: str = SYNTHETIC_BATTLE


def _claim_row(
    i: int,
    claimant: str,
    side: str,
    subject: str,
    metric: str,
    rate: str,
    start: dt.date,
    end: dt.date,
    qualifier: str,
    lo: float | None,
    hi: float | None,
) -> dict[str, Any]:
    return {
        "id": f"syn-{i:03d}",
        "claim_date": end,
        "period_start": start,
        "period_end": end,
        "claimant": claimant,
        "claimant_side": side,
        "subject_side": subject,
        "metric": metric,
        "value_low": lo,
        "value_high": hi,
        "qualifier": qualifier,
        "rate": rate,
        "place": "",
        "quote": f"synthetic claim {i}",
        "offset": 0,
        "notes": "",
        "source": SYNTHETIC_SOURCE,
        "scope": "city",  # every synthetic figure is about the battle itself
        "scope_qualifier": "",
        "scope_note": "",
        "source_id": "",
        "component": "",
        "lineage_note": "",
    }


def simulate_battle(
    generator: str,
    rng: np.random.Generator,
    *,
    weeks: int = 12,
    priors: FogPriors | None = None,
) -> SyntheticBattle:
    """Draw one synthetic battle with ``weeks`` weeks and 21 claims from 7 claimants.

    ``model``: weekly log rates from the model's random walk (level from the rate prior),
    killed shares, group and claimant biases, claimant noise and ``about`` noise all from the
    model's priors (``priors``, default :class:`FogPriors`), log-normal claim noise.
    ``different``: piecewise-constant rates with two step changes (levels log-uniform in
    30..1000 a day) times day-to-day log-normal noise (sd 0.3); killed shares uniform in
    0.15..0.45; enemy-reporting biases log-uniform in x1..x3, self-reporting x0.3..x1,
    neutral log-normal (sd 0.15); claim noise Student-t with 2 degrees of freedom (scale
    0.1..0.5 per claimant) in log space; one claim in ten reports a period shifted by up to a
    week from the one it measures.

    Claims mix cumulative totals, sub-period totals, per-day means, single days and one ratio;
    qualifiers exact 40%, about 25%, at_least 12.5%, at_most 7.5%, range 15% (bounds drawn
    below or above the claimant's figure by up to 40%).

    The claims have every column of ``claims.csv`` (``source`` :data:`SYNTHETIC_SOURCE`); their
    sides are those of :data:`SYNTHETIC_BATTLE`.
    """
    import numpy as np
    import pandas as pd

    if generator not in GENERATORS:
        raise unknown_name("generator", generator, GENERATORS)
    p = priors or FogPriors()
    n_days = 7 * weeks
    window = (_START, _START + dt.timedelta(days=n_days - 1))
    if generator == "model":
        level = rng.normal(p.rate_log_mean, p.rate_log_sd, size=2)
        steps = rng.normal(0.0, p.rw_sd, size=(2, weeks - 1))
        path = np.concatenate([np.zeros((2, 1)), np.cumsum(steps, axis=1)], axis=1)
        path -= path.mean(axis=1, keepdims=True)
        daily = np.exp(level[:, None] + path)[:, np.arange(n_days) // 7]
        killed = rng.beta(*p.killed_share, size=2)
    else:
        daily = np.zeros((2, n_days))
        for s in range(2):
            cuts = np.sort(rng.choice(np.arange(7, n_days - 7), size=2, replace=False))
            levels = np.exp(rng.uniform(math.log(30.0), math.log(1000.0), size=3))
            seg = np.searchsorted(cuts, np.arange(n_days), side="right")
            daily[s] = levels[seg] * np.exp(rng.normal(0.0, 0.3, size=n_days))
        killed = rng.uniform(0.15, 0.45, size=2)
    cum = np.concatenate([np.zeros((2, 1)), np.cumsum(daily, axis=1)], axis=1)

    group_mu: dict[tuple[str, str], float] = {}
    rel_prior = {"enemy": p.bias_enemy, "self": p.bias_self, "neutral": p.bias_neutral}
    rows: list[dict[str, Any]] = []
    i = 0
    from attrition.infer.fusion import relation

    for claimant, cside, subjects in _ROSTER:
        if generator == "model":
            noise = abs(rng.normal(0.0, p.noise_scale))
        else:
            noise = rng.uniform(0.1, 0.5)
        bias: dict[str, float] = {}
        for subj in ("RU", "UA"):
            rel = relation(cside, subj, SYNTHETIC_BATTLE)
            if generator == "model":
                key = (cside, rel)
                if key not in group_mu:
                    group_mu[key] = rng.normal(*rel_prior[rel])
                bias[subj] = group_mu[key] + p.bias_claimant_sd * rng.normal()
            else:
                bias[subj] = {
                    "enemy": rng.uniform(0.0, math.log(3.0)),
                    "self": rng.uniform(math.log(0.3), 0.0),
                    "neutral": rng.normal(0.0, 0.15),
                }[rel]
        for subj in subjects:
            i += 1
            u = rng.random()
            if subj == "ratio" or u < 0.4:
                a, b = 0, int(rng.integers(n_days // 2, n_days))
                rate = "total"
            elif u < 0.7:
                length = int(rng.integers(7, 29))
                a = int(rng.integers(0, n_days - length + 1))
                b = a + length - 1
                rate = "total"
            elif u < 0.85:
                length = int(rng.integers(7, 15))
                a = int(rng.integers(0, n_days - length + 1))
                b = a + length - 1
                rate = "per_day"
            else:
                a = b = int(rng.integers(0, n_days))
                rate = "total"
            days = b - a + 1
            if subj == "ratio":
                metric = "casualty_ratio"
                true = (cum[0, b + 1] - cum[0, a]) / (cum[1, b + 1] - cum[1, a])
                log_b = bias["RU"] - bias["UA"]
                subject_side = "BOTH"
            else:
                s = 0 if subj == "RU" else 1
                mu = rng.random()
                metric = "casualties" if mu < 0.5 else ("killed" if mu < 0.75 else "wounded")
                frac = {"casualties": 1.0, "killed": killed[s], "wounded": 1 - killed[s]}[metric]
                true = frac * (cum[s, b + 1] - cum[s, a]) / (days if rate == "per_day" else 1)
                log_b = bias[subj]
                subject_side = subj
            q = rng.random()
            qualifier = (
                "exact"
                if q < 0.4
                else "about"
                if q < 0.65
                else "at_least"
                if q < 0.775
                else "at_most"
                if q < 0.85
                else "range"
            )
            if generator == "model":
                sd = math.sqrt(
                    p.noise_floor**2
                    + noise**2
                    + (p.about_sd**2 if qualifier == "about" else 0.0)
                    + p.day_sd**2 / days
                )
                err = sd * rng.normal()
            else:
                err = noise * rng.standard_t(2)
            y = true * math.exp(log_b + err)
            if generator == "different" and rng.random() < 0.1:
                shift = int(rng.integers(-7, 8))
                a = min(max(a + shift, 0), n_days - 1)
                b = min(max(b + shift, a), n_days - 1)
            lo: float | None
            hi: float | None
            if qualifier in ("exact", "about"):
                lo = hi = y
            elif qualifier == "at_least":
                lo, hi = y * rng.uniform(0.6, 1.0), None
            elif qualifier == "at_most":
                lo, hi = None, y * rng.uniform(1.0, 1.6)
            else:
                lo, hi = y * rng.uniform(0.6, 0.95), y * rng.uniform(1.05, 1.6)
            rows.append(
                _claim_row(
                    i,
                    claimant,
                    cside,
                    subject_side,
                    metric,
                    rate,
                    window[0] + dt.timedelta(days=a),
                    window[0] + dt.timedelta(days=b),
                    qualifier,
                    lo,
                    hi,
                )
            )
    frame = pd.DataFrame(rows)
    for c in ("claim_date", "period_start", "period_end"):
        frame[c] = pd.to_datetime(frame[c])
    truth = {
        "RU": float(cum[0, -1]),
        "UA": float(cum[1, -1]),
        "ratio": float(cum[0, -1] / cum[1, -1]),
    }
    return SyntheticBattle(claims=frame, window=window, truth=truth, generator=generator)


def toy_battle() -> SyntheticBattle:
    """A tiny hand-made battle with known truth (for examples, tests and the docs).

    Four weeks from 2024-01-01; the truth is constant: RU 100 casualties a day, UA 40 a day
    (totals 2,800 and 1,120, exchange ratio 2.5), a quarter of them killed. Western
    governments and an analyst report it faithfully; a Ukrainian official doubles Russian
    losses and understates Ukrainian ones; a Russian official doubles Ukrainian losses, gives
    one absurd figure (100,000 Ukrainians killed in one day) and understates its own. One
    restatement (``dup_of``), one undated figure, one non-casualty metric and one civilian
    figure complete the edge cases. Claims dated after 2024-01-21 are the cumulative ones.
    The claims have every column of ``claims.csv`` (``source`` :data:`SYNTHETIC_SOURCE`); their
    sides are those of :data:`SYNTHETIC_BATTLE`.
    """
    import pandas as pd

    d = dt.date

    def row(
        rid: str,
        claimant: str,
        side: str,
        subject: str,
        metric: str,
        qualifier: str,
        lo: float | None,
        hi: float | None,
        start: dt.date | None,
        end: dt.date | None,
        claim_date: dt.date | None,
        rate: str = "total",
        notes: str = "",
    ) -> dict[str, Any]:
        r = _claim_row(
            0,
            claimant,
            side,
            subject,
            metric,
            rate,
            d(2024, 1, 1),
            d(2024, 1, 1),
            qualifier,
            lo,
            hi,
        )
        r.update(id=rid, period_start=start, period_end=end, claim_date=claim_date, notes=notes)
        r["quote"] = f"toy claim {rid}"
        return r

    s, e, late = d(2024, 1, 1), d(2024, 1, 28), d(2024, 1, 29)
    wa, wb = "Western government A", "Western government B"
    ua, ru, an = "UA official", "RU official", "Independent analyst"
    rows = [
        row("w1", wa, "WEST", "RU", "casualties", "exact", 2800, 2800, s, e, late),
        row("w2", wa, "WEST", "UA", "casualties", "about", 1100, 1100, s, e, late),
        row("w3", wb, "WEST", "RU", "killed", "exact", 700, 700, s, e, late),
        row(
            "w4",
            wb,
            "WEST",
            "RU",
            "casualties",
            "exact",
            100,
            100,
            d(2024, 1, 8),
            d(2024, 1, 21),
            d(2024, 1, 21),
            rate="per_day",
        ),
        row("w5", wa, "WEST", "BOTH", "casualty_ratio", "about", 2.5, 2.5, s, e, late),
        row("a1", an, "INDEPENDENT", "UA", "casualties", "range", 1000, 1300, s, e, late),
        row(
            "a2",
            an,
            "INDEPENDENT",
            "RU",
            "casualties",
            "at_least",
            1800,
            None,
            s,
            d(2024, 1, 21),
            d(2024, 1, 21),
        ),
        row("u1", ua, "UA", "RU", "casualties", "exact", 5600, 5600, s, e, late),
        row("u2", ua, "UA", "RU", "killed", "exact", 1400, 1400, s, e, late),
        row(
            "u3",
            ua,
            "UA",
            "RU",
            "casualties",
            "exact",
            200,
            200,
            d(2024, 1, 15),
            d(2024, 1, 21),
            d(2024, 1, 21),
            rate="per_day",
        ),
        row("u4", ua, "UA", "UA", "casualties", "exact", 600, 600, s, e, late),
        row("u5", ua, "UA", "RU", "casualties", "exact", 5600, 5600, s, e, late, notes="dup_of:u1"),
        row("u6", ua, "UA", "RU", "killed", "exact", 50, 50, None, None, None),
        row("r1", ru, "RU", "UA", "casualties", "exact", 2200, 2200, s, e, late),
        row(
            "r2",
            ru,
            "RU",
            "UA",
            "killed",
            "exact",
            100000,
            100000,
            d(2024, 1, 10),
            d(2024, 1, 10),
            d(2024, 1, 11),
        ),
        row("r3", ru, "RU", "RU", "casualties", "at_most", None, 1500, s, e, late),
        row("x1", wa, "WEST", "RU", "advance_m", "exact", 300, 300, s, e, late),
        row("x2", ua, "UA", "CIVILIAN", "killed", "exact", 12, 12, s, e, late),
    ]
    frame = pd.DataFrame(rows)
    for c in ("claim_date", "period_start", "period_end"):
        frame[c] = pd.to_datetime(frame[c])
    truth = {"RU": 2800.0, "UA": 1120.0, "ratio": 2.5, "killed_share": 0.25}
    return SyntheticBattle(claims=frame, window=(s, e), truth=truth, generator="toy")
