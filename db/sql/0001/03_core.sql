-- The land pool. Storage CRS EPSG:25832 (ETRS89 / UTM 32N). Geometry columns have a type modifier
-- (type and SRID are enforced) and CHECKs for validity and non-emptiness.
-- provenance says where a row comes from; 'illustrative' marks what the demo invented.

CREATE TABLE core.municipalities (
    ags         text PRIMARY KEY CHECK (ags ~ '^[0-9]{8}$'),
    name        text NOT NULL CHECK (length(trim(name)) > 0),
    kind        text,
    county      text,
    geom        geometry(MultiPolygon, 25832) NOT NULL
                CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    provenance  text NOT NULL DEFAULT 'official' CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source      text NOT NULL
);
CREATE INDEX municipalities_geom_idx ON core.municipalities USING gist (geom);
COMMENT ON TABLE core.municipalities IS 'Gemeinden mit Amtlichem Gemeindeschlüssel (AGS) und Grenze';
COMMENT ON COLUMN core.municipalities.ags IS 'Amtlicher Gemeindeschlüssel (8 Ziffern)';

CREATE TABLE core.associations (
    id    text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]+$'),
    name  text NOT NULL
);
COMMENT ON TABLE core.associations IS 'Gemeindeverbünde, z. B. Allianz Thüringer Becken (gemeinsames Leerstandskataster)';

CREATE TABLE core.association_members (
    association_id    text NOT NULL REFERENCES core.associations ON DELETE CASCADE,
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    PRIMARY KEY (association_id, municipality_ags)
);

CREATE TABLE core.districts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    name              text NOT NULL,
    geom              geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    provenance        text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source            text NOT NULL,
    UNIQUE (municipality_ags, name)
);
CREATE INDEX districts_geom_idx ON core.districts USING gist (geom);
COMMENT ON TABLE core.districts IS 'Ortsteile / Stadtteile';

CREATE TABLE core.import_runs (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind              text NOT NULL,
    file_name         text NOT NULL,
    municipality_ags  text REFERENCES core.municipalities,
    actor             text NOT NULL DEFAULT audit.current_actor(),
    started_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at       timestamptz,
    source            text,
    counts            jsonb NOT NULL DEFAULT '{}',
    repairs           jsonb NOT NULL DEFAULT '[]'
);
COMMENT ON TABLE core.import_runs IS 'Importläufe (Datei, Zeitpunkt, Zählung, reparierte Geometrien)';

-- Parcels (Flurstücke). The 20-character ALKIS Flurstückskennzeichen is the key:
-- Land 2, Gemarkung 4, Flur 3, Zähler 5, Nenner 4, Folge 2; zero-padded, '_' where absent.
-- Its parts are generated columns so they can never disagree with it. A re-import that changes
-- a parcel closes the old row (valid_to) and adds a new one: history is kept, nothing deleted.
CREATE TABLE core.parcels (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    flurstueckskennzeichen  text NOT NULL
        CHECK (flurstueckskennzeichen ~ '^[0-9]{2}[0-9]{4}[0-9_]{3}[0-9]{5}([0-9]{4}|_{4})([0-9]{2}|_{2})$'),
    land                    text GENERATED ALWAYS AS (substr(flurstueckskennzeichen, 1, 2)) STORED,
    gemarkung_key           text GENERATED ALWAYS AS (substr(flurstueckskennzeichen, 1, 6)) STORED,
    gemarkung_number        text GENERATED ALWAYS AS (substr(flurstueckskennzeichen, 3, 4)) STORED,
    flur                    integer GENERATED ALWAYS AS (nullif(substr(flurstueckskennzeichen, 7, 3), '___')::integer) STORED,
    numerator               integer GENERATED ALWAYS AS (substr(flurstueckskennzeichen, 10, 5)::integer) STORED,
    denominator             integer GENERATED ALWAYS AS (nullif(substr(flurstueckskennzeichen, 15, 4), '____')::integer) STORED,
    municipality_ags        text NOT NULL REFERENCES core.municipalities,
    official_area_m2        numeric(14, 2) NOT NULL CHECK (official_area_m2 > 0),
    area_m2                 double precision GENERATED ALWAYS AS (ST_Area(geom)) STORED,
    land_use                text,
    land_use_detail         text,
    address                 text,
    alkis_id                text,
    source_updated_at       timestamptz,
    geom                    geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    valid_from              timestamptz NOT NULL DEFAULT now(),
    valid_to                timestamptz CHECK (valid_to IS NULL OR valid_to >= valid_from),
    import_run_id           bigint REFERENCES core.import_runs,
    provenance              text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source                  text NOT NULL
);
CREATE UNIQUE INDEX parcels_current_key_idx ON core.parcels (flurstueckskennzeichen) WHERE valid_to IS NULL;
CREATE INDEX parcels_key_history_idx ON core.parcels (flurstueckskennzeichen, valid_from);
CREATE INDEX parcels_current_geom_idx ON core.parcels USING gist (geom) WHERE valid_to IS NULL;
CREATE INDEX parcels_municipality_idx ON core.parcels (municipality_ags) WHERE valid_to IS NULL;
CREATE INDEX parcels_gemarkung_idx ON core.parcels (gemarkung_key) WHERE valid_to IS NULL;
COMMENT ON TABLE core.parcels IS 'Flurstücke (ALKIS) mit Historie: valid_to gesetzt = untergegangen/geändert';
COMMENT ON COLUMN core.parcels.flurstueckskennzeichen IS 'Flurstückskennzeichen (20 Zeichen, ALKIS)';
COMMENT ON COLUMN core.parcels.official_area_m2 IS 'Amtliche Fläche in m² (nicht die geometrische)';
COMMENT ON COLUMN core.parcels.area_m2 IS 'Geometrische Fläche in m² (EPSG:25832)';
COMMENT ON COLUMN core.parcels.land_use IS 'Tatsächliche Nutzung (überwiegende Nutzungsart)';
COMMENT ON COLUMN core.parcels.land_use_detail IS 'Tatsächliche Nutzung mit Flächenanteilen (ALKIS tntxt)';

