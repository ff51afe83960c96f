"""The collections Flächenpool publishes through OGC API – Features and Tiles (German titles).

Anonymous callers see collections with ``min_role="public"`` and their public fields; planners
see every layer without personal data; the database role of the request enforces the same.
"""

from __future__ import annotations

from flaechenpool.analysis.profiles import CRITERIA, KINDS
from flaechenpool.db import load_sql
from flaechenpool.features.registry import Collection, Property, Registry
from flaechenpool.preemption import DUE_DAYS
from flaechenpool.projects import KINDS as PROJECT_KINDS
from flaechenpool.projects import STATUSES as PROJECT_STATUSES

P = Property
PROVENANCE = P("provenance", "string", "Herkunft", "official, open_data, illustrative (Demo) oder user",
               enum=("official", "open_data", "illustrative", "user"))
SOURCE = P("source", "string", "Quelle")
AGS = P("municipality_ags", "string", "Gemeindeschlüssel (AGS)")
ID = P("id", "integer", "Kennung")
KIND_SITE = ("brownfield", "infill_gap", "commercial_land", "vacant_building", "partial_vacancy", "underused",
             "old_farmstead", "residual_use")
STATUS_SITE = ("identified", "assessed", "in_mobilisation", "marketed", "reserved", "sold", "developed", "withdrawn")
PLANNER = "planner"


def _ref(cid: str, table: str, title: str, description: str, geometry: str, props: tuple[Property, ...],
         *, id_prop: Property = ID, min_zoom: int = 0, temporal: tuple[str, str | None] | None = None,
         provenance: bool = True) -> Collection:
    """A reference layer: open to everyone, id + fields + provenance (where recorded) and source."""
    tail = (PROVENANCE, SOURCE) if provenance else (SOURCE,)
    return Collection(cid, title, description, table, id_prop.name, geometry, (id_prop, *props, *tail),
                      (table,), min_zoom=min_zoom, temporal=temporal, keywords=("Referenzdaten",))


SITES = Collection(
    "sites", "Potenzialflächen",
    "Brachflächen, Baulücken, Gewerbeflächen, Leerstand und untergenutzte Flächen mit Mobilisierungsstand. "
    "Ohne Anmeldung: nur veröffentlichte Flächen mit öffentlichen Angaben.",
    "core.sites", "id", "MultiPolygon",
    (
        ID,
        P("municipality_ags", "string", "Gemeindeschlüssel (AGS)", "Beim Anlegen nötig, danach fest", writable=True),
        P("name", "string", "Bezeichnung", writable=True),
        P("kind", "string", "Flächenart", enum=KIND_SITE, writable=True),
        P("status", "string", "Mobilisierungsstand", "Ändern über /api/sites/{id}/status (Workflow)", enum=STATUS_SITE),
        P("planning_law", "string", "Planungsrecht (BauGB)", writable=True,
          enum=("s30_zoning_plan", "s33_plan_in_preparation", "s34_inner_area", "s35_outer_area", "unknown")),
        P("land_use_type", "string", "Art der baulichen Nutzung (XPlanung)", writable=True),
        P("intended_uses", "array", "Vorgesehene Nutzungen", writable=True),
        P("availability", "string", "Verfügbarkeit", writable=True,
          enum=("immediate", "within_1_year", "within_3_years", "later", "unknown")),
        P("available_from", "date", "Verfügbar ab", writable=True),
        P("asking_price_eur_m2", "number", "Kaufpreisvorstellung (€/m²)", writable=True),
        P("utilities", "array", "Erschließung", writable=True),
        P("broadband_mbit", "integer", "Breitband (Mbit/s)", writable=True),
        P("estate_id", "integer", "Gewerbegebiet", writable=True),
        P("public_description", "string", "Öffentliche Beschreibung", writable=True),
        P("contact_office", "string", "Ansprechstelle", writable=True),
        P("area_m2", "number", "Fläche (m²)"),
        P("version", "integer", "Version (ETag)"),
        P("updated_at", "date-time", "Zuletzt geändert"),
        P("owner_contact", "string", "Eigentümeransprache", min_role=PLANNER, writable=True,
          enum=("not_contacted", "contacted", "willing_to_sell", "willing_to_develop", "not_willing", "owner_unknown",
                "municipal_property")),
        P("obstacles", "array", "Hemmnisse", min_role=PLANNER, writable=True),
        P("published", "boolean", "Veröffentlicht", min_role=PLANNER, writable=True),
        P("publication_basis", "string", "Grundlage der Veröffentlichung", min_role=PLANNER, writable=True,
          enum=("owner_consent", "municipal_property", "section_200_3")),
        P("owner_objection_200_3", "boolean", "Widerspruch nach § 200 Abs. 3 BauGB", min_role=PLANNER, writable=True),
        P("description", "string", "Interne Beschreibung", min_role=PLANNER, writable=True),
        P("created_at", "date-time", "Erfasst am", min_role=PLANNER),
        P("created_by", "string", "Erfasst von", min_role=PLANNER),
        PROVENANCE,
        SOURCE,
    ),
    ("core.sites", "core.site_parcels"),
    where="t.retired_at IS NULL", public_where="t.published",
    temporal=("updated_at", None), writable=True, keywords=("Flächenmanagement", "FLOO"),
)

