"""The report's section on the Bakhmut model's identification: every parameter's prior and
posterior 90% intervals, their width ratio under each law, what is done with the parameter,
and the effective number of parameters (:mod:`attrition.battles.bakhmut.identification`).
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

from attrition.report.html import Section, fmt_num, table_html

if TYPE_CHECKING:
    import pandas as pd

    from attrition.battles.bakhmut.calibration import Calibration

__all__ = ["identification_frames", "identification_section"]


def _interval(lo: float, hi: float) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "–"
    return f"{fmt_num(lo)} – {fmt_num(hi)}"


def _num(v: float) -> str:
    return f"{v:.1f}" if math.isfinite(v) else "not measured"


def _ratio(v: float) -> str:
    return f"{v:.2f}" if math.isfinite(v) else "–"


def identification_frames(cal: Calibration) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables of the section: one row per parameter (prior and chosen-law posterior
    90% intervals, the width ratio on the sampler's scale under every law the calibration
    kept, whether the chosen law identifies it, the action) and one row per law (effective
    parameters: :func:`~attrition.battles.bakhmut.identification.effective_parameters_frame`).
    """
    import pandas as pd

    from attrition.battles.bakhmut.identification import (
        effective_parameters_frame,
        identification_table,
    )

    laws = list(cal.fits) or [cal.law]
    chosen = identification_table(cal).set_index("parameter")
    ratios = {lw: identification_table(cal, lw).set_index("parameter")["ratio"] for lw in laws}
    rows = []
    for name, r in chosen.iterrows():
        row: dict[str, Any] = {
            "parameter": str(name),
            "unit": r["unit"],
            "prior 90%": _interval(r["prior_q05"], r["prior_q95"]),
            f"posterior 90% ({cal.law})": _interval(r["q05"], r["q95"]),
        }
        for lw in laws:
            row[f"ratio {lw}"] = _ratio(float(ratios[lw][str(name)]))
        row["identified"] = "yes" if r["identified"] else "no"
        row["action"] = r["action"]
        rows.append(row)
    return pd.DataFrame(rows), effective_parameters_frame(cal)


def identification_section(cal: Calibration) -> tuple[Section, dict[str, Any]]:
    """The identification section of the Bakhmut model and its JSON summary (strict JSON: the
    chosen law's :func:`~attrition.battles.bakhmut.identification.identification_table` as
    records, the effective parameters per law)."""
    from attrition.battles.bakhmut.identification import (
        IDENTIFIED_RATIO,
        identification_table,
        table_records,
    )
    from attrition.report.model_sections import param_label

    table, eff = identification_frames(cal)
    fixed = [p.name for p in cal.priors if p.fixed]
    chosen = eff[eff["chosen"]].iloc[0]
    body = (
        "<p>How far the evidence narrowed each parameter: the posterior's 90% width over the "
        "prior's, on the sampler's scale (the logarithm of a positive parameter, the logit of "
        "a share), where a shifted posterior is not mistaken for a wider one. A parameter "
        f"counts as identified at a ratio of {IDENTIFIED_RATIO:g} or less; one the evidence "
        "cannot move is held at its prior median (\u201cfixed\u201d) instead of fitted. "
        f"Under the chosen law ({html.escape(cal.law)}) {int(chosen['n_identified'])} of "
        f"{int(chosen['n_fitted'])} fitted parameters are identified; the effective number of "
        f"parameters is {_num(chosen['p_shrink'])} by prior-to-posterior variance shrinkage "
        f"and {_num(chosen['p_v'])} by the variance of the log-likelihood (p<sub>V</sub>), out of "
        f"{int(chosen['n_parameters'])} parameters"
        + (
            f" ({len(fixed)} fixed: "
            + "; ".join(
                f"{html.escape(param_label(n))} (<code>{html.escape(n)}</code>)" for n in fixed
            )
            + ")"
            if fixed
            else ""
        )
        + ". The ratios come from one SMC run per law: a ratio near the threshold can cross it "
        "between seeds.</p>"
        + table_html(
            eff.rename(
                columns={
                    "n_parameters": "parameters",
                    "n_fitted": "fitted",
                    "n_identified": "identified",
                    "p_v": "p_V",
                }
            ),
            "Effective number of parameters per law: p_shrink = Σ (1 − posterior variance / "
            "prior variance) on the sampler's scale; p_V = 2 × posterior variance of the "
            "log-likelihood",
            sig=3,
        )
        + table_html(
            table,
            "Prior and posterior 90% intervals and their width ratio",
            codes={"parameter": param_label},
        )
    )
    summary = {
        "law": cal.law,
        "threshold": IDENTIFIED_RATIO,
        "fixed": fixed,
        "effective": table_records(eff),
        "table": table_records(identification_table(cal)),
    }
    return Section("identification", "Which parameters the evidence identifies", body), summary
