-- Reminders of pre-emption deadlines. A right not exercised within three months of the notice is lost
-- (§ 28 (2) BauGB), so the land managers are told of open cases whose deadline is at most p_days away:
-- once a week per municipality, and every day once a deadline is three days away or less. Only real
-- cases (provenance 'user'), not the demo's. The e-mail lists file references, parcels and deadlines,
-- not the price.

ALTER TABLE core.notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE core.notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('inquiry', 'site_report', 'reminder', 'deadline'));

-- Queue the reminders due today; returns how many were queued (one a week, in the last three days one a
-- day: the reference names the week or the day, so a second call adds nothing).
CREATE FUNCTION core.queue_deadline_reminders(p_days integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO core.notifications (kind, reference, municipality_ags)
    SELECT 'deadline',
           'V-' || c.municipality_ags || '-' || CASE WHEN min(c.deadline) - current_date <= 3
                                                    THEN to_char(current_date, 'YYYY-MM-DD')
                                                    ELSE to_char(current_date, 'IYYY-"W"IW') END,
           c.municipality_ags
    FROM core.preemption_cases c
    WHERE c.decision IS NULL AND c.provenance = 'user'
      AND c.deadline BETWEEN current_date AND current_date + p_days
    GROUP BY c.municipality_ags
    ON CONFLICT (reference) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- The open cases of a municipality whose deadline is at most p_days away, soonest first (no price).
CREATE FUNCTION core.nearing_deadlines(p_municipality text, p_days integer)
RETURNS TABLE (id bigint, file_reference text, parcels text[], deadline date, days_left integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT c.id, c.file_reference, c.parcels, c.deadline, c.deadline - current_date
    FROM core.preemption_cases c
    WHERE c.municipality_ags = p_municipality AND c.decision IS NULL AND c.provenance = 'user'
      AND c.deadline BETWEEN current_date AND current_date + p_days
    ORDER BY c.deadline, c.file_reference
$$;

REVOKE ALL ON FUNCTION core.queue_deadline_reminders(integer), core.nearing_deadlines(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.queue_deadline_reminders(integer), core.nearing_deadlines(text, integer)
    TO flaechenpool_admin;
