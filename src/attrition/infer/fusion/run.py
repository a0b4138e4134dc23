"""One call for the estimate the CLI and the report show: the fit, and what the streams change.

:func:`fuse_claims` fits :class:`FogOfWar` on a battle's claims; with external streams it also
fits the same claims without them, so the result says what the streams change
(:attr:`FusedEstimate.streams_effect`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from attrition.infer.fusion.estimator import FogOfWar
from attrition.infer.fusion.summary import quantiles, round_q

if TYPE_CHECKING:
    import pandas as pd

    from attrition.infer.fusion.joint import JointFog

__all__ = ["FUSION_MODELS", "FusedEstimate", "fuse_claims", "streams_effect"]

FUSION_MODELS: tuple[str, ...] = ("joint", "independent")
"""The fusion models :func:`fuse_claims` fits: ``joint`` (default) and ``independent``."""


def streams_effect(with_streams: FogOfWar, without_streams: FogOfWar) -> dict[str, Any]:
    """Casualties per side (and component) without and with the streams, from two fitted
    estimators: ``{side: {"without": {median, q05, q95}, "with": {...}}}`` (4 significant
    figures, as in :meth:`FogOfWar.summary`). Sides estimated in only one fit are left out."""
    out: dict[str, Any] = {}
    for side, draws in with_streams.draws_.items():
        if side in without_streams.draws_:
            out[side] = {
                "without": round_q(quantiles(without_streams.draws_[side]["casualties"]), 4),
                "with": round_q(quantiles(draws["casualties"]), 4),
            }
    return out


@dataclass(frozen=True)
class FusedEstimate:
    """The result of :func:`fuse_claims`.

    ``fog``: the fit as asked (with the streams, when any). ``without_streams``: the same fit on
    the claims alone when streams were given, else ``None``.
    """

    fog: FogOfWar | JointFog
    without_streams: FogOfWar | None = None

    @property
    def streams_effect(self) -> dict[str, Any] | None:
        """What the streams change (:func:`streams_effect`), or ``None`` without streams."""
        if self.without_streams is None or not isinstance(self.fog, FogOfWar):
            return None
        return streams_effect(self.fog, self.without_streams)

    def summary(self) -> dict[str, Any]:
        """:meth:`FogOfWar.summary` of :attr:`fog`, with ``streams_effect`` when streams were
        given (the JSON object of ``attrition estimate --json``)."""
        out = self.fog.summary()
        effect = self.streams_effect
        if effect is not None:
            out["streams_effect"] = effect
        return out

    def streams_effect_frame(self) -> pd.DataFrame:
        """:attr:`streams_effect` as a table: one row per side, columns ``side``,
        ``without_median``, ``without_q05``, ``without_q95``, ``with_median``, ``with_q05``,
        ``with_q95`` (empty without streams)."""
        import pandas as pd

        cols = ["side"] + [
            f"{w}_{k}" for w in ("without", "with") for k in ("median", "q05", "q95")
        ]
        rows = [
            {"side": side, **{f"{w}_{k}": v[w][k] for w in ("without", "with") for k in v[w]}}
            for side, v in (self.streams_effect or {}).items()
        ]
        return pd.DataFrame(rows, columns=cols)


def fuse_claims(
    claims: pd.DataFrame,
    phases: pd.DataFrame | None = None,
    *,
    streams: Sequence[str] = (),
    compare_streams: bool = True,
    model: str = "joint",
    read_streams: bool = True,
    **options: Any,
) -> FusedEstimate:
    """Fit the fusion ``model`` (``options`` are its hyperparameters: ``window``, ``cutoff``,
    ``draws``, ``chains``, ``seed``, ``battle``, ...).

    ``model="joint"`` (default): :class:`~attrition.infer.fusion.joint.JointFog`; ``streams``
    empty reads every stream the battle's ``battle.toml`` gives a role (with a ``cutoff``,
    those known by then), else only the streams named (each must have a role);
    ``read_streams=False`` reads none (the claims alone, for comparison).
    ``model="independent"``: :class:`FogOfWar` with ``streams``; when streams are given and
    ``compare_streams``, the same claims are also fitted without them.

    Every check of the fit (the memory limit among them) runs before the first sample is
    drawn; errors are :class:`~attrition.errors.UserError`.

    Usage::

        est = fuse_claims(load_claims("bakhmut"), load_phases("bakhmut"))
        est.summary()["sides"]["RU"]["killed"]  # {"median": ..., "q05": ..., "q95": ...}
    """
    from attrition.errors import unknown_name

    if model not in FUSION_MODELS:
        raise unknown_name("fusion model", model, FUSION_MODELS, "--model")
    if model == "joint":
        from attrition.infer.fusion.joint import JointFog

        names = (tuple(streams) or None) if read_streams else ()
        joint = JointFog(streams=names, **options).fit(claims, phases)
        return FusedEstimate(fog=joint)
    fog = FogOfWar(streams=tuple(streams), **options).fit(claims, phases)
    base = None
    if streams and compare_streams:
        base = FogOfWar(**options).fit(claims, phases)
    return FusedEstimate(fog=fog, without_streams=base)
