-- Potential analysis, step 1: the current parcels in the run's area, with their grid cell
-- (surroundings) and land use as comparison key. Parameters: :municipalities (text[] or NULL),
-- :area (EWKT polygon in EPSG:25832 or NULL), :grid_cell_m.
CREATE TEMP TABLE ap_scope ON COMMIT DROP AS
SELECT p.id, p.flurstueckskennzeichen AS key, p.municipality_ags, analysis.text_key(p.land_use) AS land_use,
       p.area_m2, p.geom,
       floor(ST_X(ST_Centroid(p.geom)) / :grid_cell_m)::integer AS cx,
       floor(ST_Y(ST_Centroid(p.geom)) / :grid_cell_m)::integer AS cy
FROM core.parcels p
WHERE p.valid_to IS NULL
  AND (CAST(:municipalities AS text[]) IS NULL OR p.municipality_ags = ANY(CAST(:municipalities AS text[])))
  AND (CAST(:area AS text) IS NULL
       OR (p.geom && ST_GeomFromEWKT(CAST(:area AS text)) AND ST_Intersects(p.geom, ST_GeomFromEWKT(CAST(:area AS text)))))
