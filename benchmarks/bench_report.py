"""Benchmark of ``attrition report``: how long a newcomer waits at each step of the quickstart.

``--fresh-clone`` (the figures the README quotes) clones this repository's committed ``HEAD``
into a temporary folder (``--keep DIR``: into ``DIR``, kept afterwards) and times there, in
this order:

a. ``make install``: a new ``.venv``, every extra, packages from the machine's warm pip cache;
b. ``make report``: the full Bakhmut report, installation already done, empty stage cache;
c. ``make report`` again: inputs unchanged, every stage served from the stage cache;
d. ``.venv/bin/attrition report --quick --out quick-first/bakhmut``: a true first quick run
   (its own empty stage cache and JAX cache, an empty numba cache).

For each step it records the wall seconds, the CPU seconds of the child processes (user +
system, ``getrusage(RUSAGE_CHILDREN)`` deltas) and the 1-minute load average before, during
(sampled every 10 s) and after: the machine may be shared, and the load says how much.
It writes ``benchmarks/results/report.json`` (strict JSON, the raw data) and renders
``benchmarks/results/report.md`` from it.

Without ``--fresh-clone`` it times a full (or ``--quick``) run and a second run with this
interpreter's installation into a temporary folder, and writes
``benchmarks/results/report-installed.{json,md}`` instead (the README never quotes those).

``--render`` only renders ``report.md`` and the README's durations block (between
``<!-- durations:begin -->`` and ``<!-- durations:end -->``) from ``report.json``; with
``--check`` it fails on a difference instead of writing (``tests/docs/test_readme_durations.py``
checks the same).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
README = ROOT / "README.md"
README_BLOCK = "durations"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

from _common import machine  # noqa: E402

from attrition._io import atomic_write_text  # noqa: E402

#: Environment variables that would point a step at an existing compilation cache.
_CACHE_ENV = (
    "ATTRITION_JAX_CACHE",
    "JAX_COMPILATION_CACHE_DIR",
    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS",
    "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES",
    "NUMBA_CACHE_DIR",
    "VIRTUAL_ENV",
)

#: The README's row label of each fresh-clone step.
README_LABELS = {
    "install": "`make install` (first time)",
    "report": "`make report` (first time, after `make install`)",
    "report_again": "`make report` again, inputs unchanged ({how})",
    "quick": "`.venv/bin/attrition report --quick` (first time)",
}


def _load1() -> float:
    """The 1-minute load average (``nan`` where the OS has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan


class _LoadSampler:
    """Samples the 1-minute load average every ``every`` seconds in a thread."""

    def __init__(self, every: float = 10.0) -> None:
        self.every = every
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(_load1())

    def __enter__(self) -> _LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _cpu_children() -> float:
    """User + system CPU seconds of the waited-for child processes so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measure(
    key: str,
    cmd: list[str],
    cwd: Path,
    log: Path,
    env: Mapping[str, str] | None = None,
    shown: str | None = None,
) -> dict[str, Any]:
    """Run ``cmd`` in ``cwd`` (output to ``log``) and return its timing record.

    The record holds the wall and child-CPU seconds and the 1-minute load average before,
    during (mean of the samples) and after. A failing command raises ``SystemExit`` with the
    end of its log.
    """
    load_before = _load1()
    cpu0 = _cpu_children()
    t0 = time.perf_counter()
    with log.open("w", encoding="utf-8") as fh, _LoadSampler() as sampler:
        proc = subprocess.run(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    wall = time.perf_counter() - t0
    cpu = _cpu_children() - cpu0
    if proc.returncode:
        tail = "".join(log.read_text(encoding="utf-8", errors="replace").splitlines(True)[-40:])
        raise SystemExit(f"{' '.join(cmd)} failed (exit {proc.returncode}); end of {log}:\n{tail}")
    samples = sampler.samples or [load_before]
    record = {
        "key": key,
        "command": shown or " ".join(cmd),
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "load1_before": round(load_before, 2),
        "load1_mean": round(sum(samples) / len(samples), 2),
        "load1_after": round(_load1(), 2),
    }
    print(json.dumps(record), flush=True)
    return record


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without cache pointers (and without ``.venv/bin`` first on
    ``PATH``: ``make install`` must find the system ``python3``, as a newcomer's would)."""
    env = {k: v for k, v in os.environ.items() if k not in _CACHE_ENV}
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env.update(extra)
    return env


def _summary(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return data


def _machine_record() -> dict[str, Any]:
    text = machine()
    cpu = text.split(",", 1)[0]
    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_at_start": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else [],
    }


def fresh_clone(keep: Path | None) -> dict[str, Any]:
    """Time the four quickstart steps in a fresh clone (see the module docstring)."""
    start = _machine_record()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        repo = keep if keep is not None else Path(tmp) / "attrition"
        logs = Path(tmp) / "logs"
        logs.mkdir()
        subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
        ).stdout.strip()
        env = _clean_env()
        steps = [measure("install", ["make", "install"], repo, logs / "install.log", env)]
        steps.append(measure("report", ["make", "report"], repo, logs / "report.log", env))
        full = _summary(repo / "reports" / "bakhmut")
        steps.append(measure("report_again", ["make", "report"], repo, logs / "again.log", env))
        again = _summary(repo / "reports" / "bakhmut")
        quick_out = repo / "quick-first" / "bakhmut"
        numba = Path(tmp) / "numba-cache"  # the full run filled the clone's __pycache__
        quick_cmd = [".venv/bin/attrition", "report", "--quick", "--out", "quick-first/bakhmut"]
        steps.append(
            measure(
                "quick",
                [str(repo / quick_cmd[0]), *quick_cmd[1:]],
                repo,
                logs / "quick.log",
                _clean_env(NUMBA_CACHE_DIR=str(numba)),
                shown=" ".join(quick_cmd),
            )
        )
        quick = _summary(quick_out)
    return {
        "mode": "fresh-clone",
        "command": "python benchmarks/bench_report.py --fresh-clone",
        "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "commit": commit,
        "machine": start,
        "steps": steps,
        "stage_seconds": {"full": full["stage_seconds"], "quick": quick["stage_seconds"]},
        "second_run_stages": again["stages"],
    }


