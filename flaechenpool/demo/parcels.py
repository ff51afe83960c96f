"""Illustrative parcels (Flurstücke) and buildings for Jena and Ilmenau, and buildings for the
Thüringer Becken towns, generated reproducibly from the real land use, boundaries and stations.

Keys are built from the real Gemarkung numbers (Jena's Ortsteile matched to Gemarkungen by name);
every row is stored with provenance 'illustrative'.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TypedDict

import numpy as np
import shapely
from shapely import wkb as shapely_wkb
from shapely.geometry import Point
from sqlalchemy import Connection, text

from flaechenpool.demo.reference import ILMENAU, JENA, THUERINGER_BECKEN
from flaechenpool.demo.rows import insert_rows
from flaechenpool.demo.subdivide import COMMERCIAL, RESIDENTIAL, block_grid, subdivide

SOURCE = "Flächenpool-Demo: illustrativ erzeugt (erfunden, nicht amtlich)"

# OSM land use → ALKIS tatsächliche Nutzung (Nutzungsart) of the invented parcels
ALKIS_USE = {
    "residential": "Wohnbaufläche",
    "industrial": "Industrie- und Gewerbefläche",
    "commercial": "Industrie- und Gewerbefläche",
    "retail": "Fläche gemischter Nutzung",
    "brownfield": "Industrie- und Gewerbefläche",
    "greenfield": "Unland/Vegetationslose Fläche",
}
STATIONS = {"16068051": "8010328", "16068053": "8010342", "16068063": "8011304"}


def _key(gemarkung: str, flur: int, zaehler: int) -> str:
    return f"16{gemarkung}{flur:03d}{zaehler:05d}______"


class KeyMaker:
    """Sequential Flurstückskennzeichen per Gemarkung: a new Flur for every source polygon."""

    def __init__(self) -> None:
        self.flur: dict[str, int] = defaultdict(int)

    def new_flur(self, gemarkung: str) -> int:
        self.flur[gemarkung] += 1
        return self.flur[gemarkung]


def _jena_gemarkung(conn: Connection) -> tuple[list[tuple[object, str]], str]:
    """(district geometry, Gemarkung number) pairs: Ortsteil names matched to Gemarkung names."""
    gemarkungen: dict[str, str] = dict(
        conn.execute(
            text("SELECT name, substr(gemarkung_key, 3) FROM ref.gemarkungen WHERE municipality_ags = :a"),
            {"a": JENA},
        ).all()
    )
    default = gemarkungen.get("Jena", "0304")
    pairs = []
    for name, geom in conn.execute(
        text("SELECT name, ST_AsBinary(geom) FROM core.districts WHERE municipality_ags = :a ORDER BY name"),
        {"a": JENA},
    ):
        candidates = [name, *name.replace("-", " / ").split(" / ")]
        number = next((gemarkungen[c.strip()] for c in candidates if c.strip() in gemarkungen), None)
        if number is None and "Lobeda" in name:
            number = gemarkungen.get("Lobeda")
        pairs.append((shapely_wkb.loads(bytes(geom)), number or default))
    return pairs, default


def generate_jena(conn: Connection, rng: np.random.Generator) -> dict[str, int]:
    """Parcels and buildings on Jena's real residential, commercial and industrial land use."""
    districts, default = _jena_gemarkung(conn)
    tree = shapely.STRtree([d for d, _ in districts])
    keys = KeyMaker()
    parcels, buildings = [], []
    for _lu_id, cls, geom in conn.execute(
        text(
            # OSM land-use polygons overlap: each keeps only what earlier ones do not cover
            "SELECT id, class, ST_AsBinary(g) FROM (SELECT l.id, l.class, ST_CollectionExtract(ST_Difference(l.geom, "
            "  coalesce((SELECT ST_Union(o.geom) FROM ref.land_use o WHERE o.category = 'landuse' "
            "            AND o.class = ANY(:classes) AND o.id < l.id AND o.geom && l.geom AND ST_Intersects(o.geom, l.geom)), "
            "           ST_GeomFromText('POLYGON EMPTY', 25832))), 3) AS g "
            "  FROM ref.land_use l JOIN core.municipalities m ON m.ags = :a "
            "  AND ST_Contains(m.geom, ST_PointOnSurface(l.geom)) "
            "  WHERE l.category = 'landuse' AND l.class = ANY(:classes)) s "
            "WHERE NOT ST_IsEmpty(g) ORDER BY id"
        ),
        {"a": JENA, "classes": list(ALKIS_USE)},
    ):
        poly = shapely_wkb.loads(bytes(geom))
        hits = tree.query(poly.representative_point(), predicate="within")
        gemarkung = districts[int(hits[0])][1] if len(hits) else default
        flur = keys.new_flur(gemarkung)
        pattern = RESIDENTIAL if cls == "residential" else COMMERCIAL
        lots = subdivide(poly, pattern, rng)
        if cls in ("brownfield", "greenfield"):
            lots = [type(lot)(lot.geom, None) for lot in lots]  # fallow land carries no buildings
        for n, lot in enumerate(lots, start=1):
            key = _key(gemarkung, flur, n)
            parcels.append(_parcel_row(key, JENA, lot.geom, ALKIS_USE[cls], rng))
            if lot.building is not None:
                buildings.append(_building_row(JENA, lot.building, "residential" if cls == "residential" else "commercial",
                                               rng))
    insert_rows(conn, "core.parcels", parcels, srid=25832)
    insert_rows(conn, "core.buildings", buildings, srid=25832)
    return {"parcels": len(parcels), "buildings": len(buildings)}


