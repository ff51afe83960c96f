-- Potential analysis, step 16: score every candidate. Criterion specs come from the profile
-- (:criteria, jsonb); analysis.criterion() turns a value into {value, normalised, weight, contribution},
-- analysis.contribution() gives the contribution as a double.
-- The town centre: analysis.town_centres, else the footprint-weighted centroid of the municipality's
-- current buildings, else a point on its surface. Parallel workers build the criteria and the score
-- (the sum of the contributions, from the values of the first LEFT JOIN LATERAL … ON true, computed
-- once a candidate for both; reading them back out of the criteria object cost a quarter of the step);
-- then the rank (1 for the highest score; ties: kind, then identity, so equal runs rank equally) on
-- narrow rows.
CREATE UNLOGGED TABLE ap_centres AS
SELECT m.ags, coalesce(tc.geom, bc.geom, ST_PointOnSurface(m.geom)) AS geom,
       CASE WHEN tc.geom IS NOT NULL THEN 'recorded: ' || tc.name
            WHEN bc.geom IS NOT NULL THEN 'centroid of the buildings' ELSE 'point on the municipality' END AS source
FROM core.municipalities m
LEFT JOIN analysis.town_centres tc ON tc.municipality_ags = m.ags
LEFT JOIN (
    SELECT b.municipality_ags,
           ST_SetSRID(ST_MakePoint(sum(ST_X(b.centroid) * b.footprint_m2) / sum(b.footprint_m2),
                                   sum(ST_Y(b.centroid) * b.footprint_m2) / sum(b.footprint_m2)), 25832) AS geom
    FROM (
        SELECT b.municipality_ags, b.footprint_m2, ST_Centroid(b.geom) AS centroid
        FROM core.buildings b
        WHERE b.valid_to IS NULL
          AND b.municipality_ags IN (SELECT municipality_ags FROM ap_found)
          AND b.municipality_ags NOT IN (SELECT municipality_ags FROM analysis.town_centres)
        OFFSET 0  -- one centroid a building, in the workers
    ) b
    GROUP BY b.municipality_ags
    HAVING sum(b.footprint_m2) > 0
) bc ON bc.municipality_ags = m.ags
WHERE m.ags IN (SELECT municipality_ags FROM ap_found);

CREATE UNLOGGED TABLE ap_scored AS
SELECT f.id, f.kind, f.identity, f.municipality_ags, d.district_id, f.parcels, f.buildings,
       f.kind || ':' || md5(f.identity) AS fingerprint, coalesce(si.site_ids, '{}') AS known_site_ids, f.geom,
       k.criteria, k.score,
       f.detection || jsonb_build_object('nearest_station', st.station, 'town_centre', c.source,
                                         'zoning_plan_id', pl.plan_id, 'zoning_plan_name', pl.plan_name,
                                         'contamination_sites', to_jsonb(si.contamination_sites)) AS detection
FROM ap_found f
LEFT JOIN ap_centres c ON c.ags = f.municipality_ags
LEFT JOIN ap_stations st ON st.id = f.id
LEFT JOIN ap_zones fl ON fl.id = f.id AND fl.layer = 'flood'
LEFT JOIN ap_zones pr ON pr.id = f.id AND pr.layer = 'protected'
LEFT JOIN ap_plans pl ON pl.id = f.id
LEFT JOIN ap_sites si ON si.id = f.id
LEFT JOIN ap_vacancy vac ON vac.id = f.id
LEFT JOIN ap_districts d ON d.id = f.id
LEFT JOIN LATERAL (
    SELECT f.area, 4 * pi() * f.area / nullif(f.perimeter ^ 2, 0) AS compactness, f.width,
           st.distance AS station_distance, ST_Distance(f.geom, c.geom) AS centre_distance,
           coalesce(fl.share, 0) AS flood_share, coalesce(pr.share, 0) AS protected_share,
           coalesce(pl.legal_status, 'none') AS zoning_plan, pl.land_use_type AS designation,
           CASE WHEN f.parcels_m2 > 0 THEN least(1, f.held_m2 / f.parcels_m2) ELSE 0 END AS municipal_ownership,
           CASE WHEN f.hint OR f.kind IN ('brownfield', 'residual_use') OR si.contamination_sites IS NOT NULL
                THEN 1 ELSE 0 END::double precision AS contamination,
           coalesce(vac.vacancies, 0)::double precision AS vacancy_nearby
) v ON true
LEFT JOIN LATERAL (
    SELECT jsonb_build_object(
               'area', analysis.criterion(v.area, CAST(:criteria AS jsonb) -> 'area'),
               'compactness', analysis.criterion(v.compactness, CAST(:criteria AS jsonb) -> 'compactness'),
               'width', analysis.criterion(v.width, CAST(:criteria AS jsonb) -> 'width'),
               'station_distance', analysis.criterion(v.station_distance, CAST(:criteria AS jsonb) -> 'station_distance'),
               'centre_distance', analysis.criterion(v.centre_distance, CAST(:criteria AS jsonb) -> 'centre_distance'),
               'flood_share', analysis.criterion(v.flood_share, CAST(:criteria AS jsonb) -> 'flood_share'),
               'protected_share', analysis.criterion(v.protected_share, CAST(:criteria AS jsonb) -> 'protected_share'),
               'zoning_plan', analysis.criterion(v.zoning_plan, CAST(:criteria AS jsonb) -> 'zoning_plan'),
               'designation', analysis.criterion(v.designation, CAST(:criteria AS jsonb) -> 'designation'),
               'municipal_ownership', analysis.criterion(v.municipal_ownership, CAST(:criteria AS jsonb) -> 'municipal_ownership'),
               'contamination', analysis.criterion(v.contamination, CAST(:criteria AS jsonb) -> 'contamination'),
               'vacancy_nearby', analysis.criterion(v.vacancy_nearby, CAST(:criteria AS jsonb) -> 'vacancy_nearby')
           ) AS criteria,
           -- the contributions in the order of the criteria object's keys (jsonb: by length, then
           -- bytewise), as analysis.total adds them up
           round((analysis.contribution(v.area, CAST(:criteria AS jsonb) -> 'area')
                  + analysis.contribution(v.width, CAST(:criteria AS jsonb) -> 'width')
                  + analysis.contribution(v.compactness, CAST(:criteria AS jsonb) -> 'compactness')
                  + analysis.contribution(v.designation, CAST(:criteria AS jsonb) -> 'designation')
                  + analysis.contribution(v.flood_share, CAST(:criteria AS jsonb) -> 'flood_share')
                  + analysis.contribution(v.zoning_plan, CAST(:criteria AS jsonb) -> 'zoning_plan')
                  + analysis.contribution(v.contamination, CAST(:criteria AS jsonb) -> 'contamination')
                  + analysis.contribution(v.vacancy_nearby, CAST(:criteria AS jsonb) -> 'vacancy_nearby')
                  + analysis.contribution(v.centre_distance, CAST(:criteria AS jsonb) -> 'centre_distance')
                  + analysis.contribution(v.protected_share, CAST(:criteria AS jsonb) -> 'protected_share')
                  + analysis.contribution(v.station_distance, CAST(:criteria AS jsonb) -> 'station_distance')
                  + analysis.contribution(v.municipal_ownership, CAST(:criteria AS jsonb) -> 'municipal_ownership')
                 ) * 100) / 100 AS score
) k ON true;

CREATE UNLOGGED TABLE ap_ranked AS
SELECT s.id, row_number() OVER (ORDER BY s.score DESC, s.kind, s.identity) AS rank
FROM ap_scored s;

ANALYZE ap_ranked
