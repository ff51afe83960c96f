"""Import of parcels (Flurstücke) from ALKIS files into ``core.parcels``, keeping history.

Reads ALKIS vereinfacht (WFS GML and its Shape/GeoPackage downloads), ALKIS NAS and simple files
with a Flurstückskennzeichen and an amtliche Fläche. Features are checked per batch in Python and
staged with binary COPY into a temporary table; the rest is set-based SQL (``_SQL`` below):
geometries are transformed to EPSG:25832 and repaired in PostGIS, parcels are upserted by
Flurstückskennzeichen (a changed parcel closes its old row with ``valid_to`` and gets a new one), and
current parcels of the same municipalities missing from the file are retired. Everything happens in
one transaction: a failed or interrupted import leaves the database as it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import psycopg
import pyproj
from sqlalchemy import Connection, text

from flaechenpool.errors import ImportFileError, InputError
from flaechenpool.importing.reading import Batch, VectorFile, open_vector

# the CHECK of core.parcels: Land 2, Gemarkung 4, Flur 3, Zähler 5, Nenner 4, Folge 2 ('_' where absent)
KEY_RE = re.compile(r"[0-9]{2}[0-9]{4}[0-9_]{3}[0-9]{5}([0-9]{4}|_{4})([0-9]{2}|_{2})")
PROVENANCES = ("official", "open_data", "illustrative", "user")
PARCEL_LAYERS = ("AX_Flurstueck", "Flurstueck", "flurstuecke", "flurstueck", "parcels")
# target → field names of the file (lower case, first match wins); a Shapefile cuts names to 10 chars
FIELDS: dict[str, tuple[str, ...]] = {
    "key": ("flstkennz", "flurstueckskennzeichen", "flurstkennz", "fsk"),
    "area": ("flaeche", "amtliche_flaeche_m2", "amtliche_flaeche", "amtlicheflaeche", "official_area_m2"),
    "municipality": ("gmdschl", "municipality_ags", "gemeindeschluessel", "ags"),
    "land_use_detail": ("tntxt", "land_use_detail"),
    "land_use": ("land_use",),
    "address": ("lagebeztxt", "address"),
    "alkis_id": ("idflurst", "alkis_id", "gml_id"),
    "updated": ("aktualit", "source_updated_at", "beginnt"),
}
LABELS = {"key": "Flurstückskennzeichen", "area": "official area (amtliche Fläche)",
          "municipality": "municipality key (Gemeindeschlüssel)"}
THURINGIA_25832 = (500_000.0, 5_500_000.0, 800_000.0, 5_800_000.0)  # plausible extent: x/y min, x/y max
NAS_AGS = (("land", 2), ("regierungsbezirk", 1), ("kreis", 2), ("gemeinde", 3))  # NAS Gemeindekennzeichen
_BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class ImportReport:
    """What an import did; ``repaired`` lists the geometries ST_MakeValid had to repair."""

    run_id: int
    file: str
    read: int
    inserted: int
    changed: int
    unchanged: int
    retired: int
    repaired: list[dict] = field(default_factory=list)


def import_parcels(
    conn: Connection,
    path: Path,
    *,
    municipality: str | None,
    crs: str | None = None,
    layer: str | None = None,
    provenance: str = "official",
    source: str | None = None,
    retire_missing: bool = True,
    actor: str = "cli",
    progress: Callable[[int, int | None], None] | None = None,
    batch_size: int = 50_000,
) -> ImportReport:
    """Import the parcels of ``path`` in one transaction (a savepoint inside an open one).

    ``municipality`` is the AGS the parcels belong to; None takes it per feature from the file
    (``gmdschl``). ``crs`` overrides the CRS the file declares. With ``retire_missing`` current parcels
    of the imported municipalities that the file lacks get ``valid_to = now()``.
    """
    path = Path(path)
    if municipality is not None and not re.fullmatch(r"[0-9]{8}", municipality):
        raise InputError(f"municipality must be an 8-digit AGS, not {municipality!r}")
    if provenance not in PROVENANCES:
        raise InputError(f"provenance must be one of {', '.join(PROVENANCES)}, not {provenance!r}")
    with conn.begin_nested() if conn.in_transaction() else conn.begin():
        nas_layer = layer or "AX_Flurstueck"
        with open_vector(path, crs=crs, layer=layer, prefer=PARCEL_LAYERS, nas_layer=nas_layer) as vf:
            run = _Run(conn, vf, municipality, provenance, source or path.name, actor)
            return run.execute(retire_missing, progress, batch_size)


class _Run:
    """One import run: reading and staging, checks, merge, bookkeeping."""

    def __init__(self, conn: Connection, vf: VectorFile, municipality: str | None, provenance: str,
                 source: str, actor: str) -> None:
        self.conn, self.vf, self.municipality = conn, vf, municipality
        self.provenance, self.source, self.actor = provenance, source, actor
        self.fields = _map_fields(vf, need_municipality=municipality is None)
        self.known = {r[0] for r in conn.execute(text("SELECT ags FROM core.municipalities"))}
        if municipality is not None and municipality not in self.known:
            raise self.fail(f"municipality {municipality} is not in core.municipalities",
                            field="municipality")
        self.seen: set[str] = set()

    def fail(self, detail: str, row: int | None = None, field: str | None = None) -> ImportFileError:
        return ImportFileError(detail, file=self.vf.name, row=row, field=field)

    def execute(self, retire_missing: bool, progress: Callable[[int, int | None], None] | None,
                batch_size: int) -> ImportReport:
        conn, vf = self.conn, self.vf
        conn.execute(text(_SQL.LOCK))  # one parcel import at a time: two would race for the same keys
        if not conn.execute(text(_SQL.SRID_KNOWN), {"s": vf.srid}).scalar():
            raise self.fail(f"PostGIS does not know the coordinate reference system {vf.crs}", field="crs")
        before = tuple(conn.execute(text(_SQL.SETTINGS_NOW)).one())
        # one summary audit row instead of row triggers; no time limit, no JIT, room for the hash joins
        self._settings((self.actor, "on", "0", "off", "256MB"))
        run_id = conn.execute(text(_SQL.RUN_START), {"f": vf.name, "m": self.municipality, "a": self.actor,
                                                    "s": self.source}).scalar_one()
        conn.exec_driver_sql(_SQL.DROP_TEMP)
        conn.exec_driver_sql(_SQL.STAGE)
        read = 0
        for batch in vf.batches(batch_size, columns=sorted(set(self.fields.values()))):
            self._copy(self._rows(batch), batch.first_row)
            read += len(batch)
            if progress is not None:
                progress(read, vf.total)
        if read == 0:
            raise self.fail("holds no features")
        counts = self._merge(run_id, retire_missing)
        repaired = [{"flurstueckskennzeichen": k, "row": r, "reason": why}
                    for k, r, why in conn.execute(text(_SQL.REPAIRED))]
        conn.exec_driver_sql(_SQL.DROP_TEMP)
        summary = {"read": read, **counts, "repaired": len(repaired), "crs": vf.crs, "layer": vf.layer,
                   "municipalities": sorted(self.seen)}
        only = self.municipality or (next(iter(self.seen)) if len(self.seen) == 1 else None)
        conn.execute(text(_SQL.RUN_END), {"m": only, "c": json.dumps(summary), "r": json.dumps(repaired),
                                         "id": run_id})
        self._settings(before)
        audit = json.dumps({"import_run": run_id, **summary})
        conn.execute(text(_SQL.AUDIT), {"a": self.actor, "k": str(run_id), "c": audit,
                                        "why": f"parcel import of {vf.name}"})
        return ImportReport(run_id=run_id, file=vf.name, read=read, repaired=repaired, **counts)

    def _settings(self, values: tuple[str, ...]) -> None:
        self.conn.execute(text(_SQL.SETTINGS_SET), {f"v{i}": v for i, v in enumerate(values)})

    # --- one batch: values checked in Python, rows for the binary COPY ---------------------------------

    def _rows(self, batch: Batch) -> Iterator[tuple]:
        f, n, first, cols = self.fields, len(batch), batch.first_row, batch.columns
        keys = [None if k is None else str(k).strip() for k in cols[f["key"]].tolist()]
        for i, key in enumerate(keys):
            if key is None or len(key) != 20 or not KEY_RE.fullmatch(key):
                raise self.fail(f"{key!r} is not a 20-character Flurstückskennzeichen "
                                "(e.g. 16011500200872______)", first + i, f["key"])
        areas = _areas(cols[f["area"]], lambda i, why: self.fail(why, first + i, f["area"]))
        ags = [self.municipality] * n if self.municipality else self._municipalities(cols, first)

        def column(target: str) -> list[str | None]:
            return _texts(cols[f[target]]) if target in f else [None] * n

        detail = column("land_use_detail")
        use = column("land_use") if "land_use" in f else _map_unique(detail, dominant_use)
        updated = _map_unique(column("updated"), _timestamp)
        bad = next((i for i, value in enumerate(updated) if value is ValueError), None)
        if bad is not None:
            raise self.fail("is not a date", first + bad, f["updated"])
        return zip(range(first, first + n), keys, ags, areas.tolist(), use, detail, column("address"),
                   column("alkis_id"), updated, batch.wkb.tolist(), strict=True)

    def _municipalities(self, cols: dict[str, np.ndarray], first: int) -> list[str]:
        name = self.fields.get("municipality")
        if name is not None:
            values = _map_unique(_texts(cols[name]), lambda v: None if v is None else _digits(v, 8))
        else:  # NAS: land, regierungsbezirk, kreis, gemeinde
            parts = [_texts(cols[self.fields[p]]) for p, _ in NAS_AGS]
            values = ["".join(_digits(v or "", w) for v, (_, w) in zip(vs, NAS_AGS, strict=True))
                      for vs in zip(*parts, strict=True)]
            name = "gemeindezugehoerigkeit"
        for i, value in enumerate(values):
            if value not in self.known:
                why = "is missing" if not value else f"{value!r} is not in core.municipalities"
                raise self.fail(f"the municipality key {why}", first + i, name)
        self.seen.update(values)
        return values

    def _copy(self, rows: Iterable[tuple], first_row: int) -> None:
        raw = self.conn.connection.driver_connection
        try:
            with raw.cursor() as cur, cur.copy(_SQL.COPY) as copy:
                copy.set_types(_SQL.STAGE_TYPES)
                for row in rows:
                    copy.write_row(row)
        except psycopg.errors.DataError as exc:
            where = re.search(r"line (\d+)", exc.diag.context or "")
            raise self.fail("a value cannot be stored (malformed geometry or value)",
                            first_row + int(where[1]) - 1 if where else None) from exc

    # --- set-based checks and merge in PostGIS --------------------------------------------------------

    def _merge(self, run_id: int, retire_missing: bool) -> dict[str, int]:
        conn, vf = self.conn, self.vf
        duplicate = conn.execute(text(_SQL.DUPLICATE)).first()
        if duplicate is not None:
            key, rows = duplicate
            raise self.fail(f"Flurstückskennzeichen {key} occurs twice (features {rows[0]} and {rows[1]})",
                            rows[1], self.fields["key"])
        conn.exec_driver_sql("ANALYZE fp_parcel_stage")  # row estimates for the join with core.parcels
        x0, y0, x1, y1 = _source_box(vf.srid)
        transform = "r.raw" if vf.srid == 25832 else "ST_Transform(r.raw, 25832)"
        conn.execute(text(_SQL.PREPARE.format(transform=transform)),
                     {"srid": vf.srid, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "prov": self.provenance,
                      **dict(zip(("tx0", "ty0", "tx1", "ty1"), THURINGIA_25832, strict=True))})
        problem = conn.execute(text(_SQL.FIRST_PROBLEM)).first()
        if problem is not None:
            row, what = problem
            kind, x, y = conn.execute(text(_SQL.RAW_GEOMETRY), {"row": row, "srid": vf.srid}).one()
            if what == "outside":
                given = ", given by the caller" if vf.crs_given else ""
                raise self.fail(f"the geometry (x {x:.10g}, y {y:.10g} in {vf.crs}) lies outside Thuringia; "
                                f"is the CRS right? (declared: {vf.crs}{given})", row, "geometry")
            kind = f" ({kind})" if "polygonal" in what else ""
            raise self.fail(f"the geometry {what}{kind}", row, "geometry")
        counts = dict(conn.execute(text(_SQL.STATUS_COUNTS)).all())
        conn.exec_driver_sql(_SQL.CLOSE_CHANGED)
        retired = 0
        if retire_missing:
            scope = [self.municipality] if self.municipality else sorted(self.seen)
            retired = conn.execute(text(_SQL.RETIRE), {"scope": scope}).rowcount
        conn.execute(text(_SQL.INSERT), {"run": run_id, "prov": self.provenance, "src": self.source})
        return {"inserted": counts.get("new", 0), "changed": counts.get("changed", 0),
                "unchanged": counts.get("unchanged", 0), "retired": retired}


def _map_fields(vf: VectorFile, *, need_municipality: bool) -> dict[str, str]:
    """The file's field for each target, found case-insensitively (also as a 10-character Shapefile name)."""
    lower = {f.lower(): f for f in vf.fields}
    found: dict[str, str] = {}
    for target, candidates in FIELDS.items():
        for candidate in candidates:
            hit = lower.get(candidate) or next(
                (lower[f] for f in lower if len(f) == 10 and candidate.startswith(f)), None)
            if hit is not None:
                found[target] = hit
                break
    has_nas_ags = all(p in lower for p, _ in NAS_AGS)
    missing = [t for t in ("key", "area") if t not in found]
    if need_municipality and "municipality" not in found and not has_nas_ags:
        missing.append("municipality")
    if missing:
        target = missing[0]
        hint = "; give the municipality (AGS) instead" if target == "municipality" else ""
        raise ImportFileError(
            f"no {LABELS[target]} field (expected one of {', '.join(FIELDS[target])}){hint}; "
            f"the file has: {', '.join(vf.fields)}", file=vf.name, field=FIELDS[target][0])
    if need_municipality and "municipality" not in found:
        found.update({p: lower[p] for p, _ in NAS_AGS})
    return found


