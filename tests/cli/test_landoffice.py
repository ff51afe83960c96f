"""Land-office commands run in-process (typer's runner) on the test's rolled-back connection."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyogrio
import pytest
from sqlalchemy import Connection, text

from flaechenpool import cli
from tests.cli.conftest import invoke


def test_parcels_find_prints_a_table_and_writes_files(tmp_path: Path, conn: Connection) -> None:
    result = invoke("parcels", "find", "--municipality", "16051000", "--min-area", "1000", "--sort", "-area")
    assert result.exit_code == 0, result.output
    expected = conn.execute(text("SELECT flurstueckskennzeichen FROM core.parcels WHERE municipality_ags = '16051000' "
                                 "AND official_area_m2 >= 1000 AND valid_to IS NULL ORDER BY area_m2 DESC")).scalars().all()
    assert f"{len(expected)} of {len(expected)}" in result.output
    assert result.output.index(expected[0]) < result.output.index(expected[-1])
    for suffix in ("gpkg", "csv", "geojson"):
        target = tmp_path / f"out.{suffix}"
        written = invoke("parcels", "find", "--municipality", "16051000", "--output", str(target))
        assert written.exit_code == 0 and target.exists()
    assert len(pyogrio.read_dataframe(tmp_path / "out.gpkg")) == 10
    assert len((tmp_path / "out.csv").read_text().strip().splitlines()) == 11
    bad = invoke("parcels", "find", "--output", str(tmp_path / "out.xlsx"))
    assert bad.exit_code == 1 and "unknown output format" in bad.output


@pytest.mark.parametrize("width", [50, 80, 250])
def test_a_table_too_wide_for_the_terminal_becomes_a_block_per_row(width: int, conn: Connection) -> None:
    """No parcel key, number or date is cut short ("16051000…"): a table that does not fit is shown as
    "heading  value" lines per row."""
    keys = conn.execute(text("SELECT flurstueckskennzeichen FROM core.parcels WHERE municipality_ags = '16051000' "
                             "AND valid_to IS NULL ORDER BY 1")).scalars().all()
    with pytest.MonkeyPatch.context() as terminal:
        terminal.setattr(cli.out, "width", width)
        shown = invoke("parcels", "find", "--municipality", "16051000")
    assert shown.exit_code == 0 and "…" not in shown.output
    assert all(key in shown.output for key in keys)
    assert max(len(line) for line in shown.output.splitlines()) <= width
    blocks = re.findall(r"── (\d+) / (\d+) ──", shown.output)
    if width == 250:
        assert not blocks and "┃ flurstueckskennzeichen" in shown.output
    else:
        assert blocks == [(str(i), str(len(keys))) for i in range(1, len(keys) + 1)]
        assert shown.output.count("official_area_m2") == len(keys)


@pytest.mark.parametrize("width", [80, 250])
def test_a_table_that_fits_without_its_lines_keeps_its_rows(width: int) -> None:
    """Ilmenau's sites at 80 columns: the framed table would cut "Technologiequartier" and "in_mobilisation";
    without the vertical lines it fits, row by row; a wide terminal gets the frame."""
    with pytest.MonkeyPatch.context() as terminal:
        terminal.setattr(cli.out, "width", width)
        shown = invoke("sites", "list", "--municipality", "16070029")
    assert shown.exit_code == 0 and "…" not in shown.output and "── 1 /" not in shown.output
    assert "Technologiequartier" in shown.output and "in_mobilisation" in shown.output
    assert max(len(line) for line in shown.output.splitlines()) <= width
    assert ("┃ id" in shown.output) == (width == 250) and ("│" in shown.output) == (width == 250)


def test_site_lifecycle_from_the_command_line(tmp_path: Path, conn: Connection) -> None:
    key = conn.execute(text("SELECT flurstueckskennzeichen FROM core.parcels WHERE municipality_ags = '16053000' "
                            "AND valid_to IS NULL ORDER BY 1 DESC LIMIT 1")).scalar_one()
    spec = tmp_path / "site.json"
    spec.write_text(json.dumps({"municipality_ags": "16053000", "name": "CLI-Brache", "kind": "brownfield",
                                "parcels": [key]}))
    created = invoke("sites", "create", str(spec))
    assert created.exit_code == 0, created.output
    site_id = int(created.output.split()[1])
    assert invoke("sites", "status", str(site_id), "assessed", "--reason", "geprüft").exit_code == 0
    change = tmp_path / "change.json"
    change.write_text(json.dumps({"name": "CLI-Brache Nord", "obstacles": ["contamination"]}))
    updated = invoke("sites", "update", str(site_id), str(change), "--reason", "Begehung")
    assert updated.exit_code == 0 and "(version 3)" in updated.output, updated.output
    shown = invoke("sites", "show", str(site_id))
    assert shown.exit_code == 0
    assert "CLI-Brache Nord" in shown.output and "contamination" in shown.output and key in shown.output
    assert "geprüft" in shown.output and "assessed" in shown.output              # the status move, with its reason
    assert conn.execute(text("SELECT reason FROM audit.log WHERE table_name = 'core.sites' AND row_key = :k "
                             "ORDER BY id DESC LIMIT 1"), {"k": str(site_id)}).scalar_one() == "Begehung"
    change.write_text(json.dumps({"name": 7}))
    wrong = invoke("sites", "update", str(site_id), str(change))
    assert wrong.exit_code == 1 and "change.json" in wrong.output and "name" in wrong.output
    assert "no site 999999" in invoke("sites", "show", "999999").output
    refused = invoke("sites", "status", str(site_id), "developed", "--reason", "zu früh")
    assert refused.exit_code == 1 and "not allowed" in refused.output
    assert invoke("sites", "retire", str(site_id), "--reason", "erledigt").exit_code == 0
    row = conn.execute(text("SELECT status, retired_reason, created_by FROM core.sites WHERE id = :i"),
                       {"i": site_id}).one()
    assert tuple(row) == ("assessed", "erledigt", "cli:tester")
    spec.write_text(json.dumps({"municipality_ags": "16053000", "name": "X", "kind": "castle", "parcels": [key]}))
    broken = invoke("sites", "create", str(spec))
    assert broken.exit_code == 1 and "site.json" in broken.output and "kind" in broken.output


def test_pool_and_vacancy_reports() -> None:
    held = invoke("pool", "holdings", "--municipality", "16053000", "--as-of", "2025-01-01", "--since", "2019-01-01")
    assert held.exit_code == 0 and "Flächenpool 16053000 am 01.01.2025" in held.output
    assert "┃ Flurstück" in held.output and re.search(r"\d\d\.\d\d\.\d{4} \((Kauf|Tausch|Vorkauf)\)", held.output)
    assert re.search(r"\d\.\d{3} m², Buchwert [\d.]+,\d\d €", held.output)     # German number format
    assert re.search(r"seit 01.01.2019: \+\d+ / -\d+ Flurstücke, [+-]\d", held.output)
    summary = invoke("vacancies", "summary", "--association", "thueringer-becken", "--districts")
    assert summary.exit_code == 0
    assert all(town in summary.output for town in ("Sömmerda", "Buttstädt", "Kindelbrück", "Straußfurt"))
    towns = invoke("vacancies", "summary", "--association", "thueringer-becken")     # one row a town, 80 columns
    assert "district" not in towns.output and "── 1 / 4" not in towns.output and "┃ municipality" in towns.output


def test_vacancies_recorded_listed_and_ended(tmp_path: Path, conn: Connection) -> None:
    building, ags = conn.execute(text(
        "SELECT b.id, b.municipality_ags FROM core.buildings b JOIN core.association_members a "
        "ON a.municipality_ags = b.municipality_ags AND a.association_id = 'thueringer-becken' "
        "WHERE b.valid_to IS NULL AND NOT EXISTS (SELECT 1 FROM core.vacancies v WHERE v.building_id = b.id) "
        "ORDER BY b.id LIMIT 1")).one()
    spec = tmp_path / "leerstand.json"
    spec.write_text(json.dumps({"municipality_ags": ags, "building_id": building, "building_type": "retail",
                                "address": "Marktstraße 1 (Test)", "vacant_since": "2019-05-01", "source": "survey"}))
    recorded = invoke("vacancies", "record", str(spec))
    assert recorded.exit_code == 0, recorded.output
    vacancy_id = int(recorded.output.split()[1])
    listed = invoke("vacancies", "list", "--association", "thueringer-becken")
    assert listed.exit_code == 0
    expected = conn.execute(text(
        "SELECT count(*) FROM core.vacancies v JOIN core.association_members a ON a.municipality_ags = v.municipality_ags "
        "AND a.association_id = 'thueringer-becken' WHERE v.vacant_since <= current_date "
        "AND (v.ended_on IS NULL OR v.ended_on > current_date)")).scalar_one()
    assert f"Leerstand: {expected} current" in listed.output and "Marktstraße 1 (Test)" in listed.output
    assert invoke("vacancies", "end", str(vacancy_id), "--date", "2018-01-01").exit_code == 1   # before it began
    ended = invoke("vacancies", "end", str(vacancy_id), "--date", "2026-06-30")
    assert ended.exit_code == 0 and "ended on 2026-06-30" in ended.output
    assert "Marktstraße 1 (Test)" not in invoke("vacancies", "list", "--municipality", ags).output
    spec.write_text(json.dumps({"municipality_ags": ags, "building_type": "retail", "vacant_since": "2019-05-01",
                                "source": "survey"}))
    unplaced = invoke("vacancies", "record", str(spec))
    assert unplaced.exit_code == 1 and "building_id or a location" in unplaced.output


def test_import_parcels_prints_what_it_did(conn: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    from contextlib import contextmanager

    from flaechenpool import cli
    from flaechenpool.settings import PROJECT_ROOT

    @contextmanager
    def connection(_settings: object) -> Iterator[Connection]:
        yield conn

    monkeypatch.setattr(cli, "_connection", connection)
    gpkg = PROJECT_ROOT / "data" / "parcels" / "erfurt_melchendorf_alkis.gpkg"
    result = invoke("import", "parcels", str(gpkg), "--municipality", "16051000")
    assert result.exit_code == 0, result.output
    # the demo holds these ten real parcels already (from the GML: two differ in their arcs' vertices)
    cells = [line.split("│")[1:-1] for line in result.output.splitlines() if line.startswith("│")]
    read, inserted, changed, unchanged, retired, repaired = (int(c) for c in cells[0])
    assert (read, inserted, retired, repaired) == (10, 0, 0, 0) and changed + unchanged == 10
    assert "initial load" not in result.output
    runs = conn.execute(text("SELECT count(*) FROM core.import_runs WHERE file_name = :f"), {"f": gpkg.name}).scalar()
    assert runs >= 1


def _floo_file(path: Path, rows: list[tuple[str | None, str | None, object]]) -> Path:
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"Kategorie": [r[0] for r in rows], "Bezeichnung": [r[1] for r in rows]},
                             geometry=[r[2] for r in rows], crs="EPSG:25832")
    frame.to_file(path, driver="GPKG")
    return path


def test_sites_import_from_a_floo_export(tmp_path: Path, conn: Connection) -> None:
    import shapely

    jena = [shapely.box(681100 + 100 * i, 5644000, 681160 + 100 * i, 5644050) for i in range(3)]
    before = conn.execute(text("SELECT count(*) FROM core.sites")).scalar_one()
    good = _floo_file(tmp_path / "floo.gpkg", [("Baulücke", "Lücke Teststraße 3", jena[0]),
                                               ("BRACHFLÄCHE", "Altes Lager", jena[1]),
                                               ("Leerstand in einem Gebäude", None, jena[2])])
    done = invoke("import", "sites", str(good), "--municipality", "16053000")
    assert done.exit_code == 0, done.output
    assert "3 created (brownfield 1, infill_gap 1, partial_vacancy 1)" in done.output
    rows = conn.execute(text("SELECT name, kind, status, source, round(area_m2) FROM core.sites "
                             "WHERE source = 'Import floo.gpkg' ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [
        ("Lücke Teststraße 3", "infill_gap", "identified", "Import floo.gpkg", 3000),
        ("Altes Lager", "brownfield", "identified", "Import floo.gpkg", 3000),
        ("Leerstand in einem Gebäude (Zeile 3)", "partial_vacancy", "identified", "Import floo.gpkg", 3000)]
    assert conn.execute(text("SELECT count(*) FROM audit.log WHERE table_name = 'core.sites' AND action = 'insert' "
                             "AND reason = 'import floo.gpkg'")).scalar_one() == 3

    for rows_, expected in (
            ([("Baulücke", "a", jena[0]), ("Schloss", "b", jena[1])], "feature 2, field 'Kategorie': unknown category"),
            ([("Baulücke", "a", jena[0]), ("Baulücke", "b", shapely.Point(681200, 5644100))],
             "feature 2, field 'geometry': geometry: an area is needed"),
            ([("Brachfläche", "c", shapely.box(600000, 5600000, 600050, 5600050))], "feature 1")):
        bad = _floo_file(tmp_path / "bad.gpkg", rows_)
        refused = invoke("import", "sites", str(bad), "--municipality", "16053000")
        assert refused.exit_code == 1 and "bad.gpkg" in refused.output and expected in refused.output, refused.output
        (tmp_path / "bad.gpkg").unlink()
    other = invoke("import", "sites", str(good), "--municipality", "16053000", "--kind-field", "typ")
    assert other.exit_code == 1 and "no field 'typ'" in other.output and "Kategorie" in other.output
    assert conn.execute(text("SELECT count(*) FROM core.sites")).scalar_one() == before + 3   # refusals stored nothing


def test_estates_listed_balanced_and_created(tmp_path: Path, conn: Connection) -> None:
    import shapely

    estate, name = conn.execute(text("SELECT id, name FROM core.estates WHERE municipality_ags = '16070029'")).one()
    net, free = conn.execute(text(     # independent of estates.balance: the sites' own areas
        "SELECT sum(area_m2) FILTER (WHERE status <> 'withdrawn') / 1e4, sum(area_m2) FILTER (WHERE status NOT IN "
        "('sold', 'developed', 'reserved', 'withdrawn')) / 1e4 FROM core.sites "
        "WHERE estate_id = :e AND retired_at IS NULL"), {"e": estate}).one()
    shown = invoke("estates", "balance", str(estate))
    assert shown.exit_code == 0 and name in shown.output
    lines = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in shown.output.splitlines()
             if line.count("│") == 3}
    assert lines["netto ha"] == f"{net:.3f}" and lines["frei ha"] == f"{free:.3f}"
    assert name in invoke("estates", "list", "--municipality", "16070029").output

    spec = tmp_path / "gewerbegebiet.json"
    outline = shapely.box(681100, 5644000, 681400, 5644300)          # 9 ha in Jena, EPSG:25832
    spec.write_text(json.dumps({"municipality_ags": "16053000", "name": "Gewerbegebiet Test",
                                "utilities": ["water", "electricity"], "geometry": shapely.geometry.mapping(outline)}))
    created = invoke("estates", "create", str(spec), "--crs", "EPSG:25832")
    assert created.exit_code == 0, created.output
    estate_id = int(created.output.split()[1])
    assert conn.execute(text("SELECT round(area_m2), utilities FROM core.estates WHERE id = :e"),
                        {"e": estate_id}).one() == (90000, ["water", "electricity"])
    refused = invoke("estates", "create", str(spec))                          # metres given as CRS84
    assert refused.exit_code == 1 and "no longitude/latitude" in refused.output


def test_site_photos_added_listed_and_removed(tmp_path: Path, conn: Connection) -> None:
    from PIL import Image

    site_id = conn.execute(text("SELECT id FROM core.sites WHERE name = 'Ehemaliges Porzellanwerk Ilmenau'")).scalar_one()
    Image.new("RGB", (40, 30), (90, 120, 80)).save(tmp_path / "werk.png")
    added = invoke("sites", "photo-add", str(site_id), str(tmp_path / "werk.png"), "--caption", "Das Werksgelände",
                   "--credit", "Stadt Ilmenau")
    assert added.exit_code == 0, added.output
    photo_id = conn.execute(text("SELECT id FROM core.site_photos WHERE site_id = :s"), {"s": site_id}).scalar_one()
    assert f"photo {photo_id} of site {site_id}: 40×30 image/png" in added.output
    listed = invoke("sites", "photos", str(site_id))
    assert "Das Werksgelände" in listed.output and "Stadt Ilmenau" in listed.output and "cli:tester" in listed.output
    (tmp_path / "notes.txt").write_text("kein Bild")
    for args, message, code in [
            ((str(tmp_path / "notes.txt"), "--caption", "Ein Bild", "--credit", "Ich"), "kein lesbares", 1),
            ((str(tmp_path / "gone.jpg"), "--caption", "Ein Bild", "--credit", "Ich"), "gone.jpg", 1),
            ((str(tmp_path / "werk.png"), "--caption", "x", "--credit", "Ich"), "--caption", 2)]:   # a usage error
        refused = invoke("sites", "photo-add", str(site_id), *args)
        assert refused.exit_code == code and message in refused.output, refused.output
    assert invoke("sites", "photo-remove", str(site_id), str(photo_id)).exit_code == 0
    assert "has no photos" in invoke("sites", "photos", str(site_id)).output


def test_preemption_cases_from_the_command_line(tmp_path: Path, conn: Connection) -> None:
    key = conn.execute(text(
        "SELECT flurstueckskennzeichen FROM core.parcels p WHERE municipality_ags = '16053000' AND valid_to IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM core.pool_transaction_parcels t WHERE t.flurstueckskennzeichen = "
        "p.flurstueckskennzeichen) ORDER BY 1 LIMIT 1")).scalar_one()
    notified = dt.date.today() - dt.timedelta(days=10)
    spec = tmp_path / "vorkauf.json"
    spec.write_text(json.dumps({"municipality_ags": "16053000", "file_reference": "VK-CLI-7", "legal_basis": "general",
                                "parcels": [key], "contract_date": "2024-01-05", "notified_on": notified.isoformat(),
                                "price_eur": 42000}))
    recorded = invoke("preemption", "record", str(spec))
    assert recorded.exit_code == 0, recorded.output
    case_id, deadline = conn.execute(text("SELECT id, deadline FROM core.preemption_cases WHERE file_reference = "
                                          "'VK-CLI-7'")).one()
    assert f"pre-emption case {case_id} recorded: deadline {deadline}" in recorded.output
    with pytest.MonkeyPatch.context() as terminal:
        terminal.setattr(cli.out, "width", 80)
        listed = invoke("preemption", "list", "--state", "open")
    assert listed.exit_code == 0 and "VK-CLI-7" in listed.output and key in listed.output and "offen" in listed.output
    assert "┃ Frist" in listed.output and "…" not in listed.output        # a table that fits 80 columns
    assert invoke("preemption", "list", "--state", "soon").exit_code == 2
    by_parcel = invoke("preemption", "list", "--parcel", key)
    assert by_parcel.exit_code == 0 and "VK-CLI-7" in by_parcel.output and "Vorkaufsrechtsfälle: 1" in by_parcel.output
    shown = invoke("preemption", "show", str(case_id))
    assert shown.exit_code == 0, shown.output
    assert f"Vorkaufsrechtsfall {case_id}: VK-CLI-7 (Jena)" in shown.output and "42.000,00 €" in shown.output
    assert "§ 24 BauGB" in shown.output and "Gemeindeeigentum daneben" in shown.output
    assert re.search(r"Bodenrichtwert .*€/m² \(Stichtag 01\.01\.2024\), illustrativ", shown.output)   # the demo's zones
    assert re.search(r"Bodenwert der Fläche .*€ \(Kaufpreis: das \d+,\d\d-Fache\)", shown.output)
    assert f"{deadline:%d.%m.%Y} (noch" in shown.output and str(deadline) not in shown.output      # German dates
    paper = invoke("preemption", "report", str(case_id), "--out", str(tmp_path / "vorlage.pdf"))
    assert paper.exit_code == 0 and "vorlage.pdf" in paper.output, paper.output
    assert (tmp_path / "vorlage.pdf").read_bytes().startswith(b"%PDF")
    assert invoke("preemption", "report", "999999", "--out", str(tmp_path / "x.pdf")).exit_code == 1
    decided = invoke("preemption", "decide", str(case_id), "exercised", "--price", "40000")
    assert decided.exit_code == 0, decided.output
    transaction = conn.execute(text("SELECT transaction_id FROM core.preemption_cases WHERE id = :i"),
                               {"i": case_id}).scalar_one()
    assert f"ausgeübt on {dt.date.today()}; land-pool transaction {transaction}" in decided.output
    assert conn.execute(text("SELECT kind, price_eur FROM core.pool_transactions WHERE id = :t"),
                        {"t": transaction}).one() == ("pre_emption", 40000)
    final = invoke("preemption", "decide", str(case_id), "waived")
    assert final.exit_code == 1 and "a decision is final" in final.output
    # or with options instead of a file; a bad option is named
    by_options = invoke("preemption", "record", "--municipality", "16053000", "--reference", "VK-CLI-9", "--parcel",
                        key, "--contract", "2024-01-05", "--notified", "2024-02-01", "--price", "99000", "--basis",
                        "statute")
    assert by_options.exit_code == 0, by_options.output
    statute = conn.execute(text("SELECT count(*) FROM ref.preemption_areas a JOIN core.parcels p ON ST_Intersects("
                                "a.geom, p.geom) WHERE p.flurstueckskennzeichen = :k AND p.valid_to IS NULL AND "
                                "a.kind LIKE 'statute%' AND ST_Area(ST_Intersection(a.geom, p.geom)) >= "
                                "0.001 * ST_Area(p.geom)"), {"k": key}).scalar_one()
    assert ("keine Vorkaufssatzung" in " ".join(by_options.output.split())) == (statute == 0)   # § 25 claimed
    assert conn.execute(text("SELECT legal_basis, price_eur, parcels FROM core.preemption_cases WHERE file_reference = "
                             "'VK-CLI-9'")).one() == ("statute", 99000, [key])
    wrong = invoke("preemption", "record", "--municipality", "16053000", "--reference", "VK-CLI-10", "--parcel",
                   key[:15], "--contract", "2024-01-05", "--notified", "2024-02-01")
    assert wrong.exit_code == 2 and "--parcel" in wrong.output and "Flurstückskennzeichen" in wrong.output
    assert invoke("preemption", "record", "--reference", "VK-CLI-11").exit_code == 2          # the rest missing
    broken = tmp_path / "kaputt.json"
    broken.write_text(json.dumps({"municipality_ags": "16053000", "file_reference": "VK-CLI-8", "legal_basis": "x",
                                  "parcels": [key], "contract_date": "2024-01-05", "notified_on": "2024-02-01"}))
    refused = invoke("preemption", "record", str(broken))
    assert refused.exit_code == 1 and "kaputt.json" in refused.output and "legal_basis" in refused.output


def test_import_layer_names_the_zones_left_out(conn: Connection, tmp_path: Path) -> None:
    from tests.test_import_layers import land_values_file

    path = land_values_file(tmp_path / "brw.gpkg", ["185,50", 0, 95], ["2024-01-01"] * 3)
    result = invoke("import", "layer", "land_values", str(path))
    assert result.exit_code == 0, result.output
    assert "land_values from brw.gpkg: read 3, inserted 2" in result.output
    assert "left out 1 features without a value" in result.output and ": 2" in result.output


def test_a_file_of_one_category_gets_its_kind_from_the_option(conn: Connection, tmp_path: Path) -> None:
    """A file of nature reserves (NSG) only: --kind gives every feature the kind; a kind it cannot read is named."""
    import geopandas as gpd
    from shapely.geometry import box

    from tests.test_import_layers import snapshot

    path = tmp_path / "nsg.gpkg"
    gpd.GeoDataFrame({"name": ["Kernberge", "Leutratal"]}, crs=25832,
                     geometry=[box(680000, 5645000, 680200, 5645200), box(680400, 5645000, 680600, 5645200)]
                     ).to_file(path)
    before = snapshot(conn, "ref.protected_areas")
    wrong = invoke("import", "layer", "protected_areas", str(path), "--kind", "Schlosspark")
    assert wrong.exit_code == 1 and "nsg.gpkg, field '--kind': unknown kind of protected area: 'Schlosspark'" in \
        " ".join(wrong.output.split())
    stations = invoke("import", "layer", "stations", str(path), "--kind", "NSG")
    assert stations.exit_code == 1 and "layer stations has no kind" in stations.output
    assert snapshot(conn, "ref.protected_areas") == before
    done = invoke("import", "layer", "protected_areas", str(path), "--kind", "Naturschutzgebiet")
    assert done.exit_code == 0 and "inserted 2" in done.output, done.output
    assert "read as: nature_reserve 2" in done.output                # what the words became, to check
    assert conn.execute(text("SELECT array_agg(DISTINCT kind) FROM ref.protected_areas WHERE source = "
                             "'Import nsg.gpkg'")).scalar_one() == ["nature_reserve"]
