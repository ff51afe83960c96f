// The inquiry form of a site card: POST /api/public/sites/{id}/inquiries (JSON).
import { postJSON } from "./api.js";
import { clearMessages, fieldLabels, recheckOnInput, submit, validate } from "./forms.js";

export function mountInquiry(slot, siteId) {
  const form = document.getElementById("inquiry-template").content.firstElementChild.cloneNode(true);
  slot.replaceChildren(form);
  recheckOnInput(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearMessages(form);
    if (!validate(form)) return;
    const data = {
      name: form.elements.name.value.trim(),
      email: form.elements.email.value.trim(),
      company: form.elements.company.value.trim() || null,
      message: form.elements.message.value.trim(),
      consent: form.elements.consent.checked,
      consent_version: form.elements.consent.dataset.version || null,
      website: form.elements.website.value,
    };
    await submit(form, () => postJSON(`/api/public/sites/${siteId}/inquiries`, data, fieldLabels(form)),
      (result) => "Vielen Dank! Ihre Anfrage ist bei der Gemeinde eingegangen "
        + `(Aktenzeichen ${result.reference}). Sie erhalten die Antwort an Ihre E-Mail-Adresse.`);
  });
  return form;
}
