// Client-side checks of the page's forms with German messages, and the display of server errors.

function messageFor(field) {
  const v = field.validity;
  const length = field.value?.trim().length ?? 0;
  if (v.valueMissing || (field.required && field.type !== "checkbox" && length === 0)) {
    if (field.type === "checkbox") return "Bitte bestätigen Sie die Einwilligung.";
    if (field.tagName === "SELECT") return "Bitte wählen Sie eine Angabe.";
    if (field.readOnly) return "Bitte wählen Sie einen Ort auf der Karte.";
    return "Bitte füllen Sie dieses Feld aus.";
  }
  if (v.typeMismatch && field.type === "email") {
    return "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.";
  }
  if (v.patternMismatch && field.type === "tel") return "Bitte nur Ziffern, Leerzeichen und + ( ) / - . verwenden.";
  if (field.minLength > 0 && length > 0 && length < field.minLength) {
    return `Bitte schreiben Sie mindestens ${field.minLength} Zeichen (bisher ${length}).`;
  }
  if (field.maxLength > 0 && field.value.length > field.maxLength) {
    return `Bitte höchstens ${field.maxLength} Zeichen.`;
  }
  if (!v.valid) return "Bitte prüfen Sie diese Angabe.";
  return "";
}

export function setFieldError(field, message) {
  const slot = field.form.querySelector(`#${field.id}-error`);
  if (slot) slot.textContent = message;
  if (message) field.setAttribute("aria-invalid", "true");
  else field.removeAttribute("aria-invalid");
}

/** The text of each field's label, by field name (to name fields the server refused). */
export function fieldLabels(form) {
  const out = {};
  for (const field of form.elements) {
    const label = field.id ? form.querySelector(`label[for="${field.id}"]`) : null;
    if (field.name && label) out[field.name] = label.textContent.replace(/\s*\(.*\)\s*$/, "").trim();
  }
  return out;
}

export function showFormError(form, message) {
  form.querySelector(".form-errors").textContent = message;
}

export function clearMessages(form) {
  showFormError(form, "");
  form.querySelector(".form-success").textContent = "";
  for (const field of form.elements) if (field.id) setFieldError(field, "");
}

/** Checks every field (plus ``extra(field)`` → message), marks the bad ones, focuses the first. */
export function validate(form, extra = () => "") {
  let first = null;
  for (const field of form.elements) {
    if (!field.name || field.closest(".hp") || field.type === "submit" || field.type === "button") continue;
    const message = messageFor(field) || extra(field);
    setFieldError(field, message);
    if (message && !first) first = field;
  }
  if (first) {
    showFormError(form, "Bitte korrigieren Sie die markierten Angaben.");
    first.focus();
    return false;
  }
  showFormError(form, "");
  return true;
}

/** Marks the fields the server refused (names from the problem document). */
export function markServerFields(form, names) {
  for (const name of names) {
    const field = form.elements.namedItem(name);
    if (field && field.id) setFieldError(field, "Bitte prüfen Sie diese Angabe.");
  }
}

/** Live re-check of a field once it was marked, so the message goes away when fixed. */
export function recheckOnInput(form, extra = () => "") {
  form.addEventListener("input", (event) => {
    const field = event.target;
    if (field.getAttribute?.("aria-invalid") === "true") setFieldError(field, messageFor(field) || extra(field));
  });
}

/** Sends the form with ``send()``: on success empties it and shows ``success(result)``, else the German error. */
export async function submit(form, send, success) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const result = await send();
    form.reset();
    const slot = form.querySelector(".form-success");
    slot.textContent = success(result);
    slot.scrollIntoView({ block: "nearest" });
  } catch (error) {
    markServerFields(form, error.fields ?? []);
    showFormError(form, error.message);
  } finally {
    button.disabled = false;
  }
}
