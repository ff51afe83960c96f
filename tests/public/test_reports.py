"""Site reports: anonymous submission (location → municipality, checked photo without metadata,
contact only with consent), the land managers' queue, the photo, accepting as a linked site, rejecting."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pyproj import Transformer
from shapely import wkb
from shapely.geometry import Polygon
from sqlalchemy import Connection, text

JENA = "16053000"
ILMENAU = "16070029"
FORM = {"kind": "fallow_land", "description": "Verwilderte Fläche hinter der Turnhalle, seit Jahren ungenutzt.",
        "lon": "11.5892", "lat": "50.9281"}


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (120, 160, 90))
    exif = Image.Exif()
    exif[0x010F] = "Testkamera"                          # Make
    exif[0x8825] = {1: "N", 2: (50.0, 55.0, 40.0)}       # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, format="GIF")
    return out.getvalue()


def count(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def demo_report(conn: Connection) -> int:
    return int(conn.execute(text("SELECT id FROM core.site_reports WHERE reference = 'M-2026-DE000001'")).scalar_one())


def test_a_report_with_photo_and_contact_is_stored_and_only_a_reference_comes_back(client: TestClient,
                                                                                 conn: Connection) -> None:
    photo = jpeg_with_gps()
    assert Image.open(io.BytesIO(photo)).getexif()       # the upload carries EXIF with a GPS position
    r = client.post("/api/public/reports", files={"photo": ("foto.jpg", photo, "image/jpeg")},
                    data={**FORM, "contact_name": "Rita Reporter", "contact_email": "rita@example.org",
                          "contact_phone": "+49 3641 12345", "contact_consent": "true"})
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"reference", "message"} and r.json()["reference"].startswith("M-")
    assert "Rita" not in r.text and "example.org" not in r.text
    row = conn.execute(text(
        "SELECT r.id, r.municipality_ags, r.status, r.kind, ST_X(ST_Transform(r.geom, 4326)) AS lon, "
        "ST_Y(ST_Transform(r.geom, 4326)) AS lat, p.media_type, p.content, c.name, c.consent_text_version "
        "FROM core.site_reports r LEFT JOIN core.site_report_photos p ON p.report_id = r.id "
        "LEFT JOIN personal.report_contacts c ON c.report_id = r.id WHERE r.reference = :ref"),
        {"ref": r.json()["reference"]}).mappings().one()
    assert row["municipality_ags"] == JENA and row["status"] == "new" and row["kind"] == "fallow_land"
    assert row["lon"] == pytest.approx(11.5892, abs=1e-7) and row["lat"] == pytest.approx(50.9281, abs=1e-7)
    stored = Image.open(io.BytesIO(bytes(row["content"])))
    assert row["media_type"] == "image/jpeg" and stored.size == (64, 48) and not stored.getexif()
    assert row["name"] == "Rita Reporter"
    assert row["consent_text_version"] == client.get("/api/public/consent").json()["report_contact"]["version"]


def test_projected_coordinates_are_accepted(client: TestClient, conn: Connection) -> None:
    x, y = Transformer.from_crs(4326, 25832, always_xy=True).transform(10.9270, 50.6830)   # Ilmenau
    r = client.post("/api/public/reports", data={**{k: v for k, v in FORM.items() if k not in ("lon", "lat")},
                                                 "x": f"{x:.2f}", "y": f"{y:.2f}", "crs": "EPSG:25832"})
    assert r.status_code == 201, r.text
    row = conn.execute(text("SELECT municipality_ags, ST_X(geom) AS x, ST_Y(geom) AS y FROM core.site_reports "
                            "WHERE reference = :r"), {"r": r.json()["reference"]}).one()
    assert row.municipality_ags == ILMENAU and row.x == pytest.approx(x, abs=0.01) and row.y == pytest.approx(y, abs=0.01)


@pytest.mark.parametrize(("data", "files", "status", "needle"), [
    ({"lon": "13.40", "lat": "52.52"}, None, 422, "außerhalb"),                 # Berlin
    ({"lon": None, "lat": None}, None, 400, "Ort fehlt"),
    ({"lat": None}, None, 400, "beide Koordinaten"),
    ({"lon": "200"}, None, 400, "höchstens 180"),
    ({"kind": "castle"}, None, 400, "kind"),
    ({"description": "kurz"}, None, 400, "zu kurz"),
    ({"contact_email": "rita@example.org"}, None, 400, "Einwilligung"),
    ({"contact_email": "kaputt", "contact_consent": "true"}, None, 400, "E-Mail"),
    ({"contact_phone": "call me", "contact_consent": "true"}, None, 400, "Telefonnummer"),
    ({"website": "spam"}, None, 400, "nicht angenommen"),
    ({"x": "680000", "y": "5640000", "crs": "EPSG:99999", "lon": None, "lat": None}, None, 400, "Koordinatenreferenz"),
    ({}, {"photo": ("a.jpg", b"not an image at all", "image/jpeg")}, 400, "kein lesbares Foto"),
    ({}, {"photo": ("a.gif", gif(), "image/gif")}, 400, "JPEG, PNG oder WebP"),
    ({}, {"photo": ("a.jpg", b"\xff\xd8" + b"\x00" * (5 * 1024 * 1024), "image/jpeg")}, 413, "zu groß"),
])
def test_bad_reports_get_a_german_problem_and_nothing_is_stored(client: TestClient, conn: Connection, data: dict,
                                                                files: dict | None, status: int, needle: str) -> None:
    before = (count(conn, "core.site_reports"), count(conn, "core.site_report_photos"),
              count(conn, "personal.report_contacts"))
    form = {k: v for k, v in {**FORM, **data}.items() if v is not None}
    r = client.post("/api/public/reports", data=form, files=files)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json" and needle in r.json()["detail"]
    assert (count(conn, "core.site_reports"), count(conn, "core.site_report_photos"),
            count(conn, "personal.report_contacts")) == before


def test_the_queue_is_for_land_managers_of_the_municipality(client: TestClient, conn: Connection, auth: Callable) -> None:
    queue = client.get("/api/reports", headers=auth("lm_jena"))
    assert queue.status_code == 200
    features = {f["properties"]["reference"]: f for f in queue.json()["features"]}
    pending = features["M-2026-DE000001"]["properties"]
    assert pending["has_photo"] and pending["status"] == "new" and "contact" not in pending
    assert {f["properties"]["municipality_ags"] for f in queue.json()["features"]} == {JENA}
    reads = count(conn, "audit.personal_data_reads")
    with_contact = client.get("/api/reports", params={"purpose": "Rückfrage zur Meldung"}, headers=auth("lm_jena"))
    contact = {f["properties"]["reference"]: f["properties"]["contact"] for f in with_contact.json()["features"]}
    assert contact["M-2026-DE000001"]["email"] == "paula.melderin@example.org"
    assert count(conn, "audit.personal_data_reads") == reads + 1
    ilmenau = client.get("/api/reports", params={"status": "all"}, headers=auth("lm_ilmenau")).json()
    assert {f["properties"]["reference"] for f in ilmenau["features"]} >= {"M-2026-DE000002"}
    assert "M-2026-DE000001" not in str(ilmenau)
    assert client.get("/api/reports").status_code == 401
    assert client.get("/api/reports", headers=auth("planner")).status_code == 403
    assert client.get("/api/reports", params={"municipality": JENA}, headers=auth("lm_ilmenau")).status_code == 403


def test_the_photo_is_served_to_land_managers_of_the_municipality_only(client: TestClient, conn: Connection,
                                                                      auth: Callable) -> None:
    report = demo_report(conn)
    stored = bytes(conn.execute(text("SELECT content FROM core.site_report_photos WHERE report_id = :i"),
                                {"i": report}).scalar_one())
    r = client.get(f"/api/reports/{report}/photo", headers=auth("lm_jena"))
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content == stored
    assert client.get(f"/api/reports/{report}/photo", headers=auth("lm_ilmenau")).status_code == 403
    assert client.get(f"/api/reports/{report}/photo").status_code == 401
    without = conn.execute(text("SELECT id FROM core.site_reports WHERE reference = 'M-2026-DE000002'")).scalar_one()
    assert client.get(f"/api/reports/{without}/photo", headers=auth("lm_ilmenau")).status_code == 404


def test_accepting_a_report_creates_a_linked_site_through_the_register(client: TestClient, conn: Connection,
                                                                       auth: Callable) -> None:
    report = demo_report(conn)
    assert client.post(f"/api/reports/{report}/accept", json={}, headers=auth("lm_ilmenau")).status_code == 403
    r = client.post(f"/api/reports/{report}/accept", json={"reason": "Vor Ort bestätigt"}, headers=auth("lm_jena"))
    assert r.status_code == 201, r.text
    site_id = r.json()["site_id"]
    site = conn.execute(text("SELECT s.kind, s.status, s.name, s.provenance, s.published, ST_AsBinary(s.geom) AS g, "
                             "ST_AsBinary(r.geom) AS p, r.status AS report_status, r.decided_by FROM core.sites s "
                             "JOIN core.site_reports r ON r.site_id = s.id WHERE s.id = :s"), {"s": site_id}).one()
    assert site.kind == "vacant_building" and site.status == "identified" and not site.published
    assert "M-2026-DE000001" in site.name and site.report_status == "accepted" and site.decided_by == "lm-jena"
    assert wkb.loads(bytes(site.g)).buffer(0.01).contains(wkb.loads(bytes(site.p)))
    parcels = conn.execute(text("SELECT ST_AsBinary(p.geom) FROM core.site_parcels sp JOIN core.parcels p ON "
                                "p.flurstueckskennzeichen = sp.flurstueckskennzeichen AND p.valid_to IS NULL "
                                "WHERE sp.site_id = :s"), {"s": site_id}).scalars().all()
    point = wkb.loads(bytes(site.p))
    assert parcels and any(wkb.loads(bytes(g)).buffer(0.01).contains(point) for g in parcels)
    audit = conn.execute(text("SELECT reason, actor FROM audit.log WHERE table_name = 'core.sites' AND row_key = :k "
                              "AND action = 'insert'"), {"k": str(site_id)}).one()
    assert audit.reason == "Vor Ort bestätigt" and audit.actor == "lm-jena"
    again = client.post(f"/api/reports/{report}/accept", json={}, headers=auth("lm_jena"))
    assert again.status_code == 409


def test_accepting_with_a_drawn_outline_and_rejecting(client: TestClient, conn: Connection, auth: Callable) -> None:
    reference = client.post("/api/public/reports", data=FORM).json()["reference"]
    report = conn.execute(text("SELECT id FROM core.site_reports WHERE reference = :r"), {"r": reference}).scalar_one()
    assert client.post(f"/api/reports/{report}/reject", json={"reason": "x"}, headers=auth("lm_jena")).status_code == 400
    r = client.post(f"/api/reports/{report}/reject", json={"reason": "Fläche ist ein Park"}, headers=auth("lm_jena"))
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    row = conn.execute(text("SELECT status, rejection_reason, decided_at FROM core.site_reports WHERE id = :i"),
                       {"i": report}).one()
    assert row.status == "rejected" and row.rejection_reason == "Fläche ist ein Park" and row.decided_at is not None
    assert client.post(f"/api/reports/{report}/accept", json={}, headers=auth("lm_jena")).status_code == 409
    reference = client.post("/api/public/reports", data=FORM).json()["reference"]
    report = conn.execute(text("SELECT id FROM core.site_reports WHERE reference = :r"), {"r": reference}).scalar_one()
    square = {"type": "Polygon", "coordinates": [[[11.5890, 50.9280], [11.5895, 50.9280], [11.5895, 50.9283],
                                                  [11.5890, 50.9283], [11.5890, 50.9280]]]}
    r = client.post(f"/api/reports/{report}/accept", json={"geometry": square, "name": "Brache Turnhalle"},
                    headers=auth("lm_jena"))
    assert r.status_code == 201
    area = conn.execute(text("SELECT area_m2 FROM core.sites WHERE id = :s"), {"s": r.json()["site_id"]}).scalar_one()
    to_utm = Transformer.from_crs(4326, 25832, always_xy=True)
    expected = Polygon([to_utm.transform(x, y) for x, y in square["coordinates"][0]]).area
    assert area == pytest.approx(expected, rel=1e-3)
