"""Retention and erasure of what the public sends (migration 0007, flaechenpool.privacy): aged
inquiries and report contacts are deleted, a person's data can be listed (logged) and erased, and the
copies of their personal columns in audit.log go with them; only admins may do any of it."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from flaechenpool import privacy
from flaechenpool.api.app import create_app
from flaechenpool.db import set_context
from flaechenpool.errors import InputError
from flaechenpool.settings import PublicSettings, Settings

PERSONAL = {"Alte Anfragerin", "alt@example.org", "Altbau KG", "Frühere Nachricht zur Fläche."}


def inquiry(conn: Connection, *, email: str, age_days: float, name: str = "Alte Anfragerin") -> int:
    """An inquiry to a published site that arrived ``age_days`` ago (through the audited table)."""
    return int(conn.execute(text(
        "INSERT INTO personal.inquiries (reference, site_id, municipality_ags, name, email, company, message, consent, "
        "consent_text_version, consented_at, received_at, provenance, source) "
        "SELECT core.new_reference('A'), s.id, s.municipality_ags, :n, :e, 'Altbau KG', 'Frühere Nachricht zur Fläche.', "
        "true, 'test', now() - make_interval(days => :d), now() - make_interval(days => :d), 'user', 'test' "
        "FROM core.public_sites s ORDER BY s.id LIMIT 1 RETURNING id"), {"n": name, "e": email, "d": age_days}).scalar_one())


def report_contact(conn: Connection, *, email: str, decided_days_ago: float | None) -> int:
    """A site report with a contact, decided (rejected) so many days ago, or still undecided."""
    report = conn.execute(text(
        "INSERT INTO core.site_reports (reference, municipality_ags, kind, description, geom, received_at, provenance, "
        "source) SELECT core.new_reference('M'), m.ags, 'fallow_land', 'Brache am Ortsrand, seit Jahren ungenutzt.', "
        "ST_PointOnSurface(m.geom), now() - interval '400 days', 'user', 'test' FROM core.municipalities m "
        "WHERE m.ags = '16053000' RETURNING id")).scalar_one()
    conn.execute(text(
        "INSERT INTO personal.report_contacts (report_id, name, email, phone, consent, consent_text_version, provenance, "
        "source) VALUES (:r, 'Melder Alt', :e, '+49 3641 000', true, 'test', 'user', 'test')"), {"r": report, "e": email})
    if decided_days_ago is not None:
        conn.execute(text("UPDATE core.site_reports SET status = 'rejected', rejection_reason = 'Test', "
                          "decided_at = now() - make_interval(days => :d) WHERE id = :r"), {"r": report, "d": decided_days_ago})
    return int(report)


def audit_rows(conn: Connection, table: str, key: int) -> list[dict]:
    rows = conn.execute(text("SELECT action, before, after FROM audit.log WHERE table_name = :t AND row_key = :k "
                             "ORDER BY id"), {"t": table, "k": str(key)}).mappings()
    return [dict(r) for r in rows]


def exists(conn: Connection, table: str, column: str, key: int) -> bool:
    return bool(conn.execute(text(f"SELECT count(*) FROM {table} WHERE {column} = :k"), {"k": key}).scalar())


def test_purge_deletes_what_is_past_its_period_and_redacts_the_audit_log(conn: Connection) -> None:
    old, fresh = inquiry(conn, email="alt@example.org", age_days=400), inquiry(conn, email="neu@example.org", age_days=10)
    assert any(PERSONAL & set(map(str, (r["after"] or {}).values())) for r in audit_rows(conn, "personal.inquiries", old))
    decided_long_ago = report_contact(conn, email="m1@example.org", decided_days_ago=120)
    decided_lately = report_contact(conn, email="m2@example.org", decided_days_ago=5)
    undecided = report_contact(conn, email="m3@example.org", decided_days_ago=None)   # arrived 400 days ago

    erased = privacy.purge_expired(conn, PublicSettings(inquiry_retention_days=365, report_contact_retention_days=90))

    assert not exists(conn, "personal.inquiries", "id", old) and exists(conn, "personal.inquiries", "id", fresh)
    assert not exists(conn, "personal.report_contacts", "report_id", decided_long_ago)
    assert not exists(conn, "personal.report_contacts", "report_id", undecided)
    assert exists(conn, "personal.report_contacts", "report_id", decided_lately)
    assert exists(conn, "core.site_reports", "id", decided_long_ago)            # the report itself stays
    assert conn.execute(text("SELECT description FROM core.site_reports WHERE id = :r"),
                        {"r": decided_long_ago}).scalar_one() == "Brache am Ortsrand, seit Jahren ungenutzt."
    assert erased.reports == 0
    assert (erased.inquiries, erased.report_contacts) >= (1, 2)
    history = audit_rows(conn, "personal.inquiries", old)
    assert [r["action"] for r in history] == ["insert", "delete"]               # who/when stays, the data goes
    for record in history:
        image = record["after"] or record["before"]
        assert image["redacted"] == "retention period ended" and image["reference"].startswith("A-")
        assert not PERSONAL & set(map(str, image.values())) and not {"name", "email", "message"} & set(image)
    assert "neu@example.org" in json.dumps(audit_rows(conn, "personal.inquiries", fresh))   # others untouched
    assert "Melder Alt" not in json.dumps(audit_rows(conn, "personal.report_contacts", decided_long_ago))


def test_an_access_request_lists_everything_of_an_address_and_is_logged(conn: Connection) -> None:
    first = inquiry(conn, email="Person@Example.org", age_days=3)
    report = report_contact(conn, email="person@example.org", decided_days_ago=None)
    inquiry(conn, email="jemand.anders@example.org", age_days=3, name="Jemand Anders")
    rows = privacy.find_by_email(conn, " person@example.ORG ", purpose="Auskunft Art. 15, Az. 1")
    assert {(r["what"], r["id"]) for r in rows} == {("inquiry", first), ("report_contact", report)}
    logged = conn.execute(text("SELECT purpose, keys, row_count FROM audit.personal_data_reads "
                               "ORDER BY id DESC LIMIT 1")).one()
    assert logged.purpose == "Auskunft Art. 15, Az. 1" and logged.row_count == 2
    assert set(logged.keys) == {f"inquiry:{first}", f"report_contact:{report}"}
    with pytest.raises(InputError):
        privacy.find_by_email(conn, "person@example.org", purpose=" ")


def test_erasure_by_address_deletes_both_kinds_and_only_those(conn: Connection) -> None:
    mine = inquiry(conn, email="weg@example.org", age_days=1)
    other = inquiry(conn, email="bleibt@example.org", age_days=1)
    report = report_contact(conn, email="WEG@example.org", decided_days_ago=None)
    erased = privacy.erase_by_email(conn, "weg@example.org", reason="Löschung Art. 17, Az. 7")
    # audit records: the inquiry's and the contact's insert and delete, the report's insert and redaction
    assert (erased.inquiries, erased.report_contacts, erased.reports) == (1, 1, 1) and erased.audit_records == 6
    assert not exists(conn, "personal.inquiries", "id", mine) and exists(conn, "personal.inquiries", "id", other)
    assert not exists(conn, "personal.report_contacts", "report_id", report)
    assert "weg@example.org" not in json.dumps(audit_rows(conn, "personal.inquiries", mine)).lower()
    assert "Löschung Art. 17, Az. 7" in json.dumps(audit_rows(conn, "personal.inquiries", mine), ensure_ascii=False)
    assert privacy.erase_by_email(conn, "weg@example.org", reason="noch einmal").inquiries == 0
    with pytest.raises(InputError):
        privacy.erase_by_email(conn, "weg@example.org", reason="")


def test_erasure_clears_what_the_persons_reports_say_and_show_in_any_status(conn: Connection) -> None:
    """A decided report cannot be edited (trigger), but an erasure request replaces its description and
    deletes its photo; the report's kind, place and decision stay, other reports are untouched, and no
    audit record keeps the description."""
    decided = report_contact(conn, email="melderin@example.org", decided_days_ago=3)
    new = report_contact(conn, email="Melderin@example.org", decided_days_ago=None)
    other = report_contact(conn, email="jemand@example.org", decided_days_ago=None)
    for report in (decided, other):
        conn.execute(text("INSERT INTO core.site_report_photos (report_id, media_type, width, height, content, sha256) "
                          "VALUES (:r, 'image/png', 1, 1, '\\x89504e47', repeat('a', 64))"), {"r": report})
    text_of = "SELECT description FROM core.site_reports WHERE id = :r"
    with pytest.raises(DBAPIError) as caught:      # decided: not editable, not even its description
        with conn.begin_nested():
            conn.execute(text("UPDATE core.site_reports SET description = 'Geänderter Text der Meldung' WHERE id = :r"),
                         {"r": decided})
    assert caught.value.orig.sqlstate == "FPR04"

    erased = privacy.erase_by_email(conn, "melderin@example.org", reason="Löschung Art. 17, Az. 9")

    assert (erased.report_contacts, erased.reports) == (2, 2)
    for report in (decided, new):
        assert conn.execute(text(text_of), {"r": report}).scalar_one() == \
            "[Beschreibung auf Verlangen der meldenden Person gelöscht]"
        assert not exists(conn, "core.site_report_photos", "report_id", report)
        history = json.dumps(audit_rows(conn, "core.site_reports", report), ensure_ascii=False)
        assert "Brache am Ortsrand" not in history and "Löschung Art. 17, Az. 9" in history
    state = conn.execute(text("SELECT status, rejection_reason, kind FROM core.site_reports WHERE id = :r"),
                         {"r": decided}).one()
    assert tuple(state) == ("rejected", "Test", "fallow_land")
    assert conn.execute(text(text_of), {"r": other}).scalar_one() == "Brache am Ortsrand, seit Jahren ungenutzt."
    assert exists(conn, "core.site_report_photos", "report_id", other)
    assert "Brache am Ortsrand" in json.dumps(audit_rows(conn, "core.site_reports", other), ensure_ascii=False)


NOTE = "[Beschreibung auf Verlangen der meldenden Person gelöscht]"


def accepted_into(conn: Connection, report: int, site: int, *, retire: bool = False) -> str:
    """Link ``report`` to ``site`` as accepting it does (its description copied into the site's, with a
    sentence of the office after it); optionally retire the site. Returns the copy's prefix."""
    reference = conn.execute(text("SELECT reference FROM core.site_reports WHERE id = :r"), {"r": report}).scalar_one()
    conn.execute(text("UPDATE core.sites s SET description = 'Aus Meldung ' || r.reference || ': ' || r.description "
                      "|| ' Vom Amt ergänzt: Eigentümer angefragt.' FROM core.site_reports r "
                      "WHERE s.id = :s AND r.id = :r"), {"s": site, "r": report})
    conn.execute(text("UPDATE core.site_reports SET status = 'accepted', site_id = :s WHERE id = :r"),
                 {"s": site, "r": report})
    if retire:
        conn.execute(text("UPDATE core.sites SET retired_at = now(), retired_reason = 'Test' WHERE id = :s"), {"s": site})
    return f"Aus Meldung {reference}: "


