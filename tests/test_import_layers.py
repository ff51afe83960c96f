"""``import layer``: boundaries and reference layers from real files, upserts, errors that name the row."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box
from sqlalchemy import Connection, text

from flaechenpool.analysis.profiles import get_profile, sql_lists, text_key
from flaechenpool.errors import ImportFileError
from flaechenpool.importing.layers import import_layer

DATA = Path(__file__).resolve().parent.parent / "data"


def snapshot(conn: Connection, table: str) -> tuple[int, float]:
    return tuple(conn.execute(text(f"SELECT count(*), coalesce(sum(ST_Area(geom)), 0) FROM {table}")).one())  # type: ignore[return-value]


def test_all_thuringian_municipalities_are_upserted_by_key(conn: Connection) -> None:
    report = import_layer(conn, "municipalities", DATA / "boundaries" / "thueringen_boundaries.gpkg",
                          layer="vg5000_gemeinden")
    frame = gpd.read_file(DATA / "boundaries" / "thueringen_boundaries.gpkg", layer="vg5000_gemeinden")
    assert report.read == len(frame) and report.updated == 8
    assert report.inserted + report.updated == frame["AGS"].nunique()
    count = conn.execute(text("SELECT count(*) FROM core.municipalities")).scalar()
    assert count == frame["AGS"].nunique()
    area = conn.execute(text("SELECT ST_Area(geom) FROM core.municipalities WHERE ags = '16053000'")).scalar()
    assert abs(area - frame[frame["AGS"] == "16053000"].geometry.area.sum()) < 1


def test_stations_are_upserted_by_eva_number(conn: Connection) -> None:
    before = conn.execute(text("SELECT count(*) FROM ref.stations")).scalar()
    report = import_layer(conn, "stations", DATA / "stations" / "db_stations_thueringen.geojson")
    assert report.updated == before and report.inserted == 0
    assert conn.execute(text("SELECT count(*) FROM ref.stations")).scalar() == before


def test_flood_zone_in_gauss_krueger_is_reprojected(conn: Connection, tmp_path: Path) -> None:
    zone = gpd.GeoDataFrame({"name": ["Test-Aue"]}, geometry=[box(680000, 5645000, 681000, 5645500)], crs=25832)
    path = tmp_path / "flood.gpkg"
    zone.to_crs(31468).to_file(path)
    report = import_layer(conn, "flood_zones", path)
    assert report.inserted == 1
    row = conn.execute(text("SELECT kind, ST_Area(geom), ST_XMin(geom), source FROM ref.flood_zones "
                            "WHERE name = 'Test-Aue'")).one()
    assert row[0] == "hq100" and abs(row[1] - 500_000) < 50 and abs(row[2] - 680000) < 1 and "flood.gpkg" in row[3]
    again = import_layer(conn, "flood_zones", path, replace=True)
    assert again.inserted == 1
    assert conn.execute(text("SELECT count(*) FROM ref.flood_zones WHERE name = 'Test-Aue'")).scalar() == 1


def test_buildings_replace_the_municipalitys_current_ones_keeping_history(conn: Connection, tmp_path: Path) -> None:
    old = conn.execute(text("SELECT count(*) FROM core.buildings WHERE municipality_ags = '16068051' "
                            "AND valid_to IS NULL")).scalar()
    x, y = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM core.municipalities "
                             "WHERE ags = '16068051') s")).one()
    houses = gpd.GeoDataFrame({"oid": ["DETHL1", "DETHL2"], "funktion": ["Wohnhaus", "Scheune"], "aog": [2, 1]},
                              geometry=[box(x, y, x + 10, y + 12), box(x + 20, y, x + 35, y + 10)], crs=25832)
    houses.to_file(tmp_path / "hu.shp")
    report = import_layer(conn, "buildings", tmp_path / "hu.shp", municipality="16068051")
    assert (report.inserted, report.retired) == (2, old)
    current = conn.execute(text("SELECT alkis_id, function, floors FROM core.buildings WHERE municipality_ags = "
                                "'16068051' AND valid_to IS NULL ORDER BY alkis_id")).all()
    assert [tuple(r) for r in current] == [("DETHL1", "Wohnhaus", 2), ("DETHL2", "Scheune", 1)]


def test_alkis_building_functions_given_as_codes_are_stored_by_name(conn: Connection, tmp_path: Path) -> None:
    """The TLBG's Hausumringe carry OI and GFK ("31001_2721"), a NAS file gebaeudefunktion (2721): the
    analysis compares names, so a barn from either is a farm building."""
    x, y = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM core.municipalities "
                             "WHERE ags = '16068051') s")).one()
    shapes = [box(x + 20 * i, y, x + 20 * i + 12, y + 10) for i in range(4)]
    gpd.GeoDataFrame({"OI": ["DETHL1", "DETHL2", "DETHL3", "DETHL4"],
                      "GFK": ["31001_2726", "31001_1010", "31001_4711", "Scheune"]},
                     geometry=shapes, crs=25832).to_file(tmp_path / "hu_th.shp")
    import_layer(conn, "buildings", tmp_path / "hu_th.shp", municipality="16068051")
    stored = dict(conn.execute(text("SELECT alkis_id, function FROM core.buildings WHERE municipality_ags = '16068051' "
                                    "AND valid_to IS NULL")).all())
    assert stored == {"DETHL1": "Scheune und Stall", "DETHL2": "Wohnhaus", "DETHL3": "31001_4711",
                      "DETHL4": "Scheune"}
    gpd.GeoDataFrame({"gml_id": ["DETHL5"], "gebaeudefunktion": [2724]}, geometry=shapes[:1],
                     crs=25832).to_file(tmp_path / "nas.gpkg")
    import_layer(conn, "buildings", tmp_path / "nas.gpkg", municipality="16068051")
    assert conn.execute(text("SELECT function FROM core.buildings WHERE alkis_id = 'DETHL5' AND valid_to IS NULL")
                        ).scalar_one() == "Stall"
    farm = set(sql_lists(get_profile())["farm_building_functions"])       # as the analysis compares them
    assert {text_key("Scheune und Stall"), text_key("Stall"), text_key("Scheune")} <= farm
    assert text_key("Wohnhaus") not in farm


def test_zoning_plans_read_xplanung_codes_and_german_words(conn: Connection, tmp_path: Path) -> None:
    """Rechtsstand as XPlanung's code (4000, also as a number), its name or a town's wording; the type of use by
    the BauNVO's abbreviation in any case or its German name."""
    path = tmp_path / "bplaene.gpkg"
    gpd.GeoDataFrame({"planname": ["Am Bahnhof", "Porzellanwerk", "Alte Ziegelei", "Nordhang", "Gewerbe Ost"],
                      "rechtsstand": ["4000", "im Verfahren", "Aufgehoben", "TeilweiseUntergegangen", "rechtskräftig"],
                      "ArtDerNutzung": ["mi", "Gewerbegebiet", None, "Dörfliches Wohngebiet", "GI"]},
                     geometry=[box(680000 + 300 * i, 5645000, 680200 + 300 * i, 5645200) for i in range(5)],
                     crs=25832).to_file(path)
    assert import_layer(conn, "zoning_plans", path, municipality="16053000").inserted == 5
    rows = conn.execute(text("SELECT name, legal_status, land_use_type FROM ref.zoning_plans WHERE source = "
                             "'Import bplaene.gpkg' ORDER BY ST_XMin(geom)")).all()
    assert [tuple(r) for r in rows] == [
        ("Am Bahnhof", "in_force", "MI"), ("Porzellanwerk", "in_preparation", "GE"),
        ("Alte Ziegelei", "repealed", None), ("Nordhang", "partially_in_force", "MDW"),
        ("Gewerbe Ost", "in_force", "GI")]
    numbers = tmp_path / "xplan.gpkg"                                 # the code as a number, as XPlanGML has it
    gpd.GeoDataFrame({"name": ["Süd"], "rechtsstand": [4000]}, geometry=[box(681600, 5645000, 681800, 5645200)],
                     crs=25832).to_file(numbers)
    import_layer(conn, "zoning_plans", numbers, municipality="16053000")
    assert conn.execute(text("SELECT legal_status FROM ref.zoning_plans WHERE source = 'Import xplan.gpkg'")
                        ).scalar_one() == "in_force"


