"""Published sites for investors (``GET /api/public/sites``): filters, sort and paging over the view
``core.public_sites`` (what the database considers published); GeoJSON is built in PostGIS.

Messages are German: they reach anonymous visitors of the public page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from flaechenpool import site_photos
from flaechenpool.db import load_sql
from flaechenpool.errors import InputError, NotFound
from flaechenpool.spatial import BBox, parse_bbox, parse_crs

USES = ("industrial", "commercial", "mixed", "office")
AVAILABILITY = ("immediate", "within_1_year", "within_3_years", "later", "unknown")
# sort key → column of core.public_sites (the only identifiers that reach the ORDER BY)
SORT_COLUMNS = {"name": "p.name", "area": "p.area_m2", "price": "p.asking_price_eur_m2",
                "station_distance": "p.station_distance_m", "junction_distance": "p.junction_distance_m",
                "municipality": "p.municipality", "updated": "p.updated_at"}
MAX_LIMIT = 1000
# the kinds of ref.preemption_areas that are special urban law investors weigh (Sanierungsgebiet,
# Entwicklungsbereich, Stadtumbau-/Erhaltungssatzung): on the public site and its map; statutes of § 25 BauGB not
RENEWAL_KINDS = ("redevelopment", "restructuring_preservation")


@dataclass
class SiteFilter:
    """What an investor filters by; every field optional, lists mean 'any of'."""

    municipalities: list[str] = field(default_factory=list)
    area_min: float | None = None
    area_max: float | None = None
    uses: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)
    price_min: float | None = None
    price_max: float | None = None
    station_max_m: float | None = None
    junction_max_m: float | None = None
    bbox: BBox | None = None
    sort: list[str] = field(default_factory=lambda: ["name"])
    limit: int = 100
    offset: int = 0

    def validate(self) -> None:
        """Refuse impossible combinations with a German message."""
        bad_uses = [u for u in self.uses if u not in USES]
        if bad_uses:
            raise InputError(f"Unbekannte Nutzungsart {bad_uses[0]!r}; erlaubt: {', '.join(USES)}.")
        bad = [a for a in self.availability if a not in AVAILABILITY]
        if bad:
            raise InputError(f"Unbekannte Verfügbarkeit {bad[0]!r}; erlaubt: {', '.join(AVAILABILITY)}.")
        for low, high, what in ((self.area_min, self.area_max, "Fläche"), (self.price_min, self.price_max, "Preis")):
            if low is not None and high is not None and low > high:
                raise InputError(f"{what}: das Minimum ist größer als das Maximum.")
        for key in self.sort:
            if key.removeprefix("-") not in SORT_COLUMNS:
                raise InputError(f"Unbekannte Sortierung {key!r}; erlaubt: {', '.join(SORT_COLUMNS)} "
                                 "(mit '-' absteigend).")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InputError(f"limit muss zwischen 1 und {MAX_LIMIT} liegen.")
        if self.offset < 0:
            raise InputError("offset darf nicht negativ sein.")

    def where(self) -> tuple[str, dict[str, Any]]:
        """SQL conditions on ``p`` (core.public_sites) with their bound parameters."""
        conditions: list[str] = []
        params: dict[str, Any] = {}
        if self.municipalities:
            conditions.append("p.municipality_ags = ANY(CAST(:municipalities AS text[]))")
            params["municipalities"] = self.municipalities
        if self.uses:
            conditions.append("p.uses && CAST(:uses AS text[])")
            params["uses"] = self.uses
        if self.availability:
            conditions.append("p.availability = ANY(CAST(:availability AS text[]))")
            params["availability"] = self.availability
        for column, op, name, value in (("p.area_m2", ">=", "area_min", self.area_min),
                                        ("p.area_m2", "<=", "area_max", self.area_max),
                                        ("p.asking_price_eur_m2", ">=", "price_min", self.price_min),
                                        ("p.asking_price_eur_m2", "<=", "price_max", self.price_max),
                                        ("p.station_distance_m", "<=", "station_max_m", self.station_max_m),
                                        ("p.junction_distance_m", "<=", "junction_max_m", self.junction_max_m)):
            if value is not None:
                conditions.append(f"{column} {op} :{name}")
                params[name] = value
        if self.bbox is not None:
            envelope, bbox_params = self.bbox.sql()
            conditions.append(f"p.geom && {envelope} AND ST_Intersects(p.geom, {envelope})")
            params.update(bbox_params)
        return "".join(f" AND {c}" for c in conditions), params

    def order(self) -> str:
        """ORDER BY fragment from the whitelist (missing prices and distances last)."""
        parts = []
        for key in self.sort:
            column = SORT_COLUMNS[key.removeprefix("-")]
            parts.append(f"{column} {'DESC' if key.startswith('-') else 'ASC'} NULLS LAST, ")
        return "".join(parts)


def bbox_from(value: str | None, crs: str | None) -> BBox | None:
    """The bbox parameter, refused with a German message."""
    try:
        return parse_bbox(value, crs)
    except InputError:
        raise InputError("bbox: erwartet werden vier Zahlen minx,miny,maxx,maxy (Länge/Breite in Grad, "
                         "sofern bbox-crs nichts anderes angibt).") from None


def crs_from(value: str | None) -> int:
    """An output CRS parameter, refused with a German message."""
    try:
        return parse_crs(value)
    except InputError:
        raise InputError(f"Unbekanntes Koordinatenreferenzsystem {value!r}; z. B. EPSG:25832 oder CRS84.") from None


def _decimals(srid: int) -> int:
    return 7 if srid == 4326 else 2


def _feature_sql() -> str:
    """The Feature expression of public/site_feature.sql without its comment lines (``_feature_params``)."""
    return "\n".join(line for line in load_sql("public/site_feature").splitlines() if not line.startswith("--"))


def _feature_params(srid: int) -> dict[str, Any]:
    return {"srid": srid, "d": _decimals(srid), "renewal_kinds": list(RENEWAL_KINDS)}


def site_collection(conn: Connection, query: SiteFilter, *, srid: int = 4326) -> str:
    """Published sites matching ``query`` as GeoJSON FeatureCollection text."""
    query.validate()
    where, params = query.where()
    sql = (load_sql("public/sites").replace("/*filters*/", where).replace("/*order*/", query.order())
           .replace("/*feature*/", _feature_sql()))
    params.update(_feature_params(srid), limit=query.limit, offset=query.offset)
    return str(conn.execute(text(sql), params).scalar_one())


def site_feature(conn: Connection, site_id: int, *, srid: int = 4326) -> dict[str, Any]:
    """One published site as a GeoJSON Feature; 404 (German) when it is not published."""
    row = conn.execute(text(f"SELECT {_feature_sql()}::text FROM core.public_sites p WHERE p.id = :i"),
                       {"i": site_id, **_feature_params(srid)}).scalar()
    if row is None:
        raise NotFound(f"Die Fläche {site_id} ist nicht veröffentlicht oder existiert nicht.")
    feature = dict(json.loads(row))
    feature["properties"]["photos"] = site_photos.public_photos(conn, site_id)     # one site's only, not in lists
    return feature


def municipalities(conn: Connection) -> list[dict[str, Any]]:
    """Municipalities with their number of published sites and public projects (for the filter list)."""
    return [dict(r) for r in conn.execute(text(load_sql("public/municipalities"))).mappings()]


def sitemap(conn: Connection) -> list[dict[str, Any]]:
    """Published real (not illustrative) sites with the day of their last change, for ``/sitemap.xml``."""
    return [dict(r) for r in conn.execute(text(load_sql("public/sitemap"))).mappings()]


def shows_illustrative(conn: Connection) -> bool:
    """Whether invented demo sites or construction projects are published (the page then says so)."""
    return bool(conn.execute(text(load_sql("public/illustrative"))).scalar())
