"""The statements of a parcel import run (``flaechenpool.importing.parcels``).

Every batch arrives as binary COPY data in one column order (``COLUMNS``), encoded by the reading
process (``parcel_fields``, ``copy_binary``). Temporary tables, dropped at the end of the run:

- ``fp_parcel_keys``: every key and feature number of the file (duplicates, retiring missing parcels,
  the feature of a geometry outside the plausible extent);
- ``fp_parcel_stage``: a batch that is merged in SQL; ``row`` numbers its features (an identity set to
  the batch's first feature), the geometry column takes the file's SRID, so PostGIS parses each WKB
  once, while copying;
- ``fp_parcel_batch``: per staged row that needs more than a plain insert: its current parcel, its
  status (``unchanged``, ``differs``, ``new``, ``changed``) and, where computed, the checked and
  repaired geometry.

A batch takes one of four ways (see ``_Run._load``):

- *direct*: no current parcel can share a key (the municipality has none yet), the file is in
  EPSG:25832 and every geometry a non-empty (Multi)Polygon: the batch is copied into core.parcels as
  it is; the CHECK of core.parcels is the one validity test of each geometry, the extent is checked
  once at the end of the run (``OUTSIDE``). A refused row (invalid geometry, key current elsewhere)
  sends the batch the careful or matching way instead;
- *fresh*: like direct, but from the stage, where the other problems are found and named first;
- *matching*: rows whose current parcel is equal in every field and byte for byte in geometry are
  ``unchanged`` without any GEOS work; the others with a current parcel are checked, repaired and
  compared (``ST_Equals``) as below; rows without one are inserted as in *fresh*;
- *careful*: every row is checked, repaired (``ST_MakeValid``) and compared before the insert. Used
  for files in another CRS than EPSG:25832, and for a batch (and the rest of the file) once an
  insert in the other ways failed on the geometry CHECK.
"""

from __future__ import annotations

STORAGE_SRID = 25832

LOCK = "SELECT pg_advisory_xact_lock(hashtext('flaechenpool.import.parcels'))"
SRID_KNOWN = "SELECT EXISTS (SELECT 1 FROM spatial_ref_sys WHERE srid = :s)"
SETTINGS = ("flaechenpool.actor", "flaechenpool.bulk", "statement_timeout", "jit", "work_mem", "maintenance_work_mem")
SETTINGS_NOW = "SELECT " + ", ".join(f"coalesce(current_setting('{n}', true), '')" for n in SETTINGS)
SETTINGS_SET = "SELECT " + ", ".join(f"set_config('{n}', :v{i}, true)" for i, n in enumerate(SETTINGS))
RUN_START = ("INSERT INTO core.import_runs (kind, file_name, municipality_ags, actor, source) "
             "VALUES ('parcels', :f, :m, :a, :s) RETURNING id")
RUN_END = ("UPDATE core.import_runs SET finished_at = clock_timestamp(), municipality_ags = :m, "
           "counts = CAST(:c AS jsonb), repairs = CAST(:r AS jsonb) WHERE id = :id")
AUDIT = ("INSERT INTO audit.log (actor, action, table_name, row_key, after, reason) "
         "VALUES (:a, 'import', 'core.parcels', :k, CAST(:c AS jsonb), :why)")
# current parcels in the municipality (any municipality when NULL): none means no key can match
ANY_CURRENT = ("SELECT EXISTS (SELECT 1 FROM core.parcels WHERE valid_to IS NULL "
               "AND (CAST(:m AS text) IS NULL OR municipality_ags = :m))")

# Initial load: core.parcels holds no row at all (a new installation's first import). The table is
# locked for the run (readers wait for its end instead of reading an empty table), its indexes other
# than the primary key are dropped and built again after the load, in the same transaction: a sorted
# build instead of a million single inserts into each index. Only the table's owner may do that, and
# only when nobody reads the table at that moment (NOWAIT: a waiting lock would queue every later
# reader behind it).
INITIAL_LOAD = """SELECT NOT EXISTS (SELECT 1 FROM core.parcels) AND pg_has_role(c.relowner, 'USAGE')
    FROM pg_class c WHERE c.oid = 'core.parcels'::regclass"""
