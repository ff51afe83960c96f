-- Potential analysis, step 4: per parcel its built area, buildings, vacant share, municipal ownership
-- (land pool today) and the built share of its surroundings: the parcels on building land
-- (:building_land_uses, or without land use) whose centroid lies in the 3 × 3 grid cells around
-- its own, itself excluded.
CREATE TEMP TABLE ap_parcels ON COMMIT DROP AS
WITH built AS (
    SELECT parcel_id, sum(m2) AS built_m2, count(*) AS buildings,
           coalesce(sum(m2) FILTER (WHERE vacant), 0) AS vacant_m2,
           count(*) FILTER (WHERE any_vacancy) AS vacancy_buildings
    FROM ap_overlaps GROUP BY parcel_id
),
parcels AS (
    SELECT s.id, s.key, s.municipality_ags, s.land_use, s.area_m2, s.cx, s.cy,
           coalesce(b.built_m2, 0) AS built_m2, coalesce(b.buildings, 0) AS buildings,
           coalesce(b.vacant_m2, 0) AS vacant_m2, coalesce(b.vacancy_buildings, 0) AS vacancy_buildings,
           (s.land_use IS NULL OR s.land_use = ANY(CAST(:building_land_uses AS text[]))) AS building_land,
           h.flurstueckskennzeichen IS NOT NULL AS held
    FROM ap_scope s
    LEFT JOIN built b ON b.parcel_id = s.id
    LEFT JOIN (SELECT DISTINCT flurstueckskennzeichen FROM core.pool_held(NULL, current_date)) h
           ON h.flurstueckskennzeichen = s.key
),
cells AS (
    SELECT cx, cy, sum(area_m2) AS area_m2, sum(built_m2) AS built_m2
    FROM parcels WHERE building_land GROUP BY cx, cy
),
windows AS (
    SELECT c.cx, c.cy, sum(n.area_m2) AS area_m2, sum(n.built_m2) AS built_m2
    FROM cells c
    CROSS JOIN (VALUES (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1)) o (dx, dy)
    JOIN cells n ON n.cx = c.cx + o.dx AND n.cy = c.cy + o.dy
    GROUP BY c.cx, c.cy
)
SELECT p.*, p.built_m2 / p.area_m2 AS built_share,
       CASE WHEN o.area_m2 >= 1 THEN o.built_m2 / o.area_m2 END AS surrounding_share
FROM parcels p
LEFT JOIN windows w ON w.cx = p.cx AND w.cy = p.cy
CROSS JOIN LATERAL (SELECT w.area_m2 - CASE WHEN p.building_land THEN p.area_m2 ELSE 0 END AS area_m2,
                           w.built_m2 - CASE WHEN p.building_land THEN p.built_m2 ELSE 0 END AS built_m2) o
