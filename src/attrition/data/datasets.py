"""Packaged classic battle datasets: registry, metadata and loaders.

Four historical datasets ship with the package, each in its own folder under
``attrition/data/battles/`` with the original files, their attribution and a ``metadata.json``
(title, period, licence, citations, known defects and how the loaders handle them):

``iwo-jima``
    US daily strength and casualties on Iwo Jima, 19 Feb - 25 Mar 1945 (Morehouse's figures,
    the series Engel 1954 used), plus Engel's model parameters.
``ardennes``
    The Ardennes campaign, 15 Dec 1944 - 16 Jan 1945, from the ACSDB as tabulated by
    Fricker (1998), Tables 1-5, with the weighted series of a public Wiper et al. (2000)
    replication.
``cdb90``
    CDB90, the US Army CAA database of 660 battles 1600-1973 (see :mod:`attrition.data.cdb90`).
``rubio-campillo``
    1,079 battles 1620-1905 in four periods (Rubio-Campillo 2016).

>>> [d.name for d in available()]
['iwo-jima', 'ardennes', 'cdb90', 'rubio-campillo']

Every loader takes a keyword-only ``data_dir`` to read a copy of the dataset folder instead of
the packaged one (tests use it; so can a user with corrected files). A missing or malformed file
raises :class:`~attrition.errors.UserError` naming the file, the row and the column.
"""

from __future__ import annotations

import inspect
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from attrition.data.tables import (
    BATTLES_DIR,
    FOLDERS,
    PathLike,
    dataset_dir,
    read_csv_text,
    require_file,
    row_ref,
    to_dates,
    to_numbers,
)
from attrition.errors import UserError, unknown_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BATTLES_DIR",
    "DatasetInfo",
    "ardennes_tables",
    "available",
    "info",
    "iwo_jima_engel_parameters",
    "load",
    "load_ardennes",
    "load_iwo_jima",
    "load_rubio_campillo",
]


@dataclass(frozen=True)
class DatasetInfo:
    """Metadata of a packaged dataset, read from its ``metadata.json``.

    ``citation`` joins the dataset's citations with ``"; "``; ``defects`` holds one line per
    known defect, ``"<defect> -- handled: <how>"``; ``path`` is the dataset folder.
    """

    name: str
    title: str
    rows: int
    period: str
    licence: str
    description: str
    citation: str
    defects: tuple[str, ...]
    path: Path


# ---------------------------------------------------------------------------------------------
# Registry


def info(name: str) -> DatasetInfo:
    """Metadata of the packaged dataset ``name``.

    Raises :class:`UserError` listing the valid names when ``name`` is unknown.
    """
    folder = dataset_dir(name)
    path = require_file(folder / "metadata.json")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid JSON ({exc}); restore the packaged file") from exc
    if not isinstance(meta, dict):
        raise UserError(f"{path}: expected a JSON object; restore the packaged file")
    needed = ("name", "title", "rows", "period", "licence", "description", "citations")
    missing = [k for k in needed if k not in meta]
    if missing:
        raise UserError(f"{path}: missing key(s) {', '.join(missing)}; restore the packaged file")
    defects = tuple(
        f"{d['defect']} -- handled: {d['handling']}" for d in meta.get("known_defects", [])
    )
    return DatasetInfo(
        name=str(meta["name"]),
        title=str(meta["title"]),
        rows=int(meta["rows"]),
        period=str(meta["period"]),
        licence=str(meta["licence"]),
        description=str(meta["description"]),
        citation="; ".join(str(c) for c in meta["citations"]),
        defects=defects,
        path=folder,
    )


def available() -> list[DatasetInfo]:
    """All packaged datasets, in registry order (iwo-jima, ardennes, cdb90, rubio-campillo)."""
    return [info(name) for name in FOLDERS]