def installed(quick: bool) -> dict[str, Any]:
    """Time a first and a second run with this interpreter's installation."""
    start = _machine_record()
    flag = ["--quick"] if quick else []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        out = Path(tmp) / "reports" / "bakhmut"
        cmd = [str(Path(sys.executable).parent / "attrition"), "report", "--out", str(out), *flag]
        shown = " ".join(["attrition report --out <tmp>/reports/bakhmut", *flag])
        env = _clean_env()
        logs = Path(tmp)
        steps = [measure("first", cmd, ROOT, logs / "first.log", env, shown)]
        first = _summary(out)
        steps.append(measure("second", cmd, ROOT, logs / "second.log", env, shown))
        second = _summary(out)
    mode = "quick" if quick else "full"
    return {
        "mode": f"installed-{mode}",
        "command": "python benchmarks/bench_report.py" + (" --quick" if quick else ""),
        "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "commit": None,
        "machine": start,
        "steps": steps,
        "stage_seconds": {mode: first["stage_seconds"]},
        "second_run_stages": second["stages"],
    }


# ---------------------------------------------------------------------------------------------
# rendering (from the JSON only, so the committed files can be checked against it)


def about(seconds: float) -> str:
    """A duration rounded for a reader: ``3 s``, ``10 s`` (nearest 5 s under a minute), ``4
    min`` (nearest minute), ``1 h 5 min``."""
    if seconds < 9.5:
        return f"{max(1, round(seconds))} s"
    if seconds < 57.5:
        return f"{5 * round(seconds / 5)} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def _how_cached(stages: Mapping[str, str]) -> str:
    kinds = sorted(set(stages.values()))
    if kinds == ["cached"]:
        return "every stage cached"
    return ", ".join(f"{k}: {v}" for k, v in stages.items())


