"""Inquiries (Anfragen): anonymous visitors send them to a published site; land managers of the
site's municipality read them with a purpose (logged)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from flaechenpool import consent, inquiries
from flaechenpool.api.clients import ClientDep, RateLimiterDep
from flaechenpool.api.deps import PublicConnectionDep, SettingsDep
from flaechenpool.api.security import ActingConnectionDep, PrincipalDep, require_role

router = APIRouter(tags=["inquiries"])


@router.get("/api/public/consent", tags=["public"], summary="Consent texts of the public forms (with versions)")
def consent_texts() -> dict[str, Any]:
    return consent.texts()


@router.post("/api/public/sites/{site_id}/inquiries", status_code=201, tags=["public"],
             summary="Send an inquiry to a published site (rate-limited; answers with a reference number only)")
def submit_inquiry(conn: PublicConnectionDep, site_id: int, body: inquiries.InquiryIn, settings: SettingsDep,
                   limiter: RateLimiterDep, client: ClientDep) -> dict[str, str]:
    reference = inquiries.submit_inquiry(conn, site_id, body, limiter=limiter, client=client, limits=settings.public)
    return {"reference": reference,
            "message": "Vielen Dank! Ihre Anfrage ist eingegangen und wird von der Gemeinde bearbeitet."}


@router.get("/api/inquiries/demand", summary="Inquiries per site by handling status: counts only (planners and up)")
def inquiry_demand(conn: ActingConnectionDep, principal: PrincipalDep,
                   municipality: Annotated[str | None, Query(pattern=r"^[0-9]{8}$")] = None) -> list[dict[str, Any]]:
    require_role(principal, "planner", "land_manager", "admin")
    return inquiries.demand(conn, principal, municipality=municipality)


@router.get("/api/inquiries", summary="Inquiries (land managers of the municipality; purpose required, read is logged)")
def list_inquiries(conn: ActingConnectionDep, principal: PrincipalDep,
                   purpose: Annotated[str, Query(min_length=3, max_length=500)],
                   municipality: Annotated[str | None, Query(pattern=r"^[0-9]{8}$")] = None,
                   site_id: int | None = None,
                   status: inquiries.Status | None = None,
                   limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> list[dict[str, Any]]:
    require_role(principal, "land_manager", "admin")
    return inquiries.list_inquiries(conn, principal, purpose=purpose, municipality=municipality, site_id=site_id,
                                    limit=limit, status=status)


@router.patch("/api/inquiries/{reference}", summary="Set the handling of an inquiry (land managers of the "
              "municipality): status new, in_progress, answered or closed, and an internal note")
def set_inquiry_status(conn: ActingConnectionDep, principal: PrincipalDep, reference: str,
                       body: inquiries.HandlingIn) -> dict[str, Any]:
    require_role(principal, "land_manager", "admin")
    return inquiries.set_status(conn, reference, body)
