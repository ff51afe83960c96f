"""E-mail notifications (Benachrichtigungen) of the land office about what the public sends.

An inquiry (*Anfrage*) or a site report (*Meldung*) sent through the public page is queued in
``core.notifications`` by a database trigger, in the transaction that stores it (a transactional
outbox: nothing is queued for an inquiry that was not stored, nothing stored is left unqueued).
Once a week per municipality, inquiries still new ``mail.remind_after_days`` days after they arrived
are recalled in a reminder (kind ``reminder``, queued by ``personal.queue_reminders``; it lists
reference numbers and sites). Open pre-emption cases (*Vorkaufsrechtsfälle*) whose deadline is at most
``mail.deadline_warn_days`` away are recalled weekly, in the last three days daily (kind ``deadline``,
queued by ``core.queue_deadline_reminders``; file references, parcels and deadlines). ``send_due``
sends what is due to the land managers of the municipality who have an e-mail address and want
notifications (``auth.users.email``, ``notify``); when none of them has one, to the admins, so that
nothing waits unseen. The e-mail names the reference number, the site and the municipality, never
the sender's name, address or message: staff read those in Flächenpool, where each read is logged.

Delivery is at least once: a message the SMTP server accepted is marked sent in the same transaction
that claimed it (``FOR UPDATE SKIP LOCKED``: two service processes never send the same one); should
that commit fail, it is sent again at the next turn. A failure (server unreachable, refused login, no
recipient) is recorded on the notification and tried again later, at growing intervals up to
``MAX_DELAY``. Sent notifications are deleted after ``KEEP_SENT_DAYS``.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from flaechenpool.settings import MailSettings, PublicSettings

BATCH = 50                  # notifications claimed per turn
KEEP_SENT_DAYS = 90         # sent notifications are kept this long (what was sent to whom)
MAX_DELAY = "6 hours"       # the longest wait between two attempts
BERLIN = ZoneInfo("Europe/Berlin")

REPORT_KINDS = {"vacant_building": "leerstehendes Gebäude", "fallow_land": "brachliegende Fläche"}


@dataclass(frozen=True)
class Due:
    """A queued notification with what its e-mail says."""
    id: int
    kind: str                   # inquiry | site_report | reminder | deadline
    reference: str
    municipality_ags: str
    municipality: str
    site_id: int | None
    site_name: str | None
    report_id: int | None
    report_kind: str | None
    created_at: datetime
    attempts: int


@dataclass(frozen=True)
class Recipient:
    username: str
    display_name: str
    email: str
    role: str


@dataclass(frozen=True)
class Overdue:
    """An inquiry still new after ``mail.remind_after_days`` days, as a reminder names it."""
    reference: str
    site_id: int
    site_name: str
    received_at: datetime


@dataclass(frozen=True)
class Nearing:
    """An open pre-emption case whose deadline comes near, as a deadline reminder names it (no price)."""
    id: int
    file_reference: str
    parcels: list[str]
    deadline: date
    days_left: int


@dataclass(frozen=True)
class SendReport:
    """What one turn did: sent, failed (tried again later), waiting for a recipient, reminders with nothing
    left to remind of (handled meanwhile), sent ones deleted."""
    sent: int = 0
    failed: int = 0
    without_recipient: int = 0
    obsolete: int = 0
    deleted: int = 0


_DUE = text("""
    SELECT n.id, n.kind, n.reference, n.municipality_ags, m.name AS municipality, n.site_id,
           s.name AS site_name, r.id AS report_id, r.kind AS report_kind, n.created_at, n.attempts
    FROM core.notifications n
    JOIN core.municipalities m ON m.ags = n.municipality_ags
    LEFT JOIN core.sites s ON s.id = n.site_id
    LEFT JOIN core.site_reports r ON n.kind = 'site_report' AND r.reference = n.reference
    WHERE n.sent_at IS NULL AND n.next_attempt_at <= now()
    ORDER BY n.id
    LIMIT :limit
    FOR UPDATE OF n SKIP LOCKED""")

# land managers of the municipality; admins only when no land manager there has an address
_RECIPIENTS = text("""
    WITH candidates AS (
        SELECT u.username, u.display_name, u.email, u.role
        FROM auth.users u
        WHERE u.active AND u.notify AND u.email IS NOT NULL
          AND (u.role = 'admin'
               OR u.role = 'land_manager' AND EXISTS (
                   SELECT 1 FROM auth.user_municipalities um
                   WHERE um.user_id = u.id AND um.municipality_ags = :ags)))
    SELECT username, display_name, email, role FROM candidates
    WHERE role = 'land_manager' OR NOT EXISTS (SELECT 1 FROM candidates WHERE role = 'land_manager')
    ORDER BY username""")


def recipients(conn: Connection, municipality_ags: str) -> list[Recipient]:
    """Who is told about what arrives for ``municipality_ags`` (see the module)."""
    return [Recipient(**row) for row in conn.execute(_RECIPIENTS, {"ags": municipality_ags}).mappings()]


def claim_due(conn: Connection, limit: int = BATCH) -> list[Due]:
    """The notifications due now, locked until the transaction ends (others skip them)."""
    return [Due(**row) for row in conn.execute(_DUE, {"limit": limit}).mappings()]


def overdue(conn: Connection, municipality_ags: str, days: int) -> list[Overdue]:
    """The inquiries of a municipality still new after ``days`` days, oldest first."""
    return [Overdue(**row) for row in conn.execute(text("SELECT * FROM personal.overdue_inquiries(:m, :d)"),
                                                   {"m": municipality_ags, "d": days}).mappings()]


def nearing(conn: Connection, municipality_ags: str, days: int) -> list[Nearing]:
    """The open pre-emption cases of a municipality whose deadline is at most ``days`` away, soonest first."""
    return [Nearing(**row) for row in conn.execute(text("SELECT * FROM core.nearing_deadlines(:m, :d)"),
                                                   {"m": municipality_ags, "d": days}).mappings()]


def _berlin(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M Uhr")


def compose(item: Due, to: list[Recipient], mail: MailSettings, public: PublicSettings,
            waiting: list[Overdue] | list[Nearing] | None = None) -> EmailMessage:
    """The German e-mail of a notification: what arrived (or, for a reminder, the inquiries ``waiting``; for
    a deadline reminder, the cases whose deadline nears), where to read it; no personal data of the sender."""
    received = _berlin(item.created_at)
    link = mail.service_url.rstrip("/") if mail.service_url else None
    if item.kind == "reminder":
        return _reminder(item, to, mail, waiting or [], link)  # type: ignore[arg-type]
    if item.kind == "deadline":
        return _deadlines(item, to, mail, waiting or [], link)  # type: ignore[arg-type]
    if item.kind == "inquiry":
        site = f"»{item.site_name}« (Nr. {item.site_id})"
        subject = f"Neue Anfrage {item.reference} zur Fläche {site}, {item.municipality}"
        what = f"ist eine Anfrage zur Fläche {site} in {item.municipality} eingegangen"
        command = (f"flaechenpool inquiries list --municipality {item.municipality_ags} --site {item.site_id} "
                   '--purpose "Bearbeitung der Anfrage"')
        api = f"/api/inquiries?municipality={item.municipality_ags}&site_id={item.site_id}&purpose=Bearbeitung"
        hint = (f"Die Anfrage wird {public.inquiry_retention_days} Tage nach ihrem Eingang gelöscht.")
        extra = [f"Öffentliche Seite der Fläche: {link}/flaechen/{item.site_id}"] if link else []
    else:
        kind = REPORT_KINDS.get(item.report_kind or "", "Fläche")
        subject = f"Neue Meldung {item.reference} ({kind}) in {item.municipality}"
        what = f"ist eine Meldung ({kind}) in {item.municipality} eingegangen; sie wartet auf Ihre Prüfung"
        command = f"flaechenpool reports list --municipality {item.municipality_ags}"
        api = f"/api/reports?municipality={item.municipality_ags}"
        hint = (f"Als Fläche übernehmen: flaechenpool reports accept {item.report_id} --name …; ablehnen: "
                f"flaechenpool reports reject {item.report_id} --reason …")
        extra = []
    lines = [
        "Guten Tag,",
        "",
        f"über die öffentliche Seite des Flächenpools {what}.",
        "",
        f"Referenznummer: {item.reference}",
        f"Eingegangen:    {received}",
        *extra,
        "",
        "Name, Kontaktdaten und Text der absendenden Person stehen aus Datenschutzgründen nicht in dieser",
        "E-Mail. Sie lesen sie im Flächenpool (jeder Lesezugriff wird protokolliert):",
        f"  {command}",
        f"  {link}{api}" if link else f"  oder GET {api} (mit Ihrem Token)",
        "",
        hint,
    ]
    return _message(item, to, mail, subject, lines)


def _reminder(item: Due, to: list[Recipient], mail: MailSettings, waiting: list[Overdue],
              link: str | None) -> EmailMessage:
    n = len(waiting)
    days = mail.remind_after_days
    subject = (f"Erinnerung: {n} Anfrage{'n' if n != 1 else ''} in {item.municipality} seit mehr als {days} "
               "Tagen unbearbeitet")
    rows = [f"  {w.reference}  {_berlin(w.received_at)}  »{w.site_name}« (Nr. {w.site_id})" for w in waiting]
    lines = [
        "Guten Tag,",
        "",
        f"in {item.municipality} {'warten' if n != 1 else 'wartet'} {n} Anfrage{'n' if n != 1 else ''} über die "
        "öffentliche Seite",
        f"seit mehr als {days} Tagen auf Bearbeitung:",
        "",
        *rows,
        "",
        "Lesen (jeder Lesezugriff wird protokolliert) und den Stand vermerken:",
        f"  flaechenpool inquiries list --municipality {item.municipality_ags} --status new "
        '--purpose "Bearbeitung der Anfragen"',
        "  flaechenpool inquiries status REFERENZNUMMER in_progress",
        f"  oder PATCH {link or ''}/api/inquiries/REFERENZNUMMER",
        "",
        "Diese Erinnerung kommt höchstens einmal in der Woche, solange Anfragen unbearbeitet sind.",
    ]
    return _message(item, to, mail, subject, lines)


def _deadlines(item: Due, to: list[Recipient], mail: MailSettings, cases: list[Nearing],
               link: str | None) -> EmailMessage:
    n = len(cases)
    soonest = cases[0].days_left
    when = "heute" if soonest == 0 else "morgen" if soonest == 1 else f"in {soonest} Tagen"
    subject = (f"Vorkaufsrecht: Frist des Falls {cases[0].file_reference} in {item.municipality} endet {when}"
               if n == 1 else f"Vorkaufsrecht: {n} Fristen in {item.municipality} enden bald, die erste {when}")
    rows = []
    for c in cases:
        parcels = c.parcels[0] + (f" (+{len(c.parcels) - 1})" if len(c.parcels) > 1 else "")
        left = "heute" if c.days_left == 0 else "morgen" if c.days_left == 1 else f"noch {c.days_left} Tage"
        rows.append(f"  {c.file_reference}  Frist {c.deadline:%d.%m.%Y} ({left})  Flurstück {parcels}  (Fall {c.id})")
    lines = [
        "Guten Tag,",
        "",
        (f"in {item.municipality} ist ein Vorkaufsrechtsfall noch nicht entschieden, dessen Frist" if n == 1 else
         f"in {item.municipality} sind {n} Vorkaufsrechtsfälle noch nicht entschieden, deren Frist"),
        f"in höchstens {mail.deadline_warn_days} Tagen endet. Nach Ablauf der Frist (drei Monate ab",
        "Mitteilung des Kaufvertrags, § 28 Abs. 2 BauGB) kann das Vorkaufsrecht nicht",
        "mehr ausgeübt werden.",
        "",
        *rows,
        "",
        "Ansehen und entscheiden:",
        f"  flaechenpool preemption list --municipality {item.municipality_ags} --due-within {mail.deadline_warn_days}",
        "  flaechenpool preemption decide FALL no_right|waived|exercised",
        f"  oder POST {link or ''}/api/preemption/FALL/decision",
        "Entscheidungsvorlage (PDF, mit Karte und Entscheidungsgrundlage):",
        "  flaechenpool preemption report FALL",
        f"  oder GET {link or ''}/api/preemption/FALL/report.pdf",
        "",
        "Diese Erinnerung kommt wöchentlich und in den letzten drei Tagen vor einer Frist",
        "täglich, solange Fälle offen sind.",
    ]
    return _message(item, to, mail, subject, lines)


def _message(item: Due, to: list[Recipient], mail: MailSettings, subject: str, lines: list[str]) -> EmailMessage:
    """The e-mail with ``lines`` as its text and the footer every notification ends with."""
    footer = ["", "-- ", "Diese Nachricht hat der Flächenpool automatisch versandt, an die Flächenmanager",
              f"der Gemeinde {item.municipality} (sonst an die Administration).",
              "Abbestellen: flaechenpool user change NAME --no-notify"]
    msg = EmailMessage()
    msg["Subject"] = " ".join(subject.split())      # names from the register: no line break reaches a header
    msg["From"] = formataddr(("Flächenpool", mail.sender))
    msg["To"] = ", ".join(formataddr((r.display_name, r.email)) for r in to)
    msg["Message-ID"] = make_msgid(idstring=item.reference, domain=mail.sender.rpartition("@")[2])
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("\n".join([*lines, *footer]) + "\n")
    return msg


def _connect(mail: MailSettings) -> smtplib.SMTP:
    assert mail.smtp_host is not None
    if mail.security == "tls":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(mail.smtp_host, mail.smtp_port, timeout=mail.timeout_s,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(mail.smtp_host, mail.smtp_port, timeout=mail.timeout_s)
        if mail.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    try:
        if mail.username:
            smtp.login(mail.username, mail.password.get_secret_value() if mail.password else "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _postpone(conn: Connection, item: Due, error: str) -> None:
    conn.execute(text(
        "UPDATE core.notifications SET attempts = attempts + 1, last_error = :e, "
        "next_attempt_at = now() + least(interval '1 minute' * power(2, least(attempts, 12)), "
        "                                CAST(:max AS interval)) "
        "WHERE id = :i"), {"i": item.id, "e": error[:500], "max": MAX_DELAY})


def _mark_sent(conn: Connection, item: Due, to: list[Recipient], refused: dict[str, Any],
               note: str | None = None) -> None:
    accepted = [r.username for r in to if r.email not in refused]
    if refused:
        note = f"refused by the server: {', '.join(sorted(refused))}"
    conn.execute(text("UPDATE core.notifications SET sent_at = now(), sent_to = :to, last_error = :e, "
                      "attempts = attempts + 1 WHERE id = :i"), {"i": item.id, "to": accepted, "e": note})


def send_due(conn: Connection, mail: MailSettings, public: PublicSettings, *, limit: int = BATCH) -> SendReport:
    """Send the notifications due now over one SMTP connection (see the module); the caller commits.
    Without ``mail.smtp_host`` nothing is sent or changed."""
    if mail.smtp_host is None:
        return SendReport()
    deleted = conn.execute(text("DELETE FROM core.notifications WHERE sent_at < now() - make_interval(days => :d)"),
                           {"d": KEEP_SENT_DAYS}).rowcount
    if mail.remind_after_days > 0:
        conn.execute(text("SELECT personal.queue_reminders(:d)"), {"d": mail.remind_after_days})
    if mail.deadline_warn_days > 0:
        conn.execute(text("SELECT core.queue_deadline_reminders(:d)"), {"d": mail.deadline_warn_days})
    sent = failed = without = obsolete = 0
    smtp: smtplib.SMTP | None = None
    items = claim_due(conn, limit)
    try:
        for n, item in enumerate(items):
            waiting = (overdue(conn, item.municipality_ags, mail.remind_after_days) if item.kind == "reminder" else
                       nearing(conn, item.municipality_ags, mail.deadline_warn_days) if item.kind == "deadline" else
                       None)
            if waiting == []:       # handled since the reminder was queued: nothing to say
                _mark_sent(conn, item, [], {}, note="nothing to remind of any more")
                obsolete += 1
                continue
            to = recipients(conn, item.municipality_ags)
            if not to:
                _postpone(conn, item, f"no recipient: no land manager of {item.municipality_ags} and no admin "
                          "has an e-mail address (flaechenpool user change NAME --email …)")
                without += 1
                continue
            try:
                if smtp is None:
                    smtp = _connect(mail)
                refused = smtp.send_message(compose(item, to, mail, public, waiting))
            except (OSError, smtplib.SMTPException) as exc:
                error = f"{type(exc).__name__}: {exc}".strip()
                if smtp is None or isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
                    # the server is not reachable or not usable: the rest waits with the same reason
                    for rest in items[n:]:
                        _postpone(conn, rest, error)
                    failed += len(items) - n
                    break
                _postpone(conn, item, error)
                failed += 1
                continue
            _mark_sent(conn, item, to, refused)
            sent += 1
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return SendReport(sent, failed, without, obsolete, deleted)


def retry_now(conn: Connection) -> int:
    """Make every notification waiting for its next attempt due now (after the mail settings were fixed);
    returns how many."""
    return conn.execute(text("UPDATE core.notifications SET next_attempt_at = now() "
                             "WHERE sent_at IS NULL AND next_attempt_at > now()")).rowcount


def list_notifications(conn: Connection, *, pending: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    """The newest notifications (``pending``: only those not sent yet), with state and last error."""
    return [dict(row) for row in conn.execute(text(
        "SELECT n.id, n.kind, n.reference, n.municipality_ags, n.site_id, n.created_at, n.attempts, "
        "       n.next_attempt_at, n.last_error, n.sent_at, n.sent_to, "
        "       CASE WHEN n.sent_at IS NOT NULL THEN 'sent' WHEN n.attempts = 0 THEN 'queued' "
        "            ELSE 'retrying' END AS state "
        "FROM core.notifications n WHERE NOT :pending OR n.sent_at IS NULL "
        "ORDER BY n.id DESC LIMIT :limit"), {"pending": pending, "limit": limit}).mappings()]
