-- Public construction projects (core.public_construction_projects) as a GeoJSON FeatureCollection for
-- GET /api/public/projects. flaechenpool/projects.py puts whitelisted filters with bound parameters in
-- place of the marker; as it stands the query runs in psql with :srid and :d bound.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'number_matched', count(*),
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'id', p.id,
        'geometry', ST_AsGeoJSON(ST_Transform(p.geom, CAST(:srid AS integer)), :d)::json,
        'properties', json_build_object(
            'id', p.id,
            'name', p.name,
            'description', p.description,
            'kind', p.kind,
            'status', p.status,
            'start_on', p.start_on,
            'end_on', p.end_on,
            'builder_type', p.builder_type,
            'builder_name', p.builder_name,
            'municipality_ags', p.municipality_ags,
            'municipality', p.municipality,
            'label_point', (SELECT json_build_array(round(ST_X(l)::numeric, :d), round(ST_Y(l)::numeric, :d))
                            FROM (SELECT ST_Transform(ST_PointOnSurface(p.geom), CAST(:srid AS integer)) AS l) lp),
            'provenance', p.provenance,
            'illustrative', p.provenance = 'illustrative',
            'updated_at', p.updated_at
        )) ORDER BY p.municipality, p.status, p.name, p.id), '[]'::json)
)::text
FROM core.public_construction_projects p
WHERE true /*filters*/
