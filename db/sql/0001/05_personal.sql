-- Personal data: owners and counterparties. Nobody but the owner of the schema selects from these
-- tables directly; land managers read them through the functions below, and every read is logged.
CREATE TABLE personal.parties (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('person', 'organisation', 'public_body')),
    category    text NOT NULL CHECK (category IN (
                    'federal', 'state', 'district', 'municipality', 'church', 'private_person', 'private_company', 'other')),
    name        text NOT NULL,
    address     text,
    email       text,
    phone       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    provenance  text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source      text NOT NULL
);
COMMENT ON TABLE personal.parties IS 'Eigentümer und Vertragspartner (personenbezogen)';

CREATE TABLE personal.ownership (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flurstueckskennzeichen  text NOT NULL
        CHECK (flurstueckskennzeichen ~ '^[0-9]{2}[0-9]{4}[0-9_]{3}[0-9]{5}([0-9]{4}|_{4})([0-9]{2}|_{2})$'),
    party_id                bigint NOT NULL REFERENCES personal.parties,
    share_numerator         integer NOT NULL DEFAULT 1 CHECK (share_numerator > 0),
    share_denominator       integer NOT NULL DEFAULT 1 CHECK (share_denominator >= share_numerator),
    valid_from              date NOT NULL,
    valid_to                date CHECK (valid_to IS NULL OR valid_to > valid_from),
    provenance              text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source                  text NOT NULL
);
CREATE INDEX ownership_key_idx ON personal.ownership (flurstueckskennzeichen);
COMMENT ON TABLE personal.ownership IS 'Eigentumsverhältnisse der Flurstücke (personenbezogen)';

ALTER TABLE core.pool_transactions
    ADD CONSTRAINT pool_transactions_counterparty_fk FOREIGN KEY (counterparty_id) REFERENCES personal.parties;

-- Owner categories may be shown without names (planners see them).
CREATE VIEW core.parcel_owner_categories WITH (security_barrier) AS
    SELECT o.flurstueckskennzeichen,
           array_agg(DISTINCT p.category ORDER BY p.category) AS owner_categories
    FROM personal.ownership o
    JOIN personal.parties p ON p.id = o.party_id
    WHERE o.valid_to IS NULL OR o.valid_to > current_date
    GROUP BY o.flurstueckskennzeichen;
COMMENT ON VIEW core.parcel_owner_categories IS 'Eigentümerkategorien je Flurstück (ohne Namen)';

-- Logged read access for land managers.
CREATE FUNCTION personal.read_owners(p_keys text[], p_purpose text)
RETURNS TABLE (flurstueckskennzeichen text, party_id bigint, kind text, category text, name text,
               address text, share text, valid_from date, provenance text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    n integer;
BEGIN
    IF p_purpose IS NULL OR length(trim(p_purpose)) = 0 THEN
        RAISE EXCEPTION 'a purpose is required to read personal data' USING ERRCODE = 'FPA01';
    END IF;
    RETURN QUERY
        SELECT o.flurstueckskennzeichen, p.id, p.kind, p.category, p.name, p.address,
               o.share_numerator || '/' || o.share_denominator, o.valid_from, p.provenance
        FROM personal.ownership o JOIN personal.parties p ON p.id = o.party_id
        WHERE o.flurstueckskennzeichen = ANY (p_keys) AND (o.valid_to IS NULL OR o.valid_to > current_date)
        ORDER BY o.flurstueckskennzeichen, p.name;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO audit.personal_data_reads (actor, purpose, what, keys, row_count)
    VALUES (audit.current_actor(), p_purpose, 'owners', p_keys, n);
END $$;

CREATE FUNCTION personal.read_parties(p_ids bigint[], p_purpose text)
RETURNS TABLE (id bigint, kind text, category text, name text, address text, email text, phone text, provenance text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    n integer;
BEGIN
    IF p_purpose IS NULL OR length(trim(p_purpose)) = 0 THEN
        RAISE EXCEPTION 'a purpose is required to read personal data' USING ERRCODE = 'FPA01';
    END IF;
    RETURN QUERY
        SELECT p.id, p.kind, p.category, p.name, p.address, p.email, p.phone, p.provenance
        FROM personal.parties p WHERE p.id = ANY (p_ids) ORDER BY p.id;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO audit.personal_data_reads (actor, purpose, what, keys, row_count)
    VALUES (audit.current_actor(), p_purpose, 'parties', p_ids::text[], n);
END $$;
