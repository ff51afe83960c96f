"""Site reports (Meldungen): anonymous visitors send them (multipart, with an optional photo); land
managers of the municipality review the queue, see photos, accept reports as sites or reject them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from flaechenpool import reports
from flaechenpool.api.clients import ClientDep, RateLimiterDep
from flaechenpool.api.deps import PublicConnectionDep, SettingsDep
from flaechenpool.api.security import ActingConnectionDep, PrincipalDep, require_role
from flaechenpool.photos import check_photo
from flaechenpool.spatial import parse_crs

router = APIRouter(tags=["reports"])
WRITERS = ("land_manager", "admin")


class ReportForm(reports.ReportIn):
    """The report's form fields and its optional photo (JPEG, PNG or WebP)."""

    photo: UploadFile | None = None


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)


@router.post("/api/public/reports", status_code=201, tags=["public"],
             summary="Report a vacant building or fallow land (multipart; answers with a reference number only)")
def submit_report(conn: PublicConnectionDep, data: Annotated[ReportForm, Form()], settings: SettingsDep,
                  limiter: RateLimiterDep, client: ClientDep) -> dict[str, str]:
    photo = data.photo
    content = photo.file.read() if photo is not None and photo.filename else None
    checked = check_photo(content, max_bytes=settings.public.max_photo_bytes,
                          max_pixels=settings.public.max_photo_pixels) if content is not None else None
    reference = reports.submit_report(conn, data, checked, limiter=limiter, client=client, limits=settings.public)
    return {"reference": reference,
            "message": "Vielen Dank für Ihre Meldung! Die Gemeinde prüft sie und nimmt sie gegebenenfalls auf."}


@router.get("/api/reports", summary="Review queue of site reports (land managers; contacts only with a purpose)")
def list_reports(conn: ActingConnectionDep, principal: PrincipalDep,
                 municipality: Annotated[str | None, Query(pattern=r"^[0-9]{8}$")] = None,
                 status: Annotated[str | None, Query(pattern=r"^(new|accepted|rejected|all)$")] = "new",
                 purpose: Annotated[str | None, Query(max_length=500, description="Also read the reporters' "
                                                      "contacts (logged)")] = None,
                 crs: str | None = None) -> dict[str, Any]:
    require_role(principal, *WRITERS)
    return reports.list_reports(conn, principal, municipality=municipality, status=None if status == "all" else status,
                                purpose=purpose, srid=parse_crs(crs))


@router.get("/api/reports/{report_id}/photo", summary="The photo of a report (land managers of its municipality)",
            response_class=Response)
def report_photo(conn: ActingConnectionDep, principal: PrincipalDep, report_id: int) -> Response:
    require_role(principal, *WRITERS)
    content, media_type = reports.photo(conn, principal, report_id)
    return Response(content, media_type=media_type, headers={"Cache-Control": "private, no-store"})


@router.post("/api/reports/{report_id}/accept", status_code=201,
             summary="Accept a report: a site is created (parcels at the place, or given parcels/geometry) and linked")
def accept_report(conn: ActingConnectionDep, principal: PrincipalDep, report_id: int, body: reports.Acceptance,
                  crs: str | None = None) -> dict[str, Any]:
    require_role(principal, *WRITERS)
    site_id = reports.accept_report(conn, principal, report_id, body, srid=parse_crs(crs))
    return {"report_id": report_id, "status": "accepted", "site_id": site_id, "site_url": f"/api/sites/{site_id}"}


@router.post("/api/reports/{report_id}/reject", summary="Reject a report with a reason")
def reject_report(conn: ActingConnectionDep, principal: PrincipalDep, report_id: int, body: Rejection
                  ) -> dict[str, Any]:
    require_role(principal, *WRITERS)
    reports.reject_report(conn, principal, report_id, reason=body.reason)
    return {"report_id": report_id, "status": "rejected"}
