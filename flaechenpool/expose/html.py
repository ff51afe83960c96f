"""German HTML of an exposé: the accessible detail page (/flaechen/{id}) and the print document the
PDF is made from. Only public fields reach this module (the properties of core.public_sites);
values are escaped; the contact is the municipality's office, never an owner."""

from __future__ import annotations

import base64
import datetime as dt
from html import escape
from typing import Any

from flaechenpool.expose.labels import AVAILABILITY, KIND, PLANNING_LAW, STATUS, USE, UTILITY, day, land_value, number, renewal_areas, words
from flaechenpool.web import FAVICON

ATTRIBUTION = (
    "Gemeindegrenzen © GeoBasis-DE / BKG 2021 (Daten verändert), dl-de/by-2-0 · Bahnhöfe: Haltestellendaten "
    "© DB Station&Service AG (2020), CC BY 4.0 · Flächennutzung und Gewässer (Jena): © OpenStreetMap-Mitwirkende, "
    "ODbL 1.0 · Flurstücke: © GeoBasis-DE / TLBG 2025, dl-de/by-2-0 (Erfurt); in Jena und Ilmenau illustrativ"
)
LEGAL_LINKS = ('<a href="/impressum">Impressum</a> · <a href="/datenschutz">Datenschutz</a> · '
               '<a href="/barrierefreiheit">Barrierefreiheit</a>')
NOINDEX = '<meta name="robots" content="noindex">'     # pages showing invented demo entries: not for search
ILLUSTRATIVE = ("Beispieldaten (illustrativ): Diese Fläche, ihre Angaben und die Ansprechstelle sind erfunden "
                "und kein reales Angebot.")
STYLE = """
body{font-family:"DejaVu Sans",system-ui,sans-serif;color:#1d2a33;margin:0;background:#f6f7f4;line-height:1.45}
a{color:#1b4f8a}a:focus,button:focus{outline:3px solid #f0b400;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.4rem;z-index:9}
header{background:#23532f;color:#fff;padding:1rem 1.5rem}header a{color:#fff}
main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem}h1{margin:.2rem 0 .6rem;font-size:1.7rem}
.note{background:#fff3cd;border-left:4px solid #e6c866;padding:.6rem .9rem;margin:.8rem 0}
figure{margin:0 0 1rem;background:#fff;border:1px solid #d5dbd0}figure svg{display:block;width:100%;height:auto}
figcaption{font-size:.85rem;padding:.4rem .6rem;color:#444}
figure.photo img{display:block;max-width:100%;height:auto}
dl.facts{display:grid;grid-template-columns:minmax(10rem,16rem) 1fr;gap:.3rem 1rem;background:#fff;padding:.8rem 1rem;
border:1px solid #d5dbd0}dl.facts dt{font-weight:bold}dl.facts dd{margin:0}
section{margin:1.2rem 0}.actions a{display:inline-block;margin:.3rem .8rem .3rem 0;padding:.5rem .9rem;background:#23532f;
color:#fff;border-radius:.3rem;text-decoration:none}footer{font-size:.8rem;color:#555;padding:1rem 1.5rem;max-width:60rem;
margin:0 auto}
@media (max-width:40rem){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}}
"""
PRINT_STYLE = """
@page{size:A4;margin:14mm 15mm 16mm;@bottom-left{content:"Flächenpool – Exposé";font:8pt "DejaVu Sans",sans-serif;
color:#666}@bottom-right{content:"Seite " counter(page) " von " counter(pages);font:8pt "DejaVu Sans",sans-serif;color:#666}}
body{font-family:"DejaVu Sans",sans-serif;font-size:9pt;color:#1d2a33;line-height:1.4}
h1{font-size:17pt;margin:0 0 2mm}.kicker{color:#23532f;font-weight:bold;letter-spacing:.05em;text-transform:uppercase;
font-size:8pt}.note{background:#fff3cd;border-left:3pt solid #e6c866;padding:2mm 3mm;margin:3mm 0}
figure{margin:0 0 4mm;border:0.5pt solid #aaa}figure svg{width:100%;height:62mm}
figure.photo img{display:block;max-width:100%;max-height:60mm;margin:0 auto}figcaption{font-size:7.5pt;color:#444;
padding:1mm 2mm}table{width:100%;border-collapse:collapse}th,td{text-align:left;vertical-align:top;padding:0.8mm 2mm;
border-bottom:0.5pt solid #ccd}th{width:38%}h2{font-size:11pt;margin:3.5mm 0 1.5mm}.sources{font-size:7pt;color:#555}
"""


