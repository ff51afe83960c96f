"""The municipal land pool (Flächenpool): record purchases, sales, exchanges, leases and pre-emptions;
the holdings on any date and the changes between two dates follow from them.

A sale of land the municipality does not hold on the effective date is refused by the database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, text

from flaechenpool.auth import USER_SOURCE, Principal
from flaechenpool.errors import InputError, PermissionDenied, UnprocessableError
from flaechenpool.parcels import KEY_RE

TransactionKind = Literal["purchase", "sale", "exchange", "lease_in", "lease_out", "pre_emption"]
Direction = Literal["acquire", "dispose", "lease_in", "lease_out"]
DEFAULT_DIRECTION: dict[str, str] = {"purchase": "acquire", "pre_emption": "acquire", "sale": "dispose",
                                     "lease_in": "lease_in", "lease_out": "lease_out"}


class Counterparty(BaseModel):
    """A new counterparty (personal data: stored in the personal schema)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["person", "organisation", "public_body"]
    category: Literal["federal", "state", "district", "municipality", "church", "private_person",
                      "private_company", "other"]
    name: str = Field(min_length=1, max_length=300)
    address: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=100)


class TransactionParcel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flurstueckskennzeichen: str = Field(pattern=KEY_RE.pattern)
    direction: Direction | None = None
    area_m2: float | None = Field(default=None, gt=0)
    book_value_eur: float | None = Field(default=None, ge=0)


class TransactionCreate(BaseModel):
    """A transaction of the land pool with its parcels."""

    model_config = ConfigDict(extra="forbid")

    municipality_ags: str = Field(pattern=r"^[0-9]{8}$")
    kind: TransactionKind
    contract_date: dt.date
    effective_date: dt.date | None = None
    lease_end: dt.date | None = None
    price_eur: float | None = Field(default=None, ge=0)
    counterparty: Counterparty | None = None
    file_reference: str | None = Field(default=None, max_length=100)
    notes: str | None = Field(default=None, max_length=5000)
    parcels: list[TransactionParcel] = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _consistent(self) -> TransactionCreate:
        if self.effective_date is not None and self.effective_date < self.contract_date:
            raise ValueError("effective_date lies before contract_date")
        if self.kind in ("lease_in", "lease_out") and self.lease_end is None:
            raise ValueError("a lease needs lease_end")
        for parcel in self.parcels:
            if parcel.direction is None:
                if self.kind == "exchange":
                    raise ValueError("an exchange names the direction (acquire/dispose) of every parcel")
                parcel.direction = DEFAULT_DIRECTION[self.kind]  # type: ignore[assignment]
        return self


def record_transaction(conn: Connection, principal: Principal, data: TransactionCreate) -> int:
    """Store a transaction; the parcels' areas default to their official areas."""
    if not principal.may_write(data.municipality_ags):
        raise PermissionDenied(f"only land managers of municipality {data.municipality_ags} may record its land pool")
    keys = [p.flurstueckskennzeichen for p in data.parcels]
    if len(set(keys)) != len(keys):
        raise InputError("a parcel is listed twice")
    areas: dict[str, Decimal | None] = dict(conn.execute(text(
        "SELECT flurstueckskennzeichen, official_area_m2 FROM core.parcels WHERE flurstueckskennzeichen = ANY(:k) "
        "AND valid_to IS NULL AND municipality_ags = :m"), {"k": keys, "m": data.municipality_ags}).all())
    missing = [k for k in keys if k not in areas]
    if missing:
        raise UnprocessableError(f"no current parcel of municipality {data.municipality_ags}: {', '.join(missing)}")
    with conn.begin_nested():
        party_id = None
        if data.counterparty is not None:
            party_id = conn.execute(text(
                "INSERT INTO personal.parties (kind, category, name, address, email, phone, provenance, source) "
                "VALUES (:kind, :category, :name, :address, :email, :phone, 'user', :src) RETURNING id"),
                dict(data.counterparty.model_dump(), src=USER_SOURCE)).scalar_one()
        tid = int(conn.execute(text(
            "INSERT INTO core.pool_transactions (municipality_ags, kind, contract_date, effective_date, lease_end, "
            "price_eur, counterparty_id, file_reference, notes, provenance, source) VALUES (:m, :kind, :cd, :ed, :le, "
            ":price, :party, :ref, :notes, 'user', :src) RETURNING id"),
            {"m": data.municipality_ags, "kind": data.kind, "cd": data.contract_date,
             "ed": data.effective_date or data.contract_date, "le": data.lease_end, "price": data.price_eur,
             "party": party_id, "ref": data.file_reference, "notes": data.notes,
             "src": USER_SOURCE}).scalar_one())
        for parcel in data.parcels:  # one by one: the refusal names the parcel
            conn.execute(text("INSERT INTO core.pool_transaction_parcels (transaction_id, flurstueckskennzeichen, "
                              "direction, area_m2, book_value_eur) VALUES (:t, :k, :d, :a, :b)"),
                         {"t": tid, "k": parcel.flurstueckskennzeichen, "d": parcel.direction,
                          "a": parcel.area_m2 or areas[parcel.flurstueckskennzeichen], "b": parcel.book_value_eur})
    return tid


