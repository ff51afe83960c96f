"""Construction projects (Bauvorhaben): the public layer and the land managers' register."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import Connection

from flaechenpool import projects, public_sites
from flaechenpool.api.deps import PublicConnectionDep
from flaechenpool.api.params import ListParam, split_values
from flaechenpool.api.security import ActingConnectionDep, PrincipalDep, require_role
from flaechenpool.spatial import parse_crs

router = APIRouter(tags=["projects"])
GEOJSON = "application/geo+json"
READERS = ("planner", "land_manager", "admin")
WRITERS = ("land_manager", "admin")


@router.get("/api/public/projects", tags=["public"], summary="Public construction projects as GeoJSON")
def public_projects(conn: PublicConnectionDep, municipality: ListParam = None,
                    status: Annotated[list[str] | None, Query(description="planned, under_construction, "
                                                                          "completed (any of)")] = None,
                    kind: ListParam = None, bbox: str | None = None,
                    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
                    crs: str | None = None) -> Response:
    body = projects.public_projects(conn, municipalities=split_values(municipality), statuses=split_values(status),
                                    kinds=split_values(kind), bbox=public_sites.bbox_from(bbox, bbox_crs),
                                    srid=public_sites.crs_from(crs))
    return Response(body, media_type=GEOJSON)


def _feature(conn: Connection, project_id: int, srid: int, status_code: int = 200) -> Response:
    feature = projects.get_project(conn, project_id, srid=srid)
    return Response(json.dumps(feature), status_code=status_code, media_type=GEOJSON,
                    headers={"ETag": projects.etag(project_id, feature["properties"]["version"]),
                             "Location": f"/api/projects/{project_id}"})


@router.get("/api/projects", summary="All construction projects (planners and land managers)")
def list_projects(conn: ActingConnectionDep, principal: PrincipalDep,
                  municipality: Annotated[str | None, Query(pattern=r"^[0-9]{8}$")] = None,
                  status: projects.Status | None = None, public: bool | None = None,
                  crs: str | None = None) -> dict[str, Any]:
    require_role(principal, *READERS)
    return projects.list_projects(conn, municipality=municipality, status=status, public=public, srid=parse_crs(crs))


@router.post("/api/projects", status_code=201, summary="Record a construction project (land managers)")
def create_project(conn: ActingConnectionDep, principal: PrincipalDep, body: projects.ProjectCreate,
                   crs: Annotated[str | None, Query(description="CRS of the geometry (default CRS84)")] = None
                   ) -> Response:
    require_role(principal, *WRITERS)
    srid = parse_crs(crs)
    return _feature(conn, projects.create_project(conn, principal, body, srid=srid), srid, 201)


@router.get("/api/projects/{project_id}", summary="One construction project with its ETag")
def get_project(conn: ActingConnectionDep, principal: PrincipalDep, project_id: int,
                crs: str | None = None) -> Response:
    require_role(principal, *READERS)
    return _feature(conn, project_id, parse_crs(crs))


@router.patch("/api/projects/{project_id}", summary="Change a project or mark it public (If-Match optional)")
def update_project(conn: ActingConnectionDep, principal: PrincipalDep, project_id: int, body: projects.ProjectFields,
                   if_match: Annotated[str | None, Header()] = None, crs: str | None = None) -> Response:
    require_role(principal, *WRITERS)
    srid = parse_crs(crs)
    projects.update_project(conn, principal, project_id, body, if_match=if_match, srid=srid)
    return _feature(conn, project_id, srid)
