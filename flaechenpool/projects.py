"""Construction projects (Bauvorhaben): land managers of the municipality record them and mark them
public; planners read all of them; the public sees the public ones (``core.public_construction_projects``:
a private builder's name never leaves the office)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, text

from flaechenpool.auth import USER_SOURCE, Principal
from flaechenpool.db import load_sql
from flaechenpool.errors import InputError, NotFound, PermissionDenied, PreconditionFailed, UnprocessableError
from flaechenpool.spatial import BBox, geometry_sql, parse_geometry

Kind = Literal["residential", "commercial", "industrial", "office", "mixed", "public_building", "education",
               "infrastructure", "other"]
Status = Literal["planned", "under_construction", "completed"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]
EDITABLE = ("name", "description", "kind", "status", "start_on", "end_on", "builder_type", "builder_name",
            "site_id", "public")
COLUMNS = ("id", "municipality_ags", *EDITABLE, "version", "created_at", "created_by", "updated_at", "provenance",
           "source")


class ProjectFields(BaseModel):
    """Editable fields of a construction project; all optional for a partial update."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    kind: Kind | None = None
    status: Status | None = None
    start_on: dt.date | None = None
    end_on: dt.date | None = None
    builder_type: Literal["public", "private"] | None = None
    builder_name: str | None = Field(default=None, max_length=300)
    site_id: int | None = None
    public: bool | None = None
    geometry: dict[str, Any] | None = Field(default=None, description="GeoJSON Point, Polygon or MultiPolygon")

    @model_validator(mode="after")
    def _period(self) -> ProjectFields:
        if self.start_on and self.end_on and self.end_on < self.start_on:
            raise ValueError("end_on lies before start_on")
        return self


class ProjectCreate(ProjectFields):
    municipality_ags: str = Field(pattern=r"^[0-9]{8}$")
    name: str = Field(min_length=1, max_length=300)
    kind: Kind
    status: Status
    builder_type: Literal["public", "private"]
    geometry: dict[str, Any]


def etag(project_id: int, version: int) -> str:
    return f'"project-{project_id}-v{version}"'


def _shape(geometry: dict[str, Any], srid: int, params: dict[str, Any]) -> str:
    if geometry.get("type") not in ("Point", "Polygon", "MultiPolygon"):
        raise InputError("a construction project's geometry is a GeoJSON Point, Polygon or MultiPolygon")
    params.update(geometry=parse_geometry(geometry, srid=srid), geometry_srid=srid)
    shape = geometry_sql("geometry", "geometry_srid")
    return shape if geometry["type"] == "Point" else f"ST_Multi(ST_CollectionExtract(ST_MakeValid({shape}), 3))"


def _check_inside(conn: Connection, project_id: int) -> None:
    inside = conn.execute(text("SELECT ST_Intersects(p.geom, m.geom) FROM core.construction_projects p "
                               "JOIN core.municipalities m ON m.ags = p.municipality_ags WHERE p.id = :i"),
                          {"i": project_id}).scalar()
    if not inside:
        raise UnprocessableError("the geometry lies outside the project's municipality; is its CRS right?")


def _check_right(principal: Principal, municipality: str) -> None:
    if not principal.may_write(municipality):
        raise PermissionDenied(f"only land managers of municipality {municipality} may change its projects")


def create_project(conn: Connection, principal: Principal, data: ProjectCreate, *, srid: int = 4326) -> int:
    """Record a construction project (not public until marked so)."""
    _check_right(principal, data.municipality_ags)
    values = {k: getattr(data, k) for k in EDITABLE if getattr(data, k) is not None}
    params: dict[str, Any] = dict(values, municipality_ags=data.municipality_ags,
                                  source=USER_SOURCE)
    shape = _shape(data.geometry, srid, params)
    columns = ["municipality_ags", *values]
    with conn.begin_nested():
        project_id = int(conn.execute(text(
            f"INSERT INTO core.construction_projects ({', '.join(columns)}, geom, provenance, source) "
            f"VALUES ({', '.join(':' + c for c in columns)}, {shape}, 'user', :source) RETURNING id"),
            params).scalar_one())
        _check_inside(conn, project_id)
    return project_id