PARCELS = Collection(
    "parcels", "Flurstücke",
    "Aktuelle Flurstücke (ALKIS); mit datetime der Stand zu einem Zeitpunkt aus der Historie.",
    "core.parcels", "flurstueckskennzeichen", "MultiPolygon",
    (
        P("flurstueckskennzeichen", "string", "Flurstückskennzeichen"),
        P("gemarkung_key", "string", "Gemarkung (Land + Nummer)"),
        P("flur", "integer", "Flur"),
        P("numerator", "integer", "Flurstücksnummer (Zähler)"),
        P("denominator", "integer", "Flurstücksnummer (Nenner)"),
        AGS,
        P("official_area_m2", "number", "Amtliche Fläche (m²)"),
        P("area_m2", "number", "Geometrische Fläche (m²)"),
        P("land_use", "string", "Tatsächliche Nutzung"),
        P("land_use_detail", "string", "Nutzung mit Flächenanteilen"),
        P("address", "string", "Lagebezeichnung"),
        P("valid_from", "date-time", "Gültig seit"),
        P("valid_to", "date-time", "Gültig bis"),
        PROVENANCE,
        SOURCE,
    ),
    ("core.parcels",),
    current_where="t.valid_to IS NULL", temporal=("valid_from", "valid_to"), min_zoom=13, keywords=("ALKIS",),
)

POOL_HOLDINGS = Collection(
    "pool_holdings", "Flächenpool (Bestand)",
    "Flurstücke im Eigentum der Gemeinde, je Besitzzeitraum (Erwerb bis Veräußerung); datetime=Stichtag "
    "liefert den Bestand an diesem Tag. Ohne Vertragspartner (personenbezogen).",
    "(" + load_sql("ogc/pool_holdings").strip().rstrip(";") + ")", "holding_id", "MultiPolygon",
    (
        P("holding_id", "string", "Kennung (Vorgang_Flurstück)"),
        P("flurstueckskennzeichen", "string", "Flurstückskennzeichen"),
        AGS,
        P("transaction_id", "integer", "Vorgang"),
        P("acquired_by", "string", "Erwerbsart", enum=("purchase", "exchange", "pre_emption")),
        P("held_from", "date", "Im Bestand seit"),
        P("held_until", "date", "Im Bestand bis"),
        P("area_m2", "number", "Fläche (m²)"),
        P("book_value_eur", "number", "Buchwert (€)"),
        P("land_use", "string", "Tatsächliche Nutzung"),
    ),
    ("core.pool_transactions", "core.pool_transaction_parcels", "core.parcels"),
    min_role=PLANNER, temporal=("held_from", "held_until"), keywords=("Flächenpool",),
)

