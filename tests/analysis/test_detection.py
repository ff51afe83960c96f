"""Each detection rule on the constructed town, against the same rule computed with shapely."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from sqlalchemy import Connection, text

from flaechenpool.analysis.profiles import FLOO_CATEGORIES
from tests.analysis import expected
from tests.analysis.town import Town, by_parcels, rect, run

Run = tuple[dict[str, Any], list[dict[str, Any]]]


def names(town: Town, keys: tuple[str, ...] | list[str]) -> set[str]:
    lookup = {key: name for name, (key, _, _) in town.parcels.items()}
    return {lookup[k] for k in keys}


def test_infill_gaps_are_unbuilt_wide_enough_and_between_built_neighbours(town: Town, town_run: Run,
                                                                       profile: dict[str, Any]) -> None:
    gaps = by_parcels(town_run[1], "infill_gap")
    found = {next(iter(names(town, k))) for k in gaps}
    assert found == expected.infill_gaps(town, profile, {"D1"}) == {"A3", "A7"}
    # the 6 m strip and the 4 m wide L have area and built neighbours, but no room for a house (the
    # L's hull is 80 m wide; the largest circle in its corner is 4.6 m)
    minimum = profile["detection"]["infill_min_width_m"]
    assert expected.width(town.geom("S")) == pytest.approx(6) and expected.width(town.geom("L")) < minimum
    assert shapely.minimum_rotated_rectangle(town.geom("L")).area > 3000
    assert town.geom("S").area >= profile["detection"]["infill_min_area_m2"] <= town.geom("L").area
    a3 = gaps[(town.key("A3"),)]
    assert a3["detection"]["buildings"] == 0          # the 1.2 m² sliver of A2's house does not count
    assert shapely.intersection(town.geom("A3"), town.buildings["house A2"][1]).area == pytest.approx(1.6)
    assert a3["detection"]["built_neighbours"] == 2 and a3["detection"]["neighbours"] == 3   # A2, A4 and the strip
    assert a3["detection"]["surrounding_built_share"] == pytest.approx(
        expected.surrounding_share(town, profile, "A3"), abs=1e-4)
    assert shapely.equals(a3["geom"], town.geom("A3"))


def test_a_building_on_the_gap_or_a_wider_minimum_removes_it(conn: Connection, town: Town,
                                                             profile: dict[str, Any]) -> None:
    town.building("new house A3", rect(45, 5, 10, 10))
    _, candidates = run(conn)
    assert {next(iter(names(town, k))) for k in by_parcels(candidates, "infill_gap")} == {"A7"}


def test_underused_parcels_have_a_small_built_share_for_their_surroundings(town: Town, town_run: Run,
                                                                         profile: dict[str, Any]) -> None:
    found = {next(iter(names(town, k))): c for k, c in by_parcels(town_run[1], "underused").items()}
    assert set(found) == set(expected.underused(town, profile, {"D1"})) == {"B1", "B3"}
    b3 = found["B3"]["detection"]
    # half of the house over the B2/B3 line counts on B3 (exactly its part), the other half on B2
    part = shapely.intersection(town.geom("B3"), town.buildings["house B2/B3"][1]).area
    assert b3["built_m2"] == pytest.approx(part) == pytest.approx(50)
    assert b3["built_share"] == pytest.approx(part / town.geom("B3").area, abs=1e-4)
    assert b3["surrounding_built_share"] == pytest.approx(expected.surrounding_share(town, profile, "B3"), abs=1e-4)
    assert b3["built_share"] < profile["detection"]["underused_max_ratio"] * b3["surrounding_built_share"]


def test_brownfields_join_adjacent_parcels_across_digitising_gaps(town: Town, town_run: Run,
                                                                  profile: dict[str, Any]) -> None:
    found = {frozenset(names(town, k)): c for k, c in by_parcels(town_run[1], "brownfield").items()}
    assert set(found) == {frozenset(g) for g in expected.brownfields(town, profile, {"D1"})}
    assert set(found) == {frozenset({"C1", "C2", "C3"}), frozenset({"C4"}), frozenset({"D1"})}
    group = found[frozenset({"C1", "C2", "C3"})]
    union = shapely.union_all([town.geom(n) for n in ("C1", "C2", "C3")])
    assert group["geom"].area == pytest.approx(union.area) and shapely.equals(group["geom"], union)
    assert group["detection"]["reasons"] == ["unbuilt"] and group["detection"]["parcels"] == 3
    assert found[frozenset({"C4"})]["detection"]["reasons"] == ["all_vacant"]
    assert found[frozenset({"D1"})]["detection"]["reasons"] == ["recorded"]
    # the 5 m wide industrial strip C6 has the area but not the width
    assert town.geom("C6").area >= profile["detection"]["brownfield_min_area_m2"]
    assert expected.width(town.geom("C6")) < profile["detection"]["brownfield_min_width_m"]


def test_residual_use_is_industrial_land_partly_vacant(town: Town, town_run: Run) -> None:
    found = by_parcels(town_run[1], "residual_use")
    assert set(found) == {(town.key("C5"),)}
    assert found[(town.key("C5"),)]["detection"]["vacant_share"] == pytest.approx(0.5)


def test_vacancy_kinds_follow_the_register(town: Town, town_run: Run) -> None:
    candidates = town_run[1]
    by_building = {c["buildings"][0]: c for c in candidates if c["buildings"]}
    ids = {name: bid for name, (bid, _, _) in town.buildings.items()}
    assert by_building[ids["house E1"]]["kind"] == "vacant_building"
    assert shapely.equals(by_building[ids["house E1"]]["geom"], town.buildings["house E1"][1])
    assert by_building[ids["house E2"]]["kind"] == "partial_vacancy"
    farm = by_building[ids["barn E3"]]
    assert farm["kind"] == "old_farmstead" and shapely.equals(farm["geom"], town.geom("E3"))   # the land, not the barn
    assert ids["house A1"] not in by_building            # its vacancy ended
    pointed = [c for c in candidates if c["kind"] == "vacant_building" and not c["buildings"]]
    assert [c["parcels"] for c in pointed] == [[town.key("E4")]]


def test_kinds_map_one_to_one_to_floo_categories(conn: Connection, town_run: Run) -> None:
    rows = conn.execute(text("SELECT DISTINCT kind, floo_category FROM analysis.candidate_features WHERE run_id = :r"),
                        {"r": town_run[0]["id"]}).all()
    assert dict(rows) == {k: FLOO_CATEGORIES[k] for k, _ in rows}
    assert len({floo for _, floo in rows}) == len(rows) == 7
    definition = conn.execute(text("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                                   "WHERE conname = 'sites_kind_check'")).scalar_one()
    assert all(kind in definition for kind in FLOO_CATEGORIES)   # every candidate can become a site


def test_runs_are_limited_to_their_area(conn: Connection, town: Town) -> None:
    """Only parcels meeting the area count; a self-intersecting (bow-tie) area is repaired, both loops kept."""
    ox, oy = town.geom("A1").bounds[:2]
    # a bow tie whose loops reach into row A (left) and the C1–C3 block (right), crossing in between
    tie = {"type": "Polygon", "coordinates": [[[ox + 15, oy + 5], [ox + 380, oy + 50], [ox + 380, oy + 5],
                                               [ox + 15, oy + 50], [ox + 15, oy + 5]]]}
    result, candidates = run(conn, area=tie, area_srid=25832)
    assert "Self-intersection" in result["counts"]["area_repaired"]
    repaired = shapely.make_valid(shapely.geometry.shape(tie))
    inside = {name for name, (_, geom, _) in town.parcels.items() if geom.intersects(repaired)}
    assert result["parcels_analysed"] == len(inside) and {"A2", "A3", "C1", "C2"} <= inside and "C3" not in inside
    found = {frozenset(names(town, c["parcels"])) for c in candidates}
    assert frozenset({"A3"}) in found and frozenset({"C1", "C2"}) in found   # both loops
    assert all(group <= inside for group in found)   # nothing from rows B, D, E
