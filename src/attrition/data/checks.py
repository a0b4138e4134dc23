"""Provenance checks of a claims file against its article (``attrition claims check``).

:func:`check_claims` verifies, per ``docs/claims-schema.md``:

* every row is valid (vocabularies, ISO dates, numbers, qualifier/value rules);
* every quote of a claim or control event is verbatim at its offset;
* every value can be read off its quote: a number in digits (thousands separators and decimals
  allowed) or words ("five", "two thousand", "1.5 million"), a vague plural read as its smallest
  plural ("hundreds" = 200, "thousands" = 2000, "several thousand" = 3000, "dozens" = 24), a
  word that carries a number ("a" 1, "none" 0, "pair" 2, "half" 0.5 or 50 %; see
  :func:`attrition.data.extract.quote_values`), or a unit conversion (km to m, miles and feet
  to m, within 1 %). A value that is derived rather than read (e.g.
  "half of those" = 50,000) passes only when its notes say so with the word ``derived`` or
  ``no numeral``; such rows are counted in ``counts["values_documented"]``;
* every ``dup_of:<id>`` names another existing claim by the same claimant;
* dates do not pass the article's publication date; a claimant keeps one side throughout;
  places are in the gazetteer (when one is given); phases point at their headings;
* numeral coverage: every numeral of the body is covered by a quote span, an exclusion row at
  the same offset, or one of the automatic rules (link/image targets and alt text, dates, bare
  years 1900–2099, ordinals, identifiers such as ``BM-21``). A day range ``28–29 November``
  counts as part of a date.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from attrition.data.article import Article, read_article
from attrition.data.battle import BattleSpec
from attrition.data.claims import (
    BATTLES_DIR,
    article_path,
    battle_dir,
    battle_spec,
    check_battle_folder,
    part_files,
    side_vocab,
    stem_files,
)
from attrition.data.schema import (
    Claim,
    ControlEvent,
    NumeralExclusion,
    Phase,
    Place,
    RowProblem,
    parse_csv,
)
from attrition.errors import UserError

__all__ = [
    "NUMERAL_RE",
    "CheckReport",
    "UncoveredNumeral",
    "auto_covered_spans",
    "check_claims",
    "numerals",
    "value_readable",
]

NUMERAL_RE = re.compile(r"(?<![A-Za-z0-9])\d+(?:[.,]\d+)*")
"""A numeral, as defined by the schema document."""

_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_DATE_PATTERNS = (
    # D–D Month [YYYY]: a day range is part of a date
    re.compile(rf"\b\d{{1,2}}\s*[–-]\s*\d{{1,2}}\s+{_MONTHS}(?:,?\s+\d{{4}})?\b"),
    # D Month [YYYY]
    re.compile(rf"\b\d{{1,2}}\s+{_MONTHS}(?:,?\s+\d{{4}})?\b"),
    # Month D[, YYYY]
    re.compile(rf"\b{_MONTHS}\s+\d{{1,2}}(?!\d)(?:,\s*\d{{4}})?\b"),
    # Month YYYY
    re.compile(rf"\b{_MONTHS}\s+\d{{4}}\b"),
)


@dataclass(frozen=True)
class UncoveredNumeral:
    """A numeral of the body that nothing accounts for."""

    offset: int
    text: str
    line: int
    col: int
    context: str

    def __str__(self) -> str:
        return (
            f"{self.line}:{self.col}: numeral {self.text!r} is not covered ({self.context}); "
            f"add a claim or event quoting it, or a numeral_exclusions row at offset {self.offset}"
        )


@dataclass
class CheckReport:
    """The outcome of :func:`check_claims`.

    ``problems`` are one-line messages (``FILE:LINE: ...``); ``counts`` summarises what was
    checked; ``uncovered`` lists the numerals without coverage (also in ``problems``).
    """

    article: Path | None
    files: list[Path]
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    uncovered: list[UncoveredNumeral] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no problem."""
        return not self.problems

    def summary(self) -> str:
        """One line: the counts and the verdict."""
        c = self.counts
        return (
            f"{c.get('claims', 0)} claims, {c.get('events', 0)} events, "
            f"{c.get('exclusions', 0)} exclusions; "
            f"{c.get('numerals_covered', 0)}/{c.get('numerals', 0)} numerals covered; "
            f"{len(self.problems)} problem(s)" + ("" if self.problems else ": OK")
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "ok": self.ok,
            "article": str(self.article),
            "files": [str(f) for f in self.files],
            "counts": dict(self.counts),
            "problems": list(self.problems),
        }


