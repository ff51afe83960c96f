-- E-mail notifications of the land office: an inquiry or a site report sent through the public page
-- is queued here in the transaction that stores it (a transactional outbox), and the service's mail job
-- (flaechenpool/notifications.py) sends each to the land managers of the municipality. The queue holds
-- no personal data of the sender: kind, reference number, municipality and site only.

ALTER TABLE auth.users
    ADD COLUMN email  text CHECK (email ~ '^[^@\s<>,;"]+@[^@\s<>,;"]+\.[^@\s<>,;"]+$' AND length(email) <= 254),
    ADD COLUMN notify boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN auth.users.email IS 'Dienstliche E-Mail-Adresse für Benachrichtigungen';
COMMENT ON COLUMN auth.users.notify IS 'Benachrichtigungen über neue Anfragen und Meldungen erhalten';

CREATE TABLE core.notifications (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('inquiry', 'site_report')),
    reference         text NOT NULL UNIQUE,
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    site_id           bigint REFERENCES core.sites,
    created_at        timestamptz NOT NULL DEFAULT now(),
    attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    last_error        text,
    sent_at           timestamptz,
    sent_to           text[],
    CONSTRAINT notifications_sent_check CHECK ((sent_at IS NULL) = (sent_to IS NULL))
);
CREATE INDEX notifications_due_idx ON core.notifications (next_attempt_at) WHERE sent_at IS NULL;
COMMENT ON TABLE core.notifications IS
    'Warteschlange der E-Mail-Benachrichtigungen über neue Anfragen und Meldungen (ohne personenbezogene Daten)';
COMMENT ON COLUMN core.notifications.sent_to IS 'Benutzernamen der Empfänger';

-- Runs as the owner: the public role stores inquiries and reports through SECURITY DEFINER functions
-- and has no right on the queue itself. Only what the public page sent (provenance 'user') is queued.
CREATE FUNCTION core.queue_notification() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF NEW.provenance = 'user' THEN
        INSERT INTO core.notifications (kind, reference, municipality_ags, site_id)
        VALUES (TG_ARGV[0], NEW.reference, NEW.municipality_ags, NEW.site_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER queue_notification AFTER INSERT ON personal.inquiries
    FOR EACH ROW EXECUTE FUNCTION core.queue_notification('inquiry');
CREATE TRIGGER queue_notification AFTER INSERT ON core.site_reports
    FOR EACH ROW EXECUTE FUNCTION core.queue_notification('site_report');

GRANT SELECT, UPDATE, DELETE ON core.notifications TO flaechenpool_admin;
