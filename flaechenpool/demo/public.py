"""Illustrative records of the public side: more marketed commercial land in Jena, construction
projects (Bauvorhaben) in Jena and Ilmenau, site reports (one pending, one rejected) and investors'
inquiries. All invented and stored with provenance 'illustrative'; names end in "(fiktiv)". No random
numbers: every pick is ordered, so the demo loads the same way each time."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from sqlalchemy import Connection, text

from flaechenpool.consent import INQUIRY, REPORT_CONTACT
from flaechenpool.demo.landpool import JENA_OFFICE, _site
from flaechenpool.demo.parcels import SOURCE
from flaechenpool.demo.reference import ILMENAU, JENA

# (plan, site name, uses, price €/m², availability)
JENA_LAND = (
    ("J-07", "Gewerbegebiet Göschwitz, Grundstück am Bahnhof", ["industrial", "commercial"], 62, "immediate"),
    ("J-08", "Gewerbepark Tatzendpromenade, Baufeld Nord", ["commercial", "office"], 78, "within_1_year"),
    ("J-12", "Gewerbegebiet Lobeda-Süd, Grundstück an der B 88", ["industrial"], 55, "immediate"),
)


def generate_public(conn: Connection) -> dict[str, int]:
    """Everything the public side's demo needs; returns counts."""
    sites = _jena_marketed_sites(conn)
    projects = _construction_projects(conn)
    reports = _reports(conn)
    inquiries = _inquiries(conn)
    return {"jena_marketed_sites": sites, "construction_projects": projects, "site_reports": reports,
            "inquiries": inquiries}


def _free_parcels_sql(where: str, join: str = "") -> str:
    """Current parcels of Jena with no building and in no site, matching ``where`` (written here, not input)."""
    return ("SELECT p.flurstueckskennzeichen AS key, p.geom, p.area_m2 FROM core.parcels p" + join +
            " WHERE p.valid_to IS NULL AND p.municipality_ags = :jena AND " + where +
            " AND NOT EXISTS (SELECT 1 FROM core.site_parcels sp WHERE sp.flurstueckskennzeichen = p.flurstueckskennzeichen)"
            " AND NOT EXISTS (SELECT 1 FROM core.buildings b WHERE b.valid_to IS NULL AND ST_Intersects(b.geom, p.geom))")


def _jena_marketed_sites(conn: Connection) -> int:
    """Marketed land in three of Jena's (illustrative) industrial zoning plans and an office plot near
    Jena Paradies: the largest free parcel and its free neighbours."""
    count = 0
    for plan, name, uses, price, availability in JENA_LAND:
        free = _free_parcels_sql("p.land_use = 'Industrie- und Gewerbefläche' AND ST_Contains(z.geom, "
                                 "ST_PointOnSurface(p.geom))", join=", z")
        keys = conn.execute(text(
            f"WITH z AS (SELECT geom FROM ref.zoning_plans WHERE plan_number = :plan), "
            f"free AS ({free}), "
            f"seed AS (SELECT * FROM free ORDER BY area_m2 DESC, key LIMIT 1) "
            f"SELECT key FROM (SELECT key, area_m2 FROM seed UNION ALL (SELECT f.key, f.area_m2 FROM free f, seed s "
            f"WHERE f.key <> s.key AND ST_DWithin(f.geom, s.geom, 0.5) ORDER BY f.area_m2 DESC, f.key LIMIT 2)) g "
            f"ORDER BY key"), {"plan": plan, "jena": JENA}).scalars().all()
        if not keys:
            continue
        _site(conn, municipality_ags=JENA, name=name, kind="commercial_land", status="marketed",
              owner_contact="willing_to_sell", planning_law="s30_zoning_plan", land_use_type="GI",
              intended_uses=uses, availability=availability, asking_price_eur_m2=price,
              utilities=["water", "sewage", "electricity", "gas"], broadband_mbit=500, published=True,
              publication_basis="owner_consent", contact_office=JENA_OFFICE,
              public_description="Erschlossenes Grundstück im Gewerbegebiet, Eigentümer verkaufsbereit "
                                 "(Beispieldaten).", parcels=keys)
        count += 1
    mixed = _free_parcels_sql("p.land_use = 'Fläche gemischter Nutzung'")
    office = conn.execute(text(
        f"SELECT f.key FROM ({mixed}) f, ref.stations st "
        f"WHERE st.eva_nr = '8011956' ORDER BY f.geom <-> st.geom, f.key LIMIT 1"), {"jena": JENA}).scalars().all()
    if office:
        _site(conn, municipality_ags=JENA, name="Büroquartier Paradies, Baufeld am Bahnhof", kind="infill_gap",
              status="marketed", owner_contact="willing_to_sell", planning_law="s34_inner_area", land_use_type="MK",
              intended_uses=[], availability="within_1_year", asking_price_eur_m2=None,
              utilities=["water", "sewage", "electricity", "district_heating"], broadband_mbit=1000, published=True,
              publication_basis="owner_consent", contact_office=JENA_OFFICE,
              public_description="Innerstädtische Baulücke für Büros in Bahnhofsnähe, Preis auf Anfrage "
                                 "(Beispieldaten).", parcels=office)
        count += 1
    return count


