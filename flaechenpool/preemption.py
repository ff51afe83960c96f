"""Pre-emption cases (*Vorkaufsrechtsfälle*, §§ 24–28 BauGB): the sale contracts notaries report to the
municipality, the deadline of three months from the notice (§ 28 (2) BauGB) and the land office's decision.

A case is recorded with its parcels (current parcels of the municipality), the contract date, the day the
notice arrived and the price. The database computes the deadline (notice + 3 months) and refuses to record an
exercise after it. The decision is final:

- ``no_right``: no pre-emption right exists (*Negativzeugnis*, § 28 (1) sentence 3 BauGB);
- ``waived``: the right exists and is not exercised;
- ``exercised``: the municipality buys; the case becomes a land-pool transaction of kind ``pre_emption``
  (``pool.record_transaction``) and its parcels enter the holdings on the effective date.

The contract's parties are not stored (they stay in the file). Only land managers of the municipality and
admins read and write cases: the price of a private sale is not for planners.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import Connection, text

from flaechenpool import pool
from flaechenpool.auth import Principal
from flaechenpool.db import load_sql
from flaechenpool.errors import Conflict, InputError, NotFound, PermissionDenied, UnprocessableError
from flaechenpool.parcels import KEY_RE

Decision = Literal["no_right", "waived", "exercised"]
State = Literal["open", "due", "lapsed", "decided"]
DUE_DAYS = 14          # an open case whose deadline is this close is "due"

_COLUMNS = """c.id, c.municipality_ags, m.name AS municipality, c.file_reference, c.legal_basis, c.parcels,
    c.contract_date, c.notified_on, c.deadline, c.price_eur::float AS price_eur, c.decision, c.decided_on,
    c.decided_by, c.transaction_id, c.notes, c.provenance, c.created_at, c.created_by,
    core.preemption_state(c.decision, c.deadline, CAST(:today AS date), :due) AS state,
    core.preemption_days_left(c.decision, c.deadline, CAST(:today AS date)) AS days_left"""
_FROM = "FROM core.preemption_cases c JOIN core.municipalities m ON m.ags = c.municipality_ags"


class CaseCreate(BaseModel):
    """A notice of a sale contract (*Mitteilung des Kaufvertrags*)."""

    model_config = ConfigDict(extra="forbid")

    municipality_ags: str = Field(pattern=r"^[0-9]{8}$")
    file_reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        description="The office's file number (Aktenzeichen)")
    legal_basis: Literal["general", "statute"] = Field(
        description="general: § 24 BauGB; statute: a pre-emption statute of the municipality, § 25 BauGB")
    parcels: list[str] = Field(min_length=1, max_length=200, description="Flurstückskennzeichen of the sold land")
    contract_date: dt.date
    notified_on: dt.date = Field(description="The day the notice of the contract arrived (the deadline runs from it)")
    price_eur: float | None = Field(default=None, ge=0, le=1e12)
    notes: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _consistent(self) -> CaseCreate:
        if self.notified_on < self.contract_date:
            raise ValueError("notified_on lies before contract_date")
        if self.notified_on > dt.date.today():
            raise ValueError("notified_on lies in the future")
        for key in self.parcels:
            if not KEY_RE.fullmatch(key):
                raise ValueError(f"parcels: {key!r} is no Flurstückskennzeichen (20 characters)")
        if len(set(self.parcels)) != len(self.parcels):
            raise ValueError("parcels: a parcel is listed twice")
        return self


class CaseDecision(BaseModel):
    """The land office's decision on a case; for ``exercised`` the purchase's terms in the land pool."""

    model_config = ConfigDict(extra="forbid")

    decision: Decision
    decided_on: dt.date | None = Field(default=None, description="Default: today")
    effective_date: dt.date | None = Field(default=None, description="exercised: when the land enters the pool")
    price_eur: float | None = Field(default=None, ge=0, le=1e12,
                                    description="exercised: the price paid, if not the contract's (§ 28 (3) BauGB)")
    notes: str | None = Field(default=None, max_length=5000)

    @model_validator(mode="after")
    def _consistent(self) -> CaseDecision:
        if self.decision != "exercised" and (self.effective_date is not None or self.price_eur is not None):
            raise ValueError("effective_date and price_eur belong to an exercised right only")
        return self


def _check(principal: Principal, municipality: str) -> None:
    if not principal.may_write(municipality):
        raise PermissionDenied(f"only land managers of municipality {municipality} handle its pre-emption cases")


def record_case(conn: Connection, principal: Principal, data: CaseCreate) -> int:
    """Store a notice; its parcels must be current parcels of the municipality."""
    _check(principal, data.municipality_ags)
    found = set(conn.execute(text(
        "SELECT flurstueckskennzeichen FROM core.parcels WHERE flurstueckskennzeichen = ANY(:k) "
        "AND valid_to IS NULL AND municipality_ags = :m"), {"k": data.parcels, "m": data.municipality_ags}).scalars())
    missing = [k for k in data.parcels if k not in found]
    if missing:
        raise UnprocessableError(f"no current parcel of municipality {data.municipality_ags}: {', '.join(missing)}")
    if conn.execute(text("SELECT 1 FROM core.preemption_cases WHERE municipality_ags = :m AND file_reference = :r"),
                    {"m": data.municipality_ags, "r": data.file_reference}).first():
        raise Conflict(f"a case with file reference {data.file_reference!r} exists already")
    with conn.begin_nested():
        return int(conn.execute(text(
            "INSERT INTO core.preemption_cases (municipality_ags, file_reference, legal_basis, parcels, contract_date, "
            "notified_on, price_eur, notes) VALUES (:municipality_ags, :file_reference, :legal_basis, :parcels, "
            ":contract_date, :notified_on, :price_eur, :notes) RETURNING id"), data.model_dump()).scalar_one())


def list_cases(conn: Connection, principal: Principal, *, municipality: str | None = None,
               state: State | None = None, due_within: int | None = None, parcel: str | None = None,
               today: dt.date | None = None, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Cases of the municipalities the caller works for (admins: all), soonest open deadline first, then the
    decided ones, newest first. ``due_within``: open cases whose deadline is at most that many days away;
    ``parcel``: cases naming that parcel (was it sold before, and what was decided?)."""
    _role(principal)
    if municipality is not None:
        _check(principal, municipality)
    if due_within is not None and not 0 <= due_within <= 366:
        raise InputError("due_within: 0 to 366 days")
    if parcel is not None and not KEY_RE.fullmatch(parcel):
        raise InputError(f"parcel: {parcel!r} is no Flurstückskennzeichen (20 characters)")
    mine = None if principal.role == "admin" else list(principal.municipalities)
    rows = conn.execute(text(
        f"SELECT * FROM (SELECT {_COLUMNS} {_FROM} "
        "WHERE (CAST(:mine AS text[]) IS NULL OR c.municipality_ags = ANY(CAST(:mine AS text[]))) "
        "AND (CAST(:m AS text) IS NULL OR c.municipality_ags = :m) "
        "AND (CAST(:parcel AS text) IS NULL OR c.parcels @> ARRAY[CAST(:parcel AS text)])) x "
        "WHERE (CAST(:state AS text) IS NULL OR x.state = :state) "
        "AND (CAST(:within AS integer) IS NULL OR x.days_left <= :within) "
        "ORDER BY x.decision IS NOT NULL, CASE WHEN x.decision IS NULL THEN x.deadline END, x.decided_on DESC, x.id "
        "LIMIT :limit OFFSET :offset"),
        {"mine": mine, "m": municipality, "parcel": parcel, "state": state, "within": due_within,
         "today": today or dt.date.today(),
         "due": DUE_DAYS, "limit": limit, "offset": offset}).mappings()
    return [dict(r) for r in rows]


