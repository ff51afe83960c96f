"""Finding candidate parcels (Flurstücke): combinable filters, paging and sorting, in one PostGIS query.

The same ``ParcelQuery`` serves ``GET /api/parcels`` and ``flaechenpool parcels find``. Filters are
added as SQL fragments with bound parameters; sort keys come from a whitelist.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, TextClause, text

from flaechenpool.db import reads_as
from flaechenpool.errors import InputError, NotFound
from flaechenpool.spatial import STORAGE_SRID, BBox, geometry_sql

# Flurstückskennzeichen as the CHECK of core.parcels has it: Land 2, Gemarkung 4, Flur 3, Zähler 5, Nenner 4,
# Folge 2 ('_' where absent)
KEY_RE = re.compile(r"^[0-9]{2}[0-9]{4}[0-9_]{3}[0-9]{5}([0-9]{4}|_{4})([0-9]{2}|_{2})$")

# Built share: building footprint inside the parcel / parcel area (Bebauungsanteil)
BUILT_SHARE = (
    "(SELECT coalesce(sum(ST_Area(ST_Intersection(b.geom, p.geom))), 0) / nullif(p.area_m2, 0) "
    "FROM core.buildings b WHERE b.valid_to IS NULL AND b.geom && p.geom AND ST_Intersects(b.geom, p.geom))"
)
STATION_DISTANCE = "(SELECT ST_Distance(s.geom, p.geom) FROM ref.stations s ORDER BY s.geom <-> p.geom LIMIT 1)"

SORT_KEYS = {
    "flurstueckskennzeichen": "p.flurstueckskennzeichen",
    "area": "p.area_m2",
    "official_area": "p.official_area_m2",
    "built_share": BUILT_SHARE,
    "station_distance": STATION_DISTANCE,
    "municipality": "p.municipality_ags",
}


@dataclass
class ParcelQuery:
    """Filters for candidate parcels; every one optional and combinable."""

    municipality: str | None = None
    gemarkung: str | None = None          # 6-digit key (Land + Gemarkungsnummer) or 4-digit number
    min_area: float | None = None         # official area, m²
    max_area: float | None = None
    land_use: list[str] = field(default_factory=list)
    zoning: list[str] = field(default_factory=list)   # XPlanung abbreviations of a zoning plan (e.g. GE)
    municipal: bool | None = None         # held by the municipality's land pool on ``as_of``
    as_of: dt.date | None = None
    in_site: bool | None = None           # part of a current site (Potenzialfläche)
    outside_flood_zones: bool = False
    outside_protected_areas: bool = False
    station_within_m: float | None = None
    bbox: BBox | None = None
    geometry: str | None = None           # GeoJSON text
    geometry_srid: int = 4326
    building_free: bool = False
    max_built_share: float | None = None  # percent
    keys: list[str] = field(default_factory=list)  # Flurstückskennzeichen
    sortby: list[str] = field(default_factory=lambda: ["flurstueckskennzeichen"])
    limit: int = 100
    offset: int = 0

    def validate(self, max_limit: int) -> None:
        if self.limit < 1 or self.offset < 0:
            raise InputError("limit must be ≥ 1 and offset ≥ 0")
        self.limit = min(self.limit, max_limit)
        for name in ("min_area", "max_area", "station_within_m"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InputError(f"{name} must not be negative")
        if self.min_area is not None and self.max_area is not None and self.min_area > self.max_area:
            raise InputError("min_area is greater than max_area")
        if self.max_built_share is not None and not 0 <= self.max_built_share <= 100:
            raise InputError("max_built_share is a percentage between 0 and 100")
        if self.municipality is not None and not re.fullmatch(r"[0-9]{8}", self.municipality):
            raise InputError("municipality must be an 8-digit official key (AGS)")
        if self.gemarkung is not None and not re.fullmatch(r"[0-9]{4}|[0-9]{6}", self.gemarkung):
            raise InputError("gemarkung must be a 4-digit Gemarkungsnummer or 6-digit key")
        for key in self.sortby:
            if key.lstrip("+-") not in SORT_KEYS:
                raise InputError(f"cannot sort by {key!r}; choose from {', '.join(SORT_KEYS)}")


def _where(q: ParcelQuery) -> tuple[list[str], dict[str, Any]]:
    """WHERE fragments and their parameters."""
    where = ["p.valid_to IS NULL"]
    params: dict[str, Any] = {"as_of": q.as_of or dt.date.today()}
    if q.municipality:
        where.append("p.municipality_ags = :municipality")
        params["municipality"] = q.municipality
    if q.keys:
        where.append("p.flurstueckskennzeichen = ANY(:keys)")
        params["keys"] = q.keys
    if q.gemarkung:
        where.append("p.gemarkung_key = :gemarkung" if len(q.gemarkung) == 6 else "p.gemarkung_number = :gemarkung")
        params["gemarkung"] = q.gemarkung
    if q.min_area is not None:
        where.append("p.official_area_m2 >= :min_area")
        params["min_area"] = q.min_area
    if q.max_area is not None:
        where.append("p.official_area_m2 <= :max_area")
        params["max_area"] = q.max_area
    if q.land_use:
        where.append("p.land_use = ANY(:land_use)")
        params["land_use"] = q.land_use
    if q.zoning:
        where.append("EXISTS (SELECT 1 FROM ref.zoning_plans z WHERE z.land_use_type = ANY(:zoning) "
                     "AND z.legal_status IN ('in_force', 'partially_in_force') AND ST_Intersects(z.geom, p.geom) "
                     "AND NOT ST_Touches(z.geom, p.geom))")
        params["zoning"] = q.zoning
    if q.municipal is not None:
        held = ("EXISTS (SELECT 1 FROM core.pool_held(p.municipality_ags, :as_of) h "
                "WHERE h.flurstueckskennzeichen = p.flurstueckskennzeichen)")
        where.append(held if q.municipal else f"NOT {held}")
    if q.in_site is not None:
        linked = ("EXISTS (SELECT 1 FROM core.site_parcels sp JOIN core.sites s ON s.id = sp.site_id "
                  "WHERE sp.flurstueckskennzeichen = p.flurstueckskennzeichen AND s.retired_at IS NULL)")
        where.append(linked if q.in_site else f"NOT {linked}")
    if q.outside_flood_zones:
        where.append("NOT EXISTS (SELECT 1 FROM ref.flood_zones f WHERE ST_Intersects(f.geom, p.geom) "
                     "AND NOT ST_Touches(f.geom, p.geom))")
    if q.outside_protected_areas:
        where.append("NOT EXISTS (SELECT 1 FROM ref.protected_areas a WHERE ST_Intersects(a.geom, p.geom) "
                     "AND NOT ST_Touches(a.geom, p.geom))")
    if q.station_within_m is not None:
        where.append("EXISTS (SELECT 1 FROM ref.stations s WHERE ST_DWithin(s.geom, p.geom, :station_m))")
        params["station_m"] = q.station_within_m
    if q.bbox is not None:
        box, box_params = q.bbox.sql()
        where.append(f"p.geom && {box} AND ST_Intersects(p.geom, {box})")
        params.update(box_params)
    if q.geometry is not None:
        where.append(f"ST_Intersects(p.geom, {geometry_sql('geometry', 'geometry_srid')})")
        params.update(geometry=q.geometry, geometry_srid=q.geometry_srid)
    if q.building_free:
        where.append("NOT EXISTS (SELECT 1 FROM core.buildings b WHERE b.valid_to IS NULL AND b.geom && p.geom "
                     "AND ST_Intersects(b.geom, p.geom) AND NOT ST_Touches(b.geom, p.geom))")
    if q.max_built_share is not None:
        where.append(f"coalesce({BUILT_SHARE}, 0) * 100 < :max_built_share")
        params["max_built_share"] = q.max_built_share
    return where, params


def _order(q: ParcelQuery) -> str:
    parts = []
    for key in q.sortby:
        direction = "DESC" if key.startswith("-") else "ASC"
        parts.append(f"{SORT_KEYS[key.lstrip('+-')]} {direction} NULLS LAST")
    parts.append("p.id")
    return ", ".join(parts)


def _page_sql(q: ParcelQuery) -> tuple[str, dict[str, Any]]:
    """The page: matching parcels with computed attributes, geometry as WKB in ``srid``."""
    where, params = _where(q)
    sql = f"""
        SELECT p.id, p.flurstueckskennzeichen, p.municipality_ags, p.gemarkung_key, g.name AS gemarkung,
               p.flur, p.numerator, p.denominator, p.official_area_m2, round(p.area_m2::numeric, 1) AS area_m2,
               p.land_use, p.address, p.provenance, p.source,
               round((coalesce({BUILT_SHARE}, 0) * 100)::numeric, 1) AS built_share_pct,
               round({STATION_DISTANCE}::numeric) AS station_distance_m,
               p.geom
        FROM core.parcels p
        LEFT JOIN ref.gemarkungen g ON g.gemarkung_key = p.gemarkung_key
        WHERE {' AND '.join(where)}
        ORDER BY {_order(q)}
        LIMIT :limit OFFSET :offset"""
    params.update(limit=q.limit, offset=q.offset)
    return sql, params


PROPERTIES = ("flurstueckskennzeichen", "municipality_ags", "gemarkung_key", "gemarkung", "flur", "numerator",
              "denominator", "official_area_m2", "area_m2", "land_use", "address", "built_share_pct",
              "station_distance_m", "provenance", "source")


@lru_cache(maxsize=256)
def _statement(sql: str) -> TextClause:
    """``text(sql)``, kept: a search's SQL depends only on which filters are set, and parsing the bind
    parameters out of a 3 kB statement costs about 0.15 ms each time."""
    return text(sql)


def count(conn: Connection, q: ParcelQuery) -> int:
    sql, params = _count_sql(q)
    return int(conn.execute(_statement(sql), params).scalar_one())


def raw_statements(q: ParcelQuery, srid: int = 4326) -> list[tuple[str, dict[str, Any]]]:
    """The statements ``find_geojson_as`` runs, in psycopg's parameter style (for benchmarks and psql)."""
    import re

    out = []
    for sql, params in (_geojson_sql(q, srid), _count_sql(q)):
        out.append((re.sub(r"(?<![:\w]):([a-z_]+)", r"%(\1)s", sql), params))
    return out


