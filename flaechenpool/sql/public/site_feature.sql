-- One published site (row p of core.public_sites) as a GeoJSON Feature with its public fields;
-- geometry, bbox and label point in :srid with :d decimals. Used by public/sites.sql and for one site.
json_build_object(
    'type', 'Feature',
    'id', p.id,
    'bbox', (SELECT json_build_array(round(ST_XMin(b)::numeric, :d), round(ST_YMin(b)::numeric, :d),
                                     round(ST_XMax(b)::numeric, :d), round(ST_YMax(b)::numeric, :d))
             FROM (SELECT ST_Transform(p.geom, CAST(:srid AS integer))::box2d AS b) e),
    'geometry', ST_AsGeoJSON(ST_Transform(p.geom, CAST(:srid AS integer)), :d)::json,
    'properties', json_build_object(
        'id', p.id,
        'name', p.name,
        'municipality_ags', p.municipality_ags,
        'municipality', p.municipality,
        'kind', p.kind,
        'status', p.status,
        'uses', p.uses,
        'availability', p.availability,
        'available_from', p.available_from,
        'area_m2', round(p.area_m2),
        'asking_price_eur_m2', p.asking_price_eur_m2::float8,
        'price_on_request', p.asking_price_eur_m2 IS NULL,
        'planning_law', p.planning_law,
        'land_use_type', p.land_use_type,
        'land_use_type_name', p.land_use_type_name,
        'utilities', p.utilities,
        'broadband_mbit', p.broadband_mbit,
        'estate', p.estate,
        'public_description', p.public_description,
        'contact_office', p.contact_office,
        'station_name', p.station_name,
        'station_distance_m', round(p.station_distance_m),
        'junction_name', p.junction_name,
        'junction_distance_m', round(p.junction_distance_m),
        'label_point', (SELECT json_build_array(round(ST_X(l)::numeric, :d), round(ST_Y(l)::numeric, :d))
                        FROM (SELECT ST_Transform(ST_PointOnSurface(p.geom), CAST(:srid AS integer)) AS l) lp),
        -- the land value (Bodenrichtwert) of the newest reference date over the site, weighted by area; where
        -- zones overlap, those of building land for the site's use (ref.land_value_zones)
        'land_value', (SELECT CASE WHEN sum(v.m2) > 0 THEN json_build_object(
                                  'value_eur_m2', round((sum(v.value_eur_m2 * v.m2) / sum(v.m2))::numeric, 2),
                                  'reference_date', max(v.reference_date),
                                  'illustrative', bool_or(v.provenance = 'illustrative')) END
                       FROM ref.land_value_zones(p.geom, ref.site_use_class(p.land_use_type, p.uses)) v),
        -- areas of special urban law over the site: a redevelopment area or development zone (§§ 136 ff., 165 ff.
        -- BauGB), an urban restructuring or preservation statute (§§ 171d, 172 BauGB), which bind building there
        'urban_renewal_areas', (SELECT json_agg(json_build_object('name', a.name, 'kind', a.kind) ORDER BY a.name)
                                FROM ref.preemption_areas a
                                WHERE a.kind = ANY (CAST(:renewal_kinds AS text[]))
                                  AND ST_Intersects(a.geom, p.geom)
                                  AND ST_Area(ST_Intersection(a.geom, p.geom)) > 0.01 * ST_Area(p.geom)),
        'provenance', p.provenance,
        'illustrative', p.provenance = 'illustrative',
        'updated_at', p.updated_at,
        'expose_url', '/flaechen/' || p.id,
        'expose_pdf_url', '/flaechen/' || p.id || '/expose.pdf',
        'inquiry_url', '/api/public/sites/' || p.id || '/inquiries',
        -- the first photo's thumbnail for lists (its caption is the photo's text alternative)
        'thumbnail', (SELECT json_build_object('url', '/api/public/sites/' || ph.site_id || '/photos/' || ph.id
                                                      || '/thumbnail', 'caption', ph.caption)
                      FROM core.public_site_photos ph WHERE ph.site_id = p.id ORDER BY ph.position, ph.id LIMIT 1)
    )
)
