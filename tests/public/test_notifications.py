"""E-mail notifications of new inquiries and site reports: queued in the transaction that stores them,
sent over real SMTP (aiosmtpd on a local port) to the land managers of the municipality, without the
sender's personal data; failures stay queued with their reason."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from flaechenpool import notifications
from flaechenpool.api.app import create_app
from flaechenpool.auth import add_user, change_user
from flaechenpool.errors import InputError
from flaechenpool.settings import MailSettings, PublicSettings, Settings

ILMENAU = "16070029"
JENA = "16053000"
SOEMMERDA = "16068051"
INQUIRY = {"name": "Gerda Geheim", "email": "gerda.geheim@example.org", "company": "Geheimbau GmbH",
           "message": "Wir suchen 5.000 m² für eine Werkstatt. Vertraulich: Budget 2 Mio.", "consent": True}
PUBLIC = PublicSettings()


@dataclass
class Inbox:
    """What the SMTP server received: envelope recipients and parsed messages."""
    recipients: list[list[str]] = field(default_factory=list)
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.recipients.append(sorted(envelope.rcpt_tos))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, MailSettings]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, MailSettings(smtp_host="127.0.0.1", smtp_port=controller.port, security="none",
                                  sender="flaechenpool@ilmenau.example", service_url="https://flaechen.ilmenau.example")
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _only_this_tests_notifications(conn: Connection) -> None:
    """Notifications another test may have committed wait out this test (in its rolled-back transaction)."""
    conn.execute(text("UPDATE core.notifications SET next_attempt_at = 'infinity' WHERE sent_at IS NULL"))


def porcelain(conn: Connection) -> int:
    return int(conn.execute(text("SELECT id FROM core.sites WHERE name = 'Ehemaliges Porzellanwerk Ilmenau'"))
               .scalar_one())


def queued(conn: Connection) -> list[dict[str, Any]]:
    """The notifications queued in this test's transaction."""
    return [dict(r) for r in conn.execute(text(
        "SELECT * FROM core.notifications WHERE created_at >= now() ORDER BY id")).mappings()]


def report(conn: Connection, shift_m: float = 0) -> str:
    """A site report as the public page stores it, at a point in Sömmerda."""
    return str(conn.execute(text(
        "SELECT core.submit_site_report('fallow_land', 'Brachliegendes Grundstück hinter dem Bahnhof, seit Jahren leer.', "
        "ST_X(p) + :d, ST_Y(p), 25832, NULL, NULL, NULL, NULL, 'Rudi Melder', 'rudi@example.org', NULL, true, 'v1') "
        "FROM (SELECT ST_PointOnSurface(geom) AS p FROM core.municipalities WHERE ags = :m) m"),
        {"d": shift_m, "m": SOEMMERDA}).scalar_one())


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_the_demo_queues_nothing_and_a_public_inquiry_is_queued_with_its_transaction(
        client: TestClient, conn: Connection) -> None:
    # the demo's inquiries and reports are illustrative: nobody is told
    assert conn.execute(text("SELECT count(*) FROM core.notifications n WHERE n.reference IN (SELECT reference FROM "
                             "personal.inquiries WHERE provenance <> 'user' UNION SELECT reference FROM "
                             "core.site_reports WHERE provenance <> 'user')")).scalar_one() == 0
    assert conn.execute(text("SELECT count(*) FROM personal.inquiries WHERE provenance <> 'user'")).scalar_one() > 0
    site = porcelain(conn)
    refused = client.post(f"/api/public/sites/{site}/inquiries", json={**INQUIRY, "consent": False})
    assert refused.status_code == 400 and queued(conn) == []
    answer = client.post(f"/api/public/sites/{site}/inquiries", json=INQUIRY)
    assert answer.status_code == 201, answer.text
    (row,) = queued(conn)
    assert (row["kind"], row["reference"], row["municipality_ags"], row["site_id"]) == \
        ("inquiry", answer.json()["reference"], ILMENAU, site)
    assert row["sent_at"] is None and row["attempts"] == 0
    assert "geheim" not in str(row).lower()


