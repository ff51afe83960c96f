"""Pre-emption cases (Vorkaufsrechtsfälle): the deadline of § 28 (2) BauGB computed independently, the
decisions (an exercised right enters the land pool), who may see and do what, bad input leaving nothing
behind, and the database's own guards."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
from collections.abc import Callable

import pytest
import shapely
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from flaechenpool.expose.case_report import basis_rows, contract_rows
from flaechenpool.expose.mapsvg import area_map_svg
from tests.api.conftest import ILMENAU, JENA

Auth = Callable[[str | None], dict[str, str]]
TODAY = dt.date.today()


def plus_months(day: dt.date, months: int) -> dt.date:
    """§ 188 (2), (3) BGB: the same day number in the month ``months`` later, or that month's last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def free_parcels(conn: Connection, municipality: str = JENA, n: int = 2) -> list[str]:
    """Current parcels the municipality never held and no case names."""
    return list(conn.execute(text(
        "SELECT flurstueckskennzeichen FROM core.parcels p WHERE municipality_ags = :m AND valid_to IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM core.pool_transaction_parcels t WHERE t.flurstueckskennzeichen = "
        "p.flurstueckskennzeichen) AND NOT EXISTS (SELECT 1 FROM core.preemption_cases c WHERE "
        "p.flurstueckskennzeichen = ANY(c.parcels)) ORDER BY 1 DESC LIMIT :n"), {"m": municipality, "n": n}).scalars())


def notice(parcels: list[str], notified: dt.date, reference: str = "VK-TEST-1", **extra: object) -> dict[str, object]:
    return {"municipality_ags": JENA, "file_reference": reference, "legal_basis": "statute", "parcels": parcels,
            "contract_date": (notified - dt.timedelta(days=10)).isoformat(), "notified_on": notified.isoformat(),
            "price_eur": 180000, **extra}


def counts(conn: Connection) -> tuple[int, int]:
    return tuple(conn.execute(text(  # type: ignore[return-value]
        "SELECT (SELECT count(*) FROM core.preemption_cases), (SELECT count(*) FROM core.pool_transactions)")).one())


@pytest.mark.parametrize("notified", [dt.date(2025, 11, 30), dt.date(2023, 11, 30), dt.date(2026, 8, 31),
                                      dt.date(2026, 1, 15), TODAY])
def test_the_deadline_is_three_months_from_the_notice(client: TestClient, auth: Auth, conn: Connection,
                                                      notified: dt.date) -> None:
    created = client.post("/api/preemption", json=notice(free_parcels(conn, n=1), notified), headers=auth("lm_jena"))
    assert created.status_code == 201, created.text
    case = created.json()
    deadline = plus_months(notified, 3)
    assert case["deadline"] == deadline.isoformat()
    left = (deadline - TODAY).days
    assert case["state"] == ("lapsed" if left < 0 else "due" if left <= 14 else "open") and case["decision"] is None
    assert case["days_left"] == (left if left >= 0 else None)
    assert case["created_by"] == "lm-jena" and case["price_eur"] == 180000


def test_open_cases_come_by_deadline_and_due_ones_are_marked(client: TestClient, auth: Auth, conn: Connection) -> None:
    first, second = free_parcels(conn)
    soon = plus_months(TODAY, -3) + dt.timedelta(days=5)         # deadline in about 5 days
    later = TODAY - dt.timedelta(days=3)
    for reference, key, day in (("VK-LATER", first, later), ("VK-SOON", second, soon)):
        assert client.post("/api/preemption", json=notice([key], day, reference),
                           headers=auth("lm_jena")).status_code == 201
    listed = client.get("/api/preemption", params={"municipality": JENA}, headers=auth("lm_jena")).json()
    mine = [c for c in listed if c["file_reference"] in ("VK-SOON", "VK-LATER")]
    assert [c["file_reference"] for c in mine] == ["VK-SOON", "VK-LATER"]
    assert [c["state"] for c in mine] == ["due", "open"]
    assert mine[0]["days_left"] == (plus_months(soon, 3) - TODAY).days <= 14
    due = client.get("/api/preemption", params={"due_within": 14}, headers=auth("lm_jena")).json()
    assert "VK-SOON" in {c["file_reference"] for c in due} and "VK-LATER" not in {c["file_reference"] for c in due}
    assert all(c["days_left"] is not None and c["days_left"] <= 14 for c in due)
    assert {c["file_reference"] for c in client.get("/api/preemption", params={"state": "due"},
                                                    headers=auth("lm_jena")).json()} >= {"VK-SOON"}


