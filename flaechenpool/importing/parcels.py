"""Import of parcels (Flurstücke) from ALKIS files into ``core.parcels``, keeping history.

Reads ALKIS vereinfacht (WFS GML and its Shape/GeoPackage downloads), ALKIS NAS and simple files
with a Flurstückskennzeichen and an amtliche Fläche. The file is read in batches, large files in a
second process (``feeder``): while PostGIS works on one batch, the next is read, its values checked in
Python (``parcel_fields``) and encoded for a binary COPY. Each batch is copied straight into
``core.parcels`` or staged and merged with set-based SQL (``parcel_sql``): geometries are checked, transformed to EPSG:25832 and
repaired where needed, parcels are upserted by Flurstückskennzeichen (a changed parcel closes its old
row with ``valid_to`` and gets a new one); at the end current parcels of the same municipalities
missing from the file are retired. Everything happens in one transaction: a failed or interrupted
import leaves the database as it was.

An initial load (``core.parcels`` holds no row at all, and the importing role owns it) locks the table
for the run, drops its secondary indexes and builds them again after the load (or before the first batch
that needs them for look-ups), in the same transaction: readers of parcels wait for the import's end
instead of reading an empty table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psycopg
import pyproj
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from flaechenpool.errors import ImportFileError, InputError
from flaechenpool.importing import parcel_sql as sql
from flaechenpool.importing.feeder import Feeder, Job
from flaechenpool.importing.parcel_fields import PARCEL_LAYERS, PROVENANCES, Encoded, RowMaker, dominant_use
from flaechenpool.importing.reading import VectorFile, open_vector

__all__ = ["ImportReport", "dominant_use", "import_parcels"]

THURINGIA_25832 = (500_000.0, 5_500_000.0, 800_000.0, 5_800_000.0)  # plausible extent: x/y min, x/y max
# an insert that fails on one of these constraints is done again the careful way (see parcel_sql)
_GEOMETRY_CHECK = "parcels_geom_check"
_CURRENT_KEY = "parcels_current_key_idx"


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
    indexes_built: int = 0  # an initial load's indexes, built after the load


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
    batch_size: int = 10_000,
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
    """One import run: reading ahead, staging, the merge of each batch, bookkeeping."""

    def __init__(self, conn: Connection, vf: VectorFile, municipality: str | None, provenance: str,
                 source: str, actor: str) -> None:
        self.conn, self.vf, self.municipality = conn, vf, municipality
        self.provenance, self.source, self.actor = provenance, source, actor
        known = {r[0] for r in conn.execute(text("SELECT ags FROM core.municipalities"))}
        self.maker = RowMaker(vf, municipality, known)
        if municipality is not None and municipality not in known:
            raise self.fail(f"municipality {municipality} is not in core.municipalities",
                            field="municipality")
        self.raw: psycopg.Connection = conn.connection.driver_connection  # type: ignore[assignment]
        self.careful = vf.srid != sql.STORAGE_SRID  # transformed geometries are always checked first
        self.match = True  # whether current parcels may share keys with the file
        self.counts = {"new": 0, "changed": 0, "unchanged": 0}
        self.repaired: list[dict] = []
        self.staged_before = False
        self.batches = self.direct_batches = 0
        self.initial = False  # an initial load: indexes dropped, row triggers off (see _defer_indexes)
        self.was_initial = False  # the run started on an empty table
        self.deferred: list[tuple[str, str]] = []  # an initial load's dropped indexes: name, definition
        self.loaded_municipalities: set[str] = set()  # of the rows an initial load copied
        self.keys_owed = 0  # how many rows (features 1 …) an initial load copied without their keys
        self.indexes_built = 0
        x0, y0, x1, y1 = _source_box(vf.srid)
        self.params = {"srid": vf.srid, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "prov": provenance,
                       **dict(zip(("tx0", "ty0", "tx1", "ty1"), THURINGIA_25832, strict=True))}

    def fail(self, detail: str, row: int | None = None, field: str | None = None) -> ImportFileError:
        return ImportFileError(detail, file=self.vf.name, row=row, field=field)

    def execute(self, retire_missing: bool, progress: Callable[[int, int | None], None] | None,
                batch_size: int) -> ImportReport:
        with Feeder(self.vf.total) as feeder:  # a reading process starts while the run is prepared
            return self._execute(feeder, retire_missing, progress, batch_size)

    def _execute(self, feeder: Feeder, retire_missing: bool, progress: Callable[[int, int | None], None] | None,
                 batch_size: int) -> ImportReport:
        conn, vf = self.conn, self.vf
        conn.execute(text(sql.LOCK))  # one parcel import at a time: two would race for the same keys
        if not conn.execute(text(sql.SRID_KNOWN), {"s": vf.srid}).scalar():
            raise self.fail(f"PostGIS does not know the coordinate reference system {vf.crs}", field="crs")
        before = tuple(conn.execute(text(sql.SETTINGS_NOW)).one())
        # one summary audit row instead of row triggers; no time limit, no JIT, room for the hash joins
        self._settings((self.actor, "on", "0", "off", "256MB", "256MB"))
        run_id = conn.execute(text(sql.RUN_START), {"f": vf.name, "m": self.municipality, "a": self.actor,
                                                   "s": self.source}).scalar_one()
        self.params.update(run=run_id, src=self.source)
        conn.exec_driver_sql(sql.DROP_TEMP)
        for statement in sql.create_temp(vf.srid):
            conn.exec_driver_sql(statement)
        self.match = bool(conn.execute(text(sql.ANY_CURRENT), {"m": self.municipality}).scalar())
        had_current = self.match
        self.params["first_id"] = conn.execute(text(sql.FIRST_ID)).scalar_one()
        if not had_current and not self.careful:
            self._defer_indexes()
        read = 0
        for batch in feeder.start(Job(vf, self.maker, batch_size, run_id, self.provenance, self.source)):
            self.maker.seen |= batch.municipalities
            self._load(batch)
            self.batches += 1
            read += batch.count
            if progress is not None:
                progress(read, vf.total)
        if read == 0:
            raise self.fail("holds no features")
        self._build_indexes()
        if self.direct_batches < self.batches:  # copied directly, a key twice would have hit the unique index
            self._check_duplicates()
        if self.direct_batches:
            self._check_extent()
        retired = 0
        seen = self.maker.seen
        if retire_missing and (had_current or self.municipality is None):
            self._keys()
            conn.exec_driver_sql(sql.ANALYZE_KEYS)
            scope = [self.municipality] if self.municipality else sorted(seen)
            retired = conn.execute(text(sql.RETIRE), {"scope": scope, "run": run_id}).rowcount
        conn.exec_driver_sql(sql.DROP_TEMP)
        counts = {"inserted": self.counts["new"], "changed": self.counts["changed"],
                  "unchanged": self.counts["unchanged"], "retired": retired}
        summary = {"read": read, **counts, "repaired": len(self.repaired), "crs": vf.crs, "layer": vf.layer,
                   "municipalities": sorted(seen)}
        only = self.municipality or (next(iter(seen)) if len(seen) == 1 else None)
        conn.execute(text(sql.RUN_END), {"m": only, "c": json.dumps(summary), "r": json.dumps(self.repaired),
                                        "id": run_id})
        self._settings(before)
        audit = json.dumps({"import_run": run_id, **summary})
        conn.execute(text(sql.AUDIT), {"a": self.actor, "k": str(run_id), "c": audit,
                                       "why": f"parcel import of {vf.name}"})
        return ImportReport(run_id=run_id, file=vf.name, read=read, repaired=self.repaired,
                            indexes_built=self.indexes_built, **counts)

    def _settings(self, values: tuple[str, ...]) -> None:
        self.conn.execute(text(sql.SETTINGS_SET), {f"v{i}": v for i, v in enumerate(values)})

    # --- initial load ----------------------------------------------------------------------------------

    def _defer_indexes(self) -> None:
        """An initial load (core.parcels empty, and ours): lock the table, drop its secondary indexes,
        switch its row triggers off."""
        conn = self.conn
        if not conn.execute(text(sql.INITIAL_LOAD)).scalar():
            return
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(sql.LOCK_TABLE)
        except OperationalError as exc:
            if not isinstance(exc.orig, psycopg.errors.LockNotAvailable):
                raise
            return  # someone reads parcels right now: keep the indexes online
        if not conn.execute(text(sql.IS_EMPTY)).scalar():  # parcels arrived since the first look
            return
        self.deferred = [tuple(r) for r in conn.execute(text(sql.DEFERRABLE_INDEXES))]
        for name, _ in self.deferred:
            conn.exec_driver_sql(f"DROP INDEX {name}")  # a name from the catalog, not from the caller
        conn.exec_driver_sql(sql.TRIGGERS_OFF)
        self.initial = self.was_initial = True

    def _build_indexes(self) -> None:
        """End an initial load: record its references, switch the triggers on, build the indexes it
        dropped; a key twice in the file names its features."""
        if not self.initial:
            return
        conn, deferred, self.deferred, self.initial = self.conn, self.deferred, [], False
        conn.execute(text(sql.RECORD_REFERENCES), {"municipalities": sorted(self.loaded_municipalities),
                                                   "run": self.params["run"]})
        conn.exec_driver_sql(sql.TRIGGERS_ON)
        for name, definition in deferred:
            try:
                with conn.begin_nested():
                    conn.exec_driver_sql(definition)
            except IntegrityError as exc:
                self._check_duplicates()  # names the features that share a key
                raise self.fail(f"index {name} cannot be built: {exc.orig}") from exc
            self.indexes_built += 1

    # --- one batch -----------------------------------------------------------------------------------

    @property
    def _direct(self) -> bool:
        """Whether batches can go straight into core.parcels: no current parcel can share their keys."""
        return not (self.match or self.careful)

    def _copy(self, statement: str, data: bytes, batch: Encoded) -> None:
        """Send COPY data; a value PostgreSQL cannot take names its feature."""
        try:
            with self.raw.cursor() as cur, cur.copy(statement) as copy:
                copy.write(data)
        except psycopg.errors.DataError as exc:
            where = re.search(r"line (\d+)", exc.diag.context or "")
            raise self.fail("a value cannot be stored (malformed geometry or value)",
                            batch.first_row + int(where[1]) - 1 if where else None) from exc

    def _load(self, batch: Encoded) -> None:
        """One batch: its keys recorded, its rows copied into core.parcels or staged and merged (the
        statements of the other ways look current parcels up by index: an initial load builds its
        indexes first; its keys are recorded later, see ``_keys``)."""
        direct = batch.direct and self._direct
        owed = self.initial and direct
        if not owed:
            self._copy(sql.COPY_KEYS, batch.keys, batch)
        if direct and self._copy_direct(batch):
            self.keys_owed += batch.count if owed else 0
            return
        self._build_indexes()
        if owed:
            self._copy(sql.COPY_KEYS, batch.keys, batch)
        if self.staged_before:
            self.conn.exec_driver_sql(sql.CLEAR)
        self.staged_before = True
        self.conn.execute(text(sql.NUMBER_FROM), {"first": batch.first_row})
        self._copy(sql.COPY_STAGE, batch.rows, batch)
        self._merge_batch(batch)

    def _copy_direct(self, batch: Encoded) -> bool:
        """Copy the batch into core.parcels; False (nothing stored) when a constraint refuses a row."""
        try:
            with self.conn.begin_nested(), self.raw.cursor() as cur, cur.copy(sql.COPY_PARCELS) as copy:
                copy.write(batch.rows)
        except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as exc:
            constraint = exc.diag.constraint_name
            if constraint == _CURRENT_KEY:
                self.match = True  # a key is current already (elsewhere, or twice in the file)
            elif constraint == _GEOMETRY_CHECK:
                self.careful = True  # an invalid geometry: check the rest of the file first
            elif not isinstance(exc, (psycopg.errors.DataError, psycopg.errors.NotNullViolation)):
                raise
            return False
        self.counts["new"] += batch.count
        self.direct_batches += 1
        if self.initial:
            self.loaded_municipalities |= batch.municipalities
        return True

    def _merge_batch(self, batch: Encoded) -> None:
        """Merge the staged batch; a quick way that fails on a constraint is done again carefully."""
        while not self.careful:
            try:
                with self.conn.begin_nested():
                    self._merge(batch, careful=False)
                return
            except IntegrityError as exc:
                constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
                if constraint == _CURRENT_KEY and not self.match:
                    self.match = True  # a key is current elsewhere (another municipality): match from now on
                elif constraint in (_CURRENT_KEY, _GEOMETRY_CHECK):
                    self.careful = True  # an invalid geometry (or a duplicate key): check the rest first
                else:
                    raise
        self._merge(batch, careful=True)

    def _merge(self, batch: Encoded, *, careful: bool) -> None:
        conn, params = self.conn, self.params
        if careful:
            self._check_duplicates(in_batch=True)
            conn.execute(text(sql.careful(transform=self.vf.srid != sql.STORAGE_SRID, only_differs=False)),
                         params)
        elif self.match:
            conn.execute(text(sql.MATCH), params)
            conn.execute(text(sql.careful(transform=False, only_differs=True)), params)
            conn.exec_driver_sql(sql.DROP_DIFFERS)
        problem = conn.execute(text(sql.FIRST_PROBLEM), params).first()
        if problem is not None:
            raise self._geometry_problem(*problem)
        counts = {"new": 0, "changed": 0, "unchanged": 0, **dict(conn.execute(text(sql.STATUS_COUNTS)).all())}
        if counts["changed"]:
            conn.exec_driver_sql(sql.CLOSE_CHANGED)
        inserted = 0
        if counts["unchanged"] < batch.count:
            inserted = conn.execute(text(sql.INSERT), params).rowcount
        self.counts["new"] += inserted - counts["changed"]
        self.counts["changed"] += counts["changed"]
        self.counts["unchanged"] += counts["unchanged"]
        self.repaired += [{"flurstueckskennzeichen": k, "row": r, "reason": why}
                          for k, r, why in conn.execute(text(sql.REPAIRED))]

    def _geometry_problem(self, row: int, what: str) -> ImportFileError:
        kind, x, y = self.conn.execute(text(sql.RAW_GEOMETRY), {"row": row}).one()
        if what == "outside":
            return self._outside(row, x, y)
        kind = f" ({kind})" if "polygonal" in what else ""
        return self.fail(f"the geometry {what}{kind}", row, "geometry")

    def _keys(self) -> None:
        """The keys and feature numbers of an initial load's rows into fp_parcel_keys, when owed (only
        what reads that table asks for them: a duplicate's or an outside geometry's features, retiring)."""
        if self.keys_owed:
            self.conn.execute(text(sql.KEYS_FROM_LOADED), dict(self.params, n=self.keys_owed))
            self.keys_owed = 0

    def _check_extent(self) -> None:
        """The direct way's extent check: a geometry outside Thuringia (a wrong CRS?) names its feature."""
        if self.was_initial and self._index_extent_inside():
            return  # the GiST index's extent says all are inside, without reading the rows
        if not self.conn.execute(text(sql.ANY_OUTSIDE), self.params).scalar():
            return
        self._keys()
        self.conn.exec_driver_sql(sql.ANALYZE_KEYS)
        row, x, y = self.conn.execute(text(sql.OUTSIDE), self.params).one()
        raise self._outside(row, x, y)

    def _index_extent_inside(self) -> bool:
        try:
            with self.conn.begin_nested():
                return bool(self.conn.execute(text(sql.INDEX_EXTENT_INSIDE), self.params).scalar())
        except ProgrammingError:  # a PostGIS without _postgis_index_extent: read the rows
            return False

    def _outside(self, row: int, x: float, y: float) -> ImportFileError:
        vf = self.vf
        given = ", given by the caller" if vf.crs_given else ""
        return self.fail(f"the geometry (x {x:.10g}, y {y:.10g} in {vf.crs}) lies outside Thuringia; "
                         f"is the CRS right? (declared: {vf.crs}{given})", row, "geometry")

    def _check_duplicates(self, *, in_batch: bool = False) -> None:
        if not in_batch:
            self._keys()
        duplicate = self.conn.execute(text(sql.DUPLICATE_IN_BATCH if in_batch else sql.DUPLICATE)).first()
        if duplicate is not None:
            key, rows = duplicate
            raise self.fail(f"Flurstückskennzeichen {key} occurs twice (features {rows[0]} and {rows[1]})",
                            rows[1], self.maker.fields["key"])


def _source_box(srid: int) -> tuple[float, float, float, float]:
    """Thuringia's plausible extent in the file's CRS, checked before ST_Transform can fail on wild input."""
    if srid == sql.STORAGE_SRID:
        return THURINGIA_25832
    try:
        box = pyproj.Transformer.from_crs(25832, srid, always_xy=True).transform_bounds(
            *THURINGIA_25832, densify_pts=21)
    except pyproj.exceptions.ProjError:
        box = (np.inf,) * 4
    return box if np.all(np.isfinite(box)) else (-1e300, -1e300, 1e300, 1e300)
