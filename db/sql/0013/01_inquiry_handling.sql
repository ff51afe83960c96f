-- How the land office handles an inquiry (Bearbeitungsstand): new, in progress, answered, closed, with an
-- internal note. The land managers of the municipality (and admins) set it through
-- personal.set_inquiry_status, which checks them as the reads do; every change is in audit.log with its
-- actor. The note may name the person (a call-back, an offer): it is a personal column, redacted from
-- audit.log with the inquiry when its retention period ends or the person asks for erasure.

ALTER TABLE personal.inquiries
    ADD COLUMN status            text NOT NULL DEFAULT 'new'
                                 CHECK (status IN ('new', 'in_progress', 'answered', 'closed')),
    ADD COLUMN status_changed_at timestamptz,
    ADD COLUMN handled_by        text,
    ADD COLUMN note              text CHECK (length(note) <= 2000);
COMMENT ON COLUMN personal.inquiries.status IS 'Bearbeitungsstand: new, in_progress, answered, closed';
COMMENT ON COLUMN personal.inquiries.note IS 'Interne Notiz der Gemeinde (personenbezogen)';

-- Personal columns of the tables whose rows can be erased, as audit.log keeps them (now with the note).
CREATE OR REPLACE FUNCTION audit.personal_columns(p_table text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_table
        WHEN 'personal.inquiries' THEN ARRAY['name', 'email', 'company', 'message', 'note']
        WHEN 'personal.report_contacts' THEN ARRAY['name', 'email', 'phone']
        WHEN 'core.site_reports' THEN ARRAY['description']
    END
$$;

-- The reads return the handling too and can keep to one status; logged as before.
DROP FUNCTION personal.read_inquiries(text[], bigint, text, integer);
CREATE FUNCTION personal.read_inquiries(p_municipalities text[], p_site bigint, p_purpose text,
                                        p_limit integer DEFAULT 1000, p_status text DEFAULT NULL)
RETURNS TABLE (id bigint, reference text, received_at timestamptz, site_id bigint, site_name text,
               municipality_ags text, name text, email text, company text, message text,
               consent_text_version text, consented_at timestamptz, provenance text,
               status text, status_changed_at timestamptz, handled_by text, note text)
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
                   AND (p_status IS NULL OR i.status = p_status)
                 ORDER BY i.received_at DESC, i.id DESC LIMIT greatest(p_limit, 0));
    RETURN QUERY
        SELECT i.id, i.reference, i.received_at, i.site_id, s.name, i.municipality_ags, i.name, i.email, i.company,
               i.message, i.consent_text_version, i.consented_at, i.provenance,
               i.status, i.status_changed_at, i.handled_by, i.note
        FROM personal.inquiries i JOIN core.sites s ON s.id = i.site_id
        WHERE i.id = ANY (ids) ORDER BY i.received_at DESC, i.id DESC;
    INSERT INTO audit.personal_data_reads (actor, purpose, what, keys, row_count)
    VALUES (audit.current_actor(), p_purpose, 'inquiries', ids::text[], cardinality(ids));
END $$;

-- Set the handling of an inquiry (by its reference number) and, when given, its note ('' removes it).
CREATE FUNCTION personal.set_inquiry_status(p_reference text, p_status text, p_note text DEFAULT NULL)
RETURNS TABLE (reference text, status text, status_changed_at timestamptz, handled_by text, note text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    m text;
BEGIN
    SELECT i.municipality_ags INTO m FROM personal.inquiries i WHERE i.reference = p_reference;
    IF m IS NULL OR NOT auth.may_read_personal_data(m) THEN     -- the same answer: no hint that it exists
        RAISE EXCEPTION 'no inquiry % of your municipalities', p_reference USING ERRCODE = 'FPA07';
    END IF;
    IF p_status NOT IN ('new', 'in_progress', 'answered', 'closed') THEN
        RAISE EXCEPTION 'unknown status %: new, in_progress, answered or closed', p_status USING ERRCODE = 'FPA08';
    END IF;
    RETURN QUERY
        UPDATE personal.inquiries i
        SET status = p_status, status_changed_at = now(), handled_by = audit.current_actor(),
            note = CASE WHEN p_note IS NULL THEN i.note ELSE nullif(trim(p_note), '') END
        WHERE i.reference = p_reference
        RETURNING i.reference, i.status, i.status_changed_at, i.handled_by, i.note;
END $$;

-- How many inquiries each site of the municipalities received, by handling: counts only, no personal data,
-- so planners see the demand for a site too. Not logged as a read of personal data.
CREATE FUNCTION personal.inquiry_counts(p_municipalities text[])
RETURNS TABLE (site_id bigint, site_name text, municipality_ags text, status text, inquiries bigint,
               last_received_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT i.site_id, s.name, i.municipality_ags, i.status, count(*), max(i.received_at)
    FROM personal.inquiries i JOIN core.sites s ON s.id = i.site_id
    WHERE i.municipality_ags = ANY (p_municipalities)
    GROUP BY i.site_id, s.name, i.municipality_ags, i.status
    ORDER BY i.municipality_ags, s.name, i.site_id, i.status
$$;

REVOKE ALL ON FUNCTION personal.read_inquiries(text[], bigint, text, integer, text),
                       personal.set_inquiry_status(text, text, text), personal.inquiry_counts(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION personal.read_inquiries(text[], bigint, text, integer, text),
                          personal.set_inquiry_status(text, text, text) TO flaechenpool_land_manager;
GRANT EXECUTE ON FUNCTION personal.inquiry_counts(text[]) TO flaechenpool_planner;
