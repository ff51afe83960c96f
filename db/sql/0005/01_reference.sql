-- Motorway junctions (Autobahn-Anschlussstellen) for the investors' distance filter. The demo's open
-- data hold none (the Jena OSM extract has no highway=motorway_junction points); load them with
-- `flaechenpool import layer motorway_junctions FILE` (e.g. an OSM extract of motorway_junction nodes).
CREATE TABLE ref.motorway_junctions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id text,
    name        text,
    ref         text,            -- junction number (Anschlussstellennummer), e.g. '54'
    motorway    text,            -- e.g. 'A 4'
    geom        geometry(Point, 25832) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    provenance  text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source      text NOT NULL
);
CREATE INDEX motorway_junctions_geom_idx ON ref.motorway_junctions USING gist (geom);
COMMENT ON TABLE ref.motorway_junctions IS 'Autobahn-Anschlussstellen';

CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON ref.motorway_junctions
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');

-- Which of the investors' kinds of use (industrial, commercial, mixed, office) a site offers: what the
-- land manager chose in intended_uses; without such a choice, what the zoning designation
-- (XPlanung Art der baulichen Nutzung, BauNVO) allows.
CREATE FUNCTION core.investor_uses(p_intended text[], p_land_use_type text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        nullif(ARRAY(SELECT DISTINCT u FROM unnest(p_intended) u
                     WHERE u IN ('industrial', 'commercial', 'mixed', 'office') ORDER BY u), '{}'),
        CASE p_land_use_type
            WHEN 'GI' THEN ARRAY['industrial']
            WHEN 'GE' THEN ARRAY['commercial']
            WHEN 'G'  THEN ARRAY['commercial', 'industrial']
            WHEN 'MK' THEN ARRAY['mixed', 'office']
            WHEN 'MI' THEN ARRAY['mixed']
            WHEN 'MU' THEN ARRAY['mixed']
            WHEN 'M'  THEN ARRAY['mixed']
            ELSE ARRAY[]::text[]
        END)
$$;
COMMENT ON FUNCTION core.investor_uses(text[], text) IS
    'Nutzungsarten für Investoren: vorgesehene Nutzungen, sonst aus der Art der baulichen Nutzung (BauNVO)';

-- Version and change time of rows edited through the API (optimistic concurrency).
CREATE FUNCTION core.bump_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END $$;
