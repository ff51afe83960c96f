DROP FUNCTION auth.acting_municipalities();
REVOKE USAGE ON SCHEMA auth FROM flaechenpool_land_manager;
DROP FUNCTION core.preemption_days_left(text, date, date);
DROP FUNCTION core.preemption_state(text, date, date, integer);
DROP TRIGGER preemption_cases_outline ON core.preemption_cases;
DROP FUNCTION core.preemption_cases_outline();
ALTER TABLE core.preemption_cases DROP COLUMN geom;
DROP FUNCTION core.parcels_outline(text[]);
