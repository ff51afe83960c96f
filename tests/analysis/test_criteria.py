"""Each scoring criterion on the constructed town, against shapely/pyproj computations; contributions
and score against the profile's weights computed in Python."""

from __future__ import annotations

import json
import math
from typing import Any

import pyproj
import pytest
import shapely
from shapely.geometry import Point
from sqlalchemy import Connection, text

from flaechenpool.analysis.profiles import CRITERIA, get_profile
from flaechenpool.settings import PROJECT_ROOT
from tests.analysis import expected
from tests.analysis.town import GERA, ORIGIN, Town, by_parcels, rect, run

CENTRE = Point(ORIGIN[0] + 500, ORIGIN[1] + 100)


def insert(conn: Connection, sql: str, **params: Any) -> Any:
    result = conn.execute(text(sql), params)
    return result.scalar() if result.returns_rows else None


@pytest.fixture
def surroundings(conn: Connection, town: Town) -> dict[str, Any]:
    """Zones, plans, a site, the land pool and a town centre around the infill gap A3."""
    flood = [rect(40, -10, 10, 60), rect(40, -5, 10, 50)]          # two overlapping zones over A3's left half
    for geom in flood:
        insert(conn, "INSERT INTO ref.flood_zones (name, kind, geom, provenance, source) VALUES ('HQ100 Test', "
                     "'hq100', ST_Multi(ST_GeomFromText(:g, 25832)), 'user', 'test')", g=geom.wkt)
    insert(conn, "INSERT INTO ref.flood_zones (name, kind, geom, provenance, source) VALUES ('HQextrem Test', "
                 "'hq_extreme', ST_Multi(ST_GeomFromText(:g, 25832)), 'user', 'test')", g=rect(50, 0, 10, 40).wkt)
    protected = rect(55, 0, 10, 40)
    insert(conn, "INSERT INTO ref.protected_areas (name, kind, geom, provenance, source) VALUES ('NSG Test', "
                 "'nature_reserve', ST_Multi(ST_GeomFromText(:g, 25832)), 'user', 'test')", g=protected.wkt)
    for status, use, geom in (("in_force", "WA", rect(-10, -100, 200, 200)), ("in_preparation", "MI", rect(40, 0, 8, 40))):
        insert(conn, "INSERT INTO ref.zoning_plans (municipality_ags, name, legal_status, land_use_type, geom, "
                     "provenance, source) VALUES (:m, 'B-Plan Test', :s, :u, ST_Multi(ST_GeomFromText(:g, 25832)), "
                     "'user', 'test')", m=GERA, s=status, u=use, g=geom.wkt)
    site = insert(conn, "INSERT INTO core.sites (municipality_ags, name, kind, obstacles, geom, provenance, source) "
                        "VALUES (:m, 'Altstandort Test', 'infill_gap', ARRAY['contamination'], "
                        "ST_Multi(ST_GeomFromText(:g, 25832)), 'user', 'test') RETURNING id",
                  m=GERA, g=rect(38, -2, 24, 44).wkt)
    tid = insert(conn, "INSERT INTO core.pool_transactions (municipality_ags, kind, contract_date, effective_date, "
                       "provenance, source) VALUES (:m, 'purchase', date '2022-01-01', date '2022-02-01', 'user', "
                       "'test') RETURNING id", m=GERA)
    insert(conn, "INSERT INTO core.pool_transaction_parcels (transaction_id, flurstueckskennzeichen, direction, "
                 "area_m2) VALUES (:t, :k, 'acquire', 800)", t=tid, k=town.key("A3"))
    insert(conn, "INSERT INTO analysis.town_centres (municipality_ags, name, geom, provenance, source) "
               "VALUES (:m, 'Markt (Test)', ST_GeomFromText(:g, 25832), 'user', 'test')", m=GERA, g=CENTRE.wkt)
    return {"flood": shapely.union_all(flood), "protected": protected, "site": site}


def stations_25832() -> list[Point]:
    """The real DB stations of the data folder, projected with pyproj."""
    data = json.loads((PROJECT_ROOT / "data" / "stations" / "db_stations_thueringen.geojson").read_text())
    project = pyproj.Transformer.from_crs(4326, 25832, always_xy=True)
    lon, lat = zip(*(f["geometry"]["coordinates"][:2] for f in data["features"]), strict=True)
    x, y = project.transform(lon, lat)
    return [Point(px, py) for px, py in zip(x, y, strict=True)]


