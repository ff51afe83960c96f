-- Erasure on a person's request (Art. 17) also reaches the copy of their report's description that
-- accepting the report put into the new site's description ("Aus Meldung M-…: <description>",
-- flaechenpool.reports.accept_report). The copy is replaced by the same note as the report's own
-- description: in the site, also a retired one, and in the site's records in audit.log. Only the copy
-- is replaced; what the land office wrote around it stays.

-- Sites: the workflow checks as before, except for personal.redact_reports (running as its owner, with
-- the flag it sets), which may change the description of any site, retired or not, and nothing else.
CREATE OR REPLACE FUNCTION core.sites_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF current_setting('flaechenpool.redacting_reports', true) = 'on'
                AND current_user = (SELECT pg_get_userbyid(proowner) FROM pg_proc
                                    WHERE oid = 'personal.redact_reports(bigint[], text)'::regprocedure) THEN
            -- area_m2 is generated from geom (NULL in NEW before the row is written); geom is compared
            IF to_jsonb(NEW) - 'description' - 'area_m2' <> to_jsonb(OLD) - 'description' - 'area_m2' THEN
                RAISE EXCEPTION 'a redaction changes the description of site % only', OLD.id USING ERRCODE = 'FPW02';
            END IF;
        ELSE
            IF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
                SELECT 1 FROM core.site_status_transitions t
                WHERE t.from_status = OLD.status AND t.to_status = NEW.status) THEN
                RAISE EXCEPTION 'status change % → % is not allowed by the mobilisation workflow', OLD.status, NEW.status
                    USING ERRCODE = 'FPW01';
            END IF;
            IF OLD.retired_at IS NOT NULL AND NEW.retired_at IS NOT NULL AND to_jsonb(OLD) <> to_jsonb(NEW) THEN
                RAISE EXCEPTION 'site % is retired and cannot be changed', OLD.id USING ERRCODE = 'FPW02';
            END IF;
        END IF;
        NEW.version := OLD.version + 1;
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;

-- Replace the descriptions and delete the photos of the given reports, and the copies of those
-- descriptions in the sites made from them; redact the audit records of both. Returns the number of
-- audit records redacted.
CREATE OR REPLACE FUNCTION personal.redact_reports(p_reports bigint[], p_why text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    note constant text := '[Beschreibung auf Verlangen der meldenden Person gelöscht]';
    copy record;
    redacted integer := 0;
    n integer;
BEGIN
    PERFORM set_config('flaechenpool.reason', p_why, true);
    PERFORM set_config('flaechenpool.redacting_reports', 'on', true);
    FOR copy IN
        SELECT r.site_id, 'Aus Meldung ' || r.reference || ': ' || r.description AS said,
               'Aus Meldung ' || r.reference || ': ' || note AS replaced
        FROM core.site_reports r
        WHERE r.id = ANY (coalesce(p_reports, '{}')) AND r.site_id IS NOT NULL AND r.description <> note
    LOOP
        UPDATE core.sites SET description = replace(description, copy.said, copy.replaced)
        WHERE id = copy.site_id AND strpos(description, copy.said) > 0;
        -- the site's records, the one of this change included (its "before" holds the copy)
        UPDATE audit.log l
        SET before = CASE WHEN strpos(l.before ->> 'description', copy.said) > 0
                          THEN jsonb_set(l.before, '{description}',
                                         to_jsonb(replace(l.before ->> 'description', copy.said, copy.replaced)))
                          ELSE l.before END,
            after = CASE WHEN strpos(l.after ->> 'description', copy.said) > 0
                         THEN jsonb_set(l.after, '{description}',
                                        to_jsonb(replace(l.after ->> 'description', copy.said, copy.replaced)))
                         ELSE l.after END
        WHERE l.table_name = 'core.sites' AND l.row_key = copy.site_id::text
          AND (strpos(l.before ->> 'description', copy.said) > 0 OR strpos(l.after ->> 'description', copy.said) > 0);
        GET DIAGNOSTICS n = ROW_COUNT;
        redacted := redacted + n;
    END LOOP;
    UPDATE core.site_reports SET description = note WHERE id = ANY (coalesce(p_reports, '{}'));
    PERFORM set_config('flaechenpool.redacting_reports', 'off', true);
    DELETE FROM core.site_report_photos WHERE report_id = ANY (coalesce(p_reports, '{}'));
    RETURN redacted + audit.redact('core.site_reports', coalesce(p_reports, '{}')::text[], p_why);
END $$;

REVOKE ALL ON FUNCTION personal.redact_reports(bigint[], text) FROM PUBLIC;
