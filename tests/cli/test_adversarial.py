"""Every command against bad input: refused with exit status 2, no traceback, nothing written.

Each row of :data:`ROWS` is one command line with one kind of bad input: a missing, empty or
malformed file (bad TOML, bad CSV), a wrong type, a value out of range (zero, negative), a size
far too large, an unwritable or occupied output (a read-only folder, an existing folder or file
the tool did not write, a file where a folder is expected and a folder where a file is expected)
and unknown names. Every row asserts:

* exit status 2 and no ``Traceback`` anywhere in the output;
* nothing written: the working folder (the test's temporary folder, where every path of the
  rows points) has the same entries, sizes and modification times before and after;
* for the tool's own checks (kind ``"line"``): stderr is exactly one non-empty line,
  ``error: ...``, and stdout is empty;
* for Click usage errors (kind ``"usage"``: a value of the wrong type such as ``--runs abc``, a
  choice outside an enumeration such as ``--format xml``, a missing argument, an unknown
  option): Click prints its usage block (several lines) before the message, so only the exit
  status, the absence of a traceback and of writes are checked.

The expensive steps (the ensemble's chunks, the fog-of-war sampler, the Bakhmut calibration
and hindcast, the validation study, the sensitivity analysis, the extractor and the report
builds) are replaced by a function that raises :class:`ReachedWork`: a row passes only if its
input is refused *before* any of them runs. So huge inputs are refused at once, which keeps the
whole file fast, and a check that comes too late fails the row instead of hanging it.

The memory limit is fixed at 8 GB (``ATTRITION_MAX_MEMORY_GB``) and the time limit at 24 hours,
so the rows do not depend on the machine. Rows needing a read-only folder are skipped when
running as root (root can write there). The ``report`` rows (once xfail) must pass
while its output safety is being rebuilt in ``src/attrition/report``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from attrition.cli import app

runner = CliRunner()

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
REPORT_XFAIL: list[pytest.MarkDecorator] = []  # report output safety landed: rows must pass
READ_ONLY = pytest.mark.skipif(AS_ROOT, reason="root can write into a read-only folder")

SCENARIO = """
[scenario]
name = "skirmish"
law = "linear"
days = 15
[sides.north]
strength = 500
effectiveness = 0.00002
[sides.south]
strength = 450
effectiveness = 0.00003
[run]
method = "binomial"
runs = 40
seed = 9
[uncertain.north.strength]
dist = "normal"
mean = 500
sd = 40
"""

ARTICLE = """---
title: A skirmish
description: A short made-up article for the adversarial tests.
pubDate: 2024-03-02
---

On 1 March 2024, officials said that 120 soldiers had been wounded near the river.
"""

BAKHMUT_HUGE = """
[scenario]
kind = "bakhmut"
name = "huge"
[parameters]
ua_1 = 1e300
"""


class ReachedWork(Exception):
    """Raised by the stand-ins for the expensive steps: the input was not refused in time."""


def _reached(*args: Any, **kwargs: Any) -> Any:
    raise ReachedWork("the command started its expensive work before refusing the input")


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working folder with the files the rows point to; expensive steps are stand-ins."""
    (tmp_path / "scenario.toml").write_text(SCENARIO, encoding="utf-8")
    (tmp_path / "huge.toml").write_text(
        SCENARIO.replace("strength = 500", "strength = 1e300"), encoding="utf-8"
    )
    (tmp_path / "wide.toml").write_text(
        SCENARIO.replace("mean = 500\nsd = 40", "mean = 500\nsd = 1e30"), encoding="utf-8"
    )
    (tmp_path / "bakhmut-huge.toml").write_text(BAKHMUT_HUGE, encoding="utf-8")
    (tmp_path / "article.md").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "bad.toml").write_text("[scenario\nname = ", encoding="utf-8")
    (tmp_path / "bad.csv").write_text('id,"unclosed\n1,2,3\n"', encoding="utf-8")
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00\x01")
    for name in ("empty.toml", "empty.csv", "empty.md"):
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "mine.csv").write_text("my own data\n", encoding="utf-8")
    (tmp_path / "afile").write_text("a file, not a folder\n", encoding="utf-8")
    (tmp_path / "file.zarr").write_text("a file where a Zarr folder is expected\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("the user's notes\n", encoding="utf-8")
    for name in ("dir.csv", "dir.parquet", "dir.nc"):
        (tmp_path / name).mkdir()
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / ".attrition-cache").write_text("not a folder\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ATTRITION_MAX_MEMORY_GB", "8")
    monkeypatch.setenv("ATTRITION_MAX_HOURS", "24")
    _stand_ins(monkeypatch)
    yield tmp_path
    ro.chmod(stat.S_IRWXU)