def test_erasure_reaches_the_copies_in_the_sites_made_from_the_reports(conn: Connection) -> None:
    """Accepting a report copies its description into the new site's. An erasure request replaces that
    copy too — in an active and in a retired site, and in the sites' audit records — and keeps what the
    office wrote; the copy of another person's report stays."""
    sites = conn.execute(text("SELECT id FROM core.sites WHERE NOT published AND retired_at IS NULL ORDER BY id "
                              "LIMIT 3")).scalars().all()
    assert len(sites) == 3
    mine, mine_too, other = (report_contact(conn, email=e, decided_days_ago=None)
                             for e in ("kopie@example.org", "KOPIE@example.org", "andere@example.org"))
    prefixes = [accepted_into(conn, mine, sites[0]), accepted_into(conn, mine_too, sites[1], retire=True),
                accepted_into(conn, other, sites[2])]
    versions = dict(conn.execute(text("SELECT id, version FROM core.sites WHERE id = ANY(:s)"), {"s": sites}).all())

    erased = privacy.erase_by_email(conn, "kopie@example.org", reason="Löschung Art. 17, Az. 11")

    assert erased.reports == 2
    description = "SELECT description, version FROM core.sites WHERE id = :s"
    for site, prefix in zip(sites[:2], prefixes[:2], strict=True):
        now = conn.execute(text(description), {"s": site}).one()
        assert now.description == f"{prefix}{NOTE} Vom Amt ergänzt: Eigentümer angefragt."
        assert now.version == versions[site] + 1
        history = json.dumps(audit_rows(conn, "core.sites", site), ensure_ascii=False)
        assert "Brache am Ortsrand" not in history and NOTE in history
    assert conn.execute(text(description), {"s": sites[2]}).one().description == \
        f"{prefixes[2]}Brache am Ortsrand, seit Jahren ungenutzt. Vom Amt ergänzt: Eigentümer angefragt."
    assert "Brache am Ortsrand" in json.dumps(audit_rows(conn, "core.sites", sites[2]), ensure_ascii=False)


