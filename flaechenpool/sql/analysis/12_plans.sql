-- Potential analysis, step 12: the zoning plan of every candidate: among the plans covering at least
-- :zoning_min_share of it, one not repealed before a repealed one, then the one covering most, then
-- the newest. From each plan to the candidates under it (each plan prepared once); the share is
-- measured once per pair, then the plan chosen.
CREATE UNLOGGED TABLE ap_plan_shares AS
SELECT f.id, z.id AS plan_id,
       CASE WHEN ST_Covers(z.geom, f.geom) THEN 1 ELSE ST_Area(ST_Intersection(z.geom, f.geom)) / f.area END AS share
FROM ref.zoning_plans z
JOIN ap_found f ON f.geom && z.geom AND ST_Intersects(z.geom, f.geom);

CREATE UNLOGGED TABLE ap_plans AS
SELECT DISTINCT ON (c.id) c.id, z.id AS plan_id, z.name AS plan_name, z.legal_status, z.land_use_type, c.share
FROM ap_plan_shares c JOIN ref.zoning_plans z ON z.id = c.plan_id
WHERE c.share >= :zoning_min_share
ORDER BY c.id, (z.legal_status = 'repealed'), c.share DESC, z.in_force_since DESC NULLS LAST, z.id
