-- Potential analysis, step 2: the vacancies not ended (core.vacancies) of the run's municipalities and
-- area, with the building they are recorded for (else the current building at their point) and
-- whether it is a farm building (:farm_building_functions as comparison keys, or type agricultural);
-- the parcels of the run these buildings stand on, with how many m² (as step 3 counts them), and
-- per parcel the m² of buildings vacant as a whole; the parcels the municipal land pool holds today.
CREATE UNLOGGED TABLE ap_vacancies AS
SELECT v.id AS vacancy_id, v.municipality_ags, v.scope, v.vacant_since, v.building_type, v.geom, b.id AS building_id,
       (v.building_type = 'agricultural'
        OR analysis.text_key(b.function) = ANY(CAST(:farm_building_functions AS text[]))) AS farm
FROM core.vacancies v
LEFT JOIN LATERAL (
    SELECT b.id, b.function FROM core.buildings b
    WHERE b.valid_to IS NULL
      AND (b.id = v.building_id OR (v.building_id IS NULL AND b.geom && v.geom AND ST_Intersects(b.geom, v.geom)))
    ORDER BY b.id LIMIT 1
) b ON true
WHERE (v.ended_on IS NULL OR v.ended_on > current_date)
  AND v.vacant_since <= current_date
  AND (CAST(:municipalities AS text[]) IS NULL OR v.municipality_ags = ANY(CAST(:municipalities AS text[])))
  AND (CAST(:area AS text) IS NULL OR ST_Intersects(v.geom, ST_GeomFromEWKT(CAST(:area AS text))));

CREATE UNLOGGED TABLE ap_vacant_pairs AS
SELECT p.id AS parcel_id, b.id AS building_id, o.m2
FROM (SELECT DISTINCT building_id FROM ap_vacancies WHERE building_id IS NOT NULL) v
JOIN core.buildings b ON b.id = v.building_id AND b.valid_to IS NULL
JOIN core.parcels p ON p.valid_to IS NULL AND p.geom && b.geom
CROSS JOIN LATERAL (SELECT analysis.overlap_m2(b.geom, b.footprint_m2, p.geom) AS m2) o
WHERE o.m2 >= :building_min_overlap_m2
  AND (CAST(:municipalities AS text[]) IS NULL OR p.municipality_ags = ANY(CAST(:municipalities AS text[])))
  AND (CAST(:area AS text) IS NULL OR ST_Intersects(p.geom, ST_GeomFromEWKT(CAST(:area AS text))));

CREATE UNLOGGED TABLE ap_vacant AS
SELECT o.parcel_id, sum(o.m2) AS vacant_m2
FROM ap_vacant_pairs o
WHERE o.building_id IN (SELECT building_id FROM ap_vacancies WHERE scope = 'whole_building')
GROUP BY o.parcel_id;

CREATE UNLOGGED TABLE ap_held AS
SELECT DISTINCT p.id
FROM core.pool_held(NULL, current_date) h
JOIN core.parcels p ON p.flurstueckskennzeichen = h.flurstueckskennzeichen AND p.valid_to IS NULL;