VACANCIES = Collection(
    "vacancies", "Leerstand",
    "Gemeinsames Leerstandskataster des Gemeindeverbunds (Gebäude-Leerstand).",
    "core.vacancies", "id", "Point",
    (
        ID, AGS,
        P("building_id", "integer", "Gebäude"),
        P("address", "string", "Adresse"),
        P("building_type", "string", "Gebäudeart",
          enum=("residential", "commercial", "retail", "mixed", "industrial", "agricultural", "public", "other")),
        P("scope", "string", "Umfang", enum=("whole_building", "partial")),
        P("vacant_units", "integer", "Leere Einheiten"),
        P("total_units", "integer", "Einheiten gesamt"),
        P("vacant_since", "date", "Leer seit"),
        P("ended_on", "date", "Leerstand beendet am"),
        P("source", "string", "Erhebungsquelle"),
        P("notes", "string", "Bemerkungen"),
        P("updated_at", "date-time", "Zuletzt geändert"),
        PROVENANCE,
        P("data_source", "string", "Quelle"),
    ),
    ("core.vacancies",), min_role=PLANNER, temporal=("vacant_since", "ended_on"), keywords=("Leerstand",),
)

BUILDINGS = Collection(
    "buildings", "Gebäude", "Gebäudegrundrisse (ALKIS / Hausumringe), aktueller Stand; mit datetime historisch.",
    "core.buildings", "id", "MultiPolygon",
    (ID, AGS, P("alkis_id", "string", "ALKIS-Kennung"), P("function", "string", "Gebäudefunktion"),
     P("floors", "integer", "Geschosse"), P("address", "string", "Lagebezeichnung"),
     P("footprint_m2", "number", "Grundfläche (m²)"), P("valid_from", "date-time", "Gültig seit"),
     P("valid_to", "date-time", "Gültig bis"), PROVENANCE, SOURCE),
    ("core.buildings",), min_role=PLANNER, current_where="t.valid_to IS NULL", temporal=("valid_from", "valid_to"),
    min_zoom=14,
)

MUNICIPALITIES = Collection(
    "municipalities", "Gemeindegrenzen", "Gemeinden mit Amtlichem Gemeindeschlüssel (AGS).",
    "core.municipalities", "ags", "MultiPolygon",
    (P("ags", "string", "Gemeindeschlüssel (AGS)"), P("name", "string", "Gemeinde"), P("kind", "string", "Art"),
     P("county", "string", "Landkreis"), PROVENANCE, SOURCE),
    ("core.municipalities",), keywords=("Verwaltungsgrenzen",),
)

DISTRICTS = Collection(
    "districts", "Ortsteile", "Ortsteile und Stadtteile.", "core.districts", "id", "MultiPolygon",
    (ID, AGS, P("name", "string", "Ortsteil"), PROVENANCE, SOURCE), ("core.districts",),
    keywords=("Verwaltungsgrenzen",),
)

ESTATES = Collection(
    "estates", "Gewerbegebiete", "Gewerbegebiete mit Erschließung, Breitband und Förderbindung.",
    "core.estates", "id", "MultiPolygon",
    (ID, AGS, P("name", "string", "Gewerbegebiet"), P("utilities", "array", "Erschließung"),
     P("broadband_mbit", "integer", "Breitband (Mbit/s)"), P("funding_programme", "string", "Förderprogramm"),
     P("funding_lock_in_end", "date", "Ende der Zweckbindung"), P("area_m2", "number", "Fläche (m²)"),
     PROVENANCE, SOURCE),
    ("core.estates",),
)

