"""The site register (Potenzialflächen): create, edit, move along the mobilisation workflow, retire.

Every write checks the caller's right for the site's municipality, uses optimistic concurrency
(the ``version`` column behind the ETag) and lands in the audit log through the table trigger; the
workflow itself is enforced by the database (core.site_status_transitions).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, text

from flaechenpool.auth import USER_SOURCE, Principal
from flaechenpool.errors import InputError, NotFound, PermissionDenied, PreconditionFailed, UnprocessableError
from flaechenpool.spatial import geometry_sql, parse_geometry

Kind = Literal["brownfield", "infill_gap", "commercial_land", "vacant_building", "partial_vacancy", "underused",
               "old_farmstead", "residual_use"]
Status = Literal["identified", "assessed", "in_mobilisation", "marketed", "reserved", "sold", "developed", "withdrawn"]

PUBLIC_COLUMNS = ("id", "municipality_ags", "name", "kind", "status", "planning_law", "land_use_type",
                  "intended_uses", "availability", "available_from", "asking_price_eur_m2", "utilities",
                  "broadband_mbit", "estate_id", "public_description", "contact_office", "area_m2", "version",
                  "updated_at", "provenance", "source")
INTERNAL_COLUMNS = PUBLIC_COLUMNS + ("owner_contact", "obstacles", "published", "publication_basis",
                                     "owner_objection_200_3", "description", "created_at", "created_by",
                                     "retired_at", "retired_reason", "analysis_run_id", "analysis_candidate_id")
EDITABLE = ("name", "kind", "owner_contact", "planning_law", "land_use_type", "intended_uses", "obstacles",
            "availability", "available_from", "asking_price_eur_m2", "utilities", "broadband_mbit", "estate_id",
            "published", "publication_basis", "owner_objection_200_3", "description", "public_description",
            "contact_office")


class SiteFields(BaseModel):
    """Editable fields of a site; all optional for a partial update (PATCH)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=300)
    kind: Kind | None = None
    owner_contact: Literal["not_contacted", "contacted", "willing_to_sell", "willing_to_develop", "not_willing",
                           "owner_unknown", "municipal_property"] | None = None
    planning_law: Literal["s30_zoning_plan", "s33_plan_in_preparation", "s34_inner_area", "s35_outer_area",
                          "unknown"] | None = None
    land_use_type: str | None = Field(default=None, max_length=8)
    intended_uses: list[Literal["industrial", "commercial", "mixed", "office", "residential", "retail",
                                "public"]] | None = None
    obstacles: list[Literal["contamination", "access", "ownership", "heritage", "nature_protection", "noise",
                            "flooding", "utilities", "demolition"]] | None = None
    availability: Literal["immediate", "within_1_year", "within_3_years", "later", "unknown"] | None = None
    available_from: dt.date | None = None
    asking_price_eur_m2: float | None = Field(default=None, ge=0, le=1_000_000)
    utilities: list[Literal["water", "sewage", "electricity", "gas", "district_heating", "rail_siding"]] | None = None
    broadband_mbit: int | None = Field(default=None, gt=0, le=100_000)
    estate_id: int | None = None
    published: bool | None = None
    publication_basis: Literal["owner_consent", "municipal_property", "section_200_3"] | None = None
    owner_objection_200_3: bool | None = None
    description: str | None = Field(default=None, max_length=20_000)
    public_description: str | None = Field(default=None, max_length=5_000)
    contact_office: str | None = Field(default=None, max_length=500)
    geometry: dict[str, Any] | None = None
    parcels: list[str] | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _geometry_or_parcels(self) -> SiteFields:
        if self.geometry is not None and self.parcels:
            raise ValueError("give either a geometry or parcels, not both")
        return self


class SiteCreate(SiteFields):
    """A new site: municipality, name, kind and a geometry drawn or composed from parcels."""

    municipality_ags: str = Field(pattern=r"^[0-9]{8}$")
    name: str = Field(min_length=1, max_length=300)
    kind: Kind

    @model_validator(mode="after")
    def _needs_shape(self) -> SiteCreate:
        if self.geometry is None and not self.parcels:
            raise ValueError("a site needs a geometry or a list of parcels (Flurstückskennzeichen)")
        return self


