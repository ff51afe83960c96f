"""/api/parcels: find candidate parcels (Flurstücke), one parcel, its history and (for land managers)
its owners."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from flaechenpool import parcels
from flaechenpool.api.deps import opener_of
from flaechenpool.api.params import parse_query_model, query_model_openapi
from flaechenpool.api.responses import file_response
from flaechenpool.api.security import ActingConnectionDep, PrincipalDep, acting_call, get_caller, require_role
from flaechenpool.db import MAX_OFFSET
from flaechenpool.owners import read_owners
from flaechenpool.settings import Settings
from flaechenpool.spatial import parse_bbox, parse_crs, parse_geometry

router = APIRouter(prefix="/api/parcels", tags=["parcels"])
GEOJSON = "application/geo+json"
READERS = ("planner", "land_manager", "admin")  # candidate search is for the land office, not the public


class ParcelParams(BaseModel):
    """Query parameters of GET /api/parcels; unknown parameters are rejected."""

    model_config = ConfigDict(extra="forbid")

    municipality: str | None = Field(default=None, description="Official municipality key (AGS)")
    gemarkung: str | None = Field(default=None, description="Gemarkung: 6-digit key or 4-digit number")
    min_area: float | None = Field(default=None, description="Minimum official area (m²)")
    max_area: float | None = Field(default=None, description="Maximum official area (m²)")
    land_use: list[str] = Field(default_factory=list, description="Actual land use (ALKIS Nutzungsart)")
    zoning: list[str] = Field(default_factory=list, description="XPlanung land-use type of a zoning plan, e.g. GE")
    municipal: bool | None = Field(default=None, description="Held by the municipality's land pool on as_of")
    as_of: dt.date | None = Field(default=None, description="Date for `municipal` (default today)")
    in_site: bool | None = Field(default=None, description="Part of a current site")
    outside_flood_zones: bool = False
    outside_protected_areas: bool = False
    station_within_m: float | None = Field(default=None, description="Within N metres of a railway station")
    bbox: str | None = Field(default=None, description="minx,miny,maxx,maxy")
    bbox_crs: str | None = Field(default=None, description="CRS of bbox (default CRS84)")
    intersects: str | None = Field(default=None, description="GeoJSON geometry")
    intersects_crs: str | None = Field(default=None, description="CRS of `intersects` (default CRS84)")
    building_free: bool = False
    max_built_share: float | None = Field(default=None, description="Built share below N %")
    sortby: list[str] = Field(default_factory=lambda: ["flurstueckskennzeichen"])
    limit: int = Field(default=100, ge=1)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    crs: str | None = Field(default=None, description="CRS of the output (default CRS84)")
    f: Literal["geojson", "csv", "gpkg"] = "geojson"

    def query(self, max_limit: int) -> parcels.ParcelQuery:
        q = parcels.ParcelQuery(
            municipality=self.municipality, gemarkung=self.gemarkung, min_area=self.min_area,
            max_area=self.max_area, land_use=self.land_use, zoning=self.zoning, municipal=self.municipal,
            as_of=self.as_of, in_site=self.in_site, outside_flood_zones=self.outside_flood_zones,
            outside_protected_areas=self.outside_protected_areas, station_within_m=self.station_within_m,
            bbox=parse_bbox(self.bbox, self.bbox_crs), building_free=self.building_free,
            max_built_share=self.max_built_share, sortby=[s for p in self.sortby for s in p.split(",") if s],
            limit=self.limit, offset=self.offset,
        )
        if self.intersects:
            q.geometry_srid = parse_crs(self.intersects_crs, name="intersects_crs")
            q.geometry = parse_geometry(self.intersects, name="intersects", srid=q.geometry_srid,
                                        crs_hint="intersects_crs")
        q.validate(max_limit)
        return q


@router.get("", summary="Find candidate parcels (GeoJSON, CSV or GeoPackage)",
            openapi_extra=query_model_openapi(ParcelParams))
async def find_parcels(request: Request) -> Response:
    # The land office's hottest read, in one worker thread. GeoJSON: an autocommit connection, the
    # caller's context, page and count in one round trip (``parcels.find_geojson_as``), the
    # FeatureCollection built in PostGIS and passed through. CSV and GeoPackage: the page's rows on a
    # transaction acting as the caller (``acting_call``).
    return await run_in_threadpool(_find, request)


def _find(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    with opener_of(request)() as conn:
        principal = get_caller(request, conn)  # a wrong token is refused before the query string is read
        params = parse_query_model(ParcelParams, request)
        require_role(principal, *READERS)
        q = params.query(max_limit=settings.api.max_limit)
        srid = parse_crs(params.crs)
        if params.f == "geojson":
            body, returned, matched = parcels.find_geojson_as(conn, q, srid=srid, actor=principal.username,
                                                              role=principal.role)
            return Response(body, media_type=GEOJSON, headers={
                "X-Number-Returned": str(returned), "X-Number-Matched": str(matched),
                "Content-Crs": f"<http://www.opengis.net/def/crs/EPSG/0/{srid}>" if srid != 4326 else
                "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"})
    return acting_call(request, lambda c, _: file_response(parcels.find_rows(c, q, srid=srid), params.f,
                                                                columns=parcels.PROPERTIES, srid=srid, name="parcels"))




@router.get("/{key}", summary="One current parcel")
def get_parcel(conn: ActingConnectionDep, principal: PrincipalDep, key: str, crs: str | None = None) -> Response:
    require_role(principal, *READERS)
    return Response(parcels.get_parcel(conn, key, srid=parse_crs(crs)), media_type=GEOJSON)


@router.get("/{key}/history", summary="All versions of a parcel (re-imports keep history)")
def parcel_history(conn: ActingConnectionDep, principal: PrincipalDep, key: str) -> list[dict]:
    require_role(principal, *READERS)
    return parcels.history(conn, key)


@router.get("/{key}/owners", summary="Owners of a parcel (land managers of its municipality; read is logged)")
def parcel_owners(conn: ActingConnectionDep, principal: PrincipalDep, key: str,
                  purpose: Annotated[str, Query(min_length=3, max_length=300)]) -> list[dict]:
    require_role(principal, "land_manager", "admin")
    return read_owners(conn, principal, [key], purpose=purpose)

