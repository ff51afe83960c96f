-- The review queue of site reports (Meldungen) of some municipalities, as a JSON array of GeoJSON
-- point features; :status NULL lists every status. Contacts are not here (personal data, read through
-- personal.read_report_contacts).
SELECT coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'id', r.id,
    'geometry', ST_AsGeoJSON(ST_Transform(r.geom, CAST(:srid AS integer)), :d)::json,
    'properties', json_build_object(
        'id', r.id,
        'reference', r.reference,
        'municipality_ags', r.municipality_ags,
        'municipality', m.name,
        'kind', r.kind,
        'description', r.description,
        'status', r.status,
        'received_at', r.received_at,
        'decided_at', r.decided_at,
        'decided_by', r.decided_by,
        'rejection_reason', r.rejection_reason,
        'site_id', r.site_id,
        'has_photo', p.report_id IS NOT NULL,
        'photo_url', CASE WHEN p.report_id IS NOT NULL THEN '/api/reports/' || r.id || '/photo' END,
        'provenance', r.provenance
    )) ORDER BY r.received_at, r.id), '[]'::json)::text
FROM core.site_reports r
JOIN core.municipalities m ON m.ags = r.municipality_ags
LEFT JOIN core.site_report_photos p ON p.report_id = r.id
WHERE r.municipality_ags = ANY(CAST(:m AS text[])) AND (CAST(:status AS text) IS NULL OR r.status = :status)
