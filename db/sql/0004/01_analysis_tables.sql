-- Redevelopment potential (Potenzialflächenanalyse): runs of the detection and scoring, their
-- candidates with each criterion's value and contribution, and the link from a site to the
-- candidate it was created from. Kinds follow FLOO-Thüringen one to one (as core.sites.kind).
CREATE SCHEMA analysis;
COMMENT ON SCHEMA analysis IS 'Flächenpool: Potenzialflächenanalyse (Läufe, Kandidaten, Bewertung)';

-- Where a town's centre is (for the criterion "distance to the town centre"). Without a row the
-- analysis takes the footprint-weighted centroid of the municipality's buildings.
CREATE TABLE analysis.town_centres (
    municipality_ags  text PRIMARY KEY REFERENCES core.municipalities,
    name              text NOT NULL CHECK (length(trim(name)) > 0),
    geom              geometry(Point, 25832) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    provenance        text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source            text NOT NULL
);
COMMENT ON TABLE analysis.town_centres IS 'Ortsmitte je Gemeinde (z. B. Markt) für das Kriterium Entfernung zur Ortsmitte';

CREATE TABLE analysis.runs (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    profile           text NOT NULL,
    parameters        jsonb NOT NULL,          -- the whole profile as used: thresholds and weights
    municipalities    text[],                  -- NULL: every municipality
    area              geometry(MultiPolygon, 25832) CHECK (area IS NULL OR (ST_IsValid(area) AND NOT ST_IsEmpty(area))),
    actor             text NOT NULL DEFAULT audit.current_actor(),
    started_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at       timestamptz CHECK (finished_at IS NULL OR finished_at >= started_at),
    parcels_analysed  integer CHECK (parcels_analysed >= 0),
    counts            jsonb NOT NULL DEFAULT '{}',
    software_version  text
);
CREATE INDEX runs_started_idx ON analysis.runs (started_at);
COMMENT ON TABLE analysis.runs IS 'Analyseläufe mit Profil, Parametern, Gebiet und Zeitpunkt';
COMMENT ON COLUMN analysis.runs.parameters IS 'Profil zum Zeitpunkt des Laufs (Schwellen der Erkennung, Gewichte der Kriterien)';

CREATE TABLE analysis.candidates (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id            bigint NOT NULL REFERENCES analysis.runs ON DELETE CASCADE,
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    district_id       bigint REFERENCES core.districts,
    kind              text NOT NULL CHECK (kind IN ('brownfield', 'infill_gap', 'vacant_building', 'partial_vacancy',
                                                    'underused', 'old_farmstead', 'residual_use')),
    parcels           text[] NOT NULL DEFAULT '{}',     -- Flurstückskennzeichen, sorted
    buildings         bigint[] NOT NULL DEFAULT '{}',   -- core.buildings ids (vacancy kinds)
    fingerprint       text NOT NULL,                    -- identity across runs: kind + parcels (or buildings)
    score             double precision NOT NULL,
    rank              integer NOT NULL CHECK (rank > 0),
    criteria          jsonb NOT NULL,   -- {criterion: {value, normalised, weight, contribution}}
    detection         jsonb NOT NULL,   -- the measurements that made the rule apply
    known_site_ids    bigint[] NOT NULL DEFAULT '{}',   -- existing sites overlapping the candidate
    geom              geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    area_m2           double precision GENERATED ALWAYS AS (ST_Area(geom)) STORED,
    UNIQUE (run_id, fingerprint)
);
CREATE INDEX candidates_run_score_idx ON analysis.candidates (run_id, score DESC, id);
CREATE INDEX candidates_run_kind_idx ON analysis.candidates (run_id, kind);
CREATE INDEX candidates_geom_idx ON analysis.candidates USING gist (geom);
COMMENT ON TABLE analysis.candidates IS 'Kandidaten eines Laufs: Baulücken, Brachflächen, Leerstand, untergenutzte Flächen mit Bewertung';
COMMENT ON COLUMN analysis.candidates.fingerprint IS 'Gleich über Läufe hinweg, solange Art und Flurstücke gleich bleiben (neu/entfallen)';

