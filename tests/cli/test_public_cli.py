"""Commands of the public side run in-process on the test's rolled-back connection."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Connection, text

from tests.cli.conftest import invoke

ILMENAU = "16070029"


def test_inquiries_list_needs_a_purpose_and_is_logged(conn: Connection) -> None:
    assert invoke("inquiries", "list", "--municipality", ILMENAU).exit_code == 2
    result = invoke("inquiries", "list", "--municipality", ILMENAU, "--purpose", "Rückruf an Interessenten")
    assert result.exit_code == 0, result.output
    stored = conn.execute(text("SELECT count(*) FROM personal.inquiries WHERE municipality_ags = :m"),
                          {"m": ILMENAU}).scalar_one()     # the demo's two, and what live-server tests committed
    assert "Erika Musterfrau (fiktiv)" in result.output and f"Anfragen 16070029: {stored}" in result.output
    log = conn.execute(text("SELECT actor, purpose, what FROM audit.personal_data_reads ORDER BY id DESC LIMIT 1")).one()
    assert tuple(log) == ("cli:tester", "Rückruf an Interessenten", "inquiries")
    bad = invoke("inquiries", "list", "--municipality", "99999999", "--purpose", "x")
    assert bad.exit_code == 1 and "Error" in bad.output


def test_inquiries_status_records_the_handling(conn: Connection) -> None:
    reference = conn.execute(text("SELECT reference FROM personal.inquiries WHERE municipality_ags = :m "
                                  "ORDER BY id LIMIT 1"), {"m": ILMENAU}).scalar_one()
    done = invoke("inquiries", "status", reference, "answered", "--note", "Exposé verschickt")
    assert done.exit_code == 0, done.output
    assert f"{reference}: answered (by cli:tester), note: Exposé verschickt" in done.output
    listed = invoke("inquiries", "list", "--municipality", ILMENAU, "--purpose", "Stand", "--status", "answered")
    assert "Anfragen 16070029: 1" in listed.output and "answered (cli:tester" in listed.output
    assert "Exposé verschickt" in listed.output
    bad = invoke("inquiries", "status", reference, "erledigt")
    assert bad.exit_code == 2 and "--status" in bad.output and "Input should be 'new'" in bad.output
    assert "no inquiry A-2026-00000000" in invoke("inquiries", "status", "A-2026-00000000", "closed").output
    demand = invoke("inquiries", "demand", "--municipality", ILMENAU)
    assert demand.exit_code == 0, demand.output
    assert "@" not in demand.output and "fiktiv" not in demand.output           # counts, no people
    site_id, expected = conn.execute(text(
        "SELECT site_id, ARRAY[count(*), count(*) FILTER (WHERE status = 'new'), "
        "count(*) FILTER (WHERE status = 'in_progress'), count(*) FILTER (WHERE status = 'answered'), "
        "count(*) FILTER (WHERE status = 'closed')] FROM personal.inquiries WHERE site_id = "
        "(SELECT site_id FROM personal.inquiries WHERE reference = :r) GROUP BY site_id"), {"r": reference}).one()
    row = next(line for line in demand.output.splitlines() if line.startswith(f"│ {site_id:>4} │"))
    assert [int(cell) for cell in row.split("│")[4:9]] == expected and expected[3] >= 1


def test_reports_list_accept_and_reject(conn: Connection) -> None:
    listed = invoke("reports", "list", "--status", "all", "--purpose", "Rückfrage")
    assert listed.exit_code == 0, listed.output
    assert "M-2026-DE000001" in listed.output and "paula.melderin@example.org" in listed.output
    assert "paula" not in invoke("reports", "list").output             # no purpose, no contact
    report = conn.execute(text("SELECT id FROM core.site_reports WHERE reference = 'M-2026-DE000001'")).scalar_one()
    castle = invoke("reports", "accept", str(report), "--kind", "castle")
    assert castle.exit_code == 2 and "--kind" in castle.output, castle.output         # a usage error
    accepted = invoke("reports", "accept", str(report), "--name", "Leerstand Zentrum (CLI)", "--reason", "geprüft")
    assert accepted.exit_code == 0, accepted.output
    site = conn.execute(text("SELECT s.name, r.status FROM core.site_reports r JOIN core.sites s ON s.id = r.site_id "
                             "WHERE r.id = :i"), {"i": report}).one()
    assert tuple(site) == ("Leerstand Zentrum (CLI)", "accepted")
    again = invoke("reports", "reject", str(report), "--reason", "doch nicht")
    assert again.exit_code == 1 and "decided already" in again.output


def test_projects_create_list_and_publish(conn: Connection, tmp_path: Path) -> None:
    spec = tmp_path / "project.json"
    spec.write_text(json.dumps({"municipality_ags": ILMENAU, "name": "Radweg Bahnhof (CLI-Test)", "kind": "infrastructure",
                                "status": "planned", "builder_type": "public", "builder_name": "Stadt Ilmenau",
                                "geometry": {"type": "Point", "coordinates": [10.9270, 50.6830]}}))
    created = invoke("projects", "create", str(spec))
    assert created.exit_code == 0, created.output
    project = int(created.output.split()[2])
    assert not conn.execute(text("SELECT public FROM core.construction_projects WHERE id = :i"), {"i": project}).scalar()
    published = invoke("projects", "publish", str(project))
    assert published.exit_code == 0 and "is public" in published.output
    assert conn.execute(text("SELECT count(*) FROM core.public_construction_projects WHERE id = :i"),
                        {"i": project}).scalar() == 1
    listed = invoke("projects", "list", "--municipality", ILMENAU, "--public")
    assert "Radweg Bahnhof (CLI-Test)" in listed.output and "Beispiel Technologie GmbH (fiktiv)" in listed.output
    hidden = invoke("projects", "list", "--not-public")
    assert "Logistikhalle Nord (fiktiv)" in hidden.output and "Radweg" not in hidden.output
    spec.write_text(json.dumps({"municipality_ags": ILMENAU, "name": "Kaputt"}))
    broken = invoke("projects", "create", str(spec))
    assert broken.exit_code == 1 and "project.json" in broken.output
