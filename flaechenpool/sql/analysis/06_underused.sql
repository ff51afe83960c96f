-- Potential analysis, step 6: untergenutzte Flächen and Restnutzung.
-- underused: a built parcel on building land of at least :underused_min_area_m2 whose built share is
--   below :underused_max_ratio × the built share of its surroundings (which must reach
--   :underused_min_surrounding_share, so open country is not "underused").
-- residual_use: industrial/commercial/railway land (brownfield land) still built on, with at least
--   :residual_min_vacant_share of the footprint vacant but not all of it (all vacant: a brownfield).
-- The last condition follows from the kinds; it lets the cheap tests run before the surroundings.
CREATE UNLOGGED TABLE ap_underused AS
SELECT c.kind, p.*
FROM ap_parcels p
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN p.brownfield_land AND p.vacant_share >= :residual_min_vacant_share THEN
            CASE WHEN p.vacant_share < 0.999 AND p.area_m2 >= :brownfield_min_area_m2 THEN 'residual_use' END
        WHEN p.building_land AND p.area_m2 >= :underused_min_area_m2
             AND p.surrounding_share >= :underused_min_surrounding_share
             AND p.built_share < :underused_max_ratio * p.surrounding_share THEN 'underused'
    END AS kind
) c
WHERE NOT p.recorded AND p.buildings > 0 AND c.kind IS NOT NULL
  AND (p.brownfield_land OR (p.building_land AND p.area_m2 >= :underused_min_area_m2));

CREATE UNLOGGED TABLE ap_found_underused AS
SELECT p.kind, p.municipality_ags, ARRAY[p.key] AS parcels, '{}'::bigint[] AS buildings, p.key AS identity,
       ST_Multi(cp.geom) AS geom, p.area_m2 AS parcels_m2, CASE WHEN p.held THEN p.area_m2 ELSE 0 END AS held_m2,
       p.contamination_class OR p.land_use = ANY(CAST(:contamination_land_uses AS text[])) AS hint,
       jsonb_build_object('rule', p.kind, 'land_use', p.land_use, 'area_m2', round(p.area_m2::numeric, 1),
                          'buildings', p.buildings, 'built_m2', round(p.built_m2::numeric, 1),
                          'built_share', round(p.built_share::numeric, 4),
                          'surrounding_built_share', round(p.surrounding_share::numeric, 4),
                          'vacant_share', round(p.vacant_share::numeric, 4)) AS detection,
       NULL::double precision AS width
FROM ap_underused p
JOIN core.parcels cp ON cp.id = p.id
