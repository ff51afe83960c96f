"""Importing municipality boundaries and reference layers (``flaechenpool import layer KIND FILE``).

Each kind names its target table, how file fields map to columns and how rows are matched:
municipalities and stations are upserted by their official key, buildings of a municipality are
replaced keeping history (valid_to), the other layers get the file's rows added (``replace`` first
removes the rows of an earlier import from a file of the same name). Everything runs in one
transaction; the message of a bad row names the file, the feature and the field.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from dataclasses import replace as replace_fields
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from flaechenpool.errors import ImportFileError
from flaechenpool.importing.alkis_codes import building_function
from flaechenpool.importing.reading import open_vector


@dataclass(frozen=True)
class LayerSpec:
    table: str
    geometry: str                      # polygon | point | line
    fields: dict[str, tuple[str, ...]]  # column → accepted field names (first match wins, case-insensitive)
    required: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)
    upsert_key: str | None = None
    needs_municipality: bool = False
    history: bool = False              # buildings: retire the municipality's current rows
    decode: dict[str, Callable[[Any], Any]] = field(default_factory=dict)   # a code list's value → its name
    casts: dict[str, str] = field(default_factory=dict)    # column → SQL type of its text value
    # a feature whose column is empty (or 0) is left out and counted, not refused: a land-value zone for which the
    # committee fixed no value ("ohne Angabe") is part of a real file, not an error in it
    skip_without: str | None = None
    # column → SQL of (word, stored value) pairs read at the start of an import: a code list the database holds,
    # compared without case (a word not in it is refused naming the feature and the field)
    lookups: dict[str, str] = field(default_factory=dict)


def decimal_value(value: Any) -> float | None:
    """A number as files write it: 185.5, "185,50" or "1.250,00" (German); ValueError if it is none."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    text_ = str(value).strip().replace("\u202f", "").replace(" ", "")
    if "," in text_:
        text_ = text_.replace(".", "").replace(",", ".")
    try:
        return float(text_)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None


def positive_value(value: Any) -> float | None:
    """``decimal_value``, and above zero; 0 is a missing value (``None``), as files write a zone without one."""
    number = decimal_value(value)
    if number == 0:
        return None
    if number is not None and not number > 0:
        raise ValueError(f"must be above 0: {value!r}")
    return number


def date_value(value: Any) -> str | None:
    """A date as files write it: 2024-01-01, 01.01.2024 or 20240101 (ISO text); ValueError if it is none."""
    if value is None or value == "":
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    text_ = str(value).strip()[:10]
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%Y%m%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text_, pattern).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"not a date: {value!r} (2024-01-01 or 01.01.2024)")


# Land values (Bodenrichtwerte) come with letters (the BRW-RL's and VBORIS's: ENTW "B", NUTA "WA") or with the
# numeric codes of the AdV's Bodenrichtwert model, which the Länder's BORIS services write (BORIS-TH:
# ENTWICKLUNGSZUSTAND 1000 for building land). Both are stored as the letters ref.land_value_zones ranks by.
DEVELOPMENT_STATES = {"1000": "B", "2000": "R", "3000": "E", "4000": "LF", "5000": "SF",
                      "baureifes land": "B", "rohbauland": "R", "bauerwartungsland": "E",
                      "flächen der land- oder forstwirtschaft": "LF", "land- und forstwirtschaft": "LF",
                      "sonstige fläche": "SF", "sonstige flächen": "SF"}
LAND_VALUE_USES = {"1100": "W", "1110": "WS", "1120": "WR", "1130": "WA", "1140": "WB",
                   "1200": "M", "1210": "MD", "1220": "MDW", "1230": "MI", "1240": "MK", "1250": "MU",
                   "1300": "G", "1310": "GE", "1320": "GI", "1400": "S", "1410": "SE", "1420": "SO", "1500": "GB"}