def update_project(conn: Connection, principal: Principal, project_id: int, data: ProjectFields, *,
                   if_match: str | None = None, srid: int = 4326) -> int:
    """Change fields (or mark public); ``If-Match`` with the ETag guards against lost updates."""
    row = conn.execute(text("SELECT municipality_ags, version FROM core.construction_projects WHERE id = :i"),
                       {"i": project_id}).first()
    if row is None:
        raise NotFound(f"no construction project {project_id}")
    _check_right(principal, row.municipality_ags)
    if if_match is not None and if_match.strip() not in ("*", etag(project_id, row.version)):
        raise PreconditionFailed(f"project {project_id} was changed meanwhile (now version {row.version})")
    values = {k: getattr(data, k) for k in data.model_fields_set if k in EDITABLE}
    params: dict[str, Any] = dict(values, id=project_id, version=row.version)
    sets = [f"{k} = :{k}" for k in values]
    if data.geometry is not None:
        sets.append(f"geom = {_shape(data.geometry, srid, params)}")
    if not sets:
        raise InputError("nothing to change")
    with conn.begin_nested():
        version = conn.execute(text(f"UPDATE core.construction_projects SET {', '.join(sets)} "
                                    "WHERE id = :id AND version = :version RETURNING version"), params).scalar()
        if version is None:
            raise PreconditionFailed(f"project {project_id} was changed meanwhile; reload and retry")
        _check_inside(conn, project_id)
    return int(version)


def _features(conn: Connection, where: str, params: dict[str, Any], srid: int) -> list[dict[str, Any]]:
    props = ", ".join(f"'{c}', p.{c}" for c in COLUMNS)
    rows = conn.execute(text(
        f"SELECT json_build_object('type', 'Feature', 'id', p.id, "
        f"'geometry', ST_AsGeoJSON(ST_Transform(p.geom, CAST(:srid AS integer)), :d)::json, "
        f"'properties', json_build_object({props}))::text FROM core.construction_projects p WHERE {where} "
        f"ORDER BY p.municipality_ags, p.id"), dict(params, srid=srid, d=7 if srid == 4326 else 2)).scalars()
    return [json.loads(r) for r in rows]


def get_project(conn: Connection, project_id: int, *, srid: int = 4326) -> dict[str, Any]:
    """One project with every field (planners and land managers)."""
    features = _features(conn, "p.id = :i", {"i": project_id}, srid)
    if not features:
        raise NotFound(f"no construction project {project_id}")
    return features[0]


def list_projects(conn: Connection, *, municipality: str | None = None, status: str | None = None,
                  public: bool | None = None, srid: int = 4326) -> dict[str, Any]:
    """Every project (public or not) as a FeatureCollection dict, for planners and land managers."""
    where, params = ["true"], {}
    for name, value in (("municipality_ags", municipality), ("status", status), ("public", public)):
        if value is not None:
            where.append(f"p.{name} = :{name}")
            params[name] = value
    return {"type": "FeatureCollection", "features": _features(conn, " AND ".join(where), params, srid)}


def public_projects(conn: Connection, *, municipalities: list[str] | None = None, statuses: list[str] | None = None,
                    kinds: list[str] | None = None, bbox: BBox | None = None, srid: int = 4326) -> str:
    """Public construction projects as GeoJSON text (German messages: the public page asks)."""
    conditions: list[str] = []
    params: dict[str, Any] = {"srid": srid, "d": 7 if srid == 4326 else 2}
    for name, values, allowed in (("municipality_ags", municipalities, None), ("status", statuses, STATUSES),
                                  ("kind", kinds, KINDS)):
        if values:
            bad = [v for v in values if allowed is not None and v not in allowed]
            if bad:
                raise InputError(f"Unbekannter Wert {bad[0]!r} für {name}; erlaubt: {', '.join(allowed or ())}.")
            conditions.append(f"p.{name} = ANY(CAST(:{name} AS text[]))")
            params[name] = values
    if bbox is not None:
        envelope, bbox_params = bbox.sql()
        conditions.append(f"ST_Intersects(p.geom, {envelope})")
        params.update(bbox_params)
    sql = load_sql("public/projects").replace("/*filters*/", "".join(f" AND {c}" for c in conditions))
    return str(conn.execute(text(sql), params).scalar_one())