def _geojson_sql(q: ParcelQuery, srid: int) -> tuple[str, dict[str, Any]]:
    page, params = _page_sql(q)
    props = ", ".join(f"'{c}', r.{c}" for c in PROPERTIES)
    sql = f"""
        WITH r AS ({page})
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'features', coalesce(json_agg(json_build_object(
                'type', 'Feature', 'id', r.flurstueckskennzeichen,
                'geometry', ST_AsGeoJSON(ST_Transform(r.geom, CAST(:srid AS integer)), :digits)::json,
                'properties', json_build_object({props})) ORDER BY r.ord), '[]'::json))::text AS fc,
            count(*) AS n
        FROM (SELECT *, row_number() OVER () AS ord FROM r) r"""
    params.update(srid=srid, digits=7 if srid == 4326 else 2)
    return sql, params


def _count_sql(q: ParcelQuery) -> tuple[str, dict[str, Any]]:
    where, params = _where(q)
    return f"SELECT count(*) FROM core.parcels p WHERE {' AND '.join(where)}", params


def find_geojson_as(conn: Connection, q: ParcelQuery, *, srid: int, actor: str,
                    role: str) -> tuple[bytes, int, int]:
    """A GeoJSON FeatureCollection built in PostGIS, the number returned and matched, read as ``role``:
    the caller's context, the page and its count in ONE round trip (``db.reads_as``; on an autocommit
    connection a transaction of their own, one snapshot for both)."""
    page, count = reads_as(conn, [_geojson_sql(q, srid), _count_sql(q)], actor=actor, role=role, text_as_buffer=True)
    assert page is not None and count is not None   # aggregates without GROUP BY: one row each, always
    (fc, n), (matched,) = page, count
    return bytes(fc), int(n), int(matched)


