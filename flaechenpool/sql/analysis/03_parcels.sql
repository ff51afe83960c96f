-- Potential analysis, step 3: the current parcels of the run (municipalities :municipalities, text[] or
-- NULL for all; area :area, EWKT in EPSG:25832 or NULL), each with its land use as comparison key
-- (analysis.text_key) and the flags the rules read, the grid cell of its centroid (:grid_cell_m, for
-- the surroundings), what the land-use layer records there (step 1), whether the municipal land pool
-- holds it and the m² of its buildings vacant as a whole (step 2), and the current buildings on it:
-- how many and how many m² (analysis.overlap_m2; a building counts from :building_min_overlap_m2 on).
-- One pass over the parcels in parallel workers; each probes the box index of core.buildings
-- (buildings_box_idx) and measures every building once. (Each LEFT JOIN LATERAL … ON true makes its
-- expression a column computed once, per parcel or per pair, not again for every row above it; a
-- LATERAL aggregate per parcel would be simpler, but PostgreSQL 15 runs those in one process only.) The few parcels of the pool and with vacant buildings are updated after.
CREATE UNLOGGED TABLE ap_scope AS
SELECT p.id, p.flurstueckskennzeichen AS key, p.municipality_ags, u.land_use, p.area_m2, g.cx, g.cy,
       coalesce(c.recorded, false) AS recorded,
       coalesce(c.contamination_class, false) AS contamination_class,
       (u.land_use IS NULL OR u.land_use = ANY(CAST(:building_land_uses AS text[]))) AS building_land,
       (u.land_use = ANY(CAST(:brownfield_land_uses AS text[])) OR (u.land_use IS NULL AND coalesce(c.brownfield_class, false)))
           AS brownfield_land,
       coalesce(sum(o.m2) FILTER (WHERE o.m2 >= :building_min_overlap_m2), 0) AS built_m2,
       count(*) FILTER (WHERE o.m2 >= :building_min_overlap_m2)::integer AS buildings,
       0::double precision AS vacant_m2, false AS held
FROM core.parcels p
LEFT JOIN LATERAL (SELECT analysis.text_key(p.land_use) AS land_use) u ON true
LEFT JOIN LATERAL (SELECT ST_Centroid(p.geom) AS centroid) m ON true
LEFT JOIN LATERAL (SELECT floor(ST_X(m.centroid) / :grid_cell_m)::integer AS cx,
                          floor(ST_Y(m.centroid) / :grid_cell_m)::integer AS cy) g ON true
LEFT JOIN ap_classes c ON c.id = p.id
LEFT JOIN core.buildings b ON b.valid_to IS NULL AND box(b.geom) && box(p.geom)
LEFT JOIN LATERAL (SELECT analysis.overlap_m2(b.geom, b.footprint_m2, p.geom) AS m2) o ON true
WHERE p.valid_to IS NULL
  AND (CAST(:municipalities AS text[]) IS NULL OR p.municipality_ags = ANY(CAST(:municipalities AS text[])))
  AND (CAST(:area AS text) IS NULL OR ST_Intersects(p.geom, ST_GeomFromEWKT(CAST(:area AS text))))
GROUP BY p.id, u.land_use, g.cx, g.cy, c.recorded, c.brownfield_class, c.contamination_class;

CREATE UNIQUE INDEX ON ap_scope (id);

UPDATE ap_scope s SET vacant_m2 = v.vacant_m2 FROM ap_vacant v WHERE v.parcel_id = s.id;

UPDATE ap_scope s SET held = true FROM ap_held h WHERE h.id = s.id;

ANALYZE ap_scope