def _loaders() -> dict[str, Callable[..., pd.DataFrame]]:
    from attrition.data.cdb90 import load_cdb90

    return {
        "iwo-jima": load_iwo_jima,
        "ardennes": load_ardennes,
        "cdb90": load_cdb90,
        "rubio-campillo": load_rubio_campillo,
    }


def load(name: str, **options: Any) -> pd.DataFrame:
    """Load dataset ``name`` as a DataFrame, passing ``options`` to its loader.

    >>> load("ardennes", force="total").shape
    (33, 6)

    Unknown names and unknown option names raise :class:`UserError` listing the valid ones.
    """
    loaders = _loaders()
    if name not in loaders:
        raise unknown_name("dataset", name, loaders)
    loader = loaders[name]
    valid = list(inspect.signature(loader).parameters)
    for key in options:
        if key not in valid:
            raise unknown_name("option", key, valid, where=f"dataset {name!r}")
    return loader(**options)


# ---------------------------------------------------------------------------------------------
# Reading and validating CSV files


def _check_choice(option: str, value: object, valid: Sequence[str]) -> None:
    if not isinstance(value, str) or value not in valid:
        raise unknown_name(f"{option} option", str(value), valid)


def _check_days(frame: pd.DataFrame, path: Path, first_day: int) -> None:
    """Days must run ``first_day, first_day + 1, ...`` and dates advance one per day."""
    import pandas as pd

    start = frame["date"].iloc[0] - pd.Timedelta(days=float(frame["day"].iloc[0]) - first_day)
    for i, (day, date) in enumerate(zip(frame["day"], frame["date"], strict=True)):
        if day != first_day + i:
            raise UserError(
                f"{row_ref(path, i, 'day')}: expected day {first_day + i}, got {day:g}; "
                "days must be consecutive; restore the packaged file"
            )
        expected = start + pd.Timedelta(days=i)
        if date != expected:
            raise UserError(
                f"{row_ref(path, i, 'date')}: day {day:g} should fall on "
                f"{expected.date()}, got {date.date()}; restore the packaged file"
            )


# ---------------------------------------------------------------------------------------------
# Iwo Jima

_IWO_DAILY = "us_daily_strength_casualties.csv"
_IWO_PARAMS = "engel1954_model_parameters.csv"
_IWO_TYPO = re.compile(r"typo for (\d[\d,]*)")


def load_iwo_jima(correct_typo: bool = False, *, data_dir: PathLike | None = None) -> pd.DataFrame:
    """US troops landed, casualties and active strength on Iwo Jima, one row per day.

    Columns: ``day`` (1 = 1945-02-19), ``date``, ``us_landed`` (troops landed that day),
    ``us_cumulative_landed``, ``us_cumulative_casualties``, ``us_active`` (cumulative landed
    minus cumulative casualties) and ``flagged``: True where cumulative casualties exceed the
    next day's, which cannot happen in a cumulative series (day 19: 18,208 then 17,692).

    The raw value is kept. With ``correct_typo=True`` each flagged row takes the value its source
    note proposes (day 19: 17,208), ``us_active`` is recomputed and a ``corrected`` column marks
    the changed rows. The packaged file holds days 1-35 (to 1945-03-25); Engel modelled 36 days.
    """
    import pandas as pd

    path = dataset_dir("iwo-jima", data_dir) / _IWO_DAILY
    counts = [
        "day",
        "us_troops_landed_that_day",
        "us_cumulative_landed",
        "us_cumulative_casualties",
        "us_active_troops_derived",
    ]
    raw = read_csv_text(path, [*counts, "date", "note"])
    if raw.empty:
        raise UserError(f"{path}: no data rows; restore the packaged file")
    to_numbers(raw, path, counts, integer=True)
    to_dates(raw, path, ["date"])
    _check_days(raw, path, first_day=1)
    out = pd.DataFrame(
        {
            "day": raw["day"],
            "date": raw["date"],
            "us_landed": raw["us_troops_landed_that_day"],
            "us_cumulative_landed": raw["us_cumulative_landed"],
            "us_cumulative_casualties": raw["us_cumulative_casualties"],
        }
    ).astype({c: "int64" for c in ("day", "us_landed", "us_cumulative_landed")})
    out["us_cumulative_casualties"] = out["us_cumulative_casualties"].astype("int64")
    out["us_active"] = out["us_cumulative_landed"] - out["us_cumulative_casualties"]
    mismatch = out["us_active"] != raw["us_active_troops_derived"]
    if bool(mismatch.any()):
        i = int(mismatch.to_numpy().argmax())
        raise UserError(
            f"{row_ref(path, i, 'us_active_troops_derived')}: should equal cumulative landed "
            f"minus cumulative casualties ({out['us_active'].iloc[i]:g}); restore the file"
        )
    cas = out["us_cumulative_casualties"]
    out["flagged"] = (cas > cas.shift(-1)).fillna(False).astype(bool)
    if correct_typo:
        out["corrected"] = False
        for i in out.index[out["flagged"]]:
            match = _IWO_TYPO.search(str(raw.at[i, "note"]))
            if match is None:
                raise UserError(
                    f"{row_ref(path, int(i), 'note')}: flagged row proposes no correction "
                    "('typo for N'); add one or load with correct_typo=False"
                )
            out.at[i, "us_cumulative_casualties"] = int(match.group(1).replace(",", ""))
            out.at[i, "corrected"] = True
        out["us_active"] = out["us_cumulative_landed"] - out["us_cumulative_casualties"]
    return out


