"""German words for the codes of public site fields (web page, exposé)."""

from __future__ import annotations

import datetime as dt
from typing import Any

KIND = {
    "brownfield": "Brachfläche", "infill_gap": "Baulücke", "commercial_land": "Gewerbefläche",
    "vacant_building": "Leerstehendes Gebäude", "partial_vacancy": "Leerstand in einem Gebäude",
    "underused": "Untergenutzte Fläche", "old_farmstead": "Althofstelle", "residual_use": "Restnutzung",
}
USE = {"industrial": "Industrie", "commercial": "Gewerbe", "mixed": "Gemischte Nutzung", "office": "Büro"}
AVAILABILITY = {
    "immediate": "sofort", "within_1_year": "innerhalb eines Jahres", "within_3_years": "in 1–3 Jahren",
    "later": "später", "unknown": "offen",
}
STATUS = {"marketed": "in Vermarktung", "reserved": "reserviert", "in_mobilisation": "in Vorbereitung",
          "assessed": "bewertet", "identified": "erfasst", "sold": "verkauft", "developed": "bebaut",
          "withdrawn": "zurückgezogen"}
PLANNING_LAW = {
    "s30_zoning_plan": "Bebauungsplan (§ 30 BauGB)", "s33_plan_in_preparation": "Plan in Aufstellung (§ 33 BauGB)",
    "s34_inner_area": "Innenbereich (§ 34 BauGB)", "s35_outer_area": "Außenbereich (§ 35 BauGB)",
    "unknown": "nicht angegeben",
}
UTILITY = {"water": "Wasser", "sewage": "Abwasser", "electricity": "Strom", "gas": "Gas",
           "district_heating": "Fernwärme", "rail_siding": "Gleisanschluss"}


def words(codes: list[str] | None, table: dict[str, str], empty: str = "keine Angabe") -> str:
    return ", ".join(table.get(c, c) for c in codes or []) or empty


_SWAP = str.maketrans(",.", ".,")


def number(value: float | int | None, digits: int = 0) -> str:
    """German number format, as the map page's script writes it (Intl, de-DE): 1.250,50 — a dot groups the
    thousands, so a number never breaks across lines (a thin space would, in a browser as in a terminal)."""
    if value is None:
        return "–"
    text = f"{float(value):,.{digits}f}"
    return text.translate(_SWAP)


def price(eur_m2: float | None) -> str:
    """An asking price for lists (page, feed): "12,50 €/m²" or "Preis auf Anfrage"."""
    return "Preis auf Anfrage" if eur_m2 is None else f"{number(eur_m2, 2)} €/m²"


def day(value: dt.date | str | None) -> str:
    """A date as Germans write it: 01.09.2026 (from a date or ISO text); "–" for none."""
    if value is None:
        return "–"
    return f"{dt.date.fromisoformat(str(value)[:10]):%d.%m.%Y}"


def land_value(value: dict[str, Any]) -> str:
    """A land value (Bodenrichtwert) with its reference date: "55,00 €/m² (Stichtag 01.01.2024)"; invented demo
    values say so."""
    return (f"{number(value['value_eur_m2'], 2)} €/m² (Stichtag {day(value['reference_date'])})"
            + (", illustrativ" if value.get("illustrative") else ""))


RENEWAL = {"redevelopment": "Sanierungsgebiet oder Entwicklungsbereich",
           "restructuring_preservation": "Stadtumbau- oder Erhaltungsgebiet"}


def renewal_areas(areas: list[dict[str, Any]] | None) -> str | None:
    """Areas of special urban law over a site: "„Porzellanwerk“ (Sanierungsgebiet oder Entwicklungsbereich)"."""
    if not areas:
        return None
    return "; ".join(f"„{a['name']}“ ({RENEWAL.get(a['kind'], a['kind'])})" for a in areas)
