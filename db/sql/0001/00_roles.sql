-- Roles of the service (cluster-wide, created once; also run before a backup is restored on a fresh
-- server: flaechenpool db restore).
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
