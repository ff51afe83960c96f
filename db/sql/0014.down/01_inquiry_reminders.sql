-- Back to revision 0013: no reminders.
DROP FUNCTION personal.overdue_inquiries(text, integer);
DROP FUNCTION personal.queue_reminders(integer);
DELETE FROM core.notifications WHERE kind = 'reminder';
ALTER TABLE core.notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE core.notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('inquiry', 'site_report'));
