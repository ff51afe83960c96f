"""``flaechenpool personal show|erase|purge`` on the test's rolled-back connection."""

from __future__ import annotations

from sqlalchemy import Connection

from tests.cli.conftest import invoke
from tests.public.test_retention import exists, inquiry


def test_cli_erase_and_show(conn: Connection) -> None:
    inquiry(conn, email="cli.person@example.org", age_days=2)
    shown = invoke("personal", "show", "cli.person@example.org", "--purpose", "Auskunft Az. 3")
    assert shown.exit_code == 0, shown.output
    assert "cli.person@example.org" in shown.output and "1 records" in shown.output
    erased = invoke("personal", "erase", "cli.person@example.org", "--reason", "Löschung Az. 3")
    assert erased.exit_code == 0 and "1 inquiries, 0 report contacts deleted" in erased.output
    refused = invoke("personal", "erase", "keine-adresse", "--reason", "x")
    assert refused.exit_code != 0 and "e-mail" in refused.output


def test_cli_purge_reports_what_it_deleted(conn: Connection) -> None:
    old = inquiry(conn, email="cli.alt@example.org", age_days=4000)
    result = invoke("personal", "purge")
    assert result.exit_code == 0, result.output
    assert "retention (inquiries 365 days, report contacts 90 days)" in result.output
    assert not exists(conn, "personal.inquiries", "id", old)