def etag(site_id: int, version: int) -> str:
    return f'"site-{site_id}-v{version}"'


def _columns(principal: Principal) -> tuple[str, ...]:
    return PUBLIC_COLUMNS if principal.is_anonymous else INTERNAL_COLUMNS


def _municipality_of(conn: Connection, site_id: int) -> tuple[str, int, str | None]:
    row = conn.execute(text("SELECT municipality_ags, version, retired_at FROM core.sites WHERE id = :i"),
                       {"i": site_id}).first()
    if row is None:
        raise NotFound(f"no site {site_id}")
    return row[0], row[1], row[2]


def _check(principal: Principal, municipality: str) -> None:
    if not principal.may_write(municipality):
        raise PermissionDenied(f"only land managers of municipality {municipality} may change its sites")


def site_for_change(conn: Connection, principal: Principal, site_id: int) -> tuple[str, int, str | None]:
    """Municipality, version and retirement of a site ``principal`` may change (404 / 403 otherwise)."""
    municipality, version, retired = _municipality_of(conn, site_id)
    _check(principal, municipality)
    return municipality, version, retired


def _shape_sql(fields: SiteFields, srid: int, params: dict[str, Any]) -> str | None:
    """SQL of the new geometry in EPSG:25832 (drawn or composed from parcels), or None."""
    if fields.geometry is not None:
        params.update(geometry=parse_geometry(fields.geometry, areal=True, srid=srid), geometry_srid=srid)
        return f"ST_Multi(ST_CollectionExtract(ST_MakeValid({geometry_sql('geometry', 'geometry_srid')}), 3))"
    if fields.parcels:
        params["parcels"] = fields.parcels
        return ("(SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom)), 3)) FROM core.parcels "
                "WHERE flurstueckskennzeichen = ANY(:parcels) AND valid_to IS NULL)")
    return None


def _check_parcels(conn: Connection, keys: list[str], municipality: str) -> None:
    found = set(conn.execute(text("SELECT flurstueckskennzeichen FROM core.parcels WHERE valid_to IS NULL "
                                  "AND flurstueckskennzeichen = ANY(:k) AND municipality_ags = :m"),
                             {"k": keys, "m": municipality}).scalars())
    missing = [k for k in keys if k not in found]
    if missing:
        raise UnprocessableError(f"no current parcel of municipality {municipality}: {', '.join(missing[:10])}")


def _check_geometry(conn: Connection, site_id: int) -> None:
    row = conn.execute(text(
        "SELECT ST_IsEmpty(s.geom) AS empty, ST_Intersects(s.geom, m.geom) AS inside FROM core.sites s "
        "JOIN core.municipalities m ON m.ags = s.municipality_ags WHERE s.id = :i"), {"i": site_id}).one()
    if not row.inside:
        raise UnprocessableError("the geometry lies outside the site's municipality; is its CRS right?")


def create_site(conn: Connection, principal: Principal, data: SiteCreate, *, srid: int = 4326,
                reason: str | None = None, analysis_link: tuple[int, int] | None = None,
                source: str | None = None) -> int:
    """Create a site (status ``identified``) and link its parcels; ``analysis_link`` (run id,
    candidate id) records the analysis candidate it was made from; ``source`` where the record comes from
    (default: entered in Flächenpool)."""
    _check(principal, data.municipality_ags)
    if data.parcels:
        _check_parcels(conn, data.parcels, data.municipality_ags)
    params: dict[str, Any] = {"municipality_ags": data.municipality_ags}
    values = {k: getattr(data, k) for k in EDITABLE if getattr(data, k) is not None}
    if analysis_link is not None:
        values.update(analysis_run_id=analysis_link[0], analysis_candidate_id=analysis_link[1])
    params.update(values)
    shape = _shape_sql(data, srid, params)
    columns = ["municipality_ags", *values]
    with conn.begin_nested():
        _set_reason(conn, reason or "site created")
        site_id = int(conn.execute(text(
            f"INSERT INTO core.sites ({', '.join(columns)}, geom, provenance, source) "
            f"VALUES ({', '.join(':' + c for c in columns)}, {shape}, 'user', :source) RETURNING id"),
            dict(params, source=source or USER_SOURCE)).scalar_one())
        _link_parcels(conn, site_id, data.parcels)
        _check_geometry(conn, site_id)
    return site_id