def dominant_use(tntxt: str | None) -> str | None:
    """The use with the largest share in ALKIS ``tntxt`` ("Art; m²|Art; m²")."""
    if not tntxt:
        return None
    shares: dict[str, float] = {}
    for part in tntxt.split("|"):
        kind, _, area = part.rpartition(";")
        if not kind:
            kind, area = area, ""
        try:
            value = float(area.strip().replace(",", "."))
        except ValueError:
            value = 0.0
        if kind.strip():
            shares[kind.strip()] = shares.get(kind.strip(), 0.0) + value
    return max(shares, key=shares.__getitem__) if shares else None


def _areas(values: np.ndarray, fail: Callable[[int, str], ImportFileError]) -> np.ndarray:
    """Official areas as floats; missing, non-numeric or non-positive values fail with their row."""
    if values.dtype.kind in "iuf":
        areas = values.astype(float)
    else:
        areas = np.array(_map_unique(_texts(values), _number), dtype=float)
    bad = np.flatnonzero(~((areas > 0) & (areas < 1e12)))
    if len(bad):
        i = int(bad[0])
        value = values[i].item() if isinstance(values[i], np.generic) else values[i]
        if value is None or value == "" or (isinstance(value, float) and np.isnan(value)):
            raise fail(i, "the official area (amtliche Fläche) is missing")
        if np.isnan(areas[i]):
            raise fail(i, f"the official area {value!r} is not a number")
        raise fail(i, f"the official area {value!r} must be a positive number of m² (below 10¹²)")
    return areas


