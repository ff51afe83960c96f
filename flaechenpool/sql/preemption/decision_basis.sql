-- What the land office weighs before it decides a pre-emption case (Entscheidungsgrundlage), for the land of the
-- notice: the case's parcels as they were when it was recorded (their outline core.preemption_cases.geom, the
-- same the decision paper's map draws; official areas and uses of the current version of each parcel, else of
-- its last one, so a split or merge since does not lose the land). It gives the areas of pre-emption rights over
-- the land (does a right exist?), the price per m², the sites
-- the parcels belong to, the candidates of the newest finished
-- analysis run of the municipality that hold them, the zoning plans over them (share of the land), the
-- shares in flood zones and protected areas, the municipal land pool next to them (parcels the
-- municipality holds today within 1 m: land it could join them to), and the land value (Bodenrichtwert)
-- of the newest reference date over the land (where zones overlap, building land first: ref.land_value_zones):
-- the area-weighted value per m², the estimate for the
-- official area and the contract price against it (§ 28 (3) BauGB: a price well above the market value
-- allows exercising the right at that value).
WITH c AS (
    SELECT id, municipality_ags, parcels, price_eur, geom FROM core.preemption_cases WHERE id = :case_id
), notified AS (      -- each parcel of the notice: its current version, else its last (as core.parcels_outline)
    SELECT DISTINCT ON (p.flurstueckskennzeichen) p.flurstueckskennzeichen, p.official_area_m2, p.land_use
    FROM core.parcels p, c
    WHERE p.flurstueckskennzeichen = ANY (c.parcels)
    ORDER BY p.flurstueckskennzeichen, p.valid_to DESC NULLS FIRST
), land AS (
    SELECT c.geom, (SELECT sum(official_area_m2) FROM notified) AS official_m2 FROM c
), value_zones AS (   -- for the use of the largest parcel where zones overlap
    SELECT z.* FROM land, ref.land_value_zones(land.geom, (
        SELECT ref.parcel_use_class(n.land_use) FROM notified n
        ORDER BY n.official_area_m2 DESC NULLS LAST, n.flurstueckskennzeichen LIMIT 1)) z
), land_value AS (
    SELECT max(reference_date) AS reference_date, sum(value_eur_m2 * m2) / nullif(sum(m2), 0) AS eur_m2,
           ST_Area(ST_Union(counted)) AS m2, bool_or(provenance = 'illustrative') AS illustrative,
           json_agg(json_build_object('zone_number', zone_number, 'name', name, 'value_eur_m2', value_eur_m2,
                                      'use', use, 'development_state', development_state) ORDER BY m2 DESC) AS zones
    FROM value_zones
), newest_run AS (
    SELECT r.id FROM analysis.runs r, c
    WHERE r.finished_at IS NOT NULL AND (r.municipalities IS NULL OR c.municipality_ags = ANY (r.municipalities))
    ORDER BY r.started_at DESC, r.id DESC
    LIMIT 1
)
SELECT json_build_object(
    'area_m2', land.official_m2,
    'price_eur_m2', round(c.price_eur / nullif(land.official_m2, 0), 2),
    'sites', (
        SELECT coalesce(json_agg(json_build_object('id', s.id, 'name', s.name, 'kind', s.kind, 'status', s.status)
                                 ORDER BY s.id), '[]')
        FROM core.sites s
        WHERE s.retired_at IS NULL AND EXISTS (
            SELECT 1 FROM core.site_parcels sp WHERE sp.site_id = s.id AND sp.flurstueckskennzeichen = ANY (c.parcels))),
    'analysis_run', (SELECT id FROM newest_run),
    'candidates', (
        SELECT coalesce(json_agg(json_build_object('id', k.id, 'kind', k.kind, 'score', k.score, 'rank', k.rank)
                                 ORDER BY k.rank), '[]')
        FROM analysis.candidates k
        WHERE k.run_id = (SELECT id FROM newest_run) AND k.parcels && c.parcels),
    'zoning_plans', (
        SELECT coalesce(json_agg(json_build_object('id', z.id, 'name', z.name, 'plan_number', z.plan_number,
                                                   'land_use_type', z.land_use_type, 'legal_status', z.legal_status,
                                                   'share', round(z.share::numeric, 3)) ORDER BY z.share DESC, z.id), '[]')
        FROM (SELECT zp.*, ST_Area(ST_Intersection(zp.geom, land.geom)) / nullif(ST_Area(land.geom), 0) AS share
              FROM ref.zoning_plans zp
              WHERE zp.municipality_ags = c.municipality_ags AND zp.legal_status <> 'repealed'
                AND ST_Intersects(zp.geom, land.geom)) z
        WHERE z.share >= 0.001),
    -- the areas of pre-emption rights over the land (share of it), and the legal basis each gives
    'preemption_areas', (
        SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'kind', a.kind,
                                                   'legal_basis', ref.preemption_legal_basis(a.kind),
                                                   'share', round(a.share::numeric, 3)) ORDER BY a.share DESC, a.id), '[]')
        FROM (SELECT pa.*, ST_Area(ST_Intersection(pa.geom, land.geom)) / nullif(ST_Area(land.geom), 0) AS share
              FROM ref.preemption_areas pa
              WHERE pa.municipality_ags = c.municipality_ags AND ST_Intersects(pa.geom, land.geom)) a
        WHERE a.share >= 0.001),
    -- earlier notices on any of the parcels, and what was decided
    'earlier_cases', (
        SELECT coalesce(json_agg(json_build_object('id', e.id, 'file_reference', e.file_reference,
                                                   'notified_on', e.notified_on, 'decision', e.decision,
                                                   'decided_on', e.decided_on) ORDER BY e.notified_on DESC, e.id), '[]')
        FROM core.preemption_cases e
        WHERE e.parcels && c.parcels AND e.id <> c.id AND e.municipality_ags = c.municipality_ags),
    'flood_zone_share', (
        SELECT round(coalesce(ST_Area(ST_Intersection(ST_Union(f.geom), land.geom)) / nullif(ST_Area(land.geom), 0), 0)
                     ::numeric, 3)
        FROM ref.flood_zones f WHERE ST_Intersects(f.geom, land.geom)),
    'protected_area_share', (
        SELECT round(coalesce(ST_Area(ST_Intersection(ST_Union(a.geom), land.geom)) / nullif(ST_Area(land.geom), 0), 0)
                     ::numeric, 3)
        FROM ref.protected_areas a WHERE ST_Intersects(a.geom, land.geom)),
    'municipal_neighbours', (
        SELECT json_build_object('parcels', count(*), 'area_m2', coalesce(sum(h.area_m2), 0),
                                 'keys', coalesce(json_agg(h.flurstueckskennzeichen ORDER BY h.flurstueckskennzeichen),
                                                  '[]'))
        FROM core.pool_held(c.municipality_ags, current_date) h
        JOIN core.parcels q ON q.flurstueckskennzeichen = h.flurstueckskennzeichen AND q.valid_to IS NULL
        WHERE NOT h.flurstueckskennzeichen = ANY (c.parcels) AND ST_DWithin(q.geom, land.geom, 1)),
    'land_value', CASE WHEN lv.eur_m2 IS NOT NULL THEN json_build_object(
        'reference_date', lv.reference_date,
        'value_eur_m2', round(lv.eur_m2::numeric, 2),
        'covered_share', round((lv.m2 / nullif(ST_Area(land.geom), 0))::numeric, 3),
        'estimate_eur', round((lv.eur_m2 * land.official_m2)::numeric, 0),
        'price_ratio', round((c.price_eur / nullif(lv.eur_m2 * land.official_m2, 0))::numeric, 2),
        'illustrative', lv.illustrative,
        'zones', lv.zones) END
)::text
FROM c, land, land_value lv