# ---------------------------------------------------------------------------------------------
# Numerals


def numerals(article: Article) -> list[tuple[int, int, str]]:
    """``(start, end, text)`` of every numeral in the body, offsets into the whole file."""
    body = article.body
    return [
        (article.body_start + m.start(), article.body_start + m.end(), m.group(0))
        for m in NUMERAL_RE.finditer(body)
    ]


def _markdown_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of link/image targets ``(...)`` and image alt texts ``![...]``."""
    spans: list[tuple[int, int]] = []
    i = start
    while True:
        j = text.find("](", i, end)
        if j < 0:
            break
        # the bracketed text before "]("
        k = text.rfind("[", start, j)
        nl = text.rfind("\n", start, j)
        if k >= 0 and k > nl and k > 0 and text[k - 1] == "!":
            spans.append((k, j + 1))
        depth, p = 0, j + 1
        while p < end and text[p] != "\n":
            if text[p] == "(":
                depth += 1
            elif text[p] == ")":
                depth -= 1
                if depth == 0:
                    break
            p += 1
        spans.append((j + 1, p + 1))
        i = p + 1
    return spans


def auto_covered_spans(article: Article) -> list[tuple[int, int]]:
    """Spans covered automatically: Markdown targets and image alt texts, and dates."""
    spans = _markdown_spans(article.text, article.body_start, article.body_end)
    body = article.body
    for pat in _DATE_PATTERNS:
        spans.extend(
            (article.body_start + m.start(), article.body_start + m.end())
            for m in pat.finditer(body)
        )
    return spans


def _auto_reason(text: str, start: int, end: int, num: str, spans: list[tuple[int, int]]) -> bool:
    if any(s <= start and end <= e for s, e in spans):
        return True
    if re.fullmatch(r"\d{4}", num) and 1900 <= int(num) <= 2099:
        return True
    if text[end : end + 2].lower() in {"st", "nd", "rd", "th"}:
        return True
    before = text[start - 1] if start > 0 else ""
    if before.isalpha():
        return True
    return before == "-" and start > 1 and text[start - 2].isalpha()


# ---------------------------------------------------------------------------------------------
# Values


def value_readable(value: float, quote: str) -> bool:
    """Whether ``value`` can be read off ``quote`` (see the module docstring)."""
    from attrition.data.extract import quote_values

    for candidate, converted in quote_values(quote):
        if converted:
            if abs(candidate - value) <= 0.01 * max(abs(candidate), 1e-9):
                return True
        elif abs(candidate - value) <= 1e-9 * max(1.0, abs(candidate)):
            return True
    return False


_DOCUMENTED = re.compile(r"\bderived\b|\bno numeral\b", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# The check


@dataclass(frozen=True)
class _Sources:
    claims: list[Path]
    events: list[Path]
    exclusions: list[Path]
    places: list[Path]
    phases: list[Path]
    article: Path | None
    spec: BattleSpec | None = None


def _resolve(claims: str | Path, article: str | Path | None) -> _Sources:
    p = Path(claims)
    if p.is_dir() and (p / "battle.toml").is_file():
        return _resolve_folder(p, article)
    if p.is_dir() and "/" not in str(claims) and (BATTLES_DIR / str(claims)).is_dir():
        return _resolve_folder(battle_dir(str(claims)), article)  # a packaged battle's name
    if p.is_dir():
        battle_dir(p)  # not a battle folder: one line saying how to make one
    if p.suffix.lower() == ".csv" or p.exists():
        if not p.is_file():
            raise UserError(f"{p}: no such file; check the path")
        if (p.parent / "battle.toml").is_file():  # a claims file of a battle folder
            from dataclasses import replace

            return replace(_resolve_folder(p.parent, article), claims=[p])
        folder = p.parent
        claim_files = [p]
        if article is None:
            candidate = folder / "article.md"
            if not candidate.is_file():
                raise UserError(
                    f"{p}: no article.md beside the claims file; pass the article with --article"
                )
            article = candidate
    else:
        folder = battle_dir(str(claims))
        if battle_spec(folder) is not None:
            return _resolve_folder(folder, article)
        claim_files = part_files(folder, "claims")
        if not claim_files:
            raise UserError(f"{folder}: no claims.csv (nor claims_*.csv parts); add the file")
        if article is None:
            article = article_path(str(claims))
    return _Sources(
        claims=claim_files,
        events=stem_files(folder, "events"),
        exclusions=part_files(folder, "numeral_exclusions"),
        places=stem_files(folder, "places"),
        phases=part_files(folder, "phases"),
        article=Path(article),
    )


def _resolve_folder(folder: Path, article: str | Path | None) -> _Sources:
    """A battle folder with ``battle.toml``: its article (if it packages one) and its files."""
    check_battle_folder(folder)
    spec = battle_spec(folder)
    claim_files = part_files(folder, "claims")
    if not claim_files:
        raise UserError(f"{folder}: no claims.csv (nor claims_*.csv parts); add the file")
    art: Path | None = Path(article) if article is not None else None
    if art is None and spec is not None and spec.article_sources:
        art = article_path(folder)
    return _Sources(
        claims=claim_files,
        events=stem_files(folder, "events"),
        exclusions=part_files(folder, "numeral_exclusions"),
        places=stem_files(folder, "places"),
        phases=part_files(folder, "phases"),
        article=art,
        spec=spec,
    )


def _where(path: Path, line: int) -> str:
    try:
        shown = path.relative_to(BATTLES_DIR.parent.parent.parent.parent)
    except ValueError:
        shown = path
    return f"{shown}:{line}"


def _ctx(text: str, start: int, end: int, width: int = 30) -> str:
    left = text[max(0, start - width) : start].replace("\n", " ")
    right = text[end : end + width].replace("\n", " ")
    return f"...{left}[{text[start:end]}]{right}..."


def _lineage_problems(rows: list[tuple[Path, int, Claim]], spec: BattleSpec | None) -> list[str]:
    """A claim's component must be part of its subject's side, a sector claim names its
    sector, and the restatements of one estimate (one ``source_id``) agree on what they count."""
    out: list[str] = []
    parts = spec.claim_components if spec is not None else {}
    side_of = dict(spec.component_of) if spec is not None else {}
    first: dict[str, tuple[str, Claim]] = {}
    for f, line, c in rows:
        where = f"{_where(f, line)}: claim {c.id}"
        if c.component and spec is not None:
            subject = side_of.get(c.subject_side, c.subject_side)
            if parts.get(c.component) != subject:
                out.append(
                    f"{where}: field 'component' = {c.component!r} is not a part of "
                    f"subject_side {c.subject_side!r}; name a part of that side or leave it empty"
                )
        if c.scope == "sector" and not c.scope_note:
            out.append(f"{where}: field 'scope_note' is empty; name the sector of a sector claim")
        if not c.source_id:
            continue
        if c.source_id not in first:
            first[c.source_id] = (_where(f, line), c)
            continue
        at, o = first[c.source_id]

        def counted(x: Claim) -> dict[str, str]:
            """What a claim counts: metric, rate, side, and the part of the side (a subject
            that is a component counts as that component of its side)."""
            part = x.component or (x.subject_side if x.subject_side in side_of else "")
            side = side_of.get(x.subject_side, x.subject_side)
            return {"metric": x.metric, "rate": x.rate, "side": side, "component": part}

        mine, theirs = counted(c), counted(o)
        for name in mine:
            if mine[name] != theirs[name]:
                out.append(
                    f"{where}: field 'source_id' = {c.source_id!r}: its restatements disagree on "
                    f"{name} ({mine[name] or '(whole side)'} here, {theirs[name] or '(whole side)'}"
                    f" at {at}); one source_id is one estimate of one quantity, give this one "
                    "its own"
                )
                break
    return out


def _quote_problem(article: Article, quote: str, offset: int) -> str | None:
    if article.text[offset : offset + len(quote)] == quote:
        return None
    found = [m.start() for m in re.finditer(re.escape(quote), article.text)]
    if len(found) == 1:
        hint = f"it occurs at offset {found[0]}; set offset to {found[0]}"
    elif found:
        hint = f"it occurs {len(found)} times (offsets {', '.join(map(str, found[:5]))}); pick one"
    else:
        hint = "it is not in the article; copy the quote verbatim from the article"
    return f"field 'offset': quote not found at offset {offset} ({hint})"


def check_claims(
    claims: str | Path,
    article: str | Path | None = None,
    *,
    coverage: bool = True,
) -> CheckReport:
    """Check a claims file (a path to a CSV) or a packaged battle (its name) against its article.

    Sibling files in the same folder (``control_events``, ``numeral_exclusions``, ``gazetteer``,
    ``phases``; merged or in parts) are checked too. ``article`` defaults to the battle's
    packaged article (or ``article.md`` beside the claims file). ``coverage=False`` skips the
    numeral coverage. Unreadable inputs (missing files, bad headers) raise :class:`UserError`;
    everything else is reported in :attr:`CheckReport.problems`.
    """
    import warnings

    from attrition.errors import DataWarning

    src = _resolve(claims, article)
    art: Article | None = None
    if src.article is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            art = read_article(src.article)
    spec = src.spec
    vocab = side_vocab(spec)
    report = CheckReport(
        article=src.article,
        files=[*src.claims, *src.events, *src.exclusions, *src.places, *src.phases],
    )
    problems: list[str] = []

    def read(files: list[Path], model: type[Any]) -> list[tuple[Path, int, Any]]:
        out: list[tuple[Path, int, Any]] = []
        for f in files:
            records, row_problems = parse_csv(f, model, vocab)
            problems.extend(_fmt_row_problem(rp) for rp in row_problems)
            out.extend((f, line, r) for line, r in records)
        return out

    claim_rows: list[tuple[Path, int, Claim]] = read(src.claims, Claim)
    event_rows: list[tuple[Path, int, ControlEvent]] = read(src.events, ControlEvent)
    excl_rows: list[tuple[Path, int, NumeralExclusion]] = read(src.exclusions, NumeralExclusion)
    place_rows: list[tuple[Path, int, Place]] = read(src.places, Place)
    phase_rows: list[tuple[Path, int, Phase]] = read(src.phases, Phase)

    # ids unique across part files
    seen: dict[str, str] = {}
    ids = [(f, line, c.id) for f, line, c in claim_rows]
    ids += [(f, line, ev.id) for f, line, ev in event_rows]
    for f, line, rid in ids:
        if rid in seen and seen[rid] != _where(f, line):
            problems.append(f"{_where(f, line)}: id {rid!r} is also used at {seen[rid]}")
        seen.setdefault(rid, _where(f, line))

    place_names = {n.casefold() for _, _, pl in place_rows for n in pl.names}
    pub = art.pub_date if art is not None else None
    claims_by_id = {r.id: r for _, _, r in claim_rows}
    sides: dict[str, dict[str, str]] = defaultdict(dict)
    documented = 0

    def provenance(where: str, quote: str, offset: int | None, source: str) -> bool:
        """Check a row's source and, for a packaged article, its quote at its offset.

        Returns whether the row quotes the packaged article."""
        if spec is not None:
            obj = spec.source(source)
            if obj is None:
                known = ", ".join(x.id for x in spec.sources[:5]) or "none listed"
                problems.append(
                    f"{where}: source {source or '(empty)'!r} is not in battle.toml's "
                    f"[[sources]] ({known}, ...); add it there or fix the id"
                )
                return False
            if obj.kind != "article":
                return False
        if art is None:
            return False
        if offset is None:
            problems.append(f"{where}: offset is empty; a quote of the article needs its offset")
            return False
        qp = _quote_problem(art, quote, offset)
        if qp:
            problems.append(f"{where}: {qp}")
        return True

    problems.extend(_lineage_problems(claim_rows, spec))

    for f, line, c in claim_rows:
        where = f"{_where(f, line)}: claim {c.id}"
        from_article = provenance(where, c.quote, c.offset, c.source)
        unreadable = sorted(
            {
                v
                for v in (c.value_low, c.value_high)
                if v is not None and not value_readable(v, c.quote)
            }
        )
        if unreadable and _DOCUMENTED.search(c.notes):
            documented += 1
        elif unreadable:
            problems.append(
                f"{where}: value {' and '.join(map(_num, unreadable))} cannot be read off the "
                f"quote {_short(c.quote)}; fix the value, widen the quote, or say 'derived' in "
                "notes with the arithmetic"
            )
        target = c.dup_of
        if target is not None:
            if target == c.id:
                problems.append(
                    f"{where}: dup_of:{target} points at itself; name the first mention"
                )
            elif target not in claims_by_id:
                problems.append(f"{where}: dup_of:{target} names no claim; fix the id")
            elif claims_by_id[target].claimant != c.claimant:
                problems.append(
                    f"{where}: dup_of:{target} has claimant {claims_by_id[target].claimant!r}, "
                    f"not {c.claimant!r}; a restatement has the same claimant"
                )
        for name in ("claim_date", "period_start", "period_end"):
            d = getattr(c, name)
            if from_article and pub is not None and d is not None and d > pub:
                problems.append(
                    f"{where}: {name} {d} is after the article's publication date {pub}; fix the "
                    "year"
                )
        if c.place and place_names and not _known_place(c.place, place_names):
            problems.append(f"{where}: place {c.place!r} is not in the gazetteer; add it or fix it")
        sides[c.claimant][c.claimant_side] = _where(f, line)

    for claimant, by_side in sorted(sides.items()):
        if len(by_side) > 1:
            listed = ", ".join(f"{s} at {w}" for s, w in sorted(by_side.items()))
            problems.append(
                f"claimant {claimant!r} has several sides ({listed}); use one side per claimant"
            )

    for f, line, e in event_rows:
        where = f"{_where(f, line)}: event {e.id}"
        from_article = provenance(where, e.quote, e.offset, e.source)
        if from_article and pub is not None and e.date is not None and e.date > pub:
            problems.append(f"{where}: date {e.date} is after the publication date {pub}")
        if place_names and not _known_place(e.place, place_names):
            problems.append(f"{where}: place {e.place!r} is not in the gazetteer; add it or fix it")

    for f, line, ph in phase_rows:
        if art is None or ph.heading_offset is None:
            continue
        heading = art.text[ph.heading_offset : art.text.find("\n", ph.heading_offset)]
        if not heading.startswith("#") or ph.name.casefold() not in heading.casefold():
            problems.append(
                f"{_where(f, line)}: phase {ph.id}: heading_offset {ph.heading_offset} does not "
                f"start a heading naming {ph.name!r} (found {_short(heading)})"
            )

    nums = numerals(art) if art is not None else []
    num_starts = {s for s, _, _ in nums}
    excluded: set[int] = set()
    for f, line, x in excl_rows:
        if art is None:
            break
        where = f"{_where(f, line)}: exclusion at offset {x.offset}"
        if art.text[x.offset : x.offset + len(x.text)] != x.text:
            problems.append(
                f"{where}: text {x.text!r} is not at that offset (found "
                f"{art.text[x.offset : x.offset + len(x.text)]!r}); fix the offset"
            )
        elif x.offset not in num_starts:
            problems.append(f"{where}: {x.text!r} does not start a numeral of the body")
        if x.offset in excluded:
            problems.append(f"{where}: a second exclusion for the same offset; keep one")
        excluded.add(x.offset)

    covered = 0
    uncovered: list[UncoveredNumeral] = []
    if coverage and art is not None:
        quote_spans = [
            (r.offset, r.offset + len(r.quote)) for _, _, r in claim_rows if r.offset is not None
        ]
        quote_spans += [
            (r.offset, r.offset + len(r.quote)) for _, _, r in event_rows if r.offset is not None
        ]
        auto = auto_covered_spans(art)
        for start, end, num in nums:
            if (
                start in excluded
                or any(qs <= start and end <= qe for qs, qe in quote_spans)
                or _auto_reason(art.text, start, end, num, auto)
            ):
                covered += 1
                continue
            line_no, col = art.line_col(start)
            uncovered.append(UncoveredNumeral(start, num, line_no, col, _ctx(art.text, start, end)))
        problems.extend(f"{src.article}:{u}" for u in uncovered)

    report.problems = problems
    report.uncovered = uncovered
    report.counts = {
        "claims": len(claim_rows),
        "events": len(event_rows),
        "exclusions": len(excl_rows),
        "places": len(place_rows),
        "phases": len(phase_rows),
        "numerals": len(nums),
        "numerals_covered": covered,
        "numerals_uncovered": len(uncovered),
        "values_documented": documented,
        "problems": len(problems),
    }
    return report


def _known_place(place: str, names: set[str]) -> bool:
    """A gazetteer name, possibly followed by a detail in parentheses ("Bakhmut (city centre)")."""
    base = re.sub(r"\s*\(.*\)\s*$", "", place).strip()
    return place.casefold() in names or base.casefold() in names


def _fmt_row_problem(rp: RowProblem) -> str:
    return f"{_where(rp.path, rp.line)}: {rp.message}"


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _short(text: str, width: int = 60) -> str:
    text = text.replace("\n", " ")
    return repr(text if len(text) <= width else text[: width - 3] + "...")
