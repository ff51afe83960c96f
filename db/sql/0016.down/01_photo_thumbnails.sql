-- Back to revision 0015: no thumbnails.
DROP VIEW core.public_site_photos;
CREATE VIEW core.public_site_photos WITH (security_barrier) AS
SELECT ph.id, ph.site_id, ph.position, ph.caption, ph.credit, ph.media_type, ph.width, ph.height, ph.content,
       ph.sha256, ph.provenance
FROM core.site_photos ph
WHERE EXISTS (SELECT 1 FROM core.public_sites ps WHERE ps.id = ph.site_id);
COMMENT ON VIEW core.public_site_photos IS 'Fotos veröffentlichter Flächen';
GRANT SELECT ON core.public_site_photos TO flaechenpool_public;

CREATE OR REPLACE FUNCTION core.site_photos_audit() RETURNS trigger
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

ALTER TABLE core.site_photos DROP COLUMN thumbnail;
