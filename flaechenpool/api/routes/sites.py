"""/api/sites: the site register (Potenzialflächen) with optimistic concurrency (ETag / If-Match)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from flaechenpool import sites
from flaechenpool.api.params import Offset
from flaechenpool.api.security import ActingConnectionDep, PrincipalDep, require_role
from flaechenpool.spatial import parse_crs

router = APIRouter(prefix="/api/sites", tags=["sites"])
GEOJSON = "application/geo+json"
WRITERS = ("land_manager", "admin")


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: sites.Status
    reason: str = Field(min_length=3, max_length=2000)
    date: dt.date | None = None


class Retirement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)


def _feature(conn: Any, principal: Any, site_id: int, srid: int, status_code: int = 200) -> Response:
    feature = sites.get_site(conn, principal, site_id, srid=srid)
    version = feature["properties"]["version"]
    return Response(json.dumps(feature, default=str), status_code=status_code, media_type=GEOJSON,
                    headers={"ETag": sites.etag(site_id, version), "Location": f"/api/sites/{site_id}"})


@router.get("", summary="Sites as GeoJSON (anonymous callers: published sites, public fields)")
def list_sites(conn: ActingConnectionDep, principal: PrincipalDep,
               municipality: Annotated[str | None, Query(pattern=r"^[0-9]{8}$")] = None,
               kind: str | None = None, status: str | None = None, include_retired: bool = False,
               limit: Annotated[int, Query(ge=1, le=10_000)] = 100, offset: Offset = 0,
               crs: str | None = None) -> Response:
    body = sites.list_sites(conn, principal, municipality=municipality, kind=kind, status=status,
                            include_retired=include_retired, limit=limit, offset=offset, srid=parse_crs(crs))
    return Response(body, media_type=GEOJSON)


@router.post("", status_code=201, summary="Create a site (drawn geometry or composed from parcels)")
def create_site(conn: ActingConnectionDep, principal: PrincipalDep, body: sites.SiteCreate,
                crs: Annotated[str | None, Query(description="CRS of the geometry (default CRS84)")] = None) -> Response:
    require_role(principal, *WRITERS)
    srid = parse_crs(crs)
    site_id = sites.create_site(conn, principal, body, srid=srid)
    return _feature(conn, principal, site_id, srid, status_code=201)


@router.get("/{site_id}", summary="One site with its ETag")
def get_site(conn: ActingConnectionDep, principal: PrincipalDep, site_id: int, crs: str | None = None) -> Response:
    return _feature(conn, principal, site_id, parse_crs(crs))


@router.patch("/{site_id}", summary="Change a site; needs If-Match with its ETag")
def update_site(conn: ActingConnectionDep, principal: PrincipalDep, site_id: int, body: sites.SiteFields,
                if_match: Annotated[str | None, Header()] = None, crs: str | None = None) -> Response:
    require_role(principal, *WRITERS)
    srid = parse_crs(crs)
    sites.update_site(conn, principal, site_id, body, if_match=if_match, srid=srid)
    return _feature(conn, principal, site_id, srid)


@router.post("/{site_id}/status", summary="Move a site along the mobilisation workflow")
def change_status(conn: ActingConnectionDep, principal: PrincipalDep, site_id: int, body: StatusChange,
                  if_match: Annotated[str | None, Header()] = None) -> Response:
    require_role(principal, *WRITERS)
    sites.change_status(conn, principal, site_id, body.status, reason=body.reason, day=body.date, if_match=if_match)
    return _feature(conn, principal, site_id, 4326)


@router.post("/{site_id}/retire", summary="End a site (kept with its history, never deleted)")
def retire_site(conn: ActingConnectionDep, principal: PrincipalDep, site_id: int, body: Retirement,
                if_match: Annotated[str | None, Header()] = None) -> Response:
    require_role(principal, *WRITERS)
    sites.retire_site(conn, principal, site_id, reason=body.reason, if_match=if_match)
    return _feature(conn, principal, site_id, 4326)


@router.get("/{site_id}/history", summary="Status moves with date, author and reason")
def site_history(conn: ActingConnectionDep, principal: PrincipalDep, site_id: int) -> dict[str, Any]:
    require_role(principal, "planner", *WRITERS)
    return sites.site_history(conn, principal, site_id)
