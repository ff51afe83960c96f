"""The demo data set: real data loaded exactly, invented data marked, loading idempotent and atomic."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from flaechenpool import migrations
from flaechenpool.db import create_engine_for
from flaechenpool.demo import load_demo
from flaechenpool.errors import ImportFileError
from flaechenpool.settings import Settings
from tests.databases import recreate_database

DEMO_TOWNS = {"16053000": "Jena", "16070029": "Ilmenau", "16052000": "Gera", "16051000": "Erfurt",
              "16068051": "Sömmerda", "16068063": "Buttstädt", "16068064": "Kindelbrück", "16068053": "Straußfurt"}


def test_municipalities_are_the_real_ones_with_official_keys(conn: Connection) -> None:
    rows = dict(conn.execute(text("SELECT ags, name FROM core.municipalities")).all())
    assert rows == DEMO_TOWNS
    jena_km2 = conn.execute(text("SELECT ST_Area(geom) / 1e6 FROM core.municipalities WHERE ags = '16053000'")).scalar()
    assert 110 < jena_km2 < 118  # VG5000: 114.0 km²
    members = conn.execute(text("SELECT array_agg(municipality_ags ORDER BY municipality_ags) "
                                "FROM core.association_members WHERE association_id = 'thueringer-becken'")).scalar()
    assert members == ["16068051", "16068053", "16068063", "16068064"]


def test_the_real_erfurt_parcels_are_there_exactly(conn: Connection) -> None:
    rows = conn.execute(text(
        "SELECT count(*) AS n, sum(official_area_m2) AS official, sum(area_m2) AS geometric, "
        "bool_and(provenance = 'official') AS official_only, min(ST_XMin(geom)) AS xmin, max(ST_YMax(geom)) AS ymax "
        "FROM core.parcels WHERE municipality_ags = '16051000' AND valid_to IS NULL")).mappings().one()
    assert rows["n"] == 10 and rows["official"] == 37297 and rows["official_only"]
    assert abs(rows["geometric"] - 37311) / 37311 < 0.002
    assert 644800 < rows["xmin"] < 644900 and 5647200 < rows["ymax"] < 5647300
    key = conn.execute(text("SELECT source FROM core.parcels WHERE flurstueckskennzeichen = '16011500200872______' "
                            "AND valid_to IS NULL")).scalar()
    assert key is not None and "TLBG" in key


def test_invented_rows_are_marked_illustrative(conn: Connection) -> None:
    checks = {
        "core.parcels WHERE municipality_ags IN ('16053000', '16070029')": "illustrative",
        "core.sites": "illustrative",
        "core.pool_transactions": "illustrative",
        "core.preemption_cases": "illustrative",
        "core.vacancies": "illustrative",
        "core.buildings": "illustrative",
        "personal.parties": "illustrative",
        "ref.flood_zones": "illustrative",
        "ref.zoning_plans": "illustrative",
        "ref.land_values": "illustrative",
        "ref.preemption_areas": "illustrative",
        "ref.stations": "open_data",
        "ref.land_use": "open_data",
    }
    for table, provenance in checks.items():
        values = conn.execute(text(f"SELECT array_agg(DISTINCT provenance) FROM {table}")).scalar()
        assert values == [provenance], table
    sources = conn.execute(text("SELECT array_agg(DISTINCT source) FROM core.sites")).scalar()
    assert all("illustrativ" in s for s in sources)
    persons = conn.execute(text("SELECT count(*) FILTER (WHERE name NOT LIKE '%(fiktiv)%') FROM personal.parties "
                                "WHERE kind = 'person'")).scalar()
    assert persons == 0


def test_demo_holds_pre_emption_cases_open_and_decided(conn: Connection) -> None:
    cases = conn.execute(text(
        "SELECT c.file_reference, c.decision, c.deadline - current_date AS left, t.kind, t.contract_date = c.decided_on "
        "AS same_day FROM core.preemption_cases c LEFT JOIN core.pool_transactions t ON t.id = c.transaction_id "
        "ORDER BY c.file_reference")).all()
    assert [c.decision for c in cases] == ["exercised", "no_right", None, None]
    assert cases[0].kind == "pre_emption" and cases[0].same_day             # the pool's pre-emption of 2022
    assert 0 <= cases[2].left <= 14 < cases[3].left                         # one due soon, one open
    assert all("DEMO" in c.file_reference for c in cases)


def test_demo_holds_what_the_land_pool_needs(conn: Connection) -> None:
    porcelain = conn.execute(text(
        "SELECT s.kind, s.published, count(sp.*) AS parcels FROM core.sites s JOIN core.site_parcels sp ON sp.site_id = s.id "
        "WHERE s.name = 'Ehemaliges Porzellanwerk Ilmenau' GROUP BY s.kind, s.published")).one()
    assert porcelain.kind == "brownfield" and porcelain.published and porcelain.parcels >= 2
    near_station = conn.execute(text(
        "SELECT count(*) FROM core.sites s JOIN ref.stations st ON st.eva_nr = '8010178' "
        "WHERE s.kind = 'commercial_land' AND s.municipality_ags = '16070029' AND ST_DWithin(s.geom, st.geom, 1000)")).scalar()
    assert near_station >= 4
    held = conn.execute(text("SELECT count(*) FROM core.pool_held('16053000', DATE '2025-01-01')")).scalar()
    assert held >= 7
    vacancies = dict(conn.execute(text("SELECT municipality_ags, count(*) FROM core.vacancies GROUP BY 1")).all())
    assert set(vacancies) >= {"16068051", "16068063", "16068064", "16068053"}
    # sites lie inside their municipality
    outside = conn.execute(text("SELECT count(*) FROM core.sites s JOIN core.municipalities m ON m.ags = s.municipality_ags "
                                "WHERE NOT ST_Intersects(s.geom, m.geom)")).scalar()
    assert outside == 0
    # illustrative parcels do not overlap each other (sample around Jena centre)
    overlaps = conn.execute(text(
        "SELECT count(*) FROM core.parcels a JOIN core.parcels b ON a.id < b.id AND a.geom && b.geom "
        "AND ST_Area(ST_Intersection(a.geom, b.geom)) > 1 WHERE a.valid_to IS NULL AND b.valid_to IS NULL "
        "AND a.municipality_ags = '16053000' AND a.id % 20 = 0")).scalar()
    assert overlaps == 0


def test_second_load_does_nothing(conn: Connection, data_dir: Path) -> None:
    before = conn.execute(text("SELECT count(*) FROM core.parcels")).scalar()
    report = load_demo(conn, data_dir)
    assert not report.loaded
    assert conn.execute(text("SELECT count(*) FROM core.parcels")).scalar() == before


def test_broken_demo_file_names_the_file_and_leaves_the_database_untouched(server_url: str, data_dir: Path,
                                                                           tmp_path: Path) -> None:
    url = recreate_database(server_url, "flaechenpool_test_broken")
    engine = create_engine_for(url, Settings())
    try:
        migrations.upgrade(engine)
        broken = tmp_path / "data"
        shutil.copytree(data_dir, broken)
        target = broken / "stations" / "db_stations_thueringen.geojson"
        target.write_text(target.read_text(encoding="utf-8")[:5000], encoding="utf-8")  # truncated JSON
        with engine.connect() as conn:
            with pytest.raises(ImportFileError) as exc:
                load_demo(conn, broken)
            conn.rollback()
            assert "db_stations_thueringen.geojson" in str(exc.value)
            counts = conn.execute(text("SELECT (SELECT count(*) FROM core.municipalities), "
                                       "(SELECT count(*) FROM ref.counties), (SELECT count(*) FROM core.import_runs)")).one()
            assert tuple(counts) == (0, 0, 0)
    finally:
        engine.dispose()


def test_an_older_demo_gets_the_parts_added_since(server_url: str, data_dir: Path) -> None:
    """A database loaded before the public part existed: `demo load` adds that part once, nothing else."""
    from flaechenpool.demo import PARTS, _load_base, loaded_parts

    url = recreate_database(server_url, "flaechenpool_test_old_demo")
    engine = create_engine_for(url, Settings())
    try:
        migrations.upgrade(engine)
        with engine.begin() as conn:   # what an earlier version's demo load left: the base part only
            conn.execute(text("SELECT set_config('flaechenpool.bulk', 'on', true)"))
            counts: dict[str, object] = {}
            _load_base(conn, data_dir, lambda m: None, counts)
            conn.execute(text("INSERT INTO core.import_runs (kind, file_name, finished_at, source, counts) "
                              "VALUES ('demo', 'data', now(), 'data/README.md', CAST(:c AS jsonb))"),
                         {"c": json.dumps(counts, default=str)})
        with engine.connect() as conn:
            assert loaded_parts(conn) == {"base"}
            parcels = conn.execute(text("SELECT count(*) FROM core.parcels")).scalar()
            assert conn.execute(text("SELECT count(*) FROM core.construction_projects")).scalar() == 0
            report = load_demo(conn, data_dir)
            conn.commit()
            assert report.loaded and set(report.counts) == {"public"}
            assert loaded_parts(conn) == set(PARTS)
            assert conn.execute(text("SELECT count(*) FROM core.parcels")).scalar() == parcels
            assert conn.execute(text("SELECT count(*) FROM core.construction_projects")).scalar() > 0
            assert not load_demo(conn, data_dir).loaded
    finally:
        engine.dispose()
