"""OGC API – Tiles (MVT) per collection and combined; TileJSON; the MapLibre style; cache and invalidation."""

from __future__ import annotations

from collections.abc import Callable

import mapbox_vector_tile
import morecantile
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from tests.live import LiveServer
from tests.ogc.conftest import reproject, stored_geometries

Auth = Callable[[str | None], dict[str, str]]
TMS = morecantile.tms.get("WebMercatorQuad")
JENA = (11.59, 50.928)


def _tile(ogc: TestClient, path: str, headers: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
    r = ogc.get(path, headers=headers or {})
    assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(r.content)  # type: ignore[no-any-return]


def test_tile_documents(ogc: TestClient) -> None:
    assert ogc.get("/ogc/tileMatrixSets").json()["tileMatrixSets"][0]["id"] == "WebMercatorQuad"
    tms = ogc.get("/ogc/tileMatrixSets/WebMercatorQuad").json()
    assert tms["crs"].endswith("3857") and len(tms["tileMatrices"]) >= 23
    listing = ogc.get("/ogc/collections/parcels/tiles").json()
    assert listing["tilesets"][0]["dataType"] == "vector"
    tileset = ogc.get("/ogc/collections/parcels/tiles/WebMercatorQuad").json()
    template = next(link for link in tileset["links"] if link["rel"] == "item")
    assert template["href"].endswith("/{tileMatrix}/{tileRow}/{tileCol}") and template["templated"] is True
    assert tileset["layers"][0]["minTileMatrix"] == "13"
    tilejson = ogc.get("/ogc/tiles/WebMercatorQuad/tilejson.json").json()
    assert tilejson["tilejson"] == "3.0.0" and tilejson["tiles"][0].endswith("/{z}/{y}/{x}")
    assert "sites" in {layer["id"] for layer in tilejson["vector_layers"]}


def test_parcel_tile_against_shapely(ogc: TestClient, conn: Connection) -> None:
    """The features of a z15 tile are the parcels meeting the tile (plus its buffer), per pyproj/shapely."""
    t = TMS.tile(*JENA, 15)
    bounds = shapely.box(*TMS.xy_bounds(t))
    buffer = (bounds.bounds[2] - bounds.bounds[0]) * 64 / 4096
    centre = reproject(bounds.centroid, 3857, 25832)
    stored = stored_geometries(conn, "SELECT flurstueckskennzeichen, ST_AsBinary(geom) FROM core.parcels "
                                     "WHERE valid_to IS NULL AND ST_DWithin(geom, ST_SetSRID(ST_Point(:x, :y), 25832), "
                                     "1500)", x=centre.x, y=centre.y)   # a pre-selection: the tile is ~750 m wide
    in_3857 = {k: reproject(g, 25832, 3857) for k, g in stored.items()}
    surely = {k for k, g in in_3857.items() if g.intersects(bounds.buffer(-1))}
    maybe = {k for k, g in in_3857.items() if g.intersects(bounds.buffer(buffer + 1, join_style="mitre"))}
    layer = _tile(ogc, f"/ogc/collections/parcels/tiles/WebMercatorQuad/15/{t.y}/{t.x}")["parcels"]
    got = {f["properties"]["flurstueckskennzeichen"] for f in layer["features"]}
    assert len(surely) > 30
    assert surely <= got <= maybe
    assert layer["extent"] == 4096


def test_combined_tile_respects_the_role(ogc: TestClient, conn: Connection, auth: Auth) -> None:
    ilmenau = TMS.tile(10.9247, 50.6862, 12)
    path = f"/ogc/tiles/WebMercatorQuad/12/{ilmenau.y}/{ilmenau.x}"
    public = _tile(ogc, path)
    planner = _tile(ogc, path, auth("planner"))
    published = set(conn.execute(text("SELECT id FROM core.sites WHERE published AND retired_at IS NULL "
                                      "AND municipality_ags = '16070029'")).scalars())
    assert {f["properties"]["id"] for f in public["sites"]["features"]} == published
    assert "owner_contact" not in public["sites"]["features"][0]["properties"]
    assert "vacancies" not in public and "vacancies" in planner
    assert len(planner["sites"]["features"]) > len(published)
    low = _tile(ogc, f"/ogc/tiles/WebMercatorQuad/9/{TMS.tile(*JENA, 9).y}/{TMS.tile(*JENA, 9).x}")
    assert "parcels" not in low and "municipalities" in low          # parcels from zoom 13 on


def test_etag_and_not_modified(ogc: TestClient, auth: Auth) -> None:
    t = TMS.tile(*JENA, 14)
    path = f"/ogc/tiles/WebMercatorQuad/14/{t.y}/{t.x}"
    first = ogc.get(path)
    assert first.headers["Cache-Control"] == "public, no-cache" and first.headers["ETag"].startswith('"')
    assert ogc.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    private = ogc.get(path, headers=auth("planner"))
    assert private.headers["Cache-Control"] == "private, no-cache"
    assert private.headers["ETag"] != first.headers["ETag"]


def test_change_invalidates_only_the_tiles_it_touches(ogc: TestClient, conn: Connection, auth: Auth) -> None:
    site_id, lon, lat = conn.execute(text(
        "SELECT id, ST_X(c), ST_Y(c) FROM (SELECT id, ST_Transform(ST_PointOnSurface(geom), 4326) AS c "
        "FROM core.sites WHERE municipality_ags = '16053000' ORDER BY id LIMIT 1) s")).one()
    near, far = TMS.tile(lon, lat, 15), TMS.tile(10.9247, 50.6862, 15)
    paths = [f"/ogc/collections/sites/tiles/WebMercatorQuad/15/{t.y}/{t.x}" for t in (near, far)]
    before = [_tile(ogc, p, auth("planner")) for p in paths]
    state = ogc.app.state.ogc
    state.tracker.interval_s = 0.0
    hits = state.tiles.stats()["hits"]
    assert [_tile(ogc, p, auth("planner")) for p in paths] == before
    assert state.tiles.stats()["hits"] == hits + 2
    conn.execute(text("UPDATE core.sites SET name = 'Neu benannt' WHERE id = :i"), {"i": site_id})
    after_near = _tile(ogc, paths[0], auth("planner"))
    names = {f["properties"]["id"]: f["properties"]["name"] for f in after_near["sites"]["features"]}
    assert names[site_id] == "Neu benannt"
    assert _tile(ogc, paths[1], auth("planner")) == before[1]
    assert state.tiles.stats()["hits"] == hits + 3        # the far tile still came from the cache


def test_tile_errors(ogc: TestClient) -> None:
    assert ogc.get("/ogc/tiles/WebMercatorQuad/3/9/0").status_code == 404
    assert ogc.get("/ogc/tiles/WorldCRS84Quad/3/0/0").status_code == 404
    assert ogc.get("/ogc/tiles/WebMercatorQuad/23/0/0").status_code == 404
    assert ogc.get("/ogc/collections/vacancies/tiles/WebMercatorQuad/3/0/0").status_code == 401
    assert ogc.get("/ogc/tiles/WebMercatorQuad/3/2/4?filter=x").status_code == 400


def test_style(ogc: TestClient) -> None:
    style = ogc.get("/ogc/styles/default").json()
    assert style["version"] == 8 and style["sources"]["flaechenpool"]["type"] == "vector"
    tilejson = ogc.get("/ogc/tiles/WebMercatorQuad/tilejson.json").json()
    layers = {layer["id"] for layer in tilejson["vector_layers"]}
    used = {layer["source-layer"] for layer in style["layers"] if "source-layer" in layer}
    assert used <= layers and "sites" in used
    sites_fill = next(layer for layer in style["layers"] if layer["id"] == "sites-fill")
    assert sites_fill["paint"]["fill-color"][0] == "match"             # coloured by kind


def test_a_cached_tile_is_served_without_building_or_switching_roles(ogc: TestClient, conn: Connection,
                                                                      auth: Auth) -> None:
    from sqlalchemy import event

    t = TMS.tile(*JENA, 15)
    path = f"/ogc/collections/parcels/tiles/WebMercatorQuad/15/{t.y}/{t.x}"
    first = _tile(ogc, path, auth("planner"))
    assert first["parcels"]["features"]
    ogc.app.state.ogc.tracker.interval_s = 3600.0          # no change-log poll during the second request
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(conn, "before_cursor_execute", record)
    try:
        assert _tile(ogc, path, auth("planner")) == first
        cached = list(statements)
        statements.clear()
        fresh = TMS.tile(*JENA, 16)                         # not cached yet: built under the caller's role
        _tile(ogc, f"/ogc/collections/parcels/tiles/WebMercatorQuad/16/{fresh.y}/{fresh.x}", auth("planner"))
    finally:
        event.remove(conn, "before_cursor_execute", record)
    assert not any("ST_AsMVT" in s or "set_config" in s for s in cached), cached
    assert any("set_config" in s for s in statements) and any("ST_AsMVT" in s for s in statements)


EMPTY_PLACE = (12.45, 50.35)     # Vogtland: no test data within kilometres (the parent tile below proves it)


def _path(t: morecantile.Tile, tileset: str = "collections/parcels/tiles") -> str:
    return f"/ogc/{tileset}/WebMercatorQuad/{t.z}/{t.y}/{t.x}"


def test_a_tile_under_an_empty_parent_is_empty_without_a_statement_until_a_change_there(
        ogc: TestClient, conn: Connection, auth: Auth) -> None:
    from sqlalchemy import event

    from flaechenpool.features.tiles import tile_params, tile_sql

    statements: list[str] = []
    event.listen(conn, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql))
    parent, child = TMS.tile(*EMPTY_PLACE, 14), TMS.tile(*EMPTY_PLACE, 16)
    assert _tile(ogc, _path(parent)) == {}
    assert any("ST_AsMVT" in s for s in statements)                         # built by the database
    state = ogc.app.state.ogc
    state.tracker.interval_s = 0.0
    statements.clear()
    r = ogc.get(_path(child))
    assert r.status_code == 200 and r.content == b"" and not any("ST_AsMVT" in s for s in statements)
    parcels = next(c for c in state.registry.all() if c.id == "parcels")
    sql = tile_sql([parcels], "public", 16)
    assert sql is not None
    built = conn.execute(text(sql), tile_params(child.z, child.x, child.y)).one()
    assert (bytes(built[0]), built[1]) == (r.content, 0)                     # what the database says
    assert state.tiles.stats()["inferred_empty"] >= 1
    # other roles share nothing with the public's knowledge
    statements.clear()
    assert _tile(ogc, _path(child), auth("planner")) == {}
    assert any("ST_AsMVT" in s for s in statements)
    # a parcel appears in the child's area: the parent's knowledge and the child's empty tile are gone
    centre = reproject(shapely.box(*TMS.xy_bounds(child)).centroid, 3857, 25832)
    conn.execute(text(
        "INSERT INTO core.parcels (flurstueckskennzeichen, municipality_ags, official_area_m2, geom, provenance, "
        "source) VALUES ('169999001000010001__', '16053000', 400, ST_Multi(ST_Buffer(ST_SetSRID(ST_Point(:x, :y), "
        "25832), 10, 1)), 'user', 'test')"), {"x": centre.x, "y": centre.y})
    statements.clear()
    layer = _tile(ogc, _path(child))["parcels"]
    assert [f["properties"]["flurstueckskennzeichen"] for f in layer["features"]] == ["169999001000010001__"]
    assert any("ST_AsMVT" in s for s in statements)
    assert "parcels" in _tile(ogc, _path(parent))


