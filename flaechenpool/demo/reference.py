"""The real open data of the demo: municipalities, counties, stations, Gemarkungen and Jena's OSM layers.

Each loader reads one file of ``data/`` (see data/README.md for origin and licence) and writes its
rows with the attribution the licence asks for as ``source``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import shapely
from sqlalchemy import Connection, text

from flaechenpool.demo.rows import insert_rows
from flaechenpool.errors import ImportFileError

BKG = "© GeoBasis-DE / BKG 2021 (Daten verändert), dl-de/by-2-0"
OSM = "© OpenStreetMap contributors, ODbL 1.0 (Stand 2014)"
DB_STATIONS = "Haltestellendaten © DB Station&Service AG (2020), CC BY 4.0"
GEMARKUNGEN = "Gemarkungsliste: OK Lab Flensburg, open-parcel-map (CC0 1.0)"

JENA = "16053000"
ILMENAU = "16070029"
ERFURT = "16051000"
GERA = "16052000"
THUERINGER_BECKEN = {"16068051": "Sömmerda", "16068063": "Buttstädt", "16068064": "Kindelbrück", "16068053": "Straußfurt"}
DEMO_MUNICIPALITIES = [JENA, ILMENAU, GERA, ERFURT, *THUERINGER_BECKEN]


def read_layer(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read one layer, naming the file in the error when it is missing or broken."""
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several kinds; all mean the same to the user
        raise ImportFileError(f"cannot read layer {layer or '(default)'}: {exc}", file=str(path)) from exc


def _wkb(gdf: gpd.GeoDataFrame) -> list[bytes]:
    return list(shapely.to_wkb(gdf.geometry.values, hex=False))


def _srid(gdf: gpd.GeoDataFrame, path: Path) -> int:
    epsg = gdf.crs.to_epsg() if gdf.crs is not None else None
    if epsg is None:
        raise ImportFileError("the file declares no EPSG coordinate reference system", file=str(path))
    return int(epsg)


def load_municipalities(conn: Connection, data_dir: Path) -> int:
    """The demo towns with official keys and VG5000 boundaries; counties of Thuringia; the association."""
    path = data_dir / "boundaries" / "thueringen_boundaries.gpkg"
    counties = read_layer(path, "vg5000_kreise")
    insert_rows(
        conn,
        "ref.counties",
        (
            {"ags": str(r.AGS)[:5], "name": r.GEN, "kind": r.BEZ, "source": BKG, "wkb": w}
            for r, w in zip(counties.itertuples(), _wkb(counties), strict=True)
        ),
        srid=_srid(counties, path),
    )
    towns = read_layer(path, "vg5000_gemeinden")
    towns = towns[towns["AGS"].isin(DEMO_MUNICIPALITIES)].drop_duplicates("AGS")
    county_names = {str(r.AGS)[:5]: r.GEN for r in counties.itertuples()}
    insert_rows(
        conn,
        "core.municipalities",
        (
            {
                "ags": r.AGS,
                "name": r.GEN,
                "kind": r.BEZ,
                "county": county_names.get(str(r.AGS)[:5]),
                "provenance": "official",
                "source": BKG,
                "wkb": w,
            }
            for r, w in zip(towns.itertuples(), _wkb(towns), strict=True)
        ),
        srid=_srid(towns, path),
    )
    conn.execute(
        text("INSERT INTO core.associations (id, name) VALUES ('thueringer-becken', :name)"),
        {"name": 'Allianz "Thüringer Becken"'},
    )
    conn.execute(
        text(
            "INSERT INTO core.association_members (association_id, municipality_ags) "
            "SELECT 'thueringer-becken', unnest(CAST(:keys AS text[]))"
        ),
        {"keys": list(THUERINGER_BECKEN)},
    )
    return len(towns)


def load_stations(conn: Connection, data_dir: Path) -> int:
    """Deutsche Bahn stations in Thuringia."""
    path = data_dir / "stations" / "db_stations_thueringen.geojson"
    gdf = read_layer(path)
    rows = (
        {
            "eva_nr": str(r.EVA_NR),
            "name": r.NAME,
            "ds100": r.DS100 or None,
            "ifopt": r.IFOPT or None,
            "traffic": r.Verkehr or None,
            "operator_name": r.Betreiber_Name or None,
            "station_number": str(r.Betreiber_Nr) if r.Betreiber_Nr else None,
            "provenance": "open_data",
            "source": DB_STATIONS,
            "wkb": w,
        }
        for r, w in zip(gdf.itertuples(), _wkb(gdf), strict=True)
    )
    insert_rows(conn, "ref.stations", rows, srid=_srid(gdf, path), kind="point")
    return len(gdf)


