// Calls to the public API; problem+json errors become German messages for the page.

export class ApiError extends Error {
  constructor(message, status, fields = []) {
    super(message);
    this.status = status;
    this.fields = fields;     // names of the request fields the server refused
  }
}

function retryText(response) {
  const seconds = Number(response.headers.get("Retry-After"));
  if (!Number.isFinite(seconds) || seconds <= 0) return "später";
  return seconds < 90 ? `in ${Math.ceil(seconds)} Sekunden` : `in ${Math.ceil(seconds / 60)} Minuten`;
}

/** Field names a problem document names (FastAPI validation: "body.email"; ours: field/pointer). */
function problemFields(problem) {
  const errors = Array.isArray(problem?.errors) ? problem.errors : [];
  return errors.map((e) => String(e.field ?? e.location ?? e.pointer ?? e.name ?? "").split(/[./]/).pop())
    .filter(Boolean);
}

function germanMessage(status, response, fields, fieldLabels) {
  if (status === 400 || status === 422) {
    const named = [...new Set(fields.map((f) => fieldLabels[f]).filter(Boolean))];
    return named.length ? `Bitte prüfen Sie: ${named.join(", ")}.` : "Bitte prüfen Sie Ihre Angaben.";
  }
  if (status === 404) return "Dieser Eintrag ist nicht (mehr) veröffentlicht.";
  if (status === 409) return "Dieser Eintrag hat sich inzwischen geändert. Bitte laden Sie die Seite neu.";
  if (status === 413) return "Die Daten sind zu groß. Bitte wählen Sie ein kleineres Foto (höchstens 5 MB).";
  if (status === 415) return "Dieses Dateiformat wird nicht angenommen. Bitte ein Foto als JPEG oder PNG wählen.";
  if (status === 429) return `Zu viele Anfragen in kurzer Zeit. Bitte versuchen Sie es ${retryText(response)} erneut.`;
  if (status === 401 || status === 403) return "Dafür fehlt die Berechtigung.";
  return "Der Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.";
}

async function request(url, options = {}, fieldLabels = {}) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" }, ...options });
  } catch {
    throw new ApiError("Keine Verbindung zum Dienst. Bitte prüfen Sie Ihre Internetverbindung.", 0);
  }
  const type = response.headers.get("Content-Type") ?? "";
  const body = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const fields = problemFields(body);
    throw new ApiError(germanMessage(response.status, response, fields, fieldLabels), response.status, fields);
  }
  return body;
}

export function getJSON(url, signal) {
  return request(url, { signal });
}

export function postJSON(url, data, fieldLabels) {
  return request(url, {
    method: "POST", body: JSON.stringify(data),
    headers: { Accept: "application/json", "Content-Type": "application/json" },
  }, fieldLabels);
}

export function postForm(url, formData, fieldLabels) {
  return request(url, { method: "POST", body: formData }, fieldLabels);
}
