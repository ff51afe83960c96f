-- Back to revision 0012: inquiries without handling; the reads and personal columns as before.
DROP FUNCTION personal.inquiry_counts(text[]);
DROP FUNCTION personal.set_inquiry_status(text, text, text);
DROP FUNCTION personal.read_inquiries(text[], bigint, text, integer, text);
CREATE FUNCTION personal.read_inquiries(p_municipalities text[], p_site bigint, p_purpose text,
                                        p_limit integer DEFAULT 1000)
RETURNS TABLE (id bigint, reference text, received_at timestamptz, site_id bigint, site_name text,
               municipality_ags text, name text, email text, company text, message text,
               consent_text_version text, consented_at timestamptz, provenance text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    ids bigint[];
BEGIN
    IF p_municipalities IS NULL OR cardinality(p_municipalities) = 0 THEN
        RAISE EXCEPTION 'name the municipalities whose inquiries to read' USING ERRCODE = 'FPA03';
    END IF;
    PERFORM personal.check_read(p_municipalities, p_purpose, 'inquiries');
    ids := ARRAY(SELECT i.id FROM personal.inquiries i
                 WHERE i.municipality_ags = ANY (p_municipalities) AND (p_site IS NULL OR i.site_id = p_site)
                 ORDER BY i.received_at DESC, i.id DESC LIMIT greatest(p_limit, 0));
    RETURN QUERY
        SELECT i.id, i.reference, i.received_at, i.site_id, s.name, i.municipality_ags, i.name, i.email, i.company,
               i.message, i.consent_text_version, i.consented_at, i.provenance
        FROM personal.inquiries i JOIN core.sites s ON s.id = i.site_id
        WHERE i.id = ANY (ids) ORDER BY i.received_at DESC, i.id DESC;
    INSERT INTO audit.personal_data_reads (actor, purpose, what, keys, row_count)
    VALUES (audit.current_actor(), p_purpose, 'inquiries', ids::text[], cardinality(ids));
END $$;
REVOKE ALL ON FUNCTION personal.read_inquiries(text[], bigint, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION personal.read_inquiries(text[], bigint, text, integer) TO flaechenpool_land_manager;

CREATE OR REPLACE FUNCTION audit.personal_columns(p_table text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_table
        WHEN 'personal.inquiries' THEN ARRAY['name', 'email', 'company', 'message']
        WHEN 'personal.report_contacts' THEN ARRAY['name', 'email', 'phone']
        WHEN 'core.site_reports' THEN ARRAY['description']
    END
$$;

ALTER TABLE personal.inquiries DROP COLUMN note, DROP COLUMN handled_by, DROP COLUMN status_changed_at,
    DROP COLUMN status;
