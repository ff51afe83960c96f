-- Potential analysis, step 9: the width of every candidate (analysis.width: diameter of the largest
-- inscribed circle; the rules only tested that the minimum fits). The steps 9 to 15 measure the
-- candidates the rules left in analysis.work_found (a run sees only its own rows). They read
-- permanent tables only, so PostgreSQL may share them among parallel workers, and each joins from
-- the few polygons of a reference layer to the candidates under them (GiST index of work_found), so
-- every zone is prepared once for all its tests.
CREATE TEMP TABLE ap_width AS
SELECT f.id, analysis.width(f.geom) AS width FROM analysis.work_found f