def test_an_exercised_right_enters_the_land_pool_and_is_final(client: TestClient, auth: Auth,
                                                              conn: Connection) -> None:
    keys = free_parcels(conn)
    case = client.post("/api/preemption", json=notice(keys, TODAY - dt.timedelta(days=20)),
                       headers=auth("lm_jena")).json()
    effective = TODAY + dt.timedelta(days=30)
    decided = client.post(f"/api/preemption/{case['id']}/decision", headers=auth("lm_jena"),
                          json={"decision": "exercised", "effective_date": effective.isoformat(), "price_eur": 150000})
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["decision"] == "exercised" and body["decided_on"] == TODAY.isoformat() and body["state"] == "decided"
    assert body["decided_by"] == "lm-jena" and body["transaction_id"] is not None
    row = conn.execute(text("SELECT kind, contract_date, effective_date, price_eur, file_reference FROM "
                            "core.pool_transactions WHERE id = :t"), {"t": body["transaction_id"]}).one()
    assert tuple(row) == ("pre_emption", TODAY, effective, 150000, "VK-TEST-1")
    held = {p["flurstueckskennzeichen"]: p for p in client.get(
        "/api/pool/holdings", params={"municipality": JENA, "as_of": effective.isoformat()},
        headers=auth("planner")).json()["parcels"]}
    assert set(keys) <= set(held) and {held[k]["acquired_by"] for k in keys} == {"pre_emption"}
    before_effective = client.get("/api/pool/holdings", params={"municipality": JENA, "as_of": TODAY.isoformat()},
                                  headers=auth("planner")).json()["parcels"]
    assert not set(keys) & {p["flurstueckskennzeichen"] for p in before_effective}
    stored = counts(conn)
    again = client.post(f"/api/preemption/{case['id']}/decision", json={"decision": "waived"}, headers=auth("lm_jena"))
    assert again.status_code == 409 and "final" in again.json()["detail"]
    assert counts(conn) == stored


def test_a_lapsed_right_cannot_be_exercised_but_the_case_can_be_closed(client: TestClient, auth: Auth,
                                                                      conn: Connection) -> None:
    case = client.post("/api/preemption", json=notice(free_parcels(conn, n=1), dt.date(2025, 6, 2)),
                       headers=auth("lm_jena")).json()
    assert case["deadline"] == "2025-09-02" and case["state"] == "lapsed"
    stored = counts(conn)
    late = client.post(f"/api/preemption/{case['id']}/decision", json={"decision": "exercised"},
                       headers=auth("lm_jena"))
    assert late.status_code == 409 and "2025-09-02" in late.json()["detail"]
    in_time = client.post(f"/api/preemption/{case['id']}/decision", headers=auth("lm_jena"),
                          json={"decision": "exercised", "decided_on": "2025-09-03"})
    assert in_time.status_code == 409                                  # one day late is late
    assert counts(conn) == stored
    closed = client.post(f"/api/preemption/{case['id']}/decision", headers=auth("lm_jena"),
                         json={"decision": "no_right", "decided_on": "2025-07-01", "notes": "Negativzeugnis erteilt"})
    assert closed.status_code == 200 and closed.json()["notes"] == "Negativzeugnis erteilt"
    assert closed.json()["transaction_id"] is None and counts(conn) == stored


