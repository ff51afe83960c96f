"""OGC API – Features Part 4 (create, replace, update, delete) for sites, through ``flaechenpool.sites``.

The site register does the work — rights per municipality, validation, optimistic concurrency and
the audit trail — so an edit from QGIS is the same as one through ``/api/sites``. This module only
translates: a GeoJSON feature in the ``Content-Crs`` (axis order of that CRS) into ``SiteCreate`` /
``SiteFields``; read-only properties a client sends back (id, status, area, version …) are ignored;
``If-Match`` is checked when sent but not required. Deleting a site retires it (kept with history).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection

from flaechenpool import sites
from flaechenpool.auth import Principal
from flaechenpool.errors import AuthenticationRequired, InputError, NotFound, PermissionDenied, UnprocessableError
from flaechenpool.features.crs import CRS84, Crs, parse_crs
from flaechenpool.features.items import read_feature
from flaechenpool.features.registry import Collection
from flaechenpool.features.state import OgcState

WRITERS = ("land_manager", "admin")
# what a replaced site gets for a property the client left out (columns that cannot be NULL)
REPLACE_DEFAULTS: dict[str, Any] = {"owner_contact": "not_contacted", "planning_law": "unknown", "intended_uses": [],
                                    "obstacles": [], "availability": "unknown", "utilities": [], "published": False,
                                    "owner_objection_200_3": False}


@dataclass(frozen=True)
class Written:
    fid: int
    version: int
    body: str            # the feature as stored, GeoJSON text in CRS84


def methods(state: OgcState, principal: Principal, collection_id: str, *, item: bool) -> list[str]:
    """What ``Allow`` lists for this caller: writes only on writable collections for writers."""
    c = state.registry.get(collection_id, principal)
    allowed = ["GET", "HEAD", "OPTIONS"]
    if c.writable and principal.role in WRITERS:
        allowed += ["PUT", "PATCH", "DELETE"] if item else ["POST"]
    return allowed


def _writable(state: OgcState, principal: Principal, collection_id: str) -> Collection:
    c = state.registry.get(collection_id, principal)
    if principal.is_anonymous:
        raise AuthenticationRequired("editing needs an API token of a land manager")
    if principal.role not in WRITERS:
        raise PermissionDenied(f"role {principal.role!r} may not edit")
    if not c.writable:
        raise PermissionDenied(f"collection {c.id!r} is read-only")
    return c


def _json(body: bytes) -> Any:
    """The body's JSON; 400 when it is none (or nested deeper than Python's parser goes)."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InputError("the body is not JSON") from None


def _feature(body: bytes) -> dict[str, Any]:
    doc = _json(body)
    if not isinstance(doc, dict) or doc.get("type") != "Feature":
        raise InputError("send one GeoJSON Feature (type Feature, geometry, properties)")
    if not isinstance(doc.get("properties") or {}, dict):
        raise InputError("properties must be an object")
    return doc


def _swap(coordinates: Any) -> Any:
    if isinstance(coordinates, list) and coordinates and isinstance(coordinates[0], int | float):
        return [coordinates[1], coordinates[0], *coordinates[2:]]
    return [_swap(c) for c in coordinates] if isinstance(coordinates, list) else coordinates


def _geometry(doc: dict[str, Any], crs: Crs) -> dict[str, Any] | None:
    """The geometry in PostGIS axis order (easting/longitude first)."""
    geometry = doc.get("geometry")
    if geometry is None:
        return None
    if not isinstance(geometry, dict) or "coordinates" not in geometry:
        raise InputError("geometry: a GeoJSON Polygon or MultiPolygon is expected")
    return dict(geometry, coordinates=_swap(geometry["coordinates"])) if crs.swap else geometry


def _fields(c: Collection, principal: Principal, props: dict[str, Any]) -> dict[str, Any]:
    """The writable properties; read-only ones are dropped, unknown ones refused."""
    known = {p.name: p for p in c.visible(principal.role)}
    unknown = sorted(set(props) - set(known))
    if unknown:
        raise InputError(f"unknown properties for {c.id!r}: {', '.join(unknown)}")
    out = {}
    for name, value in props.items():
        prop = known[name]
        if not prop.writable:
            continue
        if prop.type == "array" and isinstance(value, str):      # QGIS 3.22 turns lists into text
            value = [v.strip() for v in value.split(",") if v.strip()]
        out[name] = value
    return out


