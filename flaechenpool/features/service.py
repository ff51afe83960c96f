"""What the ``/ogc`` routes call: query parameters in, GeoJSON text (or documents) out.

Parameters arrive as a plain ``dict`` of the query string. Unknown parameters are a 400 — an ignored
``filter`` would silently return everything. Besides the standard parameters, every property the
caller may read is a query parameter (``?kind=brownfield``), as OGC API – Features Part 1 allows.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from sqlalchemy import Connection

from flaechenpool.async_reads import AsyncReader
from flaechenpool.auth import Principal
from flaechenpool.db import MAX_OFFSET
from flaechenpool.errors import InputError
from flaechenpool.features import async_pages
from flaechenpool.features.cql import parse_filter
from flaechenpool.features.crs import Crs, parse_bbox, parse_crs
from flaechenpool.features.documents import GEOJSON, HTML, link
from flaechenpool.features.items import ItemsQuery, ItemsRequest, Page, parse_list, parse_sortby, read_feature, read_page
from flaechenpool.features.registry import Collection
from flaechenpool.features.state import OgcState
from flaechenpool.features.timefilter import parse_datetime

ITEMS_PARAMS = frozenset({"limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang",
                          "filter-crs", "sortby", "properties", "skipGeometry", "f"})


def check_params(params: dict[str, str], allowed: frozenset[str] | set[str]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise InputError(f"unknown query parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


def _int(params: dict[str, str], name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name}: {raw!r} is not an integer") from None
    if value < minimum:
        raise InputError(f"{name}: must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise InputError(f"{name}: must be at most {maximum}")
    return value


def items_request(c: Collection, role: str, params: dict[str, str], *, default_limit: int,
                  max_limit: int) -> ItemsRequest:
    """Parse and check the items parameters (a limit above the maximum is clamped to it)."""
    properties = {p.name for p in c.visible(role)}
    check_params(params, ITEMS_PARAMS | properties)
    crs = parse_crs(params.get("crs"), name="crs")
    bbox_crs = parse_crs(params.get("bbox-crs"), name="bbox-crs")
    if "bbox-crs" in params and "bbox" not in params:
        raise InputError("bbox-crs without bbox")
    if "filter-lang" in params and "filter" not in params:
        raise InputError("filter-lang without filter")
    skip = params.get("skipGeometry", "false").lower()
    if skip not in ("true", "false"):
        raise InputError("skipGeometry: use true or false")
    return ItemsRequest(
        limit=min(_int(params, "limit", default_limit, 1), max_limit),
        offset=_int(params, "offset", 0, 0, MAX_OFFSET),
        bbox=parse_bbox(params.get("bbox"), bbox_crs),
        crs=crs,
        datetime=parse_datetime(params.get("datetime")),
        filter=parse_filter(params["filter"], params.get("filter-lang")) if "filter" in params else None,
        filter_crs=parse_crs(params.get("filter-crs"), name="filter-crs"),
        sortby=parse_sortby(params.get("sortby")),
        properties=parse_list(params.get("properties")),
        equals={k: v for k, v in params.items() if k in properties and k not in ITEMS_PARAMS},
        skip_geometry=skip == "true",
    )


@dataclass(frozen=True)
class ItemsResult:
    parts: tuple[bytes | memoryview, ...]   # the FeatureCollection as JSON (UTF-8), in pieces: head, features, end
    crs: Crs
    matched: int | None
    returned: int

    @property
    def body(self) -> bytes:
        """The whole FeatureCollection (a copy: the JSON response sends ``parts`` one after the other)."""
        return b"".join(self.parts)


class _Query:
    """The request's query string for the page links: each parameter encoded once (as ``urlencode``
    does), in the request's order; ``url`` replaces or adds some."""

    def __init__(self, params: dict[str, str]) -> None:
        self.pairs = {k: f"{quote_plus(k)}={quote_plus(v)}" for k, v in params.items()}

    def url(self, path: str, **changes: Any) -> str:
        """``path`` with the parameters, some replaced (``None`` removes one)."""
        pairs = dict(self.pairs)
        for key, value in changes.items():
            if value is None:
                pairs.pop(key, None)
            else:
                pairs[key] = f"{quote_plus(key)}={quote_plus(str(value))}"
        return path + ("?" + "&".join(pairs.values()) if pairs else "")


