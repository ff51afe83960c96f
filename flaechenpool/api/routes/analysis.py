"""/api/analysis: the redevelopment-potential analysis (profiles, runs, candidates, comparison,
candidate → site, indicators). Land managers and admins start runs and make sites; planners read."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from flaechenpool.analysis import candidates, indicators, profiles, runs, to_site
from flaechenpool.api.deps import SettingsDep
from flaechenpool.api.params import Offset
from flaechenpool.api.responses import file_response
from flaechenpool.api.routes.sites import _feature
from flaechenpool.api.security import ActingConnectionDep, PrincipalDep, require_role
from flaechenpool.spatial import parse_crs

router = APIRouter(prefix="/api/analysis", tags=["analysis"])
WRITERS = ("land_manager", "admin")
READERS = ("planner", *WRITERS)
GEOJSON = "application/geo+json"
AGS = Annotated[str | None, Query(pattern=r"^[0-9]{8}$", description="Official municipality key (AGS)")]


class SiteFromCandidate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=300)
    reason: str | None = Field(default=None, min_length=3, max_length=2000)


@router.get("/profiles", summary="Scoring profiles: detection thresholds and criterion weights (profiles.toml)")
def get_profiles(conn: ActingConnectionDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    require_role(principal, *READERS)
    return profiles.list_profiles()


@router.post("/runs", status_code=201, summary="Run the analysis for municipalities (and an area) with a profile")
def post_run(conn: ActingConnectionDep, principal: PrincipalDep, settings: SettingsDep, body: runs.RunRequest,
             response: Response,
             crs: Annotated[str | None, Query(description="CRS of the area (default CRS84)")] = None) -> dict[str, Any]:
    require_role(principal, *WRITERS)
    run = runs.start_run(conn, principal, body, area_srid=parse_crs(crs),
                         timeout_ms=settings.db.analysis_timeout_ms)
    response.headers["Location"] = f"/api/analysis/runs/{run['id']}"
    return run


@router.get("/runs", summary="Analysis runs, newest first")
def get_runs(conn: ActingConnectionDep, principal: PrincipalDep, municipality: AGS = None,
             limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Offset = 0
             ) -> list[dict[str, Any]]:
    require_role(principal, *READERS)
    return runs.list_runs(conn, municipality=municipality, limit=limit, offset=offset)


@router.get("/runs/{run_id}", summary="One run: profile and parameters as used, area, time, counts")
def get_run(conn: ActingConnectionDep, principal: PrincipalDep, run_id: int) -> dict[str, Any]:
    require_role(principal, *READERS)
    return runs.get_run(conn, run_id)


@router.get("/runs/{run_id}/candidates", summary="Candidates of a run (GeoJSON) with score and every criterion")
def get_candidates(conn: ActingConnectionDep, principal: PrincipalDep, run_id: int,
                   kind: Annotated[str | None, Query(description=", ".join(profiles.KINDS))] = None,
                   min_score: Annotated[float | None, Query(ge=-1000, le=1000)] = None, municipality: AGS = None,
                   sort: Annotated[str, Query(max_length=200, description="score, rank, area, kind, id, "
                                                                          "municipality; - for descending")] = "-score",
                   limit: Annotated[int, Query(ge=1, le=10_000)] = 100, offset: Offset = 0,
                   crs: str | None = None,
                   f: Annotated[Literal["geojson", "csv", "gpkg"], Query(
                       description="geojson: a page; csv, gpkg: every matching candidate as a file, a column per "
                       "criterion's value and points")] = "geojson") -> Response:
    require_role(principal, *READERS)
    srid = parse_crs(crs)
    if f == "geojson":
        body = candidates.list_candidates(conn, run_id, kind=kind, min_score=min_score, municipality=municipality,
                                          sort=sort, limit=limit, offset=offset, srid=srid)
        return Response(body, media_type=GEOJSON)
    rows = candidates.candidate_rows(conn, run_id, kind=kind, min_score=min_score, municipality=municipality,
                                     sort=sort, srid=srid)
    return file_response(rows, f, columns=candidates.FILE_COLUMNS, srid=srid, name=f"candidates_run_{run_id}")


@router.get("/runs/{run_id}/compare", summary="What appeared and vanished since another run (same fingerprint)")
def get_comparison(conn: ActingConnectionDep, principal: PrincipalDep, run_id: int,
                   other: Annotated[int, Query(alias="with", description="The earlier run to compare with")],
                   limit: Annotated[int, Query(ge=1, le=10_000)] = 100) -> dict[str, Any]:
    require_role(principal, *READERS)
    return candidates.compare(conn, run_id, other, limit=limit)


@router.get("/candidates/{candidate_id}", summary="One candidate with each criterion explained")
def get_candidate(conn: ActingConnectionDep, principal: PrincipalDep, candidate_id: int,
                  crs: str | None = None) -> Response:
    require_role(principal, *READERS)
    return Response(json.dumps(candidates.get_candidate(conn, candidate_id, srid=parse_crs(crs))), media_type=GEOJSON)


@router.post("/candidates/{candidate_id}/site", status_code=201, summary="Make a site of a candidate (kept linked)")
def post_site(conn: ActingConnectionDep, principal: PrincipalDep, candidate_id: int,
              body: SiteFromCandidate | None = None) -> Response:
    require_role(principal, *WRITERS)
    body = body or SiteFromCandidate()
    site_id = to_site.candidate_to_site(conn, principal, candidate_id, name=body.name, reason=body.reason)
    return _feature(conn, principal, site_id, 4326, status_code=201)


@router.get("/indicators", summary="Potential area by kind, flood and municipal shares, vacancy rate per "
                                   "municipality and district")
def get_indicators(conn: ActingConnectionDep, principal: PrincipalDep, municipality: AGS = None,
                   run: Annotated[int | None, Query(description="Run (default: the newest covering it)")] = None
                   ) -> dict[str, Any]:
    require_role(principal, *READERS)
    return indicators.indicators(conn, run_id=run, municipality=municipality)
