-- Land values (Bodenrichtwerte, § 196 BauGB): the expert committee of each district publishes zones of
-- equal value per m² of land at a reference date (Stichtag), for a use (NUTA: W residential, G commercial,
-- M mixed, LF agriculture, …) and a state of development (ENTW: B building land, R raw, E expected, LF, SF).
-- They are public; the land office weighs purchases, pre-emptions (§ 28 (3) BauGB: at the market value)
-- and asking prices against them. Imported with `flaechenpool import layer land_values FILE`.

CREATE TABLE ref.land_values (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    zone_number        text,
    name               text,
    value_eur_m2       numeric(12, 2) NOT NULL CHECK (value_eur_m2 > 0),
    reference_date     date NOT NULL,
    use                text,
    development_state  text,
    geom               geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    provenance         text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source             text NOT NULL
);
CREATE INDEX land_values_geom_idx ON ref.land_values USING gist (geom);
CREATE INDEX land_values_date_idx ON ref.land_values (reference_date);
COMMENT ON TABLE ref.land_values IS 'Bodenrichtwertzonen (§ 196 BauGB): Wert je m² Grundstücksfläche zum Stichtag';
COMMENT ON COLUMN ref.land_values.value_eur_m2 IS 'Bodenrichtwert (€/m²)';
COMMENT ON COLUMN ref.land_values.reference_date IS 'Stichtag';
COMMENT ON COLUMN ref.land_values.use IS 'Art der Nutzung (NUTA)';
COMMENT ON COLUMN ref.land_values.development_state IS 'Entwicklungszustand (ENTW)';

-- The zones of the newest reference date over a geometry, each with the area of it they cover (m²; 0 where they
-- only touch): what the land value of a site (public page) and of a pre-emption case (decision basis) is weighted
-- from. One scan of the zones; the intersection only for the newest.
CREATE FUNCTION ref.land_value_zones(p_geom geometry)
RETURNS TABLE (zone_number text, name text, value_eur_m2 numeric, reference_date date, use text, provenance text,
               m2 double precision)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT z.zone_number, z.name, z.value_eur_m2, z.reference_date, z.use, z.provenance,
           ST_Area(ST_Intersection(z.geom, p_geom))
    FROM (SELECT lv.*, max(lv.reference_date) OVER () AS newest
          FROM ref.land_values lv WHERE ST_Intersects(lv.geom, p_geom)) z
    WHERE z.reference_date = z.newest
$$;
COMMENT ON FUNCTION ref.land_value_zones(geometry) IS
    'Bodenrichtwertzonen des jüngsten Stichtags über einer Fläche, je mit der überdeckten Fläche (m²)';

CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON ref.land_values
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
GRANT SELECT ON ref.land_values TO flaechenpool_public;
GRANT INSERT, UPDATE, DELETE ON ref.land_values TO flaechenpool_land_manager;
GRANT USAGE ON SEQUENCE ref.land_values_id_seq TO flaechenpool_land_manager;
