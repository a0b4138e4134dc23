"""Regenerate the seeded regression baselines in tests/baselines/*.json and print what changed.

Run it ONLY when a numerical change is intended (a new sampler setting, a fixed bug, a
different algorithm, a new library version whose numbers you have checked), never to make a
failing test pass without understanding why it failed. Every baseline comes from the registry
in tests/baselines/producers.py, the same ``make``/``summarise`` functions the tests call, so
the stored numbers are what the tests would compute. After running it, flag the change in
CHANGELOG.md (which baselines moved, by how much, and why) and commit the JSON files with the
change that caused them.

Usage::

    .venv/bin/python tools/update_baselines.py               # every baseline (a few minutes)
    .venv/bin/python tools/update_baselines.py --only fusion/toy_fit --only simulate
    .venv/bin/python tools/update_baselines.py --check       # compare only, write nothing
    .venv/bin/python tools/update_baselines.py --list

``--only`` takes an area (file name) or ``area/name``. Exit status: 0 when nothing differed
beyond tolerance (or the files were written), 1 with ``--check`` when something differed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root: tests.baselines

from tests.baselines.producers import (
    REGISTRY,
    Baseline,
    differences,
    path_of,
    stored,
)

ROOT = Path(__file__).resolve().parents[1]
ABOUT = (
    "Seeded regression baselines, written by tools/update_baselines.py from the producers in "
    "tests/baselines/producers.py. Do not edit by hand; regenerate only for an intended "
    "numerical change and note it in CHANGELOG.md."
)


def selected(only: list[str]) -> list[Baseline]:
    """The baselines named by ``--only`` (all when empty); unknown names exit with status 2."""
    if not only:
        return list(REGISTRY.values())
    out: list[Baseline] = []
    for sel in only:
        hits = [b for b in REGISTRY.values() if sel in (b.area, b.key)]
        if not hits:
            valid = sorted({b.area for b in REGISTRY.values()} | set(REGISTRY))
            print(f"--only {sel}: unknown baseline; valid: {', '.join(valid)}", file=sys.stderr)
            raise SystemExit(2)
        out += [b for b in hits if b not in out]
    return out


def write_area(area: str, entries: dict[str, dict[str, object]]) -> Path:
    """Write one area's file (entries sorted by name, values by key)."""
    path = path_of(area)
    doc = {"about": ABOUT, "baselines": dict(sorted(entries.items()))}
    path.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Compute the selected baselines, print the differences, and write them unless --check."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", default=[], help="area or area/name (repeatable)")
    ap.add_argument("--check", action="store_true", help="compare only; write nothing")
    ap.add_argument("--list", action="store_true", help="list the baselines and exit")
    args = ap.parse_args(argv)
    if args.list:
        for b in REGISTRY.values():
            print(f"{b.key}: {b.tolerance}")
        return 0
    todo = selected(args.only)
    changed = False
    by_area: dict[str, dict[str, dict[str, object]]] = {}
    for b in todo:
        t0 = time.perf_counter()
        got = b.produce()
        old = stored(b.area).get(b.name)
        diff = differences(b, got, None if old is None else old["values"])
        exact = old is not None and old["values"] == got
        if not diff and not exact and old is not None:
            status = "within tolerance (bits differ; stored values kept)"
            got = dict(old["values"])
        elif diff:
            status = "CHANGED"
            changed = True
        else:
            status = "unchanged"
        print(f"{b.key}: {status} ({time.perf_counter() - t0:.1f} s)")
        for line in diff:
            print(f"  {line}")
        entry = {"tolerance": b.tolerance, "values": dict(sorted(got.items()))}
        by_area.setdefault(b.area, {})[b.name] = entry
    if args.check:
        return 1 if changed else 0
    for area, entries in by_area.items():
        registered = {b.name for b in REGISTRY.values() if b.area == area}
        old_entries = stored(area)
        for name in sorted(set(old_entries) - registered):
            print(f"{area}/{name}: removed (no longer in the registry)")
        merged = {k: v for k, v in old_entries.items() if k in registered} | entries
        print(f"wrote {write_area(area, merged).relative_to(ROOT)}")
    if changed:
        print("Baselines changed: say which, by how much and why in CHANGELOG.md.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
