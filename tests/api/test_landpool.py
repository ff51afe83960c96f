"""Land pool, estates and the shared vacancy register through the API, checked against direct SQL."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from tests.api.conftest import ILMENAU, JENA, SOEMMERDA

Auth = Callable[[str | None], dict[str, str]]


def unheld_jena_parcel(conn: Connection) -> tuple[str, float]:
    return tuple(conn.execute(text(  # type: ignore[return-value]
        "SELECT flurstueckskennzeichen, official_area_m2 FROM core.parcels p WHERE municipality_ags = :m "
        "AND valid_to IS NULL AND NOT EXISTS (SELECT 1 FROM core.pool_transaction_parcels t "
        "WHERE t.flurstueckskennzeichen = p.flurstueckskennzeichen) ORDER BY 1 LIMIT 1"), {"m": JENA}).one())


def test_holdings_follow_recorded_purchases_and_sales(client: TestClient, auth: Auth, conn: Connection) -> None:
    key, area = unheld_jena_parcel(conn)
    before = client.get("/api/pool/holdings", params={"municipality": JENA, "as_of": "2026-06-30"},
                        headers=auth("planner")).json()
    sale = {"municipality_ags": JENA, "kind": "sale", "contract_date": "2026-03-01",
            "parcels": [{"flurstueckskennzeichen": key}], "price_eur": 1000}
    refused = client.post("/api/pool/transactions", json=sale, headers=auth("lm_jena"))
    assert refused.status_code == 409 and "not held" in refused.json()["detail"]
    purchase = {"municipality_ags": JENA, "kind": "purchase", "contract_date": "2026-01-10",
                "effective_date": "2026-02-01", "price_eur": 50000,
                "counterparty": {"kind": "person", "category": "private_person", "name": "Test Verkäufer (fiktiv)"},
                "parcels": [{"flurstueckskennzeichen": key, "book_value_eur": 50000}]}
    created = client.post("/api/pool/transactions", json=purchase, headers=auth("lm_jena"))
    assert created.status_code == 201, created.text
    after = client.get("/api/pool/holdings", params={"municipality": JENA, "as_of": "2026-06-30"},
                       headers=auth("planner")).json()
    assert after["count"] == before["count"] + 1
    assert abs(after["area_m2"] - before["area_m2"] - float(area)) < 0.01
    assert abs(after["book_value_eur"] - before["book_value_eur"] - 50000) < 0.01
    on_jan = client.get("/api/pool/holdings", params={"municipality": JENA, "as_of": "2026-01-31"},
                        headers=auth("planner")).json()
    assert key not in {p["flurstueckskennzeichen"] for p in on_jan["parcels"]}
    sale["contract_date"] = "2026-05-01"
    assert client.post("/api/pool/transactions", json=sale, headers=auth("lm_jena")).status_code == 201
    changes = client.get("/api/pool/changes", params={"municipality": JENA, "start": "2026-01-01",
                                                      "end": "2026-04-30"}, headers=auth("planner")).json()
    assert key in {p["flurstueckskennzeichen"] for p in changes["acquired"]}
    final = client.get("/api/pool/holdings", params={"municipality": JENA, "as_of": "2026-06-30"},
                       headers=auth("planner")).json()
    assert final["count"] == before["count"]


def test_transactions_need_the_right_role_and_valid_bodies(client: TestClient, auth: Auth, conn: Connection) -> None:
    key, _ = unheld_jena_parcel(conn)
    body = {"municipality_ags": JENA, "kind": "purchase", "contract_date": "2026-01-10",
            "parcels": [{"flurstueckskennzeichen": key}]}
    assert client.post("/api/pool/transactions", json=body).status_code == 401
    assert client.post("/api/pool/transactions", json=body, headers=auth("planner")).status_code == 403
    assert client.post("/api/pool/transactions", json=body, headers=auth("lm_ilmenau")).status_code == 403
    for broken in ({**body, "kind": "gift"}, {**body, "parcels": []}, {**body, "kind": "exchange"},
                   {**body, "effective_date": "2025-01-01"}, {**body, "kind": "lease_in"},
                   {**body, "parcels": [{"flurstueckskennzeichen": "16030400100001"}]}):
        response = client.post("/api/pool/transactions", json=broken, headers=auth("lm_jena"))
        assert response.status_code == 400, (broken, response.text)
    before = conn.execute(text("SELECT count(*) FROM core.pool_transactions")).scalar()
    other = conn.execute(text("SELECT flurstueckskennzeichen FROM core.parcels WHERE municipality_ags = :m "
                              "AND valid_to IS NULL LIMIT 1"), {"m": ILMENAU}).scalar_one()
    wrong = client.post("/api/pool/transactions", headers=auth("lm_jena"),
                        json={**body, "parcels": [{"flurstueckskennzeichen": key}, {"flurstueckskennzeichen": other}]})
    assert wrong.status_code == 422
    assert conn.execute(text("SELECT count(*) FROM core.pool_transactions")).scalar() == before


def test_counterparties_only_for_land_managers_with_a_purpose(client: TestClient, auth: Auth, conn: Connection) -> None:
    params = {"municipality": JENA}
    plain = client.get("/api/pool/transactions", params=params, headers=auth("lm_jena")).json()
    assert plain and all("counterparty" not in t for t in plain) and "(fiktiv)" not in str(plain)
    assert client.get("/api/pool/transactions", params=params).status_code == 401
    denied = client.get("/api/pool/transactions", params={**params, "purpose": "Prüfung"}, headers=auth("planner"))
    assert denied.status_code == 403
    named = client.get("/api/pool/transactions", params={**params, "purpose": "Jahresbericht Flächenpool"},
                       headers=auth("lm_jena")).json()
    assert any(t["counterparty"] and "(fiktiv)" in t["counterparty"]["name"] for t in named)
    logged = conn.execute(text("SELECT actor, purpose, what FROM audit.personal_data_reads ORDER BY id DESC LIMIT 1")).one()
    assert tuple(logged) == ("lm-jena", "Jahresbericht Flächenpool", "parties")


def test_estate_balance_matches_its_sites(client: TestClient, auth: Auth, conn: Connection) -> None:
    estate = conn.execute(text("SELECT id FROM core.estates WHERE municipality_ags = :m"), {"m": ILMENAU}).scalar_one()
    balance = client.get(f"/api/estates/{estate}/balance", headers=auth("planner")).json()
    rows = dict(conn.execute(text(
        "SELECT CASE WHEN status IN ('sold', 'developed') THEN 'sold' WHEN status = 'reserved' THEN 'optioned' "
        "ELSE 'free' END, sum(area_m2) / 1e4 FROM core.sites WHERE estate_id = :e GROUP BY 1"), {"e": estate}).all())
    stock = balance["stock"]
    assert abs(stock["sold_or_leased_ha"] - rows.get("sold", 0)) < 0.001
    assert abs(stock["optioned_ha"] - rows.get("optioned", 0)) < 0.001
    assert abs(stock["free_ha"] - rows.get("free", 0)) < 0.001
    assert 0 < stock["largest_contiguous_free_ha"] <= stock["free_ha"]
    assert balance["funding_lock_in_end"] == "2031-12-31" and balance["yearly_sales"]
    assert client.get("/api/estates/999999/balance", headers=auth("planner")).status_code == 404


def test_vacancy_summary_and_who_edits_what(client: TestClient, auth: Auth, conn: Connection) -> None:
    summary = client.get("/api/vacancies/summary", params={"association": "thueringer-becken"},
                         headers=auth("lm_soemmerda")).json()
    towns = {m["municipality_ags"]: m for m in summary["municipalities"]}
    assert set(towns) == {"16068051", "16068053", "16068063", "16068064"}  # the joint picture
    vacant, buildings = conn.execute(text(
        "SELECT (SELECT count(*) FROM core.vacancies WHERE municipality_ags = :m AND ended_on IS NULL), "
        "(SELECT count(*) FROM core.buildings WHERE municipality_ags = :m AND valid_to IS NULL)"), {"m": SOEMMERDA}).one()
    assert towns[SOEMMERDA]["vacant"] == vacant and towns[SOEMMERDA]["buildings"] == buildings
    assert towns[SOEMMERDA]["rate_pct"] == round(100 * vacant / buildings, 1)
    building = conn.execute(text("SELECT b.id FROM core.buildings b WHERE municipality_ags = :m AND NOT EXISTS "
                                 "(SELECT 1 FROM core.vacancies v WHERE v.building_id = b.id) LIMIT 1"),
                            {"m": SOEMMERDA}).scalar_one()
    body = {"municipality_ags": SOEMMERDA, "building_id": building, "building_type": "retail",
            "vacant_since": "2025-04-01", "source": "survey"}
    assert client.post("/api/vacancies", json=body, headers=auth("lm_jena")).status_code == 403
    created = client.post("/api/vacancies", json=body, headers=auth("lm_soemmerda"))
    assert created.status_code == 201
    again = client.get("/api/vacancies/summary", params={"municipality": SOEMMERDA}, headers=auth("planner")).json()
    assert again["municipalities"][0]["vacant"] == vacant + 1
    assert client.get("/api/vacancies/summary").status_code == 401


def test_estates_are_created_and_edited_by_their_land_managers(client: TestClient, auth: Auth, conn: Connection) -> None:
    x, y = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM core.municipalities "
                             "WHERE ags = :m) s"), {"m": JENA}).one()
    outline = {"type": "Polygon", "coordinates": [[[x, y], [x + 300, y], [x + 300, y + 200], [x, y + 200], [x, y]]]}
    body = {"municipality_ags": JENA, "name": "Gewerbegebiet Test", "utilities": ["water", "electricity"],
            "broadband_mbit": 500, "funding_lock_in_end": "2030-06-30", "geometry": outline}
    assert client.post("/api/estates", json=body, params={"crs": "EPSG:25832"},
                       headers=auth("lm_ilmenau")).status_code == 403
    created = client.post("/api/estates", json=body, params={"crs": "EPSG:25832"}, headers=auth("lm_jena"))
    assert created.status_code == 201, created.text
    estate = created.json()["id"]
    changed = client.patch(f"/api/estates/{estate}", json={"broadband_mbit": 1000}, headers=auth("lm_jena"))
    assert changed.status_code == 200 and changed.json()["broadband_mbit"] == 1000
    assert changed.json()["gross_ha"] == 6.0
    wrong = client.post("/api/estates", json={**body, "name": "Falsch"}, headers=auth("lm_jena"))  # UTM as CRS84
    assert wrong.status_code in (400, 422)
