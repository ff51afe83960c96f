"""Land-office commands run in-process (typer's runner) on the test's rolled-back connection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyogrio
import pytest
from sqlalchemy import Connection, text

from tests.cli.conftest import invoke


def test_parcels_find_prints_a_table_and_writes_files(tmp_path: Path, conn: Connection) -> None:
    result = invoke("parcels", "find", "--municipality", "16051000", "--min-area", "1000", "--sort", "-area")
    assert result.exit_code == 0, result.output
    expected = conn.execute(text("SELECT flurstueckskennzeichen FROM core.parcels WHERE municipality_ags = '16051000' "
                                 "AND official_area_m2 >= 1000 AND valid_to IS NULL ORDER BY area_m2 DESC")).scalars().all()
    assert f"{len(expected)} of {len(expected)}" in result.output
    assert result.output.index(expected[0]) < result.output.index(expected[-1])
    for suffix in ("gpkg", "csv", "geojson"):
        target = tmp_path / f"out.{suffix}"
        written = invoke("parcels", "find", "--municipality", "16051000", "--output", str(target))
        assert written.exit_code == 0 and target.exists()
    assert len(pyogrio.read_dataframe(tmp_path / "out.gpkg")) == 10
    assert len((tmp_path / "out.csv").read_text().strip().splitlines()) == 11
    bad = invoke("parcels", "find", "--output", str(tmp_path / "out.xlsx"))
    assert bad.exit_code == 1 and "unknown output format" in bad.output


def test_site_lifecycle_from_the_command_line(tmp_path: Path, conn: Connection) -> None:
    key = conn.execute(text("SELECT flurstueckskennzeichen FROM core.parcels WHERE municipality_ags = '16053000' "
                            "AND valid_to IS NULL ORDER BY 1 DESC LIMIT 1")).scalar_one()
    spec = tmp_path / "site.json"
    spec.write_text(json.dumps({"municipality_ags": "16053000", "name": "CLI-Brache", "kind": "brownfield",
                                "parcels": [key]}))
    created = invoke("sites", "create", str(spec))
    assert created.exit_code == 0, created.output
    site_id = int(created.output.split()[1])
    assert invoke("sites", "status", str(site_id), "assessed", "--reason", "geprüft").exit_code == 0
    refused = invoke("sites", "status", str(site_id), "developed", "--reason", "zu früh")
    assert refused.exit_code == 1 and "not allowed" in refused.output
    assert invoke("sites", "retire", str(site_id), "--reason", "erledigt").exit_code == 0
    row = conn.execute(text("SELECT status, retired_reason, created_by FROM core.sites WHERE id = :i"),
                       {"i": site_id}).one()
    assert tuple(row) == ("assessed", "erledigt", "cli:tester")
    spec.write_text(json.dumps({"municipality_ags": "16053000", "name": "X", "kind": "castle", "parcels": [key]}))
    broken = invoke("sites", "create", str(spec))
    assert broken.exit_code == 1 and "site.json" in broken.output and "kind" in broken.output


def test_pool_and_vacancy_reports() -> None:
    held = invoke("pool", "holdings", "--municipality", "16053000", "--as-of", "2025-01-01", "--since", "2019-01-01")
    assert held.exit_code == 0 and "Flächenpool 16053000 am 2025-01-01" in held.output and "since 2019-01-01" in held.output
    summary = invoke("vacancies", "summary", "--association", "thueringer-becken", "--districts")
    assert summary.exit_code == 0
    assert all(town in summary.output for town in ("Sömmerda", "Buttstädt", "Kindelbrück", "Straußfurt"))


def test_import_parcels_prints_what_it_did(conn: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    from contextlib import contextmanager

    from flaechenpool import cli
    from flaechenpool.settings import PROJECT_ROOT

    @contextmanager
    def connection(_settings: object) -> Iterator[Connection]:
        yield conn

    monkeypatch.setattr(cli, "_connection", connection)
    gpkg = PROJECT_ROOT / "data" / "parcels" / "erfurt_melchendorf_alkis.gpkg"
    result = invoke("import", "parcels", str(gpkg), "--municipality", "16051000")
    assert result.exit_code == 0, result.output
    # the demo holds these ten real parcels already (from the GML: two differ in their arcs' vertices)
    cells = [line.split("│")[1:-1] for line in result.output.splitlines() if line.startswith("│")]
    read, inserted, changed, unchanged, retired, repaired = (int(c) for c in cells[0])
    assert (read, inserted, retired, repaired) == (10, 0, 0, 0) and changed + unchanged == 10
    assert "initial load" not in result.output
    runs = conn.execute(text("SELECT count(*) FROM core.import_runs WHERE file_name = :f"), {"f": gpkg.name}).scalar()
    assert runs >= 1
