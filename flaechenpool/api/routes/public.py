"""GET /: the public start page (German) listing published sites; the map page comes later."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from flaechenpool.api.deps import PublicConnectionDep
from flaechenpool.api.pages import start_page
from flaechenpool.public import published_sites

router = APIRouter(tags=["public"])


@router.get("/", response_class=HTMLResponse, summary="Public start page (German)")
def get_start_page(conn: PublicConnectionDep) -> HTMLResponse:
    return HTMLResponse(start_page(published_sites(conn)))
