"""The potential analysis once more in geopandas/shapely: the peer of bench/bench_analysis.py.

    python bench/analysis_peer.py URL [--scores FILE.csv] AGS …   (prints one JSON line: timings, memory, counts)

It reads the same tables for the same municipalities and applies the same rules and criteria as
flaechenpool/sql/analysis/ with the idioms of the library: STRtree bulk queries, vectorised
predicates and areas, pandas groupby for the aggregates, a grid of cells for the surroundings. It
writes nothing back. Run in a process of its own, so its peak memory is its own.
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from flaechenpool.analysis.profiles import get_profile, text_key  # noqa: E402

MUNICIPAL = "municipality_ags = ANY(:m)"


def load(url: str, municipalities: list[str]) -> dict[str, Any]:
    """Every layer the analysis reads, as GeoDataFrames in EPSG:25832."""
    engine = create_engine(url)
    queries = {
        "parcels": f"SELECT id, flurstueckskennzeichen AS key, municipality_ags, land_use, geom FROM core.parcels "
                   f"WHERE valid_to IS NULL AND {MUNICIPAL}",
        "buildings": f"SELECT id, municipality_ags, function, coalesce(alkis_id, id::text) AS bkey, geom "
                     f"FROM core.buildings WHERE valid_to IS NULL AND {MUNICIPAL}",
        "vacancies": "SELECT id, municipality_ags, building_id, scope, building_type, vacant_since, geom "
                     "FROM core.vacancies WHERE (ended_on IS NULL OR ended_on > current_date) "
                     "AND vacant_since <= current_date",
        "land_use": "SELECT class, geom FROM ref.land_use WHERE class IN ('brownfield', 'industrial', 'railway')",
        "stations": "SELECT name, geom FROM ref.stations",
        "flood": "SELECT kind, geom FROM ref.flood_zones",
        "protected": "SELECT geom FROM ref.protected_areas",
        "plans": "SELECT id, name, legal_status, land_use_type, in_force_since, geom FROM ref.zoning_plans",
        "sites": "SELECT id, obstacles, geom FROM core.sites WHERE retired_at IS NULL",
        "districts": f"SELECT id, municipality_ags, geom FROM core.districts WHERE {MUNICIPAL}",
        "municipalities": "SELECT ags, geom FROM core.municipalities WHERE ags = ANY(:m)",
        "centres": "SELECT municipality_ags, geom FROM analysis.town_centres",
    }
    with engine.connect() as conn:
        data = {name: gpd.read_postgis(text(sql), conn, geom_col="geom", params={"m": municipalities})
                for name, sql in queries.items()}
        data["held"] = set(conn.execute(text("SELECT flurstueckskennzeichen FROM core.pool_held(NULL, current_date)"))
                           .scalars())
    engine.dispose()
    return data


def pairs(tree_geoms: np.ndarray, query: np.ndarray, predicate: str, distance: float | None = None) -> np.ndarray:
    """Index pairs (query, tree) where ``predicate(query geometry, tree geometry)`` holds (STRtree bulk query)."""
    tree = shapely.STRtree(tree_geoms)
    return tree.query(query, predicate=predicate, distance=distance) if distance is not None else \
        tree.query(query, predicate=predicate)


def keyed(values: pd.Series) -> np.ndarray:
    """text_key of every value, computed once per distinct value (a state has a few dozen land uses
    and building functions, not a million)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lookup = np.array([text_key(u) if u else None for u in uniques] + [None], dtype=object)
    return lookup[codes]


