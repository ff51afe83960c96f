-- Potential analysis, step 7: Brachflächen (brownfields). A parcel on industrial, commercial or
-- railway land (:brownfield_land_uses; parcels without land use: the land-use layer's
-- :brownfield_land_use_classes) without buildings or with all of them vacant, or a parcel the
-- land-use layer records as brownfield (:brownfield_recorded_classes). Parcels within
-- :neighbour_distance_m of each other in one municipality form one candidate (DBSCAN, set-based),
-- which must reach :brownfield_min_area_m2 and be :brownfield_min_width_m wide (analysis.fits_width;
-- the width is kept for the scoring).
CREATE UNLOGGED TABLE ap_brownfields AS
WITH parcels AS (
    SELECT p.*, cp.geom,
           CASE WHEN p.recorded THEN 'recorded' WHEN p.buildings = 0 THEN 'unbuilt' ELSE 'all_vacant' END AS reason
    FROM ap_parcels p JOIN core.parcels cp ON cp.id = p.id
    WHERE p.recorded OR (p.brownfield_land AND (p.buildings = 0 OR p.vacant_share >= 0.999))
),
clustered AS (
    SELECT parcels.*,
           ST_ClusterDBSCAN(geom, :neighbour_distance_m, 1) OVER (PARTITION BY municipality_ags) AS cluster
    FROM parcels
),
merged AS (
    SELECT municipality_ags, array_agg(key ORDER BY key) AS keys,
           ST_Multi(ST_CollectionExtract(ST_UnaryUnion(ST_Collect(geom)), 3)) AS geom,
           sum(area_m2) AS parcels_m2, coalesce(sum(area_m2) FILTER (WHERE held), 0) AS held_m2,
           sum(buildings) AS buildings, sum(built_m2) AS built_m2,
           array_agg(DISTINCT reason ORDER BY reason) AS reasons,
           array_agg(DISTINCT land_use ORDER BY land_use) FILTER (WHERE land_use IS NOT NULL) AS land_uses,
           bool_or(contamination_class OR land_use = ANY(CAST(:contamination_land_uses AS text[]))) AS hint
    FROM clustered GROUP BY municipality_ags, cluster
)
SELECT m.*, ST_Area(m.geom) AS area_m2 FROM merged m;

CREATE UNLOGGED TABLE ap_brownfields_wide AS
SELECT m.*, analysis.width(m.geom) AS width FROM ap_brownfields m WHERE m.area_m2 >= :brownfield_min_area_m2;

CREATE UNLOGGED TABLE ap_found_brownfield AS
SELECT 'brownfield' AS kind, m.municipality_ags, m.keys AS parcels, '{}'::bigint[] AS buildings,
       array_to_string(m.keys, ',') AS identity, m.geom, m.parcels_m2, m.held_m2, m.hint,
       jsonb_build_object('rule', 'brownfield', 'reasons', to_jsonb(m.reasons), 'land_uses', to_jsonb(m.land_uses),
                          'parcels', cardinality(m.keys), 'area_m2', round(m.area_m2::numeric, 1),
                          'min_width_m', :brownfield_min_width_m, 'buildings', m.buildings,
                          'built_m2', round(m.built_m2::numeric, 1)) AS detection,
       m.width
FROM ap_brownfields_wide m
WHERE analysis.fits_width(m.geom, m.width, :brownfield_min_width_m)