NAME = P("name", "string", "Name")
REFERENCE = (
    _ref("stations", "ref.stations", "Bahnhöfe", "Bahnhöfe und Haltepunkte (DB Station&Service).", "Point",
         (NAME, P("ds100", "string", "DS100"), P("traffic", "string", "Verkehr"),
          P("operator_name", "string", "Betreiber")),
         id_prop=P("eva_nr", "string", "EVA-Nummer")),
    _ref("transit_stops", "ref.transit_stops", "Haltestellen", "Haltestellen des ÖPNV.", "Point",
         (P("kind", "string", "Art"), NAME)),
    _ref("transit_routes", "ref.transit_routes", "ÖPNV-Linien", "Linien des ÖPNV (Straßenbahn).", "MultiLineString",
         (P("ref", "string", "Linie"), NAME)),
    _ref("flood_zones", "ref.flood_zones", "Überschwemmungsgebiete", "Festgesetzte Überschwemmungsgebiete.",
         "MultiPolygon", (NAME, P("kind", "string", "Art", enum=("hq_frequent", "hq100", "hq_extreme")))),
    _ref("protected_areas", "ref.protected_areas", "Schutzgebiete", "Naturschutz-, FFH- und Vogelschutzgebiete.",
         "MultiPolygon", (NAME, P("kind", "string", "Schutzgebietsart"), P("external_id", "string", "Kennung"))),
    _ref("zoning_plans", "ref.zoning_plans", "Bebauungspläne",
         "Geltungsbereiche mit Art der baulichen Nutzung (XPlanung).", "MultiPolygon",
         (AGS, P("plan_number", "string", "Plannummer"), NAME,
          P("legal_status", "string", "Rechtsstand",
            enum=("in_preparation", "in_force", "partially_in_force", "repealed")),
          P("in_force_since", "date", "In Kraft seit"),
          P("land_use_type", "string", "Art der baulichen Nutzung (XPlanung)")),
         temporal=("in_force_since", None)),
    _ref("land_use", "ref.land_use", "Flächennutzung", "Flächennutzung (OpenStreetMap).", "MultiPolygon",
         (P("category", "string", "Kategorie"), P("class", "string", "Klasse"), NAME,
          P("area_m2", "number", "Fläche (m²)")), min_zoom=10),
    _ref("water_areas", "ref.water_areas", "Gewässerflächen", "Stehende und fließende Gewässer (Flächen).",
         "MultiPolygon", (P("class", "string", "Klasse"), NAME)),
    _ref("waterways", "ref.waterways", "Fließgewässer", "Flüsse und Bäche (Linien).", "MultiLineString",
         (P("class", "string", "Klasse"), NAME)),
    _ref("land_values", "ref.land_values", "Bodenrichtwerte",
         "Bodenrichtwertzonen der Gutachterausschüsse (§ 196 BauGB): Wert je m² Grundstücksfläche zum Stichtag.",
         "MultiPolygon",
         (P("zone_number", "string", "Zonennummer"), NAME, P("value_eur_m2", "number", "Bodenrichtwert (€/m²)"),
          P("reference_date", "date", "Stichtag"), P("use", "string", "Art der Nutzung (NUTA)"),
          P("development_state", "string", "Entwicklungszustand (ENTW)")),
         temporal=("reference_date", None)),
    _ref("preemption_areas", "ref.preemption_areas", "Vorkaufsrechtsgebiete",
         "Gebiete mit Vorkaufsrecht der Gemeinde: Umlegungs-, Sanierungs-, Stadtumbau- und Erhaltungsgebiete "
         "(§ 24 Abs. 1 Nr. 2–4 BauGB) und Vorkaufssatzungen (§ 25 Abs. 1 Nr. 1–3 BauGB).", "MultiPolygon",
         (AGS, NAME,
          P("kind", "string", "Art", "reallocation: § 24 Abs. 1 Nr. 2, redevelopment: Nr. 3, restructuring_preservation: "
            "Nr. 4; statute_zoning_plan: § 25 Abs. 1 Nr. 1, statute_measures: Nr. 2, statute_housing: Nr. 3 BauGB",
            enum=("reallocation", "redevelopment", "restructuring_preservation", "statute_zoning_plan",
                  "statute_measures", "statute_housing")),
          P("in_force_since", "date", "In Kraft seit")),
         temporal=("in_force_since", None)),
    _ref("counties", "ref.counties", "Landkreise", "Landkreise und kreisfreie Städte.", "MultiPolygon",
         (NAME, P("kind", "string", "Art")), id_prop=P("ags", "string", "Kreisschlüssel"), provenance=False),
)


