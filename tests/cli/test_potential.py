"""``flaechenpool potential …`` in-process (typer's runner) on the test's rolled-back connection
(tests/cli/conftest.py), on the constructed town of the analysis tests."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyogrio
import pytest
from sqlalchemy import Connection, text
from typer.testing import Result

from flaechenpool import cli
from flaechenpool.analysis.profiles import FLOO_CATEGORIES
from tests.analysis.town import GERA, Town, build_town, rect
from tests.cli import conftest


@pytest.fixture
def town(conn: Connection) -> Town:
    return build_town(conn)


def invoke(*args: str) -> Result:
    return conftest.invoke("potential", *args)


def latest_run(conn: Connection) -> int:
    return int(conn.execute(text("SELECT max(id) FROM analysis.runs")).scalar_one())


def test_run_candidates_explain_and_to_site(conn: Connection, town: Town) -> None:
    result = invoke("run", "--municipality", GERA)
    assert result.exit_code == 0, result.output
    run_id = latest_run(conn)
    assert f"Analyselauf {run_id}" in result.output and re.search(r"infill_gap\s+│?\s*2", result.output)
    listed = invoke("candidates", str(run_id), "--kind", "infill_gap")
    assert listed.exit_code == 0 and "2 von 2 Kandidaten" in listed.output and "Baulücke" in listed.output
    assert "Punkte je Kriterium" in listed.output and "Mindestbreite" in listed.output
    with pytest.MonkeyPatch.context() as narrow:                  # an 80-column terminal: the strongest criteria
        narrow.setattr(cli.out, "width", 80)
        compact = invoke("candidates", str(run_id), "--kind", "infill_gap")
    assert compact.exit_code == 0 and "stärkste Kriterien" in compact.output and "Entfernung" in compact.output
    assert max(len(line) for line in compact.output.splitlines()) <= 80
    gap = conn.execute(text("SELECT id, score FROM analysis.candidates WHERE run_id = :r AND kind = 'infill_gap' "
                            "AND parcels = ARRAY[:k]"), {"r": run_id, "k": town.key("A3")}).one()
    explained = invoke("explain", str(gap.id))
    assert explained.exit_code == 0 and "Entfernung Bahnhof" in explained.output and f"{gap.score:.1f}" in explained.output
    made = invoke("to-site", str(gap.id), "--name", "Baulücke CLI")
    assert made.exit_code == 0, made.output
    site = conn.execute(text("SELECT name, created_by, analysis_candidate_id FROM core.sites WHERE "
                             "analysis_candidate_id = :c"), {"c": gap.id}).one()
    assert tuple(site) == ("Baulücke CLI", "cli:tester", gap.id)
    again = invoke("to-site", str(gap.id))
    assert again.exit_code == 1 and "already became site" in again.output


def test_compare_profiles_and_indicators(conn: Connection, town: Town) -> None:
    assert invoke("run", "--municipality", GERA).exit_code == 0
    first = latest_run(conn)
    town.building("new house A3", rect(45, 5, 10, 10))
    assert invoke("run", "--municipality", GERA, "--profile", "default").exit_code == 0
    compared = invoke("compare", str(first), str(latest_run(conn)))
    assert compared.exit_code == 0 and "-1 entfallen" in compared.output and town.key("A3") in compared.output
    profiles = invoke("profiles")
    assert profiles.exit_code == 0 and all(name in profiles.output for name in ("default", "gewerbe", "revitalisierung"))
    assert "Überschwemmungsgebiet" in profiles.output and "-25" in profiles.output
    with pytest.MonkeyPatch.context() as wide:
        wide.setattr(cli.out, "width", 300)
        shown = invoke("indicators", "--municipality", GERA)
    assert shown.exit_code == 0 and "Gera" in shown.output and "█" in shown.output
    found = set(conn.execute(text("SELECT DISTINCT kind FROM analysis.candidates WHERE run_id = :r"),
                             {"r": latest_run(conn)}).scalars())
    assert found
    for kind, heading in FLOO_CATEGORIES.items():                # a column per category with any area, only
        assert (heading in shown.output) == (kind in found), heading
    with pytest.MonkeyPatch.context() as narrow:                  # an 80-column terminal: totals and shares
        narrow.setattr(cli.out, "width", 80)
        compact = invoke("indicators", "--municipality", GERA)
    assert compact.exit_code == 0 and "Je Kategorie (FLOO)" in compact.output and "Baulücke" not in compact.output
    assert "…" not in compact.output and max(len(line) for line in compact.output.splitlines()) <= 80


def test_bad_input_names_the_problem(conn: Connection, town: Town, tmp_path: Path) -> None:
    before = conn.execute(text("SELECT count(*) FROM analysis.runs")).scalar()
    unknown = invoke("run", "--profile", "nonsense")
    assert unknown.exit_code == 1 and "no analysis profile 'nonsense'" in unknown.output
    assert invoke("run", "--municipality", "99999999").exit_code == 1
    broken = tmp_path / "area.geojson"
    broken.write_text("{not json")
    bad_file = invoke("run", "--municipality", GERA, "--area", str(broken))
    assert bad_file.exit_code == 1 and "area.geojson" in bad_file.output
    broken.write_text(json.dumps({"type": "Point", "coordinates": [12, 50]}))
    assert "Polygon" in invoke("run", "--municipality", GERA, "--area", str(broken)).output
    assert conn.execute(text("SELECT count(*) FROM analysis.runs")).scalar() == before
    missing = invoke("candidates", "999999")
    assert missing.exit_code == 1 and "no analysis run 999999" in missing.output


def test_candidates_to_a_file_carry_every_criterion_for_reports(conn: Connection, town: Town, tmp_path: Path) -> None:
    assert invoke("run", "--municipality", GERA).exit_code == 0
    run_id = latest_run(conn)
    matched = int(conn.execute(text("SELECT count(*) FROM analysis.candidates WHERE run_id = :r"),
                               {"r": run_id}).scalar_one())
    target = tmp_path / "kandidaten.gpkg"
    written = invoke("candidates", str(run_id), "--limit", "1", "--output", str(target))
    assert written.exit_code == 0, written.output
    assert f"{matched} candidates of run {run_id} written" in written.output       # every match, not a page
    frame = pyogrio.read_dataframe(target)
    assert len(frame) == matched and frame.crs.to_epsg() == 25832
    assert pyogrio.list_layers(target)[0][0] == f"candidates_run_{run_id}"
    stored = {r.id: r for r in conn.execute(text(
        "SELECT id, score, criteria, ST_Area(geom) AS area FROM analysis.candidates WHERE run_id = :r"), {"r": run_id})}
    for row in frame.itertuples():
        candidate = stored[row.id]
        assert row.score == pytest.approx(candidate.score)
        assert row.width_value == pytest.approx(candidate.criteria["width"]["value"])
        assert row.station_distance_points == pytest.approx(candidate.criteria["station_distance"]["contribution"])
        points = sum(getattr(row, f"{name}_points") for name in candidate.criteria)
        assert points == pytest.approx(row.score, abs=0.05) and row.geometry.area == pytest.approx(candidate.area)
    gaps = tmp_path / "luecken.csv"
    assert invoke("candidates", str(run_id), "--kind", "infill_gap", "--output", str(gaps)).exit_code == 0
    lines = gaps.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and ",Baulücke," in lines[1] and lines[0].endswith("vacancy_nearby_points,wkt")
    empty = tmp_path / "keine.gpkg"
    assert invoke("candidates", str(run_id), "--min-score", "101", "--output", str(empty)).exit_code == 0
    info = pyogrio.read_info(empty)
    assert info["features"] == 0 and list(info["fields"])[-1] == "vacancy_nearby_points"
    bad = invoke("candidates", str(run_id), "--output", str(tmp_path / "k.xlsx"))
    assert bad.exit_code != 0 and "k.xlsx: unknown output format" in bad.output and not (tmp_path / "k.xlsx").exists()

