"""Regenerate the tables in docs/classic-validations.md from the packaged data.

Run: .venv/bin/python tools/make_classic_docs.py   (tests/infer/test_docs_tables.py checks that
the committed tables equal a fresh computation, so the docs cannot go stale silently).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "classic-validations.md"
BEGIN, END = "<!-- ratio-regression:begin -->", "<!-- ratio-regression:end -->"


def ratio_regression_markdown() -> str:
    """The Ardennes ratio-regression variants as a Markdown table."""
    from attrition.infer.regression import ardennes_variants

    df = ardennes_variants()
    lines = [
        "| force | series | days | air weight | α | β | R² | n |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in df.itertuples():
        lines.append(
            f"| {r.force} | {r.series} | {r.days} | {r.air_weight:g} | {r.alpha:.4f} "
            f"| {r.beta:.4f} | {r.r2:.4f} | {r.n_days} |"
        )
    return "\n".join(lines)


def render(text: str) -> str:
    """Replace the generated block in ``text``."""
    block = f"{BEGIN}\n{ratio_regression_markdown()}\n{END}"
    return re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)


def main() -> int:
    from attrition._io import atomic_write_text

    atomic_write_text(DOC, render(DOC.read_text(encoding="utf-8")))
    print(f"updated {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
