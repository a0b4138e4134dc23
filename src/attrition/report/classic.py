"""The classic validations report: Iwo Jima (Engel) and the Ardennes (Bracken, Fricker).

Pure functions build the tables and figures; :func:`build_classic_report` writes
``DIR/index.html`` and ``DIR/summary.json`` atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from attrition._io import atomic_write_text, json_default
from attrition.report.html import Section, figure_html, render_page, table_html

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442")
PUBLISHED_ENGEL = {"us": 0.0106, "japan": 0.0544}


def iwo_jima_section() -> tuple[Section, dict[str, Any]]:
    """Engel's estimator against the published coefficients, and the square law run forward."""
    import pandas as pd
    import plotly.graph_objects as go

    from attrition.infer.battle import iwo_jima_data
    from attrition.infer.engel import EngelFitter
    from attrition.infer.least_squares import LeastSquaresFitter
    from attrition.models.lanchester import LanchesterModel
    from attrition.models.schedule import StopRule
    from attrition.simulate.ode import solve

    data = iwo_jima_data()
    engel = EngelFitter().fit(data)
    ls = LeastSquaresFitter("square", mode="trajectory", target="cumulative").fit(data)
    rows = []
    for side in data.sides:
        rows.append(
            {
                "side (fire of)": side,
                "published (Engel 1954)": PUBLISHED_ENGEL[side],
                "Engel estimator": engel.coefficients_[side],
                "difference %": 100 * (engel.coefficients_[side] / PUBLISHED_ENGEL[side] - 1),
                "least squares (cumulative)": ls.coefficients_[side],
                "95% CI low": ls.ci_[side][0],
                "95% CI high": ls.ci_[side][1],
            }
        )
    table = pd.DataFrame(rows)
    end = float(data.day.max())
    fig = go.Figure()
    fig.add_scatter(x=data.day, y=data.force[:, 0], mode="markers", name="US active (data)",
                    marker={"color": OKABE_ITO[0]})  # fmt: skip
    for label, coef, color in (
        ("square law, published coefficients", PUBLISHED_ENGEL, OKABE_ITO[1]),
        ("square law, Engel estimator on packaged data", engel.coefficients_, OKABE_ITO[2]),
    ):
        model = LanchesterModel.build("square", coef, sides=data.sides, schedule=data.schedule)
        traj = solve(model, data.initial, end, stop=StopRule(annihilation=False))
        fig.add_scatter(x=traj.t, y=traj.strength[:, 0], mode="lines", name=f"US, {label}",
                        line={"color": color})  # fmt: skip
        fig.add_scatter(x=traj.t, y=traj.strength[:, 1], mode="lines", name=f"Japan, {label}",
                        line={"color": color, "dash": "dot"})  # fmt: skip
    fig.update_layout(title="Iwo Jima: US active troops, data and square-law model",
                      xaxis_title="day (1 = 19 Feb 1945)", yaxis_title="troops",
                      template="plotly_white", height=520)  # fmt: skip
    pub_model = LanchesterModel.build(
        "square", PUBLISHED_ENGEL, sides=data.sides, schedule=data.schedule
    )
    pub = solve(pub_model, data.initial, end, stop=StopRule(annihilation=False))
    us_model = np.interp(data.day, pub.t, pub.strength[:, 0])
    track = float(np.max(np.abs(us_model - data.force[:, 0]) / data.force[:, 0]))
    html = (
        "<p>Engel (1954) fitted the square law dM/dt = P(t) − a·N, dN/dt = −b·M to the US "
        "record of Iwo Jima (Morehouse's daily series; 21,500 Japanese at D-day, no Japanese "
        "reinforcement; US landings of 54,000, 6,000 and 13,000 on days 1, 3 and 6). "
        "The estimator uses b = N(0)/ΣM(t) and a = total US casualties/ΣN(t) over the "
        f"{engel.n_days_} days of the packaged series.</p>"
        + table_html(
            table,
            "Coefficients: losses each side's fire inflicts per shooter per day",
            formats={"side (fire of)": lambda v: {"us": "US", "japan": "Japan"}.get(v, str(v))},
            headers={"difference %": "difference (%)"},
        )
        + f"<p>The square law with the published coefficients tracks the US series within "
        f"{100 * track:.1f}% on every day.</p>"
        + figure_html(
            fig,
            "Solid: US strength; dotted: Japanese strength (model only: no "
            "Japanese series exists). Markers: US active troops from the data.",
            "iwo-fig",
        )
    )
    summary = {
        "engel": engel.coefficients_,
        "published": PUBLISHED_ENGEL,
        "least_squares": {"coefficients": ls.coefficients_, "ci": ls.ci_},
        "max_relative_tracking_error": track,
    }
    return Section("iwo-jima", "Iwo Jima (Engel 1954)", html), summary


