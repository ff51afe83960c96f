"""Commercial estates (Gewerbegebiete): the stock and yearly sales that the state's site database and
its parliament ask for, derived from the estate's sites (Potenzialflächen)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, text

from flaechenpool.auth import USER_SOURCE, Principal
from flaechenpool.errors import InputError, NotFound, PermissionDenied, UnprocessableError
from flaechenpool.spatial import geometry_sql, parse_geometry

BALANCE_SQL = """
WITH s AS (
    SELECT s.id, s.status, s.geom, s.area_m2,
           CASE WHEN s.status IN ('sold', 'developed') THEN 'sold_or_leased'
                WHEN s.status = 'reserved' THEN 'optioned'
                WHEN s.status = 'withdrawn' THEN 'withdrawn'
                ELSE 'free' END AS category
    FROM core.sites s WHERE s.estate_id = :e AND s.retired_at IS NULL
), free_parts AS (
    SELECT (ST_Dump(ST_Union(geom))).geom AS g FROM s WHERE category = 'free'
)
SELECT
    coalesce(sum(area_m2) FILTER (WHERE category = 'sold_or_leased'), 0) / 1e4 AS sold_or_leased_ha,
    coalesce(sum(area_m2) FILTER (WHERE category = 'optioned'), 0) / 1e4 AS optioned_ha,
    coalesce(sum(area_m2) FILTER (WHERE category = 'free'), 0) / 1e4 AS free_ha,
    coalesce(sum(area_m2) FILTER (WHERE category <> 'withdrawn'), 0) / 1e4 AS net_ha,
    (SELECT coalesce(max(ST_Area(g)), 0) / 1e4 FROM free_parts) AS largest_contiguous_free_ha,
    count(*) FILTER (WHERE category = 'free') AS free_plots
FROM s
"""

YEARLY_SQL = """
SELECT extract(year FROM h.changed_on)::int AS year, count(*) AS plots, round(sum(s.area_m2)::numeric / 1e4, 3) AS ha
FROM core.site_status_history h JOIN core.sites s ON s.id = h.site_id
WHERE s.estate_id = :e AND h.to_status = 'sold'
GROUP BY 1 ORDER BY 1
"""


def balance(conn: Connection, estate_id: int) -> dict[str, Any]:
    """Stock (net hectares sold/leased, optioned, free; largest contiguous free plot) and yearly sales."""
    estate = conn.execute(text(
        "SELECT e.id, e.name, e.municipality_ags, m.name AS municipality, e.utilities, e.broadband_mbit, "
        "e.funding_programme, e.funding_lock_in_end, round((e.area_m2 / 1e4)::numeric, 3)::float AS gross_ha, e.provenance "
        "FROM core.estates e JOIN core.municipalities m ON m.ags = e.municipality_ags WHERE e.id = :e"),
        {"e": estate_id}).mappings().first()
    if estate is None:
        raise NotFound(f"no estate {estate_id}")
    stock = conn.execute(text(BALANCE_SQL), {"e": estate_id}).mappings().one()
    yearly = [dict(r) for r in conn.execute(text(YEARLY_SQL), {"e": estate_id}).mappings()]
    result = dict(estate)
    result["funding_lock_in_end"] = estate["funding_lock_in_end"].isoformat() if estate["funding_lock_in_end"] else None
    result["stock"] = {k: (round(float(v), 3) if k != "free_plots" else int(v)) for k, v in stock.items()}
    result["yearly_sales"] = [{"year": r["year"], "plots": r["plots"], "ha": float(r["ha"])} for r in yearly]
    return result


def list_estates(conn: Connection, municipality: str | None = None) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(text(
        "SELECT id, name, municipality_ags, round((area_m2 / 1e4)::numeric, 3) AS gross_ha, provenance "
        "FROM core.estates WHERE CAST(:m AS text) IS NULL OR municipality_ags = :m ORDER BY id"),
        {"m": municipality}).mappings()]


class EstateFields(BaseModel):
    """What the state's site database asks per commercial estate (Gewerbegebiet)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=300)
    utilities: list[Literal["water", "sewage", "electricity", "gas", "district_heating", "rail_siding"]] | None = None
    broadband_mbit: int | None = Field(default=None, gt=0, le=100_000)
    funding_programme: str | None = Field(default=None, max_length=300)
    funding_lock_in_end: dt.date | None = None
    geometry: dict[str, Any] | None = None


class EstateCreate(EstateFields):
    municipality_ags: str = Field(pattern=r"^[0-9]{8}$")
    name: str = Field(min_length=1, max_length=300)
    geometry: dict[str, Any]


def save_estate(conn: Connection, principal: Principal, data: EstateFields, *, estate_id: int | None = None,
                srid: int = 4326) -> int:
    """Create (``estate_id`` None) or change an estate; land managers of its municipality only."""
    municipality: str | None
    if estate_id is None:
        assert isinstance(data, EstateCreate)
        municipality = data.municipality_ags
    else:
        municipality = conn.execute(text("SELECT municipality_ags FROM core.estates WHERE id = :e"),
                                    {"e": estate_id}).scalar()
        if municipality is None:
            raise NotFound(f"no estate {estate_id}")
    if not principal.may_write(municipality):
        raise PermissionDenied(f"only land managers of municipality {municipality} may edit its estates")
    values = {k: getattr(data, k) for k in data.model_fields_set if k not in ("geometry", "municipality_ags")}
    params: dict[str, Any] = dict(values, e=estate_id, m=municipality)
    geom = None
    if data.geometry is not None:
        params.update(g=parse_geometry(data.geometry, areal=True, srid=srid), g_srid=srid)
        geom = f"ST_Multi(ST_CollectionExtract(ST_MakeValid({geometry_sql('g', 'g_srid')}), 3))"
    with conn.begin_nested():
        if estate_id is None:
            cols = list(values)
            estate_id = int(conn.execute(text(
                f"INSERT INTO core.estates (municipality_ags, {', '.join(cols)}{', ' if cols else ''}geom, provenance, source) "
                f"VALUES (:m, {''.join(':' + c + ', ' for c in cols)}{geom}, 'user', :src) RETURNING id"),
                dict(params, src=USER_SOURCE)).scalar_one())
        else:
            sets = [f"{k} = :{k}" for k in values] + ([f"geom = {geom}"] if geom else [])
            if not sets:
                raise InputError("nothing to change")
            conn.execute(text(f"UPDATE core.estates SET {', '.join(sets)} WHERE id = :e"), params)
        inside = conn.execute(text("SELECT ST_Intersects(e.geom, m.geom) FROM core.estates e JOIN core.municipalities m "
                                   "ON m.ags = e.municipality_ags WHERE e.id = :e"), {"e": estate_id}).scalar()
        if not inside:
            raise UnprocessableError("the estate lies outside its municipality; is the CRS right?")
    return estate_id
