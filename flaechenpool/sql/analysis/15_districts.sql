-- Potential analysis, step 15: the district (Ortsteil) of every candidate: the one holding a point
-- on its surface (ap_found.point). From each district to the points in it, so each district is
-- prepared once.
CREATE UNLOGGED TABLE ap_districts AS
SELECT DISTINCT ON (f.id) f.id, d.id AS district_id
FROM core.districts d
JOIN ap_found f ON f.municipality_ags = d.municipality_ags AND f.point && d.geom AND ST_Intersects(d.geom, f.point)
ORDER BY f.id, d.id
