-- Site reports (Meldungen): citizens report a vacant building or fallow land on the public page.
-- Reports wait in a queue for the land managers of the municipality the location lies in, who accept
-- them (a site is created and linked) or reject them with a reason. Anonymous callers never read
-- the tables: they submit through core.submit_site_report(), which returns a reference number only.
CREATE TABLE core.site_reports (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reference         text NOT NULL UNIQUE CHECK (reference ~ '^M-[0-9]{4}-[0-9A-F]{8}$'),
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    kind              text NOT NULL CHECK (kind IN ('vacant_building', 'fallow_land')),
    description       text NOT NULL CHECK (length(trim(description)) BETWEEN 10 AND 5000),
    geom              geometry(Point, 25832) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    status            text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'accepted', 'rejected')),
    site_id           bigint REFERENCES core.sites,
    rejection_reason  text,
    received_at       timestamptz NOT NULL DEFAULT now(),
    decided_at        timestamptz,
    decided_by        text,
    provenance        text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source            text NOT NULL,
    CONSTRAINT site_reports_accepted_check CHECK ((status = 'accepted') = (site_id IS NOT NULL)),
    CONSTRAINT site_reports_rejected_check CHECK (
        status <> 'rejected' OR length(trim(coalesce(rejection_reason, ''))) >= 3),
    CONSTRAINT site_reports_decided_check CHECK ((status = 'new') = (decided_at IS NULL))
);
CREATE INDEX site_reports_queue_idx ON core.site_reports (municipality_ags, status, received_at);
CREATE INDEX site_reports_geom_idx ON core.site_reports USING gist (geom);
COMMENT ON TABLE core.site_reports IS 'Meldungen von Leerstand und Brachflächen aus der Bürgerschaft (Prüfschlange)';

-- The photo of a report (JPEG, PNG or WebP, checked and stripped of metadata by the service).
-- Not in the row audit log: the log records the report, not megabytes of image data.
CREATE TABLE core.site_report_photos (
    report_id   bigint PRIMARY KEY REFERENCES core.site_reports,
    media_type  text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp')),
    width       integer NOT NULL CHECK (width > 0),
    height      integer NOT NULL CHECK (height > 0),
    content     bytea NOT NULL CHECK (octet_length(content) BETWEEN 1 AND 10485760),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$')
);
COMMENT ON TABLE core.site_report_photos IS 'Foto einer Meldung (ohne Metadaten gespeichert)';

-- The optional contact of a reporter: personal data, stored only with consent.
CREATE TABLE personal.report_contacts (
    report_id             bigint PRIMARY KEY REFERENCES core.site_reports,
    name                  text CHECK (length(name) <= 200),
    email                 text CHECK (length(email) <= 254),
    phone                 text CHECK (length(phone) <= 50),
    consent               boolean NOT NULL CHECK (consent),
    consent_text_version  text NOT NULL,
    consented_at          timestamptz NOT NULL DEFAULT now(),
    provenance            text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source                text NOT NULL,
    CHECK (coalesce(name, email, phone) IS NOT NULL)
);
COMMENT ON TABLE personal.report_contacts IS 'Kontaktangaben zu Meldungen (personenbezogen, nur mit Einwilligung)';

-- A decided report stays as decided; a new one moves to accepted (with its site) or rejected (with a reason).
CREATE FUNCTION core.site_reports_before_update() RETURNS trigger
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
CREATE TRIGGER site_reports_before_update BEFORE UPDATE ON core.site_reports
    FOR EACH ROW EXECUTE FUNCTION core.site_reports_before_update();
CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON core.site_reports
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON personal.report_contacts
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('report_id');

-- A fresh public reference number: letter, year, eight hex digits (not guessable, not a counter).
CREATE FUNCTION core.new_reference(p_letter text) RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT p_letter || '-' || to_char(now(), 'YYYY') || '-'
           || upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 8))
$$;

-- The one way in for anonymous callers: the municipality follows from the location (outside every
-- municipality of the service: refused); a contact only with consent. Returns the reference number.
CREATE FUNCTION core.submit_site_report(
    p_kind text, p_description text, p_x double precision, p_y double precision, p_srid integer,
    p_photo bytea, p_photo_type text, p_photo_width integer, p_photo_height integer,
    p_contact_name text, p_contact_email text, p_contact_phone text, p_contact_consent boolean,
    p_consent_version text)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    g geometry;
    m text;
    r_id bigint;
    ref text;
BEGIN
    g := ST_Transform(ST_SetSRID(ST_MakePoint(p_x, p_y), p_srid), 25832);
    SELECT ags INTO m FROM core.municipalities WHERE ST_Intersects(geom, g) ORDER BY ags LIMIT 1;
    IF m IS NULL THEN
        RAISE EXCEPTION 'Der gemeldete Ort liegt außerhalb der Gemeinden dieses Dienstes.' USING ERRCODE = 'FPR01';
    END IF;
    IF coalesce(p_contact_name, p_contact_email, p_contact_phone) IS NOT NULL AND NOT coalesce(p_contact_consent, false) THEN
        RAISE EXCEPTION 'Kontaktangaben werden nur mit Einwilligung gespeichert.' USING ERRCODE = 'FPR03';
    END IF;
    ref := core.new_reference('M');
    INSERT INTO core.site_reports (reference, municipality_ags, kind, description, geom, provenance, source)
    VALUES (ref, m, p_kind, p_description, g, 'user', 'Meldung über die öffentliche Seite')
    RETURNING id INTO r_id;
    IF p_photo IS NOT NULL THEN
        INSERT INTO core.site_report_photos (report_id, media_type, width, height, content, sha256)
        VALUES (r_id, p_photo_type, p_photo_width, p_photo_height, p_photo, encode(sha256(p_photo), 'hex'));
    END IF;
    IF coalesce(p_contact_name, p_contact_email, p_contact_phone) IS NOT NULL THEN
        INSERT INTO personal.report_contacts (report_id, name, email, phone, consent, consent_text_version,
                                              provenance, source)
        VALUES (r_id, p_contact_name, p_contact_email, p_contact_phone, true, p_consent_version, 'user',
                'Meldung über die öffentliche Seite');
    END IF;
    RETURN ref;
END $$;
