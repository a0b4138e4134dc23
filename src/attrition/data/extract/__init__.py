"""A rule-based extractor of claims from an article, and its score against curated claims.

:func:`extract_claims` proposes rows in the claims schema (``docs/claims-schema.md``) from the
article body, sentence by sentence:

* numbers in digits (``1,730``, ``1.5``, ``100,000+``, ``1.5 million``), in words (``five``,
  ``two thousand``) and vague plurals (``hundreds`` = 200, ``thousands`` = 2000,
  ``several thousand`` = 3000); ranges ``15,000–20,000``, ``between X and Y``, ``X to Y``;
* the metric from the words around the number (``killed``, ``wounded``, ``casualties``,
  ``tanks``, ``IFVs``, ``metres ... wide``, ``square kilometres``, ``% of the city`` ...);
  distances are converted to metres (km x 1000); durations, ages, unit sizes in other battles
  and locations (``3 km south of``) are skipped;
* the qualifier from the words before (``over``/``more than``/``at least`` -> at_least,
  ``up to``/``less than`` -> at_most, ``about``/``around``/``nearly``/``some`` -> about);
* the rate (``per day``/``a day``/``every day``/``each day``/``daily`` -> per_day);
* the claim date from the date expressions of the sentence (or the paragraph before it);
* the claimant from ``X claimed/said/reported/stated/estimated ...`` and ``according to X``,
  mapped to canonical names, and the sides from nationality words (both from a claimant
  lexicon: data in ``attrition/data/lexicon/``, :func:`load_lexicon`).

:func:`score_extraction` compares proposed rows with curated ones. **Matching rule:** a proposed
and a curated row can match when their metrics are in the same family (losses, equipment,
ground, forces, logistics, population, ratios, other) and their quote spans overlap or lie in
the same sentence of the article. Pairs are matched one-to-one, greedily, preferring pairs whose
values agree, then equal metrics, then the larger overlap. Precision = matched / proposed,
recall = matched / curated, value agreement = share of matched pairs whose ``value_low`` and
``value_high`` both agree within 1% (both empty counts as agreeing).

One module per job; this package re-exports their names, so every
``from attrition.data.extract import ...`` keeps working:

* :mod:`~attrition.data.extract.numerals`: finding numbers (:func:`find_numbers`,
  :func:`quote_values`);
* :mod:`~attrition.data.extract.lexicon`: the claimant lexicon (:func:`load_lexicon`);
* :mod:`~attrition.data.extract.metrics`: which metric a number measures;
* :mod:`~attrition.data.extract.sentences`: one proposed row per number of a sentence;
* :mod:`~attrition.data.extract.assemble`: :func:`extract_claims` over the article;
* :mod:`~attrition.data.extract.score`: :func:`score_extraction`.
"""

from __future__ import annotations

from attrition.data.extract.assemble import extract_claims
from attrition.data.extract.lexicon import DEFAULT_LEXICON, LEXICON_DIR, Lexicon, load_lexicon
from attrition.data.extract.numerals import NumberMention, find_numbers, quote_values
from attrition.data.extract.score import (
    METRIC_FAMILIES,
    Score,
    metric_family,
    score_extraction,
)

__all__ = [
    "DEFAULT_LEXICON",
    "LEXICON_DIR",
    "METRIC_FAMILIES",
    "Lexicon",
    "NumberMention",
    "Score",
    "extract_claims",
    "find_numbers",
    "load_lexicon",
    "metric_family",
    "quote_values",
    "score_extraction",
]