def _text(value: Any) -> str | None:
    """A field's value as text with single spaces; a code written as a number (1000.0) as its digits."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        value = int(value)
    return " ".join(str(value).split())


def coded(table: dict[str, str]) -> Callable[[Any], str | None]:
    """A decoder of a code list: a code (1000, "1000", 1000.0) or wording in ``table`` becomes its letters;
    anything else is kept as written (a committee's own note is no error)."""
    def decode(value: Any) -> str | None:
        text_ = _text(value)
        return None if text_ is None else table.get(text_.lower(), text_)
    return decode


def worded(kinds: dict[str, tuple[str, ...]], what: str, hint: str) -> Callable[[Any], str | None]:
    """A decoder of a kind from its key or a German wording: a word of ``kinds`` within the text, or, written
    "=NSG", the whole text (an abbreviation); the first kind that matches wins. ValueError naming the kinds and
    ``hint`` otherwise."""
    def decode(value: Any) -> str | None:
        text_ = _text(value)
        if text_ is None:
            return None
        text_ = " ".join(text_.lower().replace("§", " ").split())
        for kind, words in kinds.items():
            if text_ == kind or any(text_ == w[1:] if w.startswith("=") else w in text_ for w in words):
                return kind
        raise ValueError(f"unknown {what}: {value!r} (one of {', '.join(kinds)}, or {hint})")
    return decode


PREEMPTION_AREA_KINDS = {
    "reallocation": ("umlegung",),
    "redevelopment": ("sanierung", "entwicklungsbereich"),
    "restructuring_preservation": ("stadtumbau", "erhaltung"),
    "statute_zoning_plan": ("25 abs. 1 nr. 1", "25 abs. 1 satz 1 nr. 1"),
    "statute_measures": ("25 abs. 1 nr. 2", "25 abs. 1 satz 1 nr. 2"),
    "statute_housing": ("25 abs. 1 nr. 3", "25 abs. 1 satz 1 nr. 3"),
}
# the kind of a pre-emption area from its code or a German wording ("Sanierungsgebiet", "Vorkaufssatzung § 25 Abs. 1
# Nr. 2 BauGB")
preemption_area_kind = worded(PREEMPTION_AREA_KINDS, "kind of pre-emption area",
                              "Umlegungsgebiet, Sanierungsgebiet, Stadtumbau-/Erhaltungssatzung, § 25 Abs. 1 Nr. 1–3")
# Schutzgebiete as the nature conservation authorities name and abbreviate them (a file of one category has no
# field for it: ``import layer protected_areas FILE --kind NSG``)
PROTECTED_AREA_KINDS = {
    "landscape_reserve": ("landschaftsschutz", "=lsg"),
    "bird_reserve": ("vogelschutz", "=spa", "=sca", "=vsg"),
    "ffh_area": ("ffh", "fauna-flora-habitat", "=sac", "=sci"),
    "nature_reserve": ("naturschutzgebiet", "=nsg"),
    "national_park": ("nationalpark", "=nlp"),
    "biosphere_reserve": ("biosphäre", "biosphaere", "=br", "=bsr"),
    "other": ("naturdenkmal", "landschaftsbestandteil", "naturpark", "=nd", "=glb", "=np", "=fnd"),
}
protected_area_kind = worded(PROTECTED_AREA_KINDS, "kind of protected area",
                             "NSG, LSG, FFH, SPA, Nationalpark, Biosphärenreservat, Naturdenkmal")
# Überschwemmungsgebiete and the flood scenarios of the hazard maps (HQhäufig, HQ100, HQextrem)
FLOOD_ZONE_KINDS = {
    "hq_extreme": ("extrem", "hq200", "hq 200", "hq300", "niedrige wahrscheinlichkeit", "risikogebiet"),
    "hq_frequent": ("häufig", "haeufig", "=hq10", "=hq 10", "=hq20", "=hq 20", "=hq25", "hohe wahrscheinlichkeit"),
    "hq100": ("hq100", "hq 100", "festgesetzt", "vorläufig gesichert", "überschwemmungsgebiet",
              "mittlere wahrscheinlichkeit"),
}
flood_zone_kind = worded(FLOOD_ZONE_KINDS, "kind of flood zone", "HQhäufig, HQ100, HQextrem, festgesetztes "
                         "Überschwemmungsgebiet")


# The legal state of a zoning plan (Rechtsstand): XPlanung's BP_Rechtsstand codes (4000 InkraftGetreten …), their
# names, or the words towns write ("rechtskräftig", "im Verfahren"); each the whole text
LEGAL_STATES = {state: tuple("=" + w for w in words) for state, words in {
    "in_preparation": ("1000", "2000", "2100", "2200", "2300", "2400", "3000", "aufstellungsbeschluss", "entwurf",
                       "fruehzeitigebehoerdenbeteiligung", "fruehzeitigeoeffentlichkeitsbeteiligung",
                       "behoerdenbeteiligung", "oeffentlicheauslegung", "satzung", "im verfahren", "imverfahren",
                       "in aufstellung", "aufstellung", "offenlage", "öffentliche auslegung", "satzungsbeschluss"),
    "in_force": ("4000", "inkraftgetreten", "in kraft getreten", "in kraft", "rechtskräftig", "rechtskraeftig",
                 "rechtsverbindlich", "wirksam", "festgesetzt"),
    "partially_in_force": ("4500", "teilweiseuntergegangen", "teilweise untergegangen", "teilweise außer kraft",
                           "teilweise aufgehoben", "teilweise rechtskräftig"),
    "repealed": ("5000", "50000", "50001", "untergegangen", "aufgehoben", "ausserkraft", "außer kraft",
                 "ausser kraft", "außer kraft getreten", "funktionslos"),
}.items()}
legal_state = worded(LEGAL_STATES, "legal state of a plan", "an XPlanung Rechtsstand such as 4000 or "
                     "InkraftGetreten, or rechtskräftig, im Verfahren, aufgehoben")


LAYERS: dict[str, LayerSpec] = {
    "municipalities": LayerSpec("core.municipalities", "polygon",
                                {"ags": ("ags", "gmdschl", "ags_0", "gemeindeschluessel"), "name": ("name", "gen", "gemeinde"),
                                 "kind": ("bez", "kind")}, required=("ags", "name"), upsert_key="ags",
                                defaults={"provenance": "official"}),
    "stations": LayerSpec("ref.stations", "point",
                          {"eva_nr": ("eva_nr", "eva", "id"), "name": ("name", "bezeichnung"), "ds100": ("ds100",),
                           "ifopt": ("ifopt",), "traffic": ("verkehr", "traffic")},
                          required=("eva_nr", "name"), upsert_key="eva_nr", defaults={"provenance": "open_data"}),
    "flood_zones": LayerSpec("ref.flood_zones", "polygon", {"name": ("name", "bezeichnung", "gewaesser"),
                                                            "kind": ("kind", "typ", "szenario", "art")},
                             defaults={"kind": "hq100", "provenance": "official"}, decode={"kind": flood_zone_kind}),
    "protected_areas": LayerSpec("ref.protected_areas", "polygon",
                                 {"name": ("name", "bezeichnung", "gebietsname"),
                                  "kind": ("kind", "kategorie", "schutzkategorie", "gebietsart", "typ", "art"),
                                  "external_id": ("id", "kennung", "gebietsnummer", "sitecode")},
                                 defaults={"kind": "other", "provenance": "official"},
                                 decode={"kind": protected_area_kind}),
    "zoning_plans": LayerSpec("ref.zoning_plans", "polygon",
                              {"name": ("name", "planname", "bezeichnung"), "plan_number": ("nummer", "plan_number", "planid"),
                               "legal_status": ("legal_status", "rechtsstand"),
                               "land_use_type": ("land_use_type", "artdernutzung", "baunvo")},
                              required=("name",), needs_municipality=True,
                              defaults={"legal_status": "in_force", "provenance": "official"},
                              decode={"legal_status": legal_state},
                              # the abbreviation (GE) or the name (Gewerbegebiet) of the BauNVO's types
                              lookups={"land_use_type": "SELECT abbreviation, abbreviation FROM core.xp_land_use_types "
                                                        "UNION ALL SELECT name_de, abbreviation FROM "
                                                        "core.xp_land_use_types"}),
    "buildings": LayerSpec("core.buildings", "polygon",
                           {"alkis_id": ("oid", "oi", "gml_id", "alkis_id", "id"),
                            "function": ("funktion", "gfk", "gebaeudefunktion", "function"),
                            "floors": ("aog", "anzahlderoberirdischengeschosse", "geschosse", "floors"),
                            "address": ("lagebeztxt", "address")},
                           needs_municipality=True, history=True, defaults={"provenance": "official"},
                           decode={"function": building_function}),
    "motorway_junctions": LayerSpec("ref.motorway_junctions", "point",
                                    {"name": ("name", "bezeichnung"), "ref": ("ref", "nummer", "junction_ref"),
                                     "motorway": ("motorway", "autobahn", "highway_ref"),
                                     "external_id": ("osm_id", "external_id", "id")},
                                    defaults={"provenance": "open_data"}),
    "land_use": LayerSpec("ref.land_use", "polygon",
                          {"class": ("nutzart", "class", "landuse", "objart", "bez"), "name": ("name",),
                           "external_id": ("oid", "osm_id", "id")},
                          required=("class",), defaults={"category": "landuse", "provenance": "official"}),
    "preemption_areas": LayerSpec("ref.preemption_areas", "polygon",
                                  {"name": ("name", "bezeichnung", "satzung"), "kind": ("kind", "art", "typ"),
                                   "in_force_since": ("in_force_since", "rechtskraft", "inkrafttreten", "datum")},
                                  required=("name", "kind"), needs_municipality=True,
                                  defaults={"provenance": "official"},
                                  decode={"kind": preemption_area_kind, "in_force_since": date_value},
                                  casts={"in_force_since": "date"}),
    # Bodenrichtwerte: the field names of the VBORIS exchange format (BRW, STAG, NUTA, ENTW, WNUM, BRZNAME) or of
    # the BORIS services (BODENRICHTWERT, STICHTAG, ENTWICKLUNGSZUSTAND, NUTZUNGSART, BODENRICHTWERTNUMMER), with
    # letters or the numeric codes of the AdV's model (DEVELOPMENT_STATES, LAND_VALUE_USES)
    "land_values": LayerSpec("ref.land_values", "polygon",
                             {"value_eur_m2": ("brw", "bodenrichtwert", "value_eur_m2", "wert"),
                              "reference_date": ("stag", "stichtag", "reference_date"),
                              "zone_number": ("wnum", "brwznr", "brwnr", "bodenrichtwertnummer", "zone_number",
                                              "zonennummer"),
                              "name": ("brzname", "bodenrichtwertzonename", "bodenrichtwertzonenname", "zonenname",
                                       "name"),
                              "use": ("nuta", "nutzungsart", "nutzung", "anu", "art", "use"),
                              "development_state": ("entw", "entwicklungszustand", "ewz", "development_state")},
                             required=("value_eur_m2", "reference_date"), defaults={"provenance": "official"},
                             decode={"value_eur_m2": positive_value, "reference_date": date_value,
                                     "use": coded(LAND_VALUE_USES), "development_state": coded(DEVELOPMENT_STATES)},
                             casts={"value_eur_m2": "numeric", "reference_date": "date"}, skip_without="value_eur_m2"),
}

_GEOMETRY = {"polygon": 3, "line": 2, "point": 1}
THURINGIA_25832 = (500_000, 5_500_000, 800_000, 5_800_000)  # generous extent, catches a wrong CRS


@dataclass
class LayerReport:
    kind: str
    file: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    retired: int = 0
    repaired: int = 0
    skipped: list[int] = field(default_factory=list)   # features left out for want of ``skip_without``
    kinds: dict[str, int] = field(default_factory=dict)  # features by the kind read from the file (or --kind)


def import_layer(conn: Connection, kind: str, path: Path, *, crs: str | None = None, layer: str | None = None,
                 municipality: str | None = None, source: str | None = None, replace: bool = False,
                 feature_kind: str | None = None,
                 progress: Callable[[int, int | None], None] | None = None) -> LayerReport:
    """Import one layer file of ``kind`` (see ``LAYERS``) in one transaction. ``feature_kind`` is the kind of the
    features that have no field for it (a file of nature reserves only: "NSG")."""
    if kind not in LAYERS:
        raise ImportFileError(f"unknown layer kind {kind!r}; choose one of {', '.join(LAYERS)}", file=str(path))
    spec = LAYERS[kind]
    name = path.name
    if feature_kind is not None:
        if "kind" not in spec.decode:
            raise ImportFileError(f"layer {kind} has no kind to give (--kind)", file=name)
        try:
            spec = replace_fields(spec, defaults={**spec.defaults, "kind": spec.decode["kind"](feature_kind)})
        except ValueError as exc:
            raise ImportFileError(str(exc), file=name, field="--kind") from None
    if spec.needs_municipality and not municipality:
        raise ImportFileError(f"layer {kind} needs --municipality (AGS)", file=name)
    report = LayerReport(kind, name)
    with conn.begin_nested() if conn.in_transaction() else conn.begin(), open_vector(path, crs=crs, layer=layer) as vf:
        mapping: dict[str, str] = {}
        lower = {f.lower(): f for f in vf.fields}
        for column, names in spec.fields.items():
            found = next((lower[n] for n in names if n in lower), None)
            if found:
                mapping[column] = found
        missing = [c for c in spec.required if c not in mapping]
        if missing:
            raise ImportFileError(f"required field missing (accepted names: {', '.join(spec.fields[missing[0]])}); "
                                  f"the file has: {', '.join(vf.fields) or 'no fields'}", file=name, field=missing[0])
        conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS layer_stage (row integer, attrs jsonb, geom geometry) "
                          "ON COMMIT DROP"))
        conn.execute(text("TRUNCATE layer_stage"))
        decoders = {**spec.decode, **{col: _lookup(col, {w.lower(): v for w, v in conn.execute(text(sql)).all()})
                                      for col, sql in spec.lookups.items()}}
        for batch in vf.batches(20_000, columns=list(mapping.values())):
            rows = []
            for i in range(len(batch)):
                row = batch.first_row + i
                attrs = {col: _value(batch.columns[f][i]) for col, f in mapping.items()}
                for col, decode in decoders.items():
                    if col in attrs:
                        try:
                            attrs[col] = decode(attrs[col])
                        except ValueError as exc:
                            raise ImportFileError(str(exc), file=name, row=row, field=mapping[col]) from None
                if spec.skip_without and attrs.get(spec.skip_without) in (None, ""):
                    report.skipped.append(row)
                    continue
                for col in spec.required:
                    if attrs.get(col) in (None, ""):
                        raise ImportFileError("value missing", file=name, row=row, field=mapping[col])
                if batch.wkb[i] is None:
                    raise ImportFileError("feature has no geometry", file=name, row=row, field="geometry")
                if "kind" in spec.decode:           # what the words of the file were read as, for the report
                    read_as = attrs.get("kind") or spec.defaults.get("kind", "")
                    report.kinds[read_as] = report.kinds.get(read_as, 0) + 1
                rows.append({"row": row, "attrs": json.dumps(attrs), "wkb": bytes(batch.wkb[i]), "srid": vf.srid})
            if rows:
                conn.execute(text("INSERT INTO layer_stage SELECT :row, CAST(:attrs AS jsonb), "
                                  "ST_GeomFromWKB(:wkb, :srid)"), rows)
            report.read += len(batch)
            if progress:
                progress(report.read, vf.total)
        _validate(conn, spec, name, vf.crs, vf.srid)
        _write(conn, spec, report, municipality=municipality, source=source or f"Import {name}", replace=replace)
    return report


