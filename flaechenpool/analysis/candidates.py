"""Candidates of an analysis run (Potenzialflächen-Kandidaten): page, explain, compare runs.

A candidate carries its score and, per criterion, the value, the normalised value (0–1), the weight
and the contribution, so a land manager sees why it ranks where it does. Pages are GeoJSON built in
PostGIS; filters and sort keys come from whitelists.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

from flaechenpool.analysis.profiles import CRITERIA, FLOO_CATEGORIES, KINDS
from flaechenpool.errors import InputError, NotFound

SORT_KEYS = {"score": "c.score", "rank": "c.rank", "area": "c.area_m2", "kind": "c.kind", "id": "c.id",
             "municipality": "c.municipality_ags"}
FLOO_SQL = "CASE c.kind " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in FLOO_CATEGORIES.items()) + " END"
PROPERTIES = f"""json_build_object(
    'run_id', c.run_id, 'rank', c.rank, 'score', c.score, 'kind', c.kind, 'floo_category', {FLOO_SQL},
    'municipality_ags', c.municipality_ags, 'district', d.name, 'area_m2', round(c.area_m2::numeric, 1),
    'parcels', c.parcels, 'buildings', c.buildings, 'known_site_ids', c.known_site_ids,
    'site_id', (SELECT s.id FROM core.sites s WHERE s.analysis_candidate_id = c.id),
    'fingerprint', c.fingerprint, 'criteria', c.criteria, 'detection', c.detection)"""
FILE_COLUMNS = ("id", "rank", "score", "kind", "floo_category", "municipality_ags", "district", "area_m2", "parcels",
                "site_id", "fingerprint", *(f"{name}_{part}" for name in CRITERIA for part in ("value", "points")))
FEATURE = ("json_build_object('type', 'Feature', 'id', c.id, "
           "'geometry', ST_AsGeoJSON(ST_Transform(c.geom, CAST(:srid AS integer)), CAST(:digits AS integer))::json, "
           f"'properties', {PROPERTIES})")


def run_exists(conn: Connection, run_id: int) -> None:
    if not conn.execute(text("SELECT EXISTS (SELECT 1 FROM analysis.runs WHERE id = :r)"), {"r": run_id}).scalar():
        raise NotFound(f"no analysis run {run_id}")


def _order(sort: str) -> str:
    keys = []
    for part in (p.strip() for p in sort.split(",") if p.strip()):
        name = part.lstrip("+-")
        if name not in SORT_KEYS:
            raise InputError(f"sort: unknown key {name!r}; use {', '.join(SORT_KEYS)} (prefix - for descending)")
        keys.append(f"{SORT_KEYS[name]} {'DESC' if part.startswith('-') else 'ASC'}")
    return ", ".join([*keys, "c.id"])


def _filters(conn: Connection, run_id: int, kind: str | None, min_score: float | None,
             municipality: str | None) -> tuple[str, dict[str, Any]]:
    """The condition (bound parameters) selecting a run's candidates; 404 for an unknown run."""
    run_exists(conn, run_id)
    if kind is not None and kind not in KINDS:
        raise InputError(f"kind: unknown kind {kind!r}; use {', '.join(KINDS)}")
    where = ["c.run_id = :run"]
    params: dict[str, Any] = {"run": run_id}
    for column, name, value in (("c.kind", "kind", kind), ("c.municipality_ags", "municipality", municipality)):
        if value is not None:
            where.append(f"{column} = :{name}")
            params[name] = value
    if min_score is not None:
        where.append("c.score >= :min_score")
        params["min_score"] = min_score
    return " AND ".join(where), params


def list_candidates(conn: Connection, run_id: int, *, kind: str | None = None, min_score: float | None = None,
                    municipality: str | None = None, sort: str = "-score", limit: int = 100, offset: int = 0,
                    srid: int = 4326) -> str:
    """A page of a run's candidates as a GeoJSON FeatureCollection (text) with numberMatched."""
    condition, params = _filters(conn, run_id, kind, min_score, municipality)
    params.update(limit=limit, offset=offset, srid=srid, digits=7 if srid == 4326 else 2)
    return str(conn.execute(text(f"""
        WITH page AS (
            SELECT {FEATURE} AS feature, c.n
            FROM (SELECT c.*, row_number() OVER (ORDER BY {_order(sort)}) AS n FROM analysis.candidates c
                  WHERE {condition} ORDER BY {_order(sort)} LIMIT :limit OFFSET :offset) c
            LEFT JOIN core.districts d ON d.id = c.district_id
        )
        SELECT json_build_object('type', 'FeatureCollection', 'run_id', CAST(:run AS bigint),
                                 'numberMatched', (SELECT count(*) FROM analysis.candidates c WHERE {condition}),
                                 'numberReturned', (SELECT count(*) FROM page),
                                 'features', coalesce((SELECT json_agg(feature ORDER BY n) FROM page), '[]'))::text
    """), params).scalar_one())


