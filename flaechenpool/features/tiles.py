"""Mapbox vector tiles (OGC API – Tiles, WebMercatorQuad) built in PostGIS: one statement per tile.

Each layer is a sub-select that filters the stored geometries by the tile's envelope transformed to
EPSG:25832 (with the MVT buffer as margin; the column is never transformed for the filter),
simplifies them to half a pixel of the zoom level, transforms and clips with ``ST_AsMVTGeom``; the
layers' ``ST_AsMVT`` results are concatenated into one tile. Tiles are cached per (tileset, role
class, z, x, y) until a change touches them (``tilecache``); a cached tile whose envelope selected no
row answers for its descendants with an empty tile, without a statement.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from sqlalchemy import Connection

from flaechenpool.auth import Principal
from flaechenpool.db import read_as
from flaechenpool.errors import NotFound
from flaechenpool.features.registry import Collection, Property
from flaechenpool.features.state import OgcState
from flaechenpool.features.tilecache import TileKey

TMS_ID = "WebMercatorQuad"
EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22
ALL = "_all"            # the combined tileset
LONG_TEXTS = frozenset({"description", "public_description", "notes", "land_use_detail", "source", "created_by",
                        "contact_office", "data_source"})
WEB_MERCATOR_WIDTH = 40075016.685578488
CENTRAL_LATITUDE = 51.0  # Thuringia: pixel sizes in metres on the ground


def simplify_tolerance(z: int) -> float:
    """Half a tile pixel at zoom z, in metres of EPSG:25832 around Thuringia's latitude."""
    return 0.5 * WEB_MERCATOR_WIDTH / (1 << z) / EXTENT * math.cos(math.radians(CENTRAL_LATITUDE))


def tile_properties(c: Collection, role: str) -> tuple[Property, ...]:
    """Attributes carried in tiles: the readable ones without long texts."""
    return tuple(p for p in c.visible(role) if p.name not in LONG_TEXTS)


def _mvt_value(p: Property) -> str:
    if p.type == "array":
        return f"array_to_string({p.expr}, ',')"
    if p.type in ("date", "date-time"):
        return f"CAST({p.expr} AS text)"
    if p.type == "number":
        return f"CAST({p.expr} AS double precision)"
    return p.expr


def layer_sql(c: Collection, role: str, z: int) -> str | None:
    """The sub-select of one layer at zoom z (``None`` below the layer's minimum zoom)."""
    if z < c.min_zoom:
        return None
    geometry = "t.geom"
    tolerance = simplify_tolerance(z)
    if c.geometry_type != "Point" and tolerance > 0.05:
        geometry = f"ST_Simplify(t.geom, {tolerance:.3f}, true)"
    columns = ", ".join(f'{_mvt_value(p)} AS "{p.name}"' for p in tile_properties(c, role))
    where = " AND ".join([*(f"({w})" for w in c.conditions(role, with_time=False)),
                          "t.geom && ST_Transform(ST_Segmentize(ST_TileEnvelope(:z, :x, :y, margin => :margin), "
                          ":seg), 25832)"])
    return (f"SELECT ST_AsMVTGeom(ST_Transform({geometry}, 3857), ST_TileEnvelope(:z, :x, :y), {EXTENT}, {BUFFER}, "
            f"true) AS geom, {columns} FROM {c.source} t WHERE {where}")


def _tile_sql(layers: tuple[Collection, ...], role: str, z: int) -> str | None:
    """The tile (the layers' MVTs concatenated) and the number of rows its envelope selected, in one scan
    per layer; the number is what lets a tile with none stand for its descendants (``TileCache``)."""
    parts: list[str] = []
    for c in layers:
        sql = layer_sql(c, role, z)
        if sql is not None:
            parts.append(f"(SELECT coalesce(ST_AsMVT(l, '{c.id}', {EXTENT}, 'geom') FILTER (WHERE l.geom IS NOT NULL), "
                         f"''::bytea) AS mvt, count(*) AS n FROM ({sql}) l) l{len(parts)}")
    if not parts:
        return None
    names = [f"l{i}" for i in range(len(parts))]
    return (f"SELECT {' || '.join(n + '.mvt' for n in names)} AS tile, {' + '.join(n + '.n' for n in names)} "
            f"AS selected FROM {' CROSS JOIN '.join(parts)}")


_TILE_SQL: dict[tuple[tuple[str, ...], str, int], tuple[tuple[Collection, ...], str | None]] = {}


def tile_sql(layers: list[Collection], role: str, z: int) -> str | None:
    """The statement of a tile of ``layers`` at zoom z as ``role`` sees them (``None``: no layer at z);
    kept per layer ids, role and zoom (checked against the very collection objects)."""
    key = (tuple(c.id for c in layers), role, z)
    hit = _TILE_SQL.get(key)
    if hit is not None and len(hit[0]) == len(layers) and all(a is b for a, b in zip(hit[0], layers, strict=True)):
        return hit[1]
    sql = _tile_sql(tuple(layers), role, z)
    if len(_TILE_SQL) < 4096:
        _TILE_SQL[key] = (tuple(layers), sql)
    return sql


def tile_params(z: int, x: int, y: int) -> dict[str, float | int]:
    size = WEB_MERCATOR_WIDTH / (1 << z)
    return {"z": z, "x": x, "y": y, "margin": BUFFER / EXTENT, "seg": size / 16}


