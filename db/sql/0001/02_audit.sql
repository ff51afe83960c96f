-- Audit log: every change (who, when, what, before/after) and every read of personal data.
CREATE TABLE audit.log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL,
    db_role     text NOT NULL DEFAULT current_user,
    action      text NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'import', 'retire')),
    table_name  text NOT NULL,
    row_key     text,
    before      jsonb,
    after       jsonb,
    reason      text
);
CREATE INDEX log_table_row_idx ON audit.log (table_name, row_key);
CREATE INDEX log_at_idx ON audit.log (at);
COMMENT ON TABLE audit.log IS 'Änderungsprotokoll: wer, wann, was, vorher/nachher';

CREATE TABLE audit.personal_data_reads (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL,
    db_role     text NOT NULL DEFAULT current_user,
    purpose     text NOT NULL CHECK (length(trim(purpose)) > 0),
    what        text NOT NULL,
    keys        text[] NOT NULL DEFAULT '{}',
    row_count   integer NOT NULL
);
CREATE INDEX personal_data_reads_at_idx ON audit.personal_data_reads (at);
COMMENT ON TABLE audit.personal_data_reads IS 'Protokoll jedes Lesezugriffs auf personenbezogene Daten (wer, wann, Zweck)';

-- Who is acting: set per transaction by the service (SET LOCAL flaechenpool.actor = ...).
CREATE FUNCTION audit.current_actor() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('flaechenpool.actor', true), ''), session_user::text)
$$;

-- Row trigger for every audited table. Bulk imports set flaechenpool.bulk = 'on' and write one
-- summary record per import run instead (the parcels table keeps its own history).
CREATE FUNCTION audit.log_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
    key_col text := coalesce(TG_ARGV[0], 'id');
BEGIN
    IF current_setting('flaechenpool.bulk', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN old_row := to_jsonb(OLD) - 'geom'; END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN new_row := to_jsonb(NEW) - 'geom'; END IF;
    -- geometry as GeoJSON (EPSG:25832, centimetres) keeps the log readable; unchanged rows are not logged
    IF TG_OP IN ('UPDATE', 'DELETE') AND to_jsonb(OLD) ? 'geom' THEN
        old_row := old_row || jsonb_build_object('geom', ST_AsGeoJSON((to_jsonb(OLD)->>'geom')::geometry, 2)::jsonb);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND to_jsonb(NEW) ? 'geom' THEN
        new_row := new_row || jsonb_build_object('geom', ST_AsGeoJSON((to_jsonb(NEW)->>'geom')::geometry, 2)::jsonb);
    END IF;
    IF TG_OP = 'UPDATE' AND to_jsonb(OLD) = to_jsonb(NEW) THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit.log (actor, action, table_name, row_key, before, after, reason)
    VALUES (audit.current_actor(), lower(TG_OP), TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME,
            coalesce(new_row, old_row) ->> key_col, old_row, new_row,
            nullif(current_setting('flaechenpool.reason', true), ''));
    RETURN NULL;
END $$;

COMMENT ON FUNCTION audit.log_change() IS
    'AFTER row trigger: writes before/after of a change to audit.log; geometries as GeoJSON in EPSG:25832';

-- Rows of the land pool are retired, never deleted.
CREATE FUNCTION audit.forbid_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rows of % are retired (end date), never deleted', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME
        USING ERRCODE = 'FPD01';
END $$;
