"""Output safety: the tool never deletes or overwrites what it did not write.

Oracles: a folder's foreign files are byte-identical after every rebuild; a refused call leaves
the tree byte-identical; concurrent writers end with exactly one complete, self-consistent
build (every manifest hash matches its file).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from attrition.errors import UserError
from attrition.outputs import (
    MANIFEST,
    OutputLock,
    build_folder,
    check_output_dir,
    install_output,
    read_manifest,
)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path -> bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def build(out: Path, files: dict[str, str]) -> list[str]:
    """Build ``files`` (relative path -> text) and install them into ``out`` under the lock."""
    with OutputLock(out), build_folder(out) as work:
        for rel, text in files.items():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_text(text, encoding="utf-8")
        return install_output(work, out, seed=0)


def test_new_empty_and_own_folders_are_accepted(tmp_path: Path) -> None:
    assert check_output_dir(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    (tmp_path / "empty").mkdir()
    check_output_dir(tmp_path / "empty")
    build(tmp_path / "ours", {"index.html": "a"})
    check_output_dir(tmp_path / "ours")
    assert read_manifest(tmp_path / "ours") == {"index.html": hashlib.sha256(b"a").hexdigest()}


@pytest.mark.parametrize("kind", ["foreign-folder", "file", "cwd"])
def test_foreign_targets_are_refused_with_one_line(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "precious"
    if kind == "file":
        target.write_text("mine", encoding="utf-8")
    else:
        (target / "sub").mkdir(parents=True)
        (target / "thesis.txt").write_text("mine", encoding="utf-8")
        (target / "sub" / "data.csv").write_text("1,2", encoding="utf-8")
    if kind == "cwd":
        os.chdir(target)
        target = Path(".")
    before = snapshot(tmp_path)
    with pytest.raises(UserError) as err:
        check_output_dir(target)
    assert "\n" not in str(err.value)
    assert str(target) in str(err.value)
    assert snapshot(tmp_path) == before


def test_rebuild_keeps_foreign_files_and_removes_only_its_stale_ones(tmp_path: Path) -> None:
    out = tmp_path / "report"
    build(out, {"index.html": "v1", "figures/a.png": "A", "figures/b.png": "B"})
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "figures" / "my.svg").write_text("mine too", encoding="utf-8")
    build(out, {"index.html": "v2", "figures/a.png": "A2"})
    files = snapshot(out)
    assert files["notes.txt"] == b"mine"
    assert files["figures/my.svg"] == b"mine too"
    assert files["index.html"] == b"v2"
    assert files["figures/a.png"] == b"A2"
    assert "figures/b.png" not in files  # ours, no longer written: removed
    assert set(read_manifest(out) or {}) == {"index.html", "figures/a.png"}


def test_clash_with_a_foreign_or_edited_file_moves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "report"
    build(out, {"index.html": "v1"})
    (out / "summary.json").write_text("mine", encoding="utf-8")  # not in the manifest
    before = snapshot(out)
    with pytest.raises(UserError, match="was not written by attrition"):
        build(out, {"index.html": "v2", "summary.json": "{}"})
    assert snapshot(out) == before
    (out / "summary.json").unlink()
    (out / "index.html").write_text("edited by hand", encoding="utf-8")
    before = snapshot(out)
    with pytest.raises(UserError, match="changed since attrition wrote it"):
        build(out, {"index.html": "v3"})
    assert snapshot(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no work folder left


def test_a_hostile_manifest_cannot_point_outside(tmp_path: Path) -> None:
    out = tmp_path / "report"
    out.mkdir()
    (tmp_path / "victim.txt").write_text("mine", encoding="utf-8")
    (out / MANIFEST).write_text(
        json.dumps({"tool": "attrition", "files": {"../victim.txt": "0" * 64}}), encoding="utf-8"
    )
    with pytest.raises(UserError, match="not a file inside the folder"):
        build(out, {"index.html": "x"})
    assert (tmp_path / "victim.txt").read_text(encoding="utf-8") == "mine"


def _stress(out: str, worker: int, rounds: int) -> None:
    for k in range(rounds):
        body = f"worker {worker} round {k}"
        files = {"index.html": body, "summary.json": body, f"figures/f{k % 3}.png": body}
        build(Path(out), files)


def test_concurrent_swaps_end_in_one_complete_build(tmp_path: Path) -> None:
    """Two processes x 300 rebuilds of one folder: no error, and a consistent result."""
    out = tmp_path / "report"
    (tmp_path / "report").mkdir()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_stress, args=(str(out), w, 300)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0, 0]
    manifest = read_manifest(out)
    assert manifest is not None
    on_disk = {k: v for k, v in snapshot(out).items() if k != MANIFEST}
    assert set(on_disk) == set(manifest)  # nothing stale, nothing unlisted
    for rel, data in on_disk.items():
        assert hashlib.sha256(data).hexdigest() == manifest[rel]
    assert len({on_disk["index.html"], on_disk["summary.json"]}) == 1  # one build, not a mix
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "attrition", *args],
        cwd=cwd, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_report_refuses_a_users_folder_before_any_work(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    (precious / "sub").mkdir(parents=True)
    (precious / "thesis.txt").write_text("years of work", encoding="utf-8")
    (precious / "sub" / "data.csv").write_text("1,2", encoding="utf-8")
    before = snapshot(tmp_path)
    for args in (["report", "--quick", "--out", "precious"], ["report", "classic", "--out", "."]):
        run = _cli(*args, cwd=precious if "." in args else tmp_path)
        assert run.returncode == 2, run.stderr
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert "Traceback" not in run.stderr
        assert snapshot(tmp_path) == before


def test_concurrent_classic_reports_end_in_one_complete_report(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep", encoding="utf-8")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "attrition", "report", "classic", "--out", "out"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    codes, errs = [], []
    for p in procs:
        _, err = p.communicate(timeout=600)
        codes.append(p.returncode)
        errs.append(err)
    # the foreign file made the folder non-empty and not ours: both refuse, cleanly
    assert codes == [2, 2], errs
    assert all("Traceback" not in e for e in errs)
    (tmp_path / "out" / "mine.txt").unlink()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "attrition", "report", "classic", "--out", "out"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        assert "Traceback" not in err
    manifest = read_manifest(tmp_path / "out")
    assert manifest is not None
    assert set(manifest) == {"index.html", "summary.json"}
    for rel, digest in manifest.items():
        assert hashlib.sha256((tmp_path / "out" / rel).read_bytes()).hexdigest() == digest