LOCK_TABLE = "LOCK TABLE core.parcels IN ACCESS EXCLUSIVE MODE NOWAIT"
IS_EMPTY = "SELECT NOT EXISTS (SELECT 1 FROM core.parcels)"
# While the table is locked for an initial load, its row triggers have nothing to do per row: the
# import records its (municipality, run) pairs once (what parcel_references does per statement) and
# writes one audit record for the run (the audit trigger is skipped during imports anyway).
TRIGGERS_OFF = "ALTER TABLE core.parcels DISABLE TRIGGER parcel_references, DISABLE TRIGGER audit_log"
TRIGGERS_ON = "ALTER TABLE core.parcels ENABLE TRIGGER parcel_references, ENABLE TRIGGER audit_log"
RECORD_REFERENCES = """INSERT INTO core.parcel_references (municipality_ags, import_run_id)
    SELECT m, :run FROM unnest(CAST(:municipalities AS text[])) m ON CONFLICT DO NOTHING"""
# An initial load copies no keys into fp_parcel_keys while it lasts: its :n rows are the file's first
# features, in order (ids grow with the COPY), so the keys table gets them only when something reads it
# (a key twice, a geometry outside, retiring); batches after the initial load copy their keys as usual.
KEYS_FROM_LOADED = """INSERT INTO fp_parcel_keys (key, row)
    SELECT flurstueckskennzeichen, row_number() OVER (ORDER BY id) FROM core.parcels
    WHERE id > :first_id AND import_run_id = :run ORDER BY id LIMIT :n"""
# the indexes an initial load builds afterwards (not those of constraints), unique ones first
DEFERRABLE_INDEXES = """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i WHERE i.indrelid = 'core.parcels'::regclass
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    ORDER BY i.indisunique DESC, 1"""

DROP_TEMP = "DROP TABLE IF EXISTS pg_temp.fp_parcel_stage, pg_temp.fp_parcel_keys, pg_temp.fp_parcel_batch"
FIRST_ID = "SELECT coalesce(max(id), 0) FROM core.parcels"  # every row this run inserts gets a higher id


def create_temp(srid: int) -> list[str]:
    """The temporary tables; the stage's geometry column takes the file's SRID (an int, never text)."""
    return [
        "CREATE TEMP TABLE fp_parcel_keys (key text, row bigint) ON COMMIT DROP",
        f"""CREATE TEMP TABLE fp_parcel_stage (
            row bigint GENERATED BY DEFAULT AS IDENTITY, key text, municipality_ags text,
            official_area_m2 numeric(14, 2), land_use text, land_use_detail text, address text, alkis_id text,
            source_updated_at timestamptz, g geometry(Geometry, {int(srid)}), import_run_id bigint,
            provenance text, source text) ON COMMIT DROP""",
        "ALTER TABLE fp_parcel_stage ALTER COLUMN g SET STORAGE EXTERNAL",  # no futile compression
        """CREATE TEMP TABLE fp_parcel_batch (
            row bigint, key text, current_id bigint, status text, geom geometry, reason text, problem text)
            ON COMMIT DROP""",
        "ALTER TABLE fp_parcel_batch ALTER COLUMN geom SET STORAGE EXTERNAL",
    ]


# The COPY data of a batch: these columns, in this order (text, text, numeric, text ×4, timestamptz,
# WKB parsed by the geometry column, int8, text, text); the keys: text, int8.
_VALUES = "municipality_ags, official_area_m2, land_use, land_use_detail, address, alkis_id, source_updated_at"
COPY_PARCELS = (f"COPY core.parcels (flurstueckskennzeichen, {_VALUES}, geom, import_run_id, provenance, source) "
                "FROM STDIN (FORMAT BINARY)")
COPY_STAGE = f"COPY fp_parcel_stage (key, {_VALUES}, g, import_run_id, provenance, source) FROM STDIN (FORMAT BINARY)"
COPY_KEYS = "COPY fp_parcel_keys (key, row) FROM STDIN (FORMAT BINARY)"
# run outside the batch's savepoint: a temporary table created in the same subtransaction is
# truncated in place instead of getting new files each time
CLEAR = "TRUNCATE fp_parcel_stage, fp_parcel_batch"
NUMBER_FROM = "SELECT setval(pg_get_serial_sequence('pg_temp.fp_parcel_stage', 'row'), :first, false)"

DUPLICATE = """SELECT key, array_agg(row ORDER BY row) FROM fp_parcel_keys
    GROUP BY key HAVING count(*) > 1 ORDER BY min(row) LIMIT 1"""