def _role(principal: Principal) -> None:
    if principal.role not in ("land_manager", "admin"):
        raise PermissionDenied("pre-emption cases are for land managers and admins")


def get_case(conn: Connection, principal: Principal, case_id: int, *, today: dt.date | None = None) -> dict[str, Any]:
    """One case. Another municipality's case is "not found" for a land manager, as an unknown id is, so that
    the answer does not tell which case ids exist elsewhere."""
    _role(principal)
    row = conn.execute(text(f"SELECT {_COLUMNS} {_FROM} WHERE c.id = :i"),
                       {"i": case_id, "today": today or dt.date.today(), "due": DUE_DAYS}).mappings().first()
    if row is None or not principal.may_write(row["municipality_ags"]):
        raise NotFound(f"no pre-emption case {case_id}")
    return dict(row)


def decision_basis(conn: Connection, case: dict[str, Any]) -> dict[str, Any]:
    """What to weigh before deciding (*Entscheidungsgrundlage*) a ``case`` as ``get_case`` returned it (the
    caller's right to it checked there), computed in PostGIS (sql/preemption/decision_basis.sql): price per m²,
    sites and analysis candidates holding the parcels, zoning plans, flood and protected shares, the municipal
    parcels next to them and the land value."""
    return dict(json.loads(conn.execute(text(load_sql("preemption/decision_basis")),
                                        {"case_id": case["id"]}).scalar_one()))


