"""Illustrative land-pool records that open data cannot have: sites, estates, zoning plans, a flood
zone, owners, pool transactions and vacancies. All invented, all stored with provenance 'illustrative';
names of invented people and companies end in "(fiktiv)".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from flaechenpool.demo.parcels import SOURCE
from flaechenpool.demo.reference import ILMENAU, JENA, THUERINGER_BECKEN

JENA_OFFICE = "Stadtverwaltung Jena, Fachdienst Stadtentwicklung – Flächenmanagement (Beispielkontakt)"
ILMENAU_OFFICE = "Stadtverwaltung Ilmenau, Wirtschaftsförderung (Beispielkontakt)"


def _site(conn: Connection, **values: object) -> int:
    """Insert one site whose geometry is the union of its parcels (or ``geom_sql``); link the parcels."""
    keys = values.pop("parcels")
    geom_sql = values.pop("geom_sql", None)
    values.setdefault("provenance", "illustrative")
    values.setdefault("source", SOURCE)
    columns = list(values)
    geom = geom_sql or (
        "(SELECT ST_Multi(ST_Union(geom)) FROM core.parcels "
        "WHERE flurstueckskennzeichen = ANY(CAST(:keys AS text[])) AND valid_to IS NULL)"
    )
    site_id = conn.execute(
        text(
            f"INSERT INTO core.sites ({', '.join(columns)}, geom) "
            f"VALUES ({', '.join(':' + c for c in columns)}, {geom}) RETURNING id"
        ),
        dict(values, keys=keys),
    ).scalar_one()
    if keys:
        conn.execute(
            text("INSERT INTO core.site_parcels (site_id, flurstueckskennzeichen) "
                 "SELECT :s, unnest(CAST(:keys AS text[]))"),
            {"s": site_id, "keys": keys},
        )
    return int(site_id)


def generate_reference(conn: Connection) -> None:
    """An illustrative flood zone along the Saale and zoning plans over real land use."""
    conn.execute(text(
        "INSERT INTO ref.flood_zones (name, kind, geom, provenance, source) "
        "SELECT 'Saale (illustrativ, 150 m um den Flusslauf)', 'hq100', "
        "ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Intersection(ST_Buffer(ST_Union(w.geom), 150), m.geom)), 3)), "
        "'illustrative', :src FROM ref.waterways w, core.municipalities m "
        "WHERE w.name = 'Saale' AND m.ags = :jena GROUP BY m.geom"),
        {"jena": JENA, "src": SOURCE + "; keine amtliche Überschwemmungsgebietskarte"})
    conn.execute(text(
        "INSERT INTO ref.zoning_plans (municipality_ags, plan_number, name, legal_status, in_force_since, "
        "land_use_type, geom, provenance, source) "
        "SELECT :jena, 'J-' || lpad(row_number() OVER (ORDER BY l.area_m2 DESC)::text, 2, '0'), "
        "'Bebauungsplan ' || coalesce(l.name, initcap(l.class) || ' ' || l.id) || ' (illustrativ)', 'in_force', "
        "date '1995-01-01' + (l.id % 9000)::int, CASE l.class WHEN 'industrial' THEN 'GI' WHEN 'commercial' "
        "THEN 'GE' ELSE 'WA' END, ST_Multi(ST_Buffer(l.geom, 0)), 'illustrative', :src "
        "FROM ref.land_use l JOIN core.municipalities m ON m.ags = :jena AND ST_Contains(m.geom, ST_PointOnSurface(l.geom)) "
        "WHERE l.category = 'landuse' AND l.class IN ('industrial', 'commercial', 'residential') "
        "AND l.area_m2 > 60000 ORDER BY l.area_m2 DESC LIMIT 12"),
        {"jena": JENA, "src": SOURCE})
    # land values (Bodenrichtwerte): one invented zone per district of Jena, dearer towards the centre, and one
    # for Ilmenau; real ones come from the expert committees (import layer land_values)
    conn.execute(text(
        "INSERT INTO ref.land_values (zone_number, name, value_eur_m2, reference_date, use, development_state, geom, "
        "provenance, source) "
        "SELECT 'J-' || lpad(row_number() OVER (ORDER BY d.name)::text, 3, '0'), d.name || ' (illustrativ)', "
        "greatest(60, round((420 - 0.045 * ST_Distance(ST_PointOnSurface(d.geom), c.p))::numeric, -1)), "
        "date '2024-01-01', CASE WHEN ST_Distance(ST_PointOnSurface(d.geom), c.p) < 1500 THEN 'M' ELSE 'W' END, 'B', "
        "ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Intersection(d.geom, m.geom)), 3)), 'illustrative', :src "
        "FROM core.districts d JOIN core.municipalities m ON m.ags = d.municipality_ags, "
        "(SELECT coalesce((SELECT ST_PointOnSurface(geom) FROM core.districts WHERE municipality_ags = :jena "
        "AND name = 'Jena-Zentrum' LIMIT 1), (SELECT ST_PointOnSurface(geom) FROM core.municipalities "
        "WHERE ags = :jena)) AS p) c "
        "WHERE d.municipality_ags = :jena AND ST_Area(ST_Intersection(d.geom, m.geom)) > 1"),
        {"jena": JENA, "src": SOURCE + "; keine amtlichen Bodenrichtwerte"})
    conn.execute(text(
        "INSERT INTO ref.land_values (zone_number, name, value_eur_m2, reference_date, use, development_state, geom, "
        "provenance, source) SELECT 'I-001', 'Ilmenau (illustrativ)', 55, date '2024-01-01', 'M', 'B', geom, "
        "'illustrative', :src FROM core.municipalities WHERE ags = :ilmenau"),
        {"ilmenau": ILMENAU, "src": SOURCE + "; keine amtlichen Bodenrichtwerte"})


def generate_ilmenau_sites(conn: Connection, areas: dict[str, list[str]]) -> dict[str, int]:
    """The former porcelain works (brownfield) and the technology quarter near the station."""
    tq = areas["technology_quarter"]
    estate = conn.execute(text(
        "INSERT INTO core.estates (municipality_ags, name, utilities, broadband_mbit, funding_programme, "
        "funding_lock_in_end, geom, provenance, source) SELECT :a, 'Technologiequartier am Bahnhof', "
        "ARRAY['water','sewage','electricity','gas'], 1000, 'GRW-Infrastruktur (Beispiel)', date '2031-12-31', "
        "ST_Multi(ST_Union(geom)), 'illustrative', :src FROM core.parcels "
        "WHERE flurstueckskennzeichen = ANY(CAST(:keys AS text[])) RETURNING id"),
        {"a": ILMENAU, "keys": tq, "src": SOURCE}).scalar_one()
    conn.execute(text(
        "INSERT INTO ref.zoning_plans (municipality_ags, plan_number, name, legal_status, in_force_since, "
        "land_use_type, geom, provenance, source) SELECT :a, 'IL-17', 'Bebauungsplan Technologiequartier am "
        "Bahnhof (illustrativ)', 'in_force', date '2019-06-01', 'GE', geom, 'illustrative', :src "
        "FROM core.estates WHERE id = :e"), {"a": ILMENAU, "e": estate, "src": SOURCE})
    statuses = ["marketed", "marketed", "reserved", "marketed", "sold", "marketed", "in_mobilisation", "marketed"]
    uses = [["office", "commercial"], ["commercial"], ["industrial", "commercial"], ["office"], ["commercial"],
            ["mixed", "office"], ["industrial"], ["commercial", "office"]]
    ids = {}
    for i in range(min(len(tq) // 2, len(statuses))):
        status = statuses[i]
        ids[f"tq{i + 1}"] = _site(
            conn, municipality_ags=ILMENAU, name=f"Technologiequartier am Bahnhof, Baufeld {i + 1}",
            kind="commercial_land", status=status, owner_contact="municipal_property",
            planning_law="s30_zoning_plan", land_use_type="GE", intended_uses=uses[i],
            availability="immediate" if status == "marketed" else "within_1_year",
            asking_price_eur_m2=[38, 42, 45, 55, 40, 48, 35, 44][i],
            utilities=["water", "sewage", "electricity", "gas"], broadband_mbit=1000, estate_id=estate,
            published=status in ("marketed", "reserved"), publication_basis="municipal_property",
            public_description="Voll erschlossenes Gewerbegrundstück in Bahnhofsnähe (Beispieldaten).",
            contact_office=ILMENAU_OFFICE, parcels=tq[2 * i: 2 * i + 2])
    ids["porcelain"] = _site(
        conn, municipality_ags=ILMENAU, name="Ehemaliges Porzellanwerk Ilmenau",
        kind="brownfield", status="marketed", owner_contact="municipal_property",
        planning_law="s34_inner_area", land_use_type="MU", intended_uses=["mixed", "office", "commercial"],
        obstacles=["contamination", "heritage", "demolition"], availability="within_1_year",
        available_from=dt.date(2027, 7, 1), asking_price_eur_m2=25, utilities=["water", "sewage", "electricity"],
        broadband_mbit=250, published=True, publication_basis="municipal_property",
        description="Brachliegendes Werksgelände; Altlastenverdacht (Glasuren, Brennöfen); Fabrikhalle denkmalgeschützt. "
                    "Lage, Zuschnitt und Angaben sind illustrativ.",
        public_description="Ehemaliges Werksgelände mit denkmalgeschützter Fabrikhalle, zur Revitalisierung "
                           "(Beispieldaten, Lage illustrativ).",
        contact_office=ILMENAU_OFFICE, parcels=areas["porcelain_works"])
    return ids


def generate_jena_sites(conn: Connection, rng: np.random.Generator) -> dict[str, list[int]]:
    """A brownfield on the real OSM brownfield polygon, the OSM greenfield as commercial land,
    infill gaps (unbuilt residential lots with built neighbours) and underused commercial lots."""
    ids: dict[str, list[int]] = {"brownfield": [], "commercial_land": [], "infill_gap": [], "underused": []}
    for cls, kind in (("brownfield", "brownfield"), ("greenfield", "commercial_land")):
        keys = list(conn.execute(text(
            "SELECT p.flurstueckskennzeichen FROM core.parcels p JOIN ref.land_use l ON l.class = :c "
            "AND ST_Contains(l.geom, ST_PointOnSurface(p.geom)) WHERE p.municipality_ags = :a AND p.valid_to IS NULL"),
            {"c": cls, "a": JENA}).scalars())
        if not keys:
            continue
        published = kind == "commercial_land"
        district = conn.execute(text(
            "SELECT d.name FROM core.districts d JOIN core.parcels p ON ST_Intersects(d.geom, "
            "ST_PointOnSurface(p.geom)) WHERE p.flurstueckskennzeichen = :k LIMIT 1"), {"k": keys[0]}).scalar()
        ids[kind].append(_site(
            conn, municipality_ags=JENA, name=("Abbruchfläche " if kind == "brownfield" else "Gewerbefläche ")
            + (district or "Jena"),
            kind=kind, status="marketed" if published else "assessed", planning_law="s34_inner_area",
            intended_uses=["commercial", "office"] if published else ["mixed"],
            obstacles=["demolition"] if kind == "brownfield" else [], availability="within_3_years",
            published=published, publication_basis="owner_consent" if published else None,
            asking_price_eur_m2=95 if published else None, contact_office=JENA_OFFICE,
            public_description="Gewerbefläche im Stadtgebiet (Beispieldaten auf einer OSM-Fläche)." if published else None,
            parcels=keys))
    gaps = conn.execute(text(
        "SELECT p.flurstueckskennzeichen FROM core.parcels p WHERE p.municipality_ags = :a AND p.valid_to IS NULL "
        "AND p.land_use = 'Wohnbaufläche' AND p.area_m2 > 450 "
        "AND NOT EXISTS (SELECT 1 FROM core.buildings b WHERE b.valid_to IS NULL AND ST_Intersects(b.geom, p.geom)) "
        "AND (SELECT count(*) FROM core.parcels n JOIN core.buildings b ON ST_Intersects(b.geom, n.geom) "
        "     WHERE n.valid_to IS NULL AND b.valid_to IS NULL AND ST_Touches(n.geom, p.geom)) >= 2 "
        "ORDER BY p.flurstueckskennzeichen LIMIT 40"), {"a": JENA}).scalars().all()
    for i, key in enumerate(gaps[::5][:8]):
        objection = i in (2, 5)
        ids["infill_gap"].append(_site(
            conn, municipality_ags=JENA, name=f"Baulücke {key[2:6]}-{int(key[6:9])}-{int(key[9:14])}",
            kind="infill_gap", status=["identified", "assessed", "in_mobilisation"][i % 3],
            owner_contact=["not_contacted", "contacted", "willing_to_sell", "not_willing"][i % 4],
            planning_law="s34_inner_area", land_use_type="WA", intended_uses=["residential"],
            availability="within_3_years", owner_objection_200_3=objection, published=False, parcels=[key]))
    underused = conn.execute(text(
        "SELECT p.flurstueckskennzeichen FROM core.parcels p JOIN core.buildings b ON b.valid_to IS NULL "
        "AND ST_Intersects(b.geom, p.geom) "
        "WHERE p.municipality_ags = :a AND p.valid_to IS NULL AND p.land_use = 'Industrie- und Gewerbefläche' "
        "GROUP BY p.flurstueckskennzeichen, p.area_m2 HAVING sum(b.footprint_m2) < 0.2 * p.area_m2 "
        "ORDER BY p.flurstueckskennzeichen LIMIT 3"), {"a": JENA}).scalars().all()
    for key in underused:
        ids["underused"].append(_site(
            conn, municipality_ags=JENA, name=f"Untergenutzte Gewerbefläche {key[9:14].lstrip('0')}",
            kind="underused", status="identified", planning_law="s30_zoning_plan", intended_uses=["commercial"],
            obstacles=["ownership"], parcels=[key]))
    return ids


def generate_owners_and_pool(conn: Connection, rng: np.random.Generator, ilmenau: dict[str, list[str]]) -> dict[str, int]:
    """Invented owners for the illustrative parcels and the land-pool transactions of Jena and Ilmenau."""
    def party(kind: str, category: str, name: str, address: str | None = None) -> int:
        return int(conn.execute(text(
            "INSERT INTO personal.parties (kind, category, name, address, provenance, source) "
            "VALUES (:k, :c, :n, :addr, 'illustrative', :s) RETURNING id"),
            {"k": kind, "c": category, "n": name, "addr": address, "s": SOURCE}).scalar_one())

    party("public_body", "municipality", "Stadt Jena")
    ilm = party("public_body", "municipality", "Stadt Ilmenau")
    publics = {"state": party("public_body", "state", "Freistaat Thüringen"),
               "federal": party("public_body", "federal", "Bundesanstalt für Immobilienaufgaben (Beispiel)"),
               "church": party("organisation", "church", "Kirchgemeinde (fiktiv)")}
    persons = [party("person", "private_person", f"Beispiel-Eigentümer/in {i:03d} (fiktiv)",
                     f"Musterweg {i}, 07743 Jena (fiktiv)") for i in range(1, 121)]
    companies = [party("organisation", "private_company", f"Beispiel Grundbesitz {i:02d} GmbH (fiktiv)",
                       f"Beispielstraße {i}, 99084 Erfurt (fiktiv)") for i in range(1, 21)]
    keys = conn.execute(text("SELECT flurstueckskennzeichen, municipality_ags, official_area_m2, land_use "
                             "FROM core.parcels WHERE provenance = 'illustrative' AND valid_to IS NULL "
                             "ORDER BY flurstueckskennzeichen")).all()
    municipal = set(ilmenau["technology_quarter"]) | set(ilmenau["porcelain_works"])
    ownership = []
    for key, _ags, _, _ in keys:
        if key in municipal:
            owner = ilm
        else:
            r = rng.random()
            owner = (persons[int(rng.integers(len(persons)))] if r < 0.7 else
                     companies[int(rng.integers(len(companies)))] if r < 0.9 else
                     publics[str(rng.choice(list(publics)))])
        ownership.append({"k": key, "p": owner, "f": dt.date(1991, 1, 1) + dt.timedelta(days=int(rng.integers(0, 11000)))})
    conn.execute(text("INSERT INTO personal.ownership (flurstueckskennzeichen, party_id, valid_from, provenance, source) "
                      "VALUES (:k, :p, :f, 'illustrative', :s)"), [dict(o, s=SOURCE) for o in ownership])

    def transaction(ags: str, kind: str, day: dt.date, counterparty: int, price: float | None,
                    parcels: list[tuple[str, str, float]], lease_end: dt.date | None = None) -> int:
        tid = int(conn.execute(text(
            "INSERT INTO core.pool_transactions (municipality_ags, kind, contract_date, effective_date, lease_end, "
            "price_eur, counterparty_id, file_reference, provenance, source) VALUES (:a, :k, :d, :e, :le, :p, :c, :f, "
            "'illustrative', :s) RETURNING id"),
            {"a": ags, "k": kind, "d": day, "e": day + dt.timedelta(days=60), "le": lease_end, "p": price,
             "c": counterparty, "f": f"FP-{day.year}-{kind[:3].upper()}-{int(rng.integers(100, 999))}",
             "s": SOURCE}).scalar_one())
        conn.execute(text("INSERT INTO core.pool_transaction_parcels (transaction_id, flurstueckskennzeichen, "
                          "direction, area_m2, book_value_eur) VALUES (:t, :k, :d, :a, :b)"),
                     [{"t": tid, "k": k, "d": d, "a": a, "b": round(a * (35 if d != "dispose" else 0), 2) or None}
                      for k, d, a in parcels])
        return tid

    # Ilmenau bought the porcelain works and the technology quarter land.
    porcelain = [(k, "acquire", _area(keys, k)) for k in ilmenau["porcelain_works"]]
    transaction(ILMENAU, "purchase", dt.date(2020, 3, 12), companies[0], sum(a for *_, a in porcelain) * 12.0, porcelain)
    quarter = [(k, "acquire", _area(keys, k)) for k in ilmenau["technology_quarter"]]
    transaction(ILMENAU, "purchase", dt.date(2018, 9, 3), publics["state"], sum(a for *_, a in quarter) * 18.0, quarter)

    # Jena: purchases over the years, a sale, an exchange, a pre-emption and a lease.
    jena_keys = [k for k, ags, _, use in keys if ags == JENA and use == "Wohnbaufläche"]
    picks = [jena_keys[int(i)] for i in rng.choice(len(jena_keys), size=14, replace=False)]
    n = 0
    for year in range(2017, 2025):
        bought = [(picks[n], "acquire", _area(keys, picks[n]))]
        n += 1
        transaction(JENA, "purchase", dt.date(year, int(rng.integers(1, 12)), 15), persons[n],
                    round(bought[0][2] * float(rng.uniform(180, 320)), 2), bought)
    transaction(JENA, "sale", dt.date(2024, 6, 20), companies[3], round(_area(keys, picks[0]) * 340, 2),
                [(picks[0], "dispose", _area(keys, picks[0]))])
    transaction(JENA, "exchange", dt.date(2023, 2, 1), persons[30], None,
                [(picks[1], "dispose", _area(keys, picks[1])), (picks[9], "acquire", _area(keys, picks[9]))])
    exercised = transaction(JENA, "pre_emption", dt.date(2022, 10, 5), companies[5],
                            round(_area(keys, picks[10]) * 260, 2), [(picks[10], "acquire", _area(keys, picks[10]))])
    preemption_cases(conn, exercised, picks[10], [k for k in jena_keys if k not in picks])
    transaction(JENA, "lease_in", dt.date(2021, 4, 1), persons[40], 1200.0,
                [(picks[11], "lease_in", _area(keys, picks[11]))], lease_end=dt.date(2031, 3, 31))
    return {"parties": len(persons) + len(companies) + 5, "ownership": len(ownership)}


def preemption_cases(conn: Connection, exercised: int, exercised_key: str, free_keys: list[str]) -> None:
    """Jena's pre-emption cases: the one that became the pool's pre-emption of 2022, one without a right
    (Negativzeugnis) and two open ones whose deadlines run from the day the demo is loaded (one due soon).
    A generator of their own keeps the rest of the demo as it was."""
    rng = np.random.default_rng(2022)
    today = dt.date.today()
    free = [free_keys[int(i)] for i in rng.choice(len(free_keys), size=3, replace=False)]
    cases = [
        ("DEMO-VK-2022-014", "statute", [exercised_key], dt.date(2022, 7, 28), dt.date(2022, 8, 9), 260.0,
         "exercised", dt.date(2022, 10, 5), exercised),
        ("DEMO-VK-2025-031", "general", [free[0]], dt.date(2025, 3, 3), dt.date(2025, 3, 12), 210.0,
         "no_right", dt.date(2025, 3, 20), None),
        ("DEMO-VK-2026-007", "statute", [free[1]], today - dt.timedelta(days=90), today - dt.timedelta(days=80),
         195.0, None, None, None),
        ("DEMO-VK-2026-009", "general", [free[2]], today - dt.timedelta(days=20), today - dt.timedelta(days=12),
         240.0, None, None, None),
    ]
    conn.execute(text(
        "INSERT INTO core.preemption_cases (municipality_ags, file_reference, legal_basis, parcels, contract_date, "
        "notified_on, price_eur, decision, decided_on, decided_by, transaction_id, notes, provenance, created_by) "
        "SELECT :m, :ref, :basis, :parcels, :contract, :notified, round((sum(p.official_area_m2) * :per_m2)::numeric, 2), "
        "CAST(:decision AS text), :decided, CASE WHEN CAST(:decision AS text) IS NOT NULL THEN 'demo' END, :t, "
        "'Beispieldaten (illustrativ): kein realer Kaufvertrag', 'illustrative', 'demo' "
        "FROM core.parcels p WHERE p.flurstueckskennzeichen = ANY(:parcels) AND p.valid_to IS NULL"),
        [{"m": JENA, "ref": ref, "basis": basis, "parcels": parcels, "contract": contract, "notified": notified,
          "per_m2": per_m2, "decision": decision, "decided": decided, "t": t}
         for ref, basis, parcels, contract, notified, per_m2, decision, decided, t in cases])
    # the pre-emption statute (§ 25 (1) no. 2 BauGB) the statute cases rest on: the districts that hold them
    conn.execute(text(
        "INSERT INTO ref.preemption_areas (municipality_ags, name, kind, in_force_since, geom, provenance, source) "
        "SELECT :m, 'Vorkaufssatzung ' || d.name || ' (illustrativ)', 'statute_measures', date '2019-05-01', "
        "ST_Multi(ST_CollectionExtract(ST_MakeValid(d.geom), 3)), 'illustrative', :src FROM core.districts d "
        "WHERE d.municipality_ags = :m AND EXISTS (SELECT 1 FROM core.parcels p WHERE p.flurstueckskennzeichen = "
        "ANY(:keys) AND p.valid_to IS NULL AND ST_Contains(d.geom, ST_PointOnSurface(p.geom)))"),
        {"m": JENA, "keys": [k for _, basis, parcels, *_ in cases if basis == "statute" for k in parcels],
         "src": SOURCE + "; keine amtliche Satzung"})
    # and Ilmenau's redevelopment area (§ 24 (1) no. 3 BauGB) around the former porcelain works
    conn.execute(text(
        "INSERT INTO ref.preemption_areas (municipality_ags, name, kind, in_force_since, geom, provenance, source) "
        "SELECT s.municipality_ags, 'Sanierungsgebiet Porzellanwerk (illustrativ)', 'redevelopment', "
        "date '2021-03-15', ST_Multi(ST_Buffer(s.geom, 80, 'quad_segs=2')), 'illustrative', :src "
        "FROM core.sites s WHERE s.name = 'Ehemaliges Porzellanwerk Ilmenau'"),
        {"src": SOURCE + "; keine amtliche Satzung"})


def _area(rows: Iterable[Sequence[Any]], key: str) -> float:
    return next(float(a) for k, _, a, _ in rows if k == key)


def generate_vacancies(conn: Connection, rng: np.random.Generator, buildings: dict[str, list[int]]) -> int:
    """Vacancy records for the shared register of the Thüringer Becken towns and the porcelain works."""
    rows = []
    for ags, ids in buildings.items():
        chosen = rng.choice(ids, size=max(3, len(ids) // 9), replace=False)
        for bid in chosen:
            since = dt.date(2012, 1, 1) + dt.timedelta(days=int(rng.integers(0, 4700)))
            ended = since + dt.timedelta(days=int(rng.integers(200, 1500))) if rng.random() < 0.15 else None
            rows.append({
                "a": ags, "b": int(bid), "t": str(rng.choice(["residential", "residential", "mixed", "retail", "commercial"])),
                "sc": "whole_building" if rng.random() < 0.7 else "partial", "since": since,
                "ended": ended if ended and ended < dt.date(2026, 11, 1) else None,
                "src": str(rng.choice(["survey", "utility_meter", "registration_office", "owner_report"])),
                "addr": f"{THUERINGER_BECKEN[ags]}, Beispielgasse {int(rng.integers(1, 80))} (fiktiv)",
            })
    conn.execute(text(
        "INSERT INTO core.vacancies (municipality_ags, building_id, address, building_type, scope, vacant_since, "
        "ended_on, source, geom, provenance, data_source) SELECT :a, b.id, :addr, :t, :sc, :since, :ended, :src, "
        "ST_PointOnSurface(b.geom), 'illustrative', :s FROM core.buildings b WHERE b.id = :b"),
        [dict(r, s=SOURCE) for r in rows])
    porcelain = conn.execute(text(
        "INSERT INTO core.vacancies (municipality_ags, building_id, address, building_type, scope, vacant_since, "
        "source, geom, provenance, data_source) SELECT b.municipality_ags, b.id, 'Ehemaliges Porzellanwerk (illustrativ)', "
        "'industrial', 'whole_building', date '2013-04-01', 'survey', ST_PointOnSurface(b.geom), 'illustrative', :s "
        "FROM core.buildings b JOIN core.sites s ON s.name = 'Ehemaliges Porzellanwerk Ilmenau' "
        "AND b.valid_to IS NULL AND ST_Intersects(s.geom, b.geom)"), {"s": SOURCE}).rowcount
    return len(rows) + porcelain
