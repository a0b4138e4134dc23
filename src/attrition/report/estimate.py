"""The fused-estimate section of a battle's report: the fog-of-war fit of its claims
(:func:`battle_fit`), the section showing it beside each claimant group's own figures
(:func:`estimate_section`), and the formatting of its quantiles and claimed figures
(:func:`fmt_q`, :func:`fmt_claimed`).

Re-exported by :mod:`attrition.report.evidence`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.report.html import Section, fmt_date, fmt_interval, fmt_num, table_html

if TYPE_CHECKING:
    from attrition.data.battle import BattleSpec
    from attrition.infer.fusion import FogOfWar
    from attrition.infer.fusion.joint import JointFog

__all__ = ["battle_fit", "estimate_section", "fmt_claimed", "fmt_q"]


def fmt_q(d: dict[str, float], fmt: str | None = None) -> str:
    """``{median, q05, q95}`` as ``"median (q05–q95)"``: three significant figures
    (``156,000 (107,000–236,000)``), or the format ``fmt`` (e.g. ``"{:.2f}"``)."""
    return fmt_interval(d, fmt=fmt)


_CLAIMED = re.compile(r"^(>=|<=|~)?\s*([0-9.]+)(?:\s*-\s*([0-9.]+))?$")


def fmt_claimed(text: str) -> str:
    """A claimed figure as the fused-estimate summary writes it (``>=2000``, ``15000-20000``,
    ``~10``) in words: ``at least 2,000``, ``15,000–20,000``, ``about 10``."""
    m = _CLAIMED.match(str(text).strip())
    if m is None:
        return str(text)
    op, lo, hi = m.groups()
    words = {">=": "at least ", "<=": "at most ", "~": "about ", None: ""}[op]
    if hi is not None:
        return f"{words}{fmt_num(float(lo), 4)}–{fmt_num(float(hi), 4)}"
    return f"{words}{fmt_num(float(lo), 4)}"


def _ratio_label(summ: dict[str, Any], spec: BattleSpec | None = None) -> str | None:
    """``"A per B"`` for the fused exchange ratio (labels from ``spec``, else ids), or ``None``
    when the estimate has no exchange ratio (a battle without exactly two sides)."""
    if summ.get("exchange_ratio") is None or not summ.get("exchange_ratio_sides"):
        return None
    first, second = summ["exchange_ratio_sides"]
    if spec is None:
        return f"{first} per {second}"
    return f"{spec.label(first)} per {spec.label(second)}"


def estimate_section(
    summ: dict[str, Any],
    compare: dict[str, Any] | None,
    seed: int,
    quick: bool,
    sides: Sequence[str],
) -> tuple[Section, dict[str, Any]]:
    """The fused estimate beside each claimant group's own figures, with bias multipliers.

    ``summ``: the summary of the report's fit (:meth:`JointFog.summary`, the default fusion,
    which reads the all-front streams by their roles; or :meth:`FogOfWar.summary`, which reads
    the claims alone); ``compare``: the same fit the other way round (the joint model without
    the streams; the independent model with them), or ``None`` (not computed); ``sides``: the
    battle's side ids (the rows of the streams comparison, in this order). Returns the section
    and ``summ`` with the comparison added when given (``claims_only`` for the joint model,
    ``with_streams`` for the independent one: the report's ``estimate``).
    """
    import pandas as pd

    summ = dict(summ)
    joint = summ.get("model") == "joint"
    draws, chains = (200, 2) if quick else (500, 4)
    q = fmt_q
    rows = [
        {"side": side, **{m: q(v[m]) for m in ("casualties", "killed", "wounded") if m in v}}
        for side, v in summ["sides"].items()
    ]
    ratio = _ratio_label(summ)
    if ratio is not None:
        rows.append({"side": f"exchange ratio ({ratio} casualty)",
                     "casualties": q(summ["exchange_ratio"], "{:.2f}")})  # fmt: skip
    win = f"{fmt_date(summ['window']['start'])} to {fmt_date(summ['window']['end'])}"
    where = " at the battle (its city and immediate surroundings)" if joint else ""
    totals = table_html(
        pd.DataFrame(rows).fillna(""),
        f"Fused estimate{where} over the window {win}: median (90% interval)",
        headers={"casualties": "casualties (killed and wounded)"},
    )
    front_html = ""
    if joint:
        share = summ["battle_share"]
        front_rows = [
            {"side": side, **{m: q(v[m]) for m in ("casualties", "killed")},
             "battle's share of the side's casualties": q(share[side], "{:.0%}")
             if side in share else ""}
            for side, v in summ["scopes"]["front"].items() if side in share
        ]  # fmt: skip
        front_html = table_html(
            pd.DataFrame(front_rows),
            "The whole front over the same window (the war around the battle, which bounds "
            "it): median (90% interval)",
        )
    bias_rows = []
    fig_rows = []
    for group, g in summ["claimant_groups"].items():
        for relation, b in g["bias"].items():
            bias_rows.append({"claimant side": group, "reporting on": relation,
                              "bias multiplier": q(b, "{:.2f}")})  # fmt: skip
        for f in g["figures"]:
            ratio_metric = f["metric"] == "casualty_ratio"
            fig_rows.append({"claimant side": group, "claim": f["id"], "claimant": f["claimant"],
                             "subject": f["subject"], "metric": f["metric"],
                             **({"scope": f["scope"]} if "scope" in f else {}),
                             "claimed": fmt_claimed(f["claimed"]),
                             "period": " to ".join(fmt_date(d) for d in f["period"]),
                             "fused over that period": q(f["fused"], "{:.1f}" if ratio_metric
                                                         else None),
                             "implausible": "yes" if f["implausible"] else ""})  # fmt: skip
    if compare is None:
        streams_html = (
            '<p class="pending">Quick mode: the comparison with and without the all-front '
            "claim streams (General Staff, named dead) is not computed.</p>"
        )
    else:
        with_s, alone = (summ, compare) if joint else (compare, summ)
        rows_s = [
            {"quantity": f"{side} casualties", "claims only": q(alone["sides"][side]["casualties"]),
             "with streams": q(with_s["sides"][side]["casualties"])}
            for side in sides if side in with_s["sides"] and side in alone["sides"]
        ]  # fmt: skip
        if ratio is not None and compare.get("exchange_ratio") is not None:
            rows_s.append(
                {
                    "quantity": "exchange ratio",
                    "claims only": q(alone["exchange_ratio"], "{:.2f}"),
                    "with streams": q(with_s["exchange_ratio"], "{:.2f}"),
                }
            )
        key = "claims_only" if joint else "with_streams"
        summ[key] = {"sides": compare["sides"], "exchange_ratio": compare["exchange_ratio"]}
        how = (
            "read by the roles the battle's battle.toml gives them: named Russian dead through "
            "a named-to-actual ratio, named Ukrainian dead as a lower bound, the General "
            "Staff's series as a biased claimant about the whole front; on by default"
            if joint
            else "used as timing constraints and lower bounds, with the share attributable to "
            "the battle a parameter; off by default"
        )
        streams_html = table_html(
            pd.DataFrame(rows_s), f"What the all-front claim streams change ({how})"
        )
    d = summ["diagnostics"]
    if joint:
        method = (
            "<p>The fog-of-war model reads every casualty claim together, each at its scope: "
            "the battle, a sector around it, or the whole front. Latent daily casualties of "
            "the battle and of the whole front are estimated jointly (the battle is a "
            "time-varying share of the front, so it can never exceed the war around it); "
            "restatements of one estimate count once; a claim about part of a side (Wagner's "
            "convicts, its contract fighters) is read as that part; each claimant group, "
            "Western and independent ones included, has a bias per metric whose prior was "
            f"learned from historical claims checked against later records ({summ['bias_source']})."
            " The figures below are estimates from claims, not facts. "
        )
    else:
        method = (
            "<p>The fog-of-war model reads every casualty claim together: a smooth latent daily "
            "casualty rate per side, and for each claimant a multiplicative bias about each "
            "side (priors: a side may inflate the enemy's losses and deflate its own; Western "
            "and independent sources centred on no bias). The figures below are estimates from "
            "claims, not facts. "
        )
    body = (
        method + "Method: <code>docs/fog-of-war.md</code>; reproduce with "
        f"<code>attrition estimate --battle {summ.get('battle') or 'bakhmut'} --seed {seed} "
        f"--draws {draws} --chains {chains} "
        f"--window {summ['window']['start']} {summ['window']['end']} "
        f"{'' if joint else '--model independent '}--json</code>."
        "</p>"
        + totals
        + front_html
        + table_html(
            pd.DataFrame(bias_rows),
            "Measured bias multipliers by claimant side (1 = unbiased; above 1 inflates)",
            codes=("reporting on",),
        )
        + table_html(
            pd.DataFrame(fig_rows),
            "Each claimant group's own figures beside the "
            "fused estimate for the same period, subject and scope",
            codes=("metric",),
        )
        + streams_html
        + f'<p class="meta">Sampler checks (NUTS, {chains} chains × {draws} draws): R-hat '
        f"max {fmt_num(d['r_hat_max'], 4)} (below 1.01 is good), effective sample size min "
        f"{fmt_num(d['ess_min'])}, divergences {d['divergences']}.</p>"
    )
    return Section("estimate", "Fused estimate and claimant bias", body), summ


def battle_fit(battle: str | Path, spec: BattleSpec, seed: int, quick: bool) -> FogOfWar | JointFog:
    """The fog-of-war fit of a battle's claims over its window (``battle.toml``), with the
    battle's sides: 200 draws × 2 chains with ``quick``, else 500 × 4."""
    from attrition.data.claims import load_claims, load_phases
    from attrition.infer.fusion import fuse_claims

    draws, chains = (200, 2) if quick else (500, 4)
    est = fuse_claims(
        load_claims(battle), load_phases(battle), window=(spec.start, spec.end), draws=draws,
        chains=chains, seed=seed, warn=False, battle=spec,
    )  # fmt: skip
    return est.fog
