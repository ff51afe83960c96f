"""/api/public/sites: published sites for investors (anonymous, public fields only, German messages)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from flaechenpool import public_sites
from flaechenpool.api.deps import PublicConnectionDep
from flaechenpool.api.params import ListParam, Offset, split_values

router = APIRouter(prefix="/api/public", tags=["public"])
GEOJSON = "application/geo+json"


@router.get("/sites", summary="Published sites as GeoJSON with investors' filters, sort and paging")
def list_sites(
    conn: PublicConnectionDep,
    municipality: ListParam = None,
    use: Annotated[list[str] | None, Query(description="industrial, commercial, mixed, office (any of)")] = None,
    availability: Annotated[list[str] | None, Query(description="immediate, within_1_year, within_3_years, "
                                                                "later, unknown (any of)")] = None,
    area_min: Annotated[float | None, Query(ge=0, description="m²")] = None,
    area_max: Annotated[float | None, Query(ge=0, description="m²")] = None,
    price_min: Annotated[float | None, Query(ge=0, description="Asking price €/m²")] = None,
    price_max: Annotated[float | None, Query(ge=0, description="Asking price €/m²")] = None,
    station_max_m: Annotated[float | None, Query(ge=0, description="Max. distance to the nearest railway station")] = None,
    junction_max_m: Annotated[float | None, Query(ge=0, description="Max. distance to the nearest motorway junction")] = None,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy (default CRS84)")] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
    sort: Annotated[str | None, Query(description="name, area, price, station_distance, junction_distance, "
                                                  "municipality, updated; '-' descending; comma-separated")] = None,
    limit: Annotated[int, Query(ge=1, le=public_sites.MAX_LIMIT)] = 100,
    offset: Offset = 0,
    crs: Annotated[str | None, Query(description="CRS of the output (default CRS84)")] = None,
) -> Response:
    query = public_sites.SiteFilter(
        municipalities=split_values(municipality), uses=split_values(use), availability=split_values(availability),
        area_min=area_min, area_max=area_max, price_min=price_min, price_max=price_max,
        station_max_m=station_max_m, junction_max_m=junction_max_m, bbox=public_sites.bbox_from(bbox, bbox_crs),
        sort=split_values([sort]) if sort else ["name"], limit=limit, offset=offset)
    return Response(public_sites.site_collection(conn, query, srid=public_sites.crs_from(crs)), media_type=GEOJSON)


@router.get("/sites/{site_id}", summary="One published site as GeoJSON Feature")
def get_site(conn: PublicConnectionDep, site_id: int, crs: str | None = None) -> Response:
    feature = public_sites.site_feature(conn, site_id, srid=public_sites.crs_from(crs))
    return Response(json.dumps(feature), media_type=GEOJSON)


@router.get("/municipalities", summary="Municipalities with their numbers of published sites and projects")
def list_municipalities(conn: PublicConnectionDep) -> list[dict[str, Any]]:
    return public_sites.municipalities(conn)
