"""Runs of the redevelopment-potential analysis (Potenzialflächenanalyse): detect, score, store.

A run takes a profile (``profiles.toml``), the municipalities (none: all the caller may analyse)
and optionally an area, and executes the statements in ``flaechenpool/sql/analysis/`` in order,
all set-based in PostGIS: the parcels of the run with their buildings and surroundings (steps 1–4),
the rules that find candidates (5–9), their measurements (10–15) and the scoring that stores them
with each criterion's value and contribution (16–17). The run row keeps the whole profile, the area
and the time, so results stay explainable when the profile file changes.

The working tables of a run are UNLOGGED tables in a schema of its own (``analysis_run_<id>``,
created and dropped by ``analysis.open_workspace`` / ``analysis.close_workspace`` inside the run's
transaction, so no other session ever sees them): unlike temporary tables they can be read by
parallel workers, and a state-wide run shares its work among the server's cores. Everything
happens in one transaction: a failed run leaves nothing behind.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import shapely
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, text

from flaechenpool import __version__
from flaechenpool.analysis.profiles import get_profile, sql_lists
from flaechenpool.auth import Principal
from flaechenpool.db import load_sql
from flaechenpool.errors import InputError, NotFound, PermissionDenied, UnprocessableError
from flaechenpool.spatial import geometry_sql, read_geometry

STEPS = ("01_classes", "02_vacancies", "03_parcels", "04_surroundings", "05_infill", "06_underused", "07_brownfields",
         "08_vacancies", "09_found", "10_stations", "11_zones", "12_plans", "13_sites", "14_vacancy", "15_districts",
         "16_scores", "17_candidates")
WRITERS = ("land_manager", "admin")
# Settings of a run (restored afterwards): no JIT (it compiles the large plans for longer than they
# run); WORK_MEM per sort or hash (the server's default, often 4 MB, spills a state to disk); the
# workers do the work and the leader only collects their rows and writes them (with 2 cores, a
# leader that also scans leaves its workers waiting); parallel plans from 1 MB on (default 8 MB), where
# an expensive function (analysis.width, COST 2000) makes them worth it even for a few thousand rows;
# a row handed from a worker to the leader costs a tenth of the default (0.1): the planner's default
# weighs it like the geometry work done for it, and kept the pass over all parcels (centroids) serial.
# A run of fewer than SERIAL_BELOW parcels runs in one process: the planner's estimate of the
# building join (a box overlap selects 0.5 % of the buildings, and GEOS functions cost much) makes a
# parallel plan look cheaper even for a dozen parcels, whose workers would then scan every parcel of
# the state for the run's few (measured: one municipality 0.3 s instead of 0.01 s for that statement).
WORK_MEM = "64MB"
RUN_SETTINGS = {"jit": "off", "work_mem": WORK_MEM, "parallel_leader_participation": "off",
                "min_parallel_table_scan_size": "1MB", "parallel_tuple_cost": "0.01"}
SERIAL_BELOW = 25_000
RUN_COLUMNS = """
    r.id, r.profile, r.municipalities, r.actor, r.started_at, r.finished_at,
    round(extract(epoch FROM r.finished_at - r.started_at)::numeric, 3)::double precision AS duration_s,
    r.parcels_analysed, r.counts, r.software_version,
    CASE WHEN r.area IS NOT NULL THEN ST_AsGeoJSON(ST_Transform(r.area, 4326), 7)::json END AS area
"""


class RunRequest(BaseModel):
    """What to analyse: a profile, municipalities (AGS) and optionally an area (GeoJSON polygon)."""

    model_config = ConfigDict(extra="forbid")

    profile: str = Field(default="default", pattern=r"^[a-z0-9_-]{1,64}$")
    municipalities: list[str] | None = Field(default=None, min_length=1, max_length=1000)
    area: dict[str, Any] | None = None


def _municipalities(conn: Connection, principal: Principal, wanted: list[str] | None) -> list[str] | None:
    """The municipalities of the run (None: all), checked against the database and the caller's rights."""
    if principal.role not in WRITERS:
        raise PermissionDenied(f"role {principal.role!r} may not start an analysis run")
    if wanted is not None:
        malformed = [m for m in wanted if not (len(m) == 8 and m.isascii() and m.isdigit())]
        if malformed:
            raise InputError(f"municipalities: not an 8-digit municipality key (AGS): {', '.join(malformed[:5])}")
        wanted = sorted(set(wanted))
        known = set(conn.execute(text("SELECT ags FROM core.municipalities WHERE ags = ANY(:a)"),
                                 {"a": wanted}).scalars())
        unknown = [m for m in wanted if m not in known]
        if unknown:
            raise UnprocessableError(f"municipalities: no municipality {', '.join(unknown[:5])}")
    if principal.role == "admin":
        return wanted
    own = set(principal.municipalities)
    if wanted is None:
        return sorted(own)
    foreign = [m for m in wanted if m not in own]
    if foreign:
        raise PermissionDenied(f"land managers analyse their own municipalities only, not {', '.join(foreign)}")
    return wanted