@dataclass(frozen=True)
class Tile:
    data: bytes
    etag: str
    public: bool


def role_class(role: str) -> str:
    """Roles that see the same tiles share cache entries (every role above public reads the same layers)."""
    return "public" if role == "public" else "internal"


def cache_key(tileset: str, role: str, z: int, x: int, y: int) -> TileKey:
    """The tile cache's key of a tile as a role sees it."""
    return tileset, role_class(role), z, x, y


def layers_of(state: OgcState, principal: Principal, tileset: str) -> list[Collection]:
    if tileset == ALL:
        return state.registry.tiled_for_role(principal.role)
    return [state.registry.get_tiled(tileset, principal)]


def check_tile(tms: str, z: int, x: int, y: int) -> None:
    if tms != TMS_ID:
        raise NotFound(f"unknown tile matrix set {tms!r}; offered: {TMS_ID}")
    if not (0 <= z <= MAX_ZOOM and 0 <= x < (1 << z) and 0 <= y < (1 << z)):
        raise NotFound(f"no tile {z}/{y}/{x} in {TMS_ID} (zoom 0–{MAX_ZOOM})")


def etag_of(data: bytes) -> str:
    """A tile's ETag: a hash of its bytes (SHA-256: CPU instructions, 2.5x faster than blake2b here)."""
    return '"' + hashlib.sha256(data).hexdigest()[:24] + '"'


EMPTY_ETAG = etag_of(b"")


def cached_tile(state: OgcState, principal: Principal, tileset: str, layers: list[Collection], z: int, x: int,
                y: int) -> Tile | None:
    """The cached tile if there is one, or an empty one when a cached ancestor tile selected no row of
    these layers (``TileCache.empty_below``) at a zoom where every layer is in the tile (no database
    access)."""
    key = cache_key(tileset, principal.role, z, x, y)
    entry = state.tiles.get(key)
    if entry is None and layers:
        entry = state.tiles.empty_below(key, max(c.min_zoom for c in layers), EMPTY_ETAG)
    return None if entry is None else Tile(entry.data, entry.etag, principal.is_anonymous)


@dataclass(frozen=True)
class TileBuild:
    """What building a missing tile takes (``plan_tile``): its statement, the role to run it as, and
    what ``finish`` needs to cache the result."""
    state: OgcState
    principal: Principal
    tileset: str
    layers: tuple[Collection, ...]
    z: int
    x: int
    y: int
    sql: str | None     # None: no layer at this zoom, the tile is empty (``plan_tile`` finishes it)
    generation: int

    @property
    def params(self) -> dict[str, float | int]:
        return tile_params(self.z, self.x, self.y)

    def finish(self, row: tuple[object, ...] | None) -> Tile:
        """The tile from the statement's row (tile bytes, rows selected), cached unless the data changed
        while it was built (the change log's generation moved)."""
        data, selected = b"", None
        if row is not None:
            data, selected = bytes(row[0] or b""), int(row[1])  # type: ignore[call-overload]
        etag = etag_of(data)
        if self.generation == self.state.tracker.generation:
            tables = frozenset(t for c in self.layers for t in c.tables)
            audited = all(c.requires is None for c in self.layers)
            self.state.tiles.put(cache_key(self.tileset, self.principal.role, self.z, self.x, self.y), data, etag,
                                 tables, audited=audited, no_rows=selected == 0)
        return Tile(data, etag, self.principal.is_anonymous)


def plan_tile(state: OgcState, principal: Principal, tileset: str, tms: str, z: int, x: int,
              y: int) -> Tile | TileBuild:
    """Without the database: the cached tile (or an empty one when no layer is in the tile at this
    zoom), else what building it takes (``build_tile``). The state must be prepared. Unknown tiles and
    collections the caller may not read raise (404 / 401 / 403)."""
    check_tile(tms, z, x, y)
    layers = layers_of(state, principal, tileset)
    hit = cached_tile(state, principal, tileset, layers, z, x, y)
    if hit is not None:
        return hit
    planned = TileBuild(state, principal, tileset, tuple(layers), z, x, y, tile_sql(layers, principal.role, z),
                        state.tracker.generation)
    return planned.finish(None) if planned.sql is None else planned


def get_tile(conn: Connection, state: OgcState, principal: Principal, tileset: str, tms: str, z: int, x: int,
             y: int) -> Tile:
    """A tile of one collection (or of all the caller may read: ``tileset='_all'``), from the cache or built.

    A cached tile costs no statement beyond the change-log poll (at most once a second). A tile is
    built under the caller's role: ``db.read_as`` switches it in the same round trip, so the database
    enforces what is read."""
    check_tile(tms, z, x, y)
    state.prepare(conn)
    planned = plan_tile(state, principal, tileset, tms, z, x, y)
    return planned if isinstance(planned, Tile) else build_tile(conn, planned)


def build_tile(conn: Connection, planned: TileBuild) -> Tile:
    """A planned tile built with one round trip on ``conn`` (``db.read_as`` under the caller's role)."""
    assert planned.sql is not None
    row = read_as(conn, planned.sql, planned.params, actor=planned.principal.username, role=planned.principal.role,
                  plans="force_generic_plan")  # planned once per pooled connection, not per tile
    assert row is not None
    return planned.finish(row)
