-- Potential analysis, step 3: which building stands on which parcel, and on how many m² of it.
-- A building counts on a parcel only from :building_min_overlap_m2 on (digitising slivers do not);
-- a building over a parcel line counts on each parcel with its part.
CREATE TEMP TABLE ap_overlaps ON COMMIT DROP AS
SELECT o.parcel_id, o.building_id, o.m2,
       EXISTS (SELECT 1 FROM ap_vacancies v WHERE v.building_id = o.building_id AND v.scope = 'whole_building') AS vacant,
       EXISTS (SELECT 1 FROM ap_vacancies v WHERE v.building_id = o.building_id) AS any_vacancy
FROM (
    SELECT s.id AS parcel_id, b.id AS building_id,
           CASE WHEN ST_CoveredBy(b.geom, s.geom) THEN b.footprint_m2
                ELSE ST_Area(ST_Intersection(b.geom, s.geom)) END AS m2
    FROM ap_scope s
    JOIN core.buildings b ON b.valid_to IS NULL AND b.geom && s.geom AND ST_Intersects(b.geom, s.geom)
) o
WHERE o.m2 >= :building_min_overlap_m2
