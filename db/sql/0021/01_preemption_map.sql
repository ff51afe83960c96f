-- Pre-emption cases on the map: land managers see the land of the notices in QGIS next to the pool (OGC collection
-- preemption_cases). Each case keeps the outline of its parcels as they were when the notice was recorded (a later
-- split or merge of the parcels does not move the land the contract was about).

-- The outline of parcels by their keys: the current version of each, else its last one.
CREATE FUNCTION core.parcels_outline(p_keys text[]) RETURNS geometry
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ST_Multi(ST_CollectionExtract(ST_Union(g.geom), 3))
    FROM (SELECT DISTINCT ON (p.flurstueckskennzeichen) p.geom FROM core.parcels p
          WHERE p.flurstueckskennzeichen = ANY (p_keys)
          ORDER BY p.flurstueckskennzeichen, p.valid_to DESC NULLS FIRST) g
$$;
COMMENT ON FUNCTION core.parcels_outline(text[]) IS
    'Umring von Flurstücken (aktueller Stand, sonst der letzte)';

ALTER TABLE core.preemption_cases ADD COLUMN geom geometry(MultiPolygon, 25832);
COMMENT ON COLUMN core.preemption_cases.geom IS 'Umring der Flurstücke bei Eingang der Mitteilung';
UPDATE core.preemption_cases SET geom = core.parcels_outline(parcels);
CREATE INDEX preemption_cases_geom_idx ON core.preemption_cases USING gist (geom);

CREATE FUNCTION core.preemption_cases_outline() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.geom := core.parcels_outline(NEW.parcels);
    RETURN NEW;
END $$;
CREATE TRIGGER preemption_cases_outline BEFORE INSERT OR UPDATE OF parcels ON core.preemption_cases
    FOR EACH ROW EXECUTE FUNCTION core.preemption_cases_outline();

-- A case's state on a day: decided, lapsed (deadline passed, undecided), due (deadline within p_due_days) or
-- open. One definition for the API and the map.
CREATE FUNCTION core.preemption_state(p_decision text, p_deadline date, p_today date, p_due_days integer)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_decision IS NOT NULL THEN 'decided' WHEN p_deadline < p_today THEN 'lapsed'
                WHEN p_deadline <= p_today + p_due_days THEN 'due' ELSE 'open' END
$$;

-- Days until an open case's deadline on a day (0: it ends that day); none once decided or lapsed.
CREATE FUNCTION core.preemption_days_left(p_decision text, p_deadline date, p_today date)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_decision IS NULL AND p_deadline >= p_today THEN p_deadline - p_today END
$$;

-- The map's rows are those the caller may handle: admins all, land managers their municipalities' (the rule of
-- auth.may_read_personal_data). This function answers it once per statement (as an InitPlan): the acting land
-- manager's municipalities, NULL for admins (all), none for other roles.
CREATE FUNCTION auth.acting_municipalities() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    invoker text := CASE current_setting('role') WHEN 'none' THEN session_user::text ELSE current_setting('role') END;
BEGIN
    IF pg_has_role(invoker, 'flaechenpool_admin', 'MEMBER') THEN
        RETURN NULL;
    END IF;
    IF NOT pg_has_role(invoker, 'flaechenpool_land_manager', 'MEMBER') THEN
        RETURN '{}';
    END IF;
    RETURN ARRAY(
        SELECT um.municipality_ags FROM auth.users u JOIN auth.user_municipalities um ON um.user_id = u.id
        WHERE u.username = current_setting('flaechenpool.actor', true) AND u.active AND u.role = 'land_manager');
END $$;
COMMENT ON FUNCTION auth.acting_municipalities() IS
    'Gemeinden des handelnden Flächenmanagers; NULL für Admins (alle), leer für andere Rollen';
REVOKE ALL ON FUNCTION auth.acting_municipalities() FROM PUBLIC;
-- The per-row rule of personal data (0005) is now this function's answer, so the rule is written once.
CREATE OR REPLACE FUNCTION auth.may_read_personal_data(p_municipality text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT coalesce(p_municipality = ANY (a.m), a.m IS NULL) FROM (SELECT auth.acting_municipalities() AS m) a
$$;
-- (The schema's tables stay closed to land managers: only admins have grants on auth.*.)
GRANT USAGE ON SCHEMA auth TO flaechenpool_land_manager;
GRANT EXECUTE ON FUNCTION auth.acting_municipalities() TO flaechenpool_land_manager;
