-- Reference layers. Every row names its source; 'illustrative' rows were invented by the demo.
CREATE TABLE ref.gemarkungen (
    gemarkung_key     text PRIMARY KEY CHECK (gemarkung_key ~ '^[0-9]{6}$'),   -- Land 2 + Gemarkungsnummer 4
    name              text NOT NULL,
    municipality_ags  text,   -- the (possibly historic) municipality of the source list
    municipality_name text,
    source            text NOT NULL
);
COMMENT ON TABLE ref.gemarkungen IS 'Gemarkungen (Land + Gemarkungsnummer)';

CREATE TABLE ref.counties (
    ags         text PRIMARY KEY CHECK (ags ~ '^[0-9]{5}$'),
    name        text NOT NULL,
    kind        text,
    geom        geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    source      text NOT NULL
);
CREATE INDEX counties_geom_idx ON ref.counties USING gist (geom);
COMMENT ON TABLE ref.counties IS 'Landkreise und kreisfreie Städte';

CREATE TABLE ref.stations (
    eva_nr          text PRIMARY KEY,
    name            text NOT NULL,
    ds100           text,
    ifopt           text,
    traffic         text,
    operator_name   text,
    station_number  text,
    geom            geometry(Point, 25832) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    provenance      text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source          text NOT NULL
);
CREATE INDEX stations_geom_idx ON ref.stations USING gist (geom);
COMMENT ON TABLE ref.stations IS 'Bahnhöfe und Haltepunkte';

CREATE TABLE ref.flood_zones (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('hq_frequent', 'hq100', 'hq_extreme')),
    geom        geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    provenance  text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source      text NOT NULL
);
CREATE INDEX flood_zones_geom_idx ON ref.flood_zones USING gist (geom);
COMMENT ON TABLE ref.flood_zones IS 'Überschwemmungsgebiete';

CREATE TABLE ref.protected_areas (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text,
    kind        text NOT NULL CHECK (kind IN ('nature_reserve', 'ffh_area', 'bird_reserve', 'landscape_reserve',
                                              'national_park', 'biosphere_reserve', 'other')),
    external_id text,
    geom        geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    provenance  text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source      text NOT NULL
);
CREATE INDEX protected_areas_geom_idx ON ref.protected_areas USING gist (geom);
COMMENT ON TABLE ref.protected_areas IS 'Schutzgebiete (Naturschutz, FFH)';

CREATE TABLE ref.zoning_plans (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    plan_number       text,
    name              text NOT NULL,
    legal_status      text NOT NULL CHECK (legal_status IN ('in_preparation', 'in_force', 'partially_in_force', 'repealed')),
    in_force_since    date,
    land_use_type     text REFERENCES core.xp_land_use_types,
    geom              geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    provenance        text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source            text NOT NULL
);
CREATE INDEX zoning_plans_geom_idx ON ref.zoning_plans USING gist (geom);
COMMENT ON TABLE ref.zoning_plans IS 'Bebauungspläne (Geltungsbereiche, Art der baulichen Nutzung nach XPlanung)';

CREATE TABLE ref.land_use (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id text,
    category    text NOT NULL,     -- e.g. landuse, leisure, natural
    class       text NOT NULL,     -- e.g. residential, industrial, brownfield, park
    name        text,
    geom        geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    area_m2     double precision GENERATED ALWAYS AS (ST_Area(geom)) STORED,
    provenance  text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source      text NOT NULL
);
CREATE INDEX land_use_geom_idx ON ref.land_use USING gist (geom);
CREATE INDEX land_use_class_idx ON ref.land_use (class);
COMMENT ON TABLE ref.land_use IS 'Flächennutzung';

CREATE TABLE ref.water_areas (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id text,
    class       text NOT NULL,
    name        text,
    geom        geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    provenance  text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source      text NOT NULL
);
CREATE INDEX water_areas_geom_idx ON ref.water_areas USING gist (geom);
COMMENT ON TABLE ref.water_areas IS 'Gewässerflächen';

CREATE TABLE ref.waterways (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id text,
    class       text NOT NULL,
    name        text,
    geom        geometry(MultiLineString, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    provenance  text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source      text NOT NULL
);
CREATE INDEX waterways_geom_idx ON ref.waterways USING gist (geom);
COMMENT ON TABLE ref.waterways IS 'Fließgewässer';

CREATE TABLE ref.transit_stops (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id text,
    kind        text NOT NULL,
    name        text,
    geom        geometry(Point, 25832) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    provenance  text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source      text NOT NULL
);
CREATE INDEX transit_stops_geom_idx ON ref.transit_stops USING gist (geom);
COMMENT ON TABLE ref.transit_stops IS 'Haltestellen des ÖPNV (Straßenbahn)';

CREATE TABLE ref.transit_routes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id text,
    ref         text,
    name        text,
    geom        geometry(MultiLineString, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    provenance  text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source      text NOT NULL
);
CREATE INDEX transit_routes_geom_idx ON ref.transit_routes USING gist (geom);
COMMENT ON TABLE ref.transit_routes IS 'Linien des ÖPNV (Straßenbahn)';
