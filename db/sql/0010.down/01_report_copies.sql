-- Back to revision 0009: erasure leaves the sites made from reports as they are.
CREATE OR REPLACE FUNCTION core.sites_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
            SELECT 1 FROM core.site_status_transitions t
            WHERE t.from_status = OLD.status AND t.to_status = NEW.status) THEN
            RAISE EXCEPTION 'status change % → % is not allowed by the mobilisation workflow', OLD.status, NEW.status
                USING ERRCODE = 'FPW01';
        END IF;
        IF OLD.retired_at IS NOT NULL AND NEW.retired_at IS NOT NULL AND to_jsonb(OLD) <> to_jsonb(NEW) THEN
            RAISE EXCEPTION 'site % is retired and cannot be changed', OLD.id USING ERRCODE = 'FPW02';
        END IF;
        NEW.version := OLD.version + 1;
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION personal.redact_reports(p_reports bigint[], p_why text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    PERFORM set_config('flaechenpool.reason', p_why, true);
    PERFORM set_config('flaechenpool.redacting_reports', 'on', true);
    UPDATE core.site_reports SET description = '[Beschreibung auf Verlangen der meldenden Person gelöscht]'
    WHERE id = ANY (coalesce(p_reports, '{}'));
    PERFORM set_config('flaechenpool.redacting_reports', 'off', true);
    DELETE FROM core.site_report_photos WHERE report_id = ANY (coalesce(p_reports, '{}'));
    RETURN audit.redact('core.site_reports', coalesce(p_reports, '{}')::text[], p_why);
END $$;