def test_a_retired_site_stays_unchangeable_outside_an_erasure(conn: Connection) -> None:
    site = conn.execute(text("SELECT id FROM core.sites WHERE NOT published AND retired_at IS NULL ORDER BY id "
                             "LIMIT 1")).scalar_one()
    accepted_into(conn, report_contact(conn, email="r@example.org", decided_days_ago=None), site, retire=True)
    set_context(conn, actor="lm", role="land_manager")
    conn.execute(text("SELECT set_config('flaechenpool.redacting_reports', 'on', true)"))
    with pytest.raises(DBAPIError) as caught:
        conn.execute(text("UPDATE core.sites SET description = 'Von Hand geändert' WHERE id = :s"), {"s": site})
    assert caught.value.orig.sqlstate == "FPW02"


def test_a_land_manager_cannot_borrow_the_erasure_to_edit_a_decided_report(conn: Connection) -> None:
    decided = report_contact(conn, email="m@example.org", decided_days_ago=3)
    set_context(conn, actor="lm", role="land_manager")
    conn.execute(text("SELECT set_config('flaechenpool.redacting_reports', 'on', true)"))
    with pytest.raises(DBAPIError) as caught:
        conn.execute(text("UPDATE core.site_reports SET description = 'Von Hand geändert, nicht gelöscht' "
                          "WHERE id = :r"), {"r": decided})
    assert caught.value.orig.sqlstate == "FPR04"


