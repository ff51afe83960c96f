"""Retention and erasure of the personal data the public sends (Löschfristen, Auskunft, Löschung):
investors' inquiries and the contacts of site reports.

The database does the work (migration 0007): ``personal.purge_expired`` deletes what has passed its
retention period, ``personal.erase_by_email`` what one person sent, ``personal.find_by_email`` lists
it for an access request (logged like every read of personal data). An erasure also replaces what the
person's site reports say and deletes their photos (migration 0009). Each deletion removes the
personal columns from the rows' records in ``audit.log``. Only admins may call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from flaechenpool.errors import InputError
from flaechenpool.settings import PublicSettings


@dataclass(frozen=True)
class Erased:
    """What a purge or an erasure removed."""

    inquiries: int
    report_contacts: int
    audit_records: int
    reports: int = 0        # reports whose description and photo an erasure removed (not by retention)


def purge_expired(conn: Connection, limits: PublicSettings) -> Erased:
    """Delete inquiries and report contacts whose retention period has ended."""
    row = conn.execute(text("SELECT * FROM personal.purge_expired(:i, :r)"),
                       {"i": limits.inquiry_retention_days, "r": limits.report_contact_retention_days}).one()
    return Erased(**row._mapping)


def erase_by_email(conn: Connection, email: str, *, reason: str) -> Erased:
    """Delete everything sent with ``email`` on the person's request: inquiries, report contacts, and the
    description and photo of the reports sent with a contact under that address (migration 0009)."""
    if not reason.strip():
        raise InputError("erasing personal data needs a reason (e.g. the request's file number)")
    row = conn.execute(text("SELECT * FROM personal.erase_by_email(:e, :r)"), {"e": email, "r": reason}).one()
    return Erased(**row._mapping)


def find_by_email(conn: Connection, email: str, *, purpose: str) -> list[dict[str, Any]]:
    """What is stored about ``email`` (for an access request); the read is logged with ``purpose``."""
    if not purpose.strip():
        raise InputError("reading personal data needs a purpose")
    rows = conn.execute(text("SELECT * FROM personal.find_by_email(:e, :p)"), {"e": email, "p": purpose})
    return [dict(r) for r in rows.mappings()]
