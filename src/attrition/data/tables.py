"""Reading the packaged datasets' CSV files: where they live, and text cells to checked numbers.

Shared by :mod:`attrition.data.datasets` and :mod:`attrition.data.cdb90`. Every error is a
:class:`~attrition.errors.UserError` naming the file, the row (and line) and the column.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from attrition.data.dates import cell_date
from attrition.errors import UserError, unknown_name

if TYPE_CHECKING:
    import pandas as pd

BATTLES_DIR = Path(__file__).resolve().parent / "battles"
"""Folder holding one sub-folder per packaged dataset."""

#: Registry order and the folder of each dataset under :data:`BATTLES_DIR`.
FOLDERS: dict[str, str] = {
    "iwo-jima": "iwo_jima",
    "ardennes": "ardennes",
    "cdb90": "cdb90",
    "rubio-campillo": "rubio_campillo",
}

PathLike = str | os.PathLike[str]


def dataset_dir(name: str, data_dir: PathLike | None = None) -> Path:
    """Folder of dataset ``name``: ``data_dir`` when given, else the packaged one."""
    if name not in FOLDERS:
        raise unknown_name("dataset", name, FOLDERS)
    if data_dir is not None:
        return Path(data_dir)
    return BATTLES_DIR / FOLDERS[name]


def require_file(path: Path) -> Path:
    if not path.is_file():
        raise UserError(
            f"{path}: data file is missing; restore it from the attrition package "
            "(reinstall) or point data_dir at a complete copy"
        )
    return path


def row_ref(path: Path, index: int, column: str) -> str:
    """``file, row N (line M), column 'c'`` for data row ``index`` (0-based) of a CSV file."""
    return f"{path}, row {index + 1} (line {index + 2}), column {column!r}"


def read_csv_text(path: Path, columns: Sequence[str], *, sep: str = ",") -> pd.DataFrame:
    """Read a CSV file as text cells (no NA guessing) and check that ``columns`` are present.

    A missing file, an unreadable file or a missing column raises :class:`UserError`.
    """
    import pandas as pd

    require_file(path)
    try:
        frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{path}: cannot read as CSV ({detail}); restore the file") from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UserError(
            f"{path}: missing column(s) {', '.join(missing)}; restore the file "
            f"(expected columns include {', '.join(columns)})"
        )
    return frame


def to_numbers(
    frame: pd.DataFrame,
    path: Path,
    columns: Sequence[str],
    *,
    integer: bool = False,
    allow_empty: bool = False,
) -> pd.DataFrame:
    """Convert text ``columns`` of ``frame`` to float64 in place and return ``frame``.

    The first cell that is not a number (or not a whole number when ``integer``; or empty unless
    ``allow_empty``, which gives NaN) raises :class:`UserError` naming file, row and column.
    """
    import numpy as np
    import pandas as pd

    for col in columns:
        text = frame[col].astype(str).str.strip()
        values = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
        empty = text == ""
        bad = values.isna() & ~(empty & allow_empty)
        if integer:
            bad |= values.notna() & (values != np.round(values))
        bad |= values.isin([np.inf, -np.inf])
        if bool(bad.any()):
            i = int(np.flatnonzero(bad.to_numpy())[0])
            kind = "a whole number" if integer else "a number"
            raise UserError(
                f"{row_ref(path, i, col)}: expected {kind}, got {text.iloc[i]!r}; "
                "fix the value or restore the packaged file"
            )
        frame[col] = values.astype("float64")
    return frame


def to_dates(frame: pd.DataFrame, path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """Convert ISO ``YYYY-MM-DD`` text ``columns`` to datetime64 in place; a bad cell raises
    :class:`UserError` naming file, row and column (:func:`attrition.data.dates.cell_date`)."""
    import pandas as pd

    fix = "fix the value or restore the packaged file"
    for col in columns:
        text = frame[col].astype(str).str.strip()
        days = [cell_date(t, row_ref(path, i, col), fix=fix) for i, t in enumerate(text)]
        frame[col] = pd.to_datetime(pd.Series(days, index=frame.index, dtype="object")).astype(
            "datetime64[ns]"
        )
    return frame
