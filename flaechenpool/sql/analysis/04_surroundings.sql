-- Potential analysis, step 4: the built share of the surroundings of every grid cell: the parcels
-- on building land (:building_land_uses, or without land use) whose centroid lies in the 3 × 3 cells
-- around it; and as view ap_parcels every parcel of the run with its built share, the vacant part of
-- its buildings and the built share of its surroundings, itself excluded.
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
FROM ap_scope p
LEFT JOIN ap_windows w ON w.cx = p.cx AND w.cy = p.cy
CROSS JOIN LATERAL (
    SELECT coalesce(w.area_m2, 0) - CASE WHEN p.building_land THEN p.area_m2 ELSE 0 END AS area_m2,
           coalesce(w.built_m2, 0) - CASE WHEN p.building_land THEN p.built_m2 ELSE 0 END AS built_m2
) s
