-- Back to revision 0008: erasure leaves the site reports as they are.
DROP FUNCTION personal.erase_by_email(text, text);
CREATE FUNCTION personal.erase_by_email(p_email text, p_why text,
                                        OUT inquiries integer, OUT report_contacts integer, OUT audit_records integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF p_email IS NULL OR position('@' IN p_email) < 2 THEN
        RAISE EXCEPTION 'erasing by e-mail needs an e-mail address' USING ERRCODE = 'FPA06';
    END IF;
    SELECT e.inquiries, e.report_contacts, e.audit_records INTO inquiries, report_contacts, audit_records
    FROM personal.ids_by_email(p_email) ids, personal.erase(ids.inquiries, ids.report_contacts, p_why) e;
END $$;
REVOKE ALL ON FUNCTION personal.erase_by_email(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION personal.erase_by_email(text, text) TO flaechenpool_admin;

CREATE OR REPLACE FUNCTION core.site_reports_before_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'new' THEN
        RAISE EXCEPTION 'report % has been decided already (%)', OLD.reference, OLD.status USING ERRCODE = 'FPR04';
    END IF;
    IF NEW.status <> 'new' THEN
        NEW.decided_at := coalesce(NEW.decided_at, now());
        NEW.decided_by := coalesce(NEW.decided_by, audit.current_actor());
    END IF;
    RETURN NEW;
END $$;
DROP FUNCTION personal.redact_reports(bigint[], text);

CREATE OR REPLACE FUNCTION audit.personal_columns(p_table text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_table
        WHEN 'personal.inquiries' THEN ARRAY['name', 'email', 'company', 'message']
        WHEN 'personal.report_contacts' THEN ARRAY['name', 'email', 'phone']
    END
$$;