@pytest.mark.parametrize(("field", "value", "expect"), [
    ("rechtsstand", "vielleicht", "feature 2, field 'rechtsstand': unknown legal state of a plan: 'vielleicht'"),
    ("ArtDerNutzung", "Schlossgebiet", "feature 2, field 'ArtDerNutzung': unknown land_use_type: 'Schlossgebiet'"),
])
def test_unknown_plan_states_and_types_are_named_and_store_nothing(conn: Connection, tmp_path: Path, field: str,
                                                                  value: str, expect: str) -> None:
    before = snapshot(conn, "ref.zoning_plans")
    path = tmp_path / "bplaene.gpkg"
    gpd.GeoDataFrame({"name": ["A", "B"], field: ["4000" if field == "rechtsstand" else "GE", value]},
                     geometry=[box(680000, 5645000, 680100, 5645100), box(680200, 5645000, 680300, 5645100)],
                     crs=25832).to_file(path)
    with pytest.raises(ImportFileError) as exc:
        import_layer(conn, "zoning_plans", path, municipality="16053000")
    assert expect in str(exc.value) and "bplaene.gpkg" in str(exc.value)
    assert snapshot(conn, "ref.zoning_plans") == before


def test_protected_areas_and_flood_zones_read_the_authorities_words(conn: Connection, tmp_path: Path) -> None:
    """Schutzgebiete by category word or abbreviation, flood zones by scenario (HQ100 is not HQ10)."""
    squares = [box(680000 + 300 * i, 5645000, 680200 + 300 * i, 5645200) for i in range(6)]
    gpd.GeoDataFrame({"Gebietsname": list("ABCDEF"), "Kategorie": ["NSG", "Landschaftsschutzgebiet", "FFH-Gebiet",
                                                                   "Vogelschutzgebiet (SPA)", "nd", "Biosphärenreservat"]},
                     geometry=squares, crs=25832).to_file(tmp_path / "schutz.gpkg")
    report = import_layer(conn, "protected_areas", tmp_path / "schutz.gpkg")
    assert report.kinds == {"nature_reserve": 1, "landscape_reserve": 1, "ffh_area": 1, "bird_reserve": 1,
                            "other": 1, "biosphere_reserve": 1}
    assert conn.execute(text("SELECT string_agg(kind, ' ' ORDER BY name) FROM ref.protected_areas WHERE source = "
                             "'Import schutz.gpkg'")).scalar_one() == \
        "nature_reserve landscape_reserve ffh_area bird_reserve other biosphere_reserve"
    gpd.GeoDataFrame({"gewaesser": ["Saale"] * 4, "szenario": ["HQ100", "HQhäufig", "HQ extrem", "HQ10"]},
                     geometry=squares[:4], crs=25832).to_file(tmp_path / "hwgk.gpkg")
    import_layer(conn, "flood_zones", tmp_path / "hwgk.gpkg")
    assert conn.execute(text("SELECT array_agg(kind ORDER BY ST_XMin(geom)) FROM ref.flood_zones WHERE source = "
                             "'Import hwgk.gpkg'")).scalar_one() == ["hq100", "hq_frequent", "hq_extreme", "hq_frequent"]


