"""Load the evidence base of a battle folder (claims, control events, phases, places).

A battle is a folder (:mod:`attrition.data.battle`): ``battle.toml`` beside ``claims.csv``,
``events.csv``, ``phases.csv`` and ``places.csv``. Every loader takes a packaged battle's name
(``attrition/data/battles/<name>/``) or the path of any such folder. The older names
``control_events.csv`` and ``gazetteer.csv`` are read too. Merged files are read when present;
otherwise their parts ``<stem>_narrative.csv`` and ``<stem>_casualties.csv`` (then any other
``<stem>_*.csv``, alphabetically) are concatenated, so partially curated data can be used as it
appears. The side vocabularies come from ``battle.toml`` (a folder without one uses the
packaged Bakhmut vocabulary).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrition.data.battle import BattleSpec, read_battle_toml
from attrition.data.dates import parse_date
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
    "battle_spec",
    "battles",
    "check_battle_folder",
    "claims_to_csv",
    "filter_claims",
    "load_claim_models",
    "load_claims",
    "load_events",
    "load_exclusions",
    "load_phases",
    "load_places",
    "part_files",
    "side_vocab",
    "stem_files",
]

BATTLES_DIR = Path(__file__).parent / "battles"
_PART_ORDER = ("narrative", "casualties")


_STEMS: dict[str, tuple[str, ...]] = {
    "events": ("events", "control_events"),
    "places": ("places", "gazetteer"),
}


def battles() -> list[str]:
    """Names of the packaged battles that have claims (merged or in parts), sorted."""
    if not BATTLES_DIR.is_dir():
        return []
    return sorted(
        d.name
        for d in BATTLES_DIR.iterdir()
        if d.is_dir() and ((d / "claims.csv").is_file() or any(d.glob("claims_*.csv")))
    )


def battle_dir(battle: str | Path) -> Path:
    """The folder of a battle: a packaged name, or the path of a folder with ``battle.toml``.

    A bare name that is a packaged battle always means the packaged one (write ``./NAME`` for a
    folder of that name). An unknown name or a folder without evidence raises
    :class:`UserError`.
    """
    text = str(battle)
    p = Path(battle)
    looks_like_path = isinstance(battle, Path) or "/" in text or text.startswith(".")
    packaged = bool(text) and (BATTLES_DIR / text).is_dir()
    # a bare name is the packaged battle of that name; a folder of the same name in the current
    # directory needs a path (./NAME), so no default depends on where a command runs
    if looks_like_path or (not packaged and p.is_dir() and (p / "battle.toml").is_file()):
        if not p.is_dir():
            raise UserError(f"--battle {text}: no such folder; give a packaged battle's name "
                            f"({', '.join(battles())}) or a battle folder")  # fmt: skip
        if not (p / "battle.toml").is_file() and not part_files(p, "claims"):
            raise UserError(
                f"{p}: not a battle folder (no battle.toml); create one with "
                f"`attrition battle new {p}`"
            )
        return p
    d = BATTLES_DIR / text
    if not text or not d.is_dir():
        raise unknown_name("battle", text, battles() or ["(none packaged)"])
    return d


def battle_spec(battle: str | Path) -> BattleSpec | None:
    """The battle's ``battle.toml`` as a :class:`BattleSpec`, or ``None`` if it has none."""
    toml = battle_dir(battle) / "battle.toml"
    return read_battle_toml(toml) if toml.is_file() else None


def side_vocab(spec: BattleSpec | None) -> dict[str, tuple[str, ...]] | None:
    """The side vocabularies of a battle for :func:`attrition.data.schema.parse_csv`."""
    if spec is None:
        return None
    return {
        "claimant_side": spec.claimant_sides,
        "subject_side": spec.subjects,
        "by_side": spec.side_ids,
        "component": ("", *spec.claim_components),
    }


FOLDER_FILES: tuple[str, ...] = ("claims", "events", "phases", "places")
"""The tables every battle folder with a ``battle.toml`` holds (a missing one is an error)."""