def _parcel_row(key: str, ags: str, geom: object, use: str, rng: np.random.Generator) -> dict[str, object]:
    area = float(shapely.area(geom))
    return {
        "flurstueckskennzeichen": key,
        "municipality_ags": ags,
        # the official area differs slightly from the geometric one, as in real ALKIS data
        "official_area_m2": max(1, round(area * rng.uniform(0.985, 1.015))),
        "land_use": use,
        "land_use_detail": f"{use}; {round(area)}",
        "provenance": "illustrative",
        "source": SOURCE,
        "wkb": shapely.to_wkb(geom),
    }


def _building_row(ags: str, geom: object, use: str, rng: np.random.Generator) -> dict[str, object]:
    function = {"residential": "Wohnhaus", "commercial": "Gebäude für Gewerbe und Industrie",
                "mixed": "Wohn- und Geschäftsgebäude", "agricultural": "Scheune"}[use]
    return {
        "municipality_ags": ags,
        "function": function,
        "floors": int(rng.integers(1, 4)) if use != "commercial" else int(rng.integers(1, 3)),
        "provenance": "illustrative",
        "source": SOURCE,
        "wkb": shapely.to_wkb(geom),
    }


def _station_xy(conn: Connection, eva: str) -> tuple[float, float]:
    x, y = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM ref.stations WHERE eva_nr = :e"), {"e": eva}).one()
    return float(x), float(y)


class IlmenauParcels(TypedDict):
    """What ``generate_ilmenau`` made: the counts, and the parcel keys of each area."""

    parcels: int
    buildings: int
    areas: dict[str, list[str]]     # technology_quarter, porcelain_works, housing


def generate_ilmenau(conn: Connection, rng: np.random.Generator) -> IlmenauParcels:
    """Parcels around Ilmenau station: a technology quarter, the former porcelain works, housing."""
    sx, sy = _station_xy(conn, "8010178")  # Ilmenau station
    boundary = shapely_wkb.loads(bytes(conn.execute(
        text("SELECT ST_AsBinary(geom) FROM core.municipalities WHERE ags = :a"), {"a": ILMENAU}).scalar_one()))
    parcels, buildings = [], []
    areas: dict[str, list[str]] = {"technology_quarter": [], "porcelain_works": [], "housing": []}
    layout = [
        # (area, centre offset from the station, size, lot size, street, Flur, use)
        ("technology_quarter", (420, 160), (520, 300), (70, 80), 16, 12, "Industrie- und Gewerbefläche"),
        ("porcelain_works", (-380, -260), (260, 140), (130, 70), 12, 13, "Industrie- und Gewerbefläche"),
        ("housing", (-150, 520), (700, 360), (22, 34), 9, 14, "Wohnbaufläche"),
    ]
    for name, (dx, dy), size, lot, street, flur, use in layout:
        for n, geom in enumerate(block_grid((sx + dx, sy + dy), size, lot, street), start=1):
            if not boundary.contains(geom):
                continue
            key = _key("2922", flur, n)  # Gemarkung Ilmenau
            parcels.append(_parcel_row(key, ILMENAU, geom, use, rng))
            areas[name].append(key)
            if name == "porcelain_works":
                building = geom.buffer(-12, join_style="mitre")
                buildings.append(_building_row(ILMENAU, building, "commercial", rng))
            elif name == "housing" and rng.random() < 0.88:
                building = geom.centroid.buffer(5.5, cap_style="square")
                buildings.append(_building_row(ILMENAU, building, "residential", rng))
    insert_rows(conn, "core.parcels", parcels, srid=25832)
    insert_rows(conn, "core.buildings", buildings, srid=25832)
    return {"parcels": len(parcels), "buildings": len(buildings), "areas": areas}


def generate_becken_buildings(conn: Connection, rng: np.random.Generator) -> dict[str, list[int]]:
    """Buildings in the centres of Sömmerda, Buttstädt, Kindelbrück and Straußfurt (for vacancies)."""
    result: dict[str, list[int]] = {}
    for ags in THUERINGER_BECKEN:
        if ags in STATIONS:
            sx, sy = _station_xy(conn, STATIONS[ags])
            cx, cy = sx, sy + 350  # the town centre lies beside, not on, the tracks
        else:
            x, y = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p "
                                     "FROM core.municipalities WHERE ags = :a) s"), {"a": ags}).one()
            cx, cy = float(x), float(y)
        rows = []
        for lot in block_grid((cx, cy), (300, 240), (20, 28), 8):
            if rng.random() < 0.92:
                footprint = Point(lot.centroid.x, lot.centroid.y - 5).buffer(rng.uniform(4.5, 7), cap_style="square")
                use = str(rng.choice(["residential", "residential", "mixed", "commercial", "agricultural"]))
                rows.append(_building_row(ags, footprint, use, rng))
        result[ags] = insert_rows(conn, "core.buildings", rows, srid=25832, returning="id")
    return result
