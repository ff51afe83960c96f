"""What anonymous visitors send (inquiries, site reports): checks shared by both forms.

Messages are German; they reach the visitor. A filled honeypot field (hidden on the page, filled
only by bots) refuses the submission without storing anything.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from flaechenpool.errors import InputError

HONEYPOT_FIELD = "website"
RATE_LIMIT_MESSAGE = ("Zu viele Einsendungen in kurzer Zeit. Bitte versuchen Sie es später erneut "
                      "oder wenden Sie sich direkt an die Ansprechstelle der Gemeinde.")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")
_PHONE = re.compile(r"^\+?[0-9 ()/.\-]{5,30}$")


def email(value: str) -> str:
    """A syntactically valid e-mail address (no look-up of the domain), normalised."""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError("keine gültige E-Mail-Adresse") from None


def single_line(value: str) -> str:
    """Names and companies: one line, no control characters."""
    if _LINE_BREAK.search(value) or _CONTROL.search(value):
        raise ValueError("darf keine Zeilenumbrüche oder Steuerzeichen enthalten")
    return value


def text_block(value: str) -> str:
    """Messages and descriptions: line breaks allowed, other control characters not."""
    if _CONTROL.search(value):
        raise ValueError("enthält unzulässige Steuerzeichen")
    return value


def phone(value: str) -> str:
    if not _PHONE.match(value):
        raise ValueError("keine gültige Telefonnummer (Ziffern, Leerzeichen, + ( ) / - .)")
    return value


def refuse_bots(honeypot: str | None) -> None:
    """The hidden field must stay empty."""
    if honeypot:
        raise InputError("Die Einsendung konnte nicht angenommen werden.")
