-- The municipal land pool (Flächenpool): transactions from which the holdings on any date follow.
CREATE TABLE core.pool_transactions (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    kind              text NOT NULL CHECK (kind IN ('purchase', 'sale', 'exchange', 'lease_in', 'lease_out', 'pre_emption')),
    contract_date     date NOT NULL,
    effective_date    date NOT NULL,
    lease_end         date,
    price_eur         numeric(14, 2) CHECK (price_eur >= 0),
    counterparty_id   bigint,       -- personal.parties(id); the name is personal data
    file_reference    text,         -- Aktenzeichen
    notes             text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        text NOT NULL DEFAULT audit.current_actor(),
    provenance        text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source            text NOT NULL,
    CHECK (effective_date >= contract_date),
    CHECK ((kind IN ('lease_in', 'lease_out')) = (lease_end IS NOT NULL) OR kind NOT IN ('lease_in', 'lease_out')),
    CHECK (lease_end IS NULL OR lease_end > effective_date)
);
CREATE INDEX pool_transactions_municipality_idx ON core.pool_transactions (municipality_ags, effective_date);
COMMENT ON TABLE core.pool_transactions IS 'Flächenpool: Ankauf, Verkauf, Tausch, Pacht, Vorkaufsrecht';

CREATE TABLE core.pool_transaction_parcels (
    transaction_id          bigint NOT NULL REFERENCES core.pool_transactions,
    flurstueckskennzeichen  text NOT NULL
        CHECK (flurstueckskennzeichen ~ '^[0-9]{2}[0-9]{4}[0-9_]{3}[0-9]{5}([0-9]{4}|_{4})([0-9]{2}|_{2})$'),
    direction               text NOT NULL CHECK (direction IN ('acquire', 'dispose', 'lease_in', 'lease_out')),
    area_m2                 numeric(14, 2) NOT NULL CHECK (area_m2 > 0),
    book_value_eur          numeric(14, 2) CHECK (book_value_eur >= 0),
    PRIMARY KEY (transaction_id, flurstueckskennzeichen)
);
CREATE INDEX pool_transaction_parcels_key_idx ON core.pool_transaction_parcels (flurstueckskennzeichen);

-- Ownership holdings of the municipality on a date: the last acquire/dispose of each parcel decides.
CREATE FUNCTION core.pool_holdings(p_municipality text, p_as_of date)
RETURNS TABLE (flurstueckskennzeichen text, transaction_id bigint, acquired_on date, kind text,
               area_m2 numeric, book_value_eur numeric)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (tp.flurstueckskennzeichen)
           tp.flurstueckskennzeichen, t.id, t.effective_date, t.kind, tp.area_m2, tp.book_value_eur
    FROM core.pool_transaction_parcels tp
    JOIN core.pool_transactions t ON t.id = tp.transaction_id
    WHERE tp.direction IN ('acquire', 'dispose')
      AND t.effective_date <= p_as_of
      AND (p_municipality IS NULL OR t.municipality_ags = p_municipality)
    ORDER BY tp.flurstueckskennzeichen, t.effective_date DESC, t.id DESC
$$;
-- keep only what is held: a wrapper so callers need not repeat the filter
CREATE FUNCTION core.pool_held(p_municipality text, p_as_of date)
RETURNS TABLE (flurstueckskennzeichen text, transaction_id bigint, acquired_on date, kind text,
               area_m2 numeric, book_value_eur numeric)
LANGUAGE sql STABLE AS $$
    SELECT h.* FROM core.pool_holdings(p_municipality, p_as_of) h
    JOIN core.pool_transaction_parcels tp
      ON tp.transaction_id = h.transaction_id AND tp.flurstueckskennzeichen = h.flurstueckskennzeichen
    WHERE tp.direction = 'acquire'
$$;
COMMENT ON FUNCTION core.pool_held(text, date) IS 'Bestand des Flächenpools einer Gemeinde zu einem Stichtag';

