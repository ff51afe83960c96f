// German labels and number formats for the public page.

export const KIND = {
  brownfield: "Brachfläche", infill_gap: "Baulücke", commercial_land: "Gewerbefläche",
  vacant_building: "Leerstehendes Gebäude", partial_vacancy: "Leerstand in einem Gebäude",
  underused: "Untergenutzte Fläche", old_farmstead: "Althofstelle", residual_use: "Restnutzung",
};
export const AVAILABILITY = {
  immediate: "sofort", within_1_year: "innerhalb eines Jahres", within_3_years: "in 1–3 Jahren",
  later: "später", unknown: "offen",
};
export const USE = {
  industrial: "Industrie", commercial: "Gewerbe", mixed: "Mischnutzung", office: "Büro",
  residential: "Wohnen", retail: "Einzelhandel", public: "Gemeinbedarf",
};
export const PLANNING_LAW = {
  s30_zoning_plan: "Bebauungsplan (§ 30 BauGB)", s33_plan_in_preparation: "Plan in Aufstellung (§ 33 BauGB)",
  s34_inner_area: "Innenbereich (§ 34 BauGB)", s35_outer_area: "Außenbereich (§ 35 BauGB)", unknown: "ungeklärt",
};
export const STATUS = {
  marketed: "in Vermarktung", reserved: "reserviert", in_mobilisation: "in Vorbereitung",
  planned: "geplant", under_construction: "im Bau", completed: "fertiggestellt",
};
export const PROJECT_KIND = {
  residential: "Wohnen", commercial: "Gewerbe", industrial: "Industrie", office: "Büro", mixed: "Mischnutzung",
  public_building: "Öffentliches Gebäude", education: "Bildung", infrastructure: "Infrastruktur", other: "Sonstiges",
};
export const UTILITIES = {
  water: "Wasser", sewage: "Abwasser", electricity: "Strom", gas: "Gas", district_heating: "Fernwärme",
  rail_siding: "Gleisanschluss",
};

const integer = new Intl.NumberFormat("de-DE", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("de-DE", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function label(table, value) {
  return value == null ? "–" : (table[value] ?? String(value));
}

export function labels(table, values) {
  const list = typeof values === "string" ? values.split(",").filter(Boolean) : (values ?? []);
  return list.length ? list.map((v) => label(table, v)).join(", ") : "–";
}

export function area(m2) {
  return m2 == null ? "–" : `${integer.format(m2)} m²`;
}

export function price(eurM2) {
  return eurM2 == null ? "Preis auf Anfrage" : `${decimal.format(eurM2)} €/m²`;
}

const RENEWAL = { redevelopment: "Sanierungsgebiet oder Entwicklungsbereich",
  restructuring_preservation: "Stadtumbau- oder Erhaltungsgebiet" };

/** Areas of special urban law over a site (redevelopment area, preservation statute), as the detail page. */
export function renewalAreas(areas) {
  if (!areas || !areas.length) return null;
  return areas.map((a) => `„${a.name}“ (${RENEWAL[a.kind] ?? a.kind})`).join("; ");
}

/** A calendar date (ISO, "2024-01-01") as Germans write it, "01.01.2024", as the server's pages do; read as
 * text, not as a Date, which west of Greenwich would show the day before. */
export function day(iso) {
  if (iso == null) return null;
  const [y, m, d] = String(iso).slice(0, 10).split("-");
  return `${d}.${m}.${y}`;
}

/** The land value (Bodenrichtwert) over a site with its reference date; invented demo values say so. */
export function landValue(value) {
  if (value == null) return null;
  return `${decimal.format(value.value_eur_m2)} €/m² (Stichtag ${day(value.reference_date)})` +
    (value.illustrative ? ", illustrativ" : "");
}

export function distance(m) {
  if (m == null) return "–";
  return m < 1000 ? `${integer.format(Math.round(m / 10) * 10)} m` : `${decimal.format(m / 1000).replace(/0$/, "")} km`;
}

/** An element with attributes and children (strings become text nodes: nothing is parsed as HTML). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  return fill(el, ...children);
}

/** Replaces an element's children, as ``h`` adds them: null and false are left out (the DOM's own
 * ``replaceChildren`` would write them as the text "null"), arrays are flattened, strings become text. */
export function fill(el, ...children) {
  el.replaceChildren();
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function illustrativeBadge() {
  return h("span", { class: "badge", title: "Erfundene Beispieldaten, kein reales Angebot" }, "illustrativ");
}
