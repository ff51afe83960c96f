"""A MapLibre GL style (v8) for the combined vector tiles: sites coloured by kind, outlined by status.

No external resources (no glyphs, sprites or base map): the style works offline on the project's
own tiles. Layers the caller may not read are left out.
"""

from __future__ import annotations

from typing import Any

from flaechenpool.features.registry import Collection
from flaechenpool.features.tiles import TMS_ID

SOURCE = "flaechenpool"
SITE_KIND_COLOURS = {
    "brownfield": "#8c510a", "infill_gap": "#d8b365", "commercial_land": "#35978f", "vacant_building": "#c51b7d",
    "partial_vacancy": "#e9a3c9", "underused": "#7fbc41", "old_farmstead": "#b35806", "residual_use": "#999999",
}
SITE_STATUS_COLOURS = {
    "identified": "#9e9e9e", "assessed": "#525252", "in_mobilisation": "#2171b5", "marketed": "#238b45",
    "reserved": "#fd8d3c", "sold": "#a50f15", "developed": "#54278f", "withdrawn": "#000000",
}
PROJECT_STATUS_COLOURS = {"planned": "#9e9ac8", "under_construction": "#e6550d", "completed": "#636363"}
VACANCY_COLOURS = {"residential": "#d7301f", "commercial": "#fc8d59", "retail": "#fdbb84", "mixed": "#b30000",
                   "industrial": "#7f0000", "agricultural": "#a6761d", "public": "#3690c0", "other": "#969696"}


def _match(prop: str, colours: dict[str, str], default: str) -> list[Any]:
    out: list[Any] = ["match", ["get", prop]]
    for value, colour in colours.items():
        out += [value, colour]
    return out + [default]


def _fill(layer: str, colour: Any, opacity: float, minzoom: int = 0, outline: Any = None) -> dict[str, Any]:
    paint: dict[str, Any] = {"fill-color": colour, "fill-opacity": opacity}
    if outline:
        paint["fill-outline-color"] = outline
    return {"id": f"{layer}-fill", "type": "fill", "source": SOURCE, "source-layer": layer, "minzoom": minzoom,
            "paint": paint}


def _line(layer: str, colour: Any, width: Any, minzoom: int = 0, dash: list[float] | None = None,
          suffix: str = "line") -> dict[str, Any]:
    paint: dict[str, Any] = {"line-color": colour, "line-width": width}
    if dash:
        paint["line-dasharray"] = dash
    return {"id": f"{layer}-{suffix}", "type": "line", "source": SOURCE, "source-layer": layer, "minzoom": minzoom,
            "paint": paint}


def _circle(layer: str, colour: Any, radius: Any, minzoom: int = 0) -> dict[str, Any]:
    return {"id": f"{layer}-circle", "type": "circle", "source": SOURCE, "source-layer": layer, "minzoom": minzoom,
            "paint": {"circle-color": colour, "circle-radius": radius, "circle-stroke-color": "#ffffff",
                      "circle-stroke-width": 1}}


