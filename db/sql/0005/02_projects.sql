-- Construction projects (Bauvorhaben): what is planned, being built or finished, shown to the public
-- once a land manager marks it public. The builder is public or private; the name of a private
-- builder (possibly a person) is never on public output (see core.public_construction_projects).
CREATE TABLE core.construction_projects (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    municipality_ags  text NOT NULL REFERENCES core.municipalities,
    name              text NOT NULL CHECK (length(trim(name)) > 0),
    description       text,
    kind              text NOT NULL CHECK (kind IN ('residential', 'commercial', 'industrial', 'office', 'mixed',
                                                    'public_building', 'education', 'infrastructure', 'other')),
    status            text NOT NULL CHECK (status IN ('planned', 'under_construction', 'completed')),
    start_on          date,
    end_on            date CHECK (end_on IS NULL OR start_on IS NULL OR end_on >= start_on),
    builder_type      text NOT NULL CHECK (builder_type IN ('public', 'private')),
    builder_name      text,
    site_id           bigint REFERENCES core.sites,
    public            boolean NOT NULL DEFAULT false,
    geom              geometry(Geometry, 25832) NOT NULL
                      CHECK (GeometryType(geom) IN ('POINT', 'MULTIPOLYGON') AND ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    created_by        text NOT NULL DEFAULT audit.current_actor(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    provenance        text NOT NULL CHECK (provenance IN ('official', 'open_data', 'illustrative', 'user')),
    source            text NOT NULL
);
CREATE INDEX construction_projects_geom_idx ON core.construction_projects USING gist (geom);
CREATE INDEX construction_projects_municipality_idx ON core.construction_projects (municipality_ags);
COMMENT ON TABLE core.construction_projects IS 'Bauvorhaben (geplant, im Bau, fertiggestellt); öffentlich, wenn freigegeben';
COMMENT ON COLUMN core.construction_projects.builder_name IS
    'Bauherr (intern); öffentlich nur bei öffentlichen Bauherren';

CREATE TRIGGER construction_projects_version BEFORE UPDATE ON core.construction_projects
    FOR EACH ROW EXECUTE FUNCTION core.bump_version();
CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON core.construction_projects
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
