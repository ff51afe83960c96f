"""The decision paper (*Entscheidungsvorlage*) of a pre-emption case as PDF, for the mayor or the council that
decides within the deadline: the contract's terms, the deadline, a map of the land with the municipality's land
pool around it, and the decision basis (``preemption.decision_basis``). Internal: it holds the price of a private
sale, so only land managers of the municipality and admins get it. The rows also serve ``preemption show``."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from sqlalchemy import Connection

from flaechenpool import preemption
from flaechenpool.auth import Principal
from flaechenpool.expose.html import ATTRIBUTION, PRINT_STYLE
from flaechenpool.expose.labels import day, land_value, number
from flaechenpool.expose.mapsvg import area_map_svg
from flaechenpool.expose.pdf import render_pdf

STATE = {"open": "offen", "due": "Frist läuft ab", "lapsed": "Frist verstrichen", "decided": "entschieden"}
DECISION = {"no_right": "kein Vorkaufsrecht (Negativzeugnis)", "waived": "nicht ausgeübt", "exercised": "ausgeübt"}
LEGAL_BASIS = {"general": "§ 24 BauGB", "statute": "§ 25 BauGB (Satzung)"}
AREA_KIND = {
    "reallocation": "Umlegungsgebiet, § 24 Abs. 1 Nr. 2 BauGB",
    "redevelopment": "Sanierungsgebiet oder Entwicklungsbereich, § 24 Abs. 1 Nr. 3 BauGB",
    "restructuring_preservation": "Stadtumbau- oder Erhaltungssatzung, § 24 Abs. 1 Nr. 4 BauGB",
    "statute_zoning_plan": "Vorkaufssatzung, § 25 Abs. 1 Nr. 1 BauGB",
    "statute_measures": "Vorkaufssatzung, § 25 Abs. 1 Nr. 2 BauGB",
    "statute_housing": "Vorkaufssatzung, § 25 Abs. 1 Nr. 3 BauGB",
}
# the German words of preemption.warnings, by code
WARNING = {"no_statute_recorded": "Rechtsgrundlage § 25 BauGB, aber keine Vorkaufssatzung über den Flurstücken "
                                  "erfasst: bitte prüfen"}
CONFIDENTIAL = "Nur für den Dienstgebrauch: enthält den Kaufpreis eines privaten Kaufvertrags."


def deadline_text(case: dict[str, Any]) -> str:
    """"11.12.2026 (noch 11 Tage)", "… (heute)" or the plain date once lapsed or decided."""
    left = case["days_left"]
    return day(case["deadline"]) + ("" if left is None else " (heute)" if left == 0 else f" (noch {left} Tage)")


def contract_rows(case: dict[str, Any], basis: dict[str, Any]) -> list[tuple[str, str]]:
    """The notice: legal basis and the areas of pre-emption rights over the land (with a hint where a statute is
    claimed and none is recorded), parcels, area, price, dates, deadline and state (German label, text)."""
    decided = (f": {DECISION[case['decision']]} am {day(case['decided_on'])} ({case['decided_by']})"
               if case["decision"] else "")
    price = "nicht angegeben" if case["price_eur"] is None else \
        f"{number(case['price_eur'], 2)} € ({number(basis['price_eur_m2'], 2)} €/m²)"
    areas = basis["preemption_areas"]
    rows = [
        ("Rechtsgrundlage", LEGAL_BASIS[case["legal_basis"]]),
        ("Vorkaufsrechtsgebiete", "; ".join(f"{a['name']}: {AREA_KIND[a['kind']]}, {number(100 * a['share'])} % "
                                            "der Fläche" for a in areas) or "keines erfasst"),
    ]
    rows += [("Hinweis", WARNING[w["code"]]) for w in preemption.warnings(case, basis)]
    return [
        *rows,
        ("Flurstücke", ", ".join(case["parcels"])),
        ("Fläche (amtlich)", f"{number(basis['area_m2'])} m²"),
        ("Kaufpreis", price),
        ("Vertrag / Eingang", f"{day(case['contract_date'])} / {day(case['notified_on'])}"),
        ("Frist", deadline_text(case)),
        ("Stand", STATE[case["state"]] + decided),
    ]


def basis_rows(basis: dict[str, Any]) -> list[tuple[str, str]]:
    """What to weigh: land value, plans, sites and candidates, hazards, municipal land next to it."""
    value = basis["land_value"]
    if value is None:
        values = [("Bodenrichtwert", "keine Zone (flaechenpool import layer land_values …)")]
    else:
        covered = "" if value["covered_share"] >= 0.999 else \
            f"; Zonen decken {number(100 * value['covered_share'])} % der Fläche"
        ratio = "" if value["price_ratio"] is None else f" (Kaufpreis: das {number(value['price_ratio'], 2)}-Fache)"
        values = [("Bodenrichtwert", land_value(value) + covered),
                  ("Bodenwert der Fläche", f"{number(value['estimate_eur'])} €{ratio}")]
    neighbours = basis["municipal_neighbours"]
    return [
        *values,
        ("Bebauungspläne", ", ".join(f"{z['name']} ({z['land_use_type'] or '–'}, {number(100 * z['share'])} %)"
                                     for z in basis["zoning_plans"]) or "keine"),
        ("Potenzialflächen", ", ".join(f"{s['id']} {s['name']} ({s['status']})" for s in basis["sites"]) or "keine"),
        (f"Kandidaten (Analyselauf {basis['analysis_run']})" if basis["analysis_run"] else "Kandidaten",
         ", ".join(f"{c['id']} {c['kind']} ({number(c['score'], 1)} Punkte, Rang {c['rank']})"
                   for c in basis["candidates"]) or "keine"),
        ("Frühere Fälle", "; ".join(
            f"{e['file_reference']} (Mitteilung {day(e['notified_on'])}: "
            + (f"{DECISION[e['decision']]} am {day(e['decided_on'])})" if e["decision"] else "offen)")
            for e in basis["earlier_cases"]) or "keine"),
        ("Überschwemmungsgebiet", f"{number(100 * basis['flood_zone_share'], 1)} % der Fläche"),
        ("Schutzgebiete", f"{number(100 * basis['protected_area_share'], 1)} % der Fläche"),
        ("Gemeindeeigentum daneben", f"{neighbours['parcels']} Flurstück(e), {number(neighbours['area_m2'])} m²"
         + (": " + ", ".join(neighbours["keys"]) if neighbours["keys"] else "")),
    ]


def _table(rows: list[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows) + "</table>"


def case_document(case: dict[str, Any], basis: dict[str, Any], map_svg: str, *, today: dt.date) -> str:
    """The HTML the decision paper is printed from (A4)."""
    notes = [CONFIDENTIAL]
    if case["provenance"] == "illustrative":
        notes.append("Beispieldaten (illustrativ): kein realer Kaufvertrag.")
    if case["decision"] is None:
        decision = ("<h2>Entscheidung</h2><ul class=\"choices\">"
                    + "".join(f"<li>☐ {escape(text_)}</li>" for text_ in (
                        "Kein Vorkaufsrecht: Negativzeugnis erteilen (§ 28 Abs. 1 Satz 3 BauGB)",
                        "Vorkaufsrecht besteht, wird nicht ausgeübt",
                        "Vorkaufsrecht wird ausgeübt (durch Verwaltungsakt gegenüber dem Verkäufer, § 28 Abs. 2 "
                        "BauGB), zum vereinbarten Kaufpreis oder zum Verkehrswert (§ 28 Abs. 3 BauGB)"))
                    + "</ul><p class=\"sign\">Datum, Unterschrift</p>")
    else:
        decision = (f"<h2>Entscheidung</h2><p>{escape(DECISION[case['decision']])} am {day(case['decided_on'])} "
                    f"({escape(case['decided_by'])})</p>")
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Vorkaufsrecht: {escape(case['file_reference'])}</title>
<meta name="author" content="Flächenpool"><style>{PRINT_STYLE}
@page{{@bottom-left{{content:"Flächenpool – Vorkaufsrecht, Entscheidungsvorlage (Dienstgebrauch)"}}}}
.deadline{{font-size:11pt;font-weight:bold;margin:2mm 0 3mm}}.choices{{list-style:none;padding:0}}
.choices li{{margin:1.5mm 0}}.sign{{margin-top:12mm;border-top:0.5pt solid #555;width:70mm;padding-top:1mm}}</style>
</head><body>
<p class="kicker">Vorkaufsrecht · Entscheidungsvorlage · {escape(case['municipality'])}</p>
<h1>Vorkaufsrechtsfall {escape(case['file_reference'])}</h1>
{"".join(f'<p class="note">{escape(n)}</p>' for n in notes)}
<p class="deadline">Frist: {escape(deadline_text(case))}. Danach kann das Vorkaufsrecht nicht mehr ausgeübt werden
(§ 28 Abs. 2 BauGB: drei Monate ab Mitteilung des Kaufvertrags).</p>
<figure>{map_svg}<figcaption>Lage der verkauften Flurstücke (rot) mit den Flurstücken der Gemeinde (gelb,
Flächenpool am {day(today)}), den Grenzen der Vorkaufsrechtsgebiete (rot gestrichelt), Flurstücken, Flächennutzung
und Bahnhöfen; ETRS89 / UTM 32N, Norden oben.</figcaption>
</figure>
<h2>Kaufvertrag</h2>{_table(contract_rows(case, basis))}
<h2>Entscheidungsgrundlage</h2>{_table(basis_rows(basis))}
{f'<h2>Notizen</h2><p>{escape(case["notes"])}</p>' if case.get("notes") else ''}
{decision}
<p>Stand: {day(today)} · Fall {case['id']} im Flächenpool</p>
<p class="sources">Datenquellen: {escape(ATTRIBUTION)}. Bodenrichtwerte und Planungsstand ohne Gewähr.</p>
</body></html>"""


def case_report_pdf(conn: Connection, principal: Principal, case_id: int, *,
                    today: dt.date | None = None) -> tuple[bytes, str]:
    """The decision paper of a case the caller may handle (404 otherwise) and a file name for it."""
    case = preemption.get_case(conn, principal, case_id)
    basis = preemption.decision_basis(conn, case)
    svg = area_map_svg(conn, "preemption_case", case_id, title=f"Karte: Vorkaufsrechtsfall {case['file_reference']}",
                       missing=f"no outline for pre-emption case {case_id} (its parcels are unknown)",
                       extra=("pool", "preemption_areas"))
    html = case_document(case, basis, svg, today=today or dt.date.today())
    return render_pdf(html), f"vorkaufsrecht-fall-{case_id}.pdf"
