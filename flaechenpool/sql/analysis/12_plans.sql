-- Potential analysis, step 12: the zoning plan of every candidate: among the plans covering at least
-- :zoning_min_share of it, one not repealed before a repealed one, then the one covering most, then
-- the newest.
CREATE TEMP TABLE ap_plans AS
SELECT DISTINCT ON (f.id) f.id, z.id AS plan_id, z.name AS plan_name, z.legal_status, z.land_use_type, c.share
FROM ref.zoning_plans z
JOIN analysis.work_found f ON f.geom && z.geom AND ST_Intersects(z.geom, f.geom)
CROSS JOIN LATERAL (
    SELECT CASE WHEN ST_CoveredBy(f.geom, z.geom) THEN 1
                ELSE ST_Area(ST_Intersection(z.geom, f.geom)) / ST_Area(f.geom) END AS share
) c
WHERE c.share >= :zoning_min_share
ORDER BY f.id, (z.legal_status = 'repealed'), c.share DESC, z.in_force_since DESC NULLS LAST, z.id
