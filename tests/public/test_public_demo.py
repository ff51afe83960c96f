"""The public side of the demo: invented and marked so, reproducible, and what the investors' page needs."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point
from sqlalchemy import Connection, text

from flaechenpool.importing.layers import import_layer

JENA = "16053000"
ILMENAU = "16070029"


def test_public_demo_records_are_illustrative_and_fictitious(conn: Connection) -> None:
    for table in ("core.construction_projects", "core.site_reports", "personal.inquiries", "personal.report_contacts"):
        assert conn.execute(text(f"SELECT array_agg(DISTINCT provenance) FROM {table}")).scalar() == ["illustrative"]
    names = conn.execute(text("SELECT name FROM core.construction_projects UNION ALL SELECT name FROM personal.inquiries "
                              "UNION ALL SELECT name FROM personal.report_contacts")).scalars().all()
    assert names and all(n.endswith("(fiktiv)") for n in names)
    emails = conn.execute(text("SELECT email FROM personal.inquiries UNION ALL SELECT email FROM personal.report_contacts"
                               )).scalars().all()
    assert all(e.split("@")[1] in ("example.org", "example.com", "example.net") for e in emails)
    texts = conn.execute(text("SELECT description FROM core.site_reports UNION ALL SELECT message FROM personal.inquiries"
                              )).scalars().all()
    assert texts and not any("'" in t for t in texts)          # no SQL quoting left in the demo's texts


def test_what_the_investors_page_needs(conn: Connection) -> None:
    published = dict(conn.execute(text("SELECT municipality_ags, count(*) FROM core.public_sites GROUP BY 1")).all())
    assert published[ILMENAU] >= 7 and published[JENA] >= 4
    uses = set(conn.execute(text("SELECT DISTINCT unnest(uses) FROM core.public_sites")).scalars())
    assert uses == {"industrial", "commercial", "mixed", "office"}
    assert conn.execute(text("SELECT count(*) FROM core.public_sites WHERE asking_price_eur_m2 IS NULL")).scalar() >= 1
    projects = dict(conn.execute(text("SELECT municipality_ags, count(*) FROM core.public_construction_projects "
                                      "GROUP BY 1")).all())
    assert projects[JENA] >= 3 and projects[ILMENAU] >= 2
    statuses = set(conn.execute(text("SELECT DISTINCT status FROM core.public_construction_projects")).scalars())
    assert statuses == {"planned", "under_construction", "completed"}
    assert conn.execute(text("SELECT count(*) FROM core.construction_projects WHERE NOT public")).scalar() >= 1
    pending = conn.execute(text("SELECT r.municipality_ags, p.media_type, c.name IS NOT NULL FROM core.site_reports r "
                                "JOIN core.site_report_photos p ON p.report_id = r.id JOIN personal.report_contacts c "
                                "ON c.report_id = r.id WHERE r.status = 'new'")).one()
    assert tuple(pending) == (JENA, "image/png", True)
    # inquiries point at published sites of their municipality
    wrong = conn.execute(text("SELECT count(*) FROM personal.inquiries i LEFT JOIN core.public_sites s ON s.id = i.site_id "
                              "AND s.municipality_ags = i.municipality_ags WHERE s.id IS NULL")).scalar()
    assert wrong == 0
    # new sites do not overlap older ones or the construction projects on other land
    overlaps = conn.execute(text(
        "SELECT count(*) FROM core.sites a JOIN core.sites b ON a.id < b.id AND ST_Area(ST_Intersection(a.geom, b.geom)) > 1"
    )).scalar()
    assert overlaps == 0


def test_motorway_junctions_are_imported_as_a_reference_layer(conn: Connection, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"name": ["Ilmenau-Ost", "Ilmenau-West"], "ref": ["17", "16"],
                              "motorway": ["A 71", "A 71"], "osm_id": ["n1", "n2"]},
                             geometry=[Point(10.955, 50.690), Point(10.880, 50.700)], crs="EPSG:4326")
    frame.to_file(tmp_path / "junctions.geojson", driver="GeoJSON")
    report = import_layer(conn, "motorway_junctions", tmp_path / "junctions.geojson")
    assert report.inserted == 2
    rows = conn.execute(text("SELECT name, ref, motorway, provenance, ST_X(ST_Transform(geom, 4326)) FROM "
                             "ref.motorway_junctions ORDER BY name")).all()
    assert [tuple(r[:4]) for r in rows] == [("Ilmenau-Ost", "17", "A 71", "open_data"),
                                            ("Ilmenau-West", "16", "A 71", "open_data")]
    assert abs(rows[0][4] - 10.955) < 1e-7
    near = conn.execute(text("SELECT count(*) FROM core.public_sites WHERE junction_distance_m < 5000")).scalar()
    assert near >= 7        # Ilmenau's sites now have a junction in reach
