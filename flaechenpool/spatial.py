"""Coordinate reference systems and spatial filter input shared by the API, the CLI and services.

Storage is EPSG:25832. Filters arrive in any CRS PostGIS knows; they are transformed to the storage
CRS (the column is never transformed). A bbox is densified before transforming, so its edges stay
edges of the area meant and not chords of it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import shape

from flaechenpool.errors import InputError

STORAGE_SRID = 25832
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_URI = re.compile(r"^(?:https?://www\.opengis\.net/def/crs/EPSG/0/|urn:ogc:def:crs:EPSG::|EPSG:)(\d{4,6})$",
                  re.IGNORECASE)
_CRS84 = re.compile(r"^(?:https?://www\.opengis\.net/def/crs/OGC/1\.3/CRS84|urn:ogc:def:crs:OGC:1\.3:CRS84|CRS84"
                    r"|OGC:CRS84)$", re.IGNORECASE)
MAX_GEOMETRY_VERTICES = 100_000
CRS_HINT = "the Content-Crs header or the crs parameter"      # where a written geometry's CRS goes


def parse_crs(value: str | None, *, default: int = 4326, name: str = "crs") -> int:
    """EPSG code of ``EPSG:n``, ``urn:ogc:def:crs:EPSG::n``, the OGC URI, a bare number or CRS84.

    CRS84 and EPSG:4326 both mean longitude/latitude here (GeoJSON order; PostGIS' axis order).
    """
    if value is None or not value.strip():
        return default
    text = value.strip().strip("<>")
    if _CRS84.match(text):
        return 4326
    if text.isascii() and text.isdigit():
        return int(text)
    match = _URI.match(text)
    if not match:
        raise InputError(f"{name}: unknown coordinate reference system {value!r}; use e.g. EPSG:25832 or {CRS84}")
    return int(match.group(1))


@dataclass(frozen=True)
class BBox:
    """A bounding box in ``srid`` (x/y order of that CRS as PostGIS uses it)."""

    minx: float
    miny: float
    maxx: float
    maxy: float
    srid: int

    def approx_area_m2(self) -> float:
        """The box's area in square metres, roughly (degrees scaled at the box's middle latitude; other
        CRSs taken as metres — EPSG:3857 overstates it about 2.5 times in Thuringia)."""
        width, height = self.maxx - self.minx, self.maxy - self.miny
        if self.srid != 4326:
            return width * height
        middle = math.radians((self.miny + self.maxy) / 2)
        return width * 111_320.0 * math.cos(middle) * height * 110_574.0

    def sql(self, prefix: str = "bbox") -> tuple[str, dict[str, Any]]:
        """SQL for the box in EPSG:25832 (densified before transforming) and its bound parameters."""
        p = {f"{prefix}_minx": self.minx, f"{prefix}_miny": self.miny, f"{prefix}_maxx": self.maxx,
             f"{prefix}_maxy": self.maxy, f"{prefix}_srid": self.srid}
        envelope = (f"ST_MakeEnvelope(:{prefix}_minx, :{prefix}_miny, :{prefix}_maxx, :{prefix}_maxy, "
                    f":{prefix}_srid)")
        if self.srid == STORAGE_SRID:
            return envelope, p
        # about 64 segments per side whatever the unit
        p[f"{prefix}_seg"] = max(self.maxx - self.minx, self.maxy - self.miny) / 64 or 1
        return f"ST_Transform(ST_Segmentize({envelope}, :{prefix}_seg), {STORAGE_SRID})", p


def parse_bbox(value: str | None, crs: str | None = None, *, name: str = "bbox") -> BBox | None:
    """``minx,miny,maxx,maxy`` (four numbers) in ``crs`` (default CRS84)."""
    if value is None or not value.strip():
        return None
    parts = value.split(",")
    if len(parts) == 6:  # 3D bbox: drop the heights
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4:
        raise InputError(f"{name}: expected four comma-separated numbers minx,miny,maxx,maxy")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"{name}: {value!r} holds something that is not a number") from None
    if not all(map(_finite, (minx, miny, maxx, maxy))):
        raise InputError(f"{name}: coordinates must be finite numbers")
    if minx > maxx or miny > maxy:
        raise InputError(f"{name}: minimum greater than maximum in {value!r}")
    srid = parse_crs(crs, name=f"{name}-crs")
    if srid == 4326 and not _lonlat(minx, miny, maxx, maxy):
        raise InputError(f"{name}: {value!r} is outside longitude/latitude range; give {name}-crs for projected values")
    return BBox(minx, miny, maxx, maxy, srid)


def _lonlat(minx: float, miny: float, maxx: float, maxy: float) -> bool:
    """Whether a box lies within longitude/latitude bounds (projected metres sent as CRS84 do not)."""
    return -180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90


def _finite(v: float) -> bool:
    return v == v and v not in (float("inf"), float("-inf"))


def parse_geometry(value: str | dict[str, Any], *, name: str = "geometry", areal: bool = False,
                   srid: int | None = None, lat_first: bool = False, crs_hint: str = CRS_HINT) -> str:
    """Validate a GeoJSON geometry (text or object) and return it as GeoJSON text for PostGIS: what
    ``read_geometry`` checks, and that it is valid (a self-intersecting polygon is refused, with the place)."""
    obj, geom = read_geometry(value, name=name, areal=areal, srid=srid, lat_first=lat_first, crs_hint=crs_hint)
    if not geom.is_valid:
        raise InputError(f"{name}: invalid geometry ({shapely.is_valid_reason(geom)})")
    return json.dumps(obj)


def read_geometry(value: str | dict[str, Any], *, name: str = "geometry", areal: bool = False,
                  srid: int | None = None, lat_first: bool = False,
                  crs_hint: str = CRS_HINT) -> tuple[dict[str, Any], shapely.Geometry]:
    """A GeoJSON geometry (text, object or Feature) as its object and its shapely geometry; 400 when it does
    not parse, is empty or has more than ``MAX_GEOMETRY_VERTICES``. ``areal``: only a Polygon or
    MultiPolygon will do. ``srid`` 4326: the coordinates must be longitudes and latitudes (latitude first
    when ``lat_first``, EPSG:4326's own axis order) — projected ones sent without their CRS are named as
    such, with ``crs_hint`` saying where the CRS goes."""
    try:
        obj = json.loads(value) if isinstance(value, str) else value
        if not isinstance(obj, dict) or "type" not in obj:
            raise ValueError("not a GeoJSON geometry object")
        if obj.get("type") == "Feature":
            obj = obj.get("geometry") or {}
        geom = shape(obj)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, shapely.errors.GEOSException) as exc:
        raise InputError(f"{name}: not a valid GeoJSON geometry ({exc})") from None
    if geom.is_empty:
        raise InputError(f"{name}: the geometry is empty")
    if areal and geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise InputError(f"{name}: an area is needed (Polygon or MultiPolygon), not a {geom.geom_type}")
    if shapely.get_num_coordinates(geom) > MAX_GEOMETRY_VERTICES:
        raise InputError(f"{name}: more than {MAX_GEOMETRY_VERTICES} vertices")
    if srid == 4326:
        minx, miny, maxx, maxy = geom.bounds
        if lat_first:
            minx, miny, maxx, maxy = miny, minx, maxy, maxx
        if not _lonlat(minx, miny, maxx, maxy):
            raise InputError(f"{name}: coordinates such as ({minx:.10g} {miny:.10g}) are no longitude/latitude; "
                             f"name the CRS of projected coordinates ({crs_hint})")
    return obj, geom


def geometry_sql(param: str, srid_param: str) -> str:
    """SQL turning a bound GeoJSON text ``:param`` in ``:srid_param`` into EPSG:25832."""
    return f"ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(:{param}), :{srid_param}), {STORAGE_SRID})"
