// "Fläche melden": location from the map, kind, description, photo, optional contact with consent
// → POST /api/public/reports (multipart); shows the reference number.
import { postForm } from "./api.js";
import { clearMessages, fieldLabels, recheckOnInput, setFieldError, submit, validate } from "./forms.js";

const MAX_PHOTO = 5 * 1024 * 1024;
const coordinate = new Intl.NumberFormat("de-DE", { minimumFractionDigits: 5, maximumFractionDigits: 5 });

export function setupReport(form, siteMap) {
  let picked = null;
  const location = form.elements.location;
  const pick = (lngLat) => {
    picked = { lng: lngLat.lng, lat: lngLat.lat };
    location.value = `${coordinate.format(picked.lat)}, ${coordinate.format(picked.lng)}`;
    setFieldError(location, "");
    siteMap.setMarker(picked);
  };
  form.querySelector("#r-use-centre").addEventListener("click", () => pick(siteMap.map.getCenter()));

  const extra = (field) => {
    if (field.name === "photo" && field.files?.[0]) {
      const file = field.files[0];
      if (!["image/jpeg", "image/png", "image/webp"].includes(file.type)) {
        return "Bitte ein Foto als JPEG, PNG oder WebP wählen.";
      }
      if (file.size > MAX_PHOTO) return "Das Foto ist größer als 5 MB. Bitte wählen Sie ein kleineres.";
    }
    const contact = ["contact_name", "contact_email", "contact_phone"].some((n) => form.elements[n].value.trim());
    if (field.name === "contact_consent" && contact && !field.checked) {
      return "Wenn Sie Kontaktdaten angeben, bestätigen Sie bitte die Einwilligung.";
    }
    if (field.name === "contact_email" && form.elements.contact_name.value.trim() && !field.value.trim()
        && !form.elements.contact_phone.value.trim()) {
      return "Bitte geben Sie eine E-Mail-Adresse oder Telefonnummer an, damit die Gemeinde Sie erreichen kann.";
    }
    return "";
  };
  recheckOnInput(form, extra);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessages(form);
    if (!validate(form, extra)) return;
    const data = new FormData();
    data.set("lon", String(picked.lng));
    data.set("lat", String(picked.lat));
    data.set("kind", form.elements.kind.value);
    data.set("description", form.elements.description.value.trim());
    const photo = form.elements.photo.files[0];
    if (photo) data.set("photo", photo, photo.name);
    let contact = false;
    for (const name of ["contact_name", "contact_email", "contact_phone"]) {
      const value = form.elements[name].value.trim();
      if (value) data.set(name, value);
      contact ||= Boolean(value);
    }
    if (contact) {
      const consent = form.elements.contact_consent;
      data.set("contact_consent", consent.checked ? "true" : "false");
      data.set("consent_version", consent.dataset.version);
    }
    data.set("website", form.elements.website.value);
    await submit(form, () => postForm("/api/public/reports", data, fieldLabels(form)), (result) => {
      picked = null;
      siteMap.setMarker(null);
      return `Vielen Dank! Ihre Meldung ist eingegangen. Aktenzeichen: ${result.reference}. `
        + "Bitte geben Sie es bei Rückfragen an.";
    });
  });
  return { pick };
}
