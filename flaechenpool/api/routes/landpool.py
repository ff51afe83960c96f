"""/api/pool, /api/estates, /api/vacancies: the municipal land pool, commercial estates and the shared
vacancy register."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query

from flaechenpool import audit, estates, pool, vacancies
from flaechenpool.api.params import Offset
from flaechenpool.api.security import ActingConnectionDep, PrincipalDep, require_role
from flaechenpool.owners import read_counterparties
from flaechenpool.spatial import parse_crs

router = APIRouter(tags=["land pool"])
AGS = Annotated[str, Query(pattern=r"^[0-9]{8}$", description="Official municipality key (AGS)")]
WRITERS = ("land_manager", "admin")
READERS = ("planner", *WRITERS)


@router.get("/api/pool/holdings", summary="What the municipality held on a date (parcels, area, book value)")
def get_holdings(conn: ActingConnectionDep, principal: PrincipalDep, municipality: AGS,
                 as_of: dt.date | None = None) -> dict[str, Any]:
    require_role(principal, *READERS)
    return pool.holdings(conn, municipality, as_of or dt.date.today())


@router.get("/api/pool/changes", summary="Parcels acquired and disposed between two dates")
def get_changes(conn: ActingConnectionDep, principal: PrincipalDep, municipality: AGS, start: dt.date,
                end: dt.date) -> dict[str, Any]:
    require_role(principal, *READERS)
    return pool.changes(conn, municipality, start, end)


@router.get("/api/pool/transactions", summary="Transactions; counterparties only for land managers with a purpose")
def get_transactions(conn: ActingConnectionDep, principal: PrincipalDep, municipality: AGS,
                     purpose: Annotated[str | None, Query(max_length=300)] = None) -> list[dict[str, Any]]:
    require_role(principal, *READERS)
    rows = pool.transactions(conn, municipality)
    if purpose:
        parties = read_counterparties(conn, principal, [r["id"] for r in rows], purpose=purpose)
        for row in rows:
            row["counterparty"] = parties.get(row["id"])
    return rows


@router.post("/api/pool/transactions", status_code=201, summary="Record a purchase, sale, exchange, lease or pre-emption")
def post_transaction(conn: ActingConnectionDep, principal: PrincipalDep, body: pool.TransactionCreate) -> dict[str, Any]:
    require_role(principal, *WRITERS)
    return {"id": pool.record_transaction(conn, principal, body)}


@router.get("/api/estates", summary="Commercial estates")
def get_estates(conn: ActingConnectionDep, municipality: Annotated[str | None, Query(pattern=r"^[0-9]{8}$")] = None
                ) -> list[dict[str, Any]]:
    return estates.list_estates(conn, municipality)


@router.post("/api/estates", status_code=201, summary="Create a commercial estate (land managers of its municipality)")
def post_estate(conn: ActingConnectionDep, principal: PrincipalDep, body: estates.EstateCreate,
                crs: str | None = None) -> dict[str, Any]:
    require_role(principal, *WRITERS)
    return {"id": estates.save_estate(conn, principal, body, srid=parse_crs(crs))}


@router.patch("/api/estates/{estate_id}", summary="Change an estate's utilities, broadband, funding or outline")
def patch_estate(conn: ActingConnectionDep, principal: PrincipalDep, estate_id: int, body: estates.EstateFields,
                 crs: str | None = None) -> dict[str, Any]:
    require_role(principal, *WRITERS)
    estates.save_estate(conn, principal, body, estate_id=estate_id, srid=parse_crs(crs))
    return estates.balance(conn, estate_id)


@router.get("/api/estates/{estate_id}/balance", summary="Stock (ha sold/leased, optioned, free) and yearly sales")
def get_balance(conn: ActingConnectionDep, principal: PrincipalDep, estate_id: int) -> dict[str, Any]:
    require_role(principal, *READERS)
    return estates.balance(conn, estate_id)


@router.get("/api/vacancies/summary", summary="Vacancy counts, rates and durations per municipality and district")
def get_vacancy_summary(conn: ActingConnectionDep, principal: PrincipalDep,
                        association: Annotated[str | None, Query(pattern=r"^[a-z0-9-]+$")] = None,
                        municipality: Annotated[str | None, Query(pattern=r"^[0-9]{8}$")] = None,
                        as_of: dt.date | None = None) -> dict[str, Any]:
    require_role(principal, *READERS)
    return vacancies.summary(conn, association=association, municipality=municipality, as_of=as_of)


@router.post("/api/vacancies", status_code=201, summary="Record a vacant building (own municipality only)")
def post_vacancy(conn: ActingConnectionDep, principal: PrincipalDep, body: vacancies.VacancyCreate,
                 crs: str | None = None) -> dict[str, Any]:
    require_role(principal, *WRITERS)
    return {"id": vacancies.record_vacancy(conn, principal, body, srid=parse_crs(crs))}


@router.post("/api/vacancies/{vacancy_id}/end", summary="The vacancy ended on a date (own municipality only)")
def end_vacancy(conn: ActingConnectionDep, principal: PrincipalDep, vacancy_id: int, ended_on: dt.date
                ) -> dict[str, Any]:
    require_role(principal, *WRITERS)
    vacancies.end_vacancy(conn, principal, vacancy_id, ended_on)
    return {"id": vacancy_id, "ended_on": ended_on.isoformat()}


@router.get("/api/audit", summary="Audit trail: who changed what, when, before/after (admins: all tables)")
def get_audit(conn: ActingConnectionDep, principal: PrincipalDep, table: str | None = None,
              row_key: str | None = None, actor: str | None = None, since: dt.datetime | None = None,
              limit: Annotated[int, Query(ge=1, le=10_000)] = 100, offset: Offset = 0
              ) -> list[dict[str, Any]]:
    require_role(principal, *READERS)
    return audit.entries(conn, principal, table=table, row_key=row_key, actor=actor, since=since, limit=limit,
                         offset=offset)