def _lookup(column: str, words: dict[str, str]) -> Callable[[Any], str | None]:
    """A decoder by a code list of the database (``LayerSpec.lookups``)."""
    def decode(value: Any) -> str | None:
        text_ = _text(value)
        if text_ is None:
            return None
        found = words.get(text_.lower())
        if found is None:
            raise ValueError(f"unknown {column}: {value!r} (one of {', '.join(sorted(set(words.values())))}, or its "
                             "German name)")
        return found
    return decode


def _value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v.item() if hasattr(v, "item") else v


def _validate(conn: Connection, spec: LayerSpec, name: str, crs: str, srid: int) -> None:
    """Extent check in the file's own CRS (a wrong CRS must not fail inside the transformation), then
    transform to EPSG:25832 and repair."""
    minx, miny, maxx, maxy = THURINGIA_25832
    outside = conn.execute(text(
        "SELECT row FROM layer_stage WHERE NOT ST_Within(ST_Envelope(geom), "
        "ST_Transform(ST_Segmentize(ST_MakeEnvelope(:a, :b, :c, :d, 25832), 10000), CAST(:srid AS integer))) "
        "ORDER BY row LIMIT 1"), {"a": minx, "b": miny, "c": maxx, "d": maxy, "srid": srid}).scalar()
    if outside is not None:
        raise ImportFileError(f"the geometry lies outside Thuringia; is the CRS right? (declared: {crs})",
                              file=name, row=outside, field="geometry")
    conn.execute(text("UPDATE layer_stage SET geom = ST_Transform(geom, 25832)"))
    dim = _GEOMETRY[spec.geometry]
    conn.execute(text("UPDATE layer_stage SET geom = CASE WHEN :dim = 1 THEN ST_GeometryN(geom, 1) ELSE "
                      "ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), :dim)) END"), {"dim": dim})
    empty = conn.execute(text("SELECT row FROM layer_stage WHERE geom IS NULL OR ST_IsEmpty(geom) "
                              "OR ST_Dimension(geom) <> :d ORDER BY row LIMIT 1"), {"d": dim - 1}).scalar()
    if empty is not None:
        raise ImportFileError(f"the geometry is not a {spec.geometry} (or empty after repair)", file=name, row=empty,
                              field="geometry")