@pytest.mark.parametrize("case", ["wrong_crs", "missing_field", "empty_value", "no_geometry", "not_a_file", "no_kind"])
def test_bad_files_name_file_row_and_field_and_change_nothing(conn: Connection, tmp_path: Path, case: str) -> None:
    before = snapshot(conn, "ref.zoning_plans")
    plans = gpd.GeoDataFrame({"name": ["B-Plan 1", "B-Plan 2"], "nummer": ["1", "2"]},
                             geometry=[box(680000, 5645000, 680100, 5645100), box(680200, 5645000, 680300, 5645100)],
                             crs=25832)
    path = tmp_path / "plans.gpkg"
    kind, expect = "zoning_plans", "plans.gpkg"
    if case == "wrong_crs":
        plans.set_crs(4326, allow_override=True).to_file(path)
        expect = "outside Thuringia"
    elif case == "missing_field":
        plans.drop(columns=["name"]).to_file(path)
        expect = "field 'name'"
    elif case == "empty_value":
        plans.loc[1, "name"] = None
        plans.to_file(path)
        expect = "feature 2, field 'name'"
    elif case == "no_geometry":
        gpd.GeoDataFrame({"name": ["P"]}, geometry=[Point(680000, 5645000)], crs=25832).to_file(path)
        expect = "feature 1, field 'geometry'"
    elif case == "not_a_file":
        path.write_text("kein GeoPackage")
    else:
        kind, expect = "castles", "unknown layer kind"
    with pytest.raises(ImportFileError) as exc:
        import_layer(conn, kind, path, municipality="16053000")
    assert expect in str(exc.value) and "plans.gpkg" in str(exc.value)
    assert snapshot(conn, "ref.zoning_plans") == before


def land_values_file(path: Path, brw: list[object], stag: list[object]) -> Path:
    """A Bodenrichtwert file with the VBORIS field names (BRW, STAG, NUTA, ENTW, WNUM, BRZNAME)."""
    gpd.GeoDataFrame({"BRW": brw, "STAG": stag, "NUTA": ["W", "M", "G"], "ENTW": ["B", "B", "R"],
                      "WNUM": ["101", "102", "103"], "BRZNAME": ["Wenigenjena", "Zentrum", "Göschwitz Süd"]},
                     geometry=[box(680000 + 1000 * i, 5645000, 681000 + 1000 * i, 5646000) for i in range(3)],
                     crs=25832).to_file(path)
    return path


