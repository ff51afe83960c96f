"""Reading personal data (owners, counterparties) for land managers: only for their municipalities,
always with a purpose, and every read is logged by the database (audit.personal_data_reads)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from flaechenpool.auth import Principal
from flaechenpool.errors import InputError, NotFound, PermissionDenied


def read_owners(conn: Connection, principal: Principal, keys: list[str], *, purpose: str) -> list[dict[str, Any]]:
    """Current owners of the parcels ``keys`` (Flurstückskennzeichen)."""
    if not purpose.strip():
        raise InputError("reading owners needs a purpose")
    found: dict[str, str] = dict(conn.execute(text(
        "SELECT flurstueckskennzeichen, municipality_ags FROM core.parcels "
        "WHERE flurstueckskennzeichen = ANY(:k) AND valid_to IS NULL"), {"k": keys}).all())
    missing = [k for k in keys if k not in found]
    if missing:
        raise NotFound(f"no current parcel {', '.join(missing)}")
    denied = sorted({m for m in found.values() if not principal.may_read_personal_data(m)})
    if denied:
        raise PermissionDenied(f"owners of parcels in municipality {', '.join(denied)} are not readable for this user")
    rows = conn.execute(text("SELECT * FROM personal.read_owners(CAST(:k AS text[]), :p)"),
                        {"k": keys, "p": purpose}).mappings()
    return [dict(r) for r in rows]


def read_counterparties(conn: Connection, principal: Principal, transaction_ids: list[int], *,
                        purpose: str) -> dict[int, dict[str, Any]]:
    """Counterparties of pool transactions, by transaction id."""
    if not purpose.strip():
        raise InputError("reading counterparties needs a purpose")
    rows = conn.execute(text("SELECT id, municipality_ags, counterparty_id FROM core.pool_transactions "
                             "WHERE id = ANY(:i)"), {"i": transaction_ids}).all()
    denied = sorted({r.municipality_ags for r in rows if not principal.may_read_personal_data(r.municipality_ags)})
    if denied:
        raise PermissionDenied(f"counterparties in municipality {', '.join(denied)} are not readable for this user")
    party_ids = [r.counterparty_id for r in rows if r.counterparty_id is not None]
    if not party_ids:
        return {}
    parties = {p["id"]: dict(p) for p in conn.execute(
        text("SELECT * FROM personal.read_parties(CAST(:i AS bigint[]), :p)"), {"i": party_ids, "p": purpose}).mappings()}
    return {r.id: parties[r.counterparty_id] for r in rows if r.counterparty_id in parties}
