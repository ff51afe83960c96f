-- Public: the reference layer and the two views; submitting reports and inquiries only through
-- the functions (which return a reference number and nothing else).
GRANT SELECT ON ref.motorway_junctions TO flaechenpool_public;
GRANT SELECT ON core.public_sites, core.public_construction_projects TO flaechenpool_public;
GRANT EXECUTE ON FUNCTION core.investor_uses(text[], text) TO flaechenpool_public;
REVOKE ALL ON FUNCTION core.submit_site_report(text, text, double precision, double precision, integer, bytea, text,
                                               integer, integer, text, text, text, boolean, text),
                       personal.submit_inquiry(bigint, text, text, text, text, boolean, text),
                       core.new_reference(text) FROM PUBLIC;
-- (usage of the schema lets the public role call the function; its tables stay closed to it)
GRANT USAGE ON SCHEMA personal TO flaechenpool_public;
GRANT EXECUTE ON FUNCTION core.submit_site_report(text, text, double precision, double precision, integer, bytea,
                                                  text, integer, integer, text, text, text, boolean, text),
                          personal.submit_inquiry(bigint, text, text, text, text, boolean, text)
    TO flaechenpool_public;

-- Planners: construction projects (internal fields included); no reports (citizens' texts and photos).
GRANT SELECT ON core.construction_projects TO flaechenpool_planner;

-- Land managers: edit projects and reference layers, decide reports, read personal data only through
-- the logged functions.
GRANT INSERT, UPDATE ON core.construction_projects, ref.motorway_junctions TO flaechenpool_land_manager;
GRANT SELECT, UPDATE ON core.site_reports TO flaechenpool_land_manager;
GRANT SELECT ON core.site_report_photos TO flaechenpool_land_manager;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA core, ref TO flaechenpool_land_manager;
REVOKE ALL ON FUNCTION auth.may_read_personal_data(text), personal.check_read(text[], text, text),
                       personal.read_inquiries(text[], bigint, text, integer),
                       personal.read_report_contacts(bigint[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION personal.read_inquiries(text[], bigint, text, integer),
                          personal.read_report_contacts(bigint[], text) TO flaechenpool_land_manager;