-- The working tables of a run live in a schema of its own, analysis_run_<id>, which the run creates
-- and drops in its own transaction (so no other session ever sees it): UNLOGGED tables there, unlike
-- temporary tables, can be read by parallel workers. Land managers may not create schemas; these two
-- functions do it for a run that is still going, and give them the right to create tables there.
CREATE FUNCTION analysis.open_workspace(run bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    name text := 'analysis_run_' || run;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM analysis.runs r WHERE r.id = run AND r.finished_at IS NULL) THEN
        RAISE EXCEPTION 'no unfinished analysis run %', run USING ERRCODE = 'FP404';
    END IF;
    EXECUTE format('CREATE SCHEMA %I', name);
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO flaechenpool_land_manager', name);
    RETURN name;
END $$;

CREATE FUNCTION analysis.close_workspace(run bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', 'analysis_run_' || run);
END $$;
COMMENT ON FUNCTION analysis.open_workspace(bigint) IS 'Arbeitsschema eines Analyselaufs anlegen (in seiner Transaktion)';

-- The box of every current building, for the analysis's join of buildings to parcels: a GiST index
-- of PostgreSQL's own box type is probed about twice as fast as the PostGIS index of the geometry.
CREATE INDEX buildings_box_idx ON core.buildings USING gist (box(geom)) WHERE valid_to IS NULL;

-- A site created from a candidate keeps the link to it and to its run.
ALTER TABLE core.sites
    ADD COLUMN analysis_run_id bigint REFERENCES analysis.runs,
    ADD COLUMN analysis_candidate_id bigint REFERENCES analysis.candidates,
    ADD CONSTRAINT sites_analysis_link_check CHECK ((analysis_run_id IS NULL) = (analysis_candidate_id IS NULL));
CREATE UNIQUE INDEX sites_analysis_candidate_idx ON core.sites (analysis_candidate_id)
    WHERE analysis_candidate_id IS NOT NULL;
COMMENT ON COLUMN core.sites.analysis_candidate_id IS 'Kandidat der Potenzialflächenanalyse, aus dem die Fläche angelegt wurde';

-- The candidates as a flat layer (QGIS, OGC API Features): score and each contribution as a column.
CREATE VIEW analysis.candidate_features AS
SELECT c.id, c.run_id, r.profile, r.started_at AS run_started_at, c.municipality_ags, c.district_id, c.kind,
       CASE c.kind WHEN 'brownfield' THEN 'Brachfläche' WHEN 'infill_gap' THEN 'Baulücke'
                   WHEN 'vacant_building' THEN 'leerstehendes Gebäude' WHEN 'partial_vacancy' THEN 'Leerstand in einem Gebäude'
                   WHEN 'underused' THEN 'untergenutzte Fläche' WHEN 'old_farmstead' THEN 'Althofstelle'
                   WHEN 'residual_use' THEN 'Restnutzung' END AS floo_category,
       c.score, c.rank, c.area_m2, array_to_string(c.parcels, ',') AS parcels,
       array_to_string(c.known_site_ids, ',') AS known_site_ids,
       (SELECT s.id FROM core.sites s WHERE s.analysis_candidate_id = c.id) AS site_id,
       (c.criteria -> 'area' ->> 'contribution')::double precision AS points_area,
       (c.criteria -> 'compactness' ->> 'contribution')::double precision AS points_compactness,
       (c.criteria -> 'width' ->> 'contribution')::double precision AS points_width,
       (c.criteria -> 'station_distance' ->> 'contribution')::double precision AS points_station_distance,
       (c.criteria -> 'centre_distance' ->> 'contribution')::double precision AS points_centre_distance,
       (c.criteria -> 'flood_share' ->> 'contribution')::double precision AS points_flood_share,
       (c.criteria -> 'protected_share' ->> 'contribution')::double precision AS points_protected_share,
       (c.criteria -> 'zoning_plan' ->> 'contribution')::double precision AS points_zoning_plan,
       (c.criteria -> 'designation' ->> 'contribution')::double precision AS points_designation,
       (c.criteria -> 'municipal_ownership' ->> 'contribution')::double precision AS points_municipal_ownership,
       (c.criteria -> 'contamination' ->> 'contribution')::double precision AS points_contamination,
       (c.criteria -> 'vacancy_nearby' ->> 'contribution')::double precision AS points_vacancy_nearby,
       c.geom
FROM analysis.candidates c JOIN analysis.runs r ON r.id = c.run_id;
COMMENT ON VIEW analysis.candidate_features IS 'Kandidaten der Potenzialflächenanalyse mit Punktzahl je Kriterium (Layer)';
