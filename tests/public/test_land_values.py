"""Which land value (Bodenrichtwert) counts where zones overlap, as real files have them: zones of farmland next
to building land, and zones of the same ground for housing and for trade (deckungsgleiche Zonen). Per spot the
zones that fit best count: building land before raw and expected building land before the rest, and among those
the zones of the site's use. The expected answers are computed here with shapely, spot by spot."""

from __future__ import annotations

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import box
from sqlalchemy import Connection, text

OLD, NEW = "2022-01-01", "2024-01-01"


def add_zone(conn: Connection, geom: shapely.Geometry, value: float, use: str, state: str | None,
             date: str = NEW) -> None:
    conn.execute(text(
        "INSERT INTO ref.land_values (zone_number, value_eur_m2, reference_date, use, development_state, geom, "
        "provenance, source) VALUES (:n, :v, :d, :u, :s, ST_Multi(ST_GeomFromText(:g, 25832)), 'official', 'Test')"),
        {"n": f"{use}-{value}", "v": value, "d": date, "u": use, "s": state, "g": geom.wkt})


def zones_over(conn: Connection, geom: shapely.Geometry, use: str | None) -> dict[str, float]:
    return dict(conn.execute(text(
        "SELECT zone_number, m2 FROM ref.land_value_zones(ST_GeomFromText(:g, 25832), :u)"),
        {"g": geom.wkt, "u": use}).all())


def expected(site: shapely.Geometry, zones: list[tuple[shapely.Geometry, float, str, str | None]],
             use: str | None) -> tuple[dict[str, float], float]:
    """Each zone's counted area and the weighted value, from a grid of 1 m cells (independent of the SQL)."""
    classes = {"W": "W", "WA": "W", "GE": "G", "G": "G", "MI": "M", "A": None}
    states = {"B": 0, None: 0, "R": 1, "E": 2}

    def fit(z: tuple[shapely.Geometry, float, str, str | None]) -> int:
        return 2 * states.get(z[3], 3) + (0 if use is None or classes[z[2]] == use else 1)

    counted: dict[str, float] = {}
    minx, miny, maxx, maxy = site.bounds
    for x in range(int(minx), int(maxx)):
        for y in range(int(miny), int(maxy)):
            spot = shapely.Point(x + 0.5, y + 0.5)
            here = [z for z in zones if z[0].contains(spot)]
            if not here or not site.contains(spot):
                continue
            best = min(fit(z) for z in here)
            for z in here:
                if fit(z) == best:
                    counted[f"{z[2]}-{z[1]}"] = counted.get(f"{z[2]}-{z[1]}", 0) + 1
    value = sum(float(k.split("-")[1]) * a for k, a in counted.items()) / sum(counted.values())
    return counted, value


@pytest.fixture
def land(conn: Connection) -> tuple[shapely.Geometry, list[tuple[shapely.Geometry, float, str, str | None]]]:
    """A 100 m × 60 m site near Ilmenau with: housing building land over all of it, trade building land over the
    west half (the same ground twice), expected building land for trade over the east half, farmland over all
    and beyond, and an older reference date's zone that must not count."""
    conn.execute(text("DELETE FROM ref.land_values"))
    x, y = 641000, 5616000
    site = box(x, y, x + 100, y + 60)
    zones = [(box(x - 50, y - 50, x + 150, y + 110), 120.0, "WA", "B"),
             (box(x - 50, y - 50, x + 50, y + 110), 45.0, "GE", "B"),
             (box(x + 50, y - 50, x + 150, y + 110), 20.0, "G", "E"),
             (box(x - 500, y - 500, x + 500, y + 500), 2.0, "A", "LF")]
    for geom, value, use, state in zones:
        add_zone(conn, geom, value, use, state)
    add_zone(conn, site.buffer(10), 999.0, "GE", "B", date=OLD)
    return site, zones