def iwo_jima_engel_parameters(*, data_dir: PathLike | None = None) -> dict[str, Any]:
    """Engel's (1954) Iwo Jima model parameters, read from the packaged parameter file.

    Model: dM/dt = P(t) - A*N, dN/dt = -B*M (M = US active troops, N = Japanese troops).
    Returns ``japan_initial`` (21,500), ``us_initial`` (0), ``us_reinforcements`` as
    ``{day: troops landed during that day}`` ({1: 54000, 3: 6000, 6: 13000}), ``days`` (36),
    ``A`` (Japanese fire on US, 0.0544 per day) and ``B`` (US fire on Japanese, 0.0106 per day).
    All numbers are floats except the reinforcement days.
    """
    path = dataset_dir("iwo-jima", data_dir) / _IWO_PARAMS
    raw = read_csv_text(path, ["quantity", "value"])
    keys = {
        "japanese_initial_strength": "japan_initial",
        "us_initial_strength": "us_initial",
        "battle_length": "days",
        "japanese_effectiveness": "A",
        "us_effectiveness": "B",
    }
    wanted = raw["quantity"].isin(list(keys)) | raw["quantity"].str.match(
        r"us_reinforcement_day\d+$"
    )
    rows = raw[wanted].copy()
    to_numbers(rows, path, ["value"])
    params: dict[str, Any] = {}
    reinforcements: dict[int, float] = {}
    for quantity, value in zip(rows["quantity"], rows["value"], strict=True):
        if quantity.startswith("us_reinforcement_day"):
            reinforcements[int(quantity.removeprefix("us_reinforcement_day"))] = float(value)
        else:
            params[keys[quantity]] = float(value)
    missing = [q for q, k in keys.items() if k not in params]
    if not reinforcements:
        missing.append("us_reinforcement_dayN")
    if missing:
        raise UserError(f"{path}: missing quantity row(s) {', '.join(missing)}; restore the file")
    params["us_reinforcements"] = dict(sorted(reinforcements.items()))
    return params


# ---------------------------------------------------------------------------------------------
# Ardennes