def normalised(value: Any, spec: dict[str, Any]) -> float:
    if "map" in spec:
        return float(spec["map"].get(value if value is not None else "none", spec.get("default", 0.0)))
    if value is None:
        return 0.0
    return min(1.0, max(0.0, (value - spec["low"]) / (spec["high"] - spec["low"])))


def test_every_criterion_of_an_infill_gap(conn: Connection, town: Town, surroundings: dict[str, Any],
                                          profile: dict[str, Any]) -> None:
    _, candidates = run(conn)
    gap = by_parcels(candidates, "infill_gap")[(town.key("A3"),)]
    c = gap["criteria"]
    geom = town.geom("A3")
    assert set(c) == set(CRITERIA)
    assert c["area"]["value"] == pytest.approx(geom.area, abs=1e-3)
    assert c["compactness"]["value"] == pytest.approx(4 * math.pi * geom.area / geom.length ** 2, abs=1e-3)
    assert c["width"]["value"] == pytest.approx(expected.width(geom), abs=0.1)
    nearest = min(s.distance(geom) for s in stations_25832())
    assert c["station_distance"]["value"] == pytest.approx(nearest, abs=0.01)
    assert gap["detection"]["nearest_station"] == "Gera Hbf"
    assert c["centre_distance"]["value"] == pytest.approx(CENTRE.distance(geom), abs=1e-3)
    assert gap["detection"]["town_centre"] == "recorded: Markt (Test)"
    assert c["flood_share"]["value"] == pytest.approx(surroundings["flood"].intersection(geom).area / geom.area) == 0.5
    assert c["protected_share"]["value"] == pytest.approx(surroundings["protected"].intersection(geom).area / geom.area)
    assert (c["zoning_plan"]["value"], c["designation"]["value"]) == ("in_force", "WA")   # the plan over 40 % is not it
    assert c["municipal_ownership"]["value"] == 1.0
    assert c["contamination"]["value"] == 1.0 and gap["known_site_ids"] == [surroundings["site"]]
    active = [geom_ for name, (_, geom_) in town.vacancies.items() if name != "ended"]
    radius = profile["detection"]["vacancy_radius_m"]
    assert c["vacancy_nearby"]["value"] == sum(1 for p in active if 0 < p.distance(geom) <= radius)
    for key, spec in profile["criteria"].items():
        n = normalised(c[key]["value"], spec)
        assert c[key]["normalised"] == pytest.approx(n, abs=1e-3), key
        assert c[key]["weight"] == spec["weight"]
        assert c[key]["contribution"] == pytest.approx(round(spec["weight"] * n, 2), abs=0.011), key
    assert gap["score"] == pytest.approx(sum(v["contribution"] for v in c.values()), abs=1e-6)


def test_scores_rank_the_candidates(town_run: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
    candidates = town_run[1]
    assert [c["rank"] for c in candidates] == list(range(1, len(candidates) + 1))
    scores = [c["score"] for c in candidates]
    assert scores == sorted(scores, reverse=True)


def test_centre_without_record_is_the_footprint_weighted_centroid(conn: Connection, town: Town) -> None:
    _, candidates = run(conn)
    gap = by_parcels(candidates, "infill_gap")[(town.key("A7"),)]
    footprints = [g for _, g, _ in town.buildings.values()]
    total = sum(g.area for g in footprints)
    centre = Point(sum(g.centroid.x * g.area for g in footprints) / total,
                   sum(g.centroid.y * g.area for g in footprints) / total)
    assert gap["criteria"]["centre_distance"]["value"] == pytest.approx(centre.distance(town.geom("A7")), abs=0.01)
    assert gap["detection"]["town_centre"] == "centroid of the buildings"
    assert gap["criteria"]["zoning_plan"] == {"value": "none", "normalised": 0, "weight": 15, "contribution": 0}


def test_a_profile_weighs_the_same_measurements_differently(conn: Connection, town: Town) -> None:
    _, default = run(conn)
    _, gewerbe = run(conn, profile="gewerbe")
    spec = get_profile("gewerbe")["criteria"]
    a = by_parcels(default, "brownfield")[tuple(sorted(town.key(n) for n in ("C1", "C2", "C3")))]
    b = by_parcels(gewerbe, "brownfield")[tuple(sorted(town.key(n) for n in ("C1", "C2", "C3")))]
    for key in CRITERIA:
        assert a["criteria"][key]["value"] == b["criteria"][key]["value"]
        assert b["criteria"][key]["normalised"] == pytest.approx(normalised(b["criteria"][key]["value"], spec[key]),
                                                                 abs=1e-3)
    assert a["fingerprint"] == b["fingerprint"] and a["score"] != b["score"]
