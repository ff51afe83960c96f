-- Potential analysis, step 2: the vacancies not ended (core.vacancies) of the run's municipalities and
-- area, with the building they are recorded for (else the current building at their point) and
-- whether it is a farm building (:farm_building_functions as comparison keys, or type agricultural).
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
  AND (CAST(:area AS text) IS NULL OR ST_Intersects(v.geom, ST_GeomFromEWKT(CAST(:area AS text))))
