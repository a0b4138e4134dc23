"""Regenerate the figures of the docs (``make docs-figures``).

    python tools/docs_figures/run.py [--only DOC ...] [--check | --render] [--quick]

DOC is ``bakhmut_model`` (docs/bakhmut-model.md), ``fog_of_war`` (docs/fog-of-war.md),
``fog_regimes`` (docs/fog-regimes.md: the joint fusion's coverage per regime; before
``fog_of_war``, which shows its table), ``bias_priors`` (docs/bias-priors.md) or ``simulation``
(docs/simulation.md); default all five.
For each doc the generator computes the figures (seeds and settings are stated in the doc beside
them), writes the sidecar ``docs/figures/<doc>.json`` and rewrites the doc's generated blocks
from it. ``--check`` recomputes nothing: it renders each doc from its committed sidecar and
exits 1 (with a diff)
where the doc differs. ``--render`` rewrites the docs from their committed sidecars without
recomputing (after editing a template in a generator). ``--quick`` uses reduced settings to
try the machinery out; the sidecar and the doc then say so, and such figures must not be
committed.

The README quotes no computed figure (only commands, data facts such as "days 1–32" and a
screenshot), so it has no generator.

Full run on the 2-core development machine: simulation ~10 s, bias priors ~2–8 min, fog regimes
~15 min idle (200 small joint fits), fog of war ~10–15 min (the former model's validation study
is most of it; ~9 min at load 10–16 with ``FOG_OF_WAR_REUSE=validation,independent``), Bakhmut
model over an hour (3 laws x 3 calibrations, then the hindcasts; ``BAKHMUT_MODEL_REUSE=PART,...``
copies the named parts from the committed sidecar, e.g. every part but ``hindcast``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import figlib as F  # noqa: E402

DOCS: tuple[str, ...] = ("simulation", "bias_priors", "fog_regimes", "fog_of_war", "bakhmut_model")
"""Generator modules in this folder, cheapest first."""


def generator(name: str) -> ModuleType:
    """The generator module of a doc."""
    return importlib.import_module(name)


def check(mod: ModuleType) -> str:
    """The diff between a doc and its rendering from the committed sidecar ('' if equal)."""
    text = mod.DOC.read_text(encoding="utf-8")
    new = mod.render(text, F.read_sidecar(mod.SIDECAR))
    return "" if new == text else F.diff(text, new, str(mod.DOC.relative_to(F.ROOT)))


def stale_inputs(mod: ModuleType) -> list[str]:
    """Input files whose SHA-256 differs from the one recorded in the sidecar."""
    recorded = F.read_sidecar(mod.SIDECAR)["inputs"]
    return [
        p
        for p, digest in recorded.items()
        if not (F.ROOT / p).is_file() or F.sha256_of(F.ROOT / p) != digest
    ]


def regenerate(mod: ModuleType, quick: bool, recompute: bool = True) -> None:
    """Recompute a doc's figures (unless ``recompute`` is false), write its sidecar and
    rewrite its blocks from the sidecar."""
    from attrition._io import atomic_write_text

    if recompute:
        atomic_write_text(mod.SIDECAR, F.dumps(mod.compute(quick=quick)))
    text = mod.DOC.read_text(encoding="utf-8")
    atomic_write_text(mod.DOC, mod.render(text, F.read_sidecar(mod.SIDECAR)))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", action="append", choices=DOCS, help="one doc (repeatable)")
    ap.add_argument("--check", action="store_true", help="render from the sidecars, compare")
    ap.add_argument("--render", action="store_true", help="rewrite the docs from the sidecars")
    ap.add_argument("--quick", action="store_true", help="reduced settings (do not commit)")
    args = ap.parse_args(argv)
    names = [d for d in DOCS if d in args.only] if args.only else list(DOCS)
    status = 0
    for name in names:
        mod = generator(name)
        if args.check:
            d = check(mod)
            print(f"{mod.DOC.relative_to(F.ROOT)}: {'differs from its sidecar' if d else 'ok'}")
            for p in stale_inputs(mod):  # a note, not a failure: the regeneration test decides
                print(f"  note: {p} changed since the sidecar was written; regenerate")
            if d:
                print(d)
                status = 1
            continue
        t0 = time.perf_counter()
        regenerate(mod, args.quick, recompute=not args.render)
        print(
            f"wrote {mod.SIDECAR.relative_to(F.ROOT)} and {mod.DOC.relative_to(F.ROOT)} "
            f"({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
