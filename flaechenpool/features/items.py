"""The items query of a collection: bbox, datetime, CQL2, property filters, sortby, properties, paging.

One SQL statement per page builds the features as GeoJSON text in PostGIS (``ST_AsGeoJSON`` and
``json_build_object`` concatenated — nothing is parsed back); Python only wraps the page with
``numberMatched``, ``numberReturned`` and the links. Filters compare the stored geometry with the
request's box or literal transformed to EPSG:25832. ``numberMatched`` is counted up to ``COUNT_CAP``
rows and then kept until a change of the collection's tables (``changes.DerivedCache``).

A first page with a small bbox (``WINDOW_COUNT_MAX_M2``) counts its matches in the page statement
itself (``count(*) OVER ()``): the page has to sort all matching rows anyway, so the count costs
next to nothing, where a second statement would scan the index and test every geometry again.
PostgreSQL builds the features' JSON only for the rows of the page (after the sort and limit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from flaechenpool.db import read_as
from flaechenpool.errors import InputError, NotFound
from flaechenpool.features.binds import Binds
from flaechenpool.features.cql import compile_filter
from flaechenpool.features.crs import CRS84, Crs
from flaechenpool.features.registry import Collection, Property
from flaechenpool.features.timefilter import Range, parse_instant, range_condition
from flaechenpool.spatial import BBox

COUNT_CAP = 2_000_000
# numberMatched inside the page statement only for boxes up to this area: the window count holds
# every matching row, which for a box over a whole district could be hundreds of thousands
WINDOW_COUNT_MAX_M2 = 10_000_000.0


@dataclass
class ItemsRequest:
    """What a client asked for, parsed and checked against the collection by ``ItemsQuery``."""

    limit: int = 10
    offset: int = 0
    bbox: BBox | None = None
    crs: Crs = CRS84
    datetime: Range | None = None
    filter: Any = None                    # CQL2-JSON (from cql.parse_filter)
    filter_crs: Crs = CRS84
    sortby: list[tuple[str, bool]] = field(default_factory=list)   # (property, descending)
    properties: list[str] | None = None
    equals: dict[str, str] = field(default_factory=dict)           # property=value parameters
    skip_geometry: bool = False


def parse_sortby(value: str | None) -> list[tuple[str, bool]]:
    """``sortby=name,-area_m2`` (a ``+`` sent unencoded arrives as a space)."""
    out = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        descending = part.startswith("-")
        out.append((part.lstrip("+-").strip(), descending))
    return out


def parse_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [p.strip() for p in value.split(",") if p.strip()]


@dataclass(frozen=True)
class Page:
    features: bytes | memoryview   # the features' JSON texts (UTF-8) joined by commas (no brackets), as read
    returned: int
    matched: int | None


class ItemsQuery:
    """SQL for one request on one collection as seen by ``role``."""

    def __init__(self, collection: Collection, role: str, request: ItemsRequest) -> None:
        self.c = collection
        self.role = role
        self.r = request
        self.binds = Binds()
        self.conditions = self._conditions()
        self.selected = self._selected()

    def _conditions(self) -> list[str]:
        c, r = self.c, self.r
        out = c.conditions(self.role, with_time=r.datetime is not None)
        if r.bbox is not None:
            envelope, params = r.bbox.sql(prefix="bbox")
            self.binds.update(params)
            out.append(f"t.geom && {envelope} AND ST_Intersects(t.geom, {envelope})")
        if r.datetime is not None:
            if c.temporal is None:
                raise InputError(f"datetime: collection {c.id!r} has no time; leave datetime out")
            start, end = (c.prop(n).expr if n else None for n in c.temporal)
            assert start is not None
            out.append(range_condition(start, end, r.datetime, self.binds))
        for name, value in r.equals.items():
            out.append(self._equals(c.visible_prop(name, self.role, what="query parameter"), value))
        if r.filter is not None:
            out.append(compile_filter(r.filter, c, self.role, r.filter_crs, self.binds))
        return out

    def _equals(self, prop: Property, value: str) -> str:
        if prop.type == "array":
            return f"{self.binds(value)} = ANY({prop.expr})"
        if prop.type in ("integer", "number"):
            try:
                number: float = int(value) if prop.type == "integer" else float(value)
            except ValueError:
                raise InputError(f"{prop.name}: {value!r} is not a number") from None
            return f"{prop.expr} = {self.binds(number)}"
        if prop.type == "boolean":
            if value.lower() not in ("true", "false"):
                raise InputError(f"{prop.name}: use true or false")
            return f"{prop.expr} = {self.binds(value.lower() == 'true')}"
        if prop.type in ("date", "date-time"):
            instant = parse_instant(value, name=prop.name)
            return f"{prop.expr} = {instant.sql(self.binds)}"
        return f"{prop.expr} = {self.binds(value)}"

    def _selected(self) -> tuple[Property, ...]:
        visible = self.c.visible(self.role)
        if self.r.properties is None:
            return visible
        for name in self.r.properties:
            self.c.visible_prop(name, self.role)
        return tuple(p for p in visible if p.name in self.r.properties)

    @property
    def where(self) -> str:
        return " AND ".join(f"({c})" for c in self.conditions) or "true"

    def order_by(self) -> str:
        keys = [f"{self.c.visible_prop(n, self.role, what='sortby property').expr} {'DESC' if d else 'ASC'}"
                for n, d in self.r.sortby]
        return ", ".join([*keys, self.c.id_expr])

    def feature_sql(self) -> str:
        """SQL of one feature's GeoJSON text (alias t)."""
        props = ", ".join(f"'{p.name}', {p.expr}" for p in self.selected)
        geometry = "'null'" if self.r.skip_geometry else (
            f"coalesce(ST_AsGeoJSON({self.r.crs.output_sql('t.geom')}, {self.r.crs.decimals}, 0), 'null')")
        return (f"""'{{"type":"Feature","id":' || to_json({self.c.id_expr})::text || ',"geometry":' || """
                f"""{geometry} || ',"properties":' || json_build_object({props})::text || '}}'""")

    def page_sql(self, *, with_count: bool = False) -> str:
        """The page's features and their number; ``with_count`` adds ``matched`` (all rows that match,
        NULL when the page is empty) by a window over the rows the page is cut from."""
        self.binds.update(limit=self.r.limit, offset=self.r.offset)
        window = ", count(*) OVER () AS m" if with_count else ""
        return (f"SELECT coalesce(string_agg(page.f, ','), '') AS features, count(*) AS n"
                f"{', max(page.m) AS matched' if with_count else ''} FROM ("
                f"SELECT {self.feature_sql()} AS f{window} FROM {self.c.source} t WHERE {self.where} "
                f"ORDER BY {self.order_by()} LIMIT :limit OFFSET :offset) page")

    @property
    def count_in_page(self) -> bool:
        """Whether the first page should count its matches itself (a small bbox bounds the rows)."""
        box = self.r.bbox
        return self.r.offset == 0 and box is not None and box.approx_area_m2() <= WINDOW_COUNT_MAX_M2

    def count_sql(self) -> str:
        return f"SELECT count(*) FROM (SELECT 1 FROM {self.c.source} t WHERE {self.where} LIMIT {COUNT_CAP}) c"

    def count_key(self) -> tuple[str, ...]:
        params = {k: v for k, v in self.binds.items() if k not in ("limit", "offset")}
        return ("count", self.c.id, self.role, self.where, json.dumps(params, sort_keys=True, default=str))