def find_rows(conn: Connection, q: ParcelQuery, *, srid: int = STORAGE_SRID) -> list[dict[str, Any]]:
    """The page as dicts with the geometry as WKB (for CSV, GeoPackage and the CLI table)."""
    page, params = _page_sql(q)
    sql = f"SELECT r.*, ST_AsBinary(ST_Transform(r.geom, CAST(:srid AS integer))) AS wkb FROM ({page}) r"
    params["srid"] = srid
    rows = []
    for row in conn.execute(text(sql), params).mappings():
        item = {k: row[k] for k in PROPERTIES}
        item["wkb"] = bytes(row["wkb"])
        rows.append(item)
    return rows


def get_parcel(conn: Connection, key: str, *, srid: int = 4326) -> str:
    """One current parcel as a GeoJSON Feature text; 404 when there is none."""
    page, params = _page_sql(ParcelQuery(keys=[key], limit=1))
    props = ", ".join(f"'{c}', r.{c}" for c in PROPERTIES)
    feature = conn.execute(text(
        f"SELECT json_build_object('type', 'Feature', 'id', r.flurstueckskennzeichen, "
        f"'geometry', ST_AsGeoJSON(ST_Transform(r.geom, CAST(:srid AS integer)), 7)::json, "
        f"'properties', json_build_object({props}))::text FROM ({page}) r"),
        dict(params, srid=srid)).scalar()
    if feature is None:
        raise NotFound(f"no current parcel {key!r}")
    return str(feature)


def history(conn: Connection, key: str) -> list[dict[str, Any]]:
    """All versions of a parcel (valid_from/valid_to) and its audit entries."""
    versions = [dict(r) for r in conn.execute(text(
        "SELECT id, valid_from, valid_to, official_area_m2, round(area_m2::numeric, 1) AS area_m2, land_use, "
        "import_run_id, provenance FROM core.parcels WHERE flurstueckskennzeichen = :k "
        "AND (valid_to IS NULL OR valid_to IS NOT NULL) ORDER BY valid_from, id"),  # current and closed: two indexes
        {"k": key}).mappings()]
    if not versions:
        raise NotFound(f"no parcel {key!r}")
    return versions
