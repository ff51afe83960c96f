-- Erasure on a person's request (Art. 17) reaches the site reports they sent: what they wrote (the
-- description) is replaced by a note and their photo is deleted, in every status of the report, and
-- the description is removed from the report's records in audit.log. The report itself (kind,
-- place, decision) stays: it is the land office's record of a site. Retention (personal.purge_expired)
-- deletes only the contacts, as before: without them no report leads to a person.

-- Personal columns of the tables whose rows can be erased, as audit.log keeps them.
CREATE OR REPLACE FUNCTION audit.personal_columns(p_table text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_table
        WHEN 'personal.inquiries' THEN ARRAY['name', 'email', 'company', 'message']
        WHEN 'personal.report_contacts' THEN ARRAY['name', 'email', 'phone']
        WHEN 'core.site_reports' THEN ARRAY['description']
    END
$$;

-- A decided report stays as decided; a new one moves to accepted (with its site) or rejected (with a
-- reason). Only personal.redact_reports (running as its owner, with the flag it sets) may change the
-- description of any report, and nothing else.
CREATE OR REPLACE FUNCTION core.site_reports_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('flaechenpool.redacting_reports', true) = 'on'
            AND current_user = (SELECT pg_get_userbyid(proowner) FROM pg_proc
                                WHERE oid = 'personal.redact_reports(bigint[], text)'::regprocedure) THEN
        IF to_jsonb(NEW) - 'description' <> to_jsonb(OLD) - 'description' THEN
            RAISE EXCEPTION 'a redaction changes the description of report % only', OLD.reference
                USING ERRCODE = 'FPR04';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status <> 'new' THEN
        RAISE EXCEPTION 'report % has been decided already (%)', OLD.reference, OLD.status USING ERRCODE = 'FPR04';
    END IF;
    IF NEW.status <> 'new' THEN
        NEW.decided_at := coalesce(NEW.decided_at, now());
        NEW.decided_by := coalesce(NEW.decided_by, audit.current_actor());
    END IF;
    RETURN NEW;
END $$;

-- Replace the descriptions and delete the photos of the given reports; redact their audit records.
-- Returns the number of audit records redacted.
CREATE FUNCTION personal.redact_reports(p_reports bigint[], p_why text) RETURNS integer
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

-- Erase everything sent with one e-mail address (erasure request, Art. 17): inquiries, report
-- contacts, and what the reports of those contacts say and show.
DROP FUNCTION personal.erase_by_email(text, text);
CREATE FUNCTION personal.erase_by_email(p_email text, p_why text, OUT inquiries integer,
                                        OUT report_contacts integer, OUT reports integer, OUT audit_records integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    ids record;
BEGIN
    IF p_email IS NULL OR position('@' IN p_email) < 2 THEN
        RAISE EXCEPTION 'erasing by e-mail needs an e-mail address' USING ERRCODE = 'FPA06';
    END IF;
    SELECT * INTO ids FROM personal.ids_by_email(p_email);
    SELECT e.inquiries, e.report_contacts, e.audit_records INTO inquiries, report_contacts, audit_records
    FROM personal.erase(ids.inquiries, ids.report_contacts, p_why) e;      -- checks the reason
    reports := cardinality(ids.report_contacts);
    audit_records := audit_records + personal.redact_reports(ids.report_contacts, p_why);
END $$;

REVOKE ALL ON FUNCTION personal.redact_reports(bigint[], text), personal.erase_by_email(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION personal.erase_by_email(text, text) TO flaechenpool_admin;