@dataclass(frozen=True)
class PagePlan:
    """What reading a page takes (``plan_page``): its statement, and what is known of numberMatched."""

    query: ItemsQuery
    sql: str                # the page (with its matches counted by a window when ``with_count``)
    key: tuple[str, ...]    # numberMatched's key in the derived cache
    known: int | None       # numberMatched from the cache
    with_count: bool
    generation: int         # the change log's generation before the read
    shared: bool = True     # numberMatched may be remembered for others of the role (not ``per_user``)

    def page(self, row: tuple[Any, ...] | None, counts: Any = None) -> tuple[Page, bool]:
        """The page from the statement's row, and whether numberMatched still needs ``count_sql``
        (then ``counted``)."""
        assert row is not None
        features, returned = row[0], int(row[1])
        matched: int | None = None
        if self.query.r.offset == 0 and returned < self.query.r.limit:
            matched = returned
        elif self.known is not None:
            matched = self.known
        elif self.with_count and row[2] is not None:
            matched = int(row[2])
            if counts is not None and self.shared:
                counts.remember(self.key, self.query.c.tables, matched, self.generation)
        else:
            return Page(features, returned, None), True
        return Page(features, returned, matched), False

    def counted(self, page: Page, row: tuple[Any, ...] | None, counts: Any = None) -> Page:
        """``page`` with numberMatched from ``count_sql``'s row (none above ``COUNT_CAP``), remembered
        unless the data changed meanwhile."""
        assert row is not None
        matched = None if int(row[0]) >= COUNT_CAP else int(row[0])
        if counts is not None and self.shared and matched is not None:
            counts.remember(self.key, self.query.c.tables, matched, self.generation)
        return Page(page.features, page.returned, matched)


