-- Reminders of inquiries nobody has taken up: once a week per municipality, when inquiries sent through the
-- public page are still 'new' some days after they arrived, a reminder is queued for the land managers
-- (core.notifications, kind 'reminder'). Like the other notifications it carries no personal data: the
-- e-mail lists reference numbers and sites.

ALTER TABLE core.notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE core.notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('inquiry', 'site_report', 'reminder'));

-- Queue this week's reminder of every municipality with inquiries still new after p_days days; returns
-- how many were queued (a municipality reminded this week already is not queued again).
CREATE FUNCTION personal.queue_reminders(p_days integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO core.notifications (kind, reference, municipality_ags)
    SELECT 'reminder', 'E-' || i.municipality_ags || '-' || to_char(now(), 'IYYY-"W"IW'), i.municipality_ags
    FROM personal.inquiries i
    WHERE i.status = 'new' AND i.provenance = 'user' AND i.received_at < now() - make_interval(days => p_days)
    GROUP BY i.municipality_ags
    ON CONFLICT (reference) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- The inquiries of a municipality still new after p_days days: reference, site and arrival only.
CREATE FUNCTION personal.overdue_inquiries(p_municipality text, p_days integer)
RETURNS TABLE (reference text, site_id bigint, site_name text, received_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT i.reference, i.site_id, s.name, i.received_at
    FROM personal.inquiries i JOIN core.sites s ON s.id = i.site_id
    WHERE i.municipality_ags = p_municipality AND i.status = 'new' AND i.provenance = 'user'
      AND i.received_at < now() - make_interval(days => p_days)
    ORDER BY i.received_at, i.reference
$$;

REVOKE ALL ON FUNCTION personal.queue_reminders(integer), personal.overdue_inquiries(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION personal.queue_reminders(integer), personal.overdue_inquiries(text, integer)
    TO flaechenpool_admin;
