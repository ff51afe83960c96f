CREATE OR REPLACE VIEW audit.changes WITH (security_barrier) AS
    SELECT id, at, actor, action, table_name, row_key, before, after, reason
    FROM audit.log
    WHERE table_name NOT LIKE 'personal.%' AND table_name NOT LIKE 'auth.%';
DROP TABLE core.preemption_cases;
DROP FUNCTION core.preemption_cases_final();
