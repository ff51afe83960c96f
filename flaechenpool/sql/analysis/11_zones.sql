-- Potential analysis, step 11: the share of every candidate in flood zones (kinds :flood_zone_kinds)
-- and in protected areas; overlapping zones of one layer count once (their parts are united).
-- Candidates a zone covers need no intersection.
CREATE TEMP TABLE ap_zones AS
SELECT f.id, z.layer,
       least(1, ST_Area(ST_UnaryUnion(ST_Collect(
           CASE WHEN ST_CoveredBy(f.geom, z.geom) THEN f.geom ELSE ST_Intersection(f.geom, z.geom) END))) / ST_Area(f.geom))
           AS share
FROM (
    SELECT 'flood' AS layer, geom FROM ref.flood_zones WHERE kind = ANY(CAST(:flood_zone_kinds AS text[]))
    UNION ALL
    SELECT 'protected', geom FROM ref.protected_areas
) z
JOIN analysis.work_found f ON f.geom && z.geom AND ST_Intersects(z.geom, f.geom)
GROUP BY f.id, f.geom, z.layer