def _model(cls: type[sites.SiteFields], values: dict[str, Any]) -> sites.SiteFields:
    try:
        return cls(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'feature'}: {e['msg']}" for e in exc.errors())
        raise UnprocessableError(problems) from None


def _written(conn: Connection, c: Collection, principal: Principal, site_id: int) -> Written:
    body, version = read_feature(conn, c, principal.role, str(site_id), CRS84)
    return Written(site_id, int(version or 0), body)


def _same_municipality(conn: Connection, principal: Principal, site_id: int, values: dict[str, Any]) -> None:
    municipality = values.pop("municipality_ags", None)
    current = sites.get_site(conn, principal, site_id)["properties"]["municipality_ags"]
    if municipality is not None and municipality != current:
        raise UnprocessableError("a site cannot move to another municipality; retire it and create a new one")


def _site_id(fid: str) -> int:
    if not (fid.isascii() and fid.isdigit()) or len(fid) > 18:
        raise NotFound(f"no site {fid!r}")
    return int(fid)


def create(conn: Connection, state: OgcState, principal: Principal, collection_id: str, body: bytes,
           content_crs: str | None) -> Written:
    c = _writable(state, principal, collection_id)
    crs = parse_crs(content_crs, name="Content-Crs")
    doc = _feature(body)
    values = {k: v for k, v in _fields(c, principal, doc.get("properties") or {}).items() if v is not None}
    values["geometry"] = _geometry(doc, crs)
    site_id = sites.create_site(conn, principal, _model(sites.SiteCreate, values), srid=crs.srid)  # type: ignore[arg-type]
    return _written(conn, c, principal, site_id)


def replace(conn: Connection, state: OgcState, principal: Principal, collection_id: str, fid: str, body: bytes,
            content_crs: str | None, if_match: str | None) -> Written:
    c = _writable(state, principal, collection_id)
    site_id = _site_id(fid)
    crs = parse_crs(content_crs, name="Content-Crs")
    doc = _feature(body)
    given = _fields(c, principal, doc.get("properties") or {})
    _same_municipality(conn, principal, site_id, given)
    if given.get("name") is None or given.get("kind") is None:
        raise UnprocessableError("a replacement names at least name and kind")
    values: dict[str, Any] = {p.name: None for p in c.visible(principal.role)
                              if p.writable and p.name != "municipality_ags"}
    values.update({k: v for k, v in REPLACE_DEFAULTS.items() if k in values})
    values.update({k: v for k, v in given.items() if v is not None})
    values["geometry"] = _geometry(doc, crs)
    if values["geometry"] is None:
        raise UnprocessableError("a replacement carries the geometry")
    sites.update_site(conn, principal, site_id, _model(sites.SiteFields, values), if_match=if_match,
                      srid=crs.srid, require_match=False, reason="replaced through OGC API – Features")
    return _written(conn, c, principal, site_id)


def update(conn: Connection, state: OgcState, principal: Principal, collection_id: str, fid: str, body: bytes,
           content_crs: str | None, if_match: str | None) -> Written:
    """PATCH as a JSON merge patch of the feature: the properties and/or the geometry given."""
    c = _writable(state, principal, collection_id)
    site_id = _site_id(fid)
    crs = parse_crs(content_crs, name="Content-Crs")
    doc = _json(body)
    if not isinstance(doc, dict) or not ({"properties", "geometry"} & set(doc)):
        raise InputError("send a merge patch of the feature: {\"properties\": {...}} and/or {\"geometry\": ...}")
    values = _fields(c, principal, doc.get("properties") or {})
    _same_municipality(conn, principal, site_id, values)
    values = {k: (REPLACE_DEFAULTS.get(k) if v is None else v) for k, v in values.items()}
    if doc.get("geometry") is not None:
        values["geometry"] = _geometry(doc, crs)
    sites.update_site(conn, principal, site_id, _model(sites.SiteFields, values), if_match=if_match,
                      srid=crs.srid, require_match=False, reason="changed through OGC API – Features")
    return _written(conn, c, principal, site_id)


def delete(conn: Connection, state: OgcState, principal: Principal, collection_id: str, fid: str,
           if_match: str | None, reason: str | None) -> None:
    """Retire the site (sites are never deleted; the history stays)."""
    _writable(state, principal, collection_id)
    sites.retire_site(conn, principal, _site_id(fid), if_match=if_match,
                      reason=reason or f"deleted through OGC API – Features by {principal.username}")
