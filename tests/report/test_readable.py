"""The report reads like a report: rounded numbers, one date format, labels instead of codes,
formatted tables, plain headline wording, and the page says where the estimates disagree."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attrition.report.html import (
    LABELS,
    fmt_date,
    fmt_interval,
    fmt_num,
    label,
    round_sig,
    table_html,
)

# ---------------------------------------------------------------------------------------------
# formatting helpers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (156_223.4, "156,000"),
        (107_457.0, "107,000"),
        (236_172.0, "236,000"),
        (1.132e4, "11,300"),
        (0.0106, "0.0106"),
        (0.007987, "0.00799"),
        (-0.3266, "−0.327"),
        (132.6, "133"),
        (5.0, "5"),
        (812.0, "812"),
        (12, "12"),
        (123_456, "123,456"),  # an integer count is exact
        (True, "yes"),
        (False, "no"),
        (float("nan"), "–"),
        (None, "–"),
    ],
)
def test_fmt_num_rounds_to_three_significant_figures(value: object, text: str) -> None:
    assert fmt_num(value) == text


def test_fmt_num_never_writes_scientific_notation() -> None:
    rng = np.random.default_rng(0)
    for v in 10.0 ** rng.uniform(-6, 9, 500):
        for x in (v, -v):
            out = fmt_num(float(x))
            assert "e" not in out.lower(), (x, out)
            back = float(out.replace(",", "").replace("−", "-"))
            assert back == pytest.approx(round_sig(float(x), 3), rel=1e-9), (x, out)


def test_interval_as_in_the_issue() -> None:
    d = {"median": 156_223.0, "q05": 107_457.0, "q95": 230_491.0}
    assert fmt_interval(d) == "156,000 (107,000–230,000)"
    assert fmt_interval({"median": 2.789, "q05": 1.49, "q95": 5.09}, fmt="{:.2f}") == (
        "2.79 (1.49–5.09)"
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2023-05-20", "20 May 2023"),
        ("2022-08-01T00:00:00", "1 Aug 2022"),
        (pd.Timestamp("2023-06-30"), "30 Jun 2023"),
        (pd.NaT, ""),
        (float("nan"), ""),
        (None, ""),
        ("2023-05", "May 2023"),
        ("after the battle", "after the battle"),
    ],
)
def test_one_date_format(value: object, text: str) -> None:
    assert fmt_date(value) == text


def test_labels_replace_the_codes_named_in_the_issue() -> None:
    for code in ("claimed_captured", "ua_arm_advance", "city_control_pct", "casualty_ratio"):
        assert label(code) != code
        assert "_" not in label(code)
    from attrition.report.model_sections import param_label

    assert param_label("share_n_1") == "Russian effort on the northern arm in phase 1"
    assert "_" not in param_label("ua_advance")


def test_table_html_formats_cells_and_keeps_codes_in_attributes() -> None:
    df = pd.DataFrame(
        {
            "metric": ["claimed_captured", "killed"],
            "value": [1.132e4, float("nan")],
            "chosen": [True, False],
            "date": ["2023-05-20", None],
            "count": [3, 12_000],
        }
    )
    out = table_html(df, "cap", codes=("metric",), dates=("date",))
    assert "NaN" not in out
    assert "True" not in out
    assert "e+" not in out
    assert '<td data-code="claimed_captured">capture claimed (unconfirmed)</td>' in out
    assert "<td>killed</td>" in out  # a code that is already a word stays as it is
    assert '<td class="num">11,300</td>' in out
    assert "<td>–</td>" in out
    assert "<td>yes</td>" in out
    assert "<td>no</td>" in out
    assert "<td>20 May 2023</td>" in out
    assert '<td class="num">12,000</td>' in out
    assert "<caption>cap</caption>" in out


def test_claimed_figures_and_claim_values_in_words() -> None:
    from attrition.report.evidence import fmt_claimed, fmt_figure

    assert fmt_claimed(">=2000") == "at least 2,000"
    assert fmt_claimed("15000-20000") == "15,000–20,000"
    assert fmt_claimed("~10") == "about 10"
    assert fmt_claimed("<=70000") == "at most 70,000"
    assert fmt_figure(12000.0, float("nan"), "at_least") == "at least 12,000"
    assert fmt_figure(5.0, 6.0, "range") == "5–6"
    assert fmt_figure(50.0, 50.0, "about") == "about 50"


def test_observed_value_of_a_statement() -> None:
    from attrition.report.model_sections import observed_text

    assert observed_text("city", 0.5, 0.5) == "50%"
    assert observed_text("front", float("nan"), 14.2) == "at most 14.2"
    assert observed_text("ru_strength", 25_600.0, float("inf")) == "at least 25,600"


def _model_summary(fused_ru: float, p_fall: float = 0.62) -> dict:
    band = {"median": 83_191.0, "q05": 66_009.0, "q95": 107_327.0}
    return {
        "record": {
            "law": "logarithmic",
            "statements_inside": 154,
            "statements": 174,
            "fused_casualties": {
                "RU": {"median": fused_ru, "q05": 107_457.0, "q95": 236_172.0},
                "UA": {"median": 55_634.0, "q05": 33_152.0, "q95": 98_887.0},
            },
            "baseline": {
                "city_fall_date": {"probability_by_end": p_fall},
                "sides": {
                    "RU": {"casualties": band},
                    "UA": {"casualties": {"median": 52_395.0, "q05": 37_494.0, "q95": 84_208.0}},
                },
            },
        },
        "bakhmut_rate_per_1000_per_day": {"RU": {"median": 13.0, "q05": 8.2, "q95": 21.7}},
    }


def test_disagreement_between_model_and_fused_estimate_is_said() -> None:
    from attrition.report.bakhmut import disagreements

    said = disagreements(_model_summary(156_919.0))
    assert len(said) == 1
    assert "Russian casualties (157,000) lies above the calibrated model's 90% band" in said[0]
    assert "(66,000–107,000)" in said[0]
    assert disagreements(_model_summary(90_000.0)) == []  # inside the band: nothing to say


def test_city_fall_is_a_hindcast_probability_beside_the_fact() -> None:
    from attrition.report.bakhmut import capture_event, model_headline

    capture = capture_event("bakhmut", "Bakhmut")
    assert capture is not None
    assert capture["date"] == "2023-05-20"
    rows, reading = model_headline(_model_summary(156_919.0), capture)
    assert rows[0]["quantity"].startswith("Model hindcast")
    assert rows[0]["median (90% interval)"] == "62% of model runs"
    assert "in fact the city was captured" in rows[0]["from"]
    assert "20 May 2023" in rows[0]["from"]
    assert "hindcast probability" in reading
    assert "not a doubt" in reading


def test_every_label_is_plain_words() -> None:
    for code, text in LABELS.items():
        assert "_" not in text, (code, text)


# ---------------------------------------------------------------------------------------------
# the built page


def _visible_text(page: str) -> str:
    """The text a reader sees: no scripts, no styles, no attributes, no <code> spans."""
    body = page[page.index("<body>") :] if "<body>" in page else page
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    body = re.sub(r"<code>.*?</code>", " ", body, flags=re.S)
    body = re.sub(r'<div id="[^"]*" class="plotly-graph-div".*?</div>', " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return html_lib.unescape(body)


@pytest.fixture(scope="module")
def page(quick_report: Path) -> str:
    return (quick_report / "index.html").read_text(encoding="utf-8")


def test_page_has_no_raw_numbers_codes_or_iso_dates(page: str) -> None:
    text = _visible_text(page)
    assert not re.search(r"\bNaN\b|\bTrue\b|\bFalse\b", text)
    assert not re.search(r"\d\.\d+e[+-]\d", text)
    for code in ("claimed_captured", "ua_arm_advance", "share_n_1", "city_control_pct"):
        assert code not in text, code
    # one date format: no ISO dates a reader sees (commands and downloads keep them)
    assert not re.findall(r"\b20\d\d-\d\d-\d\d\b", text)
    assert not re.findall(r"\b20\d\d-\d\d\b", text)
    # no false precision in the headline: the fused estimate is rounded
    head = _visible_text(page[page.index('id="headline"') : page.index('id="estimate"')])
    estimates = head[: head.index("Claims of total killed")]  # the claims table is as claimed
    numbers = re.findall(r"\b\d{1,3}(?:,\d{3})+\b", estimates)
    assert numbers
    for n in numbers:
        digits = n.replace(",", "")
        assert set(digits[3:]) <= {"0"}, n  # three significant figures


def test_headline_wording_and_disagreement(page: str) -> None:
    head = _visible_text(page[page.index('id="headline"') : page.index('id="estimate"')])
    assert "Model hindcast" in head
    assert "in fact the city was captured" in head
    assert "largest total claimed" not in head
    assert "no overall total" in head  # Russia's own 'largest' figure is one named death
    assert "lies above the calibrated model's 90% band" in head
    model = _visible_text(page[page.index('id="model"') : page.index('id="scenarios"')])
    assert "Where the model and the fused estimate disagree" in model
    assert "observed (the statement)" in model


def test_bibliography_is_folded_and_searchable(page: str) -> None:
    bib = page[page.index('<section id="bibliography"') :]
    assert '<details id="bibliography-details">' in bib
    assert 'id="bibliography-search"' in bib
    assert '<section id="glossary">' in page


def test_statements_lose_their_leading_code() -> None:
    from attrition.report.model_sections import plain_statement

    assert plain_statement("claimed_captured RU: Opytne (Russian military (unnamed))") == (
        "capture claimed (unconfirmed) RU: Opytne (Russian military (unnamed))"
    )
    assert plain_statement("captured RU: Bakhmut") == "captured RU: Bakhmut"
