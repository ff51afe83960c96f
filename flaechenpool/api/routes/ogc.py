"""/ogc: OGC API – Features (landing page, conformance, OpenAPI, collections, items, queryables, schema).

Routes only parse the request and pick JSON or HTML; ``flaechenpool.features.service`` does the work.
The request's database role (``ActingConnectionDep``) decides what a caller sees.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from flaechenpool.api.deps import SettingsDep, opener_of
from flaechenpool.api.items_front import items_response
from flaechenpool.api.ogc_requests import base_url, params_of, state_of, wants_html
from flaechenpool.api.security import ActingConnectionDep, PrincipalDep, get_caller
from flaechenpool.features import documents, html, openapi, service
from flaechenpool.features.state import OgcState
from flaechenpool.sites import etag as site_etag

router = APIRouter(prefix="/ogc", tags=["ogc"])


async def get_state(request: Request) -> OgcState:
    """The application's OGC state (registry, change tracker, caches), created on first use."""
    return state_of(request)


def get_ready_state(conn: ActingConnectionDep, state: Annotated[OgcState, Depends(get_state)]) -> OgcState:
    state.prepare(conn)
    return state


StateDep = Annotated[OgcState, Depends(get_ready_state)]


async def query_params(request: Request) -> dict[str, str]:
    """The query string as a dict; a repeated parameter is a 400."""
    return params_of(request)


ParamsDep = Annotated[dict[str, str], Depends(query_params)]


def _json(doc: Any, media_type: str = "application/json") -> Response:
    return Response(json.dumps(doc, ensure_ascii=False), media_type=media_type)


def _doc_only(params: dict[str, str]) -> None:
    service.check_params(params, {"f"})


@router.get("", summary="Landing page")
def landing(request: Request, params: ParamsDep) -> Response:
    _doc_only(params)
    doc = documents.landing(base_url(request))
    return HTMLResponse(html.landing(doc)) if wants_html(request, params) else _json(doc)


@router.get("/conformance", summary="Conformance classes")
def conformance(request: Request, params: ParamsDep) -> Response:
    _doc_only(params)
    doc = documents.conformance()
    return HTMLResponse(html.document("Konformität", doc)) if wants_html(request, params) else _json(doc)


@router.get("/api", summary="OpenAPI 3.0 description of /ogc")
def api(request: Request, params: ParamsDep, state: StateDep, principal: PrincipalDep, settings: SettingsDep) -> Response:
    _doc_only(params)
    doc = openapi.document(base_url(request), state.registry.for_role(principal.role), principal.role,
                           default_limit=settings.api.default_limit, max_limit=settings.api.max_limit,
                           writer=principal.role in ("land_manager", "admin"))
    if wants_html(request, params):
        return HTMLResponse(html.document("API (OpenAPI 3.0)", doc))
    return _json(doc, documents.OPENAPI)


@router.get("/collections", summary="Collections the caller may read")
def collections(request: Request, params: ParamsDep, conn: ActingConnectionDep, state: StateDep,
                principal: PrincipalDep) -> Response:
    _doc_only(params)
    doc = documents.collections(conn, state, base_url(request), principal.role)
    return HTMLResponse(html.collections(doc)) if wants_html(request, params) else _json(doc)


@router.get("/collections/{collection_id}", summary="One collection")
def collection(collection_id: str, request: Request, params: ParamsDep, conn: ActingConnectionDep, state: StateDep,
               principal: PrincipalDep) -> Response:
    _doc_only(params)
    c = state.registry.get(collection_id, principal)
    doc = documents.collection(conn, state, base_url(request), c, principal.role)
    return HTMLResponse(html.collection(doc)) if wants_html(request, params) else _json(doc)


@router.get("/collections/{collection_id}/items", summary="Features (GeoJSON)")
async def items(collection_id: str, request: Request) -> Response:
    # the pages of callers known without the database are read on the event loop in front of the
    # application (api.items_front.ItemsFront); what comes here is read in a worker thread, as the
    # caller in one round trip per statement (features.items.read_page, db.read_as): HTML, unknown
    # callers, the once-a-second change-log poll, errors and retries after a database error.
    # No dependencies: the request's parts are taken here (FastAPI's dependency handling costs per request)
    return await run_in_threadpool(_items, collection_id, request, params_of(request), state_of(request))


def _items(collection_id: str, request: Request, params: dict[str, str], state: OgcState) -> Response:
    settings = request.app.state.settings
    as_html = wants_html(request, params)
    with opener_of(request)() as conn:
        principal = get_caller(request, conn)
        state.prepare(conn)
        result = service.items(conn, state, principal, collection_id, params, base=base_url(request),
                               default_limit=settings.api.default_limit, max_limit=settings.api.max_limit)
    if as_html:
        title = state.registry.get(collection_id, principal).title
        return HTMLResponse(html.features(title, json.loads(result.body)))
    return items_response(result)


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One feature (GeoJSON)")
def item(collection_id: str, feature_id: str, request: Request, params: ParamsDep, conn: ActingConnectionDep,
         state: StateDep, principal: PrincipalDep) -> Response:
    as_html = wants_html(request, params)
    result = service.feature(conn, state, principal, collection_id, feature_id, params, base=base_url(request))
    if as_html:
        title = state.registry.get(collection_id, principal).title
        return HTMLResponse(html.feature(title, json.loads(result.body)))
    headers = {"Content-Crs": result.crs.header}
    if result.version is not None and collection_id == "sites":
        headers["ETag"] = site_etag(int(feature_id), result.version)
    return Response(result.body, media_type=documents.GEOJSON, headers=headers)


@router.get("/collections/{collection_id}/queryables", summary="Queryable properties (JSON Schema)")
def queryables(collection_id: str, request: Request, params: ParamsDep, state: StateDep,
               principal: PrincipalDep) -> Response:
    _doc_only(params)
    c = state.registry.get(collection_id, principal)
    doc = documents.queryables(base_url(request), c, principal.role)
    if wants_html(request, params):
        return HTMLResponse(html.document(f"{c.title}: abfragbare Eigenschaften", doc))
    return _json(doc, documents.SCHEMA_JSON)


@router.get("/collections/{collection_id}/schema", summary="Feature schema (Part 5, German titles)")
def schema(collection_id: str, request: Request, params: ParamsDep, state: StateDep,
           principal: PrincipalDep) -> Response:
    _doc_only(params)
    c = state.registry.get(collection_id, principal)
    doc = documents.schema(base_url(request), c, principal.role)
    if wants_html(request, params):
        return HTMLResponse(html.document(f"{c.title}: Schema", doc))
    return _json(doc, documents.SCHEMA_JSON)
