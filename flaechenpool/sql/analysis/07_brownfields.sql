-- Potential analysis, step 7: Brachflächen (brownfields). A parcel on industrial, commercial or
-- railway land (:brownfield_land_uses; parcels without land use: the land-use layer's
-- :brownfield_land_use_classes) without buildings or with all of them vacant, or a parcel the
-- land-use layer records as brownfield (:brownfield_recorded_classes). Parcels within
-- :neighbour_distance_m of each other in one municipality form one candidate (DBSCAN, set-based),
-- which must reach :brownfield_min_area_m2 and :brownfield_min_width_m (analysis.fits_width).
INSERT INTO analysis.work_found (kind, municipality_ags, parcels, identity, geom, parcels_m2, held_m2, hint,
                                 detection)
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
SELECT 'brownfield', m.municipality_ags, m.keys, array_to_string(m.keys, ','), m.geom, m.parcels_m2,
       m.held_m2, m.hint,
       jsonb_build_object('rule', 'brownfield', 'reasons', to_jsonb(m.reasons), 'land_uses', to_jsonb(m.land_uses),
                          'parcels', cardinality(m.keys), 'area_m2', round(ST_Area(m.geom)::numeric, 1),
                          'min_width_m', :brownfield_min_width_m, 'buildings', m.buildings,
                          'built_m2', round(m.built_m2::numeric, 1))
FROM merged m
WHERE ST_Area(m.geom) >= :brownfield_min_area_m2 AND analysis.fits_width(m.geom, :brownfield_min_width_m)
