"""HTML of the public pages (German). Values are escaped; only public fields reach this module."""

from __future__ import annotations

from html import escape
from typing import Any

KIND_DE = {
    "brownfield": "Brachfläche", "infill_gap": "Baulücke", "commercial_land": "Gewerbefläche",
    "vacant_building": "Leerstehendes Gebäude", "partial_vacancy": "Leerstand in einem Gebäude",
    "underused": "Untergenutzte Fläche", "old_farmstead": "Althofstelle", "residual_use": "Restnutzung",
}
AVAILABILITY_DE = {
    "immediate": "sofort", "within_1_year": "innerhalb eines Jahres", "within_3_years": "in 1–3 Jahren",
    "later": "später", "unknown": "offen",
}
STATUS_DE = {"marketed": "in Vermarktung", "reserved": "reserviert", "in_mobilisation": "in Vorbereitung"}

ATTRIBUTION = (
    "© GeoBasis-DE / BKG 2021 (Daten verändert), dl-de/by-2-0 · © GeoBasis-DE / TLBG 2025, dl-de/by-2-0 · "
    "Haltestellendaten © DB Station&amp;Service AG (2020), CC BY 4.0 · "
    "© OpenStreetMap-Mitwirkende, ODbL 1.0 · Gemarkungsliste: OK Lab Flensburg (CC0 1.0) · "
    "Gemeindeschlüssel © Statistisches Bundesamt (Destatis), 2024"
)

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2a33;background:#f6f7f4}
header{background:#23532f;color:#fff;padding:1.2rem 1.5rem}header h1{margin:0;font-size:1.6rem}
header p{margin:.3rem 0 0;opacity:.9}main{max-width:72rem;margin:0 auto;padding:1rem 1.5rem}
table{width:100%;border-collapse:collapse;background:#fff}th,td{padding:.5rem .6rem;border-bottom:1px solid #dde;
text-align:left;vertical-align:top}th{background:#e9eee6}td.num{text-align:right;white-space:nowrap}
.badge{display:inline-block;font-size:.75rem;background:#fff3cd;color:#6b4e00;border:1px solid #e6c866;
border-radius:.3rem;padding:0 .35rem;margin-left:.3rem}footer{font-size:.8rem;color:#555;padding:1rem 1.5rem;
max-width:72rem;margin:0 auto}.note{background:#fff;border-left:4px solid #e6c866;padding:.6rem .9rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:40rem){table,tbody,tr,td{display:block;width:auto}thead{display:none}
tr{border-bottom:1px solid #dde;padding:.5rem 0}td{border:none;padding:.15rem .6rem}td.num{text-align:left}}
"""


def _number(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{float(value):,.{digits}f}"
    return text.replace(",", "\u2009").replace(".", ",")


def start_page(sites: list[dict[str, Any]]) -> str:
    """The start page: published sites (Potenzialflächen) as a table, with attributions."""
    rows = []
    for s in sites:
        badge = '<span class="badge" title="Erfundene Beispieldaten">illustrativ</span>' \
            if s["provenance"] == "illustrative" else ""
        price = f"{_number(s['asking_price_eur_m2'], 2)} €/m²" if s["asking_price_eur_m2"] is not None else "auf Anfrage"
        rows.append(
            "<tr>"
            f"<td>{escape(s['name'])}{badge}<br><small>{escape(s['public_description'] or '')}</small></td>"
            f"<td>{escape(s['municipality'])}</td>"
            f"<td>{escape(KIND_DE.get(s['kind'], s['kind']))}</td>"
            f"<td>{escape(STATUS_DE.get(s['status'], s['status']))}</td>"
            f"<td class=num>{_number(s['area_m2'])} m²</td>"
            f"<td>{escape(AVAILABILITY_DE.get(s['availability'], s['availability']))}</td>"
            f"<td class=num>{price}</td>"
            "</tr>"
        )
    body = "\n".join(rows) or '<tr><td colspan="7">Derzeit sind keine Flächen veröffentlicht.</td></tr>'
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flächenpool – verfügbare Gewerbe- und Potenzialflächen</title><style>{STYLE}</style></head>
<body><header><h1>Flächenpool</h1><p>Verfügbare Gewerbe- und Potenzialflächen der Thüringer Kommunen</p></header>
<main>
<p class="note">Diese Installation zeigt Demodaten. Einträge mit dem Hinweis <span class="badge">illustrativ</span>
sind erfundene Beispieldaten und keine realen Angebote.</p>
<h2>Veröffentlichte Flächen ({len(sites)})</h2>
<table><caption class="visually-hidden">Veröffentlichte Flächen</caption>
<thead><tr><th scope="col">Fläche</th><th scope="col">Gemeinde</th><th scope="col">Art</th><th scope="col">Stand</th>
<th scope="col">Größe</th><th scope="col">Verfügbar</th><th scope="col">Preis</th></tr></thead>
<tbody>
{body}
</tbody></table>
<p>Programmierschnittstelle: <a href="/docs">/docs</a> · Zustand des Dienstes: <a href="/health">/health</a></p>
</main>
<footer>Datenquellen: {ATTRIBUTION}</footer></body></html>"""