def _set_reason(conn: Connection, reason: str | None, day: dt.date | None = None) -> None:
    conn.execute(text("SELECT set_config('flaechenpool.reason', :r, true), "
                      "set_config('flaechenpool.status_date', :d, true)"),
                 {"r": reason or "", "d": day.isoformat() if day else ""})


def _link_parcels(conn: Connection, site_id: int, keys: list[str] | None) -> None:
    if keys is None:
        return
    conn.execute(text("DELETE FROM core.site_parcels WHERE site_id = :s"), {"s": site_id})
    if keys:
        conn.execute(text("INSERT INTO core.site_parcels (site_id, flurstueckskennzeichen) "
                          "SELECT :s, unnest(CAST(:k AS text[])) ON CONFLICT DO NOTHING"), {"s": site_id, "k": keys})


def _check_version(site_id: int, current: int, if_match: str | None) -> None:
    if if_match is not None and if_match.strip() not in ("*", etag(site_id, current), f"W/{etag(site_id, current)}"):
        raise PreconditionFailed(f"site {site_id} was changed meanwhile (now version {current}); reload and retry")


def update_site(conn: Connection, principal: Principal, site_id: int, data: SiteFields, *,
                if_match: str | None, srid: int = 4326, reason: str | None = None, require_match: bool = True) -> int:
    """Change fields (and geometry or parcels) of a site; returns the new version."""
    municipality, version, retired = site_for_change(conn, principal, site_id)
    if require_match and if_match is None:
        raise PreconditionFailed("send If-Match with the site's ETag so concurrent edits are not overwritten")
    _check_version(site_id, version, if_match)
    if retired:
        raise UnprocessableError(f"site {site_id} is retired and cannot be changed")
    values = {k: getattr(data, k) for k in data.model_fields_set if k in EDITABLE}
    params: dict[str, Any] = dict(values, id=site_id, version=version)
    if data.parcels:
        _check_parcels(conn, data.parcels, municipality)
    shape = _shape_sql(data, srid, params)
    sets = [f"{k} = :{k}" for k in values] + ([f"geom = {shape}"] if shape else [])
    if not sets and data.parcels is None:
        raise InputError("nothing to change")
    with conn.begin_nested():
        _set_reason(conn, reason or "site edited")
        if sets:
            row = conn.execute(text(f"UPDATE core.sites SET {', '.join(sets)} WHERE id = :id AND version = :version "
                                    "RETURNING version"), params).first()
            if row is None:
                raise PreconditionFailed(f"site {site_id} was changed meanwhile; reload and retry")
        _link_parcels(conn, site_id, data.parcels)
        _check_geometry(conn, site_id)
    return int(conn.execute(text("SELECT version FROM core.sites WHERE id = :i"), {"i": site_id}).scalar_one())


def _prepare_change(conn: Connection, principal: Principal, site_id: int, if_match: str | None, reason: str,
                    what: str) -> None:
    """Checks before a status move or retirement: right, version, not retired, a reason."""
    municipality, version, retired = site_for_change(conn, principal, site_id)
    _check_version(site_id, version, if_match)
    if retired:
        raise UnprocessableError(f"site {site_id} is retired")
    if not reason.strip():
        raise InputError(f"{what} needs a reason")


def change_status(conn: Connection, principal: Principal, site_id: int, status: Status, *, reason: str,
                  day: dt.date | None = None, if_match: str | None = None) -> int:
    """Move a site along the mobilisation workflow, with date, author (the caller) and reason."""
    _prepare_change(conn, principal, site_id, if_match, reason, "a status change")
    with conn.begin_nested():
        _set_reason(conn, reason, day)
        conn.execute(text("UPDATE core.sites SET status = :s WHERE id = :i"), {"s": status, "i": site_id})
    return int(conn.execute(text("SELECT version FROM core.sites WHERE id = :i"), {"i": site_id}).scalar_one())


