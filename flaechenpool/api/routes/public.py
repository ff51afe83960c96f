"""The public page ``/`` (German map of published sites), the legal pages, ``/docs`` and the static files
under ``/static``.

Static files are served with a validator (ETag/Last-Modified); a request carrying the content
version ``?v=`` (as every URL the page writes does) may be cached for a year, since a changed file
gets a new version. Where ``scripts/install.sh`` left a gzip copy (``NAME.gz``, MapLibre) that is
not older than the file, a client accepting gzip gets it.
"""

from __future__ import annotations

import json
import mimetypes
import stat

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from flaechenpool import legal, public_sites
from flaechenpool.api.crawlers import robots_txt, sitemap_xml
from flaechenpool.api.deps import PublicConnectionDep, SettingsDep
from flaechenpool.api.feed import FEED_SIZE, atom_feed
from flaechenpool.api.pages import docs_page, index_page
from flaechenpool.web import STATIC_DIR, STATIC_PREFIX, Assets

router = APIRouter(tags=["public"])
IMMUTABLE = "public, max-age=31536000, immutable"


class VersionedStaticFiles(StaticFiles):
    """StaticFiles with ``Cache-Control``: immutable for versioned URLs, revalidate otherwise."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = self._gzipped(path, scope) or await super().get_response(path, scope)
        if response.status_code in (200, 304):
            versioned = b"v=" in scope.get("query_string", b"")
            response.headers["Cache-Control"] = IMMUTABLE if versioned else "no-cache"
        return response


    def _gzipped(self, path: str, scope: Scope) -> Response | None:
        if scope["method"] not in ("GET", "HEAD") or not _accepts_gzip(scope) or path.endswith(".gz"):
            return None
        plain_path, plain = self.lookup_path(path)
        packed_path, packed = self.lookup_path(path + ".gz")
        if plain is None or packed is None or not stat.S_ISREG(packed.st_mode) or packed.st_mtime < plain.st_mtime:
            return None
        response = self.file_response(packed_path, packed, scope)
        response.headers["Content-Type"] = mimetypes.guess_type(plain_path)[0] or "application/octet-stream"
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
        return response


def _accepts_gzip(scope: Scope) -> bool:
    return any(name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"])


def mount_static(app: FastAPI) -> None:
    """Serve ``flaechenpool/web/static`` at ``/static`` and keep the asset versions on ``app.state``."""
    app.state.assets = Assets()
    app.mount(STATIC_PREFIX, VersionedStaticFiles(directory=STATIC_DIR), name="static")


@router.get("/", response_class=HTMLResponse, summary="Public map page (German)")
def get_start_page(request: Request, conn: PublicConnectionDep) -> HTMLResponse:
    sites = json.loads(public_sites.site_collection(conn, public_sites.SiteFilter(limit=public_sites.MAX_LIMIT)))
    html = index_page(sites["features"], public_sites.municipalities(conn), request.app.state.assets,
                      request.app.state.settings.web, illustrative=public_sites.shows_illustrative(conn))
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def get_docs(request: Request) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``, served from here (``pages.docs_page``)."""
    app = request.app
    return HTMLResponse(docs_page(app.openapi_url, app.title, app.state.assets), headers={"Cache-Control": "no-cache"})


@router.get("/robots.txt", response_class=PlainTextResponse, include_in_schema=False)
def get_robots(request: Request) -> PlainTextResponse:
    return PlainTextResponse(robots_txt(str(request.base_url)), headers={"Cache-Control": "public, max-age=86400"})


@router.get("/sitemap.xml", include_in_schema=False)
def get_sitemap(request: Request, conn: PublicConnectionDep) -> Response:
    """The map page and the detail pages of published real sites (``api/crawlers.py``)."""
    xml = sitemap_xml(str(request.base_url), public_sites.sitemap(conn))
    return Response(xml, media_type="application/xml", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/flaechen.atom", include_in_schema=False)
def get_feed(request: Request, conn: PublicConnectionDep) -> Response:
    """The published sites as an Atom feed, newest change first (``api/feed.py``)."""
    sites = json.loads(public_sites.site_collection(conn, public_sites.SiteFilter(limit=FEED_SIZE, sort=["-updated"])))
    return Response(atom_feed(str(request.base_url), sites["features"]), media_type="application/atom+xml",
                    headers={"Cache-Control": "public, max-age=600"})


@router.get("/impressum", response_class=HTMLResponse, summary="Imprint: who provides the service (German)")
def get_imprint(settings: SettingsDep) -> HTMLResponse:
    return HTMLResponse(legal.imprint(settings), headers={"Cache-Control": "no-cache"})


@router.get("/datenschutz", response_class=HTMLResponse, summary="Privacy statement, Art. 13 GDPR (German)")
def get_privacy_statement(settings: SettingsDep) -> HTMLResponse:
    return HTMLResponse(legal.privacy_statement(settings), headers={"Cache-Control": "no-cache"})


@router.get("/barrierefreiheit", response_class=HTMLResponse, summary="Accessibility statement, BITV 2.0 (German)")
def get_accessibility_statement(settings: SettingsDep) -> HTMLResponse:
    return HTMLResponse(legal.accessibility_statement(settings), headers={"Cache-Control": "no-cache"})