def _area_sql(request: RunRequest, srid: int, params: dict[str, Any]) -> str:
    """SQL of the run's area in EPSG:25832, repaired if it intersects itself (a hand-drawn bow tie
    covers both its loops; the repair is recorded), or NULL."""
    if request.area is None:
        return "NULL"
    area, shape = read_geometry(request.area, name="area", areal=True, srid=srid,
                                crs_hint="the crs parameter, or --area-crs on the command line")
    params.update(area=json.dumps(area), area_srid=srid,
                  area_repair=None if shape.is_valid else shapely.is_valid_reason(shape))
    return f"ST_Multi(ST_CollectionExtract(ST_MakeValid({geometry_sql('area', 'area_srid')}), 3))"


def _step_params(profile: dict[str, Any], run_id: int, municipalities: list[str] | None,
                 area: str | None) -> dict[str, Any]:
    numbers = {k: v for k, v in profile["detection"].items() if isinstance(v, int | float)}
    return {**numbers, **sql_lists(profile), "flood_zone_kinds": profile["detection"]["flood_zone_kinds"],
            "run_id": run_id, "municipalities": municipalities, "area": area,
            "criteria": json.dumps(profile["criteria"])}


@cache
def statements(step: str) -> tuple[str, ...]:
    """The statements of a step (each ends with a line ending in ";"), without comment lines: they
    name the bound parameters, which text() would bind."""
    lines = [line for line in load_sql(f"analysis/{step}").splitlines() if not line.lstrip().startswith("--")]
    return tuple(part.strip() for part in "\n".join(lines).split(";\n") if part.strip())


@contextmanager
def _session(conn: Connection, timeout_ms: int | None, workspace: str, parcels: int) -> Iterator[None]:
    """Settings for the length of a run of about ``parcels`` parcels (RUN_SETTINGS, serial below
    SERIAL_BELOW, the statement limit, the workspace first on the search path, bulk writing), restored
    afterwards."""
    names = [*RUN_SETTINGS, "statement_timeout", "search_path", "flaechenpool.bulk", "max_parallel_workers_per_gather"]
    before: dict[str, str] = dict(conn.execute(text(
        "SELECT n, coalesce(current_setting(n, true), '') FROM unnest(CAST(:n AS text[])) n"), {"n": names}).all())
    values = {**RUN_SETTINGS, "statement_timeout": str(timeout_ms) if timeout_ms is not None else before["statement_timeout"],
              "search_path": f"{workspace}, {before['search_path']}, pg_temp", "flaechenpool.bulk": "on",
              "max_parallel_workers_per_gather": "0" if parcels < SERIAL_BELOW else before["max_parallel_workers_per_gather"]}
    _settings(conn, values)
    yield
    _settings(conn, before)


def _settings(conn: Connection, values: dict[str, str]) -> None:
    conn.execute(text("SELECT set_config(n, v, true) FROM unnest(CAST(:n AS text[]), CAST(:v AS text[])) s (n, v)"),
                 {"n": list(values), "v": list(values.values())})


def _execute(conn: Connection, params: dict[str, Any]) -> dict[str, float]:
    """The steps in order (the candidates written in bulk: the run row records them); ms per step."""
    timings = {}
    for step in STEPS:
        started = time.perf_counter()
        for sql in statements(step):
            conn.execute(text(sql), params)
        timings[step] = round((time.perf_counter() - started) * 1000, 1)
    return timings


