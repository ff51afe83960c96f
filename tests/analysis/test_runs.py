"""Runs as stored, comparison between runs, a candidate becoming a site, indicators, profiles."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import shapely
from sqlalchemy import Connection, text

from flaechenpool.analysis import candidates as candidates_service
from flaechenpool.analysis import indicators, profiles
from flaechenpool.analysis.to_site import candidate_to_site
from flaechenpool.auth import Principal
from flaechenpool.errors import ConfigurationError, Conflict, PermissionDenied
from tests.analysis.town import GERA, Town, by_parcels, rect, run

Run = tuple[dict[str, Any], list[dict[str, Any]]]


def test_a_run_keeps_its_profile_parameters_and_time(conn: Connection, town_run: Run) -> None:
    result, candidates = town_run
    assert result["parameters"] == profiles.get_profile("default")
    assert result["municipalities"] == [GERA] and result["finished_at"] >= result["started_at"]
    assert result["counts"]["candidates"] == len(candidates)
    assert result["counts"]["kinds"]["infill_gap"] == 2
    assert result["parcels_analysed"] == conn.execute(text(
        "SELECT count(*) FROM core.parcels WHERE municipality_ags = :m AND valid_to IS NULL"), {"m": GERA}).scalar()
    audit = conn.execute(text("SELECT action FROM audit.log WHERE table_name = 'analysis.runs' AND row_key = :k"),
                         {"k": str(result["id"])}).scalars().all()
    assert audit == ["insert", "update"]           # the run row is audited; its candidates come in bulk
    workspaces = conn.execute(text("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'analysis\\_run\\_%'")).scalar()
    leftovers = conn.execute(text("SELECT count(*) FROM pg_class WHERE relname LIKE 'ap\\_%'")).scalar()
    assert workspaces == 0 and leftovers == 0      # the run's working tables are gone with its workspace


def test_compare_tells_what_appeared_and_vanished(conn: Connection, town: Town, town_run: Run) -> None:
    first = town_run[0]["id"]
    town.building("new house A3", rect(45, 5, 10, 10))        # the gap A3 is built on …
    town.parcel("A9", rect(160, 0, 20, 40))                  # … and a new gap opens beside A8
    town.building("house A10", rect(183, 5, 10, 10))
    town.parcel("A10", rect(180, 0, 20, 40))
    second, _ = run(conn)
    result = candidates_service.compare(conn, second["id"], first)
    appeared = {(r["kind"], tuple(r["parcels"])) for r in result["appeared"]}
    vanished = {(r["kind"], tuple(r["parcels"])) for r in result["vanished"]}
    assert ("infill_gap", (town.key("A9"),)) in appeared
    assert ("infill_gap", (town.key("A3"),)) in vanished
    assert result["summary"]["by_kind"]["infill_gap"] == {"appeared": 1, "vanished": 1, "kept": 1}
    assert result["summary"]["kept"] == len(town_run[1]) - result["summary"]["vanished"]


def test_candidate_becomes_a_site_through_the_site_register(conn: Connection, town: Town, town_run: Run) -> None:
    result, candidates = town_run
    gap = by_parcels(candidates, "infill_gap")[(town.key("A3"),)]
    lm = Principal("lm-gera", "land_manager", (GERA,))
    conn.execute(text("SELECT set_config('flaechenpool.actor', 'lm-gera', true)"))
    site_id = candidate_to_site(conn, lm, gap["id"])
    site = conn.execute(text("SELECT kind, status, municipality_ags, analysis_run_id, analysis_candidate_id, name, "
                             "description, ST_AsBinary(geom) AS wkb FROM core.sites WHERE id = :i"),
                        {"i": site_id}).mappings().one()
    assert (site["kind"], site["status"], site["municipality_ags"]) == ("infill_gap", "identified", GERA)
    assert (site["analysis_run_id"], site["analysis_candidate_id"]) == (result["id"], gap["id"])
    assert shapely.equals(shapely.from_wkb(bytes(site["wkb"])), town.geom("A3"))
    assert f"Lauf {result['id']}" in site["description"] and site["name"].startswith("Baulücke")
    linked = conn.execute(text("SELECT flurstueckskennzeichen FROM core.site_parcels WHERE site_id = :i"),
                          {"i": site_id}).scalars().all()
    assert linked == [town.key("A3")]
    history = conn.execute(text("SELECT to_status, author FROM core.site_status_history WHERE site_id = :i"),
                           {"i": site_id}).all()
    assert [tuple(h) for h in history] == [("identified", "lm-gera")]
    with pytest.raises(Conflict):
        candidate_to_site(conn, lm, gap["id"])
    other = Principal("lm-jena", "land_manager", ("16053000",))
    farm = next(c for c in candidates if c["kind"] == "old_farmstead")
    with pytest.raises(PermissionDenied):
        candidate_to_site(conn, other, farm["id"])
    vacant = next(c for c in candidates if c["kind"] == "vacant_building" and c["buildings"])
    assert candidate_to_site(conn, lm, vacant["id"], name="Leerstand Testgasse") > site_id


def test_indicators_per_municipality_and_district(conn: Connection, town: Town, town_run: Run) -> None:
    conn.execute(text("INSERT INTO core.districts (municipality_ags, name, geom, provenance, source) VALUES "
                      "(:m, 'Testviertel', ST_Multi(ST_GeomFromText(:g, 25832)), 'user', 'test')"),
                 {"m": GERA, "g": rect(-20, -100, 250, 200).wkt})
    result, candidates = run(conn)
    rows = indicators.indicators(conn, run_id=result["id"], municipality=GERA)["rows"]
    total = next(r for r in rows if r["district"] is None)
    assert total["candidates"] == len(candidates)
    assert total["area_m2"] == pytest.approx(sum(c["geom"].area for c in candidates), abs=0.5)
    for kind, area in total["area_by_kind_m2"].items():
        assert area == pytest.approx(sum(c["geom"].area for c in candidates if c["kind"] == kind), abs=0.5)
    district = next(r for r in rows if r["district"] == "Testviertel")
    quarter = rect(-20, -100, 250, 200)
    inside = [c for c in candidates if quarter.contains(c["geom"].representative_point())]
    assert district["candidates"] == len(inside)
    assert total["buildings"] == len(town.buildings) and total["vacant_buildings"] == 6
    assert total["vacancy_rate_pct"] == pytest.approx(round(100 * 6 / len(town.buildings), 1))
    assert total["flood_share"] == 0 and total["municipal_share"] == 0
    assert indicators.indicators(conn, municipality=GERA)["run_id"] == result["id"]   # newest by default


def test_profiles_are_listed_with_titles_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    listed = {p["name"]: p for p in profiles.list_profiles()}
    assert {"default", "gewerbe", "revitalisierung"} <= set(listed)
    for p in listed.values():
        assert sum(c["weight"] for c in p["criteria"].values() if c["weight"] > 0) == pytest.approx(100)
        assert p["criteria"]["station_distance"]["title"] == "Entfernung Bahnhof"
    assert listed["gewerbe"]["detection"] == listed["default"]["detection"]    # extends default
    broken = copy.deepcopy(profiles._raw())
    broken["default"]["criteria"]["area"]["weight"] = 50
    monkeypatch.setattr(profiles, "_raw", lambda: broken)
    with pytest.raises(ConfigurationError, match="add up to 138"):
        profiles.get_profile("default")
    broken["default"]["criteria"]["area"]["weight"] = 12
    broken["default"]["detection"]["zoning_min_share"] = 1.5
    with pytest.raises(ConfigurationError, match="zoning_min_share is a share"):
        profiles.get_profile("gewerbe")                     # inherited from default
    broken["default"]["detection"]["zoning_min_share"] = 0.5
    broken["gewerbe"]["detection"] = {"infill_min_widht_m": 3}
    with pytest.raises(ConfigurationError, match="unknown \\['infill_min_widht_m'\\]"):
        profiles.get_profile("gewerbe")


def test_candidate_page_filters_sorts_and_explains(conn: Connection, town_run: Run) -> None:
    run_id = town_run[0]["id"]
    page = json.loads(candidates_service.list_candidates(conn, run_id, kind="brownfield", sort="area", limit=2))
    assert page["numberMatched"] == 3 and page["numberReturned"] == 2
    areas = [f["properties"]["area_m2"] for f in page["features"]]
    assert areas == sorted(areas) and all(f["properties"]["floo_category"] == "Brachfläche" for f in page["features"])
    best = json.loads(candidates_service.list_candidates(conn, run_id, min_score=50))
    assert all(f["properties"]["score"] >= 50 for f in best["features"]) and best["numberMatched"] >= 1
    one = candidates_service.get_candidate(conn, page["features"][0]["id"])
    assert one["properties"]["criteria"]["width"]["title"] == "Mindestbreite"