def _construction_projects(conn: Connection) -> int:
    """Projects in Jena and Ilmenau: public, planned to completed, one private builder who is a person
    (never shown), one not yet public."""
    point_at_district = "(SELECT ST_PointOnSurface(geom) FROM core.districts WHERE municipality_ags = :jena AND name = :d)"
    parcel_in_district = ("(SELECT ST_Multi(p.geom) FROM core.parcels p JOIN core.districts d ON d.name = :d AND "
                          "ST_Contains(d.geom, ST_PointOnSurface(p.geom)) WHERE p.valid_to IS NULL AND p.municipality_ags "
                          "= :jena AND p.land_use = :use AND NOT EXISTS (SELECT 1 FROM core.site_parcels sp "
                          "WHERE sp.flurstueckskennzeichen = p.flurstueckskennzeichen) "
                          "ORDER BY p.area_m2 DESC, p.flurstueckskennzeichen LIMIT 1)")
    rows = [
        (JENA, "Sanierung Gemeinschaftsschule Lobeda (fiktiv)", "Energetische Sanierung und Anbau einer Mensa.",
         "education", "under_construction", "2025-04-01", "2027-08-31", "public", "Kommunale Immobilien Jena (fiktiv)",
         True, point_at_district, {"d": "Neulobeda"}),
        (JENA, "Wohnquartier am Steinbach (fiktiv)", "Rund 60 Wohnungen, davon ein Drittel gefördert.",
         "residential", "planned", "2027-03-01", "2029-12-31", "private", "Beispiel Wohnbau GmbH (fiktiv)", True,
         parcel_in_district, {"d": "Winzerla", "use": "Wohnbaufläche"}),
        (JENA, "Bürogebäude Göschwitz (fiktiv)", "Bürogebäude mit 4 Geschossen für Ingenieurbüros.", "office",
         "completed", "2022-05-01", "2024-06-30", "private", "Erika Beispiel-Bauherrin (fiktiv)", True,
         parcel_in_district, {"d": "Göschwitz", "use": "Industrie- und Gewerbefläche"}),
        (JENA, "Logistikhalle Nord (fiktiv)", "Voranfrage, noch nicht öffentlich.", "industrial", "planned", None, None,
         "private", "Beispiel Logistik AG (fiktiv)", False,
         parcel_in_district, {"d": "Zwätzen", "use": "Industrie- und Gewerbefläche"}),
        (JENA, "Straßenbahn-Wendeschleife Jena-Nord (fiktiv)", "Neue Wendeschleife für dichteren Takt.",
         "infrastructure", "planned", "2026-09-01", "2027-11-30", "public", "Jenaer Nahverkehr (fiktiv)", True,
         point_at_district, {"d": "Jena-Nord"}),
        (ILMENAU, "Innovationszentrum am Bahnhof (fiktiv)", "Gründerzentrum mit Laboren auf Baufeld 5.", "office",
         "under_construction", "2025-10-01", "2027-04-30", "private", "Beispiel Technologie GmbH (fiktiv)", True,
         "(SELECT geom FROM core.sites WHERE name = :site)", {"site": "Technologiequartier am Bahnhof, Baufeld 5"}),
        (ILMENAU, "Neugestaltung Bahnhofsvorplatz Ilmenau (fiktiv)", "Neuer Busbahnhof und Radstation.",
         "infrastructure", "planned", "2027-01-01", "2028-06-30", "public", "Stadt Ilmenau", True,
         "(SELECT ST_Translate(geom, 0, -40) FROM ref.stations WHERE eva_nr = '8010178')", {}),
    ]
    for ags, name, description, kind, status, start, end, builder_type, builder, public, geom_sql, extra in rows:
        conn.execute(text(
            "INSERT INTO core.construction_projects (municipality_ags, name, description, kind, status, start_on, end_on, "
            "builder_type, builder_name, site_id, public, geom, provenance, source) VALUES (:a, :n, :desc, :k, :s, "
            "CAST(:start AS date), CAST(:end AS date), :bt, :b, (SELECT id FROM core.sites WHERE name = :site), :p, "
            f"{geom_sql}, 'illustrative', :src)"),
            {"a": ags, "n": name, "desc": description, "k": kind, "s": status, "start": start, "end": end,
             "bt": builder_type, "b": builder, "p": public, "jena": JENA, "src": SOURCE, "site": extra.pop("site", None),
             **extra})
    return len(rows)


