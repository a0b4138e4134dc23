"""The packaged record of Bakhmut as model inputs: the city-parts table is data, checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from attrition.battles.bakhmut import record
from attrition.data.claims import battle_dir
from attrition.errors import UserError


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "bk"
    shutil.copytree(battle_dir("bakhmut"), dst)
    return dst


def test_packaged_city_parts_map_the_whole_city_and_the_strip() -> None:
    parts = record.city_parts()
    assert parts[""]["ru"] == ("city", 0.9)
    assert parts[""]["contested"] == ("city", 0.01, 0.99)
    assert parts["northern and southern outskirts"]["ru"] == ("NS", "EDGE")
    assert parts["t0504 highway strip"]["ua"] == ("city", 0.995)


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("assertion", "held", "column 'assertion'"),
        ("target", "W", "column 'target'"),
        ("position", "lots", "column 'position'"),
        ("position", "1.5", "out of range"),
    ],
)
def test_a_bad_city_parts_cell_names_file_line_and_column(
    tmp_path: Path, cell: str, value: str, message: str
) -> None:
    folder = _copy(tmp_path)
    path = folder / "city_parts.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[4].split(",")
    row[header.index(cell)] = value
    lines[4] = ",".join(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UserError, match=rf"city_parts\.csv, line 5, {message}|line 5.*{message}"):
        record.city_parts(str(folder))


def test_missing_city_parts_is_one_line(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "city_parts.csv").unlink()
    with pytest.raises(UserError, match=r"city_parts\.csv: missing"):
        record.city_parts(str(folder))
