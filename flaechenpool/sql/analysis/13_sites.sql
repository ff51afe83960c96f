-- Potential analysis, step 13: the sites (core.sites, not retired) that cover at least a tenth of a
-- candidate: it is known already; those recording the obstacle 'contamination' also make the
-- contamination criterion apply.
CREATE UNLOGGED TABLE ap_sites AS
SELECT f.id, array_agg(s.id ORDER BY s.id) AS site_ids,
       array_agg(s.id ORDER BY s.id) FILTER (WHERE 'contamination' = ANY(s.obstacles)) AS contamination_sites
FROM core.sites s
JOIN ap_found f ON f.geom && s.geom AND ST_Intersects(s.geom, f.geom)
WHERE s.retired_at IS NULL
  AND (ST_Covers(s.geom, f.geom) OR ST_Area(ST_Intersection(s.geom, f.geom)) >= 0.1 * f.area)
GROUP BY f.id
