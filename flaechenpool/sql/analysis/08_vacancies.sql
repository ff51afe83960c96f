-- Potential analysis, step 8: vacancy kinds from the vacancy register, one candidate per building:
-- Althofstelle (old_farmstead: a vacant farm building; the candidate is the land it stands on, else its
-- footprint), leerstehendes Gebäude (vacant_building: a whole-building vacancy) and Leerstand in einem
-- Gebäude (partial_vacancy: only partial vacancies recorded). A vacancy without a building is placed
-- on the parcel at its point (identity: that parcel); one with neither is left out (counted by the run).
CREATE UNLOGGED TABLE ap_found_vacancy AS
WITH per_building AS (
    SELECT v.building_id, min(v.municipality_ags) AS municipality_ags, bool_or(v.scope = 'whole_building') AS whole,
           bool_or(v.farm) AS farm, array_agg(v.vacancy_id ORDER BY v.vacancy_id) AS vacancies,
           min(v.vacant_since) AS vacant_since
    FROM ap_vacancies v WHERE v.building_id IS NOT NULL GROUP BY v.building_id
),
on_parcels AS (
    SELECT o.building_id, array_agg(p.id ORDER BY p.key) AS parcel_ids, array_agg(p.key ORDER BY p.key) AS keys,
           sum(p.area_m2) AS parcels_m2, coalesce(sum(p.area_m2) FILTER (WHERE p.held), 0) AS held_m2,
           bool_or(p.contamination_class OR p.land_use = ANY(CAST(:contamination_land_uses AS text[]))) AS hint
    FROM ap_vacant_pairs o JOIN per_building pb ON pb.building_id = o.building_id JOIN ap_parcels p ON p.id = o.parcel_id
    GROUP BY o.building_id
),
buildings AS (
    SELECT CASE WHEN pb.farm THEN 'old_farmstead' WHEN pb.whole THEN 'vacant_building' ELSE 'partial_vacancy' END AS kind,
           pb.*, b.geom AS footprint, b.footprint_m2, b.function, coalesce(b.alkis_id, b.id::text) AS building_key,
           op.parcel_ids, op.keys, op.parcels_m2, op.held_m2, op.hint
    FROM per_building pb
    JOIN core.buildings b ON b.id = pb.building_id
    LEFT JOIN on_parcels op ON op.building_id = pb.building_id
),
unlocated AS (
    SELECT v.municipality_ags, p.id AS parcel_id, p.key, p.area_m2, p.held, cp.geom,
           bool_or(v.scope = 'whole_building') AS whole, bool_or(v.farm) AS farm,
           array_agg(v.vacancy_id ORDER BY v.vacancy_id) AS vacancies, min(v.vacant_since) AS vacant_since,
           bool_or(p.contamination_class OR p.land_use = ANY(CAST(:contamination_land_uses AS text[]))) AS hint
    FROM ap_vacancies v
    JOIN core.parcels cp ON cp.valid_to IS NULL AND cp.geom && v.geom AND ST_Intersects(cp.geom, v.geom)
    JOIN ap_parcels p ON p.id = cp.id
    WHERE v.building_id IS NULL
    GROUP BY v.municipality_ags, p.id, p.key, p.area_m2, p.held, cp.geom
)
SELECT b.kind, b.municipality_ags, coalesce(b.keys, '{}') AS parcels, ARRAY[b.building_id] AS buildings,
       'b' || b.building_key AS identity,
       CASE WHEN b.kind = 'old_farmstead' AND b.parcel_ids IS NOT NULL
            THEN (SELECT ST_Multi(ST_CollectionExtract(ST_UnaryUnion(ST_Collect(cp.geom)), 3))
                  FROM core.parcels cp WHERE cp.id = ANY(b.parcel_ids))
            ELSE ST_Multi(b.footprint) END AS geom,
       b.parcels_m2, b.held_m2, coalesce(b.hint, false) AS hint,
       jsonb_build_object('rule', b.kind, 'vacancies', to_jsonb(b.vacancies), 'vacant_since', b.vacant_since,
                          'building', b.building_id, 'building_function', b.function,
                          'footprint_m2', round(b.footprint_m2::numeric, 1), 'farm_building', b.farm,
                          'whole_building', b.whole) AS detection,
       NULL::double precision AS width
FROM buildings b
UNION ALL
SELECT CASE WHEN u.farm THEN 'old_farmstead' WHEN u.whole THEN 'vacant_building' ELSE 'partial_vacancy' END,
       u.municipality_ags, ARRAY[u.key], '{}', u.key, ST_Multi(u.geom), u.area_m2,
       CASE WHEN u.held THEN u.area_m2 ELSE 0 END, u.hint,
       jsonb_build_object('rule', CASE WHEN u.farm THEN 'old_farmstead' WHEN u.whole THEN 'vacant_building'
                                       ELSE 'partial_vacancy' END,
                          'vacancies', to_jsonb(u.vacancies), 'vacant_since', u.vacant_since, 'building', NULL,
                          'located_by', 'parcel at the recorded point', 'whole_building', u.whole),
       NULL
FROM unlocated u
