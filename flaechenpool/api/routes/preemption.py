"""/api/preemption: pre-emption cases (Vorkaufsrechtsfälle) of the land office, for land managers of the
municipality and admins (``flaechenpool.preemption``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from flaechenpool import preemption
from flaechenpool.api.params import Offset
from flaechenpool.api.security import ActingConnectionDep, PrincipalDep, require_role
from flaechenpool.expose.case_report import case_report_pdf

router = APIRouter(tags=["pre-emption"])
HANDLERS = ("land_manager", "admin")


@router.get("/api/preemption", summary="Pre-emption cases: open ones by deadline first, then the decided ones")
def get_cases(conn: ActingConnectionDep, principal: PrincipalDep,
              municipality: Annotated[str | None, Query(pattern=r"^[0-9]{8}$")] = None,
              state: Annotated[preemption.State | None, Query(
                  description="open; due: deadline within 14 days; lapsed: deadline passed undecided; decided")] = None,
              due_within: Annotated[int | None, Query(ge=0, le=366, description="Open, deadline within N days")] = None,
              parcel: Annotated[str | None, Query(min_length=20, max_length=20,
                                                  description="Cases naming this Flurstückskennzeichen")] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Offset = 0) -> list[dict[str, Any]]:
    require_role(principal, *HANDLERS)
    return preemption.list_cases(conn, principal, municipality=municipality, state=state, due_within=due_within,
                                 parcel=parcel, limit=limit, offset=offset)


@router.post("/api/preemption", status_code=201, summary="Record the notice of a sale contract (deadline: 3 months); "
             "answers the case as GET does, with what to check (warnings)")
def post_case(conn: ActingConnectionDep, principal: PrincipalDep, body: preemption.CaseCreate,
              response: Response) -> dict[str, Any]:
    require_role(principal, *HANDLERS)
    case_id = preemption.record_case(conn, principal, body)
    response.headers["Location"] = f"/api/preemption/{case_id}"
    return preemption.with_basis(conn, preemption.get_case(conn, principal, case_id))


@router.get("/api/preemption/{case_id}", summary="One pre-emption case with its deadline, state and decision basis "
            "(sites, analysis candidates, zoning plans, flood and protected shares, municipal parcels next to it) "
            "and what to check (warnings)")
def get_case(conn: ActingConnectionDep, principal: PrincipalDep, case_id: int) -> dict[str, Any]:
    require_role(principal, *HANDLERS)
    return preemption.with_basis(conn, preemption.get_case(conn, principal, case_id))


@router.post("/api/preemption/{case_id}/decision",
             summary="Decide: no_right, waived or exercised (an exercised right enters the land pool); final")
def post_decision(conn: ActingConnectionDep, principal: PrincipalDep, case_id: int,
                  body: preemption.CaseDecision) -> dict[str, Any]:
    require_role(principal, *HANDLERS)
    return preemption.decide(conn, principal, case_id, body)


@router.get("/api/preemption/{case_id}/report.pdf", response_class=Response,
            summary="The decision paper (Entscheidungsvorlage) of a case as PDF (German, internal: with the price)")
def get_report(conn: ActingConnectionDep, principal: PrincipalDep, case_id: int) -> Response:
    require_role(principal, *HANDLERS)
    content, filename = case_report_pdf(conn, principal, case_id)
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