def start_run(conn: Connection, principal: Principal, request: RunRequest, *, area_srid: int = 4326,
              timeout_ms: int | None = None) -> dict[str, Any]:
    """Run the analysis and store its candidates; returns the run (as ``get_run``). All in one
    transaction (a savepoint of the caller's): a refused or failed run leaves nothing behind."""
    try:
        profile = get_profile(request.profile)
    except NotFound as exc:
        raise UnprocessableError(exc.detail) from None
    municipalities = _municipalities(conn, principal, request.municipalities)
    params: dict[str, Any] = {"profile": profile["name"], "parameters": json.dumps(profile),
                              "municipalities": municipalities, "version": __version__}
    area_sql = _area_sql(request, area_srid, params)
    with conn.begin_nested() if conn.in_transaction() else conn.begin():
        row = conn.execute(text(
            "INSERT INTO analysis.runs (profile, parameters, municipalities, area, software_version) "
            f"VALUES (:profile, CAST(:parameters AS jsonb), CAST(:municipalities AS text[]), {area_sql}, :version) "
            "RETURNING id, ST_AsEWKT(area) AS area"), params).one()
        if row.area is not None and municipalities is not None and not conn.execute(text(
                "SELECT EXISTS (SELECT 1 FROM core.municipalities m, analysis.runs r WHERE r.id = :r "
                "AND m.ags = ANY(:m) AND ST_Intersects(m.geom, r.area))"), {"r": row.id, "m": municipalities}).scalar():
            raise UnprocessableError("area: it lies outside the run's municipalities; is its CRS right?")
        workspace = conn.execute(text("SELECT analysis.open_workspace(:r)"), {"r": row.id}).scalar_one()
        with _session(conn, timeout_ms, workspace, _parcels(conn, municipalities)):
            timings = _execute(conn, _step_params(profile, row.id, municipalities, row.area))
            counts = {**_counts(conn, row.id), "steps_ms": timings}
            analysed = conn.execute(text("SELECT count(*) FROM ap_scope")).scalar_one()
        conn.execute(text("SELECT analysis.close_workspace(:r)"), {"r": row.id})
        if params.get("area_repair"):
            counts["area_repaired"] = params["area_repair"]
        conn.execute(text(
            "UPDATE analysis.runs SET finished_at = clock_timestamp(), counts = CAST(:c AS jsonb), "
            "parcels_analysed = :n WHERE id = :r"), {"r": row.id, "c": json.dumps(counts), "n": analysed})
    return get_run(conn, row.id)


def _parcels(conn: Connection, municipalities: list[str] | None) -> int:
    """How many current parcels the run's municipalities hold (its area left aside)."""
    return conn.execute(text(
        "SELECT count(*) FROM core.parcels WHERE valid_to IS NULL "
        "AND (CAST(:m AS text[]) IS NULL OR municipality_ags = ANY(CAST(:m AS text[])))"), {"m": municipalities}).scalar_one()


def _counts(conn: Connection, run_id: int) -> dict[str, Any]:
    kinds: dict[str, int] = dict(conn.execute(text(
        "SELECT kind, count(*) FROM analysis.candidates WHERE run_id = :r GROUP BY kind"), {"r": run_id}).all())
    extra = conn.execute(text(
        "SELECT (SELECT coalesce(sum(buildings), 0) FROM ap_scope) AS building_parcel_pairs, "
        "(SELECT count(*) FROM ap_vacancies) AS vacancies, "
        "(SELECT count(*) FROM ap_vacancies v WHERE v.building_id IS NULL AND NOT EXISTS ("
        "   SELECT 1 FROM ap_found f WHERE f.detection -> 'vacancies' @> to_jsonb(v.vacancy_id)"
        ")) AS vacancies_unlocated")).mappings().one()
    return {"candidates": sum(kinds.values()), "kinds": kinds, **extra}


def get_run(conn: Connection, run_id: int) -> dict[str, Any]:
    """One run: profile, parameters, municipalities, area (GeoJSON, CRS84), time and counts."""
    row = conn.execute(text(f"SELECT {RUN_COLUMNS}, r.parameters FROM analysis.runs r WHERE r.id = :i"),
                       {"i": run_id}).mappings().first()
    if row is None:
        raise NotFound(f"no analysis run {run_id}")
    return dict(row)


def list_runs(conn: Connection, *, municipality: str | None = None, limit: int = 100,
              offset: int = 0) -> list[dict[str, Any]]:
    """Runs, newest first; with ``municipality`` only runs that covered it."""
    rows = conn.execute(text(
        f"SELECT {RUN_COLUMNS} FROM analysis.runs r "
        "WHERE CAST(:m AS text) IS NULL OR r.municipalities IS NULL OR CAST(:m AS text) = ANY(r.municipalities) "
        "ORDER BY r.id DESC LIMIT :limit OFFSET :offset"), {"m": municipality, "limit": limit, "offset": offset})
    return [dict(r) for r in rows.mappings()]