def _stand_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    from attrition.battles import bakhmut
    from attrition.battles.bakhmut import hindcasts as bakhmut_hindcasts
    from attrition.battles.bakhmut import scenarios as bakhmut_scenarios
    from attrition.data import extract
    from attrition.infer import fusion, validate
    from attrition.report import build as report_build
    from attrition.report import classic as report_classic
    from attrition.scenarios import sensitivity
    from attrition.simulate import ensemble

    for module, name in (
        (ensemble, "run_tasks"),
        (fusion.FogOfWar, "_sample"),
        (bakhmut, "calibration_for"),
        (bakhmut_scenarios, "calibration_for"),
        (bakhmut_scenarios, "default_evidence"),  # hindcast's first fit (it checks first)
        (bakhmut_hindcasts, "calibrate"),
        (validate, "validation_study"),
        (sensitivity, "analyse"),
        (extract, "extract_claims"),
        (report_build, "build_report"),
        (report_classic, "build_classic_report"),
    ):
        monkeypatch.setattr(module, name, _reached)


def _snapshot(root: Path) -> dict[str, tuple[bool, int, int]]:
    out: dict[str, tuple[bool, int, int]] = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        out[p.relative_to(root).as_posix()] = (p.is_dir(), st.st_size, st.st_mtime_ns)
    return out


BIG = str(10**9)
HUGE = str(2**40)