def _number(value: str | None) -> float:
    try:
        return float(value.replace(",", ".")) if value is not None else float("nan")
    except ValueError:
        return float("nan")


def _timestamp(value: str | None) -> Any:
    """ISO date/time → text with offset (local times are Europe/Berlin); the class ValueError if bad."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        return ValueError
    return (moment if moment.tzinfo else moment.replace(tzinfo=_BERLIN)).isoformat()


def _digits(value: str, width: int) -> str:
    value = value.strip()
    return value.zfill(width) if value.isdigit() else value


def _texts(values: np.ndarray) -> list[str | None]:
    """A column as text; None, NaN and empty strings become None, whole floats lose their '.0'."""
    if values.dtype.kind == "f":
        return [None if v != v else str(int(v)) if v.is_integer() else str(v) for v in values.tolist()]
    if values.dtype.kind != "O":
        return values.astype(str).tolist()
    return [v if isinstance(v, str) and v else None if v is None or v == "" else str(v)
            for v in values.tolist()]


def _map_unique(values: list[Any], fn: Callable[[Any], Any]) -> list[Any]:
    """``fn`` applied once per distinct value (ALKIS repeats uses, dates and municipality keys)."""
    cache: dict[Any, Any] = {}
    return [cache[v] if v in cache else cache.setdefault(v, fn(v)) for v in values]


def _source_box(srid: int) -> tuple[float, float, float, float]:
    """Thuringia's plausible extent in the file's CRS, checked before ST_Transform can fail on wild input."""
    if srid == 25832:
        return THURINGIA_25832
    try:
        box = pyproj.Transformer.from_crs(25832, srid, always_xy=True).transform_bounds(
            *THURINGIA_25832, densify_pts=21)
    except pyproj.exceptions.ProjError:
        box = (np.inf,) * 4
    return box if np.all(np.isfinite(box)) else (-1e300, -1e300, 1e300, 1e300)


class _SQL:
    """The statements of an import run (temporary tables fp_parcel_stage and fp_parcel_prep)."""

    LOCK = "SELECT pg_advisory_xact_lock(hashtext('flaechenpool.import.parcels'))"
    SRID_KNOWN = "SELECT EXISTS (SELECT 1 FROM spatial_ref_sys WHERE srid = :s)"
    SETTINGS = ("flaechenpool.actor", "flaechenpool.bulk", "statement_timeout", "jit", "work_mem")
    SETTINGS_NOW = "SELECT " + ", ".join(f"coalesce(current_setting('{n}', true), '')" for n in SETTINGS)
    SETTINGS_SET = "SELECT " + ", ".join(f"set_config('{n}', :v{i}, true)" for i, n in enumerate(SETTINGS))
    RUN_START = ("INSERT INTO core.import_runs (kind, file_name, municipality_ags, actor, source) "
                 "VALUES ('parcels', :f, :m, :a, :s) RETURNING id")
    RUN_END = ("UPDATE core.import_runs SET finished_at = clock_timestamp(), municipality_ags = :m, "
               "counts = CAST(:c AS jsonb), repairs = CAST(:r AS jsonb) WHERE id = :id")
    AUDIT = ("INSERT INTO audit.log (actor, action, table_name, row_key, after, reason) "
             "VALUES (:a, 'import', 'core.parcels', :k, CAST(:c AS jsonb), :why)")
    DROP_TEMP = "DROP TABLE IF EXISTS pg_temp.fp_parcel_stage, pg_temp.fp_parcel_prep"
    STAGE = """CREATE TEMP TABLE fp_parcel_stage (
        row bigint, key text, municipality_ags text, official_area_m2 float8, land_use text,
        land_use_detail text, address text, alkis_id text, source_updated_at text, wkb bytea)
        ON COMMIT DROP"""
    STAGE_TYPES = ["int8", "text", "text", "float8", "text", "text", "text", "text", "text", "bytea"]
    COPY = "COPY fp_parcel_stage FROM STDIN (FORMAT BINARY)"
    DUPLICATE = """SELECT key, array_agg(row ORDER BY row) FROM fp_parcel_stage
        GROUP BY key HAVING count(*) > 1 ORDER BY min(row) LIMIT 1"""
    # Nested subqueries, each computing its columns once per row (OFFSET 0 keeps the planner from merging
    # them): parse, check in the file's CRS (ST_Transform never meets wild coordinates), transform,
    # validate, repair, then compare with the current parcel of the same key. {transform} is set per run.
    PREPARE = """CREATE TEMP TABLE fp_parcel_prep ON COMMIT DROP AS
        SELECT p.row, p.key, p.municipality_ags, p.official_area_m2, p.land_use, p.land_use_detail, p.address,
               p.alkis_id, p.source_updated_at, p.geom, p.reason, coalesce(p.problem,
                   CASE WHEN ST_IsEmpty(p.geom) THEN 'is empty after repair'
                        WHEN NOT p.geom @ ST_MakeEnvelope(:tx0, :ty0, :tx1, :ty1, 25832)
                             THEN 'outside'
                        WHEN NOT p.valid AND NOT ST_IsValid(p.geom) THEN 'cannot be repaired' END) AS problem,
               c.id AS current_id,
               CASE WHEN c.id IS NULL THEN 'new'
                    WHEN c.municipality_ags = p.municipality_ags AND c.official_area_m2 = p.official_area_m2
                     AND c.provenance = :prov AND c.land_use IS NOT DISTINCT FROM p.land_use
                     AND c.land_use_detail IS NOT DISTINCT FROM p.land_use_detail
                     AND c.address IS NOT DISTINCT FROM p.address
                     AND c.alkis_id IS NOT DISTINCT FROM p.alkis_id
                     AND c.source_updated_at IS NOT DISTINCT FROM p.source_updated_at
                     AND (c.geom = p.geom OR ST_Equals(c.geom, p.geom)) THEN 'unchanged'
                    ELSE 'changed' END AS status
        FROM (SELECT v.*, CASE WHEN NOT v.valid THEN ST_IsValidReason(v.g) END AS reason,
                     ST_Multi(ST_CollectionExtract(
                         CASE WHEN v.valid THEN v.g ELSE ST_MakeValid(v.g) END, 3)) AS geom
              FROM (SELECT t.*, ST_IsValid(t.g) AS valid
                    FROM (SELECT r.*, CASE WHEN r.problem IS NULL THEN {transform} END AS g
                          FROM (SELECT a.*, CASE WHEN a.raw IS NULL THEN 'is missing'
                                    WHEN ST_IsEmpty(a.raw) THEN 'is empty'
                                    WHEN ST_Dimension(a.raw) < 2 THEN 'is not polygonal'
                                    WHEN NOT a.raw @ ST_MakeEnvelope(:x0, :y0, :x1, :y1, :srid) THEN 'outside'
                                    END AS problem
                                FROM (SELECT s.row, s.key, s.municipality_ags,
                                             s.official_area_m2::numeric(14, 2) AS official_area_m2,
                                             s.land_use, s.land_use_detail, s.address, s.alkis_id,
                                             s.source_updated_at::timestamptz AS source_updated_at,
                                             ST_GeomFromWKB(s.wkb, :srid) AS raw
                                      FROM fp_parcel_stage s OFFSET 0) a OFFSET 0) r OFFSET 0) t OFFSET 0) v
              OFFSET 0) p
        LEFT JOIN core.parcels c ON c.flurstueckskennzeichen = p.key AND c.valid_to IS NULL"""
    FIRST_PROBLEM = "SELECT row, problem FROM fp_parcel_prep WHERE problem IS NOT NULL ORDER BY row LIMIT 1"
    RAW_GEOMETRY = """SELECT GeometryType(g), ST_XMin(g), ST_YMin(g)
        FROM (SELECT ST_GeomFromWKB(wkb, :srid) AS g FROM fp_parcel_stage WHERE row = :row) s"""
    STATUS_COUNTS = "SELECT status, count(*) FROM fp_parcel_prep GROUP BY status"
    CLOSE_CHANGED = """UPDATE core.parcels c SET valid_to = greatest(now(), c.valid_from)
        FROM fp_parcel_prep p WHERE c.id = p.current_id AND p.status = 'changed'"""
    RETIRE = """UPDATE core.parcels c SET valid_to = greatest(now(), c.valid_from)
        WHERE c.valid_to IS NULL AND c.municipality_ags = ANY(:scope)
          AND NOT EXISTS (SELECT 1 FROM fp_parcel_prep p WHERE p.key = c.flurstueckskennzeichen)"""
    INSERT = """INSERT INTO core.parcels (flurstueckskennzeichen, municipality_ags, official_area_m2,
            land_use, land_use_detail, address, alkis_id, source_updated_at, geom, import_run_id, provenance,
            source)
        SELECT key, municipality_ags, official_area_m2, land_use, land_use_detail, address, alkis_id,
               source_updated_at, geom, :run, :prov, :src
        FROM fp_parcel_prep WHERE status <> 'unchanged'"""
    REPAIRED = "SELECT key, row, reason FROM fp_parcel_prep WHERE reason IS NOT NULL ORDER BY row"