def test_only_the_municipalitys_land_managers_and_admins_handle_cases(client: TestClient, auth: Auth,
                                                                      conn: Connection) -> None:
    body = notice(free_parcels(conn, n=1), TODAY)
    assert client.post("/api/preemption", json=body).status_code == 401
    assert client.post("/api/preemption", json=body, headers=auth("planner")).status_code == 403
    assert client.post("/api/preemption", json=body, headers=auth("lm_ilmenau")).status_code == 403
    case = client.post("/api/preemption", json=body, headers=auth("lm_jena")).json()
    path = f"/api/preemption/{case['id']}"
    assert client.get("/api/preemption", headers=auth("planner")).status_code == 403      # prices of private sales
    assert client.get(path, headers=auth("planner")).status_code == 403
    other = client.get(path, headers=auth("lm_ilmenau"))      # as an unknown id: no hint that the case exists
    assert other.status_code == 404 and other.json()["detail"] == client.get(
        "/api/preemption/999999", headers=auth("lm_ilmenau")).json()["detail"].replace("999999", str(case["id"]))
    assert client.get("/api/preemption", params={"municipality": JENA}, headers=auth("lm_ilmenau")).status_code == 403
    assert case["id"] not in {c["id"] for c in client.get("/api/preemption", headers=auth("lm_ilmenau")).json()}
    assert case["id"] in {c["id"] for c in client.get("/api/preemption", headers=auth("admin")).json()}
    assert client.post(f"{path}/decision", json={"decision": "waived"}, headers=auth("lm_ilmenau")).status_code == 404
    assert client.get(path, headers=auth("lm_jena")).json()["decision"] is None
    # the audit trail: planners do not see the cases' changes (their prices), admins do
    planner_log = client.get("/api/audit", params={"table": "core.preemption_cases"}, headers=auth("planner"))
    assert planner_log.status_code == 200 and planner_log.json() == []
    admin_log = client.get("/api/audit", params={"table": "core.preemption_cases", "row_key": str(case["id"])},
                           headers=auth("admin")).json()
    assert admin_log and admin_log[-1]["after"]["price_eur"] == 180000