def _points(key: str, title: str) -> Property:
    return P(f"points_{key}", "number", f"Punkte: {title}", "Beitrag des Kriteriums zur Punktzahl (Gewicht × normiert)")


CANDIDATES = Collection(
    "analysis_candidates", "Potenzialkandidaten",
    "Ergebnisse der Potenzialflächenanalyse: Baulücken, Brachflächen, Leerstand, untergenutzte Flächen je "
    "Analyselauf, mit Punktzahl und dem Beitrag jedes Kriteriums (Filter z. B. run_id=…). Ohne personenbezogene Daten.",
    "analysis.candidate_features", "id", "MultiPolygon",
    (
        ID,
        P("run_id", "integer", "Analyselauf"),
        P("profile", "string", "Bewertungsprofil"),
        P("run_started_at", "date-time", "Lauf gestartet"),
        AGS,
        P("district_id", "integer", "Ortsteil"),
        P("kind", "string", "Art", enum=KINDS),
        P("floo_category", "string", "Kategorie (FLOO-Thüringen)"),
        P("score", "number", "Punktzahl"),
        P("rank", "integer", "Rang im Lauf"),
        P("area_m2", "number", "Fläche (m²)"),
        P("parcels", "string", "Flurstücke"),
        P("known_site_ids", "string", "Bekannte Potenzialflächen"),
        P("site_id", "integer", "Daraus angelegte Potenzialfläche"),
        *(_points(key, criterion.title) for key, criterion in CRITERIA.items()),
    ),
    ("analysis.runs", "analysis.candidates", "core.sites"),
    min_role=PLANNER, temporal=("run_started_at", None), requires="analysis.candidates",
    keywords=("Potenzialflächenanalyse", "FLOO"),
)

PROJECT_PROPERTIES = (
    ID, AGS,
    P("name", "string", "Bezeichnung"),
    P("description", "string", "Beschreibung"),
    P("kind", "string", "Art", enum=PROJECT_KINDS),
    P("status", "string", "Stand", "planned: geplant, under_construction: im Bau, completed: fertiggestellt",
      enum=PROJECT_STATUSES),
    P("start_on", "date", "Baubeginn"),
    P("end_on", "date", "Fertigstellung"),
    P("builder_type", "string", "Bauherr (Art)", enum=("public", "private")),
    P("builder_name", "string", "Bauherr"),
    P("site_id", "integer", "Potenzialfläche"),
    P("public", "boolean", "Öffentlich (Kartenseite)"),
    P("updated_at", "date-time", "Zuletzt geändert"),
    PROVENANCE, SOURCE,
)
_PROJECTS = "Bauvorhaben der Gemeinden: was wo gebaut wird, geplant, im Bau und fertig (datetime: Bauzeit)."
CONSTRUCTION_PROJECTS = Collection(
    "construction_projects", "Bauvorhaben",
    _PROJECTS + " Jedes Vorhaben als Punkt (bei einer Fläche ein Punkt in ihr); die Flächen in "
    "construction_project_areas.",
    "(SELECT cp.id, cp.municipality_ags, cp.name, cp.description, cp.kind, cp.status, cp.start_on, cp.end_on, "
    "cp.builder_type, cp.builder_name, cp.site_id, cp.public, cp.updated_at, cp.provenance, cp.source, "
    "ST_PointOnSurface(cp.geom) AS geom FROM core.construction_projects cp)",
    "id", "Point", PROJECT_PROPERTIES, ("core.construction_projects",),
    min_role=PLANNER, temporal=("start_on", "end_on"), keywords=("Bauvorhaben",),
)
CONSTRUCTION_PROJECT_AREAS = Collection(
    "construction_project_areas", "Bauvorhaben (Flächen)",
    _PROJECTS + " Die Vorhaben, die als Fläche erfasst sind.",
    "core.construction_projects", "id", "MultiPolygon", PROJECT_PROPERTIES, ("core.construction_projects",),
    where="GeometryType(t.geom) = 'MULTIPOLYGON'", min_role=PLANNER, temporal=("start_on", "end_on"),
    keywords=("Bauvorhaben",),
)

