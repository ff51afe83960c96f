"""Nothing personal on public endpoints: every GET endpoint of the whole app (from its OpenAPI
document, plus the documentation pages) is fetched anonymously with real ids, collections, features
and tiles, and no owner, counterparty, inquirer, reporter or private builder of the database appears
in any answer — JSON, HTML, vector tiles or the text of PDF exposés."""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterator

import morecantile
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Connection, text

TMS = morecantile.tms.get("WebMercatorQuad")
# values of query parameters some endpoints require (and purpose wherever personal data could be asked for)
QUERY_VALUES = {"municipality": "16053000", "start": "2017-01-01", "end": "2025-12-31", "as_of": "2025-01-01",
                "purpose": "Datenschutztest", "with": "1"}
PDF_SAMPLE = 3      # PDF exposés take about a second each; the detail pages of all sites are fetched
SECRETS_SQL = """
SELECT unnest(ARRAY[name, email, phone, address]) FROM personal.parties WHERE kind <> 'public_body'
UNION SELECT unnest(ARRAY[name, email, company]) FROM personal.inquiries
UNION SELECT unnest(ARRAY[name, email, phone]) FROM personal.report_contacts
UNION SELECT builder_name FROM core.construction_projects WHERE builder_type = 'private'
"""


def personal_values(conn: Connection) -> set[str]:
    """Every name, e-mail, phone and address of people and private parties the database holds.

    Public bodies (the towns, the state) are left out: they are owners too, but their names are no
    personal data and appear rightly (e.g. as a public builder)."""
    return {v for v in conn.execute(text(SECRETS_SQL)).scalars() if v and len(v) >= 6}


def parameter_values(client: TestClient, conn: Connection) -> dict[str, list[str]]:
    """Real values for each path parameter of the app's routes."""
    published = [str(i) for i in conn.execute(text("SELECT id FROM core.public_sites ORDER BY id")).scalars()]
    hidden = [str(conn.execute(text("SELECT min(id) FROM core.sites WHERE NOT published")).scalar_one())]
    owned = conn.execute(text("SELECT min(o.flurstueckskennzeichen) FROM personal.ownership o JOIN personal.parties p "
                              "ON p.id = o.party_id WHERE p.kind = 'person'")).scalar_one()

    def ids(table: str) -> list[str]:
        return [str(i) for i in conn.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars()]

    collections = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
    return {"site_id": published + hidden, "key": [owned], "estate_id": ids("core.estates"),
            "project_id": ids("core.construction_projects"), "report_id": ids("core.site_reports"),
            "collection_id": collections, "tms": ["WebMercatorQuad"],
            "run_id": ids("analysis.runs")[:3] or ["1"], "candidate_id": ids("analysis.candidates")[:3] or ["1"],
            "photo_id": ids("core.site_photos")[:3] or ["1"], "case_id": ids("core.preemption_cases")[:3] or ["1"]}


def tiles(conn: Connection) -> list[tuple[int, int, int]]:
    """Tiles (z, y, x) at zoom 10, 14 and 16 over every published site and construction project."""
    points = conn.execute(text(
        "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS g FROM core.public_sites "
        "UNION ALL SELECT ST_Transform(ST_PointOnSurface(geom), 4326) FROM core.construction_projects) p")).all()
    found = {(z, t.y, t.x) for lon, lat in points for z in (10, 14, 16) for t in [TMS.tile(lon, lat, z)]}
    return sorted(found)


def urls(client: TestClient, conn: Connection) -> Iterator[str]:
    """Every anonymous GET the app offers, with its path parameters filled in."""
    values = parameter_values(client, conn)
    tile_list = tiles(conn)
    paths = {p: ops["get"] for p, ops in client.get("/openapi.json").json()["paths"].items() if "get" in ops}
    yield from ("/docs", "/redoc", "/openapi.json")
    for path, operation in paths.items():
        query = [q["name"] for q in operation.get("parameters", []) if q["in"] == "query"
                 and (q.get("required") or q["name"] == "purpose")]
        missing = set(query) - set(QUERY_VALUES)
        assert not missing, f"privacy crawl: no values for the query parameters {missing} of {path}"
        suffix = "&".join(f"{q}={QUERY_VALUES[q]}" for q in query)
        names = re.findall(r"{(\w+)}", path)
        unknown = set(names) - set(values) - {"feature_id", "z", "y", "x"}
        assert not unknown, f"privacy crawl: no values for {unknown} in {path}; add them to parameter_values()"
        for filled in _fill(path, names, values, client):
            if "{z}" in filled:
                yield from (filled.replace("{z}", str(z)).replace("{y}", str(y)).replace("{x}", str(x))
                            for z, y, x in tile_list)
                continue
            yield f"{filled}?{suffix}" if suffix else filled
            if filled.startswith("/ogc") and not filled.endswith(".json"):
                yield f"{filled}?f=html"
            if filled.endswith(("/items", "/api/sites", "/api/public/sites", "/api/public/projects")):
                yield f"{filled}?limit=1000"


