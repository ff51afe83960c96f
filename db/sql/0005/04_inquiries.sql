-- Inquiries (Anfragen) of investors to a published site: personal data. Nobody selects from the
-- table directly: anonymous callers submit through personal.submit_inquiry(), land managers of the
-- site's municipality (and admins) read through personal.read_inquiries(), and every read is logged.
CREATE TABLE personal.inquiries (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference             text NOT NULL UNIQUE CHECK (reference ~ '^A-[0-9]{4}-[0-9A-F]{8}$'),
    site_id               bigint NOT NULL REFERENCES core.sites,
    municipality_ags      text NOT NULL REFERENCES core.municipalities,
    name                  text NOT NULL CHECK (length(trim(name)) BETWEEN 2 AND 200),
    email                 text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
    company               text CHECK (length(company) <= 200),
    message               text NOT NULL CHECK (length(trim(message)) BETWEEN 10 AND 5000),
    consent               boolean NOT NULL CHECK (consent),
    consent_text_version  text NOT NULL CHECK (length(consent_text_version) > 0),
    consented_at          timestamptz NOT NULL DEFAULT now(),
    received_at           timestamptz NOT NULL DEFAULT now(),
    provenance            text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source                text NOT NULL
);
CREATE INDEX inquiries_municipality_idx ON personal.inquiries (municipality_ags, received_at);
CREATE INDEX inquiries_site_idx ON personal.inquiries (site_id);
COMMENT ON TABLE personal.inquiries IS 'Anfragen von Interessenten zu veröffentlichten Flächen (personenbezogen)';
COMMENT ON COLUMN personal.inquiries.consent_text_version IS 'Fassung des Einwilligungstexts, dem zugestimmt wurde';

CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON personal.inquiries
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');

-- May the caller read personal data of a municipality? Decided in the database from the role the
-- request switched to (SET LOCAL ROLE) and the acting user (flaechenpool.actor, set by the service
-- after authenticating the token): admins always, land managers for their own municipalities.
CREATE FUNCTION auth.may_read_personal_data(p_municipality text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    invoker text := CASE current_setting('role') WHEN 'none' THEN session_user::text ELSE current_setting('role') END;
BEGIN
    IF pg_has_role(invoker, 'flaechenpool_admin', 'MEMBER') THEN
        RETURN true;
    END IF;
    IF NOT pg_has_role(invoker, 'flaechenpool_land_manager', 'MEMBER') THEN
        RETURN false;
    END IF;
    RETURN EXISTS (
        SELECT 1 FROM auth.users u JOIN auth.user_municipalities um ON um.user_id = u.id
        WHERE u.username = current_setting('flaechenpool.actor', true) AND u.active AND u.role = 'land_manager'
          AND um.municipality_ags = p_municipality);
END $$;
COMMENT ON FUNCTION auth.may_read_personal_data(text) IS
    'Admins; Flächenmanager nur für ihre Gemeinden (Rolle der Anfrage + angemeldeter Benutzer)';

CREATE FUNCTION personal.check_read(p_municipalities text[], p_purpose text, p_what text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    m text;
BEGIN
    IF p_purpose IS NULL OR length(trim(p_purpose)) = 0 THEN
        RAISE EXCEPTION 'a purpose is required to read personal data' USING ERRCODE = 'FPA01';
    END IF;
    FOREACH m IN ARRAY coalesce(p_municipalities, '{}') LOOP
        IF NOT auth.may_read_personal_data(m) THEN
            RAISE EXCEPTION '% of municipality % are not readable for this user', p_what, m USING ERRCODE = 'FPA02';
        END IF;
    END LOOP;
END $$;

-- Anonymous callers submit an inquiry to a published site; returns the reference number only.
CREATE FUNCTION personal.submit_inquiry(p_site bigint, p_name text, p_email text, p_company text, p_message text,
                                        p_consent boolean, p_consent_version text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    m text;
    ref text;
BEGIN
    SELECT municipality_ags INTO m FROM core.public_sites WHERE id = p_site;
    IF m IS NULL THEN
        RAISE EXCEPTION 'Die Fläche % ist nicht veröffentlicht.', p_site USING ERRCODE = 'FPR02';
    END IF;
    IF NOT coalesce(p_consent, false) THEN
        RAISE EXCEPTION 'Ohne Einwilligung in die Datenverarbeitung kann die Anfrage nicht gespeichert werden.'
            USING ERRCODE = 'FPR03';
    END IF;
    ref := core.new_reference('A');
    INSERT INTO personal.inquiries (reference, site_id, municipality_ags, name, email, company, message, consent,
                                    consent_text_version, provenance, source)
    VALUES (ref, p_site, m, p_name, p_email, p_company, p_message, true, p_consent_version, 'user',
            'Anfrage über die öffentliche Seite');
    RETURN ref;
END $$;

-- Land managers of the municipalities (and admins) read inquiries; every read is logged.
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

-- Land managers (and admins) read the contacts of reports in their municipalities; logged.
CREATE FUNCTION personal.read_report_contacts(p_reports bigint[], p_purpose text)
RETURNS TABLE (report_id bigint, name text, email text, phone text, consent_text_version text,
               consented_at timestamptz, provenance text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    ids bigint[];
BEGIN
    PERFORM personal.check_read(ARRAY(SELECT DISTINCT r.municipality_ags FROM core.site_reports r
                                      WHERE r.id = ANY (p_reports)), p_purpose, 'report contacts');
    ids := ARRAY(SELECT c.report_id FROM personal.report_contacts c WHERE c.report_id = ANY (p_reports)
                 ORDER BY c.report_id);
    RETURN QUERY
        SELECT c.report_id, c.name, c.email, c.phone, c.consent_text_version, c.consented_at, c.provenance
        FROM personal.report_contacts c WHERE c.report_id = ANY (ids) ORDER BY c.report_id;
    INSERT INTO audit.personal_data_reads (actor, purpose, what, keys, row_count)
    VALUES (audit.current_actor(), p_purpose, 'report_contacts', ids::text[], cardinality(ids));
END $$;
