-- Areas where the municipality holds a pre-emption right (Vorkaufsrechtsgebiete): the first question on every
-- notice of a sale is whether a right exists at all. Most rights of § 24 (1) BauGB and every right of a
-- pre-emption statute (§ 25 BauGB) hold within areas the municipality has fixed: a reallocation area (§ 24 (1)
-- no. 2), a redevelopment area or development zone (no. 3), the area of a statute on urban restructuring or
-- preservation (no. 4) and the area of a pre-emption statute (§ 25 (1) no. 1: undeveloped land in a zoning plan,
-- no. 2: land where urban measures are considered, no. 3: undeveloped land in a tight housing market). The
-- statutes are published (Amtsblatt), so the layer is public. Rights that follow from a zoning plan's
-- designation or a flood zone (§ 24 (1) nos. 1, 5–8) are not areas of this layer.

CREATE TABLE ref.preemption_areas (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    name              text NOT NULL CHECK (length(trim(name)) > 0),
    kind              text NOT NULL CHECK (kind IN ('reallocation', 'redevelopment', 'restructuring_preservation',
                                                    'statute_zoning_plan', 'statute_measures', 'statute_housing')),
    in_force_since    date,
    geom              geometry(MultiPolygon, 25832) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    provenance        text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source            text NOT NULL
);
CREATE INDEX preemption_areas_geom_idx ON ref.preemption_areas USING gist (geom);
COMMENT ON TABLE ref.preemption_areas IS
    'Vorkaufsrechtsgebiete: Umlegungs-, Sanierungs-, Stadtumbau- und Erhaltungsgebiete (§ 24 BauGB), Vorkaufssatzungen (§ 25 BauGB)';
COMMENT ON COLUMN ref.preemption_areas.kind IS
    'reallocation: § 24 Abs. 1 Nr. 2, redevelopment: Nr. 3, restructuring_preservation: Nr. 4; statute_zoning_plan: '
    '§ 25 Abs. 1 Nr. 1, statute_measures: Nr. 2, statute_housing: Nr. 3 BauGB';

-- The legal basis an area gives: general (§ 24) or statute (§ 25), as core.preemption_cases.legal_basis has it.
CREATE FUNCTION ref.preemption_legal_basis(p_kind text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_kind LIKE 'statute_%' THEN 'statute' ELSE 'general' END
$$;

CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON ref.preemption_areas
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
GRANT SELECT ON ref.preemption_areas TO flaechenpool_public;
GRANT INSERT, UPDATE, DELETE ON ref.preemption_areas TO flaechenpool_land_manager;
GRANT USAGE ON SEQUENCE ref.preemption_areas_id_seq TO flaechenpool_land_manager;
