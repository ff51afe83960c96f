-- Potential analysis, step 1: what the land-use layer (ref.land_use) records at the point on surface of
-- the run's current parcels (municipalities :municipalities, text[] or NULL for all; area :area, EWKT
-- in EPSG:25832 or NULL): recorded brownfield, brownfield class, contamination class. From the (few)
-- land-use polygons of these classes (only those in the extent of the run's parcels) to the parcels
-- under them, so each polygon is prepared once for all its point-in-polygon tests.
CREATE UNLOGGED TABLE ap_classes AS
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
  AND (CAST(:municipalities AS text[]) IS NULL OR l.geom::box2d && (
          SELECT ST_Extent(s.geom) FROM core.parcels s
          WHERE s.valid_to IS NULL AND s.municipality_ags = ANY(CAST(:municipalities AS text[]))))
  AND (CAST(:area AS text) IS NULL OR l.geom && ST_GeomFromEWKT(CAST(:area AS text)))
GROUP BY p.id
