"""Evidence-base commands: ``claims``, ``claims check``, ``events``, ``places``, ``streams``,
``extract``.

Every command is a thin layer over :mod:`attrition.data`; heavy libraries are imported inside
the command bodies so ``attrition --help`` stays fast. Errors a user can fix are raised as
:class:`~attrition.errors.UserError` (the main app prints them on one line and exits with 2).
``claims check`` exits with 2 when it finds problems (one line each: file, line, field).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from attrition.cli._output import (
    OutputFormat,
    canonical_values,
    format_option,
    json_option,
    output_format,
    split_values,
)
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from attrition.data.battle import BattleSpec

__all__ = ["OutputFormat", "choose_battle", "register"]

_MANY = " Repeatable; several values may also be comma-separated."


_CLAIMS_HELP = """List the claims of a battle, or check a claims file.

\b
  attrition claims [BATTLE] [--metric M] [--claimant NAME] [--side S] [--from DATE] [--to DATE]
  attrition claims --battle PATH|NAME [...]
  attrition claims check [FILE|BATTLE] [--battle PATH|NAME] [--article PATH]

BATTLE (a packaged battle's name or a battle folder) defaults to bakhmut; --battle is the same
thing as an option, and giving both with different values is refused. --metric, --claimant and
--side are repeatable and take comma-separated values (--side RU,WAGNER: either side); metrics
and sides match in any letter case. --format csv writes the claims schema to stdout; --json is
--format json. 'check' verifies quotes, values, vocabularies, dates, dup_of references and
numeral coverage against the article, and exits with 2 when it finds problems.
"""

_BATTLE_HELP = (
    "A packaged battle's name or a battle folder (as the positional BATTLE; giving both with "
    "different values is refused)."
)


def _battle_option() -> Any:
    return typer.Option(None, "--battle", metavar="PATH|NAME", help=_BATTLE_HELP)


def choose_battle(
    command: str, positional: str | None, option: str | None, label: str = "BATTLE"
) -> str:
    """The battle a command works on: the positional ``label`` or ``--battle`` (default bakhmut).

    Both given with different values raise :class:`UserError`; the same value twice is fine.
    """
    if positional is not None and option is not None and positional != option:
        raise UserError(
            f"{command}: {label} {positional!r} and --battle {option!r} differ; give one of them"
        )
    return option or positional or "bakhmut"


def register(app: typer.Typer) -> None:
    """Add ``claims``, ``events``, ``places``, ``streams`` and ``extract`` to ``app``."""
    app.command("claims", help=_CLAIMS_HELP)(claims_command)
    app.command(
        "events",
        help="List the control events of a battle (who took or held what). Rows are in date "
        "order, undated last (events of one date in file order). --place, --event, --by and "
        "--claimant are repeatable and take comma-separated values.",
    )(events_command)
    app.command("places", help="List the gazetteer of a battle (places and coordinates).")(
        places_command
    )
    app.command("streams", help="List the external claim streams, or show some.")(streams_command)
    app.command(
        "extract",
        help="Propose claims from an article with the rule-based extractor; with --against, "
        "score them against curated claims (precision, recall, value agreement).",
    )(extract_command)


# ---------------------------------------------------------------------------------------------
# claims


def claims_command(
    target: str | None = typer.Argument(
        None,
        metavar="BATTLE|check",
        help="A packaged battle's name or a battle folder (default bakhmut), or 'check'.",
    ),
    file: str | None = typer.Argument(
        None,
        metavar="FILE",
        help="With 'check': a claims CSV, a battle's name or a battle folder (default bakhmut).",
    ),
    metric: list[str] | None = typer.Option(
        None, "--metric", help="Only this metric (e.g. killed)." + _MANY
    ),
    claimant: list[str] | None = typer.Option(
        None, "--claimant", help="Only claimants whose name contains this text." + _MANY
    ),
    side: list[str] | None = typer.Option(
        None,
        "--side",
        help="Only this subject side (Bakhmut: UA, RU, WAGNER, CIVILIAN, BOTH)." + _MANY,
    ),
    date_from: str | None = typer.Option(
        None, "--from", help="Only claims whose dates reach this day or later (YYYY-MM-DD)."
    ),
    date_to: str | None = typer.Option(
        None, "--to", help="Only claims whose dates start on this day or earlier (YYYY-MM-DD)."
    ),
    fmt_text: str | None = format_option(
        "table (default), csv (the claims schema) or json; 'check': table or json."
    ),
    as_json: bool = json_option(),
    article: Path | None = typer.Option(
        None, "--article", help="With 'check': the article to check against."
    ),
    battle: str | None = _battle_option(),
) -> None:
    if target == "check":
        for option, value in (("--metric", metric), ("--claimant", claimant), ("--side", side)):
            if value:
                raise UserError(f"claims check: {option} filters the listing; leave it out")
        fmt = output_format(
            fmt_text,
            as_json,
            formats=(OutputFormat.table, OutputFormat.json),
            why="the problems are lines of text (table) or a JSON report",
        )
        _check(choose_battle("claims check", file, battle, "FILE|BATTLE"), article, fmt)
        return
    fmt = output_format(fmt_text, as_json)
    if file is not None:
        raise UserError(
            f"claims: unexpected argument {file!r}; list with 'attrition claims BATTLE' or check "
            "a file with 'attrition claims check FILE'"
        )
    if article is not None:
        raise UserError("claims: --article only applies to 'attrition claims check'")
    from attrition.data.claims import battle_spec, filter_claims, load_claims
    from attrition.data.schema import METRICS, SUBJECT_SIDES

    name = choose_battle("claims", target, battle)
    spec = battle_spec(name)
    metrics = canonical_values(metric, METRICS, "--metric", "metric")
    sides = canonical_values(side, spec.subjects if spec else SUBJECT_SIDES, "--side", "side")
    names = split_values(claimant, "--claimant")
    from attrition.data.dates import parse_date

    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    df = load_claims(name)
    df = filter_claims(df, metric=metrics or None, start=start, end=end)
    df = _keep(df, "subject_side", sides)
    df = _containing(df, "claimant", names)
    if fmt is OutputFormat.table:
        _print_table(
            f"Claims: {name} ({len(df)} rows)",
            ["id", "date", "claimant", "side", "metric", "value", "rate", "quote"],
            [
                [
                    r["id"],
                    _date(r["claim_date"]) or _period(r["period_start"], r["period_end"]),
                    r["claimant"],
                    r["subject_side"],
                    r["metric"],
                    _value(r["qualifier"], r["value_low"], r["value_high"]),
                    "/day" if r["rate"] == "per_day" else "",
                    _trim(str(r["quote"]), 60),
                ]
                for r in df.to_dict("records")
            ],
        )
    else:
        _emit(df, fmt)


def _check(target: str, article: Path | None, fmt: OutputFormat) -> None:
    from attrition.data.checks import check_claims

    report = check_claims(target, article)
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for problem in report.problems:
            typer.echo(problem)
        typer.echo(report.summary())
    if not report.ok:  # a problem in the user's files: exit 2, like every bad input
        raise typer.Exit(code=2)


# ---------------------------------------------------------------------------------------------
# events, places


def events_command(
    target: str | None = typer.Argument(
        None,
        metavar="BATTLE",
        help="A packaged battle's name or a battle folder (default bakhmut).",
    ),
    place: list[str] | None = typer.Option(
        None, "--place", help="Only events at this place (any letter case)." + _MANY
    ),
    event: list[str] | None = typer.Option(
        None, "--event", help="Only this kind of event (e.g. captured, withdrew)." + _MANY
    ),
    by_side: list[str] | None = typer.Option(
        None, "--by", help="Only events by this side (Bakhmut: UA, RU)." + _MANY
    ),
    claimant: list[str] | None = typer.Option(
        None, "--claimant", help="Only claimants whose name contains this text." + _MANY
    ),
    fmt_text: str | None = format_option(),
    as_json: bool = json_option(),
    battle_opt: str | None = _battle_option(),
) -> None:
    from attrition.data.claims import battle_spec, load_events
    from attrition.data.schema import BY_SIDES, EVENTS

    fmt = output_format(fmt_text, as_json)
    battle = choose_battle("events", target, battle_opt)
    spec: BattleSpec | None = battle_spec(battle)
    df = load_events(battle)
    known_places = sorted({str(p) for p in df["place"].dropna()})
    df = _keep(df, "place", canonical_values(place, known_places, "--place", "place"))
    df = _keep(df, "event", canonical_values(event, EVENTS, "--event", "event"))
    bys = canonical_values(by_side, spec.side_ids if spec else BY_SIDES, "--by", "side")
    df = _keep(df, "by_side", bys)
    df = _containing(df, "claimant", split_values(claimant, "--claimant"))
    # by date, undated last; events of one date keep their order in the file
    df = df.sort_values("date", kind="stable", na_position="last")
    if fmt is not OutputFormat.table:
        _emit(df, fmt)
        return
    _print_table(
        f"Control events: {battle} ({len(df)} rows)",
        ["id", "date", "place", "event", "by", "claimant", "quote"],
        [
            [
                r["id"],
                _date(r["date"]),
                r["place"],
                r["event"],
                r["by_side"],
                r["claimant"],
                _trim(str(r["quote"]), 50),
            ]
            for r in df.to_dict("records")
        ],
    )


def places_command(
    target: str | None = typer.Argument(
        None,
        metavar="BATTLE",
        help="A packaged battle's name or a battle folder (default bakhmut).",
    ),
    fmt_text: str | None = format_option(),
    as_json: bool = json_option(),
    battle_opt: str | None = _battle_option(),
) -> None:
    from attrition.data.claims import load_places

    fmt = output_format(fmt_text, as_json)
    battle = choose_battle("places", target, battle_opt)
    df = load_places(battle)
    if fmt is not OutputFormat.table:
        _emit(df, fmt)
        return
    _print_table(
        f"Places: {battle} ({len(df)} rows)",
        ["place", "lat", "lon", "approx.", "source"],
        [
            [
                r["place"],
                "" if _missing(r["lat"]) else f"{r['lat']:.5f}",
                "" if _missing(r["lon"]) else f"{r['lon']:.5f}",
                "yes" if r["approximate"] else "",
                _trim(str(r["source"]), 40),
            ]
            for r in df.to_dict("records")
        ],
    )


# ---------------------------------------------------------------------------------------------
# streams


def streams_command(
    stream: list[str] | None = typer.Option(
        None, "--stream", help="Show this stream (default: list the streams)." + _MANY
    ),
    fmt_text: str | None = format_option(
        "table (default: a summary per series), csv or json (every daily row)."
    ),
    as_json: bool = json_option(),
) -> None:
    from attrition.data import streams as st

    fmt = output_format(fmt_text, as_json)
    names = canonical_values(stream, [i.name for i in st.available_streams()], "--stream", "stream")
    if not names:
        infos = st.available_streams()
        rows = [
            {
                "name": i.name,
                "title": i.title,
                "claimant": i.claimant,
                "claimant_side": i.claimant_side,
                "subject_sides": ";".join(i.subject_sides),
                "metrics": ";".join(i.metrics),
                "start": i.start.isoformat(),
                "end": i.end.isoformat(),
                "licence": i.licence,
            }
            for i in infos
        ]
        if fmt is OutputFormat.table:
            _print_table(
                "Claim streams",
                ["name", "claimant", "sides", "start", "end", "licence"],
                [
                    [
                        r["name"],
                        _trim(r["claimant"], 40),
                        r["subject_sides"],
                        r["start"],
                        r["end"],
                        r["licence"],
                    ]
                    for r in rows
                ],
            )
        elif fmt is OutputFormat.json:
            typer.echo(json.dumps(rows, indent=2))
        else:
            import pandas as pd

            _emit(pd.DataFrame(rows), fmt)
        return
    df = st.load_streams(names)
    if fmt is not OutputFormat.table:
        _emit(df, fmt)
        return
    shown = names[0] if len(names) == 1 else ", ".join(names)
    summary = []
    for key, g in df.groupby(["metric", "subject_side", "series"], sort=True):
        metric, subject, series = (str(k) for k in key)
        summary.append(
            [
                series,
                metric,
                subject,
                _date(g["date"].min()),
                _date(g["date"].max()),
                _num(g["value"].iloc[-1]),
                str(len(g)),
            ]
        )
    _print_table(
        f"Stream{'s' if len(names) > 1 else ''} {shown} ({len(df)} daily rows)",
        ["series", "metric", "side", "first", "last", "last value", "days"],
        summary,
    )


# ---------------------------------------------------------------------------------------------
# extract


def extract_command(
    article: Path = typer.Argument(..., metavar="ARTICLE.md", help="A Markdown article."),
    out: Path | None = typer.Option(
        None, "--out", help="Write the proposed claims (CSV) to this file instead of stdout."
    ),
    against: str | None = typer.Option(
        None,
        "--against",
        metavar="CLAIMS.csv",
        help="Curated claims (a CSV or a battle name) to score the proposals against.",
    ),
) -> None:
    import warnings

    from attrition.data.article import read_article
    from attrition.data.claims import claims_to_csv
    from attrition.data.extract import extract_claims, score_extraction
    from attrition.errors import DataWarning

    if out is not None:  # checked first: nothing of the user's is overwritten
        from attrition.cli._output import check_out_file

        check_out_file(out)
    if article.is_dir():
        raise UserError(f"{article}: is a folder; give a Markdown article file")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        art = read_article(article)
    curated = _read_curated(against) if against else None  # fail before writing anything
    proposed = extract_claims(art)
    text = claims_to_csv(proposed)
    if out is not None:
        from attrition._io import atomic_write_text
        from attrition.cli._output import install_out_file

        install_out_file(out, lambda path: atomic_write_text(path, text))
        typer.echo(f"wrote {len(proposed)} proposed claims to {out}", err=True)
    elif curated is None:
        sys.stdout.write(text)
    if curated is not None:
        score = score_extraction(proposed, curated, art)
        typer.echo(
            f"precision {score.precision:.3f}  recall {score.recall:.3f}  "
            f"value agreement {score.value_agreement:.3f}  "
            f"(matched {score.matched}; proposed {score.proposed}; curated {score.curated})"
        )


def _read_curated(against: str) -> pd.DataFrame:
    from attrition.data.claims import load_claims
    from attrition.data.schema import read_claims_csv

    p = Path(against)
    if p.is_dir():
        raise UserError(f"--against {against}: is a folder; give a claims CSV or a battle name")
    if p.suffix.lower() == ".csv" or p.exists():
        if not p.is_file():
            raise UserError(f"--against {against}: no such file; give a claims CSV")
        return read_claims_csv(p)
    return load_claims(against)


# ---------------------------------------------------------------------------------------------
# helpers


def _keep(df: pd.DataFrame, column: str, values: list[str]) -> pd.DataFrame:
    """The rows whose ``column`` is one of ``values`` (all rows when none are given)."""
    return df[df[column].isin(values)] if values else df


def _containing(df: pd.DataFrame, column: str, texts: list[str]) -> pd.DataFrame:
    """The rows whose ``column`` contains one of ``texts`` (any case; all rows when none)."""
    if not texts:
        return df
    mask = df[column].isna() & False
    for t in texts:
        mask |= df[column].fillna("").str.contains(t, case=False, regex=False)
    return df[mask]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or str(v) in {"NaT", "nan", ""}


def _date(v: Any) -> str:
    if _missing(v):
        return ""
    return str(v.strftime("%Y-%m-%d")) if hasattr(v, "strftime") else str(v)


def _period(start: Any, end: Any) -> str:
    a, b = _date(start), _date(end)
    if not a and not b:
        return ""
    return a if a == b else f"{a}..{b}"


def _num(v: Any) -> str:
    if _missing(v):
        return ""
    f = float(v)
    return f"{int(f):,}" if f.is_integer() else f"{f:,.2f}".rstrip("0").rstrip(".")


def _value(qualifier: str, low: Any, high: Any) -> str:
    if qualifier == "range":
        return f"{_num(low)}–{_num(high)}"
    if qualifier == "at_least":
        return f"≥{_num(low)}"
    if qualifier == "at_most":
        return f"≤{_num(high)}"
    if qualifier == "about":
        return f"~{_num(low)}"
    return _num(low)


def _trim(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*[str(x) for x in r])
    width = None if sys.stdout.isatty() else 160  # pipes and files get a wide table
    Console(width=width).print(table)


def _emit(df: pd.DataFrame, fmt: OutputFormat) -> None:
    """Write a frame as CSV (schema format) or JSON records on stdout."""
    from attrition.data.claims import claims_to_csv

    text = claims_to_csv(df)
    if fmt is OutputFormat.csv:
        sys.stdout.write(text)
        return
    import csv
    import io

    records: list[dict[str, Any]] = []
    for row in csv.DictReader(io.StringIO(text)):
        records.append({k: _json_value(df, k, v) for k, v in row.items()})
    typer.echo(json.dumps(records, indent=2, ensure_ascii=False))


def _json_value(df: pd.DataFrame, column: str, value: str) -> Any:
    if value == "":
        return None
    kind = df[column].dtype.kind
    if kind == "f":
        f = float(value)
        return int(f) if f.is_integer() else f
    if kind in "iu":
        return int(value)
    if kind == "b":
        return value == "true"
    return value
