-- Potential analysis, step 11: the share of every candidate in flood zones (kinds :flood_zone_kinds)
-- and in protected areas; overlapping zones of one layer count once (their parts are united).
-- From each zone to the candidates under it (GiST index of ap_found), so every zone is prepared once
-- for all its tests; candidates a zone covers need no intersection.
-- (OFFSET 0 keeps the parts a column of the join, so the workers cut them, not the aggregate.)
CREATE UNLOGGED TABLE ap_zones AS
SELECT p.id, p.layer, least(1, ST_Area(ST_UnaryUnion(ST_Collect(p.part))) / p.area) AS share
FROM (
    SELECT f.id, f.area, z.layer,
           CASE WHEN ST_Covers(z.geom, f.geom) THEN f.geom ELSE ST_Intersection(f.geom, z.geom) END AS part
    FROM (
        SELECT 'flood' AS layer, geom FROM ref.flood_zones WHERE kind = ANY(CAST(:flood_zone_kinds AS text[]))
        UNION ALL
        SELECT 'protected', geom FROM ref.protected_areas
    ) z
    JOIN ap_found f ON f.geom && z.geom AND ST_Intersects(z.geom, f.geom)
    OFFSET 0
) p
GROUP BY p.id, p.area, p.layer
