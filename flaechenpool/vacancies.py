"""The shared vacancy register (Leerstandskataster, e.g. "Leerstand teilen" of the Thüringer Becken):
members record vacant buildings of their own municipality; all read the joint picture."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, text

from flaechenpool.auth import USER_SOURCE, Principal
from flaechenpool.errors import NotFound, PermissionDenied, UnprocessableError
from flaechenpool.spatial import geometry_sql, parse_geometry


class VacancyCreate(BaseModel):
    """A vacant building: by building id, or by location (a GeoJSON point)."""

    model_config = ConfigDict(extra="forbid")

    municipality_ags: str = Field(pattern=r"^[0-9]{8}$")
    building_id: int | None = None
    location: dict[str, Any] | None = None
    address: str | None = Field(default=None, max_length=300)
    building_type: Literal["residential", "commercial", "retail", "mixed", "industrial", "agricultural", "public",
                           "other"]
    scope: Literal["whole_building", "partial"] = "whole_building"
    vacant_units: int | None = Field(default=None, ge=0)
    total_units: int | None = Field(default=None, gt=0)
    vacant_since: dt.date
    source: Literal["survey", "utility_meter", "registration_office", "owner_report", "citizen_report", "estimate"]
    notes: str | None = Field(default=None, max_length=5000)


def _check(principal: Principal, municipality: str) -> None:
    if not principal.may_write(municipality):
        raise PermissionDenied(f"only land managers of municipality {municipality} may edit its vacancies")


def record_vacancy(conn: Connection, principal: Principal, data: VacancyCreate, *, srid: int = 4326) -> int:
    _check(principal, data.municipality_ags)
    if data.building_id is None and data.location is None:
        raise UnprocessableError("a vacancy needs a building_id or a location")
    params: dict[str, Any] = data.model_dump(exclude={"location"})
    if data.building_id is not None:
        building = conn.execute(text("SELECT municipality_ags FROM core.buildings WHERE id = :b AND valid_to IS NULL"),
                                {"b": data.building_id}).scalar()
        if building != data.municipality_ags:
            raise UnprocessableError(f"building {data.building_id} is not a current building of {data.municipality_ags}")
        point = "(SELECT ST_PointOnSurface(geom) FROM core.buildings WHERE id = :building_id)"
    else:
        params.update(location=parse_geometry(data.location or {}, name="location", srid=srid), location_srid=srid)
        point = f"ST_PointOnSurface({geometry_sql('location', 'location_srid')})"
    with conn.begin_nested():
        vid = int(conn.execute(text(
            "INSERT INTO core.vacancies (municipality_ags, building_id, address, building_type, scope, vacant_units, "
            "total_units, vacant_since, source, notes, geom, provenance, data_source) VALUES (:municipality_ags, "
            f":building_id, :address, :building_type, :scope, :vacant_units, :total_units, :vacant_since, :source, "
            f":notes, {point}, 'user', :ds) RETURNING id"), dict(params, ds=USER_SOURCE)).scalar_one())
        inside = conn.execute(text("SELECT ST_Intersects(v.geom, m.geom) FROM core.vacancies v JOIN core.municipalities m "
                                   "ON m.ags = v.municipality_ags WHERE v.id = :i"), {"i": vid}).scalar()
        if not inside:
            raise UnprocessableError("the location lies outside the municipality; is its CRS right?")
    return vid


def end_vacancy(conn: Connection, principal: Principal, vacancy_id: int, ended_on: dt.date) -> None:
    municipality = conn.execute(text("SELECT municipality_ags FROM core.vacancies WHERE id = :i"),
                                {"i": vacancy_id}).scalar()
    if municipality is None:
        raise NotFound(f"no vacancy {vacancy_id}")
    _check(principal, municipality)
    conn.execute(text("UPDATE core.vacancies SET ended_on = :d, updated_at = now() WHERE id = :i"),
                 {"d": ended_on, "i": vacancy_id})


SUMMARY_SQL = """
WITH scope AS (
    SELECT m.ags, m.name FROM core.municipalities m
    WHERE (CAST(:association AS text) IS NULL OR m.ags IN (
        SELECT municipality_ags FROM core.association_members WHERE association_id = :association))
      AND (CAST(:municipality AS text) IS NULL OR m.ags = :municipality)
), active AS (
    SELECT v.*, (CAST(:as_of AS date) - v.vacant_since) / 365.25 AS years
    FROM core.vacancies v JOIN scope ON scope.ags = v.municipality_ags
    WHERE v.vacant_since <= :as_of AND (v.ended_on IS NULL OR v.ended_on > :as_of)
), buildings AS (
    SELECT b.municipality_ags, coalesce(d.name, '(ohne Ortsteil)') AS district,
           GROUPING(coalesce(d.name, '(ohne Ortsteil)')) = 1 AS is_total, count(*) AS n
    FROM core.buildings b JOIN scope ON scope.ags = b.municipality_ags
    LEFT JOIN core.districts d ON d.municipality_ags = b.municipality_ags AND ST_Intersects(d.geom, ST_PointOnSurface(b.geom))
    WHERE b.valid_to IS NULL
    GROUP BY GROUPING SETS ((b.municipality_ags), (b.municipality_ags, coalesce(d.name, '(ohne Ortsteil)')))
), vac AS (
    SELECT a.municipality_ags, coalesce(d.name, '(ohne Ortsteil)') AS district,
           GROUPING(coalesce(d.name, '(ohne Ortsteil)')) = 1 AS is_total, count(*) AS vacant,
           count(*) FILTER (WHERE a.scope = 'partial') AS partial,
           round(avg(a.years)::numeric, 1) AS mean_years, round(max(a.years)::numeric, 1) AS max_years
    FROM active a LEFT JOIN core.districts d ON d.municipality_ags = a.municipality_ags AND ST_Intersects(d.geom, a.geom)
    GROUP BY GROUPING SETS ((a.municipality_ags), (a.municipality_ags, coalesce(d.name, '(ohne Ortsteil)')))
)
SELECT s.ags AS municipality_ags, s.name AS municipality, CASE WHEN NOT b.is_total THEN b.district END AS district,
       coalesce(b.n, 0) AS buildings,
       coalesce(v.vacant, 0) AS vacant, coalesce(v.partial, 0) AS partial,
       CASE WHEN b.n > 0 THEN round(100.0 * coalesce(v.vacant, 0) / b.n, 1) END AS rate_pct,
       v.mean_years, v.max_years, b.is_total
