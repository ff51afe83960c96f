"""Site reports (Meldungen): anyone reports a vacant building or fallow land with a location, a
description, an optional photo and an optional contact (with consent); the report waits in the queue
of the land managers of the municipality the location lies in, who accept it as a site (created
through the site register, so its checks, audit and workflow apply) or reject it with a reason."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Connection, text

from flaechenpool import consent, intake, sites
from flaechenpool.auth import Principal, municipalities_for
from flaechenpool.db import load_sql
from flaechenpool.errors import Conflict, InputError, NotFound, PermissionDenied, UnprocessableError
from flaechenpool.photos import Photo
from flaechenpool.ratelimit import RateLimiter
from flaechenpool.settings import PublicSettings
from flaechenpool.spatial import parse_crs

SITE_KIND = {"vacant_building": "vacant_building", "fallow_land": "brownfield"}
SITE_NAME = {"vacant_building": "Leerstehendes Gebäude", "fallow_land": "Brachfläche"}


class ReportIn(BaseModel):
    """A report as the public form sends it (multipart form fields; the photo comes separately)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["vacant_building", "fallow_land"]
    description: str = Field(min_length=10, max_length=5000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    x: float | None = None
    y: float | None = None
    crs: str | None = Field(default=None, max_length=100)
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=254)
    contact_phone: str | None = Field(default=None, max_length=50)
    contact_consent: bool = False
    consent_version: str | None = Field(default=None, max_length=50)
    website: str | None = Field(default=None, max_length=500, description="Honeypot: leave empty")

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_missing(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    _description = field_validator("description")(intake.text_block)
    _name = field_validator("contact_name")(lambda v: v if v is None else intake.single_line(v))
    _email = field_validator("contact_email")(lambda v: v if v is None else intake.email(v))
    _phone = field_validator("contact_phone")(lambda v: v if v is None else intake.phone(v))

    @model_validator(mode="after")
    def _location_and_consent(self) -> ReportIn:
        if (self.lon is None) != (self.lat is None) or (self.x is None) != (self.y is None):
            raise ValueError("Der Ort braucht beide Koordinaten (lon und lat oder x und y).")
        if self.lon is None and self.x is None:
            raise ValueError("Der Ort fehlt: lon/lat (WGS 84) oder x/y mit crs angeben.")
        if self.has_contact and not self.contact_consent:
            raise ValueError("Kontaktangaben werden nur mit Einwilligung gespeichert (contact_consent).")
        return self

    @property
    def has_contact(self) -> bool:
        return any((self.contact_name, self.contact_email, self.contact_phone))

    def location(self) -> tuple[float, float, int]:
        """x, y and EPSG code of the reported place."""
        if self.lon is not None and self.lat is not None:
            return self.lon, self.lat, 4326
        assert self.x is not None and self.y is not None
        try:
            return self.x, self.y, parse_crs(self.crs, default=4326)
        except InputError:
            raise InputError(f"Unbekanntes Koordinatenreferenzsystem {self.crs!r}; z. B. EPSG:25832.") from None


def submit_report(conn: Connection, data: ReportIn, photo: Photo | None, *, limiter: RateLimiter, client: str,
                  limits: PublicSettings) -> str:
    """Store a report (municipality from the location); returns its reference number only."""
    limiter.acquire([(("report", client), limits.reports_per_ip)], message=intake.RATE_LIMIT_MESSAGE)
    intake.refuse_bots(data.website)
    x, y, srid = data.location()
    if not conn.execute(text("SELECT EXISTS (SELECT 1 FROM spatial_ref_sys WHERE srid = :s)"), {"s": srid}).scalar():
        raise InputError(f"Unbekanntes Koordinatenreferenzsystem EPSG:{srid}.")
    if srid == 4326 and not (-180 <= x <= 180 and -90 <= y <= 90):
        raise InputError("Länge/Breite liegen außerhalb des gültigen Bereichs.")
    version = consent.version_for("report_contact", data.consent_version) if data.has_contact else None
    return str(conn.execute(text(
        "SELECT core.submit_site_report(:kind, :description, :x, :y, :srid, :photo, :photo_type, :width, :height, "
        ":name, :email, :phone, :consent, :version)"),
        {"kind": data.kind, "description": data.description, "x": x, "y": y, "srid": srid,
         "photo": photo.content if photo else None, "photo_type": photo.media_type if photo else None,
         "width": photo.width if photo else None, "height": photo.height if photo else None,
         "name": data.contact_name, "email": data.contact_email, "phone": data.contact_phone,
         "consent": data.contact_consent, "version": version}).scalar_one())


def list_reports(conn: Connection, principal: Principal, *, municipality: str | None = None,
                 status: str | None = "new", purpose: str | None = None, srid: int = 4326) -> dict[str, Any]:
    """The review queue of the caller's municipalities as GeoJSON (points); reporters' contacts only with a
    purpose (read through the logged database function)."""
    municipalities = municipalities_for(conn, principal, municipality, "site reports")
    features = json.loads(conn.execute(text(load_sql("public/report_queue")), {
        "m": municipalities, "status": status, "srid": srid, "d": 7 if srid == 4326 else 2}).scalar_one())
    if purpose is not None and purpose.strip() and features:
        ids = [f["id"] for f in features]
        contacts = {c["report_id"]: dict(c) for c in conn.execute(text(
            "SELECT * FROM personal.read_report_contacts(CAST(:i AS bigint[]), :p)"), {"i": ids, "p": purpose}
        ).mappings()}
        for f in features:
            contact = contacts.get(f["id"])
            f["properties"]["contact"] = {k: v for k, v in contact.items() if k != "report_id"} if contact else None
    return {"type": "FeatureCollection", "features": features}


def _report(conn: Connection, principal: Principal, report_id: int) -> Any:
    row = conn.execute(text("SELECT id, reference, municipality_ags, kind, description, status FROM core.site_reports "
                            "WHERE id = :i FOR UPDATE"), {"i": report_id}).first()
    if row is None:
        raise NotFound(f"no site report {report_id}")
    if not principal.may_write(row.municipality_ags):
        raise PermissionDenied(f"only land managers of municipality {row.municipality_ags} may handle its reports")
    return row


def photo(conn: Connection, principal: Principal, report_id: int) -> tuple[bytes, str]:
    """The photo of a report (land managers of its municipality)."""
    _report(conn, principal, report_id)
    row = conn.execute(text("SELECT content, media_type FROM core.site_report_photos WHERE report_id = :i"),
                       {"i": report_id}).first()
    if row is None:
        raise NotFound(f"site report {report_id} has no photo")
    return bytes(row.content), str(row.media_type)


class Acceptance(BaseModel):
    """How a report becomes a site: name and kind (defaults from the report) and its outline — the parcels
    named, a drawn geometry, or else the current parcels at the reported place."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=300)
    kind: sites.Kind | None = None
    parcels: list[str] | None = Field(default=None, min_length=1, max_length=500)
    geometry: dict[str, Any] | None = None
    reason: str | None = Field(default=None, max_length=2000)


def accept_report(conn: Connection, principal: Principal, report_id: int, data: Acceptance, *,
                  srid: int = 4326) -> int:
    """Create a site from a new report (through the site register) and link it; returns the site id."""
    report = _report(conn, principal, report_id)
    if report.status != "new":
        raise Conflict(f"report {report.reference} has been decided already ({report.status})")
    parcels = data.parcels
    if data.geometry is None and not parcels:
        parcels = list(conn.execute(text(
            "SELECT p.flurstueckskennzeichen FROM core.parcels p JOIN core.site_reports r ON r.id = :i "
            "AND ST_Intersects(p.geom, r.geom) WHERE p.valid_to IS NULL AND p.municipality_ags = r.municipality_ags "
            "ORDER BY 1"), {"i": report_id}).scalars())
        if not parcels:
            raise UnprocessableError(f"no parcel at the place of report {report.reference}: give parcels or a geometry")
    site = sites.SiteCreate(
        municipality_ags=report.municipality_ags, kind=data.kind or SITE_KIND[report.kind],  # type: ignore[arg-type]
        name=data.name or f"{SITE_NAME[report.kind]} (Meldung {report.reference})",
        description=f"Aus Meldung {report.reference}: {report.description}", parcels=parcels, geometry=data.geometry)
    with conn.begin_nested():
        site_id = sites.create_site(conn, principal, site, srid=srid,
                                    reason=data.reason or f"accepted from site report {report.reference}")
        conn.execute(text("UPDATE core.site_reports SET status = 'accepted', site_id = :s, decided_by = :u "
                          "WHERE id = :i"), {"s": site_id, "u": principal.username, "i": report_id})
    return site_id


def reject_report(conn: Connection, principal: Principal, report_id: int, *, reason: str) -> None:
    """Reject a new report with a reason."""
    report = _report(conn, principal, report_id)
    if report.status != "new":
        raise Conflict(f"report {report.reference} has been decided already ({report.status})")
    if len(reason.strip()) < 3:
        raise InputError("rejecting a report needs a reason")
    conn.execute(text("UPDATE core.site_reports SET status = 'rejected', rejection_reason = :r, decided_by = :u "
                      "WHERE id = :i"), {"r": reason.strip(), "u": principal.username, "i": report_id})
