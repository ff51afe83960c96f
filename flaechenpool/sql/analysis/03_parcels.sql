-- Potential analysis, step 3: the current parcels of the run (municipalities :municipalities, text[] or
-- NULL for all; area :area, EWKT in EPSG:25832 or NULL), each with its land use as comparison key
-- (analysis.text_key) and the flags the rules read, the grid cell of its centroid (:grid_cell_m, for
-- the surroundings), what the land-use layer records there (step 1), whether the municipal land pool
-- holds it and the m² of its buildings vacant as a whole (step 2), and the current buildings on it:
-- how many and how many m² (analysis.overlap_m2; a building counts from :building_min_overlap_m2 on).
-- The land-use keys once per distinct land use (a state has a few dozen, not a million); the
-- buildings per parcel first (ap_built): parallel workers take the parcels in id order, probe the box
-- index of core.buildings (buildings_box_idx) for each, measure every pair once and sum per parcel as
-- they go (partial aggregates, no table of the two million pairs in between); then one pass over the
-- parcels (centroids in the workers) joins both by hash (statistics first, or the planner hashes the
-- parcels in one process). (The LEFT JOIN LATERAL … ON true makes its expression a column computed once
-- per row. One statement with the building join under a GROUP BY of the parcel's columns ran in one
-- process only.) The few parcels of the pool and with vacant buildings are updated after.
CREATE UNLOGGED TABLE ap_land_uses AS
SELECT d.land_use, analysis.text_key(d.land_use) AS key
FROM (SELECT DISTINCT p.land_use FROM core.parcels p
      WHERE p.valid_to IS NULL
        AND (CAST(:municipalities AS text[]) IS NULL OR p.municipality_ags = ANY(CAST(:municipalities AS text[])))
        AND (CAST(:area AS text) IS NULL OR ST_Intersects(p.geom, ST_GeomFromEWKT(CAST(:area AS text))))) d;

-- (m2, a column of the join's output, is measured once a pair: the FILTERs read that column. As a
-- condition of the join it was measured again for each pair kept.)
CREATE UNLOGGED TABLE ap_built AS
SELECT p.id, sum(o.m2) FILTER (WHERE o.m2 >= :building_min_overlap_m2) AS built_m2,
       (count(*) FILTER (WHERE o.m2 >= :building_min_overlap_m2))::integer AS buildings
FROM core.parcels p
JOIN core.buildings b ON b.valid_to IS NULL AND box(b.geom) && box(p.geom)
LEFT JOIN LATERAL (SELECT analysis.overlap_m2(b.geom, b.footprint_m2, p.geom) AS m2) o ON true
WHERE p.valid_to IS NULL
  AND (CAST(:municipalities AS text[]) IS NULL OR p.municipality_ags = ANY(CAST(:municipalities AS text[])))
  AND (CAST(:area AS text) IS NULL OR ST_Intersects(p.geom, ST_GeomFromEWKT(CAST(:area AS text))))
GROUP BY p.id;

ANALYZE ap_built;

ANALYZE ap_classes;

CREATE UNLOGGED TABLE ap_scope AS
SELECT p.id, p.flurstueckskennzeichen AS key, p.municipality_ags, u.key AS land_use, p.area_m2, g.cx, g.cy,
       coalesce(c.recorded, false) AS recorded,
       coalesce(c.contamination_class, false) AS contamination_class,
       (u.key IS NULL OR u.key = ANY(CAST(:building_land_uses AS text[]))) AS building_land,
       (u.key = ANY(CAST(:brownfield_land_uses AS text[])) OR (u.key IS NULL AND coalesce(c.brownfield_class, false)))
           AS brownfield_land,
       coalesce(b.built_m2, 0) AS built_m2, coalesce(b.buildings, 0) AS buildings,
       0::double precision AS vacant_m2, false AS held
FROM core.parcels p
LEFT JOIN ap_land_uses u ON u.land_use = p.land_use
LEFT JOIN LATERAL (SELECT ST_Centroid(p.geom) AS centroid) m ON true
LEFT JOIN LATERAL (SELECT floor(ST_X(m.centroid) / :grid_cell_m)::integer AS cx,
                          floor(ST_Y(m.centroid) / :grid_cell_m)::integer AS cy) g ON true
LEFT JOIN ap_classes c ON c.id = p.id
LEFT JOIN ap_built b ON b.id = p.id
WHERE p.valid_to IS NULL
  AND (CAST(:municipalities AS text[]) IS NULL OR p.municipality_ags = ANY(CAST(:municipalities AS text[])))
  AND (CAST(:area AS text) IS NULL OR ST_Intersects(p.geom, ST_GeomFromEWKT(CAST(:area AS text))));

CREATE UNIQUE INDEX ON ap_scope (id);

UPDATE ap_scope s SET vacant_m2 = v.vacant_m2 FROM ap_vacant v WHERE v.parcel_id = s.id;

UPDATE ap_scope s SET held = true FROM ap_held h WHERE h.id = s.id;

ANALYZE ap_scope