def items(conn: Connection, state: OgcState, principal: Principal, collection_id: str, params: dict[str, str], *,
          base: str, default_limit: int, max_limit: int) -> ItemsResult:
    """A page of features. ``conn`` need not act as the caller yet: the page is read as ``principal``
    (``items.read_page``)."""
    query = items_query(state, principal, collection_id, params, default_limit=default_limit, max_limit=max_limit)
    return items_result(query, read_page(conn, query, state, actor=principal.username), params, base=base)


async def items_async(reader: AsyncReader, state: OgcState, principal: Principal, collection_id: str,
                      params: dict[str, str], *, base: str, default_limit: int, max_limit: int) -> ItemsResult:
    """``items`` on the event loop: the page read through ``reader`` (``async_pages.read_page``)."""
    query = items_query(state, principal, collection_id, params, default_limit=default_limit, max_limit=max_limit)
    page = await async_pages.read_page(reader, query, state, actor=principal.username)
    return items_result(query, page, params, base=base)


def items_query(state: OgcState, principal: Principal, collection_id: str, params: dict[str, str], *,
                default_limit: int, max_limit: int) -> ItemsQuery:
    """The items query of a request: the collection as the caller may see it, the parameters checked."""
    c = state.registry.get(collection_id, principal)
    return ItemsQuery(c, principal.role, items_request(c, principal.role, params, default_limit=default_limit,
                                                       max_limit=max_limit))


def items_result(query: ItemsQuery, page: Page, params: dict[str, str], *, base: str) -> ItemsResult:
    """The FeatureCollection around a page: numberMatched, numberReturned, time stamp and links."""
    c, request = query.c, query.r
    path = f"{base}/collections/{c.id}/items"
    here = _Query({k: v for k, v in params.items() if k != "f"})
    limit, offset = request.limit, request.offset
    links = [link(here.url(path, limit=limit, offset=offset or None), "self", GEOJSON, "Diese Seite"),
             link(here.url(path, limit=limit, offset=offset or None, f="html"), "alternate", HTML, "Als HTML"),
             link(f"{base}/collections/{c.id}", "collection", "application/json", c.title)]
    more = page.returned == limit and (page.matched is None or offset + page.returned < page.matched)
    if more:
        links.append(link(here.url(path, limit=limit, offset=offset + limit), "next", GEOJSON, "Nächste Seite"))
    if offset > 0:
        links.append(link(here.url(path, limit=limit, offset=max(offset - limit, 0) or None), "prev", GEOJSON,
                          "Vorige Seite"))
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if page.matched is not None:
        head["numberMatched"] = page.matched
    head.update(numberReturned=page.returned,
                timeStamp=dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                links=links)
    # the features (up to some MB) as PostgreSQL sent them: not decoded, not copied
    opening = json.dumps(head, ensure_ascii=False)[:-1].encode() + b',"features":['
    return ItemsResult((opening, page.features, b"]}"), request.crs, page.matched, page.returned)


@dataclass(frozen=True)
class FeatureResult:
    body: str
    crs: Crs
    version: int | None


def feature(conn: Connection, state: OgcState, principal: Principal, collection_id: str, fid: str,
            params: dict[str, str], *, base: str) -> FeatureResult:
    c = state.registry.get(collection_id, principal)
    check_params(params, {"crs", "f"})
    crs = parse_crs(params.get("crs"), name="crs")
    text, version = read_feature(conn, c, principal.role, fid, crs)
    here = f"{base}/collections/{c.id}/items/{fid}"
    links = [link(here, "self", GEOJSON, "Dieses Objekt"), link(here + "?f=html", "alternate", HTML, "Als HTML"),
             link(f"{base}/collections/{c.id}", "collection", "application/json", c.title)]
    return FeatureResult(text[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False) + "}", crs, version)
