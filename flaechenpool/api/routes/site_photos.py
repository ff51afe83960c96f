"""Photos of sites: land managers of the municipality add and remove them (multipart), planners and up
list them, everyone gets the photos of published sites (with ETag; cached by browsers for a day)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Header, Response, UploadFile

from flaechenpool import site_photos
from flaechenpool.api.deps import PublicConnectionDep, SettingsDep
from flaechenpool.api.responses import is_not_modified
from flaechenpool.api.security import ActingConnectionDep, PrincipalDep, require_role

router = APIRouter(tags=["sites"])
WRITERS = ("land_manager", "admin")


class PhotoForm(site_photos.PhotoIn):
    """The photo (JPEG, PNG or WebP) with its caption and credit."""

    photo: UploadFile


@router.post("/api/sites/{site_id}/photos", status_code=201,
             summary="Add a photo to a site (multipart: photo, caption, credit; stored without metadata)")
def add_photo(conn: ActingConnectionDep, principal: PrincipalDep, site_id: int, data: Annotated[PhotoForm, Form()],
              settings: SettingsDep) -> dict[str, Any]:
    require_role(principal, *WRITERS)
    fields = site_photos.PhotoIn(caption=data.caption, credit=data.credit, position=data.position)
    return site_photos.add_photo(conn, principal, site_id, data.photo.file.read(), fields, settings.public)


@router.get("/api/sites/{site_id}/photos", summary="The photos of a site, without their bytes (planners and up)")
def list_photos(conn: ActingConnectionDep, principal: PrincipalDep, site_id: int) -> list[dict[str, Any]]:
    require_role(principal, "planner", *WRITERS)
    return site_photos.list_photos(conn, site_id)


@router.delete("/api/sites/{site_id}/photos/{photo_id}", status_code=204, summary="Remove a photo of a site")
def remove_photo(conn: ActingConnectionDep, principal: PrincipalDep, site_id: int, photo_id: int) -> Response:
    require_role(principal, *WRITERS)
    site_photos.remove_photo(conn, principal, site_id, photo_id)
    return Response(status_code=204)


def _image(content: bytes, media_type: str, etag: str, if_none_match: str | None) -> Response:
    headers = {"ETag": etag, "Cache-Control": "public, max-age=86400"}
    if is_not_modified(etag, if_none_match):
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=media_type, headers=headers)


@router.get("/api/public/sites/{site_id}/photos/{photo_id}", tags=["public"], response_class=Response,
            summary="A photo of a published site (the image)")
def public_photo(conn: PublicConnectionDep, site_id: int, photo_id: int,
                 if_none_match: Annotated[str | None, Header()] = None) -> Response:
    content, media_type, sha256 = site_photos.public_photo(conn, site_id, photo_id)
    return _image(content, media_type, f'"{sha256[:32]}"', if_none_match)


@router.get("/api/public/sites/{site_id}/photos/{photo_id}/thumbnail", tags=["public"], response_class=Response,
            summary="The thumbnail of a photo of a published site (JPEG, at most 320 pixels)")
def public_thumbnail(conn: PublicConnectionDep, site_id: int, photo_id: int,
                     if_none_match: Annotated[str | None, Header()] = None) -> Response:
    content, media_type, sha256 = site_photos.public_photo(conn, site_id, photo_id, thumbnail=True)
    return _image(content, media_type, f'"t{sha256[:31]}"', if_none_match)
