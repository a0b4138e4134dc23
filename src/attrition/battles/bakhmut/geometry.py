"""Ring geometry of the Bakhmut model.

Fronts as distances from the Ukrainian rear, the city as a disc.

Territory is a ring geometry around the Ukrainian rear (Chasiv Yar, the next town west on the
heights): each front is the distance of the Russian line from that centre; a locality at distance
``D`` on a front's arm is Russian-held once the front's radius is below ``D``. The city is a disc
of 41.6 km² on the eastern axis; the city-control fraction is the share of that disc beyond the
eastern front (:func:`city_fraction`). :class:`Geography` is a value object built from a places
table by :func:`geography_from` (no file is read here; see :mod:`attrition.battles.bakhmut.record`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from attrition.battles.bakhmut.smooth import array_module
from attrition.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

CITY_AREA_KM2 = 41.6
"""Area of Bakhmut: the ISW figures (1.89 km² = 4.54 % of the city, 1 May 2023) imply it."""


CITY_PLACES: tuple[str, ...] = ("Bakhmut", "Zabakhmutka")
"""Gazetteer places that are parts of the city (on the eastern axis)."""


SOLEDAR_RADIUS_KM = 1.5
"""Built-up radius assumed for Soledar (the article gives none)."""


R_MIN, R_MAX = 0.5, 40.0


@dataclass(frozen=True)
class Geography:
    """Ring geometry derived from the gazetteer.

    Attributes:
        centre: the ring centre (place name).
        distance: km from the centre, by place (only places with coordinates).
        arm: the front a place lies on (``"N"`` or ``"S"`` by the side of the centre–city line;
            places of the city itself are on ``"E"``).
        city_distance: km from the centre to the city centre.
        city_radius: radius of the disc of the city's area.
        soledar_distance: km from the centre to Soledar.
        popasna_distance: km from the centre to Popasna (where the May 2022 advance began).
    """

    centre: str
    distance: dict[str, float]
    arm: dict[str, str]
    city_distance: float
    city_radius: float
    soledar_distance: float
    popasna_distance: float

    @property
    def r_in(self) -> float:
        """Radius of the city's western edge (city fully taken below it)."""
        return self.city_distance - self.city_radius

    @property
    def r_out(self) -> float:
        """Radius of the city's eastern edge (the city untouched above it)."""
        return self.city_distance + self.city_radius

    def city_fraction(self, radius: Any) -> Any:
        """Share of the city held by Russia with the eastern front at ``radius`` km
        (:func:`city_fraction`)."""
        return city_fraction(radius, self)

    def radius_for_fraction(self, fraction: float) -> float:
        """Eastern-front radius at which Russia holds ``fraction`` of the city
        (:func:`radius_for_fraction`)."""
        return radius_for_fraction(fraction, self)


def geography_from(places: pd.DataFrame, centre: str = "Chasiv Yar") -> Geography:
    rows: dict[str, tuple[float, float]] = {
        str(r["place"]): (float(r["lat"]), float(r["lon"])) for r in places.to_dict("records")
    }
    for need in (centre, "Bakhmut", "Soledar", "Popasna"):
        if need not in rows or not np.all(np.isfinite(rows[need])):
            raise UserError(
                f"gazetteer: place {need!r} has no coordinates; the Bakhmut model needs it"
            )
    lat0, lon0 = rows[centre]
    kx = 111.32 * np.cos(np.radians(lat0))
    ky = 110.57

    def xy(p: str) -> tuple[float, float]:
        lat, lon = rows[p]
        return (lon - lon0) * kx, (lat - lat0) * ky

    bx, by = xy("Bakhmut")
    norm = float(np.hypot(bx, by))
    ux, uy = bx / norm, by / norm
    dist: dict[str, float] = {}
    arm: dict[str, str] = {}
    city_r = float(np.sqrt(CITY_AREA_KM2 / np.pi))
    for p, (lat, lon) in rows.items():
        if not (np.isfinite(lat) and np.isfinite(lon)):
            continue
        x, y = xy(p)
        dist[p] = float(np.hypot(x, y))
        if p in CITY_PLACES:
            arm[p] = "E"
        else:
            arm[p] = "N" if (ux * y - uy * x) > 0 else "S"
    return Geography(
        centre=centre,
        distance=dist,
        arm=arm,
        city_distance=norm,
        city_radius=city_r,
        soledar_distance=dist["Soledar"],
        popasna_distance=dist["Popasna"],
    )


def _lens_area(big_r: Any, r: float, d: float) -> Any:
    """Area of the intersection of a circle of radius ``big_r`` (at the origin) with a circle of
    radius ``r`` at distance ``d`` (vectorised over ``big_r``)."""
    xp = array_module(big_r)
    rr = xp.maximum(big_r, 1e-9)
    a = xp.clip((d * d + rr * rr - r * r) / (2 * d * rr), -1.0, 1.0)
    b = xp.clip((d * d + r * r - rr * rr) / (2 * d * r), -1.0, 1.0)
    k = xp.clip((-d + rr + r) * (d + rr - r) * (d - rr + r) * (d + rr + r), 0.0, None)
    area = rr * rr * xp.arccos(a) + r * r * xp.arccos(b) - 0.5 * xp.sqrt(k)
    area = xp.where(rr >= d + r, np.pi * r * r, area)
    return xp.where(rr <= d - r, 0.0, area)


def city_fraction(radius: Any, geo: Geography) -> Any:
    """Share of the city (0..1) held by Russia when the eastern front is at ``radius`` km."""
    r = geo.city_radius
    return 1.0 - _lens_area(radius, r, geo.city_distance) / (np.pi * r * r)


def radius_for_fraction(fraction: float, geo: Geography) -> float:
    """Eastern-front radius at which Russia holds ``fraction`` of the city (inverse of
    :func:`city_fraction`)."""
    g = geo
    f = float(np.clip(fraction, 0.0, 1.0))
    grid = np.linspace(g.r_in, g.r_out, 4001)
    vals = city_fraction(grid, g)
    return float(np.interp(f, vals[::-1], grid[::-1]))