def test_an_inquiry_is_mailed_to_the_land_managers_of_the_municipality_without_the_senders_data(
        client: TestClient, conn: Connection, smtp: tuple[Inbox, MailSettings]) -> None:
    inbox, mail = smtp
    add_user(conn, "lm-ilmenau-mail", role="land_manager", municipalities=[ILMENAU], display_name="Ina Ilm",
             email="ina.ilm@ilmenau.example")
    add_user(conn, "lm-ilmenau-quiet", role="land_manager", municipalities=[ILMENAU], email="quiet@ilmenau.example")
    change_user(conn, "lm-ilmenau-quiet", notify=False)
    add_user(conn, "lm-ilmenau-none", role="land_manager", municipalities=[ILMENAU])
    add_user(conn, "lm-jena-mail", role="land_manager", municipalities=[JENA], email="jena@jena.example")
    add_user(conn, "admin-mail", role="admin", email="admin@thueringen.example")
    site = porcelain(conn)
    reference = client.post(f"/api/public/sites/{site}/inquiries", json=INQUIRY).json()["reference"]

    sent = notifications.send_due(conn, mail, PUBLIC)
    assert sent == notifications.SendReport(sent=1)
    assert inbox.recipients == [["ina.ilm@ilmenau.example"]]   # not Jena's, not the admin, not who opted out
    (message,) = inbox.messages
    assert reference in message["Subject"] and "Ehemaliges Porzellanwerk Ilmenau" in message["Subject"]
    assert message["To"] == "Ina Ilm <ina.ilm@ilmenau.example>"
    text_ = body(message)
    assert reference in text_ and f"https://flaechen.ilmenau.example/flaechen/{site}" in text_
    assert f"flaechenpool inquiries list --municipality {ILMENAU} --site {site}" in text_
    assert text_.rstrip().endswith("Abbestellen: flaechenpool user change NAME --no-notify")
    for secret in ("Gerda", "gerda.geheim", "Geheimbau", "Budget", "Werkstatt"):
        assert secret not in message.as_string()
    (row,) = queued(conn)
    assert row["sent_at"] is not None and row["sent_to"] == ["lm-ilmenau-mail"] and row["attempts"] == 1

    assert notifications.send_due(conn, mail, PUBLIC) == notifications.SendReport()   # sent once only
    assert len(inbox.messages) == 1


def test_without_a_land_managers_address_the_admins_are_told_and_without_anyone_it_waits(
        conn: Connection, smtp: tuple[Inbox, MailSettings]) -> None:
    inbox, mail = smtp
    reference = report(conn)
    assert notifications.send_due(conn, mail, PUBLIC) == notifications.SendReport(without_recipient=1)
    (row,) = queued(conn)
    assert row["sent_at"] is None and row["attempts"] == 1 and "no recipient" in row["last_error"]
    assert conn.execute(text("SELECT next_attempt_at > now() FROM core.notifications")).scalar_one()
    assert notifications.send_due(conn, mail, PUBLIC) == notifications.SendReport()      # not due yet
    assert inbox.messages == []

    add_user(conn, "admin-mail", role="admin", email="admin@thueringen.example")
    conn.execute(text("UPDATE core.notifications SET next_attempt_at = now()"))
    assert notifications.send_due(conn, mail, PUBLIC) == notifications.SendReport(sent=1)
    (message,) = inbox.messages
    assert inbox.recipients == [["admin@thueringen.example"]]
    assert message["Subject"] == f"Neue Meldung {reference} (brachliegende Fläche) in Sömmerda"
    report_id = conn.execute(text("SELECT id FROM core.site_reports WHERE reference = :r"), {"r": reference}).scalar()
    assert f"flaechenpool reports list --municipality {SOEMMERDA}" in body(message)
    assert f"flaechenpool reports accept {report_id} " in body(message)
    assert "Rudi" not in message.as_string() and "rudi@" not in message.as_string()


def test_an_unreachable_server_keeps_everything_queued_with_the_reason(conn: Connection) -> None:
    add_user(conn, "admin-mail", role="admin", email="admin@thueringen.example")
    first, second = report(conn), report(conn, shift_m=1)
    down = MailSettings(smtp_host="127.0.0.1", smtp_port=free_port(), security="none", timeout_s=2)
    assert notifications.send_due(conn, down, PUBLIC) == notifications.SendReport(failed=2)
    rows = queued(conn)
    assert [r["reference"] for r in rows] == [first, second]
    assert all(r["sent_at"] is None and r["attempts"] == 1 and "Connection" in r["last_error"] for r in rows)
    listed = notifications.list_notifications(conn, pending=True)
    assert {n["state"] for n in listed} == {"retrying"} and len(listed) == 2


def test_nothing_is_sent_or_changed_without_an_smtp_server(conn: Connection) -> None:
    add_user(conn, "admin-mail", role="admin", email="admin@thueringen.example")
    report(conn)
    assert notifications.send_due(conn, MailSettings(), PUBLIC) == notifications.SendReport()
    assert queued(conn)[0]["attempts"] == 0


@pytest.mark.parametrize("address", ["no-at-sign", "a@b", "two words@x.example", "x@y.example, z@y.example",
                                     "Eve <eve@x.example>"])
def test_malformed_addresses_of_users_are_refused(conn: Connection, address: str) -> None:
    with pytest.raises(InputError, match="not an e-mail address"):
        add_user(conn, "someone", role="planner", email=address)
    assert conn.execute(text("SELECT count(*) FROM auth.users WHERE username = 'someone'")).scalar_one() == 0