def _fill(path: str, names: list[str], values: dict[str, list[str]], client: TestClient) -> Iterator[str]:
    if not names or names[0] in ("z",):
        yield path
        return
    name = names[0]
    if name == "feature_id":
        collection = path.split("/collections/")[1].split("/")[0]
        items = client.get(f"/ogc/collections/{collection}/items", params={"limit": 5}).json()
        choices = [str(f["id"]) for f in items.get("features", [])]
    else:
        choices = values[name]
    for value in choices:
        yield from _fill(path.replace("{" + name + "}", value, 1), names[1:], values, client)


def readable(response_content: bytes, content_type: str) -> str:
    if content_type.startswith("application/pdf"):
        return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(response_content)).pages)
    if response_content[:2] == b"\x1f\x8b":
        response_content = gzip.decompress(response_content)
    return response_content.decode("utf-8", "replace")


def test_no_public_endpoint_shows_personal_data(client: TestClient, conn: Connection, auth: object) -> None:
    # fresh personal data through the public forms, so the crawl meets today's records too
    site_id = conn.execute(text("SELECT min(id) FROM core.public_sites")).scalar_one()
    assert client.post(f"/api/public/sites/{site_id}/inquiries", json={
        "name": "Privata Anfragende", "email": "privata@example.org", "company": "Geheim GmbH",
        "message": "Bitte rufen Sie mich zurück.", "consent": True}).status_code == 201
    assert client.post("/api/public/reports", data={
        "kind": "vacant_building", "description": "Leerstehende Villa am Hang, Garten verwildert.",
        "lon": "11.59", "lat": "50.928", "contact_name": "Melder Geheim", "contact_phone": "+49 3641 999888",
        "contact_consent": "true"}).status_code == 201
    secrets = personal_values(conn)
    assert {"Privata Anfragende", "privata@example.org", "Melder Geheim", "+49 3641 999888",
            "Erika Musterfrau (fiktiv)", "paula.melderin@example.org", "Erika Beispiel-Bauherrin (fiktiv)"} <= secrets
    assert len(secrets) > 250      # 120 invented persons with addresses, companies, inquirers, reporters

    # the PDF sample: published sites on land of private owners
    sample = {f"/flaechen/{i}/expose.pdf" for i in conn.execute(text(
        "SELECT DISTINCT s.id FROM core.public_sites s JOIN core.site_parcels sp ON sp.site_id = s.id "
        "JOIN personal.ownership o USING (flurstueckskennzeichen) JOIN personal.parties p ON p.id = o.party_id "
        "WHERE p.kind <> 'public_body' ORDER BY s.id LIMIT :n"), {"n": PDF_SAMPLE}).scalars()}
    assert len(sample) == PDF_SAMPLE
    fetched, pdfs, statuses = 0, 0, {}
    public_names = set(conn.execute(text("SELECT name FROM core.public_sites")).scalars())
    seen_names: set[str] = set()
    for url in urls(client, conn):
        if url.endswith("expose.pdf"):
            if url not in sample:
                continue
            pdfs += 1
        r = client.get(url)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        body = readable(r.content, r.headers.get("content-type", ""))
        leaked = sorted(s for s in secrets if s in body)
        assert not leaked, f"{url} shows personal data: {leaked[:5]}"
        seen_names |= {n for n in public_names if n in body}
        fetched += 1
    assert fetched > 300 and pdfs == PDF_SAMPLE and statuses.get(200, 0) > 250
    assert seen_names == public_names               # the crawl really saw the public content
    assert statuses.get(401, 0) >= 5                # land-manager endpoints refuse anonymous callers

    # the same search finds personal data where it belongs: a land manager's logged read
    inquiries = client.get("/api/inquiries", params={"purpose": "Kontrolle des Datenschutztests"},
                           headers=auth("lm_ilmenau"))  # type: ignore[operator]
    assert "Erika Musterfrau (fiktiv)" in inquiries.text
