-- The foreign keys of core.parcels (municipality_ags → core.municipalities, import_run_id →
-- core.import_runs) were checked once per inserted row: two index look-ups with row locks per parcel,
-- a third of the time of a large import. They are now kept once per distinct pair: every pair that
-- parcels use is a row of core.parcel_references, whose own foreign keys protect the municipality and
-- the import run (the referenced side still refuses to delete or re-key them: 23503). A statement
-- trigger adds the pairs of each INSERT or COPY (transition table), a row trigger those of an UPDATE
-- that changes either column. Pairs are never removed (parcels are never deleted either).

ALTER TABLE core.parcels DROP CONSTRAINT parcels_municipality_ags_fkey,
                         DROP CONSTRAINT parcels_import_run_id_fkey;

CREATE TABLE core.parcel_references (
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    import_run_id     bigint REFERENCES core.import_runs,
    CONSTRAINT parcel_references_pair UNIQUE NULLS NOT DISTINCT (municipality_ags, import_run_id)
);
COMMENT ON TABLE core.parcel_references IS
    'Gemeinden und Importläufe, auf die Flurstücke verweisen (Fremdschlüssel von core.parcels, einmal je Paar)';

INSERT INTO core.parcel_references (municipality_ags, import_run_id)
    SELECT DISTINCT municipality_ags, import_run_id FROM core.parcels;

CREATE FUNCTION core.parcel_references_add() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        INSERT INTO core.parcel_references (municipality_ags, import_run_id)
        VALUES (NEW.municipality_ags, NEW.import_run_id)
        ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO core.parcel_references (municipality_ags, import_run_id)
        SELECT DISTINCT n.municipality_ags, n.import_run_id FROM new_parcels n
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION core.parcel_references_add() IS
    'AFTER trigger of core.parcels: records the (municipality, import run) pairs of new rows; '
    'the foreign keys of core.parcel_references check them once per pair';

CREATE TRIGGER parcel_references AFTER INSERT ON core.parcels
    REFERENCING NEW TABLE AS new_parcels
    FOR EACH STATEMENT EXECUTE FUNCTION core.parcel_references_add();
CREATE TRIGGER parcel_references_update AFTER UPDATE OF municipality_ags, import_run_id ON core.parcels
    FOR EACH ROW WHEN (OLD.municipality_ags IS DISTINCT FROM NEW.municipality_ags
                       OR OLD.import_run_id IS DISTINCT FROM NEW.import_run_id)
    EXECUTE FUNCTION core.parcel_references_add();

-- A pair that parcels use may not go away: that would let its municipality or run be deleted.
CREATE FUNCTION core.parcel_references_keep() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'core.parcel_references holds what parcels refer to; its rows are never changed or removed'
        USING ERRCODE = 'FPD01';
END $$;
CREATE TRIGGER parcel_references_keep BEFORE UPDATE OR DELETE ON core.parcel_references
    FOR EACH ROW EXECUTE FUNCTION core.parcel_references_keep();
CREATE TRIGGER parcel_references_keep_all BEFORE TRUNCATE ON core.parcel_references
    FOR EACH STATEMENT EXECUTE FUNCTION core.parcel_references_keep();
