"""The German detail page and the PDF exposé of a published site: content, accessibility basics, the
server-side map checked against the stored geometry, and no owner anywhere."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from shapely import wkb
from shapely.geometry import Polygon
from sqlalchemy import Connection, text


def site(conn: Connection, name: str) -> dict:
    return dict(conn.execute(text("SELECT id, name, contact_office, ST_Area(geom) AS area, ST_AsBinary(geom) AS g "
                                  "FROM core.sites WHERE name = :n"), {"n": name}).mappings().one())


def owners(conn: Connection, site_id: int) -> list[str]:
    return list(conn.execute(text(
        "SELECT DISTINCT p.name FROM core.site_parcels sp JOIN personal.ownership o USING (flurstueckskennzeichen) "
        "JOIN personal.parties p ON p.id = o.party_id WHERE sp.site_id = :s"), {"s": site_id}).scalars())


def test_detail_page_is_german_accessible_and_draws_the_site(client: TestClient, conn: Connection) -> None:
    s = site(conn, "Ehemaliges Porzellanwerk Ilmenau")
    r = client.get(f"/flaechen/{s['id']}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="de">' in page and f"<h1>{s['name']}</h1>" in page
    assert "Beispieldaten (illustrativ)" in page and s["contact_office"] in page
    assert 'role="img"' in page and '<title id="map-title">' in page and 'href="#inhalt"' in page
    assert f'href="/flaechen/{s["id"]}/expose.pdf"' in page and "Eckdaten" in page
    # the red site outline in the SVG is the stored geometry (ST_AsSVG: metres, y negated)
    path = re.search(r'<path d="([^"]+)" fill="#d62f2f"', page).group(1)  # type: ignore[union-attr]
    rings = [[(float(a), -float(b)) for a, b in re.findall(r"(-?[\d.]+) (-?[\d.]+)", part)]
             for part in path.split("M")[1:]]
    drawn = sum(Polygon(ring).area for ring in rings)
    assert drawn == pytest.approx(s["area"], rel=1e-3)
    assert Polygon(rings[0]).buffer(1).intersects(wkb.loads(bytes(s["g"])))


def test_detail_page_of_an_unpublished_site_is_a_german_404(client: TestClient, conn: Connection) -> None:
    hidden = conn.execute(text("SELECT id FROM core.sites WHERE NOT published LIMIT 1")).scalar_one()
    r = client.get(f"/flaechen/{hidden}")
    assert r.status_code == 404 and "nicht veröffentlicht" in r.json()["detail"]
    assert client.get(f"/flaechen/{hidden}/expose.pdf").status_code == 404


@pytest.mark.parametrize("name", ["Ehemaliges Porzellanwerk Ilmenau", "Gewerbefläche Burgau"])
def test_the_pdf_expose_downloads_and_names_the_site_never_an_owner(client: TestClient, conn: Connection,
                                                                   name: str) -> None:
    s = site(conn, name)
    r = client.get(f"/flaechen/{s['id']}/expose.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == f'attachment; filename="expose-flaeche-{s["id"]}.pdf"'
    reader = PdfReader(io.BytesIO(r.content))
    assert len(reader.pages) == 1
    content = " ".join((page.extract_text() or "") for page in reader.pages)
    flat = " ".join(content.split())
    assert s["name"] in flat and "Exposé" in flat and "Ansprechstelle" in flat
    assert "illustrativ" in flat and "OpenStreetMap" in flat and "GeoBasis-DE" in flat
    assert " ".join(s["contact_office"].split()) in flat
    names = owners(conn, s["id"])
    assert names and not any(n in flat for n in names)


def test_the_land_value_over_a_site_is_shown_where_zones_exist(client: TestClient, conn: Connection) -> None:
    """The Bodenrichtwert over a site, area-weighted over the zones of the newest reference date (checked with
    shapely), in the public feature, on the detail page and in the PDF; without zones, no such line."""
    s = site(conn, "Ehemaliges Porzellanwerk Ilmenau")
    outline = wkb.loads(bytes(s["g"]))
    zones = conn.execute(text("SELECT ST_AsBinary(geom), value_eur_m2 FROM ref.land_values WHERE reference_date = "
                              "(SELECT max(reference_date) FROM ref.land_values)")).all()
    parts = [(float(v), wkb.loads(bytes(g)).intersection(outline).area) for g, v in zones]
    expected = sum(v * a for v, a in parts) / sum(a for _, a in parts)
    feature = client.get(f"/api/public/sites/{s['id']}").json()["properties"]
    assert feature["land_value"] == {"value_eur_m2": pytest.approx(expected, abs=0.01),
                                     "reference_date": "2024-01-01", "illustrative": True}
    shown = f"{expected:.2f}".replace(".", ",") + " €/m² (Stichtag 01.01.2024), illustrativ"
    assert f"<dt>Bodenrichtwert</dt><dd>{shown}</dd>" in client.get(f"/flaechen/{s['id']}").text
    pdf = " ".join(" ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(
        client.get(f"/flaechen/{s['id']}/expose.pdf").content)).pages).split())
    assert f"Bodenrichtwert {shown}" in pdf
    conn.execute(text("DELETE FROM ref.land_values"))
    assert client.get(f"/api/public/sites/{s['id']}").json()["properties"]["land_value"] is None
    assert "Bodenrichtwert" not in client.get(f"/flaechen/{s['id']}").text


def test_areas_of_special_urban_law_over_a_site_are_shown(client: TestClient, conn: Connection) -> None:
    """A redevelopment area or preservation statute over a published site (more than 1 % of it, checked with
    shapely on every published site) in the public feature, on the detail page and in the PDF."""
    areas = [(name, kind, wkb.loads(bytes(g))) for name, kind, g in conn.execute(text(
        "SELECT name, kind, ST_AsBinary(geom) FROM ref.preemption_areas "
        "WHERE kind IN ('redevelopment', 'restructuring_preservation')")).all()]
    assert areas, "the demo has a redevelopment area (Ilmenau's porcelain works)"
    shown = 0
    for site_id, g in conn.execute(text("SELECT id, ST_AsBinary(geom) FROM core.public_sites")).all():
        outline = wkb.loads(bytes(g))
        expected = sorted((n, k) for n, k, a in areas if a.intersection(outline).area > 0.01 * outline.area)
        got = client.get(f"/api/public/sites/{site_id}").json()["properties"]["urban_renewal_areas"]
        assert sorted((a["name"], a["kind"]) for a in got or []) == expected, site_id
        shown += bool(expected)
    assert shown >= 1
    porcelain = site(conn, "Ehemaliges Porzellanwerk Ilmenau")
    row = ("<dt>Besonderes Städtebaurecht</dt><dd>„Sanierungsgebiet Porzellanwerk (illustrativ)“ (Sanierungsgebiet "
           "oder Entwicklungsbereich)</dd>")
    page = client.get(f"/flaechen/{porcelain['id']}").text
    assert row in page and "Grenzen der Sanierungs- und Erhaltungsgebiete (rot gestrichelt)" in page
    assert re.search(r'<path d="[^"]+" fill="none" stroke="#b2182b"', page)      # the area's edge on the map
    # pre-emption statutes (§ 25 BauGB) are not drawn on public maps: Jena has them and no redevelopment area
    jena = conn.execute(text("SELECT id FROM core.public_sites WHERE municipality_ags = '16053000'")).scalars().all()
    crossing = conn.execute(text(
        "SELECT count(*) FROM core.public_sites s JOIN ref.preemption_areas a ON ST_DWithin(ST_Boundary(a.geom), "
        "s.geom, 300) WHERE s.municipality_ags = '16053000'")).scalar_one()
    assert jena and crossing > 0                         # some statute edge runs within a Jena site's map frame
    assert not [i for i in jena if "#b2182b" in client.get(f"/flaechen/{i}").text]
    pdf = " ".join(" ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(
        client.get(f"/flaechen/{porcelain['id']}/expose.pdf").content)).pages).split())
    assert "Besonderes Städtebaurecht" in pdf and "Sanierungsgebiet Porzellanwerk" in pdf


def test_every_label_of_every_site_map_stays_inside_the_map(client: TestClient, conn: Connection) -> None:
    """The name of an estate or a station near the edge of a map frame is moved in, not cut (the porcelain works'
    map cut "Technologiequartier am Bahnhof" at its right edge). The width is estimated as the code does."""
    from flaechenpool.expose.mapsvg import site_map_svg

    labelled = 0
    for site_id in conn.execute(text("SELECT id FROM core.public_sites ORDER BY id")).scalars():
        svg = site_map_svg(conn, site_id, title="t")
        x0, top, w, h = (float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split())   # type: ignore[union-attr]
        for attrs, label in re.findall(r"<text ([^>]*)>([^<]+)</text>", svg):
            if label in ("N", "t") or label.endswith(" m"):           # north arrow, scale bar
                continue
            x, y, size = (float(re.search(rf'\b{a}="([-\d.]+)"', attrs).group(1))  # type: ignore[union-attr]
                          for a in ("x", "y", "font-size"))
            width = 0.6 * size * len(label)
            left = x - width / 2 if 'text-anchor="middle"' in attrs else x
            assert x0 <= left and left + width <= x0 + w and top + size <= y <= top + h, (site_id, label)
            labelled += 1
    assert labelled >= 5
