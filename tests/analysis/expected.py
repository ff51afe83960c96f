"""The detection rules of the potential analysis computed again with shapely on a constructed town,
independently of PostGIS: the tests compare the database's answers with these."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import shapely

from flaechenpool.analysis.profiles import text_key
from tests.analysis.town import Town


def _keys(profile: dict[str, Any], name: str) -> set[str]:
    return {text_key(v) for v in profile["detection"][name]}


def vacant_buildings(town: Town) -> dict[str, str]:
    """Building name → scope of its active vacancy."""
    ended = {"ended"}
    found: dict[str, str] = {}
    rows = town.conn.exec_driver_sql(
        "SELECT b.id, v.scope FROM core.vacancies v JOIN core.buildings b ON b.id = v.building_id "
        "WHERE v.ended_on IS NULL").all()
    ids = {bid: name for name, (bid, _, _) in town.buildings.items()}
    for bid, scope in rows:
        if bid in ids and ids[bid] not in ended:
            found[ids[bid]] = "whole_building" if scope == "whole_building" or found.get(ids[bid]) == "whole_building" \
                else scope
    return found


def built(town: Town, profile: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Parcel name → {building name: m² of it on the parcel}, only from the minimum overlap on."""
    minimum = profile["detection"]["building_min_overlap_m2"]
    result: dict[str, dict[str, float]] = defaultdict(dict)
    for pname, (_, pgeom, _) in town.parcels.items():
        for bname, (_, bgeom, _) in town.buildings.items():
            m2 = shapely.intersection(pgeom, bgeom).area
            if m2 >= minimum:
                result[pname][bname] = m2
    return result


def surrounding_share(town: Town, profile: dict[str, Any], name: str) -> float | None:
    """Built share of the building land whose centroid lies in the 3 × 3 grid cells around the
    parcel's own centroid cell, the parcel itself excluded."""
    cell = profile["detection"]["grid_cell_m"]
    land = _keys(profile, "building_land_uses")
    areas = built(town, profile)

    def cell_of(geom: Any) -> tuple[int, int]:
        c = geom.centroid
        return math.floor(c.x / cell), math.floor(c.y / cell)

    cx, cy = cell_of(town.geom(name))
    area = built_area = 0.0
    for other, (_, geom, use) in town.parcels.items():
        if other == name or text_key(use) not in land:
            continue
        ox, oy = cell_of(geom)
        if abs(ox - cx) <= 1 and abs(oy - cy) <= 1:
            area += geom.area
            built_area += sum(areas.get(other, {}).values())
    return built_area / area if area >= 1 else None


def width(geom: Any) -> float:
    """Diameter of the largest inscribed circle (shapely on GEOS ≥ 3.12)."""
    return 2 * shapely.maximum_inscribed_circle(geom).length


def infill_gaps(town: Town, profile: dict[str, Any], recorded: set[str]) -> set[str]:
    d = profile["detection"]
    areas = built(town, profile)
    gaps = set()
    for name, (_, geom, use) in town.parcels.items():
        if text_key(use) not in _keys(profile, "infill_land_uses") or areas.get(name) or name in recorded:
            continue
        if not d["infill_min_area_m2"] <= geom.area <= d["infill_max_area_m2"]:
            continue
        share = surrounding_share(town, profile, name)
        if share is None or share < d["infill_min_surrounding_share"] or width(geom) < d["infill_min_width_m"]:
            continue
        neighbours = [n for n, (_, g, u) in town.parcels.items()
                      if n != name and g.distance(geom) <= d["neighbour_distance_m"] and areas.get(n)
                      and text_key(u) in _keys(profile, "building_land_uses")]
        if len(neighbours) >= d["infill_min_built_neighbours"]:
            gaps.add(name)
    return gaps


def underused(town: Town, profile: dict[str, Any], recorded: set[str]) -> dict[str, float]:
    """Underused parcel → its built share."""
    d = profile["detection"]
    areas = built(town, profile)
    vacant = vacant_buildings(town)
    result = {}
    for name, (_, geom, use) in town.parcels.items():
        if text_key(use) not in _keys(profile, "building_land_uses") or not areas.get(name) or name in recorded:
            continue
        if text_key(use) in _keys(profile, "brownfield_land_uses"):
            on = areas[name]
            vacant_m2 = sum(m2 for b, m2 in on.items() if vacant.get(b) == "whole_building")
            if vacant_m2 / sum(on.values()) >= d["residual_min_vacant_share"]:
                continue
        share = sum(areas[name].values()) / geom.area
        around = surrounding_share(town, profile, name)
        if (geom.area >= d["underused_min_area_m2"] and around is not None
                and around >= d["underused_min_surrounding_share"] and share < d["underused_max_ratio"] * around):
            result[name] = share
    return result


def brownfields(town: Town, profile: dict[str, Any], recorded: set[str]) -> list[set[str]]:
    """Groups of brownfield parcels (within the neighbour distance of each other) that pass area and width."""
    d = profile["detection"]
    areas = built(town, profile)
    vacant = vacant_buildings(town)
    chosen = []
    for name, (_, _, use) in town.parcels.items():
        on = areas.get(name, {})
        all_vacant = bool(on) and all(vacant.get(b) == "whole_building" for b in on)
        if name in recorded or (text_key(use) in _keys(profile, "brownfield_land_uses") and (not on or all_vacant)):
            chosen.append(name)
    groups: list[set[str]] = []
    for name in chosen:   # union of groups within reach
        touching = [g for g in groups if any(town.geom(name).distance(town.geom(o)) <= d["neighbour_distance_m"]
                                             for o in g)]
        merged = {name}.union(*touching)
        groups = [g for g in groups if g not in touching] + [merged]
    return [g for g in groups
            if shapely.union_all([town.geom(n) for n in g]).area >= d["brownfield_min_area_m2"]
            and width(shapely.union_all([town.geom(n) for n in g])) >= d["brownfield_min_width_m"]]
