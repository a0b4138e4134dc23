"""Fitting and estimation: classic fitters, the fog-of-war estimate, calibration."""

from attrition.infer.fusion import FogOfWar

__all__ = ["FogOfWar"]