def analyse(d: dict[str, Any], profile: dict[str, Any]) -> pd.DataFrame:
    det = profile["detection"]
    keys = {k: {text_key(v) for v in det[k]} for k in det if isinstance(det[k], list)}
    p = d["parcels"].reset_index(drop=True)
    pg = p.geometry.values
    p["use"] = keyed(p.land_use)
    p["area"] = shapely.area(pg)
    centroid = shapely.centroid(pg)
    p["gx"] = np.floor(shapely.get_x(centroid) / det["grid_cell_m"]).astype(int)
    p["gy"] = np.floor(shapely.get_y(centroid) / det["grid_cell_m"]).astype(int)
    # land-use layer at the point on surface
    lu = d["land_use"]
    pos = shapely.point_on_surface(pg)
    pi_, li = pairs(lu.geometry.values, pos, "within")
    cls = pd.DataFrame({"p": pi_, "c": lu["class"].values[li]})
    for flag, classes in (("recorded", keys["brownfield_recorded_classes"]),
                          ("bf_class", keys["brownfield_land_use_classes"]),
                          ("cont_class", keys["contamination_land_use_classes"])):
        p[flag] = False
        p.loc[cls.p[cls.c.isin(classes)].unique(), flag] = True
    # vacancies and their buildings
    b = d["buildings"].reset_index(drop=True)
    bg = b.geometry.values
    v = d["vacancies"]
    v = v[v.municipality_ags.isin(d["municipalities"].ags)].reset_index(drop=True)
    known = v.building_id.isin(b.id)
    b_index = pd.Series(np.arange(len(b)), index=b.id)
    v["b"] = np.where(known, b_index.reindex(v.building_id).fillna(-1).to_numpy(), -1).astype(int)
    lost = np.flatnonzero(v.b.to_numpy() < 0)
    if len(lost):
        vi, bi = pairs(bg, v.geometry.values[lost], "intersects")
        first = pd.DataFrame({"v": lost[vi], "b": bi}).groupby("v").b.min()
        v.loc[first.index, "b"] = first.to_numpy()
    func = np.array([f or "" for f in keyed(b.function)], dtype=object)
    v["farm"] = (v.building_type == "agricultural") | np.isin(func[np.maximum(v.b, 0)], list(keys["farm_building_functions"])) & (v.b >= 0)
    vb = v[v.b >= 0].groupby("b").agg(whole=("scope", lambda s: (s == "whole_building").any()), farm=("farm", "any"),
                                       vacancies=("id", list), since=("vacant_since", "min"))
    # buildings on parcels
    pi2, bi2 = pairs(bg, pg, "intersects")
    covered = shapely.covered_by(bg[bi2], pg[pi2])
    m2 = shapely.area(bg[bi2])              # a covered building's footprint; the others' intersection only
    m2[~covered] = shapely.area(shapely.intersection(bg[bi2[~covered]], pg[pi2[~covered]]))
    ov = pd.DataFrame({"p": pi2, "b": bi2, "m2": m2})
    ov = ov[ov.m2 >= det["building_min_overlap_m2"]]
    ov["vacant_m2"] = np.where(ov.b.map(vb.whole).fillna(False).astype(bool), ov.m2, 0.0)
    agg = ov.groupby("p").agg(built=("m2", "sum"), n=("m2", "size"), vacant=("vacant_m2", "sum"))
    p["built"] = agg.built.reindex(p.index).fillna(0).to_numpy()
    p["buildings"] = agg.n.reindex(p.index).fillna(0).astype(int).to_numpy()
    p["vacant_share"] = np.where(p.built > 0, np.minimum(1, agg.vacant.reindex(p.index).fillna(0) / p.built.where(p.built > 0, 1)), np.nan)
    p["building_land"] = p.use.isna() | p.use.isin(keys["building_land_uses"])
    p["bf_land"] = p.use.isin(keys["brownfield_land_uses"]) | (p.use.isna() & p.bf_class)
    p["held"] = p.key.isin(d["held"])
    # surroundings: 3 × 3 cells of building land, the parcel itself excluded
    land = p[p.building_land]
    cells = land.groupby(["gx", "gy"]).agg(a=("area", "sum"), s=("built", "sum")).reset_index()
    win = pd.concat([cells.assign(gx=cells.gx + dx, gy=cells.gy + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)])
    win = win.groupby(["gx", "gy"])[["a", "s"]].sum()
    w = win.reindex(pd.MultiIndex.from_arrays([p.gx.to_numpy(), p.gy.to_numpy()])).fillna(0).to_numpy()
    own = p.building_land.to_numpy()
    around_a = w[:, 0] - np.where(own, p.area, 0)
    around_s = w[:, 1] - np.where(own, p.built, 0)
    p["around"] = np.where(around_a >= 1, around_s / np.where(around_a >= 1, around_a, 1), np.nan)
    p["share"] = p.built / p.area
    found: list[pd.DataFrame] = []
    # infill gaps
    pre = p[~p.recorded & (p.buildings == 0) & p.use.isin(keys["infill_land_uses"])
            & p.area.between(det["infill_min_area_m2"], det["infill_max_area_m2"])
            & (p.around >= det["infill_min_surrounding_share"])]
    pre = pre[~shapely.is_empty(shapely.buffer(pre.geometry.values, -det["infill_min_width_m"] / 2))]
    qi, ti = pairs(pg, pre.geometry.values, "dwithin", det["neighbour_distance_m"])
    nb = pd.DataFrame({"g": pre.index.to_numpy()[qi], "n": ti})
    nb = nb[nb.g != nb.n]
    nb["built"] = (p.buildings.to_numpy()[nb.n] > 0) & p.building_land.to_numpy()[nb.n]
    counts = nb.groupby("g").built.sum()
    gaps = pre[counts.reindex(pre.index).fillna(0).to_numpy() >= det["infill_min_built_neighbours"]]
    found.append(pd.DataFrame({"kind": "infill_gap", "m": gaps.municipality_ags, "parcels": [[k] for k in gaps.key],
                               "geom": gaps.geometry.values, "pm2": gaps.area, "held": np.where(gaps.held, gaps.area, 0),
                               "hint": gaps.cont_class.to_numpy(), "identity": gaps.key}))
    # underused and residual use
    residual = p[~p.recorded & (p.buildings > 0) & p.bf_land & (p.vacant_share >= det["residual_min_vacant_share"])
                 & (p.vacant_share < 0.999) & (p.area >= det["brownfield_min_area_m2"])]
    under = p[~p.recorded & (p.buildings > 0) & ~(p.bf_land & (p.vacant_share >= det["residual_min_vacant_share"]))
              & p.building_land & (p.area >= det["underused_min_area_m2"])
              & (p.around >= det["underused_min_surrounding_share"]) & (p.share < det["underused_max_ratio"] * p.around)]
    for kind, rows in (("residual_use", residual), ("underused", under)):
        found.append(pd.DataFrame({"kind": kind, "m": rows.municipality_ags, "parcels": [[k] for k in rows.key],
                                   "geom": rows.geometry.values, "pm2": rows.area,
                                   "held": np.where(rows.held, rows.area, 0),
                                   "hint": (rows.cont_class | rows.use.isin(keys["contamination_land_uses"])).to_numpy(),
                                   "identity": rows.key}))
    # brownfields: connected groups within the neighbour distance, per municipality
    bf = p[p.recorded | (p.bf_land & ((p.buildings == 0) | (p.vacant_share >= 0.999)))]
    qi, ti = pairs(bf.geometry.values, bf.geometry.values, "dwithin", det["neighbour_distance_m"])
    parent = np.arange(len(bf))
    same = bf.municipality_ags.to_numpy()

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, c in zip(qi, ti, strict=True):
        if same[a] == same[c]:
            parent[root(a)] = root(c)
    bf = bf.assign(group=[root(i) for i in range(len(bf))])
    bf = bf.assign(hint_=bf.cont_class | bf.use.isin(keys["contamination_land_uses"]))
    grouped = bf.sort_values("key").groupby("group")
    geoms = grouped["geom"].agg(lambda s: shapely.union_all(s.values))
    merged = pd.DataFrame({"m": grouped.municipality_ags.first(), "parcels": grouped.key.agg(list),
                           "pm2": grouped.area.sum(), "held": grouped.apply(lambda g: g.area[g.held].sum()),
                           "hint": grouped.hint_.any(), "geom": geoms})
    merged = merged[(shapely.area(merged.geom.values) >= det["brownfield_min_area_m2"])
                    & ~shapely.is_empty(shapely.buffer(merged.geom.values, -det["brownfield_min_width_m"] / 2))]
    found.append(merged.assign(kind="brownfield", identity=[",".join(k) for k in merged.parcels]))
    # vacancy kinds, one per building
    on = ov[ov.b.isin(vb.index)].merge(p[["key", "area", "held", "cont_class", "use"]], left_on="p", right_index=True)
    on["hint"] = on.cont_class | on.use.isin(keys["contamination_land_uses"])
    per = on.sort_values("key").groupby("b").agg(parcels=("key", list), pm2=("area", "sum"), hint=("hint", "any"),
                                                 pidx=("p", list))
    per["held"] = on.assign(h=np.where(on.held, on.area, 0)).groupby("b").h.sum()
    vbk = vb.join(per, how="left")
    kinds = np.where(vbk.farm, "old_farmstead", np.where(vbk.whole, "vacant_building", "partial_vacancy"))
    shapes = [shapely.union_all(pg[ix]) if k == "old_farmstead" and isinstance(ix, list) else bg[i]
              for k, ix, i in zip(kinds, vbk.pidx, vbk.index, strict=True)]
    found.append(pd.DataFrame({"kind": kinds, "m": b.municipality_ags.to_numpy()[vbk.index],
                               "parcels": [x if isinstance(x, list) else [] for x in vbk.parcels], "geom": shapes,
                               "pm2": vbk.pm2.fillna(0).to_numpy(), "held": vbk.held.fillna(0).to_numpy(),
                               "hint": vbk.hint.fillna(False).astype(bool).to_numpy(),
                               "identity": "b" + b.bkey.to_numpy()[vbk.index]}))
    return pd.concat(found, ignore_index=True)


