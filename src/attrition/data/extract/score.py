"""Scoring proposed claims against curated ones, by metric family and quote position.

The matching rule is in :mod:`attrition.data.extract`; :func:`score_extraction` returns a
:class:`Score` (precision, recall, value and metric agreement).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from attrition.data.article import Article

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["METRIC_FAMILIES", "Score", "metric_family", "score_extraction"]

METRIC_FAMILIES: dict[str, tuple[str, ...]] = {
    "losses": ("killed", "wounded", "captured", "casualties", "missing"),
    "equipment": (
        "tanks_destroyed",
        "ifv_destroyed",
        "apc_destroyed",
        "artillery_destroyed",
        "uav_destroyed",
        "depots_destroyed",
        "vehicles_destroyed",
    ),
    "ground": ("advance_m", "advance_width_m", "advance_depth_m", "area_km2", "city_control_pct"),
    "forces": ("personnel", "tanks", "afv", "guns", "mlrs"),
    "logistics": ("ammo_tonnes_per_day", "ammo_delivered_pct", "artillery_attacks"),
    "population": ("population",),
    "ratios": ("casualty_ratio", "casualties_per_km", "cm_per_casualty"),
    "other": ("other",),
}
_FAMILY_OF = {m: fam for fam, ms in METRIC_FAMILIES.items() for m in ms}


def metric_family(metric: str) -> str:
    """The family of a metric (see :data:`METRIC_FAMILIES`)."""
    return _FAMILY_OF.get(metric, "other")


@dataclass(frozen=True)
class Score:
    """How well proposed rows match curated ones (see the module docstring for the rule)."""

    precision: float
    recall: float
    value_agreement: float
    metric_agreement: float
    matched: int
    proposed: int
    curated: int
    pairs: tuple[tuple[int, int], ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (without the pairs)."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "value_agreement": self.value_agreement,
            "metric_agreement": self.metric_agreement,
            "matched": self.matched,
            "proposed": self.proposed,
            "curated": self.curated,
        }


def _close(a: Any, b: Any) -> bool:
    a_nan = a is None or a != a
    b_nan = b is None or b != b
    if a_nan or b_nan:
        return a_nan and b_nan
    return abs(float(a) - float(b)) <= 0.01 * max(abs(float(a)), abs(float(b)))


def score_extraction(
    proposed: pd.DataFrame, curated: pd.DataFrame, article: Article | None = None
) -> Score:
    """Score ``proposed`` claims against ``curated`` ones (both in the claims schema).

    With ``article``, rows whose quotes lie in the same sentence can match even when the
    quote spans do not overlap; without it only overlapping spans match.
    """

    def rows(df: pd.DataFrame) -> list[dict[str, Any]]:
        out = []
        for r in df.to_dict("records"):
            start = int(r["offset"])
            end = start + len(str(r["quote"]))
            sent = article.sentence_at(start) if article is not None else None
            out.append(
                {
                    "metric": str(r["metric"]),
                    "family": metric_family(str(r["metric"])),
                    "start": start,
                    "end": end,
                    "sentence": sent,
                    "low": r.get("value_low"),
                    "high": r.get("value_high"),
                }
            )
        return out

    p_rows, c_rows = rows(proposed), rows(curated)
    candidates: list[tuple[tuple[int, int, int], int, int]] = []
    for i, p in enumerate(p_rows):
        for j, c in enumerate(c_rows):
            if p["family"] != c["family"]:
                continue
            overlap = min(p["end"], c["end"]) - max(p["start"], c["start"])
            same_sentence = p["sentence"] is not None and p["sentence"] == c["sentence"]
            if overlap <= 0 and not same_sentence:
                continue
            agrees = _close(p["low"], c["low"]) and _close(p["high"], c["high"])
            candidates.append(((int(agrees), int(p["metric"] == c["metric"]), overlap), i, j))
    candidates.sort(key=lambda t: t[0], reverse=True)
    used_p: set[int] = set()
    used_c: set[int] = set()
    pairs: list[tuple[int, int]] = []
    agree_n = metric_n = 0
    for (agree, same_metric, _), i, j in candidates:
        if i in used_p or j in used_c:
            continue
        used_p.add(i)
        used_c.add(j)
        pairs.append((i, j))
        agree_n += agree
        metric_n += same_metric
    matched = len(pairs)
    return Score(
        precision=matched / len(p_rows) if p_rows else 0.0,
        recall=matched / len(c_rows) if c_rows else 0.0,
        value_agreement=agree_n / matched if matched else 0.0,
        metric_agreement=metric_n / matched if matched else 0.0,
        matched=matched,
        proposed=len(p_rows),
        curated=len(c_rows),
        pairs=tuple(pairs),
    )