@pytest.mark.parametrize("role", ["land_manager", "planner", "public"])
def test_only_admins_may_purge_list_or_erase(conn: Connection, role: str) -> None:
    for statement in ("SELECT * FROM personal.purge_expired(365, 90)",
                      "SELECT * FROM personal.erase_by_email('a@example.org', 'x')",
                      "SELECT * FROM personal.find_by_email('a@example.org', 'x')",
                      "SELECT audit.redact('personal.inquiries', '{1}', 'x')",
                      "SELECT personal.redact_reports('{1}', 'x')"):
        savepoint = conn.begin_nested()
        set_context(conn, actor="someone", role=role)
        with pytest.raises(DBAPIError) as caught:
            conn.execute(text(statement))
        assert caught.value.orig.sqlstate == "42501"
        savepoint.rollback()


def test_the_database_refuses_a_retention_below_a_day(conn: Connection) -> None:
    with pytest.raises(DBAPIError) as caught:
        conn.execute(text("SELECT * FROM personal.purge_expired(0, 90)"))
    assert caught.value.orig.sqlstate == "FPA05"
    with pytest.raises(ValueError):
        PublicSettings(inquiry_retention_days=0)


def test_the_service_purges_at_start(conn: Connection, database_url: str) -> None:
    """The lifespan's retention job runs on its own connection: what it deletes is committed, so the
    row is committed first (and is older than anything in the demo)."""
    engine = conn.engine
    with engine.begin() as own:
        old = inquiry(own, email="lifespan@example.org", age_days=5000)
        reference = own.execute(text("SELECT reference FROM personal.inquiries WHERE id = :i"), {"i": old}).scalar_one()
    try:
        settings = Settings(load_demo=False, public=PublicSettings(inquiry_retention_days=4000,
                                                                   report_contact_retention_days=4000, purge_every_h=24))
        with TestClient(create_app(settings, database_url=database_url)):
            for _ in range(50):
                with engine.connect() as check:
                    if not exists(check, "personal.inquiries", "id", old):
                        break
                time.sleep(0.1)
        with engine.connect() as check:
            assert not exists(check, "personal.inquiries", "id", old)
            actor = check.execute(text("SELECT actor FROM audit.log WHERE table_name = 'personal.inquiries' "
                                       "AND row_key = :k AND action = 'delete'"), {"k": str(old)}).scalar_one()
            assert actor == "service:retention"
    finally:
        with engine.begin() as own:
            own.execute(text("DELETE FROM core.notifications WHERE reference = :r"), {"r": reference})
            own.execute(text("DELETE FROM personal.inquiries WHERE id = :i"), {"i": old})
