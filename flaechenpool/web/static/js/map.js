// The MapLibre map: an offline base map from the project's own vector tiles (public collections), or,
// when the operator configured one, a raster base map under the boundaries; published sites drawn from the same tiles, markers for small zooms, construction projects and
// the location picked for a report.
import * as maplibregl from "maplibre-gl";

const BASE_LAYERS = new Set(["background", "land_use-fill", "water_areas-fill", "waterways-line", "counties-line",
  "municipalities-line", "districts-line", "estates-fill", "estates-line", "parcels-line", "transit_routes-line",
  "stations-circle"]);
const SITE_COLOUR = "#0b6e99";
const SELECTED_COLOUR = "#d95f02";
const PROJECT_COLOUR = "#7b3294";
const DOTS_MAX_ZOOM = 13;
export const HOME = { center: [11.03, 50.85], zoom: 7.6 };
const NONE = ["==", ["get", "id"], -1];
const POLYGONS = ["in", ["geometry-type"], ["literal", ["Polygon", "MultiPolygon"]]];
const POINTS = ["in", ["geometry-type"], ["literal", ["Point", "MultiPoint"]]];

// what a raster base map already shows: the own layers for these are left out under one
const DRAWN_BY_BASEMAP = new Set(["land_use-fill", "water_areas-fill", "waterways-line"]);

/** The server's MapLibre style (public layers only), reduced to a base map, with the site layers added;
 *  ``basemap`` ({tiles, maxzoom}) draws a raster base map above the background. */