CREATE VIEW core.current_parcels AS
    SELECT * FROM core.parcels WHERE valid_to IS NULL;
COMMENT ON VIEW core.current_parcels IS 'Aktuelle (nicht untergegangene) Flurstücke';

-- XPlanung: Art der baulichen Nutzung (XP_AllgArtDerBaulNutzung / XP_BesondereArtDerBaulNutzung)
CREATE TABLE core.xp_land_use_types (
    abbreviation  text PRIMARY KEY,
    enumeration   text NOT NULL CHECK (enumeration IN ('XP_AllgArtDerBaulNutzung', 'XP_BesondereArtDerBaulNutzung')),
    code          integer NOT NULL,
    name_de       text NOT NULL,
    UNIQUE (enumeration, code)
);
COMMENT ON TABLE core.xp_land_use_types IS 'XPlanung-Schlüssel der Art der baulichen Nutzung (BauNVO)';
INSERT INTO core.xp_land_use_types (abbreviation, enumeration, code, name_de) VALUES
    ('W',   'XP_AllgArtDerBaulNutzung', 1000, 'Wohnbaufläche'),
    ('M',   'XP_AllgArtDerBaulNutzung', 2000, 'Gemischte Baufläche'),
    ('G',   'XP_AllgArtDerBaulNutzung', 3000, 'Gewerbliche Baufläche'),
    ('S',   'XP_AllgArtDerBaulNutzung', 4000, 'Sonderbaufläche'),
    ('WS',  'XP_BesondereArtDerBaulNutzung', 1000, 'Kleinsiedlungsgebiet'),
    ('WR',  'XP_BesondereArtDerBaulNutzung', 1100, 'Reines Wohngebiet'),
    ('WA',  'XP_BesondereArtDerBaulNutzung', 1200, 'Allgemeines Wohngebiet'),
    ('WB',  'XP_BesondereArtDerBaulNutzung', 1300, 'Besonderes Wohngebiet'),
    ('MD',  'XP_BesondereArtDerBaulNutzung', 1400, 'Dorfgebiet'),
    ('MDW', 'XP_BesondereArtDerBaulNutzung', 1450, 'Dörfliches Wohngebiet'),
    ('MI',  'XP_BesondereArtDerBaulNutzung', 1500, 'Mischgebiet'),
    ('MU',  'XP_BesondereArtDerBaulNutzung', 1550, 'Urbanes Gebiet'),
    ('MK',  'XP_BesondereArtDerBaulNutzung', 1600, 'Kerngebiet'),
    ('GE',  'XP_BesondereArtDerBaulNutzung', 1700, 'Gewerbegebiet'),
    ('GI',  'XP_BesondereArtDerBaulNutzung', 1800, 'Industriegebiet'),
    ('SO_E','XP_BesondereArtDerBaulNutzung', 2000, 'Sondergebiet für Erholung'),
    ('SO',  'XP_BesondereArtDerBaulNutzung', 3000, 'Sonstiges Sondergebiet'),
    ('SO_W','XP_BesondereArtDerBaulNutzung', 4000, 'Wochenendhausgebiet'),
    ('SO_B','XP_BesondereArtDerBaulNutzung', 9999, 'Sonstige bauliche Nutzung');

