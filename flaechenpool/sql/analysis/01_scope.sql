-- Potential analysis, step 1: the current parcels of the run (municipalities :municipalities, text[] or
-- NULL for all; area :area, EWKT in EPSG:25832 or NULL) with their land use as comparison key
-- (analysis.text_key), the grid cell of their centroid (:grid_cell_m, for the surroundings) and what
-- the land-use layer (ref.land_use) records at their point on surface. Reads only permanent tables,
-- so PostgreSQL may run it in parallel.
CREATE TEMP TABLE ap_scope AS
WITH classes AS (
    -- from the (few) land-use polygons of these classes to the parcels under them: each polygon is
    -- prepared once for all its point-in-polygon tests
    SELECT p.id,
           bool_or(l.class = ANY(CAST(:brownfield_recorded_classes AS text[]))) AS recorded,
           bool_or(l.class = ANY(CAST(:brownfield_land_use_classes AS text[]))) AS brownfield_class,
           bool_or(l.class = ANY(CAST(:contamination_land_use_classes AS text[]))) AS contamination_class
    FROM ref.land_use l
    CROSS JOIN LATERAL (
        SELECT p.id FROM core.parcels p
        WHERE p.valid_to IS NULL AND p.geom && l.geom
          AND (CAST(:municipalities AS text[]) IS NULL OR p.municipality_ags = ANY(CAST(:municipalities AS text[])))
          AND (CAST(:area AS text) IS NULL OR ST_Intersects(p.geom, ST_GeomFromEWKT(CAST(:area AS text))))
          AND ST_Intersects(l.geom, ST_PointOnSurface(p.geom))
        OFFSET 0  -- keeps the polygon as the outer side of the join
    ) p
    WHERE l.class = ANY(CAST(:brownfield_recorded_classes AS text[]) || CAST(:brownfield_land_use_classes AS text[])
                        || CAST(:contamination_land_use_classes AS text[]))
    GROUP BY p.id
)
SELECT p.id, p.flurstueckskennzeichen AS key, p.municipality_ags, analysis.text_key(p.land_use) AS land_use,
       p.area_m2,
       floor(ST_X(ST_Centroid(p.geom)) / :grid_cell_m)::integer AS cx,
       floor(ST_Y(ST_Centroid(p.geom)) / :grid_cell_m)::integer AS cy,
       coalesce(c.recorded, false) AS recorded,
       coalesce(c.brownfield_class, false) AS brownfield_class,
       coalesce(c.contamination_class, false) AS contamination_class
FROM core.parcels p
LEFT JOIN classes c ON c.id = p.id
WHERE p.valid_to IS NULL
  AND (CAST(:municipalities AS text[]) IS NULL OR p.municipality_ags = ANY(CAST(:municipalities AS text[])))
  AND (CAST(:area AS text) IS NULL OR ST_Intersects(p.geom, ST_GeomFromEWKT(CAST(:area AS text))))
