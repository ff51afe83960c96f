-- Which land value (Bodenrichtwert) applies where zones overlap. The expert committees publish zones of
-- different development states (ENTW: B building land, R raw building land, E expected building land, LF
-- agriculture and forestry, SF other) and, in one place, several zones of the same ground for different uses
-- (deckungsgleiche Bodenrichtwertzonen, BRW-RL: e.g. one for housing and one for trade). Averaging them, as
-- 0019's function did, mixes a commercial site's value with the housing value over it or the farmland value
-- beside it. Now each spot of the geometry counts once, for the zones that fit best there: building land before
-- raw and expected building land before the rest, and among those the zones whose use (NUTA) is the use of the
-- site (p_use: W housing, M mixed, G trade and industry, S special). Zones that fit equally well at a spot share
-- it (their mean); another zone counts only where no better one lies.

-- The use class (W, M, G, S) of a BauNVO / NUTA code; NULL for other uses (farmland, green, public needs …).
CREATE FUNCTION ref.land_use_class(p_code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN upper(trim(p_code)) IN ('W', 'WS', 'WR', 'WA', 'WB') THEN 'W'
        WHEN upper(trim(p_code)) IN ('M', 'MD', 'MDW', 'MI', 'MK', 'MU') THEN 'M'
        WHEN upper(trim(p_code)) IN ('G', 'GE', 'GI') THEN 'G'
        WHEN upper(trim(p_code)) IN ('S', 'SE', 'SO') THEN 'S'
    END
$$;
COMMENT ON FUNCTION ref.land_use_class(text) IS
    'Nutzungsklasse (W, M, G, S) einer Art der Nutzung (BauNVO / NUTA der Bodenrichtwerte)';

-- The use class of a site: its designation (BauNVO), else its intended uses.
CREATE FUNCTION ref.site_use_class(p_land_use_type text, p_intended text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(ref.land_use_class(p_land_use_type), CASE
        WHEN 'mixed' = ANY (p_intended)
             OR ('residential' = ANY (p_intended) AND p_intended && ARRAY['industrial', 'commercial', 'office', 'retail'])
            THEN 'M'
        WHEN 'residential' = ANY (p_intended) THEN 'W'
        WHEN p_intended && ARRAY['industrial', 'commercial', 'office', 'retail'] THEN 'G'
    END)
$$;
COMMENT ON FUNCTION ref.site_use_class(text, text[]) IS
    'Nutzungsklasse (W, M, G, S) einer Fläche: aus der Art der baulichen Nutzung, sonst den vorgesehenen Nutzungen';

-- The use class of a parcel from its actual use (ALKIS tatsächliche Nutzung, as the importer stores it: with or
-- without umlauts).
CREATE FUNCTION ref.parcel_use_class(p_land_use text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p_land_use ILIKE 'Wohnbaufl%' THEN 'W'
        WHEN p_land_use ILIKE 'Industrie%' OR p_land_use ILIKE '%Gewerbe%' THEN 'G'
        WHEN p_land_use ILIKE '%gemischte%' THEN 'M'
    END
$$;
COMMENT ON FUNCTION ref.parcel_use_class(text) IS
    'Nutzungsklasse (W, M, G) eines Flurstücks aus der tatsächlichen Nutzung (ALKIS)';

DROP FUNCTION ref.land_value_zones(geometry);
-- The zones of the newest reference date over a geometry, each with the part of the geometry it counts for
-- (counted, its area m2 above 0): its part less what zones that fit better cover (see above). Zones that fit
-- equally well each count where they overlap, so the area-weighted mean is their mean there, and the union of the
-- counted parts (not the sum of m2) is the area that has a value.
CREATE FUNCTION ref.land_value_zones(p_geom geometry, p_use text DEFAULT NULL)
RETURNS TABLE (zone_number text, name text, value_eur_m2 numeric, reference_date date, use text,
               development_state text, provenance text, m2 double precision, counted geometry)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH newest AS (
        SELECT lv.*, max(lv.reference_date) OVER () AS newest_date
        FROM ref.land_values lv WHERE ST_Intersects(lv.geom, p_geom)
    ), parts AS (
        SELECT n.*, ST_CollectionExtract(ST_Intersection(n.geom, p_geom), 3) AS part,
               2 * CASE upper(trim(coalesce(n.development_state, 'B'))) WHEN 'B' THEN 0 WHEN 'R' THEN 1
                                                                           WHEN 'E' THEN 2 ELSE 3 END
               + CASE WHEN p_use IS NULL OR ref.land_use_class(n.use) = p_use THEN 0 ELSE 1 END AS fit
        FROM newest n WHERE n.reference_date = n.newest_date
    ), counted AS (
        SELECT p.*, CASE WHEN better.geom IS NULL THEN p.part
                         ELSE ST_CollectionExtract(ST_Difference(p.part, better.geom), 3) END AS counted
        FROM parts p
        CROSS JOIN LATERAL (SELECT ST_Union(b.part) AS geom FROM parts b WHERE b.fit < p.fit) better
    )
    SELECT zone_number, name, value_eur_m2, reference_date, use, development_state, provenance, ST_Area(counted),
           counted
    FROM counted WHERE ST_Area(counted) > 0
$$;
COMMENT ON FUNCTION ref.land_value_zones(geometry, text) IS
    'Bodenrichtwertzonen des jüngsten Stichtags über einer Fläche, je mit dem Teil (m²), für den sie gelten: '
    'Bauland vor Roh- und Bauerwartungsland vor dem Rest, darunter die Zonen der Nutzungsklasse p_use';
