// "Bauvorhaben": public construction projects (GET /api/public/projects) as a list and a map layer.
import { getJSON } from "./api.js";
import { PROJECT_KIND, STATUS, h, illustrativeBadge, label } from "./format.js";

const dateFormat = new Intl.DateTimeFormat("de-DE", { month: "long", year: "numeric", timeZone: "UTC" });  // ISO dates are UTC midnight
const month = (iso) => (iso ? dateFormat.format(new Date(iso)) : null);

function period(p) {
  const start = month(p.start_on);
  const end = month(p.end_on);
  if (start && end) return `${start} bis ${end}`;
  if (start) return `ab ${start}`;
  return end ? `bis ${end}` : null;
}

function item(feature, onShow) {
  const p = feature.properties;
  const button = h("button", { type: "button", class: "link-button site-name" }, p.name ?? p.title);
  button.addEventListener("click", () => onShow(feature));
  const illustrative = p.illustrative === true || p.provenance === "illustrative";
  return h("li", { class: "project" },
    button, illustrative ? [" ", illustrativeBadge()] : null,
    h("span", { class: "site-meta" },
      [p.municipality, label(PROJECT_KIND, p.kind), label(STATUS, p.status), period(p)].filter(Boolean).join(" · ")),
    p.builder_name ? h("span", { class: "site-meta" }, `Bauherr: ${p.builder_name}`) : null,
    p.description ? h("span", { class: "site-facts" }, p.description) : null);
}

export async function loadProjects(list, count, onShow) {
  try {
    const collection = await getJSON("/api/public/projects");
    const features = collection?.features ?? [];
    list.replaceChildren(...features.map((f) => item(f, onShow)));
    count.textContent = features.length === 1 ? "1 Bauvorhaben" : `${features.length} Bauvorhaben`;
    if (!features.length) list.append(h("li", { class: "empty" }, "Derzeit sind keine Bauvorhaben veröffentlicht."));
    return collection;
  } catch (error) {
    count.textContent = error.message;
    return { type: "FeatureCollection", features: [] };
  }
}
