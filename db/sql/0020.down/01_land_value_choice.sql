DROP FUNCTION ref.land_value_zones(geometry, text);
DROP FUNCTION ref.site_use_class(text, text[]);
DROP FUNCTION ref.parcel_use_class(text);
DROP FUNCTION ref.land_use_class(text);
-- 0019's function: every zone of the newest reference date, each with the area it covers (overlaps averaged).
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
