-- Bulk imports: the row audit trigger of parcels is not even called while flaechenpool.bulk = 'on'
-- (the import writes one summary record; the parcels table keeps its own history).
DROP TRIGGER audit_log ON core.parcels;
CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON core.parcels
    FOR EACH ROW WHEN (current_setting('flaechenpool.bulk', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION audit.log_change('flurstueckskennzeichen');
DROP TRIGGER audit_log ON core.buildings;
CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON core.buildings
    FOR EACH ROW WHEN (current_setting('flaechenpool.bulk', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION audit.log_change('id');

-- The audit trail of the land pool without personal data, for planners and land managers:
-- changes of personal.* and auth.* stay in audit.log for admins only.
CREATE VIEW audit.changes WITH (security_barrier) AS
    SELECT id, at, actor, action, table_name, row_key, before, after, reason
    FROM audit.log
    WHERE table_name NOT LIKE 'personal.%' AND table_name NOT LIKE 'auth.%';
COMMENT ON VIEW audit.changes IS 'Änderungsprotokoll ohne personenbezogene Tabellen';
GRANT USAGE ON SCHEMA audit TO flaechenpool_planner;
GRANT SELECT ON audit.changes TO flaechenpool_planner;