def test_land_values_are_read_with_german_numbers_and_dates(conn: Connection, tmp_path: Path) -> None:
    path = land_values_file(tmp_path / "brw_jena.gpkg", ["185,50", "1.250,00", 95], ["01.01.2024", "2024-01-01",
                                                                                    "20240101"])
    report = import_layer(conn, "land_values", path)
    assert report.read == 3 and report.inserted == 3
    rows = conn.execute(text("SELECT zone_number, name, value_eur_m2, reference_date, use, development_state, "
                             "provenance, ST_Area(geom) FROM ref.land_values WHERE source = 'Import brw_jena.gpkg' "
                             "ORDER BY zone_number")).all()
    assert [(r[0], float(r[2]), str(r[3]), r[4], r[5]) for r in rows] == [
        ("101", 185.5, "2024-01-01", "W", "B"), ("102", 1250.0, "2024-01-01", "M", "B"),
        ("103", 95.0, "2024-01-01", "G", "R")]
    assert rows[1][1] == "Zentrum" and {r[6] for r in rows} == {"official"} and all(r[7] == 1_000_000 for r in rows)
    again = import_layer(conn, "land_values", path, replace=True)                 # a new year's file replaces it
    assert again.inserted == 3 and conn.execute(text(
        "SELECT count(*) FROM ref.land_values WHERE source = 'Import brw_jena.gpkg'")).scalar_one() == 3


def test_land_values_of_a_boris_service_with_numeric_codes_and_several_years(conn: Connection,
                                                                            tmp_path: Path) -> None:
    """As BORIS-TH's WFS (vBORIS_simple_wfs) answers, saved to a file: long upper-case field names, the numeric
    codes of the AdV's Bodenrichtwert model (ENTWICKLUNGSZUSTAND 1000 building land, 4000 farmland; NUTZUNGSART
    1310 Gewerbegebiet) and the years of one zone in one layer. Stored as letters, and where a site's ground
    lies in building land and farmland of the newest year, the building land's value applies."""
    trade, farm = box(680000, 5645000, 681000, 5646000), box(680500, 5645000, 681500, 5646000)
    gpd.GeoDataFrame({"BODENRICHTWERT": [60.0, 75.0, 1.2, 1.5], "STICHTAG": ["2022-01-01", "2024-01-01"] * 2,
                      "ENTWICKLUNGSZUSTAND": [1000, 1000, 4000, 4000], "NUTZUNGSART": ["1310", "1310", None, None],
                      "BODENRICHTWERTNUMMER": ["7001", "7001", "9001", "9001"],
                      "BODENRICHTWERTZONENAME": ["Gewerbe Süd", "Gewerbe Süd", "Acker", "Acker"],
                      "GEMEINDE": ["16053000"] * 4},
                     geometry=[trade, trade, farm, farm], crs=25832).to_file(tmp_path / "boris_th.gml",
                                                                            driver="GML")
    report = import_layer(conn, "land_values", tmp_path / "boris_th.gml")
    assert report.inserted == 4
    rows = conn.execute(text("SELECT zone_number, name, use, development_state, reference_date::text, value_eur_m2 "
                             "FROM ref.land_values WHERE source = 'Import boris_th.gml' ORDER BY 5, 1")).all()
    assert [tuple(r[:5]) for r in rows] == [
        ("7001", "Gewerbe Süd", "GE", "B", "2022-01-01"), ("9001", "Acker", None, "LF", "2022-01-01"),
        ("7001", "Gewerbe Süd", "GE", "B", "2024-01-01"), ("9001", "Acker", None, "LF", "2024-01-01")]
    conn.execute(text("DELETE FROM ref.land_values WHERE source <> 'Import boris_th.gml'"))   # the demo's zones
    site = box(680250, 5645200, 681250, 5645800)                  # half in the trade zone, all of it in farmland
    zones = conn.execute(text("SELECT zone_number, value_eur_m2, m2 FROM ref.land_value_zones("
                              "ST_GeomFromText(:g, 25832), 'G') ORDER BY 1"), {"g": site.wkt}).all()
    assert [(z[0], float(z[1])) for z in zones] == [("7001", 75.0), ("9001", 1.5)]     # the newest year only
    assert [round(z[2]) for z in zones] == [round(site.intersection(trade).area),
                                            round(site.difference(trade).area)]     # building land first


