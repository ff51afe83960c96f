// The page's state in the URL (shareable links): map view, filters, selected site and tab.
//   /?map=ZOOM/LAT/LON&municipality=…&area_min=…&use=…&site=ID&tab=projects
// Filter names are the query parameters of GET /api/public/sites.

export const FILTERS = ["municipality", "area_min", "area_max", "use", "availability", "price_min", "price_max",
  "station_max_m", "junction_max_m", "sort"];
export const TABS = ["sites", "projects", "report"];

export function readState(search = window.location.search) {
  const params = new URLSearchParams(search);
  const filters = {};
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  let view = null;
  const parts = (params.get("map") ?? "").split("/").map(Number);
  if (parts.length === 3 && parts.every(Number.isFinite) && Math.abs(parts[1]) <= 85 && Math.abs(parts[2]) <= 180) {
    view = { zoom: parts[0], lat: parts[1], lng: parts[2] };
  }
  const site = /^\d+$/.test(params.get("site") ?? "") ? Number(params.get("site")) : null;
  const tab = TABS.includes(params.get("tab")) ? params.get("tab") : "sites";
  return { filters, view, site, tab };
}

export function writeState(state) {
  const params = new URLSearchParams();
  if (state.view) {
    const { zoom, lat, lng } = state.view;
    params.set("map", `${zoom.toFixed(2)}/${lat.toFixed(5)}/${lng.toFixed(5)}`);
  }
  for (const name of FILTERS) {
    if (state.filters[name]) params.set(name, state.filters[name]);
  }
  if (state.site != null) params.set("site", String(state.site));
  if (state.tab !== "sites") params.set("tab", state.tab);
  const query = params.toString().replaceAll("%2F", "/");
  const url = `${window.location.pathname}${query ? `?${query}` : ""}`;
  if (url !== `${window.location.pathname}${window.location.search}`) window.history.replaceState(null, "", url);
}
