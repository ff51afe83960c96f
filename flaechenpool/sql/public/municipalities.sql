-- Municipalities of the service with their published sites and public construction projects
-- (filter list of the public page); extent in longitude/latitude.
SELECT m.ags, m.name,
       (SELECT count(*) FROM core.public_sites s WHERE s.municipality_ags = m.ags) AS sites,
       (SELECT count(*) FROM core.public_construction_projects p WHERE p.municipality_ags = m.ags) AS projects,
       (SELECT json_build_array(round(ST_XMin(b)::numeric, 5), round(ST_YMin(b)::numeric, 5),
                                round(ST_XMax(b)::numeric, 5), round(ST_YMax(b)::numeric, 5))
        FROM (SELECT ST_Transform(m.geom, 4326)::box2d AS b) e) AS bbox
FROM core.municipalities m
ORDER BY m.name
