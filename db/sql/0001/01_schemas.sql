-- The schemas of the land pool (the roles: 00_roles.sql).
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE SCHEMA core;      -- the land pool: municipalities, parcels, sites, transactions, buildings
CREATE SCHEMA ref;       -- reference layers: stations, flood zones, protected areas, zoning plans, land use
CREATE SCHEMA personal;  -- personal data: owners, counterparties (grants per role, reads logged)
CREATE SCHEMA auth;      -- users, roles, API tokens
CREATE SCHEMA audit;     -- audit log of every change and of every read of personal data

COMMENT ON SCHEMA core IS 'Flächenpool: land pool data (Flurstücke, Potenzialflächen, Flächenpool-Transaktionen)';
COMMENT ON SCHEMA ref IS 'Flächenpool: reference layers (Bahnhöfe, Überschwemmungsgebiete, Schutzgebiete, Bebauungspläne, Nutzung)';
COMMENT ON SCHEMA personal IS 'Flächenpool: personal data (Eigentümer, Vertragspartner); readable only through logged functions';
