-- What investors see. The views run with their owner's rights: the public role reads them and
-- nothing else of these tables. "Published" means: marked published by a land manager, with a
-- basis (owner consent, municipal property or § 200 (3) BauGB), no objection of the owner, not retired.
CREATE VIEW core.public_sites WITH (security_barrier) AS
SELECT s.id, s.municipality_ags, m.name AS municipality, s.name, s.kind, s.status, s.planning_law,
       s.land_use_type, x.name_de AS land_use_type_name,
       core.investor_uses(s.intended_uses, s.land_use_type) AS uses,
       s.availability, s.available_from, s.asking_price_eur_m2, s.utilities, s.broadband_mbit,
       e.name AS estate, s.public_description, s.contact_office, s.area_m2, s.geom, s.updated_at, s.provenance,
       st.name AS station_name, st.distance_m AS station_distance_m,
       mj.name AS junction_name, mj.distance_m AS junction_distance_m
FROM core.sites s
JOIN core.municipalities m ON m.ags = s.municipality_ags
LEFT JOIN core.xp_land_use_types x ON x.abbreviation = s.land_use_type
LEFT JOIN core.estates e ON e.id = s.estate_id
LEFT JOIN LATERAL (SELECT r.name, ST_Distance(r.geom, s.geom) AS distance_m FROM ref.stations r
                   ORDER BY r.geom <-> s.geom LIMIT 1) st ON true
LEFT JOIN LATERAL (SELECT coalesce(j.motorway || ' ', '') || coalesce(j.name, 'Anschlussstelle')
                          || coalesce(' (' || j.ref || ')', '') AS name,
                          ST_Distance(j.geom, s.geom) AS distance_m FROM ref.motorway_junctions j
                   ORDER BY j.geom <-> s.geom LIMIT 1) mj ON true
WHERE s.published AND s.retired_at IS NULL AND s.publication_basis IS NOT NULL AND NOT s.owner_objection_200_3;
COMMENT ON VIEW core.public_sites IS
    'Veröffentlichte Flächen mit öffentlichen Angaben, Nutzungsarten und Entfernung zu Bahnhof und Autobahn';

CREATE VIEW core.public_construction_projects WITH (security_barrier) AS
SELECT p.id, p.municipality_ags, m.name AS municipality, p.name, p.description, p.kind, p.status, p.start_on,
       p.end_on, p.builder_type, CASE WHEN p.builder_type = 'public' THEN p.builder_name END AS builder_name,
       p.geom, p.updated_at, p.provenance
FROM core.construction_projects p
JOIN core.municipalities m ON m.ags = p.municipality_ags
WHERE p.public;
COMMENT ON VIEW core.public_construction_projects IS
    'Öffentlich freigegebene Bauvorhaben; Bauherr nur namentlich, wenn er öffentlich ist';