def check_battle_folder(battle: str | Path) -> Path:
    """The folder of ``battle`` after checking that it is complete: ``battle.toml`` (when the
    folder has one, it must parse) and every table of :data:`FOLDER_FILES`. Cheap (no table is
    parsed); a command calls it before any work. Returns the folder."""
    folder = battle_dir(battle)
    spec = battle_spec(battle)
    if spec is not None:
        for stem in FOLDER_FILES:
            if not stem_files(folder, stem):
                raise UserError(
                    f"{folder / (stem + '.csv')}: missing; a battle folder holds "
                    f"{', '.join(f + '.csv' for f in FOLDER_FILES)} beside battle.toml (add the "
                    "file, with its header row only if the battle has none; attrition battle new "
                    "writes all)"
                )
    return folder


def stem_files(folder: Path, stem: str) -> list[Path]:
    """The files of ``stem`` in ``folder`` (its older name too, see the module docstring)."""
    for name in _STEMS.get(stem, (stem,)):
        files = part_files(folder, name)
        if files:
            return files
    return []


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


def _load_records(battle: str | Path, stem: str, model: type[_Record], required: bool) -> list[Any]:
    folder = battle_dir(battle)
    spec = battle_spec(battle)
    if spec is not None:  # a battle folder is read only when it is complete
        check_battle_folder(battle)
    vocab = side_vocab(spec)
    files = stem_files(folder, stem)
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
        for r in read_models(f, model, vocab):
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


def load_claim_models(battle: str | Path = "bakhmut") -> list[Claim]:
    """The claims of a battle as validated :class:`Claim` records."""
    return _load_records(battle, "claims", Claim, required=True)


def load_claims(battle: str | Path = "bakhmut") -> pd.DataFrame:
    """The claims of a battle as a typed DataFrame (columns of ``claims.csv``).

    Dates are ``datetime64[ns]`` (``NaT`` when empty), values ``float64`` (``NaN`` when empty),
    offsets ``int64``. ``frame.attrs["battle"]`` names the battle (a packaged battle's name, else
    its folder as a :class:`~pathlib.Path`), so a fit of the claims
    (:class:`~attrition.infer.fusion.FogOfWar`) uses that battle's sides unless told otherwise.
    """
    frame = models_to_frame(load_claim_models(battle), Claim)
    folder = battle_dir(battle)
    frame.attrs["battle"] = str(battle) if folder == BATTLES_DIR / str(battle) else folder
    return frame


def load_events(battle: str | Path = "bakhmut") -> pd.DataFrame:
    """The control events of a battle (columns of ``events.csv``); empty if none."""
    return models_to_frame(_load_records(battle, "events", ControlEvent, False), ControlEvent)


def load_phases(battle: str | Path = "bakhmut") -> pd.DataFrame:
    """The phases of a battle (columns of ``phases.csv``); empty if none."""
    return models_to_frame(_load_records(battle, "phases", Phase, False), Phase)


def load_places(battle: str | Path = "bakhmut") -> pd.DataFrame:
    """The gazetteer of a battle (columns of ``places.csv``); empty if none."""
    return models_to_frame(_load_records(battle, "places", Place, False), Place)


def load_exclusions(battle: str | Path = "bakhmut") -> pd.DataFrame:
    """The numeral exclusions of a battle (``numeral_exclusions.csv``); empty if none."""
    return models_to_frame(
        _load_records(battle, "numeral_exclusions", NumeralExclusion, False), NumeralExclusion
    )


def article_path(battle: str | Path = "bakhmut") -> Path:
    """The source article of a packaged battle.

    Looks for ``article.md``, then ``source.md``, then a single ``*.md`` file in the battle
    folder; raises :class:`UserError` (suggesting ``--article``) when there is none.
    """
    folder = battle_dir(battle)
    spec = battle_spec(battle)
    if spec is not None:
        arts = spec.article_sources
        if len(arts) == 1 and (folder / arts[0].path).is_file():
            return folder / arts[0].path
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
    lo, hi = parse_date(start or None, "start"), parse_date(end or None, "end")
    if lo is not None and hi is not None and hi < lo:
        raise UserError(f"end {end} is before start {start}; swap them")
    if lo is not None or hi is not None:
        import pandas as pd

        span_end = df["period_end"].fillna(df["claim_date"]).fillna(df["period_start"])
        span_start = df["period_start"].fillna(span_end)
        dated = span_start.notna() & span_end.notna()
        mask &= dated
        if lo is not None:
            mask &= span_end >= pd.Timestamp(lo)
        if hi is not None:
            mask &= span_start <= pd.Timestamp(hi)
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