def test_an_empty_tile_below_a_layers_minimum_zoom_says_nothing_about_its_children(ogc: TestClient,
                                                                                   conn: Connection) -> None:
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(conn, "before_cursor_execute", lambda _c, _cur, sql, *_: statements.append(sql))
    assert _tile(ogc, _path(TMS.tile(*EMPTY_PLACE, 12))) == {}              # parcels start at zoom 13
    statements.clear()
    assert _tile(ogc, _path(TMS.tile(*EMPTY_PLACE, 13))) == {}
    assert any("ST_AsMVT" in s for s in statements)


def test_expired_or_non_empty_parents_stand_for_nothing() -> None:
    from flaechenpool.features.tilecache import TileCache

    cache = TileCache(ttl_s=-1.0)        # entries of unaudited tables expire at once
    tables = frozenset({"ref.land_use"})
    cache.put(("land_use", "public", 10, 5, 5), b"", '"e"', tables, audited=False, no_rows=True)
    cache.put(("land_use", "public", 10, 6, 6), b"x", '"x"', tables, no_rows=False)
    cache.put(("land_use", "public", 10, 7, 7), b"", '"e"', tables, no_rows=True)
    assert cache.empty_below(("land_use", "public", 12, 20, 20), 0, '"e"') is None     # expired
    assert cache.empty_below(("land_use", "public", 12, 24, 24), 0, '"e"') is None     # had rows
    assert cache.empty_below(("land_use", "internal", 12, 28, 28), 0, '"e"') is None   # another role class
    assert cache.empty_below(("land_use", "public", 12, 28, 28), 11, '"e"') is None    # above top_zoom
    entry = cache.empty_below(("land_use", "public", 12, 28, 28), 10, '"e"')
    assert entry is not None and entry.data == b"" and entry.no_rows
    assert cache.get(("land_use", "public", 12, 28, 28)) == entry                      # stored