def _steps(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["key"]: s for s in data["steps"]}


_LABELS_MD = {
    "install": "a. `make install` (new venv, every extra, warm pip cache)",
    "report": "b. `make report` (full report, empty stage cache)",
    "report_again": "c. `make report` again, inputs unchanged ({how})",
    "quick": "d. `{command}` (empty stage, JAX and numba caches)",
    "first": "first run ({mode}, empty cache): `{command}`",
    "second": "second run, unchanged inputs ({how}): `{command}`",
}


def render_markdown(data: Mapping[str, Any]) -> str:
    """``benchmarks/results/report.md`` (or ``report-installed.md``) from its JSON."""
    m = data["machine"]
    steps = _steps(data)
    how = _how_cached(data["second_run_stages"])
    mode = data["mode"].removeprefix("installed-")
    rows = []
    for key, s in steps.items():
        label = _LABELS_MD[key].format(how=how, command=s["command"], mode=mode)
        target = "-"
        if key == "report" and "install" in steps:
            total = steps["install"]["wall_s"] + s["wall_s"]
            verdict = "met" if total < 300 else "missed"
            target = f"a + b < 300 s (issue 7): **{verdict}** ({total:.0f} s)"
        elif key in ("report_again", "second"):
            target = f"< 15 s: **{'met' if s['wall_s'] < 15 else 'missed'}**"
        rows.append(
            f"| {label} | {s['wall_s']:.1f} | {s['cpu_s']:.1f} | {s['load1_before']:.2f} / "
            f"{s['load1_mean']:.2f} / {s['load1_after']:.2f} | {target} |"
        )
    stage_runs = list(data["stage_seconds"])
    names: list[str] = []
    for run in stage_runs:
        names += [n for n in data["stage_seconds"][run] if n not in names]
    stage_rows = "\n".join(
        f"| {n} | "
        + " | ".join(
            f"{data['stage_seconds'][r][n]:.1f}" if n in data["stage_seconds"][r] else "-"
            for r in stage_runs
        )
        + " |"
        for n in names
    )
    title = "Report benchmark" if data["mode"] == "fresh-clone" else "Report benchmark, installed"
    commit = f"; commit {data['commit'][:10]}" if data.get("commit") else ""
    load = ", ".join(f"{x:.2f}" for x in m["load_at_start"])
    where = (
        "in a fresh clone, in this order" if data["mode"] == "fresh-clone" else "in a temp folder"
    )
    return f"""# {title}

Machine: {m["cpu"]}, {m["logical_cpus"]} logical CPUs, {m["system"]}, Python {m["python"]};
load average at start {load}.
Date: {data["date"]}; one run of each step, {where} (`{data["command"]}`{commit}).

Wall and CPU seconds of each step (CPU: user + system time of its child processes; above the
wall time when both cores work). Load: the 1-minute load average before / mean during /
after the step (2 = both cores busy; other jobs shared the machine).

| step | wall s | CPU s | load | target |
|---|---:|---:|---|---|
{chr(10).join(rows)}

Stage times (seconds, from `summary.json`). The model stage (fused estimate, calibration,
scenarios) runs in a worker process beside the evidence, validation and claim-streams stages
(their own durations); "model" counts from the start of the run until its result was
collected, and "hindcast" from the end of the streams stage to the end of the hindcasts, whose
fog-of-war fits are shared between the two processes.

| stage | {" | ".join(stage_runs)} |
|---|{"---:|" * len(stage_runs)}
{stage_rows}
"""


