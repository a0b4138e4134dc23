"""Self-check for one hand-curated part of the Bakhmut evidence base.

Checks the files of one part (claims, control events, numeral exclusions, and optionally phases
and gazetteer) against the article and ``docs/claims-schema.md``:

* every quote occurs verbatim at its offset (``text[offset:offset + len(quote)] == quote``);
* every claim value is plausible against its quote: the number appears in the quote as digits
  (thousands separators allowed) or as a number word, possibly times a unit factor
  (km -> m = 1000, mile -> m = 1609.344, fraction -> percent = 100);
* vocabularies (metric, qualifier, rate, sides, event) and the qualifier/value conventions;
* ISO dates and ``period_end >= period_start``; ``dup_of:<id>`` targets exist;
* one claimant, one side; ids unique and in text order; places known to the gazetteer;
* numerals of the body in a line range that are not covered by a quote, an exclusion row or
  one of the automatic rules of the schema doc (images and link targets, dates, ordinals,
  identifiers glued to letters).

Usage (from the repository root)::

    .venv/bin/python tools/check_bakhmut_part.py \
        --claims src/attrition/data/battles/bakhmut/claims_narrative.csv \
        --events src/attrition/data/battles/bakhmut/control_events_narrative.csv \
        --exclusions src/attrition/data/battles/bakhmut/numeral_exclusions_narrative.csv \
        --gazetteer src/attrition/data/battles/bakhmut/gazetteer.csv \
        --phases src/attrition/data/battles/bakhmut/phases.csv \
        --until-heading "## Casualties"

``--from-heading``/``--until-heading`` (or ``--lines A:B``, 1-based, inclusive) choose the part
whose numerals must all be covered. Exit status: 0 clean, 1 problems found, 2 usage error.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from attrition.errors import UserError

DEFAULT_ARTICLE = Path("/work/shared/sources/battle-of-bakhmut.md")

METRICS = frozenset(
    [
        "killed",
        "wounded",
        "captured",
        "casualties",
        "missing",
        "tanks_destroyed",
        "ifv_destroyed",
        "apc_destroyed",
        "artillery_destroyed",
        "uav_destroyed",
        "depots_destroyed",
        "vehicles_destroyed",
        "advance_m",
        "advance_width_m",
        "advance_depth_m",
        "area_km2",
        "city_control_pct",
        "personnel",
        "tanks",
        "afv",
        "guns",
        "mlrs",
        "ammo_tonnes_per_day",
        "ammo_delivered_pct",
        "population",
        "artillery_attacks",
        "casualty_ratio",
        "casualties_per_km",
        "cm_per_casualty",
        "other",
    ]
)
QUALIFIERS = frozenset({"exact", "about", "at_least", "at_most", "range"})
RATES = frozenset({"total", "per_day"})
CLAIMANT_SIDES = frozenset({"UA", "RU", "WEST", "INDEPENDENT", "OTHER"})
SUBJECT_SIDES = frozenset({"UA", "RU", "WAGNER", "CIVILIAN", "BOTH"})
EVENTS = frozenset(
    [
        "captured",
        "claimed_captured",
        "entered",
        "contested",
        "withdrew",
        "recaptured",
        "encircled",
        "held",
    ]
)
BY_SIDES = frozenset({"UA", "RU"})

CLAIM_COLUMNS = [
    "id",
    "claim_date",
    "period_start",
    "period_end",
    "claimant",
    "claimant_side",
    "subject_side",
    "metric",
    "value_low",
    "value_high",
    "qualifier",
    "rate",
    "place",
    "quote",
    "offset",
    "notes",
]
EVENT_COLUMNS = [
    "id",
    "date",
    "place",
    "event",
    "by_side",
    "claimant",
    "claimant_side",
    "quote",
    "offset",
    "notes",
]
EXCLUSION_COLUMNS = ["offset", "text", "reason"]
PHASE_COLUMNS = ["id", "name", "start", "end", "heading_offset"]
GAZETTEER_COLUMNS = ["place", "alt_names", "lat", "lon", "approximate", "derivation", "source"]

NUMERAL_RE = re.compile(r"(?<![A-Za-z0-9])\d+(?:[.,]\d+)*")
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_MONTH = "(?:" + "|".join(MONTH_NAMES) + ")"
DATE_RES = (
    re.compile(rf"(?<![A-Za-z0-9])(\d{{1,2}})\s+{_MONTH}\b(?:\s+(\d{{4}}))?"),
    re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?![\d.,]\d)(?:,?\s+(\d{{4}}))?"),
    re.compile(rf"\b{_MONTH}\s+(\d{{4}})\b"),
)
IMAGE_RE = re.compile(r"!\[([^\]]*)\]")
TARGET_RE = re.compile(r"\]\(((?:[^()\s]|\([^()\s]*\))*)\)")

NUMBER_WORDS: dict[str, float] = {
    "zero": 0, "no": 0, "none": 0, "a": 1, "an": 1, "one": 1, "single": 1, "two": 2,
    "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "half": 0.5, "dozen": 12, "pair": 2, "couple": 2,
    "several": 3, "hundreds": 200, "thousands": 2000, "dozens": 24,
}  # fmt: skip
# A number word followed by one of these multiplies: "several thousand" = 3000.
MULTIPLIERS: dict[str, float] = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# Rows whose notes carry one of these words may fail the value check with a note only: the
# value is derived (e.g. "a third of 60,000"), read from a vague word ("hundreds") or implied
# without any number ("a named officer died": 1).
SOFT_VALUE_MARKERS = ("derived", "vague", "word figure", "no numeral")
UNIT_FACTORS = (1.0, 100.0, 1000.0, 1609.344)
WORD_RE = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Problem:
    """One finding: the file (or article) it is about, the row id or offset, and the message."""

    where: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        prefix = "" if self.fatal else "note: "
        return f"{prefix}{self.where}: {self.message}"


# ---------------------------------------------------------------------------------------------
# Reading


def read_text(path: Path) -> str:
    """The whole file as the schema doc defines it (UTF-8, newlines untranslated)."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except OSError as err:
        raise UserError(f"{path}: cannot read ({err.strerror}); pass an existing file") from err


