"""Reading a Markdown article with YAML front matter: its body, sections, paragraphs and
sentences, with offsets into the whole file.

Offsets follow ``docs/claims-schema.md``: 0-based Python ``str`` indices into the whole file
text (front matter included), read as ``open(path, encoding="utf-8", newline="").read()``.
"""

from __future__ import annotations

import bisect
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from attrition.data.article.date_phrases import (
    BAKHMUT_YEAR_RULE,
    DateSpan,
    YearRule,
    resolve_date,
)
from attrition.data.dates import as_date
from attrition.errors import DataWarning, UserError

__all__ = ["JUNK_MARKER", "REFERENCES_PREFIX", "Article", "Paragraph", "Section", "read_article"]

JUNK_MARKER = "[object Object]"
REFERENCES_PREFIX = "## References"

# ---------------------------------------------------------------------------------------------
# Data classes


@dataclass(frozen=True)
class Section:
    """A Markdown heading and the text under it.

    ``start`` is the offset of the heading line; ``end`` is the start of the next heading of the
    same or a higher level, or the end of the body.
    """

    level: int
    title: str
    start: int
    end: int


ParagraphKind = Literal["text", "table", "list"]


@dataclass(frozen=True)
class Paragraph:
    """A run of consecutive non-blank body lines (headings and image-only lines excluded)."""

    start: int
    end: int
    kind: ParagraphKind


@dataclass(frozen=True)
class Article:
    """A Markdown article with YAML front matter; all offsets index :attr:`text`."""

    path: Path
    text: str
    front_matter: dict[str, Any]
    title: str
    pub_date: date | None
    body_start: int
    body_end: int
    sections: tuple[Section, ...]
    paragraphs: tuple[Paragraph, ...]
    junk_lines: int = 0
    year_rule: YearRule = field(default=BAKHMUT_YEAR_RULE)

    @property
    def body(self) -> str:
        """The body text (``text[body_start:body_end]``)."""
        return self.text[self.body_start : self.body_end]

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        starts.extend(m.end() for m in re.finditer("\n", self.text))
        return starts

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``."""
        i = bisect.bisect_right(self._line_starts, offset) - 1
        return i + 1, offset - self._line_starts[i] + 1

    def section_at(self, offset: int) -> Section | None:
        """The innermost section containing ``offset``, or ``None``."""
        best: Section | None = None
        for s in self.sections:
            if s.start <= offset < s.end and (best is None or s.level > best.level):
                best = s
        return best

    def paragraph_at(self, offset: int) -> Paragraph | None:
        """The paragraph containing ``offset``, or ``None``."""
        i = bisect.bisect_right([p.start for p in self.paragraphs], offset) - 1
        if i >= 0 and offset < self.paragraphs[i].end:
            return self.paragraphs[i]
        return None

    @cached_property
    def sentences(self) -> tuple[tuple[int, int], ...]:
        """``(start, end)`` of every sentence in the body's paragraphs (table rows count as one)."""
        out: list[tuple[int, int]] = []
        for p in self.paragraphs:
            if p.kind != "text":
                for m in re.finditer(r"[^\n]+", self.text[p.start : p.end]):
                    out.append((p.start + m.start(), p.start + m.end()))
                continue
            out.extend(_split_sentences(self.text, p.start, p.end))
        return tuple(out)

    def sentence_at(self, offset: int) -> tuple[int, int] | None:
        """The ``(start, end)`` of the sentence containing ``offset``, or ``None``."""
        starts = [s for s, _ in self.sentences]
        i = bisect.bisect_right(starts, offset) - 1
        if i >= 0 and offset < self.sentences[i][1]:
            return self.sentences[i]
        return None

    def resolve_date(self, fragment: str) -> DateSpan | None:
        """:func:`resolve_date` with this article's year rule."""
        return resolve_date(fragment, self.year_rule)


# ---------------------------------------------------------------------------------------------
# Reading