def render_readme_block(data: Mapping[str, Any]) -> str:
    """The README's durations table and the sentence under it, from ``report.json``."""
    if data.get("mode") != "fresh-clone":
        raise ValueError(
            "benchmarks/results/report.json: the README quotes fresh-clone figures only; "
            "run `python benchmarks/bench_report.py --fresh-clone`"
        )
    steps = _steps(data)
    how = _how_cached(data["second_run_stages"])
    rows = [
        f"| {README_LABELS[k].format(how=how)} | {about(steps[k]['wall_s'])} | "
        f"{about(steps[k]['cpu_s'])} |"
        for k in ("install", "report", "report_again", "quick")
    ]
    m = data["machine"]
    loads = [s[f"load1_{w}"] for s in data["steps"] for w in ("before", "mean", "after")]
    date = data["date"].split()[0]
    sentence = (
        f"Measured on {date} by `python benchmarks/bench_report.py --fresh-clone` (one run of "
        "each step, in this order, in a fresh clone; packages from a warm pip cache) on "
        f"{m['logical_cpus']} cores ({m['cpu']}) shared with other jobs: the 1-minute load "
        f"average was {min(loads):.1f} to {max(loads):.1f} (2 = both cores busy), so an idle "
        "machine is faster. CPU time is the processor time the step's processes used, "
        "which other jobs change less. Details and stage times: "
        "`benchmarks/results/report.md`."  # not a link: the docs site's home is the README
    )
    wrapped = textwrap.fill(sentence, width=96, break_long_words=False, break_on_hyphens=False)
    return f"""| step | wall time, about | CPU time |
|---|---|---|
{chr(10).join(rows)}

{wrapped}
"""


def readme_text(data: Mapping[str, Any], readme: str) -> str:
    """``readme`` with its durations block rendered from ``data``."""
    sys.path.insert(0, str(ROOT / "tools" / "docs_figures"))
    from figlib import replace_blocks

    return str(replace_blocks(readme, {README_BLOCK: render_readme_block(data)}, "README.md"))


def render_files(check: bool = False) -> int:
    """Render ``benchmarks/results/report.md`` and the README's durations block from
    ``benchmarks/results/report.json``; with ``check``, only report which differ (exit 1)."""
    data = json.loads((RESULTS / "report.json").read_text(encoding="utf-8"))
    targets = {RESULTS / "report.md": render_markdown(data)}
    targets[README] = readme_text(data, README.read_text(encoding="utf-8"))
    stale = [p for p, text in targets.items() if not p.exists() or p.read_text("utf-8") != text]
    for path in stale:
        rel = path.relative_to(ROOT)
        if check:
            print(f"{rel} differs from benchmarks/results/report.json; run "
                  "`python benchmarks/bench_report.py --render`", file=sys.stderr)  # fmt: skip
        else:
            atomic_write_text(path, targets[path])
            print(f"rewrote {rel}")
    return 1 if check and stale else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="without --fresh-clone: --quick runs")
    ap.add_argument("--fresh-clone", action="store_true", help="time the quickstart's 4 steps")
    ap.add_argument("--keep", type=Path, help="with --fresh-clone: clone into DIR and keep it")
    ap.add_argument(
        "--render", action="store_true", help="only render report.md and README's block from JSON"
    )
    ap.add_argument("--check", action="store_true", help="with --render: fail on a difference")
    args = ap.parse_args()
    if args.render:
        return render_files(check=args.check)
    if args.keep is not None:
        if not args.fresh_clone:
            ap.error("--keep needs --fresh-clone")
        if args.keep.exists() and (not args.keep.is_dir() or any(args.keep.iterdir())):
            ap.error(f"--keep {args.keep}: exists and is not an empty folder; choose a new one")
        args.keep = args.keep.resolve()
    if args.fresh_clone:
        data = fresh_clone(args.keep)
        stem = "report"
    else:
        data = installed(args.quick)
        stem = "report-installed"
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    atomic_write_text(RESULTS / f"{stem}.json", text)
    md = render_markdown(data)
    atomic_write_text(RESULTS / f"{stem}.md", md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
