"""Coordinate reference systems of OGC API – Features Part 2 (CRS by reference).

Storage is EPSG:25832. Output and ``bbox``/``filter`` input follow the axis order the CRS defines, as
Part 2 asks: CRS84 is longitude/latitude, EPSG:4326 latitude/longitude, EPSG:31468 northing/easting
(Gauß-Krüger: "X" points north), EPSG:25832 and EPSG:3857 easting/northing. PostGIS stores x/y as
easting/northing (longitude/latitude), so swapped CRSs are flipped with ``ST_FlipCoordinates``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from flaechenpool.errors import InputError
from flaechenpool.spatial import STORAGE_SRID, BBox

OGC_EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int
    swap: bool           # first axis is latitude/northing
    decimals: int        # coordinate digits in GeoJSON (≈ 1 cm)
    title: str

    @property
    def geographic(self) -> bool:
        return self.srid == 4326

    @property
    def header(self) -> str:
        """Value of a ``Content-Crs`` header."""
        return f"<{self.uri}>"

    def output_sql(self, column: str = "t.geom") -> str:
        """SQL of the stored geometry in this CRS and axis order."""
        if self.srid == STORAGE_SRID:
            return column
        expr = f"ST_Transform({column}, {self.srid})"
        return f"ST_FlipCoordinates({expr})" if self.swap else expr

    def input_sql(self, geometry: str) -> str:
        """SQL turning a geometry given in this CRS (SRID not yet set) into the storage CRS."""
        expr = f"ST_SetSRID({geometry}, {self.srid})"
        if self.swap:
            expr = f"ST_FlipCoordinates({expr})"
        return expr if self.srid == STORAGE_SRID else f"ST_Transform({expr}, {STORAGE_SRID})"


CRS84 = Crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, False, 7, "WGS 84 (Länge/Breite)")
EPSG_4326 = Crs(OGC_EPSG + "4326", 4326, True, 7, "WGS 84 (Breite/Länge)")
EPSG_25832 = Crs(OGC_EPSG + "25832", 25832, False, 2, "ETRS89 / UTM Zone 32N")
EPSG_3857 = Crs(OGC_EPSG + "3857", 3857, False, 2, "WGS 84 / Pseudo-Mercator")
EPSG_31468 = Crs(OGC_EPSG + "31468", 31468, True, 2, "DHDN / 3-Grad-Gauß-Krüger Zone 4")
SUPPORTED: tuple[Crs, ...] = (CRS84, EPSG_4326, EPSG_25832, EPSG_3857, EPSG_31468)
STORAGE = EPSG_25832
_BY_SRID = {c.srid: c for c in SUPPORTED if c is not CRS84}

_EPSG_FORMS = re.compile(
    r"^(?:https?://www\.opengis\.net/def/crs/EPSG/0/|urn:ogc:def:crs:EPSG:[0-9.]*:|EPSG:{1,2})(\d{4,6})$", re.I)
_CRS84_FORMS = re.compile(
    r"^(?:https?://www\.opengis\.net/def/crs/OGC/(?:1\.3|0)/CRS84|urn:ogc:def:crs:OGC:(?:1\.3)?:CRS84|(?:OGC:)?CRS84)$",
    re.I)


def parse_crs(value: str | None, *, name: str = "crs", default: Crs = CRS84) -> Crs:
    """A supported CRS from a URI, URN, ``EPSG:n``, ``[EPSG:n]`` (safe CURIE) or ``<uri>`` (Content-Crs)."""
    if value is None or not value.strip():
        return default
    text = value.strip()
    if text[:1] in "<[" and text[-1:] in ">]":
        text = text[1:-1].strip()
    if _CRS84_FORMS.match(text):
        return CRS84
    match = _EPSG_FORMS.match(text)
    crs = _BY_SRID.get(int(match.group(1))) if match else None
    if crs is None:
        offered = ", ".join(c.uri for c in SUPPORTED)
        raise InputError(f"{name}: {value!r} is not offered; use one of {offered}")
    return crs


def parse_bbox(value: str | None, crs: Crs) -> BBox | None:
    """``bbox`` (4 or 6 numbers) in ``crs`` axis order → a box in PostGIS x/y order of ``crs.srid``."""
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",")]
    if len(parts) == 6:
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4:
        raise InputError("bbox: expected four (or six) comma-separated numbers")
    try:
        a, b, c, d = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"bbox: {value!r} holds something that is not a number") from None
    if not all(math.isfinite(v) for v in (a, b, c, d)):
        raise InputError("bbox: coordinates must be finite numbers")
    minx, miny, maxx, maxy = (b, a, d, c) if crs.swap else (a, b, c, d)
    if crs.geographic:
        if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
            raise InputError(f"bbox: {value!r} lies outside the longitude/latitude range of {crs.uri}")
        if minx > maxx:
            raise InputError("bbox: boxes crossing the antimeridian are not supported")
    if minx > maxx or miny > maxy:
        raise InputError(f"bbox: a lower corner is greater than the upper corner in {value!r}")
    return BBox(minx, miny, maxx, maxy, crs.srid)