def _write(conn: Connection, spec: LayerSpec, report: LayerReport, *, municipality: str | None, source: str,
           replace: bool) -> None:
    columns = list(spec.fields) + [c for c in spec.defaults if c not in spec.fields]
    values = [f"coalesce(s.attrs->>'{c}', CAST(:d_{c} AS text))" if c in spec.defaults else f"s.attrs->>'{c}'"
              for c in columns]
    params: dict[str, Any] = {f"d_{c}": v for c, v in spec.defaults.items()}
    params.update(source=source, m=municipality)
    if spec.needs_municipality:
        columns.append("municipality_ags")
        values.append(":m")
    casts = {"floors": "smallint", **spec.casts}
    select = ", ".join(f"CAST({v} AS {casts[c]})" if c in casts else v for c, v in zip(columns, values, strict=True))
    if spec.history:
        report.retired = conn.execute(text(f"UPDATE {spec.table} SET valid_to = now() WHERE municipality_ags = :m "
                                           "AND valid_to IS NULL"), params).rowcount
    elif replace:
        conn.execute(text(f"DELETE FROM {spec.table} WHERE source = :source"), params)
    stage = "layer_stage"
    if spec.upsert_key:  # several features of one key (e.g. parts of a municipality) become one row
        geom = "ST_Multi(ST_Union(geom))" if spec.geometry != "point" else "(array_agg(geom ORDER BY row))[1]"
        stage = (f"(SELECT min(row) AS row, (array_agg(attrs ORDER BY row))[1] AS attrs, {geom} AS geom "
                 f"FROM layer_stage GROUP BY attrs->>'{spec.upsert_key}')")
    insert = f"INSERT INTO {spec.table} ({', '.join(columns)}, source, geom) SELECT {select}, :source, s.geom " \
             f"FROM {stage} s ORDER BY s.row"
    if spec.upsert_key:
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*columns, "source", "geom"] if c != spec.upsert_key)
        insert += f" ON CONFLICT ({spec.upsert_key}) DO UPDATE SET {updates} RETURNING (xmax = 0) AS inserted"
        flags = conn.execute(text(insert), params).scalars().all()
        report.inserted = sum(1 for f in flags if f)
        report.updated = len(flags) - report.inserted
    else:
        report.inserted = conn.execute(text(insert), params).rowcount