def test_the_service_sends_on_its_own_connection(conn: Connection, database_url: str,
                                                 smtp: tuple[Inbox, MailSettings]) -> None:
    """The lifespan's job commits what it marks: the inquiry and a recipient are committed first."""
    inbox, mail = smtp
    engine = conn.engine
    with engine.begin() as own:
        add_user(own, "notify-lifespan", role="admin", email="lifespan@thueringen.example")
        reference = own.execute(text(
            "SELECT personal.submit_inquiry(:s, 'Lia Leben', 'lia@example.org', NULL, "
            "'Eine Anfrage für den Test des Dienstes.', true, 'v1')"), {"s": porcelain(own)}).scalar_one()
    try:
        settings = Settings(load_demo=False, mail=mail.model_copy(update={"every_s": 0.2}),
                            public=PublicSettings(purge_every_h=0))
        with TestClient(create_app(settings, database_url=database_url)):
            for _ in range(100):
                if inbox.messages:
                    break
                time.sleep(0.1)
        assert [reference in m["Subject"] for m in inbox.messages] == [True], [m["Subject"] for m in inbox.messages]
        with engine.connect() as check:
            assert check.execute(text("SELECT sent_to FROM core.notifications WHERE reference = :r"),
                                 {"r": reference}).scalar_one() == ["notify-lifespan"]
    finally:
        with engine.begin() as own:
            own.execute(text("DELETE FROM core.notifications WHERE reference = :r"), {"r": reference})
            own.execute(text("DELETE FROM personal.inquiries WHERE reference = :r"), {"r": reference})
            own.execute(text("DELETE FROM auth.users WHERE username = 'notify-lifespan'"))


def aged_inquiry(conn: Connection, days: float, status: str = "new") -> str:
    """An inquiry from the public page to the porcelain works that arrived ``days`` ago (its own notification
    counted as sent, so only the reminder is due)."""
    reference = str(conn.execute(text(
        "SELECT personal.submit_inquiry(:s, 'Alma Alt', 'alma@example.org', NULL, 'Eine ältere Anfrage zur Fläche.', "
        "true, 'v1')"), {"s": porcelain(conn)}).scalar_one())
    conn.execute(text("UPDATE personal.inquiries SET received_at = now() - make_interval(days => :d), status = :st "
                      "WHERE reference = :r"), {"d": days, "st": status, "r": reference})
    conn.execute(text("UPDATE core.notifications SET sent_at = now(), sent_to = '{}' WHERE reference = :r"),
                 {"r": reference})
    return reference


def test_inquiries_nobody_took_up_are_recalled_once_a_week(conn: Connection, smtp: tuple[Inbox, MailSettings]) -> None:
    inbox, mail = smtp
    add_user(conn, "lm-ilmenau-mail", role="land_manager", municipalities=[ILMENAU], email="ina.ilm@ilmenau.example")
    old, older = aged_inquiry(conn, 6), aged_inquiry(conn, 9)
    aged_inquiry(conn, 2)                               # too young to remind of
    aged_inquiry(conn, 20, status="in_progress")        # taken up
    assert notifications.send_due(conn, mail, PUBLIC) == notifications.SendReport(sent=1)
    (message,) = inbox.messages
    assert message["Subject"] == "Erinnerung: 2 Anfragen in Ilmenau seit mehr als 5 Tagen unbearbeitet"
    listed = [line.split()[0] for line in body(message).splitlines() if line.startswith("  A-")]
    assert listed == [older, old]                       # oldest first, only the overdue new ones
    assert "Alma" not in message.as_string() and "alma@" not in message.as_string()
    assert notifications.send_due(conn, mail, PUBLIC) == notifications.SendReport()     # once a week
    assert len(inbox.messages) == 1


def test_a_reminder_of_inquiries_taken_up_meanwhile_is_not_sent(conn: Connection,
                                                                smtp: tuple[Inbox, MailSettings]) -> None:
    inbox, mail = smtp
    add_user(conn, "lm-ilmenau-mail", role="land_manager", municipalities=[ILMENAU], email="ina.ilm@ilmenau.example")
    reference = aged_inquiry(conn, 8)
    quiet = MailSettings(**{**mail.model_dump(), "remind_after_days": 0})
    assert notifications.send_due(conn, quiet, PUBLIC) == notifications.SendReport()      # reminders off
    assert [r["kind"] for r in queued(conn)] == ["inquiry"]
    assert conn.execute(text("SELECT personal.queue_reminders(5)")).scalar_one() == 1
    conn.execute(text("UPDATE personal.inquiries SET status = 'answered' WHERE reference = :r"), {"r": reference})
    assert notifications.send_due(conn, mail, PUBLIC) == notifications.SendReport(obsolete=1)
    assert inbox.messages == []
    reminder = queued(conn)[-1]
    assert reminder["kind"] == "reminder" and reminder["sent_to"] == [] and "nothing to remind" in reminder["last_error"]