def read_article(path: str | Path, year_rule: YearRule | None = None) -> Article:
    """Read a Markdown article with YAML front matter.

    ``year_rule`` overrides the rule derived from the front matter (see
    :meth:`YearRule.from_front_matter`); when neither is available the Bakhmut rule applies.
    A missing file, text that is not UTF-8, a missing or unclosed front matter or broken YAML
    raise :class:`UserError` naming the file and line.
    """
    import yaml

    p = Path(path)
    try:
        with open(p, encoding="utf-8", newline="") as fh:
            text = fh.read()
    except FileNotFoundError as exc:
        raise UserError(f"{p}: no such file; check the path") from exc
    except IsADirectoryError as exc:
        raise UserError(f"{p}: is a folder; give the path of a Markdown file") from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"{p}: not UTF-8 text (byte {exc.start}); save the file as UTF-8") from exc

    lines = text.splitlines(keepends=True)
    first = lines[0].lstrip("\ufeff").rstrip("\r\n") if lines else ""
    if first.strip() != "---":
        raise UserError(
            f"{p}:1: no YAML front matter; start the file with a '---' line, the YAML "
            "(title, pubDate, ...) and a closing '---' line"
        )
    close_idx = None
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n").strip() in {"---", "..."}:
            close_idx = i
            break
    if close_idx is None:
        raise UserError(
            f"{p}:1: the front matter opened by '---' is never closed; add a '---' line after it"
        )
    fm_text = "".join(lines[1:close_idx])
    try:
        loaded = yaml.safe_load(fm_text) if fm_text.strip() else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        n_lines = close_idx - 1
        if exc.context_mark is not None and (mark is None or mark.line >= n_lines):
            mark = exc.context_mark  # the problem is the end of the YAML: point at its opening
        line = 2 + (mark.line if mark is not None else 0)
        problem = (exc.problem or exc.context or "syntax error").strip()
        raise UserError(
            f"{p}:{line}: front matter is not valid YAML ({problem}); fix the YAML between "
            "the '---' lines"
        ) from exc
    except yaml.YAMLError as exc:
        raise UserError(
            f"{p}:2: front matter is not valid YAML ({exc}); fix the YAML between the '---' lines"
        ) from exc
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise UserError(
            f"{p}:2: front matter must be a YAML mapping (key: value lines), "
            f"not a {type(loaded).__name__}"
        )
    front_matter: dict[str, Any] = {str(k): v for k, v in loaded.items()}

    body_start = sum(len(ln) for ln in lines[: close_idx + 1])
    pos = body_start
    body_end = len(text)
    for ln in lines[close_idx + 1 :]:
        if ln.startswith(REFERENCES_PREFIX):
            body_end = pos
            break
        pos += len(ln)

    pub_date = _pub_date(p, front_matter, lines[1:close_idx])
    rule = year_rule or YearRule.from_front_matter(front_matter, pub_date) or BAKHMUT_YEAR_RULE

    junk_line_numbers = [i + 1 for i, ln in enumerate(lines) if JUNK_MARKER in ln]
    if junk_line_numbers:
        warnings.warn(
            f"{p}: skipped {len(junk_line_numbers)} '{JUNK_MARKER}' junk lines "
            f"(lines {junk_line_numbers[0]}-{junk_line_numbers[-1]})",
            DataWarning,
            stacklevel=2,
        )

    sections, paragraphs, first_h1 = _structure(text, body_start, body_end)
    title = str(front_matter.get("title") or front_matter.get("subject") or first_h1 or p.stem)
    return Article(
        path=p,
        text=text,
        front_matter=front_matter,
        title=title,
        pub_date=pub_date,
        body_start=body_start,
        body_end=body_end,
        sections=tuple(sections),
        paragraphs=tuple(paragraphs),
        junk_lines=len(junk_line_numbers),
        year_rule=rule,
    )


_PUB_KEYS = ("pubDate", "pub_date", "date", "published")


def _pub_date(path: Path, fm: Mapping[str, Any], fm_lines: list[str]) -> date | None:
    for key in _PUB_KEYS:
        if key not in fm or fm[key] in (None, ""):
            continue
        value = fm[key]
        try:
            day = as_date(value)  # a date, or YYYY-MM-DD text (a trailing time is ignored)
        except UserError:
            line = 2 + next(
                (i for i, ln in enumerate(fm_lines) if ln.lstrip().startswith(f"{key}:")), 0
            )
            raise UserError(
                f"{path}:{line}: front matter {key} = {value!r} is not a date; "
                "write it as YYYY-MM-DD"
            ) from None
        if day is not None:  # a blank value counts as absent
            return day
    return None


_HEADING = re.compile(r"(#{1,6})\s+(.*?)\s*#*\s*$")
_IMAGE_LINE = re.compile(r"\s*!\[[^\]\n]*\]\(.*\)\s*$")


def _structure(
    text: str, body_start: int, body_end: int
) -> tuple[list[Section], list[Paragraph], str | None]:
    headings: list[tuple[int, str, int]] = []  # level, title, start
    paragraphs: list[Paragraph] = []
    first_h1: str | None = None
    run_start: int | None = None
    run_end = 0
    run_kind: ParagraphKind = "text"

    def flush() -> None:
        nonlocal run_start
        if run_start is not None:
            paragraphs.append(Paragraph(run_start, run_end, run_kind))
            run_start = None

    for m in re.finditer(r"[^\n]*\n?", text[body_start:body_end]):
        if not m.group(0):
            break
        start = body_start + m.start()
        line = m.group(0).rstrip("\r\n")
        end = start + len(line)
        h = _HEADING.match(line)
        if h:
            flush()
            level, title = len(h.group(1)), h.group(2)
            headings.append((level, title, start))
            if level == 1 and first_h1 is None:
                first_h1 = title
            continue
        if not line.strip() or JUNK_MARKER in line or _IMAGE_LINE.match(line):
            flush()
            continue
        stripped = line.lstrip()
        kind: ParagraphKind = (
            "table"
            if stripped.startswith("|")
            else "list"
            if re.match(r"[*+-]\s|\d+\.\s", stripped)
            else "text"
        )
        if run_start is not None and kind != run_kind:
            flush()
        if run_start is None:
            run_start, run_kind = start, kind
        run_end = end
    flush()

    sections: list[Section] = []
    for i, (level, title, start) in enumerate(headings):
        end = body_end
        for later_level, _, later_start in headings[i + 1 :]:
            if later_level <= level:
                end = later_start
                break
        sections.append(Section(level, title, start, end))
    return sections, paragraphs, first_h1


_ABBREVIATIONS = frozenset(
    [
        "u.s",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "lt",
        "gen",
        "col",
        "maj",
        "capt",
        "sgt",
        "jr",
        "sr",
        "no",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "ed",
        "approx",
        "fig",
    ]
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"”’')\]]*\s+(?=[\"“‘(*]?[A-Z0-9])")


def _split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentences, skipping common abbreviations and initials."""
    out: list[tuple[int, int]] = []
    chunk = text[start:end]
    s = 0
    for m in _SENTENCE_END.finditer(chunk):
        before = chunk[s : m.start() + 1]
        word = re.search(r"([A-Za-z.]+)\.$", before)
        if word:
            w = word.group(1).lower()
            if w in _ABBREVIATIONS or len(w) == 1 or "." in w:
                continue
        out.append((start + s, start + m.start() + len(m.group(0).rstrip())))
        s = m.end()
    if s < len(chunk) and chunk[s:].strip():
        out.append((start + s, start + len(chunk.rstrip())))
    return out
