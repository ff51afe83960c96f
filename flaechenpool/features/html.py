"""Plain browsable HTML of the OGC documents (German with English terms; no scripts).

Every value is escaped. The pages render the same JSON documents the API returns, so HTML and
JSON never disagree.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from flaechenpool.web import FAVICON

CSS = """body{font-family:system-ui,sans-serif;margin:0;color:#1d2a33;background:#f6f7f4}
header{background:#23532f;color:#fff;padding:1rem 1.5rem}header a{color:#fff}main{padding:1rem 1.5rem;max-width:80rem}
table{border-collapse:collapse;background:#fff;width:100%}th,td{border-bottom:1px solid #dde;padding:.35rem .5rem;
text-align:left;vertical-align:top;font-size:.9rem}th{background:#e9eee6}pre{background:#fff;padding:1rem;overflow:auto}
nav a{margin-right:1rem}"""


def _page(title: str, body: str, links: list[dict[str, Any]] | None = None) -> str:
    nav = "".join(f'<a href="{escape(str(link["href"]))}">{escape(str(link.get("title") or link["rel"]))}</a>'
                  for link in (links or []) if link.get("rel") in ("next", "prev", "collection", "data", "items"))
    return (f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<link rel="icon" href="{FAVICON}" type="image/svg+xml"><style>{CSS}</style></head>'
            f'<body><header><a href="/ogc">Flächenpool – OGC API</a><h1>{escape(title)}</h1></header>'
            f"<main><nav>{nav}</nav>{body}</main></body></html>")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return escape(json.dumps(value, ensure_ascii=False))
    return escape(str(value))


def landing(doc: dict[str, Any]) -> str:
    rows = "".join(f'<li><a href="{escape(link["href"])}">{escape(link.get("title", link["rel"]))}</a> '
                   f'<small>({escape(link["rel"])}, {escape(link["type"])})</small></li>' for link in doc["links"])
    return _page(doc["title"], f"<p>{escape(doc['description'])}</p><ul>{rows}</ul>")


def collections(doc: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><td><a href="collections/{escape(c["id"])}?f=html">{escape(c["title"])}</a></td>'
        f'<td>{escape(c["id"])}</td><td>{escape(c["description"])}</td>'
        f'<td><a href="collections/{escape(c["id"])}/items?f=html">Objekte</a></td></tr>'
        for c in doc["collections"])
    return _page("Sammlungen (Collections)",
                 f"<table><tr><th>Titel</th><th>Id</th><th>Beschreibung</th><th></th></tr>{rows}</table>")


def collection(doc: dict[str, Any]) -> str:
    links = "".join(f'<li><a href="{escape(link["href"])}">{escape(link.get("title", link["rel"]))}</a></li>'
                    for link in doc["links"])
    extent = escape(json.dumps(doc.get("extent", {}), ensure_ascii=False))
    crs = "".join(f"<li>{escape(c)}</li>" for c in doc["crs"])
    return _page(doc["title"], f"<p>{escape(doc['description'])}</p><ul>{links}</ul>"
                               f"<h2>Ausdehnung (Extent)</h2><pre>{extent}</pre><h2>Koordinatensysteme</h2><ul>{crs}</ul>")


def features(title: str, fc: dict[str, Any]) -> str:
    rows = fc.get("features") or []
    names: list[str] = []
    for f in rows:
        for key in f.get("properties") or {}:
            if key not in names:
                names.append(key)
    head = "".join(f"<th>{escape(n)}</th>" for n in ["id", *names])
    body = "".join("<tr>" + f"<td>{_cell(f.get('id'))}</td>" + "".join(
        f"<td>{_cell((f.get('properties') or {}).get(n))}</td>" for n in names) + "</tr>" for f in rows)
    counts = f"{fc.get('numberReturned', 0)} Objekte" + (
        f" von {fc['numberMatched']}" if "numberMatched" in fc else "")
    return _page(title, f"<p>{escape(counts)}</p><table><tr>{head}</tr>{body}</table>", fc.get("links"))


def feature(title: str, f: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{_cell(v)}</td></tr>" for k, v in (f.get("properties") or {}).items())
    return _page(f"{title}: {f.get('id')}", f"<table>{rows}</table>", f.get("links"))


def document(title: str, doc: Any) -> str:
    return _page(title, f"<pre>{escape(json.dumps(doc, ensure_ascii=False, indent=2))}</pre>")
