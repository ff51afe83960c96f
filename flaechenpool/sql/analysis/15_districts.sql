-- Potential analysis, step 15: the district (Ortsteil) of every candidate: the one holding a point
-- on its surface.
CREATE TEMP TABLE ap_districts AS
SELECT DISTINCT ON (f.id) f.id, d.id AS district_id
FROM core.districts d
JOIN analysis.work_found f ON f.municipality_ags = d.municipality_ags AND f.geom && d.geom
                          AND ST_Intersects(d.geom, ST_PointOnSurface(f.geom))
ORDER BY f.id, d.id