@pytest.mark.parametrize(("brw", "stag", "expect"), [
    (["185,50", "abc", 95], ["2024-01-01"] * 3, "feature 2, field 'BRW': not a number: 'abc'"),
    (["185,50", -5, 95], ["2024-01-01"] * 3, "feature 2, field 'BRW': must be above 0"),
    (["185,50", 100, 95], ["2024-01-01", "2024-01-01", "31.02.2024"], "feature 3, field 'STAG': not a date"),
    (["185,50", 100, 95], ["2024-01-01", None, "2024-01-01"], "feature 2, field 'STAG': value missing"),
])
def test_bad_land_values_name_row_and_field_and_store_nothing(conn: Connection, tmp_path: Path, brw: list[object],
                                                              stag: list[object], expect: str) -> None:
    before = snapshot(conn, "ref.land_values")
    with pytest.raises(ImportFileError) as exc:
        import_layer(conn, "land_values", land_values_file(tmp_path / "brw.gpkg", brw, stag))
    assert expect in str(exc.value) and "brw.gpkg" in str(exc.value)
    assert snapshot(conn, "ref.land_values") == before


def preemption_areas_file(path: Path, kinds: list[object], dates: list[object]) -> Path:
    """Areas of pre-emption rights as a town writes them: German field names and wordings."""
    gpd.GeoDataFrame({"Bezeichnung": ["Altstadt", "Nord", "Wohnen Ost"], "Art": kinds, "Rechtskraft": dates},
                     geometry=[box(680000 + 1000 * i, 5645000, 680800 + 1000 * i, 5645500) for i in range(3)],
                     crs=25832).to_file(path)
    return path


def test_preemption_areas_are_read_from_german_wordings(conn: Connection, tmp_path: Path) -> None:
    path = preemption_areas_file(tmp_path / "vorkauf.gpkg", ["Sanierungsgebiet", "Vorkaufssatzung § 25 Abs. 1 "
                                 "Satz 1 Nr. 2 BauGB", "statute_housing"], ["01.05.2019", "2020-02-01", None])
    report = import_layer(conn, "preemption_areas", path, municipality="16053000")
    assert report.inserted == 3
    rows = conn.execute(text("SELECT name, kind, in_force_since, ref.preemption_legal_basis(kind), municipality_ags, "
                             "ST_Area(geom) FROM ref.preemption_areas WHERE source = 'Import vorkauf.gpkg' "
                             "ORDER BY name")).all()
    assert [(r[0], r[1], r[2] and str(r[2]), r[3]) for r in rows] == [
        ("Altstadt", "redevelopment", "2019-05-01", "general"), ("Nord", "statute_measures", "2020-02-01", "statute"),
        ("Wohnen Ost", "statute_housing", None, "statute")]
    assert {r[4] for r in rows} == {"16053000"} and all(r[5] == pytest.approx(400_000) for r in rows)


def test_bad_preemption_areas_name_row_and_field_and_store_nothing(conn: Connection, tmp_path: Path) -> None:
    before = snapshot(conn, "ref.preemption_areas")
    path = preemption_areas_file(tmp_path / "vorkauf.gpkg", ["Sanierungsgebiet", "Bebauungsplan", "Umlegung"],
                                 [None] * 3)
    with pytest.raises(ImportFileError) as exc:
        import_layer(conn, "preemption_areas", path, municipality="16053000")
    assert "feature 2, field 'Art': unknown kind of pre-emption area: 'Bebauungsplan'" in str(exc.value)
    with pytest.raises(ImportFileError) as exc:
        import_layer(conn, "preemption_areas", path)
    assert "needs --municipality" in str(exc.value)
    assert snapshot(conn, "ref.preemption_areas") == before


def test_zones_without_a_value_are_left_out_and_counted(conn: Connection, tmp_path: Path) -> None:
    """A real file holds zones for which the committee fixed no value (BRW empty or 0, "ohne Angabe"): they are
    left out and named, the others stored; refusing the whole state-wide file for them would help nobody."""
    path = land_values_file(tmp_path / "brw_ohne.gpkg", ["185,50", 0, None], ["2024-01-01"] * 3)
    report = import_layer(conn, "land_values", path)
    assert report.read == 3 and report.inserted == 1 and report.skipped == [2, 3]
    assert conn.execute(text("SELECT zone_number FROM ref.land_values WHERE source = 'Import brw_ohne.gpkg'")
                        ).scalars().all() == ["101"]
