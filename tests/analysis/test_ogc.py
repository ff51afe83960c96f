"""The candidates as an OGC API collection (QGIS layer): planners only, score and points per criterion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mapbox_vector_tile
import morecantile
import pyproj
import pytest
from fastapi.testclient import TestClient

from flaechenpool.analysis.profiles import CRITERIA
from tests.analysis.town import Town, run

Auth = Callable[[str | None], dict[str, str]]
COLLECTION = "analysis_candidates"


@pytest.fixture
def run_id(conn: Any, town: Town) -> int:
    return int(run(conn)[0]["id"])


def test_collection_for_planners_only(client: TestClient, auth: Auth, run_id: int) -> None:
    anonymous = [c["id"] for c in client.get("/ogc/collections").json()["collections"]]
    planner = [c["id"] for c in client.get("/ogc/collections", headers=auth("planner")).json()["collections"]]
    assert COLLECTION not in anonymous and COLLECTION in planner and "candidates" in COLLECTION
    assert client.get(f"/ogc/collections/{COLLECTION}/items").status_code == 401
    schema = client.get(f"/ogc/collections/{COLLECTION}/schema", headers=auth("planner")).json()["properties"]
    assert {"score", "rank", "kind", "floo_category", *(f"points_{k}" for k in CRITERIA)} <= set(schema)
    assert not {"owner", "owners", "counterparty", "party_id"} & set(schema)


def test_items_of_a_run_carry_the_score_and_each_contribution(client: TestClient, auth: Auth, conn: Any,
                                                              town: Town, run_id: int) -> None:
    fc = client.get(f"/ogc/collections/{COLLECTION}/items", params={"run_id": run_id, "limit": 100},
                    headers=auth("planner")).json()
    stored = {r.id: r for r in conn.exec_driver_sql(
        f"SELECT id, score, criteria FROM analysis.candidates WHERE run_id = {run_id}").all()}
    assert fc["numberMatched"] == len(stored) and {f["id"] for f in fc["features"]} == set(stored)
    for f in fc["features"]:
        p = f["properties"]
        assert p["score"] == stored[f["id"]].score
        for key in CRITERIA:
            assert p[f"points_{key}"] == pytest.approx(stored[f["id"]].criteria[key]["contribution"])
        assert p["score"] == pytest.approx(sum(p[f"points_{k}"] for k in CRITERIA))
    brownfields = client.get(f"/ogc/collections/{COLLECTION}/items",
                             params={"run_id": run_id, "filter": "kind = 'brownfield'", "sortby": "-score"},
                             headers=auth("planner")).json()
    assert brownfields["numberMatched"] == 3
    assert all(f["properties"]["floo_category"] == "Brachfläche" for f in brownfields["features"])


def test_vector_tile_holds_the_candidates(client: TestClient, auth: Auth, town: Town, run_id: int) -> None:
    lon, lat = pyproj.Transformer.from_crs(25832, 4326, always_xy=True).transform(*town.geom("A3").centroid.coords[0])
    tile = morecantile.tms.get("WebMercatorQuad").tile(lon, lat, 16)
    r = client.get(f"/ogc/collections/{COLLECTION}/tiles/WebMercatorQuad/16/{tile.y}/{tile.x}",
                   headers=auth("planner"))
    assert r.status_code == 200
    layer = mapbox_vector_tile.decode(r.content)[COLLECTION]
    kinds = {f["properties"]["kind"] for f in layer["features"]}
    assert "infill_gap" in kinds and all("score" in f["properties"] for f in layer["features"])