def holdings(conn: Connection, municipality: str, as_of: dt.date) -> dict[str, Any]:
    """What the municipality held on ``as_of``: parcels, area and book value."""
    rows = [dict(r) for r in conn.execute(text(
        "SELECT h.flurstueckskennzeichen, h.acquired_on, h.kind AS acquired_by, h.area_m2, h.book_value_eur, "
        "p.land_use, g.name AS gemarkung FROM core.pool_held(:m, :d) h "
        "LEFT JOIN core.parcels p ON p.flurstueckskennzeichen = h.flurstueckskennzeichen AND p.valid_to IS NULL "
        "LEFT JOIN ref.gemarkungen g ON g.gemarkung_key = p.gemarkung_key ORDER BY h.flurstueckskennzeichen"),
        {"m": municipality, "d": as_of}).mappings()]
    return {
        "municipality": municipality,
        "as_of": as_of.isoformat(),
        "parcels": rows,
        "count": len(rows),
        "area_m2": float(sum(r["area_m2"] for r in rows)),
        "book_value_eur": float(sum(r["book_value_eur"] or 0 for r in rows)),
    }


def changes(conn: Connection, municipality: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Parcels that entered and left the holdings between ``start`` (exclusive) and ``end`` (inclusive)."""
    if end < start:
        raise InputError("the end date lies before the start date")
    before = {r["flurstueckskennzeichen"]: r for r in holdings(conn, municipality, start)["parcels"]}
    after = {r["flurstueckskennzeichen"]: r for r in holdings(conn, municipality, end)["parcels"]}
    entered = [after[k] for k in sorted(after.keys() - before.keys())]
    left = [before[k] for k in sorted(before.keys() - after.keys())]
    return {"municipality": municipality, "from": start.isoformat(), "to": end.isoformat(),
            "acquired": entered, "disposed": left,
            "area_change_m2": float(sum(r["area_m2"] for r in entered) - sum(r["area_m2"] for r in left))}


def transactions(conn: Connection, municipality: str) -> list[dict[str, Any]]:
    """Transactions of a municipality without personal data (the counterparty only as an id)."""
    return [dict(r) for r in conn.execute(text(
        "SELECT t.id, t.kind, t.contract_date, t.effective_date, t.lease_end, t.price_eur, t.file_reference, "
        "t.counterparty_id IS NOT NULL AS has_counterparty, t.provenance, "
        "json_agg(json_build_object('flurstueckskennzeichen', tp.flurstueckskennzeichen, 'direction', tp.direction, "
        "'area_m2', tp.area_m2) ORDER BY tp.flurstueckskennzeichen) AS parcels "
        "FROM core.pool_transactions t JOIN core.pool_transaction_parcels tp ON tp.transaction_id = t.id "
        "WHERE t.municipality_ags = :m GROUP BY t.id ORDER BY t.effective_date, t.id"), {"m": municipality}).mappings()]
