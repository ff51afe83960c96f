"""A constructed cut-out of a town for the analysis tests, in Gera (no demo parcels or buildings there).

Shapes are shapely geometries in EPSG:25832 relative to ``ORIGIN``; ``build_town`` inserts them
inside the test's transaction and keeps them, so tests compute the expected answers from the same
shapes with shapely, independently of PostGIS. Layout (metres, x → east, y → north)::

    row A (y 0…40): A1 … A8, 20 m wide, built except A3 (an infill gap: built A2 and A4 touch it;
                    A2's house reaches 0.1 m into it, a digitising sliver) and A7 (a gap as well)
    S  (y 40…46, x 0…80): a 6 m strip behind A1–A4 (wide enough in area, too narrow to build on)
    L  (y 46…50 / x 100…104): a 4 m wide L-shaped strip (its hull is wide, the strip is not)
    row B (y -60…-20): B1 60×40 with a 5×5 shed (underused), B2 30×40 built, B3 30×40 with half of
                    a house that straddles the B2/B3 line (underused, built 50 m²)
    C (x 300…): industrial land: C1, C2 touching and C3 across a 0.5 m gap, all unbuilt (one
                    brownfield); C4 with a vacant hall (brownfield, all vacant); C5 with one vacant
                    and one used hall (residual use); C6 a 5 m wide industrial strip (too narrow)
    D1: a built residential parcel the land-use layer records as brownfield
    E1 … E4: a vacant house, a partly vacant house, a vacant barn (old farmstead), and a vacancy
                    recorded by its point on the unbuilt E4
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text

GERA = "16052000"
ORIGIN = (716_800.0, 5_641_700.0)
RESIDENTIAL = "Wohnbaufläche"
INDUSTRIAL = "Industrie- und Gewerbefläche"


def rect(x: float, y: float, w: float, h: float) -> BaseGeometry:
    ox, oy = ORIGIN
    return box(ox + x, oy + y, ox + x + w, oy + y + h)


@dataclass
class Town:
    conn: Connection
    municipality: str = GERA
    parcels: dict[str, tuple[str, BaseGeometry, str]] = field(default_factory=dict)   # name → (key, geom, use)
    buildings: dict[str, tuple[int, BaseGeometry, str]] = field(default_factory=dict)  # name → (id, geom, function)
    vacancies: dict[str, tuple[int, BaseGeometry]] = field(default_factory=dict)      # name → (id, point)

    def parcel(self, name: str, geom: BaseGeometry, use: str | None = RESIDENTIAL) -> str:
        key = f"169999001{len(self.parcels) + 1:05d}______"
        self.conn.execute(text(
            "INSERT INTO core.parcels (flurstueckskennzeichen, municipality_ags, official_area_m2, land_use, geom, "
            "provenance, source) VALUES (:k, :m, :a, :u, ST_Multi(ST_GeomFromText(:g, 25832)), 'user', 'test')"),
            {"k": key, "m": GERA, "a": round(geom.area, 2), "u": use, "g": geom.wkt})
        self.parcels[name] = (key, geom, use or "")
        return key

    def adopt(self, name: str, key: str, geom: BaseGeometry, use: str) -> None:
        """Register a parcel that is already stored (real data), for the expected answers."""
        self.parcels[name] = (key, geom, use)

    def building(self, name: str, geom: BaseGeometry, function: str = "Wohnhaus") -> int:
        bid = int(self.conn.execute(text(
            "INSERT INTO core.buildings (municipality_ags, function, geom, provenance, source) "
            "VALUES (:m, :f, ST_Multi(ST_GeomFromText(:g, 25832)), 'user', 'test') RETURNING id"),
            {"m": self.municipality, "f": function, "g": geom.wkt}).scalar_one())
        self.buildings[name] = (bid, geom, function)
        return bid

    def vacancy(self, name: str, *, building: str | None = None, point: BaseGeometry | None = None,
                scope: str = "whole_building", building_type: str = "residential",
                ended_on: dt.date | None = None) -> int:
        where = point if point is not None else self.buildings[str(building)][1].representative_point()
        vid = int(self.conn.execute(text(
            "INSERT INTO core.vacancies (municipality_ags, building_id, building_type, scope, vacant_since, ended_on, "
            "source, geom, provenance, data_source) VALUES (:m, :b, :t, :s, date '2020-01-01', :e, 'survey', "
            "ST_GeomFromText(:g, 25832), 'user', 'test') RETURNING id"),
            {"m": self.municipality, "b": self.buildings[building][0] if building else None, "t": building_type,
             "s": scope,
             "e": ended_on, "g": where.wkt}).scalar_one())
        self.vacancies[name] = (vid, where)
        return vid

    def key(self, name: str) -> str:
        return self.parcels[name][0]

    def geom(self, name: str) -> BaseGeometry:
        return self.parcels[name][1]


def build_town(conn: Connection) -> Town:
    town = Town(conn)
    for i in range(8):
        town.parcel(f"A{i + 1}", rect(20 * i, 0, 20, 40))
    for i in (0, 3, 4, 5, 7):
        town.building(f"house A{i + 1}", rect(20 * i + 3, 4, 14, 16))
    town.building("house A2", rect(26.1, 4, 14, 16))          # reaches 0.1 m over the line into A3
    town.parcel("S", rect(0, 40, 80, 6))
    town.parcel("L", shapely.union(rect(100, 46, 80, 4), rect(100, 50, 4, 60)))
    town.parcel("B1", rect(0, -60, 60, 40))
    town.building("shed B1", rect(5, -55, 5, 5), "Schuppen")
    town.parcel("B2", rect(60, -60, 30, 40))
    town.building("house B2", rect(62, -58, 20, 30))
    town.parcel("B3", rect(90, -60, 30, 40))
    town.building("house B2/B3", rect(85, -50, 10, 10))      # 50 m² on each side of the line
    town.parcel("C1", rect(300, 0, 50, 60), INDUSTRIAL)
    town.parcel("C2", rect(350, 0, 50, 60), INDUSTRIAL)
    town.parcel("C3", rect(400.5, 0, 50, 60), INDUSTRIAL)   # across a 0.5 m digitising gap
    town.parcel("C4", rect(600, 0, 50, 60), INDUSTRIAL)
    town.building("hall C4", rect(610, 10, 20, 20), "Gebäude für Gewerbe und Industrie")
    town.parcel("C5", rect(700, 0, 60, 60), INDUSTRIAL)
    town.building("hall C5 vacant", rect(705, 10, 20, 20), "Gebäude für Gewerbe und Industrie")
    town.building("hall C5 used", rect(730, 10, 20, 20), "Gebäude für Gewerbe und Industrie")
    town.parcel("C6", rect(800, 0, 5, 200), INDUSTRIAL)
    town.parcel("D1", rect(0, 200, 40, 40))
    town.building("house D1", rect(5, 205, 15, 15))
    conn.execute(text(
        "INSERT INTO ref.land_use (category, class, geom, provenance, source) "
        "VALUES ('landuse', 'brownfield', ST_Multi(ST_GeomFromText(:g, 25832)), 'user', 'test')"),
        {"g": rect(-5, 195, 50, 50).wkt})
    town.parcel("E1", rect(200, 200, 20, 40))
    town.building("house E1", rect(203, 205, 12, 12))
    town.parcel("E2", rect(220, 200, 20, 40))
    town.building("house E2", rect(223, 205, 12, 12), "Wohn- und Geschäftsgebäude")
    town.parcel("E3", rect(240, 200, 30, 40))
    town.building("barn E3", rect(245, 205, 15, 20), "Scheune")
    town.parcel("E4", rect(270, 200, 20, 40))
    town.vacancy("E1", building="house E1")
    town.vacancy("E2", building="house E2", scope="partial", building_type="mixed")
    town.vacancy("E3", building="barn E3")
    town.vacancy("E4", point=Point(ORIGIN[0] + 280, ORIGIN[1] + 220))
    town.vacancy("C4", building="hall C4", building_type="industrial")
    town.vacancy("C5", building="hall C5 vacant", building_type="industrial")
    town.vacancy("ended", building="house A1", ended_on=dt.date(2021, 5, 1))
    return town


def run(conn: Connection, *, profile: str = "default", municipalities: list[str] | None = None,
        area: dict[str, Any] | None = None, area_srid: int = 4326) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run the analysis as an admin; the run and its candidates (rows of analysis.candidates)."""
    from flaechenpool.analysis.runs import RunRequest, start_run
    from flaechenpool.auth import Principal

    result = start_run(conn, Principal("tester", "admin"),
                       RunRequest(profile=profile, municipalities=municipalities or [GERA], area=area),
                       area_srid=area_srid)
    rows = conn.execute(text("SELECT id, kind, parcels, buildings, score, rank, criteria, detection, known_site_ids, "
                             "district_id, fingerprint, ST_AsBinary(geom) AS wkb FROM analysis.candidates "
                             "WHERE run_id = :r ORDER BY rank"), {"r": result["id"]}).mappings().all()
    return result, [dict(r, geom=shapely.from_wkb(bytes(r["wkb"]))) for r in rows]


def by_parcels(candidates: list[dict[str, Any]], kind: str) -> dict[tuple[str, ...], dict[str, Any]]:
    """Candidates of one kind keyed by their sorted parcel keys."""
    return {tuple(c["parcels"]): c for c in candidates if c["kind"] == kind}
