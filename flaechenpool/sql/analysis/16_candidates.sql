-- Potential analysis, step 16: score every candidate and store it under run :run_id. Criterion specs
-- come from the profile (:criteria, jsonb); analysis.criterion() turns a value into {value, normalised,
-- weight, contribution}; the score is the sum of the contributions; rank 1 is the highest score
-- (ties: kind, then identity, so equal runs rank equally).
--   town centre: analysis.town_centres, else the footprint-weighted centroid of the municipality's
--   current buildings, else a point on its surface.
INSERT INTO analysis.candidates (run_id, municipality_ags, district_id, kind, parcels, buildings, fingerprint, score,
                                 rank, criteria, detection, known_site_ids, geom)
WITH centres AS (
    SELECT m.ags, coalesce(tc.geom, bc.geom, ST_PointOnSurface(m.geom)) AS geom,
           CASE WHEN tc.geom IS NOT NULL THEN 'recorded: ' || tc.name
                WHEN bc.geom IS NOT NULL THEN 'centroid of the buildings' ELSE 'point on the municipality' END AS source
    FROM core.municipalities m
    LEFT JOIN analysis.town_centres tc ON tc.municipality_ags = m.ags
    LEFT JOIN LATERAL (
        SELECT ST_SetSRID(ST_MakePoint(sum(ST_X(ST_Centroid(b.geom)) * b.footprint_m2) / sum(b.footprint_m2),
                                       sum(ST_Y(ST_Centroid(b.geom)) * b.footprint_m2) / sum(b.footprint_m2)), 25832) AS geom
        FROM core.buildings b
        WHERE tc.geom IS NULL AND b.municipality_ags = m.ags AND b.valid_to IS NULL
        HAVING sum(b.footprint_m2) > 0
    ) bc ON true
    WHERE m.ags IN (SELECT DISTINCT municipality_ags FROM analysis.work_found)
),
measured AS (
    SELECT f.*, ST_Area(f.geom) AS area, ST_Perimeter(f.geom) AS perimeter, w.width,
           st.station, st.distance AS station_distance,
           ST_Distance(f.geom, c.geom) AS centre_distance, c.source AS centre_source,
           coalesce(fl.share, 0) AS flood_share, coalesce(pr.share, 0) AS protected_share,
           pl.plan_id, pl.plan_name, coalesce(pl.legal_status, 'none') AS zoning_plan, pl.land_use_type AS designation,
           CASE WHEN f.parcels_m2 > 0 THEN least(1, f.held_m2 / f.parcels_m2) ELSE 0 END AS municipal_ownership,
           (f.hint OR f.kind IN ('brownfield', 'residual_use') OR si.contamination_sites IS NOT NULL) AS contaminated,
           si.contamination_sites, coalesce(si.site_ids, '{}') AS known_site_ids,
           coalesce(v.vacancies, 0) AS vacancy_nearby, d.district_id
    FROM analysis.work_found f
    LEFT JOIN centres c ON c.ags = f.municipality_ags
    LEFT JOIN ap_width w ON w.id = f.id
    LEFT JOIN ap_stations st ON st.id = f.id
    LEFT JOIN ap_zones fl ON fl.id = f.id AND fl.layer = 'flood'
    LEFT JOIN ap_zones pr ON pr.id = f.id AND pr.layer = 'protected'
    LEFT JOIN ap_plans pl ON pl.id = f.id
    LEFT JOIN ap_sites si ON si.id = f.id
    LEFT JOIN ap_vacancy v ON v.id = f.id
    LEFT JOIN ap_districts d ON d.id = f.id
),
scored AS (
    -- OFFSET 0 keeps each lateral a subquery of its own, so criteria and score are computed once a row
    SELECT m.*, c.criteria, t.score
    FROM measured m
    CROSS JOIN LATERAL (SELECT jsonb_build_object(
               'area', analysis.criterion(m.area, CAST(:criteria AS jsonb) -> 'area'),
               'compactness', analysis.criterion(4 * pi() * m.area / nullif(m.perimeter ^ 2, 0),
                                                 CAST(:criteria AS jsonb) -> 'compactness'),
               'width', analysis.criterion(m.width, CAST(:criteria AS jsonb) -> 'width'),
               'station_distance', analysis.criterion(m.station_distance, CAST(:criteria AS jsonb) -> 'station_distance'),
               'centre_distance', analysis.criterion(m.centre_distance, CAST(:criteria AS jsonb) -> 'centre_distance'),
               'flood_share', analysis.criterion(m.flood_share, CAST(:criteria AS jsonb) -> 'flood_share'),
               'protected_share', analysis.criterion(m.protected_share, CAST(:criteria AS jsonb) -> 'protected_share'),
               'zoning_plan', analysis.criterion(m.zoning_plan, CAST(:criteria AS jsonb) -> 'zoning_plan'),
               'designation', analysis.criterion(m.designation, CAST(:criteria AS jsonb) -> 'designation'),
               'municipal_ownership', analysis.criterion(m.municipal_ownership,
                                                         CAST(:criteria AS jsonb) -> 'municipal_ownership'),
               'contamination', analysis.criterion(CASE WHEN m.contaminated THEN 1 ELSE 0 END::double precision,
                                                   CAST(:criteria AS jsonb) -> 'contamination'),
               'vacancy_nearby', analysis.criterion(m.vacancy_nearby::double precision,
                                                    CAST(:criteria AS jsonb) -> 'vacancy_nearby')
           ) AS criteria OFFSET 0) c
    CROSS JOIN LATERAL (SELECT analysis.total(c.criteria) AS score OFFSET 0) t
)
SELECT :run_id, s.municipality_ags, s.district_id, s.kind, s.parcels, s.buildings, s.kind || ':' || md5(s.identity),
       s.score, row_number() OVER (ORDER BY s.score DESC, s.kind, s.identity), s.criteria,
       s.detection || jsonb_build_object('nearest_station', s.station, 'town_centre', s.centre_source,
                                         'zoning_plan_id', s.plan_id, 'zoning_plan_name', s.plan_name,
                                         'contamination_sites', to_jsonb(s.contamination_sites)),
       s.known_site_ids, s.geom
FROM scored s
