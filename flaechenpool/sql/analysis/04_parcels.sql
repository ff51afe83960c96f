-- Potential analysis, step 4: per parcel its built area and buildings, the part of it in buildings
-- vacant as a whole, whether the municipal land pool holds it today, the land-use flags the rules
-- use, and the built share of its surroundings: the parcels on building land (:building_land_uses,
-- or without land use) whose centroid lies in the 3 × 3 grid cells around its own, itself excluded.
-- Hash joins and aggregates only: linear in the number of parcels.
CREATE TEMP TABLE ap_parcels AS
WITH vacant AS (
    SELECT building_id, bool_or(scope = 'whole_building') AS whole
    FROM ap_vacancies WHERE building_id IS NOT NULL GROUP BY building_id
),
built AS (
    SELECT o.parcel_id, sum(o.m2) AS built_m2, count(*) AS buildings,
           coalesce(sum(o.m2) FILTER (WHERE v.whole), 0) AS vacant_m2
    FROM ap_overlaps o LEFT JOIN vacant v ON v.building_id = o.building_id
    GROUP BY o.parcel_id
),
held AS (
    SELECT DISTINCT flurstueckskennzeichen AS key FROM core.pool_held(NULL, current_date)
),
parcels AS (
    SELECT s.id, s.key, s.municipality_ags, s.land_use, s.area_m2, s.cx, s.cy, s.recorded, s.contamination_class,
           coalesce(b.built_m2, 0) AS built_m2, coalesce(b.buildings, 0)::integer AS buildings,
           coalesce(b.vacant_m2, 0) AS vacant_m2,
           (s.land_use IS NULL OR s.land_use = ANY(CAST(:building_land_uses AS text[]))) AS building_land,
           (s.land_use = ANY(CAST(:brownfield_land_uses AS text[])) OR (s.land_use IS NULL AND s.brownfield_class))
               AS brownfield_land,
           h.key IS NOT NULL AS held
    FROM ap_scope s
    LEFT JOIN built b ON b.parcel_id = s.id
    LEFT JOIN held h ON h.key = s.key
),
cells AS (
    SELECT cx, cy, sum(area_m2) FILTER (WHERE building_land) AS area_m2,
           sum(built_m2) FILTER (WHERE building_land) AS built_m2
    FROM parcels GROUP BY cx, cy
),
windows AS (
    SELECT c.cx, c.cy, sum(n.area_m2) AS area_m2, sum(n.built_m2) AS built_m2
    FROM cells c
    CROSS JOIN (VALUES (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1)) o (dx, dy)
    JOIN cells n ON n.cx = c.cx + o.dx AND n.cy = c.cy + o.dy
    GROUP BY c.cx, c.cy
)
SELECT p.*,
       p.built_m2 / p.area_m2 AS built_share,
       CASE WHEN p.built_m2 > 0 THEN least(1, p.vacant_m2 / p.built_m2) END AS vacant_share,
       CASE WHEN s.area_m2 >= 1 THEN s.built_m2 / s.area_m2 END AS surrounding_share
FROM parcels p
LEFT JOIN windows w ON w.cx = p.cx AND w.cy = p.cy
CROSS JOIN LATERAL (
    SELECT coalesce(w.area_m2, 0) - CASE WHEN p.building_land THEN p.area_m2 ELSE 0 END AS area_m2,
           coalesce(w.built_m2, 0) - CASE WHEN p.building_land THEN p.built_m2 ELSE 0 END AS built_m2
) s