# (id, arguments, kind): kind "line" (one-line error) or "usage" (Click usage error)
ROWS: list[Any] = [
    # datasets, fit, compare
    ("datasets-unknown", ["datasets", "show", "verdun"], "line"),
    ("fit-unknown-dataset", ["fit", "verdun"], "line"),
    ("fit-no-series", ["fit", "cdb90"], "line"),
    ("fit-unknown-law", ["fit", "ardennes", "--model", "cube"], "line"),
    ("fit-unknown-method", ["fit", "ardennes", "--method", "guess"], "line"),
    ("fit-bad-days", ["fit", "ardennes", "--days", "one-two"], "line"),
    ("fit-days-outside", ["fit", "ardennes", "--days", "5-99"], "line"),
    ("fit-one-day", ["fit", "ardennes", "--days", "1-1"], "line"),
    ("fit-mle-too-few", ["fit", "ardennes", "--method", "mle", "--days", "1-1"], "line"),
    ("fit-seed-negative", ["fit", "iwo-jima", "--seed", "-1"], "line"),
    ("fit-seed-type", ["fit", "iwo-jima", "--seed", "abc"], "usage"),
    ("fit-typo-not-ardennes", ["fit", "ardennes", "--correct-typo"], "line"),
    ("fit-force-not-iwo", ["fit", "iwo-jima", "--force", "total"], "line"),
    ("fit-air-negative", ["fit", "ardennes", "--air-weight", "-1"], "line"),
    ("fit-air-nan", ["fit", "ardennes", "--air-weight", "nan"], "line"),
    ("fit-seed-not-used", ["fit", "ardennes", "--method", "ratio-regression", "--seed", "1"],
     "line"),
    ("fit-dist-not-used", ["fit", "ardennes", "--dist", "poisson"], "line"),
    ("fit-target-not-used", ["fit", "iwo-jima", "--method", "engel", "--target", "daily"],
     "line"),
    ("fit-mode-unknown", ["fit", "ardennes", "--mode", "sideways"], "line"),
    ("fit-missing-argument", ["fit"], "usage"),
    ("fit-unknown-option", ["fit", "ardennes", "--colour", "red"], "usage"),
    ("compare-unknown", ["compare", "verdun"], "line"),
    ("compare-one-day", ["compare", "iwo-jima", "--days", "3-3"], "line"),
    ("compare-mode", ["compare", "ardennes", "--mode", "sideways"], "line"),
    # claims, events, places, streams
    ("claims-unknown-battle", ["claims", "atlantis"], "line"),
    ("claims-unknown-metric", ["claims", "--metric", "kills"], "line"),
    ("claims-bad-date", ["claims", "--from", "2023-13-01"], "line"),
    ("claims-format", ["claims", "--format", "xml"], "line"),
    ("claims-side-twice", ["claims", "--from", "2023-01-01", "--from", "2023-02-01"], "line"),
    ("places-json-and-csv", ["places", "--json", "--format", "csv"], "line"),
    ("claims-check-missing", ["claims", "check", "missing.csv"], "line"),
    ("claims-check-empty", ["claims", "check", "empty.csv", "--article", "article.md"], "line"),
    ("claims-check-bad-csv", ["claims", "check", "bad.csv", "--article", "article.md"], "line"),
    ("claims-check-article-folder", ["claims", "check", "--article", "folder"], "line"),
    ("events-unknown", ["events", "atlantis"], "line"),
    ("places-unknown", ["places", "atlantis"], "line"),
    ("streams-unknown", ["streams", "--stream", "rumours"], "line"),
    # extract
    ("extract-missing", ["extract", "missing.md"], "line"),
    ("extract-empty", ["extract", "empty.md"], "line"),
    ("extract-folder-article", ["extract", "folder"], "line"),
    ("extract-out-folder", ["extract", "article.md", "--out", "folder"], "line"),
    ("extract-out-existing-file", ["extract", "article.md", "--out", "mine.csv"], "line"),
    ("extract-out-under-file", ["extract", "article.md", "--out", "afile/claims.csv"], "line"),
    pytest.param(
        "extract-out-read-only", ["extract", "article.md", "--out", "ro/claims.csv"], "line",
        marks=READ_ONLY,
    ),
    ("extract-against-missing", ["extract", "article.md", "--against", "missing.csv"], "line"),
    ("extract-against-bad-csv", ["extract", "article.md", "--against", "bad.csv"], "line"),
    ("extract-against-unknown", ["extract", "article.md", "--against", "atlantis"], "line"),
    ("extract-missing-argument", ["extract"], "usage"),
    # estimate
    ("estimate-unknown-battle", ["estimate", "atlantis"], "line"),
    ("estimate-claims-missing", ["estimate", "--claims", "missing.csv"], "line"),
    ("estimate-claims-empty", ["estimate", "--claims", "empty.csv"], "line"),
    ("estimate-claims-bad", ["estimate", "--claims", "bad.csv"], "line"),
    ("estimate-claims-folder", ["estimate", "--claims", "folder"], "line"),
    ("estimate-draws-type", ["estimate", "--draws", "abc"], "usage"),
    ("estimate-draws-zero", ["estimate", "--draws", "0"], "line"),
    ("estimate-draws-negative", ["estimate", "--draws", "-5"], "line"),
    ("estimate-chains-zero", ["estimate", "--chains", "0"], "line"),
    ("estimate-draws-huge", ["estimate", "--draws", BIG], "line"),
    ("estimate-chains-huge", ["estimate", "--chains", BIG], "line"),
    ("estimate-seed-negative", ["estimate", "--seed", "-1"], "line"),
    ("estimate-window-outside", ["estimate", "--window", "1900-01-01", "2100-01-01"], "line"),
    ("estimate-window-not-date", ["estimate", "--window", "2023-02-30", "2023-03-01"], "line"),
    ("estimate-window-reversed", ["estimate", "--window", "2023-03-01", "2023-01-01"], "line"),
    ("estimate-cutoff-outside", ["estimate", "--cutoff", "2099-01-01"], "line"),
    ("estimate-cutoff-not-date", ["estimate", "--cutoff", "yesterday"], "line"),
    ("estimate-streams-unknown", ["estimate", "--streams", "genstaff,rumours"], "line"),
    ("estimate-out-file", ["estimate", "--out", "afile"], "line"),
    ("estimate-out-foreign-folder", ["estimate", "--out", "folder"], "line"),
    ("estimate-out-cwd", ["estimate", "--out", "."], "line"),
    ("estimate-out-under-file", ["estimate", "--out", "afile/est"], "line"),
    pytest.param("estimate-out-read-only", ["estimate", "--out", "ro/est"], "line",
                 marks=READ_ONLY),
    ("validate-replicates-zero", ["validate", "estimate", "--replicates", "0"], "line"),
    ("validate-replicates-huge", ["validate", "estimate", "--replicates", BIG], "line"),
    ("validate-replicates-long", ["validate", "estimate", "--replicates", str(10**6)], "line"),
    ("validate-replicates-type", ["validate", "estimate", "--replicates", "abc"], "usage"),
    ("validate-seed-negative", ["validate", "estimate", "--seed", "-1"], "line"),
    # simulate
    ("simulate-missing", ["simulate", "missing.toml"], "line"),
    ("simulate-unknown-name", ["simulate", "atlantis"], "line"),
    ("simulate-empty", ["simulate", "empty.toml"], "line"),
    ("simulate-bad-toml", ["simulate", "bad.toml"], "line"),
    ("simulate-binary", ["simulate", "binary.toml"], "line"),
    ("simulate-folder", ["simulate", "folder"], "line"),
    ("simulate-strength-1e300", ["simulate", "huge.toml"], "line"),
    ("simulate-uncertain-1e30", ["simulate", "wide.toml"], "line"),
    ("simulate-runs-type", ["simulate", "scenario.toml", "--runs", "abc"], "usage"),
    ("simulate-runs-zero", ["simulate", "scenario.toml", "--runs", "0"], "line"),
    ("simulate-runs-negative", ["simulate", "scenario.toml", "--runs", "-1"], "line"),
    ("simulate-runs-huge", ["simulate", "scenario.toml", "--runs", BIG], "line"),
    ("simulate-runs-2-40", ["simulate", "scenario.toml", "--runs", HUGE], "line"),
    ("simulate-runs-trajectories", ["simulate", "scenario.toml", "--runs", str(10**8),
                                    "--out", "t.nc"], "line"),
    ("simulate-seed-negative", ["simulate", "scenario.toml", "--seed", "-1"], "line"),
    ("simulate-workers-zero", ["simulate", "scenario.toml", "--workers", "0",
                               "--executor", "processes"], "line"),
    ("simulate-workers-negative", ["simulate", "scenario.toml", "--workers", "-2",
                                   "--executor", "processes"], "line"),
    ("simulate-workers-serial", ["simulate", "scenario.toml", "--workers", "2"], "line"),
    ("simulate-scheduler-not-dask", ["simulate", "scenario.toml", "--scheduler", "tcp://x:1"],
     "line"),
    ("simulate-chunk-zero", ["simulate", "scenario.toml", "--chunk-size", "0"], "line"),
    ("simulate-method", ["simulate", "scenario.toml", "--method", "euler"], "line"),
    ("simulate-executor", ["simulate", "scenario.toml", "--executor", "mpi"], "line"),
    ("simulate-out-extension", ["simulate", "scenario.toml", "--out", "x.txt"], "line"),
    ("simulate-out-existing-file", ["simulate", "scenario.toml", "--out", "mine.csv"], "line"),
    ("simulate-out-folder", ["simulate", "scenario.toml", "--out", "dir.csv"], "line"),
    ("simulate-out-zarr-file", ["simulate", "scenario.toml", "--out", "file.zarr"], "line"),
    ("simulate-out-under-file", ["simulate", "scenario.toml", "--out", "afile/x.csv"], "line"),
    pytest.param("simulate-out-read-only", ["simulate", "scenario.toml", "--out", "ro/x.csv"],
                 "line", marks=READ_ONLY),
    ("simulate-checkpoint-file", ["simulate", "scenario.toml", "--checkpoint", "afile"],
     "line"),
    ("simulate-checkpoint-foreign", ["simulate", "scenario.toml", "--checkpoint", "folder"],
     "line"),
    # sensitivity
    ("sensitivity-not-power-of-2", ["sensitivity", "scenario.toml", "--samples", "3"], "line"),
    ("sensitivity-samples-one", ["sensitivity", "scenario.toml", "--samples", "1"], "line"),
    ("sensitivity-samples-huge", ["sensitivity", "scenario.toml", "--samples", HUGE], "line"),
    ("sensitivity-morris-huge", ["sensitivity", "scenario.toml", "--method", "morris",
                                 "--samples", BIG], "line"),
    ("sensitivity-samples-type", ["sensitivity", "scenario.toml", "--samples", "abc"],
     "usage"),
    ("sensitivity-seed-negative", ["sensitivity", "scenario.toml", "--seed", "-1"], "line"),
    ("sensitivity-method", ["sensitivity", "scenario.toml", "--method", "fast"], "line"),
    ("sensitivity-engine", ["sensitivity", "scenario.toml", "--engine", "euler"], "line"),
    ("sensitivity-no-inputs", ["sensitivity", "duel"], "line"),
    ("sensitivity-bad-toml", ["sensitivity", "bad.toml"], "line"),
    ("sensitivity-out-extension", ["sensitivity", "scenario.toml", "--out", "x.txt"], "line"),
    ("sensitivity-out-existing", ["sensitivity", "scenario.toml", "--out", "mine.csv"], "line"),
    ("sensitivity-out-folder", ["sensitivity", "scenario.toml", "--out", "dir.csv"], "line"),
    # scenario, hindcast
    ("scenario-unknown", ["scenario", "run", "atlantis"], "line"),
    ("scenario-missing", ["scenario", "run", "missing.toml"], "line"),
    ("scenario-empty", ["scenario", "run", "empty.toml"], "line"),
    ("scenario-bad-toml", ["scenario", "run", "bad.toml"], "line"),
    ("scenario-parameter-1e300", ["scenario", "run", "bakhmut-huge.toml"], "line"),
    ("scenario-runs-zero", ["scenario", "run", "baseline", "--runs", "0"], "line"),
    ("scenario-runs-huge", ["scenario", "run", "baseline", "--runs", BIG], "line"),
    ("scenario-runs-type", ["scenario", "run", "baseline", "--runs", "abc"], "usage"),
    ("scenario-seed-negative", ["scenario", "run", "baseline", "--seed", "-1"], "line"),
    ("scenario-law", ["scenario", "run", "baseline", "--law", "cube"], "line"),
    ("scenario-cutoff", ["scenario", "run", "baseline", "--cutoff", "2023-13-01"], "line"),
    ("scenario-out-file", ["scenario", "run", "baseline", "--out", "afile"], "line"),
    ("scenario-out-foreign-folder", ["scenario", "run", "baseline", "--out", "folder"], "line"),
    pytest.param("scenario-out-read-only", ["scenario", "run", "baseline", "--out", "ro/s"],
                 "line", marks=READ_ONLY),
    ("scenario-missing-argument", ["scenario", "run"], "usage"),
    ("hindcast-runs-one", ["hindcast", "--runs", "1"], "line"),
    ("hindcast-runs-huge", ["hindcast", "--runs", BIG], "line"),
    ("hindcast-seed-negative", ["hindcast", "--seed", "-1"], "line"),
    ("hindcast-cutoff", ["hindcast", "--cutoffs", "2023-13-01"], "line"),
    ("hindcast-no-cutoffs", ["hindcast", "--cutoffs", ","], "line"),
    ("hindcast-law", ["hindcast", "--law", "cube"], "line"),
    # battle folders
    ("battle-show-unknown", ["battle", "show", "atlantis"], "line"),
    ("battle-show-not-a-battle", ["battle", "show", "folder"], "line"),
    ("battle-new-existing-folder", ["battle", "new", "folder"], "line"),
    ("battle-new-existing-file", ["battle", "new", "afile"], "line"),
    ("battle-new-under-file", ["battle", "new", "afile/sub"], "line"),
    pytest.param("battle-new-read-only", ["battle", "new", "ro/b"], "line", marks=READ_ONLY),
    ("battle-new-missing-argument", ["battle", "new"], "usage"),
    # report (its output safety is being rebuilt elsewhere)
    pytest.param("report-unknown", ["report", "atlantis"], "line", marks=REPORT_XFAIL),
    pytest.param("report-out-cwd", ["report", "--out", "."], "line", marks=REPORT_XFAIL),
    pytest.param("report-seed-negative", ["report", "--seed", "-1"], "line", marks=REPORT_XFAIL),
    pytest.param("report-out-foreign-folder", ["report", "--out", "folder"], "line",
                 marks=REPORT_XFAIL),
    pytest.param("report-cache-is-a-file", ["report", "--out", "site/report"], "line",
                 marks=REPORT_XFAIL),
    pytest.param("report-classic-seed", ["report", "classic", "--seed", "-1"], "line",
                 marks=REPORT_XFAIL),
]  # fmt: skip


