-- Potential analysis, step 14: vacancies not ended within :vacancy_radius_m of every candidate and
-- outside it (its own vacancies are what it is, not its surroundings).
CREATE UNLOGGED TABLE ap_vacancy AS
SELECT f.id, count(*) AS vacancies
FROM core.vacancies v
JOIN ap_found f ON ST_DWithin(f.geom, v.geom, :vacancy_radius_m) AND NOT ST_Intersects(v.geom, f.geom)
WHERE (v.ended_on IS NULL OR v.ended_on > current_date) AND v.vacant_since <= current_date
GROUP BY f.id