-- A sale (dispose) of land the municipality does not hold on the effective date is refused.
CREATE FUNCTION core.pool_check_dispose() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    t core.pool_transactions;
BEGIN
    SELECT * INTO t FROM core.pool_transactions WHERE id = NEW.transaction_id;
    IF NEW.direction = 'dispose' AND NOT EXISTS (
        SELECT 1 FROM core.pool_held(t.municipality_ags, t.effective_date) h
        WHERE h.flurstueckskennzeichen = NEW.flurstueckskennzeichen AND h.transaction_id <> t.id) THEN
        RAISE EXCEPTION 'parcel % is not held by municipality % on %', NEW.flurstueckskennzeichen,
            t.municipality_ags, t.effective_date USING ERRCODE = 'FPP01';
    END IF;
    IF NEW.direction = 'acquire' AND EXISTS (
        SELECT 1 FROM core.pool_held(t.municipality_ags, t.effective_date) h
        WHERE h.flurstueckskennzeichen = NEW.flurstueckskennzeichen AND h.transaction_id <> t.id) THEN
        RAISE EXCEPTION 'parcel % is already held by municipality % on %', NEW.flurstueckskennzeichen,
            t.municipality_ags, t.effective_date USING ERRCODE = 'FPP02';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER pool_transaction_parcels_check BEFORE INSERT OR UPDATE ON core.pool_transaction_parcels
    FOR EACH ROW EXECUTE FUNCTION core.pool_check_dispose();

-- Buildings (ALKIS Gebäude / Hausumringe) and vacancy records (shared vacancy register).
CREATE TABLE core.buildings (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    alkis_id          text,
    function          text,
    floors            smallint CHECK (floors > 0),
    address           text,
    geom              geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    footprint_m2      double precision GENERATED ALWAYS AS (ST_Area(geom)) STORED,
    valid_from        timestamptz NOT NULL DEFAULT now(),
    valid_to          timestamptz,
    provenance        text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source            text NOT NULL
);
CREATE INDEX buildings_geom_idx ON core.buildings USING gist (geom) WHERE valid_to IS NULL;
CREATE INDEX buildings_municipality_idx ON core.buildings (municipality_ags);
COMMENT ON TABLE core.buildings IS 'Gebäude (Grundrisse)';

CREATE TABLE core.vacancies (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    building_id       bigint REFERENCES core.buildings,
    address           text,
    building_type     text NOT NULL CHECK (building_type IN (
                          'residential', 'commercial', 'retail', 'mixed', 'industrial', 'agricultural', 'public', 'other')),
    scope             text NOT NULL DEFAULT 'whole_building' CHECK (scope IN ('whole_building', 'partial')),
    vacant_units      smallint CHECK (vacant_units >= 0),
    total_units       smallint CHECK (total_units > 0),
    vacant_since      date NOT NULL,
    ended_on          date CHECK (ended_on IS NULL OR ended_on >= vacant_since),
    source            text NOT NULL CHECK (source IN (
                          'survey', 'utility_meter', 'registration_office', 'owner_report', 'citizen_report', 'estimate')),
    notes             text,
    geom              geometry(Point, 25832) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        text NOT NULL DEFAULT audit.current_actor(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    provenance        text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    data_source       text NOT NULL,
    CHECK (vacant_units IS NULL OR total_units IS NULL OR vacant_units <= total_units)
);
CREATE INDEX vacancies_geom_idx ON core.vacancies USING gist (geom);
CREATE INDEX vacancies_municipality_idx ON core.vacancies (municipality_ags);
COMMENT ON TABLE core.vacancies IS 'Leerstandskataster (Gebäude-Leerstand, gemeinsam im Gemeindeverbund)';
COMMENT ON COLUMN core.vacancies.source IS 'Erhebungsquelle: Begehung, Zählerdaten, Meldeamt, Eigentümer, Bürgermeldung, Schätzung';
