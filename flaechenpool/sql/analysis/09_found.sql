-- Potential analysis, step 9: what the rules found (steps 5–8), numbered, with the width of every
-- candidate (analysis.width: diameter of the largest inscribed circle; measured in steps 5 and 7
-- already where the rule needed it) and a GiST index, so that the steps 10 to 15 can join from the
-- few polygons of a reference layer to the candidates under them and prepare each polygon once.
CREATE UNLOGGED TABLE ap_found_all AS
SELECT row_number() OVER () AS id, f.*
FROM (SELECT * FROM ap_found_infill
      UNION ALL SELECT * FROM ap_found_underused
      UNION ALL SELECT * FROM ap_found_brownfield
      UNION ALL SELECT * FROM ap_found_vacancy) f;

CREATE UNLOGGED TABLE ap_found AS
SELECT f.id, f.kind, f.municipality_ags, f.parcels, f.buildings, f.identity, f.geom, f.parcels_m2, f.held_m2, f.hint,
       f.detection, coalesce(f.width, analysis.width(f.geom)) AS width, ST_Area(f.geom) AS area,
       ST_Perimeter(f.geom) AS perimeter, ST_PointOnSurface(f.geom) AS point
FROM ap_found_all f;

CREATE UNIQUE INDEX ON ap_found (id);

CREATE INDEX ON ap_found USING gist (geom);

CREATE INDEX ON ap_found USING gist (point);

ANALYZE ap_found (id, kind, municipality_ags)