def _id(row: Any) -> str:
    values = row.values if hasattr(row, "values") else row
    return str(values[0])


@pytest.mark.parametrize(("name", "args", "kind"), ROWS, ids=[_id(r) for r in ROWS])
def test_bad_input_is_refused_before_any_work(
    work: Path, name: str, args: list[str], kind: str
) -> None:
    before = _snapshot(work)
    res = runner.invoke(app, args)
    text = res.stdout + res.stderr
    assert not isinstance(res.exception, ReachedWork), f"{name}: refused too late"
    assert "Traceback" not in text
    assert res.exit_code == 2, (name, res.exit_code, text, res.exception)
    assert _snapshot(work) == before, f"{name}: something was written"
    if kind == "line":
        lines = res.stderr.splitlines()
        assert len(lines) == 1, (name, res.stderr)
        assert lines[0].startswith("error: "), lines
        assert len(lines[0]) > len("error: "), lines
        assert res.stdout == "", (name, res.stdout)
    else:
        assert "Usage:" in res.stderr, (name, res.stderr)


def test_every_command_has_rows() -> None:
    """The table covers every command of the CLI."""
    import typer.main

    group = typer.main.get_command(app)
    commands = set(group.commands)  # type: ignore[attr-defined]
    covered = {(r.values if hasattr(r, "values") else r)[1][0] for r in ROWS}
    assert commands <= covered, sorted(commands - covered)
