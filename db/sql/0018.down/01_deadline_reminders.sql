DROP FUNCTION core.queue_deadline_reminders(integer);
DROP FUNCTION core.nearing_deadlines(text, integer);
DELETE FROM core.notifications WHERE kind = 'deadline';
ALTER TABLE core.notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE core.notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('inquiry', 'site_report', 'reminder'));