def read_rows(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    """Rows of a CSV file whose header must be exactly ``columns``."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            rows = [dict(row) for row in reader]
    except OSError as err:
        raise UserError(f"{path}: cannot read ({err.strerror}); pass an existing file") from err
    if header != list(columns):
        raise UserError(
            f"{path}: header {','.join(header)!r} is not the schema's; use {','.join(columns)!r}"
        )
    return rows


def body_bounds(text: str) -> tuple[int, int]:
    """Start and end offsets of the article body (after front matter, before References)."""
    start = 0
    if text.startswith("---"):
        close = text.find("\n---", 3)
        if close < 0:
            raise UserError("article: front matter is not closed; add a line '---'")
        start = text.index("\n", close + 1) + 1
    m = re.search(r"^## References", text[start:], flags=re.M)
    end = start + m.start() if m else len(text)
    return start, end


def line_starts(text: str) -> list[int]:
    """Offset of the first character of each line (index 0 is line 1)."""
    return [0] + [m.end() for m in re.finditer(r"\n", text)]


def heading_offset(text: str, heading: str) -> int:
    """Offset of the line that is exactly ``heading``."""
    m = re.search(rf"^{re.escape(heading)}[ \t]*\r?$", text, flags=re.M)
    if not m:
        raise UserError(f"article: no line {heading!r}; give a heading that exists")
    return m.start()


# ---------------------------------------------------------------------------------------------
# Numbers in quotes


def numbers_in(quote: str) -> list[float]:
    """Numbers a quote states: digit numerals (thousands separators dropped) and number words."""
    found: list[float] = []
    for m in NUMERAL_RE.finditer(quote):
        raw = m.group()
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
            raw = raw.replace(",", "")
        try:
            found.append(float(raw))
        except ValueError:
            found.extend(float(part) for part in re.split(r"[.,]", raw) if part)
    words = [m.group().lower() for m in WORD_RE.finditer(quote)]
    for i, word in enumerate(words):
        if word in NUMBER_WORDS:
            found.append(NUMBER_WORDS[word])
            following = words[i + 1] if i + 1 < len(words) else ""
            if following in MULTIPLIERS:
                found.append(NUMBER_WORDS[word] * MULTIPLIERS[following])
    for m in re.finditer(r"(\d+(?:\.\d+)?)\s+(hundred|thousand|million)\b", quote, re.I):
        found.append(float(m.group(1)) * MULTIPLIERS[m.group(2).lower()])
    return found


def plausible(value: float, quote: str) -> bool:
    """Whether ``value`` is a number of ``quote`` times one of the allowed unit factors."""
    for n in numbers_in(quote):
        for factor in UNIT_FACTORS:
            candidate = n * factor
            if math.isclose(value, candidate, rel_tol=0.005, abs_tol=0.51):
                return True
    return False


# ---------------------------------------------------------------------------------------------
# Row checks


def _to_int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _span(row: dict[str, str]) -> tuple[int, int] | None:
    offset = _to_int(row["offset"])
    return None if offset is None else (offset, offset + len(row["quote"]))


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _check_quote(text: str, row: dict[str, str], where: str) -> list[Problem]:
    quote = row.get("quote", "")
    try:
        offset = int(row.get("offset", ""))
    except ValueError:
        return [Problem(where, f"offset {row.get('offset')!r} is not an integer")]
    if not quote:
        return [Problem(where, "empty quote")]
    if text[offset : offset + len(quote)] != quote:
        found = text.find(quote)
        hint = f"; the quote first occurs at {found}" if found >= 0 else "; not in the article"
        return [Problem(where, f"quote not at offset {offset}{hint}")]
    return []


def _parse_number(value: str, where: str, column: str, problems: list[Problem]) -> float | None:
    if value == "":
        return None
    try:
        return float(value)
    except ValueError:
        problems.append(Problem(where, f"{column} {value!r} is not a number"))
        return None


def check_claims(
    text: str, rows: list[dict[str, str]], name: str, places: set[str] | None
) -> list[Problem]:
    """Check claim rows (see module docstring)."""
    problems: list[Problem] = []
    ids = [r["id"] for r in rows]
    seen: set[str] = set()
    for rid in ids:
        if rid in seen:
            problems.append(Problem(f"{name}:{rid}", "duplicate id"))
        seen.add(rid)
    offsets = [o for o in (_to_int(r["offset"]) for r in rows) if o is not None]
    if offsets != sorted(offsets):
        problems.append(Problem(name, "rows are not in text order (offset ascending)"))
    sides: dict[str, set[str]] = {}
    for row in rows:
        where = f"{name}:{row['id']}"
        problems += _check_quote(text, row, where)
        for column, vocab in (
            ("metric", METRICS),
            ("qualifier", QUALIFIERS),
            ("rate", RATES),
            ("claimant_side", CLAIMANT_SIDES),
            ("subject_side", SUBJECT_SIDES),
        ):
            if row[column] not in vocab:
                problems.append(Problem(where, f"{column} {row[column]!r} not in {sorted(vocab)}"))
        if not row["claimant"]:
            problems.append(Problem(where, "empty claimant"))
        sides.setdefault(row["claimant"], set()).add(row["claimant_side"])
        dates: dict[str, date | None] = {}
        for column in ("claim_date", "period_start", "period_end"):
            if row[column]:
                dates[column] = _parse_date(row[column])
                if dates[column] is None:
                    problems.append(Problem(where, f"{column} {row[column]!r} is not ISO"))
        start, end = dates.get("period_start"), dates.get("period_end")
        if bool(row["period_start"]) != bool(row["period_end"]):
            problems.append(Problem(where, "give both period_start and period_end or neither"))
        if start and end and end < start:
            problems.append(Problem(where, "period_end is before period_start"))
        low = _parse_number(row["value_low"], where, "value_low", problems)
        high = _parse_number(row["value_high"], where, "value_high", problems)
        qualifier = row["qualifier"]
        if qualifier in ("exact", "about") and (low is None or low != high):
            problems.append(Problem(where, f"{qualifier}: value_low and value_high must match"))
        if qualifier == "at_least" and (low is None or high is not None):
            problems.append(Problem(where, "at_least: value_low set, value_high empty"))
        if qualifier == "at_most" and (high is None or low is not None):
            problems.append(Problem(where, "at_most: value_low empty, value_high set"))
        if qualifier == "range" and (low is None or high is None or not low < high):
            problems.append(Problem(where, "range: value_low < value_high, both set"))
        soft = any(marker in row["notes"].lower() for marker in SOFT_VALUE_MARKERS)
        for value in sorted({v for v in (low, high) if v is not None}):
            if not plausible(value, row["quote"]):
                message = f"value {value:g} not found in quote"
                problems.append(
                    Problem(where, message + (" (derived/vague)" if soft else ""), not soft)
                )
        if row["metric"].endswith("_pct") and any(
            v is not None and not 0 <= v <= 100 for v in (low, high)
        ):
            problems.append(Problem(where, "percentages are 0-100"))
        for note in row["notes"].split(";"):
            note = note.strip()
            if note.startswith("dup_of:") and note[len("dup_of:") :] not in seen:
                problems.append(Problem(where, f"{note} names no claim id"))
        if places is not None and row["place"] and row["place"] not in places:
            problems.append(Problem(where, f"place {row['place']!r} not in gazetteer"))
    for claimant, claimant_sides in sides.items():
        if len(claimant_sides) > 1:
            problems.append(
                Problem(name, f"claimant {claimant!r} has sides {sorted(claimant_sides)}")
            )
    return problems


def check_events(
    text: str, rows: list[dict[str, str]], name: str, places: set[str] | None
) -> list[Problem]:
    """Check control-event rows; a place may carry a part in parentheses: ``Bakhmut (east)``."""
    problems: list[Problem] = []
    seen: set[str] = set()
    offsets: list[int] = []
    for row in rows:
        where = f"{name}:{row['id']}"
        if row["id"] in seen:
            problems.append(Problem(where, "duplicate id"))
        seen.add(row["id"])
        problems += _check_quote(text, row, where)
        offset = _to_int(row["offset"])
        if offset is not None:
            offsets.append(offset)
        if row["event"] not in EVENTS:
            problems.append(Problem(where, f"event {row['event']!r} not in {sorted(EVENTS)}"))
        if row["by_side"] not in BY_SIDES:
            problems.append(Problem(where, f"by_side {row['by_side']!r} not in UA, RU"))
        if row["claimant_side"] not in CLAIMANT_SIDES:
            problems.append(Problem(where, f"claimant_side {row['claimant_side']!r} unknown"))
        if row["date"] and _parse_date(row["date"]) is None:
            problems.append(Problem(where, f"date {row['date']!r} is not ISO"))
        if not row["place"]:
            problems.append(Problem(where, "empty place"))
        elif places is not None:
            base = re.sub(r"\s*\(.*\)$", "", row["place"])
            if base not in places and row["place"] not in places:
                problems.append(Problem(where, f"place {base!r} not in gazetteer", fatal=False))
    if offsets != sorted(offsets):
        problems.append(Problem(name, "rows are not in text order (offset ascending)"))
    return problems


def check_phases(text: str, rows: list[dict[str, str]], name: str) -> list[Problem]:
    """Phases: ISO dates in order and a heading at each ``heading_offset``."""
    problems: list[Problem] = []
    for row in rows:
        where = f"{name}:{row['id']}"
        start, end = _parse_date(row["start"]), _parse_date(row["end"])
        if start is None or end is None or end < start:
            problems.append(Problem(where, "start/end must be ISO dates with end >= start"))
        offset = _to_int(row["heading_offset"])
        line = "" if offset is None else text[offset : text.find("\n", offset)]
        if not line.startswith("#") or row["name"] not in line:
            problems.append(Problem(where, f"no heading with this name at {offset}"))
    return problems


def check_gazetteer(rows: list[dict[str, str]], name: str) -> list[Problem]:
    """Gazetteer: unique places, coordinates near Bakhmut, derivation for approximate rows."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for row in rows:
        where = f"{name}:{row['place']}"
        if row["place"] in seen:
            problems.append(Problem(where, "duplicate place"))
        seen.add(row["place"])
        if row["approximate"] not in ("true", "false"):
            problems.append(Problem(where, "approximate must be true or false"))
        if row["lat"] or row["lon"]:
            try:
                lat, lon = float(row["lat"]), float(row["lon"])
            except ValueError:
                problems.append(Problem(where, "lat/lon are not numbers"))
                continue
            if not (47.0 <= lat <= 50.0 and 36.5 <= lon <= 40.0):
                problems.append(Problem(where, f"({lat}, {lon}) is far from Bakhmut"))
        if row["approximate"] == "true" and not row["derivation"]:
            problems.append(Problem(where, "approximate row without derivation"))
        if not row["source"]:
            problems.append(Problem(where, "empty source"))
    return problems


def check_exclusions(text: str, rows: list[dict[str, str]], name: str) -> list[Problem]:
    """Exclusions: the text is a whole numeral of the article at the offset, with a reason."""
    numerals = {m.start(): m.group() for m in NUMERAL_RE.finditer(text)}
    problems: list[Problem] = []
    for row in rows:
        where = f"{name}:{row['offset']}"
        offset = _to_int(row["offset"])
        if offset is None or numerals.get(offset) != row["text"]:
            problems.append(Problem(where, f"{row['text']!r} is not a whole numeral here"))
        if not row["reason"].strip():
            problems.append(Problem(where, "empty reason"))
    return problems


# ---------------------------------------------------------------------------------------------
# Numeral coverage


def automatic_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans covered by the automatic rules 1 (images, link targets) and 2 (dates)."""
    spans: list[tuple[int, int]] = []
    body = text[start:end]
    for m in IMAGE_RE.finditer(body):
        spans.append((start + m.start(1), start + m.end(1)))
    for m in TARGET_RE.finditer(body):
        spans.append((start + m.start(1), start + m.end(1)))
    for regex in DATE_RES:
        for m in regex.finditer(body):
            spans.append((start + m.start(), start + m.end()))
    return spans


def automatic_single(text: str, pos: int, numeral: str) -> str | None:
    """Rules 2 (bare year), 3 (ordinal) and 4 (identifier); the rule's name or ``None``."""
    after = text[pos + len(numeral) : pos + len(numeral) + 2]
    if re.fullmatch(r"(19|20)\d\d", numeral):
        return "year"
    if after.lower() in ("st", "nd", "rd", "th"):
        return "ordinal"
    before = text[max(0, pos - 2) : pos]
    if (before[-1:].isalpha()) or (before[-1:] == "-" and before[:1].isalpha()):
        return "identifier"
    return None


def uncovered_numerals(
    text: str,
    lo: int,
    hi: int,
    quote_spans: Iterable[tuple[int, int]],
    exclusion_offsets: set[int],
) -> list[tuple[int, str]]:
    """Numerals in ``text[lo:hi]`` (clipped to the body) that nothing covers."""
    body_start, body_end = body_bounds(text)
    lo, hi = max(lo, body_start), min(hi, body_end)
    spans = list(quote_spans) + automatic_spans(text, body_start, body_end)
    missing: list[tuple[int, str]] = []
    for m in NUMERAL_RE.finditer(text, lo, hi):
        pos, numeral = m.start(), m.group()
        if pos in exclusion_offsets or automatic_single(text, pos, numeral):
            continue
        if any(a <= pos and pos + len(numeral) <= b for a, b in spans):
            continue
        missing.append((pos, numeral))
    return missing


# ---------------------------------------------------------------------------------------------
# Command line


def _part_range(text: str, args: argparse.Namespace) -> tuple[int, int]:
    starts = line_starts(text)
    if args.lines:
        first, _, last = args.lines.partition(":")
        a, b = int(first), int(last)
        return starts[a - 1], starts[b] if b < len(starts) else len(text)
    lo = heading_offset(text, args.from_heading) if args.from_heading else 0
    hi = heading_offset(text, args.until_heading) if args.until_heading else len(text)
    return lo, hi


def run(argv: Sequence[str] | None = None) -> int:
    """Run the checks; print one line per problem; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--article", type=Path, default=DEFAULT_ARTICLE)
    parser.add_argument("--claims", type=Path, action="append", default=[])
    parser.add_argument("--events", type=Path, action="append", default=[])
    parser.add_argument("--exclusions", type=Path, action="append", default=[])
    parser.add_argument("--phases", type=Path)
    parser.add_argument("--gazetteer", type=Path)
    parser.add_argument("--from-heading", help="part starts at this exact heading line")
    parser.add_argument("--until-heading", help="part ends before this exact heading line")
    parser.add_argument("--lines", help="part as 1-based inclusive line range A:B")
    parser.add_argument("--quiet", action="store_true", help="print only problems")
    args = parser.parse_args(argv)

    text = read_text(args.article)
    problems: list[Problem] = []
    places: set[str] | None = None
    if args.gazetteer:
        gaz = read_rows(args.gazetteer, GAZETTEER_COLUMNS)
        problems += check_gazetteer(gaz, args.gazetteer.name)
        places = {r["place"] for r in gaz}
        places |= {a for r in gaz for a in r["alt_names"].split(";") if a}
    spans: list[tuple[int, int]] = []
    counts: list[str] = []
    for path in args.claims:
        rows = read_rows(path, CLAIM_COLUMNS)
        problems += check_claims(text, rows, path.name, places)
        spans += [span for span in map(_span, rows) if span]
        counts.append(f"{path.name}: {len(rows)} claims")
    for path in args.events:
        rows = read_rows(path, EVENT_COLUMNS)
        problems += check_events(text, rows, path.name, places)
        spans += [span for span in map(_span, rows) if span]
        counts.append(f"{path.name}: {len(rows)} events")
    exclusion_offsets: set[int] = set()
    for path in args.exclusions:
        rows = read_rows(path, EXCLUSION_COLUMNS)
        problems += check_exclusions(text, rows, path.name)
        exclusion_offsets |= {o for o in (_to_int(r["offset"]) for r in rows) if o is not None}
        counts.append(f"{path.name}: {len(rows)} exclusions")
    if args.phases:
        rows = read_rows(args.phases, PHASE_COLUMNS)
        problems += check_phases(text, rows, args.phases.name)
        counts.append(f"{args.phases.name}: {len(rows)} phases")

    lo, hi = _part_range(text, args)
    starts = line_starts(text)
    for pos, numeral in uncovered_numerals(text, lo, hi, spans, exclusion_offsets):
        line = next(i for i in range(len(starts), 0, -1) if starts[i - 1] <= pos)
        context = text[max(0, pos - 30) : pos + len(numeral) + 30].replace("\n", " ")
        problems.append(
            Problem(f"article:{pos} (line {line})", f"uncovered {numeral!r}: …{context}…")
        )

    fatal = [p for p in problems if p.fatal]
    for problem in problems:
        if problem.fatal or not args.quiet:
            print(problem)
    if not args.quiet:
        print("; ".join(counts) or "no files given", file=sys.stderr)
        print(f"{len(fatal)} problem(s), {len(problems) - len(fatal)} note(s)", file=sys.stderr)
    return 1 if fatal else 0


def main() -> None:
    """Entry point: exit 2 with one line on a user error."""
    try:
        code = run()
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        code = 2
    sys.exit(code)


if __name__ == "__main__":
    main()