def test_tiles_of_known_callers_are_answered_in_front_of_the_routes(ogc: TestClient, auth: Auth,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``TileFront`` answers anonymous callers and fresh tokens, cached or built, with what the route
    would answer; whatever it cannot judge alone reaches the route and gets the route's answer."""
    from flaechenpool.api.routes import ogc_tiles

    routed: list[str] = []
    route_build = ogc_tiles._build_tile
    monkeypatch.setattr(ogc_tiles, "_build_tile", lambda request, *a: routed.append(request.url.path)
                        or route_build(request, *a))
    t = TMS.tile(*JENA, 15)
    path = _path(t)
    ogc.app.state.principals.forget()
    via_route = ogc.get(path, headers=auth("planner"))          # the token is not known yet: the route
    assert routed == [path] and via_route.status_code == 200
    routed.clear()
    ogc.app.state.ogc.tiles.clear()
    built = ogc.get(path, headers=auth("planner"))              # known now: built in front
    cached = ogc.get(path, headers=auth("planner"))             # and from the cache
    public = ogc.get(_path(TMS.tile(*JENA, 16)))                # anonymous, built in front
    assert routed == []
    for r in (built, cached):
        assert r.status_code == 200 and r.content == via_route.content
        for header in ("ETag", "Vary", "Cache-Control", "Content-Type", "Content-Length"):
            assert r.headers[header] == via_route.headers[header], header
    assert via_route.headers["Cache-Control"] == "private, no-cache"
    assert public.headers["Cache-Control"] == "public, no-cache"
    not_modified = ogc.get(path, headers={**auth("planner"), "If-None-Match": f'"x", {cached.headers["ETag"]}'})
    assert not_modified.status_code == 304 and not_modified.content == b"" and routed == []

    wrong = [ogc.get(path, headers={"Authorization": "Basic !!"}),            # malformed: 401 by the route
             ogc.get(path, headers={"Authorization": "Bearer nope"}),         # unknown token: 401
             ogc.get(path + "?f=mvt"),                                        # a query string: 400
             ogc.get("/ogc/collections/vacancies/tiles/WebMercatorQuad/15/0/0"),   # not public: 401
             ogc.get("/ogc/collections/nothing/tiles/WebMercatorQuad/15/0/0")]     # unknown: 404
    assert [r.status_code for r in wrong] == [401, 401, 400, 401, 404]
    assert all(r.headers["content-type"] == "application/problem+json" for r in wrong)


def test_the_tile_front_serves_under_a_proxys_root_path(ogc: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a proxy that serves the application under a prefix (uvicorn ``--root-path``) the front
    still answers the tile itself."""
    from flaechenpool.api.routes import ogc_tiles

    assert ogc.get(_path(TMS.tile(*JENA, 14))).status_code == 200    # the first tile prepares the state
    routed: list[str] = []
    monkeypatch.setattr(ogc_tiles, "_build_tile", lambda request, *a: routed.append("route") or None)
    t = TMS.tile(*JENA, 15)
    direct = ogc.get(_path(t))
    proxied = TestClient(ogc.app, root_path="/flaechenpool").get("/flaechenpool" + _path(t))
    assert direct.status_code == proxied.status_code == 200 and proxied.content == direct.content
    assert routed == []


def test_a_live_server_builds_tiles_on_the_event_loop_as_the_routes_would(
        ogc: TestClient, auth: Auth, live_server: LiveServer) -> None:
    """The real server builds uncached tiles through its ``AsyncReader`` (its own connections, named
    ``flaechenpool-reads``): the same bytes as the in-process app's route, per role."""
    import httpx
    from sqlalchemy import create_engine

    t = TMS.tile(*JENA, 15)
    ilmenau = TMS.tile(10.9247, 50.6862, 12)
    cases = [(_path(t), None, None), (f"/ogc/tiles/WebMercatorQuad/12/{ilmenau.y}/{ilmenau.x}", "planner", "ogc-planner")]
    for path, role, user in cases:
        expected = ogc.get(path, headers=auth(role) if role else {})
        headers = {"Authorization": f"Bearer {live_server.tokens[user]}"} if user else {}
        with httpx.Client(base_url=live_server.url, headers=headers) as http:
            http.get(_path(TMS.tile(*JENA, 14)))          # prepares the server's state (the route)
            live = http.get(path)
            again = http.get(path, headers={"If-None-Match": live.headers["ETag"]})
        assert live.status_code == 200 and live.content == expected.content, path
        assert live.headers["ETag"] == expected.headers["ETag"] and again.status_code == 304
    engine = create_engine(live_server.database_url)
    try:
        with engine.connect() as db:
            queries = db.execute(text("SELECT query FROM pg_stat_activity WHERE application_name = "
                                      "'flaechenpool-reads'")).scalars().all()
    finally:
        engine.dispose()
    assert any("ST_AsMVT" in q for q in queries), queries