async function pageStyle(basemap) {
  const response = await fetch("/ogc/styles/default", { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`style ${response.status}`);
  const style = await response.json();
  const source = Object.keys(style.sources)[0];
  delete style.sources[source].attribution;   // the page shows the full attribution itself
  style.layers = style.layers.filter((l) => BASE_LAYERS.has(l.id) && !(basemap && DRAWN_BY_BASEMAP.has(l.id)));
  if (basemap) {
    style.sources.basemap = { type: "raster", tiles: [basemap.tiles], tileSize: 256, maxzoom: basemap.maxzoom };
    style.layers.splice(1, 0, { id: "basemap", type: "raster", source: "basemap" });
  }
  const stations = style.layers.find((l) => l.id === "stations-circle");
  if (stations) {
    stations.paint = { "circle-color": "#3d3d3d", "circle-stroke-color": "#ffffff", "circle-stroke-width": 1,
      "circle-radius": ["interpolate", ["linear"], ["zoom"], 7, 1.5, 11, 3, 15, 6] };
  }
  style.sources["site-dots"] = { type: "geojson", data: { type: "FeatureCollection", features: [] } };
  style.sources.projects = { type: "geojson", data: { type: "FeatureCollection", features: [] } };
  const sites = { source, "source-layer": "sites", filter: NONE };
  const insertAt = style.layers.findIndex((l) => l.id === "transit_routes-line");
  const own = [
    { id: "site-fill", type: "fill", ...sites, paint: { "fill-color": SITE_COLOUR, "fill-opacity": 0.45 } },
    { id: "site-outline", type: "line", ...sites, paint: { "line-color": SITE_COLOUR, "line-width": 2 } },
    { id: "site-illustrative", type: "line", ...sites,
      paint: { "line-color": "#ffffff", "line-width": 1.5, "line-dasharray": [2, 2] } },
    { id: "site-selected", type: "line", ...sites,
      paint: { "line-color": SELECTED_COLOUR, "line-width": 4 } },
    { id: "project-fill", type: "fill", source: "projects", filter: POLYGONS,
      layout: { visibility: "none" }, paint: { "fill-color": PROJECT_COLOUR, "fill-opacity": 0.35 } },
    { id: "project-line", type: "line", source: "projects", filter: POLYGONS,
      layout: { visibility: "none" }, paint: { "line-color": PROJECT_COLOUR, "line-width": 2 } },
    { id: "project-circle", type: "circle", source: "projects", filter: POINTS, layout: { visibility: "none" },
      paint: { "circle-color": PROJECT_COLOUR, "circle-radius": 7, "circle-stroke-color": "#fff",
        "circle-stroke-width": 2 } },
  ];
  style.layers.splice(insertAt < 0 ? style.layers.length : insertAt, 0, ...own);
  style.layers.push({ id: "site-dots", type: "circle", source: "site-dots", maxzoom: DOTS_MAX_ZOOM,
    paint: { "circle-color": ["case", ["boolean", ["get", "selected"], false], SELECTED_COLOUR, SITE_COLOUR],
      "circle-radius": ["interpolate", ["linear"], ["zoom"], 6, 5, 12, 8],
      "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 } });
  return style;
}

/** Bounding box [minLng, minLat, maxLng, maxLat] of a GeoJSON geometry. */
export function bbox(geometry) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === "number") {
      box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
      box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
    } else c.forEach(walk);
  };
  if (geometry) walk(geometry.coordinates);
  return box;
}

/** Performance marks "map-load", "first-tile" (first frame drawn after a tile arrived) and "map-idle"
 *  time the first map render (bench/bench_page.py and the browser tests read them). */
function markFirstRender(map) {
  const tileData = (event) => {
    if (event.dataType !== "source" || !event.tile) return;
    map.off("data", tileData);
    map.once("render", () => performance.mark("first-tile"));
  };
  map.on("data", tileData);
  map.once("load", () => performance.mark("map-load"));
  map.once("idle", () => performance.mark("map-idle"));
}

export class SiteMap {
  constructor(container, view, attribution, basemap = null) {
    this.onSelect = () => {};
    this.onPick = null;          // set while the report form wants a location
    this.onMove = () => {};
    this.marker = null;
    this.ready = pageStyle(basemap).then((style) => new Promise((resolve) => {
      this.map = new maplibregl.Map({
        container, style, attributionControl: false,
        center: view ? [view.lng, view.lat] : HOME.center, zoom: view ? view.zoom : HOME.zoom,
        maxBounds: [[8.5, 49.6], [14.0, 52.3]], hash: false, dragRotate: false, pitchWithRotate: false,
        locale: { "Map.Title": "Karte", "Marker.Title": "Markierung", "NavigationControl.ZoomIn": "Vergrößern", "NavigationControl.ZoomOut": "Verkleinern",
          "NavigationControl.ResetBearing": "Nach Norden ausrichten", "AttributionControl.ToggleAttribution":
          "Quellenangaben ein- oder ausblenden", "ScaleControl.Meters": "m", "ScaleControl.Kilometers": "km" },
      });
      this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
      this.map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
      const attributionControl = new maplibregl.AttributionControl({ customAttribution: attribution });
      this.map.addControl(attributionControl);
      // on narrow maps the attribution starts folded (the "i" button opens it; the footer lists every source)
      this.map.once("load", () => attributionControl._container?.classList.remove("maplibregl-compact-show"));
      markFirstRender(this.map);
      this.map.touchZoomRotate.disableRotation();
      this.map.keyboard.disableRotation();
      this.map.on("load", () => {
        this._bindEvents();
        resolve(this.map);
      });
    }));
  }

  _bindEvents() {
    const clickable = ["site-fill", "site-dots"];
    for (const layer of [...clickable, "project-fill", "project-circle"]) {
      this.map.on("mouseenter", layer, () => { this.map.getCanvas().style.cursor = "pointer"; });
      this.map.on("mouseleave", layer, () => { this.map.getCanvas().style.cursor = ""; });
    }
    this.map.on("click", (event) => {
      if (this.onPick) {
        this.onPick(event.lngLat);
        return;
      }
      const hit = this.map.queryRenderedFeatures(event.point, { layers: clickable })[0];
      if (hit) this.onSelect(Number(hit.properties.id));
    });
    this.map.on("moveend", () => this.onMove());
  }

  view() {
    const c = this.map.getCenter();
    return { zoom: this.map.getZoom(), lat: c.lat, lng: c.lng };
  }

  bounds() {
    const b = this.map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  }

  /** Draw only these sites (ids from the filtered API result); dots at small zooms. */
  showSites(features, selected) {
    const ids = features.map((f) => Number(f.id ?? f.properties.id));
    const inIds = ["in", ["to-number", ["get", "id"]], ["literal", ids]];
    this.map.setFilter("site-fill", inIds);
    this.map.setFilter("site-outline", inIds);
    this.map.setFilter("site-illustrative", ["all", inIds, ["==", ["get", "provenance"], "illustrative"]]);
    this._dots(features, selected);
  }

  _dots(features, selected) {
    this._features = features;
    const dots = features.map((f) => {
      const [w, s, e, n] = f.bbox ?? bbox(f.geometry);
      const id = Number(f.id ?? f.properties.id);
      return { type: "Feature", properties: { id, selected: id === selected },
        geometry: { type: "Point", coordinates: f.properties.label_point ?? [(w + e) / 2, (s + n) / 2] } };
    });
    this.map.getSource("site-dots").setData({ type: "FeatureCollection", features: dots });
  }

  select(id) {
    this.map.setFilter("site-selected", id == null ? NONE : ["==", ["to-number", ["get", "id"]], id]);
    if (this._features) this._dots(this._features, id);
  }

  fitTo(geometries, maxZoom = 15) {
    const boxes = geometries.filter(Boolean).map(bbox);
    if (!boxes.length) return;
    const box = boxes.reduce((a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]),
      Math.max(a[2], b[2]), Math.max(a[3], b[3])]);
    this.map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 48, maxZoom, duration: 0 });
  }

  showProjects(collection, visible) {
    this.map.getSource("projects").setData(collection);
    for (const layer of ["project-fill", "project-line", "project-circle"]) {
      this.map.setLayoutProperty(layer, "visibility", visible ? "visible" : "none");
    }
  }

  /** Municipality names as HTML labels at the centre of their extent (no glyphs needed: works offline). */
  addLabels(municipalities) {
    for (const { name, bbox: [w, s, e, n] } of municipalities) {
      const element = document.createElement("span");
      element.className = "map-label";
      element.textContent = name;
      element.setAttribute("aria-hidden", "true");
      new maplibregl.Marker({ element }).setLngLat([(w + e) / 2, (s + n) / 2]).addTo(this.map);
    }
  }

  setMarker(lngLat) {
    if (!lngLat) {
      this.marker?.remove();
      this.marker = null;
      return;
    }
    if (!this.marker) {
      this.marker = new maplibregl.Marker({ color: SELECTED_COLOUR });
      this.marker.getElement().setAttribute("aria-label", "Gewählter Ort der Meldung");
      this.marker.getElement().classList.add("report-marker");
    }
    this.marker.setLngLat(lngLat).addTo(this.map);
  }
}
