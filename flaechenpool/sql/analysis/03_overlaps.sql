-- Potential analysis, step 3: which current building stands on which parcel of the run, with how many m².
-- A building counts on a parcel only from :building_min_overlap_m2 on, so a wall digitised a few
-- centimetres over the line does not make the neighbour "built"; a building over a parcel line counts
-- on each parcel with its part. The usual case (building inside the parcel) needs no intersection.
CREATE TEMP TABLE ap_overlaps AS
SELECT o.parcel_id, o.building_id, o.m2
FROM (
    SELECT p.id AS parcel_id, b.id AS building_id,
           CASE WHEN ST_CoveredBy(b.geom, p.geom) THEN b.footprint_m2
                WHEN ST_Intersects(b.geom, p.geom) THEN ST_Area(ST_Intersection(b.geom, p.geom))
           END AS m2
    FROM core.parcels p
    JOIN core.buildings b ON b.valid_to IS NULL AND b.geom && p.geom
    WHERE p.valid_to IS NULL
      AND (CAST(:municipalities AS text[]) IS NULL OR p.municipality_ags = ANY(CAST(:municipalities AS text[])))
      AND (CAST(:area AS text) IS NULL OR ST_Intersects(p.geom, ST_GeomFromEWKT(CAST(:area AS text))))
) o
WHERE o.m2 >= :building_min_overlap_m2
