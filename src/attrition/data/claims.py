"""Load the packaged evidence base of a battle (claims, control events, phases, places).

Each battle lives in ``attrition/data/battles/<name>/``. The merged files ``claims.csv``,
``control_events.csv`` and ``numeral_exclusions.csv`` are read when present; otherwise their
parts ``<stem>_narrative.csv`` and ``<stem>_casualties.csv`` (then any other ``<stem>_*.csv``,
alphabetically) are concatenated, so partially curated data can be used as it appears.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.data.schema import (
    METRICS,
    SUBJECT_SIDES,
    Claim,
    ControlEvent,
    NumeralExclusion,
    Phase,
    Place,
    _Record,
    models_to_frame,
    read_models,
)
from attrition.errors import UserError, unknown_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "article_path",
    "battle_dir",
    "battles",
    "claims_to_csv",
    "filter_claims",
    "load_claim_models",
    "load_claims",
    "load_events",
    "load_exclusions",
    "load_phases",
    "load_places",
    "part_files",
]

BATTLES_DIR = Path(__file__).parent / "battles"
_PART_ORDER = ("narrative", "casualties")


def battles() -> list[str]:
    """Names of the packaged battles that have claims (merged or in parts), sorted."""
    if not BATTLES_DIR.is_dir():
        return []
    return sorted(
        d.name
        for d in BATTLES_DIR.iterdir()
        if d.is_dir() and ((d / "claims.csv").is_file() or any(d.glob("claims_*.csv")))
    )


def battle_dir(battle: str) -> Path:
    """The folder of a packaged battle; an unknown name raises :class:`UserError`."""
    d = BATTLES_DIR / battle
    if not battle or "/" in battle or battle.startswith(".") or not d.is_dir():
        raise unknown_name("battle", battle, battles() or ["(none packaged)"])
    return d


def part_files(folder: Path, stem: str) -> list[Path]:
    """``<stem>.csv`` if present, else its parts (narrative, casualties, then others)."""
    merged = folder / f"{stem}.csv"
    if merged.is_file():
        return [merged]
    parts = sorted(folder.glob(f"{stem}_*.csv"))

    def key(p: Path) -> tuple[int, str]:
        suffix = p.stem[len(stem) + 1 :]
        return (_PART_ORDER.index(suffix) if suffix in _PART_ORDER else len(_PART_ORDER), p.name)

    return sorted(parts, key=key)


def _load_records(battle: str, stem: str, model: type[_Record], required: bool) -> list[Any]:
    folder = battle_dir(battle)
    files = part_files(folder, stem)
    if not files:
        if required:
            raise UserError(
                f"{folder}: no {stem}.csv (nor {stem}_*.csv parts) for battle {battle!r}; "
                "add the file"
            )
        return []
    records: list[Any] = []
    seen: dict[str, Path] = {}
    for f in files:
        for r in read_models(f, model):
            rid = getattr(r, "id", None)
            if isinstance(rid, str):
                if rid in seen:
                    raise UserError(
                        f"{f}: id {rid!r} is also used in {seen[rid].name}; "
                        "give each row its own id"
                    )
                seen[rid] = f
            records.append(r)
    return records


def load_claim_models(battle: str = "bakhmut") -> list[Claim]:
    """The claims of a battle as validated :class:`Claim` records."""
    return _load_records(battle, "claims", Claim, required=True)


def load_claims(battle: str = "bakhmut") -> pd.DataFrame:
    """The claims of a battle as a typed DataFrame (columns of ``claims.csv``).

    Dates are ``datetime64[ns]`` (``NaT`` when empty), values ``float64`` (``NaN`` when empty),
    offsets ``int64``.
    """
    return models_to_frame(load_claim_models(battle), Claim)


def load_events(battle: str = "bakhmut") -> pd.DataFrame:
    """The control events of a battle (columns of ``control_events.csv``); empty if none."""
    return models_to_frame(
        _load_records(battle, "control_events", ControlEvent, False), ControlEvent
    )


def load_phases(battle: str = "bakhmut") -> pd.DataFrame:
    """The phases of a battle (columns of ``phases.csv``); empty if none."""
    return models_to_frame(_load_records(battle, "phases", Phase, False), Phase)


def load_places(battle: str = "bakhmut") -> pd.DataFrame:
    """The gazetteer of a battle (columns of ``gazetteer.csv``); empty if none."""
    return models_to_frame(_load_records(battle, "gazetteer", Place, False), Place)


def load_exclusions(battle: str = "bakhmut") -> pd.DataFrame:
    """The numeral exclusions of a battle (``numeral_exclusions.csv``); empty if none."""
    return models_to_frame(
        _load_records(battle, "numeral_exclusions", NumeralExclusion, False), NumeralExclusion
    )


def article_path(battle: str = "bakhmut") -> Path:
    """The source article of a packaged battle.

    Looks for ``article.md``, then ``source.md``, then a single ``*.md`` file in the battle
    folder; raises :class:`UserError` (suggesting ``--article``) when there is none.
    """
    folder = battle_dir(battle)
    for name in ("article.md", "source.md"):
        if (folder / name).is_file():
            return folder / name
    candidates = [p for p in sorted(folder.glob("*.md")) if p.name.lower() != "readme.md"]
    if len(candidates) == 1:
        return candidates[0]
    raise UserError(
        f"{folder}: no article (article.md) packaged for battle {battle!r}; "
        "pass the article with --article PATH"
    )


def _as_date(value: str | dt.date | None, name: str) -> Any:
    import pandas as pd

    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    try:
        return pd.Timestamp(dt.date.fromisoformat(str(value)))
    except ValueError as exc:
        raise UserError(f"{name} = {value!r} is not a date; write it as YYYY-MM-DD") from exc


def filter_claims(
    df: pd.DataFrame,
    metric: str | list[str] | None = None,
    claimant: str | None = None,
    side: str | None = None,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    claimant_side: str | None = None,
) -> pd.DataFrame:
    """Select claims.

    ``metric``: one metric or a list (unknown names raise :class:`UserError`). ``claimant``:
    case-insensitive substring of the claimant. ``side``: the subject side (whose losses or
    forces); ``claimant_side``: the claimant's side. ``start``/``end`` (ISO dates): keep claims
    whose dated span overlaps ``[start, end]``; the span is ``period_start..period_end``, with
    ``claim_date`` filling a missing end; undated claims are dropped when a date is given.
    """
    mask = df["id"].notna()
    if metric:
        metrics = [metric] if isinstance(metric, str) else list(metric)
        for m in metrics:
            if m not in METRICS:
                raise unknown_name("metric", m, METRICS)
        mask &= df["metric"].isin(metrics)
    if claimant:
        mask &= df["claimant"].str.contains(claimant, case=False, regex=False)
    if side:
        if side.upper() not in SUBJECT_SIDES:
            raise unknown_name("side", side, SUBJECT_SIDES)
        mask &= df["subject_side"] == side.upper()
    if claimant_side:
        from attrition.data.schema import CLAIMANT_SIDES

        if claimant_side.upper() not in CLAIMANT_SIDES:
            raise unknown_name("claimant side", claimant_side, CLAIMANT_SIDES)
        mask &= df["claimant_side"] == claimant_side.upper()
    lo, hi = _as_date(start, "start"), _as_date(end, "end")
    if lo is not None and hi is not None and hi < lo:
        raise UserError(f"end {end} is before start {start}; swap them")
    if lo is not None or hi is not None:
        span_end = df["period_end"].fillna(df["claim_date"]).fillna(df["period_start"])
        span_start = df["period_start"].fillna(span_end)
        dated = span_start.notna() & span_end.notna()
        mask &= dated
        if lo is not None:
            mask &= span_end >= lo
        if hi is not None:
            mask &= span_start <= hi
    return df.loc[mask].reset_index(drop=True)


def claims_to_csv(df: pd.DataFrame) -> str:
    """Write claims (or any frame with schema columns) as CSV text in the schema's format.

    Dates as ``YYYY-MM-DD``, empty for ``NaT``; whole numbers without ``.0``.
    """
    import csv
    import io

    import pandas as pd

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(list(df.columns))
    for row in df.itertuples(index=False, name=None):
        cells: list[str] = []
        for v in row:
            if isinstance(v, pd.Timestamp | dt.date):
                cells.append("" if pd.isna(v) else v.strftime("%Y-%m-%d"))
                continue
            if hasattr(v, "item") and not isinstance(v, str):
                v = v.item()
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                cells.append("")
            elif isinstance(v, float):
                cells.append(str(int(v)) if v.is_integer() else repr(v))
            elif isinstance(v, bool):
                cells.append("true" if v else "false")
            else:
                cells.append(str(v))
        writer.writerow(cells)
    return buf.getvalue()
