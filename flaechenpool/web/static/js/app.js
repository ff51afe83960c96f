// The public page: map, filters, list of sites in view, site card with inquiry form, construction
// projects and the report form; the state lives in the URL.
import { getJSON } from "./api.js";
import { SiteMap, bbox } from "./map.js";
import { mountInquiry } from "./inquiry.js";
import { loadProjects } from "./projects.js";
import { setupReport } from "./report.js";
import { inView, renderCard, renderList } from "./sites.js";
import { FILTERS, readState, writeState } from "./state.js";
import { setupTabs } from "./tabs.js";

const $ = (id) => document.getElementById(id);
const state = readState();
const form = $("filters");
const list = $("site-list");
const card = $("site-card");
const count = $("result-count");
const mapStatus = $("map-status");
let features = [];
let loading = null;

for (const name of FILTERS) if (state.filters[name]) form.elements[name].value = state.filters[name];
// on phones the filters start folded (unless the link sets some), so the list follows the map directly
if (window.matchMedia("(max-width: 48rem)").matches && !Object.keys(state.filters).length) {
  $("filters-box").open = false;
}

const { attribution, basemap } = $("map").dataset;
const siteMap = new SiteMap("map", state.view, attribution, basemap ? JSON.parse(basemap) : null);

const PAGE = 1000;   // the API's largest page
let junctionsLoaded = true;

/** Without motorway junctions in the database the junction filter could only empty the list. */
function offerJunctionFilter() {
  const select = form.elements.junction_max_m;
  select.disabled = !junctionsLoaded && !select.value;
  $("f-junction-note").hidden = junctionsLoaded;
}

/** Every page of the filtered result (limit/offset paging; number_matched says when to stop). */
async function fetchSites(signal) {
  const out = [];
  for (let offset = 0; offset < 50 * PAGE; offset += PAGE) {
    const params = new URLSearchParams({ ...state.filters, limit: String(PAGE), offset: String(offset) });
    const collection = await getJSON(`/api/public/sites?${params}`, signal);
    out.push(...(collection.features ?? []));
    junctionsLoaded = collection.motorway_junctions_loaded !== false;
    if (out.length >= (collection.number_matched ?? 0) || !collection.features?.length) break;
  }
  return out;
}

function updateList() {
  const visible = siteMap.map ? inView(features, siteMap.bounds(), bbox) : features;
  renderList(list, count, visible, features.length, state.site);
}

async function loadSites() {
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  count.textContent = "Flächen werden geladen …";
  try {
    features = await fetchSites(controller.signal);
    offerJunctionFilter();
  } catch (error) {
    if (error.name === "AbortError" || controller.signal.aborted) return;
    count.textContent = error.message;
    return;
  }
  await siteMap.ready;
  siteMap.showSites(features, state.site);
  updateList();
}

function showCard(show) {
  card.hidden = !show;
  list.hidden = show;
  count.hidden = show;
  $("filters-box").hidden = show;
}

async function openSite(id, { zoom }) {
  state.site = id;
  writeState(state);
  let feature;
  try {
    feature = await getJSON(`/api/public/sites/${id}`);
  } catch (error) {
    state.site = null;
    writeState(state);
    count.textContent = error.message;
    return;
  }
  const slot = renderCard(card, feature, closeSite);
  mountInquiry(slot, id);
  showCard(true);
  $("card-title").focus();
  await siteMap.ready;
  siteMap.select(id);
  updateList();
  if (zoom) siteMap.fitTo([feature.geometry], 15);
}

function closeSite() {
  const id = state.site;
  state.site = null;
  writeState(state);
  showCard(false);
  siteMap.select(null);
  updateList();
  (list.querySelector(`[data-site-id="${id}"]`) ?? list).focus();
}

list.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-site-id]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  openSite(Number(link.dataset.siteId), { zoom: true });
});

function applyFilters() {
  state.filters = {};
  for (const name of FILTERS) {
    const value = String(form.elements[name].value ?? "").trim();
    if (value) state.filters[name] = value;
  }
  writeState(state);
  loadSites();
}
let typing = null;
form.addEventListener("change", applyFilters);
form.addEventListener("input", (event) => {
  if (event.target.type !== "number") return;
  clearTimeout(typing);
  typing = setTimeout(applyFilters, 400);
});
form.addEventListener("submit", (event) => { event.preventDefault(); applyFilters(); });
form.addEventListener("reset", () => setTimeout(applyFilters, 0));

let projects = null;
let report = null;
const selectTab = setupTabs(document.querySelector("[role=tablist]"), async (name) => {
  state.tab = name;
  writeState(state);
  await siteMap.ready;
  siteMap.onPick = name === "report" ? report.pick : null;
  siteMap.map.getCanvas().style.cursor = name === "report" ? "crosshair" : "";
  if (name !== "report") siteMap.setMarker(null);
  if (name === "projects" && !projects) {
    projects = await loadProjects($("project-list"), $("project-count"),
      (feature) => siteMap.fitTo([feature.geometry], 16));
  }
  siteMap.showProjects(projects ?? { type: "FeatureCollection", features: [] }, name === "projects");
});

siteMap.ready.then((map) => {
  window.flaechenpool = { map };   // a handle for the browser console and the browser tests
  mapStatus.textContent = "";
  siteMap.addLabels(JSON.parse($("municipalities").textContent));
  siteMap.onSelect = (id) => openSite(id, { zoom: false });
  siteMap.onMove = () => {
    state.view = siteMap.view();
    writeState(state);
    updateList();
  };
  report = setupReport($("report-form"), siteMap);
  if (state.tab !== "sites") selectTab(state.tab);
}).catch(() => {
  mapStatus.textContent = "Die Karte konnte nicht geladen werden. Die Liste zeigt alle passenden Flächen.";
});

mapStatus.textContent = "Karte wird geladen …";
const firstLoad = loadSites();
if (state.site != null) openSite(state.site, { zoom: !state.view });
else if (!state.view) {
  firstLoad.then(() => siteMap.ready).then(() => {
    if (features.length) siteMap.fitTo(features.map((f) => f.geometry), 14);
  });
}