_ARDENNES_FILES: dict[str, str] = {
    "table1": "fricker1998_table1_manpower.csv",
    "table2": "fricker1998_table2_equipment.csv",
    "table3": "fricker1998_table3_air_sorties.csv",
    "table4": "fricker1998_table4_reformatted_manpower.csv",
    "table5": "fricker1998_table5_reformatted_equipment.csv",
    "wiper": "wiper2000_weighted_combat_series_yiyuezhuo.csv",
}
_MANPOWER_COLS = [
    f"{side}_{force}_{kind}"
    for side in ("blue", "red")
    for force in ("combat", "total")
    for kind in ("avail", "killed")
]
_EQUIPMENT_COLS = [
    f"{side}_{item}_{kind}"
    for side in ("blue", "red")
    for kind in ("avail", "killed")
    for item in ("tank", "apc", "arty")
]
_TABLE_COLS: dict[str, list[str]] = {
    "table1": _MANPOWER_COLS,
    "table2": _EQUIPMENT_COLS,
    "table3": ["blue_air_sorties", "red_air_sorties"],
    "table4": _MANPOWER_COLS,
    "table5": _EQUIPMENT_COLS,
    "wiper": [
        "day_wiper",
        "allied_force",
        "allied_casualties",
        "german_force",
        "german_casualties",
    ],
}

#: Equipment weights in manpower equivalents. ``bracken``: Bracken (1995), man 1, tank 20,
#: APC 5, artillery piece 40. ``manpower``: people only.
ARDENNES_WEIGHTS: dict[str, dict[str, float]] = {
    "bracken": {"tank": 20.0, "apc": 5.0, "arty": 40.0},
    "manpower": {"tank": 0.0, "apc": 0.0, "arty": 0.0},
}


def ardennes_tables(*, data_dir: PathLike | None = None) -> dict[str, pd.DataFrame]:
    """The raw Ardennes tables, keyed ``table1`` ... ``table5`` and ``wiper``.

    Fricker (1998): ``table1`` manpower (available and killed-or-wounded, combat and total, per
    side), ``table2`` tanks, APCs and artillery, ``table3`` close-support air sorties,
    ``table4``/``table5`` the "reformatted" manpower and equipment. ``wiper`` is the weighted
    combat series of a public replication of Wiper, Pettit & Young (2000), with its own day
    numbering (``day_wiper`` = ``day`` + 1). Counts are float64, ``date`` is datetime64.
    """
    folder = dataset_dir("ardennes", data_dir)
    tables: dict[str, pd.DataFrame] = {}
    for key, filename in _ARDENNES_FILES.items():
        path = folder / filename
        day_col = "fricker_day" if key == "wiper" else "day"
        frame = read_csv_text(path, [day_col, "date", *_TABLE_COLS[key]])
        if frame.empty:
            raise UserError(f"{path}: no data rows; restore the packaged file")
        to_numbers(frame, path, [day_col, *_TABLE_COLS[key]], integer=True)
        to_dates(frame, path, ["date"])
        frame = frame.rename(columns={"fricker_day": "day"})
        frame["day"] = frame["day"].astype("int64")
        _check_days(frame, path, first_day=1 if key == "wiper" else 0)
        if key == "wiper":
            frame["day_wiper"] = frame["day_wiper"].astype("int64")
        tables[key] = frame
    n_days = len(tables["table1"])
    for key in ("table2", "table3", "table4", "table5"):
        if len(tables[key]) != n_days:
            raise UserError(
                f"{folder / _ARDENNES_FILES[key]}: {len(tables[key])} days, but "
                f"{_ARDENNES_FILES['table1']} has {n_days}; restore the packaged files"
            )
    return tables


