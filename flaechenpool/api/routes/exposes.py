"""/flaechen/{id}: the German detail page of a published site and its PDF exposé (anonymous)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from flaechenpool.api.deps import PublicConnectionDep
from flaechenpool.expose.pdf import expose_page, expose_pdf

router = APIRouter(prefix="/flaechen", tags=["public"])


@router.get("/{site_id}", response_class=HTMLResponse, summary="Detail page of a published site (German)")
def detail(conn: PublicConnectionDep, site_id: int, request: Request) -> HTMLResponse:
    return HTMLResponse(expose_page(conn, site_id, base_url=str(request.base_url)))


@router.get("/{site_id}/expose.pdf", response_class=Response, summary="Printable exposé (PDF, German)")
def pdf(conn: PublicConnectionDep, site_id: int, request: Request) -> Response:
    content, filename = expose_pdf(conn, site_id, base_url=str(request.base_url))
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
