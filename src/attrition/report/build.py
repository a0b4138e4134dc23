"""``build_report``: one battle's report, from its folder to ``index.html``.

It checks the battle and the output folder, takes the folder's lock, and builds in a private
folder that is installed only when everything is written (:mod:`attrition.report.stages`).
Battles with a battle model (:data:`MODEL_BATTLES`) get its sections
(:mod:`attrition.report.bakhmut`); every other battle folder gets the evidence, the map and the
fused estimate (:mod:`attrition.report.evidence`). The report writes ``index.html``
(self-contained), ``figures/`` (PNG and SVG of every chart), ``summary.json`` and
``claims_used.csv``. One run at a time writes a folder and its cache
(:class:`attrition.outputs.OutputLock`); a second one waits.
"""

from __future__ import annotations

from pathlib import Path

from attrition.report.stages import (
    CacheNotice,
    Progress,
    ReportResult,
    cache_folder,
    cache_notices,
    check_report_target,
    report_spec,
)

__all__ = ["MODEL_BATTLES", "ReportResult", "build_report", "cache_folder", "check_report_target"]

MODEL_BATTLES = ("bakhmut",)
"""Battles with a battle model (calibration, scenarios, hindcasts); the others get the evidence,
the map and the fused estimate."""


def build_report(
    out_dir: str | Path,
    *,
    battle: str = "bakhmut",
    seed: int = 0,
    quick: bool = False,
    progress: Progress | None = None,
    cache: bool = True,
    on_cached: CacheNotice | None = None,
) -> ReportResult:
    """Build the report for ``battle`` (a packaged name or a battle folder) into ``out_dir``
    (see the module docstring).

    The Bakhmut model's calibration, scenarios and hindcasts run in a worker process beside the
    evidence and estimate stages. With ``cache`` (default) every stage is cached by the hash of
    its inputs (see :mod:`attrition.report.cache`) under
    ``<out_dir's parent>/.attrition-cache/<name>``, and JAX keeps its compiled programs beside
    it in ``.attrition-cache/_jax`` (:func:`attrition._runtime.use_jax_cache`; XLA's C++ logs
    are silenced first, :func:`attrition._runtime.quiet_jax_logs`).

    ``progress`` is called with each stage's name as it starts; ``on_cached`` with a cache
    stage's name (``evidence``, ``model``, ...) and the seconds it took when computed, each
    time the cache serves it (a served stage may never be announced: the model stage is only
    waited for when it runs).
    """
    from attrition._runtime import quiet_jax_logs, use_jax_cache

    quiet_jax_logs()  # before anything below imports JAX
    from attrition.data.claims import check_battle_folder
    from attrition.outputs import OutputLock, build_folder
    from attrition.report.bakhmut import build_bakhmut_into
    from attrition.report.evidence import build_evidence_into

    check_battle_folder(battle)  # a complete battle folder or a packaged name; else one line
    spec = report_spec(battle)
    builder = build_bakhmut_into if spec.id in MODEL_BATTLES else build_evidence_into
    say = progress or (lambda _s: None)
    out = check_report_target(out_dir, seed)
    folder = cache_folder(out) if cache else None
    if folder is not None:
        use_jax_cache(folder.parent / "_jax")
    with OutputLock(out, on_wait=lambda: say(f"waiting: another run is writing {out}")):
        check_report_target(out, seed)
        with build_folder(out) as work, cache_notices(on_cached):
            summary, stages = builder(work, out, folder, battle, seed, quick, say)
    return ReportResult(out / "index.html", summary, stages)
