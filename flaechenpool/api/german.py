"""German messages for request validation errors on the public endpoints (anonymous visitors read
them on the public page); API field names stay as they are."""

from __future__ import annotations

from typing import Any

PUBLIC_PREFIXES = ("/api/public/", "/flaechen/")

_MESSAGES = {
    "missing": "Angabe fehlt",
    "string_too_short": "zu kurz (mindestens {min_length} Zeichen)",
    "string_too_long": "zu lang (höchstens {max_length} Zeichen)",
    "string_type": "muss ein Text sein",
    "string_pattern_mismatch": "hat nicht das erwartete Format",
    "bool_parsing": "muss ja oder nein sein (true/false)",
    "bool_type": "muss ja oder nein sein (true/false)",
    "int_parsing": "muss eine ganze Zahl sein",
    "int_type": "muss eine ganze Zahl sein",
    "int_from_float": "muss eine ganze Zahl sein",
    "float_parsing": "muss eine Zahl sein",
    "float_type": "muss eine Zahl sein",
    "finite_number": "muss eine endliche Zahl sein",
    "greater_than": "muss größer als {gt} sein",
    "greater_than_equal": "muss mindestens {ge} sein",
    "less_than": "muss kleiner als {lt} sein",
    "less_than_equal": "darf höchstens {le} sein",
    "literal_error": "ungültiger Wert; erlaubt: {expected}",
    "enum": "ungültiger Wert; erlaubt: {expected}",
    "json_invalid": "kein gültiges JSON",
    "json_type": "kein gültiges JSON",
    "model_attributes_type": "muss ein JSON-Objekt sein",
    "dict_type": "muss ein JSON-Objekt sein",
    "model_type": "muss ein JSON-Objekt sein",
    "list_type": "muss eine Liste sein",
    "too_long": "zu viele Einträge (höchstens {max_length})",
    "extra_forbidden": "unbekanntes Feld",
    "date_parsing": "muss ein Datum sein (JJJJ-MM-TT)",
    "date_from_datetime_parsing": "muss ein Datum sein (JJJJ-MM-TT)",
}
_SECTIONS = ("body", "query", "path", "header", "form", "cookie")

# Problem titles by status, and the details of errors that carry no German detail of their own.
_TITLES = {
    400: "Ungültige Anfrage", 401: "Anmeldung erforderlich", 403: "Keine Berechtigung", 404: "Nicht gefunden",
    405: "Methode nicht erlaubt", 406: "Format nicht verfügbar", 409: "Konflikt", 412: "Version veraltet",
    413: "Anfrage zu groß", 415: "Format nicht unterstützt", 422: "Angaben nicht verarbeitbar",
    429: "Zu viele Anfragen", 500: "Interner Fehler", 503: "Dienst nicht verfügbar",
}
_DETAILS = {
    404: "Die angefragte Seite oder Fläche gibt es nicht.",
    405: "Diese Methode ist hier nicht erlaubt.",
    500: "Die Anfrage konnte nicht bearbeitet werden. Bitte versuchen Sie es später erneut.",
    503: "Der Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.",
}


def is_public(path: str) -> bool:
    return path.startswith(PUBLIC_PREFIXES)


def title(status: int) -> str:
    """The German problem title of an HTTP status."""
    return _TITLES.get(status, "Fehler")


def generic_detail(status: int) -> str | None:
    """A German detail for errors whose own detail is technical English (unknown path, server errors)."""
    return _DETAILS.get(status)


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "value_error":   # our validators raise German ValueErrors
        return str(ctx.get("error", error.get("msg", ""))).removeprefix("Value error, ")
    template = _MESSAGES.get(kind)
    if template is None:
        return "ungültiger Wert"
    if "expected" in ctx:
        ctx = dict(ctx, expected=str(ctx["expected"]).replace(" or ", " oder "))
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template.split(" (")[0].split(";")[0]


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """``{"location", "message"}`` per error, in German, without the request section in the location."""
    result = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ())]
        if loc and loc[0] in _SECTIONS:
            loc = loc[1:]
        result.append({"location": ".".join(loc) or "Anfrage", "message": _message(error)})
    return result
