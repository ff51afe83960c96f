-- Photos of sites for the exposé and the public page (investors look at the land before they ask).
-- Each has a caption, which is also its text alternative, and a credit (Bildnachweis: who took it,
-- under which licence). Stored re-encoded without metadata by the service (flaechenpool/photos.py).
-- Anonymous callers see the photos of published sites only, through core.public_site_photos.

CREATE TABLE core.site_photos (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES core.sites,
    position    smallint NOT NULL DEFAULT 0,
    caption     text NOT NULL CHECK (length(trim(caption)) BETWEEN 3 AND 300),
    credit      text NOT NULL CHECK (length(trim(credit)) BETWEEN 2 AND 200),
    media_type  text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp')),
    width       integer NOT NULL CHECK (width > 0),
    height      integer NOT NULL CHECK (height > 0),
    content     bytea NOT NULL CHECK (octet_length(content) BETWEEN 1 AND 10485760),
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    provenance  text NOT NULL DEFAULT 'user' CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL DEFAULT audit.current_actor()
);
CREATE INDEX site_photos_site_idx ON core.site_photos (site_id, position, id);
COMMENT ON TABLE core.site_photos IS 'Fotos von Flächen für Exposé und öffentliche Seite (ohne Metadaten gespeichert)';
COMMENT ON COLUMN core.site_photos.caption IS 'Bildunterschrift und Textalternative';
COMMENT ON COLUMN core.site_photos.credit IS 'Bildnachweis (Urheber, Lizenz)';

-- Changes are logged like every other, without the image bytes (their size and hash instead).
CREATE FUNCTION core.site_photos_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_row := (to_jsonb(OLD) - 'content') || jsonb_build_object('bytes', octet_length(OLD.content));
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        new_row := (to_jsonb(NEW) - 'content') || jsonb_build_object('bytes', octet_length(NEW.content));
    END IF;
    INSERT INTO audit.log (actor, action, table_name, row_key, before, after, reason)
    VALUES (audit.current_actor(), lower(TG_OP), 'core.site_photos', coalesce(NEW.id, OLD.id)::text, old_row, new_row,
            nullif(current_setting('flaechenpool.reason', true), ''));
    RETURN NULL;
END $$;
CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON core.site_photos
    FOR EACH ROW EXECUTE FUNCTION core.site_photos_audit();

-- The photos of published sites (core.public_sites decides what is published).
CREATE VIEW core.public_site_photos WITH (security_barrier) AS
SELECT ph.id, ph.site_id, ph.position, ph.caption, ph.credit, ph.media_type, ph.width, ph.height, ph.content,
       ph.sha256, ph.provenance
FROM core.site_photos ph
WHERE EXISTS (SELECT 1 FROM core.public_sites ps WHERE ps.id = ph.site_id);
COMMENT ON VIEW core.public_site_photos IS 'Fotos veröffentlichter Flächen';

GRANT SELECT ON core.public_site_photos TO flaechenpool_public;
GRANT SELECT ON core.site_photos TO flaechenpool_planner;
GRANT INSERT, UPDATE, DELETE ON core.site_photos TO flaechenpool_land_manager;
GRANT USAGE ON SEQUENCE core.site_photos_id_seq TO flaechenpool_land_manager;
