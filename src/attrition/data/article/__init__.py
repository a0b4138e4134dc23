"""Read a Markdown article with YAML front matter, with offsets into the whole file.

Offsets follow ``docs/claims-schema.md``: 0-based Python ``str`` indices into the whole file
text (front matter included), read as ``open(path, encoding="utf-8", newline="").read()``.

The body runs from the end of the front matter to the first line that starts with
``## References``. Lines holding ``[object Object]`` (a known export defect) are skipped with one
:class:`~attrition.errors.DataWarning` naming how many there were.

Dates without a year resolve through a :class:`YearRule`: months from ``first_month`` onwards
belong to ``first_year`` and earlier months to the year after (the Bakhmut article: Aug–Dec 2022,
Jan–Jul 2023). :func:`read_article` derives the rule from the front matter when it can (see
:meth:`YearRule.from_front_matter`) and otherwise uses :data:`BAKHMUT_YEAR_RULE`.

One module per job; this package re-exports their names, so every
``from attrition.data.article import ...`` keeps working:

* :mod:`~attrition.data.article.markdown`: reading the article (:func:`read_article`,
  :class:`Article` with its sections, paragraphs and sentences);
* :mod:`~attrition.data.article.date_phrases`: date expressions in its text
  (:func:`find_dates`, :func:`resolve_date`, :class:`YearRule`).
"""

from __future__ import annotations

from attrition.data.article.date_phrases import (
    BAKHMUT_YEAR_RULE,
    MONTHS,
    DateSpan,
    YearRule,
    find_dates,
    resolve_date,
)
from attrition.data.article.markdown import (
    JUNK_MARKER,
    REFERENCES_PREFIX,
    Article,
    Paragraph,
    Section,
    read_article,
)

__all__ = [
    "BAKHMUT_YEAR_RULE",
    "JUNK_MARKER",
    "MONTHS",
    "REFERENCES_PREFIX",
    "Article",
    "DateSpan",
    "Paragraph",
    "Section",
    "YearRule",
    "find_dates",
    "read_article",
    "resolve_date",
]
