-- Audit: runs and town centres always; candidates are written in bulk by a run (flaechenpool.bulk
-- = 'on'), which is recorded by its run row; later single changes are logged.
CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON analysis.runs
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('id');
CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON analysis.town_centres
    FOR EACH ROW EXECUTE FUNCTION audit.log_change('municipality_ags');
CREATE TRIGGER audit_log AFTER INSERT OR UPDATE OR DELETE ON analysis.candidates
    FOR EACH ROW WHEN (current_setting('flaechenpool.bulk', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION audit.log_change('id');

-- Planners read runs and candidates; land managers (and admins) start runs and set town centres.
-- The public may look names up in the schema (the OGC service asks whether analysis.candidates
-- exists, as the caller) but reads none of its tables.
GRANT USAGE ON SCHEMA analysis TO flaechenpool_public;
GRANT SELECT ON ALL TABLES IN SCHEMA analysis TO flaechenpool_planner;
GRANT EXECUTE ON FUNCTION analysis.normalised(double precision, jsonb), analysis.criterion(double precision, jsonb), analysis.criterion(text, jsonb),
    analysis.total(jsonb), analysis.text_key(text), analysis.width(geometry),
    analysis.fits_width(geometry, double precision, double precision), analysis.lies_inside(geometry, geometry),
    analysis.overlap_m2(geometry, double precision, geometry) TO flaechenpool_planner;
GRANT INSERT, UPDATE ON analysis.runs, analysis.candidates, analysis.town_centres TO flaechenpool_land_manager;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA analysis TO flaechenpool_land_manager;
-- A run's workspace (see analysis.open_workspace) is opened and closed by the runs' role only.
REVOKE ALL ON FUNCTION analysis.open_workspace(bigint), analysis.close_workspace(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analysis.open_workspace(bigint), analysis.close_workspace(bigint) TO flaechenpool_land_manager;
