// The list of sites in the map's view and the card of one site (from GET /api/public/sites[/{id}]).
import { AVAILABILITY, KIND, PLANNING_LAW, STATUS, USE, UTILITIES, area, distance, fill, h, illustrativeBadge,
  day, label, labels, landValue, price, renewalAreas } from "./format.js";

export const siteId = (f) => Number(f.id ?? f.properties.id);
const isIllustrative = (p) => p.illustrative === true || p.provenance === "illustrative";
const detailUrl = (p, id) => p.expose_url ?? `/flaechen/${id}`;
const pdfUrl = (p, id) => p.expose_pdf_url ?? `/flaechen/${id}/expose.pdf`;

function intersects(a, b) {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/** Features whose bounding box meets the view [w, s, e, n]. */
export function inView(features, view, bboxOf) {
  return features.filter((f) => intersects(f.bbox ?? bboxOf(f.geometry), view));
}

function listItem(feature, selected) {
  const p = feature.properties;
  const id = siteId(feature);
  // the first photo's thumbnail: decorative here (the name follows; the card shows the photo with its caption)
  const thumbnail = p.thumbnail
    ? h("img", { class: "site-thumb", src: p.thumbnail.url, alt: "", loading: "lazy", width: 96, height: 72 })
    : null;
  return h("li", {},
    h("a", { class: "site-item" + (thumbnail ? " with-thumb" : ""), href: detailUrl(p, id), "data-site-id": id,
      "aria-current": id === selected ? "true" : null },
      thumbnail,
      h("span", { class: "site-name" }, p.name), isIllustrative(p) ? [" ", illustrativeBadge()] : null,
      h("span", { class: "site-meta" }, `${p.municipality ?? ""} · ${label(KIND, p.kind)}`),
      h("span", { class: "site-facts" },
        `${area(p.area_m2)} · ${price(p.asking_price_eur_m2)} · verfügbar ${label(AVAILABILITY, p.availability)}`)));
}

export function renderList(list, count, visible, total, selected) {
  list.replaceChildren(...visible.map((f) => listItem(f, selected)));
  if (!visible.length) {
    list.append(h("li", { class: "empty" }, total
      ? "Im Kartenausschnitt liegt keine passende Fläche. Verkleinern Sie die Karte oder ändern Sie die Filter."
      : "Keine Fläche passt zu den Filtern."));
  }
  count.textContent = `${visible.length} von ${total} passenden Flächen im Kartenausschnitt`;
}

function fact(term, value) {
  return value == null || value === "–" ? null : [h("dt", {}, term), h("dd", {}, value)];
}

/** The first photo of a site with its caption and credit (the caption is its text alternative). */
function photo(photos) {
  if (!photos || photos.length === 0) return null;
  const first = photos[0];
  const more = photos.length > 1 ? ` · ${photos.length - 1} weitere auf der Detailseite` : "";
  return h("figure", { class: "card-photo" },
    h("img", { src: first.url, alt: first.caption, width: first.width, height: first.height, loading: "lazy" }),
    h("figcaption", {}, `${first.caption} · Foto: ${first.credit}${more}`));
}

/** Fills the card of a site; returns the slot the inquiry form goes into. */
export function renderCard(card, feature, onClose) {
  const p = feature.properties;
  const id = siteId(feature);
  const back = h("button", { type: "button", class: "secondary back" }, "← Zurück zur Liste");
  back.addEventListener("click", onClose);
  const slot = h("div", { class: "inquiry-slot" });
  fill(card,
    back,
    h("h2", { id: "card-title", tabindex: "-1" }, p.name, isIllustrative(p) ? [" ", illustrativeBadge()] : null),
    h("p", { class: "card-sub" },
      [p.municipality, label(KIND, p.kind), p.status ? label(STATUS, p.status) : null].filter(Boolean).join(" · ")),
    isIllustrative(p) ? h("p", { class: "illustrative-note" },
      "Erfundene Beispielfläche aus den Demodaten (illustrativ) – kein reales Angebot.") : null,
    photo(p.photos),
    h("dl", { class: "facts" },
      fact("Fläche", area(p.area_m2)),
      fact("Preis", price(p.asking_price_eur_m2)),
      fact("Bodenrichtwert", landValue(p.land_value)),
      fact("Planungsrecht", label(PLANNING_LAW, p.planning_law ?? "unknown")),
      fact("Besonderes Städtebaurecht", renewalAreas(p.urban_renewal_areas)),
      fact("Art der Nutzung", p.land_use_type_name),
      fact("Gewerbegebiet", p.estate),
      fact("Verfügbar", label(AVAILABILITY, p.availability)),
      fact("Verfügbar ab", day(p.available_from)),
      fact("Nutzungen", labels(USE, p.uses)),
      fact("Erschließung", labels(UTILITIES, p.utilities)),
      fact("Breitband", p.broadband_mbit ? `${p.broadband_mbit} Mbit/s` : null),
      fact("Nächster Bahnhof", p.station_distance_m != null
        ? `${distance(p.station_distance_m)}${p.station_name ? ` (${p.station_name})` : ""}` : null),
      fact("Autobahnanschluss", p.junction_distance_m != null
        ? `${distance(p.junction_distance_m)}${p.junction_name ? ` (${p.junction_name})` : ""}` : null),
      fact("Ansprechstelle", p.contact_office)),
    p.public_description ? h("p", { class: "description" }, p.public_description) : null,
    h("p", { class: "links" },
      h("a", { href: detailUrl(p, id), class: "button-link" }, "Detailseite"),
      h("a", { href: pdfUrl(p, id), class: "button-link", download: `Expose-Flaeche-${id}.pdf` },
        "Exposé (PDF)")),
    slot,
  );
  card.hidden = false;
  return slot;
}