DUPLICATE_IN_BATCH = """SELECT key, array_agg(row ORDER BY row) FROM fp_parcel_stage
    GROUP BY key HAVING count(*) > 1 ORDER BY min(row) LIMIT 1"""

def _same_fields(row: str) -> str:
    """SQL: the fields of staged row ``row`` equal those of the current parcel ``c``."""
    return f"""c.municipality_ags = {row}.municipality_ags
        AND c.official_area_m2 = {row}.official_area_m2 AND c.provenance = :prov
        AND c.land_use IS NOT DISTINCT FROM {row}.land_use
        AND c.land_use_detail IS NOT DISTINCT FROM {row}.land_use_detail
        AND c.address IS NOT DISTINCT FROM {row}.address AND c.alkis_id IS NOT DISTINCT FROM {row}.alkis_id
        AND c.source_updated_at IS NOT DISTINCT FROM {row}.source_updated_at"""


# The current parcel of a key, looked up by index for each row (LIMIT 1 keeps the planner from hashing
# all current parcels when its statistics are stale, e.g. right after the first import).
_CURRENT = ("SELECT c.* FROM core.parcels c WHERE c.flurstueckskennzeichen = {key} AND c.valid_to IS NULL "
            "LIMIT 1")

# matching way: unchanged byte for byte (such a geometry passed the CHECK before), or to be compared
MATCH = f"""INSERT INTO fp_parcel_batch (row, key, current_id, status)
    SELECT s.row, s.key, c.id,
           CASE WHEN {_same_fields('s')} AND c.geom = ST_Multi(s.g) THEN 'unchanged' ELSE 'differs' END
    FROM fp_parcel_stage s CROSS JOIN LATERAL ({_CURRENT.format(key='s.key')}) c"""
DROP_DIFFERS = "DELETE FROM fp_parcel_batch WHERE status = 'differs'"
ONLY_DIFFERS = "s.row IN (SELECT row FROM fp_parcel_batch WHERE status = 'differs')"

# Checked, repaired and compared rows. Nested subqueries, each computing its columns once per row
# (OFFSET 0 keeps the planner from merging them): check in the file's CRS (ST_Transform never meets
# wild coordinates), transform, validate, repair, then compare with the current parcel of the same
# key. {transform} is set per run ("a.g" or "ST_Transform(a.g, 25832)"), {rows} per way.
CAREFUL = """INSERT INTO fp_parcel_batch (row, key, current_id, status, geom, reason, problem)
    SELECT p.row, p.key, c.id,
           CASE WHEN c.id IS NULL THEN 'new'
                WHEN p.problem IS NULL AND {same}
                 AND (c.geom = p.geom OR ST_Equals(c.geom, p.geom)) THEN 'unchanged'
                ELSE 'changed' END,
           p.geom, p.reason, p.problem
    FROM (SELECT v.*, coalesce(v.raw_problem,
                 CASE WHEN ST_IsEmpty(v.geom) THEN 'is empty after repair'
                      WHEN NOT v.geom @ ST_MakeEnvelope(:tx0, :ty0, :tx1, :ty1, 25832) THEN 'outside'
                      WHEN NOT v.valid AND NOT ST_IsValid(v.geom) THEN 'cannot be repaired' END) AS problem
          FROM (SELECT t.*, CASE WHEN NOT t.valid THEN ST_IsValidReason(t.tg) END AS reason,
                       ST_Multi(ST_CollectionExtract(CASE WHEN t.valid THEN t.tg ELSE ST_MakeValid(t.tg) END, 3))
                           AS geom
                FROM (SELECT r.*, ST_IsValid(r.tg) AS valid
                      FROM (SELECT a.*, CASE WHEN a.raw_problem IS NULL THEN {transform} END AS tg
                            FROM (SELECT s.*, {problem} AS raw_problem
                                  FROM fp_parcel_stage s WHERE {rows} OFFSET 0) a OFFSET 0) r OFFSET 0) t
                OFFSET 0) v
          OFFSET 0) p
    LEFT JOIN LATERAL ({current}) c ON true"""

# what is wrong with a staged geometry before any GEOS work (the file's CRS)
PROBLEM = """CASE WHEN s.g IS NULL THEN 'is missing'
    WHEN ST_IsEmpty(s.g) THEN 'is empty'
    WHEN ST_Dimension(s.g) < 2 THEN 'is not polygonal'
    WHEN NOT s.g @ ST_MakeEnvelope(:x0, :y0, :x1, :y1, :srid) THEN 'outside' END"""