def ardennes_section() -> tuple[Section, dict[str, Any]]:
    """Every ratio-regression variant, and the laws compared on the daily series."""
    from plotly.subplots import make_subplots

    from attrition.infer.battle import ardennes_data
    from attrition.infer.compare import compare_laws
    from attrition.infer.regression import ardennes_variants

    variants = ardennes_variants()
    data = ardennes_data()
    table, fits = compare_laws(data)
    best = str(table["law"].iloc[0])
    # one column (a 2 x 2 grid piles its titles up on a phone): the losses of each side, then
    # the residuals of each side
    fig = make_subplots(rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        subplot_titles=("Allied losses per day", "German losses per day",
                                        "Allied residuals (scaled)",
                                        "German residuals (scaled)"))  # fmt: skip
    for j in (0, 1):
        fig.add_scatter(x=data.day, y=data.losses[:, j], mode="markers", name="data",
                        marker={"color": "#000"}, showlegend=j == 0, row=j + 1, col=1)  # fmt: skip
        for k, label in enumerate(dict.fromkeys(["square", best])):
            f = fits[label]
            color = OKABE_ITO[k]
            fig.add_scatter(
                x=data.day,
                y=f.predicted_[:, j],
                mode="lines",
                name=f"{label} law" if label in ("square", "linear", "logarithmic") else label,
                line={"color": color, "dash": ("solid", "dash")[k]},
                showlegend=j == 0,
                row=j + 1,
                col=1,
            )
            fig.add_scatter(
                x=data.day,
                y=f.residuals_[:, j],
                mode="markers",
                name=label,
                marker={"color": color, "symbol": ("circle", "square")[k]},
                showlegend=False,
                row=j + 3,
                col=1,
            )
    fig.update_layout(title="Ardennes: daily losses (Bracken weights, combat force), data and "
                      "fitted laws", template="plotly_white", height=900,
                      legend={"orientation": "h", "x": 0, "y": 1.06,
                              "yanchor": "bottom"})  # fmt: skip
    fig.update_xaxes(title_text="day (1 = 16 Dec 1944)", row=4)
    html = (
        "<p>Ratio regression log(ΔB/ΔR) = log α + β·log(R/B) (Bracken 1995; Fricker 1998) for "
        "every variant: combat or total force, original or reformatted series, days 1–32, "
        "1–10 and 11–32, without or with air sorties (weight 30, force only). Bracken's weights "
        "(man 1, tank 20, APC 5, artillery 40). β = 1 is the square law, 0 the linear law, "
        "−1 the logarithmic law.</p>"
        + table_html(
            variants,
            "Ardennes ratio regression, all variants",
            headers={
                "air_weight": "weight of an air sortie",
                "alpha": "α",
                "beta": "β",
                "r2": "R²",
                "n_days": "days fitted",
            },
        )
        + "<p>Each law fitted by least squares to the daily losses at the observed same-day "
        "strengths, ranked by AIC:</p>"
        + table_html(
            table,
            "Law comparison (Ardennes, combat force, original series)",
            headers={
                "k": "parameters",
                "coef_allied": "Allied coefficient",
                "coef_german": "German coefficient",
                "ssr": "sum of squared residuals",
                "n_obs": "observations",
                "r2": "R²",
                "aic": "AIC",
                "bic": "BIC",
                "delta_aic": "AIC above the best",
            },
        )
        + figure_html(
            fig,
            f"First two panels: observed daily losses and the fits of the square law and "
            f"the best law by AIC ({best}). Last two: residuals scaled by each side's mean "
            "daily loss.",
            "ardennes-fig",
        )
    )
    summary = {
        "ratio_regression": variants.to_dict(orient="records"),
        "law_comparison": table.to_dict(orient="records"),
    }
    return Section("ardennes", "Ardennes (Bracken 1995, Fricker 1998)", html), summary


def datasets_section() -> Section:
    """The packaged datasets with their licences."""
    import pandas as pd

    from attrition.data import datasets

    df = pd.DataFrame(
        [
            {"name": i.name, "title": i.title, "rows": i.rows, "period": i.period,
             "licence": i.licence, "citation": i.citation}
            for i in datasets.available()
        ]
    )  # fmt: skip
    return Section("datasets", "Datasets and licences", table_html(df))


def build_classic_report(out_dir: str | Path, *, seed: int = 0) -> Path:
    """Write the classic validations report to ``out_dir`` and return the index path."""
    from attrition._io import sha256_file
    from attrition.data import datasets
    from attrition.outputs import OutputLock, build_folder, check_output_dir, install_output

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        from attrition.errors import UserError

        raise UserError(f"--seed {seed}: give a whole number 0 or larger")
    out = check_output_dir(out_dir)
    iwo, iwo_sum = iwo_jima_section()
    ard, ard_sum = ardennes_section()
    intro = Section(
        "about",
        "About",
        "<p>Validation of the attrition laws and fitting methods on the classic battles of "
        "the operations-research literature, computed from the packaged data. Every figure is "
        "recomputed on each run.</p>",
    )
    inputs = {}
    for name in ("iwo-jima", "ardennes"):
        folder = datasets.info(name).path
        for f in sorted(Path(folder).glob("*.csv")):
            inputs[f"{name}/{f.name}"] = sha256_file(f)
    page = render_page(
        "attrition — classic validations", [intro, iwo, ard, datasets_section()],
        seed=seed, inputs=inputs,
    )  # fmt: skip
    summary = {"iwo_jima": iwo_sum, "ardennes": ard_sum, "seed": seed, "inputs": inputs}
    with OutputLock(out), build_folder(out) as work:
        text = json.dumps(summary, indent=2, default=json_default)
        atomic_write_text(work / "summary.json", text)
        atomic_write_text(work / "index.html", page)
        install_output(work, out, report="classic", seed=seed)
    return out / "index.html"
