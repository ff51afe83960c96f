-- Published sites (core.public_sites) as a GeoJSON FeatureCollection for GET /api/public/sites.
-- flaechenpool/public_sites.py puts whitelisted filter and order fragments (with bound parameters)
-- in place of the two markers; as it stands the query runs in psql with :srid, :d, :limit, :offset.
WITH matched AS (
    SELECT p.* FROM core.public_sites p
    WHERE true /*filters*/
), page AS (
    SELECT p.*, row_number() OVER (ORDER BY /*order*/ p.name, p.id) AS rn
    FROM matched p
    ORDER BY rn
    LIMIT :limit OFFSET :offset
)
SELECT json_build_object(
    'type', 'FeatureCollection',
    'number_matched', (SELECT count(*) FROM matched),
    'number_returned', (SELECT count(*) FROM page),
    'limit', CAST(:limit AS integer),
    'offset', CAST(:offset AS integer),
    'motorway_junctions_loaded', (SELECT EXISTS (SELECT 1 FROM ref.motorway_junctions)),
    'features', coalesce((SELECT json_agg(/*feature*/ ORDER BY p.rn) FROM page p), '[]'::json)
)::text