def careful(*, transform: bool, only_differs: bool) -> str:
    """The CAREFUL statement for a run (transform to EPSG:25832 or not) and a way."""
    return CAREFUL.format(same=_same_fields("p"), problem=PROBLEM, current=_CURRENT.format(key="p.key"),
                          transform="ST_Transform(a.g, 25832)" if transform else "a.g",
                          rows=ONLY_DIFFERS if only_differs else "true")


FIRST_PROBLEM = f"""SELECT row, problem FROM (
        SELECT s.row, {PROBLEM} AS problem FROM fp_parcel_stage s
        UNION ALL SELECT row, problem FROM fp_parcel_batch) p
    WHERE problem IS NOT NULL ORDER BY row LIMIT 1"""
RAW_GEOMETRY = "SELECT GeometryType(g), ST_XMin(g), ST_YMin(g) FROM fp_parcel_stage WHERE row = :row"
STATUS_COUNTS = "SELECT status, count(*) FROM fp_parcel_batch GROUP BY status"
REPAIRED = "SELECT key, row, reason FROM fp_parcel_batch WHERE reason IS NOT NULL ORDER BY row"

CLOSE_CHANGED = """UPDATE core.parcels c SET valid_to = greatest(now(), c.valid_from)
    FROM fp_parcel_batch b WHERE c.id = b.current_id AND b.status = 'changed'"""
# rows without an entry in fp_parcel_batch go in as read (a MultiPolygon as it is, else its polygons):
# only in the fresh and matching ways, only for EPSG:25832; the CHECK of core.parcels tests them
INSERT = """INSERT INTO core.parcels (flurstueckskennzeichen, municipality_ags, official_area_m2,
        land_use, land_use_detail, address, alkis_id, source_updated_at, geom, import_run_id, provenance, source)
    SELECT s.key, s.municipality_ags, s.official_area_m2, s.land_use, s.land_use_detail,
           s.address, s.alkis_id, s.source_updated_at,
           coalesce(b.geom, CASE WHEN GeometryType(s.g) = 'MULTIPOLYGON' THEN s.g
                                 ELSE ST_Multi(ST_CollectionExtract(s.g, 3)) END),
           :run, :prov, :src
    FROM fp_parcel_stage s LEFT JOIN fp_parcel_batch b ON b.row = s.row
    WHERE b.row IS NULL OR b.status IN ('new', 'changed')"""

ANALYZE_KEYS = "ANALYZE fp_parcel_keys"
# direct way: a geometry outside the plausible extent (first a quick look, then its feature)
# after an initial load every current parcel is the run's and in the GiST index built after it: the
# index's extent (PostGIS reads it from the index's root page; float4, rounded outward) inside the
# plausible extent means every geometry is; else ANY_OUTSIDE decides
INDEX_EXTENT_INSIDE = """SELECT ST_XMin(e) >= :tx0 AND ST_YMin(e) >= :ty0 AND ST_XMax(e) <= :tx1 AND ST_YMax(e) <= :ty1
    FROM _postgis_index_extent('core.parcels', 'geom') e"""
ANY_OUTSIDE = """SELECT EXISTS (SELECT 1 FROM core.parcels p WHERE p.id > :first_id AND p.import_run_id = :run
    AND NOT p.geom @ ST_MakeEnvelope(:tx0, :ty0, :tx1, :ty1, 25832))"""
OUTSIDE = """SELECT k.row, ST_XMin(p.geom), ST_YMin(p.geom)
    FROM core.parcels p JOIN fp_parcel_keys k ON k.key = p.flurstueckskennzeichen
    WHERE p.id > :first_id AND p.import_run_id = :run AND NOT p.geom @ ST_MakeEnvelope(:tx0, :ty0, :tx1, :ty1, 25832)
    ORDER BY k.row LIMIT 1"""
# current parcels of the scope missing from the file; rows this run inserted are in the file
RETIRE = """UPDATE core.parcels c SET valid_to = greatest(now(), c.valid_from)
    WHERE c.valid_to IS NULL AND c.municipality_ags = ANY(:scope) AND c.import_run_id IS DISTINCT FROM :run
      AND NOT EXISTS (SELECT 1 FROM fp_parcel_keys k WHERE k.key = c.flurstueckskennzeichen)"""