def test_bad_notices_and_decisions_are_refused_and_leave_nothing(client: TestClient, auth: Auth,
                                                                 conn: Connection) -> None:
    key, other = free_parcels(conn)
    ilmenau = free_parcels(conn, ILMENAU, 1)[0]
    good = notice([key], TODAY - dt.timedelta(days=1))
    stored = counts(conn)
    for broken, status in (
            ({**good, "notified_on": (TODAY + dt.timedelta(days=1)).isoformat()}, 400),
            ({**good, "contract_date": TODAY.isoformat()}, 400),                # notice before the contract
            ({**good, "parcels": ["16030400100001"]}, 400), ({**good, "parcels": [key, key]}, 400),
            ({**good, "parcels": []}, 400), ({**good, "legal_basis": "§ 24"}, 400), ({**good, "price_eur": -1}, 400),
            ({**good, "seller": "Name"}, 400), ({**good, "file_reference": ""}, 400),
            ({**good, "file_reference": "   "}, 400), ({**good, "file_reference": "x" * 101}, 400),
            ({**good, "parcels": [key, ilmenau]}, 422), ({**good, "notified_on": "2026-02-30"}, 400)):
        response = client.post("/api/preemption", json=broken, headers=auth("lm_jena"))
        assert response.status_code == status, (broken, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert counts(conn) == stored
    case = client.post("/api/preemption", json=good, headers=auth("lm_jena")).json()
    twice = client.post("/api/preemption", json={**good, "parcels": [other]}, headers=auth("lm_jena"))
    assert twice.status_code == 409 and "VK-TEST-1" in twice.json()["detail"]
    decision = f"/api/preemption/{case['id']}/decision"
    for broken, status in (({"decision": "maybe"}, 400), ({"decision": "waived", "price_eur": 5}, 400),
                           ({"decision": "exercised", "decided_on": (TODAY + dt.timedelta(days=1)).isoformat()}, 422),
                           ({"decision": "exercised", "decided_on": "2020-01-01"}, 422),
                           ({"decision": "exercised", "effective_date": "2020-01-01"}, 422)):
        response = client.post(decision, json=broken, headers=auth("lm_jena"))
        assert response.status_code == status, (broken, response.text)
    assert client.post("/api/preemption/999999999/decision", json={"decision": "waived"},
                       headers=auth("lm_jena")).status_code == 404
    assert client.get("/api/preemption", params={"state": "someday"}, headers=auth("lm_jena")).status_code == 400
    assert client.get("/api/preemption", params={"due_in": 3}, headers=auth("lm_jena")).status_code == 400
    assert client.get(f"/api/preemption/{case['id']}", headers=auth("lm_jena")).json()["decision"] is None
    assert counts(conn) == (stored[0] + 1, stored[1])


def test_the_database_keeps_decisions_final_and_deadlines(conn: Connection) -> None:
    """What the service checks holds in the database too, for any other client."""
    key = free_parcels(conn, n=1)[0]
    case_id = conn.execute(text(
        "INSERT INTO core.preemption_cases (municipality_ags, file_reference, legal_basis, parcels, contract_date, "
        "notified_on) VALUES (:m, 'VK-SQL', 'general', ARRAY[:k], '2025-01-02', '2025-01-10') RETURNING id"),
        {"m": JENA, "k": key}).scalar_one()
    assert conn.execute(text("SELECT deadline FROM core.preemption_cases WHERE id = :i"),
                        {"i": case_id}).scalar_one() == dt.date(2025, 4, 10)
    for statement in (
            "UPDATE core.preemption_cases SET decision = 'exercised', decided_on = '2025-04-11', decided_by = 'x', "
            "transaction_id = (SELECT min(id) FROM core.pool_transactions) WHERE id = :i",      # after the deadline
            "UPDATE core.preemption_cases SET decision = 'exercised', decided_on = '2025-03-01', decided_by = 'x' "
            "WHERE id = :i",                                                                       # no transaction
            "UPDATE core.preemption_cases SET decision = 'waived' WHERE id = :i",                 # no date
            "DELETE FROM core.preemption_cases WHERE id = :i"):
        with pytest.raises(DBAPIError), conn.begin_nested():
            conn.execute(text(statement), {"i": case_id})
    conn.execute(text("UPDATE core.preemption_cases SET decision = 'waived', decided_on = '2025-03-01', "
                      "decided_by = 'x' WHERE id = :i"), {"i": case_id})
    with pytest.raises(DBAPIError, match="final"), conn.begin_nested():
        conn.execute(text("UPDATE core.preemption_cases SET decision = 'no_right' WHERE id = :i"), {"i": case_id})
    conn.execute(text("UPDATE core.preemption_cases SET notes = 'Akte abgelegt' WHERE id = :i"), {"i": case_id})


def test_the_decision_basis_matches_an_independent_computation(client: TestClient, auth: Auth,
                                                               conn: Connection) -> None:
    """Sites, candidates, zoning plans, flood and protected shares and the municipal parcels next to the
    case's land, against shapely on the same rows."""
    site_key = conn.execute(text(
        "SELECT sp.flurstueckskennzeichen FROM core.site_parcels sp JOIN core.sites s ON s.id = sp.site_id "
        "WHERE s.municipality_ags = :m AND s.retired_at IS NULL ORDER BY 1 LIMIT 1"), {"m": JENA}).scalar_one()
    neighbour_key = conn.execute(text(
        "SELECT p.flurstueckskennzeichen FROM core.parcels p JOIN core.pool_held(:m, current_date) h ON true "
        "JOIN core.parcels q ON q.flurstueckskennzeichen = h.flurstueckskennzeichen AND q.valid_to IS NULL "
        "WHERE p.municipality_ags = :m AND p.valid_to IS NULL AND p.flurstueckskennzeichen <> h.flurstueckskennzeichen "
        "AND p.flurstueckskennzeichen NOT IN (SELECT flurstueckskennzeichen FROM core.pool_held(:m, current_date)) "
        "AND ST_Touches(p.geom, q.geom) ORDER BY 1 LIMIT 1"), {"m": JENA}).scalar_one()
    run = client.post("/api/analysis/runs", json={"municipalities": [JENA]}, headers=auth("lm_jena"))
    assert run.status_code == 201, run.text
    keys = [site_key, neighbour_key]
    case = client.post("/api/preemption", json=notice(keys, TODAY - dt.timedelta(days=3), price_eur=250000),
                       headers=auth("lm_jena")).json()
    basis = client.get(f"/api/preemption/{case['id']}", headers=auth("lm_jena")).json()["decision_basis"]

    def shapes(sql: str, **params: object) -> dict[object, shapely.Geometry]:
        return {k: shapely.from_wkb(bytes(g)) for k, g in conn.execute(text(sql), params).all()}

    parcels = shapes("SELECT flurstueckskennzeichen, ST_AsBinary(geom) FROM core.parcels WHERE valid_to IS NULL "
                     "AND flurstueckskennzeichen = ANY(:k)", k=keys)
    land = shapely.union_all(list(parcels.values()))
    official = float(conn.execute(text("SELECT sum(official_area_m2) FROM core.parcels WHERE valid_to IS NULL AND "
                                       "flurstueckskennzeichen = ANY(:k)"), {"k": keys}).scalar_one())
    assert basis["area_m2"] == pytest.approx(official)
    assert basis["price_eur_m2"] == pytest.approx(250000 / official, abs=0.01)
    sites = set(conn.execute(text("SELECT site_id FROM core.site_parcels sp JOIN core.sites s ON s.id = sp.site_id "
                                  "WHERE s.retired_at IS NULL AND flurstueckskennzeichen = ANY(:k)"),
                             {"k": keys}).scalars())
    assert {s["id"] for s in basis["sites"]} == sites and sites
    held = shapes("SELECT h.flurstueckskennzeichen, ST_AsBinary(q.geom) FROM core.pool_held(:m, current_date) h "
                  "JOIN core.parcels q ON q.flurstueckskennzeichen = h.flurstueckskennzeichen AND q.valid_to IS NULL",
                  m=JENA)
    next_to = sorted(k for k, g in held.items() if k not in keys and g.distance(land) <= 1)
    assert basis["municipal_neighbours"]["keys"] == next_to and next_to
    for table, field in (("ref.flood_zones", "flood_zone_share"), ("ref.protected_areas", "protected_area_share")):
        zones = shapely.union_all(list(shapes(f"SELECT id, ST_AsBinary(geom) FROM {table}").values()))
        assert basis[field] == pytest.approx(zones.intersection(land).area / land.area, abs=0.001)
    plans = shapes("SELECT id, ST_AsBinary(geom) FROM ref.zoning_plans WHERE municipality_ags = :m "
                   "AND legal_status <> 'repealed'", m=JENA)
    shares = {i: g.intersection(land).area / land.area for i, g in plans.items()}
    assert {p["id"]: p["share"] for p in basis["zoning_plans"]} == pytest.approx(
        {i: round(v, 3) for i, v in shares.items() if v >= 0.001}, abs=0.001)
    zones = {k: (v, float(eur)) for k, v, eur in conn.execute(text(
        "SELECT id, ST_AsBinary(geom), value_eur_m2 FROM ref.land_values WHERE reference_date = "
        "(SELECT max(reference_date) FROM ref.land_values)")).all()}
    parts = [(eur, shapely.from_wkb(bytes(g)).intersection(land).area) for g, eur in zones.values()]
    covered = sum(a for _, a in parts)
    assert covered > 0                                          # the demo's (illustrative) land values
    mean = sum(eur * a for eur, a in parts) / covered
    value = basis["land_value"]
    assert value["value_eur_m2"] == pytest.approx(mean, abs=0.01) and value["illustrative"] is True
    assert value["covered_share"] == pytest.approx(covered / land.area, abs=0.001)
    assert value["estimate_eur"] == pytest.approx(mean * official, abs=1)
    assert value["price_ratio"] == pytest.approx(250000 / (mean * official), abs=0.01)
    run_id = run.json()["id"]
    expected = {int(i) for i, parcels_ in conn.execute(text(
        "SELECT id, parcels FROM analysis.candidates WHERE run_id = :r"), {"r": run_id}).all() if set(parcels_) & set(keys)}
    assert basis["analysis_run"] == run_id and {c["id"] for c in basis["candidates"]} == expected
    assert client.get(f"/api/preemption/{case['id']}", headers=auth("lm_ilmenau")).status_code == 404


def svg_polygons(svg: str, fill: str) -> list[shapely.Polygon]:
    """The polygons of the SVG paths filled with ``fill`` (ST_AsSVG: metres, y negated)."""
    out = []
    for path in re.findall(rf'<path d="([^"]+)" fill="{fill}"', svg):
        for part in path.split("M")[1:]:
            ring = [(float(a), -float(b)) for a, b in re.findall(r"(-?[\d.]+) (-?[\d.]+)", part)]
            out.append(shapely.Polygon(ring))
    return out


def test_the_decision_paper_prints_terms_deadline_basis_and_the_land_pool(client: TestClient, auth: Auth,
                                                                          conn: Connection) -> None:
    """The PDF for the mayor or council: German, marked internal, the deadline, the terms and the basis; its map
    draws the case's land in red and the municipality's land pool in yellow (checked against the database)."""
    case = client.post("/api/preemption", json=notice(free_parcels(conn), TODAY - dt.timedelta(days=80),
                                                      reference="VK-PAPER-1", price_eur=250000),
                       headers=auth("lm_jena")).json()
    path = f"/api/preemption/{case['id']}/report.pdf"
    r = client.get(path, headers=auth("lm_jena"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["content-disposition"] == f'attachment; filename="vorkaufsrecht-fall-{case["id"]}.pdf"'
    text_ = " ".join(" ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(r.content)).pages).split())
    deadline = dt.date.fromisoformat(case["deadline"])
    assert "Vorkaufsrechtsfall VK-PAPER-1" in text_ and "Nur für den Dienstgebrauch" in text_
    assert f"Frist: {deadline:%d.%m.%Y} (noch {case['days_left']} Tage)" in text_
    assert "250.000,00 €" in text_ and "§ 25 BauGB (Satzung)" in text_ and "Bodenrichtwert" in text_
    assert all(key in text_ for key in case["parcels"]) and "Negativzeugnis erteilen" in text_
    for who, status in (("lm_ilmenau", 404), ("planner", 403), (None, 401)):
        refused = client.get(path, headers=auth(who) if who else {})
        assert refused.status_code == status and refused.headers["content-type"] == "application/problem+json"
    # the map: the exercised demo case of 2022 lies in the pool now, so its land is drawn red over yellow
    held = conn.execute(text("SELECT id FROM core.preemption_cases WHERE decision = 'exercised' ORDER BY id "
                             "LIMIT 1")).scalar_one()
    svg = area_map_svg(conn, "preemption_case", held, title="t", missing="x", extra=("pool",))
    land = shapely.from_wkb(bytes(conn.execute(text("SELECT ST_AsBinary(geom) FROM core.preemption_cases "
                                                    "WHERE id = :i"), {"i": held}).scalar_one()))
    red = shapely.union_all(svg_polygons(svg, "#d62f2f"))
    assert red.symmetric_difference(land).area < 0.01 * land.area
    pool = shapely.union_all(svg_polygons(svg, "#ffd92f"))
    assert pool.intersection(land).area == pytest.approx(land.area, rel=0.01)     # the land is municipal now
    assert "#ffd92f" not in client.get(f"/flaechen/{published_site(conn)}").text      # never on public maps


def published_site(conn: Connection) -> int:
    return int(conn.execute(text("SELECT id FROM core.public_sites ORDER BY id LIMIT 1")).scalar_one())


def test_the_areas_of_pre_emption_rights_over_the_land_and_the_statute_hint(client: TestClient, auth: Auth,
                                                                            conn: Connection) -> None:
    """Does a right exist? The basis lists the areas over the land with their share (checked with shapely); a case
    on a statute (§ 25) without a statute area over it gets a hint, in the CLI's and the paper's rows."""
    keys = free_parcels(conn, n=2)
    case = client.post("/api/preemption", json=notice(keys, TODAY - dt.timedelta(days=5), reference="VK-AREA-1"),
                       headers=auth("lm_jena")).json()
    land = shapely.union_all([shapely.from_wkb(bytes(g)) for g in conn.execute(text(
        "SELECT ST_AsBinary(geom) FROM core.parcels WHERE flurstueckskennzeichen = ANY(:k) AND valid_to IS NULL"),
        {"k": keys}).scalars()])
    conn.execute(text("DELETE FROM ref.preemption_areas"))
    answer = client.get(f"/api/preemption/{case['id']}", headers=auth("lm_jena")).json()
    basis = answer["decision_basis"]
    assert basis["preemption_areas"] == [] and [w["code"] for w in answer["warnings"]] == ["no_statute_recorded"]
    posted = client.post("/api/preemption", json=notice(keys, TODAY - dt.timedelta(days=4), reference="VK-AREA-2"),
                         headers=auth("lm_jena"))                 # the one who records it hears of it at once
    assert posted.status_code == 201 and posted.headers["location"] == f"/api/preemption/{posted.json()['id']}"
    assert [w["code"] for w in posted.json()["warnings"]] == ["no_statute_recorded"]
    assert client.get(posted.headers["location"], headers=auth("lm_jena")).json() == posted.json()
    general = client.post("/api/preemption", json=notice(keys, TODAY, reference="VK-AREA-3", legal_basis="general"),
                          headers=auth("lm_jena")).json()
    assert general["warnings"] == []                              # § 24: nothing to check against the record
    assert ("Vorkaufsrechtsgebiete", "keines erfasst") in contract_rows(case, basis)
    assert any(label == "Hinweis" and "keine Vorkaufssatzung" in text_ for label, text_ in contract_rows(case, basis))
    west = shapely.box(land.bounds[0] - 10, land.bounds[1] - 10, land.centroid.x, land.bounds[3] + 10)
    for name, kind, geom in (("Satzung West", "statute_measures", west), ("Sanierung", "redevelopment",
                                                                          land.buffer(20))):
        conn.execute(text("INSERT INTO ref.preemption_areas (municipality_ags, name, kind, geom, provenance, source) "
                          "VALUES (:m, :n, :k, ST_Multi(ST_GeomFromText(:g, 25832)), 'user', 'Test')"),
                     {"m": JENA, "n": name, "k": kind, "g": geom.wkt})
    basis = client.get(f"/api/preemption/{case['id']}", headers=auth("lm_jena")).json()["decision_basis"]
    shares = {a["name"]: (a["share"], a["legal_basis"]) for a in basis["preemption_areas"]}
    assert shares == {"Sanierung": (pytest.approx(1.0, abs=0.001), "general"),
                      "Satzung West": (pytest.approx(west.intersection(land).area / land.area, abs=0.001), "statute")}
    rows = dict(contract_rows(case, basis))
    assert "Hinweis" not in rows and "Vorkaufssatzung, § 25 Abs. 1 Nr. 2 BauGB" in rows["Vorkaufsrechtsgebiete"]
    assert client.get(f"/api/preemption/{case['id']}", headers=auth("lm_jena")).json()["warnings"] == []
    # the paper's map outlines the areas: the statute's edge runs through the land
    svg = area_map_svg(conn, "preemption_case", case["id"], title="t", missing="x", extra=("preemption_areas",))
    edges = re.findall(r'<path d="([^"]+)" fill="none" stroke="#b2182b"', svg)
    assert len(edges) == 2 and "#b2182b" not in area_map_svg(conn, "preemption_case", case["id"], title="t",
                                                              missing="x")


def test_earlier_notices_on_the_same_parcels_are_listed(client: TestClient, auth: Auth, conn: Connection) -> None:
    """The land was sold before? The basis lists the other cases on any of its parcels with their decision."""
    first, second = free_parcels(conn, n=2)
    old = client.post("/api/preemption", json=notice([first], TODAY - dt.timedelta(days=400), reference="VK-OLD"),
                      headers=auth("lm_jena")).json()
    decided = client.post(f"/api/preemption/{old['id']}/decision",
                          json={"decision": "waived", "decided_on": (TODAY - dt.timedelta(days=380)).isoformat()},
                          headers=auth("lm_jena"))
    assert decided.status_code == 200
    new = client.post("/api/preemption", json=notice([first, second], TODAY - dt.timedelta(days=3),
                                                     reference="VK-NEW"), headers=auth("lm_jena")).json()
    apart = client.post("/api/preemption", json=notice(free_parcels(conn, n=1), TODAY, reference="VK-APART"),
                        headers=auth("lm_jena")).json()
    basis = client.get(f"/api/preemption/{new['id']}", headers=auth("lm_jena")).json()["decision_basis"]
    assert [(e["file_reference"], e["decision"]) for e in basis["earlier_cases"]] == [("VK-OLD", "waived")]
    assert f"VK-OLD (Mitteilung {TODAY - dt.timedelta(days=400):%d.%m.%Y}: nicht ausgeübt am" in dict(
        basis_rows(basis))["Frühere Fälle"]
    back = client.get(f"/api/preemption/{old['id']}", headers=auth("lm_jena")).json()["decision_basis"]
    assert [(e["file_reference"], e["decision"]) for e in back["earlier_cases"]] == [("VK-NEW", None)]
    on_first = client.get("/api/preemption", params={"parcel": first}, headers=auth("lm_jena")).json()
    assert [c["file_reference"] for c in on_first] == ["VK-NEW", "VK-OLD"]          # open first, then decided
    assert client.get("/api/preemption", params={"parcel": first}, headers=auth("lm_ilmenau")).json() == []
    bad = client.get("/api/preemption", params={"parcel": "x" * 20}, headers=auth("lm_jena"))
    assert bad.status_code == 400 and "no Flurstückskennzeichen" in bad.json()["detail"]
    alone = client.get(f"/api/preemption/{apart['id']}", headers=auth("lm_jena")).json()["decision_basis"]
    assert alone["earlier_cases"] == [] and dict(basis_rows(alone))["Frühere Fälle"] == "keine"


def test_the_basis_keeps_to_the_land_as_notified_when_a_parcel_is_split_later(client: TestClient, auth: Auth,
                                                                                conn: Connection) -> None:
    """A parcel of the notice retired since (split or merged in a later ALKIS import): the basis still measures
    the land of the notice (its recorded outline, the last version's official area), as the paper's map draws it."""
    keys = free_parcels(conn, n=2)
    case = client.post("/api/preemption", json=notice(keys, TODAY - dt.timedelta(days=5), reference="VK-SPLIT"),
                       headers=auth("lm_jena")).json()
    before = client.get(f"/api/preemption/{case['id']}", headers=auth("lm_jena")).json()["decision_basis"]
    official = float(conn.execute(text("SELECT sum(official_area_m2) FROM core.parcels WHERE valid_to IS NULL AND "
                                       "flurstueckskennzeichen = ANY(:k)"), {"k": keys}).scalar_one())
    assert before["area_m2"] == pytest.approx(official)
    retired = conn.execute(text("UPDATE core.parcels SET valid_to = now() WHERE flurstueckskennzeichen = :k AND "
                                "valid_to IS NULL"), {"k": keys[0]})
    assert retired.rowcount == 1
    after = client.get(f"/api/preemption/{case['id']}", headers=auth("lm_jena")).json()["decision_basis"]
    assert after["area_m2"] == pytest.approx(official)            # was only the other parcel's before the fix
    for field in ("price_eur_m2", "zoning_plans", "flood_zone_share", "protected_area_share", "land_value",
                  "preemption_areas"):
        assert after[field] == before[field], field
    outline = shapely.from_wkb(bytes(conn.execute(text(
        "SELECT ST_AsBinary(geom) FROM core.preemption_cases WHERE id = :i"), {"i": case["id"]}).scalar_one()))
    assert outline.area == pytest.approx(official, rel=0.05)      # the parcels as they were, both of them