def facts(site: dict[str, Any]) -> list[tuple[str, str]]:
    """The exposé's key facts as (German label, value) pairs."""
    price = site.get("asking_price_eur_m2")
    availability = AVAILABILITY.get(site["availability"], site["availability"])
    if site.get("available_from"):
        availability += f" (ab {day(site['available_from'])})"
    rows = [
        ("Gemeinde", site["municipality"]),
        ("Flächenart", KIND.get(site["kind"], site["kind"])),
        ("Größe", f"{number(site['area_m2'])} m² ({number(site['area_m2'] / 10_000, 2)} ha)"),
        ("Nutzungsarten", words(site.get("uses"), USE)),
        ("Planungsrecht", PLANNING_LAW.get(site["planning_law"], site["planning_law"])),
        ("Art der baulichen Nutzung", site.get("land_use_type_name") or "keine Angabe"),
        ("Erschließung", words(site.get("utilities"), UTILITY)),
        ("Breitband", f"{number(site['broadband_mbit'])} Mbit/s" if site.get("broadband_mbit") else "keine Angabe"),
        ("Verfügbarkeit", availability),
        ("Kaufpreisvorstellung", f"{number(price, 2)} €/m²" if price is not None else "auf Anfrage"),
        ("Stand der Vermarktung", STATUS.get(site["status"], site["status"])),
    ]
    if site.get("land_value"):
        rows.insert(10, ("Bodenrichtwert", land_value(site["land_value"])))
    if site.get("urban_renewal_areas"):
        rows.insert(5, ("Besonderes Städtebaurecht", renewal_areas(site["urban_renewal_areas"]) or ""))
    if site.get("estate"):
        rows.append(("Gewerbegebiet", site["estate"]))
    if site.get("station_name"):
        rows.append(("Nächster Bahnhof", f"{site['station_name']} ({number(site['station_distance_m'])} m)"))
    if site.get("junction_name"):
        rows.append(("Nächste Autobahn-Anschlussstelle",
                     f"{site['junction_name']} ({number(site['junction_distance_m'])} m)"))
    return rows


def _map_caption(site: dict[str, Any]) -> str:
    renewal = ", Grenzen der Sanierungs- und Erhaltungsgebiete (rot gestrichelt)" if site.get("urban_renewal_areas") \
        else ""
    return (f"Lage von „{escape(site['name'])}“ (rot) mit Flurstücken, Flächennutzung und Bahnhöfen{renewal}; "
            "Kartenausschnitt in ETRS89 / UTM 32N, Norden oben.")


def _share_head(site: dict[str, Any], base_url: str, description: str) -> str:
    """Head lines for search engines and link previews: the page's canonical address and Open Graph data
    (its first photo as image); invented demo sites are kept out of search results (``noindex``)."""
    url = f"{base_url.rstrip('/')}/flaechen/{int(site['id'])}"
    lines = [f'<link rel="canonical" href="{escape(url)}">', '<meta property="og:type" content="website">',
             f'<meta property="og:title" content="{escape(site["name"])}">',
             f'<meta property="og:description" content="{escape(description)}">',
             f'<meta property="og:url" content="{escape(url)}">', '<meta property="og:locale" content="de_DE">']
    if site.get("photos"):
        lines.append(f'<meta property="og:image" content="{escape(base_url.rstrip("/") + site["photos"][0]["url"])}">')
    if site.get("illustrative"):
        lines.append(NOINDEX)
    return "".join(lines)