def _photo() -> bytes:
    """A small drawn facade (PNG) standing in for a citizen's photo."""
    image = Image.new("RGB", (320, 240), (214, 222, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 260, 230), fill=(196, 170, 140), outline=(90, 70, 50))
    for x in (80, 140, 200):
        for y in (80, 140):
            draw.rectangle((x, y, x + 40, y + 40), fill=(70, 80, 90))
    draw.rectangle((140, 180, 180, 230), fill=(110, 80, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _reports(conn: Connection) -> int:
    """A pending report of a vacant building in Jena (with photo and contact) and a rejected one in Ilmenau."""
    pending = conn.execute(text(
        "INSERT INTO core.site_reports (reference, municipality_ags, kind, description, geom, received_at, provenance, "
        "source) SELECT 'M-2026-DE000001', :jena, 'vacant_building', :description, ST_PointOnSurface(b.geom), "
        "timestamptz '2026-10-14 09:30+02', 'illustrative', :src FROM core.buildings b JOIN core.districts d ON "
        "d.name = 'Jena-Zentrum' AND ST_Contains(d.geom, b.geom) WHERE b.valid_to IS NULL AND b.municipality_ags = :jena "
        "ORDER BY b.footprint_m2 DESC, b.id LIMIT 1 RETURNING id"),
        {"jena": JENA, "src": SOURCE, "description": "Seit mehreren Jahren leerstehendes Wohn- und Geschäftshaus, "
                                                       "Schaufenster verklebt, Dachrinne defekt (fiktive Meldung)."}
    ).scalar_one()
    conn.execute(text(
        "INSERT INTO core.site_report_photos (report_id, media_type, width, height, content, sha256) "
        "VALUES (:r, 'image/png', 320, 240, :c, encode(sha256(:c), 'hex'))"), {"r": pending, "c": _photo()})
    conn.execute(text(
        "INSERT INTO personal.report_contacts (report_id, name, email, phone, consent, consent_text_version, "
        "provenance, source) VALUES (:r, 'Beispiel-Melderin Paula (fiktiv)', 'paula.melderin@example.org', "
        "'+49 3641 555019', true, :v, 'illustrative', :src)"), {"r": pending, "v": REPORT_CONTACT.version, "src": SOURCE})
    conn.execute(text(
        "INSERT INTO core.site_reports (reference, municipality_ags, kind, description, geom, status, rejection_reason, "
        "received_at, decided_at, decided_by, provenance, source) SELECT 'M-2026-DE000002', :a, 'fallow_land', "
        "'Brachliegende Fläche neben den Gleisen, wird als Parkplatz genutzt (fiktive Meldung).', "
        "ST_Translate(geom, 120, 60), 'rejected', 'Bereits als Fläche im Technologiequartier erfasst (Beispiel).', "
        "timestamptz '2026-09-02 17:05+02', timestamptz '2026-09-10 11:00+02', 'demo', 'illustrative', :src "
        "FROM ref.stations WHERE eva_nr = '8010178'"), {"a": ILMENAU, "src": SOURCE})
    return 2


def _inquiries(conn: Connection) -> int:
    """Invented inquiries to the porcelain works, the station quarter and Jena's commercial land."""
    rows = [
        ("A-2026-DE000001", "Ehemaliges Porzellanwerk Ilmenau", "Erika Musterfrau (fiktiv)", "erika.musterfrau@example.org",
         "Porzellan Revival GmbH (fiktiv)", "Wir planen eine Manufaktur mit Café und Ateliers. Ist eine Besichtigung "
         "der denkmalgeschützten Halle möglich?", "2026-10-02 10:15+02"),
        ("A-2026-DE000002", "Technologiequartier am Bahnhof, Baufeld 1", "Max Beispielmann (fiktiv)",
         "max.beispielmann@example.com", None, "Für ein Softwarehaus mit 40 Arbeitsplätzen suchen wir ca. 5.000 m². "
         "Ist das Baufeld teilbar?", "2026-10-20 14:40+02"),
        ("A-2026-DE000003", "Gewerbefläche Burgau", "Jana Probst (fiktiv)", "j.probst@example.net",
         "Beispiel Logistik AG (fiktiv)", "Bitte senden Sie uns Angaben zur Zufahrt für Lkw und zum Baugrund.",
         "2026-11-03 08:05+01"),
    ]
    for reference, site, name, email, company, message, received in rows:
        conn.execute(text(
            "INSERT INTO personal.inquiries (reference, site_id, municipality_ags, name, email, company, message, consent, "
            "consent_text_version, consented_at, received_at, provenance, source) SELECT :ref, s.id, s.municipality_ags, "
            ":n, :e, :c, :m, true, :v, CAST(:t AS timestamptz), CAST(:t AS timestamptz), 'illustrative', :src "
            "FROM core.sites s WHERE s.name = :site"),
            {"ref": reference, "site": site, "n": name, "e": email, "c": company, "m": message, "t": received,
             "v": INQUIRY.version, "src": SOURCE})
    return len(rows)
