-- Potential analysis, step 5: Baulücken (infill gaps). A parcel on infill land (:infill_land_uses)
-- without a building, with an area between :infill_min_area_m2 and :infill_max_area_m2, in built-up
-- surroundings (built share >= :infill_min_surrounding_share), with at least
-- :infill_min_built_neighbours built neighbours (parcels on building land within :neighbour_distance_m:
-- touching, or across a digitising gap; a house reaching over the street line does not make the
-- street one) and at least :infill_min_width_m wide (diameter of the largest inscribed circle: a 2 m
-- strip is no gap). The cheap tests first; neighbours through the GiST index of core.parcels; the
-- width (analysis.width, kept for the scoring) only of what is left. Joins and aggregates rather than
-- LATERAL subqueries, so that parallel workers share the work.
CREATE UNLOGGED TABLE ap_pre AS
SELECT p.id, p.key, p.municipality_ags, p.land_use, p.area_m2, p.held, p.contamination_class, p.surrounding_share,
       cp.geom
FROM ap_parcels p
JOIN core.parcels cp ON cp.id = p.id
WHERE NOT p.recorded AND p.buildings = 0
  AND p.land_use = ANY(CAST(:infill_land_uses AS text[]))
  AND p.area_m2 BETWEEN :infill_min_area_m2 AND :infill_max_area_m2
  AND p.surrounding_share >= :infill_min_surrounding_share;

ANALYZE ap_pre (id);

CREATE UNLOGGED TABLE ap_neighbours AS
SELECT w.id, count(*) AS total, count(*) FILTER (WHERE q.buildings > 0 AND q.building_land) AS built
FROM ap_pre w
JOIN core.parcels c ON c.valid_to IS NULL AND c.id <> w.id AND ST_DWithin(c.geom, w.geom, :neighbour_distance_m)
JOIN ap_scope q ON q.id = c.id
GROUP BY w.id;

-- The width in a scan of its own: the planner does not share the expressions of a join's output
-- among workers, but it does a scan's (parallel_workers: from the first MB on, as the run's other tables).
CREATE UNLOGGED TABLE ap_gap_parcels WITH (parallel_workers = 2) AS
SELECT w.*, n.total AS neighbours, n.built AS built_neighbours
FROM ap_pre w
JOIN ap_neighbours n ON n.id = w.id
WHERE n.built >= :infill_min_built_neighbours;

CREATE UNLOGGED TABLE ap_gaps AS
SELECT g.*, analysis.width(g.geom) AS width FROM ap_gap_parcels g;

-- At least the minimum width (analysis.fits_width, given the width).
CREATE UNLOGGED TABLE ap_found_infill AS
SELECT 'infill_gap' AS kind, g.municipality_ags, ARRAY[g.key] AS parcels, '{}'::bigint[] AS buildings,
       g.key AS identity, ST_Multi(g.geom) AS geom, g.area_m2 AS parcels_m2,
       CASE WHEN g.held THEN g.area_m2 ELSE 0 END AS held_m2, g.contamination_class AS hint,
       jsonb_build_object('rule', 'infill_gap', 'land_use', g.land_use, 'area_m2', round(g.area_m2::numeric, 1),
                          'min_width_m', :infill_min_width_m, 'buildings', 0,
                          'neighbours', g.neighbours, 'built_neighbours', g.built_neighbours,
                          'surrounding_built_share', round(g.surrounding_share::numeric, 4)) AS detection,
       g.width
FROM ap_gaps g
WHERE analysis.fits_width(g.geom, g.width, :infill_min_width_m)