def warnings(case: dict[str, Any], basis: dict[str, Any]) -> list[dict[str, str]]:
    """What the record itself contradicts and the office should check before deciding (a ``code`` and an English
    ``detail``): a right claimed under a statute (§ 25 BauGB) where no pre-emption statute is recorded over the
    land (``basis``: ``decision_basis`` of ``case``)."""
    found = []
    if case["legal_basis"] == "statute" and not any(a["legal_basis"] == "statute" for a in basis["preemption_areas"]):
        found.append({"code": "no_statute_recorded",
                      "detail": "legal basis § 25 BauGB, but no pre-emption statute is recorded over the parcels"})
    return found


def with_basis(conn: Connection, case: dict[str, Any]) -> dict[str, Any]:
    """``case`` with its ``decision_basis`` and its ``warnings`` (as the API answers for one case)."""
    basis = decision_basis(conn, case)
    return {**case, "decision_basis": basis, "warnings": warnings(case, basis)}


def decide(conn: Connection, principal: Principal, case_id: int, data: CaseDecision) -> dict[str, Any]:
    """Record the decision; an exercised right also records the purchase in the land pool (one transaction:
    both or neither)."""
    case = get_case(conn, principal, case_id)
    day = data.decided_on or dt.date.today()
    if case["decision"] is not None:
        raise Conflict(f"pre-emption case {case_id} was decided on {case['decided_on']} ({case['decision']}): "
                       "a decision is final")
    if day < case["notified_on"]:
        raise UnprocessableError(f"decided_on lies before the notice of {case['notified_on']}")
    if day > dt.date.today():
        raise UnprocessableError("decided_on lies in the future")
    if data.effective_date is not None and data.effective_date < day:
        raise UnprocessableError("effective_date lies before decided_on")
    if data.decision == "exercised" and day > case["deadline"]:
        raise Conflict(f"the deadline ended on {case['deadline']}: the right can no longer be exercised "
                       "(§ 28 (2) BauGB)")
    with conn.begin_nested():
        transaction_id = None
        if data.decision == "exercised":
            transaction_id = pool.record_transaction(conn, principal, pool.TransactionCreate(
                municipality_ags=case["municipality_ags"], kind="pre_emption", contract_date=day,
                effective_date=data.effective_date or day,
                price_eur=data.price_eur if data.price_eur is not None else case["price_eur"],
                file_reference=case["file_reference"], notes=f"Vorkaufsrecht ausgeübt (Fall {case_id})",
                parcels=[pool.TransactionParcel(flurstueckskennzeichen=k) for k in case["parcels"]]))
        conn.execute(text(
            "UPDATE core.preemption_cases SET decision = :d, decided_on = :on, decided_by = audit.current_actor(), "
            "transaction_id = :t, notes = coalesce(:n, notes) WHERE id = :i"),
            {"d": data.decision, "on": day, "t": transaction_id, "n": data.notes, "i": case_id})
    return get_case(conn, principal, case_id)
