-- Potential analysis, step 4: the parcels of the run that buildings with a vacancy stand on, with
-- how many m² (as in step 3), the parcels the municipal land pool holds today, the built share of
-- the surroundings of every grid cell (the parcels on building land, :building_land_uses or without
-- land use, whose centroid lies in the 3 × 3 cells around it) and, as view ap_parcels, every parcel
-- with its built share, the vacant part of its buildings and the built share of its surroundings,
-- itself excluded. Hash joins and aggregates only: linear in the number of parcels.
CREATE UNLOGGED TABLE ap_vacant_pairs AS
SELECT s.id AS parcel_id, b.id AS building_id, o.m2
FROM (SELECT DISTINCT building_id FROM ap_vacancies WHERE building_id IS NOT NULL) v
JOIN core.buildings b ON b.id = v.building_id AND b.valid_to IS NULL
JOIN core.parcels p ON p.valid_to IS NULL AND p.geom && b.geom
JOIN ap_scope s ON s.id = p.id
CROSS JOIN LATERAL (SELECT analysis.overlap_m2(b.geom, b.footprint_m2, p.geom) AS m2) o
WHERE o.m2 >= :building_min_overlap_m2;

CREATE UNLOGGED TABLE ap_vacant AS
SELECT o.parcel_id, sum(o.m2) AS vacant_m2
FROM ap_vacant_pairs o
WHERE o.building_id IN (SELECT building_id FROM ap_vacancies WHERE scope = 'whole_building')
GROUP BY o.parcel_id;

CREATE UNLOGGED TABLE ap_held AS
SELECT DISTINCT flurstueckskennzeichen AS key FROM core.pool_held(NULL, current_date);

CREATE UNLOGGED TABLE ap_windows AS
WITH cells AS (
    SELECT cx, cy, sum(area_m2) AS area_m2, sum(built_m2) AS built_m2
    FROM ap_scope WHERE building_land GROUP BY cx, cy
)
SELECT n.cx + o.dx AS cx, n.cy + o.dy AS cy, sum(n.area_m2) AS area_m2, sum(n.built_m2) AS built_m2
FROM cells n
CROSS JOIN (VALUES (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1)) o (dx, dy)
GROUP BY 1, 2;

CREATE VIEW ap_parcels AS
SELECT p.*,
       p.built_m2 / p.area_m2 AS built_share,
       CASE WHEN p.built_m2 > 0 THEN least(1, p.vacant_m2 / p.built_m2) END AS vacant_share,
       CASE WHEN s.area_m2 >= 1 THEN s.built_m2 / s.area_m2 END AS surrounding_share
FROM (
    SELECT s.id, s.key, s.municipality_ags, s.land_use, s.area_m2, s.cx, s.cy, s.recorded, s.contamination_class,
           s.built_m2, s.buildings, coalesce(v.vacant_m2, 0) AS vacant_m2, s.building_land, s.brownfield_land,
           h.key IS NOT NULL AS held
    FROM ap_scope s
    LEFT JOIN ap_vacant v ON v.parcel_id = s.id
    LEFT JOIN ap_held h ON h.key = s.key
) p
LEFT JOIN ap_windows w ON w.cx = p.cx AND w.cy = p.cy
CROSS JOIN LATERAL (
    SELECT coalesce(w.area_m2, 0) - CASE WHEN p.building_land THEN p.area_m2 ELSE 0 END AS area_m2,
           coalesce(w.built_m2, 0) - CASE WHEN p.building_land THEN p.built_m2 ELSE 0 END AS built_m2
) s