def detail_page(site: dict[str, Any], map_svg: str, base_url: str) -> str:
    """The German detail page of a published site; ``base_url``: where the service is reached (canonical
    address and link previews)."""
    name = escape(site["name"])
    note = f'<p class="note" role="note">{ILLUSTRATIVE}</p>' if site.get("illustrative") else ""
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts(site))
    description = escape(site.get("public_description") or "")
    contact = escape(site.get("contact_office") or "Bitte wenden Sie sich an die Gemeinde.")
    main = f"""<p>{escape(KIND.get(site['kind'], site['kind']))} in {escape(site['municipality'])}</p>
<h1>{name}</h1>
{note}
<figure>{map_svg}<figcaption>{_map_caption(site)}</figcaption></figure>
{_photo_section(site.get("photos") or [])}
<section aria-labelledby="eckdaten"><h2 id="eckdaten">Eckdaten</h2><dl class="facts">{rows}</dl></section>
{f'<section aria-labelledby="beschreibung"><h2 id="beschreibung">Beschreibung</h2><p>{description}</p></section>'
 if description else ''}
<section aria-labelledby="kontakt"><h2 id="kontakt">Ansprechstelle</h2><p>{contact}</p>
<p class="actions"><a href="{escape(site['expose_pdf_url'])}" download>Exposé als PDF herunterladen</a>
<a href="/#flaeche-{site['id']}">Anfrage über die Kartenansicht stellen</a></p></section>"""
    summary = f"{KIND.get(site['kind'], site['kind'])} in {site['municipality']}, {number(site['area_m2'])} m²"
    return plain_page(title=site["name"], description=f"Exposé: {site['name']}, {site['municipality']}", main=main,
                      footer=f"Datenquellen: {escape(ATTRIBUTION)}", head=_share_head(site, base_url, summary))


def _photo_figure(photo: dict[str, Any], src: str, attributes: str = "") -> str:
    """A photo with its caption as text alternative, and caption and credit under it (page and exposé)."""
    return (f'<figure class="photo"><img src="{escape(src)}" alt="{escape(photo["caption"])}"{attributes}>'
            f"<figcaption>{escape(photo['caption'])} · Foto: {escape(photo['credit'])}</figcaption></figure>")


def _photo_section(photos: list[dict[str, Any]]) -> str:
    if not photos:
        return ""
    figures = "".join(_photo_figure(p, p["url"], f' width="{int(p["width"])}" height="{int(p["height"])}" '
                                                 'loading="lazy"') for p in photos)
    return f'<section aria-labelledby="fotos"><h2 id="fotos">Fotos</h2>{figures}</section>'


def plain_page(*, title: str, description: str, main: str, footer: str, head: str = "") -> str:
    """A German page of the public side without the map (a site's detail page, the legal pages): ``main``,
    ``footer`` and ``head`` (more lines of the head) are HTML, ``title`` and ``description`` text. The footer
    ends with the links to the legal pages."""
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} – Flächenpool</title><meta name="description" content="{escape(description)}">
<link rel="icon" href="{FAVICON}" type="image/svg+xml">{head}<style>{STYLE}</style></head>
<body><a class="skip" href="#inhalt">Zum Inhalt springen</a>
<header><nav aria-label="Navigation"><a href="/">Flächenpool – zur Kartenansicht</a></nav></header>
<main id="inhalt">
{main}
</main>
<footer><p>{footer}</p><p>{LEGAL_LINKS}</p></footer></body></html>"""


def _print_photo(site: dict[str, Any], photo: tuple[bytes, str] | None) -> str:
    if photo is None or not site.get("photos"):
        return ""
    return _photo_figure(site["photos"][0], f"data:{photo[1]};base64,{base64.b64encode(photo[0]).decode('ascii')}")


def print_document(site: dict[str, Any], map_svg: str, *, today: dt.date, base_url: str = "",
                   photo: tuple[bytes, str] | None = None) -> str:
    """The HTML the PDF exposé is printed from (A4); ``photo``: the first photo's bytes and media type."""
    note = f'<p class="note">{ILLUSTRATIVE}</p>' if site.get("illustrative") else ""
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts(site))
    description = escape(site.get("public_description") or "")
    return f"""<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Exposé: {escape(site['name'])}</title>
<meta name="author" content="Flächenpool"><style>{PRINT_STYLE}</style></head><body>
<p class="kicker">Exposé · {escape(KIND.get(site['kind'], site['kind']))} · {escape(site['municipality'])}</p>
<h1>{escape(site['name'])}</h1>
{note}
<figure>{map_svg}<figcaption>{_map_caption(site)}</figcaption></figure>
{_print_photo(site, photo)}
<table>{rows}</table>
{f'<h2>Beschreibung</h2><p>{description}</p>' if description else ''}
<h2>Ansprechstelle</h2><p>{escape(site.get('contact_office') or 'Bitte wenden Sie sich an die Gemeinde.')}</p>
<p>Online: {escape(base_url.rstrip('/'))}/flaechen/{site['id']} · Stand: {today:%d.%m.%Y}</p>
<p class="sources">Datenquellen: {escape(ATTRIBUTION)}. Alle Angaben ohne Gewähr.</p>
</body></html>"""
