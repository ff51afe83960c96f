-- Roles of the service (cluster-wide, created once) and the schemas of the land pool.
-- The API connects as the owner and switches per request with SET LOCAL ROLE to one of these,
-- so the database itself decides what a caller may read.
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['flaechenpool_public', 'flaechenpool_planner',
                             'flaechenpool_land_manager', 'flaechenpool_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END $$;

-- planner ⊃ public, land_manager ⊃ planner, admin ⊃ land_manager
GRANT flaechenpool_public TO flaechenpool_planner;
GRANT flaechenpool_planner TO flaechenpool_land_manager;
GRANT flaechenpool_land_manager TO flaechenpool_admin;

-- The connecting user must be able to SET ROLE to each of them.
DO $$
BEGIN
    EXECUTE format('GRANT flaechenpool_admin TO %I', current_user);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'could not grant flaechenpool_admin to %: %', current_user, SQLERRM;
END $$;

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE SCHEMA core;      -- the land pool: municipalities, parcels, sites, transactions, buildings
CREATE SCHEMA ref;       -- reference layers: stations, flood zones, protected areas, zoning plans, land use
CREATE SCHEMA personal;  -- personal data: owners, counterparties (grants per role, reads logged)
CREATE SCHEMA auth;      -- users, roles, API tokens
CREATE SCHEMA audit;     -- audit log of every change and of every read of personal data

COMMENT ON SCHEMA core IS 'Flächenpool: land pool data (Flurstücke, Potenzialflächen, Flächenpool-Transaktionen)';
COMMENT ON SCHEMA ref IS 'Flächenpool: reference layers (Bahnhöfe, Überschwemmungsgebiete, Schutzgebiete, Bebauungspläne, Nutzung)';
COMMENT ON SCHEMA personal IS 'Flächenpool: personal data (Eigentümer, Vertragspartner); readable only through logged functions';
