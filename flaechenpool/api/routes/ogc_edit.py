"""/ogc write-back: OGC API – Features Part 4 (create, replace, update, delete) and OPTIONS with Allow.

Only sites are writable, by land managers (their municipalities) and admins; ``flaechenpool.sites``
validates and audits. ``Content-Crs`` may carry angle brackets or not; ``If-Match`` is honoured when
sent (412 on mismatch) but not required.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from flaechenpool.api.ogc_requests import base_url
from flaechenpool.api.routes.ogc import ParamsDep, StateDep
from flaechenpool.api.security import ActingConnectionDep, PrincipalDep
from flaechenpool.features import edit
from flaechenpool.features.crs import CRS84
from flaechenpool.features.documents import GEOJSON
from flaechenpool.features.service import check_params
from flaechenpool.sites import etag

router = APIRouter(prefix="/ogc", tags=["ogc-edit"])
ContentCrs = Annotated[str | None, Header(alias="Content-Crs")]
IfMatch = Annotated[str | None, Header(alias="If-Match")]


def _feature_response(written: edit.Written, status_code: int, location: str | None = None) -> Response:
    headers = {"ETag": etag(written.fid, written.version), "Content-Crs": CRS84.header}
    if location:
        headers["Location"] = location
    return Response(written.body, status_code=status_code, media_type=GEOJSON, headers=headers)


@router.options("/collections/{collection_id}/items", summary="Methods allowed on the items")
def items_options(collection_id: str, state: StateDep, principal: PrincipalDep) -> Response:
    allow = edit.methods(state, principal, collection_id, item=False)
    return Response(status_code=204, headers={"Allow": ", ".join(allow)})


@router.options("/collections/{collection_id}/items/{feature_id}", summary="Methods allowed on a feature")
def item_options(collection_id: str, feature_id: str, state: StateDep, principal: PrincipalDep) -> Response:
    allow = edit.methods(state, principal, collection_id, item=True)
    return Response(status_code=204, headers={"Allow": ", ".join(allow)})


@router.post("/collections/{collection_id}/items", status_code=201, summary="Create a feature (sites)")
async def create(collection_id: str, request: Request, params: ParamsDep, conn: ActingConnectionDep,
                 state: StateDep, principal: PrincipalDep, content_crs: ContentCrs = None) -> Response:
    check_params(params, set())
    body = await request.body()
    written = await run_in_threadpool(edit.create, conn, state, principal, collection_id, body, content_crs)
    location = f"{base_url(request)}/collections/{collection_id}/items/{written.fid}"
    return _feature_response(written, 201, location)


@router.put("/collections/{collection_id}/items/{feature_id}", summary="Replace a feature (sites)")
async def replace(collection_id: str, feature_id: str, request: Request, params: ParamsDep,
                  conn: ActingConnectionDep, state: StateDep, principal: PrincipalDep,
                  content_crs: ContentCrs = None, if_match: IfMatch = None) -> Response:
    check_params(params, set())
    body = await request.body()
    written = await run_in_threadpool(edit.replace, conn, state, principal, collection_id, feature_id, body,
                                      content_crs, if_match)
    return _feature_response(written, 200)


@router.patch("/collections/{collection_id}/items/{feature_id}", summary="Update a feature (merge patch)")
async def update(collection_id: str, feature_id: str, request: Request, params: ParamsDep,
                 conn: ActingConnectionDep, state: StateDep, principal: PrincipalDep,
                 content_crs: ContentCrs = None, if_match: IfMatch = None) -> Response:
    check_params(params, set())
    body = await request.body()
    written = await run_in_threadpool(edit.update, conn, state, principal, collection_id, feature_id, body,
                                      content_crs, if_match)
    return _feature_response(written, 200)


@router.delete("/collections/{collection_id}/items/{feature_id}", status_code=204,
               summary="Delete a feature (a site is retired and keeps its history)")
def delete(collection_id: str, feature_id: str, params: ParamsDep, conn: ActingConnectionDep, state: StateDep,
           principal: PrincipalDep, if_match: IfMatch = None) -> Response:
    check_params(params, {"reason"})
    edit.delete(conn, state, principal, collection_id, feature_id, if_match, params.get("reason"))
    return Response(status_code=204)