def plan_page(query: ItemsQuery, counts: Any = None) -> PagePlan:
    """How to read ``query``'s page; ``counts`` (a ``state.OgcState``) caches numberMatched, except for a
    collection whose rows depend on the user (``per_user``: the count is the caller's)."""
    shared = not query.c.per_user
    key = query.count_key()
    known = counts.derived.get(key) if counts is not None and shared else None
    with_count = known is None and query.count_in_page
    generation = counts.tracker.generation if counts is not None else 0
    return PagePlan(query, query.page_sql(with_count=with_count), key, known, with_count, generation, shared)


def read_page(conn: Connection, query: ItemsQuery, counts: Any = None, *, actor: str = "anonymous") -> Page:
    """One page of features, read as ``query.role`` (``db.read_as``: the caller's context and the page in
    one round trip); ``counts`` (a ``state.OgcState``) caches numberMatched. ``async_pages.read_page``
    reads the same on the event loop."""
    plan = plan_page(query, counts)
    row = read_as(conn, plan.sql, query.binds, actor=actor, role=query.role, plans="force_custom_plan",
                  text_as_buffer=True)
    page, count = plan.page(row, counts)
    if count:
        page = plan.counted(page, read_as(conn, query.count_sql(), query.binds, actor=actor, role=query.role,
                                          plans="force_custom_plan"), counts)
    return page


def read_feature(conn: Connection, collection: Collection, role: str, fid: str, crs: Crs) -> tuple[str, int | None]:
    """One feature's GeoJSON text and, for versioned collections, its version; 404 if not visible."""
    query = ItemsQuery(collection, role, ItemsRequest(crs=crs))
    key: object = fid
    if collection.id_is_integer:
        if not (fid.isascii() and fid.isdigit()) or len(fid) > 18:
            raise NotFound(f"no feature {fid!r} in collection {collection.id!r}")
        key = int(fid)
    has_version = any(p.name == "version" for p in collection.properties)
    version = "t.version" if has_version else "NULL::integer"
    row = conn.execute(text(
        f"SELECT {query.feature_sql()} AS f, {version} AS version FROM {collection.source} t "
        f"WHERE {query.where} AND {collection.id_expr} = :fid LIMIT 1"), dict(query.binds, fid=key)).first()
    if row is None:
        raise NotFound(f"no feature {fid!r} in collection {collection.id!r}")
    return row.f, row.version
