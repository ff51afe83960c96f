"""What search engines, feed readers and link previews see: robots.txt, the sitemap of real published sites, the
Atom feed, a detail page's canonical address and Open Graph data, and invented demo entries kept out of search
results; the demo note shows only where demo entries are published."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "http://testserver"


def _published(conn: Connection) -> list[int]:
    return list(conn.execute(text("SELECT id FROM core.public_sites ORDER BY id")).scalars())


@pytest.fixture
def real_site(conn: Connection) -> int:
    """One published demo site turned into a real offer (in the test's transaction), with its day of change."""
    site_id = _published(conn)[0]
    conn.execute(text("UPDATE core.sites SET provenance = 'official' WHERE id = :i"), {"i": site_id})
    return site_id


def test_robots_txt_keeps_crawlers_to_the_public_pages_and_names_the_sitemap(client: TestClient) -> None:
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and robots.headers["content-type"].startswith("text/plain")
    lines = robots.text.splitlines()
    assert lines[0] == "User-agent: *" and f"Sitemap: {BASE}/sitemap.xml" in lines
    assert {"Disallow: /api/", "Disallow: /ogc", "Disallow: /docs"} <= set(lines)
    assert not any(line in ("Disallow: /", "Disallow: /flaechen/") for line in lines)


def test_the_sitemap_lists_real_published_sites_only(client: TestClient, conn: Connection, real_site: int) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.headers["content-type"] == "application/xml"
    urls = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod")
            for u in ET.fromstring(response.content).iter(f"{SITEMAP}url")}
    changed = conn.execute(text("SELECT updated_at::date FROM core.sites WHERE id = :i"), {"i": real_site}).scalar()
    assert urls == {f"{BASE}/": changed.isoformat(), f"{BASE}/flaechen/{real_site}": changed.isoformat()}
    # an unpublished site leaves it
    conn.execute(text("UPDATE core.sites SET published = false WHERE id = :i"), {"i": real_site})
    again = ET.fromstring(client.get("/sitemap.xml").content)
    assert [u.findtext(f"{SITEMAP}loc") for u in again.iter(f"{SITEMAP}url")] == [f"{BASE}/"]


def test_a_detail_page_names_its_address_and_previews_its_first_photo(client: TestClient, conn: Connection,
                                                                      real_site: int) -> None:
    page = client.get(f"/flaechen/{real_site}").text
    assert f'<link rel="canonical" href="{BASE}/flaechen/{real_site}">' in page
    name = conn.execute(text("SELECT name FROM core.sites WHERE id = :i"), {"i": real_site}).scalar()
    assert re.search(r'<meta property="og:title" content="([^"]+)">', page).group(1) == name  # type: ignore[union-attr]
    assert re.search(r'<meta property="og:description" content="[^"]+ in [^"]+, [\d.]+ m²">', page)
    assert 'name="robots"' not in page and "og:image" not in page       # the demo sites have no photos


def test_invented_sites_and_a_page_showing_them_are_not_indexed(client: TestClient, conn: Connection) -> None:
    demo = _published(conn)[0]
    assert '<meta name="robots" content="noindex">' in client.get(f"/flaechen/{demo}").text
    start = client.get("/").text
    assert '<meta name="robots" content="noindex">' in start and 'id="demo-note"' in start


def test_without_demo_entries_the_page_neither_says_demo_nor_asks_not_to_be_indexed(
        client: TestClient, conn: Connection) -> None:
    for table in ("core.sites", "core.construction_projects"):
        conn.execute(text(f"UPDATE {table} SET provenance = 'official' WHERE provenance = 'illustrative'"))
    start = client.get("/").text
    assert "Demodaten" not in start and "noindex" not in start
    assert client.get("/").status_code == 200 and "veröffentlichte Fläche" in start
    assert dt.date.today().isoformat() in client.get("/sitemap.xml").text      # the demo sites, now real, changed today


ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_atom_feed_lists_published_sites_newest_change_first(client: TestClient, conn: Connection,
                                                                 real_site: int) -> None:
    conn.execute(text("UPDATE core.sites SET asking_price_eur_m2 = 12.5 WHERE id = :i"), {"i": real_site})
    response = client.get("/flaechen.atom")
    assert response.status_code == 200 and response.headers["content-type"] == "application/atom+xml"
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    published = _published(conn)
    assert len(entries) == len(published) and feed.findtext(f"{ATOM}id") == f"{BASE}/flaechen.atom"
    first = entries[0]                                   # the site changed last
    assert first.findtext(f"{ATOM}id") == f"{BASE}/flaechen/{real_site}"
    assert first.find(f"{ATOM}link").get("href") == f"{BASE}/flaechen/{real_site}"  # type: ignore[union-attr]
    assert "12,50 €/m²" in first.findtext(f"{ATOM}summary", "") and "(illustrativ)" not in first.findtext(
        f"{ATOM}title", "")
    times = [dt.datetime.fromisoformat(e.findtext(f"{ATOM}updated", "")) for e in entries]
    assert times == sorted(times, reverse=True) and times[0].tzinfo is not None
    # the invented demo sites say so in title and summary, as on the page
    demo = entries[1]
    assert demo.findtext(f"{ATOM}title", "").endswith("(illustrativ)")
    assert "Erfundenes Beispiel" in demo.findtext(f"{ATOM}summary", "")
    # the map page names the feed for feed readers
    assert '<link rel="alternate" type="application/atom+xml"' in client.get("/").text