def load_ardennes(
    force: Literal["combat", "total"] = "combat",
    series: Literal["original", "reformatted"] = "original",
    weights: Literal["bracken", "manpower"] = "bracken",
    air_weight: float | None = None,
    *,
    data_dir: PathLike | None = None,
) -> pd.DataFrame:
    """Daily Ardennes forces and losses, one row per day 0..32 (day 0 = 1944-12-15).

    Columns ``day, date, blue_force, blue_losses, red_force, red_losses`` (blue = Allied,
    red = German), float64:

    - force = manpower available + w_tank*tanks + w_apc*APCs + w_arty*artillery available
      (+ ``air_weight`` * close-support sorties when given; sorties add to force only);
    - losses = manpower killed or wounded + the same weights * equipment killed.

    ``force`` picks combat manpower (infantry, armour, artillery) or total (combat + support);
    ``series`` picks Fricker's original Tables 1-2 or the reformatted Tables 4-5 (every soldier
    who eventually fought, less cumulative losses); ``weights`` picks Bracken's
    (man 1, tank 20, APC 5, artillery 40) or manpower only (see :data:`ARDENNES_WEIGHTS`).
    German data for day 0 are incomplete (zero in the original tables).
    """
    import pandas as pd

    _check_choice("force", force, ("combat", "total"))
    _check_choice("series", series, ("original", "reformatted"))
    _check_choice("weights", weights, tuple(ARDENNES_WEIGHTS))
    if air_weight is not None and (
        isinstance(air_weight, bool)
        or not isinstance(air_weight, int | float)
        or not math.isfinite(air_weight)
        or air_weight < 0
    ):
        raise UserError(
            f"air_weight option: expected a finite number >= 0 or None, got {air_weight!r}"
        )
    tables = ardennes_tables(data_dir=data_dir)
    manpower = tables["table1" if series == "original" else "table4"]
    equipment = tables["table2" if series == "original" else "table5"]
    air = tables["table3"]
    w = ARDENNES_WEIGHTS[weights]
    out = pd.DataFrame({"day": manpower["day"], "date": manpower["date"]})
    for side in ("blue", "red"):
        side_force = manpower[f"{side}_{force}_avail"].copy()
        side_losses = manpower[f"{side}_{force}_killed"].copy()
        for item, weight in w.items():
            side_force += weight * equipment[f"{side}_{item}_avail"]
            side_losses += weight * equipment[f"{side}_{item}_killed"]
        if air_weight is not None:
            side_force += float(air_weight) * air[f"{side}_air_sorties"]
        out[f"{side}_force"] = side_force.astype("float64")
        out[f"{side}_losses"] = side_losses.astype("float64")
    return out


# ---------------------------------------------------------------------------------------------
# Rubio-Campillo

_RUBIO_FILES = tuple(f"period_{i:02d}.csv" for i in range(1, 5))


def load_rubio_campillo(*, data_dir: PathLike | None = None) -> pd.DataFrame:
    """1,079 battles 1620-1905 (Rubio-Campillo 2016), one row per battle.

    Columns: ``year``, ``period`` (1: 1620-1701, 2: 1702-1792, 3: 1793-1860, 4: 1861-1905,
    one source file each), ``R0``/``B0`` initial strength and ``Rc``/``Bc`` casualties of the
    two sides (int64). Who attacked is not recorded. Casualties above the initial strength
    raise :class:`UserError`.
    """
    import pandas as pd

    folder = dataset_dir("rubio-campillo", data_dir)
    cols = ["year", "R0", "Rc", "B0", "Bc"]
    frames = []
    for period, filename in enumerate(_RUBIO_FILES, start=1):
        path = folder / filename
        frame = read_csv_text(path, cols, sep=";")
        to_numbers(frame, path, cols, integer=True)
        for side in ("R", "B"):
            bad = (frame[f"{side}c"] > frame[f"{side}0"]) | (frame[f"{side}0"] <= 0)
            bad |= frame[f"{side}c"] < 0
            if bool(bad.any()):
                i = int(bad.to_numpy().argmax())
                raise UserError(
                    f"{row_ref(path, i, side + 'c')}: casualties must lie between 0 and the "
                    f"initial strength {side}0 > 0; fix the row or restore the packaged file"
                )
        frame = frame[cols].astype("int64")
        frame.insert(1, "period", period)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
