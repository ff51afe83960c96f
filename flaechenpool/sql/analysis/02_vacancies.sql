-- Potential analysis, step 2: vacancies not ended (core.vacancies) in the run's area, with the building
-- they are recorded for (or the building at their point). Parameters: :municipalities, :area,
-- :farm_building_functions (comparison keys).
CREATE TEMP TABLE ap_vacancies ON COMMIT DROP AS
SELECT v.id AS vacancy_id, v.municipality_ags, v.scope, v.geom,
       coalesce(v.building_id, (SELECT b.id FROM core.buildings b
                                WHERE b.valid_to IS NULL AND b.geom && v.geom AND ST_Intersects(b.geom, v.geom)
                                ORDER BY b.id LIMIT 1)) AS building_id,
       v.building_type = 'agricultural' OR EXISTS (
           SELECT 1 FROM core.buildings b WHERE b.id = v.building_id
             AND analysis.text_key(b.function) = ANY(CAST(:farm_building_functions AS text[]))) AS farm
FROM core.vacancies v
WHERE (v.ended_on IS NULL OR v.ended_on > current_date)
  AND (CAST(:municipalities AS text[]) IS NULL OR v.municipality_ags = ANY(CAST(:municipalities AS text[])))
  AND (CAST(:area AS text) IS NULL OR ST_Intersects(v.geom, ST_GeomFromEWKT(CAST(:area AS text))))