@pytest.mark.parametrize("use", ["G", "W", "M", None])
def test_per_spot_the_best_fitting_zones_count(conn: Connection, land, use: str | None) -> None:
    site, zones = land
    counted, value = expected(site, zones, use)
    assert zones_over(conn, site, use) == pytest.approx(counted, abs=1e-6)
    got = conn.execute(text("SELECT sum(value_eur_m2 * m2) / sum(m2) FROM ref.land_value_zones("
                            "ST_GeomFromText(:g, 25832), :u)"), {"g": site.wkt, "u": use}).scalar_one()
    assert float(got) == pytest.approx(value, abs=0.01)
    assert "A-2.0" not in counted and "GE-999.0" not in counted           # farmland and last year's value: never
    # the hand-checked answers: trade pays 45 in the west and the housing value in the east
    assert value == pytest.approx({"G": (45 + 120) / 2, "W": 120, "M": (120 * 6000 + 45 * 3000) / 9000,
                                   None: (120 * 6000 + 45 * 3000) / 9000}[use])


def test_farmland_counts_where_no_building_land_lies(conn: Connection, land) -> None:
    site, zones = land
    wider = box(*site.bounds[:2], site.bounds[0] + 600, site.bounds[3])    # building land to +150, farmland to +500
    counted, value = expected(wider, zones, "G")
    assert zones_over(conn, wider, "G") == pytest.approx(counted, abs=1e-6)
    assert counted["A-2.0"] == pytest.approx((500 - 150) * 60)
    got = conn.execute(text("SELECT sum(value_eur_m2 * m2) / sum(m2), ST_Area(ST_Union(counted)) "
                            "FROM ref.land_value_zones(ST_GeomFromText(:g, 25832), 'G')"), {"g": wider.wkt}).one()
    assert float(got[0]) == pytest.approx(value, abs=0.01)
    assert got[1] == pytest.approx(500 * 60)                                 # the area that has a value


def test_a_commercial_sites_public_land_value_is_the_trade_value(client: TestClient, conn: Connection) -> None:
    """End to end: the published site's designation (GE) picks the trade zone over the housing zone of the same
    ground, on the public feature and the detail page."""
    conn.execute(text("DELETE FROM ref.land_values"))
    site_id, g = conn.execute(text(
        "SELECT id, ST_AsText(geom) FROM core.sites WHERE published AND land_use_type = 'GE' AND retired_at IS NULL "
        "ORDER BY id LIMIT 1")).one()
    geom = shapely.from_wkt(g)
    add_zone(conn, geom.buffer(30), 140.0, "W", "B")
    add_zone(conn, geom.buffer(30), 38.5, "GE", "B")
    add_zone(conn, geom.buffer(300), 1.8, "A", "LF")
    value = client.get(f"/api/public/sites/{site_id}").json()["properties"]["land_value"]
    assert value == {"value_eur_m2": 38.5, "reference_date": NEW, "illustrative": False}
    assert "<dd>38,50 €/m² (Stichtag 01.01.2024)</dd>" in client.get(f"/flaechen/{site_id}").text


@pytest.mark.parametrize(("sql", "cls"), [
    ("ref.site_use_class('GI', '{}')", "G"), ("ref.site_use_class('MK', '{office}')", "M"),
    ("ref.site_use_class(NULL, '{office,retail}')", "G"), ("ref.site_use_class(NULL, '{residential,office}')", "M"),
    ("ref.site_use_class(NULL, '{residential}')", "W"), ("ref.site_use_class(NULL, '{public}')", None),
    ("ref.land_use_class(' wa ')", "W"), ("ref.land_use_class('WG')", None), ("ref.land_use_class('GR')", None),
    ("ref.parcel_use_class('Wohnbauflaeche')", "W"), ("ref.parcel_use_class('Industrie- und Gewerbefläche')", "G"),
    ("ref.parcel_use_class('Fläche gemischter Nutzung')", "M"), ("ref.parcel_use_class('Strassenverkehr')", None)])
def test_use_classes_of_sites_zones_and_parcels(conn: Connection, sql: str, cls: str | None) -> None:
    """WG (Weingarten) and GR (Grünland) are farmland codes of the zones, not housing or trade."""
    assert conn.execute(text(f"SELECT {sql}")).scalar_one() == cls