-- Commercial estates (Gewerbegebiete) with what the state's site database asks per estate.
CREATE TABLE core.estates (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_ags     text NOT NULL REFERENCES core.municipalities,
    name                 text NOT NULL,
    utilities            text[] NOT NULL DEFAULT '{}'
        CHECK (utilities <@ ARRAY['water', 'sewage', 'electricity', 'gas', 'district_heating', 'rail_siding']),
    broadband_mbit       integer CHECK (broadband_mbit > 0),
    funding_programme    text,
    funding_lock_in_end  date,
    geom                 geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    area_m2              double precision GENERATED ALWAYS AS (ST_Area(geom)) STORED,
    provenance           text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source               text NOT NULL,
    UNIQUE (municipality_ags, name)
);
CREATE INDEX estates_geom_idx ON core.estates USING gist (geom);
COMMENT ON TABLE core.estates IS 'Gewerbegebiete (Erschließung, Breitband, Förderbindung)';
COMMENT ON COLUMN core.estates.funding_lock_in_end IS 'Ende der Zweckbindung der Förderung';

-- Sites (Potenzialflächen). Kinds follow FLOO-Thüringen's categories one to one.
CREATE TABLE core.sites (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_ags       text NOT NULL REFERENCES core.municipalities,
    name                   text NOT NULL CHECK (length(trim(name)) > 0),
    kind                   text NOT NULL CHECK (kind IN (
                               'brownfield',        -- Brachfläche
                               'infill_gap',        -- Baulücke
                               'commercial_land',   -- Gewerbefläche
                               'vacant_building',   -- leerstehendes Gebäude
                               'partial_vacancy',   -- Leerstand in einem Gebäude
                               'underused',         -- untergenutzte Fläche
                               'old_farmstead',     -- Althofstelle
                               'residual_use')),    -- Restnutzung
    status                 text NOT NULL DEFAULT 'identified' CHECK (status IN (
                               'identified', 'assessed', 'in_mobilisation', 'marketed',
                               'reserved', 'sold', 'developed', 'withdrawn')),
    owner_contact          text NOT NULL DEFAULT 'not_contacted' CHECK (owner_contact IN (
                               'not_contacted', 'contacted', 'willing_to_sell', 'willing_to_develop',
                               'not_willing', 'owner_unknown', 'municipal_property')),
    planning_law           text NOT NULL DEFAULT 'unknown' CHECK (planning_law IN (
                               's30_zoning_plan', 's33_plan_in_preparation', 's34_inner_area',
                               's35_outer_area', 'unknown')),
    land_use_type          text REFERENCES core.xp_land_use_types,
    intended_uses          text[] NOT NULL DEFAULT '{}'
        CHECK (intended_uses <@ ARRAY['industrial', 'commercial', 'mixed', 'office', 'residential', 'retail', 'public']),
    obstacles              text[] NOT NULL DEFAULT '{}'
        CHECK (obstacles <@ ARRAY['contamination', 'access', 'ownership', 'heritage', 'nature_protection',
                                  'noise', 'flooding', 'utilities', 'demolition']),
    availability           text NOT NULL DEFAULT 'unknown' CHECK (availability IN (
                               'immediate', 'within_1_year', 'within_3_years', 'later', 'unknown')),
    available_from         date,
    asking_price_eur_m2    numeric(12, 2) CHECK (asking_price_eur_m2 >= 0),
    utilities              text[] NOT NULL DEFAULT '{}'
        CHECK (utilities <@ ARRAY['water', 'sewage', 'electricity', 'gas', 'district_heating', 'rail_siding']),
    broadband_mbit         integer CHECK (broadband_mbit > 0),
    estate_id              bigint REFERENCES core.estates,
    published              boolean NOT NULL DEFAULT false,
    publication_basis      text CHECK (publication_basis IN ('owner_consent', 'municipal_property', 'section_200_3')),
    owner_objection_200_3  boolean NOT NULL DEFAULT false,
    description            text,
    public_description     text,
    contact_office         text,
    geom                   geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    area_m2                double precision GENERATED ALWAYS AS (ST_Area(geom)) STORED,
    version                integer NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    created_by             text NOT NULL DEFAULT audit.current_actor(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    retired_at             timestamptz,
    retired_reason         text,
    provenance             text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source                 text NOT NULL,
    -- published for investors only with a basis, and never against an objection under § 200 (3) BauGB
    CONSTRAINT sites_publication_check CHECK (
        NOT published OR (publication_basis IS NOT NULL AND NOT owner_objection_200_3 AND retired_at IS NULL)),
    CONSTRAINT sites_retired_reason_check CHECK (retired_at IS NULL OR retired_reason IS NOT NULL)
);
CREATE INDEX sites_geom_idx ON core.sites USING gist (geom);
CREATE INDEX sites_municipality_idx ON core.sites (municipality_ags);
CREATE INDEX sites_published_idx ON core.sites (id) WHERE published AND retired_at IS NULL;
COMMENT ON TABLE core.sites IS 'Potenzialflächen (Brachflächen, Baulücken, Gewerbeflächen, Leerstand, untergenutzte Flächen)';
COMMENT ON COLUMN core.sites.planning_law IS 'Planungsrecht: § 30 / § 33 / § 34 / § 35 BauGB';
COMMENT ON COLUMN core.sites.owner_objection_200_3 IS 'Widerspruch des Eigentümers gegen die Veröffentlichung (§ 200 Abs. 3 BauGB)';

CREATE TABLE core.site_parcels (
    site_id                 bigint NOT NULL REFERENCES core.sites,
    flurstueckskennzeichen  text NOT NULL,
    PRIMARY KEY (site_id, flurstueckskennzeichen)
);
CREATE INDEX site_parcels_key_idx ON core.site_parcels (flurstueckskennzeichen);

-- The mobilisation workflow: only these moves are allowed.
CREATE TABLE core.site_status_transitions (
    from_status  text NOT NULL,
    to_status    text NOT NULL,
    PRIMARY KEY (from_status, to_status)
);
INSERT INTO core.site_status_transitions VALUES
    ('identified', 'assessed'), ('identified', 'withdrawn'),
    ('assessed', 'in_mobilisation'), ('assessed', 'marketed'), ('assessed', 'withdrawn'),
    ('in_mobilisation', 'marketed'), ('in_mobilisation', 'assessed'), ('in_mobilisation', 'withdrawn'),
    ('marketed', 'reserved'), ('marketed', 'in_mobilisation'), ('marketed', 'withdrawn'),
    ('reserved', 'sold'), ('reserved', 'marketed'), ('reserved', 'withdrawn'),
    ('sold', 'developed'),
    ('withdrawn', 'identified');

CREATE TABLE core.site_status_history (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id      bigint NOT NULL REFERENCES core.sites,
    from_status  text,
    to_status    text NOT NULL,
    changed_on   date NOT NULL DEFAULT current_date,
    changed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    author       text NOT NULL DEFAULT audit.current_actor(),
    reason       text
);
CREATE INDEX site_status_history_site_idx ON core.site_status_history (site_id, changed_at);

CREATE FUNCTION core.sites_before_write() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
            SELECT 1 FROM core.site_status_transitions t
            WHERE t.from_status = OLD.status AND t.to_status = NEW.status) THEN
            RAISE EXCEPTION 'status change % → % is not allowed by the mobilisation workflow', OLD.status, NEW.status
                USING ERRCODE = 'FPW01';
        END IF;
        IF OLD.retired_at IS NOT NULL AND NEW.retired_at IS NOT NULL AND to_jsonb(OLD) <> to_jsonb(NEW) THEN
            RAISE EXCEPTION 'site % is retired and cannot be changed', OLD.id USING ERRCODE = 'FPW02';
        END IF;
        NEW.version := OLD.version + 1;
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION core.sites_after_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
        INSERT INTO core.site_status_history (site_id, from_status, to_status, changed_on, reason)
        VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
                coalesce(nullif(current_setting('flaechenpool.status_date', true), '')::date, current_date),
                nullif(current_setting('flaechenpool.reason', true), ''));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER sites_before_write BEFORE INSERT OR UPDATE ON core.sites
    FOR EACH ROW EXECUTE FUNCTION core.sites_before_write();
CREATE TRIGGER sites_after_write AFTER INSERT OR UPDATE ON core.sites
    FOR EACH ROW EXECUTE FUNCTION core.sites_after_write();