def get_candidate(conn: Connection, candidate_id: int, *, srid: int = 4326) -> dict[str, Any]:
    """One candidate as a GeoJSON Feature; each criterion also with its title, unit and meaning."""
    row = conn.execute(text(
        f"SELECT {FEATURE}::text FROM analysis.candidates c LEFT JOIN core.districts d ON d.id = c.district_id "
        "WHERE c.id = :i"), {"i": candidate_id, "srid": srid, "digits": 7 if srid == 4326 else 2}).scalar()
    if row is None:
        raise NotFound(f"no analysis candidate {candidate_id}")
    feature: dict[str, Any] = json.loads(row)
    feature["properties"]["criteria"] = explain(feature["properties"]["criteria"])
    return feature


def explain(criteria: dict[str, Any]) -> dict[str, Any]:
    """The stored criteria with title, unit and description of each, in catalogue order."""
    return {key: {"title": CRITERIA[key].title, "unit": CRITERIA[key].unit,
                  "description": CRITERIA[key].description, **criteria[key]}
            for key in CRITERIA if key in criteria}


COMPARE_SQL = """
WITH runs AS (
    SELECT (SELECT municipalities FROM analysis.runs WHERE id = :run) AS current,
           (SELECT municipalities FROM analysis.runs WHERE id = :base) AS base
),
scope AS (  -- candidates of municipalities both runs covered
    SELECT c.* FROM analysis.candidates c, runs
    WHERE c.run_id IN (:run, :base)
      AND (runs.current IS NULL OR c.municipality_ags = ANY(runs.current))
      AND (runs.base IS NULL OR c.municipality_ags = ANY(runs.base))
),
now AS (SELECT * FROM scope WHERE run_id = :run),
before AS (SELECT * FROM scope WHERE run_id = :base)
SELECT CASE WHEN b.id IS NULL THEN 'appeared' WHEN n.id IS NULL THEN 'vanished' ELSE 'kept' END AS change,
       coalesce(n.fingerprint, b.fingerprint) AS fingerprint, coalesce(n.kind, b.kind) AS kind,
       coalesce(n.municipality_ags, b.municipality_ags) AS municipality_ags, coalesce(n.parcels, b.parcels) AS parcels,
       n.id AS candidate_id, b.id AS base_candidate_id, n.score, b.score AS base_score, n.rank, b.rank AS base_rank,
       round((coalesce(n.score, 0) - coalesce(b.score, 0))::numeric, 2)::double precision AS score_change
FROM now n FULL JOIN before b ON b.fingerprint = n.fingerprint
ORDER BY change, abs(coalesce(n.score, 0) - coalesce(b.score, 0)) DESC, fingerprint
"""


def compare(conn: Connection, run_id: int, base_id: int, *, limit: int = 100) -> dict[str, Any]:
    """What appeared in run ``run_id`` since run ``base_id`` and what vanished (same fingerprint: same
    kind and parcels or buildings), and how the score of the kept ones changed; only municipalities
    both runs covered are compared."""
    run_exists(conn, run_id)
    run_exists(conn, base_id)
    rows = [dict(r) for r in conn.execute(text(COMPARE_SQL), {"run": run_id, "base": base_id}).mappings()]
    summary: dict[str, Any] = {"appeared": 0, "vanished": 0, "kept": 0, "score_changed": 0, "by_kind": {}}
    lists: dict[str, list[dict[str, Any]]] = {"appeared": [], "vanished": [], "changed": []}
    for row in rows:
        change = row["change"]
        summary[change] += 1
        summary["by_kind"].setdefault(row["kind"], {"appeared": 0, "vanished": 0, "kept": 0})[change] += 1
        if change == "kept" and row["score_change"] != 0:
            summary["score_changed"] += 1
            change = "changed"
        if change in lists and len(lists[change]) < limit:
            lists[change].append(row)
    return {"run_id": run_id, "base_run_id": base_id, "summary": summary, **lists}


def candidate_rows(conn: Connection, run_id: int, *, kind: str | None = None, min_score: float | None = None,
                   municipality: str | None = None, sort: str = "-score", srid: int = 25832) -> list[dict[str, Any]]:
    """Every candidate of a run that matches, as flat rows for a file (CSV, GeoPackage: ``exports``): the
    FLOO-Thüringen category, each criterion's value and points (contribution) side by side, the geometry
    as WKB in ``srid``."""
    condition, params = _filters(conn, run_id, kind, min_score, municipality)
    params["srid"] = srid
    rows = conn.execute(text(f"""
        SELECT c.id, c.rank, c.score, c.kind, {FLOO_SQL} AS floo_category, c.municipality_ags, d.name AS district,
               round(c.area_m2::numeric, 1) AS area_m2, array_to_string(c.parcels, ', ') AS parcels,
               (SELECT s.id FROM core.sites s WHERE s.analysis_candidate_id = c.id) AS site_id, c.fingerprint,
               c.criteria, ST_AsBinary(ST_Transform(c.geom, CAST(:srid AS integer))) AS wkb
        FROM analysis.candidates c LEFT JOIN core.districts d ON d.id = c.district_id
        WHERE {condition} ORDER BY {_order(sort)}"""), params).mappings()
    out = []
    for row in rows:
        flat = {k: v for k, v in row.items() if k not in ("criteria", "wkb")}
        for name in CRITERIA:
            criterion = row["criteria"].get(name) or {}
            flat[f"{name}_value"] = criterion.get("value")
            flat[f"{name}_points"] = criterion.get("contribution")
        flat["wkb"] = bytes(row["wkb"])
        out.append(flat)
    return out
