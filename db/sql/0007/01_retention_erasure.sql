-- Retention and erasure of what the public sends (GDPR Art. 5 (1) e, Art. 15, Art. 17): inquiries of
-- investors and the contacts of site reports are deleted when their retention period ends or when the
-- person asks; the copies of their personal columns in audit.log are redacted with them (the record of
-- who changed what and when stays). Only admins run these functions; each returns what it removed.

-- Personal columns of the tables whose rows can be erased, as audit.log keeps them.
CREATE FUNCTION audit.personal_columns(p_table text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_table
        WHEN 'personal.inquiries' THEN ARRAY['name', 'email', 'company', 'message']
        WHEN 'personal.report_contacts' THEN ARRAY['name', 'email', 'phone']
    END
$$;

-- Remove the personal columns from the audit records of the given rows; says why in the record.
CREATE FUNCTION audit.redact(p_table text, p_keys text[], p_why text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    cols text[] := audit.personal_columns(p_table);
    mark jsonb := jsonb_build_object('redacted', p_why, 'redacted_at', now());
    n integer;
BEGIN
    IF cols IS NULL THEN
        RAISE EXCEPTION 'no personal columns known for %', p_table USING ERRCODE = 'FPA04';
    END IF;
    UPDATE audit.log l
    SET before = CASE WHEN l.before IS NULL THEN NULL ELSE (l.before - cols) || mark END,
        after = CASE WHEN l.after IS NULL THEN NULL ELSE (l.after - cols) || mark END
    WHERE l.table_name = p_table AND l.row_key = ANY (p_keys);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- Delete inquiries and report contacts (by id) and redact their audit records.
CREATE FUNCTION personal.erase(p_inquiries bigint[], p_report_contacts bigint[], p_why text,
                               OUT inquiries integer, OUT report_contacts integer, OUT audit_records integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF p_why IS NULL OR length(trim(p_why)) = 0 THEN
        RAISE EXCEPTION 'erasing personal data needs a reason' USING ERRCODE = 'FPA01';
    END IF;
    PERFORM set_config('flaechenpool.reason', p_why, true);
    DELETE FROM personal.inquiries WHERE id = ANY (coalesce(p_inquiries, '{}'));
    GET DIAGNOSTICS inquiries = ROW_COUNT;
    DELETE FROM personal.report_contacts WHERE report_id = ANY (coalesce(p_report_contacts, '{}'));
    GET DIAGNOSTICS report_contacts = ROW_COUNT;
    audit_records := audit.redact('personal.inquiries', coalesce(p_inquiries, '{}')::text[], p_why)
                   + audit.redact('personal.report_contacts', coalesce(p_report_contacts, '{}')::text[], p_why);
END $$;

-- Retention: inquiries received, and report contacts of reports decided (or, undecided, received)
-- more than the given number of days ago.
CREATE FUNCTION personal.purge_expired(p_inquiry_days integer, p_report_contact_days integer,
                                       OUT inquiries integer, OUT report_contacts integer, OUT audit_records integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF p_inquiry_days < 1 OR p_report_contact_days < 1 THEN
        RAISE EXCEPTION 'retention periods are at least one day' USING ERRCODE = 'FPA05';
    END IF;
    SELECT e.inquiries, e.report_contacts, e.audit_records INTO inquiries, report_contacts, audit_records
    FROM personal.erase(
        ARRAY(SELECT i.id FROM personal.inquiries i
              WHERE i.received_at < now() - make_interval(days => p_inquiry_days)),
        ARRAY(SELECT c.report_id FROM personal.report_contacts c JOIN core.site_reports r ON r.id = c.report_id
              WHERE coalesce(r.decided_at, r.received_at) < now() - make_interval(days => p_report_contact_days)),
        'retention period ended') e;
END $$;

-- The inquiries and report contacts sent with one e-mail address (case and surrounding blanks ignored).
CREATE FUNCTION personal.ids_by_email(p_email text, OUT inquiries bigint[], OUT report_contacts bigint[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT ARRAY(SELECT i.id FROM personal.inquiries i WHERE lower(i.email) = lower(trim(p_email)) ORDER BY i.id),
           ARRAY(SELECT c.report_id FROM personal.report_contacts c WHERE lower(c.email) = lower(trim(p_email))
                 ORDER BY c.report_id)
$$;

-- Erase everything sent with one e-mail address (erasure request, Art. 17).
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

-- What is stored about one e-mail address (access request, Art. 15): the rows of both tables; logged.
CREATE FUNCTION personal.find_by_email(p_email text, p_purpose text)
RETURNS TABLE (what text, id bigint, reference text, received_at timestamptz, municipality_ags text,
               name text, email text, phone text, company text, message text, consent_text_version text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    ids record;
BEGIN
    IF p_purpose IS NULL OR length(trim(p_purpose)) = 0 THEN
        RAISE EXCEPTION 'a purpose is required to read personal data' USING ERRCODE = 'FPA01';
    END IF;
    SELECT * INTO ids FROM personal.ids_by_email(p_email);
    RETURN QUERY
        SELECT 'inquiry', i.id, i.reference, i.received_at, i.municipality_ags, i.name, i.email, NULL::text,
               i.company, i.message, i.consent_text_version
        FROM personal.inquiries i WHERE i.id = ANY (ids.inquiries)
        UNION ALL
        SELECT 'report_contact', c.report_id, r.reference, r.received_at, r.municipality_ags, c.name, c.email,
               c.phone, NULL, r.description, c.consent_text_version
        FROM personal.report_contacts c JOIN core.site_reports r ON r.id = c.report_id
        WHERE c.report_id = ANY (ids.report_contacts)
        ORDER BY 4, 1, 2;
    INSERT INTO audit.personal_data_reads (actor, purpose, what, keys, row_count)
    VALUES (audit.current_actor(), p_purpose, 'by_email',
            ARRAY(SELECT 'inquiry:' || unnest(ids.inquiries)) || ARRAY(SELECT 'report_contact:' || unnest(ids.report_contacts)),
            cardinality(ids.inquiries) + cardinality(ids.report_contacts));
END $$;

REVOKE ALL ON FUNCTION audit.redact(text, text[], text),
                       personal.erase(bigint[], bigint[], text),
                       personal.purge_expired(integer, integer),
                       personal.ids_by_email(text),
                       personal.erase_by_email(text, text),
                       personal.find_by_email(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION personal.erase(bigint[], bigint[], text),
                          personal.purge_expired(integer, integer),
                          personal.erase_by_email(text, text),
                          personal.find_by_email(text, text) TO flaechenpool_admin;
