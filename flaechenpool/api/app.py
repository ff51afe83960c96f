"""The FastAPI application factory. Nothing is built at import time.

``create_app(settings)`` returns an app whose lifespan opens the connection pool, checks the
database (reachable, PostGIS, schema revision) so a bad ``DATABASE_URL`` fails at start with one
clear message, keeps the engine on ``app.state``, opens the tiles' ``AsyncReader`` pool
(``async_reads``), runs the background jobs (``api/jobs.py``: retention, e-mail notifications) and closes both pools on exit. The
outermost middlewares answer the tile requests (``api/tile_front.py``) and items pages
(``api/items_front.py``) of callers known without the database.
Run it with ``flaechenpool serve`` or ``uvicorn --factory flaechenpool.api.app:app_factory``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from sqlalchemy import Engine

from flaechenpool import __version__
from flaechenpool.api import jobs
from flaechenpool.api.cors import PublicReadsCors
from flaechenpool.api.items_front import ItemsFront
from flaechenpool.api.limits import BodySizeLimit
from flaechenpool.api.page_headers import PageHeaders, PagePolicy
from flaechenpool.api.params import known_params_only
from flaechenpool.api.principal_cache import PrincipalCache
from flaechenpool.api.problems import add_problem_handlers
from flaechenpool.api.routes import (
    analysis,
    exposes,
    health,
    inquiries,
    landpool,
    ogc,
    ogc_edit,
    ogc_tiles,
    parcels,
    preemption,
    projects,
    public,
    public_sites,
    reports,
    site_photos,
    sites,
)
from flaechenpool.api.tile_front import TileFront
from flaechenpool.async_reads import AsyncReader
from flaechenpool.db import check_database, create_engine_for, resolve_database_url
from flaechenpool.errors import DatabaseUnavailable
from flaechenpool.migrations import current_revision, head_revision
from flaechenpool.ratelimit import RateLimiter
from flaechenpool.settings import Settings


def _open_engine(settings: Settings, database_url: str | None) -> Engine:
    url = database_url or resolve_database_url(settings)
    engine = create_engine_for(url, settings)
    try:
        check_database(engine)
        with engine.connect() as conn:
            revision = current_revision(conn)
        head = head_revision()
        if revision != head:
            raise DatabaseUnavailable(
                f"the database schema is at revision {revision or '(empty)'}, this code needs {head}: "
                "run 'flaechenpool db migrate'"
            )
    except BaseException:
        engine.dispose()
        raise
    return engine


def create_app(settings: Settings | None = None, *, database_url: str | None = None) -> FastAPI:
    """Build the application. ``database_url`` overrides the settings' choice of database."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = _open_engine(settings, database_url)
        app.state.reader = AsyncReader(app.state.engine, settings)
        await app.state.reader.open()
        app.state.rate_limiter = RateLimiter(app.state.engine.connect, settings.public.rate_window_s)
        background = jobs.start(app.state.engine, settings)
        try:
            yield
        finally:
            await jobs.stop(background)
            await app.state.reader.close()
            app.state.engine.dispose()

    app = FastAPI(
        title="Flächenpool",
        version=__version__,
        description="Land-management GIS service for German municipalities: parcels (Flurstücke), sites "
        "(Potenzialflächen), the municipal land pool and reference layers in PostGIS.",
        lifespan=lifespan,
        docs_url=None,      # /docs is served from the project's own Swagger UI copy (routes/public.py), no CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.principals = PrincipalCache(settings.api.token_cache_seconds)
    add_problem_handlers(app)
    app.add_middleware(PageHeaders, policy=PagePolicy(settings.web))    # CSP and co. of the HTML pages
    app.add_middleware(PublicReadsCors)     # other origins may read /ogc and /api/public
    app.add_middleware(BodySizeLimit, max_bytes=settings.api.max_body_bytes)
    app.add_middleware(ItemsFront)    # the items pages of known callers need no routing either
    app.add_middleware(TileFront)     # outermost: the tiles of known callers need no routing
    # /ogc first: requests are matched route by route in this order, and map clients send the most
    # requests (dozens of tiles per view); the /ogc paths overlap no other router's
    app.include_router(ogc_tiles.router)
    app.include_router(ogc.router)
    app.include_router(ogc_edit.router)
    app.include_router(health.router)
    app.include_router(public.router)
    public.mount_static(app)
    # the REST API refuses query parameters a route does not declare (the OGC routes check theirs themselves;
    # the pages take any: the map page keeps its state in the URL)
    for rest in (parcels, sites, site_photos, landpool, preemption, analysis, public_sites, inquiries, projects,
                 reports):
        app.include_router(rest.router, dependencies=[Depends(known_params_only)])
    app.include_router(exposes.router)
    return app


def app_factory() -> FastAPI:
    """Zero-argument factory for ``uvicorn --factory``: settings from the environment."""
    return create_app(Settings())
