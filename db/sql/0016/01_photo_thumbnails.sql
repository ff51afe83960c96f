-- A small copy of every site photo for the list of sites on the public page (at most 320 pixels on its
-- long side, JPEG), made by the service when a photo is stored (flaechenpool/photos.py); the migration
-- makes those of the photos stored before and then requires one.

ALTER TABLE core.site_photos ADD COLUMN thumbnail bytea CHECK (octet_length(thumbnail) BETWEEN 1 AND 1048576);
COMMENT ON COLUMN core.site_photos.thumbnail IS 'Vorschaubild (JPEG, höchstens 320 Pixel)';

-- The audit log keeps neither image's bytes (their sizes instead).
CREATE OR REPLACE FUNCTION core.site_photos_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_row := (to_jsonb(OLD) - 'content' - 'thumbnail')
                   || jsonb_build_object('bytes', octet_length(OLD.content),
                                         'thumbnail_bytes', octet_length(OLD.thumbnail));
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        new_row := (to_jsonb(NEW) - 'content' - 'thumbnail')
                   || jsonb_build_object('bytes', octet_length(NEW.content),
                                         'thumbnail_bytes', octet_length(NEW.thumbnail));
    END IF;
    INSERT INTO audit.log (actor, action, table_name, row_key, before, after, reason)
    VALUES (audit.current_actor(), lower(TG_OP), 'core.site_photos', coalesce(NEW.id, OLD.id)::text, old_row, new_row,
            nullif(current_setting('flaechenpool.reason', true), ''));
    RETURN NULL;
END $$;

CREATE OR REPLACE VIEW core.public_site_photos WITH (security_barrier) AS
SELECT ph.id, ph.site_id, ph.position, ph.caption, ph.credit, ph.media_type, ph.width, ph.height, ph.content,
       ph.sha256, ph.provenance, ph.thumbnail
FROM core.site_photos ph
WHERE EXISTS (SELECT 1 FROM core.public_sites ps WHERE ps.id = ph.site_id);
