-- 0005's rule of personal data, before it asked auth.acting_municipalities
CREATE OR REPLACE FUNCTION auth.may_read_personal_data(p_municipality text) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    invoker text := CASE current_setting('role') WHEN 'none' THEN session_user::text ELSE current_setting('role') END;
BEGIN
    IF pg_has_role(invoker, 'flaechenpool_admin', 'MEMBER') THEN
        RETURN true;
    END IF;
    IF NOT pg_has_role(invoker, 'flaechenpool_land_manager', 'MEMBER') THEN
        RETURN false;
    END IF;
    RETURN EXISTS (
        SELECT 1 FROM auth.users u JOIN auth.user_municipalities um ON um.user_id = u.id
        WHERE u.username = current_setting('flaechenpool.actor', true) AND u.active AND u.role = 'land_manager'
          AND um.municipality_ags = p_municipality);
END $$;
DROP FUNCTION auth.acting_municipalities();
REVOKE USAGE ON SCHEMA auth FROM flaechenpool_land_manager;
DROP FUNCTION core.preemption_days_left(text, date, date);
DROP FUNCTION core.preemption_state(text, date, date, integer);
DROP TRIGGER preemption_cases_outline ON core.preemption_cases;
DROP FUNCTION core.preemption_cases_outline();
ALTER TABLE core.preemption_cases DROP COLUMN geom;
DROP FUNCTION core.parcels_outline(text[]);