def pre_emption_case(conn: Connection, reference: str, notified_sql: str, *, provenance: str = "user") -> int:
    """An open case of Jena whose notice arrived on ``notified_sql`` (an SQL date expression)."""
    key = conn.execute(text(
        "SELECT flurstueckskennzeichen FROM core.parcels WHERE municipality_ags = :m AND valid_to IS NULL "
        "AND flurstueckskennzeichen NOT IN (SELECT unnest(parcels) FROM core.preemption_cases) ORDER BY 1 LIMIT 1"),
        {"m": JENA}).scalar_one()
    return int(conn.execute(text(
        "INSERT INTO core.preemption_cases (municipality_ags, file_reference, legal_basis, parcels, contract_date, "
        f"notified_on, price_eur, provenance) VALUES (:m, :r, 'statute', ARRAY[:k], ({notified_sql}) - 5, "
        f"{notified_sql}, 987654, :p) RETURNING id"), {"m": JENA, "r": reference, "k": key, "p": provenance}).scalar_one())


def test_pre_emption_deadlines_are_recalled_weekly_and_daily_at_the_end(conn: Connection,
                                                                       smtp: tuple[Inbox, MailSettings]) -> None:
    inbox, mail = smtp
    add_user(conn, "lm-jena-mail", role="land_manager", municipalities=[JENA], email="jens.jena@jena.example")
    soon = pre_emption_case(conn, "VK-SOON", "(current_date - interval '3 months')::date + 1")    # 0–3 days left
    nearing = pre_emption_case(conn, "VK-NEAR", "current_date - 80")                             # 9–12 days left
    pre_emption_case(conn, "VK-FAR", "current_date - 10")                                        # months left
    pre_emption_case(conn, "VK-DEMO", "current_date - 80", provenance="illustrative")           # no real case
    left = dict(conn.execute(text("SELECT file_reference, deadline - current_date FROM core.preemption_cases "
                                  "WHERE file_reference LIKE 'VK-%'")).all())
    assert 0 <= left["VK-SOON"] <= 3 and 4 <= left["VK-NEAR"] <= 14 < left["VK-FAR"]
    assert notifications.send_due(conn, mail, PUBLIC) == notifications.SendReport(sent=1)
    (message,) = inbox.messages
    assert inbox.recipients == [["jens.jena@jena.example"]]
    assert message["Subject"].startswith("Vorkaufsrecht: 2 Fristen in Jena enden bald, die erste ")
    listed = [line.split()[0] for line in body(message).splitlines() if line.startswith("  VK-")]
    assert listed == ["VK-SOON", "VK-NEAR"]                                  # soonest first, open real cases only
    # no price, in any format (the Message-ID's random digits may hold "987", so only the text is read)
    assert f"(Fall {soon})" in body(message) and "987" not in body(message) + message["Subject"]
    assert "/api/preemption/FALL/report.pdf" in body(message)                # where the decision paper is
    assert max(len(line) for line in body(message).splitlines()) <= 90        # readable in any mail client
    reminder = queued(conn)[-1]
    assert reminder["kind"] == "deadline" and reminder["reference"].endswith(str(dt.date.today()))   # daily now
    assert notifications.send_due(conn, mail, PUBLIC) == notifications.SendReport()       # once a day
    conn.execute(text("UPDATE core.preemption_cases SET decision = 'waived', decided_on = current_date, "
                      "decided_by = 'test' WHERE id = :i"), {"i": soon})
    assert conn.execute(text("SELECT core.queue_deadline_reminders(14)")).scalar_one() == 1      # this week's
    assert "-W" in queued(conn)[-1]["reference"]
    conn.execute(text("UPDATE core.preemption_cases SET decision = 'no_right', decided_on = current_date, "
                      "decided_by = 'test' WHERE id = :i"), {"i": nearing})
    assert notifications.send_due(conn, mail, PUBLIC) == notifications.SendReport(obsolete=1)      # decided since
    assert len(inbox.messages) == 1
    off = MailSettings(**{**mail.model_dump(), "deadline_warn_days": 0})
    pre_emption_case(conn, "VK-LATE", "(current_date - interval '3 months')::date + 1")
    conn.execute(text("DELETE FROM core.notifications WHERE kind = 'deadline'"))
    assert notifications.send_due(conn, off, PUBLIC) == notifications.SendReport()          # reminders off
    assert not [n for n in queued(conn) if n["kind"] == "deadline"]
    assert notifications.send_due(conn, mail, PUBLIC) == notifications.SendReport(sent=1)    # on again
    assert inbox.messages[-1]["Subject"].startswith("Vorkaufsrecht: Frist des Falls VK-LATE in Jena endet ")
