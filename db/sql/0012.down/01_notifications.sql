-- Back to revision 0011: no notification queue, no e-mail addresses of users.
DROP TRIGGER queue_notification ON core.site_reports;
DROP TRIGGER queue_notification ON personal.inquiries;
DROP FUNCTION core.queue_notification();
DROP TABLE core.notifications;
ALTER TABLE auth.users DROP COLUMN notify, DROP COLUMN email;