def retire_site(conn: Connection, principal: Principal, site_id: int, *, reason: str,
                if_match: str | None = None) -> None:
    """End a site (it keeps its history; nothing is deleted)."""
    _prepare_change(conn, principal, site_id, if_match, reason, "retiring a site")
    with conn.begin_nested():
        _set_reason(conn, reason)
        conn.execute(text("UPDATE core.sites SET retired_at = now(), retired_reason = :r, published = false "
                          "WHERE id = :i"), {"r": reason, "i": site_id})


def get_site(conn: Connection, principal: Principal, site_id: int, *, srid: int = 4326) -> dict[str, Any]:
    """A site as a GeoJSON Feature dict (public fields only for anonymous callers) with its version."""
    cols = _columns(principal)
    where = "s.id = :i" + (" AND s.published AND s.retired_at IS NULL" if principal.is_anonymous else "")
    props = ", ".join(f"'{c}', s.{c}" for c in cols)
    parcels = "" if principal.is_anonymous else (
        ", 'parcels', (SELECT coalesce(json_agg(flurstueckskennzeichen ORDER BY flurstueckskennzeichen), '[]') "
        "FROM core.site_parcels WHERE site_id = s.id)")
    row = conn.execute(text(
        f"SELECT json_build_object('type', 'Feature', 'id', s.id, "
        f"'geometry', ST_AsGeoJSON(ST_Transform(s.geom, CAST(:srid AS integer)), :d)::json, "
        f"'properties', json_build_object({props}{parcels})) AS f, s.version FROM core.sites s WHERE {where}"),
        {"i": site_id, "srid": srid, "d": 7 if srid == 4326 else 2}).first()
    if row is None:
        raise NotFound(f"no site {site_id}")
    return dict(row.f)


def list_sites(conn: Connection, principal: Principal, *, municipality: str | None = None, kind: str | None = None,
               status: str | None = None, include_retired: bool = False, limit: int = 100, offset: int = 0,
               srid: int = 4326) -> str:
    """Sites as a GeoJSON FeatureCollection text, built in PostGIS."""
    cols = _columns(principal)
    where = ["true"]
    params: dict[str, Any] = {"limit": limit, "offset": offset, "srid": srid, "d": 7 if srid == 4326 else 2}
    if principal.is_anonymous:
        where.append("s.published AND s.retired_at IS NULL")
    elif not include_retired:
        where.append("s.retired_at IS NULL")
    for name, value in (("municipality_ags", municipality), ("kind", kind), ("status", status)):
        if value is not None:
            where.append(f"s.{name} = :{name}")
            params[name] = value
    props = ", ".join(f"'{c}', s.{c}" for c in cols)
    return str(conn.execute(text(
        f"SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f ORDER BY id), '[]'))::text "
        f"FROM (SELECT s.id, json_build_object('type', 'Feature', 'id', s.id, "
        f"'geometry', ST_AsGeoJSON(ST_Transform(s.geom, CAST(:srid AS integer)), :d)::json, "
        f"'properties', json_build_object({props})) AS f FROM core.sites s WHERE {' AND '.join(where)} "
        f"ORDER BY s.id LIMIT :limit OFFSET :offset) x"), params).scalar_one())


def site_history(conn: Connection, principal: Principal, site_id: int) -> dict[str, Any]:
    """Status moves (date, author, reason) and the audit trail (before/after) of a site."""
    from flaechenpool.audit import entries

    _municipality_of(conn, site_id)
    moves = [dict(r) for r in conn.execute(text(
        "SELECT from_status, to_status, changed_on, changed_at, author, reason FROM core.site_status_history "
        "WHERE site_id = :i ORDER BY changed_at, id"), {"i": site_id}).mappings()]
    changes = entries(conn, principal, table="core.sites", row_key=str(site_id), limit=1000)
    return {"site_id": site_id, "status_history": moves, "changes": changes[::-1]}


