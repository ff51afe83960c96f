-- Users, roles and API tokens (tokens stored as SHA-256 hashes only).
CREATE TABLE auth.roles (
    name         text PRIMARY KEY,
    db_role      text NOT NULL,
    description  text NOT NULL
);
INSERT INTO auth.roles VALUES
    ('public', 'flaechenpool_public', 'Anonymous public: published sites and open reference layers'),
    ('planner', 'flaechenpool_planner', 'Reads all layers, no personal data'),
    ('land_manager', 'flaechenpool_land_manager', 'Reads and writes in own municipalities, reads owners and counterparties there'),
    ('admin', 'flaechenpool_admin', 'Everything, including users and the audit log');

CREATE TABLE auth.users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9._-]{2,64}$'),
    display_name  text NOT NULL,
    role          text NOT NULL REFERENCES auth.roles CHECK (role <> 'public'),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE auth.user_municipalities (
    user_id           bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    PRIMARY KEY (user_id, municipality_ags)
);

CREATE TABLE auth.tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES auth.users ON DELETE CASCADE,
    name          text NOT NULL,
    token_hash    text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);

-- Audit every change of the land pool, personal data and users.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT n.nspname AS s, c.relname AS r FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r' AND n.nspname IN ('core', 'ref', 'personal', 'auth')
               AND c.relname NOT IN ('site_status_transitions', 'xp_land_use_types', 'roles', 'import_runs')
    LOOP
        EXECUTE format('CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON %I.%I '
                       'FOR EACH ROW EXECUTE FUNCTION audit.log_change(%L)', t.s, t.r,
                       CASE t.r WHEN 'parcels' THEN 'flurstueckskennzeichen'
                                WHEN 'municipalities' THEN 'ags' WHEN 'counties' THEN 'ags'
                                WHEN 'stations' THEN 'eva_nr' WHEN 'gemarkungen' THEN 'gemarkung_key'
                                WHEN 'site_parcels' THEN 'site_id' WHEN 'association_members' THEN 'municipality_ags'
                                WHEN 'user_municipalities' THEN 'user_id'
                                WHEN 'pool_transaction_parcels' THEN 'transaction_id'
                                ELSE 'id' END);
    END LOOP;
END $$;

-- Parcels, sites and pool transactions are retired, never deleted.
CREATE TRIGGER parcels_no_delete BEFORE DELETE ON core.parcels FOR EACH ROW EXECUTE FUNCTION audit.forbid_delete();
CREATE TRIGGER sites_no_delete BEFORE DELETE ON core.sites FOR EACH ROW EXECUTE FUNCTION audit.forbid_delete();
CREATE TRIGGER pool_transactions_no_delete BEFORE DELETE ON core.pool_transactions
    FOR EACH ROW EXECUTE FUNCTION audit.forbid_delete();

-- What each role may see. Public: open data and published sites (through the API's public fields).
GRANT USAGE ON SCHEMA core, ref TO flaechenpool_public;
GRANT SELECT ON ALL TABLES IN SCHEMA ref TO flaechenpool_public;
GRANT SELECT ON core.municipalities, core.associations, core.association_members, core.districts,
    core.parcels, core.current_parcels, core.xp_land_use_types, core.estates TO flaechenpool_public;
GRANT SELECT (id, municipality_ags, name, kind, status, planning_law, land_use_type, intended_uses,
              availability, available_from, asking_price_eur_m2, utilities, broadband_mbit, estate_id,
              published, public_description, contact_office, geom, area_m2, version, updated_at,
              retired_at, provenance, source)
    ON core.sites TO flaechenpool_public;

-- Planner: every layer of the land pool, owner categories, no names.
GRANT SELECT ON ALL TABLES IN SCHEMA core TO flaechenpool_planner;
GRANT EXECUTE ON FUNCTION core.pool_holdings(text, date), core.pool_held(text, date) TO flaechenpool_planner;

-- Land manager: writes the land pool; reads personal data only through the logged functions.
GRANT INSERT, UPDATE ON ALL TABLES IN SCHEMA core TO flaechenpool_land_manager;
GRANT INSERT, UPDATE ON ALL TABLES IN SCHEMA ref TO flaechenpool_land_manager;
GRANT DELETE ON core.site_parcels, core.vacancies, core.association_members TO flaechenpool_land_manager;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA core, ref TO flaechenpool_land_manager;
GRANT USAGE ON SCHEMA personal TO flaechenpool_land_manager;
GRANT INSERT, UPDATE ON personal.parties, personal.ownership TO flaechenpool_land_manager;
GRANT SELECT (id) ON personal.parties, personal.ownership TO flaechenpool_land_manager;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA personal TO flaechenpool_land_manager;
REVOKE ALL ON FUNCTION personal.read_owners(text[], text), personal.read_parties(bigint[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION personal.read_owners(text[], text), personal.read_parties(bigint[], text)
    TO flaechenpool_land_manager;

-- Admin: users, tokens and the audit log.
GRANT USAGE ON SCHEMA auth, audit TO flaechenpool_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA auth TO flaechenpool_admin;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA auth TO flaechenpool_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA audit TO flaechenpool_admin;