FROM scope s
JOIN buildings b ON b.municipality_ags = s.ags
LEFT JOIN vac v ON v.municipality_ags = s.ags AND v.is_total = b.is_total
    AND (b.is_total OR v.district = b.district)
ORDER BY s.name COLLATE "de-x-icu", b.is_total DESC, b.district COLLATE "de-x-icu"
"""


def summary(conn: Connection, *, association: str | None = None, municipality: str | None = None,
            as_of: dt.date | None = None) -> dict[str, Any]:
    """Counts, vacancy rates (vacant / buildings) and durations per municipality and per district."""
    rows = [dict(r) for r in conn.execute(text(SUMMARY_SQL), {
        "association": association, "municipality": municipality, "as_of": as_of or dt.date.today()}).mappings()]
    municipalities = [{k: v for k, v in r.items() if k not in ("district", "is_total")} for r in rows if r["is_total"]]
    districts = [{k: v for k, v in r.items() if k != "is_total"} for r in rows if not r["is_total"]]
    for item in municipalities + districts:
        for key in ("rate_pct", "mean_years", "max_years"):
            item[key] = float(item[key]) if item[key] is not None else None
    return {"as_of": (as_of or dt.date.today()).isoformat(), "association": association,
            "municipalities": municipalities, "districts": districts}


def list_vacancies(conn: Connection, *, association: str | None = None, municipality: str | None = None,
                   as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """The vacancies current on ``as_of`` (today) in an association's or one municipality's buildings (or all),
    longest vacant first: id, municipality, address, type, scope, units, since when and by what source."""
    return [dict(r) for r in conn.execute(text(
        "SELECT v.id, m.name AS municipality, v.address, v.building_type, v.scope, v.vacant_units, v.total_units, "
        "       v.vacant_since, v.source, v.building_id, v.provenance "
        "FROM core.vacancies v JOIN core.municipalities m ON m.ags = v.municipality_ags "
        "WHERE v.vacant_since <= :d AND (v.ended_on IS NULL OR v.ended_on > :d) "
        "  AND (CAST(:m AS text) IS NULL OR v.municipality_ags = :m) "
        "  AND (CAST(:a AS text) IS NULL OR v.municipality_ags IN ("
        "       SELECT municipality_ags FROM core.association_members WHERE association_id = :a)) "
        "ORDER BY v.vacant_since, v.id"),
        {"m": municipality, "a": association, "d": as_of or dt.date.today()}).mappings()]
