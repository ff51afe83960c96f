"""/api/analysis: permissions, bad input as problem+json (nothing written), runs, pages, comparison, sites."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import mapping
from sqlalchemy import Connection, text

from flaechenpool.analysis import candidates
from tests.analysis.conftest import JENA
from tests.analysis.town import GERA, Town, rect

Auth = Callable[[str | None], dict[str, str]]


def count_runs(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM analysis.runs")).scalar_one())


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def test_profiles_for_planners(client: TestClient, auth: Auth) -> None:
    problem(client.get("/api/analysis/profiles"), 401)
    profiles = client.get("/api/analysis/profiles", headers=auth("planner")).json()
    default = next(p for p in profiles if p["name"] == "default")
    assert default["criteria"]["flood_share"]["weight"] < 0 and default["criteria"]["area"]["unit"] == "m²"
    assert default["detection"]["infill_min_width_m"] == 8


def test_land_manager_runs_own_municipality_and_planner_reads(client: TestClient, auth: Auth, town: Town,
                                                              conn: Connection) -> None:
    response = client.post("/api/analysis/runs", json={"municipalities": [GERA]}, headers=auth("lm_gera"))
    assert response.status_code == 201, response.text
    run = response.json()
    assert response.headers["Location"] == f"/api/analysis/runs/{run['id']}"
    assert run["counts"]["kinds"]["infill_gap"] == 2 and run["actor"] == "a-lm-gera"
    assert client.get(f"/api/analysis/runs/{run['id']}", headers=auth("planner")).json()["id"] == run["id"]
    listed = client.get("/api/analysis/runs", params={"municipality": GERA}, headers=auth("planner")).json()
    assert [r["id"] for r in listed][:1] == [run["id"]]
    page = client.get(f"/api/analysis/runs/{run['id']}/candidates", params={"kind": "infill_gap", "sort": "-score"},
                      headers=auth("planner"))
    assert page.status_code == 200 and page.headers["content-type"] == "application/geo+json"
    fc = page.json()
    assert fc["numberMatched"] == 2 and {f["properties"]["parcels"][0] for f in fc["features"]} == {
        town.key("A3"), town.key("A7")}
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 11.9 < lon < 12.2 and 50.8 < lat < 50.95                 # CRS84 by default
    criteria = fc["features"][0]["properties"]["criteria"]
    assert set(criteria["area"]) == {"value", "normalised", "weight", "contribution"}
    assert fc["features"][0]["properties"]["score"] == pytest.approx(sum(c["contribution"] for c in criteria.values()))
    # without a municipality a land manager's run covers their own municipalities
    own = client.post("/api/analysis/runs", json={"profile": "revitalisierung"}, headers=auth("lm_gera")).json()
    assert own["municipalities"] == [GERA] and own["profile"] == "revitalisierung"


@pytest.mark.parametrize(("user", "body", "status"), [
    (None, {"municipalities": [GERA]}, 401),
    ("planner", {"municipalities": [GERA]}, 403),
    ("lm_jena", {"municipalities": [GERA]}, 403),
    ("lm_gera", {"profile": "nonsense"}, 422),
    ("lm_gera", {"profile": "../etc"}, 400),
    ("lm_gera", {"municipalities": ["1605"]}, 400),
    ("admin", {"municipalities": ["16099999"]}, 422),
    ("lm_gera", {"municipalities": []}, 400),
    ("lm_gera", {"municipalities": [GERA], "area": {"type": "Point", "coordinates": [12.08, 50.88]}}, 400),
    ("lm_gera", {"municipalities": [GERA], "area": {"type": "Polygon", "coordinates": [[[1, 2]]]}}, 400),
    ("lm_gera", {"municipalities": [GERA], "area": {"type": "Polygon",
                                                    "coordinates": [[[11.5, 50.9], [11.6, 50.9], [11.6, 51.0],
                                                                     [11.5, 50.9]]]}}, 422),   # in Jena, not Gera
    ("lm_gera", {"municipalities": [GERA], "weights": {"area": 100}}, 400),
])
def test_bad_runs_are_refused_and_write_nothing(client: TestClient, auth: Auth, conn: Connection, user: str | None,
                                                body: dict[str, Any], status: int) -> None:
    before = count_runs(conn)
    problem(client.post("/api/analysis/runs", json=body, headers=auth(user)), status)
    assert count_runs(conn) == before


def test_area_in_utm(client: TestClient, auth: Auth, town: Town) -> None:
    area = mapping(rect(-10, -70, 200, 120))
    response = client.post("/api/analysis/runs", params={"crs": "EPSG:25832"}, headers=auth("lm_gera"),
                           json={"municipalities": [GERA], "area": area})
    assert response.status_code == 201, response.text
    inside = [n for n, (_, g, _) in town.parcels.items() if g.intersects(rect(-10, -70, 200, 120))]
    assert response.json()["parcels_analysed"] == len(inside)
    unlabelled = client.post("/api/analysis/runs", headers=auth("lm_gera"), json={"municipalities": [GERA], "area": area})
    assert unlabelled.status_code == 400
    assert "no longitude/latitude; name the CRS of projected coordinates (the crs parameter" in unlabelled.json()["detail"]


@pytest.mark.parametrize("query", ["kind=castle", "sort=-price", "min_score=abc", "limit=0", "municipality=12",
                                   "crs=EPSG:nonsense"])
def test_bad_candidate_queries(client: TestClient, auth: Auth, town: Town, query: str) -> None:
    run = client.post("/api/analysis/runs", json={"municipalities": [GERA]}, headers=auth("lm_gera")).json()
    problem(client.get(f"/api/analysis/runs/{run['id']}/candidates?{query}", headers=auth("planner")), 400)


def test_unknown_things_are_404(client: TestClient, auth: Auth) -> None:
    for path in ("/api/analysis/runs/999999", "/api/analysis/runs/999999/candidates",
                 "/api/analysis/candidates/999999", "/api/analysis/runs/999999/compare?with=1"):
        problem(client.get(path, headers=auth("planner")), 404)
    problem(client.get("/api/analysis/indicators", params={"run": 999999}, headers=auth("planner")), 404)


def test_compare_and_site_from_candidate(client: TestClient, auth: Auth, town: Town, conn: Connection) -> None:
    first = client.post("/api/analysis/runs", json={"municipalities": [GERA]}, headers=auth("lm_gera")).json()
    town.building("new house A7", rect(125, 5, 10, 10))
    second = client.post("/api/analysis/runs", json={"municipalities": [GERA]}, headers=auth("lm_gera")).json()
    diff = client.get(f"/api/analysis/runs/{second['id']}/compare", params={"with": first["id"]},
                      headers=auth("planner")).json()
    assert [(r["kind"], r["parcels"]) for r in diff["vanished"]] == [("infill_gap", [town.key("A7")])]
    assert diff["appeared"] == [] and diff["summary"]["vanished"] == 1
    problem(client.get(f"/api/analysis/runs/{second['id']}/compare", headers=auth("planner")), 400)   # no "with"
    gap = client.get(f"/api/analysis/runs/{second['id']}/candidates", params={"kind": "infill_gap"},
                     headers=auth("planner")).json()["features"][0]
    path = f"/api/analysis/candidates/{gap['id']}/site"
    problem(client.post(path, headers=auth("planner")), 403)
    problem(client.post(path, headers=auth("lm_jena")), 403)
    sites_before = conn.execute(text("SELECT count(*) FROM core.sites")).scalar()
    problem(client.post(path, json={"name": ""}, headers=auth("lm_gera")), 400)
    assert conn.execute(text("SELECT count(*) FROM core.sites")).scalar() == sites_before
    made = client.post(path, json={"name": "Baulücke am Teststraße"}, headers=auth("lm_gera"))
    assert made.status_code == 201, made.text
    site = made.json()
    assert site["properties"]["analysis_candidate_id"] == gap["id"] and site["properties"]["kind"] == "infill_gap"
    assert site["properties"]["parcels"] == [town.key("A3")]
    assert made.headers["Location"] == f"/api/sites/{site['id']}"
    problem(client.post(path, headers=auth("lm_gera")), 409)
    again = client.get(f"/api/analysis/candidates/{gap['id']}", headers=auth("planner")).json()
    assert again["properties"]["site_id"] == site["id"]
    assert again["properties"]["criteria"]["station_distance"]["title"] == "Entfernung Bahnhof"


def test_indicators_endpoint(client: TestClient, auth: Auth, town: Town) -> None:
    run = client.post("/api/analysis/runs", json={"municipalities": [GERA]}, headers=auth("admin")).json()
    result = client.get("/api/analysis/indicators", params={"municipality": GERA}, headers=auth("planner")).json()
    assert result["run_id"] == run["id"]
    gera = result["rows"][0]
    assert gera["municipality"] == "Gera" and gera["district"] is None
    assert gera["candidates"] == run["counts"]["candidates"]
    problem(client.get("/api/analysis/indicators", params={"municipality": JENA, "run": "x"},
                       headers=auth("planner")), 400)


def test_candidates_as_csv_and_geopackage(client: TestClient, auth: Auth, town: Town, tmp_path: Path) -> None:
    run = client.post("/api/analysis/runs", json={"municipalities": [GERA]}, headers=auth("lm_gera")).json()
    path = f"/api/analysis/runs/{run['id']}/candidates"
    matched = client.get(path, params={"limit": 1}, headers=auth("planner")).json()["numberMatched"]
    problem(client.get(path, params={"f": "csv"}), 401)
    problem(client.get(path, params={"f": "xlsx"}, headers=auth("planner")), 400)
    csv = client.get(path, params={"f": "csv", "kind": "infill_gap", "sort": "area"}, headers=auth("planner"))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"] == f'attachment; filename="candidates_run_{run["id"]}.csv"'
    header, *rows = csv.text.splitlines()
    assert len(rows) == 2 and "zoning_plan_value" in header and "contamination_points" in header
    assert {r.split(",")[8] for r in rows} == {town.key("A3"), town.key("A7")}       # the parcels column
    gpkg = client.get(path, params={"f": "gpkg", "crs": "EPSG:25832"}, headers=auth("planner"))
    assert gpkg.status_code == 200 and gpkg.headers["content-type"] == "application/geopackage+sqlite3"
    (tmp_path / "c.gpkg").write_bytes(gpkg.content)
    frame = pyogrio.read_dataframe(tmp_path / "c.gpkg")
    assert len(frame) == matched and frame.crs.to_epsg() == 25832
    assert list(frame["score"]) == sorted(frame["score"], reverse=True)               # -score, as the pages
    none = client.get(path, params={"f": "csv", "min_score": 101}, headers=auth("planner"))
    assert none.status_code == 200 and none.text.splitlines() == [",".join([*candidates.FILE_COLUMNS, "wkt"])]
