-- Potential analysis, step 16: score every candidate. Criterion specs come from the profile
-- (:criteria, jsonb); analysis.criterion() turns a value into {value, normalised, weight, contribution}.
-- The town centre: analysis.town_centres, else the footprint-weighted centroid of the municipality's
-- current buildings, else a point on its surface. Parallel workers build the criteria and the score
-- (analysis.total: the sum of the contributions; the LEFT JOIN LATERAL … ON true builds the criteria
-- object once for both); then the rank (1 for the highest score; ties: kind, then identity, so equal
-- runs rank equally) on narrow rows.
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
       k.criteria, analysis.total(k.criteria) AS score,
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
LEFT JOIN ap_vacancy v ON v.id = f.id
LEFT JOIN ap_districts d ON d.id = f.id
LEFT JOIN LATERAL (
    SELECT jsonb_build_object(
               'area', analysis.criterion(f.area, CAST(:criteria AS jsonb) -> 'area'),
               'compactness', analysis.criterion(4 * pi() * f.area / nullif(f.perimeter ^ 2, 0),
                                                 CAST(:criteria AS jsonb) -> 'compactness'),
               'width', analysis.criterion(f.width, CAST(:criteria AS jsonb) -> 'width'),
               'station_distance', analysis.criterion(st.distance, CAST(:criteria AS jsonb) -> 'station_distance'),
               'centre_distance', analysis.criterion(ST_Distance(f.geom, c.geom), CAST(:criteria AS jsonb) -> 'centre_distance'),
               'flood_share', analysis.criterion(coalesce(fl.share, 0), CAST(:criteria AS jsonb) -> 'flood_share'),
               'protected_share', analysis.criterion(coalesce(pr.share, 0), CAST(:criteria AS jsonb) -> 'protected_share'),
               'zoning_plan', analysis.criterion(coalesce(pl.legal_status, 'none'), CAST(:criteria AS jsonb) -> 'zoning_plan'),
               'designation', analysis.criterion(pl.land_use_type, CAST(:criteria AS jsonb) -> 'designation'),
               'municipal_ownership', analysis.criterion(
                   CASE WHEN f.parcels_m2 > 0 THEN least(1, f.held_m2 / f.parcels_m2) ELSE 0 END,
                   CAST(:criteria AS jsonb) -> 'municipal_ownership'),
               'contamination', analysis.criterion(
                   CASE WHEN f.hint OR f.kind IN ('brownfield', 'residual_use') OR si.contamination_sites IS NOT NULL
                        THEN 1 ELSE 0 END::double precision,
                   CAST(:criteria AS jsonb) -> 'contamination'),
               'vacancy_nearby', analysis.criterion(coalesce(v.vacancies, 0)::double precision,
                                                    CAST(:criteria AS jsonb) -> 'vacancy_nearby')
    ) AS criteria
) k ON true;

CREATE UNLOGGED TABLE ap_ranked AS
SELECT s.id, row_number() OVER (ORDER BY s.score DESC, s.kind, s.identity) AS rank
FROM ap_scored s;

ANALYZE ap_ranked