def score(f: pd.DataFrame, d: dict[str, Any], profile: dict[str, Any]) -> pd.DataFrame:
    det, spec = profile["detection"], profile["criteria"]
    g = np.array(f.geom.tolist(), dtype=object)
    area = shapely.area(g)
    values: dict[str, Any] = {"area": area, "compactness": 4 * math.pi * area / shapely.length(g) ** 2,
                              "width": 2 * shapely.length(shapely.maximum_inscribed_circle(g))}
    stations = d["stations"].geometry.values
    _, dist = shapely.STRtree(stations).query_nearest(g, return_distance=True, all_matches=False)
    values["station_distance"] = dist
    centres = dict(zip(d["centres"].municipality_ags, d["centres"].geometry.values, strict=True))
    b = d["buildings"]
    weights = shapely.area(b.geometry.values)
    cen = shapely.centroid(b.geometry.values)
    wx = pd.Series(shapely.get_x(cen) * weights).groupby(b.municipality_ags.to_numpy()).sum()
    wy = pd.Series(shapely.get_y(cen) * weights).groupby(b.municipality_ags.to_numpy()).sum()
    ws = pd.Series(weights).groupby(b.municipality_ags.to_numpy()).sum()
    for ags in ws.index:
        centres.setdefault(ags, shapely.Point(wx[ags] / ws[ags], wy[ags] / ws[ags]))
    for ags, geom in zip(d["municipalities"].ags, d["municipalities"].geometry.values, strict=True):
        centres.setdefault(ags, shapely.point_on_surface(geom))
    values["centre_distance"] = shapely.distance(g, np.array([centres[m] for m in f.m], dtype=object))

    def share(zones: np.ndarray) -> np.ndarray:
        out = np.zeros(len(g))
        ci, zi = pairs(zones, g, "intersects")
        parts = pd.DataFrame({"c": ci, "part": shapely.intersection(g[ci], zones[zi])})
        for c, group in parts.groupby("c").part:
            out[c] = min(1.0, shapely.area(shapely.union_all(group.values)) / area[c])
        return out

    flood = d["flood"]
    values["flood_share"] = share(flood.geometry.values[flood.kind.isin(det["flood_zone_kinds"])])
    values["protected_share"] = share(d["protected"].geometry.values)
    plans = d["plans"]
    ci, zi = pairs(plans.geometry.values, g, "intersects")
    ps = pd.DataFrame({"c": ci, "z": zi, "share": shapely.area(shapely.intersection(g[ci], plans.geometry.values[zi]))
                       / area[ci]})
    ps = ps[ps.share >= det["zoning_min_share"]]
    ps["repealed"] = plans.legal_status.to_numpy()[ps.z] == "repealed"
    ps["since"] = plans.in_force_since.to_numpy()[ps.z]
    best = ps.sort_values(["c", "repealed", "share", "since", "z"], ascending=[True, True, False, False, True]) \
        .drop_duplicates("c").set_index("c")
    values["zoning_plan"] = np.array(["none"] * len(g), dtype=object)
    values["zoning_plan"][best.index] = plans.legal_status.to_numpy()[best.z]
    values["designation"] = np.array([None] * len(g), dtype=object)
    values["designation"][best.index] = plans.land_use_type.to_numpy()[best.z]
    values["municipal_ownership"] = np.where(f.pm2 > 0, np.minimum(1, f.held / f.pm2.where(f.pm2 > 0, 1)), 0)
    sites = d["sites"]
    ci, si = pairs(sites.geometry.values, g, "intersects")
    cover = shapely.area(shapely.intersection(g[ci], sites.geometry.values[si])) >= 0.1 * area[ci]
    contaminated_site = np.zeros(len(g), dtype=bool)
    contaminated_site[ci[cover & np.array(["contamination" in (o or []) for o in sites.obstacles.to_numpy()[si]])]] = True
    values["contamination"] = (f.hint.to_numpy() | f.kind.isin(["brownfield", "residual_use"]).to_numpy()
                               | contaminated_site).astype(float)
    vac = d["vacancies"].geometry.values
    vi, ci = pairs(g, vac, "dwithin", det["vacancy_radius_m"])
    outside = ~shapely.intersects(vac[vi], g[ci])
    values["vacancy_nearby"] = np.bincount(ci[outside], minlength=len(g)).astype(float)
    total = np.zeros(len(g))
    for key, s in spec.items():
        x = values[key]
        if "map" in s:
            n = np.array([s["map"].get(v if v is not None else "none", s.get("default", 0.0)) for v in x], dtype=float)
        else:
            n = np.clip((np.asarray(x, dtype=float) - s["low"]) / (s["high"] - s["low"]), 0, 1)
        total += np.round(s["weight"] * n, 2)
    return f.assign(score=total).sort_values(["score", "kind", "identity"], ascending=[False, True, True])


def main() -> None:
    url, municipalities, scores_file = sys.argv[1], sys.argv[2:], None
    if municipalities[:1] == ["--scores"]:
        scores_file, municipalities = municipalities[1], municipalities[2:]
    profile = get_profile("default")
    started = time.perf_counter()
    data = load(url, municipalities)
    loaded = time.perf_counter()
    found = analyse(data, profile)
    scored = score(found, data, profile)
    done = time.perf_counter()
    if scores_file:
        scored[["kind", "identity", "score"]].to_csv(scores_file, index=False)
    print(json.dumps({"load_s": loaded - started, "compute_s": done - loaded, "parcels": len(data["parcels"]),
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "kinds": scored.kind.value_counts().to_dict()}))


if __name__ == "__main__":
    main()