PREEMPTION_CASES = Collection(
    "preemption_cases", "Vorkaufsrechtsfälle",
    "Mitteilungen über Kaufverträge (§§ 24–28 BauGB) mit Ausübungsfrist (drei Monate ab Mitteilung) und "
    "Entscheidung; Umring der Flurstücke bei Eingang. Nur für Flächenmanager der Gemeinde und die Administration "
    "(mit Kaufpreis, ohne Vertragsparteien); keine Vektorkacheln.",
    "core.preemption_cases", "id", "MultiPolygon",
    (
        ID, AGS,
        P("file_reference", "string", "Aktenzeichen"),
        P("legal_basis", "string", "Rechtsgrundlage", "general: § 24 BauGB, statute: Satzung nach § 25 BauGB",
          enum=("general", "statute")),
        P("parcels", "string", "Flurstücke", sql="array_to_string(t.parcels, ', ')"),
        P("contract_date", "date", "Kaufvertrag vom"),
        P("notified_on", "date", "Mitteilung eingegangen"),
        P("deadline", "date", "Frist endet", "Drei Monate ab Mitteilung (§ 28 Abs. 2 BauGB)"),
        P("state", "string", "Stand", f"due: Frist endet in höchstens {DUE_DAYS} Tagen",
          sql=f"core.preemption_state(t.decision, t.deadline, current_date, {DUE_DAYS})",
          enum=("open", "due", "lapsed", "decided")),
        P("days_left", "integer", "Tage bis Fristende",
          sql="core.preemption_days_left(t.decision, t.deadline, current_date)"),
        P("price_eur", "number", "Kaufpreis (€)", sql="CAST(t.price_eur AS double precision)"),
        P("area_m2", "number", "Fläche (m²)", sql="round(CAST(ST_Area(t.geom) AS numeric), 1)"),
        P("decision", "string", "Entscheidung", "no_right: Negativzeugnis, waived: nicht ausgeübt, exercised: ausgeübt",
          enum=("no_right", "waived", "exercised")),
        P("decided_on", "date", "Entschieden am"),
        P("transaction_id", "integer", "Vorgang im Flächenpool"),
        P("notes", "string", "Bemerkungen"),
        PROVENANCE,
    ),
    ("core.preemption_cases",),
    min_role="land_manager", per_user=True,
    where="((SELECT auth.acting_municipalities()) IS NULL "
          "OR t.municipality_ags = ANY(CAST((SELECT auth.acting_municipalities()) AS text[])))",
    temporal=("notified_on", "deadline"), keywords=("Flächenpool", "Vorkaufsrecht"),
)

COLLECTIONS: tuple[Collection, ...] = (
    SITES, PARCELS, POOL_HOLDINGS, VACANCIES, BUILDINGS, ESTATES, MUNICIPALITIES, DISTRICTS, CANDIDATES, *REFERENCE,
    CONSTRUCTION_PROJECTS, CONSTRUCTION_PROJECT_AREAS, PREEMPTION_CASES,
)


def build_registry() -> Registry:
    return Registry(COLLECTIONS)
