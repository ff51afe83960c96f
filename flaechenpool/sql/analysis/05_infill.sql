-- Potential analysis, step 5: Baulücken (infill gaps). A parcel on infill land (:infill_land_uses)
-- without a building, with an area between :infill_min_area_m2 and :infill_max_area_m2, in built-up
-- surroundings (built share >= :infill_min_surrounding_share), at least :infill_min_width_m wide
-- (diameter of the largest inscribed circle: a 2 m strip is no gap) and with at least
-- :infill_min_built_neighbours built neighbours (parcels on building land within :neighbour_distance_m:
-- touching, or across a digitising gap; a house reaching over the street line does not make the street one). Width (analysis.fits_width) and neighbours are tested only for the parcels
-- left by the cheap tests, neighbours through the GiST index of core.parcels.
INSERT INTO analysis.work_found (kind, municipality_ags, parcels, identity, geom, parcels_m2, held_m2, hint,
                                 detection)
WITH pre AS MATERIALIZED (  -- the cheap tests first, so the width is measured on what is left
    SELECT p.*, cp.geom
    FROM ap_parcels p JOIN core.parcels cp ON cp.id = p.id
    WHERE NOT p.recorded AND p.buildings = 0
      AND p.land_use = ANY(CAST(:infill_land_uses AS text[]))
      AND p.area_m2 BETWEEN :infill_min_area_m2 AND :infill_max_area_m2
      AND p.surrounding_share >= :infill_min_surrounding_share
),
wide AS (
    SELECT pre.* FROM pre WHERE analysis.fits_width(pre.geom, :infill_min_width_m)
),
neighbours AS (
    SELECT w.id, count(*) AS total, count(*) FILTER (WHERE n.buildings > 0 AND n.building_land) AS built
    FROM wide w
    JOIN core.parcels q ON q.valid_to IS NULL AND q.id <> w.id AND ST_DWithin(q.geom, w.geom, :neighbour_distance_m)
    JOIN ap_parcels n ON n.id = q.id
    GROUP BY w.id
)
SELECT 'infill_gap', w.municipality_ags, ARRAY[w.key], w.key, ST_Multi(w.geom), w.area_m2,
       CASE WHEN w.held THEN w.area_m2 ELSE 0 END, w.contamination_class,
       jsonb_build_object('rule', 'infill_gap', 'land_use', w.land_use, 'area_m2', round(w.area_m2::numeric, 1),
                          'min_width_m', :infill_min_width_m, 'buildings', 0,
                          'neighbours', n.total, 'built_neighbours', n.built,
                          'surrounding_built_share', round(w.surrounding_share::numeric, 4))
FROM wide w JOIN neighbours n ON n.id = w.id
WHERE n.built >= :infill_min_built_neighbours
