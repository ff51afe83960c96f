"""Consent texts (Einwilligungen nach Art. 6 Abs. 1 lit. a DSGVO) shown on the public page. Each
has a version; what a visitor agreed to is stored with the version and the time."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from flaechenpool.errors import InputError


@dataclass(frozen=True)
class ConsentText:
    purpose: str
    version: str
    text: str


INQUIRY = ConsentText(
    "inquiry", "anfrage-2026-12",
    "Ich willige ein, dass meine Angaben (Name, E-Mail-Adresse, Firma, Nachricht) gespeichert und von der "
    "zuständigen Stelle der Gemeinde zur Bearbeitung meiner Anfrage zu dieser Fläche verwendet werden. Die Angaben "
    "werden nicht veröffentlicht und nicht an Dritte weitergegeben. Ich kann die Einwilligung jederzeit gegenüber "
    "der genannten Ansprechstelle widerrufen.")
REPORT_CONTACT = ConsentText(
    "report_contact", "meldung-kontakt-2026-12",
    "Ich willige ein, dass meine Kontaktangaben gespeichert und von der zuständigen Stelle der Gemeinde nur für "
    "Rückfragen zu meiner Meldung verwendet werden. Sie werden nicht veröffentlicht. Ich kann die Einwilligung "
    "jederzeit widerrufen.")
CURRENT = {c.purpose: c for c in (INQUIRY, REPORT_CONTACT)}
KNOWN_VERSIONS = {INQUIRY.purpose: {INQUIRY.version}, REPORT_CONTACT.purpose: {REPORT_CONTACT.version}}


def texts() -> dict[str, dict[str, Any]]:
    """The current consent texts by purpose (for the public page's forms)."""
    return {purpose: asdict(c) for purpose, c in CURRENT.items()}


def version_for(purpose: str, given: str | None) -> str:
    """The version agreed to: the one the form showed (must be known), else the current one."""
    if given is None or not given.strip():
        return CURRENT[purpose].version
    if given not in KNOWN_VERSIONS[purpose]:
        raise InputError(f"Unbekannte Fassung des Einwilligungstexts: {given!r}.")
    return given
