"""Reproducible, plausible parcel and building shapes for the illustrative demo data.

A land-use polygon is cut into lots along its own orientation (the long side of its minimum rotated
rectangle): rows of lots back to back, separated by streets, clipped to the polygon. Buildings are
placed on most lots, set back from the street. Everything here is invented and only looks plausible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class LotPattern:
    """Lot width and depth ranges (m), street width (m), smallest lot kept (m²)."""

    width: tuple[float, float]
    depth: tuple[float, float]
    street: float
    min_area: float
    built_share: float          # probability that a lot carries a building
    footprint: tuple[float, float]  # building size as share of lot width/depth


RESIDENTIAL = LotPattern((16, 26), (28, 40), 9, 180, 0.9, (0.55, 0.35))
COMMERCIAL = LotPattern((45, 75), (55, 90), 14, 800, 0.72, (0.6, 0.5))


@dataclass
class Lot:
    geom: Polygon
    building: Polygon | None


def _orientation(poly: BaseGeometry) -> float:
    """Angle (degrees) of the long side of the minimum rotated rectangle."""
    rect = shapely.minimum_rotated_rectangle(poly)
    coords = list(rect.exterior.coords)
    edges = [(coords[i], coords[i + 1]) for i in range(2)]
    (x0, y0), (x1, y1) = max(edges, key=lambda e: math.dist(*e))
    return math.degrees(math.atan2(y1 - y0, x1 - x0))


def _largest_part(geom: BaseGeometry) -> Polygon | None:
    if geom.is_empty:
        return None
    if isinstance(geom, Polygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    return max(parts, key=lambda g: g.area) if parts else None


def subdivide(poly: Polygon | MultiPolygon, pattern: LotPattern, rng: np.random.Generator) -> list[Lot]:
    """Cut ``poly`` (metres, EPSG:25832) into lots with optional buildings."""
    angle = _orientation(poly)
    origin = poly.centroid
    flat = affinity.rotate(poly, -angle, origin=origin)
    minx, miny, maxx, maxy = flat.bounds
    width = rng.uniform(*pattern.width)
    depth = rng.uniform(*pattern.depth)
    block = 2 * depth + pattern.street
    cells: list[Polygon] = []
    y = miny
    while y < maxy:
        for row in range(2):
            y0 = y + row * depth
            xs = np.arange(minx, maxx, width)
            cells.extend(box(x, y0, x + width, y0 + depth) for x in xs)
        y += block
    if not cells:
        return []
    pieces = shapely.intersection(np.array(cells, dtype=object), flat)
    lots: list[Lot] = []
    for cell, piece in zip(cells, pieces, strict=True):
        part = _largest_part(piece)
        if part is None or part.area < pattern.min_area:
            continue
        building = None
        if rng.random() < pattern.built_share:
            building = _building(cell, part, pattern, rng)
        lots.append(
            Lot(
                geom=affinity.rotate(part, angle, origin=origin),
                building=affinity.rotate(building, angle, origin=origin) if building is not None else None,
            )
        )
    return lots


def _building(cell: Polygon, lot: Polygon, pattern: LotPattern, rng: np.random.Generator) -> Polygon | None:
    """A rectangular footprint near the street side of the cell, inside the lot with a 2 m distance."""
    minx, miny, maxx, maxy = cell.bounds
    w = (maxx - minx) * pattern.footprint[0] * rng.uniform(0.8, 1.1)
    d = (maxy - miny) * pattern.footprint[1] * rng.uniform(0.8, 1.2)
    cx = (minx + maxx) / 2
    cy = miny + 4 + d / 2
    footprint = box(cx - w / 2, cy - d / 2, cx + w / 2, cy + d / 2).intersection(lot.buffer(-2))
    part = _largest_part(footprint)
    return part if part is not None and part.area >= 40 else None


def block_grid(center: tuple[float, float], size: tuple[float, float], lot: tuple[float, float],
               street: float) -> list[Polygon]:
    """Axis-parallel lots in a rectangle around ``center``: for towns without land-use data."""
    cx, cy = center
    w, h = size
    lots = []
    for y in np.arange(cy - h / 2, cy + h / 2, 2 * lot[1] + street):
        for row in range(2):
            for x in np.arange(cx - w / 2, cx + w / 2, lot[0]):
                lots.append(box(x, y + row * lot[1], x + lot[0], y + (row + 1) * lot[1]))
    return lots
