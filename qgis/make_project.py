"""Build ``qgis/flaechenpool.qgs``: every OGC API collection as a layer, German field aliases from the
server's ``/schema``, readable styles (sites coloured by kind, outlined by status) and the vector
tiles with the project's MapLibre style.

Run with QGIS' Python against a running server, e.g.::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis/make_project.py \\
        --url http://127.0.0.1:8000 --user planer --token fp_… --out qgis/flaechenpool.qgs

The token is used only while building; the saved project refers to the QGIS authentication
configuration ``fpool01`` instead (see qgis/README.md) and to ``--public-url`` (default: --url).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import urllib.request
from base64 import b64encode

KIND = {"brownfield": ("#8c510a", "Brachfläche"), "infill_gap": ("#d8b365", "Baulücke"),
        "commercial_land": ("#35978f", "Gewerbefläche"), "vacant_building": ("#c51b7d", "Leerstehendes Gebäude"),
        "partial_vacancy": ("#e9a3c9", "Teilleerstand"), "underused": ("#7fbc41", "Untergenutzte Fläche"),
        "old_farmstead": ("#b35806", "Althofstelle"), "residual_use": ("#999999", "Restnutzung")}
STATUS = {"identified": "#9e9e9e", "assessed": "#525252", "in_mobilisation": "#2171b5", "marketed": "#238b45",
          "reserved": "#fd8d3c", "sold": "#a50f15", "developed": "#54278f", "withdrawn": "#000000"}
SIMPLE = {"parcels": ("#ffffff00", "#8d8d8d", 0.2), "municipalities": ("#ffffff00", "#6a3d9a", 0.8),
          "districts": ("#ffffff00", "#9e9ac8", 0.3), "pool_holdings": ("#ffd92f88", "#b8860b", 0.4),
          "buildings": ("#c9c0b6", "#a39485", 0.1), "flood_zones": ("#4a90d944", "#2c6fb7", 0.3),
          "protected_areas": ("#5aae6133", "#1b7837", 0.3), "land_values": ("#fec44f33", "#cc4c02", 0.3),
          "zoning_plans": ("#fdae6126", "#e66101", 0.4), "preemption_areas": ("#b2182b1a", "#b2182b", 0.6),
          "estates": ("#bcbddc59", "#54278f", 0.4), "land_use": ("#e5e5e599", "#cccccc", 0.1),
          "water_areas": ("#aad3df", "#7bb3d0", 0.1), "counties": ("#ffffff00", "#7a5195", 0.6)}
# pre-emption cases (for land managers only: a project built with a land manager's token holds them) by state
PREEMPTION_STATE = {"open": ("#2171b5", "offen"), "due": ("#e31a1c", "Frist läuft ab"),
                    "lapsed": ("#969696", "Frist verstrichen"), "decided": ("#41ab5d", "entschieden")}
# construction projects (Bauvorhaben) by status
PROJECT_STATUS = {"planned": ("#9e9ac8", "geplant"), "under_construction": ("#e6550d", "im Bau"),
                  "completed": ("#636363", "fertiggestellt")}
# drawn bottom to top
ORDER = ["land_use", "water_areas", "waterways", "land_values", "flood_zones", "protected_areas", "counties",
         "municipalities", "districts", "zoning_plans", "preemption_areas", "estates", "parcels", "buildings",
         "pool_holdings", "analysis_candidates", "sites", "construction_project_areas", "preemption_cases",
         "vacancies", "construction_projects", "transit_routes", "transit_stops", "stations"]


def fetch(url: str, user: str, token: str, accept: str = "application/json") -> dict:  # type: ignore[type-arg]
    request = urllib.request.Request(url, headers={
        "Accept": accept, "Authorization": "Basic " + b64encode(f"{user}:{token}".encode()).decode()})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--out", default="qgis/flaechenpool.qgs")
    parser.add_argument("--public-url", default=None)
    args = parser.parse_args()

    from qgis.core import (
        QgsApplication,
        QgsCategorizedSymbolRenderer,
        QgsDataSourceUri,
        QgsFillSymbol,
        QgsLineSymbol,
        QgsMapBoxGlStyleConverter,
        QgsMarkerSymbol,
        QgsProject,
        QgsProperty,
        QgsRendererCategory,
        QgsSingleSymbolRenderer,
        QgsSymbolLayer,
        QgsVectorLayer,
        QgsVectorTileLayer,
    )

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    project = QgsProject.instance()
    project.setTitle("Flächenpool")
    base = args.url.rstrip("/") + "/ogc"
    collections = {c["id"]: c for c in fetch(base + "/collections", args.user, args.token)["collections"]}

    status_colour = "map_get(map(" + ", ".join(f"'{k}', '{v}'" for k, v in STATUS.items()) + "), \"status\")"
    group = project.layerTreeRoot().addGroup("Flächenpool (OGC API Features)")
    for cid in reversed(ORDER):
        if cid not in collections:
            continue
        uri = QgsDataSourceUri()
        uri.setParam("url", base)
        uri.setParam("typename", cid)
        uri.setParam("pagingEnabled", "true")
        uri.setParam("restrictToRequestBBOX", "1")
        uri.setUsername(args.user)
        uri.setPassword(args.token)
        layer = QgsVectorLayer(uri.uri(False), collections[cid]["title"], "OAPIF")
        if not layer.isValid():
            raise SystemExit(f"layer {cid} did not load")
        schema = fetch(f"{base}/collections/{cid}/schema", args.user, args.token, "application/schema+json")
        for name, prop in schema["properties"].items():
            index = layer.fields().indexOf(name)
            if index >= 0 and prop.get("title"):
                layer.setFieldAlias(index, prop["title"])
        if cid == "sites":
            categories = []
            for kind, (colour, label) in KIND.items():
                symbol = QgsFillSymbol.createSimple({"color": colour + "aa", "outline_width": "0.8"})
                symbol.symbolLayer(0).setDataDefinedProperty(QgsSymbolLayer.PropertyStrokeColor,
                                                             QgsProperty.fromExpression(status_colour))
                categories.append(QgsRendererCategory(kind, symbol, label))
            layer.setRenderer(QgsCategorizedSymbolRenderer("kind", categories))
        elif cid == "analysis_candidates":   # results of the potential analysis: hatched by kind (filter run_id)
            layer.setRenderer(QgsCategorizedSymbolRenderer("kind", [
                QgsRendererCategory(kind, QgsFillSymbol.createSimple(
                    {"color": colour + "55", "outline_color": colour, "outline_style": "dash", "outline_width": "0.5"}),
                    label) for kind, (colour, label) in KIND.items() if kind != "commercial_land"]))
        elif cid == "preemption_cases":
            layer.setRenderer(QgsCategorizedSymbolRenderer("state", [
                QgsRendererCategory(state, QgsFillSymbol.createSimple(
                    {"color": colour + "66", "outline_color": colour, "outline_width": "0.8"}), label)
                for state, (colour, label) in PREEMPTION_STATE.items()]))
        elif cid == "construction_projects":
            layer.setRenderer(QgsCategorizedSymbolRenderer("status", [
                QgsRendererCategory(status, QgsMarkerSymbol.createSimple(
                    {"name": "square", "color": colour, "size": "2.6", "outline_color": "#ffffff"}), label)
                for status, (colour, label) in PROJECT_STATUS.items()]))
        elif cid == "construction_project_areas":
            layer.setRenderer(QgsCategorizedSymbolRenderer("status", [
                QgsRendererCategory(status, QgsFillSymbol.createSimple(
                    {"color": colour + "40", "outline_color": colour, "outline_width": "0.6",
                     "outline_style": "dot"}), label)
                for status, (colour, label) in PROJECT_STATUS.items()]))
        elif cid == "vacancies":
            layer.setRenderer(QgsSingleSymbolRenderer(QgsMarkerSymbol.createSimple(
                {"color": "#d7301f", "size": "2.6", "outline_color": "#ffffff"})))
        elif cid in ("stations", "transit_stops"):
            layer.setRenderer(QgsSingleSymbolRenderer(QgsMarkerSymbol.createSimple(
                {"color": "#1f1f1f" if cid == "stations" else "#e31a1c", "size": "2.2" if cid == "stations" else "1.4"})))
        elif cid in ("transit_routes", "waterways"):
            layer.setRenderer(QgsSingleSymbolRenderer(QgsLineSymbol.createSimple(
                {"line_color": "#e31a1c" if cid == "transit_routes" else "#7bb3d0", "line_width": "0.5"})))
        elif cid in SIMPLE:
            fill, outline, width = SIMPLE[cid]
            layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
                {"color": fill, "outline_color": outline, "outline_width": str(width)})))
        if cid in ("parcels", "buildings"):
            layer.setScaleBasedVisibility(True)
            layer.setMaximumScale(1)
            layer.setMinimumScale(25000)
        project.addMapLayer(layer, False)
        group.addLayer(layer)

    tiles = QgsVectorTileLayer(f"type=xyz&url={base}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}&zmin=0&zmax=16",
                               "Flächenpool (Vektorkacheln)")
    converter = QgsMapBoxGlStyleConverter()
    converter.convert(fetch(base + "/styles/default", args.user, args.token))
    tiles.setRenderer(converter.renderer())
    project.addMapLayer(tiles, False)
    project.layerTreeRoot().addLayer(tiles).setItemVisibilityChecked(False)
    project.write(args.out)

    # never save the token: refer to the QGIS authentication configuration "fpool01" instead
    with open(args.out, encoding="utf-8") as f:
        xml = f.read()
    xml = re.sub(r"user(?:name)?='[^']*'(?: password='[^']*')?", "authcfg='fpool01'", xml)
    xml = xml.replace(args.token, "")
    if args.public_url:
        xml = xml.replace(args.url.rstrip("/"), args.public_url.rstrip("/"))
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(xml)
    print(f"wrote {args.out} with {len(group.children())} OGC API layers and the vector tiles")
    os._exit(0)   # QGIS 3.22 may crash while tearing down offscreen


if __name__ == "__main__":
    main()