def load_gemarkungen(conn: Connection, data_dir: Path) -> int:
    """Thuringia's Gemarkungen (no geometry): decode Flurstückskennzeichen into names."""
    path = data_dir / "gemarkungen" / "gemarkungen_thueringen.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = [
            {
                "key": "16" + r["gemarkungsnummer"].zfill(4),
                "name": r["gemarkungsname"],
                "ags": r["ags"].zfill(8),
                "mname": r["gemeindename"],
            }
            for r in csv.DictReader(f)
        ]
    conn.execute(
        text(
            "INSERT INTO ref.gemarkungen (gemarkung_key, name, municipality_ags, municipality_name, source) "
            "VALUES (:key, :name, :ags, :mname, :source) ON CONFLICT (gemarkung_key) DO NOTHING"
        ),
        [dict(r, source=GEMARKUNGEN) for r in rows],
    )
    return len(rows)


def _osm(gdf: gpd.GeoDataFrame, **columns: object) -> list[dict[str, object]]:
    rows = []
    for i, w in enumerate(_wkb(gdf)):
        row = {k: (v[i] if isinstance(v, list) else v) for k, v in columns.items()}
        rows.append(dict(row, provenance="open_data", source=OSM, wkb=w))
    return rows


def _col(gdf: gpd.GeoDataFrame, name: str) -> list[object]:
    return [None if v is None or v != v else v for v in gdf[name].tolist()]  # NaN → None


def load_jena_osm(conn: Connection, data_dir: Path) -> dict[str, int]:
    """Jena's land use, districts, nature reserves, water and tram from OpenStreetMap (2014)."""
    path = data_dir / "jena-osm" / "jena_osm_2014.gpkg"
    counts: dict[str, int] = {}

    landuse = read_layer(path, "landuse")
    insert_rows(conn, "ref.land_use", _osm(landuse, external_id=_col(landuse, "osm_id"), category="landuse",
                                           name=_col(landuse, "name"), **{"class": _col(landuse, "landuse")}),
                srid=_srid(landuse, path))
    leisure = read_layer(path, "leisure_natural_areas")
    insert_rows(conn, "ref.land_use", _osm(leisure, external_id=_col(leisure, "osm_id"),
                                           category=_col(leisure, "tag_key"), name=_col(leisure, "name"),
                                           **{"class": _col(leisure, "tag_value")}),
                srid=_srid(leisure, path))
    counts["land_use"] = len(landuse) + len(leisure)

    reserves = read_layer(path, "nature_reserve")
    kinds = ["ffh_area" if str(n or "").startswith("FFH") else "nature_reserve" for n in _col(reserves, "name")]
    insert_rows(conn, "ref.protected_areas",
                _osm(reserves, external_id=_col(reserves, "osm_id"), name=_col(reserves, "name"), kind=kinds),
                srid=_srid(reserves, path))
    counts["protected_areas"] = len(reserves)

    water = read_layer(path, "water_areas")
    water_class = [c or "water" for c in _col(water, "source_tag")]
    insert_rows(conn, "ref.water_areas", _osm(water, external_id=_col(water, "osm_id"), name=_col(water, "name"),
                                              **{"class": water_class}),
                srid=_srid(water, path))
    ways = read_layer(path, "waterways")
    insert_rows(conn, "ref.waterways", _osm(ways, external_id=_col(ways, "osm_id"), name=_col(ways, "name"),
                                            **{"class": _col(ways, "waterway")}),
                srid=_srid(ways, path), kind="line")
    counts["water_areas"], counts["waterways"] = len(water), len(ways)

    districts = read_layer(path, "ortsteile")
    insert_rows(conn, "core.districts",
                _osm(districts, municipality_ags=JENA, name=_col(districts, "name")),
                srid=_srid(districts, path))
    counts["districts"] = len(districts)

    stops = read_layer(path, "tram_stops")
    insert_rows(conn, "ref.transit_stops",
                _osm(stops, external_id=_col(stops, "osm_id"), kind="tram", name=_col(stops, "name")),
                srid=_srid(stops, path), kind="point")
    routes = read_layer(path, "tram_routes")
    insert_rows(conn, "ref.transit_routes",
                _osm(routes, external_id=_col(routes, "osm_id"), ref=_col(routes, "ref"), name=_col(routes, "name")),
                srid=_srid(routes, path), kind="line")
    counts["transit_stops"], counts["transit_routes"] = len(stops), len(routes)
    return counts