LAYERS: dict[str, list[dict[str, Any]]] = {
    "land_use": [_fill("land_use", _match("class", {"residential": "#f2dad9", "industrial": "#ebdbe8",
                                                   "commercial": "#f2d5e0", "retail": "#ffd6d1", "brownfield": "#c7c7a9",
                                                   "farmland": "#eef0d5", "forest": "#add19e", "meadow": "#cdebb0",
                                                   "park": "#c8facc"}, "#e5e5e5"), 0.6)],
    "water_areas": [_fill("water_areas", "#aad3df", 1.0)],
    "waterways": [_line("waterways", "#7bb3d0", ["interpolate", ["linear"], ["zoom"], 8, 0.5, 16, 3])],
    "flood_zones": [_fill("flood_zones", "#4a90d9", 0.25, outline="#2c6fb7")],
    "protected_areas": [_fill("protected_areas", "#5aae61", 0.2, outline="#1b7837")],
    "land_values": [_fill("land_values", ["interpolate", ["linear"], ["to-number", ["get", "value_eur_m2"], 0],
                                          0, "#fff7bc", 100, "#fec44f", 300, "#ec7014", 1000, "#8c2d04"], 0.3,
                          minzoom=11, outline="#cc4c02")],
    "zoning_plans": [_fill("zoning_plans", "#fdae61", 0.15), _line("zoning_plans", "#e66101", 1.2)],
    "preemption_areas": [_line("preemption_areas", "#b2182b", 1.5, minzoom=11, dash=[4, 2])],
    "counties": [_line("counties", "#7a5195", 1.5, dash=[3, 2])],
    "municipalities": [_line("municipalities", "#6a3d9a", ["interpolate", ["linear"], ["zoom"], 6, 1, 14, 3])],
    "districts": [_line("districts", "#9e9ac8", 1, minzoom=11, dash=[2, 2])],
    "estates": [_fill("estates", "#bcbddc", 0.35), _line("estates", "#54278f", 1.5)],
    "parcels": [_line("parcels", "#8d8d8d", ["interpolate", ["linear"], ["zoom"], 13, 0.3, 18, 1.2], minzoom=13)],
    "buildings": [_fill("buildings", "#c9c0b6", 0.9, minzoom=14, outline="#a39485")],
    "pool_holdings": [_fill("pool_holdings", "#ffd92f", 0.45), _line("pool_holdings", "#b8860b", 1.2)],
    "sites": [_fill("sites", _match("kind", SITE_KIND_COLOURS, "#999999"), 0.55),
              _line("sites", _match("status", SITE_STATUS_COLOURS, "#000000"), 2.5, suffix="status")],
    "construction_project_areas": [
        _fill("construction_project_areas", _match("status", PROJECT_STATUS_COLOURS, "#636363"), 0.25),
        _line("construction_project_areas", _match("status", PROJECT_STATUS_COLOURS, "#636363"), 1.5, dash=[2, 1])],
    "construction_projects": [_circle("construction_projects", _match("status", PROJECT_STATUS_COLOURS, "#636363"),
                                      4, minzoom=10)],
    "vacancies": [_circle("vacancies", _match("building_type", VACANCY_COLOURS, "#969696"), 5)],
    "transit_routes": [_line("transit_routes", "#e31a1c", 2, minzoom=11)],
    "transit_stops": [_circle("transit_stops", "#e31a1c", 3, minzoom=13)],
    "stations": [_circle("stations", "#1f1f1f", ["interpolate", ["linear"], ["zoom"], 8, 3, 14, 6])],
}


def style(base: str, collections: list[Collection]) -> dict[str, Any]:
    visible = {c.id for c in collections}
    layers: list[dict[str, Any]] = [{"id": "background", "type": "background", "paint": {"background-color": "#f6f7f4"}}]
    for cid, style_layers in LAYERS.items():
        if cid in visible:
            layers += style_layers
    return {
        "version": 8,
        "name": "Flächenpool",
        "metadata": {"flaechenpool:legend": {"sites.kind": SITE_KIND_COLOURS, "sites.status": SITE_STATUS_COLOURS,
                                              "construction_projects.status": PROJECT_STATUS_COLOURS}},
        "center": [11.03, 50.98], "zoom": 8,
        "sources": {SOURCE: {"type": "vector", "tiles": [f"{base}/tiles/{TMS_ID}/{{z}}/{{y}}/{{x}}"],
                             "minzoom": 0, "maxzoom": 16, "bounds": [9.8, 50.2, 12.7, 51.65],
                             "attribution": "© GeoBasis-DE / BKG, © GeoBasis-DE / TLBG (dl-de/by-2-0), "
                                            "© OpenStreetMap-Mitwirkende (ODbL)"}},
        "layers": layers,
    }
