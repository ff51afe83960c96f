"""Inquiries (Anfragen) of investors to published sites: submitted anonymously (validated,
rate-limited, stored as personal data), read by land managers of the site's municipality and admins
with a purpose; every read is logged by the database (personal.read_inquiries)."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Connection, text

from flaechenpool import consent, intake
from flaechenpool.auth import Principal, all_municipalities, municipalities_for, require_municipality
from flaechenpool.errors import InputError, NotFound, PermissionDenied
from flaechenpool.ratelimit import RateLimiter
from flaechenpool.settings import PublicSettings


class InquiryIn(BaseModel):
    """An inquiry as the public form sends it (JSON)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=200)
    email: str = Field(min_length=3, max_length=254)
    company: str | None = Field(default=None, max_length=200)
    message: str = Field(min_length=10, max_length=5000)
    consent: bool
    consent_version: str | None = Field(default=None, max_length=50)
    website: str | None = Field(default=None, max_length=500, description="Honeypot: leave empty")

    _email = field_validator("email")(intake.email)
    _name = field_validator("name", "company")(lambda v: v if v is None else intake.single_line(v))
    _message = field_validator("message")(intake.text_block)

    @field_validator("consent")
    @classmethod
    def _consent_given(cls, value: bool) -> bool:
        if not value:
            raise ValueError("Die Einwilligung in die Datenverarbeitung ist erforderlich.")
        return value

    @field_validator("company")
    @classmethod
    def _empty_company(cls, value: str | None) -> str | None:
        return value or None


def submit_inquiry(conn: Connection, site_id: int, data: InquiryIn, *, limiter: RateLimiter, client: str,
                   limits: PublicSettings) -> str:
    """Store an inquiry to a published site; returns its reference number (nothing else is echoed)."""
    limiter.acquire([(("inquiry", client, site_id), limits.inquiries_per_ip_and_site),
                     (("inquiry", client), limits.inquiries_per_ip),
                     (("inquiry-site", site_id), limits.inquiries_per_site)], message=intake.RATE_LIMIT_MESSAGE)
    intake.refuse_bots(data.website)
    version = consent.version_for("inquiry", data.consent_version)
    return str(conn.execute(text(
        "SELECT personal.submit_inquiry(:site, :name, :email, :company, :message, :consent, :version)"),
        {"site": site_id, "name": data.name, "email": data.email, "company": data.company, "message": data.message,
         "consent": data.consent, "version": version}).scalar_one())


Status = Literal["new", "in_progress", "answered", "closed"]
STATUSES: tuple[str, ...] = get_args(Status)


def list_inquiries(conn: Connection, principal: Principal, *, purpose: str, municipality: str | None = None,
                   site_id: int | None = None, limit: int = 1000, status: str | None = None) -> list[dict[str, Any]]:
    """Inquiries of the caller's municipalities (or one municipality or site; in one handling ``status``),
    newest first, with their handling; logged."""
    if not purpose.strip():
        raise InputError("reading inquiries needs a purpose")
    if site_id is not None and municipality is None:
        municipality = conn.execute(text("SELECT municipality_ags FROM core.sites WHERE id = :i"),
                                    {"i": site_id}).scalar()
        if municipality is None:
            raise NotFound(f"no site {site_id}")
    municipalities = municipalities_for(conn, principal, municipality, "inquiries")
    if status is not None and status not in STATUSES:
        raise InputError(f"unknown status {status!r}: choose {', '.join(STATUSES)}")
    rows = conn.execute(text("SELECT * FROM personal.read_inquiries(CAST(:m AS text[]), :s, :p, :l, :st)"),
                        {"m": municipalities, "s": site_id, "p": purpose, "l": limit, "st": status}).mappings()
    return [dict(r) for r in rows]


def demand(conn: Connection, principal: Principal, *, municipality: str | None = None) -> list[dict[str, Any]]:
    """How many inquiries each site received, by handling status, with the newest's date, in every
    municipality or the one named: counts only, for planners and up (no purpose, not logged)."""
    if principal.role not in ("planner", "land_manager", "admin"):
        raise PermissionDenied("the demand for sites is for planners, land managers and admins")
    if municipality is not None:
        require_municipality(conn, municipality)
        municipalities = [municipality]
    else:
        municipalities = all_municipalities(conn)
    sites: dict[int, dict[str, Any]] = {}
    for row in conn.execute(text("SELECT * FROM personal.inquiry_counts(CAST(:m AS text[]))"),
                            {"m": municipalities}).mappings():
        site = sites.setdefault(row["site_id"], {
            "site_id": row["site_id"], "site_name": row["site_name"], "municipality_ags": row["municipality_ags"],
            "inquiries": 0, "last_received_at": row["last_received_at"], **dict.fromkeys(STATUSES, 0)})
        site[row["status"]] = row["inquiries"]
        site["inquiries"] += row["inquiries"]
        site["last_received_at"] = max(site["last_received_at"], row["last_received_at"])
    return sorted(sites.values(), key=lambda s: (-s["inquiries"], s["site_name"], s["site_id"]))


class HandlingIn(BaseModel):
    """A change of an inquiry's handling (Bearbeitungsstand) and, optionally, its internal note."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Status
    note: str | None = Field(default=None, max_length=2000, description="Internal note; '' removes it")


def set_status(conn: Connection, reference: str, change: HandlingIn) -> dict[str, Any]:
    """Set the handling of the inquiry ``reference``; the database checks that the acting user may (land
    managers of its municipality, admins) and records who and when. Returns the new handling."""
    row = conn.execute(text("SELECT * FROM personal.set_inquiry_status(:r, :s, :n)"),
                       {"r": reference, "s": change.status, "n": change.note}).mappings().one()
    return dict(row)
